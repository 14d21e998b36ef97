#!/usr/bin/env node
// The Hugging Face tokenizers library (Rust, through the @anush008/tokenizers native binding) as the
// reference for NemoDesk's tokenizers.
//
//   node hf_tokenize.js TOKENIZER.json CORPUS.jsonl OUT.jsonl
//       For every corpus entry (a JSON string per line) writes one line {"ids":[...],"text":"...","nfc":b}:
//       the ids of encode(entry, addSpecialTokens=false), decode(ids, skipSpecialTokens=false), and whether
//       NFC leaves the entry unchanged.
//   node hf_tokenize.js --bench TOKENIZER.json CORPUS.jsonl [--runs N] [--json]
//       Single-threaded throughput (run it with RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false; this
//       script sets both for itself before loading the library, and says so in its output):
//         encode_batch - encodeBatch over chunks of 256 entries: the Rust encoder's speed with the
//                        node/async overhead of one call per chunk, amortised;
//         encode_call  - one encode() call per entry (what a program calling per line would see);
//         decode_batch - decodeBatch of the ids over chunks of 256 entries.
//       MB/s counts the corpus's UTF-8 bytes (encode) or the decoded text's bytes (decode), best of N
//       runs after one warm-up run; tokens/s counts ids. Rates are given for wall time and (*_cpu) for the
//       process's CPU time, which is what compares on a loaded machine.
'use strict';

process.env.RAYON_NUM_THREADS = process.env.RAYON_NUM_THREADS || '1';
process.env.TOKENIZERS_PARALLELISM = process.env.TOKENIZERS_PARALLELISM || 'false';

const fs = require('fs');
const path = require('path');
const {Tokenizer} = require(path.join(__dirname, 'node_modules', '@anush008', 'tokenizers'));

const CHUNK = 256;

function readCorpus(file) {
  const out = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.length) out.push(JSON.parse(line));
  }
  return out;
}

async function reference(tokenizerPath, corpusPath, outPath) {
  const tok = Tokenizer.fromFile(tokenizerPath);
  const corpus = readCorpus(corpusPath);
  const lines = [];
  for (let i = 0; i < corpus.length; i += CHUNK) {
    const chunk = corpus.slice(i, i + CHUNK);
    const enc = await tok.encodeBatch(chunk, {addSpecialTokens: false});
    const ids = enc.map((e) => e.getIds());
    const texts = await tok.decodeBatch(ids, false);
    for (let j = 0; j < chunk.length; ++j) {
      // nfc: the entry is unchanged by NFC (JavaScript's ICU tables), for vocabularies whose NFC normalizer
      // GGUF cannot carry.
      lines.push(JSON.stringify({ids: ids[j], text: texts[j], nfc: chunk[j].normalize('NFC') === chunk[j]}));
    }
  }
  const tmp = `${outPath}.${process.pid}.tmp`;  // parallel test processes may build it at once
  fs.writeFileSync(tmp, lines.join('\n') + '\n');
  fs.renameSync(tmp, outPath);
  process.stderr.write(`hf_tokenize: ${corpus.length} entries -> ${outPath}\n`);
}

// Best wall time and best CPU time (process.cpuUsage: every thread of the process, so the Rust work on
// libuv's pool is counted) of `runs` runs after a warm-up. On a loaded machine CPU time is what compares.
async function timeBest(runs, fn) {
  await fn();  // warm-up
  let wall = Infinity, cpu = Infinity;
  for (let r = 0; r < runs; ++r) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await fn();
    wall = Math.min(wall, Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1e6);
  }
  return {wall, cpu};
}

async function bench(tokenizerPath, corpusPath, runs, asJson) {
  const tok = Tokenizer.fromFile(tokenizerPath);
  const corpus = readCorpus(corpusPath);
  const bytes = corpus.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
  const chunks = [];
  for (let i = 0; i < corpus.length; i += CHUNK) chunks.push(corpus.slice(i, i + CHUNK));

  let ids = [];
  const encodeBatch = await timeBest(runs, async () => {
    ids = [];
    for (const c of chunks) {
      for (const e of await tok.encodeBatch(c, {addSpecialTokens: false})) ids.push(e.getIds());
    }
  });
  const nTokens = ids.reduce((n, a) => n + a.length, 0);
  const encodeCall = await timeBest(runs, async () => {
    for (const s of corpus) await tok.encode(s, null, {addSpecialTokens: false});
  });
  const idChunks = [];
  for (let i = 0; i < ids.length; i += CHUNK) idChunks.push(ids.slice(i, i + CHUNK));
  let decodedBytes = 0;
  const decodeBatch = await timeBest(runs, async () => {
    decodedBytes = 0;
    for (const c of idChunks) {
      for (const t of await tok.decodeBatch(c, false)) decodedBytes += Buffer.byteLength(t, 'utf8');
    }
  });
  const result = {
    tokenizer: tokenizerPath,
    implementation: 'huggingface-tokenizers (Rust, @anush008/tokenizers 0.6.0 binding)',
    threads: `RAYON_NUM_THREADS=${process.env.RAYON_NUM_THREADS} TOKENIZERS_PARALLELISM=${process.env.TOKENIZERS_PARALLELISM}`,
    entries: corpus.length,
    bytes,
    tokens: nTokens,
    runs,
    encode_mb_s: bytes / encodeBatch.wall / 1e6,
    encode_mb_s_cpu: bytes / encodeBatch.cpu / 1e6,
    encode_tokens_s: nTokens / encodeBatch.wall,
    encode_call_mb_s: bytes / encodeCall.wall / 1e6,
    encode_call_mb_s_cpu: bytes / encodeCall.cpu / 1e6,
    decode_mb_s: decodedBytes / decodeBatch.wall / 1e6,
    decode_mb_s_cpu: decodedBytes / decodeBatch.cpu / 1e6,
    decode_tokens_s: nTokens / decodeBatch.wall,
  };
  if (asJson) {
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    process.stdout.write(
        `HF ${path.basename(path.dirname(path.dirname(tokenizerPath)))}: ${corpus.length} entries, ` +
        `${(bytes / 1e6).toFixed(2)} MB, ${nTokens} tokens (${result.threads}, best of ${runs})\n` +
        `  encode (encodeBatch/${CHUNK}) ${result.encode_mb_s.toFixed(2)} MB/s ` +
        `(${result.encode_mb_s_cpu.toFixed(2)} MB/s of CPU time), ` +
        `${(result.encode_tokens_s / 1e6).toFixed(2)} M tokens/s\n` +
        `  encode (one call per entry) ${result.encode_call_mb_s.toFixed(2)} MB/s\n` +
        `  decode (decodeBatch/${CHUNK}) ${result.decode_mb_s.toFixed(2)} MB/s ` +
        `(${result.decode_mb_s_cpu.toFixed(2)} MB/s of CPU time), ` +
        `${(result.decode_tokens_s / 1e6).toFixed(2)} M tokens/s\n`);
  }
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--bench') {
    const rest = args.slice(1);
    const runsAt = rest.indexOf('--runs');
    const runs = runsAt >= 0 ? Number(rest[runsAt + 1]) : 3;
    const positional = rest.filter((a, i) => !a.startsWith('--') && (runsAt < 0 || i !== runsAt + 1));
    if (positional.length !== 2 || !(runs > 0)) throw new Error('usage: hf_tokenize.js --bench TOKENIZER.json CORPUS.jsonl [--runs N] [--json]');
    await bench(positional[0], positional[1], runs, rest.includes('--json'));
    return;
  }
  if (args.length !== 3) {
    throw new Error('usage: hf_tokenize.js TOKENIZER.json CORPUS.jsonl OUT.jsonl | --bench TOKENIZER.json CORPUS.jsonl [--runs N] [--json]');
  }
  await reference(args[0], args[1], args[2]);
}

main().catch((e) => {
  process.stderr.write(`hf_tokenize: ${e.message}\n`);
  process.exit(1);
});

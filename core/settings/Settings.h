#pragma once
// The user's settings.json (in the config folder). Every key is optional; a missing file means the
// defaults. A file that cannot be parsed or holds a wrong value is an error naming the file, the place
// and what is wrong: the daemon then refuses to start rather than overwrite or ignore the user's file.
//
//   { "daemon": { "port": 0 }, "telemetry": { "interval_ms": 1000 },
//     "queue": { "cpus": 0, "mem_mib": 0, "kill_grace_s": 10, "backfill": true },
//     "models": { "folders": ["/data/gguf"], "keep_alive_s": 300, "server_slots": 4, "server_ctx": 0 } }
#include <QByteArray>
#include <QString>
#include <QStringList>

#include "core/common/Result.h"

namespace nd {

struct Settings {
    static constexpr int defaultTelemetryIntervalMs = 1000;
    static constexpr int minTelemetryIntervalMs = 100;
    static constexpr int maxTelemetryIntervalMs = 60000;

    int daemonPort = 0;  // 0: take a free port (the one taken is written to the runtime file)
    int telemetryIntervalMs = defaultTelemetryIntervalMs;

    // The local queue. cpus/mem_mib 0: what the machine has (nproc, MemTotal); a larger number
    // over-commits on purpose (many small jobs), a smaller one keeps cores for interactive work.
    int queueCpus = 0;
    int queueMemMib = 0;
    int queueKillGraceSec = 10;  // time limit / cancel: SIGTERM, then SIGKILL after this long
    bool queueBackfill = true;

    // Folders the model library scans for GGUF files (absolute paths), before the ones added with
    // `nemoctl models add` (kept by the daemon in its own file: it never rewrites settings.json).
    QStringList modelFolders;
    // A model server (the OpenAI-compatible API's) with no request for this long is stopped, freeing its
    // GPU and memory; 0 stops it as soon as its last request ends.
    int modelKeepAliveSec = 300;
    // Requests one model server evaluates together (more wait), and the context of each (0: the model's,
    // at most 8192). Each slot holds a whole context of KV cache: slots × context is what a server needs.
    int modelServerSlots = 4;
    int modelServerCtx = 0;

    // Reads `file`; a file that does not exist gives the defaults.
    static Result<Settings> load(const QString &file);
    // Parses the contents of a settings file; `file` only names it in messages.
    static Result<Settings> parse(const QByteArray &json, const QString &file);
};

}  // namespace nd

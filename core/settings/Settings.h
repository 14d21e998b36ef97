#pragma once
// The user's settings.json (in the config folder). Every key is optional; a missing file means the
// defaults. A file that cannot be parsed or holds a wrong value is an error naming the file, the place
// and what is wrong: the daemon then refuses to start rather than overwrite or ignore the user's file.
//
//   { "daemon": { "port": 0 }, "telemetry": { "interval_ms": 1000 },
//     "queue": { "cpus": 0, "mem_mib": 0, "kill_grace_s": 10, "backfill": true } }
#include <QByteArray>
#include <QString>

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

    // Reads `file`; a file that does not exist gives the defaults.
    static Result<Settings> load(const QString &file);
    // Parses the contents of a settings file; `file` only names it in messages.
    static Result<Settings> parse(const QByteArray &json, const QString &file);
};

}  // namespace nd

// nemoctl worker: the programs the daemon runs inside jobs. `batch` answers a JSON Lines file of prompts
// with one model; `bench` measures a model and stores the result with the daemon. A subcommand table,
// so another worker (serve) is one more row.
#include "Cli.h"
#include "WorkerCommands.h"

namespace nd::cli {

namespace {

struct Subcommand {
    const char *name;
    const char *summary;
    int (*run)(const QStringList &args);
};

const Subcommand kWorkers[] = {
    {"batch", "answer every line of a JSON Lines file (prompts or chats) into another, resumable",
     &runWorkerBatch},
    {"bench", "measure prompt and decode speed, store the result with the daemon", &runWorkerBench},
    {"serve", "serve one model to the daemon's OpenAI-compatible API, concurrent requests batched",
     &runWorkerServe},
};

QString usage() {
    QString text = QStringLiteral(
        "Usage: nemoctl worker <kind> [options]\n\nPrograms the daemon runs as jobs (they also run by hand: "
        "without NEMODESK_JOB_ID they report no progress).\n\nKinds:\n");
    for (const Subcommand &s : kWorkers)
        text += QStringLiteral("  %1%2\n")
                    .arg(QString::fromLatin1(s.name).leftJustified(8), QString::fromLatin1(s.summary));
    return text + QStringLiteral("\nRun 'nemoctl worker <kind> --help' for its options.\n");
}

}  // namespace

int runWorker(const QStringList &args) {
    const QString kind = args.value(1);
    if (kind == QLatin1String("--help") || kind == QLatin1String("-h")) {
        printOut(usage());
        return exitOk;
    }
    for (const Subcommand &s : kWorkers) {
        if (kind == QLatin1String(s.name)) {
            QStringList rest = args.mid(2);
            rest.prepend(QStringLiteral("nemoctl worker ") + kind);
            return s.run(rest);
        }
    }
    return usageError(kind.isEmpty() ? QStringLiteral("which worker? batch or bench")
                                     : QStringLiteral("unknown worker '%1' (batch, bench)").arg(kind),
                      QStringLiteral("nemoctl worker batch|bench [options]"));
}

}  // namespace nd::cli

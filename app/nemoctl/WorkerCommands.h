#pragma once
// Entry points of `nemoctl worker …` (programs the queue runs as jobs) and `nemoctl models …` (the
// daemon's model library). Kept out of Cli.h's command table for now: main.cpp dispatches them.
#include <QStringList>

namespace nd::cli {

int runWorker(const QStringList &args);       // "worker batch|bench …"
int runWorkerBatch(const QStringList &args);  // args[0] "nemoctl worker batch"
int runWorkerBench(const QStringList &args);
int runWorkerServe(const QStringList &args);
int runModels(const QStringList &args);  // "models add|remove|list …"

}  // namespace nd::cli

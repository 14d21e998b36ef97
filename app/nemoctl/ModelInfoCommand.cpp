// PLACEHOLDER: replaced by its implementation in this change.
#include "Cli.h"
namespace nd::cli {
int runInfo(const QStringList &) { return exitFailure; }
}  // namespace nd::cli

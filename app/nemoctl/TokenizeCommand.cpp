// PLACEHOLDER: replaced by its implementation in this change.
#include "Cli.h"
namespace nd::cli {
int runTokenize(const QStringList &) { return exitFailure; }
int runDetokenize(const QStringList &) { return exitFailure; }
}  // namespace nd::cli

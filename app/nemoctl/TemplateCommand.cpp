// PLACEHOLDER: replaced by its implementation in this change.
#include "Cli.h"
namespace nd::cli {
int runTemplate(const QStringList &) { return exitFailure; }
}  // namespace nd::cli

// (being written)
#include "Cli.h"
namespace nd::cli {
int runEval(const QStringList &) { return 1; }
}  // namespace nd::cli

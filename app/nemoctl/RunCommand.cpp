// (being written)
#include "Cli.h"
namespace nd::cli {
int runRun(const QStringList &) { return 1; }
}  // namespace nd::cli

// (being written)
#include "Cli.h"
namespace nd::cli {
int runBench(const QStringList &) { return 1; }
}  // namespace nd::cli

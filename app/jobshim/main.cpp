// nemodesk-jobshim: see core/executor/shim/JobShim.h.
#include "core/executor/shim/JobShim.h"

int main(int argc, char **argv) {
    return jobshim_main(argc, argv);
}

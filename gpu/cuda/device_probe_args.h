#pragma once
// Shared by the CUDA and the no-CUDA implementations of device_probe.h: one argument check, one message.
#include "gpu/common/status.h"

namespace nd {

// ok, or invalid_argument naming the bad ordinal or size.
Status cuda_selftest_check_arguments(int ordinal, int n);

}  // namespace nd

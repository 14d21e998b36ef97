#pragma once
// Internal to gpu/gguf: pieces shared by the dequantiser and the quantiser.
#include <cstdint>

namespace nd {

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K super-block (spec §1.3).
void kquant_scale_min(int j, const uint8_t *scales12, uint8_t *sc, uint8_t *mn);

}  // namespace nd

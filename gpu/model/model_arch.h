#pragma once
// The architectures the engine runs, as GGUF names them (general.architecture).
#include <string_view>

namespace nd {

enum class ModelArch { llama = 1, nemotron, nemotron_h, nemotron_h_moe };
inline constexpr ModelArch kModelArchs[] = {ModelArch::llama, ModelArch::nemotron, ModelArch::nemotron_h,
                                            ModelArch::nemotron_h_moe};

std::string_view model_arch_name(ModelArch arch);                  // "nemotron_h_moe"
bool model_arch_from_name(std::string_view name, ModelArch *out);  // false for anything else

}  // namespace nd

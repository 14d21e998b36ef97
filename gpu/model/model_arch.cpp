// Architecture names as GGUF's general.architecture spells them.
#include "gpu/model/model_arch.h"

namespace nd {

std::string_view model_arch_name(ModelArch arch) {
    switch (arch) {
        case ModelArch::llama:
            return "llama";
        case ModelArch::nemotron:
            return "nemotron";
        case ModelArch::nemotron_h:
            return "nemotron_h";
        case ModelArch::nemotron_h_moe:
            return "nemotron_h_moe";
    }
    return "";
}

bool model_arch_from_name(std::string_view name, ModelArch *out) {
    for (ModelArch a : kModelArchs) {
        if (model_arch_name(a) == name) {
            *out = a;
            return true;
        }
    }
    return false;
}

}  // namespace nd

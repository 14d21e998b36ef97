// Replays fuzz inputs without libFuzzer: the driver that ordinary (gcc, CI) builds link the fuzz targets
// with, so every committed seed and every past crash reproducer runs in the normal test suite.
//   fuzz_x_replay FILE_OR_DIR...   runs LLVMFuzzerTestOneInput once per file; a target's invariant
//   failure traps (non-zero exit); prints how many inputs ran.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

int replayFile(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
        return 1;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    int failures = 0;
    int inputs = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg(argv[i]);
        std::error_code ec;
        if (std::filesystem::is_directory(arg, ec)) {
            for (const auto &entry : std::filesystem::directory_iterator(arg)) {
                if (entry.is_regular_file()) {
                    failures += replayFile(entry.path());
                    ++inputs;
                }
            }
        } else {
            failures += replayFile(arg);
            ++inputs;
        }
    }
    std::printf("replay: %d inputs, %d unreadable\n", inputs, failures);
    return (failures == 0 && inputs > 0) ? 0 : 1;
}

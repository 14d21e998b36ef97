// A job for the executor tests whose CPU time and memory are exact, unlike a shell loop's.
//   burn-cpu MS                 spins until this process has used MS milliseconds of CPU time
//   touch-mib N                 allocates N MiB, writes every page, exits
//   hold-mib N READY GO         allocates and writes N MiB, creates READY, waits for GO to exist; on
//                               SIGCONT it creates READY.cont (so a test knows a signal got through)
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_gotContinue = 0;

void onContinue(int) {
    g_gotContinue = 1;
}

long long cpuTimeMs() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

std::vector<char> touchMib(long mib) {
    std::vector<char> memory(static_cast<size_t>(mib) * 1024 * 1024);
    for (size_t i = 0; i < memory.size(); i += 4096)
        memory[i] = static_cast<char>(i);
    return memory;
}

void createFile(const std::string &path) {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
}

// A positive number, or -1.
long positiveNumber(const char *text) {
    char *end = nullptr;
    const long number = std::strtol(text, &end, 10);
    return end != text && *end == '\0' && number > 0 ? number : -1;
}

bool exists(const std::string &path) {
    struct stat info {};
    return stat(path.c_str(), &info) == 0;
}

}  // namespace

int main(int argc, char **argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "burn-cpu" && argc == 3 && positiveNumber(argv[2]) > 0) {
        const long long targetMs = positiveNumber(argv[2]);
        volatile unsigned long long spin = 0;
        while (cpuTimeMs() < targetMs)
            for (int i = 0; i < 100000; ++i)
                spin = spin + 1;
        return 0;
    }
    if (mode == "touch-mib" && argc == 3 && positiveNumber(argv[2]) > 0) {
        const std::vector<char> memory = touchMib(positiveNumber(argv[2]));
        return memory.empty() ? 1 : 0;
    }
    if (mode == "hold-mib" && argc == 5 && positiveNumber(argv[2]) > 0) {
        struct sigaction action {};
        action.sa_handler = onContinue;
        sigemptyset(&action.sa_mask);
        sigaction(SIGCONT, &action, nullptr);
        const std::vector<char> memory = touchMib(positiveNumber(argv[2]));
        const std::string ready = argv[3];
        createFile(ready);
        while (!exists(argv[4])) {
            if (g_gotContinue)
                createFile(ready + ".cont");
            usleep(5000);
        }
        return memory.empty() ? 1 : 0;
    }
    std::fprintf(stderr, "usage: %s burn-cpu MS | touch-mib N | hold-mib N READY GO\n", argv[0]);
    return 2;
}

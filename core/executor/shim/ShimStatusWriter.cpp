// ShimStatusWriter: format and atomic write of the shim's status file.
#include "core/executor/shim/ShimStatusWriter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/executor/shim/JobShim.h"

namespace nd::jobshim {

namespace {

std::string escapeValue(const std::string &value) {
    std::string escaped;
    escaped.reserve(value.size());
    for (char c : value) {
        switch (c) {
            case '\\':
                escaped += "\\\\";
                break;
            case '\n':
                escaped += "\\n";
                break;
            case '\r':
                escaped += "\\r";
                break;
            default:
                escaped += c;
        }
    }
    return escaped;
}

void appendLine(std::string *text, const char *key, long long value) {
    *text += key;
    *text += '=';
    *text += std::to_string(value);
    *text += '\n';
}

bool writeAll(int fd, const std::string &text) {
    size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        written += static_cast<size_t>(n);
    }
    return true;
}

void syncFolderOf(const std::string &path) {
    const size_t slash = path.rfind('/');
    const std::string folder = slash == std::string::npos ? std::string(".")
                               : slash == 0               ? std::string("/")
                                                          : path.substr(0, slash);
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;  // best effort: the rename has happened, only its durability is at stake
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

std::string formatStatusRecord(const StatusRecord &record) {
    std::string text;
    appendLine(&text, kKeyChildPid, record.childPid);
    appendLine(&text, kKeyEnded, record.ended ? 1 : 0);
    appendLine(&text, kKeyExitCode, record.exitCode);
    appendLine(&text, kKeySignal, record.termSignal);
    text += kKeyLaunchError;
    text += '=';
    text += escapeValue(record.launchError);
    text += '\n';
    appendLine(&text, kKeyTerminatedByRequest, record.terminatedByRequest ? 1 : 0);
    appendLine(&text, kKeyCpuTimeMs, record.cpuTimeMs);
    appendLine(&text, kKeyPeakRssKib, record.peakRssKib);
    appendLine(&text, kKeyEndTimeMs, record.endTimeMs);
    return text;
}

bool writeStatusFile(const std::string &path, const StatusRecord &record, Durability durability) {
    const std::string temporary = path + ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    const bool written = writeAll(fd, formatStatusRecord(record)) && ::fsync(fd) == 0;
    const bool closed = ::close(fd) == 0;
    if (!written || !closed || ::rename(temporary.c_str(), path.c_str()) != 0) {
        ::unlink(temporary.c_str());
        return false;
    }
    if (durability == Durability::fileAndFolder)
        syncFolderOf(path);
    return true;
}

}  // namespace nd::jobshim

// WorkerBatchFile: input lines and the resumable output file of `nemoctl worker batch`.
#include "WorkerBatchFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace nd::cli {

namespace {

std::string errnoText() {
    return std::strerror(errno);
}

bool writeAll(int fd, const char *data, size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;  // a SIGTERM arriving mid-write: finish the line
            return false;
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

// The "line" number of a finished output line, or 0 when it is not one.
int64_t lineNumberOf(const std::string &text) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("line") || !j["line"].is_number_integer())
        return 0;
    const int64_t n = j["line"].get<int64_t>();
    return n > 0 ? n : 0;
}

}  // namespace

bool readInputLines(const std::string &path, std::vector<std::string> *lines, std::string *error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *error = path + ": cannot open the input file: " + errnoText();
        return false;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
        *error = path + ": cannot read the input file";
        return false;
    }
    const std::string bytes = buffer.str();
    size_t start = 0;
    while (start < bytes.size()) {
        size_t end = bytes.find('\n', start);
        if (end == std::string::npos)
            end = bytes.size();
        std::string line = bytes.substr(start, end - start);
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        lines->push_back(std::move(line));
        start = end + 1;
    }
    return true;
}

BatchOutput::~BatchOutput() {
    if (m_fd >= 0) {
        ::fsync(m_fd);
        ::close(m_fd);
    }
}

bool BatchOutput::open(const std::string &path, std::string *error, size_t *droppedBytes) {
    m_path = path;
    *droppedBytes = 0;
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0) {
        *error = path + ": cannot open the output file: " + errnoText();
        return false;
    }
    std::string bytes;
    char chunk[65536];
    for (;;) {
        const ssize_t n = ::read(m_fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *error = path + ": cannot read the output file: " + errnoText();
            return false;
        }
        if (n == 0)
            break;
        bytes.append(chunk, static_cast<size_t>(n));
    }
    // Keep the complete lines up to the first one that is not a finished result.
    size_t good = 0;
    while (good < bytes.size()) {
        const size_t end = bytes.find('\n', good);
        if (end == std::string::npos)
            break;  // torn: the crash came while this line was written
        const int64_t n = lineNumberOf(bytes.substr(good, end - good));
        if (n == 0 || m_done.count(n) > 0)
            break;  // damaged, or a duplicate: from here on nothing is trusted
        m_done.insert(n);
        good = end + 1;
    }
    if (good < bytes.size()) {
        *droppedBytes = bytes.size() - good;
        if (::ftruncate(m_fd, static_cast<off_t>(good)) != 0) {
            *error = path + ": cannot cut off the unfinished last line: " + errnoText();
            return false;
        }
        ::fsync(m_fd);
    }
    if (::lseek(m_fd, static_cast<off_t>(good), SEEK_SET) < 0) {
        *error = path + ": " + errnoText();
        return false;
    }
    return true;
}

bool BatchOutput::append(const std::string &jsonLine, std::string *error) {
    const std::string line = jsonLine + "\n";
    if (!writeAll(m_fd, line.data(), line.size())) {
        *error = m_path + ": cannot write: " + errnoText();
        return false;
    }
    if (++m_sinceSync >= syncEvery)
        return sync(error);
    return true;
}

bool BatchOutput::sync(std::string *error) {
    m_sinceSync = 0;
    if (::fsync(m_fd) != 0) {
        *error = m_path + ": cannot sync to disk: " + errnoText();
        return false;
    }
    return true;
}

}  // namespace nd::cli

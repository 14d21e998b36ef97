#pragma once
// The files of `nemoctl worker batch`: the input (JSON Lines, read whole) and the output, written so that
// a crash loses at most the line being written and a rerun resumes where the last run stopped.
//
// Resume: an existing output file is read; its complete lines (ending in '\n' and parsing as an object
// with a positive "line" number) form the set of finished input lines. Everything from the first line
// that is not complete (a torn last line from a crash) to the end is cut off, the file truncated there,
// and the run appends after it. Plain C++ (POSIX files), no Qt.
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace nd::cli {

// The lines of a JSON Lines file: split at '\n' (a '\r' before it dropped); a last line without '\n'
// counts; the empty piece after a final '\n' does not. Error: the message, lines left empty.
bool readInputLines(const std::string &path, std::vector<std::string> *lines, std::string *error);

class BatchOutput {
public:
    BatchOutput() = default;
    ~BatchOutput();
    BatchOutput(const BatchOutput &) = delete;
    BatchOutput &operator=(const BatchOutput &) = delete;

    // Opens (creating) `path`, reads the finished lines and truncates a torn tail. *droppedBytes: how much
    // was cut off (0 normally).
    bool open(const std::string &path, std::string *error, size_t *droppedBytes);
    const std::set<int64_t> &done() const { return m_done; }

    // Appends one JSON object as a line and flushes it to the OS; fsyncs every `syncEvery` lines.
    bool append(const std::string &jsonLine, std::string *error);
    bool sync(std::string *error);  // fsync now (the end of the run)

private:
    std::string m_path;
    int m_fd = -1;
    int m_sinceSync = 0;
    std::set<int64_t> m_done;
    static constexpr int syncEvery = 8;
};

}  // namespace nd::cli

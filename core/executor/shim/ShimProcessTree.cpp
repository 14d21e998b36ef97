// ShimProcessTree: a /proc walk. Field 2 of /proc/<pid>/stat is "(comm)", which may itself hold spaces and
// parentheses, so the numeric fields are read from after the last ')'.
#include "core/executor/shim/ShimProcessTree.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

namespace nd::jobshim {

namespace {

bool readProcessEntry(pid_t pid, ProcessEntry *entry) {
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buffer[4096];
    ssize_t n = 0;
    do {
        n = ::read(fd, buffer, sizeof(buffer) - 1);
    } while (n < 0 && errno == EINTR);
    ::close(fd);
    if (n <= 0)
        return false;
    buffer[n] = '\0';
    const char *afterComm = std::strrchr(buffer, ')');
    if (!afterComm)
        return false;
    // After ')': field 3 (state), 4 (ppid), 5 (pgrp), … 24 (rss, in pages).
    const char *cursor = afterComm + 1;
    long long fields[22] = {};
    char state = '?';
    for (int field = 3; field <= 24; ++field) {
        while (*cursor == ' ')
            ++cursor;
        if (*cursor == '\0')
            return false;
        if (field == 3) {
            state = *cursor;
            while (*cursor != ' ' && *cursor != '\0')
                ++cursor;
            continue;
        }
        char *end = nullptr;
        fields[field - 3] = std::strtoll(cursor, &end, 10);
        if (end == cursor)
            return false;
        cursor = end;
    }
    entry->pid = pid;
    entry->state = state;
    entry->parentPid = static_cast<pid_t>(fields[4 - 3]);
    entry->processGroup = static_cast<pid_t>(fields[5 - 3]);
    entry->rssPages = fields[24 - 3];
    return true;
}

}  // namespace

std::vector<ProcessEntry> listProcesses() {
    std::vector<ProcessEntry> entries;
    DIR *proc = ::opendir("/proc");
    if (!proc)
        return entries;
    while (const dirent *item = ::readdir(proc)) {  // NOLINT(concurrency-mt-unsafe): one stream, one thread
        char *end = nullptr;
        const long pid = std::strtol(item->d_name, &end, 10);
        if (pid <= 0 || *end != '\0')
            continue;
        ProcessEntry entry;
        if (readProcessEntry(static_cast<pid_t>(pid), &entry))
            entries.push_back(entry);
    }
    ::closedir(proc);
    return entries;
}

std::vector<ProcessEntry> jobProcesses(const std::vector<ProcessEntry> &all, pid_t shimPid, pid_t jobGroup) {
    std::unordered_map<pid_t, pid_t> parentOf;
    parentOf.reserve(all.size());
    for (const ProcessEntry &entry : all)
        parentOf.emplace(entry.pid, entry.parentPid);

    // Follows each parent chain up to the shim (a descendant) or to its end (not one); the answers are
    // remembered so each chain is walked once.
    std::unordered_map<pid_t, bool> isDescendant;
    const auto descends = [&](pid_t pid) {
        std::vector<pid_t> chain;
        bool answer = false;
        for (pid_t at = pid; at > 1;) {
            if (const auto known = isDescendant.find(at); known != isDescendant.end()) {
                answer = known->second;
                break;
            }
            chain.push_back(at);
            const auto parent = parentOf.find(at);
            if (parent == parentOf.end())
                break;
            if (parent->second == shimPid) {
                answer = true;
                break;
            }
            at = parent->second;
            if (chain.size() > parentOf.size())
                break;  // a chain cannot be longer than the process list (pids read at different moments)
        }
        for (pid_t member : chain)
            isDescendant[member] = answer;
        return answer;
    };

    std::vector<ProcessEntry> job;
    for (const ProcessEntry &entry : all) {
        if (entry.pid == shimPid)
            continue;
        if ((jobGroup > 0 && entry.processGroup == jobGroup) || descends(entry.pid))
            job.push_back(entry);
    }
    return job;
}

void signalWholeJob(pid_t shimPid, pid_t jobGroup, int signalNumber) {
    const std::vector<ProcessEntry> job = jobProcesses(listProcesses(), shimPid, jobGroup);
    ::kill(-jobGroup, signalNumber);
    for (const ProcessEntry &entry : job) {
        if (entry.processGroup != jobGroup)
            ::kill(entry.pid, signalNumber);
    }
}

int killAllDescendants(pid_t shimPid) {
    const std::vector<ProcessEntry> descendants = jobProcesses(listProcesses(), shimPid, 0);
    for (const ProcessEntry &entry : descendants)
        ::kill(entry.pid, SIGKILL);
    return static_cast<int>(descendants.size());
}

long long jobRssKib(pid_t shimPid, pid_t jobGroup) {
    static const long long pageKib = ::sysconf(_SC_PAGESIZE) / 1024;
    long long totalPages = 0;
    for (const ProcessEntry &entry : jobProcesses(listProcesses(), shimPid, jobGroup))
        totalPages += entry.rssPages;
    return totalPages * pageKib;
}

}  // namespace nd::jobshim

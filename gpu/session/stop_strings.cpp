// StopStringFilter: the held text is at most the longest stop string minus one byte between pushes, so
// each search looks at a piece plus that tail, never at the whole output.
#include "gpu/session/stop_strings.h"

#include <algorithm>

namespace nd {

StopStringFilter::StopStringFilter(std::vector<std::string> stops) {
    for (std::string &s : stops) {
        if (s.empty())
            continue;
        m_max_len = std::max(m_max_len, s.size());
        m_stops.push_back(std::move(s));
    }
}

bool StopStringFilter::push(std::string_view piece, std::string *out) {
    if (m_stopped)
        return true;
    m_held.append(piece);
    if (m_stops.empty()) {
        out->append(m_held);
        m_held.clear();
        return false;
    }
    // The earliest complete stop string wins (what a reader of the text would see first).
    size_t first = std::string::npos;
    for (const std::string &s : m_stops)
        first = std::min(first, m_held.find(s));
    if (first != std::string::npos) {
        out->append(m_held, 0, first);
        m_held.clear();
        m_stopped = true;
        return true;
    }
    // Hold back from the earliest position whose rest is a proper prefix of some stop string.
    size_t keep_from = m_held.size();
    const size_t start = m_held.size() >= m_max_len ? m_held.size() - (m_max_len - 1) : 0;
    for (size_t j = start; j < m_held.size() && keep_from == m_held.size(); ++j) {
        const std::string_view rest = std::string_view(m_held).substr(j);
        for (const std::string &s : m_stops) {
            if (s.size() > rest.size() && std::string_view(s).substr(0, rest.size()) == rest) {
                keep_from = j;
                break;
            }
        }
    }
    out->append(m_held, 0, keep_from);
    m_held.erase(0, keep_from);
    return false;
}

void StopStringFilter::finish(std::string *out) {
    if (!m_stopped)
        out->append(m_held);
    m_held.clear();
}

}  // namespace nd

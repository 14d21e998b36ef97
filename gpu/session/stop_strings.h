#pragma once
// Stop strings on streamed text: text that could still be the start of a stop string is held back until
// it cannot be, so nothing that is later cut off is ever shown; a stop string that arrives split across
// pieces ("<|us" + "er|>") is still found, and the text ends right before it.
#include <string>
#include <string_view>
#include <vector>

namespace nd {

class StopStringFilter {
public:
    explicit StopStringFilter(std::vector<std::string> stops);  // empty strings are ignored

    // Adds a piece; appends the text that is now final to *out. Returns true when a stop string was
    // completed: *out then ends right before it, and later pieces are ignored.
    bool push(std::string_view piece, std::string *out);
    // End of the stream: appends whatever was held back (it can no longer become a stop string).
    void finish(std::string *out);
    bool stopped() const { return m_stopped; }
    const std::string &held() const { return m_held; }

private:
    std::vector<std::string> m_stops;
    size_t m_max_len = 0;
    std::string m_held;
    bool m_stopped = false;
};

}  // namespace nd

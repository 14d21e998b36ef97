#pragma once
// Result<T>: a value or an error message a person can act on. Used at every core/ boundary.
#include <QString>

#include <optional>
#include <utility>

namespace nd {

struct Error {
    QString message;
};

template <typename T>
class Result {
public:
    Result(T value) : m_value(std::move(value)) {}              // NOLINT(google-explicit-constructor)
    Result(Error error) : m_error(std::move(error.message)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    const T &value() const & { return *m_value; }
    T &value() & { return *m_value; }
    T &&value() && { return std::move(*m_value); }
    const T *operator->() const { return &*m_value; }
    T *operator->() { return &*m_value; }
    const T &operator*() const { return *m_value; }
    const QString &error() const { return m_error; }

private:
    std::optional<T> m_value;
    QString m_error;
};

// For operations that return nothing but can fail. (Not called "Status": that name is gpu/'s
// nd::Status, and core/ includes both.)
struct Done {};
using VoidResult = Result<Done>;
inline VoidResult success() {
    return Done{};
}

}  // namespace nd

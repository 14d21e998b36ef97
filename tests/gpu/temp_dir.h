#pragma once
// A temporary folder under GoogleTest's temp dir, removed with everything in it when the test ends.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace nd::test {

class TempDir {
public:
    explicit TempDir(const std::string &prefix = "nd") {
        std::string tmpl = (std::filesystem::path(testing::TempDir()) / (prefix + "-XXXXXX")).string();
        if (!mkdtemp(tmpl.data()))
            ADD_FAILURE() << "mkdtemp failed";
        m_path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    std::string file(const std::string &name) const { return (m_path / name).string(); }
    const std::filesystem::path &path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

}  // namespace nd::test

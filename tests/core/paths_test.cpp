// Paths: NEMODESK_HOME, XDG variables and fallbacks, private folders.
#include <gtest/gtest.h>

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>

#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "core/paths/Paths.h"

namespace nd {
namespace {

// Sets environment variables for one test and restores them afterwards.
class ScopedEnv {
public:
    void set(const char *name, const std::optional<std::string> &value) {
        if (!m_saved.count(name)) {
            const char *old = std::getenv(name);
            m_saved[name] = old ? std::optional<std::string>(old) : std::nullopt;
        }
        apply(name, value);
    }
    ~ScopedEnv() {
        for (const auto &[name, value] : m_saved)
            apply(name.c_str(), value);
    }

private:
    static void apply(const char *name, const std::optional<std::string> &value) {
        if (value)
            ::setenv(name, value->c_str(), 1);
        else
            ::unsetenv(name);
    }
    std::map<std::string, std::optional<std::string>> m_saved;
};

int modeOf(const QString &path) {
    struct stat st {};
    ::stat(QFile::encodeName(path).constData(), &st);
    return static_cast<int>(st.st_mode & 0777);
}

TEST(Paths, UnderHomePutsEverythingInOneFolder) {
    const Paths p = Paths::underHome(QStringLiteral("/tmp/x/../nd"));
    EXPECT_EQ(p.home(), QStringLiteral("/tmp/nd"));
    EXPECT_EQ(p.configDir(), QStringLiteral("/tmp/nd/config"));
    EXPECT_EQ(p.dataDir(), QStringLiteral("/tmp/nd/data"));
    EXPECT_EQ(p.runtimeDir(), QStringLiteral("/tmp/nd/run"));
    EXPECT_EQ(p.settingsFile(), QStringLiteral("/tmp/nd/config/settings.json"));
    EXPECT_EQ(p.tokenFile(), QStringLiteral("/tmp/nd/config/token"));
    EXPECT_EQ(p.runtimeFile(), QStringLiteral("/tmp/nd/run/daemon.json"));
    EXPECT_EQ(p.lockFile(), QStringLiteral("/tmp/nd/run/daemon.lock"));
    EXPECT_EQ(p.daemonLogFile(), QStringLiteral("/tmp/nd/data/logs/daemon.log"));
}

TEST(Paths, NemodeskHomeWins) {
    ScopedEnv env;
    env.set("NEMODESK_HOME", "/srv/nd");
    env.set("XDG_CONFIG_HOME", "/xdg/config");
    const Paths p = Paths::fromEnvironment();
    EXPECT_EQ(p.home(), QStringLiteral("/srv/nd"));
    EXPECT_EQ(p.configDir(), QStringLiteral("/srv/nd/config"));
}

TEST(Paths, XdgVariables) {
    ScopedEnv env;
    env.set("NEMODESK_HOME", std::nullopt);
    env.set("XDG_CONFIG_HOME", "/xdg/config");
    env.set("XDG_DATA_HOME", "/xdg/data");
    env.set("XDG_RUNTIME_DIR", "/run/user/1000");
    const Paths p = Paths::fromEnvironment();
    EXPECT_TRUE(p.home().isEmpty());
    EXPECT_EQ(p.configDir(), QStringLiteral("/xdg/config/nemodesk"));
    EXPECT_EQ(p.dataDir(), QStringLiteral("/xdg/data/nemodesk"));
    EXPECT_EQ(p.runtimeDir(), QStringLiteral("/run/user/1000/nemodesk"));
}

TEST(Paths, FallbacksWhenXdgIsUnsetOrRelative) {
    ScopedEnv env;
    env.set("NEMODESK_HOME", std::nullopt);
    env.set("HOME", "/home/someone");
    env.set("XDG_CONFIG_HOME", std::nullopt);
    env.set("XDG_DATA_HOME", "relative/is/invalid");
    env.set("XDG_RUNTIME_DIR", std::nullopt);
    const Paths p = Paths::fromEnvironment();
    EXPECT_EQ(p.configDir(), QStringLiteral("/home/someone/.config/nemodesk"));
    EXPECT_EQ(p.dataDir(), QStringLiteral("/home/someone/.local/share/nemodesk"));
    EXPECT_EQ(p.runtimeDir(), QDir::tempPath() + QStringLiteral("/runtime-%1/nemodesk").arg(::getuid()));
}

TEST(Paths, EnsureExistsCreatesPrivateFolders) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const Paths p = Paths::underHome(dir.path() + QStringLiteral("/home"));
    QString error;
    ASSERT_TRUE(p.ensureExists(&error)) << error.toStdString();
    EXPECT_TRUE(QFileInfo(p.logDir()).isDir());
    EXPECT_EQ(modeOf(p.configDir()), 0700);
    EXPECT_EQ(modeOf(p.runtimeDir()), 0700);
    // An existing folder with loose permissions is tightened.
    ::chmod(QFile::encodeName(p.configDir()).constData(), 0755);
    ASSERT_TRUE(p.ensureExists(&error));
    EXPECT_EQ(modeOf(p.configDir()), 0700);
}

TEST(Paths, EnsureExistsNamesTheFolderItCannotCreate) {
    QTemporaryDir dir;
    QFile blocker(dir.path() + QStringLiteral("/file"));
    ASSERT_TRUE(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    const Paths p = Paths::underHome(blocker.fileName());  // a file where the home folder should be
    QString error;
    EXPECT_FALSE(p.ensureExists(&error));
    EXPECT_TRUE(error.contains(blocker.fileName())) << error.toStdString();
}

}  // namespace
}  // namespace nd

// TokenFile: creation with 0600, tightening loose permissions, damaged files, constant-time compare.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <sys/stat.h>

#include "core/auth/Token.h"

namespace nd {
namespace {

int modeOf(const QString &path) {
    struct stat st {};
    ::stat(QFile::encodeName(path).constData(), &st);
    return static_cast<int>(st.st_mode & 0777);
}

TEST(Token, GeneratesDifferent64HexTokens) {
    const QByteArray a = TokenFile::generate();
    const QByteArray b = TokenFile::generate();
    EXPECT_EQ(a.size(), 64);
    EXPECT_NE(a, b);
    for (char c : a)
        EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
}

TEST(Token, CreatesAPrivateFileOnceAndKeepsIt) {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("token"));
    QStringList warnings;
    const Result<QByteArray> first = TokenFile::loadOrCreate(file, &warnings);
    ASSERT_TRUE(first.ok()) << first.error().toStdString();
    EXPECT_EQ(first->size(), 64);
    EXPECT_EQ(modeOf(file), 0600);
    EXPECT_TRUE(warnings.isEmpty());
    const Result<QByteArray> second = TokenFile::loadOrCreate(file, &warnings);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second.value(), first.value());
    EXPECT_EQ(TokenFile::read(file).value(), first.value());
    // No temporary files are left behind.
    EXPECT_EQ(QDir(dir.path()).entryList(QDir::Files).size(), 1);
}

TEST(Token, TightensLoosePermissionsAndWarns) {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("token"));
    ASSERT_TRUE(TokenFile::loadOrCreate(file, nullptr).ok());
    ::chmod(QFile::encodeName(file).constData(), 0644);
    QStringList warnings;
    const Result<QByteArray> token = TokenFile::loadOrCreate(file, &warnings);
    ASSERT_TRUE(token.ok());
    EXPECT_EQ(modeOf(file), 0600);
    ASSERT_EQ(warnings.size(), 1);
    EXPECT_TRUE(warnings[0].contains(QStringLiteral("644"))) << warnings[0].toStdString();
    EXPECT_TRUE(warnings[0].contains(file));
}

TEST(Token, DamagedFileIsAnErrorAndIsNotReplaced) {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("token"));
    QFile f(file);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("not a token\n");
    f.close();
    ::chmod(QFile::encodeName(file).constData(), 0600);
    const Result<QByteArray> token = TokenFile::loadOrCreate(file, nullptr);
    ASSERT_FALSE(token.ok());
    EXPECT_TRUE(token.error().contains(file));
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    EXPECT_EQ(f.readAll(), "not a token\n");
}

TEST(Token, ReadingAMissingFileNamesIt) {
    const Result<QByteArray> token = TokenFile::read(QStringLiteral("/nonexistent/token"));
    ASSERT_FALSE(token.ok());
    EXPECT_TRUE(token.error().contains(QStringLiteral("/nonexistent/token")));
}

TEST(Token, CreationFailsClearlyInAMissingFolder) {
    const Result<QByteArray> token =
        TokenFile::loadOrCreate(QStringLiteral("/nonexistent/dir/token"), nullptr);
    ASSERT_FALSE(token.ok());
    EXPECT_TRUE(token.error().contains(QStringLiteral("/nonexistent/dir/token")));
}

TEST(Token, ComparesWholeTokens) {
    EXPECT_TRUE(tokensEqual("abcdef", "abcdef"));
    EXPECT_FALSE(tokensEqual("abcdef", "abcdeg"));
    EXPECT_FALSE(tokensEqual("abcdef", "Abcdef"));
    EXPECT_FALSE(tokensEqual("abcdef", "abcde"));
    EXPECT_FALSE(tokensEqual("", "a"));
    EXPECT_TRUE(tokensEqual("", ""));
}

}  // namespace
}  // namespace nd

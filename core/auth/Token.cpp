// TokenFile: creating, checking and reading the API token file with POSIX calls, because the
// guarantees we need (create-if-absent with 0600 from the first byte, no overwrite) are not in QFile.
#include "core/auth/Token.h"

#include <QFile>
#include <QRandomGenerator>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nd {

namespace {

QString errnoText() {
    return QString::fromLocal8Bit(std::strerror(errno));
}

bool isHexToken(const QByteArray &token) {
    if (token.size() != TokenFile::tokenHexLength)
        return false;
    for (char c : token) {
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex)
            return false;
    }
    return true;
}

// Writes the token to a private temporary file and links it into place. link() fails when the target
// exists, so a concurrent creator wins cleanly and nobody overwrites anybody.
Result<bool> createExclusive(const QString &file) {
    const QByteArray target = QFile::encodeName(file);
    const QByteArray temp = target + ".tmp." + QByteArray::number(::getpid());
    ::unlink(temp.constData());
    const int fd = ::open(temp.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return Error{QStringLiteral("cannot create the token file %1: %2").arg(file, errnoText())};
    const QByteArray content = TokenFile::generate() + '\n';
    const bool written = ::write(fd, content.constData(), static_cast<size_t>(content.size())) ==
                             static_cast<ssize_t>(content.size()) &&
                         ::fsync(fd) == 0;
    const QString writeError = errnoText();
    ::close(fd);
    if (!written) {
        ::unlink(temp.constData());
        return Error{QStringLiteral("cannot write the token file %1: %2").arg(file, writeError)};
    }
    const int linked = ::link(temp.constData(), target.constData());
    const int linkErrno = errno;
    ::unlink(temp.constData());
    if (linked == 0)
        return true;
    if (linkErrno == EEXIST)
        return false;  // someone else created it first: use theirs
    errno = linkErrno;
    return Error{QStringLiteral("cannot create the token file %1: %2").arg(file, errnoText())};
}

}  // namespace

QByteArray TokenFile::generate() {
    quint32 words[8];
    QRandomGenerator::system()->fillRange(words);
    const QByteArray raw(reinterpret_cast<const char *>(words), sizeof(words));
    return raw.toHex();
}

Result<QByteArray> TokenFile::read(const QString &file) {
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read the token file %1: %2").arg(file, f.errorString())};
    const QByteArray token = f.read(4096).trimmed();
    if (!isHexToken(token))
        return Error{QStringLiteral("the token file %1 does not hold a token (%2 hex characters expected); "
                                    "delete it and restart the daemon to create a new one")
                         .arg(file)
                         .arg(tokenHexLength)};
    return token;
}

Result<QByteArray> TokenFile::loadOrCreate(const QString &file, QStringList *warnings) {
    const QByteArray native = QFile::encodeName(file);
    struct stat st {};
    if (::stat(native.constData(), &st) != 0) {
        if (errno != ENOENT)
            return Error{QStringLiteral("cannot inspect the token file %1: %2").arg(file, errnoText())};
        const Result<bool> created = createExclusive(file);
        if (!created.ok())
            return Error{created.error()};
        return read(file);
    }
    if (!S_ISREG(st.st_mode))
        return Error{QStringLiteral("the token file %1 is not a regular file").arg(file)};
    if ((st.st_mode & 077) != 0) {
        const int oldMode = static_cast<int>(st.st_mode & 0777);
        if (::chmod(native.constData(), 0600) != 0)
            return Error{
                QStringLiteral("the token file %1 is readable by others (mode %2) and cannot be made "
                               "private: %3")
                    .arg(file, QString::number(oldMode, 8), errnoText())};
        if (warnings)
            warnings->append(QStringLiteral("the token file %1 was accessible to others (mode %2); tightened "
                                            "to 0600. Consider creating a new token: delete the file and "
                                            "restart the daemon")
                                 .arg(file, QString::number(oldMode, 8)));
    }
    return read(file);
}

bool tokensEqual(QByteArrayView a, QByteArrayView b) {
    // The length of a token is no secret (it is fixed); only its bytes are.
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
    return diff == 0;
}

}  // namespace nd

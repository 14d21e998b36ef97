#pragma once
// The API's bearer token: 32 random bytes as 64 hex characters in the 0600 file <config>/token.
// Created atomically when missing (two daemons racing both end up with the same token); an existing
// file with wider permissions is tightened to 0600 and reported; a damaged file is an error, never
// silently replaced, because clients holding the old token would stop working without a word.
#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringList>

#include "core/common/Result.h"

namespace nd {

struct TokenFile {
    static constexpr int tokenHexLength = 64;

    // Reads the token, creating the file first when it does not exist. Messages about things that were
    // fixed (permissions tightened) are appended to `warnings`.
    static Result<QByteArray> loadOrCreate(const QString &file, QStringList *warnings);
    // Reads an existing token file (clients): an error when it is missing or malformed.
    static Result<QByteArray> read(const QString &file);
    // 64 lowercase hex characters from the system's cryptographic random source.
    static QByteArray generate();
};

// Compares without an early exit so that the time taken does not reveal how many leading bytes matched.
bool tokensEqual(QByteArrayView a, QByteArrayView b);

}  // namespace nd

#pragma once
// Turning a finished QNetworkReply into the JSON body or a sentence a person can act on. Shared by
// ApiClient and EventStream so that both describe the same failure the same way.
#include <QJsonDocument>
#include <QUrl>

#include "core/common/Result.h"

class QNetworkReply;

namespace nd {

// "daemon not reachable at http://127.0.0.1:4711: Connection refused",
// "daemon at http://127.0.0.1:4711 did not answer within 5 s",
// "401 unauthorized: wrong bearer token: …" (from the JSON error body).
QString describeReplyError(QNetworkReply *reply, const QUrl &baseUrl, int timeoutMs);
// The body of a 2xx reply as JSON, or the error.
Result<QJsonDocument> jsonFromReply(QNetworkReply *reply, const QUrl &baseUrl, int timeoutMs);
// "<status> <code>: <message>" from a daemon error body; `fallback` when the body is not one.
QString describeErrorBody(int status, const QByteArray &body, const QString &fallback);
// The daemon's own sentence from such a description, without "<status> <code>: " — for a message shown
// next to what the user did ("job 12 is completed: only pending jobs can be held").
QString daemonReason(const QString &apiError);

}  // namespace nd

// ApiErrors: error sentences for failed API calls.
#include "core/client/ApiErrors.h"

#include <QJsonObject>
#include <QNetworkReply>
#include <QRegularExpression>

namespace nd {

QString describeErrorBody(int status, const QByteArray &body, const QString &fallback) {
    const QJsonObject error =
        QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toObject();
    const QString code = error.value(QStringLiteral("code")).toString();
    const QString message = error.value(QStringLiteral("message")).toString();
    if (code.isEmpty() && message.isEmpty())
        return QStringLiteral("%1 %2").arg(status).arg(fallback);
    return QStringLiteral("%1 %2: %3").arg(status).arg(code, message);
}

QString describeReplyError(QNetworkReply *reply, const QUrl &baseUrl, int timeoutMs) {
    const QString base = baseUrl.toString(QUrl::RemoveUserInfo | QUrl::StripTrailingSlash);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 400) {
        const QString reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        return describeErrorBody(status, reply->readAll(), reason);
    }
    switch (reply->error()) {
        case QNetworkReply::OperationCanceledError:
        case QNetworkReply::TimeoutError:
            return QStringLiteral("daemon at %1 did not answer within %2 s")
                .arg(base)
                .arg(static_cast<double>(timeoutMs) / 1000.0);
        case QNetworkReply::ConnectionRefusedError:
        case QNetworkReply::RemoteHostClosedError:
        case QNetworkReply::HostNotFoundError:
        case QNetworkReply::NetworkSessionFailedError:
        case QNetworkReply::UnknownNetworkError:
            return QStringLiteral("daemon not reachable at %1: %2").arg(base, reply->errorString());
        default:
            break;
    }
    return QStringLiteral("request to the daemon at %1 failed: %2").arg(base, reply->errorString());
}

Result<QJsonDocument> jsonFromReply(QNetworkReply *reply, const QUrl &baseUrl, int timeoutMs) {
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() != QNetworkReply::NoError || status < 200 || status >= 300)
        return Error{describeReplyError(reply, baseUrl, timeoutMs)};
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(reply->readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error{QStringLiteral("the daemon at %1 sent invalid JSON for %2: %3")
                         .arg(baseUrl.toString(), reply->url().path(), parseError.errorString())};
    return doc;
}

QString daemonReason(const QString &apiError) {
    static const QRegularExpression prefix(QStringLiteral("^\\d{3} [a-z_]+: "));
    QString reason = apiError;
    return reason.remove(prefix);
}

}  // namespace nd

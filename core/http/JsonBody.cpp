// jsonObjectBody: a request's body as a JSON object.
#include "core/http/JsonBody.h"

#include <QJsonDocument>

namespace nd {

Result<QJsonObject> jsonObjectBody(const HttpRequest &request, BodyRequired required) {
    if (request.body.trimmed().isEmpty()) {
        if (required == BodyRequired::yes)
            return Error{QStringLiteral("the request needs a JSON object body")};
        return QJsonObject{};
    }
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &error);
    if (error.error != QJsonParseError::NoError)
        return Error{QStringLiteral("the body is not valid JSON: %1 at byte %2")
                         .arg(error.errorString())
                         .arg(error.offset)};
    if (!doc.isObject())
        return Error{QStringLiteral("the body must be a JSON object")};
    return doc.object();
}

}  // namespace nd

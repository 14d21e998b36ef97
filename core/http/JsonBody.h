#pragma once
// The JSON object a request carries, as the routes of the API read it: an empty body is an error when the
// route needs one (or an empty object when it does not), anything else must parse and be an object.
// Messages say what is wrong and where ("the body is not valid JSON: unterminated string at byte 17").
#include <QJsonObject>

#include "core/common/Result.h"
#include "core/http/HttpRequest.h"

namespace nd {

enum class BodyRequired { yes = 1, no };
Result<QJsonObject> jsonObjectBody(const HttpRequest &request, BodyRequired required = BodyRequired::yes);

}  // namespace nd

// Endpoint: reading the runtime file and the token it points to.
#include "core/client/Endpoint.h"

#include "core/auth/Token.h"
#include "core/daemon/RuntimeFile.h"

namespace nd {

Result<Endpoint> Endpoint::fromRuntimeFile(const Paths &paths) {
    const Result<RuntimeInfo> info = RuntimeInfo::read(paths.runtimeFile());
    if (!info.ok())
        return Error{info.error()};
    Endpoint endpoint;
    endpoint.baseUrl = QUrl(info->url);
    if (!endpoint.baseUrl.isValid() || endpoint.baseUrl.scheme() != QLatin1StringView("http"))
        return Error{QStringLiteral("the runtime file %1 names an invalid URL (%2)")
                         .arg(paths.runtimeFile(), info->url)};
    endpoint.tokenFile = info->tokenFile;
    endpoint.pid = info->pid;
    endpoint.version = info->version;
    const Result<QByteArray> token = TokenFile::read(info->tokenFile);
    if (!token.ok())
        return Error{token.error()};
    endpoint.token = token.value();
    return endpoint;
}

}  // namespace nd

// Router: exact and {param} matches, 404 and 405 with Allow, JSON error bodies.
#include <gtest/gtest.h>

#include <QJsonDocument>
#include <QJsonObject>

#include "core/http/Router.h"

namespace nd {
namespace {

HttpRequest request(const QByteArray &method, const QByteArray &path) {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.target = path;
    return r;
}

QJsonObject errorOf(const HttpResponse &response) {
    return QJsonDocument::fromJson(response.body).object().value(QStringLiteral("error")).toObject();
}

class RouterTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto reply = [](const char *text) {
            return [text](const HttpRequest &, const RouteParams &params) {
                HttpResponse r;
                r.body = QByteArray(text) + (params.isEmpty() ? QByteArray() : ":" + params.value("id"));
                return r;
            };
        };
        router.add("GET", "/api/gpus", reply("gpus"));
        router.add("GET", "/api/jobs/{id}", reply("job"));
        router.add("DELETE", "/api/jobs/{id}", reply("cancel"));
        router.add("POST", "/api/shutdown", reply("shutdown"));
        router.add("GET", "/", reply("root"));
    }
    Router router;
};

TEST_F(RouterTest, DispatchesByMethodAndPath) {
    EXPECT_EQ(router.route(request("GET", "/api/gpus")).body, "gpus");
    EXPECT_EQ(router.route(request("POST", "/api/shutdown")).body, "shutdown");
    EXPECT_EQ(router.route(request("GET", "/")).body, "root");
}

TEST_F(RouterTest, PassesPathParameters) {
    EXPECT_EQ(router.route(request("GET", "/api/jobs/42")).body, "job:42");
    EXPECT_EQ(router.route(request("DELETE", "/api/jobs/7")).body, "cancel:7");
}

TEST_F(RouterTest, UnknownPathIs404Json) {
    for (const char *path : {"/api/nope", "/api/gpus/", "/api/jobs/", "/api/jobs/1/2", "/api"}) {
        const HttpResponse r = router.route(request("GET", path));
        EXPECT_EQ(r.status, 404) << path;
        EXPECT_EQ(errorOf(r).value(QStringLiteral("code")).toString(), QStringLiteral("not_found")) << path;
    }
}

TEST_F(RouterTest, KnownPathOtherMethodIs405WithAllow) {
    HttpResponse r = router.route(request("POST", "/api/gpus"));
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(errorOf(r).value(QStringLiteral("code")).toString(), QStringLiteral("method_not_allowed"));
    QByteArray allow;
    for (const auto &h : r.headers)
        if (h.first == "Allow")
            allow = h.second;
    EXPECT_EQ(allow, "GET");

    r = router.route(request("PUT", "/api/jobs/3"));
    EXPECT_EQ(r.status, 405);
    for (const auto &h : r.headers)
        if (h.first == "Allow")
            allow = h.second;
    EXPECT_EQ(allow, "GET, DELETE");
}

TEST_F(RouterTest, MethodsAreCaseSensitive) {
    EXPECT_EQ(router.route(request("get", "/api/gpus")).status, 405);
}

TEST(HttpResponse, SerializesWithLengthAndConnection) {
    HttpResponse r = HttpResponse::error(404, "not_found", QStringLiteral("no such route"));
    const QByteArray keep = r.serialize(true);
    EXPECT_TRUE(keep.startsWith("HTTP/1.1 404 Not Found\r\n"));
    EXPECT_TRUE(keep.contains("Content-Type: application/json\r\n"));
    EXPECT_TRUE(keep.contains("Content-Length: " + QByteArray::number(r.body.size()) + "\r\n"));
    EXPECT_TRUE(keep.contains("Connection: keep-alive\r\n"));
    EXPECT_TRUE(keep.endsWith("\r\n\r\n" + r.body));
    EXPECT_TRUE(r.serialize(false).contains("Connection: close\r\n"));
    EXPECT_EQ(QJsonDocument::fromJson(r.body)
                  .object()
                  .value(QStringLiteral("error"))
                  .toObject()
                  .value(QStringLiteral("message"))
                  .toString(),
              QStringLiteral("no such route"));
}

TEST(HttpResponse, EventStreamHasNoLength) {
    const HttpResponse r = HttpResponse::eventStream([](HttpConnection *) {});
    const QByteArray head = r.serialize(true);
    EXPECT_TRUE(head.startsWith("HTTP/1.1 200 OK\r\n"));
    EXPECT_TRUE(head.contains("Content-Type: text/event-stream\r\n"));
    EXPECT_FALSE(head.contains("Content-Length"));
    EXPECT_TRUE(head.endsWith("\r\n\r\n"));
}

}  // namespace
}  // namespace nd

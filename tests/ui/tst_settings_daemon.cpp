// Integration: GET/PUT /api/settings and the settings dialog against the real daemon, in a temporary
// NEMODESK_HOME whose settings.json holds a key this version does not know. A bad value is refused with a
// 400 naming the key and the file is untouched; the dialog loads the effective settings, applies a change
// (a live key applied at once, another one named as needing a restart), the file keeps the unknown key and
// the previous file is kept as settings.json.bak. The daemon is stopped at the end, also when a check fails.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include "core/paths/Paths.h"
#include "core/settings/Settings.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/models/GpuTableModel.h"
#include "ui/settings/SettingsDialog.h"
#include "ui/settings/SettingsForm.h"

#include "UiDaemon.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;

namespace {
const QString nemoctl = QStringLiteral(NEMOCTL_PATH);

QByteArray readAll(const QString &file) {
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
}  // namespace

class TestSettingsDaemon : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { nd::test::stopDaemon(m_home.path(), nemoctl); }
    void refusesABadValueAndSavesAGoodOne();

private:
    // PUT through the network, as any client would: {status, body}.
    QPair<int, QJsonObject> put(const ConnectionController &controller, const QByteArray &body);
    QTemporaryDir m_home;
    QString m_settingsFile;
};

void TestSettingsDaemon::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    const nd::Paths paths = nd::Paths::underHome(m_home.path());
    QString error;
    QVERIFY2(paths.ensureExists(&error), qPrintable(error));
    m_settingsFile = paths.settingsFile();
    QFile f(m_settingsFile);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"queue": {"cpus": 3}, "future_section": {"x": 1}})");
    f.close();
    nd::test::useHome(m_home.path(), "1x24576");
}

QPair<int, QJsonObject> TestSettingsDaemon::put(const ConnectionController &controller,
                                                const QByteArray &body) {
    QNetworkAccessManager network;
    QUrl url = controller.endpoint().baseUrl;
    url.setPath(u"/api/settings"_s);
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + controller.endpoint().token);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = network.sendCustomRequest(request, "PUT", body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(10000))
        return {0, {}};
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QJsonObject json = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return {status, json};
}

void TestSettingsDaemon::refusesABadValueAndSavesAGoodOne() {
    nd::GpuTableModel gpus;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), nemoctl, &gpus);
    QVERIFY(nd::test::startDaemon(controller));
    const QByteArray original = readAll(m_settingsFile);

    // A bad value: 400 naming the key, the file untouched, no backup made.
    const auto [badStatus, bad] = put(controller, R"({"telemetry": {"interval_ms": 5}})");
    QCOMPARE(badStatus, 400);
    QCOMPARE(bad[u"error"][u"key"].toString(), u"telemetry.interval_ms"_s);
    QVERIFY2(bad[u"error"][u"message"].toString().contains(u"from 100 to 60000"_s),
             qPrintable(bad[u"error"][u"message"].toString()));
    QCOMPARE(readAll(m_settingsFile), original);
    QVERIFY(!QFile::exists(m_settingsFile + u".bak"_s));

    // The dialog shows the effective settings: the file's value and the defaults.
    QTemporaryDir guiDir;
    QSettings gui(guiDir.filePath(u"gui.ini"_s), QSettings::IniFormat);
    nd::SettingsDialog dialog(&controller, &gui);
    dialog.show();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), 10000);
    auto *cpus = qobject_cast<QSpinBox *>(dialog.form()->editor(u"queue.cpus"_s));
    auto *keepAlive = qobject_cast<QSpinBox *>(dialog.form()->editor(u"models.keep_alive_s"_s));
    auto *grace = qobject_cast<QSpinBox *>(dialog.form()->editor(u"queue.kill_grace_s"_s));
    QCOMPARE(cpus->value(), 3);
    QCOMPARE(keepAlive->value(), 300);

    // A good change: written, the live keys applied, the port waiting for a restart.
    auto *port = qobject_cast<QSpinBox *>(dialog.form()->editor(u"daemon.port"_s));
    QVERIFY(port);
    keepAlive->setValue(60);
    grace->setValue(4);
    port->setValue(47011);
    QSignalSpy settled(&dialog, &nd::SettingsDialog::settled);
    dialog.apply();
    QVERIFY(settled.wait(10000));
    const QString status = dialog.statusText();
    const qsizetype restarts = status.indexOf(u"restart"_s);
    QVERIFY2(status.contains(u"applied now:"_s) && restarts > 0, qPrintable(status));
    for (const QString &live : {u"models.keep_alive_s"_s, u"queue.kill_grace_s"_s})
        QVERIFY2(status.indexOf(live) >= 0 && status.indexOf(live) < restarts, qPrintable(status));
    QVERIFY2(status.indexOf(u"daemon.port"_s) > restarts, qPrintable(status));
    QVERIFY(!dialog.form()->isModified());
    const QJsonObject written = QJsonDocument::fromJson(readAll(m_settingsFile)).object();
    QCOMPARE(written, QJsonDocument::fromJson(R"({"queue": {"cpus": 3, "kill_grace_s": 4},
        "future_section": {"x": 1}, "models": {"keep_alive_s": 60}, "daemon": {"port": 47011}})")
                          .object());
    QCOMPARE(readAll(m_settingsFile + u".bak"_s), original);
    QVERIFY(nd::Settings::load(m_settingsFile).ok());

    nd::test::stopDaemon(m_home.path(), nemoctl);
}

QTEST_MAIN(TestSettingsDaemon)
#include "tst_settings_daemon.moc"

// Unit: what the tray says. The notification for every way a job can end, the counts line, which events
// make the tray ask for the counts again, and TrayController's notifications (on, off) without a daemon.
#include <QDateTime>
#include <QJsonObject>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "core/jobs/Job.h"
#include "ui/tray/TrayController.h"
#include "ui/tray/TrayText.h"

using namespace Qt::StringLiterals;
using nd::JobNotification;
using nd::JobState;

namespace {

QJsonObject jobEvent(const QString &type, JobState state, qint64 runMs, int exitCode = -1, int signal = 0,
                     const QString &name = u"train"_s) {
    nd::Job job;
    job.id = 12;
    job.spec.name = name;
    job.state = state;
    job.submitTimeMs = 1000;
    if (runMs >= 0) {
        job.startTimeMs = 2000;
        job.endTimeMs = 2000 + runMs;
    }
    job.exitCode = exitCode;
    job.termSignal = signal;
    return QJsonObject{{u"seq"_s, 7}, {u"type"_s, type}, {u"job"_s, nd::jobToJson(job)}};
}

QString textOf(const QString &type, const QJsonObject &e) {
    const std::optional<JobNotification> n = nd::jobEndNotification(type, e);
    return n ? n->text : u"(none)"_s;
}

}  // namespace

class TestTrayText : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void notificationForEveryOutcome_data();
    void notificationForEveryOutcome();
    void onlyEndsNotify();
    void spokenDurations();
    void countsLine();
    void countsEvents();
    void controllerNotifiesUnlessTurnedOff();
};

void TestTrayText::notificationForEveryOutcome_data() {
    QTest::addColumn<QString>("type");
    QTest::addColumn<QJsonObject>("event");
    QTest::addColumn<QString>("title");
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("severity");
    using S = JobNotification::Severity;
    const qint64 hourAndTwo = (3600 + 120) * 1000;
    QTest::newRow("completed") << u"ended"_s << jobEvent(u"ended"_s, JobState::completed, hourAndTwo, 0)
                               << u"Job completed"_s << u"train (12) completed in 1 h 2 min"_s
                               << int(S::information);
    QTest::newRow("failed") << u"ended"_s << jobEvent(u"ended"_s, JobState::failed, 5000, 3)
                            << u"Job failed"_s << u"train (12) failed with exit code 3 after 5 s"_s
                            << int(S::critical);
    QTest::newRow("killed") << u"ended"_s << jobEvent(u"ended"_s, JobState::failed, 5000, -1, 9)
                            << u"Job failed"_s << u"train (12) was killed by signal 9 after 5 s"_s
                            << int(S::critical);
    QTest::newRow("timeout") << u"ended"_s << jobEvent(u"ended"_s, JobState::timeout, 600000)
                             << u"Job timed out"_s << u"train (12) timed out after 10 min"_s
                             << int(S::warning);
    QTest::newRow("cancelled running")
        << u"cancelled"_s << jobEvent(u"cancelled"_s, JobState::cancelled, 90000) << u"Job cancelled"_s
        << u"train (12) was cancelled after 1 min"_s << int(S::information);
    QTest::newRow("cancelled pending")
        << u"cancelled"_s << jobEvent(u"cancelled"_s, JobState::cancelled, -1) << u"Job cancelled"_s
        << u"train (12) was cancelled before it started"_s << int(S::information);
    QTest::newRow("node fail") << u"ended"_s << jobEvent(u"ended"_s, JobState::nodeFail, 1000)
                               << u"Job lost"_s << u"train (12) was lost (node failure)"_s
                               << int(S::critical);
    QTest::newRow("no name") << u"ended"_s
                             << jobEvent(u"ended"_s, JobState::completed, 45000, 0, 0, QString())
                             << u"Job completed"_s << u"Job 12 completed in 45 s"_s << int(S::information);
}

void TestTrayText::notificationForEveryOutcome() {
    QFETCH(QString, type);
    QFETCH(QJsonObject, event);
    QFETCH(QString, title);
    QFETCH(QString, text);
    QFETCH(int, severity);
    const std::optional<JobNotification> n = nd::jobEndNotification(type, event);
    QVERIFY(n);
    QCOMPARE(n->title, title);
    QCOMPARE(n->text, text);
    QCOMPARE(int(n->severity), severity);
}

void TestTrayText::onlyEndsNotify() {
    QCOMPARE(textOf(u"started"_s, jobEvent(u"started"_s, JobState::running, 0)), u"(none)"_s);
    QCOMPARE(textOf(u"submitted"_s, jobEvent(u"submitted"_s, JobState::pending, -1)), u"(none)"_s);
    // Ended and requeued at once by a retry: the job is pending again, not ended.
    QCOMPARE(textOf(u"ended"_s, jobEvent(u"ended"_s, JobState::pending, -1)), u"(none)"_s);
    QCOMPARE(textOf(u"ended"_s, QJsonObject{{u"job"_s, u"garbage"_s}}), u"(none)"_s);
}

void TestTrayText::spokenDurations() {
    QCOMPARE(nd::spokenDuration(0), u"0 s"_s);
    QCOMPARE(nd::spokenDuration(59999), u"59 s"_s);
    QCOMPARE(nd::spokenDuration(60000), u"1 min"_s);
    QCOMPARE(nd::spokenDuration(3600000), u"1 h"_s);
    QCOMPARE(nd::spokenDuration((3600 + 120) * 1000), u"1 h 2 min"_s);
    QCOMPARE(nd::spokenDuration(qint64(51) * 3600 * 1000), u"2 d 3 h"_s);
    QCOMPARE(nd::spokenDuration(-5), u"0 s"_s);
}

void TestTrayText::countsLine() {
    const QJsonObject queue{
        {u"counts"_s, QJsonObject{{u"pending"_s, 12}, {u"running"_s, 3}, {u"failed"_s, 1}}}};
    const nd::QueueCounts counts = nd::queueCountsFromJson(queue);
    QCOMPARE(counts.running, 3);
    QCOMPARE(counts.pending, 12);
    QCOMPARE(nd::queueCountsText(counts), u"3 running · 12 pending"_s);
    QCOMPARE(nd::queueCountsText(nd::queueCountsFromJson({})), u"Nothing running or pending"_s);
}

void TestTrayText::countsEvents() {
    for (const char *type : {"submitted", "started", "ended", "cancelled", "requeued"})
        QVERIFY2(nd::jobEventChangesCounts(QLatin1String(type)), type);
    for (const char *type : {"held", "released", "updated"})
        QVERIFY2(!nd::jobEventChangesCounts(QLatin1String(type)), type);
}

void TestTrayText::controllerNotifiesUnlessTurnedOff() {
    QTemporaryDir dir;
    QSettings gui(dir.filePath(u"gui.ini"_s), QSettings::IniFormat);
    QVERIFY(nd::TrayController::notificationsEnabled(gui));  // on unless turned off
    nd::TrayController tray(nullptr, &gui);
    QSignalSpy notified(&tray, &nd::TrayController::notified);
    tray.onDaemonEvent(u"job"_s, jobEvent(u"ended"_s, JobState::completed, 1000, 0));
    tray.onDaemonEvent(u"job"_s, jobEvent(u"started"_s, JobState::running, 0));
    tray.onDaemonEvent(u"telemetry"_s, {});
    QCOMPARE(notified.size(), 1);
    QCOMPARE(notified.at(0).at(0).value<JobNotification>().text, u"train (12) completed in 1 s"_s);

    // Replayed after a reconnect, ten minutes late: shown in the views, not popped up.
    QJsonObject late = jobEvent(u"ended"_s, JobState::completed, 1000, 0);
    late.insert(u"time_ms"_s, QDateTime::currentMSecsSinceEpoch() - 10 * 60 * 1000);
    tray.onDaemonEvent(u"job"_s, late);
    QCOMPARE(notified.size(), 1);
    late.insert(u"time_ms"_s, QDateTime::currentMSecsSinceEpoch());
    tray.onDaemonEvent(u"job"_s, late);
    QCOMPARE(notified.size(), 2);

    nd::TrayController::setNotificationsEnabled(gui, false);
    tray.onDaemonEvent(u"job"_s, jobEvent(u"ended"_s, JobState::failed, 1000, 1));
    QCOMPARE(notified.size(), 2);
}

QTEST_MAIN(TestTrayText)
#include "tst_tray_text.moc"

// Integration: the Submit dialog against the real daemon (two synthetic GPUs of 24 GiB). The dialog loads
// the machine; the preview (POST /api/jobs/preview) says a 1-GPU job would start now, refuses 3 GPUs with
// the daemon's reason, and once a submitted job holds a GPU says a 2-GPU job would wait and why; a
// dependency on a job that does not exist is shown next to the picker; the submitted job is stored with
// the spec the form made (GET /api/jobs/{id}). Every job started is cancelled and the daemon stopped.
#include <QDialogButtonBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include "core/client/ApiClient.h"
#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/models/GpuTableModel.h"
#include "ui/submit/SubmitDialog.h"
#include "ui/submit/SubmitTemplates.h"

#include "UiDaemon.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;
using nd::SubmitDialog;

namespace {
const QString nemoctl = QStringLiteral(NEMOCTL_PATH);
}  // namespace

class TestSubmitDaemon : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void previewsAndSubmits();

private:
    // A blocking call for the test's own checks.
    nd::Result<QJsonDocument> call(const QString &method, const QString &path, const QJsonObject &body = {}) {
        return nd::test::callSync(*m_api, method, path, body);
    }
    QTemporaryDir m_home;
    nd::GpuTableModel m_gpus;
    std::unique_ptr<ConnectionController> m_controller;
    std::unique_ptr<nd::ApiClient> m_api;
    QList<qint64> m_started;
};

void TestSubmitDaemon::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    nd::test::useHome(m_home.path(), "2x24576");
    m_controller =
        std::make_unique<ConnectionController>(nd::Paths::underHome(m_home.path()), nemoctl, &m_gpus);
    QVERIFY(nd::test::startDaemon(*m_controller));
    m_api = std::make_unique<nd::ApiClient>(m_controller->endpoint());
}

void TestSubmitDaemon::cleanupTestCase() {
    for (qint64 id : m_started)
        call(u"POST"_s, u"/api/jobs/%1/cancel"_s.arg(id));
    m_api.reset();
    m_controller.reset();
    nd::test::stopDaemon(m_home.path(), nemoctl);
}

void TestSubmitDaemon::previewsAndSubmits() {
    // The API itself: 3 GPUs are refused with the reason a submit gives.
    const nd::Result<QJsonDocument> three =
        call(u"POST"_s, u"/api/jobs/preview"_s, {{u"argv"_s, QJsonArray{u"true"_s}}, {u"gpus"_s, 3}});
    QVERIFY(!three.ok());
    QVERIFY2(three.error().contains(u"asks for 3 GPUs; this machine has 2"_s), qPrintable(three.error()));

    const QString templates = nd::SubmitTemplates::dirIn(m_home.path());
    SubmitDialog dialog(m_api.get(), templates);
    QSignalSpy previews(&dialog, &SubmitDialog::previewChanged);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.findChild<QSpinBox *>(u"gpus"_s)->maximum(), 2, 10000);
    QVERIFY2(dialog.findChild<QLabel *>(u"machine"_s)->text().contains(u"GPU 1: 24.0 GiB"_s),
             qPrintable(dialog.findChild<QLabel *>(u"machine"_s)->text()));

    dialog.setFromSpec(QJsonObject{{u"argv"_s, QJsonArray{u"sleep"_s, u"60"_s}},
                                   {u"gpus"_s, 1},
                                   {u"name"_s, u"gpu-job"_s},
                                   {u"time_limit"_s, u"10:00"_s},
                                   {u"tags"_s, QJsonArray{u"submit-test"_s}},
                                   {u"workdir"_s, m_home.path()},
                                   {u"env"_s, QJsonObject{{u"MODE"_s, u"test"_s}}}});
    QTRY_COMPARE_WITH_TIMEOUT(dialog.previewText(), u"Would start now on GPU 0."_s, 10000);
    QVERIFY(previews.count() >= 1);

    // The daemon's objection next to the field it names.
    dialog.setFromSpec(QJsonObject{{u"argv"_s, QJsonArray{u"true"_s}}, {u"dependency"_s, u"afterok:99"_s}});
    QTRY_VERIFY_WITH_TIMEOUT(dialog.fieldError(u"dependency"_s).contains(u"no such job"_s), 10000);
    QVERIFY2(dialog.previewText().startsWith(u"Would be refused"_s), qPrintable(dialog.previewText()));
    // Submitting it anyway: refused inline, the dialog stays open.
    dialog.show();
    dialog.submit();
    QTRY_VERIFY_WITH_TIMEOUT(dialog.submitError().startsWith(u"Refused"_s), 10000);
    QVERIFY2(dialog.fieldError(u"dependency"_s).contains(u"no such job"_s),
             qPrintable(dialog.fieldError(u"dependency"_s)));
    QVERIFY(dialog.isVisible());

    // Submit for real: the dialog closes, says which job, and the daemon stored the form's spec.
    const QJsonObject spec{{u"argv"_s, QJsonArray{u"sleep"_s, u"60"_s}},
                           {u"gpus"_s, 1},
                           {u"name"_s, u"gpu-job"_s},
                           {u"time_limit"_s, u"10:00"_s},
                           {u"tags"_s, QJsonArray{u"submit-test"_s}},
                           {u"workdir"_s, m_home.path()},
                           {u"env"_s, QJsonObject{{u"MODE"_s, u"test"_s}}}};
    dialog.setFromSpec(spec);
    QCOMPARE(dialog.spec(), spec);
    QSignalSpy submitted(&dialog, &SubmitDialog::submitted);
    dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QTRY_COMPARE_WITH_TIMEOUT(submitted.count(), 1, 10000);
    const QList<qint64> ids = submitted.front().front().value<QList<qint64>>();
    QCOMPARE(ids.size(), 1);
    m_started.append(ids.front());
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    const nd::Result<QJsonDocument> job = call(u"GET"_s, u"/api/jobs/%1"_s.arg(ids.front()));
    QVERIFY2(job.ok(), qPrintable(job.error()));
    const QJsonObject stored = job->object().value(u"spec"_s).toObject();
    QCOMPARE(stored.value(u"argv"_s).toArray(), (QJsonArray{u"sleep"_s, u"60"_s}));
    QCOMPARE(stored.value(u"gpus"_s).toInt(), 1);
    QCOMPARE(stored.value(u"time_limit_s"_s).toInteger(), 600);
    QCOMPARE(stored.value(u"tags"_s).toArray(), QJsonArray{u"submit-test"_s});
    QCOMPARE(stored.value(u"env"_s).toObject(), (QJsonObject{{u"MODE"_s, u"test"_s}}));
    QCOMPARE(job->object().value(u"name"_s).toString(), u"gpu-job"_s);
    QTRY_VERIFY_WITH_TIMEOUT(
        call(u"GET"_s, u"/api/jobs/%1"_s.arg(ids.front()))->object().value(u"state"_s) == u"running"_s,
        15000);

    // With GPU 0 taken: a 2-GPU job would wait for resources, and the picker lists the running job.
    SubmitDialog next(m_api.get(), templates);
    QTRY_COMPARE_WITH_TIMEOUT(next.findChild<QListWidget *>(u"dependencies"_s)->count(), 1, 10000);
    QVERIFY(next.findChild<QListWidget *>(u"dependencies"_s)->item(0)->text().contains(u"gpu-job"_s));
    next.setFromSpec(QJsonObject{{u"argv"_s, QJsonArray{u"true"_s}}, {u"gpus"_s, 2}});
    QTRY_VERIFY_WITH_TIMEOUT(next.previewText().startsWith(u"Would wait"_s), 10000);
    QVERIFY2(next.previewText().contains(u"needs 2 GPUs, 1 free"_s), qPrintable(next.previewText()));
    // Nothing was stored by the previews: only the one job exists.
    const nd::Result<QJsonDocument> all = call(u"GET"_s, u"/api/jobs?state=all"_s);
    QVERIFY(all.ok());
    QCOMPARE(all->object().value(u"total"_s).toInt(), 1);
}

QTEST_MAIN(TestSubmitDaemon)
#include "tst_submit_daemon.moc"

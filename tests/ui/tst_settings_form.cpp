// Unit: the settings form against its spec (every key of GET /api/settings shown, ranges as the daemon's,
// only changed keys sent back, a daemon error under its field, accessible names), the dialog's reading of
// the daemon's errors, and the window layout memory on a test window.
#include <QCheckBox>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QMainWindow>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include "core/settings/SettingsFile.h"
#include "ui/settings/SettingsDialog.h"
#include "ui/settings/SettingsForm.h"
#include "ui/settings/WindowState.h"

using namespace Qt::StringLiterals;

class TestSettingsForm : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void specCoversEveryKeyWithTheDaemonsRanges();
    void roundTripSendsOnlyChanges();
    void daemonErrorShownUnderItsField();
    void keyOfApiError();
    void windowStateRestoresLayout();
};

void TestSettingsForm::specCoversEveryKeyWithTheDaemonsRanges() {
    QStringList keys;
    for (const nd::SettingsFieldSpec &spec : nd::settingsFieldSpecs())
        keys.append(spec.key);
    QStringList expected = nd::settingsKeys();
    expected.removeAll(u"models.folders"_s);  // shown read-only; edited in the Models view
    QCOMPARE(keys, expected);

    // Each bound is one the daemon accepts, and one step beyond is one it refuses.
    for (const nd::SettingsFieldSpec &spec : nd::settingsFieldSpecs()) {
        if (spec.kind != nd::SettingsFieldSpec::Kind::number)
            continue;
        const QString section = spec.key.section(u'.', 0, 0);
        const QString key = spec.key.section(u'.', 1);
        const auto parse = [&](qint64 value) {
            const QJsonObject root{{section, QJsonObject{{key, value}}}};
            return nd::Settings::parse(QJsonDocument(root).toJson(), u"f"_s).ok();
        };
        QVERIFY2(parse(spec.min) && parse(spec.max), qPrintable(spec.key));
        QVERIFY2(!parse(qint64(spec.min) - 1) && !parse(qint64(spec.max) + 1), qPrintable(spec.key));
    }
}

void TestSettingsForm::roundTripSendsOnlyChanges() {
    nd::Settings s;
    s.queueCpus = 6;
    s.queueBackfill = false;
    s.modelFolders = {u"/data/gguf"_s};
    nd::SettingsForm form;
    form.setSettings(nd::settingsToJson(s));
    QVERIFY(!form.isModified());
    QCOMPARE(qobject_cast<QSpinBox *>(form.editor(u"queue.cpus"_s))->value(), 6);
    QCOMPARE(qobject_cast<QCheckBox *>(form.editor(u"queue.backfill"_s))->isChecked(), false);
    QCOMPARE(qobject_cast<QSpinBox *>(form.editor(u"telemetry.interval_ms"_s))->value(), 1000);
    for (const nd::SettingsFieldSpec &spec : nd::settingsFieldSpecs())
        QVERIFY2(!form.editor(spec.key)->accessibleName().isEmpty(), qPrintable(spec.key));

    qobject_cast<QSpinBox *>(form.editor(u"telemetry.interval_ms"_s))->setValue(250);
    qobject_cast<QCheckBox *>(form.editor(u"queue.backfill"_s))->setChecked(true);
    const QJsonObject changes = form.changes();
    QCOMPARE(
        changes,
        QJsonDocument::fromJson(R"({"telemetry":{"interval_ms":250},"queue":{"backfill":true}})").object());

    // What the daemon would do with it: the same settings, and the form has nothing left to send.
    const nd::Result<QJsonObject> merged = nd::mergeSettingsPatch(nd::settingsToJson(s), changes);
    QVERIFY(merged.ok());
    const nd::Result<nd::Settings> after =
        nd::Settings::parse(QJsonDocument(merged.value()).toJson(), u"f"_s);
    QVERIFY(after.ok());
    QCOMPARE(after->telemetryIntervalMs, 250);
    QCOMPARE(after->queueBackfill, true);
    QCOMPARE(after->queueCpus, 6);
    form.setSettings(nd::settingsToJson(after.value()));
    QVERIFY(!form.isModified());
}

void TestSettingsForm::daemonErrorShownUnderItsField() {
    nd::SettingsForm form;
    form.setSettings(nd::settingsToJson(nd::Settings{}));
    form.show();
    QVERIFY(form.showError(u"queue.cpus"_s, u"queue.cpus must be a whole number from 0 to 65536"_s));
    auto *label = form.findChild<QLabel *>(u"queue.cpus.error"_s);
    QVERIFY(label && label->isVisible());
    QVERIFY(label->text().contains(u"65536"_s));
    QVERIFY(form.editor(u"queue.cpus"_s)->accessibleDescription().contains(u"65536"_s));
    QVERIFY(!form.showError(u"no.such"_s, u"x"_s));
    form.clearErrors();
    QVERIFY(!label->isVisible());
}

void TestSettingsForm::keyOfApiError() {
    QCOMPARE(
        nd::SettingsDialog::keyOfError(
            u"400 invalid_settings: telemetry.interval_ms must be a whole number from 100 to 60000, not 5"_s),
        u"telemetry.interval_ms"_s);
    QCOMPARE(nd::SettingsDialog::keyOfError(u"daemon not reachable at http://127.0.0.1:1: refused"_s),
             QString());
}

namespace {
// A window shaped like NemoDesk's: tabs, a splitter, a table with a header.
struct TestWindow {
    QStandardItemModel model{2, 4};  // before the window: the table goes first
    QMainWindow window;
    QTabWidget *tabs = new QTabWidget;
    QSplitter *splitter = new QSplitter;
    QTableView *table = new QTableView;
    TestWindow() {
        tabs->setObjectName(u"mainTabs"_s);
        splitter->setObjectName(u"gpusPage"_s);
        table->setObjectName(u"gpuTable"_s);
        table->setModel(&model);
        splitter->addWidget(table);
        splitter->addWidget(new QWidget);
        tabs->addTab(splitter, u"GPUs"_s);
        auto *queue = new QWidget;
        queue->setObjectName(u"queuePage"_s);
        tabs->addTab(queue, u"Queue"_s);
        tabs->addTab(new QWidget, u"History"_s);  // no objectName: remembered by index
        window.setCentralWidget(tabs);
        window.resize(800, 600);
        window.show();
    }
};
}  // namespace

void TestSettingsForm::windowStateRestoresLayout() {
    QTemporaryDir dir;
    const QString file = dir.filePath(u"gui.ini"_s);
    {
        TestWindow w;
        QVERIFY(QTest::qWaitForWindowExposed(&w.window));
        w.tabs->setCurrentIndex(1);
        w.splitter->setSizes({300, 500});
        w.table->horizontalHeader()->resizeSection(2, 177);
        w.table->horizontalHeader()->moveSection(0, 3);
        QSettings settings(file, QSettings::IniFormat);
        nd::WindowState::save(settings, &w.window);
    }
    {
        TestWindow w;
        QVERIFY(QTest::qWaitForWindowExposed(&w.window));
        const QSettings settings(file, QSettings::IniFormat);
        nd::WindowState::restore(settings, &w.window);
        QCOMPARE(w.tabs->currentWidget()->objectName(), u"queuePage"_s);
        QCOMPARE(w.table->horizontalHeader()->sectionSize(2), 177);
        QCOMPARE(w.table->horizontalHeader()->visualIndex(0), 3);
        const QList<int> sizes = w.splitter->sizes();
        QCOMPARE(sizes.size(), 2);
        QVERIFY2(sizes.at(0) < sizes.at(1), qPrintable(u"%1 %2"_s.arg(sizes.at(0)).arg(sizes.at(1))));
    }
    {
        // An unnamed page is remembered by its index; nothing saved leaves a window as it is.
        TestWindow w;
        w.tabs->setCurrentIndex(2);
        QSettings settings(file, QSettings::IniFormat);
        nd::WindowState::save(settings, &w.window);
        TestWindow again;
        nd::WindowState::restore(settings, &again.window);
        QCOMPARE(again.tabs->currentIndex(), 2);
        QTemporaryDir empty;
        TestWindow fresh;
        nd::WindowState::restore(QSettings(empty.filePath(u"none.ini"_s), QSettings::IniFormat),
                                 &fresh.window);
        QCOMPARE(fresh.tabs->currentIndex(), 0);
    }
}

QTEST_MAIN(TestSettingsForm)
#include "tst_settings_form.moc"

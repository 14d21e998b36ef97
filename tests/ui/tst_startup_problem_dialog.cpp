// StartupProblemDialog: says which file the daemon could not use, what it found and under which name the
// file is kept; "Keep a backup and start fresh" accepts, "Quit" (the default) rejects; every control has an
// accessible name. No daemon.
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

#include "ui/widgets/StartupProblemDialog.h"

using namespace Qt::StringLiterals;
using nd::StartupProblem;
using nd::StartupProblemDialog;

namespace {

StartupProblem databaseProblem() {
    return StartupProblem{StartupProblem::Kind::database, u"/home/u/.local/share/nemodesk/nemodesk.db"_s,
                          u"/home/u/.local/share/nemodesk/nemodesk.db is not a NemoDesk database: it is "
                          "not an SQLite file at all. <b>not markup</b>"_s,
                          u"/home/u/.local/share/nemodesk/nemodesk.db.broken-20261127-133700"_s};
}

}  // namespace

class TestStartupProblemDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void saysWhatWasFoundAndWhereTheFileIsKept();
    void namesTheSettingsFile();
    void startFreshAcceptsAndQuitRejects();
    void controlsHaveAccessibleNames();
};

void TestStartupProblemDialog::saysWhatWasFoundAndWhereTheFileIsKept() {
    const StartupProblem problem = databaseProblem();
    StartupProblemDialog dialog(problem);
    QCOMPARE(dialog.headline(), u"NemoDesk cannot use its job database"_s);
    const QString details = dialog.details();
    QVERIFY2(details.contains(problem.file), qPrintable(details));
    QVERIFY2(details.contains(problem.message), qPrintable(details));  // shown as plain text, markup and all
    QVERIFY2(details.contains(u"kept as "_s + problem.backup + u" (renamed, not deleted)"_s),
             qPrintable(details));
    QVERIFY2(details.contains(u"new, empty job queue"_s), qPrintable(details));
    QVERIFY2(details.contains(u"If you quit, nothing is changed"_s), qPrintable(details));
    const auto labels = dialog.findChildren<QLabel *>();
    const bool plain = std::any_of(labels.begin(), labels.end(), [&](const QLabel *label) {
        return label->text() == details && label->textFormat() == Qt::PlainText;
    });
    QVERIFY(plain);
    QCOMPARE(dialog.windowTitle(), u"NemoDesk could not start"_s);
    QVERIFY(dialog.isModal());
}

void TestStartupProblemDialog::namesTheSettingsFile() {
    const StartupProblem problem{StartupProblem::Kind::settings, u"/home/u/.config/nemodesk/settings.json"_s,
                                 u"settings file …: daemon.port must be a number"_s,
                                 u"/home/u/.config/nemodesk/settings.json.broken-20261127-133700"_s};
    StartupProblemDialog dialog(problem);
    QCOMPARE(dialog.headline(), u"NemoDesk cannot use its settings file"_s);
    QVERIFY(dialog.details().contains(u"starts with the default settings"_s));
    QVERIFY(dialog.details().contains(problem.backup));
}

void TestStartupProblemDialog::startFreshAcceptsAndQuitRejects() {
    {
        StartupProblemDialog dialog(databaseProblem());
        QCOMPARE(dialog.startFreshButton()->text(), u"Keep a backup and start fresh"_s);
        QCOMPARE(dialog.quitButton()->text(), u"Quit"_s);
        QVERIFY2(dialog.quitButton()->isDefault(), "Enter must not move a file");
        QVERIFY(!dialog.startFreshButton()->isDefault());
        dialog.show();
        QSignalSpy accepted(&dialog, &QDialog::accepted);
        QTest::mouseClick(dialog.startFreshButton(), Qt::LeftButton);
        QCOMPARE(accepted.size(), 1);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }
    {
        StartupProblemDialog dialog(databaseProblem());
        dialog.show();
        QSignalSpy rejected(&dialog, &QDialog::rejected);
        QTest::mouseClick(dialog.quitButton(), Qt::LeftButton);
        QCOMPARE(rejected.size(), 1);
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
    }
    {
        StartupProblemDialog dialog(databaseProblem());
        dialog.show();
        QSignalSpy rejected(&dialog, &QDialog::rejected);
        QTest::keyClick(&dialog, Qt::Key_Escape);
        QCOMPARE(rejected.size(), 1);
    }
}

void TestStartupProblemDialog::controlsHaveAccessibleNames() {
    StartupProblemDialog dialog(databaseProblem());
    for (const QPushButton *button : dialog.findChildren<QPushButton *>()) {
        QVERIFY2(!button->accessibleName().isEmpty(), qPrintable(button->text()));
        QVERIFY2(!button->accessibleDescription().isEmpty(), qPrintable(button->text()));
    }
    for (const QLabel *label : dialog.findChildren<QLabel *>()) {
        QVERIFY2(!label->accessibleName().isEmpty(), qPrintable(label->text()));
    }
    QVERIFY(dialog.startFreshButton()->accessibleDescription().contains(databaseProblem().backup));
}

QTEST_MAIN(TestStartupProblemDialog)
#include "tst_startup_problem_dialog.moc"

// The Submit dialog without a daemon: each kind's form filled programmatically gives the spec that would be
// POSTed; fields are checked as they are typed; setFromSpec(spec()) gives the same spec back (also from a
// past job's spec, with fields the form does not show kept); templates survive a round trip through their
// files; the machine bounds the resource fields; the picker turns queue jobs into a dependency.
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include "ui/submit/SubmitDialog.h"
#include "ui/submit/SubmitFields.h"
#include "ui/submit/SubmitTemplates.h"

using namespace Qt::StringLiterals;
using nd::SubmitDialog;

class TestSubmitDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { QVERIFY(m_dir.isValid()); }
    void commandSpec();
    void scriptShowsWhatSbatchLinesSet();
    void workloadSpecs_data();
    void workloadSpecs();
    void checksAsYouType();
    void roundTrip_data();
    void roundTrip();
    void pastJobSpec();
    void machineBoundsResources();
    void dependencyPicker();
    void templates();
    void sentences();
    void accessibleNames();

private:
    template <typename W>
    W *field(SubmitDialog &dialog, const QString &name) {
        W *w = dialog.findChild<W *>(name);
        if (!w)
            qFatal("no field %s", qPrintable(name));
        return w;
    }
    QTemporaryDir m_dir;
};

void TestSubmitDialog::commandSpec() {
    SubmitDialog dialog(nullptr, m_dir.path());
    dialog.setKind(SubmitDialog::Kind::command);
    QTest::keyClicks(field<QLineEdit>(dialog, u"command"_s), u"python train.py --lr \"3e-4 x\""_s);
    field<QSpinBox>(dialog, u"gpus"_s)->setValue(1);
    field<QSpinBox>(dialog, u"gpu_mem_mib"_s)->setValue(20480);
    field<QSpinBox>(dialog, u"cpus"_s)->setValue(4);
    field<QLineEdit>(dialog, u"mem"_s)->setText(u"16G"_s);
    field<QLineEdit>(dialog, u"time_limit"_s)->setText(u"1:00:00"_s);
    field<QLineEdit>(dialog, u"array"_s)->setText(u"0-3%2"_s);
    field<QLineEdit>(dialog, u"name"_s)->setText(u"train"_s);
    field<QSpinBox>(dialog, u"priority"_s)->setValue(5);
    field<QCheckBox>(dialog, u"hold"_s)->setChecked(true);
    field<QLineEdit>(dialog, u"tags"_s)->setText(u"sweep-3, lr"_s);
    field<QLineEdit>(dialog, u"workdir"_s)->setText(u"/tmp"_s);
    field<QPlainTextEdit>(dialog, u"env"_s)->setPlainText(u"WANDB_MODE=offline\n\nA=b=c"_s);
    const QJsonObject expected{{u"argv"_s, QJsonArray{u"python"_s, u"train.py"_s, u"--lr"_s, u"3e-4 x"_s}},
                               {u"gpus"_s, 1},
                               {u"gpu_mem_mib"_s, 20480},
                               {u"cpus"_s, 4},
                               {u"mem"_s, u"16G"_s},
                               {u"time_limit"_s, u"1:00:00"_s},
                               {u"array"_s, u"0-3%2"_s},
                               {u"name"_s, u"train"_s},
                               {u"priority"_s, 5},
                               {u"hold"_s, true},
                               {u"tags"_s, QJsonArray{u"sweep-3"_s, u"lr"_s}},
                               {u"workdir"_s, u"/tmp"_s},
                               {u"env"_s, QJsonObject{{u"WANDB_MODE"_s, u"offline"_s}, {u"A"_s, u"b=c"_s}}}};
    QCOMPARE(dialog.spec(), expected);
    QVERIFY(!dialog.hasErrors());
}

void TestSubmitDialog::scriptShowsWhatSbatchLinesSet() {
    SubmitDialog dialog(nullptr, m_dir.path());
    dialog.setKind(SubmitDialog::Kind::script);
    const QString script = u"#!/bin/bash\n#SBATCH --gres=gpu:1\n#SBATCH -t 10:00\n#SBATCH -J sb\necho hi\n"_s;
    field<QPlainTextEdit>(dialog, u"script"_s)->setPlainText(script);
    field<QLineEdit>(dialog, u"script_args"_s)->setText(u"a 'b c'"_s);
    const QString sbatch = dialog.findChild<QLabel *>(u"sbatch"_s)->text();
    QVERIFY2(sbatch.contains(u"1 GPU"_s) && sbatch.contains(u"time limit 10:00"_s) &&
                 sbatch.contains(u"name sb"_s),
             qPrintable(sbatch));
    // The form leaves what the #SBATCH lines set to them: no gpus, no time limit in the JSON.
    QCOMPARE(dialog.spec(),
             (QJsonObject{{u"script"_s, script}, {u"script_args"_s, QJsonArray{u"a"_s, u"b c"_s}}}));
    field<QPlainTextEdit>(dialog, u"script"_s)
        ->setPlainText(u"#!/bin/bash\n#SBATCH --gpus-per-sockett=1\n"_s);
    QVERIFY2(dialog.fieldError(u"script"_s).contains(u"unknown #SBATCH option"_s),
             qPrintable(dialog.fieldError(u"script"_s)));
}

void TestSubmitDialog::workloadSpecs_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<QStringList>("fields");  // "name=value"
    QTest::addColumn<QJsonObject>("workload");
    QTest::newRow("batch") << int(SubmitDialog::Kind::batch)
                           << QStringList{u"batch.input=prompts.jsonl"_s, u"batch.output=out.jsonl"_s,
                                          u"batch.max_tokens=512"_s, u"batch.temperature=0.5"_s}
                           << QJsonObject{{u"kind"_s, u"batch"_s},          {u"model"_s, u"nano-q4"_s},
                                          {u"input"_s, u"prompts.jsonl"_s}, {u"output"_s, u"out.jsonl"_s},
                                          {u"max_tokens"_s, 512},           {u"temperature"_s, 0.5}};
    QTest::newRow("benchmark") << int(SubmitDialog::Kind::benchmark)
                               << QStringList{u"benchmark.prompt_tokens=512"_s, u"benchmark.gen_tokens=128"_s,
                                              u"benchmark.reps=3"_s}
                               << QJsonObject{{u"kind"_s, u"benchmark"_s},
                                              {u"model"_s, u"nano-q4"_s},
                                              {u"prompt_tokens"_s, 512},
                                              {u"gen_tokens"_s, 128},
                                              {u"reps"_s, 3}};
    QTest::newRow("server") << int(SubmitDialog::Kind::server)
                            << QStringList{u"server.slots=4"_s, u"server.idle_exit_s=600"_s}
                            << QJsonObject{{u"kind"_s, u"server"_s},
                                           {u"model"_s, u"nano-q4"_s},
                                           {u"slots"_s, 4},
                                           {u"idle_exit_s"_s, 600}};
}

void TestSubmitDialog::workloadSpecs() {
    QFETCH(int, kind);
    QFETCH(QStringList, fields);
    QFETCH(QJsonObject, workload);
    SubmitDialog dialog(nullptr, m_dir.path());
    dialog.setModels({u"nano-q4"_s, u"other"_s});
    dialog.setKind(static_cast<SubmitDialog::Kind>(kind));
    for (const QString &f : fields) {
        const auto parts = f.split(u'=');
        field<QLineEdit>(dialog, parts[0])->setText(parts[1]);
    }
    field<QSpinBox>(dialog, u"gpus"_s)->setValue(1);
    QVERIFY2(!dialog.hasErrors(), qPrintable(dialog.fieldError(u"workload"_s)));
    QCOMPARE(dialog.spec(), (QJsonObject{{u"workload"_s, workload}, {u"gpus"_s, 1}}));
}

void TestSubmitDialog::checksAsYouType() {
    SubmitDialog dialog(nullptr, m_dir.path());
    QPushButton *submit = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    QVERIFY(!dialog.fieldError(u"argv"_s).isEmpty());  // nothing to run yet
    QVERIFY(!submit->isEnabled());
    QTest::keyClicks(field<QLineEdit>(dialog, u"command"_s), u"true"_s);
    QVERIFY(dialog.fieldError(u"argv"_s).isEmpty());
    QVERIFY(submit->isEnabled());
    QTest::keyClicks(field<QLineEdit>(dialog, u"time_limit"_s), u"1:xx"_s);
    QVERIFY(!dialog.fieldError(u"time_limit"_s).isEmpty());
    QVERIFY(!submit->isEnabled());
    field<QLineEdit>(dialog, u"time_limit"_s)->setText(u"2-00:00:00"_s);
    QVERIFY(dialog.fieldError(u"time_limit"_s).isEmpty());
    field<QLineEdit>(dialog, u"array"_s)->setText(u"5-1"_s);
    QVERIFY2(dialog.fieldError(u"array"_s).contains(u"5-1"_s), qPrintable(dialog.fieldError(u"array"_s)));
    field<QLineEdit>(dialog, u"array"_s)->clear();
    field<QLineEdit>(dialog, u"mem"_s)->setText(u"lots"_s);
    QVERIFY(!dialog.fieldError(u"mem"_s).isEmpty());
    field<QLineEdit>(dialog, u"mem"_s)->clear();
    field<QPlainTextEdit>(dialog, u"env"_s)->setPlainText(u"OK=1\nnot a variable"_s);
    QCOMPARE(dialog.fieldError(u"env"_s), u"Line 2: write NAME=value"_s);
    field<QPlainTextEdit>(dialog, u"env"_s)->clear();
    field<QLineEdit>(dialog, u"workdir"_s)->setText(u"relative/dir"_s);
    QVERIFY(!dialog.fieldError(u"workdir"_s).isEmpty());
    field<QLineEdit>(dialog, u"workdir"_s)->clear();
    QVERIFY(!dialog.hasErrors());
    dialog.setKind(SubmitDialog::Kind::batch);  // no model, no files
    QVERIFY(!dialog.fieldError(u"workload"_s).isEmpty());
    // Without a daemon the dialog says so and stays open.
    dialog.setKind(SubmitDialog::Kind::command);
    dialog.submit();
    QVERIFY(!dialog.submitError().isEmpty());
}

void TestSubmitDialog::roundTrip_data() {
    QTest::addColumn<QJsonObject>("spec");
    QTest::newRow("command") << QJsonObject{{u"argv"_s, QJsonArray{u"sh"_s, u"-c"_s, u"echo \"a b\""_s}},
                                            {u"gpus"_s, 2},
                                            {u"dependency"_s, u"afterany:4:5_1"_s},
                                            {u"tags"_s, QJsonArray{u"x"_s}},
                                            {u"env"_s, QJsonObject{{u"A"_s, u"1"_s}}}};
    QTest::newRow("script") << QJsonObject{{u"script"_s, u"#!/bin/bash\n#SBATCH -G 1\necho\n"_s},
                                           {u"script_args"_s, QJsonArray{u"--x"_s}},
                                           {u"script_name"_s, u"run.sh"_s},
                                           {u"time_limit"_s, u"5:00"_s}};
    QTest::newRow("server") << QJsonObject{
        {u"workload"_s,
         QJsonObject{{u"kind"_s, u"server"_s}, {u"model"_s, u"m"_s}, {u"slots"_s, 2}, {u"ctx"_s, 8192}}},
        {u"hold"_s, true},
        {u"priority"_s, -3}};
    QTest::newRow("extras kept") << QJsonObject{{u"argv"_s, QJsonArray{u"true"_s}},
                                                {u"stdout"_s, u"logs/%j.out"_s},
                                                {u"max_retries"_s, 2},
                                                {u"gpu_indices"_s, QJsonArray{1}}};
}

void TestSubmitDialog::roundTrip() {
    QFETCH(QJsonObject, spec);
    SubmitDialog dialog(nullptr, m_dir.path());
    dialog.setFromSpec(spec);
    QCOMPARE(dialog.spec(), spec);
    SubmitDialog again(nullptr, m_dir.path());
    again.setFromSpec(dialog.spec());
    QCOMPARE(again.spec(), spec);
}

// GET /api/jobs/{id}'s "spec" as the daemon stores it: seconds and MiB, and a workload's generated argv.
void TestSubmitDialog::pastJobSpec() {
    SubmitDialog dialog(nullptr, m_dir.path());
    dialog.setFromSpec(QJsonObject{{u"name"_s, u"batch m"_s},
                                   {u"argv"_s, QJsonArray{u"/usr/bin/nemoctl"_s, u"worker"_s, u"batch"_s}},
                                   {u"workload"_s, QJsonObject{{u"kind"_s, u"batch"_s},
                                                               {u"model"_s, u"m"_s},
                                                               {u"input"_s, u"in.jsonl"_s},
                                                               {u"output"_s, u"out.jsonl"_s}}},
                                   {u"time_limit_s"_s, 3600},
                                   {u"mem_mib"_s, 16384},
                                   {u"workdir"_s, u"/home/u"_s}});
    QCOMPARE(dialog.kind(), SubmitDialog::Kind::batch);
    const QJsonObject spec = dialog.spec();
    QVERIFY(!spec.contains(u"argv"_s));
    QCOMPARE(spec.value(u"time_limit"_s).toString(), u"1:00:00"_s);
    QCOMPARE(spec.value(u"mem"_s).toString(), u"16G"_s);
    QCOMPARE(spec.value(u"name"_s).toString(), u"batch m"_s);
    QCOMPARE(spec.value(u"workload"_s).toObject().value(u"input"_s).toString(), u"in.jsonl"_s);
}

void TestSubmitDialog::machineBoundsResources() {
    SubmitDialog dialog(nullptr, m_dir.path());
    dialog.setMachine(QJsonObject{{u"cpus"_s, 8},
                                  {u"gpus"_s, QJsonArray{QJsonObject{{u"index"_s, 0},
                                                                     {u"memory_total_mib"_s, 24576},
                                                                     {u"memory_free_mib"_s, 20480}},
                                                         QJsonObject{{u"index"_s, 1},
                                                                     {u"memory_total_mib"_s, 24576},
                                                                     {u"memory_free_mib"_s, 24576},
                                                                     {u"whole"_s, true}}}}});
    QCOMPARE(field<QSpinBox>(dialog, u"gpus"_s)->maximum(), 2);
    QCOMPARE(field<QSpinBox>(dialog, u"gpu_mem_mib"_s)->maximum(), 24576);
    QCOMPARE(field<QSpinBox>(dialog, u"cpus"_s)->maximum(), 8);
    const QString machine = dialog.findChild<QLabel *>(u"machine"_s)->text();
    QVERIFY2(machine.contains(u"GPU 0: 24.0 GiB, 20.0 GiB free"_s), qPrintable(machine));
    QVERIFY2(machine.contains(u"GPU 1: 24.0 GiB, 24.0 GiB free, in use by a job"_s), qPrintable(machine));
}

void TestSubmitDialog::dependencyPicker() {
    SubmitDialog dialog(nullptr, m_dir.path());
    QTest::keyClicks(field<QLineEdit>(dialog, u"command"_s), u"true"_s);
    dialog.setQueueJobs(QJsonArray{
        QJsonObject{
            {u"id"_s, 12}, {u"display_id"_s, u"12"_s}, {u"name"_s, u"train"_s}, {u"state"_s, u"running"_s}},
        QJsonObject{{u"id"_s, 14},
                    {u"display_id"_s, u"13_1"_s},
                    {u"name"_s, u"sweep"_s},
                    {u"state"_s, u"pending"_s}}});
    auto *list = field<QListWidget>(dialog, u"dependencies"_s);
    QCOMPARE(list->count(), 2);
    QCOMPARE(list->item(0)->text(), u"12  train (running)"_s);
    list->item(0)->setCheckState(Qt::Checked);
    list->item(1)->setCheckState(Qt::Checked);
    QCOMPARE(dialog.spec().value(u"dependency"_s).toString(), u"afterok:12:13_1"_s);
    field<QComboBox>(dialog, u"dependency_kind"_s)->setCurrentIndex(1);
    QCOMPARE(dialog.spec().value(u"dependency"_s).toString(), u"afterany:12:13_1"_s);
    // A refreshed queue keeps the choice; a job gone from the queue stays chosen.
    dialog.setQueueJobs(
        QJsonArray{QJsonObject{{u"id"_s, 12}, {u"display_id"_s, u"12"_s}, {u"name"_s, u"train"_s}}});
    QCOMPARE(list->count(), 2);
    QCOMPARE(dialog.spec().value(u"dependency"_s).toString(), u"afterany:12:13_1"_s);
}

void TestSubmitDialog::templates() {
    const QString dir = nd::SubmitTemplates::dirIn(m_dir.path());
    QJsonObject saved;
    {
        SubmitDialog dialog(nullptr, dir);
        QVERIFY(dialog.templateNames().isEmpty());
        dialog.setFromSpec(QJsonObject{{u"argv"_s, QJsonArray{u"python"_s, u"eval.py"_s}},
                                       {u"gpus"_s, 1},
                                       {u"time_limit"_s, u"30:00"_s},
                                       {u"tags"_s, QJsonArray{u"eval"_s}}});
        saved = dialog.spec();
        const nd::VoidResult result = dialog.saveTemplate(u"nightly eval / GPU"_s);
        QVERIFY2(result.ok(), qPrintable(result.error()));
    }
    SubmitDialog dialog(nullptr, dir);
    QCOMPARE(dialog.templateNames(), QStringList{u"nightly eval / GPU"_s});
    QCOMPARE(dialog.findChild<QComboBox *>(u"template"_s)->currentText(), u"nightly eval / GPU"_s);
    QVERIFY(dialog.loadTemplate(u"nightly eval / GPU"_s).ok());
    QCOMPARE(dialog.spec(), saved);
    QVERIFY(!dialog.loadTemplate(u"missing"_s).ok());
    QVERIFY(nd::SubmitTemplates(dir).remove(u"nightly eval / GPU"_s).ok());
    QVERIFY(nd::SubmitTemplates(dir).names().isEmpty());
}

void TestSubmitDialog::sentences() {
    QCOMPARE(nd::previewSentence(QJsonObject{{u"would_start"_s, true}, {u"gpus"_s, QJsonArray{0}}}),
             u"Would start now on GPU 0."_s);
    QCOMPARE(nd::previewSentence(QJsonObject{{u"would_start"_s, true}, {u"jobs"_s, 4}}),
             u"Would start now (first of 4 tasks)."_s);
    QCOMPARE(nd::previewSentence(QJsonObject{{u"would_start"_s, false},
                                             {u"reason"_s, u"resources"_s},
                                             {u"detail"_s, u"needs 2 GPUs, 1 free"_s}}),
             u"Would wait: needs 2 GPUs, 1 free."_s);
    QCOMPARE(nd::errorField(u"400 invalid_job: array: '5-1': the range end is before its start"_s).first,
             u"array"_s);
    QCOMPARE(nd::errorField(u"400 invalid_job: dependency on job 99: no such job"_s).first, u"dependency"_s);
    QCOMPARE(nd::errorField(u"400 invalid_job: dependency on job 99: no such job"_s).second,
             u"dependency on job 99: no such job"_s);
    QCOMPARE(nd::errorField(u"daemon not reachable"_s).first, QString());
    // Command lines split as a shell splits words, and joined back to the same words.
    const nd::Result<QStringList> words = nd::splitArguments(u"a 'b c' \"d \\\"e\\\"\" f\\ g"_s);
    QVERIFY(words.ok());
    QCOMPARE(words.value(), (QStringList{u"a"_s, u"b c"_s, u"d \"e\""_s, u"f g"_s}));
    QVERIFY(!nd::splitArguments(u"echo 'open"_s).ok());
    const QStringList odd{u"it's"_s, u"a b"_s, QString(), u"x=1"_s, u"$HOME"_s};
    QCOMPARE(nd::splitArguments(nd::joinArguments(odd)).value(), odd);
}

void TestSubmitDialog::accessibleNames() {
    SubmitDialog dialog(nullptr, m_dir.path());
    for (QWidget *w : dialog.findChildren<QWidget *>()) {
        const bool control = qobject_cast<QLineEdit *>(w) || qobject_cast<QSpinBox *>(w) ||
                             qobject_cast<QComboBox *>(w) || qobject_cast<QAbstractButton *>(w) ||
                             qobject_cast<QPlainTextEdit *>(w) || qobject_cast<QListWidget *>(w);
        if (!control || (w->parent() && qobject_cast<QSpinBox *>(w->parent())))  // a spin box's own line edit
            continue;
        if (qobject_cast<QComboBox *>(w->parent()))  // an editable combo's line edit
            continue;
        QVERIFY2(!w->accessibleName().isEmpty(),
                 qPrintable(w->objectName() + u" "_s + QString::fromLatin1(w->metaObject()->className())));
    }
}

QTEST_MAIN(TestSubmitDialog)
#include "tst_submit_dialog.moc"

// nemoctl's job commands end to end: submit (script, --wrap, -- argv, --file, --wait), queue, show, cancel,
// hold/release, requeue, update, logs (-f), history and wait, against a real daemon running real jobs.
// One daemon serves the suite; each test looks only at the jobs it submitted. No assertion depends on
// timing: where a job must be running first, the test waits for that state (with a generous deadline).
#include <gtest/gtest.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "DaemonHarness.h"
#include "tests/core/TestUtil.h"

namespace nd::test {
namespace {

QString s(const char *text) {
    return QString::fromUtf8(text);
}

class QueueCli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_harness = new DaemonHarness;
        // Enough CPUs that the suite's jobs never wait for each other; a short grace period for kills.
        s_harness->writeSettings(R"({"queue":{"cpus":64,"kill_grace_s":2}})");
        s_started = s_harness->start(&s_why);
    }
    static void TearDownTestSuite() {
        delete s_harness;
        s_harness = nullptr;
    }
    void SetUp() override { ASSERT_TRUE(s_started) << s_why.toStdString(); }

    static DaemonHarness &h() { return *s_harness; }
    CommandResult ctl(const QStringList &args, int deadlineMs = 30000) const {
        return h().nemoctl(args, deadlineMs);
    }

    // Submits with --parsable -D <the test's folder> and returns the id.
    QString submit(const QStringList &args) const {
        const CommandResult r = ctl(QStringList{s("submit"), s("--parsable"), s("-D"), dir.path()} + args);
        EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
        return QString::fromUtf8(r.out.trimmed());
    }
    QJsonObject job(const QString &id) const {
        const CommandResult r = ctl({s("show"), id, s("--json")});
        EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
        return QJsonDocument::fromJson(r.out).object();
    }
    QString stateOf(const QString &id) const { return job(id).value(s("state")).toString(); }
    bool waitForState(const QString &id, const QString &state) const {
        return waitUntil([&] { return stateOf(id) == state; }, 30000);
    }
    QString writeFile(const QString &name, const QByteArray &text) const {
        QFile f(dir.filePath(name));
        EXPECT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(text);
        return f.fileName();
    }

    QTemporaryDir dir;
    static DaemonHarness *s_harness;
    static bool s_started;
    static QString s_why;
};

DaemonHarness *QueueCli::s_harness = nullptr;
bool QueueCli::s_started = false;
QString QueueCli::s_why;

TEST_F(QueueCli, SubmitsWrapScriptAndArgv) {
    CommandResult r = ctl({s("submit"), s("-D"), dir.path(), s("--wrap"), s("echo wrapped")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    ASSERT_TRUE(r.out.startsWith("Submitted batch job ")) << r.out.toStdString();
    const QString wrapId = QString::fromUtf8(r.out.trimmed().split(' ').last());
    EXPECT_EQ(job(wrapId).value(s("spec")).toObject().value(s("script")).toString(),
              s("#!/bin/bash\necho wrapped\n"));

    // A script with #SBATCH lines: read here, its directives applied by the daemon, the flags win.
    const QString script = writeFile(s("train.sh"),
                                     "#!/bin/bash\n#SBATCH --job-name=from-sbatch\n#SBATCH --time=10\n"
                                     "echo args: \"$@\"\n");
    const QString scriptId = submit({s("-t"), s("20"), script, s("--lr"), s("3")});
    QJsonObject j = job(scriptId);
    EXPECT_EQ(j.value(s("name")).toString(), s("from-sbatch"));
    EXPECT_EQ(j.value(s("spec")).toObject().value(s("time_limit_s")).toInteger(), 20 * 60);
    EXPECT_EQ(j.value(s("spec")).toObject().value(s("script_args")).toArray(),
              QJsonArray({s("--lr"), s("3")}));

    // No #SBATCH name: the script's file name, as sbatch does.
    const QString plain = writeFile(s("plain.sh"), "#!/bin/bash\necho plain\n");
    EXPECT_EQ(job(submit({plain})).value(s("name")).toString(), s("plain.sh"));

    // -- PROGRAM ARGS…: run directly; options after the program are its own.
    const QString argvId =
        submit({s("-J"), s("direct"), s("--"), s("printf"), s("%s-%s\\n"), s("-a"), s("b")});
    j = job(argvId);
    EXPECT_EQ(j.value(s("name")).toString(), s("direct"));
    EXPECT_EQ(j.value(s("spec")).toObject().value(s("argv")).toArray(),
              QJsonArray({s("printf"), s("%s-%s\\n"), s("-a"), s("b")}));

    r = ctl({s("wait"), wrapId, scriptId, argvId});
    EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(ctl({s("logs"), wrapId}).out, "wrapped\n");
    EXPECT_EQ(ctl({s("logs"), scriptId}).out, "args: --lr 3\n");
    EXPECT_EQ(ctl({s("logs"), argvId}).out, "-a-b\n");
    // The job ran where it was submitted (-D).
    EXPECT_EQ(job(argvId).value(s("spec")).toObject().value(s("workdir")).toString(), dir.path());
}

TEST_F(QueueCli, SubmitFlagsBecomeTheSpec) {
    const QString id = submit(
        {s("-H"),          s("-J"),         s("flags"),   s("--gres"),    s("gpu:a100:2"), s("--gpu-mem"),
         s("4G"),          s("-c4"),        s("--mem"),   s("1500"),      s("-t"),         s("1-00"),
         s("--export"),    s("A=1,B=two"),  s("--env"),   s("C=x=y"),     s("--nice"),     s("3"),
         s("--retries"),   s("2"),          s("--tag"),   s("t1"),        s("--tag"),      s("t2"),
         s("--gpu-index"), s("1,0"),        s("--begin"), s("now+1hour"), s("-o"),         s("out-%j.txt"),
         s("-e"),          s("err-%j.txt"), s("--wrap"),  s("true")});
    const QJsonObject spec = job(id).value(s("spec")).toObject();
    EXPECT_EQ(spec.value(s("name")).toString(), s("flags"));
    EXPECT_EQ(spec.value(s("gpus")).toInt(), 2);
    EXPECT_EQ(spec.value(s("gpu_mem_mib")).toInteger(), 4096);
    EXPECT_EQ(spec.value(s("cpus")).toInt(), 4);
    EXPECT_EQ(spec.value(s("mem_mib")).toInteger(), 1500);
    EXPECT_EQ(spec.value(s("time_limit_s")).toInteger(), 86400);
    EXPECT_EQ(spec.value(s("env")).toObject(),
              (QJsonObject{{s("A"), s("1")}, {s("B"), s("two")}, {s("C"), s("x=y")}}));
    EXPECT_EQ(spec.value(s("priority")).toInteger(), -3);
    EXPECT_EQ(spec.value(s("max_retries")).toInt(), 2);
    EXPECT_EQ(spec.value(s("tags")).toArray(), QJsonArray({s("t1"), s("t2")}));
    EXPECT_EQ(spec.value(s("gpu_indices")).toArray(), QJsonArray({1, 0}));
    const qint64 beginMs = spec.value(s("begin_time_ms")).toInteger();
    const qint64 inAnHourMs = QDateTime::currentMSecsSinceEpoch() + 3600 * 1000;
    EXPECT_GT(beginMs, inAnHourMs - 600 * 1000);
    EXPECT_LE(beginMs, inAnHourMs);
    EXPECT_EQ(spec.value(s("stdout")).toString(), s("out-%j.txt"));
    EXPECT_EQ(spec.value(s("stderr")).toString(), s("err-%j.txt"));

    // Every squeue code has a value for a pending job.
    CommandResult r =
        ctl({s("queue"), s("-h"), s("-j"), id, s("-o"), s("%A|%a|%C|%m|%b|%E|%S|%e|%N|%Z|%o|%R|%M")});
    EXPECT_EQ(r.out, QStringLiteral("%1|N/A|4|1500M|2x4G|(null)|N/A|N/A||%2|true|(JobHeldUser)|0:00\n")
                         .arg(id, dir.path())
                         .toUtf8());
    r = ctl({s("queue"), s("-h"), s("-j"), id, s("-o"), s("%V")});
    EXPECT_EQ(QDateTime::fromString(QString::fromUtf8(r.out.trimmed()), Qt::ISODate).isValid(), true)
        << r.out.toStdString();
    // Released, it waits for its begin time.
    EXPECT_EQ(ctl({s("release"), s("-Q"), id}).out, "");
    r = ctl({s("queue"), s("-h"), s("-j"), id, s("-o"), s("%r")});
    EXPECT_EQ(r.out, "BeginTime\n");
    ctl({s("cancel"), id});

    // Conflicting or malformed flags are usage errors that name the flag.
    for (const QStringList &bad :
         {QStringList{s("--priority"), s("1"), s("--nice"), s("1")},
          QStringList{s("-G"), s("1"), s("--gres"), s("gpu:1")}, QStringList{s("--export"), s("NONE")},
          QStringList{s("--env"), s("1X=2")}, QStringList{s("--gpu-index"), s("0,x")},
          QStringList{s("--begin"), s("later")}, QStringList{s("--mem"), s("lots")},
          QStringList{s("-c"), s("0")}}) {
        r = ctl(QStringList{s("submit")} + bad + QStringList{s("--wrap"), s("true")});
        EXPECT_EQ(r.exitCode, 2) << bad.join(u' ').toStdString();
        EXPECT_TRUE(r.err.contains(bad.first().toUtf8()) || r.err.contains("--")) << r.err.toStdString();
    }
}

TEST_F(QueueCli, SubmitReportsBadInputAndWarnings) {
    CommandResult r = ctl({s("submit")});
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(r.err.contains("nothing to run")) << r.err.toStdString();
    r = ctl({s("submit"), s("-t"), s("soon"), s("--wrap"), s("true")});
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(r.err.startsWith("nemoctl: --time 'soon': ")) << r.err.toStdString();
    r = ctl({s("submit"), s("--array"), s("5-1"), s("--wrap"), s("true")});
    EXPECT_EQ(r.exitCode, 2);
    r = ctl({s("submit"), dir.filePath(s("missing.sh"))});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("cannot read the script")) << r.err.toStdString();
    // Refused by the daemon: nothing stored, its message shown.
    r = ctl({s("submit"), s("-G"), s("3"), s("--wrap"), s("true")});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("3 GPUs")) << r.err.toStdString();
    const QString bad = writeFile(s("bad.sh"), "#!/bin/bash\n#SBATCH --frobnicate\ntrue\n");
    r = ctl({s("submit"), bad});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("--frobnicate")) << r.err.toStdString();
    // Accepted with a warning on stderr.
    const QString warned = writeFile(s("warned.sh"), "#!/bin/bash\n#SBATCH --partition=gpu\ntrue\n");
    r = ctl({s("submit"), s("-D"), dir.path(), warned});
    EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_TRUE(r.err.startsWith("nemoctl: warning: ")) << r.err.toStdString();
    EXPECT_TRUE(r.err.contains("partition")) << r.err.toStdString();
}

TEST_F(QueueCli, QueueListsInTableFormatAndJson) {
    const QString tag = s("queue-test");
    const QString a = submit({s("-H"), s("-J"), s("first"), s("--tag"), tag, s("--priority"), s("7"), s("-t"),
                              s("1:00:00"), s("-G"), s("1"), s("--wrap"), s("true")});
    const QString b = submit({s("-H"), s("-J"), s("second"), s("--tag"), tag, s("--wrap"), s("true")});

    CommandResult r = ctl({s("queue"), s("--tag"), tag});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    QList<QByteArray> lines = r.out.trimmed().split('\n');
    ASSERT_EQ(lines.size(), 3) << r.out.toStdString();
    EXPECT_EQ(lines[0].simplified(), "JOBID NAME STATE TIME TIME_LIMIT GPUS PRIO REASON");
    EXPECT_EQ(lines[1].simplified(), a.toUtf8() + " first PENDING 0:00 1:00:00 1 7 JobHeldUser");
    EXPECT_EQ(lines[2].simplified(), b.toUtf8() + " second PENDING 0:00 UNLIMITED 0 0 JobHeldUser");

    // squeue's format language: widths, alignment, literal text, %%.
    r = ctl({s("queue"), s("--tag"), tag, s("-h"), s("-o"), s("%.6i|%-7j|%t|%T|%r|%Q|%l|%b|%%")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(r.out, a.rightJustified(6).toUtf8() + "|first  |PD|PENDING|JobHeldUser|7|1:00:00|1|%\n" +
                         b.rightJustified(6).toUtf8() + "|second |PD|PENDING|JobHeldUser|0|UNLIMITED|0|%\n");
    r = ctl({s("queue"), s("-o"), s("%i %q")});
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(r.err.contains("unknown format code '%q'")) << r.err.toStdString();

    r = ctl({s("queue"), s("--tag"), tag, s("--json")});
    ASSERT_EQ(r.exitCode, 0);
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    EXPECT_EQ(o.value(s("jobs")).toArray().size(), 2);
    EXPECT_GT(o.value(s("last_seq")).toInteger(), 0);

    // Filters: by id, by name glob, by state; paging with --limit.
    r = ctl({s("queue"), s("-h"), s("-o"), s("%j"), s("-j"), b});
    EXPECT_EQ(r.out, "second\n");
    r = ctl({s("queue"), s("-h"), s("-o"), s("%j"), s("--tag"), tag, s("-n"), s("fir*")});
    EXPECT_EQ(r.out, "first\n");
    r = ctl({s("queue"), s("-h"), s("-o"), s("%j"), s("--tag"), tag, s("-t"), s("R")});
    EXPECT_EQ(r.out, "");
    r = ctl({s("queue"), s("-h"), s("-o"), s("%j"), s("--tag"), tag, s("--limit"), s("1")});
    EXPECT_EQ(r.out, "first\n");

    // show: scontrol's Key=Value lines.
    r = ctl({s("show"), a});
    ASSERT_EQ(r.exitCode, 0);
    for (const QByteArray &expected :
         {"JobId=" + a.toUtf8() + " JobName=first", QByteArray("JobState=PENDING"),
          QByteArray("Reason=JobHeldUser"), QByteArray("Priority=7"), QByteArray("TimeLimit=1:00:00"),
          QByteArray("Gpus=1"), QByteArray("ExitCode=0:0"), "WorkDir=" + dir.path().toUtf8(),
          QByteArray("Script=true"), QByteArray("Tags=queue-test")})
        EXPECT_TRUE(r.out.contains(expected)) << expected.toStdString() << "\n" << r.out.toStdString();
    r = ctl({s("show"), s("999999")});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.err, "nemoctl: no job 999999\n");

    EXPECT_EQ(ctl({s("cancel"), s("--quiet"), a, b}).exitCode, 0);
}

TEST_F(QueueCli, CancelHoldReleaseRequeueUpdate) {
    // Pending (held) job: update, then cancel.
    const QString held = submit({s("-H"), s("--wrap"), s("true")});
    CommandResult r = ctl({s("update"), held, s("--priority"), s("5"), s("-t"), s("10")});
    EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(r.out, "updated job " + held.toUtf8() + "\n");
    QJsonObject spec = job(held).value(s("spec")).toObject();
    EXPECT_EQ(spec.value(s("priority")).toInteger(), 5);
    EXPECT_EQ(spec.value(s("time_limit_s")).toInteger(), 600);
    EXPECT_EQ(ctl({s("update"), held}).exitCode, 2);  // nothing to change

    // Release lets it run.
    r = ctl({s("release"), held});
    EXPECT_EQ(r.out, "released job " + held.toUtf8() + "\n");
    EXPECT_EQ(ctl({s("wait"), held}).exitCode, 0);
    // Holding a finished job is refused (409), reported, exit code 1.
    r = ctl({s("hold"), held});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("only pending jobs can be held")) << r.err.toStdString();
    // Requeue runs it again.
    r = ctl({s("requeue"), held});
    EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(r.out, "requeued job " + held.toUtf8() + "\n");
    EXPECT_EQ(ctl({s("wait"), held}).exitCode, 0);
    EXPECT_EQ(stateOf(held), s("completed"));

    // Cancel a pending job and a running one in one call, with an unknown id between them: the others are
    // still cancelled, the unknown one is reported, exit code 1.
    const QString pending = submit({s("-H"), s("--wrap"), s("true")});
    const QString running = submit({s("--wrap"), s("sleep 60")});
    ASSERT_TRUE(waitForState(running, s("running")));
    r = ctl({s("cancel"), pending, s("999999"), running});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.out, "cancelled job " + pending.toUtf8() + "\ncancelled job " + running.toUtf8() + "\n");
    EXPECT_EQ(r.err, "nemoctl: no job 999999\n");
    EXPECT_EQ(ctl({s("wait"), pending}).exitCode, 1);         // cancelled before it ran
    EXPECT_EQ(ctl({s("wait"), running}).exitCode, 128 + 15);  // SIGTERM
    EXPECT_EQ(stateOf(running), s("cancelled"));

    // --signal only sends it: a job that traps USR1 reports it and goes on.
    const QString trapper = submit(
        {s("--wrap"), s("trap 'echo got usr1; exit 0' USR1; echo ready; while true; do sleep 0.05; done")});
    ASSERT_TRUE(waitUntil([&] { return ctl({s("logs"), trapper}).out == "ready\n"; }, 30000));
    r = ctl({s("cancel"), s("--signal"), s("USR1"), trapper});
    EXPECT_EQ(r.out, "sent SIGUSR1 to job " + trapper.toUtf8() + "\n");
    EXPECT_EQ(ctl({s("wait"), trapper}).exitCode, 0);
    // (bash may also report the USR1 that its sleep got: the signal goes to the job's process group.)
    EXPECT_TRUE(ctl({s("logs"), trapper}).out.contains("got usr1\n"));
}

TEST_F(QueueCli, LogsPrintFollowAndTail) {
    const QString id = submit({s("-e"), dir.filePath(s("err.txt")), s("--wrap"),
                               s("for i in 1 2 3 4 5; do echo line $i; echo oops $i >&2; sleep 0.2; done")});
    // -f from the start: everything, in order, then exit 0 when the job ends.
    CommandResult r = ctl({s("logs"), s("-f"), id});
    EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(r.out, "line 1\nline 2\nline 3\nline 4\nline 5\n");
    EXPECT_EQ(ctl({s("logs"), id, s("--err")}).out, "oops 1\noops 2\noops 3\noops 4\noops 5\n");
    EXPECT_EQ(ctl({s("logs"), id, s("--tail"), s("2")}).out, "line 4\nline 5\n");
    EXPECT_EQ(ctl({s("logs"), id, s("--tail"), s("0")}).out, "");
    EXPECT_EQ(ctl({s("logs"), s("-f"), id}).out,
              "line 1\nline 2\nline 3\nline 4\nline 5\n");  // ended: returns

    // Bytes exactly as written, whatever they are.
    const QString binary = submit({s("--wrap"), s("printf 'a\\000b\\377\\r\\n'")});
    EXPECT_EQ(ctl({s("wait"), binary}).exitCode, 0);
    EXPECT_EQ(ctl({s("logs"), binary}).out, QByteArray("a\0b\xff\r\n", 6));
    EXPECT_EQ(ctl({s("logs"), s("999999")}).exitCode, 1);
}

TEST_F(QueueCli, WaitExitCodesAndSubmitWait) {
    const QString ok = submit({s("--wrap"), s("true")});
    const QString three = submit({s("--wrap"), s("exit 3")});
    const QString limited = submit({s("-t"), s("0:1"), s("--wrap"), s("sleep 60")});  // 1 second
    EXPECT_EQ(ctl({s("wait"), ok}).exitCode, 0);
    EXPECT_EQ(ctl({s("wait"), three}).exitCode, 3);
    EXPECT_EQ(ctl({s("wait"), limited}).exitCode, 128 + 15);
    EXPECT_EQ(stateOf(limited), s("timeout"));
    EXPECT_EQ(ctl({s("wait"), ok, three, limited}).exitCode, 3);  // the first non-zero

    // --timeout: 124, naming the job still waiting.
    const QString held = submit({s("-H"), s("--wrap"), s("true")});
    CommandResult r = ctl({s("wait"), held, s("--timeout"), s("0.2")});
    EXPECT_EQ(r.exitCode, 124);
    EXPECT_TRUE(r.err.contains("job " + held.toUtf8() + " (pending)")) << r.err.toStdString();
    ctl({s("cancel"), held});
    EXPECT_EQ(ctl({s("wait"), s("999999")}).exitCode, 1);

    // submit --wait exits with the job's code.
    r = ctl({s("submit"), s("-W"), s("-D"), dir.path(), s("--wrap"), s("exit 4")});
    EXPECT_EQ(r.exitCode, 4);
    EXPECT_TRUE(r.out.startsWith("Submitted batch job ")) << r.out.toStdString();
}

TEST_F(QueueCli, BulkFileArraysAndDependencies) {
    // --file: one request, one id per line; a time limit of 1 s given in JSON.
    const QString jobsFile =
        writeFile(s("jobs.jsonl"),
                  "{\"name\":\"bulk-a\",\"script\":\"#!/bin/bash\\nexit 0\\n\",\"workdir\":\"" +
                      dir.path().toUtf8() + "\"}\n\n{\"argv\":[\"sleep\",\"60\"],\"time_limit_s\":1}\n");
    CommandResult r = ctl({s("submit"), s("--file"), jobsFile});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    const QList<QByteArray> ids = r.out.trimmed().split('\n');
    ASSERT_EQ(ids.size(), 2) << r.out.toStdString();
    EXPECT_EQ(ctl({s("wait"), QString::fromUtf8(ids[0])}).exitCode, 0);
    EXPECT_EQ(ctl({s("wait"), QString::fromUtf8(ids[1])}).exitCode, 128 + 15);
    EXPECT_EQ(ctl({s("submit"), s("--file"), jobsFile, s("-J"), s("x")}).exitCode, 2);

    // An array with a throttle: --parsable prints the array's id; tasks as ID_N.
    const QString array = submit({s("-a"), s("0-3%2"), s("-o"), dir.filePath(s("arr-%A_%a.out")), s("--wrap"),
                                  s("echo task $SLURM_ARRAY_TASK_ID")});
    EXPECT_EQ(ctl({s("wait"), array}).exitCode, 0);
    EXPECT_EQ(ctl({s("logs"), array + s("_2")}).out, "task 2\n");
    r = ctl({s("history"), s("-j"), array, s("-P"), s("-o"), s("JobID,State,ExitCode")});
    EXPECT_EQ(r.out, QStringLiteral("JobID|State|ExitCode\n%1_3|COMPLETED|0:0\n%1_2|COMPLETED|0:0\n"
                                    "%1_1|COMPLETED|0:0\n%1_0|COMPLETED|0:0\n")
                         .arg(array)
                         .toUtf8());
    EXPECT_EQ(job(array).value(s("spec")).toObject().value(s("array")).toString(), s("0-3%2"));

    // afterok chain: each starts after the one before completed.
    const QString first = submit({s("--wrap"), s("sleep 0.3")});
    const QString second = submit({s("-d"), s("afterok:") + first, s("--wrap"), s("true")});
    const QString third = submit({s("-d"), s("afterok:") + second, s("--wrap"), s("true")});
    EXPECT_EQ(ctl({s("wait"), third}).exitCode, 0);
    EXPECT_GE(job(second).value(s("start_time_ms")).toInteger(),
              job(first).value(s("end_time_ms")).toInteger());
    EXPECT_GE(job(third).value(s("start_time_ms")).toInteger(),
              job(second).value(s("end_time_ms")).toInteger());
    // A dependency that can no longer be met: pending with that reason.
    const QString failing = submit({s("--wrap"), s("exit 1")});
    const QString never = submit({s("-d"), s("afterok:") + failing, s("--wrap"), s("true")});
    EXPECT_EQ(ctl({s("wait"), failing}).exitCode, 1);
    ASSERT_TRUE(waitUntil(
        [&] {
            return ctl({s("queue"), s("-h"), s("-o"), s("%r"), s("-j"), never}).out ==
                   "DependencyNeverSatisfied\n";
        },
        30000));
    ctl({s("cancel"), never});
}

TEST_F(QueueCli, HistoryFormats) {
    const QString tag = s("history-test");
    const QString ok = submit({s("--tag"), tag, s("-J"), s("fine"), s("--wrap"), s("true")});
    const QString bad = submit({s("--tag"), tag, s("-J"), s("broken"), s("--wrap"), s("exit 3")});
    EXPECT_EQ(ctl({s("wait"), ok, bad}).exitCode, 3);

    CommandResult r =
        ctl({s("history"), s("--tag"), tag, s("-P"), s("-o"), s("jobid,jobname,state,exitcode")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(r.out,
              QStringLiteral("JobID|JobName|State|ExitCode\n%1|broken|FAILED|3:0\n%2|fine|COMPLETED|0:0\n")
                  .arg(bad, ok)
                  .toUtf8());
    // The default table: header, dashes, newest first.
    r = ctl({s("history"), s("--tag"), tag, s("-X")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    const QList<QByteArray> lines = r.out.split('\n');
    ASSERT_GE(lines.size(), 4) << r.out.toStdString();
    EXPECT_TRUE(lines[0].startsWith("JobID")) << r.out.toStdString();
    EXPECT_TRUE(lines[1].startsWith("-----")) << r.out.toStdString();
    EXPECT_TRUE(lines[2].startsWith(bad.toUtf8() + " ")) << r.out.toStdString();
    // Widths cut with '+', as sacct does; filters by state and time; --json.
    r = ctl({s("history"), s("--tag"), tag, s("--noheader"), s("-o"), s("JobName%4,State"), s("-s"), s("F")});
    EXPECT_EQ(r.out, "bro+ FAILED\n");
    r = ctl({s("history"), s("--tag"), tag, s("-P"), s("--noheader"), s("-o"), s("JobID"), s("-S"),
             s("now+1day")});
    EXPECT_EQ(r.out, "");
    r = ctl({s("history"), s("--tag"), tag, s("-P"), s("--noheader"), s("-o"), s("JobID"), s("-S"),
             s("now-1day")});
    EXPECT_EQ(r.out.count('\n'), 2);
    r = ctl({s("history"), s("--tag"), tag, s("--json")});
    EXPECT_EQ(QJsonDocument::fromJson(r.out).object().value(s("jobs")).toArray().size(), 2);
    EXPECT_EQ(ctl({s("history"), s("-o"), s("JobID,Bogus")}).exitCode, 2);
}

TEST_F(QueueCli, EveryCommandHasHelp) {
    for (const char *command : {"submit", "queue", "show", "cancel", "hold", "release", "requeue", "update",
                                "logs", "history", "wait"}) {
        const CommandResult r = ctl({QString::fromLatin1(command), s("--help")});
        EXPECT_EQ(r.exitCode, 0) << command;
        EXPECT_TRUE(r.out.startsWith(QByteArray("Usage: nemoctl ") + command)) << r.out.toStdString();
    }
    EXPECT_EQ(ctl({s("show"), s("twelve")}).exitCode, 2);
    EXPECT_EQ(ctl({s("cancel")}).exitCode, 2);
}

TEST(QueueCliWithoutDaemon, SaysHowToStartOne) {
    DaemonHarness h;
    for (const QStringList &args : {QStringList{s("submit"), s("--wrap"), s("true")}, QStringList{s("queue")},
                                    QStringList{s("wait"), s("1")}}) {
        const CommandResult r = h.nemoctl(args);
        EXPECT_EQ(r.exitCode, 1);
        EXPECT_TRUE(r.err.contains("no daemon is running")) << r.err.toStdString();
        EXPECT_TRUE(r.err.contains("start one with 'nemoctl daemon'")) << r.err.toStdString();
    }
}

// `wait` follows events; when the daemon restarts (new port) it finds it again through the runtime file
// and resumes after the last event it saw, so the job's end is not missed.
TEST(QueueCliWithoutDaemon, WaitSurvivesADaemonRestart) {
    DaemonHarness h;
    QString why;
    ASSERT_TRUE(h.start(&why)) << why.toStdString();
    QTemporaryDir dir;
    const QString go = dir.filePath(s("go"));
    CommandResult r = h.nemoctl({s("submit"), s("--parsable"), s("-D"), dir.path(), s("--wrap"),
                                 QStringLiteral("while [ ! -f '%1' ]; do sleep 0.05; done; exit 4").arg(go)});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    const QString id = QString::fromUtf8(r.out.trimmed());

    QProcess waiter;
    waiter.setProcessEnvironment(h.environment());
    waiter.start(nemoctlPath(), {s("wait"), id});
    ASSERT_TRUE(waiter.waitForStarted());
    // Its two connections (the jobs it read, the event stream) are up once /proc says so.
    const auto connections = [&] {
        const QString fdDir = QStringLiteral("/proc/%1/fd").arg(waiter.processId());
        int sockets = 0;
        for (const QFileInfo &fd : QDir(fdDir).entryInfoList(QDir::System | QDir::NoDotAndDotDot))
            sockets += fd.symLinkTarget().contains(s("socket:")) ? 1 : 0;
        return sockets;
    };
    ASSERT_TRUE(
        waitUntil([&] { return connections() >= 2 || waiter.state() == QProcess::NotRunning; }, 30000));
    ASSERT_EQ(waiter.state(), QProcess::Running) << waiter.readAllStandardError().toStdString();

    r = h.nemoctl({s("stop")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    ASSERT_EQ(h.waitForExit(), 0);
    ASSERT_TRUE(h.start(&why)) << why.toStdString();
    QFile goFile(go);
    ASSERT_TRUE(goFile.open(QIODevice::WriteOnly));
    ASSERT_TRUE(waiter.waitForFinished(60000)) << waiter.readAllStandardError().toStdString();
    EXPECT_EQ(waiter.exitCode(), 4) << waiter.readAllStandardError().toStdString();
}

}  // namespace
}  // namespace nd::test

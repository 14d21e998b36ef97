// #SBATCH directives: real-looking scripts from tests/core/jobs/scripts, then each rule on its own.
#include <gtest/gtest.h>

#include <QDateTime>
#include <QDir>
#include <QFile>

#include "core/jobs/SbatchScript.h"

namespace nd {
namespace {

QString readScript(const char *name) {
    QFile file(QDir(QStringLiteral(JOBS_TEST_DATA)).filePath(QString::fromLatin1(name)));
    EXPECT_TRUE(file.open(QIODevice::ReadOnly)) << name;
    return QString::fromUtf8(file.readAll());
}

SbatchDirectives parseOk(const QString &script, JobSpec base = {}) {
    Result<SbatchDirectives> parsed = parseSbatchDirectives(script, std::move(base));
    EXPECT_TRUE(parsed.ok()) << parsed.error().toStdString();
    return parsed ? std::move(parsed).value() : SbatchDirectives{};
}

// The directives of a script made of "#!/bin/bash" and `lines`.
SbatchDirectives directives(const char *lines, JobSpec base = {}) {
    return parseOk(QStringLiteral("#!/bin/bash\n") + QString::fromUtf8(lines) + QStringLiteral("\nrun.sh\n"),
                   std::move(base));
}

std::string errorOf(const char *lines) {
    const Result<SbatchDirectives> parsed = parseSbatchDirectives(
        QStringLiteral("#!/bin/bash\n") + QString::fromUtf8(lines) + QStringLiteral("\n"));
    return parsed ? std::string("(no error)") : parsed.error().toStdString();
}

TEST(SbatchScripts, PyTorchTraining) {
    JobSpec base;
    base.workdir = QStringLiteral("/home/me/llama");
    const SbatchDirectives d = parseOk(readScript("pytorch_train.sbatch"), base);
    EXPECT_EQ(d.spec.name, QStringLiteral("llama-finetune"));
    EXPECT_EQ(d.spec.gpus, 2);
    EXPECT_EQ(d.spec.timeLimitSec, 2 * 86400);
    EXPECT_EQ(d.spec.memMib, 64 * 1024);
    EXPECT_EQ(d.spec.cpus, 8);
    EXPECT_EQ(d.spec.stdoutPath, QStringLiteral("logs/%x-%j.out"));
    EXPECT_EQ(d.spec.stderrPath, QStringLiteral("logs/%x-%j.err"));
    EXPECT_EQ(d.spec.workdir, QStringLiteral("/home/me/llama")) << "fields the script does not set stay";
    EXPECT_TRUE(d.warnings.isEmpty()) << d.warnings.join(u'\n').toStdString();
}

TEST(SbatchScripts, ArraySweep) {
    const SbatchDirectives d = parseOk(readScript("array_sweep.sbatch"));
    EXPECT_EQ(d.spec.name, QStringLiteral("lr-sweep"));
    ASSERT_TRUE(d.spec.array.has_value());
    EXPECT_EQ(d.spec.array->taskIds, (QList<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(d.spec.array->maxConcurrent, 2);
    EXPECT_EQ(d.spec.array->text, QStringLiteral("0-9%2"));
    EXPECT_EQ(d.spec.gpus, 1);
    EXPECT_EQ(d.spec.timeLimitSec, 30 * 60);
    EXPECT_EQ(d.spec.memMib, 16 * 1024) << "--mem-per-gpu is host memory per allocated GPU";
    EXPECT_EQ(d.spec.gpuMemMib, 0);
    EXPECT_EQ(d.spec.stdoutPath, QStringLiteral("sweeps/%A_%a.out"));
    EXPECT_EQ(d.warnings, QStringList{QStringLiteral("--open-mode=append ignored (line 8)")});
}

TEST(SbatchScripts, DependencyChain) {
    JobSpec base;
    base.env = {{QStringLiteral("WANDB_MODE"), QStringLiteral("online")}};
    base.priority = 10;
    const SbatchDirectives d = parseOk(readScript("dependency_chain.sbatch"), base);
    EXPECT_EQ(d.spec.name, QStringLiteral("evaluate checkpoints"));
    const QList<Dependency> expected{{Dependency::Kind::afterOk, 101, -1},
                                     {Dependency::Kind::afterOk, 102, -1},
                                     {Dependency::Kind::afterAny, 103, 4}};
    EXPECT_EQ(d.spec.dependencies, expected);
    EXPECT_EQ(d.spec.timeLimitSec, 3600);
    EXPECT_EQ(d.spec.cpus, 4);
    const QList<QPair<QString, QString>> env{{QStringLiteral("WANDB_MODE"), QStringLiteral("offline")},
                                             {QStringLiteral("HF_HOME"), QStringLiteral("/scratch/hf")}};
    EXPECT_EQ(d.spec.env, env);
    EXPECT_EQ(d.spec.priority, 10 - 50) << "--nice lowers the priority";
    EXPECT_EQ(d.spec.maxRetries, 1) << "--requeue allows one automatic requeue";
    EXPECT_TRUE(d.warnings.isEmpty()) << d.warnings.join(u'\n').toStdString();
}

TEST(SbatchScripts, ClusterOptionsAreWarnings) {
    const SbatchDirectives d = parseOk(readScript("cluster_site.sbatch"));
    const QStringList expected{
        QStringLiteral("--partition=gpu ignored (line 2)"),
        QStringLiteral("--account=ml-research ignored (line 3)"),
        QStringLiteral("--qos=normal ignored (line 4)"),
        QStringLiteral("--mail-type=END,FAIL ignored (line 5)"),
        QStringLiteral("--mail-user=someone@example.org ignored (line 6)"),
        QStringLiteral("--nodes=1 ignored (line 7)"),
        QStringLiteral("--ntasks=1 ignored (line 8)"),
        QStringLiteral("--exclusive ignored (line 9)"),
        QStringLiteral("--constraint=a100 ignored (line 10)"),
    };
    EXPECT_EQ(d.warnings, expected);
    EXPECT_EQ(d.spec.gpus, 1);
    EXPECT_EQ(d.spec.timeLimitSec, 4 * 3600);
    EXPECT_EQ(d.spec.memMib, 32000);
}

TEST(SbatchScripts, UnknownOptionNamesTheLine) {
    const Result<SbatchDirectives> parsed = parseSbatchDirectives(readScript("unknown_option.sbatch"));
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error(), QStringLiteral("line 4: unknown #SBATCH option --gpus-per-sockett"));
}

TEST(SbatchScripts, DirectivesAfterTheFirstCommandAreIgnored) {
    const SbatchDirectives d = parseOk(readScript("late_directives.sbatch"));
    EXPECT_EQ(d.spec.name, QStringLiteral("early"));
    EXPECT_EQ(d.spec.timeLimitSec, 300);
    EXPECT_EQ(d.spec.gpus, 0);
}

TEST(SbatchScripts, QuotingCommentsAndShortOptions) {
    const SbatchDirectives d = parseOk(readScript("quoting_and_comments.sbatch"));
    EXPECT_EQ(d.spec.name, QStringLiteral("quick-test"));
    EXPECT_EQ(d.spec.cpus, 2);
    EXPECT_EQ(d.spec.timeLimitSec, 15 * 60);
    EXPECT_EQ(d.spec.stdoutPath, QStringLiteral("logs/quick test %j.out"));
    EXPECT_EQ(d.spec.stderrPath, QStringLiteral("logs/quick test %j.err"));
    EXPECT_EQ(d.spec.workdir, QStringLiteral("experiments/quick")) << "relative --chdir stays relative";
    EXPECT_TRUE(d.spec.hold);
    EXPECT_EQ(d.spec.gpus, 1) << "##SBATCH is a disabled directive";
    EXPECT_EQ(d.spec.memMib, 8 * 1024);
}

TEST(SbatchDirectives, NoDirectivesGivesTheBase) {
    JobSpec base;
    base.name = QStringLiteral("base");
    base.gpus = 3;
    EXPECT_EQ(parseOk(QStringLiteral("#!/bin/sh\necho hi\n"), base).spec, base);
    EXPECT_EQ(parseOk(QString(), base).spec, base);
    EXPECT_EQ(parseOk(QStringLiteral("echo first\n#SBATCH --gpus=1\n"), base).spec, base);
}

TEST(SbatchDirectives, OptionSpellings) {
    EXPECT_EQ(directives("#SBATCH --job-name=a").spec.name, QStringLiteral("a"));
    EXPECT_EQ(directives("#SBATCH --job-name b").spec.name, QStringLiteral("b"));
    EXPECT_EQ(directives("#SBATCH -J c").spec.name, QStringLiteral("c"));
    EXPECT_EQ(directives("#SBATCH -Jd").spec.name, QStringLiteral("d"));
    EXPECT_EQ(directives("#SBATCH -J 'with space'").spec.name, QStringLiteral("with space"));
    EXPECT_EQ(directives("#SBATCH --job-name=\"with # hash\"").spec.name, QStringLiteral("with # hash"));
    EXPECT_EQ(directives("#SBATCH -J a\\#b").spec.name, QStringLiteral("a#b"));
    EXPECT_EQ(directives("#SBATCH -J run#3").spec.name, QStringLiteral("run"))
        << "an unquoted # starts a comment";
    EXPECT_EQ(directives("#SBATCH\t--time=7\t# tabs").spec.timeLimitSec, 420);
    EXPECT_EQ(directives("#SBATCH--time=7").spec.timeLimitSec, 420);
    const SbatchDirectives several = directives("#SBATCH -c 4 -G 2 --mem 1G -t 10 # all on one line");
    EXPECT_EQ(several.spec.cpus, 4);
    EXPECT_EQ(several.spec.gpus, 2);
    EXPECT_EQ(several.spec.memMib, 1024);
    EXPECT_EQ(several.spec.timeLimitSec, 600);
}

TEST(SbatchDirectives, LaterDirectivesWin) {
    const SbatchDirectives d =
        directives("#SBATCH --time=5\n#SBATCH --time=10\n#SBATCH -d afterok:1\n#SBATCH -d afterany:2");
    EXPECT_EQ(d.spec.timeLimitSec, 600);
    EXPECT_EQ(directives("#SBATCH --mem=1G\n#SBATCH --mem=2G").spec.memMib, 2048);
    EXPECT_EQ(d.spec.dependencies, (QList<Dependency>{{Dependency::Kind::afterAny, 2, -1}}));
}

TEST(SbatchDirectives, CrLfLineEnds) {
    const SbatchDirectives d = parseOk(
        QStringLiteral("#!/bin/bash\r\n#SBATCH --job-name=dos\r\n#SBATCH -t 1:00\r\n\r\npython x.py\r\n"));
    EXPECT_EQ(d.spec.name, QStringLiteral("dos"));
    EXPECT_EQ(d.spec.timeLimitSec, 60);
}

TEST(SbatchDirectives, CommentLikeMagicWordsAreNotDirectives) {
    EXPECT_EQ(directives("#SBATCHING is not a directive\n#sbatch --gpus=1\n# SBATCH --gpus=1").spec,
              JobSpec{});
}

TEST(SbatchDirectives, GpuOptions) {
    EXPECT_EQ(directives("#SBATCH --gres=gpu").spec.gpus, 1);
    EXPECT_EQ(directives("#SBATCH --gres=gpu:a100:4").spec.gpus, 4);
    EXPECT_EQ(directives("#SBATCH --gpus=a100:2").spec.gpus, 2);
    EXPECT_EQ(directives("#SBATCH -G3").spec.gpus, 3);
    EXPECT_EQ(directives("#SBATCH --gpus-per-node=2").spec.gpus, 2);
    EXPECT_EQ(directives("#SBATCH --gpus-per-task=1\n#SBATCH --ntasks=1").spec.gpus, 1);
}

TEST(SbatchDirectives, MemoryPerGpuAndPerCpu) {
    EXPECT_EQ(directives("#SBATCH --gpus=2 --mem-per-gpu=10G").spec.memMib, 20 * 1024);
    EXPECT_EQ(directives("#SBATCH --mem-per-gpu=10G\n#SBATCH --gpus=3").spec.memMib, 30 * 1024)
        << "the GPU count may come after";
    EXPECT_EQ(directives("#SBATCH -c 4 --mem-per-cpu=2G").spec.memMib, 8 * 1024);
    const SbatchDirectives noGpu = directives("#SBATCH --mem-per-gpu=10G");
    EXPECT_EQ(noGpu.spec.memMib, 0);
    EXPECT_EQ(noGpu.warnings,
              QStringList{QStringLiteral("--mem-per-gpu ignored (line 2): the job asks for no GPUs")});
}

TEST(SbatchDirectives, PriorityAndNice) {
    EXPECT_EQ(directives("#SBATCH --nice").spec.priority, -100);
    EXPECT_EQ(directives("#SBATCH --nice=-5").spec.priority, 5);
    EXPECT_EQ(directives("#SBATCH --priority=10 --nice=5").spec.priority, 5);
    EXPECT_EQ(directives("#SBATCH --nice=5\n#SBATCH --priority=10").spec.priority, 5);
    EXPECT_EQ(directives("#SBATCH --priority=-7").spec.priority, -7);
}

TEST(SbatchDirectives, HoldRequeueArrayOutput) {
    JobSpec base;
    base.maxRetries = 4;
    EXPECT_TRUE(directives("#SBATCH --hold").spec.hold);
    EXPECT_EQ(directives("#SBATCH --requeue", base).spec.maxRetries, 4)
        << "--requeue keeps a larger retry count";
    EXPECT_EQ(directives("#SBATCH --no-requeue", base).spec.maxRetries, 0);
    EXPECT_EQ(directives("#SBATCH -a 1-3").spec.array->taskIds, (QList<int>{1, 2, 3}));
    EXPECT_EQ(directives("#SBATCH -o out.txt -e err.txt").spec.stdoutPath, QStringLiteral("out.txt"));
    EXPECT_EQ(directives("#SBATCH -D /data/run").spec.workdir, QStringLiteral("/data/run"));
}

TEST(SbatchDirectives, ExportAddsVariables) {
    JobSpec base;
    base.env = {{QStringLiteral("A"), QStringLiteral("old")}};
    const SbatchDirectives d = directives("#SBATCH --export=ALL,A=new,B=2,PATH", base);
    const QList<QPair<QString, QString>> env{{QStringLiteral("A"), QStringLiteral("new")},
                                             {QStringLiteral("B"), QStringLiteral("2")}};
    EXPECT_EQ(d.spec.env, env);
    EXPECT_EQ(directives("#SBATCH --export=ALL").spec.env, (QList<QPair<QString, QString>>{}));
}

TEST(SbatchDirectives, BeginTime) {
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    const qint64 inAnHour = directives("#SBATCH --begin=now+1hour").spec.beginTimeMs;
    const qint64 after = QDateTime::currentMSecsSinceEpoch();
    EXPECT_GE(inAnHour, before + 3'600'000);
    EXPECT_LE(inAnHour, after + 3'600'000);
    const qint64 in90s = directives("#SBATCH -b now+90").spec.beginTimeMs;
    EXPECT_GE(in90s, before + 90'000);
    const qint64 inTwoDays = directives("#SBATCH --begin=now+2days").spec.beginTimeMs;
    EXPECT_GE(inTwoDays, before + 2 * 86'400'000);
    EXPECT_GE(directives("#SBATCH --begin=now+10m").spec.beginTimeMs, before + 600'000);
    EXPECT_GE(directives("#SBATCH --begin=now").spec.beginTimeMs, before);

    const QDateTime iso(QDate(2031, 5, 17), QTime(14, 30));
    EXPECT_EQ(directives("#SBATCH --begin=2031-05-17T14:30").spec.beginTimeMs, iso.toMSecsSinceEpoch());
    EXPECT_EQ(directives("#SBATCH --begin=2031-05-17").spec.beginTimeMs,
              QDate(2031, 5, 17).startOfDay().toMSecsSinceEpoch());
    const qint64 atTime = directives("#SBATCH --begin=16:00").spec.beginTimeMs;
    EXPECT_GT(atTime, before);
    EXPECT_LE(atTime, after + 86'400'000);
    EXPECT_EQ(QDateTime::fromMSecsSinceEpoch(atTime).time(), QTime(16, 0));
    EXPECT_EQ(directives("#SBATCH --begin=tomorrow").spec.beginTimeMs,
              QDate::currentDate().addDays(1).startOfDay().toMSecsSinceEpoch());
}

TEST(SbatchDirectives, Errors) {
    const std::pair<const char *, std::string> cases[] = {
        {"#SBATCH --nodes=2", "line 2: --nodes=2: the local queue runs every job on this one machine"},
        {"#SBATCH -N 4", "line 2: --nodes=4: the local queue runs every job on this one machine"},
        {"#SBATCH --ntasks=4",
         "line 2: --ntasks=4: the local queue runs one task per job (use --cpus-per-task for more CPUs)"},
        {"#SBATCH --time=abc",
         "line 2: invalid time limit 'abc': use minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or "
         "UNLIMITED (e.g. 90, 1:30:00, 2-00:00:00)"},
        {"#SBATCH --time", "line 2: --time needs a value"},
        {"#SBATCH -t", "line 2: --time needs a value"},
        {"#SBATCH --hold=yes", "line 2: --hold takes no value"},
        {"#SBATCH -Hx", "line 2: -H takes no value (in '-Hx')"},
        {"#SBATCH -Z 3", "line 2: unknown #SBATCH option -Z"},
        {"#SBATCH --gpus-per-socket=1", "line 2: unknown #SBATCH option --gpus-per-socket"},
        {"#SBATCH hello", "line 2: 'hello' is not an option (write --name=value or -x value)"},
        {"#SBATCH -J 'open", "line 2: unmatched '"},
        {"#SBATCH --export=NONE",
         "line 2: --export=NONE is not supported: a local job starts from the queue's environment (write "
         "--export=ALL,VAR=value to add variables)"},
        {"#SBATCH --export=FOO=1",
         "line 2: --export=FOO=1 without ALL would start the job with only these variables, which is not "
         "supported; write --export=ALL,FOO=1"},
        {"#SBATCH --mem=4G\n#SBATCH --mem-per-cpu=1G",
         "line 3: --mem, --mem-per-gpu and --mem-per-cpu exclude each other; give only one of them"},
        {"#SBATCH --gpus=x", "line 2: --gpus=x: give a GPU count, optionally with a type (2 or a100:2)"},
        {"#SBATCH --cpus-per-task=0", "line 2: --cpus-per-task=0: expected a whole number from 1 to 4096"},
        {"#SBATCH --priority=TOP",
         "line 2: --priority=TOP: expected a whole number from -1000000000000 to 1000000000000"},
        {"#SBATCH --gres=mps:50",
         "line 2: invalid gres 'mps:50': only GPUs can be requested here, not 'mps' (valid forms: gpu, "
         "gpu:2, "
         "gpu:a100:2)"},
        {"#SBATCH --begin=someday",
         "line 2: invalid begin time 'someday': use now+N[seconds|minutes|hours|days|weeks], "
         "YYYY-MM-DD[THH:MM[:SS]], HH:MM[:SS], today, tomorrow, midnight or noon"},
        {"#SBATCH --begin=now+5fortnights",
         "line 2: invalid begin time 'now+5fortnights': use now+N[seconds|minutes|hours|days|weeks], "
         "YYYY-MM-DD[THH:MM[:SS]], HH:MM[:SS], today, tomorrow, midnight or noon"},
        {"#SBATCH --array=5-1",
         "line 2: invalid job array '5-1': '5-1' ends before it starts (valid forms: 1-100, 1-100:2, 1,5,9, "
         "0-15%4)"},
        {"#SBATCH --dependency=singleton",
         "line 2: invalid dependency 'singleton': 'singleton' is not supported; name the job ids to wait for "
         "(e.g. afterok:12:13,afterany:14_2)"},
    };
    for (const auto &[lines, message] : cases)
        EXPECT_EQ(errorOf(lines), message) << lines;
}

}  // namespace
}  // namespace nd

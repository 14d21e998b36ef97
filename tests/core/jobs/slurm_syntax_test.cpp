// Slurm's little languages: time limits, memory sizes, arrays, dependencies, gres and output patterns.
#include <gtest/gtest.h>

#include <QSysInfo>

#include "core/jobs/SlurmSyntax.h"

namespace nd {
namespace {

template <typename T>
std::string errorOf(const Result<T> &result) {
    return result ? std::string("(no error)") : result.error().toStdString();
}

bool startsWith(const std::string &text, const std::string &prefix) {
    return text.rfind(prefix, 0) == 0;
}

TEST(SlurmTime, AllForms) {
    const std::pair<const char *, qint64> cases[] = {
        {"0", 0},
        {"5", 300},
        {"90", 5400},
        {"5:30", 330},
        {"1:00:00", 3600},
        {"01:02:03", 3723},
        {"2-0", 172800},
        {"2-12", 216000},
        {"1-02:03", 93780},
        {"1-02:03:04", 93784},
        {"2-00:00:00", 172800},
        {"UNLIMITED", 0},
        {"unlimited", 0},
        {"INFINITE", 0},
        {"-1", 0},
        {" 10 ", 600},
        {"0:90", 90},
        {"1:90:00", 9000},  // fields may exceed their clock range, as in Slurm
    };
    for (const auto &[text, seconds] : cases) {
        const Result<qint64> parsed = parseTimeLimit(QString::fromLatin1(text));
        ASSERT_TRUE(parsed.ok()) << text << ": " << errorOf(parsed);
        EXPECT_EQ(*parsed, seconds) << text;
    }
}

TEST(SlurmTime, Errors) {
    for (const char *text :
         {"", "abc", "1:2:3:4", "1-", "-5", "1-2-3", "1.5", "1:", ":30", "1h", "1-1:2:3:4", "99999999999"}) {
        const Result<qint64> parsed = parseTimeLimit(QString::fromLatin1(text));
        EXPECT_FALSE(parsed.ok()) << text;
        EXPECT_TRUE(startsWith(errorOf(parsed), std::string("invalid time limit '") + text + "'"))
            << errorOf(parsed);
    }
    EXPECT_EQ(
        errorOf(parseTimeLimit(QStringLiteral("soon"))),
        "invalid time limit 'soon': use minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED "
        "(e.g. 90, 1:30:00, 2-00:00:00)");
}

TEST(SlurmTime, FormatAsSqueuePrints) {
    EXPECT_EQ(formatDuration(0), QStringLiteral("UNLIMITED"));
    EXPECT_EQ(formatDuration(-3), QStringLiteral("UNLIMITED"));
    EXPECT_EQ(formatDuration(7), QStringLiteral("0:07"));
    EXPECT_EQ(formatDuration(300), QStringLiteral("5:00"));
    EXPECT_EQ(formatDuration(3600), QStringLiteral("1:00:00"));
    EXPECT_EQ(formatDuration(36000 + 61), QStringLiteral("10:01:01"));
    EXPECT_EQ(formatDuration(172800), QStringLiteral("2-00:00:00"));
    EXPECT_EQ(formatDuration(93784), QStringLiteral("1-02:03:04"));
    EXPECT_EQ(formatElapsed(0), QStringLiteral("0:00"));
    EXPECT_EQ(formatElapsed(307), QStringLiteral("5:07"));
    for (const qint64 seconds : {qint64{59}, qint64{3599}, qint64{86399}, qint64{86400 * 400 + 5}})
        EXPECT_EQ(parseTimeLimit(formatDuration(seconds)).value(), seconds) << seconds;
}

TEST(SlurmMemory, UnitsAndRounding) {
    const std::pair<const char *, qint64> cases[] = {
        {"512", 512}, {"512M", 512}, {"512m", 512}, {"4G", 4096}, {"4g", 4096},   {"1T", 1048576},
        {"300K", 1},  {"1024K", 1},  {"1025K", 2},  {"0", 0},     {" 8G ", 8192},
    };
    for (const auto &[text, mib] : cases) {
        const Result<qint64> parsed = parseMemoryMib(QString::fromLatin1(text));
        ASSERT_TRUE(parsed.ok()) << text << ": " << errorOf(parsed);
        EXPECT_EQ(*parsed, mib) << text;
    }
}

TEST(SlurmMemory, Errors) {
    for (const char *text : {"", "G", "4GB", "4X", "-1", "1.5G", "four", "4 G", "9999999999999999T"})
        EXPECT_TRUE(startsWith(errorOf(parseMemoryMib(QString::fromLatin1(text))),
                               std::string("invalid memory size '") + text + "'"))
            << text;
    EXPECT_EQ(
        errorOf(parseMemoryMib(QStringLiteral("4X"))),
        "invalid memory size '4X': use a whole number with an optional unit K, M, G or T (e.g. 512M, 4G; no "
        "unit means MiB)");
}

TEST(SlurmArray, Forms) {
    const Result<ArraySpec> range = parseArraySpec(QStringLiteral("1-5"));
    ASSERT_TRUE(range.ok());
    EXPECT_EQ(range->taskIds, (QList<int>{1, 2, 3, 4, 5}));
    EXPECT_EQ(range->maxConcurrent, 0);
    EXPECT_EQ(range->text, QStringLiteral("1-5"));

    const Result<ArraySpec> stepped = parseArraySpec(QStringLiteral("1-100:2"));
    ASSERT_TRUE(stepped.ok());
    EXPECT_EQ(stepped->taskIds.size(), 50);
    EXPECT_EQ(stepped->taskIds.front(), 1);
    EXPECT_EQ(stepped->taskIds.back(), 99);

    EXPECT_EQ(parseArraySpec(QStringLiteral("1,5,9"))->taskIds, (QList<int>{1, 5, 9}));
    EXPECT_EQ(parseArraySpec(QStringLiteral("9,1,5"))->taskIds, (QList<int>{1, 5, 9}));

    const Result<ArraySpec> throttled = parseArraySpec(QStringLiteral("0-15%4"));
    ASSERT_TRUE(throttled.ok());
    EXPECT_EQ(throttled->taskIds.size(), 16);
    EXPECT_EQ(throttled->maxConcurrent, 4);

    const Result<ArraySpec> mixed = parseArraySpec(QStringLiteral(" 1-3,7,10-20:5%2 "));
    ASSERT_TRUE(mixed.ok());
    EXPECT_EQ(mixed->taskIds, (QList<int>{1, 2, 3, 7, 10, 15, 20}));
    EXPECT_EQ(mixed->maxConcurrent, 2);
    EXPECT_EQ(mixed->text, QStringLiteral("1-3,7,10-20:5%2"));

    EXPECT_EQ(parseArraySpec(QStringLiteral("7"))->taskIds, QList<int>{7});
    EXPECT_EQ(parseArraySpec(QStringLiteral("0-99999"))->taskIds.size(), maxArrayTasks);
    EXPECT_EQ(parseArraySpec(QStringLiteral("4000000"))->taskIds, QList<int>{maxArrayTaskId});
}

TEST(SlurmArray, Errors) {
    const std::pair<const char *, const char *> cases[] = {
        {"", "it is empty"},
        {"1-", "'1-' is not a task id or a range of them"},
        {"5-1", "'5-1' ends before it starts"},
        {"1-3:0", "'1-3:0' has step 0; the step must be at least 1"},
        {"1-3:", "'1-3:' has no step after ':'"},
        {"5:2", "'5:2' has a step but no range"},
        {"a", "'a' is not a task id or a range of them"},
        {"-1", "'-1' is not a task id or a range of them"},
        {"1,,2", "an empty entry between commas"},
        {"1-3%0", "%0 would never run a task; the limit must be at least 1"},
        {"1-3%", "after % comes the number of tasks that may run at once"},
        {"1-3%x", "after % comes the number of tasks that may run at once"},
        {"0-100000", "more than 100000 tasks"},
        {"0-4000000", "more than 100000 tasks"},
        {"0-99999,100000", "more than 100000 tasks"},
        {"4000001", "task ids go up to 4000000"},
        {"1-5,3", "task 3 is listed more than once"},
        {"2,2", "task 2 is listed more than once"},
    };
    for (const auto &[text, why] : cases) {
        const std::string error = errorOf(parseArraySpec(QString::fromLatin1(text)));
        EXPECT_EQ(error, std::string("invalid job array '") + text + "': " + why +
                             " (valid forms: 1-100, 1-100:2, 1,5,9, 0-15%4)");
    }
}

TEST(SlurmArray, CanonicalText) {
    const auto format = [](const char *text) {
        return formatArraySpec(parseArraySpec(QString::fromLatin1(text)).value());
    };
    EXPECT_EQ(format("1-5"), QStringLiteral("1-5"));
    EXPECT_EQ(format("1-100:2%4"), QStringLiteral("1-99:2%4"));
    EXPECT_EQ(format("1,5,9"), QStringLiteral("1-9:4"));
    EXPECT_EQ(format("1,2,7"), QStringLiteral("1-2,7"));
    EXPECT_EQ(format("3,10"), QStringLiteral("3,10"));
    EXPECT_EQ(format("1-3,7,10-20:5%2"), QStringLiteral("1-3,7,10-20:5%2"));
    EXPECT_EQ(format("5,6,8,13,21"), QStringLiteral("5-6,8,13,21"));
    for (const char *text :
         {"1-5", "1-100:2%4", "1,5,9", "1,2,7", "3,10", "1-3,7,10-20:5%2", "0", "5,6,8,13,21"}) {
        const ArraySpec array = parseArraySpec(QString::fromLatin1(text)).value();
        EXPECT_EQ(parseArraySpec(formatArraySpec(array))->taskIds, array.taskIds) << text;
    }
}

TEST(SlurmDependency, Forms) {
    const Result<QList<Dependency>> parsed =
        parseDependencies(QStringLiteral("afterok:12:13,afterany:14_2,after:15,afternotok:16"));
    ASSERT_TRUE(parsed.ok()) << errorOf(parsed);
    const QList<Dependency> expected{
        {Dependency::Kind::afterOk, 12, -1},    {Dependency::Kind::afterOk, 13, -1},
        {Dependency::Kind::afterAny, 14, 2},    {Dependency::Kind::after, 15, -1},
        {Dependency::Kind::afterNotOk, 16, -1},
    };
    EXPECT_EQ(*parsed, expected);
    EXPECT_EQ(formatDependencies(*parsed),
              QStringLiteral("afterok:12:13,afterany:14_2,after:15,afternotok:16"));
    EXPECT_EQ(parseDependencies(formatDependencies(expected)).value(), expected);

    // A bare job id is Slurm's old form for afterany.
    const Result<QList<Dependency>> bare = parseDependencies(QStringLiteral("7,8_1"));
    ASSERT_TRUE(bare.ok()) << errorOf(bare);
    EXPECT_EQ(*bare,
              (QList<Dependency>{{Dependency::Kind::afterAny, 7, -1}, {Dependency::Kind::afterAny, 8, 1}}));
    EXPECT_EQ(parseDependencies(QStringLiteral("AfterOK:3")).value(),
              QList<Dependency>{(Dependency{Dependency::Kind::afterOk, 3, -1})});
    EXPECT_TRUE(parseDependencies(QString()).value().isEmpty());
    EXPECT_EQ(formatDependencies({}), QString());
}

TEST(SlurmDependency, Errors) {
    const std::pair<const char *, const char *> cases[] = {
        {"singleton", "'singleton' is not supported; name the job ids to wait for"},
        {"afterok:1?afterok:2", "'?' (any one of) is not supported; ',' (all of) is"},
        {"afterok", "'afterok' names no job id"},
        {"afterok:", "'' is not a job id (12) or an array task (12_3)"},
        {"afterok:0", "'0' is not a job id (12) or an array task (12_3)"},
        {"afterok:-3", "'-3' is not a job id (12) or an array task (12_3)"},
        {"afterok:12_", "'12_' is not a job id (12) or an array task (12_3)"},
        {"afterok:12_x", "'12_x' is not a job id (12) or an array task (12_3)"},
        {"afterok:abc", "'abc' is not a job id (12) or an array task (12_3)"},
        {"after:12+5", "time offsets such as '12+5' are not supported"},
        {"aftercorr:12", "'aftercorr' is not one of after, afterany, afterok, afternotok"},
        {"before:12", "'before' is not one of after, afterany, afterok, afternotok"},
        {"afterok:12,,afterok:13", "an empty entry between commas"},
    };
    for (const auto &[text, why] : cases)
        EXPECT_EQ(
            errorOf(parseDependencies(QString::fromLatin1(text))),
            std::string("invalid dependency '") + text + "': " + why + " (e.g. afterok:12:13,afterany:14_2)");
}

TEST(SlurmGres, GpuCounts) {
    const std::pair<const char *, int> cases[] = {
        {"gpu", 1},        {"gpu:2", 2},      {"gpu:a100:2", 2}, {"gpu:a100", 1}, {"gpu:0", 0},
        {"gres:gpu:1", 1}, {"gres/gpu:3", 3}, {"none", 0},       {" gpu:4 ", 4},
    };
    for (const auto &[text, gpus] : cases) {
        const Result<int> parsed = parseGres(QString::fromLatin1(text));
        ASSERT_TRUE(parsed.ok()) << text << ": " << errorOf(parsed);
        EXPECT_EQ(*parsed, gpus) << text;
    }
}

TEST(SlurmGres, Errors) {
    const std::pair<const char *, const char *> cases[] = {
        {"", "no resource name"},
        {"mps:100", "only GPUs can be requested here, not 'mps'"},
        {"gpu:2,mps:100", "only GPUs can be requested here, not 'mps'"},
        {"gpu:1,gpu:2", "GPUs are requested twice"},
        {"gpu:", "nothing after ':'"},
        {"gpu:a100:x", "'x' is not a GPU count"},
        {"gpu:a:b:c", "too many ':'"},
        {"gpu:1234567", "'1234567' is not a GPU count"},
    };
    for (const auto &[text, why] : cases)
        EXPECT_EQ(
            errorOf(parseGres(QString::fromLatin1(text))),
            std::string("invalid gres '") + text + "': " + why + " (valid forms: gpu, gpu:2, gpu:a100:2)");
}

TEST(SlurmOutputPattern, Expansion) {
    const auto expand = [](const char *pattern, qint64 jobId, qint64 arrayJobId, int taskId) {
        return expandOutputPattern(QString::fromLatin1(pattern), jobId, arrayJobId, taskId,
                                   QStringLiteral("train"))
            .toStdString();
    };
    EXPECT_EQ(expand("slurm-%j.out", 42, 0, -1), "slurm-42.out");
    EXPECT_EQ(expand("logs/%x-%j.out", 42, 0, -1), "logs/train-42.out");
    EXPECT_EQ(expand("%A_%a.out", 57, 50, 7), "50_7.out");
    EXPECT_EQ(expand("%A_%a.out", 42, 0, -1), "42_4294967294.out");
    EXPECT_EQ(expand("task-%4a.log", 57, 50, 7), "task-0007.log");
    EXPECT_EQ(expand("%10j", 42, 0, -1), "0000000042");
    EXPECT_EQ(expand("%15j", 42, 0, -1), "0000000042");  // Slurm caps the width at 10
    EXPECT_EQ(expand("%2j", 12345, 0, -1), "12345");     // a width never truncates
    EXPECT_EQ(expand("100%%-%j", 42, 0, -1), "100%-42");
    EXPECT_EQ(expand("%q-%J-%s-%j", 42, 0, -1), "%q-%J-%s-42");  // unknown letters stay as written
    EXPECT_EQ(expand("trailing%", 42, 0, -1), "trailing%");
    EXPECT_EQ(expand("trailing%3", 42, 0, -1), "trailing%3");
    EXPECT_EQ(expand("plain.log", 42, 0, -1), "plain.log");
    EXPECT_EQ(expand("no\\expansion-%j", 42, 0, -1), "noexpansion-%j");  // a backslash turns expansion off
    const std::string host = QSysInfo::machineHostName().section(u'.', 0, 0).toStdString();
    EXPECT_EQ(expand("%N.log", 42, 0, -1), host + ".log");
    EXPECT_FALSE(expand("%u", 42, 0, -1).empty());
    EXPECT_NE(expand("%u", 42, 0, -1), "%u");
}

}  // namespace
}  // namespace nd

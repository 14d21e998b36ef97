#include "SchedulerDsl.h"

#include <algorithm>

namespace nd::test {
namespace {

QString startText(qint64 jobId, const QList<int> &gpus, bool shared) {
    QStringList indices;
    for (int index : gpus)
        indices.append(QString::number(index));
    return QStringLiteral("start %1 gpus=[%2]%3")
        .arg(jobId)
        .arg(indices.join(QLatin1Char(',')), shared ? QStringLiteral(" shared") : QString());
}

// Our own names, so these tests do not depend on core/jobs' implementation.
QString reasonText(PendingReason reason) {
    switch (reason) {
        case PendingReason::none:
            return QStringLiteral("none");
        case PendingReason::resources:
            return QStringLiteral("resources");
        case PendingReason::priority:
            return QStringLiteral("priority");
        case PendingReason::dependency:
            return QStringLiteral("dependency");
        case PendingReason::dependencyNeverSatisfied:
            return QStringLiteral("dependency never satisfied");
        case PendingReason::held:
            return QStringLiteral("held");
        case PendingReason::beginTime:
            return QStringLiteral("begin time");
        case PendingReason::arrayTaskLimit:
            return QStringLiteral("array task limit");
    }
    return QStringLiteral("?");
}

QString waitText(qint64 jobId, PendingReason reason, qint64 expectedStartMs) {
    QString text = QStringLiteral("wait %1: %2").arg(jobId).arg(reasonText(reason));
    if (expectedStartMs != 0) {
        const qint64 fromNowMs = expectedStartMs - nowMs;
        text += fromNowMs % minuteMs == 0 ? QStringLiteral(", expected in %1 min").arg(fromNowMs / minuteMs)
                                          : QStringLiteral(", expected in %1 ms").arg(fromNowMs);
    }
    return text;
}

}  // namespace

std::string describeStarts(const std::vector<StartDecision> &starts) {
    QStringList lines;
    for (const StartDecision &start : starts)
        lines.append(startText(start.jobId, start.gpus, start.sharedGpu));
    return lines.join(QLatin1Char('\n')).toStdString();
}

std::string describeStarts(const std::vector<Starts> &starts) {
    QStringList lines;
    for (const Starts &start : starts)
        lines.append(startText(start.jobId, start.gpus, start.shared));
    return lines.join(QLatin1Char('\n')).toStdString();
}

std::string describeWaits(std::vector<PendingVerdict> verdicts) {
    std::sort(verdicts.begin(), verdicts.end(),
              [](const PendingVerdict &a, const PendingVerdict &b) { return a.jobId < b.jobId; });
    QStringList lines;
    for (const PendingVerdict &verdict : verdicts)
        lines.append(waitText(verdict.jobId, verdict.reason, verdict.expectedStartMs));
    return lines.join(QLatin1Char('\n')).toStdString();
}

std::string describeWaits(const std::vector<Waits> &waits) {
    std::vector<PendingVerdict> verdicts;
    for (const Waits &wait : waits)
        verdicts.push_back({wait.jobId, wait.reason, wait.expectedStartMs});
    return describeWaits(std::move(verdicts));
}

void PrintTo(const Scenario &scenario, std::ostream *out) {
    *out << scenario.name;
}

}  // namespace nd::test

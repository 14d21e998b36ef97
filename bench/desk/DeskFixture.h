#pragma once
// The desk benchmark's world: a temporary NEMODESK_HOME whose job database already holds the finished
// jobs (written through JobStore's batch API before the daemon opens it), a real `nemoctl daemon` with
// synthetic GPUs started on it, and the pending jobs submitted through the API. Pending jobs are given a
// begin time a year away, so none ever starts: no process outlives the benchmark, and hold/release of
// them changes state without running anything.
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <optional>

#include "core/client/Endpoint.h"
#include "core/common/Result.h"
#include "core/paths/Paths.h"

namespace nd::bench {

class DeskFixture {
public:
    DeskFixture();
    ~DeskFixture();  // stops the daemon

    bool isValid() const { return m_home.isValid(); }
    Paths paths() const { return Paths::underHome(m_home.path()); }
    QString home() const { return m_home.path(); }

    // Writes `jobs` finished jobs (ids 1..jobs), ended over the last 20 hours, in batches of 5000.
    VoidResult seedHistory(qint64 jobs);
    // Starts `nemoctl daemon` (NEMODESK_FAKE_GPUS=`fakeGpus`) and waits until it answers.
    Result<Endpoint> startDaemon(const QString &nemoctl, const QByteArray &fakeGpus);
    // Submits `jobs` pending jobs named bench-q-<n> that cannot start; returns their ids in order.
    Result<QList<qint64>> submitPending(const Endpoint &endpoint, int jobs);
    void stopDaemon();

private:
    QTemporaryDir m_home;
    QString m_nemoctl;
    QProcess m_daemon;
};

}  // namespace nd::bench

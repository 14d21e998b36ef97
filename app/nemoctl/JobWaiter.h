#pragma once
// Waiting until jobs have ended, for `nemoctl wait` and `nemoctl submit --wait`: no polling — the `job`
// events of /api/events after a known sequence number, resumed with Last-Event-ID when the stream drops
// (a daemon restart included: the runtime file is read again for its new address).
#include <QHash>
#include <QList>

#include "core/client/Endpoint.h"
#include "core/jobs/Job.h"
#include "core/paths/Paths.h"

namespace nd::cli {

// The exit code `wait` reports for one ended job: its exit code; 128+signal when a signal ended it; 1 when
// it was cancelled before it ran, was lost (node_fail) or could not start — never 0 unless it completed.
int waitExitCode(const Job &job);

struct WaitResult {
    enum class Kind { allEnded = 1, timedOut };
    Kind kind = Kind::allEnded;
    int exitCode = 0;  // allEnded: the first non-zero waitExitCode in `ids` order, else 0; timedOut: 124
    QString message;   // timedOut: which jobs are still waiting or running
};

class JobWaiter {
public:
    JobWaiter(Paths paths, Endpoint endpoint);

    // Waits until every job in `ids` has ended. `known` holds what is already known of them (a job
    // absent from it has not ended); events are followed from the one after `sinceSeq`. `timeoutMs` < 0:
    // no limit. While the daemon is away it keeps reconnecting (saying so once on stderr).
    WaitResult wait(const QList<qint64> &ids, QHash<qint64, Job> known, qint64 sinceSeq, int timeoutMs);

private:
    Paths m_paths;
    Endpoint m_endpoint;
};

}  // namespace nd::cli

#pragma once
// Changes the state of pending jobs at a steady rate from a thread of its own, so the GUI thread is only
// the receiver of the events: every tick holds one job or releases the one held on the tick before
// (pending → held → pending), through its own ApiClient. Requests beyond `maxInFlight` are skipped and
// counted, so a slow daemon shows as a lower achieved rate instead of an ever-growing backlog.
#include <QList>
#include <QObject>
#include <QThread>

#include <atomic>

#include "core/client/Endpoint.h"

namespace nd::bench {

class StateDriver : public QObject {
    Q_OBJECT
public:
    struct Counts {
        qint64 sent = 0;
        qint64 ok = 0;
        qint64 failed = 0;
        qint64 skipped = 0;
    };

    StateDriver(Endpoint endpoint, QList<qint64> jobIds, int perSecond);
    ~StateDriver() override;  // stops and joins the thread

    void start();
    void stop();
    Counts counts() const;

private:
    class Worker;
    QThread m_thread;
    Worker *m_worker;
};

}  // namespace nd::bench

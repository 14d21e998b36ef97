#include "StateDriver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>
#include <QTimer>

#include <memory>

#include "core/client/ApiClient.h"

using namespace Qt::StringLiterals;

namespace nd::bench {

// Lives in the driver's thread; everything it touches but the counters stays there.
class StateDriver::Worker : public QObject {
public:
    Worker(Endpoint endpoint, QList<qint64> ids, int perSecond)
        : m_endpoint(std::move(endpoint)), m_ids(std::move(ids)), m_perSecond(perSecond) {}

    void begin() {
        m_api = new ApiClient(m_endpoint, this);
        m_timer = new QTimer(this);
        m_timer->setTimerType(Qt::PreciseTimer);
        m_timer->setInterval(1000 / m_perSecond);
        connect(m_timer, &QTimer::timeout, this, [this] { tick(); });
        m_timer->start();
    }
    void end() {
        delete m_timer;
        m_timer = nullptr;
    }

    std::atomic<qint64> sent{0}, ok{0}, failed{0}, skipped{0};

private:
    void tick() {
        // Tick 2k holds job k, tick 2k+1 releases it again: each is one state change and one event.
        const qint64 id = m_ids.at(static_cast<qsizetype>((m_tick / 2) % m_ids.size()));
        const bool hold = m_tick % 2 == 0;
        ++m_tick;
        if (m_inFlight >= maxInFlight) {
            ++skipped;
            return;
        }
        ++m_inFlight;
        ++sent;
        const QString path = u"/api/jobs/%1/%2"_s.arg(id).arg(hold ? u"hold"_s : u"release"_s);
        m_api->postJson(path, QJsonDocument(QJsonObject{}), this,
                        [this](const Result<QJsonDocument> &answer) {
                            --m_inFlight;
                            ++(answer ? ok : failed);
                        });
    }

    static constexpr int maxInFlight = 50;
    Endpoint m_endpoint;
    QList<qint64> m_ids;
    int m_perSecond;
    ApiClient *m_api = nullptr;
    QTimer *m_timer = nullptr;
    qint64 m_tick = 0;
    int m_inFlight = 0;
};

StateDriver::StateDriver(Endpoint endpoint, QList<qint64> jobIds, int perSecond)
    : m_worker(new Worker(std::move(endpoint), std::move(jobIds), perSecond)) {
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

StateDriver::~StateDriver() {
    stop();
    m_thread.quit();
    m_thread.wait();
}

void StateDriver::start() {
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker] { w->begin(); }, Qt::QueuedConnection);
}

void StateDriver::stop() {
    if (m_thread.isRunning())
        QMetaObject::invokeMethod(
            m_worker, [w = m_worker] { w->end(); }, Qt::BlockingQueuedConnection);
}

StateDriver::Counts StateDriver::counts() const {
    return Counts{m_worker->sent.load(), m_worker->ok.load(), m_worker->failed.load(),
                  m_worker->skipped.load()};
}

}  // namespace nd::bench

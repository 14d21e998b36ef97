#pragma once
// Measures how long the GUI thread's event loop keeps a timer waiting: a 1 ms precise QTimer on the GUI
// thread notes the gap between consecutive ticks; the delay is the gap minus the 1 ms asked for. While
// the loop is free the delay stays near 0; a slot that runs 80 ms shows as one 79 ms delay.
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <vector>

namespace nd::bench {

struct DelayStats {
    double maxMs = 0;
    double p99Ms = 0;
    double p50Ms = 0;
    qint64 ticks = 0;
    qint64 stallsOver50Ms = 0;
};

class LoopProbe : public QObject {
    Q_OBJECT
public:
    explicit LoopProbe(QObject *parent = nullptr);
    void start();
    DelayStats stop();

private:
    void onTick();

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastNs = 0;
    std::vector<double> m_delaysMs;
};

}  // namespace nd::bench

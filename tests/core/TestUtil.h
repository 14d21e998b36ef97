#pragma once
// Helpers shared by the core tests: running the event loop until something happens.
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QThread>

#include <functional>

namespace nd::test {

// Processes events until `done()` is true or `timeoutMs` passes; returns done(). The timeout is a
// generous upper bound for a failing test, never an expectation about speed.
inline bool waitUntil(const std::function<bool()> &done, int timeoutMs = 10000) {
    const QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(1);
    }
    return true;
}

}  // namespace nd::test

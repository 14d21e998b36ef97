#pragma once
// Turns SIGTERM, SIGINT and SIGHUP into a Qt signal on the main thread (self-pipe + QSocketNotifier), so
// that the daemon shuts down through its normal path: runtime file removed, streams closed, lock freed.
// Also ignores SIGPIPE: a client that vanishes must not kill the daemon. One instance per process.
#include <QObject>

class QSocketNotifier;

namespace nd {

class SignalWatcher : public QObject {
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    // False (and a message) when the pipe or the handlers could not be set up.
    bool install(QString *error);

Q_SIGNALS:
    void terminationRequested(int signalNumber);

private:
    void onReadable();

    QSocketNotifier *m_notifier = nullptr;
};

}  // namespace nd

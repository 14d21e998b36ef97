#pragma once
// The Queue tab: the daemon's pending and running jobs in a sortable, filterable table (QueueTableModel
// behind QueueFilterProxy), the reason each waits in plain words, and actions on the selected jobs —
// Cancel (Del), Hold (Ctrl+H), Release (Ctrl+R), Requeue, Resubmit, Change priority… — from the toolbar,
// the context menu or the keyboard. Ctrl+F focuses the filter.
// Loads GET /api/jobs (paged) when the connection becomes `connected` (again after a reconnect or a
// `resync`), then applies `job` and `progress` events as they come; events that arrive while a load is
// under way are applied after it. The scheduler changes a pending job's reason without an event: after
// job events (coalesced) and on scrolling, the reasons of the pending rows in sight are read again. Every
// request is asynchronous and every answer is handled on the GUI thread; a failed action is reported in the
// message line under the table, never in a modal box.
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <functional>
#include <optional>

#include "core/client/Endpoint.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/queue/JobRequests.h"

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace nd {

class ApiClient;
class QueueFilterProxy;
class QueueTableModel;

class QueueView : public QWidget {
    Q_OBJECT
public:
    // Asks for the new priority of the selected jobs (`current`: the first one's); nothing = cancelled.
    // QInputDialog by default; tests inject an answer.
    using PriorityAsker = std::function<std::optional<qint64>(QWidget *parent, qint64 current)>;

    explicit QueueView(ConnectionController *connection, QWidget *parent = nullptr);
    ~QueueView() override;

    void setPriorityAsker(PriorityAsker asker) { m_askPriority = std::move(asker); }
    // How long job events are gathered before GET /api/queue is asked again (coalescing).
    void setMachineRefreshDelayMs(int ms) { m_machineTimer.setInterval(ms); }

    QueueTableModel *model() const { return m_model; }
    QueueFilterProxy *proxy() const { return m_proxy; }
    QTableView *table() const { return m_table; }
    QLineEdit *filterEdit() const { return m_filter; }
    QComboBox *stateCombo() const { return m_state; }
    QAction *action(JobAction action) const;
    QString messageText() const;
    QString countsText() const;
    bool isLoading() const { return m_loading; }
    int requestsInFlight() const { return m_inFlight; }

Q_SIGNALS:
    // Double-click or Enter on a row: open that job's detail.
    void jobActivated(qint64 jobId);

public Q_SLOTS:
    // Loads the whole list again (also what a `resync` event does).
    void reload();
    // Runs `action` on the selected rows.
    void runAction(nd::JobAction action);

private:
    struct Batch;
    void onConnectionState(ConnectionController::State state);
    void onDaemonEvent(const QString &type, const QJsonObject &payload);
    void applyEvent(const QString &type, const QJsonObject &payload);
    void fetchPage(qint64 after, quint64 generation);
    void refreshMachine();
    void refreshVisibleReasons();
    void finishRequest(const std::shared_ptr<Batch> &batch, const Job &job, const QString &error);
    QList<Job> selectedJobs() const;
    void updateActions();
    void updateCounts();
    void showMessage(const QString &text, bool problem);

    ConnectionController *m_connection;
    QueueTableModel *m_model;
    QueueFilterProxy *m_proxy;
    QLineEdit *m_filter;
    QComboBox *m_state;
    QTableView *m_table;
    QLabel *m_message;
    QLabel *m_counts;
    QHash<int, QAction *> m_actions;  // JobAction → its QAction
    PriorityAsker m_askPriority;

    QPointer<ApiClient> m_api;
    quint64 m_generation = 0;  // answers from an earlier load or daemon are dropped
    bool m_loading = false;
    qint64 m_loadSeq = 0;                           // last_seq of the load's first page
    QList<Job> m_loaded;                            // pages gathered so far
    QList<QPair<QString, QJsonObject>> m_buffered;  // events that came during the load
    QTimer m_machineTimer;
    bool m_machineInFlight = false;
    bool m_machineDirty = false;
    int m_inFlight = 0;
};

}  // namespace nd

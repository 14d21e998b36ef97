#pragma once
// The Job detail: everything about one job in one window. A header (name, id, state in colour, the reason
// in words, exit code or signal, times) with the Queue's actions (cancel, hold, release, requeue) and
// "Submit again with changes…"; tabs for the spec (a readable form and the raw JSON), the state timeline
// (GET /api/jobs/{id}/events, then live `job` events), the log (JobLogPane), the accounting, and the job's
// GPUs' utilisation and memory over its lifetime with its start and end marked (the Monitor's ChartPanel,
// so each chart also has its table view). Loads when the connection is (re)established; every request is
// asynchronous and the widget stays responsive.
#include <QJsonObject>
#include <QPointer>
#include <QWidget>

#include "core/jobs/Job.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/jobdetail/JobTimeline.h"

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QFormLayout;

namespace nd {

class ApiClient;
class ChartPanel;
class GpuTableModel;
class JobLogPane;
enum class JobAction;

class JobDetailView : public QWidget {
    Q_OBJECT
public:
    JobDetailView(ConnectionController *connection, GpuTableModel *gpus, qint64 jobId,
                  QWidget *parent = nullptr);

    qint64 jobId() const { return m_jobId; }
    // The job as last loaded (id 0 before the first answer).
    const Job &job() const { return m_job; }
    const JobTimeline &timeline() const { return m_timeline; }
    void reload();

    QLabel *stateLabel() const { return m_state; }
    QLabel *messageLabel() const { return m_message; }
    QTabWidget *tabs() const { return m_tabs; }
    QPlainTextEdit *rawSpecView() const { return m_rawSpec; }
    QTableWidget *specTable() const { return m_specTable; }
    QTableWidget *timelineTable() const { return m_timelineTable; }
    QTableWidget *accountingTable() const { return m_accounting; }
    JobLogPane *logPane() const { return m_log; }
    ChartPanel *utilizationChart() const { return m_utilChart; }
    ChartPanel *memoryChart() const { return m_memChart; }
    QPushButton *actionButton(JobAction action) const;
    QPushButton *submitAgainButton() const { return m_submitAgain; }

Q_SIGNALS:
    // "Submit again with changes…": the job's spec for the Submit dialog to open with.
    void submitAgainRequested(const QJsonObject &spec);
    // The job, the timeline or the charts were updated from the daemon (tests wait on them).
    void jobLoaded();
    void timelineLoaded();
    void chartsLoaded();

private:
    void onConnectionState(ConnectionController::State state);
    void onDaemonEvent(const QString &type, const QJsonObject &event);
    void loadTimeline();
    void loadCharts();
    void setJob(const QJsonObject &json);
    void showHeader();
    void showSpec();
    void showTimeline();
    void showAccounting();
    void runAction(JobAction action);

    ConnectionController *m_connection;
    GpuTableModel *m_gpus;
    qint64 m_jobId;
    Endpoint m_endpoint;  // the daemon m_api talks to
    QPointer<ApiClient> m_api;
    Job m_job;
    QJsonObject m_jobJson;
    JobTimeline m_timeline;
    bool m_chartsForEnd = false;  // the charts were loaded after the job ended (no reload needed)

    QLabel *m_title;
    QLabel *m_state;
    QLabel *m_reason;
    QLabel *m_times;
    QLabel *m_message;
    QPushButton *m_cancel;
    QPushButton *m_hold;
    QPushButton *m_release;
    QPushButton *m_requeue;
    QPushButton *m_submitAgain;
    QTabWidget *m_tabs;
    QTableWidget *m_specTable;
    QPlainTextEdit *m_rawSpec;
    QTableWidget *m_timelineTable;
    JobLogPane *m_log;
    QTableWidget *m_accounting;
    QLabel *m_chartNote;
    ChartPanel *m_utilChart;
    ChartPanel *m_memChart;
};

}  // namespace nd

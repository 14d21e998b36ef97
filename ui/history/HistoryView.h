#pragma once
// The History page: finished jobs with filters (state, end time, name glob, tag), the totals of every
// matching job (GET /api/history/totals, not just the rows loaded), and Export CSV… of every matching job.
// The table loads lazily (HistoryTableModel); a job that ends while the page is open goes on top; the
// totals follow, a moment later. Activating a row (double-click, Enter) emits jobActivated for a detail
// view. Nothing here blocks: every request answers in a callback on the GUI thread.
#include <QDateTime>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <functional>

#include "ui/history/HistoryFilter.h"

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace nd {

class ConnectionController;
class HistoryCsvExport;
class HistorySource;
class HistoryTableModel;

class HistoryView : public QWidget {
    Q_OBJECT
public:
    // Asks for the file to export to; empty: the user cancelled.
    using FileChooser = std::function<QString(QWidget *parent)>;
    // Time ranges in the range box, in order.
    enum class Range { lastHour = 1, lastDay, lastWeek, lastMonth, all, custom };

    // The page for the main window: talks to the daemon the controller connects to.
    explicit HistoryView(ConnectionController *connection, QWidget *parent = nullptr);
    // Any source (tests). `source` must outlive the view.
    explicit HistoryView(HistorySource *source, QWidget *parent = nullptr);

    void setFileChooser(FileChooser chooser) { m_chooser = std::move(chooser); }
    // "now" for the relative ranges (tests pin it); default: the system clock.
    void setClock(std::function<qint64()> nowMs) { m_nowMs = std::move(nowMs); }

    // The filter the controls describe now.
    HistoryFilter currentFilter() const;
    HistoryTableModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QComboBox *stateBox() const { return m_state; }
    QComboBox *rangeBox() const { return m_range; }
    QDateTimeEdit *fromEdit() const { return m_from; }
    QDateTimeEdit *toEdit() const { return m_to; }
    QLineEdit *nameEdit() const { return m_name; }
    QLineEdit *tagEdit() const { return m_tag; }
    QPushButton *exportButton() const { return m_export; }
    QString totalsText() const;
    QString statusText() const;
    bool isExporting() const { return !m_exporting.isNull(); }

Q_SIGNALS:
    void jobActivated(qint64 jobId);

private:
    void build();
    void applyFilter();
    void refreshTotals();
    void updateStatus();
    void exportCsv();

    HistorySource *m_source;
    HistoryTableModel *m_model;
    QSortFilterProxyModel *m_sorted;
    QTableView *m_table;
    QComboBox *m_state;
    QComboBox *m_range;
    QDateTimeEdit *m_from;
    QDateTimeEdit *m_to;
    QLineEdit *m_name;
    QLineEdit *m_tag;
    QPushButton *m_export;
    QLabel *m_totals;
    QLabel *m_status;
    QTimer m_filterDelay;  // typing in the name or tag box filters once the user pauses
    QTimer m_totalsDelay;  // jobs ending in a burst refresh the totals once
    FileChooser m_chooser;
    std::function<qint64()> m_nowMs;
    QPointer<HistoryCsvExport> m_exporting;
    QString m_exportMessage;
    quint64 m_totalsGeneration = 0;
};

}  // namespace nd

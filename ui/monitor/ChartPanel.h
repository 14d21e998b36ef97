#pragma once
// One chart of the Monitor: a title, the chart (time on x, one line per series, job starts and ends as
// vertical lines) or — toggled from the keyboard or mouse — the same points as a table, and exports of
// both: the chart as PNG (a grab of what is shown) and the points as CSV. The save-file chooser is
// injectable so tests write to a temporary folder without a dialog.
#include <QWidget>

#include <functional>

#include "core/common/Result.h"
#include "ui/monitor/MonitorData.h"

class QChart;
class QChartView;
class QDateTimeAxis;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTableView;
class QValueAxis;

namespace nd {

class ChartTableModel;

class ChartPanel : public QWidget {
    Q_OBJECT
public:
    // Returns the file to write, or "" when the user cancelled. `suggested` is a file name.
    using SaveChooser =
        std::function<QString(QWidget *parent, const QString &suggested, const QString &filter)>;

    explicit ChartPanel(MonitorChartId id, QWidget *parent = nullptr);

    // Redraws: lines replaced in place when the series are the same, markers redrawn (the latest only).
    void setData(const MonitorChart &chart, const QList<MonitorMarker> &markers, qint64 fromMs, qint64 toMs);
    void setSaveChooser(SaveChooser chooser) { m_chooser = std::move(chooser); }

    void showTable(bool table);
    bool isTableShown() const;
    VoidResult exportPng(const QString &file);
    VoidResult exportCsv(const QString &file);

    MonitorChartId id() const { return m_id; }
    ChartTableModel *tableModel() const { return m_model; }
    QTableView *tableView() const { return m_table; }
    QChartView *chartView() const { return m_view; }
    QPushButton *tableButton() const { return m_tableButton; }
    QPushButton *pngButton() const { return m_pngButton; }
    QPushButton *csvButton() const { return m_csvButton; }
    QString statusText() const;
    int markerLineCount() const { return m_markerCount; }

    // Markers drawn per chart at most (the latest): more would hide the lines they mark.
    static constexpr int maxMarkerLines = 40;

private:
    void chooseAndExport(bool png);
    QString suggestedName(const QString &extension) const;

    MonitorChartId m_id;
    QString m_title;
    QLabel *m_heading;
    QLabel *m_status;
    QStackedWidget *m_stack;
    QChart *m_chart;
    QChartView *m_view;
    QDateTimeAxis *m_x;
    QValueAxis *m_y;
    QTableView *m_table;
    ChartTableModel *m_model;
    QPushButton *m_tableButton;
    QPushButton *m_pngButton;
    QPushButton *m_csvButton;
    SaveChooser m_chooser;
    QStringList m_seriesNames;
    int m_markerCount = 0;
};

}  // namespace nd

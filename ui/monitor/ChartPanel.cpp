// ChartPanel: Qt Charts for the lines, a QTableView for the same points, QWidget::grab for the PNG.
#include "ui/monitor/ChartPanel.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPixmap>
#include <QPushButton>
#include <QSaveFile>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>

#include "ui/common/Colors.h"
#include "ui/monitor/ChartTableModel.h"
#include "ui/monitor/MonitorCsv.h"

namespace nd {

namespace {
// Marker lines are series too; this property tells them from the data lines.
constexpr const char *kMarkerProperty = "nemodesk_marker";
}  // namespace

ChartPanel::ChartPanel(MonitorChartId id, QWidget *parent)
    : QWidget(parent), m_id(id), m_title(emptyMonitorChart(id).title) {
    m_heading = new QLabel(m_title, this);
    QFont bold = m_heading->font();
    bold.setBold(true);
    m_heading->setFont(bold);
    m_tableButton = new QPushButton(tr("Show table"), this);
    m_tableButton->setCheckable(true);
    m_tableButton->setAccessibleName(tr("Show %1 as a table").arg(m_title));
    m_pngButton = new QPushButton(tr("PNG…"), this);
    m_pngButton->setAccessibleName(tr("Export %1 as PNG").arg(m_title));
    m_pngButton->setToolTip(tr("Save this chart (or table) as an image"));
    m_csvButton = new QPushButton(tr("CSV…"), this);
    m_csvButton->setAccessibleName(tr("Export %1 as CSV").arg(m_title));
    m_csvButton->setToolTip(tr("Save the points of this chart as CSV"));
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->hide();

    m_chart = new QChart();
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_x = new QDateTimeAxis(m_chart);
    m_y = new QValueAxis(m_chart);
    m_y->setLabelFormat(QStringLiteral("%.0f"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    m_view = new QChartView(m_chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumHeight(200);
    m_view->setAccessibleName(tr("%1 chart").arg(m_title));
    m_view->setAccessibleDescription(tr("Use Show table to read the values"));

    m_model = new ChartTableModel(this);
    m_table = new QTableView(this);
    m_table->setModel(m_model);
    m_table->setAccessibleName(tr("%1 table").arg(m_title));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setMinimumHeight(200);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_view);
    m_stack->addWidget(m_table);

    auto *top = new QHBoxLayout();
    top->addWidget(m_heading, 1);
    top->addWidget(m_tableButton);
    top->addWidget(m_pngButton);
    top->addWidget(m_csvButton);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_stack, 1);
    layout->addWidget(m_status);

    connect(m_tableButton, &QPushButton::toggled, this, &ChartPanel::showTable);
    connect(m_pngButton, &QPushButton::clicked, this, [this] { chooseAndExport(true); });
    connect(m_csvButton, &QPushButton::clicked, this, [this] { chooseAndExport(false); });
    m_chooser = [](QWidget *owner, const QString &suggested, const QString &filter) {
        return QFileDialog::getSaveFileName(owner, tr("Export"), suggested, filter);
    };
}

void ChartPanel::showTable(bool table) {
    m_stack->setCurrentWidget(table ? static_cast<QWidget *>(m_table) : m_view);
    if (m_tableButton->isChecked() != table)
        m_tableButton->setChecked(table);
    m_tableButton->setText(table ? tr("Show chart") : tr("Show table"));
    m_tableButton->setAccessibleName(table ? tr("Show %1 as a chart").arg(m_title)
                                           : tr("Show %1 as a table").arg(m_title));
}

bool ChartPanel::isTableShown() const {
    return m_stack->currentWidget() == m_table;
}

QString ChartPanel::statusText() const {
    return m_status->isVisible() ? m_status->text() : QString();
}

void ChartPanel::setData(const MonitorChart &chart, const QList<MonitorMarker> &markers, qint64 fromMs,
                         qint64 toMs) {
    QStringList names;
    for (const MonitorSeries &s : chart.series)
        names.append(s.name);
    const QList<QAbstractSeries *> existing = m_chart->series();
    if (names != m_seriesNames) {
        m_chart->removeAllSeries();
        for (const MonitorSeries &s : chart.series) {
            auto *line = new QLineSeries();
            line->setName(s.name);
            line->setColor(s.color);
            m_chart->addSeries(line);
            line->attachAxis(m_x);
            line->attachAxis(m_y);
        }
        m_seriesNames = names;
    } else {
        for (QAbstractSeries *series : existing)
            if (series->property(kMarkerProperty).toBool()) {
                m_chart->removeSeries(series);
                delete series;
            }
    }
    double top = 1;
    const QList<QAbstractSeries *> lines = m_chart->series();
    for (qsizetype i = 0; i < chart.series.size() && i < lines.size(); ++i) {
        static_cast<QLineSeries *>(lines[i])->replace(chart.series[i].points);
        for (const QPointF &p : chart.series[i].points)
            top = std::max(top, p.y());
    }
    if (chart.unit == QStringLiteral("%"))
        top = 100;
    m_y->setRange(0, top * (chart.unit == QStringLiteral("%") ? 1.0 : 1.1));
    m_y->setTitleText(chart.unit);
    m_x->setRange(QDateTime::fromMSecsSinceEpoch(fromMs), QDateTime::fromMSecsSinceEpoch(toMs));
    m_x->setFormat(toMs - fromMs > 24 * 3600 * 1000LL ? QStringLiteral("ddd HH:mm")
                                                      : QStringLiteral("HH:mm"));

    // Job starts (green) and ends (grey) as vertical lines, the latest few, not in the legend.
    m_markerCount = 0;
    for (qsizetype i = std::max<qsizetype>(0, markers.size() - maxMarkerLines); i < markers.size(); ++i) {
        const MonitorMarker &m = markers[i];
        if (m.timeMs < fromMs || m.timeMs > toMs)
            continue;
        auto *line = new QLineSeries();
        line->setProperty(kMarkerProperty, true);
        line->setName(m.start ? tr("Job %1 started").arg(m.jobId) : tr("Job %1 ended").arg(m.jobId));
        QPen pen(m.start ? colors::ok() : colors::host());
        pen.setStyle(Qt::DashLine);
        pen.setWidthF(1);
        line->setPen(pen);
        line->append(static_cast<double>(m.timeMs), 0);
        line->append(static_cast<double>(m.timeMs), m_y->max());
        m_chart->addSeries(line);
        line->attachAxis(m_x);
        line->attachAxis(m_y);
        for (QLegendMarker *legend : m_chart->legend()->markers(line))
            legend->setVisible(false);
        ++m_markerCount;
    }
    m_model->setChart(chart);
}

QString ChartPanel::suggestedName(const QString &extension) const {
    QString base = m_title.toLower();
    base.replace(u' ', u'-');
    return QStringLiteral("%1-%2.%3")
        .arg(base, QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")), extension);
}

void ChartPanel::chooseAndExport(bool png) {
    const QString file = m_chooser(this, suggestedName(png ? QStringLiteral("png") : QStringLiteral("csv")),
                                   png ? tr("PNG images (*.png)") : tr("CSV files (*.csv)"));
    if (file.isEmpty())
        return;
    const VoidResult done = png ? exportPng(file) : exportCsv(file);
    m_status->setText(done.ok() ? tr("Saved %1").arg(file) : done.error());
    m_status->show();
}

VoidResult ChartPanel::exportPng(const QString &file) {
    const QPixmap picture = m_stack->currentWidget()->grab();
    if (!picture.save(file, "PNG"))
        return Error{tr("Could not save %1: check that the folder exists and is writable").arg(file)};
    return success();
}

VoidResult ChartPanel::exportCsv(const QString &file) {
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly) || out.write(monitorChartCsv(*m_model)) < 0 || !out.commit())
        return Error{tr("Could not save %1: %2").arg(file, out.errorString())};
    return success();
}

}  // namespace nd

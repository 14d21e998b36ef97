// HistoryView: the filter bar, the table, the totals line and the CSV export (see the header).
#include "ui/history/HistoryView.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/history/HistoryCsv.h"
#include "ui/history/HistoryFormat.h"
#include "ui/history/HistorySource.h"
#include "ui/history/HistoryTableModel.h"

namespace nd {

namespace {

constexpr qint64 hourMs = 3600 * 1000;

qint64 rangeLengthMs(HistoryView::Range range) {
    switch (range) {
        case HistoryView::Range::lastHour:
            return hourMs;
        case HistoryView::Range::lastDay:
            return 24 * hourMs;
        case HistoryView::Range::lastWeek:
            return 7 * 24 * hourMs;
        case HistoryView::Range::lastMonth:
            return 30 * 24 * hourMs;
        default:
            return 0;
    }
}

QString defaultChooser(QWidget *parent) {
    return QFileDialog::getSaveFileName(parent, HistoryView::tr("Export history as CSV"),
                                        QStringLiteral("history.csv"), HistoryView::tr("CSV files (*.csv)"));
}

}  // namespace

HistoryView::HistoryView(ConnectionController *connection, QWidget *parent)
    : HistoryView(new ApiHistorySource(connection), parent) {
    m_source->setParent(this);  // created here, so owned here
}

HistoryView::HistoryView(HistorySource *source, QWidget *parent)
    : QWidget(parent)
    , m_source(source)
    , m_model(new HistoryTableModel(source, this))
    , m_chooser(defaultChooser)
    , m_nowMs([] { return QDateTime::currentMSecsSinceEpoch(); }) {
    build();
    m_filterDelay.setSingleShot(true);
    m_filterDelay.setInterval(300);
    connect(&m_filterDelay, &QTimer::timeout, this, &HistoryView::applyFilter);
    m_totalsDelay.setSingleShot(true);
    m_totalsDelay.setInterval(500);
    connect(&m_totalsDelay, &QTimer::timeout, this, &HistoryView::refreshTotals);

    connect(m_source, &HistorySource::reloadNeeded, this, &HistoryView::applyFilter);
    connect(m_source, &HistorySource::jobEnded, this, [this](const HistoryRow &row) {
        m_model->addEnded(row);
        m_totalsDelay.start();
    });
    connect(m_model, &HistoryTableModel::loadingChanged, this, &HistoryView::updateStatus);
    if (m_source->isReady())
        applyFilter();
    updateStatus();
}

void HistoryView::build() {
    m_state = new QComboBox(this);
    m_state->setAccessibleName(tr("State filter"));
    m_state->addItem(tr("All finished"), QString());
    m_state->addItem(tr("Completed"), QStringLiteral("completed"));
    m_state->addItem(tr("Failed"), QStringLiteral("failed"));
    m_state->addItem(tr("Cancelled"), QStringLiteral("cancelled"));
    m_state->addItem(tr("Timed out"), QStringLiteral("timeout"));
    m_state->addItem(tr("Node failure"), QStringLiteral("node_fail"));

    m_range = new QComboBox(this);
    m_range->setAccessibleName(tr("Time range of the end time"));
    m_range->addItem(tr("Last hour"), int(Range::lastHour));
    m_range->addItem(tr("Last 24 hours"), int(Range::lastDay));
    m_range->addItem(tr("Last 7 days"), int(Range::lastWeek));
    m_range->addItem(tr("Last 30 days"), int(Range::lastMonth));
    m_range->addItem(tr("All time"), int(Range::all));
    m_range->addItem(tr("From … to …"), int(Range::custom));
    m_range->setCurrentIndex(m_range->findData(int(Range::all)));

    const QDateTime now = QDateTime::currentDateTime();
    m_from = new QDateTimeEdit(now.addDays(-1), this);
    m_from->setAccessibleName(tr("Ended from"));
    m_to = new QDateTimeEdit(now.addSecs(3600), this);
    m_to->setAccessibleName(tr("Ended until"));
    for (QDateTimeEdit *edit : {m_from, m_to}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
        edit->setVisible(false);
    }

    m_name = new QLineEdit(this);
    m_name->setAccessibleName(tr("Name filter"));
    m_name->setPlaceholderText(tr("Name, e.g. train-*"));
    m_name->setClearButtonEnabled(true);
    m_tag = new QLineEdit(this);
    m_tag->setAccessibleName(tr("Tag filter"));
    m_tag->setPlaceholderText(tr("Tag"));
    m_tag->setClearButtonEnabled(true);

    m_export = new QPushButton(tr("&Export CSV…"), this);
    m_export->setAccessibleName(tr("Export the matching jobs as CSV"));

    const auto labelFor = [this](const QString &text, QWidget *buddy) {
        auto *label = new QLabel(text, this);
        label->setBuddy(buddy);  // Alt+letter moves the focus to the control
        return label;
    };
    auto *filters = new QHBoxLayout;
    filters->addWidget(labelFor(tr("&State:"), m_state));
    filters->addWidget(m_state);
    filters->addWidget(labelFor(tr("E&nded:"), m_range));
    filters->addWidget(m_range);
    filters->addWidget(m_from);
    filters->addWidget(m_to);
    filters->addWidget(labelFor(tr("N&ame:"), m_name));
    filters->addWidget(m_name, 1);
    filters->addWidget(labelFor(tr("&Tag:"), m_tag));
    filters->addWidget(m_tag);
    filters->addWidget(m_export);

    m_sorted = new QSortFilterProxyModel(this);
    m_sorted->setSourceModel(m_model);
    m_sorted->setSortRole(HistoryTableModel::SortRole);
    m_table = new QTableView(this);
    m_table->setAccessibleName(tr("Finished jobs"));
    m_table->setModel(m_sorted);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setTabKeyNavigation(false);  // Tab leaves the table for the next control
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSortIndicator(HistoryTableModel::id, Qt::DescendingOrder);
    m_table->setSortingEnabled(true);
    m_table->horizontalHeader()->setStretchLastSection(true);

    m_totals = new QLabel(this);
    m_totals->setAccessibleName(tr("Totals of the matching jobs"));
    m_totals->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_status = new QLabel(this);
    m_status->setAccessibleName(tr("History status"));
    auto *footer = new QHBoxLayout;
    footer->addWidget(m_totals, 1);
    footer->addWidget(m_status);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addWidget(m_table, 1);
    layout->addLayout(footer);

    connect(m_state, &QComboBox::currentIndexChanged, this, &HistoryView::applyFilter);
    connect(m_range, &QComboBox::currentIndexChanged, this, [this] {
        const bool custom = Range(m_range->currentData().toInt()) == Range::custom;
        m_from->setVisible(custom);
        m_to->setVisible(custom);
        applyFilter();
    });
    for (QDateTimeEdit *edit : {m_from, m_to})
        connect(edit, &QDateTimeEdit::dateTimeChanged, this, [this] { m_filterDelay.start(); });
    for (QLineEdit *edit : {m_name, m_tag}) {
        connect(edit, &QLineEdit::textChanged, this, [this] { m_filterDelay.start(); });
        connect(edit, &QLineEdit::returnPressed, this, &HistoryView::applyFilter);
    }
    connect(m_export, &QPushButton::clicked, this, &HistoryView::exportCsv);
    connect(m_table, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        Q_EMIT jobActivated(index.data(HistoryTableModel::JobIdRole).toLongLong());
    });
}

HistoryFilter HistoryView::currentFilter() const {
    HistoryFilter filter;
    filter.state = m_state->currentData().toString();
    const Range range = Range(m_range->currentData().toInt());
    if (range == Range::custom) {
        filter.sinceMs = m_from->dateTime().toMSecsSinceEpoch();
        filter.untilMs = m_to->dateTime().toMSecsSinceEpoch();
    } else if (const qint64 length = rangeLengthMs(range); length > 0) {
        filter.sinceMs = m_nowMs() - length;
    }
    filter.name = m_name->text().trimmed();
    filter.tag = m_tag->text().trimmed();
    return filter;
}

void HistoryView::applyFilter() {
    m_filterDelay.stop();
    m_exportMessage.clear();
    if (!m_source->isReady())
        return;  // reloadNeeded() comes once connected
    m_model->setFilter(currentFilter());
    refreshTotals();
}

void HistoryView::refreshTotals() {
    m_totalsDelay.stop();
    const quint64 generation = ++m_totalsGeneration;
    m_source->fetchSums(m_model->filter(), this, [this, generation](const Result<HistorySums> &sums) {
        if (generation != m_totalsGeneration)
            return;  // the filter changed meanwhile
        if (!sums) {
            m_totals->setText(tr("Totals unavailable: %1").arg(sums.error()));
            return;
        }
        m_totals->setText(
            historyFormat::totalsLine(sums->jobs, sums->gpuSeconds, sums->gpuEnergyJ, sums->tokens));
    });
}

void HistoryView::updateStatus() {
    QString text;
    if (!m_exportMessage.isEmpty())
        text = m_exportMessage;
    else if (!m_model->lastError().isEmpty())
        text = tr("Could not load the history: %1").arg(m_model->lastError());
    else if (!m_source->isReady())
        text = tr("Waiting for the daemon…");
    else if (m_model->isLoading() && m_model->rowCount() == 0)
        text = tr("Loading…");
    else
        text = tr("Showing %1 of %2")
                   .arg(historyFormat::count(m_model->rowCount()), historyFormat::count(m_model->total()));
    m_status->setText(text);
}

QString HistoryView::totalsText() const {
    return m_totals->text();
}

QString HistoryView::statusText() const {
    return m_status->text();
}

void HistoryView::exportCsv() {
    if (m_exporting)
        return;
    const QString path = m_chooser(this);
    if (path.isEmpty())
        return;
    auto *job = new HistoryCsvExport(m_source, m_model->filter(), path, this);
    m_exporting = job;
    m_export->setEnabled(false);
    connect(job, &HistoryCsvExport::progress, this, [this](qint64 written, qint64 total) {
        m_exportMessage =
            tr("Exporting… %1 of %2 jobs").arg(historyFormat::count(written), historyFormat::count(total));
        updateStatus();
    });
    connect(job, &HistoryCsvExport::finished, this, [this, job, path](bool ok, const QString &message) {
        m_exportMessage = ok ? tr("Exported %1 jobs to %2").arg(historyFormat::count(job->written()), path)
                             : tr("Could not export: %1").arg(message);
        m_export->setEnabled(true);
        job->deleteLater();
        updateStatus();
    });
    job->start();
}

}  // namespace nd

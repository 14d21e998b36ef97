// HistoryTableModel: lazy paging over HistorySource and the cells of each column (see the header).
#include "ui/history/HistoryTableModel.h"

#include <QColor>

#include "ui/common/Colors.h"
#include "ui/history/HistoryFormat.h"
#include "ui/history/HistorySource.h"

namespace nd {

namespace {

QString stateLabel(const QString &state) {
    if (state == QLatin1String("node_fail"))
        return QStringLiteral("node failure");
    if (state == QLatin1String("timeout"))
        return QStringLiteral("timed out");
    return state;
}

QColor stateColor(const QString &state) {
    if (state == QLatin1String("completed"))
        return colors::ok();
    if (state == QLatin1String("cancelled"))
        return colors::pending();
    return colors::problem();  // failed, timeout, node_fail
}

QString exitText(const HistoryRow &row) {
    if (row.signal > 0)
        return QStringLiteral("signal %1").arg(row.signal);
    if (row.exitCode >= 0)
        return QString::number(row.exitCode);
    return {};
}

QString gpuList(const QList<int> &gpus) {
    QStringList names;
    for (const int gpu : gpus)
        names.append(QString::number(gpu));
    return names.join(QLatin1Char(','));
}

QVariant display(const HistoryRow &row, int column) {
    namespace f = historyFormat;
    switch (column) {
        case HistoryTableModel::id:
            return row.displayId;
        case HistoryTableModel::name:
            return row.name;
        case HistoryTableModel::state:
            return stateLabel(row.state);
        case HistoryTableModel::exit:
            return exitText(row);
        case HistoryTableModel::submitted:
            return f::dateTime(row.submitMs);
        case HistoryTableModel::started:
            return f::dateTime(row.startMs);
        case HistoryTableModel::ended:
            return f::dateTime(row.endMs);
        case HistoryTableModel::elapsed:
            return row.startMs > 0 ? f::duration(row.wallMs) : QString();
        case HistoryTableModel::gpus:
            return gpuList(row.gpus);
        case HistoryTableModel::gpuHours:
            return row.gpuSeconds > 0 ? f::gpuHours(row.gpuSeconds) : QString();
        case HistoryTableModel::energy:
            return row.gpuEnergyJ > 0 ? f::energy(row.gpuEnergyJ) : QString();
        case HistoryTableModel::peakRss:
            return f::memoryKib(row.peakRssKib);
        case HistoryTableModel::tags:
            return row.tags.join(QStringLiteral(", "));
        case HistoryTableModel::tokens:
            return row.tokens ? f::count(*row.tokens) : QString();
        default:
            return {};
    }
}

QVariant raw(const HistoryRow &row, int column) {
    switch (column) {
        case HistoryTableModel::id:
            return row.id;
        case HistoryTableModel::name:
            return row.name;
        case HistoryTableModel::state:
            return row.state;
        case HistoryTableModel::exit:
            return row.signal > 0 ? 1000 + row.signal : row.exitCode;
        case HistoryTableModel::submitted:
            return row.submitMs;
        case HistoryTableModel::started:
            return row.startMs;
        case HistoryTableModel::ended:
            return row.endMs;
        case HistoryTableModel::elapsed:
            return row.wallMs;
        case HistoryTableModel::gpus:
            return qint64(row.gpus.size());
        case HistoryTableModel::gpuHours:
            return row.gpuSeconds;
        case HistoryTableModel::energy:
            return row.gpuEnergyJ;
        case HistoryTableModel::peakRss:
            return row.peakRssKib;
        case HistoryTableModel::tags:
            return row.tags.join(QStringLiteral(", "));
        case HistoryTableModel::tokens:
            return row.tokens.value_or(-1);
        default:
            return {};
    }
}

bool isNumeric(int column) {
    return column == HistoryTableModel::exit || column == HistoryTableModel::elapsed ||
           column == HistoryTableModel::gpuHours || column == HistoryTableModel::energy ||
           column == HistoryTableModel::peakRss || column == HistoryTableModel::tokens;
}

}  // namespace

HistoryTableModel::HistoryTableModel(HistorySource *source, QObject *parent)
    : QAbstractTableModel(parent), m_source(source) {}

int HistoryTableModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int HistoryTableModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : columnCount_;
}

QVariant HistoryTableModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const HistoryRow &r = m_rows.at(size_t(index.row()));
    switch (role) {
        case Qt::DisplayRole:
            return display(r, index.column());
        case SortRole:
            return raw(r, index.column());
        case JobIdRole:
            return r.id;
        case Qt::DecorationRole:
            return index.column() == state ? QVariant(stateColor(r.state)) : QVariant();
        case Qt::ToolTipRole:
            return index.column() == state && !r.message.isEmpty() ? QVariant(r.message) : QVariant();
        case Qt::TextAlignmentRole:
            return isNumeric(index.column()) ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant();
        default:
            return {};
    }
}

QVariant HistoryTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= columnCount_)
        return {};
    static const char *const names[columnCount_] = {"ID",      "Name",     "State",   "Exit",  "Submitted",
                                                    "Started", "Ended",    "Elapsed", "GPUs",  "GPU-hours",
                                                    "Energy",  "Peak RSS", "Tags",    "Tokens"};
    return QString::fromLatin1(names[section]);
}

bool HistoryTableModel::canFetchMore(const QModelIndex &parent) const {
    return !parent.isValid() && m_hasMore && !m_inFlight;
}

void HistoryTableModel::fetchMore(const QModelIndex &parent) {
    if (!canFetchMore(parent))
        return;
    m_inFlight = true;
    const quint64 generation = m_generation;
    m_source->fetchPage(m_filter, m_nextAfter, m_pageSize, this,
                        [this, generation](const Result<HistoryPage> &page) { onPage(generation, page); });
    Q_EMIT loadingChanged();
}

void HistoryTableModel::onPage(quint64 generation, const Result<HistoryPage> &page) {
    if (generation != m_generation)
        return;  // asked for before a reset
    m_inFlight = false;
    if (!page) {
        m_lastError = page.error();  // m_hasMore stays: scrolling (or reload) tries again
        Q_EMIT loadingChanged();
        return;
    }
    m_lastError.clear();
    // Where the next page starts is set before the rows go in: a view (or the tester) may ask for more
    // from inside endInsertRows(), and must not ask for this page again.
    m_nextAfter = page->nextAfter;
    m_hasMore = page->nextAfter != 0;
    // A job added on top when it ended can come again in a later page: keep the one listed.
    std::vector<const HistoryRow *> fresh;
    for (const HistoryRow &row : page->rows) {
        if (!m_ids.contains(row.id))
            fresh.push_back(&row);
    }
    if (!fresh.empty()) {
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + fresh.size()) - 1);
        for (const HistoryRow *row : fresh) {
            m_ids.insert(row->id);
            m_rows.push_back(*row);
        }
        endInsertRows();
    }
    m_total = std::max<qint64>(page->total, qint64(m_rows.size()));
    Q_EMIT loadingChanged();
}

void HistoryTableModel::setFilter(const HistoryFilter &filter) {
    m_filter = filter;
    reload();
}

void HistoryTableModel::reload() {
    beginResetModel();
    ++m_generation;
    m_rows.clear();
    m_ids.clear();
    m_nextAfter = 0;
    m_hasMore = true;
    m_inFlight = false;
    m_total = 0;
    endResetModel();
    fetchMore({});
}

void HistoryTableModel::addEnded(const HistoryRow &row) {
    if (!m_filter.matches(row))
        return;
    if (m_ids.contains(row.id)) {
        for (size_t i = 0; i < m_rows.size(); ++i) {
            if (m_rows[i].id == row.id) {
                m_rows[i] = row;
                Q_EMIT dataChanged(index(int(i), 0), index(int(i), columnCount_ - 1));
                return;
            }
        }
    }
    beginInsertRows({}, 0, 0);
    m_rows.insert(m_rows.begin(), row);
    m_ids.insert(row.id);
    endInsertRows();
    ++m_total;
    Q_EMIT loadingChanged();
}

}  // namespace nd

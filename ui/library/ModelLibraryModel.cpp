// The Models table (see ModelLibraryModel.h).
#include "ui/library/ModelLibraryModel.h"

#include <QColor>
#include <QSet>

#include <algorithm>
#include <utility>

#include "ui/common/Colors.h"
#include "ui/common/Formatting.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

QString pathOf(const QJsonObject &model) {
    return model.value(u"path"_s).toString();
}

qint64 number(const QJsonObject &object, const QString &key) {
    return static_cast<qint64>(object.value(key).toDouble());
}

qint64 estimateBytes(const QJsonObject &model) {
    return number(model.value(u"memory"_s).toObject(), u"total_bytes"_s);
}

QString tps(double value) {
    return value >= 100 ? QString::number(value, 'f', 0) : QString::number(value, 'f', 1);
}

}  // namespace

ModelLibraryModel::ModelLibraryModel(QObject *parent) : QAbstractTableModel(parent) {}

int ModelLibraryModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ModelLibraryModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : Columns::count;
}

ModelLibraryModel::Status ModelLibraryModel::status(int row) const {
    const QJsonObject &model = m_rows.at(row);
    if (!model.value(u"error"_s).toString().isEmpty()) {
        return Status::unreadable;
    }
    if (!model.value(u"shadowed_by"_s).toString().isEmpty()) {
        return Status::shadowed;
    }
    if (!model.value(u"problem"_s).toString().isEmpty()) {
        return Status::problem;
    }
    return Status::ok;
}

const ModelLibraryModel::Benchmark *ModelLibraryModel::benchmark(int row) const {
    const QJsonObject &model = m_rows.at(row);
    if (auto it = m_benchByPath.constFind(pathOf(model)); it != m_benchByPath.cend()) {
        return &*it;
    }
    // By name only for the file that has the name: a shadowed file's results are not the other one's.
    if (status(row) != Status::shadowed) {
        if (auto it = m_benchByName.constFind(model.value(u"name"_s).toString());
            it != m_benchByName.cend()) {
            return &*it;
        }
    }
    return nullptr;
}

int ModelLibraryModel::rowOfPath(const QString &path) const {
    for (int row = 0; row < m_rows.size(); ++row) {
        if (pathOf(m_rows.at(row)) == path) {
            return row;
        }
    }
    return -1;
}

QVariant ModelLibraryModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const int row = index.row();
    const QJsonObject &model = m_rows.at(row);
    switch (role) {
        case Qt::DisplayRole:
            return displayData(model, row, index.column());
        case Qt::ToolTipRole:
            return toolTip(model, row);
        case Qt::ForegroundRole:
            if (status(row) == Status::unreadable || status(row) == Status::problem) {
                return colors::problem();
            }
            if (status(row) == Status::shadowed) {
                return colors::host();  // the grey of secondary things
            }
            return {};
        case Qt::TextAlignmentRole:
            if (index.column() == Columns::params || index.column() == Columns::size ||
                index.column() == Columns::context || index.column() == Columns::memory) {
                return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
            }
            return {};
        case SortRole:
            return sortData(model, row, index.column());
        case PathRole:
            return pathOf(model);
        case StatusRole:
            return QVariant::fromValue(status(row));
        case FactsRole:
            return model;
        case ModelRefRole:
            return status(row) == Status::shadowed ? pathOf(model) : model.value(u"name"_s).toString();
        default:
            return {};
    }
}

QVariant ModelLibraryModel::displayData(const QJsonObject &model, int row, int column) const {
    const Status st = status(row);
    switch (column) {
        case Columns::name:
            return st == Status::shadowed ? tr("%1 (shadowed)").arg(model.value(u"name"_s).toString())
                                          : model.value(u"name"_s).toString();
        case Columns::size:
            return bytesText(number(model, u"size_bytes"_s));
        default:
            break;
    }
    if (st == Status::unreadable) {
        return column == Columns::architecture ? tr("cannot be read") : fmt::missing();
    }
    switch (column) {
        case Columns::architecture: {
            const QString arch = model.value(u"architecture"_s).toString();
            if (st == Status::problem) {
                return tr("%1 (broken keys)").arg(arch);
            }
            return model.value(u"architecture_known"_s).toBool() ? arch : tr("%1 (not supported)").arg(arch);
        }
        case Columns::params:
            return model.value(u"params"_s).toString(fmt::missing());
        case Columns::types:
            return model.value(u"type_mix"_s).toString(fmt::missing());
        case Columns::context: {
            const qint64 ctx = number(model, u"context_length"_s);
            return ctx > 0 ? QString::number(ctx) : fmt::missing();
        }
        case Columns::memory: {
            const QJsonObject memory = model.value(u"memory"_s).toObject();
            const qint64 total = number(memory, u"total_bytes"_s);
            return total > 0
                       ? tr("%1 at %2 ctx").arg(bytesText(total), QString::number(number(memory, u"n_ctx"_s)))
                       : fmt::missing();
        }
        case Columns::fits:
            return modelFitText(modelFit(estimateBytes(model), m_gpus), m_gpus);
        case Columns::benchmark: {
            const Benchmark *bench = benchmark(row);
            return bench ? tr("%1 / %2 tok/s").arg(tps(bench->promptTps), tps(bench->decodeTps))
                         : fmt::missing();
        }
        default:
            return {};
    }
}

QVariant ModelLibraryModel::sortData(const QJsonObject &model, int row, int column) const {
    switch (column) {
        case Columns::name:
            return model.value(u"name"_s).toString().toLower();
        case Columns::architecture:
            return model.value(u"architecture"_s).toString().toLower();
        case Columns::params:
            return number(model, u"n_params"_s);
        case Columns::types:
            return model.value(u"type_mix"_s).toString();
        case Columns::size:
            return number(model, u"size_bytes"_s);
        case Columns::context:
            return number(model, u"context_length"_s);
        case Columns::memory:
        case Columns::fits:  // the smaller the estimate, the better it fits
            return estimateBytes(model);
        case Columns::benchmark: {
            const Benchmark *bench = benchmark(row);
            return bench ? bench->decodeTps : 0.0;
        }
        default:
            return {};
    }
}

QString ModelLibraryModel::toolTip(const QJsonObject &model, int row) const {
    switch (status(row)) {
        case Status::unreadable:
            return tr("Cannot be read: %1").arg(model.value(u"error"_s).toString());
        case Status::shadowed:
            return tr("Another file has this name: %1. This one is reached by its path.")
                .arg(model.value(u"shadowed_by"_s).toString());
        case Status::problem:
            return tr("NemoDesk cannot run it: %1").arg(model.value(u"problem"_s).toString());
        case Status::ok:
            break;
    }
    return pathOf(model);
}

QVariant ModelLibraryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
        case Columns::name:
            return tr("Name");
        case Columns::architecture:
            return tr("Architecture");
        case Columns::params:
            return tr("Parameters");
        case Columns::types:
            return tr("Types");
        case Columns::size:
            return tr("Size");
        case Columns::context:
            return tr("Context");
        case Columns::memory:
            return tr("Memory estimate");
        case Columns::fits:
            return tr("Fits");
        case Columns::benchmark:
            return tr("Last benchmark (prompt / decode)");
        default:
            return {};
    }
}

void ModelLibraryModel::setModels(const QJsonArray &models) {
    QList<QJsonObject> incoming;
    QSet<QString> incomingPaths;
    for (const auto &value : models) {
        const QJsonObject model = value.toObject();
        if (!pathOf(model).isEmpty() && !incomingPaths.contains(pathOf(model))) {
            incoming.append(model);
            incomingPaths.insert(pathOf(model));
        }
    }
    // Rows whose file is gone, from the bottom so the row numbers above stay valid.
    for (int row = static_cast<int>(m_rows.size()) - 1; row >= 0; --row) {
        if (!incomingPaths.contains(pathOf(m_rows.at(row)))) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
        }
    }
    // Rows still there: updated in place; new files appended.
    QList<QJsonObject> added;
    for (const QJsonObject &model : std::as_const(incoming)) {
        const int row = rowOfPath(pathOf(model));
        if (row < 0) {
            added.append(model);
        } else if (m_rows.at(row) != model) {
            m_rows[row] = model;
            Q_EMIT dataChanged(index(row, 0), index(row, Columns::count - 1));
        }
    }
    if (!added.isEmpty()) {
        const int first = static_cast<int>(m_rows.size());
        beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
        m_rows.append(added);
        endInsertRows();
    }
}

void ModelLibraryModel::setBenchmarks(const QJsonArray &benchmarks) {
    m_benchByPath.clear();
    m_benchByName.clear();
    for (const auto &value : benchmarks) {  // newest first: the first one seen per model wins
        const QJsonObject o = value.toObject();
        Benchmark bench;
        bench.promptTps = o.value(u"prompt_tps"_s).toDouble();
        bench.decodeTps = o.value(u"decode_tps"_s).toDouble();
        bench.timeMs = number(o, u"time_ms"_s);
        bench.jobId = number(o, u"job_id"_s);
        const QString path = o.value(u"model_path"_s).toString();
        const QString name = o.value(u"model"_s).toString();
        if (!path.isEmpty() && !m_benchByPath.contains(path)) {
            m_benchByPath.insert(path, bench);
        }
        if (!name.isEmpty() && !m_benchByName.contains(name)) {
            m_benchByName.insert(name, bench);
        }
    }
    if (!m_rows.isEmpty()) {
        Q_EMIT dataChanged(index(0, Columns::benchmark), index(rowCount() - 1, Columns::benchmark));
    }
}

void ModelLibraryModel::setGpus(const QList<GpuCapacity> &gpus) {
    const auto same = [](const GpuCapacity &a, const GpuCapacity &b) {
        return a.index == b.index && a.memoryTotalMib == b.memoryTotalMib;
    };
    if (std::equal(gpus.begin(), gpus.end(), m_gpus.begin(), m_gpus.end(), same)) {
        return;
    }
    m_gpus = gpus;
    if (!m_rows.isEmpty()) {
        Q_EMIT dataChanged(index(0, Columns::fits), index(rowCount() - 1, Columns::fits));
    }
}

}  // namespace nd

#pragma once
// The Models table: one row per file the daemon's library lists (GET /api/models `models`), with
// `nemoctl info`'s facts, the memory estimate at its n_ctx, whether that fits each GPU (ModelFit) and the
// newest benchmark (GET /api/benchmarks). Files the reader cannot read and files whose name another file
// has (`shadowed_by`) are rows too, shown as such. A new list is merged into the rows by path (removed,
// updated in place, appended) rather than reset, so that the selection and scroll position survive the
// reloads that every `models.changed` event brings. Lives on the GUI thread; fed by ModelsView.
#include <QAbstractTableModel>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

#include "ui/library/ModelFit.h"

namespace nd {

class ModelLibraryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    struct Columns {
        static constexpr int name = 0;
        static constexpr int architecture = 1;
        static constexpr int params = 2;
        static constexpr int types = 3;
        static constexpr int size = 4;
        static constexpr int context = 5;
        static constexpr int memory = 6;
        static constexpr int fits = 7;
        static constexpr int benchmark = 8;
        static constexpr int count = 9;
    };

    enum Role {
        // The cell's raw value for sorting: bytes, parameter count, tokens, tok/s; lower-cased text.
        SortRole = Qt::UserRole + 1,
        PathRole,    // the file's absolute path (the row's identity)
        StatusRole,  // a Status
        FactsRole,   // the model's whole object from GET /api/models (QJsonObject)
        // What a workload's `model` must say to reach this file: its name, or its path when shadowed.
        ModelRefRole,
    };

    enum class Status { ok = 1, unreadable, shadowed, problem };
    Q_ENUM(Status)

    struct Benchmark {
        double promptTps = 0;
        double decodeTps = 0;
        qint64 timeMs = 0;
        qint64 jobId = 0;
    };

    explicit ModelLibraryModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // GET /api/models's `models`: merged into the rows by path.
    void setModels(const QJsonArray &models);
    // GET /api/benchmarks's `benchmarks` (newest first): the newest per model is shown.
    void setBenchmarks(const QJsonArray &benchmarks);
    // The GPUs the estimates are measured against (from GpuTableModel's inventory).
    void setGpus(const QList<GpuCapacity> &gpus);
    const QList<GpuCapacity> &gpus() const { return m_gpus; }

    // The row of the file at `path`, or -1.
    int rowOfPath(const QString &path) const;
    QJsonObject facts(int row) const { return m_rows.at(row); }
    Status status(int row) const;
    // The newest benchmark of the row's model, if any.
    const Benchmark *benchmark(int row) const;

private:
    QVariant displayData(const QJsonObject &model, int row, int column) const;
    QVariant sortData(const QJsonObject &model, int row, int column) const;
    QString toolTip(const QJsonObject &model, int row) const;

    QList<QJsonObject> m_rows;
    QHash<QString, Benchmark> m_benchByPath;  // by `model_path`
    QHash<QString, Benchmark> m_benchByName;  // by `model`
    QList<GpuCapacity> m_gpus;
};

}  // namespace nd

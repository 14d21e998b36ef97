#pragma once
// The History's CSV export: RFC 4180 quoting, one header and one line per job, and HistoryCsvExport, which
// writes every job matching a filter — not only the rows loaded in the view — by fetching pages of up to
// 10,000 asynchronously and appending each as it arrives. The file appears only when complete (QSaveFile):
// a failed or cancelled export leaves no half-written file behind.
#include <QObject>
#include <QSaveFile>
#include <QString>
#include <QStringList>

#include "ui/history/HistoryFilter.h"
#include "ui/history/HistoryRow.h"

namespace nd {

class HistorySource;

namespace historyCsv {

// `field` as one CSV field: quoted (with quotes doubled) when it holds a comma, a quote, CR or LF, or
// starts or ends with a space.
QString field(const QString &field);
QString line(const QStringList &fields);  // fields joined by commas, ending in CRLF
QString header();
QString row(const HistoryRow &row);

}  // namespace historyCsv

class HistoryCsvExport : public QObject {
    Q_OBJECT
public:
    HistoryCsvExport(HistorySource *source, HistoryFilter filter, QString path, QObject *parent = nullptr);

    // Opens the file and asks for the first page; finished() follows, also for an error.
    void start();
    void setPageSize(int rows) { m_pageSize = rows; }
    qint64 written() const { return m_written; }

Q_SIGNALS:
    void progress(qint64 written, qint64 total);
    // ok: the file holds every matching job; else `message` says what failed and nothing was written.
    void finished(bool ok, const QString &message);

private:
    void fetchNext();
    void fail(const QString &message);

    HistorySource *m_source;
    HistoryFilter m_filter;
    QSaveFile m_file;
    qint64 m_nextAfter = 0;
    qint64 m_written = 0;
    int m_pageSize = 10000;
};

}  // namespace nd

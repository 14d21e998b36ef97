// HistoryCsv: quoting, the columns of the export, and the paged export (see the header).
#include "ui/history/HistoryCsv.h"

#include "ui/history/HistoryFormat.h"
#include "ui/history/HistorySource.h"

namespace nd {

namespace historyCsv {

QString field(const QString &text) {
    const bool quote = text.contains(u',') || text.contains(u'"') || text.contains(u'\n') ||
                       text.contains(u'\r') || text.startsWith(u' ') || text.endsWith(u' ');
    if (!quote)
        return text;
    QString quoted = text;
    quoted.replace(QStringLiteral("\""), QStringLiteral("\"\""));
    return u'"' + quoted + u'"';
}

QString line(const QStringList &fields) {
    QStringList quoted;
    quoted.reserve(fields.size());
    for (const QString &f : fields)
        quoted.append(field(f));
    return quoted.join(u',') + QStringLiteral("\r\n");
}

// Raw units, named in the header, so a spreadsheet can sum them; times in UTC ISO 8601.
QString header() {
    return line({QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("state"),
                 QStringLiteral("exit_code"), QStringLiteral("signal"), QStringLiteral("submit_time"),
                 QStringLiteral("start_time"), QStringLiteral("end_time"), QStringLiteral("wall_s"),
                 QStringLiteral("gpus"), QStringLiteral("gpu_hours"), QStringLiteral("gpu_energy_j"),
                 QStringLiteral("peak_rss_kib"), QStringLiteral("cpu_time_s"), QStringLiteral("tags"),
                 QStringLiteral("tokens"), QStringLiteral("message")});
}

QString row(const HistoryRow &r) {
    QStringList gpus;
    for (const int gpu : r.gpus)
        gpus.append(QString::number(gpu));
    return line({r.displayId, r.name, r.state, r.exitCode >= 0 ? QString::number(r.exitCode) : QString(),
                 r.signal > 0 ? QString::number(r.signal) : QString(), historyFormat::isoTime(r.submitMs),
                 historyFormat::isoTime(r.startMs), historyFormat::isoTime(r.endMs),
                 QString::number(double(r.wallMs) / 1000.0, 'f', 3), gpus.join(u' '),
                 QString::number(r.gpuSeconds / 3600.0, 'f', 4), QString::number(r.gpuEnergyJ, 'f', 1),
                 QString::number(r.peakRssKib), QString::number(double(r.cpuTimeMs) / 1000.0, 'f', 3),
                 r.tags.join(u';'), r.tokens ? QString::number(*r.tokens) : QString(), r.message});
}

}  // namespace historyCsv

HistoryCsvExport::HistoryCsvExport(HistorySource *source, HistoryFilter filter, QString path, QObject *parent)
    : QObject(parent), m_source(source), m_filter(std::move(filter)), m_file(path) {}

void HistoryCsvExport::start() {
    if (!m_file.open(QIODevice::WriteOnly)) {
        fail(QStringLiteral("cannot write %1: %2").arg(m_file.fileName(), m_file.errorString()));
        return;
    }
    m_file.write(historyCsv::header().toUtf8());
    fetchNext();
}

void HistoryCsvExport::fetchNext() {
    m_source->fetchPage(m_filter, m_nextAfter, m_pageSize, this, [this](const Result<HistoryPage> &page) {
        if (!page) {
            fail(QStringLiteral("exporting the history stopped after %1 jobs: %2")
                     .arg(m_written)
                     .arg(page.error()));
            return;
        }
        QByteArray chunk;
        for (const HistoryRow &row : page->rows)
            chunk += historyCsv::row(row).toUtf8();
        if (m_file.write(chunk) != chunk.size()) {
            fail(QStringLiteral("cannot write %1: %2").arg(m_file.fileName(), m_file.errorString()));
            return;
        }
        m_written += qint64(page->rows.size());
        Q_EMIT progress(m_written, page->total);
        m_nextAfter = page->nextAfter;
        if (m_nextAfter != 0) {
            fetchNext();
            return;
        }
        if (!m_file.commit()) {
            fail(QStringLiteral("cannot write %1: %2").arg(m_file.fileName(), m_file.errorString()));
            return;
        }
        Q_EMIT finished(true, {});
    });
}

void HistoryCsvExport::fail(const QString &message) {
    m_file.cancelWriting();
    if (m_file.isOpen())
        m_file.commit();  // after cancelWriting() this only closes and removes the temporary file
    Q_EMIT finished(false, message);
}

}  // namespace nd

// nemoctl gpus: the GPU inventory with the latest readings, from the daemon or, when none runs, read
// directly in this process.
#include <QJsonObject>
#include <QProcessEnvironment>

#include "Cli.h"
#include "JobFormat.h"
#include "core/client/TelemetryFrame.h"
#include "core/daemon/RuntimeFile.h"
#include "core/telemetry/TelemetryJson.h"
#include "core/telemetry/TelemetrySampler.h"

namespace nd::cli {

namespace {

// Long enough for a meaningful CPU share in the host line.
constexpr int localCpuWindowMs = 300;

QString dash() {
    return QStringLiteral("–");
}

template <typename T>
QString withUnit(const std::optional<T> &value, const QString &unit, int decimals = 0) {
    if (!value)
        return dash();
    return QStringLiteral("%1 %2").arg(static_cast<double>(*value), 0, 'f', decimals).arg(unit);
}

QString formatText(const GpuInventory &inv) {
    QString out;
    const qsizetype n = inv.gpus.size();
    QString header = QStringLiteral("source: %1").arg(inv.source);
    if (!inv.driverVersion.isEmpty())
        header += QStringLiteral(", driver %1").arg(inv.driverVersion);
    if (!inv.message.isEmpty())
        header += QStringLiteral(" — %1").arg(inv.message);
    out += header + u'\n';
    if (n == 0) {
        out += QStringLiteral("no GPUs\n");
    } else {
        QList<QStringList> rows{{QStringLiteral("GPU"), QStringLiteral("NAME"), QStringLiteral("MEMORY USED"),
                                 QStringLiteral("UTIL"), QStringLiteral("TEMP"), QStringLiteral("POWER"),
                                 QStringLiteral("SM CLOCK"), QStringLiteral("PROCS")}};
        for (const GpuDevice &g : inv.gpus) {
            QString name = g.name;
            if (g.synthetic && !name.contains(QLatin1StringView("synthetic"), Qt::CaseInsensitive))
                name += QStringLiteral(" (synthetic)");
            QStringList row{QString::number(g.index), name};
            if (g.latest) {
                const GpuReading &r = *g.latest;
                row << QStringLiteral("%1 / %2 MiB").arg(r.memoryUsedMib).arg(g.memoryTotalMib)
                    << withUnit(r.utilizationGpuPct, QStringLiteral("%"))
                    << withUnit(r.temperatureC, QStringLiteral("°C"))
                    << withUnit(r.powerW, QStringLiteral("W"))
                    << withUnit(r.clockSmMhz, QStringLiteral("MHz")) << QString::number(r.processCount);
            } else {
                row << QStringLiteral("? / %1 MiB").arg(g.memoryTotalMib) << dash() << dash() << dash()
                    << dash() << dash();
            }
            rows.append(row);
        }
        // Numbers read best right-aligned; the index and name columns are left-aligned.
        QList<Align> alignment{Align::left, Align::left};
        for (qsizetype c = 2; c < rows.value(0).size(); ++c)
            alignment.append(Align::right);
        out += formatTable(rows, alignment);
    }
    if (inv.host) {
        const HostReading &h = *inv.host;
        out += QStringLiteral("host: %1 CPUs at %2 %, memory %3 / %4 MiB used, load %5\n")
                   .arg(h.cpuCount)
                   .arg(h.cpuPct, 0, 'f', 1)
                   .arg(h.memoryUsedMib)
                   .arg(h.memoryTotalMib)
                   .arg(h.loadAvg1m, 0, 'f', 2);
    }
    return out;
}

// When no daemon runs: open telemetry here, sample once.
Result<QJsonObject> readLocally() {
    TelemetryOptions options;
    options.fake_spec =
        QProcessEnvironment::systemEnvironment().value(QStringLiteral("NEMODESK_FAKE_GPUS")).toStdString();
    const auto read = TelemetrySampler::readOnce(options, localCpuWindowMs);
    if (!read.ok()) {
        if (!options.fake_spec.empty())
            return Error{QStringLiteral("NEMODESK_FAKE_GPUS=%1: %2")
                             .arg(QString::fromStdString(options.fake_spec), read.error())};
        return Error{read.error()};
    }
    return gpusResponseToJson(read->first, &read->second);
}

}  // namespace

int runGpus(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print JSON, the same as GET /api/gpus (docs/api.md)."));
    parser.addOption(json);
    const int early =
        parseOrExit(parser, args, QStringLiteral("nemoctl gpus [--json]"),
                    QStringLiteral("Shows the GPUs with their latest readings, and the host. Asks the "
                                   "running daemon; when none runs, reads them in this process (and "
                                   "says so on stderr)."));
    if (early >= 0)
        return early;

    const Paths paths = Paths::fromEnvironment();
    QJsonObject body;
    const Result<Endpoint> endpoint = Endpoint::fromRuntimeFile(paths);
    if (endpoint.ok() && processIsAlive(endpoint->pid)) {
        const Result<QJsonDocument> reply = requestSync(endpoint.value(), "GET", QStringLiteral("/api/gpus"));
        if (!reply.ok()) {
            printErr(QStringLiteral("the daemon (pid %1) did not give its GPUs: %2")
                         .arg(endpoint->pid)
                         .arg(reply.error()));
            return exitFailure;
        }
        body = reply->object();
    } else {
        printErr(QStringLiteral("no daemon is running; reading the GPUs directly in this process"));
        const Result<QJsonObject> local = readLocally();
        if (!local.ok()) {
            printErr(local.error());
            return exitFailure;
        }
        body = local.value();
    }

    if (parser.isSet(json)) {
        printOut(toJsonText(body));
        return exitOk;
    }
    const Result<GpuInventory> inventory = parseGpuInventory(body);
    if (!inventory.ok()) {
        printErr(inventory.error());
        return exitFailure;
    }
    printOut(formatText(inventory.value()));
    return exitOk;
}

}  // namespace nd::cli

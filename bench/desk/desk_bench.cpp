// nemodesk-bench-desk: the desk's numbers for docs/benchmarks.md ("The desk (GUI)"). Not a test: it prints
// what it measured and the targets next to them; nothing fails on a slow machine.
//   1. a temporary NEMODESK_HOME with --history finished jobs written straight into the job database, a real
//      `nemoctl daemon` with 8 synthetic GPUs, and --queue pending jobs (never startable) submitted to it;
//   2. the real MainWindow with the real ConnectionController and GpuTableModel (offscreen): start-up to a
//      usable window, each page's load after connecting and its switch-and-paint time, Queue and History
//      reloads and filters;
//   3. the GUI thread's event-loop delay (LoopProbe) while another thread holds/releases --rate jobs/s
//      (StateDriver) and the GPUs stream telemetry at 1 Hz, for --seconds;
//   4. the process's RSS before and after feeding --frames telemetry frames (24 h at 1 Hz) for 8 GPUs into
//      GpuTableModel, first with the Monitor on its 24-hour window, then with its live 5-minute window
//      (which redraws every frame) for at most --feed-budget-s.
// Usage: nemodesk-bench-desk [--json] [--history N] [--queue N] [--rate N] [--seconds N] [--frames N]
//                            [--feed-budget-s N]
#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

#include <cstdio>
#include <functional>

#include "DeskFixture.h"
#include "LoopProbe.h"
#include "StateDriver.h"
#include "ui/MainWindow.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/history/HistoryTableModel.h"
#include "ui/history/HistoryView.h"
#include "ui/library/ModelsView.h"
#include "ui/models/GpuTableModel.h"
#include "ui/monitor/MonitorView.h"
#include "ui/queue/QueueFilterProxy.h"
#include "ui/queue/QueueTableModel.h"
#include "ui/queue/QueueView.h"

using namespace Qt::StringLiterals;

namespace {

const QString nemoctl = QStringLiteral(NEMOCTL_PATH);

struct Metric {
    QString key;
    QString what;
    double value = 0;
    QString unit;
    QString target;  // "" when there is none
    bool met = true;
};

double msSince(const QElapsedTimer &timer) {
    return static_cast<double>(timer.nsecsElapsed()) / 1e6;
}

// Runs the event loop until `done` or `timeoutMs`; false on timeout.
bool waitUntil(const std::function<bool()> &done, int timeoutMs) {
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QEventLoop loop;
        QTimer::singleShot(1, Qt::PreciseTimer, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

void runFor(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// Resident memory of this process (/proc/self/status VmRSS), in MiB.
double rssMib() {
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024.0;
    return 0;
}

[[noreturn]] void fail(const QString &message) {
    std::fprintf(stderr, "nemodesk-bench-desk: %s\n", qPrintable(message));
    std::exit(1);
}

// One telemetry frame of every GPU of the inventory and the host, at `timeMs`: what the daemon streams.
nd::TelemetryFrame syntheticFrame(const nd::GpuTableModel &gpus, qint64 timeMs, qint64 n) {
    nd::TelemetryFrame frame;
    frame.source = gpus.source();
    frame.timeMs = timeMs;
    for (const nd::GpuDevice &gpu : gpus.gpus()) {
        nd::GpuReading r;
        r.index = gpu.index;
        r.timeMs = timeMs;
        r.memoryTotalMib = gpu.memoryTotalMib;
        r.memoryUsedMib = (n * 37 + gpu.index * 1000) % gpu.memoryTotalMib;
        r.utilizationGpuPct = static_cast<double>((n + gpu.index * 7) % 101);
        r.temperatureC = 40.0 + static_cast<double>(n % 40);
        r.powerW = 100.0 + static_cast<double>(n % 300);
        r.clockSmMhz = 1800;
        r.synthetic = gpu.synthetic;
        frame.gpus.append(r);
    }
    frame.host =
        nd::HostReading{timeMs, static_cast<double>(n % 100), 16, 128000, 64000 + n % 1000, 1.0, 60000};
    return frame;
}

}  // namespace

int main(int argc, char *argv[]) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"The desk's numbers: start-up, page loads, filters, GUI stalls, memory."_s);
    parser.addHelpOption();
    const QCommandLineOption json(u"json"_s, u"Print the numbers as JSON."_s);
    const QCommandLineOption history(u"history"_s, u"Finished jobs in the database."_s, u"N"_s, u"100000"_s);
    const QCommandLineOption queue(u"queue"_s, u"Pending jobs in the queue."_s, u"N"_s, u"10000"_s);
    const QCommandLineOption rate(u"rate"_s, u"State changes per second."_s, u"N"_s, u"100"_s);
    const QCommandLineOption seconds(u"seconds"_s, u"How long the state changes run."_s, u"N"_s, u"30"_s);
    const QCommandLineOption frames(u"frames"_s, u"Telemetry frames fed (86400 = 24 h at 1 Hz)."_s, u"N"_s,
                                    u"86400"_s);
    const QCommandLineOption budget(u"feed-budget-s"_s, u"Stop feeding frames after this long."_s, u"N"_s,
                                    u"120"_s);
    parser.addOptions({json, history, queue, rate, seconds, frames, budget});
    parser.process(app);
    const qint64 historyJobs = parser.value(history).toLongLong();
    const int queueJobs = parser.value(queue).toInt();
    const int perSecond = parser.value(rate).toInt();
    const int runSeconds = parser.value(seconds).toInt();
    const qint64 frameCount = parser.value(frames).toLongLong();
    const int feedBudgetS = parser.value(budget).toInt();
    if (historyJobs < 1 || queueJobs < 2 || perSecond < 1 || perSecond > 1000 || runSeconds < 1 ||
        frameCount < 1)
        fail(u"--history, --frames and --seconds must be at least 1, --queue at least 2, --rate 1..1000"_s);

    QList<Metric> metrics;
    auto add = [&metrics](const QString &key, const QString &what, double value, const QString &unit,
                          const QString &target = {}, bool met = true) {
        metrics.append(Metric{key, what, value, unit, target, met});
    };
    auto progress = [&parser, &json](const QString &line) {
        if (!parser.isSet(json))
            std::fprintf(stderr, "… %s\n", qPrintable(line));
    };

    // 1. The world.
    nd::bench::DeskFixture fixture;
    if (!fixture.isValid())
        fail(u"could not create a temporary folder"_s);
    QElapsedTimer timer;
    timer.start();
    if (nd::VoidResult seeded = fixture.seedHistory(historyJobs); !seeded)
        fail(seeded.error());
    add(u"seed_history_s"_s, u"Write %1 finished jobs (JobStore batches)"_s.arg(historyJobs),
        msSince(timer) / 1000, u"s"_s);
    progress(u"history written"_s);
    nd::Result<nd::Endpoint> endpoint = fixture.startDaemon(nemoctl, "8x81920");
    if (!endpoint)
        fail(endpoint.error());
    timer.restart();
    nd::Result<QList<qint64>> pending = fixture.submitPending(*endpoint, queueJobs);
    if (!pending)
        fail(pending.error());
    add(u"submit_queue_s"_s, u"Submit %1 pending jobs (POST /api/jobs, 1000 a request)"_s.arg(queueJobs),
        msSince(timer) / 1000, u"s"_s);
    progress(u"queue submitted"_s);

    // 2. Start-up: construction, first paint, connected, the Queue page showing its list.
    nd::bench::LoopProbe probe;
    timer.restart();
    nd::GpuTableModel gpus;
    nd::ConnectionController controller(fixture.paths(), nemoctl, &gpus);
    nd::MainWindow window(&gpus, &controller);
    window.resize(1400, 900);
    window.showPage(u"queue"_s);
    window.show();
    probe.start();
    controller.start();
    const double constructedMs = msSince(timer);
    nd::QueueView *queueView = window.queue();
    nd::HistoryView *historyView = window.history();
    nd::MonitorView *monitorView = window.monitor();
    const auto queueReady = [&] {
        return !queueView->isLoading() && queueView->model()->rowCount() >= queueJobs;
    };
    const auto historyReady = [&] {
        return !historyView->model()->isLoading() && historyView->model()->rowCount() > 0;
    };
    const auto monitorReady = [&] { return monitorView->loadedCount() > 0; };
    const auto gpusReady = [&] { return gpus.hasInventory() && gpus.rowCount() == 8; };
    if (!waitUntil([&] { return controller.state() == nd::ConnectionController::State::connected; }, 30000))
        fail(u"the window did not connect: %1"_s.arg(controller.detail()));
    const double connectedMs = msSince(timer);
    QElapsedTimer sinceConnected;
    sinceConnected.start();
    // Every page loads on `connected`, at the same time: note when each has its data.
    double queueLoadMs = -1, historyLoadMs = -1, monitorLoadMs = -1, gpusLoadMs = -1, usableMs = -1;
    waitUntil(
        [&] {
            const double now = msSince(sinceConnected);
            if (queueLoadMs < 0 && queueReady()) {
                queueLoadMs = now;
                window.repaint();  // the Queue page with its list, painted: usable
                usableMs = msSince(timer);
            }
            if (historyLoadMs < 0 && historyReady())
                historyLoadMs = now;
            if (monitorLoadMs < 0 && monitorReady())
                monitorLoadMs = now;
            if (gpusLoadMs < 0 && gpusReady())
                gpusLoadMs = now;
            return queueLoadMs >= 0 && historyLoadMs >= 0 && monitorLoadMs >= 0 && gpusLoadMs >= 0;
        },
        60000);
    const nd::bench::DelayStats startupDelay = probe.stop();
    add(u"startup_construct_ms"_s, u"Start-up: window built and shown"_s, constructedMs, u"ms"_s);
    add(u"startup_connected_ms"_s, u"Start-up: connected to the daemon"_s, connectedMs, u"ms"_s);
    add(u"startup_usable_ms"_s, u"Start-up to a usable window (Queue of %1 shown)"_s.arg(queueJobs), usableMs,
        u"ms"_s, u"≤ 1000 ms"_s, usableMs <= 1000);
    add(u"startup_delay_max_ms"_s, u"Start-up: longest event-loop delay until every page loaded"_s,
        startupDelay.maxMs, u"ms"_s);
    add(u"load_queue_ms"_s, u"Queue: %1 jobs loaded after connecting"_s.arg(queueJobs), queueLoadMs, u"ms"_s);
    add(u"load_history_ms"_s, u"History: first page and total of %1 after connecting"_s.arg(historyJobs),
        historyLoadMs, u"ms"_s);
    add(u"load_monitor_ms"_s, u"Monitor: 5-min history loaded after connecting"_s, monitorLoadMs, u"ms"_s);
    add(u"load_gpus_ms"_s, u"GPUs: inventory of 8 after connecting (read before it)"_s, gpusLoadMs, u"ms"_s);
    progress(u"start-up measured"_s);

    // Opening a page: switching to it and painting it (its data is already there).
    for (const QString &page : {u"history"_s, u"monitor"_s, u"models"_s, u"gpus"_s, u"queue"_s}) {
        timer.restart();
        window.showPage(page);
        window.repaint();
        add(u"open_%1_ms"_s.arg(page), u"Open %1: switch and paint"_s.arg(page), msSince(timer), u"ms"_s);
        runFor(200);
    }
    // Loading again, as a reconnect or `resync` does.
    probe.start();
    timer.restart();
    queueView->reload();
    waitUntil(queueReady, 60000);
    window.repaint();
    add(u"reload_queue_ms"_s, u"Queue: reload %1 jobs and paint"_s.arg(queueJobs), msSince(timer), u"ms"_s);
    add(u"reload_queue_delay_max_ms"_s, u"Queue reload: longest event-loop delay"_s, probe.stop().maxMs,
        u"ms"_s);
    window.showPage(u"history"_s);
    timer.restart();
    historyView->model()->reload();
    waitUntil([&] { return historyView->model()->isLoading(); }, 100);
    waitUntil(historyReady, 60000);
    window.repaint();
    add(u"reload_history_ms"_s, u"History: reload (first page of %1) and paint"_s.arg(historyJobs),
        msSince(timer), u"ms"_s);

    // Filters, until the view shows the result.
    window.showPage(u"queue"_s);
    runFor(200);
    timer.restart();
    queueView->filterEdit()->setText(u"bench-q-123*"_s);
    waitUntil([&] { return queueView->proxy()->rowCount() <= 11; }, 10000);
    window.repaint();
    add(u"filter_queue_ms"_s,
        u"Queue: filter %1 jobs by name (%2 shown)"_s.arg(queueJobs).arg(queueView->proxy()->rowCount()),
        msSince(timer), u"ms"_s);
    timer.restart();
    queueView->filterEdit()->clear();
    waitUntil([&] { return queueView->proxy()->rowCount() >= queueJobs; }, 10000);
    window.repaint();
    add(u"filter_queue_clear_ms"_s, u"Queue: clear the filter (%1 shown again)"_s.arg(queueJobs),
        msSince(timer), u"ms"_s);
    window.showPage(u"history"_s);
    runFor(200);
    timer.restart();
    historyView->nameEdit()->setText(u"sweep-lr-7"_s);
    Q_EMIT historyView->nameEdit()->returnPressed();
    waitUntil([&] { return historyReady() && historyView->model()->total() < historyJobs; }, 60000);
    window.repaint();
    add(u"filter_history_ms"_s,
        u"History: filter %1 by name (%2 match)"_s.arg(historyJobs).arg(historyView->model()->total()),
        msSince(timer), u"ms"_s);
    historyView->nameEdit()->clear();
    Q_EMIT historyView->nameEdit()->returnPressed();
    waitUntil([&] { return historyReady() && historyView->model()->total() == historyJobs; }, 60000);
    runFor(200);
    timer.restart();
    historyView->stateBox()->setCurrentIndex(
        historyView->stateBox()->findText(u"Failed"_s, Qt::MatchContains));
    waitUntil([&] { return historyReady() && historyView->model()->total() < historyJobs; }, 60000);
    window.repaint();
    add(u"filter_history_state_ms"_s,
        u"History: filter %1 by state (%2 failed)"_s.arg(historyJobs).arg(historyView->model()->total()),
        msSince(timer), u"ms"_s);
    historyView->stateBox()->setCurrentIndex(0);
    waitUntil(historyReady, 60000);
    progress(u"pages and filters measured"_s);

    // 3. Stalls: idle first (the machine's own noise), then with the state changes streaming in.
    window.showPage(u"queue"_s);
    runFor(500);
    probe.start();
    runFor(5000);
    const nd::bench::DelayStats idle = probe.stop();
    qint64 jobEvents = 0;
    QObject::connect(
        &controller, &nd::ConnectionController::daemonEvent, &window,
        [&jobEvents](const QString &type, const QJsonObject &) { jobEvents += type == u"job"_s; });
    qint64 liveFrames = 0;
    QObject::connect(&gpus, &nd::GpuTableModel::frameApplied, &window,
                     [&liveFrames](qint64) { ++liveFrames; });
    {
        nd::bench::StateDriver driver(*endpoint, *pending, perSecond);
        probe.start();
        driver.start();
        runFor(runSeconds * 1000);
        driver.stop();
        const nd::bench::DelayStats busy = probe.stop();
        const nd::bench::StateDriver::Counts sent = driver.counts();
        add(u"idle_delay_max_ms"_s, u"Event-loop delay, idle 5 s: max"_s, idle.maxMs, u"ms"_s);
        add(u"idle_delay_p99_ms"_s, u"Event-loop delay, idle 5 s: p99"_s, idle.p99Ms, u"ms"_s);
        add(u"changes_ok"_s,
            u"State changes done (asked %1/s for %2 s; %3 failed, %4 skipped)"_s.arg(perSecond)
                .arg(runSeconds)
                .arg(sent.failed)
                .arg(sent.skipped),
            static_cast<double>(sent.ok), u"changes"_s);
        add(u"job_events"_s, u"Job events the GUI received meanwhile"_s, static_cast<double>(jobEvents),
            u"events"_s);
        add(u"telemetry_frames"_s, u"Telemetry frames the GUI applied meanwhile"_s,
            static_cast<double>(liveFrames), u"frames"_s);
        add(u"busy_delay_max_ms"_s, u"Event-loop delay under load: max"_s, busy.maxMs, u"ms"_s, u"≤ 50 ms"_s,
            busy.maxMs <= 50);
        add(u"busy_delay_p99_ms"_s, u"Event-loop delay under load: p99"_s, busy.p99Ms, u"ms"_s);
        add(u"busy_delay_p50_ms"_s, u"Event-loop delay under load: p50"_s, busy.p50Ms, u"ms"_s);
        add(u"busy_stalls_over_50ms"_s, u"Stalls over 50 ms under load (of %1 ticks)"_s.arg(busy.ticks),
            static_cast<double>(busy.stallsOver50Ms), u"stalls"_s, u"0"_s, busy.stallsOver50Ms == 0);
    }
    progress(u"stalls measured"_s);

    // 4. Memory: 24 h of frames into the GPU model (its 5-minute usage histories, the GPUs page), the
    // Monitor on its 24-hour window (which loads from the daemon and takes no live frames); then frames
    // with the Monitor's live 5-minute window open, which appends and redraws every one, for what the
    // budget allows. Memory is bounded when the RSS stops growing once the windows are full.
    const qint64 startMs = QDateTime::currentMSecsSinceEpoch();
    qint64 frameNo = 0;
    const auto feed = [&](const QString &key, const QString &what, qint64 count) {
        const QList<qint64> checkpoints{300, 3600, 21600, 43200};
        const double rssBefore = rssMib();
        QElapsedTimer clock;
        clock.start();
        qint64 fed = 0;
        while (fed < count) {
            gpus.applyFrame(syntheticFrame(gpus, startMs + frameNo * 1000, frameNo));
            ++frameNo;
            ++fed;
            if (fed % 1000 == 0)
                QCoreApplication::processEvents();  // the daemon's own frames and events keep flowing
            if (checkpoints.contains(fed) && fed != count)
                add(u"%1_rss_after_%2_mib"_s.arg(key).arg(fed),
                    u"%1: RSS after %2 frames"_s.arg(what).arg(fed), rssMib(), u"MiB"_s);
            if (clock.elapsed() > qint64(feedBudgetS) * 1000)
                break;
        }
        const double feedSeconds = msSince(clock) / 1000;
        QCoreApplication::processEvents();
        const double rssAfter = rssMib();
        add(u"%1_frames"_s.arg(key),
            u"%1: frames fed (8 GPUs + host; %2 s, %3 frames/s)"_s.arg(what)
                .arg(feedSeconds, 0, 'f', 1)
                .arg(static_cast<double>(fed) / feedSeconds, 0, 'f', 0),
            static_cast<double>(fed), u"frames"_s);
        add(u"%1_rss_before_mib"_s.arg(key), u"%1: RSS before"_s.arg(what), rssBefore, u"MiB"_s);
        add(u"%1_rss_after_mib"_s.arg(key), u"%1: RSS after"_s.arg(what), rssAfter, u"MiB"_s);
        add(u"%1_rss_growth_mib"_s.arg(key), u"%1: RSS growth"_s.arg(what), rssAfter - rssBefore, u"MiB"_s);
    };
    window.showPage(u"monitor"_s);
    int loadedBefore = monitorView->loadedCount();
    monitorView->setWindow(u"24h"_s);
    waitUntil([&] { return monitorView->loadedCount() > loadedBefore; }, 30000);
    runFor(500);
    feed(u"model"_s, u"GPU model, Monitor at 24 h"_s, frameCount);
    loadedBefore = monitorView->loadedCount();
    monitorView->setWindow(u"5m"_s);
    waitUntil([&] { return monitorView->loadedCount() > loadedBefore; }, 30000);
    runFor(500);
    feed(u"live"_s, u"Monitor live 5 min"_s, frameCount);
    progress(u"memory measured"_s);

    window.close();
    fixture.stopDaemon();

    if (parser.isSet(json)) {
        QJsonObject out;
        for (const Metric &m : metrics)
            out.insert(m.key, m.value);
        std::printf("%s", QJsonDocument(out).toJson().constData());
        return 0;
    }
    std::printf("%-74s %12s  %-10s %s\n", "measure", "value", "target", "");
    for (const Metric &m : metrics) {
        std::printf("%-74s %10.1f %-3s %-10s %s\n", qPrintable(m.what), m.value, qPrintable(m.unit),
                    qPrintable(m.target), m.target.isEmpty() ? "" : (m.met ? "met" : "MISSED"));
    }
    return 0;
}

// Daemon: start-up and shutdown order. Start-up fails early and loudly: a daemon that runs with a
// setting it silently replaced is worse than one that says what to fix.
#include "core/daemon/Daemon.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QThread>
#include <QTimer>

#include "core/auth/Token.h"
#include "core/daemon/ApiServer.h"
#include "core/daemon/DaemonLog.h"
#include "core/daemon/ModelRoutes.h"
#include "core/daemon/ModelServers.h"
#include "core/daemon/OpenAiRoutes.h"
#include "core/daemon/RuntimeFile.h"
#include "core/daemon/SettingsRoutes.h"
#include "core/daemon/SignalWatcher.h"
#include "core/daemon/TelemetryRoutes.h"
#include "core/models/ModelLibrary.h"
#include "core/queue/JobQueue.h"
#include "core/store/JobStore.h"
#include "core/telemetry/HostStats.h"
#include "core/telemetry/TelemetryService.h"
#include "core/workloads/Workload.h"

namespace nd {

namespace {

// What the queue hands out: settings.json's numbers, 0 meaning what the machine has.
int queueCpusOf(const Settings &settings) {
    return settings.queueCpus > 0 ? settings.queueCpus : std::max(1, QThread::idealThreadCount());
}

qint64 queueMemMibOf(const Settings &settings) {
    if (settings.queueMemMib > 0)
        return settings.queueMemMib;
    QFile meminfo(QStringLiteral("/proc/meminfo"));
    if (meminfo.open(QIODevice::ReadOnly))
        if (const std::optional<MemInfo> info = parseMeminfo(meminfo.readAll()))
            return info->total_kib / 1024;
    return 0;
}
// The names a request may use (readable, not shadowed), for "no such model" messages.
QStringList modelNames(const ModelLibrary &library) {
    QStringList names;
    for (const ModelEntry &entry : library.models())
        if (entry.error.isEmpty() && entry.shadowedBy.isEmpty())
            names.append(entry.file.name);
    return names;
}
}  // namespace

namespace {
Q_LOGGING_CATEGORY(lcDaemon, "nemodesk.daemon")

// How long shutdown waits for connections to send what is queued for them.
constexpr int drainTimeoutMs = 2000;
// The latest the runtime file is written when the first telemetry sample is late.
constexpr int publishDeadlineMs = 2000;
}  // namespace

Daemon::Daemon(Options options, QObject *parent) : QObject(parent), m_options(std::move(options)) {}

Daemon::~Daemon() {
    if (m_api)
        RuntimeInfo::removeIfOwnedBy(m_options.paths.runtimeFile(), QCoreApplication::applicationPid());
    delete m_api;
    delete m_queue;      // never kills jobs: the next daemon re-adopts them
    delete m_telemetry;  // stops and joins the sampler thread
    m_lock.reset();
    if (m_logInstalled)
        DaemonLog::uninstall();
}

Daemon::StartResult Daemon::fail(const QString &message) {
    if (m_logInstalled)
        qCCritical(lcDaemon, "not starting: %s", qUtf8Printable(message));
    return StartResult{StartResult::Kind::failed, message, m_logInstalled};
}

Daemon::StartResult Daemon::start() {
    const Paths &paths = m_options.paths;
    QString error;
    if (!paths.ensureExists(&error))
        return fail(error);

    // One daemon per user. staleLockTime 0: a lock is stale only when its process is gone (a kill -9
    // leaves one behind); with Qt's default of 30 s a second daemon would take a live daemon's lock.
    m_lock = std::make_unique<QLockFile>(paths.lockFile());
    m_lock->setStaleLockTime(0);
    if (!m_lock->tryLock(0)) {
        if (m_lock->error() == QLockFile::LockFailedError) {
            qint64 pid = 0;
            QString host;
            QString app;
            m_lock->getLockInfo(&pid, &host, &app);
            const Result<RuntimeInfo> running = RuntimeInfo::read(paths.runtimeFile());
            const QString where =
                running.ok() && running->pid == pid ? running->url : QStringLiteral("starting");
            return StartResult{
                StartResult::Kind::alreadyRunning,
                QStringLiteral("a daemon is already running (pid %1, %2)").arg(pid).arg(where)};
        }
        return fail(QStringLiteral("cannot take the daemon lock %1 (check the folder's permissions)")
                        .arg(paths.lockFile()));
    }

    const VoidResult logged = DaemonLog::install(paths.daemonLogFile());
    if (!logged.ok())
        return fail(logged.error());
    m_logInstalled = true;
    const qint64 startedAtMs = QDateTime::currentMSecsSinceEpoch();
    qCInfo(lcDaemon, "nemoctl daemon %s starting (pid %lld)", NEMODESK_VERSION,
           static_cast<long long>(QCoreApplication::applicationPid()));

    // This start decides afresh whether a file is a problem: a record of the last one would be stale.
    const QString problemFile = startupProblemFile(paths);
    if (QFileInfo::exists(problemFile)) {
        if (Result<StartupProblem> previous = StartupProblem::read(problemFile); previous.ok())
            m_previousProblem = previous.value();
        if (!QFile::remove(problemFile))
            qCWarning(lcDaemon, "cannot remove the stale %s", qUtf8Printable(problemFile));
    }

    const Result<Settings> settings = loadSettings();
    if (!settings.ok())
        return fail(settings.error());
    m_settings = settings.value();

    QStringList warnings;
    const Result<QByteArray> token = TokenFile::loadOrCreate(paths.tokenFile(), &warnings);
    for (const QString &w : warnings)
        qCWarning(lcDaemon, "%s", qUtf8Printable(w));
    if (!token.ok())
        return fail(token.error());

    TelemetryService::Options telemetryOptions;
    telemetryOptions.telemetry.fake_spec = m_options.fakeGpuSpec.toStdString();
    telemetryOptions.intervalMs = m_settings.telemetryIntervalMs;
    m_telemetry = new TelemetryService(telemetryOptions);
    const VoidResult telemetryStarted = m_telemetry->start();
    if (!telemetryStarted.ok()) {
        const QString what = m_options.fakeGpuSpec.isEmpty()
                                 ? telemetryStarted.error()
                                 : QStringLiteral("NEMODESK_FAKE_GPUS=%1: %2")
                                       .arg(m_options.fakeGpuSpec, telemetryStarted.error());
        return fail(what);
    }
    const TelemetryInventory &inventory = m_telemetry->inventory();
    qCInfo(lcDaemon, "telemetry: %s, %d GPU(s): %s", telemetry_source_name(inventory.source),
           static_cast<int>(inventory.gpus.size()), inventory.message.c_str());

    if (const VoidResult database = checkDatabase(); !database.ok())
        return fail(database.error());
    const VoidResult queueStarted = startQueue();
    if (!queueStarted.ok())
        return fail(queueStarted.error());

    ApiServer::Context context;
    context.token = token.value();
    context.tokenFile = paths.tokenFile();
    context.home = paths.home();
    context.logFile = paths.daemonLogFile();
    context.startedAtMs = startedAtMs;
    context.notices = m_notices;
    m_api = new ApiServer(context, m_telemetry, m_queue);
    connect(m_api, &ApiServer::shutdownRequested, this, &Daemon::stop);
    startModels(token.value());
    // The Monitor's history: its own file; one that cannot be used is moved aside, never fatal.
    TelemetryRoutes::Options historyOptions;
    historyOptions.history.file = QDir(paths.dataDir()).filePath(QStringLiteral("telemetry.db"));
    if (const Result<TelemetryRoutes *> history =
            TelemetryRoutes::create(historyOptions, m_telemetry, m_queue, nullptr, this);
        history.ok())
        history.value()->registerOn(m_api->router());
    else
        qCWarning(lcDaemon, "no telemetry history: %s", qUtf8Printable(history.error()));
    const int wantedPort = m_options.port.value_or(m_settings.daemonPort);
    const Result<quint16> port = m_api->listen(static_cast<quint16>(wantedPort));
    if (!port.ok()) {
        const QString hint = wantedPort != 0 ? QStringLiteral(
                                                   " (another program uses it? set daemon.port to 0 in "
                                                   "%1 to take a free port)")
                                                   .arg(paths.settingsFile())
                                             : QString();
        return fail(port.error() + hint);
    }
    m_port = port.value();

    m_signals = new SignalWatcher(this);
    if (!m_signals->install(&error))
        return fail(error);
    connect(m_signals, &SignalWatcher::terminationRequested, this, [this](int signalNumber) {
        qCInfo(lcDaemon, "signal %d received: shutting down", signalNumber);
        stop();
    });

    m_runtime.pid = QCoreApplication::applicationPid();
    m_runtime.port = m_port;
    m_runtime.url = QStringLiteral("http://127.0.0.1:%1").arg(m_port);
    m_runtime.tokenFile = paths.tokenFile();
    m_runtime.version = QStringLiteral(NEMODESK_VERSION);
    m_runtime.startedAtMs = startedAtMs;
    // Clients find the daemon through the runtime file; publishing it once the first sample is in means
    // their first GET /api/gpus already has readings. The timer covers a first sample that never comes.
    if (m_telemetry->latest()) {
        publish();
    } else {
        connect(m_telemetry, &TelemetryService::sampleReady, this, &Daemon::publish);
        QTimer::singleShot(publishDeadlineMs, this, &Daemon::publish);
    }
    return StartResult{StartResult::Kind::started, {}};
}

Result<Settings> Daemon::loadSettings() {
    const QString file = m_options.paths.settingsFile();
    const Result<Settings> settings = Settings::load(file);
    if (settings.ok())
        return settings;
    // Only a file that was read and found wrong is one to move aside; one that cannot be read at all
    // (permissions) would fail the same way under another name.
    QFile readable(file);
    if (!readable.open(QIODevice::ReadOnly))
        return settings;
    if (const VoidResult handled = refuseOrMoveAside(StartupProblem::Kind::settings, file, settings.error());
        !handled.ok())
        return Error{handled.error()};
    return Settings{};
}

VoidResult Daemon::checkDatabase() {
    const QString file = m_options.paths.databaseFile();
    StoreOpenReport report;
    Result<std::unique_ptr<JobStore>> store = JobStore::open(file, JobStore::Mode::readWrite, &report);
    if (!store.ok() && report.failure == StoreOpenReport::Failure::unusableFile) {
        if (const VoidResult handled = refuseOrMoveAside(StartupProblem::Kind::database, file, store.error());
            !handled.ok())
            return handled;
        store = JobStore::open(file, JobStore::Mode::readWrite, &report);
    }
    if (!store.ok())
        return Error{store.error()};
    for (const QString &notice : report.notices) {
        qCWarning(lcDaemon, "%s", qUtf8Printable(notice));
        m_notices.append(notice);
    }
    return success();  // closed here; the queue opens its own connection to the file now at the schema
}

VoidResult Daemon::refuseOrMoveAside(StartupProblem::Kind kind, const QString &file, const QString &message) {
    StartupProblem problem{kind, file, message, brokenFileName(file, kind)};
    // The name a client showed the user, when it is still free (moveAside checks again).
    if (m_previousProblem && m_previousProblem->kind == kind && m_previousProblem->file == file &&
        m_previousProblem->backup.startsWith(file + QStringLiteral(".broken-")) &&
        m_previousProblem->backup.indexOf(u'/', file.size()) < 0 &&
        backupNameIsFree(m_previousProblem->backup, kind))
        problem.backup = m_previousProblem->backup;
    const QString what = kind == StartupProblem::Kind::settings ? QStringLiteral("the default settings")
                                                                : QStringLiteral("a new job database");
    if (m_options.unusableFiles == UnusableFiles::refuse) {
        const QString problemFile = startupProblemFile(m_options.paths);
        if (const VoidResult written = problem.write(problemFile); !written.ok())
            qCWarning(lcDaemon, "%s", qUtf8Printable(written.error()));
        QString sentence = message;
        if (sentence.endsWith(u'.'))
            sentence.chop(1);
        return Error{QStringLiteral("%1. To keep it as %2 and start with %3, run `nemoctl daemon "
                                    "--start-fresh` (nothing is deleted)")
                         .arg(sentence, problem.backup, what)};
    }
    if (const VoidResult moved = moveAside(file, problem.backup, kind); !moved.ok())
        return Error{QStringLiteral("%1; and starting fresh failed: %2").arg(message, moved.error())};
    const QString notice =
        QStringLiteral("started fresh with %1: %2 could not be used (%3); it is kept as %4")
            .arg(what, file, message, problem.backup);
    qCWarning(lcDaemon, "%s", qUtf8Printable(notice));
    m_notices.append(notice);
    return success();
}

VoidResult Daemon::startQueue() {
    const Paths &paths = m_options.paths;
    JobQueue::Options options;
    options.databaseFile = paths.databaseFile();
    options.jobsDir = paths.jobsDir();
    options.defaultLogDir = paths.jobLogDir();
    options.defaultWorkdir = QDir::homePath();
    for (const GpuInfo &gpu : m_telemetry->inventory().gpus)
        options.machine.gpus.push_back(SchedGpu{gpu.index, static_cast<qint64>(gpu.memory_total_mib), -1});
    options.machine.cpus = queueCpusOf(m_settings);
    const qint64 memMib = queueMemMibOf(m_settings);
    options.machine.memMib = memMib;
    options.useNvmlFreeMemory = m_telemetry->source() == TelemetrySource::nvml;
    options.killGraceSec = m_settings.queueKillGraceSec;
    options.scheduler.backfill = m_settings.queueBackfill;
    // Model workloads name models of the library, which starts right after the queue: looked up when a
    // workload is submitted.
    const QString nemoctl = QCoreApplication::applicationFilePath();
    options.workloads = [this, nemoctl](const QJsonObject &workload, const QString &workdir) {
        ModelLibrary *library = m_models ? m_models->library() : nullptr;
        const ModelResolver resolve = [library](const QString &name) -> std::optional<QString> {
            if (!library)
                return std::nullopt;
            const std::optional<ModelEntry> entry = library->find(name);
            if (!entry || !entry->error.isEmpty())
                return std::nullopt;
            return entry->file.path;
        };
        return workloadCommand(workload, nemoctl, workdir, resolve,
                               [library] { return library ? modelNames(*library) : QStringList(); });
    };
    m_queue = new JobQueue(options);
    connect(m_telemetry, &TelemetryService::sampleReady, m_queue, &JobQueue::onTelemetry);
    const VoidResult started = m_queue->start();
    if (!started.ok())
        return started;
    qCInfo(lcDaemon, "queue: %d CPUs, %lld MiB, %d GPU(s), database %s", options.machine.cpus,
           static_cast<long long>(memMib), static_cast<int>(options.machine.gpus.size()),
           qUtf8Printable(options.databaseFile));
    return success();
}

void Daemon::startModels(const QByteArray &token) {
    const Paths &paths = m_options.paths;
    ModelRoutes::Options options;
    options.settingsFolders = m_settings.modelFolders;
    options.foldersFile = QDir(paths.configDir()).filePath(QStringLiteral("model-folders.json"));
    options.databaseFile = paths.databaseFile();
    m_models = new ModelRoutes(options, &m_api->hub(), this);
    m_models->registerOn(m_api->router());

    ModelServers::Options serverOptions;
    serverOptions.keepAliveMs = m_settings.modelKeepAliveSec * 1000;
    serverOptions.slots = m_settings.modelServerSlots;
    serverOptions.ctx = m_settings.modelServerCtx;
    // A model server takes one GPU when there are GPUs; on a CPU-only machine it runs on the CPU.
    serverOptions.gpusPerServer = m_telemetry->inventory().gpus.empty() ? 0 : 1;
    m_servers = new ModelServers(m_queue, serverOptions, this);
    ModelLibrary *library = m_models->library();
    OpenAiRoutes::Library view;
    view.models = [library] {
        QJsonArray data;
        for (const ModelEntry &entry : library->models()) {
            if (!entry.error.isEmpty() || !entry.shadowedBy.isEmpty())
                continue;
            const QJsonObject json = entry.toJson();
            data.append(QJsonObject{
                {QStringLiteral("id"), json.value(QStringLiteral("name"))},
                {QStringLiteral("object"), QStringLiteral("model")},
                {QStringLiteral("created"), json.value(QStringLiteral("mtime_ms")).toInteger() / 1000},
                {QStringLiteral("owned_by"), QStringLiteral("nemodesk")},
                {QStringLiteral("nemodesk"), json}});
        }
        return data;
    };
    view.has = [library](const QString &name) {
        const std::optional<ModelEntry> entry = library->find(name);
        return entry && entry->error.isEmpty();
    };
    view.names = [library] { return modelNames(*library); };
    auto *openAi = new OpenAiRoutes(m_servers, view, token, this);
    openAi->registerOn(m_api->router());

    // GET/PUT /api/settings. A key with a setter here applies at once; the others at the next start (the
    // answer lists them in "restart_needed").
    auto *settingsRoutes = new SettingsRoutes(paths.settingsFile(), m_settings, this);
    settingsRoutes->setLive(QStringLiteral("models.keep_alive_s"), [this](const Settings &s) {
        m_servers->setKeepAliveMs(static_cast<qint64>(s.modelKeepAliveSec) * 1000);
    });
    const auto machineLimits = [this](const Settings &s) {
        m_queue->setMachineLimits(queueCpusOf(s), queueMemMibOf(s));
    };
    settingsRoutes->setLive(QStringLiteral("queue.cpus"), machineLimits);
    settingsRoutes->setLive(QStringLiteral("queue.mem_mib"), machineLimits);
    settingsRoutes->setLive(QStringLiteral("queue.backfill"),
                            [this](const Settings &s) { m_queue->setBackfill(s.queueBackfill); });
    settingsRoutes->setLive(QStringLiteral("queue.kill_grace_s"),
                            [this](const Settings &s) { m_queue->setKillGraceSec(s.queueKillGraceSec); });
    settingsRoutes->setLive(QStringLiteral("models.server_slots"),
                            [this](const Settings &s) { m_servers->setSlots(s.modelServerSlots); });
    settingsRoutes->setLive(QStringLiteral("models.server_ctx"),
                            [this](const Settings &s) { m_servers->setCtx(s.modelServerCtx); });
    settingsRoutes->setLive(QStringLiteral("telemetry.interval_ms"),
                            [this](const Settings &s) { m_telemetry->setIntervalMs(s.telemetryIntervalMs); });
    settingsRoutes->registerOn(m_api->router());
}

void Daemon::publish() {
    if (m_published || m_stopping)
        return;
    m_published = true;
    disconnect(m_telemetry, &TelemetryService::sampleReady, this, &Daemon::publish);
    const VoidResult written = m_runtime.write(m_options.paths.runtimeFile());
    if (!written.ok()) {
        qCCritical(lcDaemon, "%s; stopping, since no client could find this daemon",
                   qUtf8Printable(written.error()));
        m_exitCode = 1;
        stop();
        return;
    }
    qCInfo(lcDaemon, "listening on %s (token in %s, runtime file %s)", qUtf8Printable(m_runtime.url),
           qUtf8Printable(m_runtime.tokenFile), qUtf8Printable(m_options.paths.runtimeFile()));
}

void Daemon::stop() {
    if (m_stopping || !m_api)
        return;
    m_stopping = true;
    // Clients stop finding us first, then the connections close after what is queued for them.
    RuntimeInfo::removeIfOwnedBy(m_options.paths.runtimeFile(), QCoreApplication::applicationPid());
    m_api->close();
    auto *poll = new QTimer(this);
    m_stopClock.start();
    connect(poll, &QTimer::timeout, this, [this, poll] {
        if (m_api->connectionCount() > 0 && m_stopClock.elapsed() < drainTimeoutMs)
            return;
        poll->stop();
        poll->deleteLater();
        finishStop();
    });
    poll->start(20);
}

void Daemon::finishStop() {
    qCInfo(lcDaemon, "stopped");
    Q_EMIT finished();
}

}  // namespace nd

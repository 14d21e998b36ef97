#pragma once
// What `nemoctl eval`, `run` and `bench` share: the local engine (a model loaded from a GGUF, a backend, a
// session), its command-line options (--device, --gpu-layers, -t, --batch, --kv-type, --ctx) and their
// checks.
// Header-only (inline): small helpers over the engine's own API.
#include <sys/resource.h>

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

#include "Cli.h"
#include "gpu/cpu/cpu_backend.h"
#include "gpu/cpu/thread_pool.h"
#include "gpu/model/backend.h"
#include "gpu/model/model.h"
#include "gpu/model/model_info.h"
#include "gpu/session/backend_open.h"
#include "gpu/session/session.h"

namespace nd::cli {

struct EngineOptions {
    QCommandLineOption model{QStringLiteral("model"),
                             QStringLiteral("The GGUF model (any shard of a split one)."),
                             QStringLiteral("M")};
    QCommandLineOption threads{{QStringLiteral("t"), QStringLiteral("threads")},
                               QStringLiteral("CPU threads (default: every core this process may use)."),
                               QStringLiteral("N")};
    QCommandLineOption batch{
        QStringLiteral("batch"),
        QStringLiteral("Tokens per forward pass during prefill (default: 512 on the CPU, 2048 "
                       "on a GPU)."),
        QStringLiteral("N")};
    QCommandLineOption kvType{
        QStringLiteral("kv-type"),
        QStringLiteral("KV cache element type of attention layers: f16 (default) or f32."),
        QStringLiteral("f16|f32")};
    QCommandLineOption ctx{QStringLiteral("ctx"),
                           QStringLiteral("Context length (default: what the command needs)."),
                           QStringLiteral("N")};
    QCommandLineOption device{
        QStringLiteral("device"),
        QStringLiteral(
            "Where to run: auto (default: the first CUDA GPU when there is one, else the CPU), cpu, "
            "cuda or cuda:N."),
        QStringLiteral("D")};
    QCommandLineOption gpuLayers{QStringLiteral("gpu-layers"),
                                 QStringLiteral("Only the last N layers on the GPU, the rest on the CPU (for "
                                                "models larger than the GPU's memory)."),
                                 QStringLiteral("N")};
    void addTo(QCommandLineParser &parser) const {
        parser.addOptions({model, device, gpuLayers, threads, batch, kvType, ctx});
    }
};

// A loaded model on a backend with one session.
struct Engine {
    std::unique_ptr<Model> model;
    std::unique_ptr<Backend> backend;
    std::unique_ptr<Session> session;
    int threads = 0;  // as resolved (never 0)
};

// The backend --device names (usage errors for a malformed name: exit code in *exitCode, nullptr;
// a device that is not there: printed, exitFailure). "auto" says on stderr when it falls back to the CPU.
inline std::unique_ptr<Backend> openBackend(const QString &device, int threads, int64_t gpuLayers,
                                            const QString &usageLine, int *exitCode) {
    BackendOpenOptions bo;
    bo.cpu_threads = threads;
    bo.gpu_layers = gpuLayers;
    std::unique_ptr<Backend> backend;
    // auto on a machine without a GPU is the normal case, not worth a line on every run: no note asked for.
    const Status s = backend_open(device.toStdString(), bo, &backend);
    if (s.code == StatusCode::invalid_argument) {
        *exitCode = usageError(QString::fromStdString(s.message), usageLine);
        return nullptr;
    }
    if (!s.ok()) {
        printErr(QString::fromStdString(s.message));
        *exitCode = exitFailure;
        return nullptr;
    }
    return backend;
}

// A positive (or with allowZero, non-negative) integer option: its value, def when unset; nullopt (and a
// usage error printed, its exit code in *exitCode) when bad.
inline std::optional<int64_t> positiveOption(const QCommandLineParser &parser,
                                             const QCommandLineOption &option, int64_t def,
                                             const QString &usageLine, int *exitCode,
                                             bool allowZero = false) {
    if (!parser.isSet(option))
        return def;
    bool ok = false;
    const QString text = parser.value(option);
    const qlonglong v = text.toLongLong(&ok);
    if (!ok || v < (allowZero ? 0 : 1) || v > 100'000'000) {
        *exitCode = usageError(
            QStringLiteral("--%1 needs a %2 number, got '%3'")
                .arg(option.names().constLast(),
                     allowZero ? QStringLiteral("non-negative") : QStringLiteral("positive"), text),
            usageLine);
        return std::nullopt;
    }
    return static_cast<int64_t>(v);
}

// The engine options as given, defaults filled in: --model, --device, -t, --batch (0: the backend's),
// --ctx (0: the command's default), --gpu-layers (-1: none split), --kv-type.
struct EngineSettings {
    QString model;
    QString device = QStringLiteral("auto");
    int threads = 1;
    int64_t batch = 0;
    int64_t ctx = 0;
    int64_t gpuLayers = -1;
    KvType kv = KvType::f16;
};

// Checks the engine options; a usage error is printed and nullopt returned, its exit code in *exitCode.
inline std::optional<EngineSettings> readEngineSettings(const QCommandLineParser &parser,
                                                        const EngineOptions &options,
                                                        const QString &usageLine, int *exitCode) {
    if (!parser.isSet(options.model)) {
        *exitCode = usageError(QStringLiteral("--model is required"), usageLine);
        return std::nullopt;
    }
    const auto threads =
        positiveOption(parser, options.threads, cpu::default_thread_count(), usageLine, exitCode);
    const auto batch = positiveOption(parser, options.batch, 0, usageLine, exitCode);  // 0: the backend's
    const auto ctx = positiveOption(parser, options.ctx, 0, usageLine, exitCode, true);
    const auto gpuLayers = positiveOption(parser, options.gpuLayers, -1, usageLine, exitCode, true);
    if (!threads || !batch || !ctx || !gpuLayers)
        return std::nullopt;
    EngineSettings s;
    s.model = parser.value(options.model);
    if (parser.isSet(options.device))
        s.device = parser.value(options.device);
    s.threads = static_cast<int>(*threads);
    s.batch = *batch;
    s.ctx = *ctx;
    s.gpuLayers = *gpuLayers;
    if (parser.isSet(options.kvType)) {
        const QString t = parser.value(options.kvType);
        if (t != QLatin1String("f16") && t != QLatin1String("f32")) {
            *exitCode = usageError(QStringLiteral("--kv-type is f16 or f32, got '%1'").arg(t), usageLine);
            return std::nullopt;
        }
        s.kv = t == QLatin1String("f32") ? KvType::f32 : KvType::f16;
    }
    return s;
}

// Loads the model (with its tokenizer when `needsTokenizer` says what for, e.g. "answer text prompts")
// and opens the backend, into e (no session). False when that fails: printed, its exit code in *exitCode.
inline bool loadModelAndBackend(const EngineSettings &s, const char *needsTokenizer, const QString &usageLine,
                                Engine *e, int *exitCode) {
    *exitCode = exitFailure;
    ModelLoadOptions lo;
    lo.load_tokenizer = needsTokenizer != nullptr;
    if (const Status st = model_load(s.model.toStdString(), lo, &e->model); !st.ok()) {
        printErr(QString::fromStdString(st.message));
        return false;
    }
    if (needsTokenizer && !e->model->tokenizer) {
        printErr(QStringLiteral("%1: the model has no tokenizer, so it cannot %2")
                     .arg(s.model, QString::fromUtf8(needsTokenizer)));
        return false;
    }
    e->threads = s.threads;
    e->backend = openBackend(s.device, s.threads, s.gpuLayers, usageLine, exitCode);
    return e->backend != nullptr;
}

// A session on e's model and backend: --ctx positions, else `defaultCtx` (0: the model's default).
inline bool openSession(const EngineSettings &s, int64_t defaultCtx, Engine *e) {
    SessionOptions so;
    so.n_batch = s.batch;
    so.kv_type = s.kv;
    so.n_ctx = s.ctx != 0 ? s.ctx : defaultCtx;
    if (const Status st = Session::create(*e->model, e->backend.get(), so, &e->session); !st.ok()) {
        printErr(QString::fromStdString(st.message));
        return false;
    }
    return true;
}

// Reads the engine options and loads the model, the backend and a session of minCtx positions (--ctx
// overrides it) — without --ctx, what the command needs (eval's ids + greedy tokens, bench's p + n), as
// llama-bench sizes its context, so no memory goes to positions that are never used. The tokenizer is not
// loaded: eval and bench work on ids. Errors: printed, nullopt, the exit code in *exitCode.
inline std::optional<Engine> openEngine(const QCommandLineParser &parser, const EngineOptions &options,
                                        const QString &usageLine, int64_t minCtx, int *exitCode) {
    const std::optional<EngineSettings> settings = readEngineSettings(parser, options, usageLine, exitCode);
    if (!settings)
        return std::nullopt;
    Engine e;
    if (!loadModelAndBackend(*settings, nullptr, usageLine, &e, exitCode))
        return std::nullopt;
    if (!openSession(*settings, minCtx, &e)) {
        *exitCode = exitFailure;
        return std::nullopt;
    }
    return e;
}

// Peak resident memory of this process (getrusage), bytes.
inline uint64_t peakRssBytes() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<uint64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

// "nemotron_h 245 M Q8_0": architecture, parameters, the type holding the most bytes.
inline QString modelLabel(const Model &model, int64_t *nParams) {
    ModelInfo info;
    QString type;
    *nParams = 0;
    if (model_info_read(model.file.get(), &info).ok()) {
        *nParams = info.n_params;
        if (!info.types.empty())
            type = QString::fromStdString(info.types.front().type_name);
    }
    return QStringLiteral("%1 %2 %3")
        .arg(QString::fromStdString(std::string(model_arch_name(model.hp.arch))),
             QString::fromStdString(model_format_count(*nParams)), type)
        .trimmed();
}

}  // namespace nd::cli

// nemoctl worker bench: `nemoctl bench`'s measurements (BenchMeasure.h) as a job: one pp and one tg test,
// the result printed as one JSON object and, when run as a job (or with --save), stored with the daemon
// (POST /api/benchmarks) so the UI can compare models and devices.
#include <QDateTime>
#include <QFileInfo>
#include <QJsonObject>

#include "BenchMeasure.h"
#include "Cli.h"
#include "EngineCommon.h"
#include "WorkerCommands.h"
#include "WorkerReport.h"
#include "core/models/ModelScan.h"
#include "gpu/model/model_info.h"

namespace nd::cli {

namespace {

const QString kUsage = QStringLiteral(
    "nemoctl worker bench --model M.gguf [--prompt 512] [--gen 128] [--reps 3] [--save] [--device D] [-t N] "
    "[--batch N] [--kv-type f16|f32]");

const char *kDescription =
    "Measures prompt processing (a --prompt token prompt in one call) and decoding (--gen one-token steps) "
    "as `nemoctl bench` does (one warm-up, then --reps timed repetitions; mean tokens/s), then prints one "
    "JSON object: {job_id, model, model_path, type_mix, device, backend, prompt_tokens, gen_tokens, "
    "prompt_tps, decode_tps, peak_memory_bytes, time_ms}. Run as a job (NEMODESK_JOB_ID set) or with --save, "
    "the result is also stored with the daemon (POST /api/benchmarks; `GET /api/benchmarks` lists them). "
    "Energy per token is not measured yet (no NVML energy counter in gpu/telemetry).";

QString typeMix(const Model &model) {
    ModelInfo info;
    QStringList types;
    if (model_info_read(model.file.get(), &info).ok())
        for (const ModelTypeUsage &u : info.types)
            types << QString::fromStdString(u.type_name);
    return types.join(QStringLiteral(", "));
}

}  // namespace

int runWorkerBench(const QStringList &args) {
    QCommandLineParser parser;
    EngineOptions engineOptions;
    engineOptions.addTo(parser);
    const QCommandLineOption prompt(QStringLiteral("prompt"),
                                    QStringLiteral("Prompt tokens (default 512; 0: no prompt test)."),
                                    QStringLiteral("N"));
    const QCommandLineOption gen(QStringLiteral("gen"),
                                 QStringLiteral("Decoded tokens (default 128; 0: no decode test)."),
                                 QStringLiteral("N"));
    const QCommandLineOption reps(QStringLiteral("reps"), QStringLiteral("Repetitions (default 3)."),
                                  QStringLiteral("N"));
    const QCommandLineOption save(
        QStringLiteral("save"),
        QStringLiteral("Store the result with the daemon even when not run as a job."));
    parser.addOptions({prompt, gen, reps, save});
    if (const int early = parseOrExit(parser, args, kUsage, QString::fromUtf8(kDescription)); early >= 0)
        return early;
    int exitCode = exitFailure;
    const auto nPrompt = positiveOption(parser, prompt, 512, kUsage, &exitCode, true);
    const auto nGen = positiveOption(parser, gen, 128, kUsage, &exitCode, true);
    const auto nReps = positiveOption(parser, reps, 3, kUsage, &exitCode);
    if (!nPrompt || !nGen || !nReps)
        return exitCode;
    if (*nPrompt == 0 && *nGen == 0)
        return usageError(QStringLiteral("nothing to measure: --prompt and --gen are both 0"), kUsage);

    WorkerReport report;
    const qint64 startMs = QDateTime::currentMSecsSinceEpoch();
    const auto progress = [&](const char *phase, const QString &test = {}) {
        QJsonObject p{{QStringLiteral("kind"), QStringLiteral("bench")},
                      {QStringLiteral("phase"), QString::fromLatin1(phase)}};
        if (!test.isEmpty())
            p.insert(QStringLiteral("test"), test);
        report.progress(p, WorkerReport::Urgency::now);
    };
    progress("loading");
    std::optional<Engine> engine = openEngine(parser, engineOptions, kUsage, *nPrompt + *nGen + 1, &exitCode);
    if (!engine)
        return exitCode;

    double promptTps = 0, decodeTps = 0;
    for (const auto &[p, n] : {std::pair{*nPrompt, int64_t{0}}, std::pair{int64_t{0}, *nGen}}) {
        if (p + n == 0)
            continue;
        BenchTestResult r;
        progress("running", p > 0 ? QStringLiteral("pp%1").arg(p) : QStringLiteral("tg%1").arg(n));
        if (const Status s = benchRunTest(*engine->session, p, n, static_cast<int>(*nReps), &r); !s.ok()) {
            printErr(QString::fromStdString(s.message));
            return exitFailure;
        }
        (p > 0 ? promptTps : decodeTps) = r.mean();
    }
    const QString path = parser.value(engineOptions.model);
    QJsonObject result{
        {QStringLiteral("model"), modelNameOf(path)},
        {QStringLiteral("model_path"), QFileInfo(path).absoluteFilePath()},
        {QStringLiteral("type_mix"), typeMix(*engine->model)},
        {QStringLiteral("device"), QString::fromStdString(engine->backend->name())},
        {QStringLiteral("backend"), QStringLiteral("nemodesk")},
        {QStringLiteral("prompt_tokens"), static_cast<double>(*nPrompt)},
        {QStringLiteral("gen_tokens"), static_cast<double>(*nGen)},
        {QStringLiteral("prompt_tps"), promptTps},
        {QStringLiteral("decode_tps"), decodeTps},
        {QStringLiteral("peak_memory_bytes"), static_cast<double>(peakRssBytes())},
        {QStringLiteral("time_ms"), static_cast<double>(QDateTime::currentMSecsSinceEpoch() - startMs)}};
    if (report.inJob())
        result.insert(QStringLiteral("job_id"), static_cast<double>(report.jobId()));
    printOut(toJsonText(result));
    if (report.inJob() || parser.isSet(save)) {
        const Result<QJsonObject> stored = report.post(QStringLiteral("/api/benchmarks"), result);
        if (!stored && parser.isSet(save))
            return exitFailure;  // asked for by hand: the failure was said
    }
    progress("done");
    return exitOk;
}

}  // namespace nd::cli

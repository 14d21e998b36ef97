// nemoctl bench: prompt and decode speed of a model on the local engine, measured and printed the way
// llama-bench does (pp<P>: a P-token prompt in one eval from an empty context; tg<N>: N one-token
// decodes from an empty context; one warm-up run, then -r repetitions, mean ± sample standard
// deviation of tokens/s), so the numbers compare with llama.cpp's (tools/bench-engine.sh runs both).
#include <QJsonArray>
#include <QJsonObject>

#include "BenchMeasure.h"
#include "Cli.h"
#include "EngineCommon.h"
#include "JobFormat.h"
#include "gpu/model/model_info.h"

namespace nd::cli {

namespace {

const char *kDescription =
    "Measures prompt processing (pp: -p tokens in one call, from an empty context) and decoding (tg: -n "
    "one-token steps from an empty context) as llama-bench does: one warm-up run per test, then -r timed "
    "repetitions, each from a cleared session; tokens/s as mean ± standard deviation. The prompt ids are "
    "fixed pseudo-random ids (the same on every run; the reference runner nd_llama_eval uses the same "
    "generator). The KV cache is f16 unless --kv-type f32, as llama-bench's default. Peak memory is the "
    "process's maximum resident set (the weights are memory-mapped: the pages touched count).\n\n"
    "--json prints one object: {backend, model, model_size, model_n_params, n_threads, type_k, tests: "
    "[{name, n_prompt, n_gen, avg_ts, stddev_ts, samples_ts}], peak_rss_bytes}.";

}  // namespace

int runBench(const QStringList &args) {
    QCommandLineParser parser;
    EngineOptions engineOptions;
    engineOptions.addTo(parser);
    const QCommandLineOption prompt(QStringLiteral("p"),
                                    QStringLiteral("Prompt tokens (default 128; 0: no pp test)."),
                                    QStringLiteral("N"));
    const QCommandLineOption gen(QStringLiteral("n"),
                                 QStringLiteral("Decoded tokens (default 64; 0: no tg test)."),
                                 QStringLiteral("N"));
    const QCommandLineOption reps(QStringLiteral("r"), QStringLiteral("Repetitions (default 3)."),
                                  QStringLiteral("N"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print one JSON object (keys above)."));
    parser.addOptions({prompt, gen, reps, json});
    const QString usage = QStringLiteral(
        "nemoctl bench --model M.gguf [-p 128] [-n 64] [-t N] [-r 3] [--json] [--batch N] [--kv-type "
        "f16|f32]");
    const int early = parseOrExit(parser, args, usage, QString::fromUtf8(kDescription));
    if (early >= 0)
        return early;
    int exitCode = exitFailure;
    const auto nPrompt = positiveOption(parser, prompt, 128, usage, &exitCode, true);
    const auto nGen = positiveOption(parser, gen, 64, usage, &exitCode, true);
    const auto nReps = positiveOption(parser, reps, 3, usage, &exitCode);
    if (!nPrompt || !nGen || !nReps)
        return exitCode;
    if (*nPrompt == 0 && *nGen == 0)
        return usageError(QStringLiteral("nothing to measure: -p and -n are both 0"), usage);
    std::optional<Engine> engine = openEngine(parser, engineOptions, usage, *nPrompt + *nGen + 1, &exitCode);
    if (!engine)
        return exitCode;

    std::vector<BenchTestResult> results;
    for (const auto &[p, n] : {std::pair{*nPrompt, int64_t{0}}, std::pair{int64_t{0}, *nGen}}) {
        if (p + n == 0)
            continue;
        BenchTestResult r;
        if (const Status s = benchRunTest(*engine->session, p, n, static_cast<int>(*nReps), &r); !s.ok()) {
            printErr(QString::fromStdString(s.message));
            return exitFailure;
        }
        results.push_back(std::move(r));
    }
    const uint64_t peak = peakRssBytes();
    int64_t nParams = 0;
    const QString label = modelLabel(*engine->model, &nParams);
    const uint64_t size = engine->model->weights_bytes;
    const QString backend = QString::fromStdString(engine->backend->name());
    if (parser.isSet(json)) {
        QJsonArray tests;
        for (const BenchTestResult &r : results) {
            QJsonArray samples;
            for (double x : r.ts)
                samples.append(x);
            tests.append(QJsonObject{{QStringLiteral("name"), r.name},
                                     {QStringLiteral("n_prompt"), static_cast<double>(r.nPrompt)},
                                     {QStringLiteral("n_gen"), static_cast<double>(r.nGen)},
                                     {QStringLiteral("avg_ts"), r.mean()},
                                     {QStringLiteral("stddev_ts"), r.stddev()},
                                     {QStringLiteral("samples_ts"), samples}});
        }
        printOut(
            toJsonText(QJsonObject{{QStringLiteral("backend"), QStringLiteral("nemodesk")},
                                   {QStringLiteral("device"), backend},
                                   {QStringLiteral("model"), label},
                                   {QStringLiteral("model_size"), static_cast<double>(size)},
                                   {QStringLiteral("model_n_params"), static_cast<double>(nParams)},
                                   {QStringLiteral("n_threads"), engine->threads},
                                   {QStringLiteral("type_k"), parser.value(engineOptions.kvType).isEmpty()
                                                                  ? QStringLiteral("f16")
                                                                  : parser.value(engineOptions.kvType)},
                                   {QStringLiteral("tests"), tests},
                                   {QStringLiteral("peak_rss_bytes"), static_cast<double>(peak)}}));
        return exitOk;
    }
    QList<QStringList> rows{{QStringLiteral("model"), QStringLiteral("size"), QStringLiteral("params"),
                             QStringLiteral("backend"), QStringLiteral("threads"), QStringLiteral("test"),
                             QStringLiteral("t/s")}};
    for (const BenchTestResult &r : results)
        rows.append({label, QString::fromStdString(model_format_bytes(size)),
                     QString::fromStdString(model_format_count(nParams)), QStringLiteral("CPU"),
                     QString::number(engine->threads), r.name,
                     QStringLiteral("%1 ± %2").arg(r.mean(), 0, 'f', 2).arg(r.stddev(), 0, 'f', 2)});
    QString out = formatTable(rows, {Align::left, Align::right, Align::right, Align::left, Align::right,
                                     Align::right, Align::right});
    out += QStringLiteral(
               "\nbackend: %1\npeak memory: %2 (maximum resident set; the weights are memory-mapped)\n")
               .arg(backend, QString::fromStdString(model_format_bytes(peak)));
    printOut(out);
    return exitOk;
}

}  // namespace nd::cli

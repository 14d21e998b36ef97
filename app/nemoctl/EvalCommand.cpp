// nemoctl eval: evaluates exactly the given token ids (no BOS) with a model on the local engine (CPU
// backend) and reports the logits of every position — raw to a file for comparison with llama.cpp
// (tests/gpu/engine/reference/llama_eval.cpp writes the same layout), top-1 ids, and optionally a greedy
// continuation. The conformance tests and docs/conformance.md are built on it.
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>

#include "Cli.h"
#include "EngineCommon.h"

namespace nd::cli {

namespace {

const char *kDescription =
    "Evaluates exactly the given token ids (no BOS is added) at positions 0..n-1 and reports, for every "
    "position, the id with the highest logit. --logits-out writes the float32 logits of every position, "
    "row-major [n_tokens][n_vocab], native byte order, nothing else. --greedy N then appends N tokens, "
    "each the argmax of the previous position's logits (ties: the lowest id), and prints them.\n\n"
    "--json prints one object: {model, backend, n_vocab, n_tokens, top1: [id per position], greedy: [ids], "
    "timings: {prompt_ms, prompt_tokens_per_s, decode_ms, decode_tokens_per_s}}.\n\n"
    "Errors: ids that are not numbers or lie outside the vocabulary, an empty --tokens, a missing or "
    "inconsistent model file, more tokens than the context holds (raise --ctx).";

QString joinIds(const std::vector<int32_t> &ids) {
    QStringList parts;
    for (int32_t id : ids)
        parts << QString::number(id);
    return parts.join(u',');
}

// "1,17,42" → ids. Out-of-vocabulary ids are the session's to report (it knows the vocabulary).
std::optional<std::vector<int32_t>> parseIds(const QString &text, QString *error) {
    std::vector<int32_t> ids;
    if (text.trimmed().isEmpty()) {
        *error = QStringLiteral("--tokens needs at least one token id (e.g. --tokens 1,17,42)");
        return std::nullopt;
    }
    for (const QString &part : text.split(u',')) {
        bool ok = false;
        const qlonglong v = part.trimmed().toLongLong(&ok);
        if (!ok || v < 0 || v > INT32_MAX) {
            *error = QStringLiteral(
                         "--tokens: '%1' is not a token id (ids are non-negative integers, comma "
                         "separated)")
                         .arg(part);
            return std::nullopt;
        }
        ids.push_back(static_cast<int32_t>(v));
    }
    return ids;
}

int32_t argmax(const float *row, int64_t n) {
    return static_cast<int32_t>(std::max_element(row, row + n) - row);
}

bool writeLogits(const QString &path, const std::vector<float> &logits) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    const auto bytes = static_cast<qint64>(logits.size() * sizeof(float));
    return f.write(reinterpret_cast<const char *>(logits.data()), bytes) == bytes && f.flush();
}

double perSecond(int64_t n, double ms) {
    return ms > 0 ? static_cast<double>(n) * 1000.0 / ms : 0.0;
}

}  // namespace

int runEval(const QStringList &args) {
    QCommandLineParser parser;
    EngineOptions engineOptions;
    engineOptions.addTo(parser);
    const QCommandLineOption tokens(QStringLiteral("tokens"), QStringLiteral("Token ids, comma separated."),
                                    QStringLiteral("ID,ID,…"));
    const QCommandLineOption logitsOut(QStringLiteral("logits-out"),
                                       QStringLiteral("Write the float32 logits [n_tokens][n_vocab] here."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption greedy(QStringLiteral("greedy"), QStringLiteral("Generate N tokens greedily."),
                                    QStringLiteral("N"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print one JSON object (keys above)."));
    parser.addOptions({tokens, logitsOut, greedy, json});
    const QString usage = QStringLiteral(
        "nemoctl eval --model M.gguf --tokens 1,17,42 [--logits-out FILE] [--greedy N] [--json] [-t N] "
        "[--batch N] [--kv-type f16|f32] [--ctx N]");
    const int early = parseOrExit(parser, args, usage, QString::fromUtf8(kDescription));
    if (early >= 0)
        return early;
    if (!parser.isSet(tokens))
        return usageError(QStringLiteral("--tokens is required"), usage);
    QString idError;
    const auto ids = parseIds(parser.value(tokens), &idError);
    if (!ids)
        return usageError(idError, usage);
    int exitCode = exitFailure;
    const auto nGreedy = positiveOption(parser, greedy, 0, usage, &exitCode, true);
    if (!nGreedy)
        return exitCode;
    std::optional<Engine> engine =
        openEngine(parser, engineOptions, usage, static_cast<int64_t>(ids->size()) + *nGreedy, &exitCode);
    if (!engine)
        return exitCode;
    Session &session = *engine->session;
    const int64_t nVocab = session.n_vocab();

    QElapsedTimer timer;
    timer.start();
    std::vector<float> logits;
    if (const Status s = session.eval(*ids, true, &logits); !s.ok()) {
        printErr(QString::fromStdString(s.message));
        return exitFailure;
    }
    const double promptMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    const auto nTokens = static_cast<int64_t>(ids->size());
    std::vector<int32_t> top1;
    for (int64_t p = 0; p < nTokens; ++p)
        top1.push_back(argmax(logits.data() + p * nVocab, nVocab));
    if (parser.isSet(logitsOut) && !writeLogits(parser.value(logitsOut), logits)) {
        printErr(QStringLiteral("cannot write %1").arg(parser.value(logitsOut)));
        return exitFailure;
    }

    // Greedy continuation: each new id is fed back one token at a time (the decode path).
    std::vector<int32_t> generated;
    std::vector<float> last(logits.end() - nVocab, logits.end());
    timer.restart();
    for (int64_t i = 0; i < *nGreedy; ++i) {
        const int32_t next = argmax(last.data(), nVocab);
        generated.push_back(next);
        if (i + 1 == *nGreedy)
            break;  // its logits are not needed
        const int32_t one[1] = {next};
        if (const Status s = session.eval(one, false, &last); !s.ok()) {
            printErr(QString::fromStdString(s.message));
            return exitFailure;
        }
    }
    const double decodeMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    const int64_t nDecoded = std::max<int64_t>(0, *nGreedy - 1);

    int64_t nParams = 0;
    const QString label = modelLabel(*engine->model, &nParams);
    const QString backend = QString::fromStdString(engine->backend->name());
    if (parser.isSet(json)) {
        QJsonArray top1Json, greedyJson;
        for (int32_t id : top1)
            top1Json.append(id);
        for (int32_t id : generated)
            greedyJson.append(id);
        printOut(toJsonText(QJsonObject{
            {QStringLiteral("model"), label},
            {QStringLiteral("backend"), backend},
            {QStringLiteral("n_vocab"), static_cast<double>(nVocab)},
            {QStringLiteral("n_tokens"), static_cast<double>(nTokens)},
            {QStringLiteral("top1"), top1Json},
            {QStringLiteral("greedy"), greedyJson},
            {QStringLiteral("timings"),
             QJsonObject{{QStringLiteral("prompt_ms"), promptMs},
                         {QStringLiteral("prompt_tokens_per_s"), perSecond(nTokens, promptMs)},
                         {QStringLiteral("decode_ms"), decodeMs},
                         {QStringLiteral("decode_tokens_per_s"), perSecond(nDecoded, decodeMs)}}}}));
        return exitOk;
    }
    QString out = QStringLiteral("model:   %1 on %2\n").arg(label, backend);
    out += QStringLiteral("eval:    %1 tokens, n_vocab %2, %3 ms (%4 tokens/s)\n")
               .arg(nTokens)
               .arg(nVocab)
               .arg(promptMs, 0, 'f', 1)
               .arg(perSecond(nTokens, promptMs), 0, 'f', 1);
    out += QStringLiteral("top-1:   %1\n").arg(joinIds(top1));
    if (*nGreedy > 0)
        out += QStringLiteral("greedy:  %1\n").arg(joinIds(generated));
    if (parser.isSet(logitsOut))
        out += QStringLiteral("logits:  %1 (%2 × %3 float32, row-major)\n")
                   .arg(parser.value(logitsOut))
                   .arg(nTokens)
                   .arg(nVocab);
    printOut(out);
    return exitOk;
}

}  // namespace nd::cli

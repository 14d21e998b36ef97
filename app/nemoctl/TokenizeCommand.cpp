// nemoctl tokenize / detokenize: text lines <-> token ids with the tokenizer of a GGUF model or a Hugging
// Face tokenizer.json. Thin on purpose: the tokenizers (gpu/tokenizer) are tested on their own; this
// reads lines, calls them and prints one result per line, for scripts and tests.
//   tokenize:   one JSON array of ids per input line (the line's '\n' is not part of the text)
//   detokenize: one JSON array per input line -> its text (exact bytes) and '\n'
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "Cli.h"
#include "gpu/gguf/gguf_file.h"
#include "gpu/tokenizer/tokenizer.h"

namespace nd::cli {

namespace {

struct Source {
    QCommandLineOption model{QStringLiteral("model"),
                             QStringLiteral("The GGUF model whose tokenizer to use."),
                             QStringLiteral("M.gguf")};
    QCommandLineOption tokenizer{QStringLiteral("tokenizer"),
                                 QStringLiteral("A Hugging Face tokenizer.json."),
                                 QStringLiteral("tokenizer.json")};
    QCommandLineOption file{QStringLiteral("file"),
                            QStringLiteral("Read the lines from FILE instead of stdin."),
                            QStringLiteral("FILE")};
    void addTo(QCommandLineParser &parser) const { parser.addOptions({model, tokenizer, file}); }
};

std::optional<TokenizerPtr> loadTokenizer(const QCommandLineParser &parser, const Source &source,
                                          const QString &usageLine, int *exitCode) {
    const bool haveModel = parser.isSet(source.model);
    if (haveModel == parser.isSet(source.tokenizer)) {
        *exitCode = usageError(QStringLiteral("give exactly one of --model and --tokenizer"), usageLine);
        return std::nullopt;
    }
    Tokenizer *tokenizer = nullptr;
    Status status;
    if (haveModel) {
        GgufOpenOptions options;
        options.allow_unsupported_types = true;  // only the metadata is read
        GgufFile *file = nullptr;
        status = gguf_open(parser.value(source.model).toStdString(), options, &file);
        if (status.ok()) {
            const GgufFilePtr owned(file);
            status = tokenizer_load_gguf(owned.get(), &tokenizer);  // copies what it needs
        }
    } else {
        status = tokenizer_load_hf_json_file(parser.value(source.tokenizer).toStdString(), &tokenizer);
    }
    if (!status.ok()) {
        printErr(QString::fromStdString(status.message));
        *exitCode = exitFailure;
        return std::nullopt;
    }
    return TokenizerPtr(tokenizer);
}

// Calls onLine(line, number) for each line of --file or stdin; stops at the first non-zero result.
template <class F>
int forEachLine(const QCommandLineParser &parser, const Source &source, F onLine) {
    std::ifstream file;
    std::istream *in = &std::cin;
    if (parser.isSet(source.file)) {
        file.open(parser.value(source.file).toStdString(), std::ios::binary);
        if (!file) {
            printErr(QStringLiteral("cannot open %1").arg(parser.value(source.file)));
            return exitFailure;
        }
        in = &file;
    }
    std::ios::sync_with_stdio(false);
    std::string line;
    long long number = 0;
    while (std::getline(*in, line)) {
        ++number;
        const int rc = onLine(line, number);
        if (rc != exitOk)
            return rc;
    }
    std::fflush(stdout);
    return exitOk;
}

void writeOut(const std::string &bytes) {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
}

}  // namespace

int runTokenize(const QStringList &args) {
    const auto usageLine = QStringLiteral(
        "nemoctl tokenize (--model M.gguf | --tokenizer tokenizer.json) [--file F] [--bos] [--no-special]");
    QCommandLineParser parser;
    const Source source;
    source.addTo(parser);
    const QCommandLineOption bos(QStringLiteral("bos"), QStringLiteral("Start each line with BOS (when the "
                                                                       "vocabulary has one)."));
    const QCommandLineOption noSpecial(
        QStringLiteral("no-special"),
        QStringLiteral("Special tokens written in the text (\"<|im_end|>\") are "
                       "ordinary text."));
    parser.addOptions({bos, noSpecial});
    const int early =
        parseOrExit(parser, args, usageLine,
                    QStringLiteral("Prints the token ids of each input line as one JSON array per "
                                   "line. The newline ending a line is not part of its text."));
    if (early >= 0)
        return early;
    int exitCode = exitOk;
    const std::optional<TokenizerPtr> tokenizer = loadTokenizer(parser, source, usageLine, &exitCode);
    if (!tokenizer)
        return exitCode;
    EncodeOptions options;
    options.add_bos = parser.isSet(bos);
    options.parse_special = !parser.isSet(noSpecial);
    std::vector<int32_t> ids;
    std::string out;
    return forEachLine(parser, source, [&](const std::string &line, long long number) {
        const Status status = tokenizer_encode(tokenizer->get(), line, options, &ids);
        if (!status.ok()) {
            printErr(QStringLiteral("line %1: %2").arg(number).arg(QString::fromStdString(status.message)));
            return int(exitFailure);
        }
        out.assign(1, '[');
        for (size_t i = 0; i < ids.size(); ++i) {
            if (i > 0)
                out.push_back(',');
            out += std::to_string(ids[i]);
        }
        out += "]\n";
        writeOut(out);
        return int(exitOk);
    });
}

int runDetokenize(const QStringList &args) {
    const auto usageLine = QStringLiteral(
        "nemoctl detokenize (--model M.gguf | --tokenizer tokenizer.json) [--file F] [--skip-special]");
    QCommandLineParser parser;
    const Source source;
    source.addTo(parser);
    const QCommandLineOption skipSpecial(QStringLiteral("skip-special"),
                                         QStringLiteral("Leave out control tokens (BOS, EOS, <|im_end|>)."));
    parser.addOption(skipSpecial);
    const int early = parseOrExit(parser, args, usageLine,
                                  QStringLiteral("Reads one JSON array of token ids per line and prints the "
                                                 "text of each, followed by a newline (the bytes exactly)."));
    if (early >= 0)
        return early;
    int exitCode = exitOk;
    const std::optional<TokenizerPtr> tokenizer = loadTokenizer(parser, source, usageLine, &exitCode);
    if (!tokenizer)
        return exitCode;
    DecodeOptions options;
    options.skip_special = parser.isSet(skipSpecial);
    std::vector<int32_t> ids;
    std::string text;
    return forEachLine(parser, source, [&](const std::string &line, long long number) {
        const nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
        ids.clear();
        bool valid = parsed.is_array();
        for (size_t i = 0; valid && i < parsed.size(); ++i) {
            valid = parsed[i].is_number_integer() && parsed[i].get<int64_t>() >= INT32_MIN &&
                    parsed[i].get<int64_t>() <= INT32_MAX;
            if (valid)
                ids.push_back(static_cast<int32_t>(parsed[i].get<int64_t>()));
        }
        if (!valid) {
            printErr(
                QStringLiteral("line %1: expected a JSON array of token ids, like [1, 22, 333]").arg(number));
            return int(exitFailure);
        }
        const Status status = tokenizer_decode(tokenizer->get(), ids, options, &text);
        if (!status.ok()) {
            printErr(QStringLiteral("line %1: %2").arg(number).arg(QString::fromStdString(status.message)));
            return int(exitFailure);
        }
        text.push_back('\n');
        writeOut(text);
        return int(exitOk);
    });
}

}  // namespace nd::cli

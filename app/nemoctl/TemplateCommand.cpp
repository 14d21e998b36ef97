// nemoctl template: renders a chat template exactly as the engine will (gpu/chat/chat_template.h) with
// variables from a JSON file. The template comes from a model (tokenizer.chat_template in a GGUF) or a
// .jinja file; the render is printed as is, without a newline added, so it can be diffed against
// tools/reference/render_template.py byte for byte.
#include <QFile>

#include <cstdio>
#include <optional>
#include <string>

#include "Cli.h"
#include "gpu/chat/chat_format.h"
#include "gpu/chat/chat_template.h"
#include "gpu/gguf/gguf_file.h"

namespace nd::cli {

namespace {

Result<std::string> readFile(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("%1: %2").arg(path, file.errorString())};
    const QByteArray bytes = file.readAll();
    return std::string(bytes.constData(), static_cast<size_t>(bytes.size()));
}

// The text of the token a `tokenizer.ggml.*_token_id` key names, if the file has both.
std::optional<std::string> tokenText(const GgufFile *file, std::string_view idKey) {
    std::optional<int64_t> id;
    if (!gguf_get_int(file, idKey, &id).ok() || !id)
        return std::nullopt;
    const GgufValue *tokens = gguf_find(file, "tokenizer.ggml.tokens");
    if (!tokens || tokens->type != GgufType::array || *id < 0 ||
        static_cast<uint64_t>(*id) >= tokens->strings.size())
        return std::nullopt;
    return std::string(tokens->strings[static_cast<size_t>(*id)]);
}

struct ModelTemplate {
    std::string source;
    std::optional<std::string> bos;
    std::optional<std::string> eos;
};

// allowMissing: a model without a template is not an error when a --family format will stand in.
Result<ModelTemplate> templateFromModel(const QString &path, bool allowMissing) {
    GgufFile *raw = nullptr;
    GgufOpenOptions options;
    options.allow_unsupported_types = true;  // only metadata is read
    const Status st = gguf_open(path.toStdString(), options, &raw);
    GgufFilePtr file(raw);
    if (!st.ok())
        return Error{QString::fromStdString(st.message)};
    std::optional<std::string_view> text;
    const Status got = gguf_get_string(file.get(), "tokenizer.chat_template", &text);
    if (!got.ok())
        return Error{QString::fromStdString(got.message)};
    if (!text && !allowMissing)
        return Error{
            QStringLiteral(
                "%1: the model has no chat template (tokenizer.chat_template); pass one with --template")
                .arg(path)};
    ModelTemplate out;
    if (text)
        out.source = std::string(*text);
    out.bos = tokenText(file.get(), "tokenizer.ggml.bos_token_id");
    out.eos = tokenText(file.get(), "tokenizer.ggml.eos_token_id");
    return out;
}

}  // namespace

int runTemplate(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption model(
        QStringLiteral("model"),
        QStringLiteral("Take the template from this GGUF model (tokenizer.chat_template)."),
        QStringLiteral("M.gguf"));
    const QCommandLineOption templateFile(QStringLiteral("template"),
                                          QStringLiteral("Take the template from this file."),
                                          QStringLiteral("FILE.jinja"));
    const QCommandLineOption vars(
        QStringLiteral("vars"),
        QStringLiteral("The variables, a JSON object: messages, tools, add_generation_prompt, "
                       "enable_thinking, bos_token, …"),
        QStringLiteral("VARS.json"));
    const QCommandLineOption now(
        QStringLiteral("now"),
        QStringLiteral("The time strftime_now() sees, in seconds since the Unix epoch "
                       "(default: the clock)."),
        QStringLiteral("UNIX_S"));
    const QCommandLineOption family(
        QStringLiteral("family"),
        QStringLiteral("When the template is missing or fails to parse or render, print this family's "
                       "built-in format instead, with a warning on stderr: nemotron3, nemotron-nano2, "
                       "nemotron-mini, llama3, chatml."),
        QStringLiteral("NAME"));
    parser.addOptions({model, templateFile, vars, now, family});
    const QString usage = QStringLiteral(
        "nemoctl template (--model M.gguf | --template FILE.jinja) --vars VARS.json [--now UNIX_S] "
        "[--family NAME]");
    const int early = parseOrExit(
        parser, args, usage,
        QStringLiteral(
            "Renders a chat template with the engine's interpreter and prints the result exactly, with "
            "no newline added. With --model, bos_token and eos_token default to the model's own "
            "tokens. Exit code 1 when the template fails (the message names the template and line)."));
    if (early >= 0)
        return early;
    if (parser.isSet(model) == parser.isSet(templateFile))
        return usageError(QStringLiteral("give exactly one of --model and --template"), usage);
    if (!parser.isSet(vars))
        return usageError(QStringLiteral("--vars is required"), usage);
    ChatFamily fallbackFamily{};
    const std::string familyName = parser.value(family).toStdString();
    if (parser.isSet(family) && !chat_family_from_name(familyName, &fallbackFamily))
        return usageError(QStringLiteral("unknown --family '%1' (nemotron3, nemotron-nano2, nemotron-mini, "
                                         "llama3, chatml)")
                              .arg(parser.value(family)),
                          usage);
    ChatRenderOptions options;
    if (parser.isSet(now)) {
        bool ok = false;
        options.now_unix_s = parser.value(now).toLongLong(&ok);
        if (!ok || options.now_unix_s <= 0)
            return usageError(
                QStringLiteral("--now wants a positive number of seconds, not '%1'").arg(parser.value(now)),
                usage);
    }

    const Result<std::string> varsText = readFile(parser.value(vars));
    if (!varsText.ok()) {
        printErr(varsText.error());
        return exitFailure;
    }
    nlohmann::ordered_json variables;
    try {
        variables = nlohmann::ordered_json::parse(*varsText);
    } catch (const nlohmann::json::exception &e) {
        printErr(
            QStringLiteral("%1: not valid JSON: %2").arg(parser.value(vars), QString::fromUtf8(e.what())));
        return exitFailure;
    }
    if (!variables.is_object()) {
        printErr(QStringLiteral("%1: the variables must be a JSON object").arg(parser.value(vars)));
        return exitFailure;
    }

    std::string source;
    std::string name;
    if (parser.isSet(model)) {
        const Result<ModelTemplate> t = templateFromModel(parser.value(model), parser.isSet(family));
        if (!t.ok()) {
            printErr(t.error());
            return exitFailure;
        }
        source = t->source;
        name = parser.value(model).toStdString() + ":tokenizer.chat_template";
        if (t->bos && !variables.contains("bos_token"))
            variables["bos_token"] = *t->bos;
        if (t->eos && !variables.contains("eos_token"))
            variables["eos_token"] = *t->eos;
    } else {
        const Result<std::string> text = readFile(parser.value(templateFile));
        if (!text.ok()) {
            printErr(text.error());
            return exitFailure;
        }
        source = *text;
        name = parser.value(templateFile).toStdString();
    }

    if (parser.isSet(family)) {
        ChatPromptResult result;
        const Status st = chat_prompt_render(source, name, variables, familyName, &result);
        if (!st.ok()) {
            printErr(QString::fromStdString(st.message));
            return exitFailure;
        }
        if (result.used_fallback)
            printErr(QStringLiteral("warning: %1").arg(QString::fromStdString(result.note)));
        std::fwrite(result.text.data(), 1, result.text.size(), stdout);
        std::fflush(stdout);
        return exitOk;
    }

    ChatTemplate *raw = nullptr;
    Status st = chat_template_parse(source, name, &raw);
    ChatTemplatePtr tmpl(raw);
    std::string out;
    if (st.ok())
        st = chat_template_render(tmpl.get(), variables, &out, options);
    if (!st.ok()) {
        printErr(QString::fromStdString(st.message));
        return exitFailure;
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    return exitOk;
}

}  // namespace nd::cli

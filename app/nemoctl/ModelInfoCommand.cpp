// nemoctl info MODEL.gguf: what a GGUF model file holds (architecture, parameters, size, tensor types,
// layer pattern, hyper-parameters, tokenizer, chat template) and the memory a run needs at a context
// length. The numbers come from gpu/model (model_info_read, model_memory_estimate); this file formats.
#include <QJsonArray>
#include <QJsonObject>

#include "Cli.h"
#include "JobFormat.h"
#include "gpu/gguf/gguf_file.h"
#include "gpu/model/model_info.h"

namespace nd::cli {

namespace {

QString qs(const std::string &s) {
    return QString::fromStdString(s);
}

QString count(int64_t n) {
    return qs(model_format_count(n));
}

QString bytes(uint64_t n) {
    return qs(model_format_bytes(n));
}

QString shape(const GgufTensor &t) {
    QStringList dims;
    for (int d = 0; d < std::max(1, t.n_dims); ++d)
        dims << QString::number(t.ne[static_cast<size_t>(d)]);
    return QStringLiteral("{%1}").arg(dims.join(QStringLiteral(", ")));
}

bool isHybrid(const ModelInfo &info) {
    return info.hparams.arch == ModelArch::nemotron_h || info.hparams.arch == ModelArch::nemotron_h_moe;
}

QString hparamsText(const ModelInfo &info) {
    const ModelHparams &h = info.hparams;
    QString out = QStringLiteral("  embedding %1, vocabulary %2\n").arg(h.n_embd).arg(h.n_vocab);
    out += QStringLiteral("  attention: %1 heads, %2 KV heads, head_dim %3")
               .arg(h.n_head)
               .arg(h.n_head_kv)
               .arg(h.head_dim_k);
    if (h.head_dim_v != h.head_dim_k)
        out += QStringLiteral(" (values %1)").arg(h.head_dim_v);
    out += u'\n';
    if (h.n_ff > 0 && h.arch != ModelArch::nemotron_h_moe)
        out += QStringLiteral("  feed-forward: %1\n").arg(h.n_ff);
    if (h.n_expert > 0)
        out += QStringLiteral("  experts: %1 (%2 used), expert ff %3, shared expert ff %4\n")
                   .arg(h.n_expert)
                   .arg(h.n_expert_used)
                   .arg(h.n_ff_expert)
                   .arg(h.n_ff_shared);
    if (isHybrid(info))
        out += QStringLiteral("  mamba-2: d_inner %1, d_state %2, %3 heads, %4 groups, d_conv %5\n")
                   .arg(h.ssm_d_inner)
                   .arg(h.ssm_d_state)
                   .arg(h.ssm_n_head)
                   .arg(h.ssm_n_group)
                   .arg(h.ssm_d_conv);
    return out;
}

QString formatText(const ModelInfo &info, const ModelMemoryEstimate *mem) {
    QString out;
    const auto line = [&](const char *label, const QString &value) {
        out += QStringLiteral("%1 %2\n").arg(QString::fromUtf8(label).leftJustified(15), value);
    };
    line("file:", QStringLiteral("%1 (%2, %3, GGUF v%4)")
                      .arg(qs(info.path), bytes(info.file_bytes),
                           info.n_shards == 1 ? QStringLiteral("1 file")
                                              : QStringLiteral("%1 shards").arg(info.n_shards))
                      .arg(info.gguf_version));
    line("architecture:",
         qs(info.arch_name) + (info.arch_known ? QString() : QStringLiteral(" (not one NemoDesk runs)")));
    if (!info.name.empty())
        line("name:", qs(info.name));
    line("parameters:", QStringLiteral("%1 (%2 tensors, %3 of weights)")
                            .arg(count(info.n_params))
                            .arg(info.n_tensors)
                            .arg(bytes(info.weights_bytes)));
    QStringList mix;
    for (const ModelTypeUsage &u : info.types)
        mix << QStringLiteral("%1 ×%2 (%3)").arg(qs(u.type_name)).arg(u.n_tensors).arg(bytes(u.bytes));
    line("tensor types:", mix.join(QStringLiteral(", ")));
    if (!info.hparams_error.empty())
        line("problem:", qs(info.hparams_error) + QStringLiteral(" (NemoDesk cannot run this file)"));
    if (info.arch_known && info.hparams_error.empty()) {
        QString layers = qs(info.layer_pattern);
        if (isHybrid(info))
            layers =
                QStringLiteral("%1: %2 (%3)").arg(info.hparams.n_layer).arg(layers, qs(info.layer_summary));
        line("layers:", layers);
        line("context:", QStringLiteral("%1 tokens (training)").arg(info.hparams.n_ctx_train));
        out += QStringLiteral("hyper-parameters:\n") + hparamsText(info);
    }
    QString tok = info.tokenizer_model.empty() ? QStringLiteral("none") : qs(info.tokenizer_model);
    if (!info.tokenizer_pre.empty())
        tok += QStringLiteral(" (pre-tokenizer %1)").arg(qs(info.tokenizer_pre));
    if (info.vocab_size > 0)
        tok += QStringLiteral(", %1 tokens").arg(info.vocab_size);
    if (info.bos_id >= 0)
        tok += QStringLiteral(", BOS %1").arg(info.bos_id);
    if (info.eos_id >= 0)
        tok += QStringLiteral(", EOS %1").arg(info.eos_id);
    line("tokenizer:", tok);
    line("chat template:", !info.has_chat_template ? QStringLiteral("none")
                           : info.chat_template_family.empty()
                               ? QStringLiteral("present (family not recognised)")
                               : QStringLiteral("present, family %1").arg(qs(info.chat_template_family)));
    if (mem) {
        QString m =
            QStringLiteral("at %1 tokens, 1 sequence: %2 = weights %3 + KV cache %4 (f16, %5 per token)")
                .arg(mem->n_ctx)
                .arg(bytes(mem->total_bytes), bytes(mem->weights_bytes), bytes(mem->kv_bytes),
                     bytes(mem->kv_bytes_per_token));
        if (mem->state_bytes_per_seq > 0)
            m += QStringLiteral(" + recurrent state %1 (f32, per sequence)").arg(bytes(mem->state_bytes));
        line("memory:", m);
    }
    return out;
}

QString formatTensors(const GgufFile *file) {
    QList<QStringList> rows{
        {QStringLiteral("NAME"), QStringLiteral("TYPE"), QStringLiteral("SHAPE"), QStringLiteral("BYTES")}};
    for (const GgufTensor &t : gguf_tensors(file))
        rows.append({QString::fromUtf8(t.name.data(), static_cast<qsizetype>(t.name.size())),
                     qs(ggml_type_name(t.type_id)), shape(t), QString::number(t.n_bytes)});
    return formatTable(rows, {Align::left, Align::left, Align::left, Align::right});
}

QJsonObject toJson(const ModelInfo &info, const ModelMemoryEstimate *mem, const GgufFile *file,
                   bool withTensors) {
    const auto num = [](auto v) { return static_cast<double>(v); };
    QJsonObject o{{QStringLiteral("path"), qs(info.path)},
                  {QStringLiteral("shards"), info.n_shards},
                  {QStringLiteral("file_bytes"), num(info.file_bytes)},
                  {QStringLiteral("gguf_version"), num(info.gguf_version)},
                  {QStringLiteral("alignment"), num(info.alignment)},
                  {QStringLiteral("architecture"), qs(info.arch_name)},
                  {QStringLiteral("architecture_known"), info.arch_known},
                  {QStringLiteral("name"), qs(info.name)},
                  {QStringLiteral("n_params"), num(info.n_params)},
                  {QStringLiteral("n_tensors"), num(info.n_tensors)},
                  {QStringLiteral("weights_bytes"), num(info.weights_bytes)}};
    QJsonArray types;
    for (const ModelTypeUsage &u : info.types)
        types.append(QJsonObject{{QStringLiteral("type"), qs(u.type_name)},
                                 {QStringLiteral("tensors"), num(u.n_tensors)},
                                 {QStringLiteral("elements"), num(u.n_elements)},
                                 {QStringLiteral("bytes"), num(u.bytes)}});
    o.insert(QStringLiteral("types"), types);
    if (!info.hparams_error.empty())
        o.insert(QStringLiteral("problem"), qs(info.hparams_error));
    if (info.arch_known && info.hparams_error.empty()) {
        const ModelHparams &h = info.hparams;
        o.insert(QStringLiteral("layer_pattern"), qs(info.layer_pattern));
        o.insert(QStringLiteral("layer_summary"), qs(info.layer_summary));
        o.insert(QStringLiteral("hparams"),
                 QJsonObject{{QStringLiteral("n_vocab"), num(h.n_vocab)},
                             {QStringLiteral("n_embd"), num(h.n_embd)},
                             {QStringLiteral("n_layer"), num(h.n_layer)},
                             {QStringLiteral("n_head"), num(h.n_head)},
                             {QStringLiteral("n_head_kv"), num(h.n_head_kv)},
                             {QStringLiteral("head_dim_k"), num(h.head_dim_k)},
                             {QStringLiteral("head_dim_v"), num(h.head_dim_v)},
                             {QStringLiteral("n_ff"), num(h.n_ff)},
                             {QStringLiteral("n_ctx_train"), num(h.n_ctx_train)},
                             {QStringLiteral("norm_eps"), h.norm_eps},
                             {QStringLiteral("n_expert"), num(h.n_expert)},
                             {QStringLiteral("n_expert_used"), num(h.n_expert_used)},
                             {QStringLiteral("n_ff_expert"), num(h.n_ff_expert)},
                             {QStringLiteral("n_ff_shared"), num(h.n_ff_shared)},
                             {QStringLiteral("ssm_d_conv"), num(h.ssm_d_conv)},
                             {QStringLiteral("ssm_d_inner"), num(h.ssm_d_inner)},
                             {QStringLiteral("ssm_d_state"), num(h.ssm_d_state)},
                             {QStringLiteral("ssm_n_head"), num(h.ssm_n_head)},
                             {QStringLiteral("ssm_n_group"), num(h.ssm_n_group)}});
    }
    o.insert(QStringLiteral("tokenizer"), QJsonObject{{QStringLiteral("model"), qs(info.tokenizer_model)},
                                                      {QStringLiteral("pre"), qs(info.tokenizer_pre)},
                                                      {QStringLiteral("vocab_size"), num(info.vocab_size)},
                                                      {QStringLiteral("bos_id"), num(info.bos_id)},
                                                      {QStringLiteral("eos_id"), num(info.eos_id)}});
    o.insert(QStringLiteral("chat_template"),
             QJsonObject{{QStringLiteral("present"), info.has_chat_template},
                         {QStringLiteral("family"), qs(info.chat_template_family)}});
    if (mem)
        o.insert(QStringLiteral("memory"),
                 QJsonObject{{QStringLiteral("n_ctx"), num(mem->n_ctx)},
                             {QStringLiteral("n_seq"), mem->n_seq},
                             {QStringLiteral("weights_bytes"), num(mem->weights_bytes)},
                             {QStringLiteral("kv_bytes_per_token"), num(mem->kv_bytes_per_token)},
                             {QStringLiteral("kv_bytes"), num(mem->kv_bytes)},
                             {QStringLiteral("state_bytes_per_seq"), num(mem->state_bytes_per_seq)},
                             {QStringLiteral("state_bytes"), num(mem->state_bytes)},
                             {QStringLiteral("total_bytes"), num(mem->total_bytes)}});
    if (withTensors) {
        QJsonArray tensors;
        for (const GgufTensor &t : gguf_tensors(file)) {
            QJsonArray ne;
            for (int d = 0; d < std::max(1, t.n_dims); ++d)
                ne.append(num(t.ne[static_cast<size_t>(d)]));
            tensors.append(
                QJsonObject{{QStringLiteral("name"),
                             QString::fromUtf8(t.name.data(), static_cast<qsizetype>(t.name.size()))},
                            {QStringLiteral("type"), qs(ggml_type_name(t.type_id))},
                            {QStringLiteral("shape"), ne},
                            {QStringLiteral("bytes"), num(t.n_bytes)}});
        }
        o.insert(QStringLiteral("tensors"), tensors);
    }
    return o;
}

const char *kDescription =
    "Shows what a GGUF model file holds: architecture, parameter count, size, the mix of tensor types, the "
    "layer pattern (M mamba, * attention, - MLP, E MoE for Nemotron-H), hyper-parameters, training context, "
    "tokenizer, chat template family, and the memory a run needs: weights + KV cache (f16, attention layers "
    "only) at the context length + recurrent state (Mamba layers, f32, one sequence). Split models are "
    "opened through any shard. The default context is the training context capped at 8192 (4096 when the "
    "file states none).\n\n"
    "--json prints one object with these keys: path, shards, file_bytes, gguf_version, alignment, "
    "architecture, architecture_known, name, n_params, n_tensors, weights_bytes, types[{type, tensors, "
    "elements, bytes}], layer_pattern, layer_summary, hparams{n_vocab, n_embd, n_layer, n_head, n_head_kv, "
    "head_dim_k, head_dim_v, n_ff, n_ctx_train, norm_eps, n_expert, n_expert_used, n_ff_expert, n_ff_shared, "
    "ssm_d_conv, ssm_d_inner, ssm_d_state, ssm_n_head, ssm_n_group} (layer_*, hparams and memory only for "
    "architectures NemoDesk runs), problem (when such an architecture's keys are broken; exit code 1), "
    "tokenizer{model, pre, vocab_size, bos_id, eos_id}, chat_template{present, "
    "family}, memory{n_ctx, n_seq, weights_bytes, kv_bytes_per_token, kv_bytes, state_bytes_per_seq, "
    "state_bytes, total_bytes}, and with --tensors tensors[{name, type, shape, bytes}]. Sizes are bytes.";

}  // namespace

int runInfo(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print one JSON object (keys above)."));
    const QCommandLineOption ctx(QStringLiteral("ctx"),
                                 QStringLiteral("Context length for the memory estimate (default: training "
                                                "context, at most 8192)."),
                                 QStringLiteral("N"));
    const QCommandLineOption tensors(QStringLiteral("tensors"),
                                     QStringLiteral("Also list every tensor: name, type, shape, bytes."));
    parser.addOptions({json, ctx, tensors});
    parser.addPositionalArgument(QStringLiteral("MODEL"),
                                 QStringLiteral("The .gguf file (any shard of a split model)."));
    const QString usage = QStringLiteral("nemoctl info MODEL.gguf [--ctx N] [--json] [--tensors]");
    const int early =
        parseOrExit(parser, args, usage, QString::fromUtf8(kDescription),
                    ParseRules{Positionals::allowed, HelpOption::dashHAndLong, SingleDash::longOption});
    if (early >= 0)
        return early;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(positional.isEmpty()
                              ? QStringLiteral("the model file is missing")
                              : QStringLiteral("unexpected argument '%1'").arg(positional.at(1)),
                          usage);
    int64_t nCtx = 0;
    if (parser.isSet(ctx)) {
        bool ok = false;
        nCtx = parser.value(ctx).toLongLong(&ok);
        if (!ok || nCtx <= 0)
            return usageError(
                QStringLiteral("--ctx needs a positive number of tokens, got '%1'").arg(parser.value(ctx)),
                usage);
    }

    GgufOpenOptions options;
    options.allow_unsupported_types = true;  // show what the file holds even when we cannot run it
    GgufFile *raw = nullptr;
    const Status opened = gguf_open(positional.first().toStdString(), options, &raw);
    if (!opened.ok()) {
        printErr(qs(opened.message));
        return exitFailure;
    }
    const GgufFilePtr file(raw);
    ModelInfo info;
    const Status read = model_info_read(raw, &info);
    if (!read.ok()) {
        printErr(qs(read.message));
        return exitFailure;
    }
    // A known architecture with broken hyper-parameters is shown, then reported as a failure: scripts
    // learn that the file cannot be run.
    const bool runnable = info.arch_known && info.hparams_error.empty();
    ModelMemoryEstimate mem;
    if (runnable)
        mem = model_memory_estimate(info.hparams, info.weights_bytes,
                                    nCtx > 0 ? nCtx : model_default_ctx(info.hparams));
    const ModelMemoryEstimate *memPtr = runnable ? &mem : nullptr;
    if (parser.isSet(json)) {
        printOut(toJsonText(toJson(info, memPtr, raw, parser.isSet(tensors))));
    } else {
        QString text = formatText(info, memPtr);
        if (parser.isSet(tensors))
            text += u'\n' + formatTensors(raw);
        printOut(text);
    }
    if (!info.hparams_error.empty()) {
        printErr(qs(info.hparams_error));
        return exitFailure;
    }
    return exitOk;
}

}  // namespace nd::cli

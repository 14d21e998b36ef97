// `nemoctl run`'s prompts: see RunChat.h.
#include "RunChat.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "gpu/chat/chat_format.h"
#include "gpu/chat/chat_template.h"
#include "gpu/tokenizer/tokenizer.h"

namespace nd::cli {

std::optional<size_t> utf8InvalidOffset(std::string_view text) {
    const auto *s = reinterpret_cast<const unsigned char *>(text.data());
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t len = 0;
        uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07u;
        } else {
            return i;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
        }
        if (i + len > n)
            return i;
        for (size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0u) != 0x80u)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
        if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return i;
        i += len;
    }
    return std::nullopt;
}

std::optional<std::string> utf8Problem(std::string_view text, std::string_view what) {
    const std::optional<size_t> at = utf8InvalidOffset(text);
    if (!at)
        return std::nullopt;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(text[*at])));
    return "invalid UTF-8 in " + std::string(what) + " at byte " + std::to_string(*at) + " (" + hex +
           "); the text must be UTF-8";
}

std::optional<std::string> rawOptionValue(const std::vector<std::string> &names) {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string all = buffer.str();
    std::vector<std::string> args;
    for (size_t start = 0; start < all.size();) {
        const size_t end = all.find('\0', start);
        args.push_back(all.substr(start, end == std::string::npos ? std::string::npos : end - start));
        start = end == std::string::npos ? all.size() : end + 1;
    }
    // The last occurrence wins, as in QCommandLineParser::value().
    std::optional<std::string> found;
    for (size_t i = 0; i < args.size(); ++i) {
        for (const std::string &name : names) {
            if (args[i] == name && i + 1 < args.size())
                found = args[i + 1];
            else if (args[i].size() > name.size() && args[i].compare(0, name.size(), name) == 0 &&
                     args[i][name.size()] == '=')
                found = args[i].substr(name.size() + 1);
        }
    }
    return found;
}

ChatSetup chatSetup(const Model &model, const std::string &modelPath, const std::string &fallbackFamily) {
    ChatSetup s;
    s.fallbackFamily = fallbackFamily;
    s.source = model.chat_template;
    s.name = modelPath + ":tokenizer.chat_template";
    s.family = chat_template_family(s.source);
    // Without a template the fallback family is the format: its thinking switch is what counts.
    if (s.source.empty())
        s.family = fallbackFamily;
    s.thinking = s.source.find("enable_thinking") != std::string::npos || s.family == "nemotron3" ||
                 s.family == "nemotron-nano2";
    if (const Tokenizer *t = model.tokenizer.get()) {
        if (tokenizer_bos(t) >= 0)
            s.bos = std::string(tokenizer_token_text(t, tokenizer_bos(t)));
        if (tokenizer_eos(t) >= 0)
            s.eos = std::string(tokenizer_token_text(t, tokenizer_eos(t)));
    }
    return s;
}

Status chatRender(const ChatSetup &setup, const nlohmann::ordered_json &messages, bool think,
                  std::string *prompt, std::string *note, RenderPart part) {
    nlohmann::ordered_json msgs = messages;
    // Nano 2's template ignores enable_thinking and switches on "/no_think" in the system turn (spec §4.5).
    if (setup.family == "nemotron-nano2" && !think) {
        if (!msgs.empty() && msgs[0].is_object() && msgs[0].value("role", "") == "system" &&
            msgs[0]["content"].is_string())
            msgs[0]["content"] = msgs[0]["content"].get<std::string>() + "\n/no_think";
        else
            msgs.insert(msgs.begin(), nlohmann::ordered_json{{"role", "system"}, {"content", "/no_think"}});
    }
    nlohmann::ordered_json vars = {{"messages", msgs},
                                   {"add_generation_prompt", part == RenderPart::withGenerationPrompt},
                                   {"enable_thinking", think}};
    if (!setup.bos.empty())
        vars["bos_token"] = setup.bos;
    if (!setup.eos.empty())
        vars["eos_token"] = setup.eos;
    ChatPromptResult result;
    if (Status st = chat_prompt_render(setup.source, setup.name, vars, setup.fallbackFamily, &result);
        !st.ok())
        return st;
    *prompt = std::move(result.text);
    note->clear();
    if (result.used_fallback)
        *note = result.note;
    return Status::success();
}

Status promptTokens(const Tokenizer *tokenizer, std::string_view text, std::vector<int32_t> *out) {
    EncodeOptions options;
    options.parse_special = true;
    if (Status st = tokenizer_encode(tokenizer, text, options, out); !st.ok())
        return st;
    const int32_t bos = tokenizer_bos(tokenizer);
    if (tokenizer_add_bos_default(tokenizer) && bos >= 0 && (out->empty() || out->front() != bos))
        out->insert(out->begin(), bos);
    return Status::success();
}

Conversation::Conversation(Session *session) : m_session(session) {
    const auto &layers = session->model().hp.layers;
    m_recurrent = std::find(layers.begin(), layers.end(), LayerKind::mamba) != layers.end();
}

Status Conversation::prepare(const std::vector<int32_t> &full, std::vector<int32_t> *suffix,
                             std::string *note) {
    note->clear();
    const std::vector<int32_t> &held = m_session->tokens();
    const auto mismatch = std::mismatch(held.begin(), held.end(), full.begin(), full.end());
    auto common = static_cast<size_t>(mismatch.first - held.begin());
    // At least one token must remain to evaluate: its logits start the answer.
    if (common == full.size() && common > 0)
        --common;
    if (common < held.size()) {
        bool done = false;
        if (!m_recurrent)
            done = m_session->truncate(static_cast<int64_t>(common)).ok();
        if (!done && m_haveSnapshot && m_snapshot.tokens.size() <= common &&
            std::equal(m_snapshot.tokens.begin(), m_snapshot.tokens.end(), full.begin())) {
            if (Status st = m_session->restore(m_snapshot); !st.ok())
                return st;
            common = m_snapshot.tokens.size();
            done = true;
        }
        if (!done) {
            m_session->reset();
            common = 0;
            *note = "the conversation's earlier turns rendered differently; re-reading them";
        }
    }
    suffix->assign(full.begin() + static_cast<std::ptrdiff_t>(common), full.end());
    return Status::success();
}

Status Conversation::evalAllButLast(const std::vector<int32_t> &suffix, size_t stable, int32_t *last,
                                    double *seconds) {
    *seconds = 0;
    *last = suffix.back();
    const auto t0 = std::chrono::steady_clock::now();
    const auto held = static_cast<size_t>(m_session->n_past());
    const size_t head = suffix.size() - 1;  // tokens to evaluate here
    // Where to snapshot, as a count of this turn's tokens: the stable point when it lies inside them.
    size_t split = head;
    if (m_recurrent && stable > held && stable - held < head)
        split = stable - held;
    const auto eval = [&](size_t from, size_t to) {
        if (to <= from)
            return Status::success();
        return m_session->eval(std::span<const int32_t>(suffix.data() + from, to - from), false, nullptr);
    };
    if (Status st = eval(0, split); !st.ok())
        return st;
    if (m_recurrent) {
        if (Status st = m_session->snapshot(&m_snapshot); !st.ok())
            return st;
        m_haveSnapshot = true;
    }
    if (Status st = eval(split, head); !st.ok())
        return st;
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return Status::success();
}

}  // namespace nd::cli

// Decoding: ids -> exact bytes through the decoder chain, and the streaming decoder that never prints a
// broken UTF-8 character.
#include <algorithm>

#include "gpu/tokenizer/tokenizer_impl.h"
#include "gpu/tokenizer/tokenizer_text.h"

namespace nd {

namespace tok {

namespace {

void replace_all(std::string *text, std::string_view pattern, std::string_view content) {
    if (pattern.empty() || text->find(pattern) == std::string::npos)
        return;
    std::string out;
    size_t last = 0;
    for (size_t pos = text->find(pattern); pos != std::string::npos; pos = text->find(pattern, last)) {
        out.append(*text, last, pos - last);
        out.append(content);
        last = pos + pattern.size();
    }
    out.append(*text, last, std::string::npos);
    text->swap(out);
}

// Strips up to `start` leading and `stop` trailing copies of the character `content`.
void strip_chars(std::string *text, std::string_view content, size_t start, size_t stop) {
    if (content.empty())
        return;
    size_t begin = 0;
    for (size_t k = 0; k < start && text->compare(begin, content.size(), content) == 0; ++k)
        begin += content.size();
    size_t end = text->size();
    for (size_t k = 0; k < stop && end >= begin + content.size() &&
                       text->compare(end - content.size(), content.size(), content) == 0;
         ++k)
        end -= content.size();
    *text = text->substr(begin, end - begin);
}

void apply_step(const DecoderStep &step, std::string *text, bool first) {
    switch (step.kind) {
        case DecoderStep::Kind::replace:
            replace_all(text, step.pattern, step.content);
            break;
        case DecoderStep::Kind::byte_level: {
            // Hugging Face keeps a token whose characters are not all in the alphabet as it is.
            std::string bytes;
            if (byte_level_decode(*text, &bytes))
                text->swap(bytes);
            break;
        }
        case DecoderStep::Kind::byte_fallback: {
            const int byte = parse_byte_piece(*text);
            if (byte >= 0)
                *text = std::string(1, static_cast<char>(byte));
            break;
        }
        case DecoderStep::Kind::fuse:
            break;
        case DecoderStep::Kind::strip:
            strip_chars(text, step.content, step.strip_start, step.strip_stop);
            break;
        case DecoderStep::Kind::metaspace:
            replace_all(text, step.replacement, first && step.prepend ? "" : " ");
            break;
    }
}

}  // namespace

std::string Decoder::token_bytes(std::string_view text, bool first) const {
    std::string out(text);
    for (const DecoderStep &step : per_token)
        apply_step(step, &out, first);
    return out;
}

void Decoder::apply_whole(std::string *text) const {
    for (const DecoderStep &step : whole)
        apply_step(step, text, true);
}

bool Decoder::whole_is_leading_strip() const {
    for (const DecoderStep &step : whole)
        if (step.kind != DecoderStep::Kind::fuse &&
            !(step.kind == DecoderStep::Kind::strip && step.strip_stop == 0))
            return false;
    return true;
}

bool is_skippable_special(const Tokenizer &t, int32_t id) {
    return t.type[id] == TokenType::control || t.type[id] == TokenType::unknown;
}

// Per-token bytes without the whole-text steps; `*first` tracks whether a token has been decoded yet.
Status decode_tokens(const Tokenizer &t, std::span<const int32_t> ids, const DecodeOptions &options,
                     bool *first, std::string *out) {
    const int32_t n = vocab_size(t);
    for (const int32_t id : ids) {
        if (id < 0 || id >= n)
            return ND_STATUS(StatusCode::invalid_argument, t.source + ": token id " + std::to_string(id) +
                                                               " is outside the vocabulary (0.." +
                                                               std::to_string(n - 1) + ")");
        if (options.skip_special && is_skippable_special(t, id))
            continue;
        if (t.decoder.join_with_space && !*first)
            out->push_back(' ');
        if (*first && t.decoder.first_token_rule)
            out->append(t.decoder.token_bytes(t.text[id], true));
        else
            out->append(t.decoded[id]);
        *first = false;
    }
    return Status::success();
}

}  // namespace tok

Status tokenizer_decode(const Tokenizer *tokenizer, std::span<const int32_t> ids,
                        const DecodeOptions &options, std::string *text) {
    if (!tokenizer || !text)
        return ND_STATUS(StatusCode::invalid_argument, "tokenizer_decode: null tokenizer or output");
    text->clear();
    bool first = true;
    Status status = tok::decode_tokens(*tokenizer, ids, options, &first, text);
    if (!status.ok()) {
        text->clear();
        return status;
    }
    tokenizer->decoder.apply_whole(text);
    return status;
}

namespace {

// Replaces each maximal invalid subsequence with U+FFFD (as from_utf8_lossy does).
void append_sanitized(std::string_view bytes, std::string *out) {
    for (size_t i = 0; i < bytes.size();) {
        const size_t len = tok::utf8_char_len(bytes, i);
        if (len > 0) {
            out->append(bytes.substr(i, len));
            i += len;
            continue;
        }
        // Skip the lead byte and the continuation bytes that could still have belonged to it.
        const size_t complete =
            tok::utf8_complete_prefix(bytes.substr(i, std::min<size_t>(4, bytes.size() - i)));
        size_t skip = 1;
        if (complete == 0)  // the whole (short) rest is an unfinished but valid start
            skip = std::min<size_t>(4, bytes.size() - i);
        else {
            const auto lead = static_cast<uint8_t>(bytes[i]);
            const size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 1;
            while (skip < need && i + skip < bytes.size() &&
                   tok::utf8_complete_prefix(bytes.substr(i, skip + 1)) == 0)
                ++skip;
        }
        out->append("\xEF\xBF\xBD");
        i += skip;
    }
}

}  // namespace

TokenStreamDecoder::TokenStreamDecoder(const Tokenizer *tokenizer, DecodeOptions options)
    : m_tokenizer(tokenizer), m_options(options) {}

Status TokenStreamDecoder::push(int32_t id, std::string *text_out) {
    if (text_out)
        text_out->clear();
    if (!m_tokenizer)
        return ND_STATUS(StatusCode::invalid_argument, "TokenStreamDecoder: null tokenizer");
    const tok::Decoder &decoder = m_tokenizer->decoder;
    const int32_t one[1] = {id};
    if (decoder.whole_is_leading_strip()) {
        // Incremental: token bytes, then the leading strip for as long as nothing else has been seen.
        bool first = m_emitted_tokens == 0;
        std::string bytes;
        Status status = tok::decode_tokens(*m_tokenizer, one, m_options, &first, &bytes);
        if (!status.ok())
            return status;
        if (!first)
            ++m_emitted_tokens;
        for (const tok::DecoderStep &step : decoder.whole) {
            if (step.kind != tok::DecoderStep::Kind::strip || step.content.empty())
                continue;
            while (m_strip_left_done < step.strip_start && !m_strip_closed &&
                   bytes.compare(0, step.content.size(), step.content) == 0) {
                bytes.erase(0, step.content.size());
                ++m_strip_left_done;
            }
        }
        if (!bytes.empty())
            m_strip_closed = true;
        m_pending += bytes;
    } else {
        // Any other whole-text step: decode everything again and emit what is new.
        m_ids.push_back(id);
        std::string all;
        Status status = tokenizer_decode(m_tokenizer, m_ids, m_options, &all);
        if (!status.ok()) {
            m_ids.pop_back();
            return status;
        }
        if (all.size() > m_decoded_bytes)
            m_pending += all.substr(m_decoded_bytes);
        m_decoded_bytes = std::max(m_decoded_bytes, all.size());
    }
    const size_t ready = tok::utf8_complete_prefix(m_pending);
    if (text_out)
        append_sanitized(std::string_view(m_pending).substr(0, ready), text_out);
    m_pending.erase(0, ready);
    return Status::success();
}

std::string TokenStreamDecoder::flush() {
    std::string out;
    append_sanitized(m_pending, &out);  // an unfinished character is invalid at the end of the stream
    m_pending.clear();
    return out;
}

}  // namespace nd

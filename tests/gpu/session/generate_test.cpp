// generate() on real tiny random-weight models (llama and nemotron_h, F32) on the CPU backend: greedy
// equals the argmax of Session::eval step by step, a seed repeats its text, stop strings (one split
// across two tokens), max_tokens, a callback that stops at once, the context end, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gpu/cpu/cpu_backend.h"
#include "gpu/model/model.h"
#include "gpu/model/model_gen.h"
#include "gpu/session/generate.h"
#include "gpu/tokenizer/tokenizer.h"
#include "temp_dir.h"

namespace nd {
namespace {

class Generate : public ::testing::TestWithParam<ModelArch> {
protected:
    void SetUp() override {
        ModelGenSpec spec;
        spec.arch = GetParam();
        spec.weight_type = GgmlType::f32;
        spec.seed = 11;
        const std::string path = m_dir.file("m.gguf");
        Status st = model_gen_write(spec, path);
        ASSERT_TRUE(st.ok()) << st.describe();
        st = model_load(path, {}, &m_model);
        ASSERT_TRUE(st.ok()) << st.describe();
        ASSERT_TRUE(m_model->tokenizer);
        m_backend = cpu_backend_create({2});
        st = tokenizer_encode(m_model->tokenizer.get(), "The quick brown fox", {}, &m_prompt);
        ASSERT_TRUE(st.ok()) << st.describe();
        ASSERT_FALSE(m_prompt.empty());
    }

    std::unique_ptr<Session> session(int64_t n_ctx = 96) {
        SessionOptions o;
        o.n_ctx = n_ctx;
        o.kv_type = KvType::f32;
        std::unique_ptr<Session> s;
        const Status st = Session::create(*m_model, m_backend.get(), o, &s);
        EXPECT_TRUE(st.ok()) << st.describe();
        return s;
    }

    // Greedy, EOG off: a fixed number of tokens whatever the random model prefers.
    static GenerateOptions greedy(int64_t n) {
        GenerateOptions o;
        o.sampling = SamplerParams::greedy();
        o.max_tokens = n;
        o.stop_at_eog = false;
        return o;
    }

    GenerateResult run(const GenerateOptions &o, std::string *streamed = nullptr, int64_t n_ctx = 96) {
        std::unique_ptr<Session> s = session(n_ctx);
        GenerateResult r;
        const Status st = generate(
            s.get(), m_prompt, o,
            [&](std::string_view piece, int32_t) {
                if (streamed)
                    streamed->append(piece);
                return true;
            },
            &r);
        EXPECT_TRUE(st.ok()) << st.describe();
        return r;
    }

    std::string decode(std::span<const int32_t> ids) {
        std::string text;
        EXPECT_TRUE(tokenizer_decode(m_model->tokenizer.get(), ids, {}, &text).ok());
        return text;
    }

    test::TempDir m_dir{"nd-generate"};
    std::unique_ptr<Model> m_model;
    std::unique_ptr<Backend> m_backend;
    std::vector<int32_t> m_prompt;
};

TEST_P(Generate, GreedyIsTheArgmaxOfEvalStepByStep) {
    std::string streamed;
    const GenerateResult r = run(greedy(12), &streamed);
    ASSERT_EQ(r.tokens.size(), 12u);
    EXPECT_EQ(r.stop_reason, StopReason::max_tokens);
    EXPECT_EQ(r.prompt_tokens, static_cast<int64_t>(m_prompt.size()));
    EXPECT_EQ(r.completion_tokens, 12);
    EXPECT_EQ(r.text, streamed);

    std::unique_ptr<Session> s = session();
    const auto n_vocab = static_cast<size_t>(tokenizer_vocab_size(m_model->tokenizer.get()));
    std::vector<float> logits;
    ASSERT_TRUE(s->eval(m_prompt, false, &logits).ok());
    for (size_t i = 0; i < r.tokens.size(); ++i) {
        ASSERT_GE(logits.size(), n_vocab);
        const auto best =
            std::max_element(logits.begin(), logits.begin() + static_cast<std::ptrdiff_t>(n_vocab));
        EXPECT_EQ(r.tokens[i], static_cast<int32_t>(best - logits.begin())) << "step " << i;
        ASSERT_TRUE(s->eval(std::span<const int32_t>(&r.tokens[i], 1), false, &logits).ok());
    }
    // The decoded text is the stream's (no stop strings: nothing held back at the end).
    std::string flushed = decode(r.tokens);
    TokenStreamDecoder d(m_model->tokenizer.get());
    std::string all, piece;
    for (int32_t t : r.tokens) {
        ASSERT_TRUE(d.push(t, &piece).ok());
        all += piece;
    }
    all += d.flush();
    EXPECT_EQ(r.text, all);
}

TEST_P(Generate, SameSeedSameTextOtherSeedOtherText) {
    GenerateOptions o = greedy(16);
    o.sampling = SamplerParams{};
    o.sampling.temperature = 1.5f;
    o.sampling.top_k = 0;
    o.sampling.top_p = 1.0f;
    o.sampling.min_p = 0.0f;
    o.sampling.seed = 5;
    const GenerateResult a = run(o);
    const GenerateResult b = run(o);
    EXPECT_EQ(a.tokens, b.tokens);
    EXPECT_EQ(a.text, b.text);
    EXPECT_EQ(a.seed, 5u);
    o.sampling.seed = 6;
    EXPECT_NE(run(o).tokens, a.tokens);
}

// Penalties and top-k on the backend (Sampler::best_plan, Session::eval_best) choose the tokens the host
// path chooses from every logit: greedy, the default chain, penalties; and top-k off takes the host path.
TEST_P(Generate, BackendSamplingChoosesTheHostPathsTokens) {
    std::vector<SamplerParams> chains(4);
    chains[0] = SamplerParams::greedy();
    chains[1].seed = 9;  // the defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05
    chains[2].seed = 3;
    chains[2].top_k = 5;
    chains[2].repeat_penalty = 1.3f;
    chains[2].presence_penalty = 0.4f;
    chains[2].frequency_penalty = 0.2f;
    chains[2].penalty_last_n = 16;
    chains[3].seed = 4;
    chains[3].top_k = 0;
    for (const SamplerParams &p : chains) {
        GenerateOptions o;
        o.sampling = p;
        o.max_tokens = 24;
        o.stop_at_eog = false;
        o.sample_on_backend = true;
        const GenerateResult on = run(o);
        o.sample_on_backend = false;
        const GenerateResult off = run(o);
        EXPECT_EQ(on.tokens, off.tokens) << "top_k " << p.top_k << ", temperature " << p.temperature;
        EXPECT_EQ(on.tokens.size(), 24u);
    }
}

TEST_P(Generate, StopStringSplitAcrossTokensEndsTheTextBeforeIt) {
    const GenerateResult full = run(greedy(24));
    // A boundary between two tokens with an ASCII byte on each side: the stop string takes one byte of
    // each, so it is only complete once the second token is decoded. Offsets come from the stream
    // decoder, as generate() sees the text (invalid bytes there are already U+FFFD).
    const std::string &text = full.text;
    TokenStreamDecoder d(m_model->tokenizer.get());
    std::vector<size_t> ends;  // text length after each token
    std::string streamed_so_far, piece;
    for (int32_t t : full.tokens) {
        ASSERT_TRUE(d.push(t, &piece).ok());
        streamed_so_far += piece;
        ends.push_back(streamed_so_far.size());
    }
    size_t boundary = 0;
    for (size_t k = 1; k + 1 < ends.size() && boundary == 0; ++k) {
        const size_t off = ends[k - 1];
        if (off > 0 && ends[k] > off && off < text.size() &&
            static_cast<unsigned char>(text[off - 1]) < 0x80 && static_cast<unsigned char>(text[off]) < 0x80)
            boundary = off;
    }
    if (boundary == 0)
        GTEST_SKIP() << "this random model's output has no ASCII token boundary";
    const std::string stop = text.substr(boundary - 1, 2);
    GenerateOptions o = greedy(24);
    o.stop = {"never appears \x01", stop};
    std::string streamed;
    const GenerateResult r = run(o, &streamed);
    EXPECT_EQ(r.stop_reason, StopReason::stop_string);
    EXPECT_EQ(r.text, text.substr(0, text.find(stop)));
    EXPECT_EQ(streamed, r.text);  // nothing shown that was then cut off
    EXPECT_LT(r.tokens.size(), full.tokens.size());
}

TEST_P(Generate, MaxTokensLeavesTheLastTokenUnevaluated) {
    std::unique_ptr<Session> s = session();
    GenerateResult r;
    ASSERT_TRUE(generate(s.get(), m_prompt, greedy(5), nullptr, &r).ok());
    EXPECT_EQ(r.tokens.size(), 5u);
    EXPECT_EQ(r.stop_reason, StopReason::max_tokens);
    EXPECT_EQ(s->n_past(), static_cast<int64_t>(m_prompt.size()) + 4);
    EXPECT_STREQ(stop_reason_name(r.stop_reason), "length");
}

TEST_P(Generate, CallbackStopsAtOnce) {
    std::unique_ptr<Session> s = session();
    GenerateResult r;
    int calls = 0;
    const Status st = generate(
        s.get(), m_prompt, greedy(20), [&](std::string_view, int32_t) { return ++calls < 3; }, &r);
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(r.tokens.size(), 3u);
    EXPECT_EQ(r.stop_reason, StopReason::callback);
    EXPECT_STREQ(stop_reason_name(r.stop_reason), "cancelled");
}

TEST_P(Generate, ContextFullIsAStopNotAnError) {
    const auto n_ctx = static_cast<int64_t>(m_prompt.size()) + 3;
    std::unique_ptr<Session> s = session(n_ctx);
    GenerateResult r;
    const Status st = generate(s.get(), m_prompt, greedy(0), nullptr, &r);
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_EQ(r.stop_reason, StopReason::context_full);
    EXPECT_EQ(r.tokens.size(), 3u);
    EXPECT_EQ(s->n_past(), n_ctx);
}

TEST_P(Generate, EndOfGenerationTokenEndsWithoutText) {
    const GenerateResult first = run(greedy(1));
    ASSERT_EQ(first.tokens.size(), 1u);
    GenerateOptions o = greedy(10);
    o.extra_eog = {first.tokens[0]};
    const GenerateResult r = run(o);
    EXPECT_EQ(r.stop_reason, StopReason::eog);
    EXPECT_TRUE(r.tokens.empty());
    EXPECT_TRUE(r.text.empty());
}

TEST_P(Generate, BadInputIsAClearError) {
    std::unique_ptr<Session> s = session(16);
    GenerateResult r;
    GenerateOptions o = greedy(4);
    o.sampling.top_p = 2.0f;
    Status st = generate(s.get(), m_prompt, o, nullptr, &r);
    EXPECT_EQ(st.code, StatusCode::invalid_argument);
    EXPECT_NE(st.message.find("top_p"), std::string::npos) << st.message;

    st = generate(s.get(), {}, greedy(4), nullptr, &r);
    EXPECT_NE(st.message.find("prompt is empty"), std::string::npos) << st.message;

    o = greedy(4);
    o.stop = {""};
    EXPECT_EQ(generate(s.get(), m_prompt, o, nullptr, &r).code, StatusCode::invalid_argument);

    const std::vector<int32_t> long_prompt(40, m_prompt[0]);
    st = generate(s.get(), long_prompt, greedy(4), nullptr, &r);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message.find("context"), std::string::npos) << st.message;
    EXPECT_EQ(s->n_past(), 0);
}

TEST_P(Generate, NoTokenizerIsAClearError) {
    std::unique_ptr<Model> bare;
    ModelLoadOptions lo;
    lo.load_tokenizer = false;
    ASSERT_TRUE(model_load(m_dir.file("m.gguf"), lo, &bare).ok());
    std::unique_ptr<Session> s;
    ASSERT_TRUE(Session::create(*bare, m_backend.get(), {}, &s).ok());
    GenerateResult r;
    const Status st = generate(s.get(), m_prompt, greedy(2), nullptr, &r);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message.find("no tokenizer"), std::string::npos) << st.message;
}

INSTANTIATE_TEST_SUITE_P(Archs, Generate, ::testing::Values(ModelArch::llama, ModelArch::nemotron_h),
                         [](const auto &tp) { return std::string(model_arch_name(tp.param)); });

}  // namespace
}  // namespace nd

// BatchGenerator on tiny random-weight models of every architecture (CPU backend): concurrent greedy
// requests (prompts longer than the step budget, more requests than slots) give generate()'s tokens and
// text, a seed gives the same text whatever runs beside it, cancel / stop strings / max_tokens / a callback
// that stops, prefix reuse evaluates only the new tokens, a prompt over the context is an error, and run()
// serves requests submitted from other threads.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "engine/forward_test_util.h"
#include "gpu/session/batch_generator.h"
#include "gpu/session/generate.h"
#include "gpu/tokenizer/tokenizer.h"

namespace nd::test {
namespace {

constexpr int64_t kCtx = 128;

GenerateOptions greedy(int64_t n) {
    GenerateOptions o;
    o.sampling = SamplerParams::greedy();
    o.max_tokens = n;
    o.stop_at_eog = false;
    return o;
}

GenerateOptions seeded(int64_t n, uint64_t seed) {
    GenerateOptions o = greedy(n);
    o.sampling = SamplerParams{};
    o.sampling.temperature = 1.2f;
    o.sampling.seed = seed;
    return o;
}

struct Outcome {
    BatchDone done;
    std::string streamed;
    bool finished = false;
};

class BatchGen : public ::testing::TestWithParam<ModelArch> {
protected:
    void SetUp() override {
        m_model = load_cached(GetParam());
        ASSERT_TRUE(m_model && m_model->tokenizer);
        m_backend = cpu_backend_create({2});
        m_vocab = tokenizer_vocab_size(m_model->tokenizer.get());
    }

    std::unique_ptr<BatchGenerator> generator(int64_t n_slots, int64_t n_batch) {
        BatchGeneratorOptions o;
        o.n_slots = n_slots;
        o.n_ctx = kCtx;
        o.n_batch = n_batch;
        o.kv_type = KvType::f32;
        std::unique_ptr<BatchGenerator> g;
        const Status st = BatchGenerator::create(*m_model, m_backend.get(), o, &g);
        EXPECT_TRUE(st.ok()) << st.describe();
        return g;
    }

    // generate() alone on a fresh session.
    GenerateResult alone(const std::vector<int32_t> &prompt, const GenerateOptions &o,
                         std::string *streamed) {
        auto s = make_session(*m_model, m_backend.get(), kCtx, 0);
        GenerateResult r;
        const Status st = generate(
            s.get(), prompt, o,
            [&](std::string_view piece, int32_t) {
                streamed->append(piece);
                return true;
            },
            &r);
        EXPECT_TRUE(st.ok()) << st.describe();
        return r;
    }

    // Submits a request whose outcome lands in *out.
    int64_t submit(BatchGenerator &g, const std::vector<int32_t> &prompt, const GenerateOptions &o,
                   Outcome *out, std::function<bool(int32_t)> on_token = {}) {
        BatchRequest r;
        r.prompt = prompt;
        r.options = o;
        r.on_token = [out, on_token](std::string_view piece, int32_t token) {
            out->streamed.append(piece);
            return on_token ? on_token(token) : true;
        };
        r.on_done = [out](const BatchDone &d) {
            EXPECT_FALSE(out->finished) << "on_done called twice";
            out->done = d;
            out->finished = true;
        };
        return g.submit(std::move(r));
    }

    static void drain(BatchGenerator &g) {
        for (int i = 0; i < 10000 && !g.idle(); ++i)
            g.step();
        EXPECT_TRUE(g.idle());
    }

    std::vector<int32_t> prompt(int64_t n, uint32_t seed) { return test_tokens(n, m_vocab, seed); }

    std::unique_ptr<Model> m_model;
    std::unique_ptr<Backend> m_backend;
    int64_t m_vocab = 0;
};

// Five requests on three slots with a 16-token step budget: prompts of 3 to 45 tokens (three are split
// across steps), different lengths to generate. Each gives generate()'s tokens, text and stream.
TEST_P(BatchGen, ConcurrentGreedyRequestsGiveGeneratesTokens) {
    auto g = generator(3, 16);
    const std::vector<int64_t> lens = {3, 20, 45, 7, 33};
    const std::vector<int64_t> gen = {12, 5, 9, 14, 6};
    std::vector<Outcome> out(lens.size());
    for (size_t i = 0; i < lens.size(); ++i)
        submit(*g, prompt(lens[i], static_cast<uint32_t>(i + 1)), greedy(gen[i]), &out[i]);
    drain(*g);
    for (size_t i = 0; i < lens.size(); ++i) {
        std::string streamed;
        const GenerateResult ref =
            alone(prompt(lens[i], static_cast<uint32_t>(i + 1)), greedy(gen[i]), &streamed);
        ASSERT_TRUE(out[i].finished);
        const BatchDone &d = out[i].done;
        EXPECT_TRUE(d.status.ok()) << d.status.describe();
        EXPECT_EQ(d.result.tokens, ref.tokens) << "request " << i;
        EXPECT_EQ(d.result.text, ref.text) << "request " << i;
        EXPECT_EQ(out[i].streamed, streamed) << "request " << i;
        EXPECT_EQ(d.result.stop_reason, StopReason::max_tokens);
        EXPECT_EQ(d.result.prompt_tokens, lens[i]);
        EXPECT_EQ(d.result.completion_tokens, gen[i]);
        EXPECT_GT(d.result.prompt_seconds, 0);
    }
    const BatchGeneratorStats s = g->stats();
    EXPECT_EQ(s.finished, 5);
    EXPECT_EQ(s.prompt_tokens + s.cached_tokens, 3 + 20 + 45 + 7 + 33);
    // The last token of a max_tokens stop is never evaluated.
    EXPECT_EQ(s.decode_tokens, 12 + 5 + 9 + 14 + 6 - 5);
    EXPECT_LT(s.steps, s.prompt_tokens + s.decode_tokens);  // rows were shared between sequences
}

TEST_P(BatchGen, SeededSamplingIsTheSameWhateverRunsBeside) {
    const std::vector<int32_t> p = prompt(9, 42);
    std::string streamed;
    const GenerateResult ref = alone(p, seeded(16, 77), &streamed);

    auto g = generator(4, 8);
    Outcome solo;
    submit(*g, p, seeded(16, 77), &solo);
    drain(*g);
    std::vector<Outcome> others(3);
    Outcome mixed;
    submit(*g, prompt(21, 5), seeded(10, 1), &others[0]);
    submit(*g, p, seeded(16, 77), &mixed);
    submit(*g, prompt(4, 6), seeded(20, 2), &others[1]);
    submit(*g, prompt(13, 7), greedy(7), &others[2]);
    drain(*g);
    EXPECT_EQ(solo.done.result.tokens, ref.tokens);
    EXPECT_EQ(mixed.done.result.tokens, ref.tokens);
    EXPECT_EQ(mixed.done.result.text, ref.text);
    EXPECT_EQ(mixed.done.result.seed, 77u);
}

TEST_P(BatchGen, CancelCallbackStopStringsAndMaxTokens) {
    auto g = generator(4, 32);
    std::vector<Outcome> out(4);
    // Cancelled from its own callback after 3 tokens: the next step ends it.
    int64_t n_seen = 0;
    const int64_t cancelled = submit(*g, prompt(10, 1), greedy(50), &out[0], [&](int32_t) {
        if (++n_seen == 3) {
            EXPECT_TRUE(g->cancel(1));
        }
        return true;
    });
    EXPECT_EQ(cancelled, 1);
    // The callback stops at its 4th token.
    int64_t n_cb = 0;
    submit(*g, prompt(12, 2), greedy(50), &out[1], [&](int32_t) { return ++n_cb < 4; });
    // Runs alongside to its max_tokens.
    submit(*g, prompt(6, 3), greedy(7), &out[2]);
    // A request cancelled while it waits.
    const int64_t queued = submit(*g, prompt(5, 4), greedy(5), &out[3]);
    EXPECT_TRUE(g->cancel(queued));
    drain(*g);
    EXPECT_FALSE(g->cancel(queued));  // already finished
    EXPECT_EQ(out[0].done.result.stop_reason, StopReason::callback);
    EXPECT_EQ(out[0].done.result.tokens.size(), 3u);
    EXPECT_EQ(out[1].done.result.stop_reason, StopReason::callback);
    EXPECT_EQ(out[1].done.result.tokens.size(), 4u);
    EXPECT_EQ(out[2].done.result.stop_reason, StopReason::max_tokens);
    EXPECT_EQ(out[2].done.result.tokens.size(), 7u);
    EXPECT_EQ(out[3].done.result.stop_reason, StopReason::callback);
    EXPECT_TRUE(out[3].done.result.tokens.empty());
    for (const Outcome &o : out)
        EXPECT_TRUE(o.finished && o.done.status.ok());

    // Stop strings: the text of a greedy run, cut at a two-byte string from its middle, as generate() cuts
    // it.
    std::string streamed;
    const GenerateResult full = alone(prompt(8, 9), greedy(24), &streamed);
    if (full.text.size() < 8)
        GTEST_SKIP() << "this random model's text is too short for a stop string";
    GenerateOptions o = greedy(24);
    o.stop = {"never appears \x01", full.text.substr(full.text.size() / 2, 2)};
    streamed.clear();
    const GenerateResult ref = alone(prompt(8, 9), o, &streamed);
    Outcome stop;
    Outcome beside;
    submit(*g, prompt(30, 10), greedy(20), &beside);
    submit(*g, prompt(8, 9), o, &stop);
    drain(*g);
    EXPECT_EQ(stop.done.result.stop_reason, ref.stop_reason);
    EXPECT_EQ(stop.done.result.text, ref.text);
    EXPECT_EQ(stop.streamed, streamed);
    EXPECT_EQ(stop.done.result.tokens, ref.tokens);
}

// The second turn repeats the first (prompt + reply) and adds to it: only the new tokens are evaluated,
// and the reply is generate()'s on the whole conversation.
TEST_P(BatchGen, PrefixReuseEvaluatesOnlyTheNewTokens) {
    auto g = generator(2, 16);
    const std::vector<int32_t> p1 = prompt(20, 3);
    Outcome first, other;
    submit(*g, p1, greedy(6), &first);
    submit(*g, prompt(11, 4), greedy(3), &other);  // holds the other slot
    drain(*g);
    ASSERT_TRUE(first.done.status.ok());
    std::vector<int32_t> p2 = p1;
    p2.insert(p2.end(), first.done.result.tokens.begin(), first.done.result.tokens.end());
    const std::vector<int32_t> more = prompt(9, 5);
    p2.insert(p2.end(), more.begin(), more.end());

    const BatchGeneratorStats before = g->stats();
    Outcome second;
    submit(*g, p2, greedy(8), &second);
    drain(*g);
    ASSERT_TRUE(second.done.status.ok()) << second.done.status.describe();
    // The slot holds the prompt and every reply token but the last (a max_tokens stop leaves it unevaluated).
    const auto held = static_cast<int64_t>(p1.size() + first.done.result.tokens.size() - 1);
    EXPECT_EQ(second.done.cached_tokens, held);
    const BatchGeneratorStats after = g->stats();
    EXPECT_EQ(after.prompt_tokens - before.prompt_tokens, static_cast<int64_t>(p2.size()) - held);
    std::string streamed;
    EXPECT_EQ(second.done.result.tokens, alone(p2, greedy(8), &streamed).tokens);
    EXPECT_EQ(second.done.result.prompt_tokens, static_cast<int64_t>(p2.size()));
}

TEST_P(BatchGen, PromptOverTheContextIsAnError) {
    auto g = generator(2, 16);
    Outcome over, fine, empty;
    submit(*g, prompt(kCtx + 5, 1), greedy(4), &over);
    submit(*g, prompt(5, 2), greedy(4), &fine);
    submit(*g, {}, greedy(4), &empty);
    drain(*g);
    EXPECT_EQ(over.done.status.code, StatusCode::invalid_argument);
    EXPECT_NE(over.done.status.message.find(std::to_string(kCtx + 5)), std::string::npos);
    EXPECT_NE(over.done.status.message.find(std::to_string(kCtx)), std::string::npos);
    EXPECT_TRUE(fine.done.status.ok());
    EXPECT_EQ(fine.done.result.tokens.size(), 4u);
    EXPECT_EQ(empty.done.status.code, StatusCode::invalid_argument);
}

// run() on its own thread; requests from several threads at once, more than the slots.
TEST_P(BatchGen, RunServesRequestsFromOtherThreads) {
    auto g = generator(3, 32);
    std::thread worker([&] { g->run(); });
    constexpr int kClients = 6;
    std::vector<Outcome> out(kClients);
    std::atomic<int> done{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i)
        clients.emplace_back([&, i] {
            BatchRequest r;
            r.prompt = prompt(5 + 7 * i, static_cast<uint32_t>(100 + i));
            r.options = greedy(6);
            r.on_done = [&, i](const BatchDone &d) {
                out[static_cast<size_t>(i)].done = d;
                ++done;
            };
            g->submit(std::move(r));
        });
    for (std::thread &t : clients)
        t.join();
    for (int i = 0; i < 2000 && done < kClients; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    g->stop();
    worker.join();
    ASSERT_EQ(done.load(), kClients);
    for (int i = 0; i < kClients; ++i) {
        std::string streamed;
        EXPECT_EQ(out[static_cast<size_t>(i)].done.result.tokens,
                  alone(prompt(5 + 7 * i, static_cast<uint32_t>(100 + i)), greedy(6), &streamed).tokens);
    }
}

INSTANTIATE_TEST_SUITE_P(Arch, BatchGen, testing::ValuesIn(kModelArchs), [](const auto &param_info) {
    return std::string(model_arch_name(param_info.param));
});

}  // namespace
}  // namespace nd::test

// BenchMeasure: llama-bench's measurements on a session (see the header).
#include "BenchMeasure.h"

#include <chrono>
#include <cmath>

namespace nd::cli {

namespace {

// The same 64-bit LCG as nd_llama_eval bench: identical ids, so MoE routing sees the same tokens.
struct Lcg {
    uint64_t s = 0x853c49e6748fea9bull;
    int32_t next(int64_t nVocab) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<int32_t>((s >> 33) % static_cast<uint64_t>(nVocab));
    }
};

double nowSeconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One run: nPrompt ids in one eval, then nGen single-token evals; each asks for the last logits only.
Status runOnce(Session &session, Lcg &rng, int64_t nPrompt, int64_t nGen) {
    const int64_t nVocab = session.n_vocab();
    std::vector<float> logits;
    if (nPrompt > 0) {
        std::vector<int32_t> ids(static_cast<size_t>(nPrompt));
        for (auto &id : ids)
            id = rng.next(nVocab);
        if (Status s = session.eval(ids, false, &logits); !s.ok())
            return s;
    }
    for (int64_t i = 0; i < nGen; ++i) {
        const int32_t one[1] = {rng.next(nVocab)};
        if (Status s = session.eval(one, false, &logits); !s.ok())
            return s;
    }
    return {};
}

}  // namespace

double BenchTestResult::mean() const {
    double m = 0;
    for (double x : ts)
        m += x;
    return ts.empty() ? 0 : m / static_cast<double>(ts.size());
}

double BenchTestResult::stddev() const {
    if (ts.size() < 2)
        return 0;
    const double m = mean();
    double v = 0;
    for (double x : ts)
        v += (x - m) * (x - m);
    return std::sqrt(v / static_cast<double>(ts.size() - 1));
}

Status benchRunTest(Session &session, int64_t nPrompt, int64_t nGen, int reps, BenchTestResult *out) {
    Lcg rng;
    out->nPrompt = nPrompt;
    out->nGen = nGen;
    out->name = nPrompt > 0 ? QStringLiteral("pp%1").arg(nPrompt) : QStringLiteral("tg%1").arg(nGen);
    session.reset();
    if (Status s = runOnce(session, rng, nPrompt, nGen > 0 ? 1 : 0); !s.ok())  // warm-up
        return s;
    for (int r = 0; r < reps; ++r) {
        session.reset();
        const double t0 = nowSeconds();
        if (Status s = runOnce(session, rng, nPrompt, nGen); !s.ok())
            return s;
        out->ts.push_back(static_cast<double>(nPrompt + nGen) / (nowSeconds() - t0));
    }
    return {};
}

}  // namespace nd::cli

#pragma once
// The measuring part of `nemoctl bench`, shared with `nemoctl worker bench`: llama-bench's method (pp<P>: a
// P-token prompt in one eval from an empty context; tg<N>: N one-token decodes from an empty context; one
// warm-up run, then `reps` timed repetitions from a cleared session). Prompt ids are fixed pseudo-random
// ids, the same generator as the reference runner nd_llama_eval.
#include <QString>

#include <cstdint>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/session/session.h"

namespace nd::cli {

struct BenchTestResult {
    QString name;  // "pp512", "tg128"
    int64_t nPrompt = 0, nGen = 0;
    std::vector<double> ts;  // tokens/s of each repetition
    double mean() const;
    double stddev() const;  // sample standard deviation; 0 for fewer than 2 samples
};

Status benchRunTest(Session &session, int64_t nPrompt, int64_t nGen, int reps, BenchTestResult *out);

}  // namespace nd::cli

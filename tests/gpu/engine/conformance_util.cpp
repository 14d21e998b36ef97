// Helpers of the conformance suites (see conformance_util.h).
#include "conformance_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "gpu/cpu/cpu_backend.h"
#include "gpu/session/session.h"

namespace nd::test {

namespace {

int64_t argmax(const float *row, int64_t n) {
    return static_cast<int64_t>(std::max_element(row, row + n) - row);
}

std::string read_text(const std::string &path) {
    std::string out;
    if (FILE *f = std::fopen(path.c_str(), "rb")) {
        char buf[65536];
        size_t n = 0;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
            out.append(buf, n);
        std::fclose(f);
    }
    return out;
}

}  // namespace

int64_t LogitsDiff::positions_over(double rel) const {
    return std::count_if(pos_max_abs.begin(), pos_max_abs.end(),
                         [&](double a) { return !(a <= rel * max_ref); });  // NaN-safe
}

LogitsDiff logits_compare(const std::vector<float> &ref, const std::vector<float> &ours, int64_t n_vocab,
                          double tie_rel) {
    LogitsDiff d;
    if (n_vocab <= 0 || ref.size() != ours.size() || ref.size() % static_cast<size_t>(n_vocab) != 0) {
        d.max_abs = INFINITY;
        return d;
    }
    d.n_pos = static_cast<int64_t>(ref.size()) / n_vocab;
    d.pos_max_abs.assign(static_cast<size_t>(d.n_pos), 0.0);
    for (int64_t p = 0; p < d.n_pos; ++p) {
        const float *r = ref.data() + p * n_vocab, *o = ours.data() + p * n_vocab;
        double &pos = d.pos_max_abs[static_cast<size_t>(p)];
        for (int64_t v = 0; v < n_vocab; ++v) {
            // NaN anywhere must fail: max() would silently drop it.
            const double diff = std::fabs(static_cast<double>(o[v]) - r[v]);
            pos = std::isnan(diff) ? INFINITY : std::max(pos, diff);
            d.max_ref = std::max(d.max_ref, std::fabs(static_cast<double>(r[v])));
        }
        d.max_abs = std::max(d.max_abs, pos);
    }
    std::vector<int64_t> tie_candidates;
    for (int64_t p = 0; p < d.n_pos; ++p) {
        const float *r = ref.data() + p * n_vocab, *o = ours.data() + p * n_vocab;
        const int64_t a = argmax(r, n_vocab), b = argmax(o, n_vocab);
        if (a == b) {
            ++d.top1_same;
            continue;
        }
        if (d.first_top1_mismatch < 0)
            d.first_top1_mismatch = p;
        const double gap = static_cast<double>(r[a]) - r[b];
        d.max_miss_gap = std::max(d.max_miss_gap, gap);
        if (gap < tie_rel * d.max_ref)
            ++d.near_ties;
    }
    return d;
}

bool is_float_type(GgmlType t) {
    return t == GgmlType::f32 || t == GgmlType::f16 || t == GgmlType::bf16;
}

double rel_bound(GgmlType t) {
    switch (t) {
        case GgmlType::f32:
            return kF32RelBound;
        case GgmlType::f16:
            return kF16RelBound;
        case GgmlType::bf16:
            return kBf16RelBound;
        case GgmlType::q4_k:
        case GgmlType::q5_k:
        case GgmlType::q6_k:
            return kQ8KRelBound;
        default:
            return kQ8RelBound;
    }
}

std::vector<int32_t> fixed_tokens(int64_t n, int64_t n_vocab, uint64_t seed) {
    std::vector<int32_t> ids(static_cast<size_t>(n));
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 0x853c49e6748fea9bull;
    for (auto &id : ids) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        id = static_cast<int32_t>((s >> 33) % static_cast<uint64_t>(n_vocab));
    }
    return ids;
}

bool reference_built() {
#ifdef ND_LLAMA_EVAL
    return true;
#else
    return false;
#endif
}

Status reference_eval(const std::string &model_path, const std::vector<int32_t> &ids, int batch,
                      const std::string &scratch_dir, std::vector<float> *logits, int64_t *n_vocab) {
#ifndef ND_LLAMA_EVAL
    (void)model_path, (void)ids, (void)batch, (void)scratch_dir, (void)logits, (void)n_vocab;
    return ND_STATUS(StatusCode::unavailable, "nd_llama_eval was not built (tools/reference/setup.sh)");
#else
    std::string list;
    for (int32_t id : ids)
        list += (list.empty() ? "" : ",") + std::to_string(id);
    const std::string out = scratch_dir + "/ref.f32", text = scratch_dir + "/ref.txt",
                      err = scratch_dir + "/ref.err";
    const std::string cmd = "'" + std::string(ND_LLAMA_EVAL) + "' eval '" + model_path + "' --tokens " +
                            list + " --batch " + std::to_string(batch) + " --threads 1 --out '" + out +
                            "' > '" + text + "' 2> '" + err + "'";
    if (std::system(cmd.c_str()) != 0)
        return ND_STATUS(StatusCode::internal, "nd_llama_eval failed: " + read_text(err));
    *n_vocab = std::atoll(read_text(text).c_str());
    const std::string bytes = read_text(out);
    if (*n_vocab <= 0 || bytes.size() != ids.size() * static_cast<size_t>(*n_vocab) * sizeof(float))
        return ND_STATUS(StatusCode::internal, "nd_llama_eval wrote " + std::to_string(bytes.size()) +
                                                   " bytes for n_vocab " + std::to_string(*n_vocab));
    logits->resize(bytes.size() / sizeof(float));
    std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char *>(logits->data()));
    return {};
#endif
}

Status engine_eval(const Model &model, const std::vector<int32_t> &ids, const EngineRun &run,
                   std::vector<float> *logits) {
    CpuBackendOptions bo;
    bo.n_threads = run.n_threads;
    const std::unique_ptr<Backend> backend = cpu_backend_create(bo);
    SessionOptions so;
    so.n_ctx = std::max<int64_t>(64, static_cast<int64_t>(ids.size()));
    so.n_batch = run.n_batch;
    so.kv_type = KvType::f32;
    std::unique_ptr<Session> session;
    if (Status s = Session::create(model, backend.get(), so, &session); !s.ok())
        return s;
    const std::span<const int32_t> all(ids);
    const size_t n_prefill =
        run.n_prefill < 0 ? ids.size() : std::min(ids.size(), static_cast<size_t>(run.n_prefill));
    logits->clear();
    std::vector<float> part;
    if (n_prefill > 0) {
        if (Status s = session->eval(all.first(n_prefill), true, &part); !s.ok())
            return s;
        logits->insert(logits->end(), part.begin(), part.end());
    }
    for (size_t i = n_prefill; i < ids.size(); ++i) {
        if (Status s = session->eval(all.subspan(i, 1), true, &part); !s.ok())
            return s;
        logits->insert(logits->end(), part.begin(), part.end());
    }
    return {};
}

std::string diff_line(const std::string &what, const LogitsDiff &d) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s: max|d| %.2e (rel %.2e of %.1f), top-1 %lld/%lld (ties %lld)",
                  what.c_str(), d.max_abs, d.rel(), d.max_ref, static_cast<long long>(d.top1_same),
                  static_cast<long long>(d.n_pos), static_cast<long long>(d.near_ties));
    std::string line = buf;
    if (d.top1_same < d.n_pos) {
        std::snprintf(buf, sizeof buf, ", largest gap at a miss %.1e of max",
                      d.max_ref > 0 ? d.max_miss_gap / d.max_ref : 0);
        line += buf;
    }
    return line;
}

void conformance_check(const ModelGenSpec &spec, const std::string &label,
                       const std::vector<int64_t> &lengths, const std::string &dir) {
    const std::string path = dir + "/model.gguf";
    ASSERT_TRUE(model_gen_write(spec, path).ok());
    std::unique_ptr<Model> model;
    ModelLoadOptions lo;
    lo.load_tokenizer = false;
    const Status loaded = model_load(path, lo, &model);
    ASSERT_TRUE(loaded.ok()) << loaded.message;
    // A type mix (ModelGenSpec::mix) sets weight_type to its base type: the tolerances follow it.
    const GgmlType weight_type = model_gen_resolve(spec).weight_type;
    const double rel_max = rel_bound(weight_type);
    const bool strict_top1 = is_float_type(weight_type);
    const double tie_rel = strict_top1 ? 0.0 : 2 * rel_max;
    const std::string type = spec.mix.empty() ? ggml_type_name(static_cast<uint32_t>(weight_type)) : spec.mix;
    // A routed MoE can choose another expert where its router has a near-tie, which moves that position's
    // logits by far more than the rounding bound (docs/conformance.md, "Routed experts"): a few such
    // positions are allowed (1 in 20, at least one), never the rest.
    const int64_t routed = model->hp.arch == ModelArch::nemotron_h_moe ? 20 : 0;
    // The tolerances of the weight type, on one comparison.
    const auto check = [&](const std::string &what, const LogitsDiff &d) {
        std::printf("[conformance] %s\n", diff_line(what, d).c_str());
        const int64_t over = d.positions_over(rel_max);
        const int64_t allowed = routed > 0 && !strict_top1 ? std::max<int64_t>(1, d.n_pos / routed) : 0;
        EXPECT_LE(over, allowed) << diff_line(what, d) << ": " << over << " positions beyond " << rel_max
                                 << " of max |logit|";
        if (strict_top1) {
            EXPECT_EQ(d.top1_same, d.n_pos)
                << diff_line(what, d) << ", first mismatch at " << d.first_top1_mismatch;
        } else {
            EXPECT_EQ(d.decisive_mismatches(), 0)
                << diff_line(what, d) << ", first mismatch at " << d.first_top1_mismatch;
        }
    };
    std::vector<float> ref_longest, ours_longest;
    std::vector<int32_t> longest;
    for (size_t k = 0; k < lengths.size(); ++k) {
        const std::vector<int32_t> ids = fixed_tokens(lengths[k], model->hp.n_vocab, 1000 + k);
        std::vector<float> ref, ours;
        int64_t n_vocab = 0;
        const Status rs = reference_eval(path, ids, 0, dir, &ref, &n_vocab);
        ASSERT_TRUE(rs.ok()) << rs.message;
        ASSERT_EQ(n_vocab, model->hp.n_vocab);
        const Status es = engine_eval(*model, ids, EngineRun{}, &ours);
        ASSERT_TRUE(es.ok()) << es.message;
        check(label + " " + type + " n=" + std::to_string(ids.size()),
              logits_compare(ref, ours, n_vocab, tie_rel));
        if (ids.size() >= longest.size()) {
            longest = ids;
            ref_longest = std::move(ref);
            ours_longest = std::move(ours);
        }
    }
    // Prefill then decode: a few prefill batches, then one token at a time; against our all-at-once run
    // and against the reference.
    std::vector<float> decoded;
    EngineRun run;
    run.n_prefill = static_cast<int64_t>(longest.size()) / 2;
    const Status ds = engine_eval(*model, longest, run, &decoded);
    ASSERT_TRUE(ds.ok()) << ds.message;
    const std::string what = label + " " + type + " n=" + std::to_string(longest.size()) + " prefill " +
                             std::to_string(run.n_prefill) + " + decode";
    check(what + " vs all-at-once", logits_compare(ours_longest, decoded, model->hp.n_vocab, tie_rel));
    check(what + " vs reference", logits_compare(ref_longest, decoded, model->hp.n_vocab, tie_rel));
}

}  // namespace nd::test

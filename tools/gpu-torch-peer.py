#!/usr/bin/env python3
"""gpu-torch-peer: the engine benchmark's two models run through plain PyTorch, as a peer for the engine's
numbers (nemodesk-engine-bench, gpu/tools/engine_bench_main.cpp).

    python3 tools/gpu-torch-peer.py [--preset nano3-6L,dense-1.8B] [--device cuda|cuda:N|cpu]
                                    [--prompts 512,4096] [--decode 128] [--no-graph] [--json FILE]
                                    [--quick] [--selfcheck]

Same forward passes (spec shared/specs/nemotron-gguf.md §2.4) at the same shapes, random bf16 weights with
the generator's scales (gpu/model/model_gen.cpp: matrices N(0, 1/fan_in), embedding N(0, 1), norms 1 + 0.05·N,
Mamba dt bias / A / D as Mamba initialises them), measured like the engine bench measures itself:
  pp512, pp4096  prompt tokens/s: best of 2 (after one untimed warm-up prompt), the whole prompt in one
                 forward, logits of the last token only; CUDA events.
  tg128          decode tokens/s at batch 1 after a 64-token prompt: 4 warm-up steps, then 128 timed steps,
                 each step's logits (f32) copied to pinned host memory as a sampler needs them; the one-token
                 step is a captured torch.cuda.CUDAGraph (checked against the eager step), else eager.

Model shapes (from presets() in gpu/tools/engine_bench_main.cpp; what it leaves unset is unused; the MoE
router constants from model_gen_write in gpu/model/model_gen.cpp):
  nano3-6L   nemotron_h_moe: Nemotron 3 Nano 30B-A3B's widths (spec §2.6) with 6 of its 52 layers.
             vocab 131072, n_embd 2688, 6 layers "MEM*EM" (3 Mamba-2, 2 MoE, 1 attention), rms eps 1e-5.
             attention: 32 query heads, 2 KV heads, head_dim 128 (H·hd = 4096 != n_embd), no RoPE.
             Mamba-2: d_inner 4096 = 64 heads × 64, d_state 128, 8 groups (8 heads per group), d_conv 4
                      (conv_dim 6144, in_proj 2688 → 10304).
             MoE: 128 experts, top-6, expert ff 1856 (relu², no gate), shared expert ff 3712, sigmoid
                  routing with selection bias, weights normalised, × 2.5.
             ≈ 3.44 G parameters, 6.88 GB in bf16 (0.70 G of them the embedding and output matrices).
  dense-1.8B nemotron_h: vocab 131072, n_embd 3072, 16 layers "M-M-M*-M-M-M*-M-" (7 Mamba-2, 7 MLP, 2
             attention), rms eps 1e-5. MLP: relu², ff 12288. attention: 24 query heads, 8 KV heads, head_dim
             128. Mamba-2: d_inner 6144 = 96 heads × 64, d_state 128, 8 groups (12 heads per group),
             d_conv 4 (conv_dim 8192, in_proj 3072 → 14432).
             ≈ 1.83 G parameters, 3.65 GB in bf16 (0.81 G of them the embedding and output matrices).

How it is computed (what a PyTorch user would write, no custom kernels, no torch.compile):
  * bf16 matrices (F.linear); residual stream, RMSNorms, conv, dt/softplus, scan state and the router in f32
    (spec §2.7); the conv and the Mamba gated group norm in f32 too.
  * Mamba prefill: causal depthwise F.conv1d, then the chunked SSD form (spec §5.3; chunk 128 as HF's
    config) with batched torch matmuls in f32: per chunk C·Bᵀ per group, the decay matrix, M·(X·dt), chunk
    states, and the inter-chunk recurrence as one small decay matrix over chunks (as HF's torch_forward) -
    no Python loop over tokens or chunks. Decode: the recurrence, in place on the f32 state.
  * attention prefill: F.scaled_dot_product_attention(is_causal=True) with K/V repeated to the query heads
    (GQA); decode: one query against a static-length KV cache with a position mask (capturable).
  * MoE prefill: tokens sorted by expert, then either a grouped GEMM per matrix (F.grouped_mm or
    torch._grouped_mm, used when this torch has one and it matches the loop on the first MoE layer;
    reported as "grouped_mm") or a loop of one matmul per expert; decode: the top-k experts' weights gathered (index_select) and two batched matmuls.
  * decode KV cache bf16, 64 + 4 + 128 + 8 positions.

--quick: tiny widths (the same layer patterns) for a smoke test of every code path (runs on a CPU too).
--selfcheck: chunked SSD against the sequential recurrence, grouped and gathered MoE against a per-token
reference, and whole-model prefill against token-by-token decode, in f32 on the tiny shapes.
Without torch, or with --device cuda and no CUDA device, it prints one line saying so and exits 0.
"""

import argparse
import json
import math
import sys
import time
import traceback
from dataclasses import dataclass, replace

try:
    import torch
    import torch.nn.functional as F

    _TORCH_ERROR = None
except Exception as _e:  # not installed, or an install whose CUDA libraries do not load
    torch = F = None
    _TORCH_ERROR = _e

PROG = "gpu-torch-peer"


@dataclass(frozen=True)
class Cfg:
    name: str
    arch: str  # "nemotron_h_moe" or "nemotron_h"
    n_vocab: int
    n_embd: int
    pattern: str  # M Mamba-2, * attention, - dense relu² MLP, E MoE
    n_head: int
    n_head_kv: int
    head_dim: int
    n_ff: int
    d_inner: int
    d_state: int
    n_group: int
    ssm_n_head: int
    d_conv: int
    n_expert: int = 0
    n_expert_used: int = 0
    n_ff_expert: int = 0
    n_ff_shared: int = 0
    eps: float = 1e-5
    expert_scale: float = 2.5  # expert_weights_scale; expert_weights_norm = true

    @property
    def conv_dim(self):
        return self.d_inner + 2 * self.n_group * self.d_state

    @property
    def d_in_proj(self):
        return 2 * self.d_inner + 2 * self.n_group * self.d_state + self.ssm_n_head


PRESETS = {
    "nano3-6L": Cfg("nano3-6L", "nemotron_h_moe", n_vocab=131072, n_embd=2688, pattern="MEM*EM", n_head=32,
                    n_head_kv=2, head_dim=128, n_ff=0, d_inner=4096, d_state=128, n_group=8, ssm_n_head=64,
                    d_conv=4, n_expert=128, n_expert_used=6, n_ff_expert=1856, n_ff_shared=3712),
    "dense-1.8B": Cfg("dense-1.8B", "nemotron_h", n_vocab=131072, n_embd=3072, pattern="M-M-M*-M-M-M*-M-",
                      n_head=24, n_head_kv=8, head_dim=128, n_ff=12288, d_inner=6144, d_state=128, n_group=8,
                      ssm_n_head=96, d_conv=4),
}
# --quick / --selfcheck: the same layer patterns and ratios that catch mistakes (GQA, several heads per
# Mamba group, more experts than used), tiny widths.
QUICK = {
    "nano3-6L": replace(PRESETS["nano3-6L"], n_vocab=1000, n_embd=96, n_head=4, n_head_kv=2, head_dim=32,
                        d_inner=128, d_state=16, n_group=4, ssm_n_head=8, n_expert=16, n_expert_used=4,
                        n_ff_expert=48, n_ff_shared=64),
    "dense-1.8B": replace(PRESETS["dense-1.8B"], n_vocab=1000, n_embd=96, n_head=6, n_head_kv=2, head_dim=16,
                          n_ff=192, d_inner=192, d_state=16, n_group=4, ssm_n_head=12),
}

HAS_SDPA = torch is not None and hasattr(F, "scaled_dot_product_attention")
# One GEMM per matrix over all experts: F.grouped_mm in newer torch, torch._grouped_mm since 2.8.
GROUPED_MM = torch is not None and (getattr(F, "grouped_mm", None) or getattr(torch, "_grouped_mm", None))


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rel_diff(a, b):
    a, b = a.double(), b.double()
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).item()


# --- Mamba-2 scan ---------------------------------------------------------------------------------------


def segsum_stable(z):
    """[..., n] → [..., n, n] with out[i, j] = Σ_{k=j+1..i} z[k] for j ≤ i, else -inf (HF's segment_sum)."""
    n = z.shape[-1]
    x = z[..., None].expand(*z.shape, n)  # x[..., i, j] = z[i]
    strict = torch.ones(n, n, dtype=torch.bool, device=z.device).tril(-1)
    x = x.masked_fill(~strict, 0).cumsum(-2)
    incl = torch.ones(n, n, dtype=torch.bool, device=z.device).tril(0)
    return x.masked_fill(~incl, float("-inf"))


def ssd_chunked(x, dt, A, B, C, chunk, S0=None):
    """The Mamba-2 scan in the chunked SSD form (spec §5.3), f32, no loop over tokens or chunks.
    x [T, nh, P], dt [T, nh] (after softplus), A [nh] (< 0), B and C [T, G, N], S0 [nh, P, N] or None.
    Head h uses group h // (nh/G). Returns y [T, nh, P] (without the D skip) and the final state."""
    T, nh, P = x.shape
    G, N = B.shape[1], B.shape[2]
    hpg = nh // G
    Q = chunk
    pad = (-T) % Q
    if pad:  # dt = 0 past the end: no decay, no input, the state is unchanged
        x = F.pad(x, (0, 0, 0, 0, 0, pad))
        dt = F.pad(dt, (0, 0, 0, pad))
        B = F.pad(B, (0, 0, 0, 0, 0, pad))
        C = F.pad(C, (0, 0, 0, 0, 0, pad))
    c = (T + pad) // Q
    xdt = (x * dt[..., None]).view(c, Q, G, hpg, P).permute(0, 2, 3, 1, 4)  # [c, G, hpg, Q, P]
    Bc = B.reshape(c, Q, G, N).permute(0, 2, 1, 3)  # [c, G, Q, N]
    Cc = C.reshape(c, Q, G, N).permute(0, 2, 1, 3)
    a_cum = (dt * A).view(c, Q, G, hpg).permute(0, 2, 3, 1).cumsum(-1)  # [c, G, hpg, Q], log-decay
    # Inside each chunk: Y = (C·Bᵀ ∘ exp(a_t - a_s), s ≤ t) · (X·dt), the attention-like form.
    causal = torch.ones(Q, Q, dtype=torch.bool, device=x.device).tril()
    M = a_cum[..., :, None] - a_cum[..., None, :]  # [c, G, hpg, Q(t), Q(s)]
    M.masked_fill_(~causal, float("-inf")).exp_()
    M.mul_((Cc @ Bc.transpose(-1, -2))[:, :, None])  # C·Bᵀ once per group, shared by its heads
    y = M @ xdt  # [c, G, hpg, Q, P]
    del M
    # Each chunk's own final state (from a zero start): Σ_s exp(a_Q - a_s)·dt_s·x_s ⊗ B_s.
    decay = (a_cum[..., -1:] - a_cum).exp()  # [c, G, hpg, Q]
    Sc = (xdt * decay[..., None]).transpose(-1, -2) @ Bc[:, :, None]  # [c, G, hpg, P, N]
    # The state entering each chunk: the chunks' states carried through the later chunks' decays.
    if S0 is None:
        S0 = x.new_zeros(nh, P, N)
    states = torch.cat([S0.reshape(1, G, hpg, P, N), Sc], 0)  # [c+1, ...]
    dec = segsum_stable(F.pad(a_cum[..., -1].permute(1, 2, 0), (1, 0))).exp()  # [G, hpg, c+1, c+1]
    new = (dec @ states.permute(1, 2, 0, 3, 4).reshape(G, hpg, c + 1, P * N)).view(G, hpg, c + 1, P, N)
    S_in = new[:, :, :-1].permute(2, 0, 1, 3, 4)  # [c, G, hpg, P, N]
    S_final = new[:, :, -1].reshape(nh, P, N)
    # The incoming state's part of the outputs: exp(a_t)·S_in·C_t.
    y += (Cc[:, :, None] @ S_in.transpose(-1, -2)) * a_cum.exp()[..., None]
    return y.permute(0, 3, 1, 2, 4).reshape(c * Q, nh, P)[:T], S_final.contiguous()


def ssd_sequential(x, dt, A, B, C, S0=None):
    """The recurrence of spec §2.4.1.6, token by token (the reference for --selfcheck)."""
    T, nh, P = x.shape
    hpg = nh // B.shape[1]
    Bh, Ch = B.repeat_interleave(hpg, 1), C.repeat_interleave(hpg, 1)  # head h → group h // hpg
    S = x.new_zeros(nh, P, B.shape[2]) if S0 is None else S0.clone()
    ys = []
    for t in range(T):
        S = S * torch.exp(dt[t] * A)[:, None, None] + (dt[t][:, None] * x[t])[:, :, None] * Bh[t][:, None, :]
        ys.append((S * Ch[t][:, None, :]).sum(-1))
    return torch.stack(ys), S


# --- the model ------------------------------------------------------------------------------------------


class State:
    """Decode state: conv and SSM states (f32) per Mamba layer, a static-length KV cache per attention
    layer, the step's input (token, position) and its logits; all static, so a CUDA graph can replay."""

    def __init__(self, model, n_ctx):
        c, dev = model.cfg, model.device
        P = c.d_inner // c.ssm_n_head
        self.conv, self.ssm, self.k, self.v = {}, {}, {}, {}
        for i, kind in enumerate(c.pattern):
            if kind == "M":
                self.conv[i] = torch.zeros(c.conv_dim, c.d_conv - 1, device=dev)
                self.ssm[i] = torch.zeros(c.ssm_n_head, P, c.d_state, device=dev)
            elif kind == "*":
                self.k[i] = torch.zeros(c.n_head_kv, n_ctx, c.head_dim, device=dev, dtype=model.dtype)
                self.v[i] = torch.zeros_like(self.k[i])
        self.io = torch.zeros(2, dtype=torch.long, device=dev)  # [token, position]
        self.logits = torch.zeros(c.n_vocab, device=dev)
        self.ctx = torch.arange(n_ctx, device=dev)

    def reset(self):
        for d in (self.conv, self.ssm, self.k, self.v):
            for t in d.values():
                t.zero_()


class Model:
    def __init__(self, cfg, device, dtype, seed=1, chunk=128):
        self.cfg, self.device, self.dtype, self.chunk = cfg, device, dtype, chunk
        self.moe_impl = "loop"
        g = torch.Generator(device=device)
        g.manual_seed(seed)

        def normal(shape, std, dt=dtype):
            return torch.empty(shape, device=device, dtype=dt).normal_(0.0, std, generator=g)

        def uniform(shape):
            return torch.rand(shape, device=device, generator=g)

        def mat(*shape, std=None):  # [out, in] or [n, out, in]: N(0, 1/fan_in) as model_gen writes them
            return normal(shape, std if std else 1.0 / math.sqrt(shape[-1]))

        def norm(n):
            return 1.0 + normal((n,), 0.05, torch.float32)

        c = cfg
        E, Di, N, G, nh = c.n_embd, c.d_inner, c.d_state, c.n_group, c.ssm_n_head
        self.emb = mat(c.n_vocab, E, std=1.0)
        self.layers = []
        for kind in c.pattern:
            L = {"kind": kind, "norm": norm(E)}
            if kind == "M":
                dt0 = torch.exp(math.log(1e-3) + uniform((nh,)) * (math.log(0.1) - math.log(1e-3)))
                L.update(in_w=mat(c.d_in_proj, E),
                         conv_w=normal((c.conv_dim, c.d_conv), 1.0 / math.sqrt(c.d_conv), torch.float32),
                         conv_b=normal((c.conv_dim,), 0.1, torch.float32),
                         dt_bias=torch.log(torch.expm1(dt0)),  # softplus(dt_bias) = dt0 ∈ [1e-3, 0.1]
                         A=-(1.0 + 15.0 * uniform((nh,))),  # = -exp(A_log), A_log ~ log U[1, 16]
                         D=1.0 + normal((nh,), 0.1, torch.float32),
                         ssm_norm=norm(Di), out_w=mat(E, Di))
            elif kind == "*":
                q, kv = c.n_head * c.head_dim, c.n_head_kv * c.head_dim
                L.update(q=mat(q, E), k=mat(kv, E), v=mat(kv, E), o=mat(E, q))
            elif kind == "-":
                L.update(up=mat(c.n_ff, E), down=mat(E, c.n_ff))
            elif kind == "E":
                L.update(router=normal((c.n_expert, E), 1.0 / math.sqrt(E), torch.float32),
                         bias=normal((c.n_expert,), 0.01, torch.float32),
                         up=mat(c.n_expert, c.n_ff_expert, E), down=mat(c.n_expert, E, c.n_ff_expert),
                         sh_up=mat(c.n_ff_shared, E), sh_down=mat(E, c.n_ff_shared))
            else:
                raise ValueError(f"layer kind {kind!r}")
            self.layers.append(L)
        self.out_norm = norm(E)
        self.out_w = mat(c.n_vocab, E)
        self.expert_ids = torch.arange(max(c.n_expert, 1), device=device)

    def weight_bytes(self):
        ts = [self.emb, self.out_norm, self.out_w]
        for L in self.layers:
            ts += [t for t in L.values() if torch.is_tensor(t)]
        return sum(t.numel() * t.element_size() for t in ts)

    # --- prefill (a whole prompt from position 0) ---

    def prefill(self, tokens, st=None):
        """Logits (f32) of the last token; with a State, leaves the conv/SSM states and KV rows in it."""
        c = self.cfg
        h = F.embedding(tokens, self.emb).float()
        for i, L in enumerate(self.layers):
            u = rms_norm(h, L["norm"], c.eps).to(self.dtype)
            kind = L["kind"]
            if kind == "M":
                y = self.mamba_prefill(u, L, st, i)
            elif kind == "*":
                y = self.attn_prefill(u, L, st, i)
            elif kind == "-":
                y = self.mlp(u, L["up"], L["down"])
            else:
                y = self.moe_prefill(u, L)
            h = h + y.float()
        x = rms_norm(h[-1:], self.out_norm, c.eps).to(self.dtype)
        return F.linear(x, self.out_w)[0].float()

    def mamba_prefill(self, u, L, st, i):
        c = self.cfg
        T, Di, GN, nh = u.shape[0], c.d_inner, c.n_group * c.d_state, c.ssm_n_head
        zxbcdt = F.linear(u, L["in_w"])  # [T, d_in_proj]: z | xBC | dt
        xbc = zxbcdt[:, Di:Di + c.conv_dim].float().t()  # [conv_dim, T]
        prev = st.conv[i] if st is not None else xbc.new_zeros(c.conv_dim, c.d_conv - 1)
        xin = torch.cat([prev, xbc], 1)  # the last d_conv-1 raw inputs, then this prompt's
        if st is not None:
            st.conv[i].copy_(xin[:, xin.shape[1] - (c.d_conv - 1):])
        xc = F.silu(F.conv1d(xin[None], L["conv_w"][:, None, :], L["conv_b"], groups=c.conv_dim)[0]).t()
        x = xc[:, :Di].reshape(T, nh, Di // nh)
        B = xc[:, Di:Di + GN].reshape(T, c.n_group, c.d_state)
        C = xc[:, Di + GN:].reshape(T, c.n_group, c.d_state)
        dt = F.softplus(zxbcdt[:, Di + c.conv_dim:].float() + L["dt_bias"])  # [T, nh]
        y, S = ssd_chunked(x, dt, L["A"], B, C, self.chunk, st.ssm[i] if st is not None else None)
        if st is not None:
            st.ssm[i].copy_(S)
        y = (y + x * L["D"][:, None]).reshape(T, Di)
        return self.gate_norm_out(y, zxbcdt[:, :Di], L)

    def gate_norm_out(self, y, z, L):
        """y ⊙ SiLU(z), RMSNorm over each of the G groups of d_inner/G, × ssm_norm, out_proj."""
        c = self.cfg
        y = y * F.silu(z.float())
        g = y.view(y.shape[0], c.n_group, -1)
        y = (g * torch.rsqrt(g.pow(2).mean(-1, keepdim=True) + c.eps)).view_as(y) * L["ssm_norm"]
        return F.linear(y.to(self.dtype), L["out_w"])

    def attn_prefill(self, u, L, st, i):
        c = self.cfg
        T, H, Hkv, hd = u.shape[0], c.n_head, c.n_head_kv, c.head_dim
        q = F.linear(u, L["q"]).view(T, H, hd).transpose(0, 1)
        k = F.linear(u, L["k"]).view(T, Hkv, hd).transpose(0, 1)
        v = F.linear(u, L["v"]).view(T, Hkv, hd).transpose(0, 1)
        if st is not None:
            st.k[i][:, :T].copy_(k)
            st.v[i][:, :T].copy_(v)
        k = k.repeat_interleave(H // Hkv, 0)  # query head h uses KV head h // (H/Hkv)
        v = v.repeat_interleave(H // Hkv, 0)
        if HAS_SDPA:
            o = F.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=True)[0]
        else:  # torch < 2.0 (only --device cpu tests here): the same maths by hand
            s = (q.float() @ k.float().transpose(-1, -2)) / math.sqrt(hd)
            s.masked_fill_(~torch.ones(T, T, dtype=torch.bool, device=u.device).tril(), float("-inf"))
            o = (s.softmax(-1) @ v.float()).to(self.dtype)
        return F.linear(o.transpose(0, 1).reshape(T, H * hd), L["o"])

    @staticmethod
    def mlp(u, up, down):
        return F.linear(F.relu(F.linear(u, up)).square(), down)

    def route(self, u, L):
        """Sigmoid router in f32; the bias only chooses; the chosen probabilities normalised, × scale."""
        c = self.cfg
        p = F.linear(u.float(), L["router"]).sigmoid()
        idx = (p + L["bias"]).topk(c.n_expert_used, dim=-1).indices
        w = p.gather(-1, idx)
        return idx, w / w.sum(-1, keepdim=True).clamp_min(6.1e-5) * c.expert_scale

    def moe_prefill(self, u, L, impl=None):
        c = self.cfg
        T, E, k = u.shape[0], c.n_embd, c.n_expert_used
        idx, w = self.route(u, L)  # [T, k]
        sorted_e, order = idx.reshape(-1).sort()  # (token, slot) pairs grouped by expert
        xs = u.index_select(0, order // k)
        ends = torch.searchsorted(sorted_e, self.expert_ids, right=True)  # each expert's end row
        if (impl or self.moe_impl) == "grouped_mm":
            offs = ends.to(torch.int32)
            hs = F.relu(GROUPED_MM(xs, L["up"].transpose(-2, -1), offs=offs)).square()
            ys = GROUPED_MM(hs, L["down"].transpose(-2, -1), offs=offs)
        else:
            ys = torch.empty_like(xs)
            start = 0
            for e, end in enumerate(ends.tolist()):
                if end > start:
                    ys[start:end] = self.mlp(xs[start:end], L["up"][e], L["down"][e])
                start = end
        y = torch.empty_like(ys)
        y[order] = ys  # back to (token, slot) order
        out = torch.bmm(w[:, None, :], y.view(T, k, E).float())[:, 0]
        return out + self.mlp(u, L["sh_up"], L["sh_down"]).float()

    # --- decode (one token at st.io = [token, position]; no host synchronisation: capturable) ---

    def step(self, st):
        c = self.cfg
        h = F.embedding(st.io[0:1], self.emb).float()  # [1, E]
        invalid = st.ctx > st.io[1]  # KV positions after this token
        for i, L in enumerate(self.layers):
            u = rms_norm(h, L["norm"], c.eps).to(self.dtype)
            kind = L["kind"]
            if kind == "M":
                y = self.mamba_step(u, L, st, i)
            elif kind == "*":
                y = self.attn_step(u, L, st, i, invalid)
            elif kind == "-":
                y = self.mlp(u, L["up"], L["down"])
            else:
                y = self.moe_step(u, L)
            h = h + y.float()
        x = rms_norm(h, self.out_norm, c.eps).to(self.dtype)
        st.logits.copy_(F.linear(x, self.out_w)[0])

    def mamba_step(self, u, L, st, i):
        c = self.cfg
        Di, G, N, nh = c.d_inner, c.n_group, c.d_state, c.ssm_n_head
        hpg, P = nh // G, Di // nh
        zxbcdt = F.linear(u, L["in_w"])[0]
        win = torch.cat([st.conv[i], zxbcdt[Di:Di + c.conv_dim].float()[:, None]], 1)  # [conv_dim, d_conv]
        st.conv[i].copy_(win[:, 1:])
        xc = F.silu((win * L["conv_w"]).sum(-1) + L["conv_b"])
        x = xc[:Di].view(G, hpg, P)
        B = xc[Di:Di + G * N].view(G, 1, 1, N)
        C = xc[Di + G * N:].view(G, 1, N, 1)
        dt = F.softplus(zxbcdt[Di + c.conv_dim:].float() + L["dt_bias"]).view(G, hpg)
        S = st.ssm[i].view(G, hpg, P, N)
        S.mul_(torch.exp(dt * L["A"].view(G, hpg))[..., None, None]).add_((dt[..., None] * x)[..., None] * B)
        y = (S @ C)[..., 0] + L["D"].view(G, hpg, 1) * x  # [G, hpg, P]
        return self.gate_norm_out(y.reshape(1, Di), zxbcdt[None, :Di], L)

    def attn_step(self, u, L, st, i, invalid):
        c = self.cfg
        H, Hkv, hd = c.n_head, c.n_head_kv, c.head_dim
        q = F.linear(u, L["q"]).view(Hkv, H // Hkv, hd).float()
        st.k[i].index_copy_(1, st.io[1:2], F.linear(u, L["k"]).view(Hkv, 1, hd))
        st.v[i].index_copy_(1, st.io[1:2], F.linear(u, L["v"]).view(Hkv, 1, hd))
        s = (q @ st.k[i].float().transpose(1, 2)) * (1.0 / math.sqrt(hd))  # [Hkv, H/Hkv, n_ctx]
        o = s.masked_fill(invalid, float("-inf")).softmax(-1) @ st.v[i].float()
        return F.linear(o.reshape(1, H * hd).to(self.dtype), L["o"])

    def moe_step(self, u, L):
        idx, w = self.route(u[0], L)  # [k]
        hs = F.relu(L["up"].index_select(0, idx) @ u[0][:, None]).square()  # [k, ff, 1]
        ys = (L["down"].index_select(0, idx) @ hs)[..., 0].float()  # [k, E]
        return (w[:, None] * ys).sum(0, keepdim=True) + self.mlp(u, L["sh_up"], L["sh_down"]).float()

    # --- the MoE prefill implementation ---

    def pick_moe_impl(self):
        """A grouped GEMM where this torch has one and it agrees with the per-expert loop."""
        moe = [L for L in self.layers if L["kind"] == "E"]
        if not moe:
            return "n/a"
        self.moe_impl = "loop"
        if self.device.type != "cuda" or not GROUPED_MM or self.dtype != torch.bfloat16:
            return self.moe_impl
        try:
            u = torch.randn(64, self.cfg.n_embd, device=self.device).to(self.dtype)
            a = self.moe_prefill(u, moe[0], "grouped_mm")
            b = self.moe_prefill(u, moe[0], "loop")
            d = rel_diff(a, b)
            if math.isfinite(d) and d < 2e-2:
                self.moe_impl = "grouped_mm"
            else:
                print(f"  ({GROUPED_MM.__name__} differs from the loop by {d:.2e}: using the loop)")
        except Exception as e:  # unsupported shape, GPU or version
            print(f"  ({GROUPED_MM.__name__} unusable here: {str(e).splitlines()[0][:160]}; using the loop)")
        return self.moe_impl


# --- measurement ----------------------------------------------------------------------------------------


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def timed(dev, fn):
    """Seconds fn takes on the device (CUDA events), or on the clock (CPU)."""
    if dev.type == "cuda":
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        return a.elapsed_time(b) / 1e3
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def random_tokens(n, vocab, seed, dev):
    g = torch.Generator()
    g.manual_seed(seed)
    return torch.randint(0, vocab, (n,), generator=g).to(dev)


def capture_step(model, st):
    """The one-token step as a CUDA graph (warm-up on a side stream first, as torch's docs ask)."""
    s = torch.cuda.Stream(model.device)
    s.wait_stream(torch.cuda.current_stream(model.device))
    with torch.cuda.stream(s):
        for _ in range(3):
            model.step(st)
    torch.cuda.current_stream(model.device).wait_stream(s)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        model.step(st)
    return graph


def bench_decode(model, n_decode, use_graph, prompt_len=64, warm=4):
    dev, V = model.device, model.cfg.n_vocab
    st = State(model, prompt_len + warm + n_decode + 8)
    prompt = random_tokens(prompt_len, V, 9, dev)
    nxt = random_tokens(warm + n_decode, V, 10, dev)
    io = torch.stack([nxt, torch.arange(prompt_len, prompt_len + warm + n_decode, device=dev)], 1)

    def start():
        st.reset()
        model.prefill(prompt, st)

    # The decode path against the prefill path on the real shapes (a report, not a test: bf16 rounding
    # differs between the two and may flip a near-tied expert choice).
    start()
    st.io.copy_(io[0])
    model.step(st)
    eager = st.logits.clone()
    check = rel_diff(eager, model.prefill(torch.cat([prompt, nxt[:1]])))
    run, mode = (lambda: model.step(st)), "eager"
    if use_graph and dev.type == "cuda":
        try:
            graph = capture_step(model, st)
            start()
            st.io.copy_(io[0])
            graph.replay()
            d = rel_diff(st.logits, eager)
            if not (math.isfinite(d) and d < 1e-2):
                raise RuntimeError(f"the replayed step differs from the eager one by {d:.2e}")
            run, mode = graph.replay, "cuda graph"
        except Exception as e:
            sync(dev)
            print(f"  CUDA graph not used ({str(e).splitlines()[0][:160]}): decoding eagerly")
    host = torch.empty(V, pin_memory=dev.type == "cuda")
    start()

    def steps(a, b):
        for j in range(a, b):
            st.io.copy_(io[j])
            run()
            host.copy_(st.logits)  # the sampler's copy; waits for the step

    steps(0, warm)
    dt = timed(dev, lambda: steps(warm, warm + n_decode))
    return n_decode / dt, mode, check


def bench_preset(cfg, args, dev, dtype):
    sync(dev)
    t0 = time.perf_counter()
    model = Model(cfg, dev, dtype)
    moe = model.pick_moe_impl()
    sync(dev)
    r = {"model": cfg.name, "weights_gb": model.weight_bytes() / 1e9, "moe_prefill": moe,
         "init_s": time.perf_counter() - t0}
    print(f"{cfg.name}: {r['weights_gb']:.2f} GB of weights made in {r['init_s']:.1f} s; MoE prefill: {moe}",
          flush=True)
    model.prefill(random_tokens(min(args.prompts), cfg.n_vocab, 2, dev))  # warm-up: cuBLAS, allocator
    for p in args.prompts:
        toks = random_tokens(p, cfg.n_vocab, 3, dev)
        best = min(timed(dev, lambda: model.prefill(toks)) for _ in range(2))
        r[f"pp{p}"] = p / best
        print(f"  pp{p:<6} {p / best:10.1f} tok/s", flush=True)
    tps, mode, check = bench_decode(model, args.decode, args.graph)
    r[f"tg{args.decode}"], r["decode"], r["prefill_vs_decode_rel_diff"] = tps, mode, check
    print(f"  tg{args.decode:<6} {tps:10.1f} tok/s ({mode}; prefill vs decode logits differ by {check:.1e})",
          flush=True)
    r["seconds"] = time.perf_counter() - t0
    del model
    if dev.type == "cuda":
        r["peak_gb"] = torch.cuda.max_memory_allocated(dev) / 1e9
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(dev)
    return r


# --- self-check -----------------------------------------------------------------------------------------


def moe_reference(model, u, L):
    c = model.cfg
    out = []
    for t in range(u.shape[0]):
        p = F.linear(u[t].float(), L["router"]).sigmoid()
        idx = (p + L["bias"]).topk(c.n_expert_used).indices
        w = p[idx] / p[idx].sum() * c.expert_scale
        acc = Model.mlp(u[t:t + 1], L["sh_up"], L["sh_down"])[0].float()
        for j, e in enumerate(idx.tolist()):
            acc = acc + w[j] * Model.mlp(u[t:t + 1], L["up"][e], L["down"][e])[0].float()
        out.append(acc)
    return torch.stack(out)


def selfcheck(dev):
    results = []

    def check(name, d, tol):
        ok = math.isfinite(d) and d < tol
        results.append(ok)
        print(f"  {'ok  ' if ok else 'FAIL'} {name}: relative difference {d:.2e} (tolerance {tol:.0e})")

    print(f"{PROG} --selfcheck on {dev} (float32, torch {torch.__version__}, "
          f"attention: {'SDPA' if HAS_SDPA else 'by hand, no SDPA in this torch'})")
    g = torch.Generator()
    g.manual_seed(5)
    for T, Q, nh, G, P, N, with_s0 in [(77, 16, 8, 2, 8, 16, True), (64, 16, 6, 3, 4, 8, False),
                                       (300, 128, 12, 4, 16, 32, True), (5, 16, 4, 1, 8, 8, True)]:
        x = torch.randn(T, nh, P, generator=g).to(dev)
        dt = F.softplus(torch.randn(T, nh, generator=g) - 2.0).to(dev)
        A = -(1.0 + 15.0 * torch.rand(nh, generator=g)).to(dev)
        B = torch.randn(T, G, N, generator=g).to(dev)
        C = torch.randn(T, G, N, generator=g).to(dev)
        S0 = torch.randn(nh, P, N, generator=g).to(dev) if with_s0 else None
        y1, s1 = ssd_chunked(x, dt, A, B, C, Q, S0)
        y2, s2 = ssd_sequential(x, dt, A, B, C, S0)
        tag = f"T={T} chunk={Q} heads={nh} groups={G}{' from a state' if with_s0 else ''}"
        check(f"chunked SSD vs sequential scan, outputs ({tag})", rel_diff(y1, y2), 1e-4)
        check(f"chunked SSD vs sequential scan, final state ({tag})", rel_diff(s1, s2), 1e-4)
    for name in ("nano3-6L", "dense-1.8B"):
        m = Model(QUICK[name], dev, torch.float32, seed=3, chunk=16)
        m.pick_moe_impl()
        V = m.cfg.n_vocab
        for L in m.layers:
            if L["kind"] == "E":
                u = torch.randn(23, m.cfg.n_embd, generator=g).to(dev)
                ref = moe_reference(m, u, L)
                check(f"{name} MoE grouped dispatch vs per-token reference", rel_diff(m.moe_prefill(u, L), ref), 1e-5)
                check(f"{name} MoE gathered decode vs per-token reference",
                      rel_diff(torch.cat([m.moe_step(u[t:t + 1], L) for t in range(3)]), ref[:3]), 1e-5)
                break
        toks = random_tokens(40, V, 7, dev)
        st = State(m, 48)
        # prompt of 37 (3 chunks of 16, the last padded) then 3 decode steps = a prompt of 40
        m.prefill(toks[:37], st)
        for j in range(37, 40):
            st.io.copy_(torch.stack([toks[j], torch.tensor(j, device=dev)]))
            m.step(st)
        check(f"{name} prefill(37) + 3 decode steps vs prefill(40), last logits", rel_diff(st.logits, m.prefill(toks)),
              1e-4)
        st.reset()
        for j in range(12):
            st.io.copy_(torch.stack([toks[j], torch.tensor(j, device=dev)]))
            m.step(st)
        check(f"{name} 12 decode steps from empty vs prefill(12)", rel_diff(st.logits, m.prefill(toks[:12])), 1e-4)
    bad = results.count(False)
    print(f"selfcheck: {len(results) - bad} passed, {bad} failed")
    return 0 if bad == 0 else 1


# --- main -----------------------------------------------------------------------------------------------


def parse_args(argv):
    ap = argparse.ArgumentParser(description="The engine benchmark's models through PyTorch (a peer).")
    ap.add_argument("--preset", default="nano3-6L,dense-1.8B", help="comma-separated, or 'all'")
    ap.add_argument("--device", default="cuda", help="cuda, cuda:N, or cpu (for testing the code paths)")
    ap.add_argument("--prompts", default=None, help="prompt lengths (default 512,4096; --quick: 40,200)")
    ap.add_argument("--decode", type=int, default=None, help="decode steps timed (default 128; --quick: 8)")
    ap.add_argument("--no-graph", dest="graph", action="store_false", help="decode eagerly")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    ap.add_argument("--quick", action="store_true", help="tiny widths: a smoke test of the code paths")
    ap.add_argument("--selfcheck", action="store_true", help="check the maths (f32, tiny shapes) and exit")
    a = ap.parse_args(argv)
    a.presets = list(PRESETS) if a.preset == "all" else [p for p in a.preset.split(",") if p]
    for p in a.presets:
        if p not in PRESETS:
            ap.error(f"unknown preset {p!r} (known: {', '.join(PRESETS)})")
    a.prompts = [int(x) for x in (a.prompts or ("40,200" if a.quick else "512,4096")).split(",") if x]
    if a.decode is None:
        a.decode = 8 if a.quick else 128
    if not a.prompts or min(a.prompts) <= 0 or a.decode <= 0:
        ap.error("prompt lengths and --decode must be positive")
    return a


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if torch is None:
        print(f"{PROG}: skipped: PyTorch is not importable ({type(_TORCH_ERROR).__name__}: {_TORCH_ERROR})")
        return 0
    dev = torch.device(args.device)
    if dev.type == "cuda":
        if not torch.cuda.is_available() or (dev.index or 0) >= torch.cuda.device_count():
            print(f"{PROG}: skipped: no CUDA device visible to torch {torch.__version__} "
                  f"(CUDA build: {torch.version.cuda or 'none'})")
            return 0
        dev = torch.device("cuda", torch.cuda.current_device() if dev.index is None else dev.index)
        torch.cuda.set_device(dev)
    torch.manual_seed(0)
    with torch.inference_mode():
        if args.selfcheck:
            return selfcheck(dev)
        name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU"
        print(f"{PROG}: torch {torch.__version__} on {name} ({dev}), bf16 weights"
              f"{', --quick shapes' if args.quick else ''}", flush=True)
        dtype = torch.bfloat16
        results, failed = [], []
        for p in args.presets:
            cfg = (QUICK if args.quick else PRESETS)[p]
            try:
                results.append(bench_preset(cfg, args, dev, dtype))
            except Exception:
                traceback.print_exc()
                print(f"{PROG}: {p} failed", flush=True)
                failed.append(p)
                if dev.type == "cuda":
                    torch.cuda.empty_cache()
    tg = f"tg{args.decode}"
    cols = [f"pp{p}" for p in args.prompts]
    print()
    print(f"{'model':<12} {'weights GB':>10} " + " ".join(f"{c + ' tok/s':>13}" for c in cols + [tg]) + "  decode")
    for r in results:
        print(f"{r['model']:<12} {r['weights_gb']:10.2f} " + " ".join(f"{r[c]:13.1f}" for c in cols + [tg]) +
              f"  {r['decode']}")
    print(f"paths: prefill = chunked SSD (chunk 128, f32 torch matmuls), "
          f"{'SDPA' if HAS_SDPA else 'attention by hand'} causal, MoE tokens sorted by expert "
          f"({', '.join(sorted({r['moe_prefill'] for r in results if r['moe_prefill'] != 'n/a'})) or '-'}); "
          f"decode = top-k expert weights gathered, f32 recurrent state, bf16 KV cache")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"tool": PROG, "torch": torch.__version__, "device": name, "quick": args.quick,
                       "results": results, "failed": failed}, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

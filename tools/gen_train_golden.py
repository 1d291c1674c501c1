#!/usr/bin/python3
"""Generate the IR-SDE training-loss golden (IRSDE.md §5) for test/train/golden-loss.test.ts.

Writes test/fixtures/train/irsde_loss_golden.safetensors: from the same initial weights and batch, with
fixed t and noise, the loss that PyTorch computes with the reference formulas, in float64.

  network   ConditionalNAFNet(img_channel 3, width 16, middle 1, enc [1,1], dec [1,1]) written from
            NETWORKS.md §1/§3 (the NAFBlock comes from tools/gen_nafblock_golden.py); parameters from the
            deterministic rule of NETWORKS.md §7 (s_k = sin(k) over the state dict, cast to float32)
  SDE       IR-SDE maxSigma 50 (λ = 50/255), T 100, cosine schedule, eps 0.005 (schedules in float64, §1)
  batch     x0, mu [2,3,16,16]: flat NCHW index i, x0[i] = 0.5 + 0.45·sin(0.37 i + 0.1),
            mu[i] = clip(x0[i] + 0.3·sin(1.3 i)·cos(0.11 i), 0, 1) (float32 values, stored)
  noise     eps ~ N(0, 1), float32, torch.Generator seed 20240611 (stored)
  t         [7, 63]
  loss      xt   = mu + (x0 - mu)·m[t] + sbar[t]·eps
            ehat = net(xt, mu, t)
            pred = xt - (theta[t]·(mu - xt) + sigma[t]²·ehat/sbar[t])·dt
            tgt  = mu + c1[t]·(xt - mu) + c2[t]·(x0 - mu)
            loss = mean |pred - tgt|        (float64 throughout; LayerNorm eps 1e-5 as for float32)

Stored (all F32): x0, mu, noise, t, xt, noise_pred, loss [1], grad.<name> for a few parameters.
Usage:  /usr/bin/python3 tools/gen_train_golden.py [--out test/fixtures/train/irsde_loss_golden.safetensors]
"""
import argparse
import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_nafblock_golden import NAFBlock, SimpleGate, read_safetensors, write_safetensors  # noqa: E402

SEED = 20240611
GRAD_PARAMS = [
    "time_mlp.1.weight", "intro.weight", "intro.bias", "ending.weight", "ending.bias",
    "encoders.0.0.conv2.weight", "encoders.1.0.norm1.g", "middle_blks.0.mlp.1.weight",
    "middle_blks.0.beta", "decoders.1.0.gamma", "ups.0.0.weight", "downs.1.weight",
]


class SinusoidalPosEmb(nn.Module):
    """Sin(d): sines first, f_k = exp(-k ln(10000)/(half-1)), t is the raw float step."""

    def __init__(self, d):
        super().__init__()
        self.d = d

    def forward(self, t):
        half = self.d // 2
        k = torch.arange(half, dtype=t.dtype)
        f = torch.exp(-k * math.log(10000) / (half - 1))
        arg = t[:, None] * f[None, :]
        return torch.cat([arg.sin(), arg.cos()], dim=-1)


class ConditionalNAFNet(nn.Module):
    """NETWORKS.md §3. Attribute order = state-dict order: time_mlp, intro, ending, encoders, decoders,
    middle_blks, ups, downs."""

    def __init__(self, img_channel=3, width=16, middle_blk_num=1, enc_blk_nums=(1, 1), dec_blk_nums=(1, 1)):
        super().__init__()
        w = width
        self.time_mlp = nn.Sequential(SinusoidalPosEmb(w), nn.Linear(w, 8 * w), SimpleGate(), nn.Linear(4 * w, 4 * w))
        self.intro = nn.Conv2d(2 * img_channel, w, 3, padding=1, bias=True)
        self.ending = nn.Conv2d(w, img_channel, 3, padding=1, bias=True)
        self.encoders = nn.ModuleList()
        self.decoders = nn.ModuleList()
        self.middle_blks = nn.Sequential()  # registered here to keep the state-dict order; filled below
        self.ups = nn.ModuleList()
        self.downs = nn.ModuleList()
        chan = w
        for n in enc_blk_nums:
            self.encoders.append(nn.Sequential(*[NAFBlock(chan, w) for _ in range(n)]))
            self.downs.append(nn.Conv2d(chan, 2 * chan, 2, 2))
            chan *= 2
        for _ in range(middle_blk_num):
            self.middle_blks.append(NAFBlock(chan, w))
        for n in dec_blk_nums:
            self.ups.append(nn.Sequential(nn.Conv2d(chan, 2 * chan, 1, bias=False), nn.PixelShuffle(2)))
            chan //= 2
            self.decoders.append(nn.Sequential(*[NAFBlock(chan, w) for _ in range(n)]))
        self.multiple = 2 ** len(enc_blk_nums)

    def forward(self, xt, mu, t):
        x = torch.cat([xt - mu, mu], dim=1)
        H, W = x.shape[-2:]
        ph, pw = (-H) % self.multiple, (-W) % self.multiple
        x = nn.functional.pad(x, (0, pw, 0, ph))  # zeros, right/bottom
        tt = self.time_mlp(t)
        x = self.intro(x)
        encs = []
        for enc, down in zip(self.encoders, self.downs):
            for blk in enc:
                x = blk(x, tt)
            encs.append(x)
            x = down(x)
        for blk in self.middle_blks:
            x = blk(x, tt)
        for dec, up, skip in zip(self.decoders, self.ups, encs[::-1]):
            x = up(x) + skip
            for blk in dec:
                x = blk(x, tt)
        return self.ending(x)[..., :H, :W]


def golden_params(module):
    """NETWORKS.md §7: k over every element in state-dict order, s_k = sin(k) in float64, cast to float32."""
    k = 0
    out = []
    for name, p in module.named_parameters():
        n = p.numel()
        s = torch.sin(torch.arange(k, k + n, dtype=torch.float64)).reshape(p.shape)
        leaf = name.rsplit(".", 1)[-1]
        if name.endswith("weight") and p.dim() >= 2:
            v = 1.5 * s / math.sqrt(n / p.shape[0])
        elif leaf == "g" or name.endswith("weight"):
            v = 1 + 0.5 * s
        else:
            v = 0.5 * s
        out.append((name, v.to(torch.float32)))
        k += n
    return out


def irsde_schedule(max_sigma, T, eps):
    """IRSDE.md §1 (cosine), float64."""
    lam = max_sigma / 255 if max_sigma >= 1 else max_sigma
    tau = T + 2
    s = 0.008
    kk = torch.arange(tau + 1, dtype=torch.float64)
    a = torch.cos(((kk / tau) + s) / (1 + s) * math.pi / 2) ** 2
    abar = a / a[0]
    theta = 1 - abar[1 : T + 2]  # t = 0..T
    theta_bar = torch.cumsum(theta, 0) - theta[0]
    dt = -math.log(eps) / float(theta_bar[T])
    sigma = torch.sqrt(2 * lam * lam * theta)
    sigma_bar = lam * torch.sqrt(1 - torch.exp(-2 * theta_bar * dt))
    m = torch.exp(-theta_bar * dt)
    return dict(lam=lam, theta=theta, theta_bar=theta_bar, dt=dt, sigma=sigma, sigma_bar=sigma_bar, m=m)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--out", default=os.path.join(root, "test", "fixtures", "train", "irsde_loss_golden.safetensors"))
    args = ap.parse_args()

    sch = irsde_schedule(50, 100, 0.005)
    assert abs(sch["dt"] - 0.104093808) < 1e-8, sch["dt"]
    assert abs(float(sch["sigma_bar"][50]) - 0.182869578) < 1e-8
    assert abs(float(sch["m"][50]) - 0.360821614) < 1e-8

    net = ConditionalNAFNet()
    params = golden_params(net)
    assert sum(p.numel() for _, p in params) == 100899
    pd = dict(params)
    w = pd["time_mlp.1.weight"].flatten()
    assert torch.allclose(w[:3].double(), torch.tensor([0.0, 0.3155516, 0.3409865], dtype=torch.float64), atol=1e-6), w[:3]
    assert abs(float(pd["intro.bias"][0]) - -0.2529228) < 1e-6
    net = net.double()
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(pd[name].double())

    # The network against the NETWORKS.md §7 forward golden (padding exercised: 6×10 → 8×12).
    with torch.no_grad():
        j = torch.arange(180, dtype=torch.float64)
        gx = (0.5 + 0.5 * torch.sin(0.1 * j)).to(torch.float32).double().reshape(1, 3, 6, 10)
        gm = (0.5 + 0.5 * torch.cos(0.07 * j)).to(torch.float32).double().reshape(1, 3, 6, 10)
        go = net(gx, gm, torch.tensor([37.0], dtype=torch.float64))
        assert abs(float(go.mean()) - -0.5557406) < 1e-6 and abs(float(go.sum()) - -100.0333) < 1e-3, (float(go.mean()), float(go.sum()))

    B, C, H, W = 2, 3, 16, 16
    i = torch.arange(B * C * H * W, dtype=torch.float64)
    x0 = (0.5 + 0.45 * torch.sin(0.37 * i + 0.1)).to(torch.float32)
    mu = torch.clamp(x0.double() + 0.3 * torch.sin(1.3 * i) * torch.cos(0.11 * i), 0, 1).to(torch.float32)
    x0 = x0.reshape(B, C, H, W)
    mu = mu.reshape(B, C, H, W)
    gen = torch.Generator().manual_seed(SEED)
    noise = torch.randn(B, C, H, W, generator=gen, dtype=torch.float32)
    t_int = [7, 63]
    t = torch.tensor(t_int, dtype=torch.float64)

    X0, MU, EPS = x0.double(), mu.double(), noise.double()
    ti = torch.tensor(t_int)
    col = lambda v: v[ti].reshape(B, 1, 1, 1)  # noqa: E731
    m, sb, th, sg = col(sch["m"]), col(sch["sigma_bar"]), col(sch["theta"]), col(sch["sigma"])
    m_prev = sch["m"][ti - 1].reshape(B, 1, 1, 1)
    dt = sch["dt"]
    xt = MU + (X0 - MU) * m + sb * EPS
    ehat = net(xt, MU, t)
    pred = xt - (th * (MU - xt) + sg ** 2 * ehat / sb) * dt
    A = torch.exp(-th * dt)
    Bm, Cm = m, m_prev
    c1 = A * (1 - Cm ** 2) / (1 - Bm ** 2)
    c2 = Cm * (1 - A ** 2) / (1 - Bm ** 2)
    tgt = MU + c1 * (xt - MU) + c2 * (X0 - MU)
    loss = (pred - tgt.detach()).abs().mean()
    loss.backward()

    grads = dict((n, p.grad) for n, p in net.named_parameters())
    tensors = [
        ("x0", x0), ("mu", mu), ("noise", noise), ("t", torch.tensor(t_int, dtype=torch.float32)),
        ("xt", xt.detach()), ("noise_pred", ehat.detach()), ("loss", loss.detach().reshape(1)),
    ]
    tensors += [("grad." + n, grads[n]) for n in GRAD_PARAMS]
    meta = {
        "generator": "tools/gen_train_golden.py",
        "torch": torch.__version__,
        "network": "ConditionalNAFNet(img_channel 3, width 16, middle 1, enc [1,1], dec [1,1]), NETWORKS.md §7 golden parameters",
        "sde": '{"kind":"irsde","maxSigma":50,"T":100,"schedule":"cosine","eps":0.005}',
        "loss": "mean|pred - tgt| (IRSDE.md §5), float64",
        "loss_value": repr(float(loss)),
        "noise_seed": str(SEED),
    }
    write_safetensors(args.out, tensors, meta)
    back, _ = read_safetensors(args.out)
    for n, v in tensors:
        assert torch.equal(back[n], v.detach().float()), n
    print(f"{args.out}: loss={float(loss):.12g} noise_pred_mean={float(ehat.mean()):.9g} "
          f"xt_mean={float(xt.mean()):.9g} grads={len(GRAD_PARAMS)}")


if __name__ == "__main__":
    main()

"""ConditionalNAFNet (NETWORKS.md §3) and the IR-SDE pieces (IRSDE.md §1, §5, §6) in PyTorch, written from
the specs, for `irsde bench sde --torch` (tools/torch_bench.py). Never used by tests."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from gen_nafblock_golden import NAFBlock, SimpleGate


class SinusoidalPosEmb(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, t):
        half = self.dim // 2
        f = torch.exp(torch.arange(half, dtype=torch.float32) * -(math.log(10000) / (half - 1)))
        a = t[:, None] * f[None, :]
        return torch.cat([a.sin(), a.cos()], dim=-1)


class ConditionalNAFNet(nn.Module):
    def __init__(self, img_channel=3, width=32, middle_blk_num=1, enc_blk_nums=(1, 1, 1, 4), dec_blk_nums=(1, 1, 1, 1)):
        super().__init__()
        w = width
        self.time_mlp = nn.Sequential(SinusoidalPosEmb(w), nn.Linear(w, 8 * w), SimpleGate(), nn.Linear(4 * w, 4 * w))
        self.intro = nn.Conv2d(2 * img_channel, w, 3, padding=1)
        self.ending = nn.Conv2d(w, img_channel, 3, padding=1)
        self.encoders, self.decoders, self.ups, self.downs = nn.ModuleList(), nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        c = w
        for n in enc_blk_nums:
            self.encoders.append(nn.ModuleList([NAFBlock(c, w) for _ in range(n)]))
            self.downs.append(nn.Conv2d(c, 2 * c, 2, 2))
            c *= 2
        self.middle_blks = nn.ModuleList([NAFBlock(c, w) for _ in range(middle_blk_num)])
        for n in dec_blk_nums:
            self.ups.append(nn.Sequential(nn.Conv2d(c, 2 * c, 1, bias=False), nn.PixelShuffle(2)))
            c //= 2
            self.decoders.append(nn.ModuleList([NAFBlock(c, w) for _ in range(n)]))
        self.multiple = 2 ** len(enc_blk_nums)

    def forward(self, xt, mu, t):
        H, W = xt.shape[-2:]
        x = torch.cat([xt - mu, mu], dim=1)
        x = F.pad(x, (0, (-W) % self.multiple, 0, (-H) % self.multiple))
        tt = self.time_mlp(t)
        x = self.intro(x)
        encs = []
        for enc, down in zip(self.encoders, self.downs):
            for b in enc:
                x = b(x, tt)
            encs.append(x)
            x = down(x)
        for b in self.middle_blks:
            x = b(x, tt)
        for dec, up, skip in zip(self.decoders, self.ups, encs[::-1]):
            x = up(x) + skip
            for b in dec:
                x = b(x, tt)
        return self.ending(x)[..., :H, :W]


class IRSDE:
    """Schedule arrays (IRSDE.md §1) and the posterior step (§4)."""

    def __init__(self, max_sigma=50, T=100, eps=0.005):
        lam = max_sigma / 255 if max_sigma >= 1 else max_sigma
        tau, s = T + 2, 0.008
        k = torch.arange(tau + 1, dtype=torch.float64)
        a = torch.cos(((k / tau) + s) / (1 + s) * math.pi / 2) ** 2
        theta = 1 - (a / a[0])[1:T + 2]
        tb = torch.cumsum(theta, 0) - theta[0]
        self.T, self.lam = T, lam
        self.dt = -math.log(eps) / tb[T].item()
        self.theta, self.thetabar = theta, tb
        self.sigma = torch.sqrt(2 * lam ** 2 * theta)
        self.sbar = lam * torch.sqrt(1 - torch.exp(-2 * tb * self.dt))

    def coeffs(self, t):
        A = math.exp(-self.theta[t].item() * self.dt)
        B = math.exp(-self.thetabar[t].item() * self.dt)
        C = math.exp(-self.thetabar[t - 1].item() * self.dt)
        c1, c2 = A * (1 - C * C) / (1 - B * B), C * (1 - A * A) / (1 - B * B)
        v = (1 - A * A) * (1 - C * C) / (1 - B * B)
        return c1, c2, self.lam * math.sqrt(max(v, 1e-20 * self.dt))

    def loss(self, net, x0, mu, t, noise):
        m = torch.exp(-self.thetabar[t] * self.dt).float()[:, None, None, None]
        sb = self.sbar[t].float()[:, None, None, None]
        xt = mu + (x0 - mu) * m + sb * noise
        ehat = net(xt, mu, t.float())
        th = self.theta[t].float()[:, None, None, None]
        sg = self.sigma[t].float()[:, None, None, None]
        pred = xt - (th * (mu - xt) + sg ** 2 * ehat / sb) * self.dt
        cs = [self.coeffs(int(ti)) for ti in t]
        c1 = torch.tensor([c[0] for c in cs])[:, None, None, None]
        c2 = torch.tensor([c[1] for c in cs])[:, None, None, None]
        tgt = mu + c1 * (xt - mu) + c2 * (x0 - mu)
        return (pred - tgt.detach()).abs().mean()

    @torch.no_grad()
    def posterior_sample(self, net, mu):
        x = mu + self.lam * torch.randn_like(mu)
        for t in range(self.T, 0, -1):
            ehat = net(x, mu, torch.tensor([float(t)]))
            x0h = mu + (x - mu - self.sbar[t].item() * ehat) * math.exp(self.thetabar[t].item() * self.dt)
            c1, c2, std = self.coeffs(t)
            x = mu + c1 * (x - mu) + c2 * (x0h - mu) + std * torch.randn_like(x)
        return x

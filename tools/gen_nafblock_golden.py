#!/usr/bin/python3
"""Generate gradient goldens for the irsde test suite (NETWORKS.md §1 and §3).

Writes three committed fixtures (the TypeScript tests only read them; they never run Python):

  test/fixtures/nafblock_golden.safetensors   conditional NAFBlock(c=8), network width w=4, loss mean|out-target|
  test/fixtures/resblock_golden.safetensors   ResBlock(4→6, timeDim 8) with FiLM, loss mean((out-target)^2)
  test/fixtures/linattn_golden.safetensors    Residual(PreNorm(LinearAttention(6))), loss mean|out-target|

Every parameter and input is drawn in float32 from a fixed torch seed and stored as drawn. The forward and
backward passes run in float64 on those values (cast up); the channel LayerNorm uses eps = 1e-5 even in
float64, i.e. the fixture describes the float32 network computed exactly. Stored per fixture:
inputs, parameters (reference state-dict names), `output`, `loss` [1], `grad.<name>` for every parameter
and every input except `target` (all float32).

Usage:  /usr/bin/python3 tools/gen_nafblock_golden.py [--out-dir test/fixtures]
The module classes are also imported by tools/torch_bench.py.
"""
import argparse
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

LN_EPS = 1e-5
SEED = 20240607


# ----------------------------------------------------------------------------------------------
# Building blocks, written from NETWORKS.md §1 / §3.
# ----------------------------------------------------------------------------------------------
class ChannelLayerNorm(nn.Module):
    """LN(c): normalise over the channel axis per pixel, scale by g [1,c,1,1], no bias. Fixed eps."""

    def __init__(self, c, eps=LN_EPS):
        super().__init__()
        self.eps = eps
        self.g = nn.Parameter(torch.ones(1, c, 1, 1))

    def forward(self, x):
        mu = x.mean(dim=1, keepdim=True)
        var = (x - mu).pow(2).mean(dim=1, keepdim=True)  # biased
        return (x - mu) / torch.sqrt(var + self.eps) * self.g


class SimpleGate(nn.Module):
    def forward(self, x):
        a, b = x.chunk(2, dim=1)  # first half, second half
        return a * b


class NAFBlock(nn.Module):
    """Conditional NAFBlock(c) with time input tt of 4w features (NETWORKS.md §3).

    Attribute order gives the reference state-dict order:
    beta, gamma, mlp.1, conv1, conv2, conv3, sca.1, conv4, conv5, norm1.g, norm2.g.
    """

    def __init__(self, c, w):
        super().__init__()
        self.beta = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.gamma = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.mlp = nn.Sequential(SimpleGate(), nn.Linear(2 * w, 4 * c))
        self.conv1 = nn.Conv2d(c, 2 * c, 1, bias=True)
        self.conv2 = nn.Conv2d(2 * c, 2 * c, 3, padding=1, groups=2 * c, bias=True)
        self.conv3 = nn.Conv2d(c, c, 1, bias=True)
        self.sca = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c, 1, bias=True))
        self.conv4 = nn.Conv2d(c, 2 * c, 1, bias=True)
        self.conv5 = nn.Conv2d(c, c, 1, bias=True)
        self.norm1 = ChannelLayerNorm(c)
        self.norm2 = ChannelLayerNorm(c)
        self.sg = SimpleGate()

    def forward(self, inp, tt):
        film = self.mlp(tt)[:, :, None, None]  # [B, 4c, 1, 1]
        shift_att, scale_att, shift_ffn, scale_ffn = film.chunk(4, dim=1)  # shift first
        x = self.norm1(inp) * (1 + scale_att) + shift_att
        x = self.conv1(x)
        x = self.conv2(x)
        x = self.sg(x)
        x = x * self.sca(x)
        x = self.conv3(x)
        y = inp + self.beta * x
        x = self.norm2(y) * (1 + scale_ffn) + shift_ffn
        x = self.conv5(self.sg(self.conv4(x)))
        return y + self.gamma * x


class ConvNB(nn.Module):
    """Holder so the conv is named `<block>.proj.weight` (conv·nb)."""

    def __init__(self, a, b, k):
        super().__init__()
        self.proj = nn.Conv2d(a, b, k, padding=k // 2, bias=False)


class ResBlock(nn.Module):
    """ResBlock(a→b, timeDim) with FiLM (scale first), NETWORKS.md §1."""

    def __init__(self, a, b, time_dim):
        super().__init__()
        self.mlp = nn.Sequential(nn.SiLU(), nn.Linear(time_dim, 2 * b))
        self.block1 = ConvNB(a, b, 3)
        self.block2 = ConvNB(b, b, 3)
        self.res_conv = nn.Conv2d(a, b, 1, bias=False) if a != b else nn.Identity()

    def forward(self, x, temb):
        scale, shift = self.mlp(temb)[:, :, None, None].chunk(2, dim=1)  # scale first
        h = self.block1.proj(x)
        h = F.silu(h * (1 + scale) + shift)
        h = F.silu(self.block2.proj(h))
        return h + self.res_conv(x)


class LinearAttention(nn.Module):
    HEADS = 4
    DIM_HEAD = 32

    def __init__(self, c):
        super().__init__()
        hidden = self.HEADS * self.DIM_HEAD
        self.to_qkv = nn.Conv2d(c, 3 * hidden, 1, bias=False)
        self.to_out = nn.Sequential(nn.Conv2d(hidden, c, 1, bias=True), ChannelLayerNorm(c))

    def forward(self, x):
        b, _, h, w = x.shape
        n = h * w
        q, k, v = self.to_qkv(x).chunk(3, dim=1)
        q = q.reshape(b, self.HEADS, self.DIM_HEAD, n)
        k = k.reshape(b, self.HEADS, self.DIM_HEAD, n)
        v = v.reshape(b, self.HEADS, self.DIM_HEAD, n)
        q = q.softmax(dim=2) * (self.DIM_HEAD ** -0.5)  # over d
        k = k.softmax(dim=3)  # over pixels
        v = v / n
        ctx = torch.einsum("bhdn,bhen->bhde", k, v)
        out = torch.einsum("bhde,bhdn->bhen", ctx, q)
        out = out.reshape(b, self.HEADS * self.DIM_HEAD, h, w)
        return self.to_out(out)


class PreNorm(nn.Module):
    def __init__(self, c, fn):
        super().__init__()
        self.fn = fn
        self.norm = ChannelLayerNorm(c)

    def forward(self, x):
        return self.fn(self.norm(x))


class Residual(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return x + self.fn(x)


# ----------------------------------------------------------------------------------------------
# safetensors writer / reader (format: u64 LE header length, JSON header padded with spaces to 8, data).
# ----------------------------------------------------------------------------------------------
def write_safetensors(path, tensors, metadata):
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors:
        t = t.detach().to(torch.float32).contiguous().cpu()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    import numpy as np

    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        assert info["dtype"] == "F32"
        b, e = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(raw[base + b : base + e], dtype="<f4").copy()).reshape(info["shape"])
    return out, meta


# ----------------------------------------------------------------------------------------------
# Golden generation.
# ----------------------------------------------------------------------------------------------
def draw_params(module, gen, gain=None):
    """Draw float32 values for every parameter (state-dict order); returns list of (name, float32 tensor).

    z ~ N(0, 1) from `gen`; LN g = 1 + 0.25 z; NAF beta/gamma = 0.5 z; conv/linear weights = z / sqrt(fan_in);
    biases = 0.2 z. `gain` maps a parameter name to an extra factor on its random part.
    """
    gain = gain or {}
    params = []
    for name, p in module.named_parameters():
        shape = tuple(p.shape)
        z = torch.randn(shape, generator=gen, dtype=torch.float32)
        k = gain.get(name, 1.0)
        if name.endswith(".g"):
            v = 1.0 + 0.25 * k * z
        elif name in ("beta", "gamma"):
            v = 0.5 * k * z
        elif name.endswith("weight") and len(shape) >= 2:
            fan_in = p.numel() // shape[0]
            v = k * z / (fan_in ** 0.5)
        else:  # biases
            v = 0.2 * k * z
        params.append((name, v.to(torch.float32)))
    return params


def run_golden(name, module, inputs, loss_kind, grad_inputs, out_path, extra_meta, gen, gain=None):
    """inputs: list of (name, float32 tensor); forward takes all inputs except `target`."""
    params = draw_params(module, gen, gain)
    module = module.double()
    with torch.no_grad():
        pdict = dict(module.named_parameters())
        for pname, v in params:
            pdict[pname].copy_(v.double())
    for p in module.parameters():
        p.grad = None
    x64 = {}
    for iname, v in inputs:
        t = v.double().clone()
        if iname in grad_inputs:
            t.requires_grad_(True)
        x64[iname] = t
    fwd_args = [x64[iname] for iname, _ in inputs if iname != "target"]
    out = module(*fwd_args)
    diff = out - x64["target"]
    loss = diff.abs().mean() if loss_kind == "l1" else diff.pow(2).mean()
    loss.backward()

    pdict = dict(module.named_parameters())
    tensors = list(inputs) + list(params)
    tensors.append(("output", out.detach()))
    tensors.append(("loss", loss.detach().reshape(1)))
    for pname, _ in params:
        tensors.append(("grad." + pname, pdict[pname].grad))
    for iname in grad_inputs:
        tensors.append(("grad." + iname, x64[iname].grad))

    meta = {
        "generator": "tools/gen_nafblock_golden.py",
        "torch": torch.__version__,
        "block": name,
        "seed": str(SEED),
        "eps": repr(LN_EPS),
        "compute_dtype": "float64 (values drawn in float32, LayerNorm eps fixed at 1e-5)",
        "loss": "mean(|output - target|)" if loss_kind == "l1" else "mean((output - target)^2)",
        "param_draw": "z~N(0,1) float32; g=1+0.25z; beta,gamma=0.5z; weights z/sqrt(fan_in); biases 0.2z; "
                      "times gain " + json.dumps(gain or {}),
    }
    meta.update(extra_meta)
    write_safetensors(out_path, tensors, meta)

    # Round-trip check.
    back, _ = read_safetensors(out_path)
    for tname, t in tensors:
        assert torch.equal(back[tname], t.detach().float().cpu()), tname
    gmin = min(float(back["grad." + p].abs().max()) for p, _ in params)
    print(f"{out_path}: loss={float(loss):.9g} output_mean={float(out.mean()):.9g} "
          f"tensors={len(tensors)} min_max|grad|={gmin:.3g}")
    return float(loss)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--out-dir", default=os.path.join(root, "test", "fixtures"))
    args = ap.parse_args()

    gen = torch.Generator().manual_seed(SEED)
    torch.manual_seed(SEED)

    # 1. NAFBlock(c=8), w=4 → tt has 16 features.
    c, w = 8, 4
    inputs = [
        ("input", torch.randn(2, c, 12, 12, generator=gen)),
        ("tt", 0.5 * torch.randn(2, 4 * w, generator=gen)),
        ("target", torch.randn(2, c, 12, 12, generator=gen)),
    ]
    run_golden("NAFBlock", NAFBlock(c, w), inputs, "l1", ["input", "tt"],
               os.path.join(args.out_dir, "nafblock_golden.safetensors"),
               {"c": str(c), "w": str(w), "time_features": str(4 * w)}, gen)

    # 2. ResBlock(4→6, timeDim 8).
    a, b, td = 4, 6, 8
    inputs = [
        ("input", torch.randn(2, a, 10, 10, generator=gen)),
        ("temb", torch.randn(2, td, generator=gen)),
        ("target", torch.randn(2, b, 10, 10, generator=gen)),
    ]
    run_golden("ResBlock", ResBlock(a, b, td), inputs, "l2", ["input", "temb"],
               os.path.join(args.out_dir, "resblock_golden.safetensors"),
               {"a": str(a), "b": str(b), "time_dim": str(td)}, gen)

    # 3. Residual(PreNorm(LinearAttention(6))). With fan-in-scaled weights the attention output is tiny
    #    (v is divided by N) and nearly constant over pixels, so to_out.1's LayerNorm would mostly see the
    #    bias and the to_qkv / norm.g gradients would be ~1e-4. Larger gains make the attention path
    #    dominate (pre-LN channel variance >> eps) so every gradient is well above float32 noise.
    c = 6
    inputs = [
        ("input", torch.randn(2, c, 5, 7, generator=gen)),
        ("target", torch.randn(2, c, 5, 7, generator=gen)),
    ]
    run_golden("Residual(PreNorm(LinearAttention))", Residual(PreNorm(c, LinearAttention(c))), inputs, "l1",
               ["input"], os.path.join(args.out_dir, "linattn_golden.safetensors"),
               {"c": str(c), "heads": "4", "dim_head": "32"}, gen,
               gain={"fn.fn.to_qkv.weight": 3.0, "fn.fn.to_out.0.weight": 32.0, "fn.fn.to_out.0.bias": 0.25})


if __name__ == "__main__":
    main()

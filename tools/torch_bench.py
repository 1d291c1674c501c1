#!/usr/bin/python3
"""PyTorch side of `irsde bench engine --torch`.

Usage:  /usr/bin/python3 tools/torch_bench.py [--cases conv2,naf32,naf64] [--repeats 5] [--threads 2]

Prints ONE JSON object on stdout:
  {"torch": "<version>", "threads": 2, "repeats": 5,
   "cases": {"conv2": {"forward_ms": ..., "train_ms": ...}, ...}}
Times are medians (time.perf_counter) over `repeats` runs after 2 warm-up runs, float32 on the CPU.
If torch cannot be imported it prints {"error": "torch not available: <reason>"} and exits 3.

Cases:
  conv2  x [4,64,64,64]; conv3x3(64→64, bias) → ReLU → conv3x3(64→64, bias)
  naf32  conditional NAFBlock c=32, w=32 (tt [4,128]), x [4,32,128,128]
  naf64  conditional NAFBlock c=64, w=64 (tt [4,256]), x [4,64,128,128]
forward = the forward pass under torch.no_grad();
train   = zero_grad(set_to_none=True) + forward + mean|y − target| + backward + AdamW step (lr 1e-3, wd 1e-2).
"""
import argparse
import json
import os
import statistics
import sys
import time

ALL_CASES = ("conv2", "naf32", "naf64", "cnaf32_train", "cnaf32_sample")
WARMUP = 2


def fail(msg, code):
    print(json.dumps({"error": msg}))
    sys.stdout.flush()
    sys.exit(code)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default=",".join(ALL_CASES))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    bad = [c for c in cases if c not in ALL_CASES]
    if bad:
        fail("unknown case(s): %s (known: %s)" % (", ".join(bad), ", ".join(ALL_CASES)), 2)
    if args.repeats < 1 or args.threads < 1:
        fail("--repeats and --threads must be >= 1", 2)

    try:
        import torch
        import torch.nn as nn
    except Exception as e:  # ImportError, or a broken install raising something else
        fail("torch not available: %s" % (str(e) or type(e).__name__), 3)

    sys.dont_write_bytecode = True  # keep tools/ free of __pycache__
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from gen_nafblock_golden import NAFBlock  # NETWORKS.md §3, shared with the golden generator

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    def build(case):
        """Returns (module, forward-args tuple, target)."""
        if case == "conv2":
            m = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=True), nn.ReLU(),
                              nn.Conv2d(64, 64, 3, padding=1, bias=True))
            x = torch.randn(4, 64, 64, 64)
            return m, (x,), torch.randn(4, 64, 64, 64)
        c = w = 32 if case == "naf32" else 64
        m = NAFBlock(c, w)
        with torch.no_grad():  # non-zero beta/gamma so the whole block is live (cost is the same)
            m.beta.normal_(0, 0.1)
            m.gamma.normal_(0, 0.1)
        x = torch.randn(4, c, 128, 128)
        tt = torch.randn(4, 4 * w)
        return m, (x, tt), torch.randn(4, c, 128, 128)

    def timed(fn):
        for _ in range(WARMUP):
            fn()
        ts = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t0) * 1000.0)
        return min(ts)  # fastest run: other processes on a shared machine only ever add time

    results = {}
    for case in [c for c in cases if c.startswith("cnaf32")]:
        # ConditionalNAFNet w32 enc [1,1,1,4] (irsde bench sde): IR-SDE training step and 100-step sampling.
        from torch_nets import ConditionalNAFNet, IRSDE
        net = ConditionalNAFNet()
        with torch.no_grad():
            for name, p in net.named_parameters():
                if name.endswith("beta") or name.endswith("gamma"):
                    p.fill_(0.1)
        sde = IRSDE()
        if case == "cnaf32_train":
            opt = torch.optim.AdamW(net.parameters(), lr=1e-4, betas=(0.9, 0.99))
            x0, mu, noise = torch.rand(4, 3, 128, 128), torch.rand(4, 3, 128, 128), torch.randn(4, 3, 128, 128)
            t = torch.randint(1, 101, (4,))

            def step():
                opt.zero_grad(set_to_none=True)
                sde.loss(net, x0, mu, t, noise).backward()
                opt.step()
            results[case] = {"train_ms": round(timed(step), 3)}
        else:
            mu = torch.rand(1, 3, 256, 256)
            net.eval()
            with torch.no_grad():
                net(mu, mu, torch.tensor([50.0]))
            t0 = time.perf_counter()
            sde.posterior_sample(net, mu)
            results[case] = {"total_ms": round((time.perf_counter() - t0) * 1000.0, 1)}
        del net
    cases = [c for c in cases if not c.startswith("cnaf32")]
    for case in cases:
        m, inputs, target = build(case)
        m.train()

        def forward():
            with torch.no_grad():
                return m(*inputs)

        opt = torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=1e-2)

        def train_step():
            opt.zero_grad(set_to_none=True)
            y = m(*inputs)
            loss = (y - target).abs().mean()
            loss.backward()
            opt.step()
            return loss

        results[case] = {"forward_ms": round(timed(forward), 3), "train_ms": round(timed(train_step), 3)}
        del m, opt

    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "repeats": args.repeats,
                      "cases": results}))


if __name__ == "__main__":
    main()

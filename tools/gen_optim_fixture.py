#!/usr/bin/env python3
"""Generate test/runtime/fixtures/optim.json: reference optimiser / clipping / LR-schedule values from PyTorch.

Run with a Python that has torch (tested with Debian python3-torch 1.13):
    /usr/bin/python3 tools/gen_optim_fixture.py
Lion is not in torch; it is written here exactly as lion-pytorch's update_fn.
"""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float32)

P0 = [0.5, -1.25, 2.0, 0.0, -0.03125]
GRADS = [
    [0.1, -0.2, 0.3, 0.0, 1.5],
    [-0.05, 0.4, 0.25, 1e-3, -2.0],
    [0.2, 0.1, -0.6, -0.5, 0.75],
]


def f32list(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def run_torch(make_opt, steps=GRADS):
    p = torch.nn.Parameter(torch.tensor(P0))
    opt = make_opt([p])
    after = []
    for g in steps:
        p.grad = torch.tensor(g)
        opt.step()
        after.append(f32list(p))
    state = {k: f32list(v) for k, v in opt.state[p].items() if torch.is_tensor(v) and v.numel() == p.numel()}
    return {"params": after, "state": state}


def lion_step(p, m, g, lr, wd, b1, b2):
    # lion-pytorch update_fn
    p.data.mul_(1 - lr * wd)
    update = m.clone().mul_(b1).add(g, alpha=1 - b1).sign_()
    p.add_(update, alpha=-lr)
    m.mul_(b2).add_(g, alpha=1 - b2)


def run_lion(lr, wd, b1=0.9, b2=0.99):
    p = torch.tensor(P0)
    m = torch.zeros_like(p)
    after = []
    for g in GRADS:
        lion_step(p, m, torch.tensor(g), lr, wd, b1, b2)
        after.append(f32list(p))
    return {"params": after, "state": {"exp_avg": f32list(m)}}


def main():
    out = {"p0": P0, "grads": GRADS, "torch": torch.__version__}
    out["adamw"] = {
        "opts": {"lr": 0.01, "betas": [0.9, 0.99], "eps": 1e-8, "weightDecay": 0.1},
        **run_torch(lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)),
    }
    out["adam_l2"] = {
        "opts": {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-6, "weightDecay": 0.1},
        **run_torch(lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.1)),
    }
    out["sgd_nesterov"] = {
        "opts": {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weightDecay": 0.01},
        **run_torch(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    }
    out["sgd_dampening"] = {
        "opts": {"lr": 0.1, "momentum": 0.8, "dampening": 0.3},
        **run_torch(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.8, dampening=0.3)),
    }
    out["lion"] = {"opts": {"lr": 0.01, "weightDecay": 0.5, "betas": [0.9, 0.99]}, **run_lion(0.01, 0.5)}

    # clip_grad_norm_
    clips = []
    for max_norm in [1.0, 100.0]:
        a = torch.nn.Parameter(torch.zeros(3))
        b = torch.nn.Parameter(torch.zeros(2, 2))
        a.grad = torch.tensor([3.0, -4.0, 12.0])
        b.grad = torch.tensor([[1.0, 2.0], [-2.0, 0.5]])
        norm = torch.nn.utils.clip_grad_norm_([a, b], max_norm)
        clips.append({"maxNorm": max_norm, "norm": float(norm), "a": f32list(a.grad), "b": f32list(b.grad)})
    out["clip"] = clips

    # LR schedules: lr used for update k (k = 0..n-1) with scheduler.step() after each optimiser step
    def lrs(make_sched, n, lr):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=lr)
        sched = make_sched(opt)
        seq = []
        for _ in range(n):
            seq.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return seq

    out["multistep"] = {"baseLr": 1e-4, "milestones": [3, 5, 5], "gamma": 0.5,
                        "lrs": lrs(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [3, 5, 5], 0.5), 9, 1e-4)}
    out["cosine"] = {"baseLr": 4e-5, "totalSteps": 10, "minLr": 1e-7,
                     "lrs": lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=1e-7), 11, 4e-5)}

    path = os.path.join(os.path.dirname(__file__), "..", "test", "runtime", "fixtures", "optim.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()

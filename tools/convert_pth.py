#!/usr/bin/env python3
"""Convert a PyTorch checkpoint (.pth state dict, as saved by the reference IR-SDE / Refusion / DA-CLIP code)
to safetensors with the same tensor names, so `irsde` can load reference-trained weights.

    /usr/bin/python3 tools/convert_pth.py model.pth model.safetensors [--key params]

- Accepts a bare state dict or a dict holding one under `--key` (tried automatically, in this order:
  params_ema, state_dict, params, model — the EMA copy first, as it is the one meant for inference; the key
  used is printed); strips a leading `module.` (DataParallel) from every name.
- Floating tensors are written as F32 (the irsde runtime computes in float32); integer buffers are skipped.
- Then check the names and shapes against an irsde network with
  `ParamStore.load(...)` (strict: it names every missing, unexpected or wrong-shaped tensor).
Needs torch (Debian: apt-get install python3-torch). Tests never need it.
"""
import argparse
import json
import struct
import sys


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        data = tensors[name].astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    import os
    os.replace(path + ".tmp", path)  # atomic: a failed run leaves no half-written file


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--key", default=None, help="entry of the checkpoint dict that holds the state dict")
    args = ap.parse_args()
    try:
        import torch
    except Exception as e:
        sys.exit("convert_pth: torch is not available (%s); on Debian: apt-get install python3-torch" % e)
    try:
        ckpt = torch.load(args.input, map_location="cpu")
    except Exception as e:
        sys.exit("convert_pth: cannot read %s: %s" % (args.input, e))
    sd = ckpt
    if isinstance(ckpt, dict) and not all(hasattr(v, "shape") for v in ckpt.values()):
        keys = [args.key] if args.key else ["params_ema", "state_dict", "params", "model"]
        used = next((k for k in keys if k in ckpt), None)
        if used is None:
            sys.exit("convert_pth: %s holds no state dict under %s (keys: %s)" % (args.input, keys, list(ckpt)[:10]))
        sd = ckpt[used]
        print("%s: converting the state dict under '%s'" % (args.input, used))
    elif args.key:
        sys.exit("convert_pth: %s is a bare state dict (no '%s' entry); run again without --key" % (args.input, args.key))
    out = {}
    for name, t in sd.items():
        if not hasattr(t, "dtype") or not t.is_floating_point():
            continue
        out[name[7:] if name.startswith("module.") else name] = t.detach().float().cpu().numpy()
    if not out:
        sys.exit("convert_pth: no floating-point tensors in %s" % args.input)
    write_safetensors(args.output, out, {"source": args.input, "converter": "tools/convert_pth.py", "torch": torch.__version__})
    print("%s: %d tensors, %d parameters -> %s" % (args.input, len(out), sum(v.size for v in out.values()), args.output))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Random cases against PyTorch through the CLI: what the golden tests do, on shapes nobody chose.

Each case draws an op and its parameters from a seed, computes PyTorch's answer, runs
`java -jar target/jconv.jar run OP ...` on the same .npy files (for convolutions with every
algorithm, and each algorithm that declines the case must say why) and compares. Cases PyTorch
rejects are skipped. Needs Debian's python3 with python3-torch (PyTorch 1.13) and the jar
(`mvn -B package -DskipTests`); not part of CI, which has no PyTorch.

  /usr/bin/python3 tools/torch_sweep.py conv SEED CASES
  /usr/bin/python3 tools/torch_sweep.py ops SEED CASES

Prints each mismatch or unexpected failure, then a count; exits 1 if there was any.
"""
import os
import random
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore")  # torch's note on padding='same' with even kernels
JAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "jconv.jar")
ALGORITHMS = ["auto", "direct", "im2col", "winograd-f2x3", "winograd-f4x3", "winograd-f6x3", "depthwise"]


def listed(values):
    return ",".join(str(v) for v in values)


def run(args):
    done = subprocess.run(["java", "-jar", JAR, "run"] + args, capture_output=True, text=True)
    return done.returncode, done.stderr.strip()


def conv_case(rng):
    """A convolution or transposed one: (input, PyTorch's output, jconv's options, weight, bias, terms per sum)."""
    dims = rng.choice([1, 2, 2, 2, 3])
    groups, icg, ocg = rng.choice([1, 1, 1, 2, 3, 4]), rng.choice([1, 2, 3, 5, 8, 16, 17]), rng.choice([1, 2, 4, 7, 16, 33])
    if rng.random() < 0.15:  # depthwise
        groups, icg, ocg = rng.choice([4, 8, 16]), 1, rng.choice([1, 2])
    k = [rng.choice([1, 2, 3, 3, 5]) for _ in range(dims)]
    s = [rng.choice([1, 1, 2, 3]) for _ in range(dims)]
    d = [rng.choice([1, 1, 1, 2, 3]) for _ in range(dims)]
    x = torch.randn(rng.choice([1, 1, 2, 3]), groups * icg, *[rng.randint(1, 24 if dims < 3 else 9) for _ in range(dims)])
    b = torch.randn(groups * ocg) if rng.random() < 0.7 else None
    depth = icg * np.prod(k)
    transposed = rng.random() < 0.3
    if transposed:
        w = torch.randn(groups * icg, ocg, *k)
        p = [rng.randint(0, 2) for _ in range(dims)]
        op = [rng.randint(0, max(s[i], d[i]) - 1) for i in range(dims)]
        f = [F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][dims - 1]
        y = f(x, w, b, stride=s, padding=p, output_padding=op, groups=groups, dilation=d)
        padding = ["--padding", listed(p), "--output-padding", listed(op)]
    else:
        w = torch.randn(groups * ocg, icg, *k)
        f = [F.conv1d, F.conv2d, F.conv3d][dims - 1]
        mode = rng.choice(["symmetric", "symmetric", "asymmetric", "same", "valid"])
        if mode == "symmetric":
            p = [rng.randint(0, 3) for _ in range(dims)]
            y, padding = f(x, w, b, stride=s, padding=p, dilation=d, groups=groups), ["--padding", listed(p)]
        elif mode == "asymmetric":  # F.pad lists the last dim first
            begin, end = [rng.randint(0, 3) for _ in range(dims)], [rng.randint(0, 3) for _ in range(dims)]
            last_first = [v for i in reversed(range(dims)) for v in (begin[i], end[i])]
            y = f(F.pad(x, last_first), w, b, stride=s, dilation=d, groups=groups)
            padding = ["--padding-begin", listed(begin), "--padding-end", listed(end)]
        elif mode == "same":  # PyTorch's rule: stride 1
            s = [1] * dims
            y, padding = f(x, w, b, padding="same", dilation=d, groups=groups), ["--padding", "same"]
        else:
            y, padding = f(x, w, b, stride=s, padding="valid", dilation=d, groups=groups), ["--padding", "valid"]
    op_name = "conv-transpose" if transposed else "conv"
    args = [op_name, "--stride", listed(s), "--dilation", listed(d), "--groups", str(groups)] + padding
    return x, y, args, w, b, depth


def sweep_conv(rng, cases, folder):
    bad = runs = 0
    for _ in range(cases):
        try:
            x, y, args, w, b, depth = conv_case(rng)
        except RuntimeError:
            continue
        if y.numel() == 0:
            continue
        np.save(f"{folder}/x.npy", x.numpy())
        np.save(f"{folder}/w.npy", w.numpy())
        args += ["--input", f"{folder}/x.npy", "--weight", f"{folder}/w.npy"]
        if b is not None:
            np.save(f"{folder}/b.npy", b.numpy())
            args += ["--bias", f"{folder}/b.npy"]
        expected = y.numpy()
        for algorithm in ALGORITHMS:
            out = f"{folder}/y.npy"
            if os.path.exists(out):
                os.remove(out)
            code, err = run(args + ["--output", out, "--algo", algorithm])
            if code != 0:
                if algorithm == "auto" or code != 2:
                    print("FAIL", algorithm, " ".join(args), err)
                    bad += 1
                continue
            runs += 1
            got = np.load(out)
            # float32 sums of `depth` terms; Winograd's transforms add a little more
            tolerance = 1e-4 * (np.abs(expected).max() + 1) * (1 + np.sqrt(depth) / 4) * (20 if "winograd" in algorithm else 1)
            if got.shape != expected.shape or not np.abs(got - expected).max() <= tolerance:
                print("MISMATCH", algorithm, " ".join(args), got.shape, expected.shape)
                bad += 1
    return runs, bad


def ops_case(rng, folder):
    """A pooling or layout op: (input, PyTorch's output, options, PyTorch's indices or None)."""
    op = rng.choice(["max-pool", "max-pool", "avg-pool", "avg-pool", "adaptive-avg-pool", "pixel-shuffle",
                     "pixel-unshuffle", "channel-shuffle", "pad", "upsample"])
    dims = rng.choice([1, 2, 2, 3]) if op in ("max-pool", "avg-pool", "adaptive-avg-pool", "pad") else 2
    n, c = rng.choice([1, 2]), rng.choice([1, 2, 3, 4, 6, 8, 12])
    spatial = [rng.randint(1, 17 if dims < 3 else 8) for _ in range(dims)]
    x = torch.randn(n, c, *spatial)
    if op in ("max-pool", "avg-pool"):
        k = [rng.randint(1, 5) for _ in range(dims)]
        s = [rng.randint(1, 4) for _ in range(dims)]
        p = [rng.randint(0, k[i] // 2) for i in range(dims)]
        ceil = rng.random() < 0.5
        if rng.random() < 0.2:
            x[..., 0] = float("nan")
        if rng.random() < 0.2:
            x = torch.round(x)  # ties
        args = [op, "--kernel", listed(k), "--stride", listed(s), "--padding", listed(p), "--ceil-mode", str(ceil).lower()]
        if op == "max-pool":
            d = [rng.randint(1, 3) for _ in range(dims)]
            y, indices = [F.max_pool1d, F.max_pool2d, F.max_pool3d][dims - 1](x, k, s, p, d, ceil_mode=ceil, return_indices=True)
            return x, y, args + ["--dilation", listed(d), "--indices", f"{folder}/i.npy"], indices
        include = rng.random() < 0.5
        y = [F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][dims - 1](x, k, s, p, ceil_mode=ceil, count_include_pad=include)
        return x, y, args + ["--count-include-pad", str(include).lower()], None
    if op == "adaptive-avg-pool":
        size = [rng.randint(1, 9) for _ in range(dims)]
        y = [F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d][dims - 1](x, size)
        return x, y, [op, "--output-size", listed(size)], None
    if op == "pixel-shuffle":
        r = rng.randint(1, 3)
        x = torch.randn(n, c * r * r, *spatial)
        return x, F.pixel_shuffle(x, r), [op, "--factor", str(r)], None
    if op == "pixel-unshuffle":
        r = rng.randint(1, 3)
        x = torch.randn(n, c, spatial[0] * r, spatial[1] * r)
        return x, F.pixel_unshuffle(x, r), [op, "--factor", str(r)], None
    if op == "channel-shuffle":
        g = rng.choice([1, 2, 3])
        x = torch.randn(n, c * g, *spatial)
        return x, torch.nn.ChannelShuffle(g)(x), [op, "--groups", str(g)], None
    if op == "pad":
        mode = rng.choice(["constant", "reflect", "replicate", "circular"])
        pads = []  # natural order: begin and end of D, H, W
        for size in spatial:
            most = size - 1 if mode == "reflect" else size if mode == "circular" else 4
            pads += [rng.randint(-1 if mode == "constant" else 0, max(0, most)), rng.randint(0, max(0, most))]
        last_first = [pads[2 * i + j] for i in reversed(range(dims)) for j in (0, 1)]
        if mode == "constant":
            value = round(rng.uniform(-2, 2), 3)
            return x, F.pad(x, last_first, value=value), [op, "--mode", mode, "--pads", listed(pads), "--value", str(value)], None
        return x, F.pad(x, last_first, mode=mode), [op, "--mode", mode, "--pads", listed(pads)], None
    mode = rng.choice(["nearest", "bilinear"])
    scale = [rng.choice([0.5, 0.75, 1, 1.5, 2, 3]) for _ in range(2)]
    args = [op, "--mode", mode, "--scale", listed(scale)]
    if mode == "nearest":
        return x, F.interpolate(x, scale_factor=scale, mode=mode, recompute_scale_factor=False), args, None
    corners = rng.random() < 0.5
    y = F.interpolate(x, scale_factor=scale, mode=mode, align_corners=corners, recompute_scale_factor=False)
    return x, y, args + ["--align-corners", str(corners).lower()], None


def sweep_ops(rng, cases, folder):
    bad = runs = 0
    for _ in range(cases):
        try:
            x, y, args, indices = ops_case(rng, folder)
        except (RuntimeError, ValueError):
            continue
        if y.numel() == 0:
            continue
        np.save(f"{folder}/x.npy", x.numpy())
        out = f"{folder}/y.npy"
        if os.path.exists(out):
            os.remove(out)
        code, err = run(args + ["--input", f"{folder}/x.npy", "--output", out])
        runs += 1
        if code != 0:
            print("FAIL", " ".join(args), tuple(x.shape), err)
            bad += 1
            continue
        got, expected = np.load(out), y.numpy()
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-5, atol=1e-5, equal_nan=True):
            print("MISMATCH", " ".join(args), tuple(x.shape), got.shape, expected.shape)
            bad += 1
        elif indices is not None and not np.array_equal(np.load(f"{folder}/i.npy"), indices.numpy()):
            print("INDICES", " ".join(args), tuple(x.shape))
            bad += 1
    return runs, bad


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("conv", "ops"):
        sys.exit(__doc__)
    rng = random.Random(int(sys.argv[2]))
    torch.manual_seed(int(sys.argv[2]))
    with tempfile.TemporaryDirectory() as folder:
        runs, bad = (sweep_conv if sys.argv[1] == "conv" else sweep_ops)(rng, int(sys.argv[3]), folder)
    print(f"{sys.argv[1]} seed {sys.argv[2]}: {runs} runs, {bad} bad")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

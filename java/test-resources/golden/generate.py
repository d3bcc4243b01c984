#!/usr/bin/env python3
"""Regenerates the PyTorch golden cases the Java tests compare jconv with.

Each case is a folder with input.npy, weight.npy, optional bias.npy, torch's output.npy and
args.txt: the `jconv run conv` options that ask for the same convolution. Run with Debian's
python3 and python3-torch (PyTorch 1.13): /usr/bin/python3 generate.py
"""
import os
import shutil
import zlib

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
FUNCS = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def case(name, in_shape, w_shape, bias, stride=1, padding=0, dilation=1, groups=1, pad_begin=None, pad_end=None):
    """One convolution. pad_begin/pad_end (natural D, H, W order) pad asymmetrically with F.pad first."""
    gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    x = torch.randn(in_shape, generator=gen)
    w = torch.randn(w_shape, generator=gen)
    b = torch.randn(w_shape[0], generator=gen) if bias else None
    rank = len(in_shape) - 2
    args = []
    if pad_begin is not None:
        pads = []
        for lo, hi in reversed(list(zip(pad_begin, pad_end))):  # F.pad lists the last dim first
            pads += [lo, hi]
        y = FUNCS[rank](F.pad(x, pads), w, b, stride=stride, dilation=dilation, groups=groups)
        args += ["--padding-begin", ",".join(map(str, pad_begin)), "--padding-end", ",".join(map(str, pad_end))]
    else:
        y = FUNCS[rank](x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
        args += ["--padding", padding if isinstance(padding, str) else listed(padding)]
    args += ["--stride", listed(stride), "--dilation", listed(dilation), "--groups", str(groups)]
    folder = os.path.join(HERE, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    np.save(os.path.join(folder, "input.npy"), x.numpy())
    np.save(os.path.join(folder, "weight.npy"), w.numpy())
    if b is not None:
        np.save(os.path.join(folder, "bias.npy"), b.numpy())
    np.save(os.path.join(folder, "output.npy"), y.numpy())
    with open(os.path.join(folder, "args.txt"), "w") as f:
        f.write(" ".join(args) + "\n")


def listed(v):
    return ",".join(map(str, v)) if isinstance(v, (tuple, list)) else str(v)


def main():
    case("conv1d_stride_dilation", (2, 3, 29), (4, 3, 3), True, stride=2, padding=2, dilation=3)
    case("conv1d_same_even_kernel", (1, 2, 10), (3, 2, 4), False, padding="same")
    case("conv1d_asymmetric", (1, 2, 9), (2, 2, 3), True, pad_begin=[2], pad_end=[0], stride=2)
    case("conv2d_resnet_stem", (1, 3, 23, 21), (8, 3, 7, 7), True, stride=2, padding=3)
    case("conv2d_groups", (2, 6, 9, 8), (9, 2, 3, 3), True, stride=(1, 2), padding=(1, 0), groups=3)
    case("conv2d_depthwise", (1, 5, 11, 11), (5, 1, 3, 3), True, stride=2, padding=1, groups=5)
    case("conv2d_same_dilated", (1, 4, 12, 10), (3, 4, 3, 2), True, padding="same", dilation=(2, 3))
    case("conv2d_valid_tiny", (3, 1, 2, 3), (2, 1, 2, 2), False, padding="valid")
    case("conv2d_asymmetric", (1, 3, 8, 7), (4, 3, 3, 3), True, pad_begin=[0, 2], pad_end=[1, 0], stride=(2, 1))
    case("conv2d_1x1", (2, 16, 5, 6), (7, 16, 1, 1), True)
    case("conv3d_stride", (1, 2, 7, 8, 9), (3, 2, 3, 3, 3), True, stride=(1, 2, 3), padding=1)
    case("conv3d_same_groups", (1, 4, 5, 6, 5), (4, 2, 3, 2, 3), False, padding="same", groups=2)


if __name__ == "__main__":
    main()

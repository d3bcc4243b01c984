#!/usr/bin/env python3
"""Regenerates the PyTorch golden cases the Java tests compare jconv with.

Each case is a folder with input.npy, optional weight.npy and bias.npy, torch's output.npy (and
indices.npy for max pooling) and args.txt: the op and the `jconv run OP` options that ask for the
same computation. Run with Debian's python3 and python3-torch (PyTorch 1.13):
/usr/bin/python3 generate.py
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
    args = ["conv"]
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
    save(name, args, y, input=x, weight=w, bias=b)


def save(name, args, output, **arrays):
    folder = os.path.join(HERE, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for key, value in arrays.items():
        if value is not None:
            np.save(os.path.join(folder, key + ".npy"), value.numpy())
    np.save(os.path.join(folder, "output.npy"), output.numpy())
    with open(os.path.join(folder, "args.txt"), "w") as f:
        f.write(" ".join(args) + "\n")


def data(name, shape):
    return torch.randn(shape, generator=torch.Generator().manual_seed(zlib.crc32(name.encode())))


def conv_transpose(name, in_shape, w_shape, bias, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
    gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    x = torch.randn(in_shape, generator=gen)
    w = torch.randn(w_shape, generator=gen)
    b = torch.randn(w_shape[1] * groups, generator=gen) if bias else None
    func = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[len(in_shape) - 2]
    y = func(x, w, b, stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
    args = ["conv-transpose", "--stride", listed(stride), "--padding", listed(padding), "--output-padding",
            listed(output_padding), "--dilation", listed(dilation), "--groups", str(groups)]
    save(name, args, y, input=x, weight=w, bias=b)


def max_pool(name, in_shape, kernel, stride=None, padding=0, dilation=1, ceil_mode=False, nan=False):
    x = data(name, in_shape)
    if nan:
        x.view(-1)[3] = float("nan")
    func = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[len(in_shape) - 2]
    y, idx = func(x, kernel, stride, padding, dilation, ceil_mode=ceil_mode, return_indices=True)
    args = ["max-pool", "--kernel", listed(kernel), "--padding", listed(padding), "--dilation", listed(dilation),
            "--ceil-mode", str(ceil_mode).lower()] + (["--stride", listed(stride)] if stride is not None else [])
    save(name, args, y, input=x, indices=idx)


def avg_pool(name, in_shape, kernel, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    x = data(name, in_shape)
    func = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[len(in_shape) - 2]
    y = func(x, kernel, stride, padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    args = ["avg-pool", "--kernel", listed(kernel), "--padding", listed(padding), "--ceil-mode",
            str(ceil_mode).lower(), "--count-include-pad", str(count_include_pad).lower()]
    args += ["--stride", listed(stride)] if stride is not None else []
    save(name, args, y, input=x)


def unary(name, in_shape, func, args):
    x = data(name, in_shape)
    save(name, args, func(x), input=x)


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

    conv_transpose("convT1d_stride_outpad", (2, 3, 7), (3, 2, 4), True, stride=3, padding=1, output_padding=2)
    conv_transpose("convT2d_dcgan", (1, 8, 4, 4), (8, 4, 4, 4), True, stride=2, padding=1)
    conv_transpose("convT2d_groups_dilation", (1, 4, 5, 6), (4, 3, 3, 2), False, stride=(2, 1), padding=(1, 0),
                   output_padding=(1, 0), dilation=(1, 2), groups=2)
    conv_transpose("convT2d_dilation_outpad", (1, 2, 5, 5), (2, 2, 3, 3), True, stride=1, padding=2,
                   output_padding=1, dilation=2)
    conv_transpose("convT3d", (1, 2, 3, 4, 3), (2, 3, 2, 3, 2), True, stride=(1, 2, 2), padding=(0, 1, 0),
                   output_padding=(0, 1, 1))

    max_pool("maxpool1d_ceil", (2, 3, 10), 3, 2, 1, ceil_mode=True)
    max_pool("maxpool2d_resnet", (1, 4, 13, 13), 3, 2, 1)
    max_pool("maxpool2d_dilation_ceil", (1, 2, 11, 9), (3, 2), (2, 3), (1, 1), dilation=(2, 1), ceil_mode=True)
    max_pool("maxpool2d_nan", (1, 1, 6, 6), 2, nan=True)
    max_pool("maxpool1d_window_in_padding", (1, 1, 2), 2, 1, 1, dilation=3)  # -inf, index past the input
    max_pool("maxpool2d_window_in_padding", (1, 1, 2, 2), 2, 1, 1, dilation=3)
    max_pool("maxpool3d", (1, 2, 5, 6, 7), (2, 3, 3), (2, 2, 1), (1, 1, 0), ceil_mode=True)
    avg_pool("avgpool1d_exclude_pad", (2, 2, 11), 4, 3, 2, ceil_mode=True, count_include_pad=False)
    avg_pool("avgpool2d_ceil_include_pad", (1, 3, 10, 9), 3, 2, 1, ceil_mode=True, count_include_pad=True)
    avg_pool("avgpool2d_exclude_pad", (1, 2, 7, 8), (3, 2), (2, 2), (1, 1), ceil_mode=True, count_include_pad=False)
    avg_pool("avgpool3d", (1, 2, 6, 7, 5), 2, 2, 1, ceil_mode=True)

    unary("adaptive1d", (1, 3, 10), lambda x: F.adaptive_avg_pool1d(x, 4), ["adaptive-avg-pool", "--output-size", "4"])
    unary("adaptive2d_up", (1, 2, 5, 7), lambda x: F.adaptive_avg_pool2d(x, (7, 3)),
          ["adaptive-avg-pool", "--output-size", "7,3"])
    unary("adaptive3d", (1, 2, 6, 5, 9), lambda x: F.adaptive_avg_pool3d(x, (4, 5, 2)),
          ["adaptive-avg-pool", "--output-size", "4,5,2"])
    unary("pixel_shuffle", (2, 18, 3, 4), lambda x: F.pixel_shuffle(x, 3), ["pixel-shuffle", "--factor", "3"])
    unary("pixel_unshuffle", (1, 2, 6, 4), lambda x: F.pixel_unshuffle(x, 2), ["pixel-unshuffle", "--factor", "2"])
    unary("channel_shuffle", (2, 6, 3, 2), lambda x: x.view(2, 3, 2, 3, 2).transpose(1, 2).reshape(2, 6, 3, 2),
          ["channel-shuffle", "--groups", "3"])
    # Our pads list (begin, end) per dim in natural order; F.pad lists the last dim first.
    unary("pad_constant_crop", (1, 2, 4, 5), lambda x: F.pad(x, (2, -1, 1, 3), value=1.5),
          ["pad", "--mode", "constant", "--pads", "1,3,2,-1", "--value", "1.5"])
    unary("pad_reflect", (1, 2, 4, 5), lambda x: F.pad(x, (4, 2, 3, 1), mode="reflect"),
          ["pad", "--mode", "reflect", "--pads", "3,1,4,2"])
    unary("pad_replicate_3d", (1, 1, 3, 4, 2), lambda x: F.pad(x, (2, 0, 1, 2, 3, 1), mode="replicate"),
          ["pad", "--mode", "replicate", "--pads", "3,1,1,2,2,0"])
    unary("pad_circular_1d", (1, 2, 5), lambda x: F.pad(x, (5, 2), mode="circular"),
          ["pad", "--mode", "circular", "--pads", "5,2"])
    unary("upsample_nearest_2x", (1, 2, 3, 4), lambda x: F.interpolate(x, scale_factor=2, mode="nearest"),
          ["upsample", "--mode", "nearest", "--scale", "2"])
    unary("upsample_nearest_odd", (1, 2, 5, 4), lambda x: F.interpolate(x, scale_factor=(1.7, 2.5), mode="nearest"),
          ["upsample", "--mode", "nearest", "--scale", "1.7,2.5"])
    unary("upsample_bilinear", (1, 2, 4, 5), lambda x: F.interpolate(x, scale_factor=(2.5, 1.6), mode="bilinear",
                                                                      align_corners=False),
          ["upsample", "--mode", "bilinear", "--scale", "2.5,1.6", "--align-corners", "false"])
    unary("upsample_bilinear_corners", (2, 1, 3, 5), lambda x: F.interpolate(x, scale_factor=3, mode="bilinear",
                                                                             align_corners=True),
          ["upsample", "--mode", "bilinear", "--scale", "3", "--align-corners", "true"])


if __name__ == "__main__":
    main()

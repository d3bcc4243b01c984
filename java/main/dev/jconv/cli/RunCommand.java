package dev.jconv.cli;

import dev.jconv.Algorithm;
import dev.jconv.ConvSpec;
import dev.jconv.Functional;
import dev.jconv.PadMode;
import dev.jconv.PoolSpec;
import dev.jconv.Tensor;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code run OP ...}: one op on .npy files, so results compare directly with NumPy and PyTorch. L is
 * a comma-separated list with one value per spatial dim (D, H, W order), or one value for all.
 */
final class RunCommand {
    static final String USAGE = String.join("\n  ",
            "run conv --input X.npy --weight W.npy [--bias B.npy] --output Y.npy [--stride L] [--padding L|same|valid]"
                    + " [--padding-begin L --padding-end L] [--dilation L] [--groups G] [--algo NAME]",
            "run conv-transpose --input X.npy --weight W.npy [--bias B.npy] --output Y.npy [--stride L] [--padding L]"
                    + " [--output-padding L] [--dilation L] [--groups G] [--algo NAME]",
            "run max-pool --input X.npy --output Y.npy --kernel L [--stride L] [--padding L] [--dilation L]"
                    + " [--ceil-mode true|false] [--indices I.npy (int64 argmax per output, as return_indices)]",
            "run avg-pool --input X.npy --output Y.npy --kernel L [--stride L] [--padding L] [--ceil-mode true|false]"
                    + " [--count-include-pad true|false]",
            "run adaptive-avg-pool --input X.npy --output Y.npy --output-size L",
            "run pixel-shuffle|pixel-unshuffle --input X.npy --output Y.npy --factor R",
            "run channel-shuffle --input X.npy --output Y.npy --groups G",
            "run pad --input X.npy --output Y.npy --mode constant|reflect|replicate|circular --pads b0,e0,b1,e1,..."
                    + " [--value V]   (pairs per spatial dim in D, H, W order: PyTorch's F.pad lists the last dim first)",
            "run upsample --input X.npy --output Y.npy --mode nearest|bilinear --scale S[,S] [--align-corners true|false]");

    private RunCommand() {}

    static void run(String[] args) {
        if (args.length < 2) throw new CliException("run needs an op:\n  " + USAGE);
        String op = args[1];
        Options options = new Options(args, 2, Set.of());
        switch (op) {
            case "conv", "conv-transpose" -> runConv(options, op.equals("conv-transpose"));
            case "max-pool", "avg-pool" -> runPool(options, op.equals("max-pool"));
            case "adaptive-avg-pool" -> {
                long[] size = required(options.getList("output-size", null), "output-size");
                runUnary(options, x -> Functional.adaptiveAvgPool(x, size));
            }
            case "pixel-shuffle" -> {
                long factor = requiredLong(options, "factor");
                runUnary(options, x -> Functional.pixelShuffle(x, factor));
            }
            case "pixel-unshuffle" -> {
                long factor = requiredLong(options, "factor");
                runUnary(options, x -> Functional.pixelUnshuffle(x, factor));
            }
            case "channel-shuffle" -> {
                long groups = requiredLong(options, "groups");
                runUnary(options, x -> Functional.channelShuffle(x, groups));
            }
            case "pad" -> runPad(options);
            case "upsample" -> runUpsample(options);
            default -> throw new CliException("unknown op '" + op + "' for run; available: conv, conv-transpose, "
                    + "max-pool, avg-pool, adaptive-avg-pool, pixel-shuffle, pixel-unshuffle, channel-shuffle, pad, upsample");
        }
    }

    /**
     * Reads --input, applies op, writes --output. The caller has read its own options already, so
     * every option is checked before any file is read.
     */
    private static void runUnary(Options options, Function<Tensor, Tensor> op) {
        Path inputPath = Path.of(options.required("input"));
        Path outputPath = Path.of(options.required("output"));
        options.requireAllUsed();
        Npy.Array input = Npy.read(inputPath);
        try (Tensor x = Tensor.of(input.data(), input.shape()); Tensor y = op.apply(x)) {
            Npy.write(outputPath, y.toArray(), y.shape());
        }
    }

    private static long[] required(long[] values, String name) {
        if (values == null) throw new CliException("option --" + name + " is required");
        return values;
    }

    private static long requiredLong(Options options, String name) {
        options.required(name);
        return options.getLong(name, 0);
    }

    private static void runConv(Options options, boolean transposed) {
        Path inputPath = Path.of(options.required("input"));
        Path weightPath = Path.of(options.required("weight"));
        String biasPath = options.get("bias", null);
        Path outputPath = Path.of(options.required("output"));
        ConvSpec spec = convSpec(options, transposed);
        Algorithm algorithm = algorithm(options.get("algo", "auto"));
        options.requireAllUsed();

        Npy.Array input = Npy.read(inputPath);
        Npy.Array weight = Npy.read(weightPath);
        Npy.Array bias = biasPath == null ? null : Npy.read(Path.of(biasPath));
        try (Tensor x = Tensor.of(input.data(), input.shape());
                Tensor w = Tensor.of(weight.data(), weight.shape());
                Tensor b = bias == null ? null : Tensor.of(bias.data(), bias.shape());
                Tensor y = transposed ? Functional.convTranspose(x, w, b, spec, algorithm)
                        : Functional.conv(x, w, b, spec, algorithm)) {
            Npy.write(outputPath, y.toArray(), y.shape());
        }
    }

    private static void runPool(Options options, boolean max) {
        PoolSpec.Builder b = PoolSpec.builder(required(options.getList("kernel", null), "kernel"));
        long[] stride = options.getList("stride", null);
        if (stride != null) b.stride(stride);
        b.padding(options.getList("padding", new long[] {0}));
        if (max) b.dilation(options.getList("dilation", new long[] {1}));
        b.ceilMode(options.getBoolean("ceil-mode", false));
        if (!max) b.countIncludePad(options.getBoolean("count-include-pad", true));
        PoolSpec spec = b.build();
        String indicesPath = max ? options.get("indices", null) : null;
        if (indicesPath == null) {
            runUnary(options, x -> pool(x, spec, max));
            return;
        }
        Path inputPath = Path.of(options.required("input"));
        Path outputPath = Path.of(options.required("output"));
        options.requireAllUsed();
        Npy.Array input = Npy.read(inputPath);
        try (Tensor x = Tensor.of(input.data(), input.shape());
                Functional.MaxPoolResult result = Functional.maxPoolWithIndices(x, spec)) {
            Npy.write(outputPath, result.output().toArray(), result.output().shape());
            Npy.writeLongs(Path.of(indicesPath), result.indices(), result.output().shape());
        }
    }

    private static Tensor pool(Tensor x, PoolSpec spec, boolean max) {
        switch (x.rank()) {
            case 3:
                return max ? Functional.maxPool1d(x, spec) : Functional.avgPool1d(x, spec);
            case 4:
                return max ? Functional.maxPool2d(x, spec) : Functional.avgPool2d(x, spec);
            case 5:
                return max ? Functional.maxPool3d(x, spec) : Functional.avgPool3d(x, spec);
            default:
                throw new CliException("pooling needs an input of 3, 4 or 5 dims (N, C, spatial...), got " + x);
        }
    }

    private static void runPad(Options options) {
        PadMode mode = PadMode.fromName(options.required("mode"));
        long[] pads = required(options.getList("pads", null), "pads");
        float value = (float) options.getDouble("value", 0);
        if (options.has("value") && mode != PadMode.CONSTANT) {
            throw new CliException("option --value applies to --mode constant only");
        }
        runUnary(options, x -> Functional.pad(x, mode, value, pads));
    }

    private static void runUpsample(Options options) {
        String mode = options.required("mode");
        if (!mode.equals("nearest") && !mode.equals("bilinear")) {
            throw new CliException("option --mode: '" + mode + "' is not nearest or bilinear");
        }
        double[] scale = doubles(options.required("scale"), "scale");
        if (scale.length > 2) throw new CliException("option --scale takes 1 or 2 values (H, W)");
        double scaleH = scale[0];
        double scaleW = scale.length == 2 ? scale[1] : scale[0];
        boolean alignCorners = options.getBoolean("align-corners", false);
        if (alignCorners && mode.equals("nearest")) throw new CliException("--align-corners applies to bilinear only");
        runUnary(options, x -> mode.equals("nearest") ? Functional.upsampleNearest2d(x, scaleH, scaleW)
                : Functional.upsampleBilinear2d(x, scaleH, scaleW, alignCorners));
    }

    private static double[] doubles(String text, String name) {
        String[] parts = text.split(",", -1);
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new CliException("option --" + name + ": '" + parts[i] + "' is not a number");
            }
        }
        return out;
    }

    static ConvSpec convSpec(Options options, boolean transposed) {
        ConvSpec.Builder b = ConvSpec.builder();
        if (transposed) b.outputPadding(options.getList("output-padding", new long[] {0}));
        b.stride(options.getList("stride", new long[] {1}));
        b.dilation(options.getList("dilation", new long[] {1}));
        b.groups(options.getLong("groups", 1));
        String padding = options.get("padding", null);
        boolean asymmetric = !transposed && (options.has("padding-begin") || options.has("padding-end"));
        if (padding != null && asymmetric) {
            throw new CliException("give either --padding or --padding-begin with --padding-end, not both");
        }
        if (asymmetric) {
            long[] begin = options.getList("padding-begin", null);
            long[] end = options.getList("padding-end", null);
            if (begin == null || end == null) {
                throw new CliException("asymmetric padding needs both --padding-begin and --padding-end");
            }
            b.padding(begin, end);
        } else if ("same".equals(padding) && !transposed) {
            b.paddingSame();
        } else if ("valid".equals(padding) && !transposed) {
            b.paddingValid();
        } else if (padding != null) {
            b.padding(options.getList("padding", null));
        }
        return b.build();
    }

    static Algorithm algorithm(String name) {
        try {
            return Algorithm.fromName(name);
        } catch (IllegalArgumentException e) {
            throw new CliException("option --algo: " + e.getMessage());
        }
    }
}

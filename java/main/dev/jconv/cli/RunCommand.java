package dev.jconv.cli;

import dev.jconv.Algorithm;
import dev.jconv.ConvSpec;
import dev.jconv.Functional;
import dev.jconv.Tensor;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code run OP ...}: one op on .npy files, so results compare directly with NumPy and PyTorch.
 *
 * <pre>
 * run conv --input X.npy --weight W.npy [--bias B.npy] --output Y.npy [--stride L]
 *          [--padding L|same|valid] [--padding-begin L --padding-end L] [--dilation L] [--groups G]
 *          [--algo NAME]
 * </pre>
 * L is a comma-separated list with one value per spatial dim, or one value for all.
 */
final class RunCommand {
    static final String USAGE = "run conv --input X.npy --weight W.npy [--bias B.npy] --output Y.npy [--stride L]"
            + " [--padding L|same|valid] [--padding-begin L --padding-end L] [--dilation L] [--groups G] [--algo NAME]";

    private RunCommand() {}

    static void run(String[] args) {
        if (args.length < 2) throw new CliException("run needs an op: " + USAGE);
        String op = args[1];
        Options options = new Options(args, 2, Set.of());
        if (!op.equals("conv")) throw new CliException("unknown op '" + op + "' for run; available: conv");
        runConv(options);
    }

    private static void runConv(Options options) {
        Path inputPath = Path.of(options.required("input"));
        Path weightPath = Path.of(options.required("weight"));
        String biasPath = options.get("bias", null);
        Path outputPath = Path.of(options.required("output"));
        ConvSpec spec = convSpec(options);
        Algorithm algorithm = algorithm(options.get("algo", "auto"));
        options.requireAllUsed();

        Npy.Array input = Npy.read(inputPath);
        Npy.Array weight = Npy.read(weightPath);
        Npy.Array bias = biasPath == null ? null : Npy.read(Path.of(biasPath));
        try (Tensor x = Tensor.of(input.data(), input.shape());
                Tensor w = Tensor.of(weight.data(), weight.shape());
                Tensor b = bias == null ? null : Tensor.of(bias.data(), bias.shape());
                Tensor y = Functional.conv(x, w, b, spec, algorithm)) {
            Npy.write(outputPath, y.toArray(), y.shape());
        }
    }

    static ConvSpec convSpec(Options options) {
        ConvSpec.Builder b = ConvSpec.builder();
        b.stride(options.getList("stride", new long[] {1}));
        b.dilation(options.getList("dilation", new long[] {1}));
        b.groups(options.getLong("groups", 1));
        String padding = options.get("padding", null);
        boolean asymmetric = options.has("padding-begin") || options.has("padding-end");
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
        } else if ("same".equals(padding)) {
            b.paddingSame();
        } else if ("valid".equals(padding)) {
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

package dev.jconv.cli;

import dev.jconv.Algorithm;
import dev.jconv.Conv;
import dev.jconv.ConvSpec;
import dev.jconv.ConvTranspose;
import dev.jconv.Functional;
import dev.jconv.JConv;
import dev.jconv.PlannedLayer;
import dev.jconv.PoolSpec;
import dev.jconv.Shapes;
import dev.jconv.Tensor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code bench}: runs a layer suite through planned layers and reports, per layer, the algorithm and
 * the median, min and max time over repeated runs, with GFLOP/s for convolutions (FLOPs as
 * layers.csv counts them: padding taps included) and GB/s of input + output for pooling. Rows that
 * cannot run (an algorithm forced on a shape it cannot do) are listed as skipped.
 *
 * <pre>
 * bench [--json] [--threads N] [--layers FILE] [--algo NAME] [--filter REGEX] [--min-time SECONDS]
 *       [--min-reps N]
 * </pre>
 */
final class BenchCommand {
    static final String USAGE = "bench [--json] [--threads N] [--layers FILE] [--algo NAME] [--filter REGEX]"
            + " [--min-time SECONDS] [--min-reps N]";

    /**
     * One measured (or skipped) layer. work is FLOPs for convolutions, bytes read and written for
     * pooling (which is bound by memory, not arithmetic).
     */
    record Result(LayerSuite.Layer layer, String algorithm, double[] millis, long work, boolean bytes, String skipped) {
        double median() {
            int n = millis.length;
            return n % 2 == 1 ? millis[n / 2] : 0.5 * (millis[n / 2 - 1] + millis[n / 2]);
        }

        /** GFLOP/s, or GB/s for pooling. */
        double rate() {
            return work / (median() * 1e6);
        }
    }

    private BenchCommand() {}

    static void run(String[] args, PrintStream out) {
        Options options = new Options(args, 1, Set.of("json"));
        boolean json = options.has("json");
        String layersFile = options.get("layers", null);
        Algorithm algorithm = RunCommand.algorithm(options.get("algo", "auto"));
        Pattern filter = filter(options.get("filter", null));
        double minTime = options.getDouble("min-time", 1.0);
        long minReps = options.getLong("min-reps", 5);
        if (minTime < 0 || minReps < 1 || minReps > 100_000) {
            throw new CliException("--min-time must be >= 0 and --min-reps in [1, 100000]");
        }
        if (options.has("threads")) {
            long threads = options.getLong("threads", 0);
            if (threads < 1 || threads > 1024) throw new CliException("option --threads: " + threads + " is not in [1, 1024]");
            JConv.setNumThreads((int) threads);
        }
        options.requireAllUsed();

        List<LayerSuite.Layer> suite = layersFile == null ? LayerSuite.builtIn() : LayerSuite.read(Path.of(layersFile));
        if (!json) {
            out.printf(Locale.ROOT, "jconv %s, isa %s, %d threads, %s%n", JConv.version(), JConv.isa(), JConv.numThreads(),
                    Machine.description());
            out.printf(Locale.ROOT, "gemm: %s%n", JConv.gemmInfo());
            out.printf(Locale.ROOT, "%-16s %-14s %10s %10s %10s %6s %9s%n", "layer", "algorithm", "median_ms", "min_ms",
                    "max_ms", "reps", "rate");
        }
        List<Result> results = new ArrayList<>();
        for (LayerSuite.Layer layer : suite) {
            if (filter != null && !filter.matcher(layer.name()).find()) continue;
            Result r = measure(layer, algorithm, minTime, (int) minReps);
            results.add(r);
            if (!json) printRow(out, r);
        }
        if (json) out.println(toJson(results));
    }

    private static Pattern filter(String regex) {
        if (regex == null) return null;
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new CliException("option --filter: bad regular expression: " + e.getDescription());
        }
    }

    static Result measure(LayerSuite.Layer layer, Algorithm algorithm, double minTime, int minReps) {
        switch (layer.op()) {
            case "conv":
            case "convT":
                return measureConv(layer, layer.op().equals("convT"), algorithm, minTime, minReps);
            case "maxpool":
            case "avgpool":
                return measurePool(layer, layer.op().equals("maxpool"), minTime, minReps);
            default:
                return new Result(layer, "-", new double[0], 0, false, "op " + layer.op() + " is unknown");
        }
    }

    private static Result measureConv(LayerSuite.Layer layer, boolean transposed, Algorithm algorithm, double minTime,
            int minReps) {
        ConvSpec spec = ConvSpec.builder().stride(layer.stride()).padding(layer.pad()).dilation(layer.dilation())
                .groups(layer.groups()).outputPadding(layer.outputPadding()).build();
        long[] inputShape = layer.inputShape();
        long[] weightShape = layer.weightShape();
        long flops = transposed ? Shapes.convTransposeFlops(inputShape, weightShape, spec)
                : Shapes.convFlops(inputShape, weightShape, spec);
        try (Tensor weight = filled(weightShape);
                Tensor bias = filled(layer.outChannels());
                Tensor input = filled(inputShape);
                PlannedLayer conv = transposed
                        ? ConvTranspose.builder(weight).bias(bias).spec(spec).algorithm(algorithm).build()
                        : Conv.builder(weight).bias(bias).spec(spec).algorithm(algorithm).build();
                Tensor output = Tensor.zeros(conv.outputShape(inputShape))) {
            String chosen;
            try {
                chosen = conv.algorithm(inputShape).externalName();
            } catch (IllegalArgumentException e) {
                return new Result(layer, algorithm.externalName(), new double[0], flops, false, e.getMessage());
            }
            double[] millis = time(() -> conv.forward(input, output), minTime, minReps);
            return new Result(layer, chosen, millis, flops, false, null);
        }
    }

    private static Result measurePool(LayerSuite.Layer layer, boolean max, double minTime, int minReps) {
        PoolSpec spec = PoolSpec.builder(layer.kernel()).stride(layer.stride()).padding(layer.pad())
                .dilation(max ? layer.dilation() : new long[] {1}).build();
        long[] inputShape = layer.inputShape();
        try (Tensor input = filled(inputShape)) {
            long[] outShape = max ? Functional.poolOutputShape(true, input, spec)
                    : Functional.poolOutputShape(false, input, spec);
            try (Tensor output = Tensor.zeros(outShape)) {
                long bytes = (input.numel() + output.numel()) * Float.BYTES;
                double[] millis = time(max ? () -> Functional.maxPool(input, spec, output)
                        : () -> Functional.avgPool(input, spec, output), minTime, minReps);
                return new Result(layer, "direct", millis, bytes, true, null);
            }
        }
    }

    /** Sorted milliseconds of at least minReps runs lasting at least minTime seconds, after one warm-up. */
    private static double[] time(Runnable run, double minTime, int minReps) {
        run.run(); // warm-up: pages, caches, thread pool
        List<Double> times = new ArrayList<>();
        long start = System.nanoTime();
        while (times.size() < minReps || (System.nanoTime() - start) * 1e-9 < minTime) {
            long t0 = System.nanoTime();
            run.run();
            times.add((System.nanoTime() - t0) * 1e-6);
            if (times.size() >= 100_000) break;
        }
        return times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /** Deterministic values in [-1, 1]: enough for timing, no random state to seed. */
    private static Tensor filled(long... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] v = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < v.length; i++) v[i] = ((i * 7919L) % 2001) / 1000f - 1f;
        t.copyFrom(v);
        return t;
    }

    private static void printRow(PrintStream out, Result r) {
        if (r.skipped() != null) {
            out.printf(Locale.ROOT, "%-16s %-14s skipped: %s%n", r.layer().name(), r.algorithm(), r.skipped());
            return;
        }
        double[] t = r.millis();
        out.printf(Locale.ROOT, "%-16s %-14s %10.3f %10.3f %10.3f %6d %9.1f %s%n", r.layer().name(), r.algorithm(),
                r.median(), t[0], t[t.length - 1], t.length, r.rate(), r.bytes() ? "GB/s" : "GFLOP/s");
    }

    static String toJson(List<Result> results) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            b.append(i == 0 ? "\n" : ",\n").append("  {");
            field(b, "name", r.layer().name()).append(", ");
            field(b, "op", r.layer().op()).append(", ");
            field(b, "algorithm", r.algorithm()).append(", ");
            if (r.skipped() != null) {
                field(b, "skipped", r.skipped()).append(", ");
            } else {
                double[] t = r.millis();
                b.append(String.format(Locale.ROOT,
                        "\"median_ms\": %.6f, \"min_ms\": %.6f, \"max_ms\": %.6f, \"repetitions\": %d, "
                                + "\"%s\": %d, \"%s\": %.3f, ",
                        r.median(), t[0], t[t.length - 1], t.length, r.bytes() ? "bytes" : "flops", r.work(),
                        r.bytes() ? "gbps" : "gflops", r.rate()));
            }
            b.append("\"machine\": ").append(Machine.json()).append(", ");
            field(b, "isa", JConv.isa()).append(", ");
            field(b, "gemm", JConv.gemmInfo()).append(", ");
            b.append("\"threads\": ").append(JConv.numThreads()).append(", ");
            field(b, "version", JConv.version());
            b.append("}");
        }
        return b.append(results.isEmpty() ? "]" : "\n]").toString();
    }

    static StringBuilder field(StringBuilder b, String name, String value) {
        return b.append('"').append(name).append("\": ").append(Machine.quote(value));
    }

}

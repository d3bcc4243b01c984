package dev.jconv.jmh;

import dev.jconv.Algorithm;
import dev.jconv.Conv;
import dev.jconv.ConvSpec;
import dev.jconv.Tensor;
import dev.jconv.cli.LayerSuite;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A planned convolution layer of the shared layer suite, per algorithm: the JVM-side view of what
 * the C bench measures (JNA call overhead included).
 *
 * <pre>
 * mvn -B -Pjmh package -DskipTests
 * java -cp target/jconv.jar org.openjdk.jmh.Main ConvBenchmark -p layer=mb2_dw_14
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConvBenchmark {
    @Param({"r50_s5_3x3", "mb2_dw_14", "mb2_pw_14", "tcn_1d"})
    public String layer;

    @Param({"auto"})
    public String algorithm;

    private Tensor input;
    private Tensor weight;
    private Tensor output;
    private Conv conv;

    @Setup
    public void setUp() {
        LayerSuite.Layer l = LayerSuite.builtIn().stream().filter(x -> x.name().equals(layer)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no layer " + layer + " in the suite"));
        ConvSpec spec = ConvSpec.builder().stride(l.stride()).padding(l.pad()).dilation(l.dilation())
                .groups(l.groups()).build();
        input = filled(l.inputShape());
        weight = filled(l.weightShape());
        conv = Conv.builder(weight).spec(spec).algorithm(Algorithm.fromName(algorithm)).build();
        output = Tensor.zeros(conv.outputShape(l.inputShape()));
    }

    private static Tensor filled(long[] shape) {
        Tensor t = Tensor.zeros(shape);
        float[] v = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < v.length; i++) v[i] = ((i * 7919L) % 2001) / 1000f - 1f;
        t.copyFrom(v);
        return t;
    }

    @Benchmark
    public void forward() {
        conv.forward(input, output);
    }

    @TearDown
    public void tearDown() {
        conv.close();
        input.close();
        weight.close();
        output.close();
    }
}

package dev.jconv;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A convolution layer that owns native plans: weights are validated and packed once per input
 * shape (the first call with a new shape plans it; later calls only execute). Any number of threads
 * may call {@link #forward} at once. Close it to free the plans; closing is idempotent, and a
 * closed layer throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (Conv conv = Conv.builder(weight).bias(bias).spec(ConvSpec.builder().stride(2).padding(3).build())
 *                      .activation(Activation.RELU).build();
 *      Tensor y = conv.forward(x)) { ... }
 * }</pre>
 */
public final class Conv implements AutoCloseable {
    private final Tensor weight;
    private final Tensor bias;
    private final ConvSpec spec;
    private final Algorithm algorithm;
    private final Activation activation;
    private final Map<List<Long>, Long> plans = new ConcurrentHashMap<>();
    /** forward() holds the read side, close() the write side: no plan is freed while in use. */
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    private Conv(Builder b) {
        this.spec = b.spec;
        this.algorithm = b.algorithm;
        this.activation = b.activation;
        this.weight = Tensor.of(b.weight.toArray(), b.weight.shape());
        this.bias = b.bias == null ? null : Tensor.of(b.bias.toArray(), b.bias.shape());
    }

    /** A layer with these weights [OC, IC/groups, k...]; the layer keeps its own copy. */
    public static Builder builder(Tensor weight) {
        return new Builder(weight);
    }

    /** Convolves input into a new tensor. */
    public Tensor forward(Tensor input) {
        if (input == null) throw new IllegalArgumentException("input is null");
        Tensor output = Tensor.zeros(outputShape(input.shape()));
        try {
            forward(input, null, output);
            return output;
        } catch (RuntimeException | Error e) {
            output.close();
            throw e;
        }
    }

    /** Convolves input into output, which must have the output shape. */
    public void forward(Tensor input, Tensor output) {
        forward(input, null, output);
    }

    /**
     * output = activation(conv(input) + bias + residual). residual has the output's shape and may be
     * the output tensor itself (a fused in-place residual add), or null.
     */
    public void forward(Tensor input, Tensor residual, Tensor output) {
        if (input == null) throw new IllegalArgumentException("input is null");
        lifecycle.readLock().lock();
        try {
            requireOpen();
            long plan = planFor(input.shape());
            long[] outShape = outputShape(input.shape());
            ConvGeometry.requireShape("output", output, outShape);
            if (residual != null) ConvGeometry.requireShape("residual", residual, outShape);
            long src = input.address();
            long dst = output.address();
            long res = residual == null ? 0 : residual.address();
            NativeBinding.check(NativeBinding.jconv_conv_plan_execute(plan, src, res, dst), "Conv.forward");
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** The output shape for an input shape. */
    public long[] outputShape(long... inputShape) {
        return spec.resolve(inputShape, weight.shape()).outputShape();
    }

    /** The algorithm the plan for this input shape runs (never AUTO); plans the shape if needed. */
    public Algorithm algorithm(long... inputShape) {
        lifecycle.readLock().lock();
        try {
            requireOpen();
            return Algorithm.fromCode(NativeBinding.jconv_conv_plan_algorithm(planFor(inputShape)));
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    public ConvSpec spec() {
        return spec;
    }

    public Activation activation() {
        return activation;
    }

    public long[] weightShape() {
        return weight.shape();
    }

    private long planFor(long[] inputShape) {
        List<Long> key = Arrays.stream(inputShape).boxed().toList();
        Long plan = plans.get(key);
        if (plan != null) return plan;
        return plans.computeIfAbsent(key, k -> createPlan(inputShape));
    }

    private long createPlan(long[] inputShape) {
        ConvGeometry g = spec.resolve(inputShape, weight.shape());
        NativeBinding.require();
        long[] out = new long[1];
        NativeBinding.check(NativeBinding.jconv_conv_plan_create(g.toNativeDesc(), weight.address(),
                bias == null ? 0 : bias.address(), algorithm.code(), activation.toNative(), out), "Conv plan for input "
                        + Arrays.toString(inputShape));
        return out[0];
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("Conv layer is closed");
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            for (long plan : plans.values()) NativeBinding.jconv_conv_plan_destroy(plan);
            plans.clear();
            weight.close();
            if (bias != null) bias.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** Builds a {@link Conv}; build() checks the weight and bias shapes against the spec. */
    public static final class Builder {
        private final Tensor weight;
        private Tensor bias;
        private ConvSpec spec = ConvSpec.defaults();
        private Algorithm algorithm = Algorithm.AUTO;
        private Activation activation = Activation.NONE;

        private Builder(Tensor weight) {
            if (weight == null) throw new IllegalArgumentException("weight is null");
            this.weight = weight;
        }

        /** Bias [OC], or null for none. */
        public Builder bias(Tensor bias) {
            this.bias = bias;
            return this;
        }

        public Builder spec(ConvSpec spec) {
            if (spec == null) throw new IllegalArgumentException("spec is null");
            this.spec = spec;
            return this;
        }

        public Builder algorithm(Algorithm algorithm) {
            if (algorithm == null) throw new IllegalArgumentException("algorithm is null");
            this.algorithm = algorithm;
            return this;
        }

        public Builder activation(Activation activation) {
            if (activation == null) throw new IllegalArgumentException("activation is null");
            this.activation = activation;
            return this;
        }

        public Conv build() {
            long[] w = weight.shape();
            if (w.length < 3 || w.length > 5) {
                throw new IllegalArgumentException("weight must have 3, 4 or 5 dims [OC, IC/groups, kernel...], got "
                        + Arrays.toString(w));
            }
            for (long d : w) {
                if (d < 1) throw new IllegalArgumentException("weight shape " + Arrays.toString(w) + " has a size < 1");
            }
            if (w[0] % spec.groups() != 0) {
                throw new IllegalArgumentException("groups=" + spec.groups() + " does not divide out_channels=" + w[0]
                        + " (weight shape " + Arrays.toString(w) + ")");
            }
            if (bias != null) ConvGeometry.requireShape("bias", bias, new long[] {w[0]});
            NativeBinding.require();
            return new Conv(this);
        }
    }
}

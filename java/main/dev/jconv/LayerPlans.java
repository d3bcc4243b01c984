package dev.jconv;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * What {@link Conv} and {@link ConvTranspose} share: their own copy of weights and bias, one native
 * plan per input shape (created on first use), and a lifecycle lock so that no plan is freed while
 * a forward call is using it.
 */
final class LayerPlans implements AutoCloseable {
    private final boolean transposed;
    private final Tensor weight;
    private final Tensor bias;
    private final ConvSpec spec;
    private final Algorithm algorithm;
    private final Activation activation;
    private final Map<List<Long>, Long> plans = new ConcurrentHashMap<>();
    /** forward() holds the read side, close() the write side. */
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    LayerPlans(boolean transposed, Tensor weight, Tensor bias, ConvSpec spec, Algorithm algorithm,
            Activation activation) {
        if (weight == null) throw new IllegalArgumentException("weight is null");
        if (spec == null) throw new IllegalArgumentException("spec is null");
        if (algorithm == null) throw new IllegalArgumentException("algorithm is null");
        if (activation == null) throw new IllegalArgumentException("activation is null");
        long[] w = weight.shape();
        if (w.length < 3 || w.length > 5) {
            throw new IllegalArgumentException("weight must have 3, 4 or 5 dims "
                    + (transposed ? "[IC, OC/groups, kernel...]" : "[OC, IC/groups, kernel...]") + ", got "
                    + Arrays.toString(w));
        }
        for (long d : w) {
            if (d < 1) throw new IllegalArgumentException("weight shape " + Arrays.toString(w) + " has a size < 1");
        }
        if (w[0] % spec.groups() != 0) { // OC of a convolution, IC of a transposed one
            throw new IllegalArgumentException("groups=" + spec.groups() + " does not divide "
                    + (transposed ? "in_channels=" : "out_channels=") + w[0] + " (weight shape " + Arrays.toString(w) + ")");
        }
        long outChannels = transposed ? w[1] * spec.groups() : w[0];
        if (bias != null) ConvGeometry.requireShape("bias", bias, new long[] {outChannels});
        NativeBinding.require();
        this.transposed = transposed;
        this.spec = spec;
        this.algorithm = algorithm;
        this.activation = activation;
        this.weight = Tensor.of(weight.toArray(), w);
        this.bias = bias == null ? null : Tensor.of(bias.toArray(), bias.shape());
    }

    ConvGeometry resolve(long[] inputShape) {
        return transposed ? spec.resolveTransposed(inputShape, weight.shape()) : spec.resolve(inputShape, weight.shape());
    }

    Tensor forward(Tensor input) {
        if (input == null) throw new IllegalArgumentException("input is null");
        Tensor output = Tensor.zeros(resolve(input.shape()).outputShape());
        try {
            forward(input, null, output);
            return output;
        } catch (RuntimeException | Error e) {
            output.close();
            throw e;
        }
    }

    void forward(Tensor input, Tensor residual, Tensor output) {
        if (input == null) throw new IllegalArgumentException("input is null");
        lifecycle.readLock().lock();
        try {
            requireOpen();
            long plan = planFor(input.shape());
            long[] outShape = resolve(input.shape()).outputShape();
            ConvGeometry.requireShape("output", output, outShape);
            if (residual != null) ConvGeometry.requireShape("residual", residual, outShape);
            try (Pinned p = new Pinned(input, residual, output)) {
                NativeBinding.check(NativeBinding.jconv_conv_plan_execute(plan, p.address(0), p.address(1),
                        p.address(2)), "forward");
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    Algorithm algorithm(long[] inputShape) {
        lifecycle.readLock().lock();
        try {
            requireOpen();
            return Algorithm.fromCode(NativeBinding.jconv_conv_plan_algorithm(planFor(inputShape)));
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    double errorBound(long[] inputShape) {
        lifecycle.readLock().lock();
        try {
            requireOpen();
            return NativeBinding.jconv_conv_plan_error_bound(planFor(inputShape));
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    ConvSpec spec() {
        return spec;
    }

    Activation activation() {
        return activation;
    }

    long[] weightShape() {
        return weight.shape();
    }

    private long planFor(long[] inputShape) {
        if (inputShape == null) throw new IllegalArgumentException("input shape is null");
        List<Long> key = Arrays.stream(inputShape).boxed().toList();
        Long plan = plans.get(key);
        if (plan != null) return plan;
        return plans.computeIfAbsent(key, k -> createPlan(inputShape));
    }

    private long createPlan(long[] inputShape) {
        ConvGeometry g = resolve(inputShape);
        long[] out = new long[1];
        try (Pinned p = new Pinned(weight, bias)) {
            int status = transposed
                    ? NativeBinding.jconv_conv_transpose_plan_create(g.toNativeDesc(), p.address(0), p.address(1),
                            algorithm.code(), activation.toNative(), out)
                    : NativeBinding.jconv_conv_plan_create(g.toNativeDesc(), p.address(0), p.address(1),
                            algorithm.code(), activation.toNative(), out);
            NativeBinding.check(status, "plan for input " + Arrays.toString(inputShape));
        }
        return out[0];
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException((transposed ? "ConvTranspose" : "Conv") + " layer is closed");
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
}

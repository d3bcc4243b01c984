/* The oneDNN side of the C bench (built when CMake finds oneDNN). */
#include "onednn_conv.h"

#include <dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double bench_now_seconds(void);
double bench_median(double *times, int count);

static dnnl_engine_t engine;
static dnnl_stream_t stream;

static void dims_of(int rank, int64_t a, int64_t b, const int64_t *spatial, dnnl_dims_t dims) {
    dims[0] = a, dims[1] = b;
    for (int i = 0; i < rank; i++) dims[2 + i] = spatial[i];
}

static dnnl_memory_t create_memory(dnnl_primitive_desc_t pd, dnnl_query_t what) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, what, 0);
    dnnl_memory_t m;
    if (md == NULL || dnnl_memory_create(&m, md, engine, DNNL_MEMORY_ALLOCATE) != dnnl_success) return NULL;
    void *data;
    dnnl_memory_get_data_handle(m, &data);
    memset(data, 0, dnnl_memory_desc_get_size(md)); /* zeros: no denormals to slow anything */
    return m;
}

double onednn_time_layer(const layer *l, int winograd, double min_time, char *impl, int impl_size) {
    if (engine == NULL) {
        dnnl_engine_create(&engine, dnnl_cpu, 0);
        dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
    }
    const int transposed = strcmp(l->op, "convT") == 0, rank = l->rank;
    int64_t out[3];
    dnnl_dims_t strides, dilates, pad_l, pad_r, src_dims, dst_dims, w_dims, b_dims = {l->out_channels};
    for (int i = 0; i < rank; i++) {
        strides[i] = l->stride[i], dilates[i] = l->dilation[i] - 1, pad_l[i] = l->pad[i];
        pad_r[i] = l->pad[i] - (transposed ? l->output_padding[i] : 0);
        out[i] = transposed ? (l->in_size[i] - 1) * l->stride[i] - 2 * l->pad[i] + l->dilation[i] * (l->kernel[i] - 1) +
                                  l->output_padding[i] + 1
                            : (l->in_size[i] + 2 * l->pad[i] - l->dilation[i] * (l->kernel[i] - 1) - 1) / l->stride[i] + 1;
    }
    dims_of(rank, l->batch, l->in_channels, l->in_size, src_dims);
    dims_of(rank, l->batch, l->out_channels, out, dst_dims);
    const int64_t g = l->groups;
    int w_ndims = rank + 2;
    if (g > 1) {
        w_dims[0] = g, w_dims[1] = l->out_channels / g, w_dims[2] = l->in_channels / g;
        for (int i = 0; i < rank; i++) w_dims[3 + i] = l->kernel[i];
        w_ndims++;
    } else {
        w_dims[0] = l->out_channels, w_dims[1] = l->in_channels;
        for (int i = 0; i < rank; i++) w_dims[2 + i] = l->kernel[i];
    }
    dnnl_memory_desc_t src_md, w_md, b_md, dst_md;
    dnnl_memory_desc_init_by_tag(&src_md, rank + 2, src_dims, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&dst_md, rank + 2, dst_dims, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&w_md, w_ndims, w_dims, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&b_md, 1, b_dims, dnnl_f32, dnnl_x);

    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t st;
    if (transposed) {
        dnnl_deconvolution_desc_t d;
        st = dnnl_dilated_deconvolution_forward_desc_init(&d, dnnl_forward_inference, dnnl_deconvolution_direct, &src_md,
                                                         &w_md, &b_md, &dst_md, strides, dilates, pad_l, pad_r);
        if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &d, NULL, engine, NULL);
    } else {
        dnnl_convolution_desc_t d;
        st = dnnl_dilated_convolution_forward_desc_init(&d, dnnl_forward_inference,
                                                       winograd ? dnnl_convolution_winograd : dnnl_convolution_auto,
                                                       &src_md, &w_md, &b_md, &dst_md, strides, dilates, pad_l, pad_r);
        if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &d, NULL, engine, NULL);
    }
    if (st != dnnl_success) return -1.0;
    const char *name = NULL;
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name);
    snprintf(impl, (size_t)impl_size, "%s", name != NULL ? name : "?");

    dnnl_memory_t src = create_memory(pd, dnnl_query_src_md), w = create_memory(pd, dnnl_query_weights_md);
    dnnl_memory_t dst = create_memory(pd, dnnl_query_dst_md), bias;
    dnnl_memory_create(&bias, &b_md, engine, DNNL_MEMORY_ALLOCATE);
    void *bias_data;
    dnnl_memory_get_data_handle(bias, &bias_data);
    memset(bias_data, 0, dnnl_memory_desc_get_size(&b_md));
    dnnl_primitive_t prim;
    dnnl_primitive_create(&prim, pd);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, dst}};
    enum { MAX_REPS = 1000 };
    static double times[MAX_REPS];
    dnnl_primitive_execute(prim, stream, 4, args); /* warm-up */
    dnnl_stream_wait(stream);
    int reps = 0;
    const double start = bench_now_seconds();
    while (reps < MAX_REPS && (reps < 3 || bench_now_seconds() - start < min_time)) {
        const double t0 = bench_now_seconds();
        dnnl_primitive_execute(prim, stream, 4, args);
        dnnl_stream_wait(stream);
        times[reps++] = bench_now_seconds() - t0;
    }
    dnnl_primitive_destroy(prim);
    dnnl_memory_destroy(src), dnnl_memory_destroy(w), dnnl_memory_destroy(bias), dnnl_memory_destroy(dst);
    dnnl_primitive_desc_destroy(pd);
    return bench_median(times, reps) * 1e3;
}

/* The oneDNN side of the C bench (built when CMake finds oneDNN). */
#include "onednn_conv.h"

#include <dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct onednn_layer {
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t primitive;
    dnnl_memory_t src, weights, bias, dst;
};

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

onednn_layer *onednn_prepare(const layer *l, int winograd, char *impl, int impl_size) {
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
    if (st != dnnl_success) return NULL;
    const char *name = NULL;
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name);
    snprintf(impl, (size_t)impl_size, "%s", name != NULL ? name : "?");

    onednn_layer *o = calloc(1, sizeof *o);
    o->pd = pd;
    o->src = create_memory(pd, dnnl_query_src_md), o->weights = create_memory(pd, dnnl_query_weights_md);
    o->dst = create_memory(pd, dnnl_query_dst_md);
    dnnl_memory_create(&o->bias, &b_md, engine, DNNL_MEMORY_ALLOCATE);
    void *bias_data;
    dnnl_memory_get_data_handle(o->bias, &bias_data);
    memset(bias_data, 0, dnnl_memory_desc_get_size(&b_md));
    dnnl_primitive_create(&o->primitive, pd);
    return o;
}

void onednn_run(onednn_layer *o) {
    dnnl_exec_arg_t args[4] = {
        {DNNL_ARG_SRC, o->src}, {DNNL_ARG_WEIGHTS, o->weights}, {DNNL_ARG_BIAS, o->bias}, {DNNL_ARG_DST, o->dst}};
    dnnl_primitive_execute(o->primitive, stream, 4, args);
    dnnl_stream_wait(stream);
}

void onednn_release(onednn_layer *o) {
    if (o == NULL) return;
    dnnl_primitive_destroy(o->primitive);
    dnnl_memory_destroy(o->src), dnnl_memory_destroy(o->weights), dnnl_memory_destroy(o->bias);
    dnnl_memory_destroy(o->dst);
    dnnl_primitive_desc_destroy(o->pd);
    free(o);
}

/* Aligned allocation with a running count of the bytes the library holds. */
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define ALIGNMENT 64

/* Each block is [padding][header][user bytes]; the header sits right before the user pointer. */
typedef struct block_header {
    void *raw;
    size_t bytes;
} block_header;

static atomic_llong allocated_bytes;

void *jconv_alloc(size_t bytes) {
    if (bytes == 0 || bytes > SIZE_MAX - ALIGNMENT - sizeof(block_header)) return NULL;
    void *raw = malloc(bytes + ALIGNMENT + sizeof(block_header));
    if (raw == NULL) return NULL;
    uintptr_t user = ((uintptr_t)raw + sizeof(block_header) + ALIGNMENT - 1) & ~(uintptr_t)(ALIGNMENT - 1);
    block_header header = {raw, bytes};
    memcpy((void *)(user - sizeof header), &header, sizeof header);
    atomic_fetch_add(&allocated_bytes, (long long)bytes);
    return (void *)user;
}

void jconv_free(void *ptr) {
    if (ptr == NULL) return;
    block_header header;
    memcpy(&header, (char *)ptr - sizeof header, sizeof header);
    atomic_fetch_sub(&allocated_bytes, (long long)header.bytes);
    free(header.raw);
}

int64_t jconv_allocated_bytes(void) { return atomic_load(&allocated_bytes); }

void *jconv_scratch_acquire(jconv_scratch *scratch, size_t bytes, int *shared) {
    *shared = 0;
    if (atomic_exchange(&scratch->busy, 1) != 0) return jconv_alloc(bytes); /* another execute has it */
    if (scratch->bytes < bytes) {
        jconv_free(scratch->buffer);
        scratch->buffer = jconv_alloc(bytes);
        scratch->bytes = scratch->buffer != NULL ? bytes : 0;
    }
    if (scratch->buffer == NULL) {
        atomic_store(&scratch->busy, 0);
        return NULL;
    }
    *shared = 1;
    return scratch->buffer;
}

void jconv_scratch_release(jconv_scratch *scratch, void *buffer, int shared) {
    if (shared) {
        atomic_store(&scratch->busy, 0);
    } else {
        jconv_free(buffer);
    }
}

void jconv_scratch_clear(jconv_scratch *scratch) {
    jconv_free(scratch->buffer);
    scratch->buffer = NULL;
    scratch->bytes = 0;
}

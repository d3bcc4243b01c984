/* Aligned allocation with a running count of the bytes the library holds. */
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#define ALIGNMENT 64

/* Blocks of HUGE_PAGE bytes or more (packed weights and scratch of the large layers) start on a
 * huge-page boundary and ask Linux for transparent huge pages (MADV_HUGEPAGE), which its default
 * setting ("madvise") gives only to memory that asks: the 1024^3 SGEMM streams its 4 MiB of packed
 * weights twice per thread and call, a TLB miss every 4 KiB otherwise. Against 4 KiB pages, in the
 * bench beside oneDNN (builds alternating through LD_PRELOAD, six rounds): the SGEMM 0.960x ->
 * 0.985x oneDNN (86% -> 89% of the FMA peak), dcgan_up (8 MiB of weights) 0.94x -> 0.97x, the
 * other layers the same; the whole suite with jconv_ab (blocks then rounded up to whole huge
 * pages) 0.97-1.03x, the noise. The whole huge pages inside the block are advised, the last
 * partial one stays in 4 KiB pages. A huge page is backed whole at its first touch, so a block
 * with untouched stretches (the gaps between the threads' scratch, jconv_thread_stride) may hold
 * more memory than with small pages. JCONV_HUGE_PAGES=0 turns it off. */
#define HUGE_PAGE ((size_t)2 << 20)

/* Each block is [padding][header][user bytes]; the header sits right before the user pointer. */
typedef struct block_header {
    void *raw;
    size_t bytes;
} block_header;

static atomic_llong allocated_bytes;

#if defined(__linux__) && defined(MADV_HUGEPAGE)
static _Atomic int huge_pages_wanted = -1; /* -1: JCONV_HUGE_PAGES not read yet */

static int huge_pages(void) {
    int wanted = atomic_load(&huge_pages_wanted);
    if (wanted < 0) {
        const char *value = getenv("JCONV_HUGE_PAGES");
        wanted = value == NULL || strcmp(value, "0") != 0;
        atomic_store(&huge_pages_wanted, wanted);
    }
    return wanted;
}

/* total bytes on a huge-page boundary, its whole huge pages advised; NULL when out of memory */
static void *huge_page_alloc(size_t total) {
    void *raw = NULL;
    if (posix_memalign(&raw, HUGE_PAGE, total) != 0) return NULL;
    (void)madvise(raw, total / HUGE_PAGE * HUGE_PAGE, MADV_HUGEPAGE); /* only advice: 4 KiB pages if refused */
    return raw;
}
#endif

void *jconv_alloc(size_t bytes) {
    if (bytes == 0 || bytes > SIZE_MAX - ALIGNMENT - sizeof(block_header)) return NULL;
    const size_t total = bytes + ALIGNMENT + sizeof(block_header);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    void *raw = bytes >= HUGE_PAGE && huge_pages() ? huge_page_alloc(total) : malloc(total);
#else
    void *raw = malloc(total);
#endif
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

/*
 * fuzz_common.h - what the fuzz targets share: an input reader that never
 * runs past the input (it yields zeros once the bytes are spent) and CHECK,
 * which reports a broken invariant and aborts, so libFuzzer (or the corpus
 * replay under ctest) records it as a crash.
 */
#ifndef ARMGPU_FUZZ_COMMON_H
#define ARMGPU_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armgpu.h"

typedef struct fz_in {
    const uint8_t *p;
    size_t n, at;
} fz_in;

static inline uint8_t fz_u8(fz_in *in) { return in->at < in->n ? in->p[in->at++] : 0; }

static inline uint32_t fz_u32(fz_in *in)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)fz_u8(in) << (8 * i);
    return v;
}

static inline uint64_t fz_u64(fz_in *in)
{
    uint64_t v = fz_u32(in);
    return v | (uint64_t)fz_u32(in) << 32;
}

static inline int fz_done(const fz_in *in) { return in->at >= in->n; }

#define CHECK(cond, ...)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                      \
            abort();                                                                  \
        }                                                                             \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

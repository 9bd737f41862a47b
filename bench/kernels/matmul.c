/* Integer matrix multiply C = A x B of n x n (n <= 48) signed 32-bit
 * matrices with small pseudo-random entries, 64-bit accumulation; returns a
 * position-weighted checksum of C. */
#include "common.h"

#define MM_MAX 48
BENCH_BUF int32_t A[MM_MAX * MM_MAX], B[MM_MAX * MM_MAX];
BENCH_BUF int64_t C[MM_MAX * MM_MAX];

static NOINLINE uint64_t kernel(uint64_t seed, uint64_t n)
{
    if (n > MM_MAX) n = MM_MAX;
    uint64_t s = mix64(seed) | 1;
    for (uint64_t i = 0; i < n * n; i++) {
        A[i] = (int32_t)(xs64(&s) % 2001) - 1000;
        B[i] = (int32_t)(xs64(&s) % 2001) - 1000;
    }
    for (uint64_t i = 0; i < n; i++)
        for (uint64_t j = 0; j < n; j++) {
            int64_t acc = 0;
            for (uint64_t k = 0; k < n; k++) acc += (int64_t)A[i * n + k] * B[k * n + j];
            C[i * n + j] = acc;
        }
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n * n; i++) sum = sum * 31 + (uint64_t)C[i];
    return sum;
}

BENCH_ENTRY(kernel)

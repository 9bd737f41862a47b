/* common.h - what every C bench kernel shares.
 *
 * Each kernel file defines `static uint64_t kernel(uint64_t seed, uint64_t n)`
 * and ends with BENCH_ENTRY(kernel).  Built for AArch64 it is the image's
 * bench_entry (flat image and QEMU ELF); built for the host by the armgpu
 * command (-DBENCH_HOST_NAME=host_sieve ...) it is the native computation
 * every lane's answer is checked against.  The kernel makes its own input
 * from the seed, so each lane gets different data and nothing but two
 * registers has to be copied in.  No floating point, no SIMD, no libc. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdint.h>

/* splitmix64: a seed -> well-mixed 64-bit values. */
static inline uint64_t mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* xorshift64: the input generator; never returns to 0 from a non-zero state. */
static inline uint64_t xs64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

#ifdef BENCH_HOST_NAME
#define BENCH_ENTRY_NAME BENCH_HOST_NAME
#else
#define BENCH_ENTRY_NAME bench_entry
#endif

/* bench_entry(seed, n, reps, out): runs the kernel reps times on the same
 * input (regenerated each time, so every repetition retires the same
 * instructions) and returns the sum of the results. */
#define BENCH_ENTRY(kfn)                                                          \
    uint64_t BENCH_ENTRY_NAME(uint64_t seed, uint64_t n, uint64_t reps, uint64_t *out); \
    uint64_t BENCH_ENTRY_NAME(uint64_t seed, uint64_t n, uint64_t reps, uint64_t *out)  \
    {                                                                             \
        uint64_t acc = 0;                                                         \
        (void)out;                                                                \
        for (uint64_t r = 0; r < reps; r++) {                                     \
            __asm__ volatile("" ::: "memory");                                    \
            acc += kfn(seed, n);                                                  \
        }                                                                         \
        return acc;                                                               \
    }

#define NOINLINE __attribute__((noinline))

/* The kernels' buffers: per thread on the host, where lanes are checked in
 * parallel; ordinary .bss (the lane's private region) in the guest. */
#ifdef BENCH_HOST_NAME
#define BENCH_BUF static _Thread_local
#else
#define BENCH_BUF static
#endif
#endif

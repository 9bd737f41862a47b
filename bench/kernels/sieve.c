/* Sieve of Eratosthenes: the primes below a per-lane limit in [3n/4, n]
 * (n <= 32768); returns their count and the largest of them. */
#include "common.h"

#define SIEVE_MAX 32768
BENCH_BUF uint8_t composite[SIEVE_MAX];

static NOINLINE uint64_t kernel(uint64_t seed, uint64_t n)
{
    if (n > SIEVE_MAX) n = SIEVE_MAX;
    uint64_t limit = n - mix64(seed) % (n / 4 + 1);
    for (uint64_t i = 0; i < limit; i++) composite[i] = 0;
    uint64_t count = 0, last = 0;
    for (uint64_t i = 2; i < limit; i++) {
        if (composite[i]) continue;
        count++;
        last = i;
        for (uint64_t j = i * i; j < limit; j += i) composite[j] = 1;
    }
    return (count << 32) | last;
}

BENCH_ENTRY(kernel)

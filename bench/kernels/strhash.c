/* String hash: n <= 32768 bytes of pseudo-random lowercase words (1 to 12
 * letters, space separated); each word is hashed with FNV-1a (32-bit) and
 * counted in a 1024-bucket histogram; returns a checksum of the histogram
 * and the xor of all word hashes. */
#include "common.h"

#define SH_MAX 32768
BENCH_BUF uint8_t text[SH_MAX];
BENCH_BUF uint32_t bucket[1024];

static NOINLINE uint64_t kernel(uint64_t seed, uint64_t n)
{
    if (n > SH_MAX) n = SH_MAX;
    uint64_t s = mix64(seed) | 1;
    uint64_t len = 0;
    while (len < n) {
        uint64_t r = xs64(&s);
        uint64_t w = 1 + r % 12;
        for (uint64_t k = 0; k < w && len < n; k++) text[len++] = (uint8_t)('a' + (xs64(&s) >> 33) % 26);
        if (len < n) text[len++] = ' ';
    }
    for (int i = 0; i < 1024; i++) bucket[i] = 0;
    uint32_t all = 0;
    uint64_t i = 0;
    while (i < len) {
        while (i < len && text[i] == ' ') i++;
        if (i >= len) break;
        uint32_t h = 2166136261u;
        while (i < len && text[i] != ' ') h = (h ^ text[i++]) * 16777619u;
        bucket[h & 1023]++;
        all ^= h;
    }
    uint64_t sum = 0;
    for (int b = 0; b < 1024; b++) sum = sum * 1000003u + bucket[b];
    return sum ^ ((uint64_t)all << 32);
}

BENCH_ENTRY(kernel)

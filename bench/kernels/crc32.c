/* Bitwise CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), eight
 * shift-and-xor steps per byte, over n <= 32768 pseudo-random bytes. */
#include "common.h"

#define CRC_MAX 32768
BENCH_BUF uint8_t buf[CRC_MAX];

static NOINLINE uint64_t kernel(uint64_t seed, uint64_t n)
{
    if (n > CRC_MAX) n = CRC_MAX;
    uint64_t s = mix64(seed) | 1;
    uint64_t len = n - mix64(seed + 1) % (n / 8 + 1);
    for (uint64_t i = 0; i < len; i++) buf[i] = (uint8_t)(xs64(&s) >> 24);
    uint32_t crc = 0xFFFFFFFFu;
    for (uint64_t i = 0; i < len; i++) {
        crc ^= buf[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ((uint64_t)len << 32) | (uint32_t)~crc;
}

BENCH_ENTRY(kernel)

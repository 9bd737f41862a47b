/* bench_images.h - the bench workloads, built from bench/ by the build and
 * embedded in the armgpu command (bench/embed.py). */
#ifndef BENCH_IMAGES_H
#define BENCH_IMAGES_H
#include <stddef.h>
#include <stdint.h>

/* The flat images' memory layout (bench/flat.ld says the same). */
#define BENCH_PRIVATE_BASE 0x1000000ull
#define BENCH_PRIVATE_SIZE 0x10000ull
/* The flat image halts here, bench_entry's result in X0 (start_flat.s). */
#define BENCH_HALT_PC 4u

typedef struct bench_image {
    const char *name;          /* NULL ends the table */
    const unsigned char *flat; /* code and rodata, loaded at guest address 0 */
    size_t flat_len;
    const unsigned char *elf;  /* static AArch64 Linux program for the QEMU peer */
    size_t elf_len;
} bench_image;

extern const bench_image bench_images[];

/* Native builds of the C kernels (bench/kernels/), the host's answer. */
uint64_t host_sieve(uint64_t seed, uint64_t n, uint64_t reps, uint64_t *out);
uint64_t host_crc32(uint64_t seed, uint64_t n, uint64_t reps, uint64_t *out);
uint64_t host_qsort(uint64_t seed, uint64_t n, uint64_t reps, uint64_t *out);
uint64_t host_matmul(uint64_t seed, uint64_t n, uint64_t reps, uint64_t *out);
uint64_t host_strhash(uint64_t seed, uint64_t n, uint64_t reps, uint64_t *out);

#endif

/* elf_main.c - argv front end of the QEMU peer's static ELF programs.
 *
 * Usage (inside QEMU): PROGRAM SEED N REPS.  Calls the same bench_entry the
 * flat image runs (the same object file), then writes the result as 16 hex
 * digits and a newline.  What runs here besides bench_entry (argv parsing,
 * one write, exit) is a few hundred instructions and is not counted. */
#include <stdint.h>

uint64_t bench_entry(uint64_t seed, uint64_t n, uint64_t reps, uint64_t *out);

static uint64_t slot; /* the ALU loop's store target */

static uint64_t parse(const char *s)
{
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9') v = v * 10 + (uint64_t)(*s++ - '0');
    return v;
}

static long sys_write(long fd, const void *buf, long len)
{
    register long x0 __asm__("x0") = fd;
    register long x1 __asm__("x1") = (long)buf;
    register long x2 __asm__("x2") = len;
    register long x8 __asm__("x8") = 64;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x8) : "memory");
    return x0;
}

int elf_main(int argc, char **argv)
{
    if (argc < 4) return 2;
    uint64_t r = bench_entry(parse(argv[1]), parse(argv[2]), parse(argv[3]), &slot);
    char out[17];
    for (int i = 0; i < 16; i++) out[i] = "0123456789abcdef"[(r >> (60 - 4 * i)) & 15];
    out[16] = '\n';
    return sys_write(1, out, 17) == 17 ? 0 : 1;
}

/* mem.c - brk and mmap: growth, contents, zero-fill after release,
 * mremap moving contents, and the errors of bad arguments.  Prints facts,
 * never addresses (they differ between kernels). */
#include "sys.h"

static void fill(unsigned char *p, u64 n, unsigned seed)
{
    for (u64 i = 0; i < n; i++) p[i] = (unsigned char)(i * 7 + seed);
}

static int check(const unsigned char *p, u64 n, unsigned seed)
{
    for (u64 i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 7 + seed)) return 0;
    return 1;
}

static int zero(const unsigned char *p, u64 n)
{
    u64 i = 0;
    for (; i < n && ((u64)(p + i) & 7); i++)
        if (p[i]) return 0;
    for (; i + 8 <= n; i += 8)
        if (*(const u64 *)(p + i)) return 0;
    for (; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

int main(int argc, char **argv, char **envp, u64 *auxv)
{
    (void)argc, (void)argv, (void)envp, (void)auxv;
    /* brk */
    u64 b0 = (u64)sys1(NR_brk, 0);
    kv("brk0_page_aligned", (b0 & 4095) == 0);
    u64 b1 = (u64)sys1(NR_brk, b0 + 3 * 4096 + 100);
    kv("brk_grow", b1 == b0 + 3 * 4096 + 100);
    unsigned char *h = (unsigned char *)b0;
    kv("brk_zero", zero(h, 3 * 4096 + 100));
    fill(h, 3 * 4096 + 100, 1);
    kv("brk_contents", check(h, 3 * 4096 + 100, 1));
    kv("brk_shrink", (u64)sys1(NR_brk, b0 + 4096) == b0 + 4096);
    sys1(NR_brk, b0 + 3 * 4096);
    kv("brk_regrow_zero", zero(h + 2 * 4096, 4096));
    kv("brk_kept", check(h, 4096, 1));
    kv("brk_below_start_refused", (u64)sys1(NR_brk, b0 - 4096) == b0 + 3 * 4096);

    /* anonymous mmap */
    const i64 PROT_RW = 3, MAP_PRIVATE_ANON = 0x22;
    u64 big = 1 << 18;
    i64 m = sys6(NR_mmap, 0, (i64)big, PROT_RW, MAP_PRIVATE_ANON, -1, 0);
    kv("mmap_ok", m > 0 && (m & 4095) == 0);
    unsigned char *p = (unsigned char *)m;
    kv("mmap_zero", zero(p, big));
    fill(p, big, 3);
    kv("mmap_contents", check(p, big, 3));
    i64 m2 = sys6(NR_mmap, 0, 8192, PROT_RW, MAP_PRIVATE_ANON, -1, 0);
    kv("mmap_second_disjoint", m2 > 0 && ((u64)m2 + 8192 <= (u64)m || (u64)m2 >= (u64)m + big));
    /* grow with MREMAP_MAYMOVE: the contents follow */
    i64 r = sys6(NR_mremap, m, (i64)big, (i64)(4 * big), 1, 0, 0);
    kv("mremap_ok", r > 0);
    p = (unsigned char *)r;
    kv("mremap_contents", check(p, big, 3));
    kv("mremap_tail_zero", zero(p + big, 3 * big));
    kv("munmap", sys2(NR_munmap, r, 4 * big));
    i64 m3 = sys6(NR_mmap, 0, (i64)big, PROT_RW, MAP_PRIVATE_ANON, -1, 0);
    kv("mmap_again_zero", m3 > 0 && zero((unsigned char *)m3, big));
    /* partial munmap in the middle, then MAP_FIXED over the hole */
    kv("munmap_middle", sys2(NR_munmap, m3 + 4096, 4096));
    i64 f = sys6(NR_mmap, m3 + 4096, 4096, PROT_RW, MAP_PRIVATE_ANON | 0x10, -1, 0);
    kv("map_fixed_same_addr", f == m3 + 4096);
    /* errors */
    kv("mmap_len0", sys6(NR_mmap, 0, 0, PROT_RW, MAP_PRIVATE_ANON, -1, 0));
    kv("mmap_noflags", sys6(NR_mmap, 0, 4096, PROT_RW, 0x20, -1, 0));
    kv("munmap_unaligned", sys2(NR_munmap, m3 + 1, 4096));
    kv("mmap_badfd", sys6(NR_mmap, 0, 4096, PROT_RW, 2, 77, 0));
    kv("unknown_syscall", sys0(999));
    return 0;
}

/* rand.c - getrandom and AT_RANDOM: return values always; the bytes
 * themselves only with the argument "show" (they differ from a kernel's,
 * by design: here they derive from the seed and the lane). */
#include "sys.h"

int main(int argc, char **argv, char **envp, u64 *auxv)
{
    (void)envp;
    int show = argc > 1 && seq(argv[1], "show");
    unsigned char b[40];
    for (int i = 0; i < 40; i++) b[i] = 0;
    kv("getrandom_16", sys3(NR_getrandom, b, 16, 0));
    kv("getrandom_0", sys3(NR_getrandom, b + 16, 0, 0));
    kv("getrandom_badflags", sys3(NR_getrandom, b, 16, 0x100));
    kv("getrandom_efault", sys3(NR_getrandom, 8, 16, 0));
    int nonzero = 0;
    for (int i = 0; i < 16; i++) nonzero |= b[i];
    kv("getrandom_nonzero", nonzero != 0);
    const unsigned char *at = 0;
    for (u64 *a = auxv; a[0]; a += 2)
        if (a[0] == 25) at = (const unsigned char *)a[1];
    kv("at_random", at != 0);
    if (show) {
        puts1("bytes=");
        for (int i = 0; i < 16; i++) putx(1, b[i]), puts1(" ");
        puts1("\nat_random=");
        for (int i = 0; i < 16; i++) putx(1, at[i]), puts1(" ");
        puts1("\n");
    }
    return 0;
}

/* args.c - argc, argv, envp and the auxiliary vector entries whose values
 * do not depend on where the kernel put things. */
#include "sys.h"

enum { AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
       AT_ENTRY = 9, AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25,
       AT_HWCAP2 = 26, AT_EXECFN = 31 };

extern char _start[];

int main(int argc, char **argv, char **envp, u64 *auxv)
{
    u64 sp0 = (u64)(argv - 1);
    kv("argc", argc);
    for (int i = 0; i < argc; i++) {
        puts1("argv: ");
        puts1(argv[i]);
        puts1("\n");
    }
    kv("argv_null", argv[argc] == 0);
    for (char **e = envp; *e; e++) {
        puts1("env: ");
        puts1(*e);
        puts1("\n");
    }
    kv("sp_aligned_16", (sp0 & 15) == 0);
    /* Looked up by type and printed in one order: kernels (and QEMU) order
     * the vector differently. */
    u64 val[64] = {0}, seen = 0;
    for (u64 *a = auxv; a[0] != AT_NULL; a += 2)
        if (a[0] < 64) seen |= 1ull << a[0], val[a[0]] = a[1];
    kv("AT_PAGESZ", (i64)val[AT_PAGESZ]);
    kv("AT_PHENT", (i64)val[AT_PHENT]);
    kv("AT_PHNUM", (i64)val[AT_PHNUM]);
    kv("AT_BASE", (i64)val[AT_BASE]);
    kv("AT_FLAGS", (i64)val[AT_FLAGS]);
    kv("AT_SECURE", (i64)val[AT_SECURE]);
    kv("AT_CLKTCK", (i64)val[AT_CLKTCK]);
    kv("AT_ENTRY_is_start", val[AT_ENTRY] == (u64)_start);
    /* the first program header of a static executable is PT_LOAD or PT_PHDR */
    kv("AT_PHDR_type_ok", val[AT_PHDR] && (*(unsigned *)val[AT_PHDR] == 1 || *(unsigned *)val[AT_PHDR] == 6));
    kv("AT_RANDOM_above_sp", val[AT_RANDOM] > sp0);
    if (val[AT_PLATFORM]) puts1("AT_PLATFORM="), puts1((const char *)val[AT_PLATFORM]), puts1("\n");
    if (val[AT_EXECFN]) puts1("AT_EXECFN="), puts1((const char *)val[AT_EXECFN]), puts1("\n");
    kv("has_random", (seen >> AT_RANDOM) & 1);
    kv("has_hwcap", (seen >> AT_HWCAP) & 1);
    kv("has_hwcap2", (seen >> AT_HWCAP2) & 1);
    return 0;
}

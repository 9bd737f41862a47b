/* prot.c - page permissions as Linux (arm64, 6.1) gives them, where
 * qemu-aarch64 7.2 answers otherwise, so tests/test_linux.c checks this
 * program's output against the kernel's rules instead of comparing it with
 * QEMU (tests/programs/mprotect.c is the comparison).  With no argument it
 * prints name=value facts; with one it ends as that argument says:
 *   read, write, fetch   touch a page that forbids it (SIGSEGV)
 *   exec                 run code from a PROT_EXEC mapping (exit 42)
 *   mprotect-exec        write code, mprotect it executable, run it (exit 43)
 * Addresses are never printed: they differ between kernels. */
#include "sys.h"

enum { NR_clock_gettime_ = 113, NR_nanosleep_ = 101, NR_mprotect = 226 };
enum { PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, PROT_GROWSDOWN = 0x01000000 };
#define PG 4096
#define MAP_PRIVATE_ANON 0x22

static i64 map(u64 len, i64 prot) { return sys6(NR_mmap, 0, (i64)len, prot, MAP_PRIVATE_ANON, -1, 0); }
static i64 prot(u64 a, u64 len, i64 p) { return sys3(NR_mprotect, a, len, p); }
/* Whether a system call may read 16 bytes of the page at a (nanosleep for
 * the zeros there: 0 s), or write 16 bytes of it (clock_gettime, halfway up,
 * so that the zeros stay): 0 or -EFAULT. */
static i64 sys_reads(u64 a) { return sys2(NR_nanosleep_, a, 0); }
static i64 sys_writes(u64 a) { return sys2(NR_clock_gettime_, 1, a + PG / 2); }

/* The code page is the lane's own: make it visible to its fetches. */
static void sync_code(u64 a)
{
    __asm__ volatile("dc cvau, %0\n dsb ish\n ic ivau, %0\n dsb ish\n isb" : : "r"(a) : "memory");
}

static int run_code(u64 a) { return ((int (*)(void))a)(); }

static int end_as(const char *how)
{
    u64 p = (u64)map(PG, PROT_READ | PROT_WRITE);
    /* mov w0, #42 (or 43); ret */
    ((unsigned *)p)[0] = seq(how, "mprotect-exec") ? 0x52800560u : 0x52800540u;
    ((unsigned *)p)[1] = 0xd65f03c0u;
    sync_code(p);
    if (seq(how, "read")) {
        prot(p, PG, PROT_NONE);
        return *(volatile unsigned char *)p;
    }
    if (seq(how, "write")) {
        prot(p, PG, PROT_READ);
        *(volatile unsigned char *)p = 1;
    }
    if (seq(how, "fetch")) return run_code(p);
    if (seq(how, "exec")) {
        u64 x = (u64)map(PG, PROT_READ | PROT_WRITE | PROT_EXEC);
        ((unsigned *)x)[0] = 0x52800540u;
        ((unsigned *)x)[1] = 0xd65f03c0u;
        sync_code(x);
        return run_code(x);
    }
    if (seq(how, "mprotect-exec")) {
        prot(p, PG, PROT_READ | PROT_EXEC);
        return run_code(p);
    }
    return 100;
}

int main(int argc, char **argv, char **envp, u64 *auxv)
{
    (void)envp, (void)auxv;
    if (argc > 1) return end_as(argv[1]);

    u64 p = (u64)map(4 * PG, PROT_READ | PROT_WRITE);
    /* Length 0 is checked before the permission bits: nothing to do. */
    kv("len0", prot(p, 0, PROT_READ));
    kv("len0_bad_prot", prot(p, 0, 0x40));
    /* PROT_BTI and PROT_MTE: refused unless AT_HWCAP2 advertises them. */
    kv("bti", prot(p, PG, 0x10));
    kv("mte", prot(p, PG, 0x20));
    kv("sem", prot(p, PG, PROT_READ | PROT_WRITE | 8));
    /* arm64 maps write-only and execute-only pages readable. */
    kv("write_only", prot(p, PG, PROT_WRITE));
    kv("write_only_syscall_reads", sys_reads(p));
    kv("write_only_loads", *(volatile u64 *)p == 0);
    kv("write_only_syscall_writes", sys_writes(p));
    kv("exec_only", prot(p, PG, PROT_EXEC));
    kv("exec_only_syscall_reads", sys_reads(p));
    kv("exec_only_syscall_writes", sys_writes(p));
    kv("none", prot(p, PG, PROT_NONE));
    kv("none_syscall_reads", sys_reads(p));
    kv("none_syscall_writes", sys_writes(p));
    /* A hole: the pages before it change, then -ENOMEM. */
    kv("munmap_last", sys2(NR_munmap, p + 3 * PG, PG));
    kv("hole", prot(p + PG, 3 * PG, PROT_READ));
    kv("before_hole_syscall_writes", sys_writes(p + PG));
    kv("before_hole_syscall_reads", sys_reads(p + 2 * PG));
    kv("hole_syscall_reads", sys_reads(p + 3 * PG));

    /* mremap keeps each page's permissions, and a grown mapping those of
     * its last page. */
    u64 q = (u64)map(2 * PG, PROT_READ | PROT_WRITE);
    prot(q, PG, PROT_READ);
    u64 r = (u64)sys6(NR_mremap, (i64)q, 2 * PG, 4 * PG, 1 /* MREMAP_MAYMOVE */, 0, 0);
    kv("mremap_read_only_page", sys_writes(r));
    kv("mremap_writable_page", sys_writes(r + PG));
    kv("mremap_grown_page", sys_writes(r + 3 * PG));
    kv("mremap_old_gone", r == q || sys_reads(q) == -14);

    /* The heap is mapped up to the break's page. */
    u64 b0 = (u64)sys1(NR_brk, 0), above = (b0 + PG - 1) & ~(u64)(PG - 1);
    kv("above_brk_syscall_writes", sys_writes(above));
    sys1(NR_brk, above + PG);
    kv("brk_grown_syscall_writes", sys_writes(above));
    sys1(NR_brk, b0);
    kv("brk_shrunk_syscall_writes", sys_writes(above));

    /* PROT_GROWSDOWN reaches back to the stack's start. */
    u64 sp_page = (u64)&argc & ~(u64)(PG - 1);
    kv("stack_growsdown", prot(sp_page, PG, PROT_READ | PROT_WRITE | PROT_GROWSDOWN));
    kv("mmap_growsdown", prot(r + PG, PG, PROT_READ | PROT_GROWSDOWN));

    /* Code is in the region every lane shares: asking for what it has is
     * fine, a change is refused (-EACCES) where Linux would allow it
     * (docs/linux.md). */
    u64 code = (u64)main & ~(u64)(PG - 1);
    kv("code_same", prot(code, PG, PROT_READ | PROT_EXEC));
    kv("code_writable", prot(code, PG, PROT_READ | PROT_WRITE | PROT_EXEC));
    return 0;
}

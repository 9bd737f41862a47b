/*
 * sys.h - a tiny freestanding runtime for the Linux-layer test programs:
 * raw system calls (svc #0, number in x8, result in x0, negative errno on
 * failure), a few string helpers and output without a C library.  These
 * programs use no SIMD&FP register, so they run on the integer core alone
 * (built with -mgeneral-regs-only).
 */
#ifndef LX_SYS_H
#define LX_SYS_H

typedef unsigned long u64;
typedef long i64;

static inline i64 sys6(i64 n, i64 a, i64 b, i64 c, i64 d, i64 e, i64 f)
{
    register i64 x8 __asm__("x8") = n;
    register i64 x0 __asm__("x0") = a;
    register i64 x1 __asm__("x1") = b;
    register i64 x2 __asm__("x2") = c;
    register i64 x3 __asm__("x3") = d;
    register i64 x4 __asm__("x4") = e;
    register i64 x5 __asm__("x5") = f;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
    return x0;
}
#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6(n, (i64)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (i64)(a), (i64)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (i64)(a), (i64)(b), (i64)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (i64)(a), (i64)(b), (i64)(c), (i64)(d), 0, 0)

/* Linux AArch64 system call numbers (asm-generic/unistd.h) */
enum {
    NR_openat = 56, NR_close = 57, NR_lseek = 62, NR_read = 63, NR_write = 64, NR_fstat = 80,
    NR_exit = 93, NR_exit_group = 94, NR_nanosleep = 101, NR_clock_gettime = 113, NR_kill = 129,
    NR_tgkill = 131, NR_rt_sigprocmask = 135, NR_gettimeofday = 169, NR_getpid = 172, NR_gettid = 178,
    NR_brk = 214, NR_munmap = 215, NR_mremap = 216, NR_mmap = 222, NR_getrandom = 278
};

static inline u64 slen(const char *s)
{
    u64 n = 0;
    while (s[n]) n++;
    return n;
}

static inline int seq(const char *a, const char *b)
{
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}

static inline void out(int fd, const char *s) { sys3(NR_write, fd, s, slen(s)); }
static inline void puts1(const char *s) { out(1, s); }

/* Decimal, with sign. */
static inline void putd(int fd, i64 v)
{
    char b[24];
    int i = 23;
    u64 u = v < 0 ? (u64)-v : (u64)v;
    b[i] = 0;
    do b[--i] = (char)('0' + u % 10); while ((u /= 10) && i > 1);
    if (v < 0) b[--i] = '-';
    out(fd, b + i);
}

static inline void putx(int fd, u64 v)
{
    char b[19];
    int i = 18;
    b[i] = 0;
    do b[--i] = "0123456789abcdef"[v & 15]; while ((v >>= 4) && i > 2);
    b[--i] = 'x';
    b[--i] = '0';
    out(fd, b + i);
}

/* "name=value\n" */
static inline void kv(const char *k, i64 v)
{
    puts1(k);
    puts1("=");
    putd(1, v);
    puts1("\n");
}

static inline void exit_(int code)
{
    sys1(NR_exit_group, code);
    for (;;) {}
}

/* The compiler may call these for struct copies and zeroing. */
void *memcpy(void *d, const void *s, u64 n);
void *memset(void *d, int c, u64 n);

/* Each program defines main; start.S passes the initial stack pointer. */
int main(int argc, char **argv, char **envp, u64 *auxv);

#endif

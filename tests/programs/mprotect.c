/* mprotect.c - a process's page permissions are its own: mmap with
 * PROT_NONE and PROT_READ, mprotect and its errors, munmap, and a guard page
 * that ends the program with SIGSEGV.
 *
 * Which page is the guard, and whether the program touches it, follow from
 * the length of stdin, so on 64 lanes with different stdins each lane
 * protects its own page while the others use theirs.  Only cases where
 * QEMU answers as Linux does are printed (docs/linux.md lists where it
 * does not). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PROT_SEM 0x8 /* Linux's, which glibc does not define: accepted, no effect */

static void show(const char *what, long rc)
{
    printf("%-58s %ld %s\n", what, rc, rc == -1 ? strerror(errno) : "");
}

#define SHOW(call) (errno = 0, show(#call, (long)(call)))

int main(void)
{
    static char buf[65536];
    size_t n = 0;
    for (ssize_t r; (r = read(0, buf, sizeof buf)) > 0;) n += (size_t)r;
    long pg = sysconf(_SC_PAGESIZE);
    printf("page size %ld\n", pg);

    /* Three pages, one of them the guard. */
    char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 1;
    memset(p, 'a', 3 * pg);
    int guard = (int)(n % 3);
    printf("guard page %d\n", guard);
    SHOW(mprotect(p + guard * pg, pg, PROT_NONE));
    for (int i = 0; i < 3; i++) {
        if (i == guard) continue;
        p[i * pg + 1] = 'b';
        printf("page %d reads %c%c\n", i, p[i * pg], p[i * pg + 1]);
    }
    /* A system call reading the guard page fails instead of faulting. */
    fflush(stdout);
    SHOW(write(1, p + guard * pg, 1));

    /* Bad arguments. */
    SHOW(mprotect(p + 1, pg, PROT_READ));
    SHOW(mprotect(p, pg, 0x40));
    SHOW(mprotect(p, pg, PROT_READ | PROT_GROWSUP | PROT_GROWSDOWN));
    SHOW(mprotect(p, pg, PROT_READ | PROT_GROWSUP));
    SHOW(mprotect(p, pg, PROT_READ | PROT_GROWSDOWN));
    SHOW(mprotect(p, SIZE_MAX, PROT_READ));
    SHOW(mprotect((void *)(uintptr_t)pg, pg, PROT_READ));

    /* Unmapped pages: munmap takes them, mprotect finds nothing there. */
    char *q = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SHOW(munmap(q + pg, pg));
    SHOW(mprotect(q + pg, pg, PROT_READ));
    SHOW(mprotect(q, 2 * pg, PROT_READ));

    /* PROT_NONE reserves, mprotect opens; PROT_READ reads zeros. */
    char *r = mmap(NULL, 2 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    fflush(stdout);
    SHOW(write(1, r, 1));
    SHOW(mprotect(r, 2 * pg, PROT_READ | PROT_WRITE));
    r[pg] = 'c';
    printf("opened page reads %c\n", r[pg]);
    char *ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("read-only page reads %d\n", ro[100]);
    fflush(stdout);
    SHOW(write(1, ro, 0));
    SHOW(mprotect(ro, pg, PROT_READ | PROT_WRITE | PROT_SEM));
    ro[0] = 'd';
    printf("made writable, reads %c\n", ro[0]);

    if (n % 2 == 0) {
        printf("touching the guard page (%s)\n", n % 4 ? "read" : "write");
        fflush(stdout);
        if (n % 4) printf("not reached: %c\n", *(volatile char *)(p + guard * pg));
        else *(volatile char *)(p + guard * pg) = 'x';
        printf("not reached\n");
        return 2;
    }
    SHOW(mprotect(p + guard * pg, pg, PROT_READ | PROT_WRITE));
    p[guard * pg] = 'e';
    printf("guard page reopened, reads %c\n", p[guard * pg]);
    return 0;
}

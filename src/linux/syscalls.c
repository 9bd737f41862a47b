/*
 * syscalls.c - the Linux system calls a lane makes, served per lane on the
 * host with Linux's AArch64 numbers (include/uapi/asm-generic/unistd.h),
 * argument layouts and negative errno returns.
 *
 * Every guest pointer goes through guest_in/guest_out, which check the
 * whole range against the lane's regions and page permissions: a bad
 * pointer gives -EFAULT, never a host fault.  docs/linux.md lists what each
 * call does here and where that differs from a kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linux.h"

#define PAGE AGPU_PAGE_SIZE
#define PAGE_FLOOR(x) ((x) & ~(uint64_t)(PAGE - 1))
#define PAGE_CEIL(x) (((x) + PAGE - 1) & ~(uint64_t)(PAGE - 1))

/* Linux's values, spelled here so that the host's headers never matter. */
enum {
    L_EPERM = 1, L_ENOENT = 2, L_ESRCH = 3, L_EINTR = 4, L_EBADF = 9, L_EAGAIN = 11, L_ENOMEM = 12,
    L_EACCES = 13, L_EFAULT = 14, L_ENOTDIR = 20, L_EINVAL = 22, L_EMFILE = 24, L_ENOTTY = 25,
    L_ESPIPE = 29, L_EROFS = 30, L_EPIPE = 32, L_ERANGE = 34, L_ENAMETOOLONG = 36, L_ENOSYS = 38,
    L_ETIMEDOUT = 110, L_ENODEV = 19
};
enum { SIGABRT_ = 6, SIGKILL_ = 9, SIGPIPE_ = 13, SIGSTOP_ = 19, SIGCHLD_ = 17, SIGCONT_ = 18,
       SIGURG_ = 23, SIGWINCH_ = 28 };

#define NOFILE 1024u
#define LANE_PID(l) (1000 + (int64_t)(l))
#define FAULT (-(int64_t)L_EFAULT)

/* --------------------------------------------------------- guest memory */

/* Whether [addr, addr+len) lies in one region on pages lane l may access
 * with `need`. */
static int guest_ok(agpu_linux *p, uint32_t l, uint64_t addr, uint64_t len, uint32_t need)
{
    agpu_machine *m = p->m;
    if (len == 0) return 1;
    const uint8_t *prot;
    uint64_t off;
    uint64_t ss = agpu_shared_size(m), pb = agpu_private_base(m), ps = agpu_private_size(m);
    if (addr < ss && len <= ss - addr) {
        prot = m->shared_prot;
        off = addr;
    } else if (ps && addr >= pb && addr - pb < ps && len <= ps - (addr - pb)) {
        prot = agpu_lane_prot(m, l);
        off = addr - pb;
    } else {
        return 0;
    }
    for (uint64_t pg = off / PAGE, last = (off + len - 1) / PAGE; pg <= last; pg++)
        if ((prot[pg] & need) != need) return 0;
    return 1;
}

static int guest_in(agpu_linux *p, uint32_t l, uint64_t addr, void *buf, size_t len)
{
    if (!guest_ok(p, l, addr, len, AGPU_PROT_READ)) return -1;
    return len && agpu_read_memory(p->m, l, addr, buf, len) ? -1 : 0;
}

static int guest_out(agpu_linux *p, uint32_t l, uint64_t addr, const void *buf, size_t len)
{
    if (!guest_ok(p, l, addr, len, AGPU_PROT_WRITE)) return -1;
    return len && agpu_write_memory(p->m, l, addr, buf, len) ? -1 : 0;
}

/* Reads a NUL-terminated guest string of at most cap-1 bytes: 0, or a
 * negative errno. */
static int64_t guest_str(agpu_linux *p, uint32_t l, uint64_t addr, char *out, size_t cap)
{
    size_t n = 0;
    while (n < cap) {
        /* To the end of the page at most, so that a string ending just
         * before an unmapped page reads. */
        size_t chunk = PAGE - (size_t)((addr + n) % PAGE);
        if (chunk > cap - n) chunk = cap - n;
        if (guest_in(p, l, addr + n, out + n, chunk)) return FAULT;
        void *z = memchr(out + n, 0, chunk);
        if (z) return 0;
        n += chunk;
    }
    return -(int64_t)L_ENAMETOOLONG;
}

/* Zeroes [addr, addr+len) of lane l's private memory. */
static void guest_zero(agpu_linux *p, uint32_t l, uint64_t addr, uint64_t len)
{
    static const uint8_t zeros[65536];
    while (len) {
        size_t n = len < sizeof zeros ? (size_t)len : sizeof zeros;
        agpu_write_memory(p->m, l, addr, zeros, n);
        addr += n;
        len -= n;
    }
}

/* Copies guest bytes from src to dst (lane l, private memory). */
static void guest_move(agpu_linux *p, uint32_t l, uint64_t dst, uint64_t src, uint64_t len)
{
    uint8_t buf[65536];
    while (len) {
        size_t n = len < sizeof buf ? (size_t)len : sizeof buf;
        agpu_read_memory(p->m, l, src, buf, n);
        agpu_write_memory(p->m, l, dst, buf, n);
        src += n, dst += n, len -= n;
    }
}

/* ---------------------------------------------------------------- files */

static lx_file *fd_get(lx_lane *ln, uint64_t fd)
{
    return fd < ln->nfds ? ln->fds[fd].f : NULL;
}

static void file_put(lx_file *f)
{
    if (!f || --f->refs > 0) return;
    if (f->pipe) {
        if (f->kind == LX_F_PIPE_R) f->pipe->readers--;
        else f->pipe->writers--;
        if (f->pipe->readers == 0 && f->pipe->writers == 0) {
            free(f->pipe->buf.p);
            free(f->pipe);
        }
    }
    free(f);
}

/* The lowest free descriptor >= min, or -EMFILE. */
static int64_t fd_alloc(lx_lane *ln, uint64_t min)
{
    for (uint64_t i = min; i < NOFILE; i++) {
        if (i >= ln->nfds) {
            uint32_t n = (uint32_t)(i + 8 < NOFILE ? i + 8 : NOFILE);
            lx_fd *f = realloc(ln->fds, n * sizeof *f);
            if (!f) return -(int64_t)L_ENOMEM;
            memset(f + ln->nfds, 0, (n - ln->nfds) * sizeof *f);
            ln->fds = f;
            ln->nfds = n;
        }
        if (!ln->fds[i].f) return (int64_t)i;
    }
    return -(int64_t)L_EMFILE;
}

static int64_t fd_install(lx_lane *ln, uint64_t min, lx_file *f, int cloexec)
{
    int64_t fd = fd_alloc(ln, min);
    if (fd < 0) return fd;
    ln->fds[fd].f = f;
    ln->fds[fd].cloexec = cloexec;
    f->refs++;
    return fd;
}

static lx_file *file_new(int kind)
{
    lx_file *f = calloc(1, sizeof *f);
    if (f) f->kind = kind;
    return f;
}

int lx_open_stdio(agpu_linux *p, uint32_t l)
{
    lx_lane *ln = &p->lanes[l];
    static const int kinds[3] = {LX_F_STDIN, LX_F_STDOUT, LX_F_STDERR};
    for (int i = 0; i < 3; i++) {
        lx_file *f = file_new(kinds[i]);
        if (!f || fd_install(ln, (uint64_t)i, f, 0) != i) {
            free(f);
            return agpu_fail(p->m, AGPU_ERR_OUT_OF_MEMORY, "cannot open stdio for lane %u", l);
        }
        f->flags = i == 0 ? 0 : 1; /* O_RDONLY, O_WRONLY */
    }
    return AGPU_OK;
}

int lx_buf_append(lx_buf *b, const void *src, size_t n)
{
    if (n > SIZE_MAX / 2 - b->len) return -1;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q) return -1;
        b->p = q;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, src, n);
    b->len += n;
    return 0;
}

void lx_lane_free(lx_lane *ln)
{
    for (uint32_t i = 0; i < ln->nfds; i++) file_put(ln->fds[i].f);
    free(ln->fds);
    free(ln->in);
    free(ln->out.p);
    free(ln->err.p);
    free(ln->maps);
    free(ln->sigact);
    for (char **v = ln->argv; v && *v; v++) free(*v);
    free(ln->argv);
    for (char **v = ln->envp; v && *v; v++) free(*v);
    free(ln->envp);
    memset(ln, 0, sizeof *ln);
}

char *lx_normalize_path(const char *path)
{
    size_t n = strlen(path);
    char *out = malloc(n + 2), *o = out;
    if (!out) return NULL;
    const char *s = path;
    *o++ = '/';
    while (*s) {
        while (*s == '/') s++;
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 0) break;
        if (len == 1 && s[0] == '.') {
            /* "." names the directory it is in */
        } else if (len == 2 && s[0] == '.' && s[1] == '.') {
            if (o > out + 1) {
                o--;
                while (o > out + 1 && o[-1] != '/') o--;
            }
        } else {
            memcpy(o, s, len);
            o += len;
            *o++ = '/';
        }
        s += len;
    }
    if (o > out + 1) o--; /* no trailing slash */
    *o = 0;
    return out;
}

/* The mapped file a guest path names, or -1. */
static int find_mapped(agpu_linux *p, const char *path)
{
    char *n = lx_normalize_path(path);
    if (!n) return -1;
    int found = -1;
    for (uint32_t i = 0; i < p->nfiles; i++)
        if (strcmp(p->files[i].guest, n) == 0) found = (int)i;
    free(n);
    return found;
}

/* struct stat as AArch64 Linux lays it out (asm-generic/stat.h). */
static void fill_stat(agpu_linux *p, const lx_file *f, int mapped, uint8_t st[128])
{
    memset(st, 0, 128);
    uint64_t dev = 0x1f, ino, size = 0, rdev = 0;
    uint32_t mode, nlink = 1, blksize = 4096;
    if (mapped >= 0) {
        mode = 0100444; /* S_IFREG, r--r--r-- */
        ino = 2 + (uint64_t)mapped;
        size = p->files[mapped].len;
        dev = 0x801;
    } else {
        mode = 0010600; /* S_IFIFO: stdio and pipes are pipes */
        ino = 100 + (uint64_t)f->kind;
        dev = 0xc;
    }
    uint64_t blocks = (size + 511) / 512;
    memcpy(st + 0, &dev, 8);
    memcpy(st + 8, &ino, 8);
    memcpy(st + 16, &mode, 4);
    memcpy(st + 20, &nlink, 4);
    memcpy(st + 32, &rdev, 8);
    memcpy(st + 48, &size, 8);
    memcpy(st + 56, &blksize, 4);
    memcpy(st + 64, &blocks, 8);
}

/* ----------------------------------------------------------------- memory */

/* A lane's page permissions are its own (agpu_protect_lane), as a process's
 * mappings are: a page outside every mapping of the lane has none, so an
 * access to it faults (SIGSEGV) and a system call given it fails (EFAULT).
 *
 * page_prot_of: Linux's PROT_READ/WRITE/EXEC as page permissions.  arm64
 * Linux maps a write-only or execute-only private page readable too (its
 * protection_map, without FEAT_EPAN). */
static uint32_t page_prot_of(uint64_t prot)
{
    return ((prot & 7) ? AGPU_PROT_READ : 0) | ((prot & 2) ? AGPU_PROT_WRITE : 0) |
           ((prot & 4) ? AGPU_PROT_EXEC : 0);
}

/* The i-th mapping of lane l, as a process's VMAs would be: the program's
 * segments, the brk heap up to the break, the stack, then the mmap
 * allocations.  0 past the last. */
static int mapping(const agpu_linux *p, uint32_t l, uint32_t i, lx_range *r)
{
    const lx_lane *ln = &p->lanes[l];
    if (i < p->img.nseg) {
        r->start = PAGE_FLOOR(p->img.seg[i].vaddr);
        r->end = PAGE_CEIL(p->img.seg[i].vaddr + p->img.seg[i].memsz);
        return 1;
    }
    i -= p->img.nseg;
    if (i == 0) {
        r->start = p->brk_start;
        r->end = PAGE_CEIL(ln->brk);
    } else if (i == 1) {
        r->start = p->stack_lo;
        r->end = p->stack_hi;
    } else if (i - 2 < ln->nmaps) {
        *r = ln->maps[i - 2];
    } else {
        return 0;
    }
    return 1;
}

/* The end of the run of pages lane l has mapped from a: a itself when a is
 * in no mapping.  Mappings that touch make one run. */
static uint64_t mapped_end(const agpu_linux *p, uint32_t l, uint64_t a)
{
    for (;;) {
        uint64_t end = a;
        lx_range r;
        for (uint32_t i = 0; mapping(p, l, i, &r); i++)
            if (r.start <= a && a < r.end && r.end > end) end = r.end;
        if (end == a) return a;
        a = end;
    }
}

/* The lowest mapped address of lane l in [a, b), or b when there is none. */
static uint64_t first_mapped(const agpu_linux *p, uint32_t l, uint64_t a, uint64_t b)
{
    uint64_t first = b;
    lx_range r;
    for (uint32_t i = 0; mapping(p, l, i, &r); i++)
        if (r.start < b && r.end > a && r.start < first) first = r.start > a ? r.start : a;
    return first;
}

/* Lane l's permissions of the page holding addr. */
static uint32_t lane_page_prot(agpu_linux *p, uint32_t l, uint64_t addr)
{
    uint32_t v = 0;
    agpu_get_protection_lane(p->m, l, addr, &v);
    return v;
}

/* Gives [dst, dst+new_len) of lane l the permissions of [src, src+old_len),
 * and the pages past old_len those of its last page: mremap keeps a
 * mapping's permissions, also when the mapping grows.  The ranges do not
 * overlap. */
static int prot_move(agpu_linux *p, uint32_t l, uint64_t dst, uint64_t new_len, uint64_t src,
                     uint64_t old_len)
{
    uint64_t last = src + (old_len ? old_len - PAGE : 0), n;
    for (uint64_t o = 0; o < new_len; o += n) {
        uint32_t v = lane_page_prot(p, l, o < old_len ? src + o : last);
        for (n = PAGE; o + n < new_len && lane_page_prot(p, l, o + n < old_len ? src + o + n : last) == v;)
            n += PAGE;
        if (agpu_protect_lane(p->m, l, dst + o, n, v)) return -1;
    }
    return 0;
}

/* Marks [a, b) allocated in the lane's mmap list (kept sorted, merged). */
static int map_add(lx_lane *ln, uint64_t a, uint64_t b)
{
    if (ln->nmaps + 1 > ln->capmaps) {
        uint32_t cap = ln->capmaps ? ln->capmaps * 2 : 8;
        lx_range *r = realloc(ln->maps, cap * sizeof *r);
        if (!r) return -1;
        ln->maps = r;
        ln->capmaps = cap;
    }
    uint32_t i = 0;
    while (i < ln->nmaps && ln->maps[i].start < a) i++;
    memmove(ln->maps + i + 1, ln->maps + i, (ln->nmaps - i) * sizeof *ln->maps);
    ln->maps[i].start = a;
    ln->maps[i].end = b;
    ln->nmaps++;
    /* merge neighbours that touch */
    uint32_t o = 0;
    for (uint32_t k = 0; k < ln->nmaps; k++) {
        if (o && ln->maps[o - 1].end >= ln->maps[k].start) {
            if (ln->maps[k].end > ln->maps[o - 1].end) ln->maps[o - 1].end = ln->maps[k].end;
        } else {
            ln->maps[o++] = ln->maps[k];
        }
    }
    ln->nmaps = o;
    return 0;
}

/* Removes [a, b) (whole pages) from the lane's mmap list, zeroing what was
 * allocated so the next mapping of those pages reads zeros, and leaving the
 * pages inaccessible to the lane. */
static int map_remove(agpu_linux *p, uint32_t l, uint64_t a, uint64_t b)
{
    lx_lane *ln = &p->lanes[l];
    if (a < b && agpu_protect_lane(p->m, l, a, b - a, 0)) return -1;
    for (uint32_t k = 0; k < ln->nmaps; k++) {
        lx_range *r = &ln->maps[k];
        if (r->end <= a || r->start >= b) continue;
        uint64_t ca = r->start > a ? r->start : a, cb = r->end < b ? r->end : b;
        guest_zero(p, l, ca, cb - ca);
        if (r->start < a && r->end > b) { /* split */
            uint64_t tail_end = r->end;
            r->end = a;
            if (map_add(ln, b, tail_end)) return -1;
            return 0;
        } else if (r->start < a) {
            r->end = a;
        } else if (r->end > b) {
            r->start = b;
        } else {
            memmove(r, r + 1, (ln->nmaps - k - 1) * sizeof *r);
            ln->nmaps--;
            k--;
        }
    }
    return 0;
}

static int map_free(const lx_lane *ln, uint64_t a, uint64_t b)
{
    for (uint32_t k = 0; k < ln->nmaps; k++)
        if (ln->maps[k].start < b && ln->maps[k].end > a) return 0;
    return 1;
}

/* The highest free range of len bytes in the mmap area, or 0. */
static uint64_t map_find(agpu_linux *p, const lx_lane *ln, uint64_t len)
{
    uint64_t top = p->mmap_hi;
    for (uint32_t k = ln->nmaps; k-- > 0;) {
        const lx_range *r = &ln->maps[k];
        if (top >= r->end && top - r->end >= len) return top - len;
        if (r->start < top) top = r->start;
    }
    if (top >= p->mmap_lo && top - p->mmap_lo >= len) return top - len;
    return 0;
}

static int64_t do_mmap(agpu_linux *p, uint32_t l, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags,
                       int64_t fd, uint64_t off)
{
    lx_lane *ln = &p->lanes[l];
    const uint64_t MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANON = 0x20,
                   MAP_FIXED_NOREPLACE = 0x100000;
    uint64_t type = flags & 3;
    if (len == 0 || (type != MAP_SHARED && type != MAP_PRIVATE && type != 3)) return -(int64_t)L_EINVAL;
    if (off % PAGE) return -(int64_t)L_EINVAL;
    if (len > p->mmap_hi - p->mmap_lo) return -(int64_t)L_ENOMEM;
    len = PAGE_CEIL(len);
    int mapped = -1;
    if (!(flags & MAP_ANON)) {
        lx_file *f = fd >= 0 ? fd_get(ln, (uint64_t)fd) : NULL;
        if (!f) return -(int64_t)L_EBADF;
        if (f->kind != LX_F_MAPPED) return -(int64_t)L_ENODEV;
        if (type == MAP_SHARED && (prot & 2)) return -(int64_t)L_EACCES; /* opened read-only */
        mapped = (int)f->index;
    }
    uint64_t at;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr % PAGE) return -(int64_t)L_EINVAL;
        if (addr < p->mmap_lo || addr > p->mmap_hi || len > p->mmap_hi - addr) return -(int64_t)L_ENOMEM;
        if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !map_free(ln, addr, addr + len))
            return -(int64_t)17; /* EEXIST */
        if (map_remove(p, l, addr, addr + len)) return -(int64_t)L_ENOMEM;
        at = addr;
    } else if (addr && addr % PAGE == 0 && addr >= p->mmap_lo && addr <= p->mmap_hi &&
               len <= p->mmap_hi - addr && map_free(ln, addr, addr + len)) {
        at = addr;
    } else {
        at = map_find(p, ln, len);
        if (!at) return -(int64_t)L_ENOMEM;
    }
    if (map_add(ln, at, at + len)) return -(int64_t)L_ENOMEM;
    if (agpu_protect_lane(p->m, l, at, len, page_prot_of(prot))) {
        map_remove(p, l, at, at + len);
        return -(int64_t)L_ENOMEM;
    }
    if (mapped >= 0 && off < p->files[mapped].len) {
        uint64_t n = p->files[mapped].len - off;
        if (n > len) n = len;
        agpu_write_memory(p->m, l, at, p->files[mapped].data + off, (size_t)n);
    }
    return (int64_t)at;
}

static int in_mmap_area(agpu_linux *p, uint64_t a, uint64_t len)
{
    return a >= p->mmap_lo && a <= p->mmap_hi && len <= p->mmap_hi - a;
}

static int64_t do_mremap(agpu_linux *p, uint32_t l, uint64_t old, uint64_t old_len, uint64_t new_len,
                         uint64_t flags, uint64_t new_addr)
{
    lx_lane *ln = &p->lanes[l];
    const uint64_t MAYMOVE = 1, FIXED = 2;
    if (old % PAGE || (flags & ~3ull) || ((flags & FIXED) && !(flags & MAYMOVE)) || new_len == 0)
        return -(int64_t)L_EINVAL;
    old_len = PAGE_CEIL(old_len);
    new_len = PAGE_CEIL(new_len);
    if (!in_mmap_area(p, old, old_len ? old_len : PAGE)) return -(int64_t)L_EFAULT;
    /* the old range must be one allocated range */
    uint32_t k = 0;
    while (k < ln->nmaps && !(ln->maps[k].start <= old && old < ln->maps[k].end)) k++;
    if (k == ln->nmaps || old + old_len > ln->maps[k].end) return -(int64_t)L_EFAULT;
    if (flags & FIXED) {
        if (new_addr % PAGE || !in_mmap_area(p, new_addr, new_len)) return -(int64_t)L_EINVAL;
        if (new_addr < old + old_len && old < new_addr + new_len) return -(int64_t)L_EINVAL;
        map_remove(p, l, new_addr, new_addr + new_len);
        map_add(ln, new_addr, new_addr + new_len);
        guest_move(p, l, new_addr, old, old_len < new_len ? old_len : new_len);
        prot_move(p, l, new_addr, new_len, old, old_len);
        map_remove(p, l, old, old + old_len);
        return (int64_t)new_addr;
    }
    if (new_len <= old_len) {
        map_remove(p, l, old + new_len, old + old_len);
        return (int64_t)old;
    }
    if (in_mmap_area(p, old, new_len) && map_free(ln, old + old_len, old + new_len)) {
        map_add(ln, old + old_len, old + new_len);
        prot_move(p, l, old + old_len, new_len - old_len, old + (old_len ? old_len - PAGE : 0), PAGE);
        return (int64_t)old;
    }
    if (!(flags & MAYMOVE)) return -(int64_t)L_ENOMEM;
    uint64_t at = map_find(p, ln, new_len);
    if (!at) return -(int64_t)L_ENOMEM;
    map_add(ln, at, at + new_len);
    guest_move(p, l, at, old, old_len);
    prot_move(p, l, at, new_len, old, old_len);
    map_remove(p, l, old, old + old_len);
    return (int64_t)at;
}

/* The heap is mapped, readable and writable, up to the break's page: pages
 * above it are inaccessible, as in a process. */
static int64_t do_brk(agpu_linux *p, uint32_t l, uint64_t want)
{
    lx_lane *ln = &p->lanes[l];
    if (want < p->brk_start || want > p->brk_limit) return (int64_t)ln->brk;
    uint64_t now = PAGE_CEIL(ln->brk), then = PAGE_CEIL(want);
    if (then > now && agpu_protect_lane(p->m, l, now, then - now, AGPU_PROT_READ | AGPU_PROT_WRITE))
        return (int64_t)ln->brk;
    if (then < now) {
        guest_zero(p, l, then, now - then);
        agpu_protect_lane(p->m, l, then, now - then, 0);
    }
    ln->brk = want;
    return (int64_t)want;
}

/* mprotect as Linux's do_mprotect_pkey() does it: the checks in its order,
 * then the mapped pages from start on get the permissions until a page in
 * no mapping (-ENOMEM, the pages before it changed, as on Linux). */
static int64_t do_mprotect(agpu_linux *p, uint32_t l, uint64_t start, uint64_t len, uint64_t prot)
{
    const uint64_t PROT_SEM = 8, GROWSDOWN = 0x01000000, GROWSUP = 0x02000000;
    uint64_t grows = prot & (GROWSDOWN | GROWSUP);
    prot &= ~(GROWSDOWN | GROWSUP);
    if (grows == (GROWSDOWN | GROWSUP) || start % PAGE) return -(int64_t)L_EINVAL;
    if (len == 0) return 0;
    uint64_t end = start + PAGE_CEIL(len);
    if (end <= start) return -(int64_t)L_ENOMEM;
    /* arm64's arch_validate_prot(): PROT_BTI and PROT_MTE only where
     * AT_HWCAP2 advertises them, and here it advertises neither. */
    if (prot & ~(7 | PROT_SEM)) return -(int64_t)L_EINVAL;
    if (grows) {
        uint64_t first = first_mapped(p, l, start, end);
        if (first == end || ((grows & GROWSUP) && first > start)) return -(int64_t)L_ENOMEM;
        /* Only the stack grows down, and nothing grows up on arm64. */
        if ((grows & GROWSUP) || first < p->stack_lo || first >= p->stack_hi) return -(int64_t)L_EINVAL;
        start = p->stack_lo;
    }
    agpu_machine *m = p->m;
    uint32_t want = page_prot_of(prot);
    uint64_t shared_end = agpu_shared_size(m);
    for (uint64_t a = start; a < end;) {
        uint64_t b = mapped_end(p, l, a);
        if (b == a) return -(int64_t)L_ENOMEM;
        if (b > end) b = end;
        /* Shared pages (code and read-only data) have one table for every
         * lane: a change is refused, as for a read-only file mapped shared,
         * and asking for what they have already is not a change. */
        for (; a < b && a < shared_end; a += PAGE)
            if (m->shared_prot[a / PAGE] != want) return -(int64_t)L_EACCES;
        if (a < b && agpu_protect_lane(m, l, a, b - a, want)) return -(int64_t)L_ENOMEM;
        a = b;
    }
    return 0;
}

/* ---------------------------------------------------------------- time */

static uint64_t now_ns(agpu_linux *p, uint32_t l, const a64_state *s, int64_t clk, int64_t *err)
{
    *err = 0;
    int realtime = clk == 0 || clk == 5 || clk == 8 || clk == 11;
    int cpu = clk == 2 || clk == 3;
    if (clk < 0 || clk > 11 || clk == 10 || clk == 9) {
        *err = -(int64_t)L_EINVAL;
        return 0;
    }
    if (p->cfg.host_time) {
        struct timespec ts;
        clockid_t id = realtime ? CLOCK_REALTIME : cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC;
        clock_gettime(id, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    }
    /* The virtual clock: 1 ns per retired instruction (CNTFRQ is 1 GHz and
     * CNTVCT counts instructions) plus the time slept.  Real time starts
     * at 2024-01-01T00:00:00Z, monotonic time at 1 s. */
    uint64_t t = s->icount + (cpu ? 0 : p->lanes[l].sleep_ns);
    if (realtime) return 1704067200ull * 1000000000ull + t;
    return cpu ? t : 1000000000ull + t;
}

static int64_t put_timespec(agpu_linux *p, uint32_t l, uint64_t addr, uint64_t ns, int usec)
{
    int64_t v[2] = {(int64_t)(ns / 1000000000ull), (int64_t)(ns % 1000000000ull)};
    if (usec) v[1] /= 1000;
    return guest_out(p, l, addr, v, 16) ? FAULT : 0;
}

/* Reads a timespec: its nanoseconds, or a negative errno. */
static int64_t get_timespec(agpu_linux *p, uint32_t l, uint64_t addr, uint64_t *ns)
{
    int64_t v[2];
    if (guest_in(p, l, addr, v, 16)) return FAULT;
    if (v[0] < 0 || v[1] < 0 || v[1] >= 1000000000) return -(int64_t)L_EINVAL;
    *ns = (uint64_t)v[0] > UINT64_MAX / 2000000000ull ? UINT64_MAX / 2 : (uint64_t)v[0] * 1000000000ull + (uint64_t)v[1];
    return 0;
}

/* ------------------------------------------------------------- signals */

static int sig_default_ignored(int sig)
{
    return sig == SIGCHLD_ || sig == SIGCONT_ || sig == SIGURG_ || sig == SIGWINCH_;
}

/* Delivers sig to lane l: ignored, pending while blocked, or the end of
 * the lane (handlers are recorded but never run: a caught signal ends the
 * lane as its default action would).  Returns 1 when the lane ended. */
static int raise_sig(agpu_linux *p, uint32_t l, int sig)
{
    lx_lane *ln = &p->lanes[l];
    uint64_t handler = 0;
    if (ln->sigact) memcpy(&handler, ln->sigact[sig - 1], 8);
    if (sig != SIGKILL_ && sig != SIGSTOP_) {
        if (handler == 1) return 0; /* SIG_IGN */
        if (handler == 0 && sig_default_ignored(sig)) return 0;
        if (ln->sigmask & (1ull << (sig - 1))) {
            ln->sigpending |= 1ull << (sig - 1);
            return 0;
        }
    }
    lx_end(p, l, AGPU_LINUX_SIGNALED, 128 + sig, sig);
    return 1;
}

static int deliver_pending(agpu_linux *p, uint32_t l)
{
    lx_lane *ln = &p->lanes[l];
    uint64_t ready = ln->sigpending & ~ln->sigmask;
    for (int sig = 1; sig <= 64 && ready; sig++) {
        if (!(ready & (1ull << (sig - 1)))) continue;
        ln->sigpending &= ~(1ull << (sig - 1));
        ready &= ~(1ull << (sig - 1));
        if (raise_sig(p, l, sig)) return 1;
    }
    return 0;
}

/* ------------------------------------------------------------- read/write */

static int64_t file_read(agpu_linux *p, uint32_t l, lx_file *f, uint64_t buf, uint64_t len, int64_t at)
{
    lx_lane *ln = &p->lanes[l];
    const uint8_t *src;
    size_t avail;
    switch (f->kind) {
    case LX_F_STDIN:
        if (at >= 0) return -(int64_t)L_ESPIPE;
        src = ln->in ? ln->in + ln->in_pos : NULL;
        avail = ln->in_len - ln->in_pos;
        break;
    case LX_F_MAPPED: {
        const lx_mapped *mf = &p->files[f->index];
        uint64_t pos = at >= 0 ? (uint64_t)at : f->pos;
        if (pos >= mf->len) return 0;
        src = mf->data + pos;
        avail = mf->len - (size_t)pos;
        break;
    }
    case LX_F_PIPE_R:
        if (at >= 0) return -(int64_t)L_ESPIPE;
        src = f->pipe->buf.p ? f->pipe->buf.p + f->pipe->rpos : NULL; /* nothing written yet: NULL */
        avail = f->pipe->buf.len - f->pipe->rpos;
        /* Single-threaded: an empty pipe with a writer would block forever. */
        if (!avail && f->pipe->writers) return -(int64_t)L_EAGAIN;
        break;
    default:
        return -(int64_t)L_EBADF;
    }
    size_t n = len < avail ? (size_t)len : avail;
    if (n && guest_out(p, l, buf, src, n)) return FAULT;
    if (f->kind == LX_F_STDIN) ln->in_pos += n;
    else if (f->kind == LX_F_PIPE_R) f->pipe->rpos += n;
    else if (at < 0) f->pos += n;
    return (int64_t)n;
}

static int64_t file_write(agpu_linux *p, uint32_t l, lx_file *f, uint64_t buf, uint64_t len)
{
    lx_lane *ln = &p->lanes[l];
    lx_buf *dst;
    switch (f->kind) {
    case LX_F_STDOUT: dst = &ln->out; break;
    case LX_F_STDERR: dst = &ln->err; break;
    case LX_F_PIPE_W:
        if (!f->pipe->readers) {
            raise_sig(p, l, SIGPIPE_);
            return -(int64_t)L_EPIPE;
        }
        dst = &f->pipe->buf;
        break;
    default: return -(int64_t)L_EBADF;
    }
    if (len > 0x7ffff000) len = 0x7ffff000; /* MAX_RW_COUNT */
    if (!guest_ok(p, l, buf, len, AGPU_PROT_READ)) return FAULT;
    size_t old = dst->len;
    /* grow, then copy straight from guest memory */
    if (dst->len + len > dst->cap) {
        size_t cap = dst->cap ? dst->cap : 256;
        while (cap < dst->len + len) cap *= 2;
        uint8_t *q = realloc(dst->p, cap);
        if (!q) return -(int64_t)L_ENOMEM;
        dst->p = q;
        dst->cap = cap;
    }
    if (len && agpu_read_memory(p->m, l, buf, dst->p + old, (size_t)len)) return FAULT;
    dst->len = old + (size_t)len;
    return (int64_t)len;
}

static int64_t do_iov(agpu_linux *p, uint32_t l, lx_file *f, uint64_t iov, uint64_t cnt, int writing)
{
    if (cnt > 1024) return -(int64_t)L_EINVAL;
    int64_t total = 0;
    for (uint64_t i = 0; i < cnt; i++) {
        uint64_t v[2];
        if (guest_in(p, l, iov + 16 * i, v, 16)) return total ? total : FAULT;
        if (v[1] > 0x7fffffffffffffffull) return -(int64_t)L_EINVAL;
        if (!v[1]) continue;
        int64_t r = writing ? file_write(p, l, f, v[0], v[1]) : file_read(p, l, f, v[0], v[1], -1);
        if (r < 0) return total ? total : r;
        total += r;
        if ((uint64_t)r < v[1]) break;
        if (p->lanes[l].status != AGPU_LINUX_RUNNING) break;
    }
    return total;
}

/* ----------------------------------------------------------------- names */

static const char *const names[] = {
    [17] = "getcwd", [23] = "dup", [24] = "dup3", [25] = "fcntl", [29] = "ioctl", [34] = "mkdirat",
    [35] = "unlinkat", [48] = "faccessat", [49] = "chdir", [56] = "openat", [57] = "close",
    [59] = "pipe2", [61] = "getdents64", [62] = "lseek", [63] = "read", [64] = "write", [65] = "readv",
    [66] = "writev", [67] = "pread64", [68] = "pwrite64", [73] = "ppoll", [78] = "readlinkat",
    [79] = "newfstatat", [80] = "fstat", [93] = "exit", [94] = "exit_group", [96] = "set_tid_address",
    [98] = "futex", [99] = "set_robust_list", [101] = "nanosleep", [113] = "clock_gettime",
    [114] = "clock_getres", [115] = "clock_nanosleep", [122] = "sched_setaffinity",
    [123] = "sched_getaffinity", [124] = "sched_yield", [129] = "kill", [130] = "tkill",
    [131] = "tgkill", [132] = "sigaltstack", [134] = "rt_sigaction", [135] = "rt_sigprocmask",
    [139] = "rt_sigreturn", [160] = "uname", [163] = "getrlimit", [164] = "setrlimit",
    [165] = "getrusage", [166] = "umask", [167] = "prctl", [169] = "gettimeofday", [172] = "getpid",
    [173] = "getppid", [174] = "getuid", [175] = "geteuid", [176] = "getgid", [177] = "getegid",
    [178] = "gettid", [179] = "sysinfo", [198] = "socket", [214] = "brk", [215] = "munmap",
    [216] = "mremap", [220] = "clone", [221] = "execve", [222] = "mmap", [226] = "mprotect",
    [227] = "msync", [233] = "madvise", [260] = "wait4", [261] = "prlimit64", [278] = "getrandom",
    [279] = "memfd_create", [291] = "statx", [293] = "rseq", [435] = "clone3",
};

const char *agpu_linux_syscall_name(uint32_t nr)
{
    return nr < sizeof names / sizeof names[0] ? names[nr] : NULL;
}

/* --------------------------------------------------------------- dispatch */

#define RET(v) do { ret = (int64_t)(v); goto done; } while (0)

int lx_syscall(agpu_linux *p, uint32_t l, a64_state *s)
{
    lx_lane *ln = &p->lanes[l];
    uint64_t nr = s->r[8], a0 = s->r[0], a1 = s->r[1], a2 = s->r[2], a3 = s->r[3], a4 = s->r[4],
             a5 = s->r[5];
    int64_t ret = -(int64_t)L_ENOSYS;
    uint32_t slot = nr < LX_NR_MAX ? (uint32_t)nr : LX_NR_MAX;
    p->stats[slot]++;
    ln->syscalls++;
    p->known[slot] = 1;
    lx_file *f;
    switch (nr) {
    case 63: /* read */
        if (!(f = fd_get(ln, a0))) RET(-L_EBADF);
        RET(file_read(p, l, f, a1, a2, -1));
    case 67: /* pread64 */
        if (!(f = fd_get(ln, a0))) RET(-L_EBADF);
        if ((int64_t)a3 < 0) RET(-L_EINVAL);
        if (f->kind != LX_F_MAPPED) RET(f->kind == LX_F_STDOUT || f->kind == LX_F_STDERR ? -L_EBADF : -L_ESPIPE);
        RET(file_read(p, l, f, a1, a2, (int64_t)a3));
    case 64: /* write */
        if (!(f = fd_get(ln, a0))) RET(-L_EBADF);
        RET(file_write(p, l, f, a1, a2));
    case 65: /* readv */
    case 66: /* writev */
        if (!(f = fd_get(ln, a0))) RET(-L_EBADF);
        RET(do_iov(p, l, f, a1, a2, nr == 66));
    case 62: { /* lseek */
        if (!(f = fd_get(ln, a0))) RET(-L_EBADF);
        if (f->kind != LX_F_MAPPED) RET(-L_ESPIPE);
        int64_t base = a2 == 0 ? 0 : a2 == 1 ? (int64_t)f->pos : a2 == 2 ? (int64_t)p->files[f->index].len : -1;
        if (a2 > 2) RET(-L_EINVAL);
        if ((int64_t)a1 > 0 && base > INT64_MAX - (int64_t)a1) RET(-L_EINVAL); /* past any offset */
        int64_t pos = base + (int64_t)a1;
        if (pos < 0) RET(-L_EINVAL);
        f->pos = (uint64_t)pos;
        RET(pos);
    }
    case 57: /* close */
        if (!(f = fd_get(ln, a0))) RET(-L_EBADF);
        ln->fds[a0].f = NULL;
        file_put(f);
        RET(0);
    case 56: { /* openat */
        char path[4096];
        int64_t r = guest_str(p, l, a1, path, sizeof path);
        if (r) RET(r);
        if (!path[0]) RET(-L_ENOENT);
        int mi = find_mapped(p, path);
        uint64_t acc = a2 & 3;
        if (mi < 0) RET((a2 & 0100) ? -L_EACCES : -L_ENOENT); /* O_CREAT: no host files to create */
        if (acc != 0 || (a2 & 01000)) RET(-L_EROFS);           /* writing, O_TRUNC */
        if (a2 & 0200000) RET(-L_ENOTDIR);                      /* O_DIRECTORY */
        lx_file *nf = file_new(LX_F_MAPPED);
        if (!nf) RET(-L_ENOMEM);
        nf->index = (uint32_t)mi;
        nf->flags = (uint32_t)a2;
        int64_t fd = fd_install(ln, 0, nf, (a2 & 02000000) != 0);
        if (fd < 0) free(nf);
        RET(fd);
    }
    case 48: { /* faccessat */
        char path[4096];
        int64_t r = guest_str(p, l, a1, path, sizeof path);
        if (r) RET(r);
        if (find_mapped(p, path) < 0) RET(-L_ENOENT);
        RET((a2 & 2) ? -L_EROFS : (a2 & 1) ? -L_EACCES : 0);
    }
    case 79: /* newfstatat */
    case 80: { /* fstat */
        uint8_t st[128];
        uint64_t buf = nr == 80 ? a1 : a2;
        int mi = -1;
        if (nr == 79) {
            char path[4096];
            int64_t r = guest_str(p, l, a1, path, sizeof path);
            if (r) RET(r);
            if (path[0] || !(a3 & 0x1000)) { /* AT_EMPTY_PATH */
                if ((mi = find_mapped(p, path)) < 0) RET(-L_ENOENT);
                fill_stat(p, NULL, mi, st);
                RET(guest_out(p, l, buf, st, 128) ? FAULT : 0);
            }
        }
        if (!(f = fd_get(ln, nr == 80 ? a0 : a0))) RET(-L_EBADF);
        fill_stat(p, f, f->kind == LX_F_MAPPED ? (int)f->index : -1, st);
        RET(guest_out(p, l, buf, st, 128) ? FAULT : 0);
    }
    case 29: /* ioctl: no terminals here (TCGETS, TIOCGWINSZ and the rest) */
        if (!fd_get(ln, a0)) RET(-L_EBADF);
        RET(-L_ENOTTY);
    case 25: { /* fcntl */
        if (!(f = fd_get(ln, a0))) RET(-L_EBADF);
        switch (a1) {
        case 0: case 1030: /* F_DUPFD, F_DUPFD_CLOEXEC */
            if (a2 >= NOFILE) RET(-L_EINVAL);
            RET(fd_install(ln, a2, f, a1 == 1030));
        case 1: RET(ln->fds[a0].cloexec ? 1 : 0); /* F_GETFD */
        case 2: ln->fds[a0].cloexec = (a2 & 1) != 0; RET(0);
        case 3: /* F_GETFL */
            RET(f->kind == LX_F_STDIN || f->kind == LX_F_PIPE_R || f->kind == LX_F_MAPPED ? 0 : 1);
        case 4: RET(0); /* F_SETFL */
        default: RET(-L_EINVAL);
        }
    }
    case 23: /* dup */
        if (!(f = fd_get(ln, a0))) RET(-L_EBADF);
        RET(fd_install(ln, 0, f, 0));
    case 24: { /* dup3 */
        if (!(f = fd_get(ln, a0))) RET(-L_EBADF);
        if (a0 == a1 || (a2 & ~02000000ull)) RET(-L_EINVAL);
        if (a1 >= NOFILE) RET(-L_EBADF);
        while (a1 >= ln->nfds)
            if (fd_alloc(ln, ln->nfds) < 0) RET(-L_ENOMEM);
        lx_file *old = ln->fds[a1].f;
        ln->fds[a1].f = f;
        ln->fds[a1].cloexec = (a2 & 02000000) != 0;
        f->refs++;
        file_put(old);
        RET(a1);
    }
    case 59: { /* pipe2 */
        if (a1 & ~(02000000ull | 04000ull | 040000ull)) RET(-L_EINVAL);
        if (!guest_ok(p, l, a0, 8, AGPU_PROT_WRITE)) RET(-L_EFAULT);
        lx_pipe *pp = calloc(1, sizeof *pp);
        lx_file *r = file_new(LX_F_PIPE_R), *w = file_new(LX_F_PIPE_W);
        if (!pp || !r || !w) {
            free(pp), free(r), free(w);
            RET(-L_ENOMEM);
        }
        r->pipe = w->pipe = pp;
        pp->readers = pp->writers = 1;
        int64_t fr = fd_install(ln, 0, r, (a1 & 02000000) != 0);
        if (fr < 0) {
            free(pp), free(r), free(w);
            RET(fr);
        }
        int64_t fw = fd_install(ln, 0, w, (a1 & 02000000) != 0);
        if (fw < 0) {
            ln->fds[fr].f = NULL;
            free(pp), free(r), free(w);
            RET(fw);
        }
        int32_t fds[2] = {(int32_t)fr, (int32_t)fw};
        guest_out(p, l, a0, fds, 8);
        RET(0);
    }
    case 61: /* getdents64 */
        if (!fd_get(ln, a0)) RET(-L_EBADF);
        RET(-L_ENOTDIR);
    case 17: { /* getcwd: the working directory is "/" */
        if (a1 < 2) RET(-L_ERANGE);
        RET(guest_out(p, l, a0, "/", 2) ? FAULT : 2);
    }
    case 49: RET(-L_ENOENT); /* chdir */
    case 78: { /* readlinkat */
        char path[4096];
        int64_t r = guest_str(p, l, a1, path, sizeof path);
        if (r) RET(r);
        if (strcmp(path, "/proc/self/exe") != 0) RET(find_mapped(p, path) >= 0 ? -L_EINVAL : -L_ENOENT);
        if ((int64_t)a3 <= 0) RET(-L_EINVAL);
        size_t n = strlen(p->self_exe);
        if (n > a3) n = (size_t)a3;
        RET(guest_out(p, l, a2, p->self_exe, n) ? FAULT : (int64_t)n);
    }

    case 93: /* exit */
    case 94: /* exit_group */
        lx_end(p, l, AGPU_LINUX_EXITED, (int)(a0 & 0xff), 0);
        return 0;

    case 96: RET(LANE_PID(l)); /* set_tid_address */
    case 99: RET(a1 == 24 ? 0 : -L_EINVAL); /* set_robust_list */
    case 293: RET(-L_ENOSYS); /* rseq: glibc goes on without it */
    case 98: { /* futex, one thread: nobody else can wake or be woken */
        uint64_t op = a1 & 0x7f;
        if (op == 0 || op == 9) { /* FUTEX_WAIT, FUTEX_WAIT_BITSET */
            uint32_t v;
            if (guest_in(p, l, a0, &v, 4)) RET(FAULT);
            if (v != (uint32_t)a2) RET(-L_EAGAIN);
            RET(a3 ? -L_ETIMEDOUT : -L_EINTR);
        }
        RET(0);
    }
    case 172: case 178: RET(LANE_PID(l)); /* getpid, gettid */
    case 173: RET(1);                     /* getppid */
    case 174: case 175: case 176: case 177: RET(0); /* root, as in a container */
    case 166: RET(022); /* umask */
    case 167: /* prctl */
        if (a0 == 15) { /* PR_SET_NAME */
            char name[16];
            for (int i = 0; i < 16; i++) {
                if (guest_in(p, l, a1 + (uint64_t)i, &name[i], 1)) RET(FAULT);
                if (!name[i]) break;
            }
            name[15] = 0;
            memcpy(ln->name, name, 16);
            RET(0);
        }
        if (a0 == 16) RET(guest_out(p, l, a1, ln->name, 16) ? FAULT : 0); /* PR_GET_NAME */
        if (a0 == 0x53564d41) RET(0); /* PR_SET_VMA: names of anonymous maps */
        RET(-L_EINVAL);
    case 163: /* getrlimit */
    case 261: { /* prlimit64 */
        uint64_t res = nr == 163 ? a0 : a1, out = nr == 163 ? a1 : a3;
        if (nr == 261 && a0 != 0 && (int64_t)a0 != LANE_PID(l)) RET(-L_ESRCH);
        if (res > 15) RET(-L_EINVAL);
        uint64_t v[2] = {UINT64_MAX, UINT64_MAX};
        if (res == 3) v[0] = p->stack_hi - p->stack_lo;                /* RLIMIT_STACK */
        if (res == 7) v[0] = NOFILE, v[1] = 4096;                      /* RLIMIT_NOFILE */
        if (res == 4) v[0] = 0;                                        /* RLIMIT_CORE */
        if (out && guest_out(p, l, out, v, 16)) RET(FAULT);
        RET(0);
    }
    case 164: RET(0); /* setrlimit: recorded nowhere */
    case 160: { /* uname: a fixed identity (docs/linux.md) */
        char u[6][65];
        memset(u, 0, sizeof u);
        strcpy(u[0], "Linux");
        strcpy(u[1], "armgpu");
        strcpy(u[2], "6.1.0-armgpu");
        strcpy(u[3], "#1 SMP PREEMPT libarmgpu");
        strcpy(u[4], "aarch64");
        strcpy(u[5], "(none)");
        RET(guest_out(p, l, a0, u, sizeof u) ? FAULT : 0);
    }
    case 179: { /* sysinfo */
        uint8_t si[112];
        memset(si, 0, sizeof si);
        uint64_t up = (s->icount + ln->sleep_ns) / 1000000000ull + 1, total = agpu_private_size(p->m);
        uint64_t free_ = p->mmap_hi - p->mmap_lo;
        uint16_t procs = 1;
        uint32_t unit = 1;
        memcpy(si, &up, 8);
        memcpy(si + 32, &total, 8);
        memcpy(si + 40, &free_, 8);
        memcpy(si + 80, &procs, 2);
        memcpy(si + 104, &unit, 4);
        RET(guest_out(p, l, a0, si, sizeof si) ? FAULT : 0);
    }
    case 165: { /* getrusage: user time is the virtual CPU time */
        uint8_t ru[144];
        memset(ru, 0, sizeof ru);
        int64_t tv[2] = {(int64_t)(s->icount / 1000000000ull), (int64_t)(s->icount % 1000000000ull / 1000)};
        memcpy(ru, tv, 16);
        RET(guest_out(p, l, a1, ru, sizeof ru) ? FAULT : 0);
    }

    case 214: RET(do_brk(p, l, a0)); /* brk */
    case 222: RET(do_mmap(p, l, a0, a1, a2, a3, (int64_t)a4, a5)); /* mmap */
    case 215: /* munmap */
        if (a0 % PAGE || a1 == 0) RET(-L_EINVAL);
        if (in_mmap_area(p, a0, PAGE_CEIL(a1))) map_remove(p, l, a0, a0 + PAGE_CEIL(a1));
        RET(0);
    case 216: RET(do_mremap(p, l, a0, a1, a2, a3, a4)); /* mremap */
    case 226: RET(do_mprotect(p, l, a0, a1, a2)); /* mprotect */
    case 227: RET(a0 % PAGE ? -L_EINVAL : 0); /* msync */
    case 233: /* madvise */
        if (a0 % PAGE) RET(-L_EINVAL);
        if (a2 == 4 && in_mmap_area(p, a0, PAGE_CEIL(a1))) /* MADV_DONTNEED: zero-fill again */
            for (uint32_t k = 0; k < ln->nmaps; k++) {
                uint64_t a = ln->maps[k].start > a0 ? ln->maps[k].start : a0;
                uint64_t b = ln->maps[k].end < a0 + PAGE_CEIL(a1) ? ln->maps[k].end : a0 + PAGE_CEIL(a1);
                if (a < b) guest_zero(p, l, a, b - a);
            }
        RET(0);

    case 278: { /* getrandom: the lane's deterministic stream */
        if (a2 & ~7ull) RET(-L_EINVAL);
        if (a1 > 33554431) a1 = 33554431;
        if (!guest_ok(p, l, a0, a1, AGPU_PROT_WRITE)) RET(FAULT);
        uint8_t buf[4096];
        for (uint64_t done = 0; done < a1;) {
            size_t n = a1 - done < sizeof buf ? (size_t)(a1 - done) : sizeof buf;
            for (size_t i = 0; i < n; i += 8) {
                uint64_t r = lx_rand(&ln->rng);
                memcpy(buf + i, &r, n - i < 8 ? n - i : 8);
            }
            agpu_write_memory(p->m, l, a0 + done, buf, n);
            done += n;
        }
        RET(a1);
    }
    case 113: { /* clock_gettime */
        int64_t err;
        uint64_t ns = now_ns(p, l, s, (int64_t)a0, &err);
        if (err) RET(err);
        RET(put_timespec(p, l, a1, ns, 0));
    }
    case 114: { /* clock_getres */
        int64_t err;
        now_ns(p, l, s, (int64_t)a0, &err);
        if (err) RET(err);
        RET(a1 ? put_timespec(p, l, a1, 1, 0) : 0);
    }
    case 169: { /* gettimeofday */
        int64_t err;
        if (a0 && (ret = put_timespec(p, l, a0, now_ns(p, l, s, 0, &err), 1))) goto done;
        uint32_t tz[2] = {0, 0};
        if (a1 && guest_out(p, l, a1, tz, 8)) RET(FAULT);
        RET(0);
    }
    case 101: /* nanosleep */
    case 115: { /* clock_nanosleep */
        uint64_t req = nr == 101 ? a0 : a2, ns;
        int64_t r = get_timespec(p, l, req, &ns), err = 0;
        if (r) RET(r);
        if (nr == 115) {
            uint64_t now = now_ns(p, l, s, (int64_t)a0, &err);
            if (err || a0 == 2 || a0 == 3) RET(err ? err : -L_EINVAL);
            if (a1 & 1) ns = ns > now ? ns - now : 0; /* TIMER_ABSTIME */
        }
        if (p->cfg.host_time) {
            struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
            nanosleep(&ts, NULL);
        } else {
            ln->sleep_ns += ns;
        }
        RET(0);
    }
    case 124: RET(0); /* sched_yield */
    case 123: { /* sched_getaffinity: one CPU */
        if (a1 < 8 || a1 % 8) RET(-L_EINVAL);
        uint64_t mask = 1;
        RET(guest_out(p, l, a2, &mask, 8) ? FAULT : 8);
    }
    case 122: RET(0); /* sched_setaffinity */

    case 134: { /* rt_sigaction */
        if (a3 != 8) RET(-L_EINVAL);
        if (a0 < 1 || a0 > 64 || (a1 && (a0 == SIGKILL_ || a0 == SIGSTOP_))) RET(-L_EINVAL);
        uint8_t act[32];
        if (a1 && guest_in(p, l, a1, act, 32)) RET(FAULT);
        if (a2) {
            uint8_t old[32] = {0};
            if (ln->sigact) memcpy(old, ln->sigact[a0 - 1], 32);
            if (guest_out(p, l, a2, old, 32)) RET(FAULT);
        }
        if (a1) {
            if (!ln->sigact && !(ln->sigact = calloc(64, 32))) RET(-L_ENOMEM);
            memcpy(ln->sigact[a0 - 1], act, 32);
        }
        RET(0);
    }
    case 135: { /* rt_sigprocmask */
        if (a3 != 8) RET(-L_EINVAL);
        uint64_t set = 0;
        if (a1) {
            if (a0 > 2) RET(-L_EINVAL);
            if (guest_in(p, l, a1, &set, 8)) RET(FAULT);
        }
        if (a2 && guest_out(p, l, a2, &ln->sigmask, 8)) RET(FAULT);
        if (a1) {
            if (a0 == 0) ln->sigmask |= set;
            else if (a0 == 1) ln->sigmask &= ~set;
            else ln->sigmask = set;
            ln->sigmask &= ~((1ull << (SIGKILL_ - 1)) | (1ull << (SIGSTOP_ - 1)));
        }
        s->r[0] = 0;
        if (deliver_pending(p, l)) return 0;
        RET(0);
    }
    case 132: { /* sigaltstack: recorded */
        if (a1) {
            uint64_t old[3] = {ln->altstack[0], ln->altstack[1] ? ln->altstack[1] : 2 /* SS_DISABLE */,
                               ln->altstack[2]};
            if (guest_out(p, l, a1, old, 24)) RET(FAULT);
        }
        if (a0) {
            uint64_t ss[3];
            if (guest_in(p, l, a0, ss, 24)) RET(FAULT);
            ln->altstack[0] = ss[0], ln->altstack[1] = ss[1] & 0xffffffff, ln->altstack[2] = ss[2];
        }
        RET(0);
    }
    case 129: /* kill */
    case 130: /* tkill */
    case 131: { /* tgkill */
        int64_t pid = LANE_PID(l);
        uint64_t sig = nr == 131 ? a2 : a1;
        int self = nr == 129 ? ((int64_t)a0 == pid || a0 == 0 || (int64_t)a0 == -1 || (int64_t)a0 == -pid)
                 : nr == 130 ? (int64_t)a0 == pid
                             : ((int64_t)a0 == pid && (int64_t)a1 == pid);
        if (sig > 64) RET(-L_EINVAL);
        if (!self) RET(-L_ESRCH);
        if (sig == 0) RET(0);
        s->r[0] = 0;
        if (raise_sig(p, l, (int)sig)) return 0;
        RET(0);
    }

    default:
        /* not emulated: -ENOSYS, and counted as unknown for --stats */
        p->known[slot] = 0;
        s->r[0] = (uint64_t)-(int64_t)L_ENOSYS;
        return 1;
    }
done:
    s->r[0] = (uint64_t)ret;
    return 1;
}

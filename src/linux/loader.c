/*
 * loader.c - static AArch64 ELF programs: the checks, the guest memory
 * layout, and process start as Linux's binfmt_elf does it.
 *
 * Layout (guest addresses):
 *   [0, shared_end)          shared region: the read-only and executable
 *                            segments, with their permissions; pages no
 *                            segment covers (page 0 among them) get none
 *   [priv_base, data_end)    private: the writable segments (data, bss)
 *   [brk_start, brk_limit)   private: the brk heap
 *   [mmap_lo, mmap_hi)       private: anonymous and file mmaps, top down
 *   [stack_lo, stack_hi)     private: the stack, argv/envp/auxv at its top
 * When a read-only segment lies above a writable one, everything is
 * private (shared_end = 0), with the same per-page permissions.  Private
 * pages no segment covers, heap pages above a lane's break and mmap pages
 * the lane has not mapped are inaccessible to it: each lane's permissions
 * are its own (agpu_protect_lane).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linux.h"

#define EM_AARCH64 183
#define ET_EXEC 2
#define ET_DYN 3
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

#define PAGE AGPU_PAGE_SIZE
#define PAGE_FLOOR(x) ((x) & ~(uint64_t)(PAGE - 1))
#define PAGE_CEIL(x) (((x) + PAGE - 1) & ~(uint64_t)(PAGE - 1))

/* Static-PIE programs are placed here, as low as an ET_EXEC usually is. */
#define PIE_BASE 0x400000ull
/* The highest guest address a segment may reach: the shared region starts
 * at 0 and is allocated whole, so a program linked far up is refused. */
#define MAX_IMAGE_END (1ull << 32)

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static const char *machine_name(uint16_t m)
{
    switch (m) {
    case 3: return "x86 (i386)";
    case 8: return "MIPS";
    case 20: return "PowerPC";
    case 21: return "PowerPC64";
    case 22: return "S/390";
    case 40: return "32-bit ARM";
    case 62: return "x86-64";
    case 243: return "RISC-V";
    case 258: return "LoongArch";
    default: return "not AArch64";
    }
}

#define BAD(...) (snprintf(why, why_len, __VA_ARGS__), AGPU_ERR_INVALID_ARGUMENT)

int lx_parse_elf(const uint8_t *d, size_t len, lx_image *img, char *why, size_t why_len)
{
    memset(img, 0, sizeof *img);
    img->data = d;
    img->len = len;
    if (len < 4 || memcmp(d, "\177ELF", 4) != 0)
        return BAD("not an ELF file (no \\177ELF magic)");
    if (len < 64) return BAD("truncated ELF file: %zu bytes, shorter than the 64-byte ELF64 header", len);
    if (d[4] == 1) return BAD("32-bit ELF (ELFCLASS32): only 64-bit AArch64 programs run");
    if (d[4] != 2) return BAD("bad ELF class %u (ELFCLASS64 is 2)", d[4]);
    if (d[5] != 1) return BAD("big-endian or bad ELF data encoding %u: only little-endian AArch64 runs", d[5]);
    if (d[6] != 1) return BAD("bad ELF version %u", d[6]);
    uint16_t type = rd16(d + 16), mach = rd16(d + 18);
    if (mach != EM_AARCH64) return BAD("ELF machine %u (%s): only AArch64 (183) programs run", mach, machine_name(mach));
    if (type != ET_EXEC && type != ET_DYN)
        return BAD("ELF type %u is not an executable (ET_EXEC 2 or static-PIE ET_DYN 3)", type);
    if (rd32(d + 20) != 1) return BAD("bad ELF e_version %u", rd32(d + 20));
    uint64_t entry = rd64(d + 24), phoff = rd64(d + 32);
    uint16_t phentsize = rd16(d + 54), phnum = rd16(d + 56);
    if (phnum == 0) return BAD("no program headers (e_phnum 0): nothing to load");
    if (phnum == 0xffff) return BAD("e_phnum 0xffff (PN_XNUM) is not supported");
    if (phentsize != 56) return BAD("program header size %u is not 56", phentsize);
    if (phoff > len || (uint64_t)phnum * 56 > len - phoff)
        return BAD("truncated ELF file: %u program headers at offset %llu run past its %zu bytes", phnum,
                   (unsigned long long)phoff, len);
    img->type = type;
    img->phoff = phoff;
    img->phnum = phnum;
    img->phentsize = phentsize;

    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + (uint64_t)i * 56;
        uint32_t pt = rd32(ph);
        if (pt == PT_INTERP) {
            uint64_t off = rd64(ph + 8), sz = rd64(ph + 32);
            char interp[128] = "?";
            if (off < len && sz <= len - off && sz > 0) {
                size_t n = sz < sizeof interp ? (size_t)sz : sizeof interp - 1;
                memcpy(interp, d + off, n);
                interp[n] = 0;
                /* the message stays one printable line, whatever the file holds */
                for (size_t c = 0; c < n; c++)
                    if ((unsigned char)interp[c] < 0x20 || interp[c] == 0x7f) interp[c] = '?';
            }
            return BAD("dynamically linked (PT_INTERP %s): only static programs run "
                       "(link with -static)", interp);
        }
        if (pt != PT_LOAD) continue;
        uint32_t flags = rd32(ph + 4);
        uint64_t off = rd64(ph + 8), va = rd64(ph + 16), filesz = rd64(ph + 32), memsz = rd64(ph + 40);
        if (img->nseg == LX_MAX_SEGS) return BAD("more than %d PT_LOAD segments", LX_MAX_SEGS);
        if (filesz && (off > len || filesz > len - off))
            return BAD("truncated ELF file: segment %u wants bytes [%llu, +%llu) of a %zu-byte file", i,
                       (unsigned long long)off, (unsigned long long)filesz, len);
        if (filesz > memsz)
            return BAD("segment %u: file size %llu larger than memory size %llu", i,
                       (unsigned long long)filesz, (unsigned long long)memsz);
        if (memsz == 0) continue;
        if (va > MAX_IMAGE_END || memsz > MAX_IMAGE_END - va)
            return BAD("segment %u at 0x%llx of %llu bytes reaches past 0x%llx, the highest address "
                       "loaded", i, (unsigned long long)va, (unsigned long long)memsz,
                       (unsigned long long)MAX_IMAGE_END);
        if (img->nseg && va < img->seg[img->nseg - 1].vaddr + img->seg[img->nseg - 1].memsz)
            return BAD("segment %u at 0x%llx overlaps or precedes the one before it", i,
                       (unsigned long long)va);
        lx_seg *s = &img->seg[img->nseg++];
        s->vaddr = va;
        s->memsz = memsz;
        s->offset = off;
        s->filesz = filesz;
        s->flags = flags & (PF_R | PF_W | PF_X);
        if (va < lo) lo = va;
        if (va + memsz > hi) hi = va + memsz;
    }
    if (img->nseg == 0) return BAD("no loadable segment (PT_LOAD)");
    img->bias = 0;
    if (type == ET_DYN) img->bias = PIE_BASE - PAGE_FLOOR(lo);
    if (type == ET_EXEC && lo < PAGE)
        return BAD("segment at 0x%llx: the first page stays unmapped, so nothing may load below 0x%x",
                   (unsigned long long)lo, PAGE);
    if (hi + img->bias > MAX_IMAGE_END)
        return BAD("image ends at 0x%llx, past 0x%llx", (unsigned long long)(hi + img->bias),
                   (unsigned long long)MAX_IMAGE_END);
    int entry_ok = 0;
    for (uint32_t i = 0; i < img->nseg; i++) {
        lx_seg *s = &img->seg[i];
        if (entry >= s->vaddr && entry - s->vaddr < s->memsz && (s->flags & PF_X)) entry_ok = 1;
        if (phoff >= s->offset && phoff - s->offset < s->filesz &&
            (uint64_t)phnum * 56 <= s->filesz - (phoff - s->offset))
            img->phdr_vaddr = s->vaddr + (phoff - s->offset) + img->bias;
        s->vaddr += img->bias;
    }
    if (!entry_ok) return BAD("entry point 0x%llx is not in an executable segment", (unsigned long long)entry);
    if (entry & 3) return BAD("entry point 0x%llx is not 4-byte aligned", (unsigned long long)entry);
    img->entry = entry + img->bias;
    return AGPU_OK;
}

/* ------------------------------------------------------------ hwcaps */

/* Linux's arm64 hwcap bits (arch/arm64/include/uapi/asm/hwcap.h), each with
 * one instruction of the feature: the bit is advertised only when this
 * build executes it.  Encodings from aarch64-linux-gnu-as. */
static const struct { int word; uint64_t bit; uint32_t insn; const char *text; } probes[] = {
    {1, 1ull << 0, 0x9e670000u, "fmov d0, x0"},                  /* HWCAP_FP      */
    {1, 1ull << 1, 0x4e208400u, "add v0.16b, v0.16b, v0.16b"},  /* HWCAP_ASIMD   */
    {1, 1ull << 7, 0x1ac04000u, "crc32b w0, w0, w0"},            /* HWCAP_CRC32   */
    {1, 1ull << 8, 0xf8200020u, "ldadd x0, x0, [x1]"},           /* HWCAP_ATOMICS */
    {1, 1ull << 15, 0xf8bfc020u, "ldapr x0, [x1]"},              /* HWCAP_LRCPC   */
    {1, 1ull << 16, 0xd50b7c21u, "dc cvap, x1"},                 /* HWCAP_DCPOP   */
    {1, 1ull << 27, 0xd500401fu, "cfinv"},                       /* HWCAP_FLAGM   */
};

void agpu_linux_hwcaps(uint64_t *hwcap, uint64_t *hwcap2)
{
    uint64_t h = 0, h2 = 0;
    agpu_config c;
    agpu_config_init(&c);
    c.shared_size = PAGE;
    c.backend = AGPU_BACKEND_CPU;
    c.num_threads = 1;
    agpu_machine *m = NULL;
    if (agpu_create(&c, &m) == AGPU_OK) {
        for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
            uint32_t code[2] = {probes[i].insn, 0xd4400000u /* hlt #0 */};
            agpu_lane_result r;
            if (agpu_load(m, 0, code, sizeof code) || agpu_set_reg(m, 0, AGPU_REG_PC, 0) ||
                agpu_set_reg(m, 0, AGPU_REG_X0 + 1, 0x800) || agpu_execute(m, 4, &r))
                break;
            if (r.stop.reason == AGPU_STOP_HALT && r.pc == 4) {
                if (probes[i].word == 1) h |= probes[i].bit;
                else h2 |= probes[i].bit;
            }
        }
        agpu_destroy(m);
    }
    if (hwcap) *hwcap = h;
    if (hwcap2) *hwcap2 = h2;
}

/* ------------------------------------------------------------ layout */

/* Fills the config for p->img and the private layout fields of p. */
static int layout(agpu_linux *p, agpu_config *c)
{
    const lx_image *img = &p->img;
    uint64_t ro_hi = 0, rw_lo = UINT64_MAX, rw_hi = 0, lo = UINT64_MAX;
    for (uint32_t i = 0; i < img->nseg; i++) {
        const lx_seg *s = &img->seg[i];
        if (s->vaddr < lo) lo = s->vaddr;
        if (s->flags & PF_W) {
            if (s->vaddr < rw_lo) rw_lo = s->vaddr;
            if (s->vaddr + s->memsz > rw_hi) rw_hi = s->vaddr + s->memsz;
        } else if (s->vaddr + s->memsz > ro_hi) {
            ro_hi = s->vaddr + s->memsz;
        }
    }
    uint64_t shared_end, priv_base;
    if (rw_lo == UINT64_MAX) { /* nothing writable */
        shared_end = PAGE_CEIL(ro_hi);
        priv_base = shared_end;
        rw_hi = priv_base;
    } else if (PAGE_CEIL(ro_hi) <= PAGE_FLOOR(rw_lo)) {
        shared_end = PAGE_CEIL(ro_hi);
        priv_base = PAGE_FLOOR(rw_lo);
    } else { /* interleaved: all private */
        shared_end = 0;
        priv_base = PAGE_FLOOR(lo);
        if (rw_hi < ro_hi) rw_hi = ro_hi;
    }
    const agpu_linux_config *k = &p->cfg;
    /* Sizes not given share a budget over the lanes: half the host's memory
     * (at most 64 GiB; the cpu backend touches only what lanes use) or
     * 16 GiB of GPU memory, a quarter to the heap, five eighths to mmap and
     * an eighth to the stack, each between a floor and Linux-like caps. */
    uint64_t budget = 16ull << 30;
    if (k->backend == AGPU_BACKEND_CPU ||
        (k->backend == AGPU_BACKEND_AUTO && agpu_backend_available(AGPU_BACKEND_CUDA, NULL, 0) != AGPU_OK)) {
        long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
        budget = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz / 2 : 8ull << 30;
        if (budget > (64ull << 30)) budget = 64ull << 30;
    }
    uint64_t per = budget / k->num_lanes;
#define SHARE(num, den, lo, hi) PAGE_CEIL(per / (den) * (num) < (lo) ? (lo) : per / (den) * (num) > (hi) ? (hi) : per / (den) * (num))
    uint64_t heap = k->heap_size ? PAGE_CEIL(k->heap_size) : SHARE(2, 8, 1ull << 20, 64ull << 20);
    uint64_t mm = k->mmap_size ? PAGE_CEIL(k->mmap_size) : SHARE(5, 8, 2ull << 20, 256ull << 20);
    uint64_t stack = k->stack_size ? PAGE_CEIL(k->stack_size) : SHARE(1, 8, 256ull << 10, 8ull << 20);
#undef SHARE
    if (heap > (1ull << 36) || mm > (1ull << 36) || stack > (1ull << 34))
        return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT,
                         "heap %llu, mmap %llu or stack %llu bytes too large (64 GiB, 64 GiB, 16 GiB at most)",
                         (unsigned long long)heap, (unsigned long long)mm, (unsigned long long)stack);
    p->priv_base = priv_base;
    p->data_end = rw_hi;
    p->brk_start = PAGE_CEIL(rw_hi);
    p->brk_limit = p->brk_start + heap;
    /* One unmapped-in-spirit guard page between areas keeps a runaway heap
     * from reading as the mmap area's first page. */
    p->mmap_lo = p->brk_limit + PAGE;
    p->mmap_hi = p->mmap_lo + mm;
    p->stack_lo = p->mmap_hi + PAGE;
    p->stack_hi = p->stack_lo + stack;
    agpu_config_init(c);
    c->num_lanes = k->num_lanes;
    c->backend = k->backend;
    c->num_threads = k->num_threads;
    c->shared_size = shared_end;
    c->private_base = priv_base;
    c->private_size = p->stack_hi - priv_base;
    return AGPU_OK;
}

static uint32_t seg_prot(uint32_t f)
{
    return ((f & PF_R) ? AGPU_PROT_READ : 0) | ((f & PF_W) ? AGPU_PROT_WRITE : 0) |
           ((f & PF_X) ? AGPU_PROT_EXEC : 0);
}

/* The union of the permissions of the segments touching page pg. */
static uint32_t page_prot(const lx_image *img, uint64_t pg)
{
    uint32_t prot = 0;
    for (uint32_t i = 0; i < img->nseg; i++)
        if (img->seg[i].vaddr < pg + PAGE && img->seg[i].vaddr + img->seg[i].memsz > pg)
            prot |= seg_prot(img->seg[i].flags);
    return prot;
}

/* Loads the segments and sets the page permissions. */
static int place(agpu_linux *p)
{
    agpu_machine *m = p->m;
    const lx_image *img = &p->img;
    uint64_t shared_end = agpu_shared_size(m);
    int rc;
    if (shared_end && (rc = agpu_protect(m, 0, shared_end, 0))) return rc;
    /* The private region: nothing is accessible until something maps it,
     * as in a process: the stack now, the segments below, the heap and mmap
     * pages as each lane's brk and mmap calls map them for that lane alone
     * (syscalls.c). */
    if ((rc = agpu_protect(m, p->priv_base, agpu_private_size(m), 0)) ||
        (rc = agpu_protect(m, p->stack_lo, p->stack_hi - p->stack_lo, AGPU_PROT_READ | AGPU_PROT_WRITE)))
        return rc;
    for (uint32_t i = 0; i < img->nseg; i++) {
        const lx_seg *s = &img->seg[i];
        if (s->filesz && (rc = agpu_load(m, s->vaddr, img->data + s->offset, (size_t)s->filesz))) return rc;
        uint64_t a = PAGE_FLOOR(s->vaddr), b = PAGE_CEIL(s->vaddr + s->memsz);
        if ((rc = agpu_protect(m, a, b - a, seg_prot(s->flags)))) return rc;
        /* A page two segments share gets the union of their permissions. */
        if ((rc = agpu_protect(m, a, PAGE, page_prot(img, a)))) return rc;
        if ((rc = agpu_protect(m, b - PAGE, PAGE, page_prot(img, b - PAGE)))) return rc;
    }
    return AGPU_OK;
}

/* ------------------------------------------------------------ stack */

typedef struct stk {
    uint8_t *buf; /* host image of [lo, hi) */
    uint64_t lo, hi, sp;
    int overflow;
} stk;

static uint64_t push_bytes(stk *k, const void *p, size_t n)
{
    if (k->sp - k->lo < n) {
        k->overflow = 1;
        return k->sp;
    }
    k->sp -= n;
    memcpy(k->buf + (k->sp - k->lo), p, n);
    return k->sp;
}

static uint64_t push_str(stk *k, const char *s) { return push_bytes(k, s, strlen(s) + 1); }

static size_t count(char **v)
{
    size_t n = 0;
    while (v && v[n]) n++;
    return n;
}

enum {
    AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
    AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15,
    AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31,
    AT_MINSIGSTKSZ = 51
};

/* Builds lane l's initial stack as create_elf_tables() in the kernel's
 * fs/binfmt_elf.c does: at the top the file name, then the environment
 * and argument strings, the platform string, the 16 AT_RANDOM bytes, then
 * (16-byte aligned) argc, argv[], NULL, envp[], NULL, auxv pairs. */
static int build_stack(agpu_linux *p, uint32_t l, uint64_t *sp_out)
{
    lx_lane *ln = &p->lanes[l];
    char **argv = ln->argv ? ln->argv : p->argv, **envp = ln->envp ? ln->envp : p->envp;
    size_t argc = count(argv), envc = count(envp);
    /* Strings and tables must fit in the top 1/4 of the stack. */
    uint64_t room = (p->stack_hi - p->stack_lo) / 4;
    stk k = {NULL, p->stack_hi - room, p->stack_hi, p->stack_hi, 0};
    k.buf = malloc(room);
    if (!k.buf) return agpu_fail(p->m, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate a %llu-byte stack image",
                                 (unsigned long long)room);
    k.sp -= 8; /* the kernel leaves a NULL word at the very top */
    memset(k.buf + (k.sp - k.lo), 0, 8);
    uint64_t execfn = push_str(&k, p->exe_path);
    uint64_t *envp_a = malloc((envc + 1) * sizeof *envp_a), *argv_a = malloc((argc + 1) * sizeof *argv_a);
    if (!envp_a || !argv_a) {
        free(envp_a), free(argv_a), free(k.buf);
        return agpu_fail(p->m, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate argument tables");
    }
    for (size_t i = envc; i-- > 0;) envp_a[i] = push_str(&k, envp[i]);
    for (size_t i = argc; i-- > 0;) argv_a[i] = push_str(&k, argv[i]);
    k.sp &= ~15ull;
    uint64_t platform = push_str(&k, "aarch64");
    uint8_t rnd[16];
    uint64_t st = p->cfg.seed ^ (0x9e3779b97f4a7c15ull * ((uint64_t)l + 1));
    uint64_t r0 = lx_rand(&st), r1 = lx_rand(&st);
    memcpy(rnd, &r0, 8), memcpy(rnd + 8, &r1, 8);
    uint64_t random = push_bytes(&k, rnd, 16);
    uint64_t phdr = p->img.phdr_vaddr;
    if (!phdr) phdr = push_bytes(&k, p->img.data + p->img.phoff, (size_t)p->img.phnum * 56);
    uint64_t aux[][2] = {
        {AT_MINSIGSTKSZ, 4224}, /* arm64's ARCH_DLINFO, less AT_SYSINFO_EHDR: no vDSO */
        {AT_HWCAP, p->hwcap}, {AT_PAGESZ, PAGE}, {AT_CLKTCK, 100}, {AT_PHDR, phdr},
        {AT_PHENT, 56}, {AT_PHNUM, p->img.phnum}, {AT_BASE, 0}, {AT_FLAGS, 0},
        {AT_ENTRY, p->img.entry}, {AT_UID, 0}, {AT_EUID, 0}, {AT_GID, 0}, {AT_EGID, 0},
        {AT_SECURE, 0}, {AT_RANDOM, random}, {AT_HWCAP2, p->hwcap2}, {AT_EXECFN, execfn},
        {AT_PLATFORM, platform}, {AT_NULL, 0},
    };
    size_t naux = sizeof aux / sizeof aux[0];
    size_t words = 1 + argc + 1 + envc + 1 + 2 * naux;
    k.sp = (k.sp - words * 8) & ~15ull;
    uint64_t sp = k.sp;
    if (k.sp < k.lo || k.sp - k.lo < words * 8) k.overflow = 1;
    if (!k.overflow) {
        uint8_t *w = k.buf + (sp - k.lo);
        uint64_t v = argc;
        memcpy(w, &v, 8), w += 8;
        for (size_t i = 0; i < argc; i++) memcpy(w, &argv_a[i], 8), w += 8;
        memset(w, 0, 8), w += 8;
        for (size_t i = 0; i < envc; i++) memcpy(w, &envp_a[i], 8), w += 8;
        memset(w, 0, 8), w += 8;
        memcpy(w, aux, naux * 16);
    }
    free(envp_a), free(argv_a);
    int rc = AGPU_OK;
    if (k.overflow)
        rc = agpu_fail(p->m, AGPU_ERR_INVALID_ARGUMENT,
                       "lane %u: arguments and environment do not fit in %llu bytes of stack", l,
                       (unsigned long long)room);
    else
        rc = agpu_write_memory(p->m, l, sp, k.buf + (sp - k.lo), (size_t)(k.hi - sp));
    free(k.buf);
    *sp_out = sp;
    return rc;
}

int lx_start(agpu_linux *p)
{
    int rc = place(p);
    if (rc) return rc;
    agpu_linux_hwcaps(&p->hwcap, &p->hwcap2);
    for (uint32_t l = 0; l < p->nlanes; l++) {
        lx_lane *ln = &p->lanes[l];
        uint64_t sp = 0;
        if ((rc = build_stack(p, l, &sp))) return rc;
        ln->brk = p->brk_start;
        ln->rng = p->cfg.seed ^ (0xd1b54a32d192ed03ull * ((uint64_t)l + 7));
        if ((rc = lx_open_stdio(p, l))) return rc;
        a64_state s;
        if ((rc = p->m->ops->read_state(p->m, l, 1, &s))) return rc;
        memset(s.r, 0, sizeof s.r);
        s.r[31] = sp;
        s.pc = p->img.entry;
        s.nzcv = 0;
        s.tpidr = 0;
        if ((rc = p->m->ops->write_state(p->m, l, 1, &s))) return rc;
    }
    return AGPU_OK;
}

/* ------------------------------------------------------------ creation */

void agpu_linux_config_init(agpu_linux_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->num_lanes = 1;
    cfg->backend = AGPU_BACKEND_AUTO;
}

static char **dup_strv(const char *const *v)
{
    size_t n = 0;
    while (v[n]) n++;
    char **out = calloc(n + 1, sizeof *out);
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!(out[i] = strdup(v[i]))) {
            for (size_t j = 0; j < i; j++) free(out[j]);
            free(out);
            return NULL;
        }
    }
    return out;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++) free(v[i]);
    free(v);
}

int agpu_linux_create(const void *elf, size_t len, const char *exe_path, const agpu_linux_config *cfg,
                      agpu_linux **out)
{
    if (!out) return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!elf || !cfg) return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "elf or cfg is NULL");
    if (!exe_path) exe_path = "/program";
    if (strlen(exe_path) > 4095)
        return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "program path longer than 4095 bytes");
    if (cfg->num_lanes < 1 || cfg->num_lanes > AGPU_MAX_LANES)
        return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "num_lanes %u out of range (1 to %u)",
                         cfg->num_lanes, AGPU_MAX_LANES);
    agpu_linux *p = calloc(1, sizeof *p);
    if (!p) return agpu_fail(NULL, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate a program");
    p->cfg = *cfg;
    p->nlanes = cfg->num_lanes;
    p->elf = malloc(len ? len : 1);
    p->exe_path = strdup(exe_path);
    p->self_exe = exe_path[0] == '/' ? strdup(exe_path) : lx_normalize_path(exe_path);
    p->lanes = calloc(p->nlanes, sizeof *p->lanes);
    const char *argv0[] = {exe_path, NULL}, *env0[] = {NULL};
    p->argv = dup_strv(argv0);
    p->envp = dup_strv(env0);
    if (!p->elf || !p->exe_path || !p->self_exe || !p->lanes || !p->argv || !p->envp) {
        agpu_linux_destroy(p);
        return agpu_fail(NULL, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate a program for %u lanes", cfg->num_lanes);
    }
    memcpy(p->elf, elf, len);
    p->elf_len = len;
    char why[256];
    int rc = lx_parse_elf(p->elf, len, &p->img, why, sizeof why);
    if (rc) {
        agpu_linux_destroy(p);
        return agpu_fail(NULL, rc, "%s: %s", exe_path, why);
    }
    agpu_config c;
    if ((rc = layout(p, &c))) {
        agpu_linux_destroy(p);
        return rc;
    }
    if ((rc = agpu_create(&c, &p->m))) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", agpu_last_error(NULL));
        agpu_linux_destroy(p);
        return agpu_fail(NULL, rc, "%s: %s", exe_path, msg);
    }
    *out = p;
    return AGPU_OK;
}

int agpu_linux_create_file(const char *path, const agpu_linux_config *cfg, agpu_linux **out)
{
    if (out) *out = NULL;
    if (!path) return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f) return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "%s: %s", path, strerror(errno));
    lx_buf b = {0};
    uint8_t chunk[65536];
    size_t n;
    int rc = AGPU_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (lx_buf_append(&b, chunk, n)) {
            rc = agpu_fail(NULL, AGPU_ERR_OUT_OF_MEMORY, "%s: file too large to read", path);
            break;
        }
    }
    if (!rc && ferror(f)) rc = agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "%s: read error", path);
    fclose(f);
    if (!rc) rc = agpu_linux_create(b.p ? b.p : (const uint8_t *)"", b.len, path, cfg, out);
    /* /proc/self/exe names the file itself, whatever path reached it */
    char *real = rc ? NULL : realpath(path, NULL);
    if (real) {
        free((*out)->self_exe);
        (*out)->self_exe = real;
    }
    free(b.p);
    return rc;
}

void agpu_linux_destroy(agpu_linux *p)
{
    if (!p) return;
    for (uint32_t l = 0; p->lanes && l < p->nlanes; l++) lx_lane_free(&p->lanes[l]);
    free(p->lanes);
    for (uint32_t i = 0; i < p->nfiles; i++) free(p->files[i].guest), free(p->files[i].data);
    free(p->files);
    free_strv(p->argv);
    free_strv(p->envp);
    free(p->exe_path);
    free(p->self_exe);
    free(p->elf);
    agpu_destroy(p->m);
    free(p);
}

agpu_machine *agpu_linux_machine(agpu_linux *p) { return p ? p->m : NULL; }

#define CHECK_P(p) \
    do { \
        if (!(p)) return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "program is NULL"); \
    } while (0)

static int check_setup(agpu_linux *p, uint32_t lane, const char *what)
{
    if (p->started)
        return agpu_fail(p->m, AGPU_ERR_STATE, "%s: the program has started; set it before agpu_linux_run", what);
    if (lane != AGPU_ALL_LANES && lane >= p->nlanes)
        return agpu_fail(p->m, AGPU_ERR_LANE_RANGE, "lane %u out of range (program has %u lanes)", lane, p->nlanes);
    return AGPU_OK;
}

static int set_strv(agpu_linux *p, uint32_t lane, const char *const *v, int env)
{
    CHECK_P(p);
    int rc = check_setup(p, lane, env ? "environment" : "arguments");
    if (rc) return rc;
    if (!v) return agpu_fail(p->m, AGPU_ERR_INVALID_ARGUMENT, "%s array is NULL", env ? "envp" : "argv");
    char **c = dup_strv(v);
    if (!c) return agpu_fail(p->m, AGPU_ERR_OUT_OF_MEMORY, "cannot copy the strings");
    if (lane == AGPU_ALL_LANES) {
        for (uint32_t l = 0; l < p->nlanes; l++) {
            char ***slot = env ? &p->lanes[l].envp : &p->lanes[l].argv;
            free_strv(*slot);
            *slot = NULL;
        }
        char ***slot = env ? &p->envp : &p->argv;
        free_strv(*slot);
        *slot = c;
    } else {
        char ***slot = env ? &p->lanes[lane].envp : &p->lanes[lane].argv;
        free_strv(*slot);
        *slot = c;
    }
    return AGPU_OK;
}

int agpu_linux_set_args(agpu_linux *p, uint32_t lane, const char *const *argv) { return set_strv(p, lane, argv, 0); }
int agpu_linux_set_env(agpu_linux *p, uint32_t lane, const char *const *envp) { return set_strv(p, lane, envp, 1); }

int agpu_linux_set_stdin(agpu_linux *p, uint32_t lane, const void *data, size_t len)
{
    CHECK_P(p);
    int rc = check_setup(p, lane, "stdin");
    if (rc) return rc;
    if (!data && len) return agpu_fail(p->m, AGPU_ERR_INVALID_ARGUMENT, "stdin data is NULL");
    uint32_t a = lane == AGPU_ALL_LANES ? 0 : lane, b = lane == AGPU_ALL_LANES ? p->nlanes : lane + 1;
    for (uint32_t l = a; l < b; l++) {
        uint8_t *c = malloc(len ? len : 1);
        if (!c) return agpu_fail(p->m, AGPU_ERR_OUT_OF_MEMORY, "cannot copy %zu bytes of stdin", len);
        if (len) memcpy(c, data, len);
        free(p->lanes[l].in);
        p->lanes[l].in = c;
        p->lanes[l].in_len = len;
    }
    return AGPU_OK;
}

int agpu_linux_map_data(agpu_linux *p, const char *guest_path, const void *data, size_t len)
{
    CHECK_P(p);
    if (!guest_path || !*guest_path || (!data && len))
        return agpu_fail(p->m, AGPU_ERR_INVALID_ARGUMENT, "guest path empty or data NULL");
    char *g = lx_normalize_path(guest_path);
    uint8_t *c = malloc(len ? len : 1);
    lx_mapped *f = realloc(p->files, (p->nfiles + 1) * sizeof *f);
    if (!g || !c || !f) {
        free(g), free(c);
        if (f) p->files = f;
        return agpu_fail(p->m, AGPU_ERR_OUT_OF_MEMORY, "cannot map %zu bytes at %s", len, guest_path);
    }
    p->files = f;
    if (len) memcpy(c, data, len);
    for (uint32_t i = 0; i < p->nfiles; i++) {
        if (strcmp(p->files[i].guest, g) == 0) { /* a later mapping replaces an earlier one */
            free(p->files[i].data), free(g);
            p->files[i].data = c;
            p->files[i].len = len;
            return AGPU_OK;
        }
    }
    p->files[p->nfiles].guest = g;
    p->files[p->nfiles].data = c;
    p->files[p->nfiles].len = len;
    p->nfiles++;
    return AGPU_OK;
}

int agpu_linux_map_file(agpu_linux *p, const char *guest_path, const char *host_path)
{
    CHECK_P(p);
    if (!host_path) return agpu_fail(p->m, AGPU_ERR_INVALID_ARGUMENT, "host path is NULL");
    FILE *f = fopen(host_path, "rb");
    if (!f) return agpu_fail(p->m, AGPU_ERR_INVALID_ARGUMENT, "cannot map %s: %s", host_path, strerror(errno));
    lx_buf b = {0};
    uint8_t chunk[65536];
    size_t n;
    int rc = AGPU_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (lx_buf_append(&b, chunk, n)) {
            rc = agpu_fail(p->m, AGPU_ERR_OUT_OF_MEMORY, "cannot map %s: out of memory", host_path);
            break;
        }
    if (!rc && ferror(f)) rc = agpu_fail(p->m, AGPU_ERR_INVALID_ARGUMENT, "cannot map %s: read error", host_path);
    fclose(f);
    if (!rc) rc = agpu_linux_map_data(p, guest_path, b.p ? b.p : (const uint8_t *)"", b.len);
    free(b.p);
    return rc;
}

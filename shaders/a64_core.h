/*
 * a64_core.h - lane state and guest memory, shared by every backend.
 *
 * This header and a64_exec.h are the one source of A64 semantics
 * (DESIGN decision 1).  They are plain C11 that also compiles as CUDA C++:
 * fixed-width types, static inline functions, no libc beyond memcpy on the
 * host, no heap, no recursion, no function pointers.  A backend includes
 * a64_exec.h after defining nothing: what differs between host and device
 * (qualifiers, atomics, fences, unaligned loads) is chosen here by
 * __CUDACC__ / __CUDA_ARCH__.
 */
#ifndef A64_CORE_H
#define A64_CORE_H

#include <stdint.h>
#include "armgpu.h"

#if defined(__CUDACC__)
#define AGPU_FN static __host__ __device__ __forceinline__
#else
#define AGPU_FN static inline
#include <string.h>
#endif

/* For large, rarely hot code (the SIMD&FP executor): kept out of line so its
 * register demand does not lower the occupancy of the integer path. */
#if defined(__CUDACC__)
#define AGPU_COLD_FN static __host__ __device__ __noinline__
#elif defined(__GNUC__)
#define AGPU_COLD_FN static __attribute__((noinline, unused))
#else
#define AGPU_COLD_FN static
#endif

/* --------------------------------------------------------------- lane state */

/* r[0..30] are X0-X30, r[31] is SP and r[32] is always zero: reading
 * register 31 as XZR indexes r[32] without a branch, and X0..X30,SP sit
 * contiguously so the host can view them as one array per lane. */
typedef struct a64_state {
    uint64_t r[33];
    uint64_t pc;
    uint64_t nzcv;       /* N,Z,C,V in bits 31..28, as MRS NZCV reads it */
    uint64_t tpidr;      /* TPIDR_EL0 */
    uint64_t fpcr;
    uint64_t fpsr;
    uint64_t icount;     /* instructions retired since creation */
    /* Exclusive monitor: the address, size and value LDXR/LDXP saw.  A store
     * exclusive succeeds only if memory still holds that value, which makes
     * it atomic against other lanes (the approach QEMU takes). */
    uint64_t excl_addr;
    uint64_t excl_lo;
    uint64_t excl_hi;
    uint32_t excl_size;  /* bytes; 0 when the monitor is open */
    uint32_t pad;
    agpu_stop stop;
    /* The last data page a64_translate passed, for the run in progress only
     * (a64_run_ex clears it: permissions cannot change during a run, but
     * can between runs): its guest address with the page's AGPU_PROT_*
     * bits in the low bits (0: empty), and host minus guest address. */
    uint64_t dpage;
    uint64_t dpage_delta;
    /* V0-V31, 128 bits each: v[n][0] holds bits 63..0, v[n][1] bits 127..64
     * (B, H, S and D views are the low bytes, little-endian as in memory). */
    uint64_t v[32][2];
} a64_state;

#define A64_FPCR_MASK 0x07C80000ull /* AHP, DN, FZ, RMode, FZ16: the writable bits */
#define A64_FPSR_MASK 0x0800009Full /* QC and the cumulative exception flags */
#define A64_CNTFRQ 1000000000ull    /* CNTVCT_EL0 ticks once per retired instruction */

/* The general-purpose registers r[0..32] of a64_state, through A64_GPR(s, n).
 * With A64_GPU_SHARED_REGS defined, the cuda kernel keeps them in shared
 * memory instead, laid out [register][thread] (a warp's accesses to one
 * register hit 32 distinct banks); the kernel copies them in and out of the
 * lane's a64_state around a64_run.  The rest of the state then has no
 * indexed member the GPU code touches, so it can live in registers. */
#if defined(__CUDA_ARCH__) && defined(A64_GPU_SHARED_REGS)
#define A64_GPU_BLOCK 128
__shared__ uint64_t a64_gpr_sh[33 * A64_GPU_BLOCK];
#define A64_GPR(s, n) (a64_gpr_sh[(uint32_t)(n) * A64_GPU_BLOCK + threadIdx.x])
#else
#define A64_GPR(s, n) ((s)->r[n])
#endif

/* --------------------------------------------------------------- guest memory */

#define A64_PAGE_SHIFT 12

/* The memory one lane sees: the shared region at guest address 0 and, when
 * priv_size != 0, its private region at priv_base.  Permissions are one byte
 * per page (AGPU_PROT_* bits).  shared_prot is one table for all lanes;
 * priv_prot is this lane's own row of the lanes x pages table, so that one
 * lane's mprotect leaves the others alone: each backend points it there
 * before running the lane. */
typedef struct a64_mem {
    uint8_t *shared;
    uint64_t shared_size;
    const uint8_t *shared_prot;
    uint64_t priv_base;
    uint64_t priv_size;
    const uint8_t *priv_prot;
} a64_mem;

/* Points a copy of the machine's view (priv_prot: the whole lanes x pages
 * table) at lane l's own row of private permissions, before running lane l. */
AGPU_FN void a64_mem_for_lane(a64_mem *m, uint32_t l)
{
    m->priv_prot += (size_t)l * (m->priv_size >> A64_PAGE_SHIFT);
}

AGPU_FN void a64_set_fault(a64_state *s, uint64_t addr, uint32_t access, uint32_t cause)
{
    s->stop.reason = AGPU_STOP_FAULT;
    s->stop.access = access;
    s->stop.cause = cause;
    s->stop.address = addr;
}

/* The host pointer for guest bytes [va, va+size), or NULL after recording a
 * fault when any byte is outside the lane's memory or on a page lacking
 * `need`.  An access may straddle two pages of one region but never two
 * regions, as no real mapping lies between them. */
AGPU_FN uint8_t *a64_translate(a64_state *s, const a64_mem *m, uint8_t *priv, uint64_t va,
                               uint64_t size, uint32_t need, uint32_t access)
{
    const uint64_t in_page = ((uint64_t)1 << A64_PAGE_SHIFT) - 1;
    /* A data access inside the page passed last needs no translation: one
     * compare instead of the region tests and a load of the page's
     * permissions (on the GPU the most of a load or store step). */
    if (access != AGPU_ACCESS_FETCH && ((va ^ s->dpage) & ~in_page) == 0 &&
        (s->dpage & need) == need && (va & in_page) + size <= in_page + 1)
        return (uint8_t *)(uintptr_t)(va + s->dpage_delta);
    uint8_t *base;
    const uint8_t *prot;
    uint64_t off, region_start;
    if (va < m->shared_size) {
        if (size > m->shared_size - va) {
            a64_set_fault(s, m->shared_size, access, AGPU_FAULT_UNMAPPED);
            return 0;
        }
        base = m->shared;
        prot = m->shared_prot;
        off = va;
        region_start = 0;
    } else if (va - m->priv_base < m->priv_size) {
        off = va - m->priv_base;
        if (size > m->priv_size - off) {
            a64_set_fault(s, m->priv_base + m->priv_size, access, AGPU_FAULT_UNMAPPED);
            return 0;
        }
        base = priv;
        prot = m->priv_prot;
        region_start = m->priv_base;
    } else {
        a64_set_fault(s, va, access, AGPU_FAULT_UNMAPPED);
        return 0;
    }
    {
        uint64_t pg = off >> A64_PAGE_SHIFT, last = (off + size - 1) >> A64_PAGE_SHIFT;
        for (; pg <= last; pg++) {
            if ((prot[pg] & need) != need) {
                uint64_t first = pg << A64_PAGE_SHIFT;
                a64_set_fault(s, region_start + (first > off ? first : off), access,
                              AGPU_FAULT_PERMISSION);
                return 0;
            }
        }
    }
    if (access != AGPU_ACCESS_FETCH && (off & in_page) + size <= in_page + 1) {
        s->dpage = (va & ~in_page) | prot[off >> A64_PAGE_SHIFT];
        s->dpage_delta = (uint64_t)(uintptr_t)(base + off) - va;
    }
    return base + off;
}

/* a64_translate for a data access: a load (load != 0) needs read
 * permission and faults as a read, a store needs write and faults as a
 * write. */
AGPU_FN uint8_t *a64_translate_data(a64_state *s, const a64_mem *m, uint8_t *priv, uint64_t va,
                                    uint64_t size, uint32_t load)
{
    return a64_translate(s, m, priv, va, size, load ? AGPU_PROT_READ : AGPU_PROT_WRITE,
                         load ? AGPU_ACCESS_READ : AGPU_ACCESS_WRITE);
}

/* ------------------------------------------------ loads, stores and atomics */

/* An instruction fetch: p is 4-byte aligned.  On the GPU a plain load, which
 * L1 may serve: a lane's own stores update what it fetches next, and another
 * lane's code writes become visible after the fences a guest must execute
 * anyway (its DMB/DSB, then ISB on the fetching side, see a64_isb).
 * A64_GPU_VOLATILE_FETCH=1 restores the L2 round trip (measurements only). */
AGPU_FN uint32_t a64_fetch32(const uint8_t *p)
{
#if defined(__CUDA_ARCH__)
#if defined(A64_GPU_VOLATILE_FETCH) && A64_GPU_VOLATILE_FETCH
    return *(const volatile uint32_t *)p;
#else
    return *(const uint32_t *)p;
#endif
#else
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
#endif
}

AGPU_FN uint64_t a64_load_le(const uint8_t *p, uint32_t size)
{
#if defined(__CUDA_ARCH__)
    /* The GPU faults on misaligned wide loads: only aligned ones go wide. */
    if (((uintptr_t)p & (size - 1)) == 0) {
        switch (size) {
        case 1: return *p;
        case 2: return *(const uint16_t *)p;
        case 4: return *(const volatile uint32_t *)p;
        default: return *(const volatile uint64_t *)p;
        }
    }
    {
        uint64_t v = 0;
        for (uint32_t i = 0; i < size; i++) v |= (uint64_t)p[i] << (8 * i);
        return v;
    }
#else
    switch (size) {
    case 1: return *p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
#endif
}

AGPU_FN void a64_store_le(uint8_t *p, uint32_t size, uint64_t v)
{
#if defined(__CUDA_ARCH__)
    if (((uintptr_t)p & (size - 1)) == 0) {
        switch (size) {
        case 1: *p = (uint8_t)v; return;
        case 2: *(uint16_t *)p = (uint16_t)v; return;
        case 4: *(volatile uint32_t *)p = (uint32_t)v; return;
        default: *(volatile uint64_t *)p = v; return;
        }
    }
    for (uint32_t i = 0; i < size; i++) p[i] = (uint8_t)(v >> (8 * i));
#else
    switch (size) {
    case 1: *p = (uint8_t)v; break;
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
#endif
}

/* Compare-and-swap primitives: return the value found at p. */
AGPU_FN uint32_t a64_cas32(uint32_t *p, uint32_t expected, uint32_t desired)
{
#if defined(__CUDA_ARCH__)
    return atomicCAS((unsigned int *)p, expected, desired);
#else
    __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return expected;
#endif
}

AGPU_FN uint64_t a64_cas64(uint64_t *p, uint64_t expected, uint64_t desired)
{
#if defined(__CUDA_ARCH__)
    return atomicCAS((unsigned long long *)p, (unsigned long long)expected,
                     (unsigned long long)desired);
#else
    __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return expected;
#endif
}

/* 16-byte compare-and-swap for CASP and store-exclusive pairs; p is 16-byte
 * aligned.  Returns 1 when it swapped; *lo, *hi receive the old value. */
AGPU_FN int a64_cas128(uint64_t *p, uint64_t exp_lo, uint64_t exp_hi, uint64_t new_lo,
                       uint64_t new_hi, uint64_t *lo, uint64_t *hi)
{
#if defined(__CUDA_ARCH__)
#if __CUDA_ARCH__ >= 900
    typedef struct __align__(16) { unsigned long long lo, hi; } pair128;
    pair128 e = {exp_lo, exp_hi}, d = {new_lo, new_hi};
    pair128 old = atomicCAS((pair128 *)p, e, d);
    *lo = old.lo;
    *hi = old.hi;
    return old.lo == exp_lo && old.hi == exp_hi;
#else
    /* Pre-Hopper GPUs have no 16-byte CAS: swap the low half, then the high;
     * not atomic against another lane's pair on the same address. */
    uint64_t ol = a64_cas64(p, exp_lo, exp_lo);
    uint64_t oh = a64_cas64(p + 1, exp_hi, exp_hi);
    *lo = ol;
    *hi = oh;
    if (ol != exp_lo || oh != exp_hi) return 0;
    p[0] = new_lo;
    p[1] = new_hi;
    return 1;
#endif
#else
    /* libatomic serves 16-byte CAS with cmpxchg16b where the host has it. */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Watomic-alignment"
#endif
    unsigned __int128 e = ((unsigned __int128)exp_hi << 64) | exp_lo;
    unsigned __int128 d = ((unsigned __int128)new_hi << 64) | new_lo;
    int ok = __atomic_compare_exchange((unsigned __int128 *)p, &e, &d, 0, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST);
    *lo = (uint64_t)e;
    *hi = (uint64_t)(e >> 64);
    return ok;
#if defined(__clang__)
#pragma clang diagnostic pop
#endif
#endif
}

/* Barriers: DMB/DSB and the ordering of acquire/release accesses. */
AGPU_FN void a64_fence(void)
{
#if defined(__CUDA_ARCH__)
    __threadfence();
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* ISB: later fetches see code that other lanes wrote before their barriers.
 * The host's caches are coherent with its fetch path (a64_fetch32 is a
 * load); on the GPU a fence discards L1 lines that plain fetches may hold. */
AGPU_FN void a64_isb(void)
{
#if defined(__CUDA_ARCH__)
    __threadfence();
#endif
}

/* Atomically replaces the `size` bytes at p (1, 2, 4 or 8, naturally
 * aligned) by new_v if they hold cmp_v; returns the old bytes.  1- and 2-byte
 * swaps go through the aligned word that holds them, as GPUs have no
 * narrower CAS. */
AGPU_FN uint64_t a64_cas_sized(uint8_t *p, uint32_t size, uint64_t cmp_v, uint64_t new_v)
{
    if (size == 8) return a64_cas64((uint64_t *)p, cmp_v, new_v);
    if (size == 4) return a64_cas32((uint32_t *)p, (uint32_t)cmp_v, (uint32_t)new_v);
    {
        uint32_t *w = (uint32_t *)((uintptr_t)p & ~(uintptr_t)3);
        uint32_t shift = (uint32_t)((uintptr_t)p & 3) * 8;
        uint32_t mask = (size == 1 ? 0xffu : 0xffffu) << shift;
        uint32_t cur = *(volatile uint32_t *)w;
        for (;;) {
            uint32_t old_part = (cur & mask) >> shift;
            if (old_part != (uint32_t)cmp_v) return old_part;
            uint32_t want = (cur & ~mask) | (((uint32_t)new_v << shift) & mask);
            uint32_t seen = a64_cas32(w, cur, want);
            if (seen == cur) return old_part;
            cur = seen;
        }
    }
}

#endif /* A64_CORE_H */

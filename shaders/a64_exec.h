/*
 * a64_exec.h - the A64 semantics: one instruction, then a run loop.
 *
 * Every instruction's behaviour is written here once and compiled for each
 * backend (see a64_core.h).  Helpers carry the names of the Arm Architecture
 * Reference Manual's pseudocode (AddWithCarry, DecodeBitMasks, ShiftReg,
 * ExtendReg, ConditionHolds) so code and manual can be read side by side.
 * Encodings are matched by the decoder generated from a64.decode; a64_exec()
 * extracts the fields, rejects the values the manual calls unallocated, and
 * carries the instruction out.  A faulting instruction changes nothing: every
 * access is translated (and so checked) before any register or memory is
 * written.
 */
#ifndef A64_EXEC_H
#define A64_EXEC_H

#include "a64_core.h"
#include "a64_decode_gen.h"

/* A64 continues with the next instruction; anything else is a stop reason. */
#define A64_CONTINUE 0u
/* Returned, never recorded as a stop, by a run without the SIMD&FP executor
 * (a64_run_ex with fpsimd = 0: the cuda backend's integer kernel) when it
 * meets an instruction only the full executor knows.  Nothing has changed;
 * the caller runs the lane on with the full executor. */
#define A64_NEED_FULL 0xfffffffeu
/* Returned, never recorded, by the cuda backend's translated code
 * (a64_jit.h) at an instruction it does not hold, or whose word in memory
 * is no longer the one translated: nothing of that instruction has run, and
 * the interpreter runs the lane on from there. */
#define A64_NEED_INTERP 0xfffffffdu

/* ------------------------------------------------------------ bit helpers */

AGPU_FN uint64_t a64_bits(uint32_t insn, int hi, int lo)
{
    return (insn >> lo) & ((1u << (hi - lo + 1)) - 1u);
}

AGPU_FN int64_t a64_sext(uint64_t v, int bits)
{
    return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

AGPU_FN uint64_t a64_ones(int n) { return n >= 64 ? ~0ull : ((1ull << n) - 1); }
/* a64_ones(datasize) for sf: a select, where a64_ones would build the mask
 * with variable shifts on the GPU. */
AGPU_FN uint64_t a64_dmask(int sf) { return sf ? ~0ull : 0xffffffffull; }

AGPU_FN uint64_t a64_ror(uint64_t v, int amount, int width)
{
    uint64_t m = a64_ones(width);
    amount %= width;
    v &= m;
    if (amount == 0) return v;
    return ((v >> amount) | (v << (width - amount))) & m;
}

AGPU_FN int a64_clz64(uint64_t v)
{
#if defined(__CUDA_ARCH__)
    return __clzll((long long)v);
#else
    return v ? __builtin_clzll(v) : 64;
#endif
}

/* High 64 bits of the unsigned 128-bit product, without a 128-bit type. */
AGPU_FN uint64_t a64_umulh(uint64_t a, uint64_t b)
{
#if defined(__CUDA_ARCH__)
    return __umul64hi(a, b);
#else
    uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

AGPU_FN uint64_t a64_smulh(uint64_t a, uint64_t b)
{
    uint64_t h = a64_umulh(a, b);
    if ((int64_t)a < 0) h -= b;
    if ((int64_t)b < 0) h -= a;
    return h;
}

/* ------------------------------------------------------------- registers */

AGPU_FN uint64_t X(const a64_state *s, uint32_t n) { return A64_GPR(s, n + (n == 31)); }      /* 31 = XZR */
AGPU_FN uint64_t XSP(const a64_state *s, uint32_t n) { return A64_GPR(s, n); }                /* 31 = SP  */
AGPU_FN void set_X(a64_state *s, uint32_t n, uint64_t v) { if (n != 31) A64_GPR(s, n) = v; }  /* 31 = XZR */
AGPU_FN void set_XSP(a64_state *s, uint32_t n, uint64_t v) { A64_GPR(s, n) = v; }             /* 31 = SP  */

/* Writes a result of datasize bits: 32-bit results zero-extend. */
AGPU_FN void set_Xd(a64_state *s, uint32_t n, uint64_t v, int sf)
{
    set_X(s, n, sf ? v : (v & 0xffffffffu));
}
AGPU_FN void set_XSPd(a64_state *s, uint32_t n, uint64_t v, int sf)
{
    set_XSP(s, n, sf ? v : (v & 0xffffffffu));
}

/* ------------------------------------------------------ pseudocode helpers */

/* AddWithCarry()'s flags, in bits 31..28, for the sum r = x + y + carry_in
 * (of which only the low 32 bits count when sf = 0).  Apart from the sum so
 * that ADD and SUB without S never compute them: the GPU kernel computed
 * them for every ADD and dropped them (docs/cuda.md).  Carry out of the top
 * bit comes from the operands' and the result's top bits; each width in its
 * own arithmetic (no masks to build). */
AGPU_FN uint64_t a64_add_flags(uint64_t x, uint64_t y, uint64_t r, int sf)
{
    if (sf) {
        uint64_t c = ((x & y) | ((x | y) & ~r)) >> 63;
        uint64_t v = ((x ^ r) & (y ^ r)) >> 63;
        return ((r >> 63) << 31) | ((uint64_t)(r == 0) << 30) | (c << 29) | (v << 28);
    }
    uint32_t a = (uint32_t)x, b = (uint32_t)y, r32 = (uint32_t)r;
    uint32_t c = ((a & b) | ((a | b) & ~r32)) >> 31;
    uint32_t v = ((a ^ r32) & (b ^ r32)) >> 31;
    return (uint64_t)(((r32 >> 31) << 31) | ((uint32_t)(r32 == 0) << 30) | (c << 29) | (v << 28));
}

/* AddWithCarry(): the sum (zero-extended from 32 bits when sf = 0) and, in
 * *nzcv, its flags. */
AGPU_FN uint64_t AddWithCarry(uint64_t x, uint64_t y, uint64_t carry_in, int sf, uint64_t *nzcv)
{
    uint64_t r = x + y + carry_in;
    *nzcv = a64_add_flags(x, y, r, sf);
    return sf ? r : (r & 0xffffffffu);
}

AGPU_FN uint64_t a64_nz_flags(uint64_t r, int sf)
{
    int top = sf ? 63 : 31;
    return (((r >> top) & 1) << 31) | ((uint64_t)((r & a64_dmask(sf)) == 0) << 30);
}

/* ConditionHolds(): cond is the 4-bit field of B.cond, CSEL, CCMP.
 * Bit i of a base condition's truth table says whether it holds when
 * NZCV<3:0> = i (N the top bit): EQ 0xf0f0, CS 0xcccc, MI 0xff00, VS 0xaaaa,
 * HI 0x0c0c, GE 0xaa55, GT 0x0a05, AL 0xffff, two tables to a word, picked
 * by cond<3:1>.  A lookup of a few instructions where deriving each flag
 * and every condition took about 28 on the GPU, on every B.cond, CSEL and
 * CCMP.  test_branch.c's b_cond_all_conditions runs all 256 cases against
 * the manual's definition. */
AGPU_FN int ConditionHolds(uint32_t cond, uint64_t nzcv)
{
    uint32_t w = (cond & 8) ? ((cond & 4) ? 0xffff0a05u : 0xaa550c0cu)
                            : ((cond & 4) ? 0xaaaaff00u : 0xccccf0f0u);
    uint32_t holds = (w >> (((cond & 2) << 3) | (((uint32_t)nzcv >> 28) & 15))) & 1;
    /* An odd cond is the inverse, except 15 (NV), which is true like AL. */
    return (int)(holds ^ ((cond & 1) & (cond != 15)));
}

/* ShiftReg(): type 0 LSL, 1 LSR, 2 ASR, 3 ROR; amount < datasize. */
AGPU_FN uint64_t ShiftReg(uint64_t v, uint32_t type, int amount, int sf)
{
    int width = sf ? 64 : 32;
    v &= a64_dmask(sf);
    switch (type) {
    case 0: return (v << amount) & a64_dmask(sf);
    case 1: return v >> amount;
    case 2: return (uint64_t)(a64_sext(v, width) >> amount) & a64_dmask(sf);
    default: return a64_ror(v, amount, width);
    }
}

/* ExtendReg(): option 0-3 UXTB/H/W/X, 4-7 SXTB/H/W/X, then LSL shift. */
AGPU_FN uint64_t ExtendReg(uint64_t v, uint32_t option, int shift)
{
    int bits = 8 << (option & 3);
    uint64_t e = (option & 4) ? (uint64_t)a64_sext(v, bits) : (v & a64_ones(bits));
    return e << shift;
}

/* DecodeBitMasks(): returns 0 for the reserved encodings. */
AGPU_FN int DecodeBitMasks(uint32_t immN, uint32_t imms, uint32_t immr, int immediate, int M,
                           uint64_t *wmask, uint64_t *tmask)
{
    uint32_t combined = (immN << 6) | (~imms & 0x3f);
    if (combined == 0) return 0;
    int len = 63 - a64_clz64(combined);
    if (len < 1) return 0;
    if ((1 << len) > M) return 0;
    uint32_t levels = (1u << len) - 1;
    if (immediate && (imms & levels) == levels) return 0;
    uint32_t S = imms & levels, R = immr & levels;
    uint32_t d = (S - R) & levels;
    int esize = 1 << len;
    uint64_t welem = a64_ones((int)S + 1), telem = a64_ones((int)d + 1);
    uint64_t w = a64_ror(welem, (int)R, esize), t = telem;
    for (int i = esize; i < 64; i *= 2) {
        w |= w << i;
        t |= t << i;
    }
    *wmask = w & a64_ones(M);
    *tmask = t & a64_ones(M);
    return 1;
}

/* ------------------------------------------------------ stop bookkeeping */

AGPU_FN uint32_t a64_undefined(a64_state *s, uint32_t insn)
{
    s->stop.reason = AGPU_STOP_UNDEFINED;
    s->stop.encoding = insn;
    return AGPU_STOP_UNDEFINED;
}

AGPU_FN uint32_t a64_fault_align(a64_state *s, uint64_t addr, uint32_t access)
{
    a64_set_fault(s, addr, access, AGPU_FAULT_ALIGNMENT);
    return AGPU_STOP_FAULT;
}

/* ----------------------------------------------------------- system regs */

#define A64_SYSREG(op0, op1, crn, crm, op2) \
    (((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
#define A64_SR_NZCV A64_SYSREG(3, 3, 4, 2, 0)
#define A64_SR_FPCR A64_SYSREG(3, 3, 4, 4, 0)
#define A64_SR_FPSR A64_SYSREG(3, 3, 4, 4, 1)
#define A64_SR_TPIDR_EL0 A64_SYSREG(3, 3, 13, 0, 2)
#define A64_SR_CNTFRQ_EL0 A64_SYSREG(3, 3, 14, 0, 0)
#define A64_SR_CNTVCT_EL0 A64_SYSREG(3, 3, 14, 0, 2)
#define A64_SR_CTR_EL0 A64_SYSREG(3, 3, 0, 0, 1)
#define A64_SR_DCZID_EL0 A64_SYSREG(3, 3, 0, 0, 7)

/* CTR_EL0: 64-byte lines, PIPT instruction cache, IDC = DIC = 0. */
#define A64_CTR_EL0 0x8444C004ull
/* DCZID_EL0: DZP set, so DC ZVA is prohibited (UNDEFINED at EL0). */
#define A64_DCZID_EL0 0x14ull

/* ------------------------------------------------------- load/store helpers */

/* The register-file effect of a load of `size` bytes with opc (C4.1.88):
 * returns the value to write and sets *regsize64. */
AGPU_FN uint64_t a64_extend_load(uint64_t v, uint32_t size, uint32_t opc)
{
    int bits = 8 << size;
    if (opc == 1) return v;                                          /* zero-extend */
    if (opc == 2) return (uint64_t)a64_sext(v, bits);                /* to 64 */
    return (uint64_t)a64_sext(v, bits) & 0xffffffffu;                /* opc 3: to 32 */
}

/* Single-register load/store shared by every addressing form.  Returns a
 * stop reason; on success does the writeback (QEMU's order: the base
 * register's new value wins over a loaded value for the same register). */
AGPU_FN uint32_t a64_ldst_single(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn,
                                 uint64_t addr, int wback, uint64_t wb_value, int allow_prfm)
{
    uint32_t size = (uint32_t)a64_bits(insn, 31, 30), opc = (uint32_t)a64_bits(insn, 23, 22);
    uint32_t rt = insn & 31, rn = (insn >> 5) & 31;
    uint32_t bytes = 1u << size;
    if (opc == 2 && size == 3) {
        if (!allow_prfm) return a64_undefined(s, insn);
        s->pc += 4; /* PRFM: a hint with no effect, and no fault */
        return A64_CONTINUE;
    }
    if (opc == 3 && size >= 2) return a64_undefined(s, insn);
    if (opc == 0) {
        uint8_t *p = a64_translate(s, m, priv, addr, bytes, AGPU_PROT_WRITE, AGPU_ACCESS_WRITE);
        if (!p) return AGPU_STOP_FAULT;
        a64_store_le(p, bytes, X(s, rt));
    } else {
        uint8_t *p = a64_translate(s, m, priv, addr, bytes, AGPU_PROT_READ, AGPU_ACCESS_READ);
        if (!p) return AGPU_STOP_FAULT;
        set_X(s, rt, a64_extend_load(a64_load_le(p, bytes), size, opc));
    }
    if (wback) set_XSP(s, rn, wb_value);
    s->pc += 4;
    return A64_CONTINUE;
}

/* The addressing of every load/store pair form, general and SIMD&FP (C6.2
 * LDP): imm7 scaled by the size of one register; type (bits 24:23) 1 is
 * post-index, 3 pre-index, 2 signed offset and 0 no-allocate.  Returns the
 * address accessed; *new_base is the base register's value after a
 * post- or pre-index form (a64_pair_wback). */
AGPU_FN uint64_t a64_pair_address(a64_state *s, uint32_t insn, uint32_t bytes, uint64_t *new_base)
{
    uint32_t type = (uint32_t)a64_bits(insn, 24, 23);
    uint64_t base = XSP(s, (insn >> 5) & 31);
    *new_base = base + (uint64_t)(a64_sext(a64_bits(insn, 21, 15), 7) * (int64_t)bytes);
    return type == 1 ? base : *new_base;
}

AGPU_FN int a64_pair_wback(uint32_t insn) { return ((insn >> 23) & 1) != 0; } /* types 1 and 3 */

/* Load/store pair, every form (C6.2 LDP/STP/LDPSW/LDNP/STNP). */
AGPU_FN uint32_t a64_ldst_pair(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn)
{
    uint32_t opc = (uint32_t)a64_bits(insn, 31, 30), type = (uint32_t)a64_bits(insn, 24, 23);
    uint32_t L = (insn >> 22) & 1, rt2 = (insn >> 10) & 31, rn = (insn >> 5) & 31, rt = insn & 31;
    if (opc == 3) return a64_undefined(s, insn);
    if (opc == 1 && (L == 0 || type == 0)) return a64_undefined(s, insn); /* STGP, LDNPSW */
    uint32_t scale = 2 + (opc >> 1), bytes = 1u << scale;
    uint64_t new_base, addr = a64_pair_address(s, insn, bytes, &new_base);
    uint8_t *p = a64_translate_data(s, m, priv, addr, 2 * bytes, L);
    if (!p) return AGPU_STOP_FAULT;
    if (L) {
        uint64_t a = a64_load_le(p, bytes), b = a64_load_le(p + bytes, bytes);
        if (opc == 1) {
            a = (uint64_t)a64_sext(a, 32);
            b = (uint64_t)a64_sext(b, 32);
        }
        set_X(s, rt, a);
        set_X(s, rt2, b);
    } else {
        uint64_t a = X(s, rt), b = X(s, rt2);
        a64_store_le(p, bytes, a);
        a64_store_le(p + bytes, bytes, b);
    }
    if (a64_pair_wback(insn)) set_XSP(s, rn, new_base);
    s->pc += 4;
    return A64_CONTINUE;
}

/* LDXR/STXR and friends, single and pair (C6.2, AArch64.ExclusiveMonitorsPass). */
AGPU_FN uint32_t a64_exclusive(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn)
{
    uint32_t size = (uint32_t)a64_bits(insn, 31, 30), L = (insn >> 22) & 1, pair = (insn >> 21) & 1;
    uint32_t rs = (insn >> 16) & 31, o0 = (insn >> 15) & 1, rt2 = (insn >> 10) & 31;
    uint32_t rn = (insn >> 5) & 31, rt = insn & 31;
    if (pair && size < 2) return a64_undefined(s, insn);
    uint32_t elem = 1u << size, bytes = pair ? 2 * elem : elem;
    uint64_t addr = XSP(s, rn);
    if (addr & (bytes - 1)) return a64_fault_align(s, addr, L ? AGPU_ACCESS_READ : AGPU_ACCESS_WRITE);
    if (L) {
        uint8_t *p = a64_translate(s, m, priv, addr, bytes, AGPU_PROT_READ, AGPU_ACCESS_READ);
        if (!p) return AGPU_STOP_FAULT;
        uint64_t lo, hi = 0;
        if (pair && elem == 8) {
            lo = a64_load_le(p, 8);
            hi = a64_load_le(p + 8, 8);
        } else {
            lo = a64_load_le(p, bytes);
        }
        if (o0) a64_fence(); /* acquire */
        s->excl_addr = addr;
        s->excl_size = bytes;
        s->excl_lo = lo;
        s->excl_hi = hi;
        if (pair) {
            if (elem == 8) {
                set_X(s, rt, lo);
                set_X(s, rt2, hi);
            } else {
                set_X(s, rt, lo & 0xffffffffu);
                set_X(s, rt2, lo >> 32);
            }
        } else {
            set_X(s, rt, lo);
        }
        s->pc += 4;
        return A64_CONTINUE;
    }
    /* Store exclusive: a monitor that does not cover exactly this access
     * fails without touching memory; otherwise memory must still hold what
     * the load exclusive saw. */
    uint32_t status = 1;
    if (s->excl_size == bytes && s->excl_addr == addr) {
        uint8_t *p = a64_translate(s, m, priv, addr, bytes, AGPU_PROT_READ | AGPU_PROT_WRITE,
                                   AGPU_ACCESS_WRITE);
        if (!p) return AGPU_STOP_FAULT;
        if (o0) a64_fence(); /* release */
        if (pair && elem == 8) {
            uint64_t ol, oh;
            status = a64_cas128((uint64_t *)p, s->excl_lo, s->excl_hi, X(s, rt), X(s, rt2), &ol, &oh)
                         ? 0 : 1;
        } else {
            uint64_t v = pair ? ((X(s, rt) & 0xffffffffu) | (X(s, rt2) << 32)) : X(s, rt);
            if (bytes < 8) v &= a64_ones(8 * (int)bytes);
            status = a64_cas_sized(p, bytes, s->excl_lo, v) == s->excl_lo ? 0 : 1;
        }
    }
    s->excl_size = 0;
    set_X(s, rs, status);
    s->pc += 4;
    return A64_CONTINUE;
}

/* LSE atomic read-modify-write (C6.2 LDADD ... LDUMIN, SWP). */
AGPU_FN uint64_t a64_atomic_op(uint32_t opc, uint64_t old, uint64_t v, uint32_t bytes)
{
    int bits = 8 * (int)bytes;
    uint64_t mask = a64_ones(bits);
    int64_t so = a64_sext(old, bits), sv = a64_sext(v, bits);
    switch (opc) {
    case 0: return (old + v) & mask;            /* ADD */
    case 1: return old & ~v & mask;             /* CLR */
    case 2: return (old ^ v) & mask;            /* EOR */
    case 3: return (old | v) & mask;            /* SET */
    case 4: return (so > sv ? old : v) & mask;  /* SMAX */
    case 5: return (so < sv ? old : v) & mask;  /* SMIN */
    case 6: return old > v ? old : v;           /* UMAX */
    default: return old < v ? old : v;          /* UMIN */
    }
}

AGPU_FN uint32_t a64_atomic(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn)
{
    uint32_t size = (uint32_t)a64_bits(insn, 31, 30), A = (insn >> 23) & 1, R = (insn >> 22) & 1;
    uint32_t rs = (insn >> 16) & 31, o3 = (insn >> 15) & 1, opc = (uint32_t)a64_bits(insn, 14, 12);
    uint32_t rn = (insn >> 5) & 31, rt = insn & 31;
    uint32_t bytes = 1u << size;
    if (o3 && opc != 0) return a64_undefined(s, insn); /* LDAPR and the rest: not implemented */
    uint64_t addr = XSP(s, rn);
    if (addr & (bytes - 1)) return a64_fault_align(s, addr, AGPU_ACCESS_WRITE);
    uint8_t *p = a64_translate(s, m, priv, addr, bytes, AGPU_PROT_READ | AGPU_PROT_WRITE,
                               AGPU_ACCESS_WRITE);
    if (!p) return AGPU_STOP_FAULT;
    uint64_t v = X(s, rs) & a64_ones(8 * (int)bytes);
    if (R) a64_fence();
    uint64_t old = a64_load_le(p, bytes);
    for (;;) {
        uint64_t want = o3 ? v : a64_atomic_op(opc, old, v, bytes);
        uint64_t seen = a64_cas_sized(p, bytes, old, want);
        if (seen == old) break;
        old = seen;
    }
    if (A) a64_fence();
    set_X(s, rt, old);
    s->pc += 4;
    return A64_CONTINUE;
}

/* CAS and CASP (C6.2). */
AGPU_FN uint32_t a64_cas(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn, int pair)
{
    uint32_t rs = (insn >> 16) & 31, rn = (insn >> 5) & 31, rt = insn & 31;
    uint32_t L = (insn >> 22) & 1, o0 = (insn >> 15) & 1;
    uint32_t elem = pair ? 4u << ((insn >> 30) & 1) : 1u << a64_bits(insn, 31, 30);
    uint32_t bytes = pair ? 2 * elem : elem;
    if (pair && ((rs & 1) || (rt & 1))) return a64_undefined(s, insn);
    uint64_t addr = XSP(s, rn);
    if (addr & (bytes - 1)) return a64_fault_align(s, addr, AGPU_ACCESS_WRITE);
    uint8_t *p = a64_translate(s, m, priv, addr, bytes, AGPU_PROT_READ | AGPU_PROT_WRITE,
                               AGPU_ACCESS_WRITE);
    if (!p) return AGPU_STOP_FAULT;
    if (o0) a64_fence();
    if (pair && elem == 8) {
        uint64_t ol, oh;
        a64_cas128((uint64_t *)p, X(s, rs), X(s, rs + 1), X(s, rt), X(s, rt + 1), &ol, &oh);
        if (L) a64_fence();
        set_X(s, rs, ol);
        set_X(s, rs + 1, oh);
    } else if (pair) {
        uint64_t cmp = (X(s, rs) & 0xffffffffu) | (X(s, rs + 1) << 32);
        uint64_t nv = (X(s, rt) & 0xffffffffu) | (X(s, rt + 1) << 32);
        uint64_t old = a64_cas64((uint64_t *)p, cmp, nv);
        if (L) a64_fence();
        set_X(s, rs, old & 0xffffffffu);
        set_X(s, rs + 1, old >> 32);
    } else {
        uint64_t mask = a64_ones(8 * (int)bytes);
        uint64_t old = a64_cas_sized(p, bytes, X(s, rs) & mask, X(s, rt) & mask);
        if (L) a64_fence();
        set_X(s, rs, old);
    }
    s->pc += 4;
    return A64_CONTINUE;
}

/* ------------------------------------------------------------ CRC32 */

AGPU_FN uint32_t a64_crc32(uint32_t acc, uint64_t val, int bits, uint32_t poly)
{
    /* The manual's bit-reversed polynomial division, as the familiar
     * reflected, LSB-first update with no initial or final inversion. */
    for (int i = 0; i < bits; i++) {
        uint32_t bit = (acc ^ (uint32_t)(val >> i)) & 1u;
        acc = (acc >> 1) ^ (bit ? poly : 0u);
    }
    return acc;
}

#include "a64_fpsimd.h"

/* ------------------------------------------------------ one instruction */

/* Executes insn (already decoded to op) at s->pc.  Returns A64_CONTINUE or
 * the stop reason, with s->stop filled in.  Instructions that stop change
 * no state, except SVC, which retires. */
#if defined(__GNUC__) && !defined(__CUDACC__)
/* On the host, inlined into a64_run: a call costs this large function's
 * register saves on every instruction (docs/performance.md). */
__attribute__((always_inline))
#endif
AGPU_FN uint32_t a64_exec(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn, uint32_t op,
                          int fpsimd)
{
    const int sf = (int)(insn >> 31);
    const uint32_t rd = insn & 31, rn = (insn >> 5) & 31, rm = (insn >> 16) & 31;
    const int width = sf ? 64 : 32;
    switch (op) {

    /* ---------------------------------------- data processing, immediate */
    case A64_OP_PCREL: {
        uint64_t imm = (a64_bits(insn, 23, 5) << 2) | a64_bits(insn, 30, 29);
        int64_t off = a64_sext(imm, 21);
        if (sf) /* ADRP */
            set_X(s, rd, (s->pc & ~0xfffull) + ((uint64_t)off << 12));
        else
            set_X(s, rd, s->pc + (uint64_t)off);
        break;
    }
    case A64_OP_ADDSUB_IMM: {
        uint32_t sub = (insn >> 30) & 1, setflags = (insn >> 29) & 1;
        uint64_t imm = a64_bits(insn, 21, 10) << (((insn >> 22) & 1) ? 12 : 0);
        uint64_t a = XSP(s, rn), b = sub ? ~imm : imm, r = a + b + sub;
        if (setflags) {
            s->nzcv = a64_add_flags(a, b, r, sf);
            set_Xd(s, rd, r, sf);
        } else {
            set_XSPd(s, rd, r, sf);
        }
        break;
    }
    case A64_OP_LOGIC_IMM: {
        uint32_t opc = (uint32_t)a64_bits(insn, 30, 29), N = (insn >> 22) & 1;
        uint64_t imm, tmask;
        if (!sf && N) return a64_undefined(s, insn);
        if (!DecodeBitMasks(N, (uint32_t)a64_bits(insn, 15, 10), (uint32_t)a64_bits(insn, 21, 16), 1,
                            width, &imm, &tmask))
            return a64_undefined(s, insn);
        uint64_t a = X(s, rn), r;
        switch (opc) {
        case 0: r = a & imm; break;
        case 1: r = a | imm; break;
        case 2: r = a ^ imm; break;
        default: r = a & imm; break;
        }
        r &= a64_dmask(sf);
        if (opc == 3) {
            s->nzcv = a64_nz_flags(r, sf);
            set_X(s, rd, r);
        } else {
            set_XSP(s, rd, r);
        }
        break;
    }
    case A64_OP_MOVEWIDE: {
        uint32_t opc = (uint32_t)a64_bits(insn, 30, 29), hw = (uint32_t)a64_bits(insn, 22, 21);
        if (opc == 1 || (!sf && hw >= 2)) return a64_undefined(s, insn);
        int pos = (int)hw * 16;
        uint64_t imm = a64_bits(insn, 20, 5) << pos;
        uint64_t r;
        if (opc == 0) r = ~imm;                                       /* MOVN */
        else if (opc == 2) r = imm;                                   /* MOVZ */
        else r = (X(s, rd) & ~(0xffffull << pos)) | imm;              /* MOVK */
        set_Xd(s, rd, r, sf);
        break;
    }
    case A64_OP_BITFIELD: {
        uint32_t opc = (uint32_t)a64_bits(insn, 30, 29), N = (insn >> 22) & 1;
        uint32_t immr = (uint32_t)a64_bits(insn, 21, 16), imms = (uint32_t)a64_bits(insn, 15, 10);
        uint64_t wmask, tmask;
        if (opc == 3) return a64_undefined(s, insn);
        if ((uint32_t)sf != N || (!sf && ((immr | imms) & 0x20))) return a64_undefined(s, insn);
        if (!DecodeBitMasks(N, imms, immr, 0, width, &wmask, &tmask)) return a64_undefined(s, insn);
        uint64_t dst = opc == 1 ? X(s, rd) : 0; /* BFM keeps the destination's other bits */
        uint64_t src = X(s, rn);
        uint64_t bot = (dst & ~wmask) | (a64_ror(src, (int)immr, width) & wmask);
        uint64_t top = opc == 0 ? (((src >> imms) & 1) ? ~0ull : 0) : dst;
        set_Xd(s, rd, ((top & ~tmask) | (bot & tmask)) & a64_dmask(sf), sf);
        break;
    }
    case A64_OP_EXTRACT: {
        uint32_t N = (insn >> 22) & 1, lsb = (uint32_t)a64_bits(insn, 15, 10);
        if ((uint32_t)sf != N || (!sf && lsb >= 32)) return a64_undefined(s, insn);
        uint64_t hi = X(s, rn) & a64_dmask(sf), lo = X(s, rm) & a64_dmask(sf);
        uint64_t r = lsb == 0 ? lo : ((lo >> lsb) | (hi << (width - (int)lsb)));
        set_Xd(s, rd, r & a64_dmask(sf), sf);
        break;
    }

    /* ---------------------------------------- branches */
    case A64_OP_B_IMM: {
        int64_t off = a64_sext(a64_bits(insn, 25, 0), 26) * 4;
        if (insn >> 31) set_X(s, 30, s->pc + 4); /* BL */
        s->pc += (uint64_t)off;
        return A64_CONTINUE;
    }
    case A64_OP_B_COND: {
        if (ConditionHolds(insn & 15, s->nzcv)) {
            s->pc += (uint64_t)(a64_sext(a64_bits(insn, 23, 5), 19) * 4);
            return A64_CONTINUE;
        }
        break;
    }
    case A64_OP_CB: {
        uint64_t v = X(s, rd) & a64_dmask(sf);
        uint32_t nz = (insn >> 24) & 1;
        if ((v != 0) == (nz != 0)) {
            s->pc += (uint64_t)(a64_sext(a64_bits(insn, 23, 5), 19) * 4);
            return A64_CONTINUE;
        }
        break;
    }
    case A64_OP_TB: {
        uint32_t bit = (uint32_t)((insn >> 31) << 5 | a64_bits(insn, 23, 19));
        uint32_t nz = (insn >> 24) & 1;
        if (((X(s, rd) >> bit) & 1) == nz) {
            s->pc += (uint64_t)(a64_sext(a64_bits(insn, 18, 5), 14) * 4);
            return A64_CONTINUE;
        }
        break;
    }
    case A64_OP_BR_REG: {
        uint32_t opc = (uint32_t)a64_bits(insn, 22, 21);
        if (opc == 3) return a64_undefined(s, insn);
        uint64_t target = X(s, rn);
        if (opc == 1) set_X(s, 30, s->pc + 4); /* BLR */
        s->pc = target;
        return A64_CONTINUE;
    }

    /* ---------------------------------------- exceptions and system */
    case A64_OP_SVC:
        s->stop.reason = AGPU_STOP_SYSCALL;
        s->stop.imm = (uint32_t)a64_bits(insn, 20, 5);
        s->excl_size = 0; /* the exception return clears the local monitor */
        s->pc += 4;
        return AGPU_STOP_SYSCALL;
    case A64_OP_BRK:
        s->stop.reason = AGPU_STOP_BREAK;
        s->stop.imm = (uint32_t)a64_bits(insn, 20, 5);
        return AGPU_STOP_BREAK;
    case A64_OP_HLT:
        s->stop.reason = AGPU_STOP_HALT;
        s->stop.imm = (uint32_t)a64_bits(insn, 20, 5);
        return AGPU_STOP_HALT;
    case A64_OP_HINT:
        break;
    case A64_OP_CLREX:
        s->excl_size = 0;
        break;
    case A64_OP_DSB:
    case A64_OP_DMB:
        a64_fence();
        break;
    case A64_OP_ISB:
        a64_isb();
        break;
    case A64_OP_SYS: {
        uint32_t op1 = (uint32_t)a64_bits(insn, 18, 16), crn = (uint32_t)a64_bits(insn, 15, 12);
        uint32_t crm = (uint32_t)a64_bits(insn, 11, 8), op2 = (uint32_t)a64_bits(insn, 7, 5);
        /* The cache maintenance Linux lets EL0 run (SCTLR_EL1.UCI): no
         * caches here to maintain.  The decode caches check every word
         * they use, so IC IVAU has nothing to invalidate either. */
        if (op1 == 3 && crn == 7 && op2 == 1 &&
            (crm == 5 || crm == 10 || crm == 11 || crm == 12 || crm == 13 || crm == 14))
            break;
        return a64_undefined(s, insn);
    }
    case A64_OP_MRS: {
        uint64_t v;
        switch ((uint32_t)a64_bits(insn, 20, 5)) {
        case A64_SR_NZCV: v = s->nzcv; break;
        case A64_SR_FPCR: v = s->fpcr; break;
        case A64_SR_FPSR: v = s->fpsr; break;
        case A64_SR_TPIDR_EL0: v = s->tpidr; break;
        case A64_SR_CNTFRQ_EL0: v = A64_CNTFRQ; break;
        case A64_SR_CNTVCT_EL0: v = s->icount; break; /* DESIGN decision 5 */
        case A64_SR_CTR_EL0: v = A64_CTR_EL0; break;
        case A64_SR_DCZID_EL0: v = A64_DCZID_EL0; break;
        default: return a64_undefined(s, insn);
        }
        set_X(s, rd, v);
        break;
    }
    case A64_OP_MSR_REG: {
        uint64_t v = X(s, rd);
        switch ((uint32_t)a64_bits(insn, 20, 5)) {
        case A64_SR_NZCV: s->nzcv = v & 0xF0000000ull; break;
        case A64_SR_FPCR: s->fpcr = v & A64_FPCR_MASK; break;
        case A64_SR_FPSR: s->fpsr = v & A64_FPSR_MASK; break;
        case A64_SR_TPIDR_EL0: s->tpidr = v; break;
        default: return a64_undefined(s, insn);
        }
        break;
    }

    /* ---------------------------------------- loads and stores */
    case A64_OP_LDR_LIT: {
        uint32_t opc = (uint32_t)a64_bits(insn, 31, 30);
        uint64_t addr = s->pc + (uint64_t)(a64_sext(a64_bits(insn, 23, 5), 19) * 4);
        if (opc == 3) break; /* PRFM (literal) */
        uint32_t bytes = opc == 1 ? 8 : 4;
        uint8_t *p = a64_translate(s, m, priv, addr, bytes, AGPU_PROT_READ, AGPU_ACCESS_READ);
        if (!p) return AGPU_STOP_FAULT;
        uint64_t v = a64_load_le(p, bytes);
        set_X(s, rd, opc == 2 ? (uint64_t)a64_sext(v, 32) : v);
        break;
    }
    case A64_OP_LDST_UIMM: {
        uint32_t size = (uint32_t)a64_bits(insn, 31, 30);
        uint64_t addr = XSP(s, rn) + (a64_bits(insn, 21, 10) << size);
        return a64_ldst_single(s, m, priv, insn, addr, 0, 0, 1);
    }
    case A64_OP_LDST_UNSCALED:
    case A64_OP_LDST_UNPRIV: {
        uint64_t addr = XSP(s, rn) + (uint64_t)a64_sext(a64_bits(insn, 20, 12), 9);
        return a64_ldst_single(s, m, priv, insn, addr, 0, 0, op == A64_OP_LDST_UNSCALED);
    }
    case A64_OP_LDST_POST: {
        uint64_t base = XSP(s, rn);
        return a64_ldst_single(s, m, priv, insn, base, 1,
                               base + (uint64_t)a64_sext(a64_bits(insn, 20, 12), 9), 0);
    }
    case A64_OP_LDST_PRE: {
        uint64_t addr = XSP(s, rn) + (uint64_t)a64_sext(a64_bits(insn, 20, 12), 9);
        return a64_ldst_single(s, m, priv, insn, addr, 1, addr, 0);
    }
    case A64_OP_LDST_REG: {
        uint32_t option = (uint32_t)a64_bits(insn, 15, 13), S = (insn >> 12) & 1;
        uint32_t size = (uint32_t)a64_bits(insn, 31, 30);
        if (!(option & 2)) return a64_undefined(s, insn);
        uint64_t offset = ExtendReg(X(s, rm), option, S ? (int)size : 0);
        return a64_ldst_single(s, m, priv, insn, XSP(s, rn) + offset, 0, 0, 1);
    }
    case A64_OP_LDST_PAIR:
        return a64_ldst_pair(s, m, priv, insn);
    case A64_OP_LDST_EXCL:
        return a64_exclusive(s, m, priv, insn);
    case A64_OP_LDST_ORDERED: {
        uint32_t bytes = 1u << a64_bits(insn, 31, 30), L = (insn >> 22) & 1;
        uint64_t addr = XSP(s, rn);
        /* Without FEAT_LSE2, ordered accesses must be aligned. */
        if (addr & (bytes - 1)) return a64_fault_align(s, addr, L ? AGPU_ACCESS_READ : AGPU_ACCESS_WRITE);
        uint8_t *p = a64_translate_data(s, m, priv, addr, bytes, L);
        if (!p) return AGPU_STOP_FAULT;
        if (L) {
            uint64_t v = a64_load_le(p, bytes);
            a64_fence();
            set_X(s, rd, v);
        } else {
            a64_fence();
            a64_store_le(p, bytes, X(s, rd));
        }
        break;
    }
    case A64_OP_CAS:
        return a64_cas(s, m, priv, insn, 0);
    case A64_OP_CASP:
        return a64_cas(s, m, priv, insn, 1);
    case A64_OP_ATOMIC:
        return a64_atomic(s, m, priv, insn);

    /* ---------------------------------------- data processing, register */
    case A64_OP_LOGIC_REG: {
        uint32_t opc = (uint32_t)a64_bits(insn, 30, 29), shift = (uint32_t)a64_bits(insn, 23, 22);
        uint32_t N = (insn >> 21) & 1, imm6 = (uint32_t)a64_bits(insn, 15, 10);
        if (!sf && imm6 >= 32) return a64_undefined(s, insn);
        uint64_t b = ShiftReg(X(s, rm), shift, (int)imm6, sf);
        if (N) b = ~b;
        uint64_t a = X(s, rn), r;
        switch (opc) {
        case 0: r = a & b; break;
        case 1: r = a | b; break;
        case 2: r = a ^ b; break;
        default: r = a & b; break;
        }
        r &= a64_dmask(sf);
        if (opc == 3) s->nzcv = a64_nz_flags(r, sf);
        set_X(s, rd, r);
        break;
    }
    case A64_OP_ADDSUB_SHIFT: {
        uint32_t sub = (insn >> 30) & 1, setflags = (insn >> 29) & 1;
        uint32_t shift = (uint32_t)a64_bits(insn, 23, 22), imm6 = (uint32_t)a64_bits(insn, 15, 10);
        if (shift == 3 || (!sf && imm6 >= 32)) return a64_undefined(s, insn);
        uint64_t a = X(s, rn), b = ShiftReg(X(s, rm), shift, (int)imm6, sf);
        if (sub) b = ~b;
        uint64_t r = a + b + sub;
        if (setflags) s->nzcv = a64_add_flags(a, b, r, sf);
        set_Xd(s, rd, r, sf);
        break;
    }
    case A64_OP_ADDSUB_EXT: {
        uint32_t sub = (insn >> 30) & 1, setflags = (insn >> 29) & 1;
        uint32_t option = (uint32_t)a64_bits(insn, 15, 13), imm3 = (uint32_t)a64_bits(insn, 12, 10);
        if (imm3 > 4) return a64_undefined(s, insn);
        uint64_t a = XSP(s, rn), b = ExtendReg(X(s, rm), option, (int)imm3);
        if (sub) b = ~b;
        uint64_t r = a + b + sub;
        if (setflags) {
            s->nzcv = a64_add_flags(a, b, r, sf);
            set_Xd(s, rd, r, sf);
        } else {
            set_XSPd(s, rd, r, sf);
        }
        break;
    }
    case A64_OP_ADDSUB_CARRY: {
        uint32_t sub = (insn >> 30) & 1, setflags = (insn >> 29) & 1;
        uint64_t a = X(s, rn), b = sub ? ~X(s, rm) : X(s, rm);
        uint64_t r = a + b + ((s->nzcv >> 29) & 1);
        if (setflags) s->nzcv = a64_add_flags(a, b, r, sf);
        set_Xd(s, rd, r, sf);
        break;
    }
    case A64_OP_CCMP: {
        uint32_t sub = (insn >> 30) & 1, cond = (uint32_t)a64_bits(insn, 15, 12);
        if (ConditionHolds(cond, s->nzcv)) {
            uint64_t b = ((insn >> 11) & 1) ? rm : X(s, rm), nzcv;
            AddWithCarry(X(s, rn), sub ? ~b : b, sub, sf, &nzcv);
            s->nzcv = nzcv;
        } else {
            s->nzcv = (uint64_t)(insn & 15) << 28;
        }
        break;
    }
    case A64_OP_CSEL: {
        uint32_t op30 = (insn >> 30) & 1, op2 = (insn >> 10) & 1;
        uint64_t r;
        if (ConditionHolds((uint32_t)a64_bits(insn, 15, 12), s->nzcv)) {
            r = X(s, rn);
        } else {
            r = X(s, rm);
            if (op30) r = ~r;
            if (op2) r += 1;
        }
        set_Xd(s, rd, r, sf);
        break;
    }
    case A64_OP_DP_2SRC: {
        uint32_t opcode = (uint32_t)a64_bits(insn, 15, 10);
        uint64_t a = X(s, rn), b = X(s, rm), r;
        uint64_t mask = a64_dmask(sf);
        switch (opcode) {
        case 2: /* UDIV: division by zero gives zero (C6.2 UDIV, no trap in A64) */
            a &= mask;
            b &= mask;
            r = b ? a / b : 0;
            break;
        case 3: { /* SDIV: x/0 = 0 and INT_MIN/-1 = INT_MIN, which C leaves undefined */
            int64_t sa = a64_sext(a, width), sb = a64_sext(b, width);
            if (sb == 0) r = 0;
            else if (sb == -1) r = (uint64_t)0 - (uint64_t)sa;
            else r = (uint64_t)(sa / sb);
            break;
        }
        case 8: r = (a & mask) << (b % (uint64_t)width); break;
        case 9: r = (a & mask) >> (b % (uint64_t)width); break;
        case 10: r = (uint64_t)(a64_sext(a, width) >> (b % (uint64_t)width)); break;
        case 11: r = a64_ror(a, (int)(b % (uint64_t)width), width); break;
        case 16: case 17: case 18: case 19: case 20: case 21: case 22: case 23: {
            uint32_t sz = opcode & 3;
            if ((sz == 3) != (sf != 0)) return a64_undefined(s, insn);
            uint32_t poly = (opcode & 4) ? 0x82F63B78u : 0xEDB88320u; /* CRC32C : CRC32 */
            r = a64_crc32((uint32_t)a, b, 8 << sz, poly);
            set_X(s, rd, r & 0xffffffffu);
            s->pc += 4;
            return A64_CONTINUE;
        }
        default: return a64_undefined(s, insn);
        }
        set_Xd(s, rd, r & mask, sf);
        break;
    }
    case A64_OP_DP_1SRC: {
        uint32_t opcode = (uint32_t)a64_bits(insn, 15, 10);
        uint64_t a = X(s, rn) & a64_dmask(sf), r = 0;
        switch (opcode) {
        case 0: /* RBIT */
            for (int i = 0; i < width; i++) r |= ((a >> i) & 1) << (width - 1 - i);
            break;
        case 1: /* REV16 */
            r = ((a & 0x00ff00ff00ff00ffull) << 8) | ((a >> 8) & 0x00ff00ff00ff00ffull);
            break;
        case 2: /* REV (32-bit) / REV32 (64-bit): bytes reversed in each word */
            a = ((a & 0x00ff00ff00ff00ffull) << 8) | ((a >> 8) & 0x00ff00ff00ff00ffull);
            r = ((a & 0x0000ffff0000ffffull) << 16) | ((a >> 16) & 0x0000ffff0000ffffull);
            break;
        case 3: /* REV (64-bit) */
            if (!sf) return a64_undefined(s, insn);
            a = ((a & 0x00ff00ff00ff00ffull) << 8) | ((a >> 8) & 0x00ff00ff00ff00ffull);
            a = ((a & 0x0000ffff0000ffffull) << 16) | ((a >> 16) & 0x0000ffff0000ffffull);
            r = (a << 32) | (a >> 32);
            break;
        case 4: /* CLZ */
            r = (uint64_t)(a64_clz64(a) - (64 - width));
            break;
        case 5: { /* CLS: CountLeadingZeroBits(x<N-1:1> EOR x<N-2:0>) */
            uint64_t t = (a ^ (a >> 1)) & (a64_dmask(sf) >> 1);
            r = (uint64_t)(a64_clz64(t) - (64 - width) - 1);
            break;
        }
        default: return a64_undefined(s, insn);
        }
        set_Xd(s, rd, r, sf);
        break;
    }
    case A64_OP_DP_3SRC: {
        uint32_t op31 = (uint32_t)a64_bits(insn, 23, 21), o0 = (insn >> 15) & 1, ra = (uint32_t)a64_bits(insn, 14, 10);
        uint64_t a = X(s, rn), b = X(s, rm), acc = X(s, ra), r;
        switch (op31) {
        case 0: r = o0 ? acc - a * b : acc + a * b; break;                      /* MADD, MSUB */
        case 1:                                                                  /* SMADDL, SMSUBL */
        case 5: {                                                                /* UMADDL, UMSUBL */
            if (!sf) return a64_undefined(s, insn);
            uint64_t p = op31 == 1 ? (uint64_t)(a64_sext(a, 32) * a64_sext(b, 32))
                                   : (a & 0xffffffffu) * (b & 0xffffffffu);
            r = o0 ? acc - p : acc + p;
            break;
        }
        case 2: /* SMULH */
            if (!sf || o0) return a64_undefined(s, insn);
            r = a64_smulh(a, b);
            break;
        case 6: /* UMULH */
            if (!sf || o0) return a64_undefined(s, insn);
            r = a64_umulh(a, b);
            break;
        default: return a64_undefined(s, insn);
        }
        set_Xd(s, rd, r, sf);
        break;
    }

    default:
        /* fpsimd is a constant wherever a64_run_ex is inlined, so a kernel
         * built without it carries none of the SIMD&FP code's registers. */
        if (!fpsimd) return op == A64_OP_UNALLOCATED ? a64_undefined(s, insn) : A64_NEED_FULL;
        return a64_exec_fpsimd(s, m, priv, insn, op);
    }
    s->pc += 4;
    return A64_CONTINUE;
}

/* ------------------------------------------------------------ decode cache */

/* A direct-mapped cache from instruction word to op.  It is keyed by the
 * word, not the address, so it never goes stale: code the host or a guest
 * rewrites simply misses. */
#define A64_DCACHE_BITS 12
typedef struct a64_dcache {
    uint32_t insn[1u << A64_DCACHE_BITS];
    uint16_t op[1u << A64_DCACHE_BITS];
} a64_dcache;

AGPU_FN void a64_dcache_init(a64_dcache *dc)
{
    for (uint32_t i = 0; i < (1u << A64_DCACHE_BITS); i++) {
        dc->insn[i] = 0;
        dc->op[i] = (uint16_t)a64_decode(0);
    }
}

AGPU_FN uint32_t a64_decode_cached(a64_dcache *dc, uint32_t insn)
{
    if (!dc) return a64_decode(insn);
    uint32_t h = (insn ^ (insn >> 13) ^ (insn >> 22)) & ((1u << A64_DCACHE_BITS) - 1);
    if (dc->insn[h] != insn) {
        dc->insn[h] = insn;
        dc->op[h] = (uint16_t)a64_decode(insn);
    }
    return dc->op[h];
}

/* ------------------------------------------------------------ run loop */

/* The bookkeeping of a run, shared by a64_run_ex and the translated code of
 * the cuda backend (a64_jit.h), so that both leave the same stop records. */

/* A run starts with an empty stop record and no remembered data page
 * (permissions may have changed since the last run). */
AGPU_FN void a64_run_start(a64_state *s)
{
    s->stop.reason = AGPU_STOP_NONE;
    s->stop.imm = 0;
    s->stop.encoding = 0;
    s->stop.access = AGPU_ACCESS_NONE;
    s->stop.cause = AGPU_FAULT_NONE;
    s->stop.address = 0;
    s->dpage = 0;
}

/* Instruction insn, the ic-th of the lane, stopped the run with why. */
AGPU_FN uint32_t a64_run_stopped(a64_state *s, uint32_t why, uint32_t insn, uint64_t ic)
{
    if (why == A64_NEED_FULL) return why;
    s->stop.encoding = insn;
    if (why == AGPU_STOP_SYSCALL) s->icount = ic + 1;
    return why;
}

/* The budget ran out after ic instructions. */
AGPU_FN uint32_t a64_run_spent(a64_state *s, uint64_t ic)
{
    s->icount = ic;
    s->stop.reason = AGPU_STOP_MAX_CYCLES;
    return AGPU_STOP_MAX_CYCLES;
}

/* See a64_run_ex: the hot classes before the general decoder. */
#ifndef A64_HOT_DISPATCH
#define A64_HOT_DISPATCH 1
#endif

/* Runs one lane until it stops or retires `budget` instructions.  Returns
 * the stop reason (AGPU_STOP_MAX_CYCLES when the budget ran out) with
 * s->stop filled in; s->icount counts what retired.  With fpsimd = 0 (a
 * compile-time constant) the SIMD&FP executor is left out and the run
 * returns A64_NEED_FULL, changing nothing, at the first instruction that
 * needs it. */
AGPU_FN uint32_t a64_run_ex(a64_state *s, const a64_mem *m, uint8_t *priv, uint64_t budget,
                            a64_dcache *dc, int fpsimd)
{
    /* The count lives in a local while the loop runs (s->icount is only
     * stored, for CNTVCT_EL0), so no load of it sits on every step's path. */
    uint64_t ic = s->icount, end = ic + budget;
    a64_run_start(s);
    /* The code page last fetched from: permissions cannot change during a
     * run, so a fetch from the same page needs no new translation.  The
     * word itself is read every time, so rewritten code is always seen. */
    const uint64_t in_page = ((uint64_t)1 << A64_PAGE_SHIFT) - 4;
    /* Never matches: pc & ~in_page has bits 2-11 clear.  (1 matched a PC of
     * 0x1-0xffd with bit 0 set and fetched through the NULL fetch_page.) */
    uint64_t fetch_va = 4;
    const uint8_t *fetch_page = 0;
    while (ic != end) {
        const uint8_t *p;
        s->icount = ic; /* exact at any stop, and for CNTVCT_EL0 */
        /* Same page and 4-byte aligned in one compare. */
        if ((s->pc & ~in_page) == fetch_va) {
            p = fetch_page + (s->pc & in_page);
        } else {
            if (s->pc & 3) {
                a64_set_fault(s, s->pc, AGPU_ACCESS_FETCH, AGPU_FAULT_ALIGNMENT);
                return AGPU_STOP_FAULT;
            }
            p = a64_translate(s, m, priv, s->pc, 4, AGPU_PROT_EXEC, AGPU_ACCESS_FETCH);
            if (!p) return AGPU_STOP_FAULT;
            fetch_va = s->pc & ~(in_page | 3);
            fetch_page = p - (s->pc & in_page);
        }
        uint32_t insn = a64_fetch32(p);
        uint32_t why;
        /* Each A64_HOT(NAME) ends in `else`, so the general path below is
         * the last branch of the chain, or the whole of it without it. */
#if A64_HOT_DISPATCH
        /* The commonest classes of compiled code, tested directly and each
         * run through a64_exec with a constant op, so the compiler keeps just
         * that case: a few compares instead of the decoder's chain and the
         * switch's search tree (nvcc builds no jump table for it).  The
         * A64_DIRECT_* tests exist only for ops no earlier pattern of
         * a64.decode overlaps, so each says exactly what a64_decode would. */
#define A64_HOT(NAME)                                                                  \
    if ((insn & A64_DIRECT_MASK_##NAME) == A64_DIRECT_VALUE_##NAME)                    \
        why = a64_exec(s, m, priv, insn, A64_OP_##NAME, fpsimd);                       \
    else
        A64_HOT(ADDSUB_IMM) A64_HOT(B_COND) A64_HOT(LDST_UIMM) A64_HOT(ADDSUB_SHIFT)
        A64_HOT(LOGIC_REG) A64_HOT(B_IMM) A64_HOT(CB) A64_HOT(LDST_PAIR) A64_HOT(MOVEWIDE)
        A64_HOT(BITFIELD) A64_HOT(CSEL) A64_HOT(LDST_REG)
#undef A64_HOT
#endif
        why = a64_exec(s, m, priv, insn, a64_decode_cached(dc, insn), fpsimd);
        if (why != A64_CONTINUE) return a64_run_stopped(s, why, insn, ic);
        ic++;
    }
    return a64_run_spent(s, ic);
}

AGPU_FN uint32_t a64_run(a64_state *s, const a64_mem *m, uint8_t *priv, uint64_t budget,
                         a64_dcache *dc)
{
    return a64_run_ex(s, m, priv, budget, dc, 1);
}

#endif /* A64_EXEC_H */

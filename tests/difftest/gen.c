/*
 * gen.c - one random-encoding generator per instruction class of
 * shaders/a64.decode.  Field layouts follow the ARM ARM (DDI 0487),
 * section C4.1 "A64 instruction set encoding"; the comment above each
 * generator names the encoding group.
 */
#include "gen.h"

#include <string.h>

uint64_t rng_next(rng *r)
{
    /* splitmix64: every seed, zero included, gives a good stream. */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t gen_value(rng *r)
{
    static const uint64_t edge[] = {
        0, 1, 2, ~0ull, ~0ull - 1, 0x7fffffffull, 0x80000000ull, 0xffffffffull, 0x100000000ull,
        0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffff80000000ull, 0xffffffff7fffffffull,
        0x00000000ffff0000ull, 0x000000000000ffffull, 0x8000ull, 0x80ull, 0x7full, 0xffull,
        0xffffffff00000000ull, 0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull};
    uint64_t b = 1ull << rnd(r, 64);
    switch (rnd(r, 12)) {
    case 0: case 1: return edge[rnd(r, sizeof edge / sizeof edge[0])];
    case 2: return b;
    case 3: return ~b;
    case 4: return b - 1;
    case 5: return b + (uint64_t)(int64_t)((int)rnd(r, 5) - 2);
    case 6: return rnd(r, 64);
    case 7: return (uint64_t)-(int64_t)rnd(r, 64);
    case 8: return (uint32_t)rng_next(r);
    case 9: return (uint64_t)(int64_t)(int32_t)rng_next(r);
    default: return rng_next(r);
    }
}

/* ------------------------------------------------------------ registers */

static const uint8_t prog_dst[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                   14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 30};

/* A register that is only read: any, 31 often. */
static uint32_t r_src(gen_ctx *c) { return chance(c->r, 12) ? 31 : rnd(c->r, 31); }

/* A destination where 31 is XZR. */
static uint32_t r_dzr(gen_ctx *c)
{
    if (c->prog) return chance(c->r, 6) ? 31 : prog_dst[rnd(c->r, sizeof prog_dst)];
    return r_src(c);
}

/* A destination where 31 is SP: never SP in program mode, whose SP is a base. */
static uint32_t r_dsp(gen_ctx *c)
{
    if (c->prog) return prog_dst[rnd(c->r, sizeof prog_dst)];
    return r_src(c);
}

/* A destination different from the registers in avoid[] (31 counts as a
 * register too, so XZR/SP is never chosen twice). */
static uint32_t r_dzr_not(gen_ctx *c, uint32_t a, uint32_t b, uint32_t d)
{
    for (;;) {
        uint32_t r = r_dzr(c);
        if (r != a && r != b && r != d) return r;
    }
}

/* The effective address a single-mode access should use: mostly inside
 * the data window, sometimes straddling its end, in code, or unmapped. */
static uint64_t pick_addr(gen_ctx *c, uint32_t size, int must_align)
{
    uint64_t a;
    uint32_t p = rnd(c->r, 100);
    if (p < 72) {
        a = WIN_BASE + rnd(c->r, WIN_SIZE - 64);
        if (chance(c->r, must_align ? 85 : 60)) a &= ~(uint64_t)(size - 1);
    } else if (p < 80) {
        a = MEM_SIZE - 1 - rnd(c->r, 2 * size + 8);
        if (chance(c->r, 50)) a &= ~(uint64_t)(size - 1);
    } else if (p < 86) {
        a = CODE_BASE + rnd(c->r, CODE_SIZE - 64);
        if (chance(c->r, 70)) a &= ~(uint64_t)(size - 1);
    } else if (p < 94) {
        a = MEM_SIZE + rnd(c->r, 0x10000);
        if (chance(c->r, 70)) a &= ~(uint64_t)(size - 1);
    } else {
        a = gen_value(c->r);
    }
    return a;
}

/* Points base register rn (31 = SP) so that rn + off hits a chosen address. */
static void point(gen_ctx *c, uint32_t rn, int64_t off, uint32_t size, int must_align)
{
    if (c->prog) return;
    c->x[rn] = pick_addr(c, size, must_align) - (uint64_t)off;
}

/* Base registers: anything in single mode; the reserved bases in programs. */
static uint32_t r_base(gen_ctx *c) { return c->prog ? (chance(c->r, 70) ? PROG_BASE : 31) : r_src(c); }
static uint32_t r_wbase(gen_ctx *c) { return c->prog ? PROG_WBASE : r_src(c); }

static uint32_t cond(gen_ctx *c) { return rnd(c->r, 16); }

/* ------------------------------------------------ data processing, immediate */

/* C4.1.86.1 PC-rel. addressing: op immlo 10000 immhi Rd */
static uint32_t g_pcrel(gen_ctx *c)
{
    return (rnd(c->r, 2) << 31) | (rnd(c->r, 4) << 29) | (0x10u << 24) | (rnd(c->r, 1u << 19) << 5) |
           r_dzr(c);
}

/* C4.1.86.2 Add/subtract (immediate): sf op S 100010 sh imm12 Rn Rd */
static uint32_t g_addsub_imm(gen_ctx *c)
{
    uint32_t S = rnd(c->r, 2);
    uint32_t imm12 = chance(c->r, 30) ? rnd(c->r, 4) : (chance(c->r, 20) ? 0xfffu - rnd(c->r, 4) : rnd(c->r, 4096));
    return (rnd(c->r, 2) << 31) | (rnd(c->r, 2) << 30) | (S << 29) | (0x22u << 23) |
           (rnd(c->r, 2) << 22) | (imm12 << 10) | (r_src(c) << 5) | (S ? r_dzr(c) : r_dsp(c));
}

/* A valid (N, immr, imms) bitmask triple for width 32 or 64. */
static void bitmask(gen_ctx *c, int sf, uint32_t *N, uint32_t *immr, uint32_t *imms)
{
    uint32_t len = 1 + rnd(c->r, sf ? 6 : 5); /* esize = 1 << len, 2..64 */
    uint32_t e = 1u << len;
    uint32_t S = rnd(c->r, e - 1), R = rnd(c->r, e);
    *N = len == 6;
    /* imms: ones above the element's field mark its size (0 for 32, 10 for 16 ...) */
    *imms = len == 6 ? S : ((0x3fu << (len + 1)) & 0x3fu) | S;
    *imms &= 0x3f;
    /* Bits of immr above the element size are ignored (R = immr AND levels). */
    *immr = chance(c->r, 85) ? R : (R | (rnd(c->r, 64) & ~(e - 1) & (sf ? 0x3fu : 0x1fu)));
}

/* C4.1.86.3 Logical (immediate): sf opc 100100 N immr imms Rn Rd */
static uint32_t g_logic_imm(gen_ctx *c)
{
    uint32_t sf = rnd(c->r, 2), opc = rnd(c->r, 4), N, immr, imms;
    bitmask(c, (int)sf, &N, &immr, &imms);
    return (sf << 31) | (opc << 29) | (0x24u << 23) | (N << 22) | (immr << 16) | (imms << 10) |
           (r_src(c) << 5) | (opc == 3 ? r_dzr(c) : r_dsp(c));
}

/* C4.1.86.4 Move wide (immediate): sf opc 100101 hw imm16 Rd */
static uint32_t g_movewide(gen_ctx *c)
{
    static const uint32_t opcs[] = {0, 2, 3};
    uint32_t sf = rnd(c->r, 2);
    uint32_t imm16 = chance(c->r, 30) ? (uint32_t)gen_value(c->r) & 0xffff : rnd(c->r, 65536);
    return (sf << 31) | (opcs[rnd(c->r, 3)] << 29) | (0x25u << 23) | (rnd(c->r, sf ? 4 : 2) << 21) |
           (imm16 << 5) | r_dzr(c);
}

/* C4.1.86.5 Bitfield: sf opc 100110 N immr imms Rn Rd (N = sf) */
static uint32_t g_bitfield(gen_ctx *c)
{
    uint32_t sf = rnd(c->r, 2), w = sf ? 64 : 32;
    return (sf << 31) | (rnd(c->r, 3) << 29) | (0x26u << 23) | (sf << 22) | (rnd(c->r, w) << 16) |
           (rnd(c->r, w) << 10) | (r_src(c) << 5) | r_dzr(c);
}

/* C4.1.86.6 Extract: sf 00 100111 N 0 Rm imms Rn Rd (N = sf) */
static uint32_t g_extract(gen_ctx *c)
{
    uint32_t sf = rnd(c->r, 2);
    return (sf << 31) | (0x27u << 23) | (sf << 22) | (r_src(c) << 16) | (rnd(c->r, sf ? 64 : 32) << 10) |
           (r_src(c) << 5) | r_dzr(c);
}

/* ------------------------------------------------------------- branches */

static int32_t branch_words(gen_ctx *c, int bits)
{
    /* Near targets mostly (mapped code), the whole range sometimes. */
    if (chance(c->r, 70)) return (int32_t)rnd(c->r, 64) - 32;
    return (int32_t)(rng_next(c->r) & ((1u << bits) - 1)) - (1 << (bits - 1));
}

/* C4.1.87.1 Conditional branch (immediate): 0101010 0 imm19 0 cond */
static uint32_t g_bcond(gen_ctx *c)
{
    return 0x54000000u | (((uint32_t)branch_words(c, 19) & 0x7ffff) << 5) | cond(c);
}

/* C4.1.87.4 Exception generation: SVC, BRK, HLT with a random imm16 */
static uint32_t g_exception(gen_ctx *c)
{
    static const uint32_t base[] = {0xd4000001u, 0xd4200000u, 0xd4400000u};
    return base[rnd(c->r, 3)] | (rnd(c->r, 65536) << 5);
}

/* C4.1.87.6 Hints: 1101010100 0 00 011 0010 CRm op2 11111, every value */
static uint32_t g_hint(gen_ctx *c)
{
    return 0xd503201fu | (rnd(c->r, 128) << 5);
}

/* C4.1.87.8 Barriers: CLREX (op2 010), DSB (100), DMB (101), ISB (110) */
static uint32_t g_barrier(gen_ctx *c)
{
    static const uint32_t op2[] = {2, 4, 5, 6};
    return 0xd503301fu | (rnd(c->r, 16) << 8) | (op2[rnd(c->r, 4)] << 5);
}

/* C4.1.87.11 System instructions (SYS): the cache maintenance EL0 may run,
 * SYS #3, C7, Cm, #1, Xt.  DC ZVA is left out: DCZID_EL0.DZP says it is
 * prohibited (libarmgpu) while Unicorn, at EL1, would run it. */
static uint32_t g_cache(gen_ctx *c)
{
    static const uint32_t crm[] = {5, 10, 11, 12, 13, 14};
    uint32_t rt = r_src(c);
    if (!c->prog && rt != 31) c->x[rt] = pick_addr(c, 64, 0);
    return 0xd5080000u | (3u << 16) | (7u << 12) | (crm[rnd(c->r, 6)] << 8) | (1u << 5) | rt;
}

/* C4.1.87.13 System register move: MRS and MSR of what EL0 may use. */
#define SR(op0, op1, crn, crm, op2) (((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
static uint32_t g_sysreg(gen_ctx *c)
{
    static const uint32_t rw[] = {SR(3, 3, 4, 2, 0), SR(3, 3, 4, 4, 0), SR(3, 3, 4, 4, 1), SR(3, 3, 13, 0, 2)};
    static const uint32_t ro[] = {SR(3, 3, 14, 0, 2), SR(3, 3, 14, 0, 0), SR(3, 3, 0, 0, 1), SR(3, 3, 0, 0, 7)};
    int msr = chance(c->r, 50);
    uint32_t sr;
    if (c->prog) {
        /* Programs move NZCV and TPIDR_EL0 both ways and read FPCR/FPSR:
         * writes of FPCR/FPSR and the counter registers are checked by the
         * single-instruction tests, where their known divergences are
         * recognised (docs/difftest.md). */
        sr = msr ? rw[rnd(c->r, 2) * 3] : rw[rnd(c->r, 4)];
    } else {
        sr = msr ? rw[rnd(c->r, 4)] : (chance(c->r, 75) ? rw[rnd(c->r, 4)] : ro[rnd(c->r, 4)]);
    }
    return (msr ? 0xd5000000u : 0xd5200000u) | (sr << 5) | (msr ? r_src(c) : r_dzr(c));
}

/* C4.1.87.14 Unconditional branch (register): BR, BLR, RET */
static uint32_t g_branch_reg(gen_ctx *c)
{
    uint32_t rn = r_src(c);
    if (!c->prog && rn != 31 && chance(c->r, 60))
        c->x[rn] = SINGLE_PC + (uint64_t)(int64_t)(4 * branch_words(c, 10)) + (chance(c->r, 10) ? rnd(c->r, 4) : 0);
    return 0xd61f0000u | (rnd(c->r, 3) << 21) | (rn << 5);
}

/* C4.1.87.15 Unconditional branch (immediate): op 00101 imm26 */
static uint32_t g_branch_imm(gen_ctx *c)
{
    return (rnd(c->r, 2) << 31) | 0x14000000u | ((uint32_t)branch_words(c, 26) & 0x3ffffff);
}

/* C4.1.87.16 Compare and branch: sf 011010 op imm19 Rt */
static uint32_t g_cb(gen_ctx *c)
{
    return (rnd(c->r, 2) << 31) | 0x34000000u | (rnd(c->r, 2) << 24) |
           (((uint32_t)branch_words(c, 19) & 0x7ffff) << 5) | r_src(c);
}

/* C4.1.87.17 Test and branch: b5 011011 op b40 imm14 Rt */
static uint32_t g_tb(gen_ctx *c)
{
    return (rnd(c->r, 2) << 31) | 0x36000000u | (rnd(c->r, 2) << 24) | (rnd(c->r, 32) << 19) |
           (((uint32_t)branch_words(c, 14) & 0x3fff) << 5) | r_src(c);
}

/* ----------------------------------------------------------- loads/stores */

/* C4.1.88.1/.4 Compare and swap: CAS (size 001000 1 L 1 Rs o0 11111 Rn Rt)
 * and CASP (0 sz 001000 0 L 1 Rs o0 11111 Rn Rt, Rs and Rt even). */
static uint32_t g_cas(gen_ctx *c)
{
    uint32_t L = rnd(c->r, 2), o0 = rnd(c->r, 2), rn = r_base(c);
    if (chance(c->r, 30)) {
        uint32_t sz = rnd(c->r, 2), rs, rt;
        if (c->prog) {
            rs = 2 * rnd(c->r, 12);
            rt = 2 * rnd(c->r, 12);
        } else {
            rs = 2 * rnd(c->r, 16);
            rt = 2 * rnd(c->r, 16);
        }
        point(c, rn, 0, 8u << sz, 1);
        return (sz << 30) | 0x08207c00u | (L << 22) | (rs << 16) | (o0 << 15) | (rn << 5) | rt;
    }
    uint32_t size = rnd(c->r, 4);
    point(c, rn, 0, 1u << size, 1);
    return (size << 30) | 0x08a07c00u | (L << 22) | (r_dzr(c) << 16) | (o0 << 15) | (rn << 5) | r_src(c);
}

/* C4.1.88.5 Load/store exclusive register and pair:
 * size 001000 0 L o21 Rs o0 Rt2 Rn Rt; the unused Rs/Rt2 fields are 11111.
 * Avoided as CONSTRAINED UNPREDICTABLE: STXR with Rs == Rt, Rt2 or Rn
 * (Rn != 31); LDXP with Rt == Rt2. */
static uint32_t g_exclusive(gen_ctx *c)
{
    uint32_t pair = chance(c->r, 30), L = rnd(c->r, 2), o0 = rnd(c->r, 2);
    uint32_t size = pair ? 2 + rnd(c->r, 2) : rnd(c->r, 4);
    if (c->prog) {
        /* A store exclusive of another size than the load exclusive is
         * CONSTRAINED UNPREDICTABLE (B2.9.5): one shape per program. */
        pair = (uint32_t)c->excl_shape >> 2;
        size = (uint32_t)c->excl_shape & 3;
    }
    uint32_t bytes = pair ? 2u << size : 1u << size;
    uint32_t rn = r_base(c), rt, rt2 = 31, rs = 31;
    if (L) {
        rt = r_dzr(c);
        if (pair) rt2 = r_dzr_not(c, rt, 99, 99);
    } else {
        rt = r_src(c);
        if (pair) rt2 = r_src(c);
        do rs = r_dzr(c);
        while (rs == rt || (pair && rs == rt2) || (rs == rn && rn != 31));
    }
    point(c, rn, 0, bytes, 1);
    uint32_t insn = (size << 30) | 0x08000000u | (L << 22) | (pair << 21) | (rs << 16) | (o0 << 15) |
                    (rt2 << 10) | (rn << 5) | rt;
    /* Half the store exclusives follow a load exclusive of the same shape,
     * so the monitor is open and the store can succeed. */
    if (!L && !c->prog && chance(c->r, 60)) {
        uint32_t a = rn, b = rs;
        uint32_t lt = 0, lt2 = 1;
        while (lt == a || lt == b || lt == rt || lt == rt2) lt++;
        lt2 = lt + 1;
        while (lt2 == a || lt2 == b || lt2 == rt || lt2 == rt2) lt2++;
        c->prefix = enc_ldxr_for(insn, lt, pair ? lt2 : 31);
    }
    return insn;
}

uint32_t enc_ldxr_for(uint32_t stxr, uint32_t rt, uint32_t rt2)
{
    /* Same size, pair bit and Rn; L = 1, Rs = 11111, o0 = 0. */
    return (stxr & 0xc0200000u) | 0x08000000u | (1u << 22) | (31u << 16) | (rt2 << 10) |
           (stxr & (31u << 5)) | rt;
}

/* C4.1.88.6 Load-acquire/store-release: size 001000 1 L 0 11111 1 11111 Rn Rt */
static uint32_t g_ordered(gen_ctx *c)
{
    uint32_t size = rnd(c->r, 4), L = rnd(c->r, 2), rn = r_base(c);
    point(c, rn, 0, 1u << size, 1);
    return (size << 30) | 0x08800000u | (L << 22) | (31u << 16) | (1u << 15) | (31u << 10) | (rn << 5) |
           (L ? r_dzr(c) : r_src(c));
}

/* C4.1.88.8 Load register (literal): opc 011 0 00 imm19 Rt */
static uint32_t g_literal(gen_ctx *c)
{
    uint32_t opc = rnd(c->r, 4);
    int32_t words;
    if (chance(c->r, 80)) words = (int32_t)rnd(c->r, 0x600) - 0x1fc; /* code page and window */
    else words = (int32_t)(rng_next(c->r) & 0x7ffff) - 0x40000;
    return (opc << 30) | 0x18000000u | (((uint32_t)words & 0x7ffff) << 5) | r_dzr(c);
}

/* C4.1.88.10-13 Load/store pair: opc 101 0 type L imm7 Rt2 Rn Rt.
 * Avoided as CONSTRAINED UNPREDICTABLE: loads with Rt == Rt2; writeback
 * with Rt or Rt2 == Rn (Rn != 31). */
static uint32_t g_pair(gen_ctx *c)
{
    uint32_t type = rnd(c->r, 4), L = rnd(c->r, 2), opc;
    do opc = rnd(c->r, 3); while (opc == 1 && (!L || type == 0));
    uint32_t scale = 2 + (opc >> 1), bytes = 1u << scale;
    int wb = type == 1 || type == 3;
    uint32_t rn = wb ? r_wbase(c) : r_base(c), rt, rt2;
    int32_t imm7 = c->prog ? (int32_t)rnd(c->r, 17) - 8 : (int32_t)rnd(c->r, 128) - 64;
    for (;;) {
        rt = L ? r_dzr(c) : r_src(c);
        rt2 = L ? r_dzr(c) : r_src(c);
        if (L && rt == rt2) continue;
        if (wb && rn != 31 && (rt == rn || rt2 == rn)) continue;
        break;
    }
    point(c, rn, type == 1 ? 0 : (int64_t)imm7 * bytes, 2 * bytes, 0);
    return (opc << 30) | 0x28000000u | (type << 23) | (L << 22) | (((uint32_t)imm7 & 0x7f) << 15) |
           (rt2 << 10) | (rn << 5) | rt;
}

/* size/opc of a single-register load/store: every allocated pair, PRFM
 * (size 3, opc 2) only where allow_prfm. */
static void ldst_size_opc(gen_ctx *c, int allow_prfm, uint32_t *size, uint32_t *opc)
{
    for (;;) {
        *size = rnd(c->r, 4);
        *opc = rnd(c->r, 4);
        if (*opc == 2 && *size == 3 && !allow_prfm) continue;
        if (*opc == 3 && *size >= 2) continue;
        return;
    }
}

static uint32_t ldst_rt(gen_ctx *c, uint32_t size, uint32_t opc, uint32_t rn, int wb)
{
    for (;;) {
        uint32_t rt = (opc == 0 || (opc == 2 && size == 3)) ? r_src(c) : r_dzr(c);
        if (wb && rn != 31 && rt == rn) continue; /* CONSTRAINED UNPREDICTABLE */
        return rt;
    }
}

/* C4.1.88.20 Load/store register (unsigned immediate): size 111 0 01 opc imm12 Rn Rt */
static uint32_t g_uimm(gen_ctx *c)
{
    uint32_t size, opc;
    ldst_size_opc(c, 1, &size, &opc);
    uint32_t rn = r_base(c);
    uint32_t imm12 = c->prog ? rnd(c->r, 0x400u >> size) : (chance(c->r, 80) ? rnd(c->r, 0x200) : rnd(c->r, 4096));
    point(c, rn, (int64_t)imm12 << size, 1u << size, 0);
    return (size << 30) | 0x39000000u | (opc << 22) | (imm12 << 10) | (rn << 5) | ldst_rt(c, size, opc, rn, 0);
}

static int32_t imm9(gen_ctx *c) { return c->prog ? (int32_t)rnd(c->r, 129) - 64 : (int32_t)rnd(c->r, 512) - 256; }

/* C4.1.88.14-17: size 111 0 00 opc 0 imm9 op Rn Rt, op = 00 unscaled,
 * 01 post-index, 10 unprivileged, 11 pre-index. */
static uint32_t ldst_imm9(gen_ctx *c, uint32_t op)
{
    uint32_t size, opc;
    int wb = op == 1 || op == 3;
    ldst_size_opc(c, op == 0, &size, &opc);
    uint32_t rn = wb ? r_wbase(c) : r_base(c);
    int32_t imm = imm9(c);
    point(c, rn, op == 1 ? 0 : imm, 1u << size, 0);
    return (size << 30) | 0x38000000u | (opc << 22) | (((uint32_t)imm & 0x1ff) << 12) | (op << 10) |
           (rn << 5) | ldst_rt(c, size, opc, rn, wb);
}
static uint32_t g_unscaled(gen_ctx *c) { return ldst_imm9(c, 0); }
static uint32_t g_index(gen_ctx *c) { return ldst_imm9(c, chance(c->r, 50) ? 1 : 3); }
static uint32_t g_unpriv(gen_ctx *c) { return ldst_imm9(c, 2); }

/* C4.1.88.18 Load/store register (register offset):
 * size 111 0 00 opc 1 Rm option S 10 Rn Rt, option UXTW, LSL, SXTW, SXTX */
static uint32_t g_regoff(gen_ctx *c)
{
    static const uint32_t opts[] = {2, 3, 6, 7};
    uint32_t size, opc;
    ldst_size_opc(c, 1, &size, &opc);
    uint32_t option = opts[rnd(c->r, 4)], S = rnd(c->r, 2), rn = r_base(c);
    uint32_t rm = c->prog ? PROG_ROFF : r_src(c);
    if (!c->prog && rm != 31 && rm != rn) {
        int shift = S ? (int)size : 0;
        int64_t k = (int64_t)rnd(c->r, 512) - ((option & 4) ? 256 : 0);
        uint64_t hi = (option & 1) ? 0 : (rng_next(c->r) & 0xffffffff00000000ull);
        c->x[rm] = (option & 1) ? (uint64_t)k : (hi | (uint32_t)k);
        if (option == 3 && k < 0) c->x[rm] = (uint64_t)k;
        point(c, rn, k * ((int64_t)1 << shift), 1u << size, 0);
    } else if (!c->prog && rn != 31) {
        c->x[rn] = pick_addr(c, 1u << size, 0);
    }
    return (size << 30) | 0x38200800u | (opc << 22) | (rm << 16) | (option << 13) | (S << 12) | (rn << 5) |
           ldst_rt(c, size, opc, rn, 0);
}

/* C4.1.88.7 Atomic memory operations: size 111 0 00 A R 1 Rs o3 opc 00 Rn Rt,
 * LDADD..LDUMIN (o3 = 0) and SWP (o3 = 1, opc = 000). */
static uint32_t g_atomic(gen_ctx *c)
{
    uint32_t size = rnd(c->r, 4), swp = chance(c->r, 20), rn = r_base(c);
    point(c, rn, 0, 1u << size, 1);
    return (size << 30) | 0x38200000u | (rnd(c->r, 2) << 23) | (rnd(c->r, 2) << 22) | (r_src(c) << 16) |
           (swp << 15) | ((swp ? 0 : rnd(c->r, 8)) << 12) | (rn << 5) | r_dzr(c);
}

/* --------------------------------------------------- data processing, register */

static uint32_t shift_amount(gen_ctx *c, uint32_t sf)
{
    uint32_t w = sf ? 64 : 32;
    switch (rnd(c->r, 4)) {
    case 0: return 0;
    case 1: return w - 1;
    default: return rnd(c->r, w);
    }
}

/* C4.1.89.3 Logical (shifted register): sf opc 01010 shift N Rm imm6 Rn Rd */
static uint32_t g_logic_reg(gen_ctx *c)
{
    uint32_t sf = rnd(c->r, 2);
    return (sf << 31) | (rnd(c->r, 4) << 29) | 0x0a000000u | (rnd(c->r, 4) << 22) | (rnd(c->r, 2) << 21) |
           (r_src(c) << 16) | (shift_amount(c, sf) << 10) | (r_src(c) << 5) | r_dzr(c);
}

/* C4.1.89.4 Add/subtract (shifted register): sf op S 01011 shift 0 Rm imm6 Rn Rd */
static uint32_t g_addsub_shift(gen_ctx *c)
{
    uint32_t sf = rnd(c->r, 2);
    return (sf << 31) | (rnd(c->r, 2) << 30) | (rnd(c->r, 2) << 29) | 0x0b000000u | (rnd(c->r, 3) << 22) |
           (r_src(c) << 16) | (shift_amount(c, sf) << 10) | (r_src(c) << 5) | r_dzr(c);
}

/* C4.1.89.5 Add/subtract (extended register): sf op S 01011 00 1 Rm option imm3 Rn Rd */
static uint32_t g_addsub_ext(gen_ctx *c)
{
    uint32_t S = rnd(c->r, 2);
    return (rnd(c->r, 2) << 31) | (rnd(c->r, 2) << 30) | (S << 29) | 0x0b200000u | (r_src(c) << 16) |
           (rnd(c->r, 8) << 13) | (rnd(c->r, 5) << 10) | (r_src(c) << 5) | (S ? r_dzr(c) : r_dsp(c));
}

/* C4.1.89.6 Add/subtract (with carry): sf op S 11010000 Rm 000000 Rn Rd */
static uint32_t g_carry(gen_ctx *c)
{
    return (rnd(c->r, 2) << 31) | (rnd(c->r, 2) << 30) | (rnd(c->r, 2) << 29) | 0x1a000000u |
           (r_src(c) << 16) | (r_src(c) << 5) | r_dzr(c);
}

/* C4.1.89.10/11 Conditional compare (register, immediate):
 * sf op 1 11010010 Rm|imm5 cond imm 0 Rn 0 nzcv */
static uint32_t g_ccmp(gen_ctx *c)
{
    return (rnd(c->r, 2) << 31) | (rnd(c->r, 2) << 30) | 0x3a400000u | (rnd(c->r, 32) << 16) |
           (cond(c) << 12) | (rnd(c->r, 2) << 11) | (r_src(c) << 5) | rnd(c->r, 16);
}

/* C4.1.89.12 Conditional select: sf op 0 11010100 Rm cond 0 o2 Rn Rd */
static uint32_t g_csel(gen_ctx *c)
{
    return (rnd(c->r, 2) << 31) | (rnd(c->r, 2) << 30) | 0x1a800000u | (r_src(c) << 16) | (cond(c) << 12) |
           (rnd(c->r, 2) << 10) | (r_src(c) << 5) | r_dzr(c);
}

/* C4.1.89.1 Data-processing (2 source): sf 0 0 11010110 Rm opcode Rn Rd */
static uint32_t g_2src(gen_ctx *c)
{
    static const uint32_t ops[] = {2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23};
    uint32_t op = ops[rnd(c->r, 14)], sf;
    if (op >= 16) sf = (op & 3) == 3;
    else sf = rnd(c->r, 2);
    return (sf << 31) | 0x1ac00000u | (r_src(c) << 16) | (op << 10) | (r_src(c) << 5) | r_dzr(c);
}

/* C4.1.89.2 Data-processing (1 source): sf 1 0 11010110 00000 opcode Rn Rd */
static uint32_t g_1src(gen_ctx *c)
{
    uint32_t op = rnd(c->r, 6), sf = op == 3 ? 1 : rnd(c->r, 2);
    return (sf << 31) | 0x5ac00000u | (op << 10) | (r_src(c) << 5) | r_dzr(c);
}

/* C4.1.89.13 Data-processing (3 source): sf 00 11011 op31 Rm o0 Ra Rn Rd;
 * SMULH/UMULH have Ra = 11111. */
static uint32_t g_3src(gen_ctx *c)
{
    static const uint32_t op31s[] = {0, 1, 5, 2, 6};
    uint32_t op31 = op31s[rnd(c->r, 5)], sf = op31 == 0 ? rnd(c->r, 2) : 1;
    uint32_t o0 = (op31 == 2 || op31 == 6) ? 0 : rnd(c->r, 2);
    uint32_t ra = (op31 == 2 || op31 == 6) ? 31 : r_src(c);
    return (sf << 31) | 0x1b000000u | (op31 << 21) | (r_src(c) << 16) | (o0 << 15) | (ra << 10) |
           (r_src(c) << 5) | r_dzr(c);
}

/* ----------------------------------------------------------------- table */

/* ------------------------------------- SIMD&FP loads/stores, Advanced SIMD */

void gen_vvalue(rng *r, uint64_t v[2])
{
    uint32_t k = rnd(r, 8);
    if (k < 3) {
        v[0] = rng_next(r);
        v[1] = rng_next(r);
        return;
    }
    if (k < 5) {
        v[0] = gen_value(r);
        v[1] = gen_value(r);
        return;
    }
    /* Elements of one size, each at a boundary or small. */
    uint32_t bits = 8u << rnd(r, 4);
    uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1;
    for (int w = 0; w < 2; w++) {
        uint64_t x = 0;
        for (uint32_t pos = 0; pos < 64; pos += bits) {
            uint64_t e;
            switch (rnd(r, 8)) {
            case 0: e = 0; break;
            case 1: e = 1; break;
            case 2: e = m; break;
            case 3: e = m >> 1; break;                 /* signed max */
            case 4: e = (m >> 1) + 1; break;           /* signed min */
            case 5: e = rnd(r, 64); break;             /* small: shift counts, table indices */
            case 6: e = (m >> 1) + rnd(r, 3) - 1; break;
            default: e = rng_next(r); break;
            }
            x |= (e & m) << pos;
        }
        v[w] = x;
    }
}

/* A V register: any of the 32. */
static uint32_t v_reg(gen_ctx *c) { return rnd(c->r, 32); }

/* Vector and scalar-SIMD floating point (S and D elements) in the simd.*
 * groups: operands biased like the scalar FP generators (gen_fpvalue), and
 * a random FPCR (rounding mode, FZ, DN, AHP). */
static void vfp_src(gen_ctx *c, uint32_t n, int fmt)
{
    if (!c->v) return;
    for (int w = 0; w < 2; w++) {
        uint64_t x = 0;
        for (int pos = 0; pos < 64; pos += fmt) x |= gen_fpvalue(c->r, fmt) << pos;
        c->v[n][w] = x;
    }
}

static void vfp_env(gen_ctx *c)
{
    if (c->fpcr) {
        uint64_t f = (uint64_t)rnd(c->r, 4) << 22;
        if (chance(c->r, 30)) f |= 1ull << 24; /* FZ */
        if (chance(c->r, 30)) f |= 1ull << 25; /* DN */
        if (chance(c->r, 20)) f |= 1ull << 26; /* AHP */
        if (chance(c->r, 30)) f |= 1ull << 19; /* FZ16 */
        *c->fpcr = f;
    }
    if (c->fpsr && chance(c->r, 85)) *c->fpsr = 0;
}

/* Three V registers with FP values of fmt bits; returns them in r[3]. */
static void vfp_regs(gen_ctx *c, uint32_t *r, int fmt)
{
    for (int i = 0; i < 3; i++) {
        r[i] = v_reg(c);
        vfp_src(c, r[i], fmt);
    }
    vfp_env(c);
}

/* Three same, FP: 0 Q U 01110 a sz 1 Rm opcode 1 Rn Rd (key = U:a:opcode). */
static uint32_t g_simd_fp3same(gen_ctx *c, int scalar)
{
    static const uint8_t vk[] = {0x18, 0x38, 0x19, 0x39, 0x1a, 0x3a, 0x1b, 0x1c, 0x1e, 0x3e, 0x1f, 0x3f,
                                 0x58, 0x78, 0x5a, 0x7a, 0x5b, 0x5c, 0x7c, 0x5d, 0x7d, 0x5e, 0x7e, 0x5f};
    static const uint8_t sk[] = {0x1b, 0x1c, 0x1f, 0x3f, 0x5c, 0x5d, 0x7a, 0x7c, 0x7d};
    uint32_t key = scalar ? sk[rnd(c->r, sizeof sk)] : vk[rnd(c->r, sizeof vk)], sz = rnd(c->r, 2), r[3];
    uint32_t Q = scalar ? 1 : (sz ? 1 : rnd(c->r, 2));
    vfp_regs(c, r, sz ? 64 : 32);
    return (scalar ? 0x5e200400u : (Q << 30) | 0x0e200400u) | ((key >> 6) << 29) | (((key >> 5) & 1) << 23) |
           (sz << 22) | (r[0] << 16) | ((key & 31) << 11) | (r[1] << 5) | r[2];
}

/* Two-register misc, FP: 0 Q U 01110 a sz 10000 opcode 10 Rn Rd. */
static uint32_t g_simd_fp2misc(gen_ctx *c, int scalar)
{
    static const uint8_t vk[] = {0x2c, 0x6c, 0x2d, 0x6d, 0x2e, 0x2f, 0x6f, 0x18, 0x38, 0x58, 0x79, 0x19, 0x39,
                                 0x59, 0x1a, 0x3a, 0x5a, 0x7a, 0x1b, 0x3b, 0x5b, 0x7b, 0x1c, 0x5c, 0x1d, 0x5d,
                                 0x3d, 0x7d, 0x7f, 0x16, 0x56, 0x17, 0x3c, 0x7c};
    static const uint8_t sk[] = {0x2c, 0x6c, 0x2d, 0x6d, 0x2e, 0x1a, 0x3a, 0x5a, 0x7a, 0x1b, 0x3b, 0x5b, 0x7b,
                                 0x1c, 0x5c, 0x1d, 0x5d, 0x3d, 0x7d, 0x3f, 0x56};
    uint32_t key = scalar ? sk[rnd(c->r, sizeof sk)] : vk[rnd(c->r, sizeof vk)], sz = rnd(c->r, 2), r[3];
    if (key == 0x56) sz = 1; /* FCVTXN: D to S only */
    if (key == 0x3c || key == 0x7c) sz = 0; /* URECPE, URSQRTE: 32-bit only */
    uint32_t Q = scalar ? 1 : ((sz && key != 0x16 && key != 0x56 && key != 0x17) ? 1 : rnd(c->r, 2));
    int fmt = sz ? 64 : 32;
    if (key == 0x17) fmt = sz ? 32 : 16;          /* FCVTL reads the narrow format */
    vfp_regs(c, r, fmt);
    if ((key == 0x1d || key == 0x5d) && c->v && chance(c->r, 50)) { /* SCVTF, UCVTF: integers */
        c->v[r[1]][0] = gen_value(c->r);
        c->v[r[1]][1] = gen_value(c->r);
    }
    return (scalar ? 0x5e200800u : (Q << 30) | 0x0e200800u) | ((key >> 6) << 29) | (((key >> 5) & 1) << 23) |
           (sz << 22) | ((key & 31) << 12) | (r[1] << 5) | r[2];
}

/* FMAXNMV, FMINNMV, FMAXV, FMINV (4S): 0 1 1 01110 a 0 11000 opcode 10 Rn Rd;
 * scalar pairwise: 01 1 11110 a sz 11000 opcode 10 Rn Rd. */
static uint32_t g_simd_fp_reduce(gen_ctx *c, int pairwise)
{
    static const uint8_t k[] = {0x4c, 0x6c, 0x4f, 0x6f, 0x4d};
    uint32_t key = k[rnd(c->r, pairwise ? 5 : 4)], sz = pairwise ? rnd(c->r, 2) : 0, r[3];
    vfp_regs(c, r, sz ? 64 : 32);
    return (pairwise ? 0x7e300800u : 0x6e300800u) | (((key >> 5) & 1) << 23) | (sz << 22) | ((key & 31) << 12) |
           (r[1] << 5) | r[2];
}

/* FMLA, FMLS, FMUL, FMULX (by element): 0 Q U 01111 1 sz L M Rm opcode H 0 Rn Rd. */
static uint32_t g_simd_fp_elem(gen_ctx *c, int scalar)
{
    static const uint8_t ops[][2] = {{0, 1}, {0, 5}, {0, 9}, {1, 9}};
    const uint8_t *op = ops[rnd(c->r, 4)];
    uint32_t sz = rnd(c->r, 2), Q = scalar ? 1 : (sz ? 1 : rnd(c->r, 2)), L = sz ? 0 : rnd(c->r, 2), r[3];
    vfp_regs(c, r, sz ? 64 : 32);
    return (scalar ? 0x5f800000u : (Q << 30) | 0x0f800000u) | ((uint32_t)op[0] << 29) | (sz << 22) | (L << 21) |
           (r[0] << 16) | ((uint32_t)op[1] << 12) | (rnd(c->r, 2) << 11) | (r[1] << 5) | r[2];
}

/* SCVTF, UCVTF, FCVTZS, FCVTZU (fixed point): 0 Q U 011110 immh immb opcode 1 Rn Rd. */
static uint32_t g_simd_fp_fixed(gen_ctx *c, int scalar)
{
    uint32_t sz = rnd(c->r, 2), Q = scalar ? 1 : (sz ? 1 : rnd(c->r, 2)), opcode = chance(c->r, 50) ? 0x1c : 0x1f;
    uint32_t immhb = sz ? 64 + rnd(c->r, 64) : 32 + rnd(c->r, 32), r[3];
    vfp_regs(c, r, sz ? 64 : 32);
    if (opcode == 0x1c && c->v && chance(c->r, 50)) c->v[r[1]][0] = gen_value(c->r);
    return (scalar ? 0x5f000400u : (Q << 30) | 0x0f000400u) | (rnd(c->r, 2) << 29) | (immhb << 16) |
           (opcode << 11) | (r[1] << 5) | r[2];
}

/* C4.1.88 Load/store register (SIMD&FP), unsigned offset, unscaled, pre-
 * and post-index, register offset; load/store pair (SIMD&FP); LDR (literal,
 * SIMD&FP).  scale 0..4 names B, H, S, D, Q: size = scale<1:0>, opc<1> = scale<2>. */
static uint32_t g_simd_ldst(gen_ctx *c)
{
    uint32_t form = rnd(c->r, 7), L = rnd(c->r, 2), rt = v_reg(c);
    if (form == 5) { /* pair: opc 00 S, 01 D, 10 Q; type 00 NP, 01 post, 10 offset, 11 pre */
        uint32_t opc = rnd(c->r, 3), type = rnd(c->r, 4), bytes = 4u << opc, rt2;
        int wb = type == 1 || type == 3;
        uint32_t rn = wb ? r_wbase(c) : r_base(c);
        int32_t imm7 = c->prog ? (int32_t)rnd(c->r, 17) - 8 : (int32_t)rnd(c->r, 128) - 64;
        do rt2 = v_reg(c); while (L && rt2 == rt); /* LDP Rt == Rt2: CONSTRAINED UNPREDICTABLE */
        point(c, rn, type == 1 ? 0 : (int64_t)imm7 * bytes, 2 * bytes, 0);
        return (opc << 30) | 0x2c000000u | (type << 23) | (L << 22) | (((uint32_t)imm7 & 0x7f) << 15) |
               (rt2 << 10) | (rn << 5) | rt;
    }
    if (form == 6) { /* literal: opc 00 S, 01 D, 10 Q */
        int32_t words = (int32_t)rnd(c->r, 0x600) - 0x1fc;
        return (rnd(c->r, 3) << 30) | 0x1c000000u | (((uint32_t)words & 0x7ffff) << 5) | rt;
    }
    uint32_t scale = rnd(c->r, 5), size = scale & 3, opc = ((scale >> 2) << 1) | L, bytes = 1u << scale;
    uint32_t head = (size << 30) | (opc << 22) | rt;
    if (form == 0) { /* unsigned offset */
        uint32_t rn = r_base(c);
        uint32_t imm12 = c->prog ? rnd(c->r, 0x400u >> scale) : (chance(c->r, 80) ? rnd(c->r, 0x200) : rnd(c->r, 4096));
        point(c, rn, (int64_t)imm12 << scale, bytes, 0);
        return head | 0x3d000000u | (imm12 << 10) | (rn << 5);
    }
    if (form <= 3) { /* op: 00 unscaled, 01 post-index, 11 pre-index */
        uint32_t op = form == 1 ? 0 : form == 2 ? 1 : 3;
        int wb = op != 0;
        uint32_t rn = wb ? r_wbase(c) : r_base(c);
        int32_t imm = imm9(c);
        point(c, rn, op == 1 ? 0 : imm, bytes, 0);
        return head | 0x3c000000u | (((uint32_t)imm & 0x1ff) << 12) | (op << 10) | (rn << 5);
    }
    { /* register offset: option UXTW, LSL, SXTW, SXTX */
        static const uint32_t opts[] = {2, 3, 6, 7};
        uint32_t option = opts[rnd(c->r, 4)], S = rnd(c->r, 2), rn = r_base(c);
        uint32_t rm = c->prog ? PROG_ROFF : r_src(c);
        if (!c->prog && rm != 31 && rm != rn) {
            int shift = S ? (int)scale : 0;
            int64_t k = (int64_t)rnd(c->r, 512) - ((option & 4) ? 256 : 0);
            uint64_t hi = (option & 1) ? 0 : (rng_next(c->r) & 0xffffffff00000000ull);
            c->x[rm] = (option & 1) ? (uint64_t)k : (hi | (uint32_t)k);
            if (option == 3 && k < 0) c->x[rm] = (uint64_t)k;
            point(c, rn, k * ((int64_t)1 << shift), bytes, 0);
        } else if (!c->prog && rn != 31) {
            c->x[rn] = pick_addr(c, bytes, 0);
        }
        return head | 0x3c200800u | (rm << 16) | (option << 13) | (S << 12) | (rn << 5);
    }
}

/* C4.1.88 Advanced SIMD load/store multiple structures (post-indexed) and
 * single structure (post-indexed): 0 Q 0011 0 P 0 L ... / 0 Q 0011 0 P 1 L R ... */
static uint32_t g_simd_struct(gen_ctx *c)
{
    uint32_t Q = rnd(c->r, 2), L = rnd(c->r, 2), post = rnd(c->r, 2), rt = v_reg(c), total, w;
    if (chance(c->r, 50)) {
        static const uint32_t ops[] = {0x0, 0x2, 0x4, 0x6, 0x7, 0x8, 0xa};
        static const uint32_t regs[] = {4, 4, 3, 3, 1, 2, 2};
        uint32_t i, size;
        for (;;) {
            i = rnd(c->r, 7);
            size = rnd(c->r, 4);
            if (!(size == 3 && !Q && (ops[i] == 0 || ops[i] == 4 || ops[i] == 8))) break;
        }
        total = regs[i] * (Q ? 16u : 8u);
        w = (Q << 30) | 0x0c000000u | (post << 23) | (L << 22) | (ops[i] << 12) | (size << 10) | rt;
    } else {
        uint32_t scale = rnd(c->r, 4), R = rnd(c->r, 2), sel = rnd(c->r, 2), S = rnd(c->r, 2), size = rnd(c->r, 4);
        uint32_t ebytes;
        switch (scale) {
        case 0: ebytes = 1; break;
        case 1: size &= 2; ebytes = 2; break;
        case 2: size &= 1; if (size) S = 0; ebytes = size ? 8 : 4; break;
        default: L = 1; S = 0; ebytes = 1u << size; break; /* LDnR */
        }
        total = (((sel << 1) | R) + 1) * ebytes;
        w = (Q << 30) | 0x0d000000u | (post << 23) | (L << 22) | (R << 21) | (((scale << 1) | sel) << 13) |
            (S << 12) | (size << 10) | rt;
    }
    uint32_t rn = post ? r_wbase(c) : r_base(c), rm = 0;
    if (post) rm = c->prog ? (chance(c->r, 50) ? 31 : PROG_ROFF) : (chance(c->r, 50) ? 31 : r_src(c));
    point(c, rn, 0, total, 0);
    if (post && !c->prog && rm != 31 && rm != rn) c->x[rm] = (uint64_t)(int64_t)((int)rnd(c->r, 256) - 128);
    return w | (rm << 16) | (rn << 5);
}

/* C4.1.90 Advanced SIMD table lookup, permute, extract. */
static uint32_t g_simd_permute(gen_ctx *c)
{
    uint32_t Q = rnd(c->r, 2), rd = v_reg(c), rn = v_reg(c), rm = v_reg(c), k = rnd(c->r, 3);
    if (k == 0) /* TBL, TBX: 0 Q 001110 00 0 Rm 0 len op 00 Rn Rd */
        return (Q << 30) | 0x0e000000u | (rm << 16) | (rnd(c->r, 4) << 13) | (rnd(c->r, 2) << 12) | (rn << 5) | rd;
    if (k == 1) { /* UZP1 TRN1 ZIP1 UZP2 TRN2 ZIP2: 0 Q 001110 size 0 Rm 0 opcode 10 Rn Rd */
        static const uint32_t ops[] = {1, 2, 3, 5, 6, 7};
        uint32_t size = rnd(c->r, Q ? 4 : 3);
        return (Q << 30) | 0x0e000000u | (size << 22) | (rm << 16) | (ops[rnd(c->r, 6)] << 12) | (2u << 10) |
               (rn << 5) | rd;
    }
    /* EXT: 0 Q 101110 00 0 Rm 0 imm4 0 Rn Rd */
    return (Q << 30) | 0x2e000000u | (rm << 16) | (rnd(c->r, Q ? 16 : 8) << 11) | (rn << 5) | rd;
}

/* imm5 for element size `size` and a random index. */
static uint32_t imm5_for(gen_ctx *c, uint32_t size)
{
    return ((rnd(c->r, 16u >> size) << 1 | 1) << size) & 31;
}

/* C4.1.90 Advanced SIMD copy: 0 Q op 01110000 imm5 0 imm4 1 Rn Rd. */
static uint32_t g_simd_copy(gen_ctx *c)
{
    uint32_t Q = rnd(c->r, 2), op = 0, imm4, size, rd, rn;
    switch (rnd(c->r, 6)) {
    case 0: /* DUP (element) */
        size = rnd(c->r, Q ? 4 : 3); imm4 = 0; rd = v_reg(c); rn = v_reg(c); break;
    case 1: /* DUP (general) */
        size = rnd(c->r, Q ? 4 : 3); imm4 = 1; rd = v_reg(c); rn = r_src(c); break;
    case 2: /* INS (general) */
        Q = 1; size = rnd(c->r, 4); imm4 = 3; rd = v_reg(c); rn = r_src(c); break;
    case 3: /* SMOV */
        size = rnd(c->r, Q ? 3 : 2); imm4 = 5; rd = r_dzr(c); rn = v_reg(c); break;
    case 4: /* UMOV */
        size = Q ? 3 : rnd(c->r, 3); imm4 = 7; rd = r_dzr(c); rn = v_reg(c); break;
    default: /* INS (element): imm4 = index2 << size, the low bits ignored */
        Q = 1; op = 1; size = rnd(c->r, 4); imm4 = rnd(c->r, 16); rd = v_reg(c); rn = v_reg(c); break;
    }
    return (Q << 30) | (op << 29) | 0x0e000000u | (imm5_for(c, size) << 16) | (imm4 << 11) | (1u << 10) |
           (rn << 5) | rd;
}

/* C4.1.90 Advanced SIMD three same (integer): 0 Q U 01110 size 1 Rm opcode 1 Rn Rd. */
static uint32_t g_simd_3same(gen_ctx *c)
{
    if (chance(c->r, 35)) return g_simd_fp3same(c, 0);
    static const uint8_t ops[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
                                  0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17};
    uint32_t Q = rnd(c->r, 2), U = rnd(c->r, 2), opcode = ops[rnd(c->r, sizeof ops)], size;
    int any = opcode == 0x01 || opcode == 0x05 || opcode == 0x06 || opcode == 0x07 || opcode == 0x08 ||
              opcode == 0x09 || opcode == 0x0a || opcode == 0x0b || opcode == 0x10 || opcode == 0x11 ||
              opcode == 0x17;
    if (opcode == 0x17) U = 0;
    if (opcode == 0x16) size = 1 + rnd(c->r, 2); /* SQDMULH, SQRDMULH: H, S */
    else if (opcode == 0x03) size = rnd(c->r, 4);
    else if (opcode == 0x13 && U) size = 0;
    else size = rnd(c->r, (any && Q) ? 4 : 3);
    return (Q << 30) | (U << 29) | 0x0e200400u | (size << 22) | (v_reg(c) << 16) | (opcode << 11) |
           (v_reg(c) << 5) | v_reg(c);
}

/* C4.1.90 Advanced SIMD three different: 0 Q U 01110 size 1 Rm opcode 00 Rn Rd. */
static uint32_t g_simd_3diff(gen_ctx *c)
{
    static const uint8_t ops[] = {0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0xa, 0xc, 0x9, 0xb, 0xd, 0xe};
    uint32_t opcode = ops[rnd(c->r, sizeof ops)], U = rnd(c->r, 2), size = rnd(c->r, 3);
    if (opcode == 0x9 || opcode == 0xb || opcode == 0xd) U = 0, size = 1 + rnd(c->r, 2); /* SQDML*L, SQDMULL */
    if (opcode == 0xe) U = 0, size = chance(c->r, 50) ? 0 : 3;                           /* PMULL 8H, 1Q */
    return (rnd(c->r, 2) << 30) | (U << 29) | 0x0e200000u | (size << 22) | (v_reg(c) << 16) | (opcode << 12) |
           (v_reg(c) << 5) | v_reg(c);
}

/* C4.1.90 Advanced SIMD two-register miscellaneous (integer):
 * 0 Q U 01110 size 10000 opcode 10 Rn Rd.  Each row: U (2 = either),
 * opcode, the largest size, and whether size 3 needs Q. */
static uint32_t g_simd_2misc(gen_ctx *c)
{
    if (chance(c->r, 40)) return g_simd_fp2misc(c, 0);
    static const uint8_t rows[][3] = {
        {0, 0x00, 2}, {1, 0x00, 1}, {0, 0x01, 0}, {2, 0x02, 2}, {2, 0x06, 2}, {2, 0x04, 2}, {0, 0x05, 0},
        {1, 0x05, 1}, {2, 0x07, 3}, {2, 0x08, 3}, {2, 0x09, 3}, {0, 0x0a, 3}, {2, 0x0b, 3}, {2, 0x12, 2},
        {1, 0x13, 2}, {2, 0x14, 2}, {2, 0x03, 3}};
    const uint8_t *row = rows[rnd(c->r, sizeof rows / sizeof rows[0])];
    uint32_t Q = rnd(c->r, 2), U = row[0] == 2 ? rnd(c->r, 2) : row[0], size = rnd(c->r, row[1 + 1] + 1u);
    if (size == 3) Q = 1;
    return (Q << 30) | (U << 29) | 0x0e200800u | (size << 22) | ((uint32_t)row[1] << 12) | (v_reg(c) << 5) |
           v_reg(c);
}

/* C4.1.90 Advanced SIMD across lanes (integer): 0 Q U 01110 size 11000 opcode 10 Rn Rd. */
static uint32_t g_simd_across(gen_ctx *c)
{
    if (chance(c->r, 25)) return g_simd_fp_reduce(c, 0);
    static const uint8_t ops[] = {0x03, 0x0a, 0x1a, 0x1b};
    uint32_t opcode = ops[rnd(c->r, 4)], U = opcode == 0x1b ? 0 : rnd(c->r, 2), Q = rnd(c->r, 2);
    uint32_t size = rnd(c->r, Q ? 3 : 2);
    return (Q << 30) | (U << 29) | 0x0e300800u | (size << 22) | (opcode << 12) | (v_reg(c) << 5) | v_reg(c);
}

/* C4.1.90 Advanced SIMD modified immediate: 0 Q op 0111100000 abc cmode o2 1 defgh Rd. */
static uint32_t g_simd_modimm(gen_ctx *c)
{
    uint32_t Q = rnd(c->r, 2), op = rnd(c->r, 2), cmode = rnd(c->r, 16), imm8 = rnd(c->r, 256);
    uint32_t o2 = cmode == 15 && !op && chance(c->r, 30); /* FMOV (vector, half) */
    if (cmode == 15 && op) Q = 1; /* FMOV (vector, double) has no 64-bit form */
    return (Q << 30) | (op << 29) | 0x0f000400u | ((imm8 >> 5) << 16) | (cmode << 12) | (o2 << 11) |
           ((imm8 & 31) << 5) | v_reg(c);
}

/* immh:immb for element size 8 << sz (immh's top set bit is bit sz). */
static uint32_t immhb_for(gen_ctx *c, uint32_t sz)
{
    return (1u << (sz + 3)) | rnd(c->r, 1u << (sz + 3));
}

/* C4.1.90 Advanced SIMD shift by immediate: 0 Q U 011110 immh immb opcode 1 Rn Rd. */
static uint32_t g_simd_shift(gen_ctx *c)
{
    if (chance(c->r, 20)) return g_simd_fp_fixed(c, 0);
    static const uint8_t ops[] = {0x00, 0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0e, 0x10, 0x11, 0x12, 0x13, 0x14};
    uint32_t opcode = ops[rnd(c->r, sizeof ops)], Q = rnd(c->r, 2), U = rnd(c->r, 2);
    uint32_t sz = opcode >= 0x10 ? rnd(c->r, 3) : rnd(c->r, Q ? 4 : 3);
    if (opcode == 0x08 || opcode == 0x0c) U = 1;
    return (Q << 30) | (U << 29) | 0x0f000400u | (immhb_for(c, sz) << 16) | (opcode << 11) | (v_reg(c) << 5) |
           v_reg(c);
}

/* C4.1.90 Advanced SIMD vector x indexed element (integer MUL, MLA, MLS, long forms):
 * 0 Q U 01111 size L M Rm opcode H 0 Rn Rd, size 01 or 10. */
static uint32_t g_simd_elem(gen_ctx *c)
{
    if (chance(c->r, 35)) return g_simd_fp_elem(c, 0);
    static const uint8_t rows[][2] = {{1, 0x0}, {1, 0x4}, {0, 0x8}, {2, 0x2}, {2, 0x6}, {2, 0xa},
                                      {0, 0x3}, {0, 0x7}, {0, 0xb}, {0, 0xc}, {0, 0xd}};
    const uint8_t *row = rows[rnd(c->r, sizeof rows / sizeof rows[0])];
    uint32_t U = row[0] == 2 ? rnd(c->r, 2) : row[0];
    return (rnd(c->r, 2) << 30) | (U << 29) | 0x0f000000u | ((1 + rnd(c->r, 2)) << 22) | (rnd(c->r, 4) << 20) |
           (rnd(c->r, 16) << 16) | ((uint32_t)row[1] << 12) | (rnd(c->r, 2) << 11) | (v_reg(c) << 5) | v_reg(c);
}

/* C4.1.90 Advanced SIMD scalar copy, three same, two-register misc,
 * pairwise and shift by immediate (the integer ops). */
static uint32_t g_simd_scalar(gen_ctx *c)
{
    uint32_t U = rnd(c->r, 2), rd = v_reg(c), rn = v_reg(c), size, opcode;
    switch (rnd(c->r, 12)) {
    case 7: return g_simd_fp3same(c, 1);
    case 8: return g_simd_fp2misc(c, 1);
    case 9: return g_simd_fp_reduce(c, 1);
    case 10: return g_simd_fp_elem(c, 1);
    case 11: return g_simd_fp_fixed(c, 1);
    case 5: { /* three different: 01 0 11110 size 1 Rm opcode 00 Rn Rd: SQDMLAL, SQDMLSL, SQDMULL */
        static const uint8_t ops[] = {0x9, 0xb, 0xd};
        return 0x5e200000u | ((1 + rnd(c->r, 2)) << 22) | (v_reg(c) << 16) | ((uint32_t)ops[rnd(c->r, 3)] << 12) |
               (rn << 5) | rd;
    }
    case 6: { /* by element: 01 0 11111 size L M Rm opcode H 0 Rn Rd: SQDML*L, SQDMULL, SQ[R]DMULH */
        static const uint8_t ops[] = {0x3, 0x7, 0xb, 0xc, 0xd};
        return 0x5f000000u | ((1 + rnd(c->r, 2)) << 22) | (rnd(c->r, 4) << 20) | (rnd(c->r, 16) << 16) |
               ((uint32_t)ops[rnd(c->r, 5)] << 12) | (rnd(c->r, 2) << 11) | (rn << 5) | rd;
    }
    case 0: /* DUP (element, scalar): 01 0 11110000 imm5 0 0000 1 Rn Rd */
        return 0x5e000400u | (imm5_for(c, rnd(c->r, 4)) << 16) | (rn << 5) | rd;
    case 1: { /* three same: 01 U 11110 size 1 Rm opcode 1 Rn Rd */
        static const uint8_t ops[] = {0x01, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x16};
        opcode = ops[rnd(c->r, sizeof ops)];
        size = (opcode == 0x01 || opcode == 0x05 || opcode == 0x09 || opcode == 0x0b) ? rnd(c->r, 4) : 3;
        if (opcode == 0x16) size = 1 + rnd(c->r, 2);
        return 0x5e200400u | (U << 29) | (size << 22) | (v_reg(c) << 16) | (opcode << 11) | (rn << 5) | rd;
    }
    case 2: { /* two-register misc: 01 U 11110 size 10000 opcode 10 Rn Rd */
        static const uint8_t ops[] = {0x03, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x12, 0x14};
        opcode = ops[rnd(c->r, sizeof ops)];
        if (opcode == 0x0a) U = 0;
        if (opcode == 0x12) U = 1;
        size = opcode <= 0x07 ? rnd(c->r, 4) : opcode >= 0x12 ? rnd(c->r, 3) : 3;
        return 0x5e200800u | (U << 29) | (size << 22) | (opcode << 12) | (rn << 5) | rd;
    }
    case 3: /* ADDP (scalar): 01 0 11110 11 11000 11011 10 Rn Rd */
        return 0x5ef1b800u | (rn << 5) | rd;
    default: { /* shift by immediate: 01 U 111110 immh immb opcode 1 Rn Rd; D only but for
                * the saturating shifts (any size) and the saturating narrows (B, H, S) */
        static const uint8_t ops[] = {0x00, 0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0e, 0x10, 0x11, 0x12, 0x13};
        opcode = ops[rnd(c->r, sizeof ops)];
        if (opcode == 0x08 || opcode == 0x0c || opcode == 0x10 || opcode == 0x11) U = 1;
        size = opcode >= 0x10 ? rnd(c->r, 3) : (opcode == 0x0c || opcode == 0x0e) ? rnd(c->r, 4) : 3;
        return 0x5f000400u | (U << 29) | (immhb_for(c, size) << 16) | (opcode << 11) | (rn << 5) | rd;
    }
    }
}

const gen_entry gen_table[] = {
    {"dp_imm.pcrel", g_pcrel, 0},
    {"dp_imm.addsub", g_addsub_imm, 0},
    {"dp_imm.logical", g_logic_imm, 0},
    {"dp_imm.movewide", g_movewide, 0},
    {"dp_imm.bitfield", g_bitfield, 0},
    {"dp_imm.extract", g_extract, 0},
    {"branch.cond", g_bcond, 1},
    {"system.exception", g_exception, 0},
    {"system.hint", g_hint, 0},
    {"system.barrier", g_barrier, 0},
    {"system.cache", g_cache, 0},
    {"system.sysreg", g_sysreg, 0},
    {"branch.register", g_branch_reg, 4},
    {"branch.imm", g_branch_imm, 3},
    {"branch.compare", g_cb, 1},
    {"branch.test", g_tb, 2},
    {"ldst.cas", g_cas, 0},
    {"ldst.exclusive", g_exclusive, 0},
    {"ldst.ordered", g_ordered, 0},
    {"ldst.literal", g_literal, 5},
    {"ldst.pair", g_pair, 0},
    {"ldst.uimm", g_uimm, 0},
    {"ldst.unscaled", g_unscaled, 0},
    {"ldst.index", g_index, 0},
    {"ldst.unpriv", g_unpriv, 0},
    {"ldst.regoff", g_regoff, 0},
    {"ldst.atomic", g_atomic, 0},
    {"dp_reg.logical", g_logic_reg, 0},
    {"dp_reg.addsub", g_addsub_shift, 0},
    {"dp_reg.addsub_ext", g_addsub_ext, 0},
    {"dp_reg.carry", g_carry, 0},
    {"dp_reg.condcmp", g_ccmp, 0},
    {"dp_reg.condsel", g_csel, 0},
    {"dp_reg.2src", g_2src, 0},
    {"dp_reg.1src", g_1src, 0},
    {"dp_reg.3src", g_3src, 0},
    {"simd.struct", g_simd_struct, 0},
    {"simd.ldst", g_simd_ldst, 0},
    {"simd.permute", g_simd_permute, 0},
    {"simd.copy", g_simd_copy, 0},
    {"simd.3same", g_simd_3same, 0},
    {"simd.3diff", g_simd_3diff, 0},
    {"simd.2misc", g_simd_2misc, 0},
    {"simd.across", g_simd_across, 0},
    {"simd.modimm", g_simd_modimm, 0},
    {"simd.shift", g_simd_shift, 0},
    {"simd.elem", g_simd_elem, 0},
    {"simd.scalar", g_simd_scalar, 0},
    /* scalar floating point: gen_fp.c */
    {"fp.dp1", g_fp_dp1, 0},
    {"fp.dp2", g_fp_dp2, 0},
    {"fp.dp3", g_fp_dp3, 0},
    {"fp.compare", g_fp_compare, 0},
    {"fp.csel", g_fp_csel, 0},
    {"fp.imm", g_fp_imm, 0},
    {"fp.convert", g_fp_convert, 0},
};
const int gen_table_len = (int)(sizeof gen_table / sizeof gen_table[0]);

const gen_entry *gen_find(const char *cls)
{
    for (int i = 0; i < gen_table_len; i++)
        if (!strcmp(gen_table[i].cls, cls)) return &gen_table[i];
    return 0;
}

/* ------------------------------------------------------ fixed encodings */

uint32_t enc_clrex(void) { return 0xd503305fu | (15u << 8); }
uint32_t enc_hlt(uint32_t imm16) { return 0xd4400000u | ((imm16 & 0xffff) << 5); }
uint32_t enc_movz(uint32_t rd, uint32_t imm16, int sf)
{
    return ((uint32_t)sf << 31) | (2u << 29) | (0x25u << 23) | ((imm16 & 0xffff) << 5) | rd;
}
uint32_t enc_subs_imm(uint32_t rd, uint32_t rn, uint32_t imm12)
{
    return (1u << 31) | (1u << 30) | (1u << 29) | (0x22u << 23) | (imm12 << 10) | (rn << 5) | rd;
}
uint32_t enc_bcond(uint32_t cnd, int32_t words) { return 0x54000000u | (((uint32_t)words & 0x7ffff) << 5) | cnd; }
uint32_t enc_adr(uint32_t rd, int32_t bytes)
{
    uint32_t imm = (uint32_t)bytes & 0x1fffff;
    return ((imm & 3) << 29) | (0x10u << 24) | ((imm >> 2) << 5) | rd;
}

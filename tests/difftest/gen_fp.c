/*
 * gen_fp.c - generators for the scalar floating-point classes (fp.* in
 * shaders/a64.decode; C4.1.90, the groups with bits 30 = 0, 28:25 = 1111).
 *
 * Besides the encoding, each generator biases the state the instruction
 * reads (gen_ctx.v, .fpcr, .fpsr when the tester gives them): source V
 * registers get values of the instruction's format at the places where
 * floating point goes wrong (signed zeros, denormals, infinities, quiet and
 * signalling NaNs with payloads, the largest and smallest normals, values
 * near integers and halves, near the integer-conversion limits); FPCR gets
 * a random rounding mode with FZ, DN, AHP and FZ16 each set often; FPSR
 * mostly starts clear, so that every flag an instruction raises shows.
 * Neither unallocated encodings (ftype = 10 but for FMOV D[1], reserved
 * opcodes; tests/test_fp.c checks that they stop with UNDEFINED) nor those
 * libarmgpu leaves UNDEFINED on purpose (FJCVTZS, BFCVT) are generated.
 */
#include "gen.h"

/* ftype: 00 single, 01 double, 11 half (10 is unallocated but for FMOV D[1]). */
static uint32_t fp_ftype(gen_ctx *c)
{
    static const uint32_t t[] = {0, 1, 3};
    return t[rnd(c->r, 3)];
}

static int fp_width(uint32_t ftype) { return ftype == 0 ? 32 : ftype == 1 ? 64 : ftype == 3 ? 16 : 64; }

/* A value of `fmt` bits biased toward the cases that matter. */
uint64_t gen_fpvalue(rng *r, int fmt)
{
    int E = fmt == 16 ? 5 : fmt == 32 ? 8 : 11, F = fmt - E - 1;
    uint64_t emax = (1ull << E) - 1, bias = (emax >> 1), fmask = (1ull << F) - 1;
    uint64_t s = (uint64_t)rnd(r, 2) << (fmt - 1);
    uint32_t p = rnd(r, 100);
    if (p < 6) return s;                                                    /* +-0 */
    if (p < 12) return s | emax << F;                                       /* +-inf */
    if (p < 18) return s | emax << F | 1ull << (F - 1) | (chance(r, 50) ? rng_next(r) & (fmask >> 1) : 0); /* qNaN */
    if (p < 24) { uint64_t f = rng_next(r) & (fmask >> 1); return s | emax << F | (f ? f : 1); }          /* sNaN */
    if (p < 34) {                                                           /* denormals */
        static const int k[] = {0, 1, 2, 3, 4};
        switch (k[rnd(r, 5)]) {
        case 0: return s | 1;
        case 1: return s | fmask;
        case 2: return s | 1ull << (F - 1);
        case 3: return s | rnd(r, 8);
        default: return s | (rng_next(r) & fmask);
        }
    }
    if (p < 38) return s | 1ull << F | rnd(r, 4);                           /* smallest normals */
    if (p < 42) return s | (emax - 1) << F | (chance(r, 50) ? fmask : rng_next(r) & fmask); /* largest */
    if (p < 60) {                                                           /* near small integers, halves */
        uint64_t e = bias - 2 + rnd(r, (uint32_t)(F + 4 < 14 ? F + 4 : 14));
        uint64_t frac = rng_next(r) & fmask;
        int keep = 2 + (int)rnd(r, 4);
        if (chance(r, 70) && F > keep) frac &= ~((1ull << (F - keep)) - 1);
        return s | e << F | frac;
    }
    if (p < 70) {                                                           /* integer-conversion limits */
        static const int at[] = {15, 16, 30, 31, 32, 62, 63, 64};
        uint64_t e = bias + (uint64_t)at[rnd(r, 8)];
        if (e > emax - 1) e = emax - 1;
        uint64_t frac = chance(r, 30) ? 0 : chance(r, 40) ? fmask : chance(r, 30) ? 1 : rng_next(r) & fmask;
        return s | e << F | frac;
    }
    if (p < 80) {                                                           /* exponents near the extremes */
        uint64_t e = chance(r, 50) ? 1 + rnd(r, 3) : emax - 2 - rnd(r, 3);
        return s | e << F | (rng_next(r) & fmask);
    }
    return rng_next(r) & (fmt == 64 ? ~0ull : (1ull << fmt) - 1);
}

/* Gives V[n] a value of fmt bits: upper bits random now and then, so a
 * scalar result that fails to clear them, or a read that fails to ignore
 * them, shows. */
static void fp_src(gen_ctx *c, uint32_t n, int fmt)
{
    if (!c->v) return;
    uint64_t lo = gen_fpvalue(c->r, fmt);
    if (fmt < 64 && chance(c->r, 20)) lo |= rng_next(c->r) << fmt;
    c->v[n][0] = lo;
    c->v[n][1] = chance(c->r, 50) ? rng_next(c->r) : 0;
}

/* FPCR: a random RMode; FZ, DN, AHP, FZ16 each often.  FPSR mostly clear. */
static void fp_env(gen_ctx *c)
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

static uint32_t v_any(gen_ctx *c) { return rnd(c->r, 32); }

/* A general register to write: in programs, never the reserved bases. */
static uint32_t x_dst(gen_ctx *c)
{
    if (chance(c->r, 8)) return 31;
    if (c->prog) return chance(c->r, 5) ? 30 : rnd(c->r, PROG_ROFF);
    return rnd(c->r, 31);
}

/* A general register to read, biased toward the conversion limits. */
static uint32_t x_src(gen_ctx *c)
{
    uint32_t n = chance(c->r, 8) ? 31 : rnd(c->r, c->prog ? PROG_ROFF : 31);
    if (n != 31 && !c->prog && chance(c->r, 30)) {
        static const uint64_t lim[] = {0, 1, ~0ull, 1ull << 63, (1ull << 63) - 1, 1ull << 31,
                                       (1ull << 31) - 1, 0xffffffffull, 0x80000001ull, 0x00ffffffull,
                                       0x01000001ull, 0x0020000000000001ull, 0xffffffff80000000ull};
        c->x[n] = lim[rnd(c->r, sizeof lim / sizeof lim[0])];
    }
    return n;
}

/* C4.1.90 Floating-point data-processing (1 source):
 * M 0 S 11110 ftype 1 opcode 10000 Rn Rd */
uint32_t g_fp_dp1(gen_ctx *c)
{
    /* every opcode but 6, BFCVT (FEAT_BF16, left out) */
    static const uint32_t ops[] = {0, 1, 2, 3, 3, 3, 4, 5, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19};
    uint32_t t = fp_ftype(c), rn = v_any(c), op = ops[rnd(c->r, sizeof ops / sizeof ops[0])];
    if (op >= 4 && op < 8 && (op & 3) == (t == 0 ? 0u : t == 1 ? 1u : 3u)) op = t == 0 ? 5 : 4; /* FCVT to another type */
    if (op >= 16 && t == 3) op -= 8;           /* FRINT32/64 have no half form */
    fp_env(c);
    fp_src(c, rn, fp_width(t));
    return 0x1e204000u | (t << 22) | (op << 15) | (rn << 5) | v_any(c);
}

/* C4.1.90 Floating-point data-processing (2 source):
 * M 0 S 11110 ftype 1 Rm opcode 10 Rn Rd */
uint32_t g_fp_dp2(gen_ctx *c)
{
    uint32_t t = fp_ftype(c), rn = v_any(c), rm = v_any(c);
    uint32_t op = rnd(c->r, 9);
    fp_env(c);
    fp_src(c, rn, fp_width(t));
    if (rm != rn || chance(c->r, 50)) fp_src(c, rm, fp_width(t));
    return 0x1e200800u | (t << 22) | (rm << 16) | (op << 12) | (rn << 5) | v_any(c);
}

/* C4.1.90 Floating-point data-processing (3 source):
 * M 0 S 11111 ftype o1 Rm o0 Ra Rn Rd */
uint32_t g_fp_dp3(gen_ctx *c)
{
    uint32_t t = fp_ftype(c), rn = v_any(c), rm = v_any(c), ra = v_any(c);
    fp_env(c);
    fp_src(c, ra, fp_width(t));
    fp_src(c, rn, fp_width(t));
    fp_src(c, rm, fp_width(t));
    return 0x1f000000u | (t << 22) | (rnd(c->r, 2) << 21) | (rm << 16) | (rnd(c->r, 2) << 15) | (ra << 10) |
           (rn << 5) | v_any(c);
}

/* C4.1.90 Floating-point compare: M 0 S 11110 ftype 1 Rm op 1000 Rn opcode2,
 * and conditional compare: M 0 S 11110 ftype 1 Rm cond 01 Rn op nzcv. */
uint32_t g_fp_compare(gen_ctx *c)
{
    uint32_t t = fp_ftype(c), rn = v_any(c), rm = v_any(c);
    fp_env(c);
    fp_src(c, rn, fp_width(t));
    fp_src(c, rm, fp_width(t));
    if (chance(c->r, 50)) {
        uint32_t opcode2 = rnd(c->r, 4) << 3; /* E and #0.0 */
        if (opcode2 & 8) rm = 0;
        return 0x1e202000u | (t << 22) | (rm << 16) | (rn << 5) | opcode2;
    }
    return 0x1e200400u | (t << 22) | (rm << 16) | (rnd(c->r, 16) << 12) | (rn << 5) | (rnd(c->r, 2) << 4) |
           rnd(c->r, 16);
}

/* C4.1.90 Floating-point conditional select: M 0 S 11110 ftype 1 Rm cond 11 Rn Rd */
uint32_t g_fp_csel(gen_ctx *c)
{
    uint32_t t = fp_ftype(c), rn = v_any(c), rm = v_any(c);
    fp_src(c, rn, fp_width(t));
    return 0x1e200c00u | (t << 22) | (rm << 16) | (rnd(c->r, 16) << 12) | (rn << 5) | v_any(c);
}

/* C4.1.90 Floating-point immediate: M 0 S 11110 ftype 1 imm8 100 imm5 Rd */
uint32_t g_fp_imm(gen_ctx *c)
{
    return 0x1e201000u | (fp_ftype(c) << 22) | (rnd(c->r, 256) << 13) | v_any(c);
}

/* C4.1.90 Conversion between floating-point and integer:
 * sf 0 S 11110 ftype 1 rmode opcode 000000 Rn Rd, and fixed-point:
 * sf 0 S 11110 ftype 0 rmode opcode scale Rn Rd. */
uint32_t g_fp_convert(gen_ctx *c)
{
    uint32_t sf = rnd(c->r, 2), t = fp_ftype(c), p = rnd(c->r, 100);
    fp_env(c);
    if (p < 30) { /* fixed point */
        static const uint32_t rm_op[4][2] = {{3, 0}, {3, 1}, {0, 2}, {0, 3}};
        uint32_t k = rnd(c->r, 4), scale;
        scale = sf ? rnd(c->r, 64) : 32 + rnd(c->r, 32);
        if (chance(c->r, 30)) {
            static const uint32_t edge[] = {63, 62, 32, 33, 1, 0};
            scale = edge[rnd(c->r, sf ? 6 : 4)];
        }
        if (k < 2) {
            uint32_t rn = v_any(c);
            fp_src(c, rn, fp_width(t));
            return (sf << 31) | 0x1e000000u | (t << 22) | (rm_op[k][0] << 19) | (rm_op[k][1] << 16) | (scale << 10) |
                   (rn << 5) | x_dst(c);
        }
        return (sf << 31) | 0x1e000000u | (t << 22) | (rm_op[k][1] << 16) | (scale << 10) | (x_src(c) << 5) |
               v_any(c);
    }
    if (p < 80) { /* FCVT[NPMZ][SU], FCVTA[SU] */
        uint32_t rn = v_any(c), rmode = rnd(c->r, 4), op = rnd(c->r, 2);
        if (chance(c->r, 25)) {
            rmode = 0;
            op = 4 + rnd(c->r, 2);
        }
        fp_src(c, rn, fp_width(t));
        return (sf << 31) | 0x1e200000u | (t << 22) | (rmode << 19) | (op << 16) | (rn << 5) | x_dst(c);
    }
    if (p < 92) /* SCVTF, UCVTF */
        return (sf << 31) | 0x1e200000u | (t << 22) | ((2 + rnd(c->r, 2)) << 16) | (x_src(c) << 5) | v_any(c);
    { /* FMOV (general): W<->S, X<->D, W/X<->H, X<->V.D[1] */
        uint32_t to_fp = rnd(c->r, 2), rmode = 0;
        if (t == 0) sf = 0;
        if (t == 1) sf = 1;
        if (t == 2) {
            sf = 1;
            rmode = 1;
        }
        if (to_fp) return (sf << 31) | 0x1e270000u | (t << 22) | (rmode << 19) | (x_src(c) << 5) | v_any(c);
        return (sf << 31) | 0x1e260000u | (t << 22) | (rmode << 19) | (v_any(c) << 5) | x_dst(c);
    }
}

/*
 * a64_fp.h - scalar floating point: a softfloat written from the Arm ARM's
 * pseudocode, and the scalar FP instructions (C4.1.90, the groups with
 * bits 30 = 0 and 28:25 = 1111) built on it.
 *
 * Plain C11 that also compiles as CUDA C++ (DESIGN decision 1): no libc,
 * no host floating point.  Every value is a raw bit pattern; arithmetic is
 * done on integers: unpack to sign, exponent and integer significand
 * (value = sig * 2^exp), compute exactly or with a sticky bit far below the
 * rounding point, then FPRound().  Functions carry the manual's names
 * (DDI 0487, shared pseudocode library, "FP" functions): FPUnpack,
 * FPProcessNaN(s), FPRound, FPAdd, FPMul, FPMulAdd, FPDiv, FPSqrt,
 * FPMax/Min(Num), FPCompare, FPRoundInt(N), FPConvert, FPToFixed,
 * FixedToFP, FPRecipEstimate, FPRSqrtEstimate, FPRecipStepFused,
 * FPRSqrtStepFused, FPRecpX, FPMulX.  FEAT_AFP (FPCR.AH, FIZ, NEP) is not
 * implemented, so those branches of the pseudocode are left out.
 *
 * PRIMITIVES for other semantics (the Advanced SIMD FP forms reuse them).
 * `fmt` is the format's width: 16 (half), 32 (single) or 64 (double);
 * operands and results are the low fmt bits of a uint64_t.  `c` carries
 * FPCR in (rounding mode, FZ, FZ16, DN, AHP) and collects the cumulative
 * FPSR flags (IOC DZC OFC UFC IXC IDC) by OR-ing into c->fpsr:
 *
 *   a64_fpctx c = a64_fpctx_of(s);  ...  a64_fpctx_store(s, &c);
 *   a64_fp_add(a, b, fmt, &c)    a64_fp_sub   a64_fp_mul   a64_fp_div
 *   a64_fp_mulx(a, b, fmt, &c)   FMULX (infinity * 0 = +-2.0)
 *   a64_fp_nmul(a, b, fmt, &c)   FNMUL: FPNeg(FPMul()), a NaN negated too
 *   a64_fp_muladd(addend, a, b, fmt, &c)   addend + a*b, one rounding;
 *                                negate operands with a64_fp_neg() first
 *                                (FMSUB/FNMADD/FNMSUB and FMLS do so)
 *   a64_fp_sqrt(a, fmt, &c)
 *   a64_fp_minmax(a, b, fmt, A64_FP_MAX | _MIN | _MAXNM | _MINNM, &c)
 *   a64_fp_compare(a, b, fmt, signal_nans, &c) -> NZCV in bits 3:0
 *   a64_fp_cmp_eq/ge/gt(a, b, fmt, &c) -> 1/0 (FCMEQ/FCMGE/FCMGT rules)
 *   a64_fp_roundint(a, fmt, rounding, exact, &c)    FRINTN/P/M/Z/A/X/I
 *   a64_fp_roundint_n(a, fmt, rounding, 32 | 64, &c) FRINT32/64Z/X
 *   a64_fp_convert(a, from_fmt, to_fmt, rounding, &c) FCVT, AHP honoured
 *   a64_fp_to_fixed(a, fmt, fbits, is_unsigned, int_bits, rounding, &c)
 *                                FCVT*S/U: int_bits 16/32/64, saturating,
 *                                result zero-extended from int_bits
 *   a64_fp_from_fixed(x, int_bits, fbits, is_unsigned, fmt, rounding, &c)
 *   a64_fp_recpe(a, fmt, &c)  a64_fp_rsqrte  a64_fp_recpx
 *   a64_fp_recps(a, b, fmt, &c)  a64_fp_rsqrts   (FRECPS, FRSQRTS)
 *   a64_fp_abs(a, fmt)  a64_fp_neg(a, fmt)   (no NaN processing, no flags)
 *   a64_fp_expand_imm(imm8, fmt)  VFPExpandImm
 *   a64_fp_round(&c, fmt, sign, exp, sig, rounding, cv)
 *                                FPRound of (-1)^sign * sig * 2^exp, sig != 0
 * `rounding` is A64_FPRND_*; 0-3 are FPCR.RMode's encodings, so
 * a64_fp_rmode(&c) is the FPCR's.  A NaN result is already quieted, or the
 * default NaN when FPCR.DN is set.
 */
#ifndef A64_FP_H
#define A64_FP_H

/* ------------------------------------------------------------ FPCR, FPSR */

#define A64_FPCR_AHP (1u << 26)
#define A64_FPCR_DN (1u << 25)
#define A64_FPCR_FZ (1u << 24)
#define A64_FPCR_FZ16 (1u << 19)
#define A64_FPSR_IOC 0x01u
#define A64_FPSR_DZC 0x02u
#define A64_FPSR_OFC 0x04u
#define A64_FPSR_UFC 0x08u
#define A64_FPSR_IXC 0x10u
#define A64_FPSR_IDC 0x80u

/* FPRounding: the first four are FPCR.RMode's encodings. */
#define A64_FPRND_TIEEVEN 0
#define A64_FPRND_POSINF 1
#define A64_FPRND_NEGINF 2
#define A64_FPRND_ZERO 3
#define A64_FPRND_TIEAWAY 4
#define A64_FPRND_ODD 5

typedef struct a64_fpctx {
    uint32_t fpcr;
    uint32_t fpsr; /* flags raised since a64_fpctx_of() */
} a64_fpctx;

AGPU_FN a64_fpctx a64_fpctx_of(const a64_state *s)
{
    a64_fpctx c;
    c.fpcr = (uint32_t)s->fpcr;
    c.fpsr = 0;
    return c;
}

AGPU_FN void a64_fpctx_store(a64_state *s, const a64_fpctx *c) { s->fpsr |= c->fpsr; }

AGPU_FN int a64_fp_rmode(const a64_fpctx *c) { return (int)((c->fpcr >> 22) & 3u); }

/* ------------------------------------------------------ 128-bit helpers */

/* Two 64-bit words: the only wide integers the softfloat needs (the
 * product of two significands for FMA, the radicand of FSQRT), kept
 * portable rather than relying on unsigned __int128. */
typedef struct a64_u128 {
    uint64_t hi, lo;
} a64_u128;

AGPU_FN a64_u128 a64_u128_mul(uint64_t a, uint64_t b)
{
    a64_u128 r;
    r.hi = a64_umulh(a, b);
    r.lo = a * b;
    return r;
}

AGPU_FN a64_u128 a64_u128_add(a64_u128 a, a64_u128 b)
{
    a64_u128 r;
    r.lo = a.lo + b.lo;
    r.hi = a.hi + b.hi + (r.lo < a.lo);
    return r;
}

AGPU_FN a64_u128 a64_u128_sub(a64_u128 a, a64_u128 b)
{
    a64_u128 r;
    r.lo = a.lo - b.lo;
    r.hi = a.hi - b.hi - (a.lo < b.lo);
    return r;
}

AGPU_FN int a64_u128_lt(a64_u128 a, a64_u128 b) { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo); }

AGPU_FN a64_u128 a64_u128_shl(a64_u128 a, int n)
{
    a64_u128 r;
    if (n == 0) return a;
    if (n >= 128) {
        r.hi = r.lo = 0;
    } else if (n >= 64) {
        r.hi = a.lo << (n - 64);
        r.lo = 0;
    } else {
        r.hi = (a.hi << n) | (a.lo >> (64 - n));
        r.lo = a.lo << n;
    }
    return r;
}

AGPU_FN a64_u128 a64_u128_shr(a64_u128 a, int n)
{
    a64_u128 r;
    if (n == 0) return a;
    if (n >= 128) {
        r.hi = r.lo = 0;
    } else if (n >= 64) {
        r.lo = a.hi >> (n - 64);
        r.hi = 0;
    } else {
        r.lo = (a.lo >> n) | (a.hi << (64 - n));
        r.hi = a.hi >> n;
    }
    return r;
}

/* Shift right, OR-ing every bit shifted out into bit 0 ("jamming"): the
 * sticky bit that keeps the later rounding exact. */
AGPU_FN a64_u128 a64_u128_shr_jam(a64_u128 a, int n)
{
    a64_u128 r = a64_u128_shr(a, n);
    if (n >= 128) {
        r.lo = (a.hi | a.lo) != 0;
    } else {
        a64_u128 back = a64_u128_shl(r, n);
        if (back.hi != a.hi || back.lo != a.lo) r.lo |= 1;
    }
    return r;
}

AGPU_FN int a64_u128_clz(a64_u128 a) { return a.hi ? a64_clz64(a.hi) : 64 + a64_clz64(a.lo); }

AGPU_FN uint64_t a64_shr_jam64(uint64_t x, int n)
{
    if (n <= 0) return x;
    if (n >= 64) return x != 0;
    return (x >> n) | ((x << (64 - n)) != 0);
}

/* ------------------------------------------------------------ formats */

AGPU_FN int a64_fp_fbits(int fmt) { return fmt == 16 ? 10 : fmt == 32 ? 23 : 52; }
AGPU_FN int a64_fp_ebits(int fmt) { return fmt == 16 ? 5 : fmt == 32 ? 8 : 11; }
AGPU_FN int32_t a64_fp_bias(int fmt) { return fmt == 16 ? 15 : fmt == 32 ? 127 : 1023; }

AGPU_FN uint64_t a64_fp_zero(int fmt, int sign) { return (uint64_t)(sign & 1) << (fmt - 1); }
AGPU_FN uint64_t a64_fp_inf(int fmt, int sign)
{
    return a64_fp_zero(fmt, sign) | (a64_ones(a64_fp_ebits(fmt)) << a64_fp_fbits(fmt));
}
AGPU_FN uint64_t a64_fp_maxnormal(int fmt, int sign) { return a64_fp_inf(fmt, sign) - 1; }
AGPU_FN uint64_t a64_fp_defaultnan(int fmt)
{
    return a64_fp_inf(fmt, 0) | (1ull << (a64_fp_fbits(fmt) - 1));
}
/* FPTwo (exp 1), FPOnePointFive (exp 0, top fraction bit). */
AGPU_FN uint64_t a64_fp_const(int fmt, int sign, int unbiased_exp, uint64_t top_frac_bit)
{
    int F = a64_fp_fbits(fmt);
    return a64_fp_zero(fmt, sign) | ((uint64_t)(unbiased_exp + a64_fp_bias(fmt)) << F) |
           (top_frac_bit << (F - 1));
}

AGPU_FN uint64_t a64_fp_abs(uint64_t a, int fmt) { return a & a64_ones(fmt - 1); }
AGPU_FN uint64_t a64_fp_neg(uint64_t a, int fmt) { return (a ^ (1ull << (fmt - 1))) & a64_ones(fmt); }

/* VFPExpandImm(): FMOV (immediate). */
AGPU_FN uint64_t a64_fp_expand_imm(uint32_t imm8, int fmt)
{
    int E = a64_fp_ebits(fmt), F = a64_fp_fbits(fmt);
    uint64_t b6 = (imm8 >> 6) & 1;
    uint64_t exp = ((b6 ^ 1) << (E - 1)) | ((b6 ? a64_ones(E - 3) : 0) << 2) | ((imm8 >> 4) & 3);
    return ((uint64_t)(imm8 >> 7) << (fmt - 1)) | (exp << F) | ((uint64_t)(imm8 & 15) << (F - 4));
}

/* ------------------------------------------------------------ FPUnpack */

enum { A64_FPT_ZERO, A64_FPT_NONZERO, A64_FPT_INF, A64_FPT_QNAN, A64_FPT_SNAN };

/* A finite nonzero value is sig * 2^exp (denormals included); zeros and
 * infinities only have a sign. */
typedef struct a64_fpval {
    int type;
    int sign;
    int32_t exp;
    uint64_t sig;
} a64_fpval;

/* FPUnpack() (cv = 0: AHP read as 0) and FPUnpackCV() (cv = 1: FZ16 read
 * as 0, AHP honoured), for FCVT.  A denormal flushed by FZ sets IDC; one
 * flushed by FZ16 does not (FPUnpackBase). */
AGPU_FN a64_fpval a64_fp_unpack(a64_fpctx *c, uint64_t op, int fmt, int cv)
{
    a64_fpval v;
    int F = a64_fp_fbits(fmt), E = a64_fp_ebits(fmt);
    uint64_t frac = op & a64_ones(F);
    uint32_t expf = (uint32_t)((op >> F) & a64_ones(E));
    v.sign = (int)((op >> (fmt - 1)) & 1);
    v.exp = 0;
    v.sig = 0;
    if (expf == 0) {
        int fz = fmt == 16 ? (!cv && (c->fpcr & A64_FPCR_FZ16)) : (c->fpcr & A64_FPCR_FZ) != 0;
        if (frac == 0 || fz) {
            v.type = A64_FPT_ZERO;
            if (frac != 0 && fmt != 16) c->fpsr |= A64_FPSR_IDC;
        } else {
            v.type = A64_FPT_NONZERO;
            v.sig = frac;
            v.exp = 1 - a64_fp_bias(fmt) - F;
        }
    } else if (expf == a64_ones(E) && !(fmt == 16 && cv && (c->fpcr & A64_FPCR_AHP))) {
        if (frac == 0) v.type = A64_FPT_INF;
        else v.type = ((frac >> (F - 1)) & 1) ? A64_FPT_QNAN : A64_FPT_SNAN;
    } else {
        v.type = A64_FPT_NONZERO;
        v.sig = frac | (1ull << F);
        v.exp = (int32_t)expf - a64_fp_bias(fmt) - F;
    }
    return v;
}

AGPU_FN int a64_fp_isnan(int type) { return type >= A64_FPT_QNAN; }

/* FPProcessNaN(). */
AGPU_FN uint64_t a64_fp_process_nan(a64_fpctx *c, int type, uint64_t op, int fmt)
{
    uint64_t r = op & a64_ones(fmt);
    if (type == A64_FPT_SNAN) {
        r |= 1ull << (a64_fp_fbits(fmt) - 1);
        c->fpsr |= A64_FPSR_IOC;
    }
    if (c->fpcr & A64_FPCR_DN) r = a64_fp_defaultnan(fmt);
    return r;
}

/* FPProcessNaNs(): 1 with *r set when either operand is a NaN. */
AGPU_FN int a64_fp_process_nans(a64_fpctx *c, int t1, int t2, uint64_t op1, uint64_t op2, int fmt,
                                uint64_t *r)
{
    if (t1 == A64_FPT_SNAN) *r = a64_fp_process_nan(c, t1, op1, fmt);
    else if (t2 == A64_FPT_SNAN) *r = a64_fp_process_nan(c, t2, op2, fmt);
    else if (t1 == A64_FPT_QNAN) *r = a64_fp_process_nan(c, t1, op1, fmt);
    else if (t2 == A64_FPT_QNAN) *r = a64_fp_process_nan(c, t2, op2, fmt);
    else return 0;
    return 1;
}

/* FPProcessNaNs3(). */
AGPU_FN int a64_fp_process_nans3(a64_fpctx *c, int t1, int t2, int t3, uint64_t op1, uint64_t op2,
                                 uint64_t op3, int fmt, uint64_t *r)
{
    if (t1 == A64_FPT_SNAN) *r = a64_fp_process_nan(c, t1, op1, fmt);
    else if (t2 == A64_FPT_SNAN) *r = a64_fp_process_nan(c, t2, op2, fmt);
    else if (t3 == A64_FPT_SNAN) *r = a64_fp_process_nan(c, t3, op3, fmt);
    else if (t1 == A64_FPT_QNAN) *r = a64_fp_process_nan(c, t1, op1, fmt);
    else if (t2 == A64_FPT_QNAN) *r = a64_fp_process_nan(c, t2, op2, fmt);
    else if (t3 == A64_FPT_QNAN) *r = a64_fp_process_nan(c, t3, op3, fmt);
    else return 0;
    return 1;
}

/* ------------------------------------------------------------ FPRound */

/* FPRoundBase() of the nonzero value (-1)^sign * sig * 2^exp.  cv = 1 is
 * FPRoundCV() (FCVT): FZ16 read as 0 and, for a half result, AHP honoured;
 * cv = 0 is FPRound(): AHP read as 0.  Tininess is detected before
 * rounding, as the manual does: FZ flushes a value whose unrounded
 * exponent is below the minimum even if it would round up to it. */
AGPU_FN uint64_t a64_fp_round(a64_fpctx *c, int fmt, int sign, int32_t exp, uint64_t sig, int rounding,
                              int cv)
{
    const int F = a64_fp_fbits(fmt), E = a64_fp_ebits(fmt);
    const int32_t minimum_exp = 1 - a64_fp_bias(fmt);
    const int ahp = fmt == 16 && cv && (c->fpcr & A64_FPCR_AHP);
    int lz = a64_clz64(sig);
    sig <<= lz;
    exp -= lz;
    int32_t exponent = exp + 63; /* value = 1.xxx * 2^exponent */
    int fz = fmt == 16 ? (!cv && (c->fpcr & A64_FPCR_FZ16)) : (c->fpcr & A64_FPCR_FZ) != 0;
    if (fz && exponent < minimum_exp) {
        c->fpsr |= A64_FPSR_UFC;
        return a64_fp_zero(fmt, sign);
    }
    int32_t biased_exp = exponent - minimum_exp + 1;
    if (biased_exp < 0) biased_exp = 0;
    /* int_mant = RoundDown(mantissa * 2^F); `half` compares the error with
     * one half: -1 below, 0 equal, 1 above. */
    int32_t shift = 63 - F + (biased_exp == 0 ? (minimum_exp - exponent) : 0);
    uint64_t int_mant;
    int inexact, half;
    if (shift >= 65) {
        int_mant = 0;
        inexact = 1;
        half = -1;
    } else if (shift == 64) {
        int_mant = 0;
        inexact = 1;
        half = sig > (1ull << 63) ? 1 : sig == (1ull << 63) ? 0 : -1;
    } else {
        uint64_t rem = sig & a64_ones(shift), h = 1ull << (shift - 1);
        int_mant = sig >> shift;
        inexact = rem != 0;
        half = rem > h ? 1 : rem == h ? 0 : -1;
    }
    if (biased_exp == 0 && inexact) c->fpsr |= A64_FPSR_UFC;
    int round_up, overflow_to_inf;
    switch (rounding) {
    case A64_FPRND_TIEEVEN:
        round_up = half > 0 || (half == 0 && (int_mant & 1));
        overflow_to_inf = 1;
        break;
    case A64_FPRND_POSINF:
        round_up = inexact && !sign;
        overflow_to_inf = !sign;
        break;
    case A64_FPRND_NEGINF:
        round_up = inexact && sign;
        overflow_to_inf = sign;
        break;
    case A64_FPRND_TIEAWAY:
        round_up = half >= 0;
        overflow_to_inf = 1;
        break;
    default: /* ZERO, ODD */
        round_up = 0;
        overflow_to_inf = 0;
        break;
    }
    if (round_up) {
        int_mant++;
        if (int_mant == (1ull << F)) biased_exp = 1; /* denormal rounded up to normal */
        if (int_mant == (2ull << F)) {
            biased_exp++;
            int_mant >>= 1;
        }
    }
    if (inexact && rounding == A64_FPRND_ODD) int_mant |= 1;
    uint64_t result;
    if (!ahp) {
        if (biased_exp >= (int32_t)a64_ones(E)) {
            result = overflow_to_inf ? a64_fp_inf(fmt, sign) : a64_fp_maxnormal(fmt, sign);
            c->fpsr |= A64_FPSR_OFC;
            inexact = 1;
        } else {
            result = a64_fp_zero(fmt, sign) | ((uint64_t)biased_exp << F) | (int_mant & a64_ones(F));
        }
    } else { /* alternative half precision: no infinities, saturate with IOC */
        if (biased_exp >= (1 << E)) {
            result = a64_fp_zero(fmt, sign) | 0x7fffu;
            c->fpsr |= A64_FPSR_IOC;
            inexact = 0;
        } else {
            result = a64_fp_zero(fmt, sign) | ((uint64_t)biased_exp << F) | (int_mant & a64_ones(F));
        }
    }
    if (inexact) c->fpsr |= A64_FPSR_IXC;
    return result;
}

/* An exact zero whose sign the rounding mode decides (x + -x). */
AGPU_FN uint64_t a64_fp_exact_zero(a64_fpctx *c, int fmt)
{
    return a64_fp_zero(fmt, a64_fp_rmode(c) == A64_FPRND_NEGINF);
}

/* Moves a nonzero significand's top bit to bit `top`; callers only ever
 * narrow significands that have no set bits below the shift. */
AGPU_FN void a64_fp_norm(uint64_t *sig, int32_t *exp, int top)
{
    int d = (63 - a64_clz64(*sig)) - top;
    if (d > 0) *sig >>= d;
    else *sig <<= -d;
    *exp += d;
}

/* FPRound of a 128-bit significand r * 2^exp (r != 0): the low word
 * folds into a sticky bit, 63 places below the top. */
AGPU_FN uint64_t a64_fp_round128(a64_fpctx *c, int fmt, int sign, int32_t exp, a64_u128 r, int rounding)
{
    int n = a64_u128_clz(r);
    r = a64_u128_shl(r, n);
    exp -= n;
    return a64_fp_round(c, fmt, sign, exp + 64, r.hi | (r.lo != 0), rounding, 0);
}

/* ------------------------------------------------------------ arithmetic */

/* FPAdd() and, with negate_b, FPSub() (a NaN op2 keeps its own sign). */
AGPU_FN uint64_t a64_fp_addsub(uint64_t op1, uint64_t op2, int fmt, int negate_b, a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op1, fmt, 0), b = a64_fp_unpack(c, op2, fmt, 0);
    uint64_t r;
    if (a64_fp_process_nans(c, a.type, b.type, op1, op2, fmt, &r)) return r;
    b.sign ^= negate_b;
    int inf1 = a.type == A64_FPT_INF, inf2 = b.type == A64_FPT_INF;
    if (inf1 && inf2 && a.sign != b.sign) {
        c->fpsr |= A64_FPSR_IOC;
        return a64_fp_defaultnan(fmt);
    }
    if ((inf1 && !a.sign) || (inf2 && !b.sign)) return a64_fp_inf(fmt, 0);
    if (inf1 || inf2) return a64_fp_inf(fmt, 1);
    int zero1 = a.type == A64_FPT_ZERO, zero2 = b.type == A64_FPT_ZERO;
    if (zero1 && zero2 && a.sign == b.sign) return a64_fp_zero(fmt, a.sign);
    int rnd = a64_fp_rmode(c);
    if (zero1 && zero2) return a64_fp_exact_zero(c, fmt);
    if (zero1) return a64_fp_round(c, fmt, b.sign, b.exp, b.sig, rnd, 0);
    if (zero2) return a64_fp_round(c, fmt, a.sign, a.exp, a.sig, rnd, 0);
    /* Both at bit 62: a bit of headroom for the carry and at least 9 guard
     * bits; cancellation of more than one bit only happens when the
     * exponents differ by at most one, where nothing was shifted out. */
    a64_fp_norm(&a.sig, &a.exp, 62);
    a64_fp_norm(&b.sig, &b.exp, 62);
    if (a.exp < b.exp || (a.exp == b.exp && a.sig < b.sig)) {
        a64_fpval t = a;
        a = b;
        b = t;
    }
    b.sig = a64_shr_jam64(b.sig, a.exp - b.exp);
    uint64_t sum = a.sign == b.sign ? a.sig + b.sig : a.sig - b.sig;
    if (sum == 0) return a64_fp_exact_zero(c, fmt);
    return a64_fp_round(c, fmt, a.sign, a.exp, sum, rnd, 0);
}

AGPU_FN uint64_t a64_fp_add(uint64_t a, uint64_t b, int fmt, a64_fpctx *c) { return a64_fp_addsub(a, b, fmt, 0, c); }
AGPU_FN uint64_t a64_fp_sub(uint64_t a, uint64_t b, int fmt, a64_fpctx *c) { return a64_fp_addsub(a, b, fmt, 1, c); }

/* FPMul() and, with mulx, FPMulX() (infinity times zero is +-2.0). */
AGPU_FN uint64_t a64_fp_mul_base(uint64_t op1, uint64_t op2, int fmt, int mulx, a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op1, fmt, 0), b = a64_fp_unpack(c, op2, fmt, 0);
    uint64_t r;
    if (a64_fp_process_nans(c, a.type, b.type, op1, op2, fmt, &r)) return r;
    int inf1 = a.type == A64_FPT_INF, inf2 = b.type == A64_FPT_INF;
    int zero1 = a.type == A64_FPT_ZERO, zero2 = b.type == A64_FPT_ZERO;
    int sign = a.sign ^ b.sign;
    if ((inf1 && zero2) || (zero1 && inf2)) {
        if (mulx) return a64_fp_const(fmt, sign, 1, 0);
        c->fpsr |= A64_FPSR_IOC;
        return a64_fp_defaultnan(fmt);
    }
    if (inf1 || inf2) return a64_fp_inf(fmt, sign);
    if (zero1 || zero2) return a64_fp_zero(fmt, sign);
    return a64_fp_round128(c, fmt, sign, a.exp + b.exp, a64_u128_mul(a.sig, b.sig), a64_fp_rmode(c));
}

AGPU_FN uint64_t a64_fp_mul(uint64_t a, uint64_t b, int fmt, a64_fpctx *c) { return a64_fp_mul_base(a, b, fmt, 0, c); }
AGPU_FN uint64_t a64_fp_mulx(uint64_t a, uint64_t b, int fmt, a64_fpctx *c) { return a64_fp_mul_base(a, b, fmt, 1, c); }
AGPU_FN uint64_t a64_fp_nmul(uint64_t a, uint64_t b, int fmt, a64_fpctx *c)
{
    return a64_fp_neg(a64_fp_mul_base(a, b, fmt, 0, c), fmt);
}

/* The fused core of FPMulAdd(), FPRecipStepFused() and FPRSqrtStepFused():
 * rounds ((-1)^A.sign * A + p1 * p2) * 2^scale, exactly computed: finite
 * operands, a zero addend or factor has type ZERO, and the caller has
 * handled an exact zero sum of same-signed zeros. */
AGPU_FN uint64_t a64_fp_fused(a64_fpctx *c, int fmt, a64_fpval A, a64_fpval p1, a64_fpval p2, int32_t scale)
{
    int rnd = a64_fp_rmode(c);
    int signP = p1.sign ^ p2.sign;
    int zeroP = p1.type == A64_FPT_ZERO || p2.type == A64_FPT_ZERO;
    int zeroA = A.type == A64_FPT_ZERO;
    a64_u128 P, C;
    int32_t eP = 0, eC = 0;
    P.hi = P.lo = C.hi = C.lo = 0;
    if (zeroP && zeroA) return a64_fp_exact_zero(c, fmt);
    if (!zeroP) {
        a64_fp_norm(&p1.sig, &p1.exp, 62);
        a64_fp_norm(&p2.sig, &p2.exp, 62);
        P = a64_u128_mul(p1.sig, p2.sig); /* < 2^126 */
        eP = p1.exp + p2.exp;
    }
    if (!zeroA) {
        a64_fp_norm(&A.sig, &A.exp, 62);
        C.lo = A.sig;
        C = a64_u128_shl(C, 63); /* top bit 125 */
        eC = A.exp - 63;
    }
    if (zeroP) return a64_fp_round128(c, fmt, A.sign, eC + scale, C, rnd);
    if (zeroA) return a64_fp_round128(c, fmt, signP, eP + scale, P, rnd);
    if (eP >= eC) {
        C = a64_u128_shr_jam(C, eP - eC > 200 ? 200 : eP - eC);
        eC = eP;
    } else {
        P = a64_u128_shr_jam(P, eC - eP > 200 ? 200 : eC - eP);
        eP = eC;
    }
    a64_u128 r;
    int sign;
    if (signP == A.sign) {
        r = a64_u128_add(P, C);
        sign = signP;
    } else if (a64_u128_lt(P, C)) {
        r = a64_u128_sub(C, P);
        sign = A.sign;
    } else {
        r = a64_u128_sub(P, C);
        sign = signP;
    }
    if (r.hi == 0 && r.lo == 0) return a64_fp_exact_zero(c, fmt);
    return a64_fp_round128(c, fmt, sign, eP + scale, r, rnd);
}

/* FPMulAdd(): addend + op1 * op2 with one rounding. */
AGPU_FN uint64_t a64_fp_muladd(uint64_t addend, uint64_t op1, uint64_t op2, int fmt, a64_fpctx *c)
{
    a64_fpval A = a64_fp_unpack(c, addend, fmt, 0);
    a64_fpval a = a64_fp_unpack(c, op1, fmt, 0), b = a64_fp_unpack(c, op2, fmt, 0);
    int inf1 = a.type == A64_FPT_INF, inf2 = b.type == A64_FPT_INF;
    int zero1 = a.type == A64_FPT_ZERO, zero2 = b.type == A64_FPT_ZERO;
    uint64_t r;
    int done = a64_fp_process_nans3(c, A.type, a.type, b.type, addend, op1, op2, fmt, &r);
    /* A quiet NaN addend does not hide the invalid 0 * inf. */
    if (A.type == A64_FPT_QNAN && ((inf1 && zero2) || (zero1 && inf2))) {
        c->fpsr |= A64_FPSR_IOC;
        return a64_fp_defaultnan(fmt);
    }
    if (done) return r;
    int infA = A.type == A64_FPT_INF, zeroA = A.type == A64_FPT_ZERO;
    int signP = a.sign ^ b.sign, infP = inf1 || inf2, zeroP = zero1 || zero2;
    if ((inf1 && zero2) || (zero1 && inf2) || (infA && infP && A.sign != signP)) {
        c->fpsr |= A64_FPSR_IOC;
        return a64_fp_defaultnan(fmt);
    }
    if ((infA && !A.sign) || (infP && !signP)) return a64_fp_inf(fmt, 0);
    if (infA || infP) return a64_fp_inf(fmt, 1);
    if (zeroA && zeroP && A.sign == signP) return a64_fp_zero(fmt, A.sign);
    return a64_fp_fused(c, fmt, A, a, b, 0);
}

/* FPDiv(). */
AGPU_FN uint64_t a64_fp_div(uint64_t op1, uint64_t op2, int fmt, a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op1, fmt, 0), b = a64_fp_unpack(c, op2, fmt, 0);
    uint64_t r;
    if (a64_fp_process_nans(c, a.type, b.type, op1, op2, fmt, &r)) return r;
    int inf1 = a.type == A64_FPT_INF, inf2 = b.type == A64_FPT_INF;
    int zero1 = a.type == A64_FPT_ZERO, zero2 = b.type == A64_FPT_ZERO;
    int sign = a.sign ^ b.sign;
    if ((inf1 && inf2) || (zero1 && zero2)) {
        c->fpsr |= A64_FPSR_IOC;
        return a64_fp_defaultnan(fmt);
    }
    if (inf1 || zero2) {
        if (!inf1) c->fpsr |= A64_FPSR_DZC;
        return a64_fp_inf(fmt, sign);
    }
    if (zero1 || inf2) return a64_fp_zero(fmt, sign);
    a64_fp_norm(&a.sig, &a.exp, 62);
    a64_fp_norm(&b.sig, &b.exp, 62);
    if (a.sig < b.sig) {
        a.sig <<= 1;
        a.exp--;
    }
    /* Restoring division: q = floor(a * 2^63 / b), in [2^63, 2^64). */
    uint64_t rem = a.sig, q = 0;
    for (int i = 0; i < 64; i++) {
        q <<= 1;
        if (rem >= b.sig) {
            rem -= b.sig;
            q |= 1;
        }
        rem <<= 1;
    }
    /* Bit 0 is 11 or more places below the rounding point: a sticky bit. */
    return a64_fp_round(c, fmt, sign, a.exp - b.exp - 63, q | (rem != 0), a64_fp_rmode(c), 0);
}

/* FPSqrt(). */
AGPU_FN uint64_t a64_fp_sqrt(uint64_t op, int fmt, a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op, fmt, 0);
    if (a64_fp_isnan(a.type)) return a64_fp_process_nan(c, a.type, op, fmt);
    if (a.type == A64_FPT_ZERO) return a64_fp_zero(fmt, a.sign);
    if (a.sign) {
        c->fpsr |= A64_FPSR_IOC;
        return a64_fp_defaultnan(fmt);
    }
    if (a.type == A64_FPT_INF) return a64_fp_inf(fmt, 0);
    /* n = sig << k in [2^124, 2^126) with exp - k even, so that
     * sqrt(value) = isqrt(n) * 2^((exp - k) / 2), isqrt(n) in [2^62, 2^63). */
    int m = 63 - a64_clz64(a.sig);
    int k = 124 - m;
    if (((a.exp - k) & 1) != 0) k++;
    a64_u128 n, res, bit;
    n.hi = 0;
    n.lo = a.sig;
    n = a64_u128_shl(n, k);
    res.hi = res.lo = 0;
    bit.hi = 1ull << 62; /* 2^126 */
    bit.lo = 0;
    for (int i = 0; i < 64; i++) { /* digit by digit, one result bit a step */
        a64_u128 t = a64_u128_add(res, bit);
        res = a64_u128_shr(res, 1);
        if (!a64_u128_lt(n, t)) {
            n = a64_u128_sub(n, t);
            res = a64_u128_add(res, bit);
        }
        bit = a64_u128_shr(bit, 2);
    }
    uint64_t sticky = (n.hi | n.lo) != 0;
    return a64_fp_round(c, fmt, 0, (a.exp - k) / 2 - 1, (res.lo << 1) | sticky, a64_fp_rmode(c), 0);
}

/* Orders two non-NaN unpacked values: -1, 0, 1. */
AGPU_FN int a64_fp_cmpval(a64_fpval a, a64_fpval b)
{
    int za = a.type == A64_FPT_ZERO, zb = b.type == A64_FPT_ZERO;
    if (za && zb) return 0;
    if (za) return b.sign ? 1 : -1;
    if (zb) return a.sign ? -1 : 1;
    if (a.sign != b.sign) return a.sign ? -1 : 1;
    int mag; /* |a| against |b| */
    int ia = a.type == A64_FPT_INF, ib = b.type == A64_FPT_INF;
    if (ia || ib) {
        mag = ia && ib ? 0 : ia ? 1 : -1;
    } else {
        a64_fp_norm(&a.sig, &a.exp, 63);
        a64_fp_norm(&b.sig, &b.exp, 63);
        if (a.exp != b.exp) mag = a.exp > b.exp ? 1 : -1;
        else mag = a.sig == b.sig ? 0 : a.sig > b.sig ? 1 : -1;
    }
    return a.sign ? -mag : mag;
}

#define A64_FP_MAX 0
#define A64_FP_MIN 1
#define A64_FP_MAXNM 2
#define A64_FP_MINNM 3

/* FPMax(), FPMin(), FPMaxNum(), FPMinNum(). */
AGPU_FN uint64_t a64_fp_minmax(uint64_t op1, uint64_t op2, int fmt, int kind, a64_fpctx *c)
{
    int is_min = kind & 1;
    a64_fpval a = a64_fp_unpack(c, op1, fmt, 0), b = a64_fp_unpack(c, op2, fmt, 0);
    if (kind >= A64_FP_MAXNM) {
        /* A single quiet NaN loses: it becomes -Inf for max, +Inf for min. */
        if (a.type == A64_FPT_QNAN && b.type != A64_FPT_QNAN) {
            op1 = a64_fp_inf(fmt, !is_min);
            a = a64_fp_unpack(c, op1, fmt, 0);
        } else if (a.type != A64_FPT_QNAN && b.type == A64_FPT_QNAN) {
            op2 = a64_fp_inf(fmt, !is_min);
            b = a64_fp_unpack(c, op2, fmt, 0);
        }
    }
    uint64_t r;
    if (a64_fp_process_nans(c, a.type, b.type, op1, op2, fmt, &r)) return r;
    int cmp = a64_fp_cmpval(a, b);
    a64_fpval v = (is_min ? cmp < 0 : cmp > 0) ? a : b;
    if (v.type == A64_FPT_INF) return a64_fp_inf(fmt, v.sign);
    if (v.type == A64_FPT_ZERO) return a64_fp_zero(fmt, is_min ? (a.sign | b.sign) : (a.sign & b.sign));
    /* FPRound() of an exact value: the operand itself (FZ flushed it already). */
    return a64_fp_round(c, fmt, v.sign, v.exp, v.sig, a64_fp_rmode(c), 0);
}

/* FPCompare(): NZCV in bits 3:0. */
AGPU_FN uint32_t a64_fp_compare(uint64_t op1, uint64_t op2, int fmt, int signal_nans, a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op1, fmt, 0), b = a64_fp_unpack(c, op2, fmt, 0);
    if (a64_fp_isnan(a.type) || a64_fp_isnan(b.type)) {
        if (a.type == A64_FPT_SNAN || b.type == A64_FPT_SNAN || signal_nans) c->fpsr |= A64_FPSR_IOC;
        return 0x3u;
    }
    int cmp = a64_fp_cmpval(a, b);
    return cmp == 0 ? 0x6u : cmp < 0 ? 0x8u : 0x2u;
}

/* FPCompareEQ() (rel 0), FPCompareGE() (1), FPCompareGT() (2): 1 or 0. */
AGPU_FN int a64_fp_cmp_rel(uint64_t op1, uint64_t op2, int fmt, int rel, a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op1, fmt, 0), b = a64_fp_unpack(c, op2, fmt, 0);
    if (a64_fp_isnan(a.type) || a64_fp_isnan(b.type)) {
        if (rel != 0 || a.type == A64_FPT_SNAN || b.type == A64_FPT_SNAN) c->fpsr |= A64_FPSR_IOC;
        return 0;
    }
    int cmp = a64_fp_cmpval(a, b);
    return rel == 0 ? cmp == 0 : rel == 1 ? cmp >= 0 : cmp > 0;
}
AGPU_FN int a64_fp_cmp_eq(uint64_t a, uint64_t b, int fmt, a64_fpctx *c) { return a64_fp_cmp_rel(a, b, fmt, 0, c); }
AGPU_FN int a64_fp_cmp_ge(uint64_t a, uint64_t b, int fmt, a64_fpctx *c) { return a64_fp_cmp_rel(a, b, fmt, 1, c); }
AGPU_FN int a64_fp_cmp_gt(uint64_t a, uint64_t b, int fmt, a64_fpctx *c) { return a64_fp_cmp_rel(a, b, fmt, 2, c); }

/* ------------------------------------------------- integers and rounding */

/* The integer part q of |v| * 2^shift_up (v finite nonzero) and how the
 * dropped fraction compares with one half (*half -1/0/+1, *inexact);
 * *big when q does not fit in 64 bits. */
AGPU_FN uint64_t a64_fp_intpart(a64_fpval v, int32_t shift_up, int *half, int *inexact, int *big)
{
    int32_t e = v.exp + shift_up;
    *half = -1;
    *inexact = 0;
    *big = 0;
    if (e >= 0) {
        if (e > a64_clz64(v.sig)) {
            *big = 1;
            return ~0ull;
        }
        return v.sig << e;
    }
    int32_t n = -e;
    *inexact = 1;
    if (n >= 65) return 0;
    if (n == 64) {
        *half = v.sig > (1ull << 63) ? 1 : v.sig == (1ull << 63) ? 0 : -1;
        return 0;
    }
    uint64_t rem = v.sig & a64_ones(n), h = 1ull << (n - 1);
    *inexact = rem != 0;
    *half = rem > h ? 1 : rem == h ? 0 : -1;
    return v.sig >> n;
}

/* Whether the magnitude q, with a dropped fraction (half, inexact), rounds
 * away from zero: the manual's round_up on RoundDown(value), restated for
 * magnitudes. */
AGPU_FN int a64_fp_round_up_int(uint64_t q, int sign, int half, int inexact, int rounding)
{
    switch (rounding) {
    case A64_FPRND_TIEEVEN: return inexact && (half > 0 || (half == 0 && (q & 1)));
    case A64_FPRND_POSINF: return inexact && !sign;
    case A64_FPRND_NEGINF: return inexact && sign;
    case A64_FPRND_TIEAWAY: return inexact && half >= 0;
    default: return 0;
    }
}

/* FPRoundInt(): FRINTN/P/M/Z/A (rounding given), FRINTX (exact = 1, IXC
 * when inexact) and FRINTI with FPCR's mode. */
AGPU_FN uint64_t a64_fp_roundint(uint64_t op, int fmt, int rounding, int exact, a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op, fmt, 0);
    if (a64_fp_isnan(a.type)) return a64_fp_process_nan(c, a.type, op, fmt);
    if (a.type == A64_FPT_INF) return a64_fp_inf(fmt, a.sign);
    if (a.type == A64_FPT_ZERO) return a64_fp_zero(fmt, a.sign);
    int half, inexact, big;
    uint64_t q = a64_fp_intpart(a, 0, &half, &inexact, &big);
    if (!inexact) return op & a64_ones(fmt); /* already an integer */
    q += (uint64_t)a64_fp_round_up_int(q, a.sign, half, inexact, rounding);
    if (exact) c->fpsr |= A64_FPSR_IXC;
    if (q == 0) return a64_fp_zero(fmt, a.sign);
    return a64_fp_round(c, fmt, a.sign, 0, q, A64_FPRND_ZERO, 0);
}

/* FPRoundIntN(): FRINT32Z/X, FRINT64Z/X (FEAT_FRINTTS).  A NaN, an
 * infinity or a result outside intsize-bit integers gives -2^(intsize-1)
 * with IOC. */
AGPU_FN uint64_t a64_fp_roundint_n(uint64_t op, int fmt, int rounding, int intsize, a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op, fmt, 0);
    uint64_t most_neg = a64_fp_zero(fmt, 1) | ((uint64_t)(a64_fp_bias(fmt) + intsize - 1) << a64_fp_fbits(fmt));
    if (a64_fp_isnan(a.type) || a.type == A64_FPT_INF) {
        c->fpsr |= A64_FPSR_IOC;
        return most_neg;
    }
    if (a.type == A64_FPT_ZERO) return a64_fp_zero(fmt, a.sign);
    int half, inexact, big;
    uint64_t q = a64_fp_intpart(a, 0, &half, &inexact, &big);
    if (!big) q += (uint64_t)a64_fp_round_up_int(q, a.sign, half, inexact, rounding);
    uint64_t lim = 1ull << (intsize - 1);
    if (big || q > lim || (!a.sign && q == lim)) {
        c->fpsr |= A64_FPSR_IOC;
        return most_neg;
    }
    if (inexact) c->fpsr |= A64_FPSR_IXC;
    if (q == 0) return a64_fp_zero(fmt, a.sign);
    return a64_fp_round(c, fmt, a.sign, 0, q, A64_FPRND_ZERO, 0);
}

/* FPConvertNaN(): sign and the top payload bits kept, quiet bit set. */
AGPU_FN uint64_t a64_fp_convert_nan(uint64_t op, int from, int to)
{
    int sign = (int)((op >> (from - 1)) & 1);
    uint64_t frac = (op & a64_ones(a64_fp_fbits(from) - 1)) << (52 - a64_fp_fbits(from)); /* 51 bits */
    return a64_fp_defaultnan(to) | a64_fp_zero(to, sign) | (frac >> (52 - a64_fp_fbits(to)));
}

/* FPConvert(): FCVT between half, single and double. */
AGPU_FN uint64_t a64_fp_convert(uint64_t op, int from, int to, int rounding, a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op, from, 1);
    int alt_hp = to == 16 && (c->fpcr & A64_FPCR_AHP);
    if (a64_fp_isnan(a.type)) {
        uint64_t r;
        if (alt_hp) r = a64_fp_zero(to, a.sign);
        else if (c->fpcr & A64_FPCR_DN) r = a64_fp_defaultnan(to);
        else r = a64_fp_convert_nan(op, from, to);
        if (a.type == A64_FPT_SNAN || alt_hp) c->fpsr |= A64_FPSR_IOC;
        return r;
    }
    if (a.type == A64_FPT_INF) {
        if (alt_hp) {
            c->fpsr |= A64_FPSR_IOC;
            return a64_fp_zero(to, a.sign) | 0x7fffu;
        }
        return a64_fp_inf(to, a.sign);
    }
    if (a.type == A64_FPT_ZERO) return a64_fp_zero(to, a.sign);
    return a64_fp_round(c, to, a.sign, a.exp, a.sig, rounding, 1);
}

/* FPToFixed(): the int_bits-bit result (zero-extended), saturated (SatQ)
 * with IOC; a NaN converts to 0 with IOC. */
AGPU_FN uint64_t a64_fp_to_fixed(uint64_t op, int fmt, int fbits, int is_unsigned, int int_bits, int rounding,
                                 a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op, fmt, 0);
    if (a64_fp_isnan(a.type)) {
        c->fpsr |= A64_FPSR_IOC;
        return 0;
    }
    if (a.type == A64_FPT_ZERO) return 0;
    int half = -1, inexact = 0, big = 1;
    uint64_t q = ~0ull;
    if (a.type != A64_FPT_INF) {
        q = a64_fp_intpart(a, fbits, &half, &inexact, &big);
        if (!big && a64_fp_round_up_int(q, a.sign, half, inexact, rounding)) {
            q++;
            big = q == 0;
        }
    }
    uint64_t r;
    int overflow = 0;
    if (is_unsigned) {
        uint64_t max = a64_ones(int_bits);
        if (a.sign && (big || q != 0)) {
            r = 0;
            overflow = 1;
        } else if (big || q > max) {
            r = max;
            overflow = 1;
        } else {
            r = q;
        }
    } else {
        uint64_t lim = 1ull << (int_bits - 1); /* |most negative| */
        if (a.sign) {
            if (big || q > lim) {
                q = lim;
                overflow = 1;
            }
            r = (0 - q) & a64_ones(int_bits);
        } else if (big || q > lim - 1) {
            r = lim - 1;
            overflow = 1;
        } else {
            r = q;
        }
    }
    if (overflow) c->fpsr |= A64_FPSR_IOC;
    else if (inexact) c->fpsr |= A64_FPSR_IXC;
    return r;
}

/* FixedToFP(): x is an int_bits-bit integer with fbits fraction bits. */
AGPU_FN uint64_t a64_fp_from_fixed(uint64_t x, int int_bits, int fbits, int is_unsigned, int fmt, int rounding,
                                   a64_fpctx *c)
{
    x &= a64_ones(int_bits);
    int sign = 0;
    if (!is_unsigned && ((x >> (int_bits - 1)) & 1)) {
        sign = 1;
        x = (0 - x) & a64_ones(int_bits);
    }
    if (x == 0) return a64_fp_zero(fmt, 0);
    return a64_fp_round(c, fmt, sign, -fbits, x, rounding, 0);
}

/* ------------------------------------------------------------ estimates */

/* RecipEstimate(): a in [256, 512) to r in [256, 512). */
AGPU_FN uint32_t a64_recip_estimate(uint32_t a)
{
    a = a * 2 + 1;
    uint32_t b = (1u << 19) / a;
    return (b + 1) / 2;
}

/* RecipSqrtEstimate(): a in [128, 512).  b is the largest integer with
 * a * b * b < 2^28: the manual's counting loop, done as a binary search. */
AGPU_FN uint32_t a64_rsqrt_estimate(uint32_t a)
{
    if (a < 256) a = a * 2 + 1;
    else a = ((a >> 1) << 1) * 2 + 2;
    uint32_t lo = 512, hi = 1024; /* a*lo*lo < 2^28 <= a*hi*hi */
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if ((uint64_t)a * mid * mid < (1ull << 28)) lo = mid;
        else hi = mid;
    }
    return (lo + 1) / 2;
}

/* FPRecipEstimate(): FRECPE. */
AGPU_FN uint64_t a64_fp_recpe(uint64_t op, int fmt, a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op, fmt, 0);
    const int F = a64_fp_fbits(fmt), E = a64_fp_ebits(fmt);
    if (a64_fp_isnan(a.type)) return a64_fp_process_nan(c, a.type, op, fmt);
    if (a.type == A64_FPT_INF) return a64_fp_zero(fmt, a.sign);
    if (a.type == A64_FPT_ZERO) {
        c->fpsr |= A64_FPSR_DZC;
        return a64_fp_inf(fmt, a.sign);
    }
    int32_t top = a.exp + 63 - a64_clz64(a.sig); /* floor(log2 |value|) */
    if (top < -(a64_fp_bias(fmt) + 1)) {         /* below 2^-16, 2^-128, 2^-1024 */
        int rm = a64_fp_rmode(c);
        int oti = rm == A64_FPRND_TIEEVEN ? 1 : rm == A64_FPRND_POSINF ? !a.sign : rm == A64_FPRND_NEGINF ? a.sign : 0;
        c->fpsr |= A64_FPSR_OFC | A64_FPSR_IXC;
        return oti ? a64_fp_inf(fmt, a.sign) : a64_fp_maxnormal(fmt, a.sign);
    }
    int fz = fmt == 16 ? (c->fpcr & A64_FPCR_FZ16) != 0 : (c->fpcr & A64_FPCR_FZ) != 0;
    if (fz && top >= a64_fp_bias(fmt) - 1) { /* at or above 2^14, 2^126, 2^1022 */
        c->fpsr |= A64_FPSR_UFC;
        return a64_fp_zero(fmt, a.sign);
    }
    uint64_t fraction = (op & a64_ones(F)) << (52 - F);
    int32_t exp = (int32_t)((op >> F) & a64_ones(E));
    if (exp == 0) {
        if (((fraction >> 51) & 1) == 0) {
            exp = -1;
            fraction = (fraction << 2) & a64_ones(52);
        } else {
            fraction = (fraction << 1) & a64_ones(52);
        }
    }
    uint32_t scaled = 256u | (uint32_t)(fraction >> 44);
    int32_t result_exp = 2 * a64_fp_bias(fmt) - 1 - exp; /* 29, 253, 2045 minus exp */
    uint32_t estimate = a64_recip_estimate(scaled);
    fraction = (uint64_t)(estimate & 0xffu) << 44;
    if (result_exp == 0) {
        fraction = (1ull << 51) | (fraction >> 1);
    } else if (result_exp == -1) {
        fraction = (1ull << 50) | (fraction >> 2);
        result_exp = 0;
    }
    return a64_fp_zero(fmt, a.sign) | ((uint64_t)result_exp << F) | (fraction >> (52 - F));
}

/* FPRSqrtEstimate(): FRSQRTE. */
AGPU_FN uint64_t a64_fp_rsqrte(uint64_t op, int fmt, a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op, fmt, 0);
    const int F = a64_fp_fbits(fmt), E = a64_fp_ebits(fmt);
    if (a64_fp_isnan(a.type)) return a64_fp_process_nan(c, a.type, op, fmt);
    if (a.type == A64_FPT_ZERO) {
        c->fpsr |= A64_FPSR_DZC;
        return a64_fp_inf(fmt, a.sign);
    }
    if (a.sign) {
        c->fpsr |= A64_FPSR_IOC;
        return a64_fp_defaultnan(fmt);
    }
    if (a.type == A64_FPT_INF) return a64_fp_zero(fmt, 0);
    uint64_t fraction = (op & a64_ones(F)) << (52 - F);
    int32_t exp = (int32_t)((op >> F) & a64_ones(E));
    if (exp == 0) {
        while (((fraction >> 51) & 1) == 0) {
            fraction = (fraction << 1) & a64_ones(52);
            exp--;
        }
        fraction = (fraction << 1) & a64_ones(52);
    }
    /* Even exponent: [0.5, 1) as 256..511; odd: [0.25, 0.5) as 128..255. */
    uint32_t scaled = (exp & 1) ? (128u | (uint32_t)(fraction >> 45)) : (256u | (uint32_t)(fraction >> 44));
    int32_t result_exp = (3 * a64_fp_bias(fmt) - 1 - exp) / 2; /* (44|380|3068 - exp) DIV 2, positive */
    uint32_t estimate = a64_rsqrt_estimate(scaled);
    return ((uint64_t)result_exp << F) | ((uint64_t)(estimate & 0xffu) << (F - 8));
}

/* FPRecipStepFused() (FRECPS: 2 - a*b) and FPRSqrtStepFused() (FRSQRTS:
 * (3 - a*b) / 2).  op1 is negated first, NaN or not, as the manual does. */
AGPU_FN uint64_t a64_fp_step(uint64_t op1, uint64_t op2, int fmt, int rsqrt, a64_fpctx *c)
{
    op1 = a64_fp_neg(op1, fmt);
    a64_fpval a = a64_fp_unpack(c, op1, fmt, 0), b = a64_fp_unpack(c, op2, fmt, 0);
    uint64_t r;
    if (a64_fp_process_nans(c, a.type, b.type, op1, op2, fmt, &r)) return r;
    int inf1 = a.type == A64_FPT_INF, inf2 = b.type == A64_FPT_INF;
    int zero1 = a.type == A64_FPT_ZERO, zero2 = b.type == A64_FPT_ZERO;
    if ((inf1 && zero2) || (zero1 && inf2)) return rsqrt ? a64_fp_const(fmt, 0, 0, 1) : a64_fp_const(fmt, 0, 1, 0);
    if (inf1 || inf2) return a64_fp_inf(fmt, a.sign ^ b.sign);
    a64_fpval k; /* 2.0 or 3.0 */
    k.type = A64_FPT_NONZERO;
    k.sign = 0;
    k.sig = rsqrt ? 3 : 1;
    k.exp = rsqrt ? 0 : 1;
    return a64_fp_fused(c, fmt, k, a, b, rsqrt ? -1 : 0);
}
AGPU_FN uint64_t a64_fp_recps(uint64_t a, uint64_t b, int fmt, a64_fpctx *c) { return a64_fp_step(a, b, fmt, 0, c); }
AGPU_FN uint64_t a64_fp_rsqrts(uint64_t a, uint64_t b, int fmt, a64_fpctx *c) { return a64_fp_step(a, b, fmt, 1, c); }

/* FPRecpX(): FRECPX. */
AGPU_FN uint64_t a64_fp_recpx(uint64_t op, int fmt, a64_fpctx *c)
{
    a64_fpval a = a64_fp_unpack(c, op, fmt, 0);
    const int F = a64_fp_fbits(fmt), E = a64_fp_ebits(fmt);
    if (a64_fp_isnan(a.type)) return a64_fp_process_nan(c, a.type, op, fmt);
    uint64_t exp = (op >> F) & a64_ones(E);
    uint64_t rexp = exp == 0 ? a64_ones(E) - 1 : (~exp & a64_ones(E));
    return a64_fp_zero(fmt, a.sign) | (rexp << F);
}

/* ------------------------------------------------------------ instructions */

/* ftype (bits 23:22) to a format width; 0 for the unallocated 10. */
AGPU_FN int a64_fp_ftype(uint32_t insn)
{
    switch ((insn >> 22) & 3u) {
    case 0: return 32;
    case 1: return 64;
    case 3: return 16;
    default: return 0;
    }
}

AGPU_FN uint64_t a64_fp_vget(const a64_state *s, uint32_t n, int fmt) { return s->v[n][0] & a64_ones(fmt); }

/* A scalar write: the result zero-extended to all 128 bits of Vd. */
AGPU_FN void a64_fp_vset(a64_state *s, uint32_t d, uint64_t v)
{
    s->v[d][0] = v;
    s->v[d][1] = 0;
}

/* Retires an FP instruction: the flags it raised join FPSR. */
AGPU_FN uint32_t a64_fp_done(a64_state *s, const a64_fpctx *c)
{
    a64_fpctx_store(s, c);
    s->pc += 4;
    return A64_CONTINUE;
}

/* The scalar FP instructions (C4.1.90: "Floating-point data-processing
 * (1, 2, 3 source)", "... compare", "... conditional compare",
 * "... conditional select", "... immediate", "Conversion between
 * floating-point and integer" and "... and fixed-point").  M = 1, S = 1,
 * ftype = 10 (but for FMOV D[1]) and the other unallocated values are
 * UNDEFINED; so are FJCVTZS (FEAT_JSCVT) and BFCVT (FEAT_BF16).  Half
 * precision (ftype = 11) is FEAT_FP16; FRINT32/64 are FEAT_FRINTTS. */
AGPU_FN uint32_t a64_exec_fp(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn, uint32_t op)
{
    const uint32_t rd = insn & 31, rn = (insn >> 5) & 31, rm = (insn >> 16) & 31;
    const int fmt = a64_fp_ftype(insn);
    const uint32_t ms = (insn >> 29) & 5u; /* M (bit 31) and S (bit 29): both must be 0 */
    a64_fpctx c = a64_fpctx_of(s);
    (void)m, (void)priv;
    switch (op) {
    case A64_OP_FP_1SRC: {
        uint32_t opcode = (insn >> 15) & 63u;
        uint64_t a, r;
        if (ms || !fmt) break;
        a = a64_fp_vget(s, rn, fmt);
        if (opcode < 4) {
            switch (opcode) {
            case 0: r = a; break;                  /* FMOV */
            case 1: r = a64_fp_abs(a, fmt); break; /* FABS */
            case 2: r = a64_fp_neg(a, fmt); break; /* FNEG */
            default: r = a64_fp_sqrt(a, fmt, &c); break;
            }
        } else if (opcode < 8) { /* FCVT: opcode<1:0> is the destination type */
            int to = (opcode & 3) == 0 ? 32 : (opcode & 3) == 1 ? 64 : (opcode & 3) == 3 ? 16 : 0;
            if (!to || to == fmt) break;
            r = a64_fp_convert(a, fmt, to, a64_fp_rmode(&c), &c);
        } else if (opcode < 16 && opcode != 13) { /* FRINTN P M Z A, -, X I */
            /* opcode 8..12 is FPRounding TIEEVEN, POSINF, NEGINF, ZERO, TIEAWAY */
            int rnd = opcode >= 14 ? a64_fp_rmode(&c) : (int)opcode - 8;
            r = a64_fp_roundint(a, fmt, rnd, opcode == 14, &c);
        } else if (opcode >= 16 && opcode < 20 && fmt != 16) { /* FRINT32Z, 32X, 64Z, 64X */
            r = a64_fp_roundint_n(a, fmt, (opcode & 1) ? a64_fp_rmode(&c) : A64_FPRND_ZERO,
                                  (opcode & 2) ? 64 : 32, &c);
        } else {
            break;
        }
        a64_fp_vset(s, rd, r);
        return a64_fp_done(s, &c);
    }
    case A64_OP_FP_2SRC: {
        uint32_t opcode = (insn >> 12) & 15u;
        uint64_t a, b, r;
        if (ms || !fmt || opcode > 8) break;
        a = a64_fp_vget(s, rn, fmt);
        b = a64_fp_vget(s, rm, fmt);
        switch (opcode) {
        case 0: r = a64_fp_mul(a, b, fmt, &c); break;
        case 1: r = a64_fp_div(a, b, fmt, &c); break;
        case 2: r = a64_fp_add(a, b, fmt, &c); break;
        case 3: r = a64_fp_sub(a, b, fmt, &c); break;
        case 4: r = a64_fp_minmax(a, b, fmt, A64_FP_MAX, &c); break;
        case 5: r = a64_fp_minmax(a, b, fmt, A64_FP_MIN, &c); break;
        case 6: r = a64_fp_minmax(a, b, fmt, A64_FP_MAXNM, &c); break;
        case 7: r = a64_fp_minmax(a, b, fmt, A64_FP_MINNM, &c); break;
        default: r = a64_fp_nmul(a, b, fmt, &c); break;
        }
        a64_fp_vset(s, rd, r);
        return a64_fp_done(s, &c);
    }
    case A64_OP_FP_3SRC: {
        uint32_t ra = (insn >> 10) & 31u, o1 = (insn >> 21) & 1u, o0 = (insn >> 15) & 1u;
        uint64_t a, n, b;
        if (ms || !fmt) break;
        a = a64_fp_vget(s, ra, fmt);
        n = a64_fp_vget(s, rn, fmt);
        b = a64_fp_vget(s, rm, fmt);
        /* FMADD; FMSUB (o0): -Rn; FNMADD (o1, o0): -Ra, -Rn; FNMSUB (o1): -Ra */
        if (o1) a = a64_fp_neg(a, fmt);
        if (o0 != o1) n = a64_fp_neg(n, fmt);
        a64_fp_vset(s, rd, a64_fp_muladd(a, n, b, fmt, &c));
        return a64_fp_done(s, &c);
    }
    case A64_OP_FP_CMP: {
        /* op (15:14) and opcode2<2:0> must be 0; opcode2<3> compares with
         * +0.0 (Rm ignored), opcode2<4> is FCMPE. */
        uint64_t b;
        if (ms || !fmt || ((insn >> 14) & 3u) || (insn & 7u)) break;
        b = (insn & 8u) ? 0 : a64_fp_vget(s, rm, fmt);
        s->nzcv = (uint64_t)a64_fp_compare(a64_fp_vget(s, rn, fmt), b, fmt, (insn >> 4) & 1, &c) << 28;
        return a64_fp_done(s, &c);
    }
    case A64_OP_FP_CCMP: {
        if (ms || !fmt) break;
        if (ConditionHolds((insn >> 12) & 15u, s->nzcv))
            s->nzcv = (uint64_t)a64_fp_compare(a64_fp_vget(s, rn, fmt), a64_fp_vget(s, rm, fmt), fmt,
                                               (insn >> 4) & 1, &c)
                      << 28;
        else
            s->nzcv = (uint64_t)(insn & 15u) << 28;
        return a64_fp_done(s, &c);
    }
    case A64_OP_FP_CSEL: {
        if (ms || !fmt) break;
        a64_fp_vset(s, rd, a64_fp_vget(s, ConditionHolds((insn >> 12) & 15u, s->nzcv) ? rn : rm, fmt));
        return a64_fp_done(s, &c);
    }
    case A64_OP_FP_IMM: {
        if (ms || !fmt || ((insn >> 5) & 31u)) break;
        a64_fp_vset(s, rd, a64_fp_expand_imm((insn >> 13) & 0xffu, fmt));
        return a64_fp_done(s, &c);
    }
    case A64_OP_FP_INT: {
        const int sf = (int)(insn >> 31), ibits = sf ? 64 : 32;
        const uint32_t rmode = (insn >> 19) & 3u, opcode = (insn >> 16) & 7u, ftype = (insn >> 22) & 3u;
        int rnd;
        if ((insn >> 29) & 1u) break;
        if (opcode >= 6) { /* FMOV (general): opcode<0> is to FP */
            if (ftype == 2) { /* FMOV Xd, Vn.D[1] and FMOV Vd.D[1], Xn: the other half kept */
                if (!sf || rmode != 1) break;
                if (opcode & 1) s->v[rd][1] = X(s, rn);
                else set_X(s, rd, s->v[rn][1]);
                return a64_fp_done(s, &c);
            }
            if (rmode != 0 || (ftype == 0 && sf) || (ftype == 1 && !sf)) break;
            if (opcode & 1) a64_fp_vset(s, rd, X(s, rn) & a64_ones(fmt));
            else set_X(s, rd, a64_fp_vget(s, rn, fmt));
            return a64_fp_done(s, &c);
        }
        if (!fmt) break;
        if (opcode == 2 || opcode == 3) { /* SCVTF, UCVTF */
            if (rmode) break;
            a64_fp_vset(s, rd, a64_fp_from_fixed(X(s, rn), ibits, 0, opcode == 3, fmt, a64_fp_rmode(&c), &c));
            return a64_fp_done(s, &c);
        }
        if (opcode >= 4) { /* FCVTAS, FCVTAU */
            if (rmode) break;
            rnd = A64_FPRND_TIEAWAY;
        } else { /* FCVTNS/NU, PS/PU, MS/MU, ZS/ZU: rmode is the FPRounding */
            rnd = (int)rmode;
        }
        set_Xd(s, rd, a64_fp_to_fixed(a64_fp_vget(s, rn, fmt), fmt, 0, opcode & 1, ibits, rnd, &c), sf);
        return a64_fp_done(s, &c);
    }
    case A64_OP_FP_FIXED: {
        const int sf = (int)(insn >> 31), ibits = sf ? 64 : 32;
        const uint32_t rmode = (insn >> 19) & 3u, opcode = (insn >> 16) & 7u, scale = (insn >> 10) & 63u;
        const int fbits = 64 - (int)scale;
        if ((insn >> 29) & 1u || !fmt || (!sf && scale < 32)) break;
        if (rmode == 3 && opcode < 2) { /* FCVTZS, FCVTZU (fixed-point) */
            set_Xd(s, rd,
                   a64_fp_to_fixed(a64_fp_vget(s, rn, fmt), fmt, fbits, opcode & 1, ibits, A64_FPRND_ZERO, &c), sf);
            return a64_fp_done(s, &c);
        }
        if (rmode == 0 && (opcode == 2 || opcode == 3)) { /* SCVTF, UCVTF (fixed-point) */
            a64_fp_vset(s, rd, a64_fp_from_fixed(X(s, rn), ibits, fbits, opcode == 3, fmt, a64_fp_rmode(&c), &c));
            return a64_fp_done(s, &c);
        }
        break;
    }
    default:
        return A64_NOT_MINE;
    }
    return a64_undefined(s, insn);
}

#endif /* A64_FP_H */

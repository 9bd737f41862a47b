/*
 * a64_simd.h - SIMD&FP loads and stores and integer Advanced SIMD.
 *
 * Part of the one source of A64 semantics (DESIGN decision 1): plain C11 that
 * also compiles as CUDA C++.  Written from the Arm ARM (DDI 0487) pseudocode:
 * C4.1.88 (loads and stores, V = 1), C4.1.90 (Advanced SIMD data processing)
 * and the C7.2 instruction pages.  A V register is two uint64_t words,
 * v[n][0] = bits 63..0; an element i of `bits` bits sits at bit i * bits.
 * Every 64-bit (Q = 0) vector result and every scalar result clears the bits
 * above it, as V[d] = result does in the manual.
 *
 * The single- and double-precision FP opcodes of these groups are built on
 * a64_fp.h's primitives when it is present (A64_FP_H); the FP16, FHM, RDM
 * and FRINTTS ones answer UNDEFINED.  Included by a64_fpsimd.h, after
 * a64_exec.h's helpers and a64_fp.h.
 */
#ifndef A64_SIMD_H
#define A64_SIMD_H

#define A64_FPSR_QC (1ull << 27)

/* ----------------------------------------------------------- element access */

AGPU_FN uint64_t a64_vmask(uint32_t bits) { return bits >= 64 ? ~0ull : (1ull << bits) - 1; }

/* Element i (of 8 << sz bits) of the little-endian word array v. */
AGPU_FN uint64_t a64_el(const uint64_t *v, uint32_t sz, uint32_t i)
{
    uint32_t bits = 8u << sz, pos = i * bits;
    uint64_t w = v[pos >> 6];
    return sz == 3 ? w : (w >> (pos & 63)) & a64_vmask(bits);
}

AGPU_FN void a64_el_set(uint64_t *v, uint32_t sz, uint32_t i, uint64_t x)
{
    uint32_t bits = 8u << sz, pos = i * bits;
    if (sz == 3) {
        v[pos >> 6] = x;
        return;
    }
    uint64_t mask = a64_vmask(bits) << (pos & 63);
    v[pos >> 6] = (v[pos >> 6] & ~mask) | ((x << (pos & 63)) & mask);
}

/* x (of `bits` bits) repeated across 64 bits. */
AGPU_FN uint64_t a64_rep64(uint64_t x, uint32_t bits)
{
    x &= a64_vmask(bits);
    for (uint32_t b = bits; b < 64; b *= 2) x |= x << b;
    return x;
}

/* V[d] = r with datasize 128 (q) or 64 (upper half cleared). */
AGPU_FN void a64_vwrite(a64_state *s, uint32_t d, const uint64_t *r, uint32_t q)
{
    s->v[d][0] = r[0];
    s->v[d][1] = q ? r[1] : 0;
}

/* A scalar result: the element in the low bits, every other bit cleared. */
AGPU_FN void a64_vscalar(a64_state *s, uint32_t d, uint64_t x, uint32_t bits)
{
    s->v[d][0] = x & a64_vmask(bits);
    s->v[d][1] = 0;
}

/* Vpart(d, part) = r (narrowing "2" forms write the upper half and keep the
 * lower; the others write the lower half and clear the upper). */
AGPU_FN void a64_vwrite_half(a64_state *s, uint32_t d, uint64_t r, uint32_t part)
{
    if (part) {
        s->v[d][1] = r;
    } else {
        s->v[d][0] = r;
        s->v[d][1] = 0;
    }
}

AGPU_FN int64_t a64_sx(uint64_t x, uint32_t bits) { return a64_sext(x, (int)bits); }

/* Extends an element of `bits` bits, signed unless u. */
AGPU_FN uint64_t a64_ext(uint64_t x, uint32_t bits, uint32_t u)
{
    return u ? (x & a64_vmask(bits)) : (uint64_t)a64_sx(x, bits);
}

/* ------------------------------------------------------- saturation (QC) */

/* SignedSatQ / UnsignedSatQ of an exact value that fits in int64. */
AGPU_FN uint64_t a64_sat_s(int64_t x, uint32_t bits, uint32_t *qc)
{
    if (bits >= 64) return (uint64_t)x;
    int64_t hi = (int64_t)((1ull << (bits - 1)) - 1), lo = -hi - 1;
    if (x > hi) { *qc = 1; return (uint64_t)hi & a64_vmask(bits); }
    if (x < lo) { *qc = 1; return (uint64_t)lo & a64_vmask(bits); }
    return (uint64_t)x & a64_vmask(bits);
}

AGPU_FN uint64_t a64_sat_u_of_s(int64_t x, uint32_t bits, uint32_t *qc)
{
    if (x < 0) { *qc = 1; return 0; }
    if (bits < 64 && (uint64_t)x > a64_vmask(bits)) { *qc = 1; return a64_vmask(bits); }
    return (uint64_t)x;
}

AGPU_FN uint64_t a64_sat_u(uint64_t x, uint32_t bits, uint32_t *qc)
{
    if (bits < 64 && x > a64_vmask(bits)) { *qc = 1; return a64_vmask(bits); }
    return x;
}

AGPU_FN uint64_t a64_sqadd(uint64_t a, uint64_t b, uint32_t bits, uint32_t *qc)
{
    if (bits < 64) return a64_sat_s(a64_sx(a, bits) + a64_sx(b, bits), bits, qc);
    uint64_t r = a + b;
    if (((a ^ r) & (b ^ r)) >> 63) { *qc = 1; return (a >> 63) ? 0x8000000000000000ull : 0x7fffffffffffffffull; }
    return r;
}

AGPU_FN uint64_t a64_sqsub(uint64_t a, uint64_t b, uint32_t bits, uint32_t *qc)
{
    if (bits < 64) return a64_sat_s(a64_sx(a, bits) - a64_sx(b, bits), bits, qc);
    uint64_t r = a - b;
    if (((a ^ b) & (a ^ r)) >> 63) { *qc = 1; return (a >> 63) ? 0x8000000000000000ull : 0x7fffffffffffffffull; }
    return r;
}

AGPU_FN uint64_t a64_uqadd(uint64_t a, uint64_t b, uint32_t bits, uint32_t *qc)
{
    uint64_t r = a + b;
    if (bits < 64) return a64_sat_u(r, bits, qc);
    if (r < a) { *qc = 1; return ~0ull; }
    return r;
}

AGPU_FN uint64_t a64_uqsub(uint64_t a, uint64_t b, uint32_t *qc)
{
    if (a < b) { *qc = 1; return 0; }
    return a - b;
}

/* ---------------------------------------------------------------- shifts */

/* Right shifts of an element by 0..bits (and beyond, for USHL/SSHL),
 * plain or rounding (the manual's (x + (1 << (sh - 1))) >> sh, exact). */
AGPU_FN uint64_t a64_shr(uint64_t x, uint32_t sh, uint32_t bits, uint32_t u, int round)
{
    if (u) {
        x &= a64_vmask(bits);
        if (sh == 0) return x;
        if (sh > 64) return 0;
        if (sh == 64) return round ? x >> 63 : 0;
        return (x >> sh) + (round ? (x >> (sh - 1)) & 1 : 0);
    }
    int64_t v = a64_sx(x, bits);
    if (sh == 0) return (uint64_t)v & a64_vmask(bits);
    if (sh >= 64) return round ? 0 : (uint64_t)(v >> 63) & a64_vmask(bits);
    return (uint64_t)((v >> sh) + (round ? (v >> (sh - 1)) & 1 : 0)) & a64_vmask(bits);
}

/* USHL/SSHL: the shift is the signed low byte of b (C7.2 SSHL, USHL). */
AGPU_FN uint64_t a64_shl_reg(uint64_t a, uint64_t b, uint32_t bits, uint32_t u)
{
    int32_t sh = (int32_t)(int8_t)(uint8_t)b;
    if (sh >= 0) return sh >= (int32_t)bits ? 0 : (a << sh) & a64_vmask(bits);
    return a64_shr(a, (uint32_t)-sh, bits, u, 0);
}

/* Saturating left shift by 0..255 (SQSHL, UQSHL, SQSHLU): u_src says x is
 * unsigned, u_dst that the result is (C7.2 SQSHL ...: SatQ of x << sh). */
AGPU_FN uint64_t a64_qshl(uint64_t x, uint32_t sh, uint32_t bits, uint32_t u_src, uint32_t u_dst, uint32_t *qc)
{
    uint64_t mask = a64_vmask(bits);
    if (u_src) {
        uint64_t v = x & mask;
        if (v == 0 || sh == 0) return v;
        if (sh >= bits || (v >> (bits - sh)) != 0) { *qc = 1; return mask; }
        return (v << sh) & mask;
    }
    int64_t v = a64_sx(x, bits);
    if (v == 0) return 0;
    if (u_dst && v < 0) { *qc = 1; return 0; }
    if (sh == 0) return (uint64_t)v & mask;
    if (u_dst) {
        if (sh >= bits || ((uint64_t)v >> (bits - sh)) != 0) { *qc = 1; return mask; }
        return ((uint64_t)v << sh) & mask;
    }
    if (sh >= bits || (v >> (bits - 1 - sh)) != (v < 0 ? -1 : 0)) {
        *qc = 1;
        return v < 0 ? (mask >> 1) + 1 : mask >> 1;
    }
    return ((uint64_t)v << sh) & mask;
}

/* [SU]RSHL, [SU]QSHL, [SU]QRSHL (register): the shift is b's signed low
 * byte; left shifts saturate when sat, right shifts round when round. */
AGPU_FN uint64_t a64_shl_reg_ext(uint64_t a, uint64_t b, uint32_t bits, uint32_t u, int sat, int round, uint32_t *qc)
{
    int32_t sh = (int32_t)(int8_t)(uint8_t)b;
    if (sh >= 0) {
        if (sat) return a64_qshl(a, (uint32_t)sh, bits, u, u, qc);
        return sh >= (int32_t)bits ? 0 : (a << sh) & a64_vmask(bits);
    }
    return a64_shr(a, (uint32_t)-sh, bits, u, round);
}

/* SUQADD (u = 0: signed d plus unsigned n) and USQADD (u = 1: unsigned d
 * plus signed n), saturating to d's kind. */
AGPU_FN uint64_t a64_suqadd(uint64_t d, uint64_t n, uint32_t bits, uint32_t u, uint32_t *qc)
{
    uint64_t mask = a64_vmask(bits);
    if (bits < 64) {
        if (!u) return a64_sat_s(a64_sx(d, bits) + (int64_t)(n & mask), bits, qc);
        int64_t t = (int64_t)(d & mask) + a64_sx(n, bits);
        return a64_sat_u_of_s(t, bits, qc);
    }
    if (!u) {
        int64_t sd = (int64_t)d;
        uint64_t room = 0x7fffffffffffffffull - (uint64_t)sd; /* exact: sd <= INT64_MAX */
        if (n > room) { *qc = 1; return 0x7fffffffffffffffull; }
        return d + n;
    }
    if ((int64_t)n < 0) {
        uint64_t m = (uint64_t)0 - n;
        if (m > d) { *qc = 1; return 0; }
        return d - m;
    }
    if (d + n < d) { *qc = 1; return ~0ull; }
    return d + n;
}

/* SQDMULH (round = 0) and SQRDMULH: the high half of 2*a*b, for H and S:
 * (2p + r) >> bits computed as (p + r/2) >> (bits - 1), which cannot overflow. */
AGPU_FN uint64_t a64_sqdmulh(uint64_t a, uint64_t b, uint32_t bits, int round, uint32_t *qc)
{
    int64_t p = a64_sx(a, bits) * a64_sx(b, bits);
    return a64_sat_s((p + (round ? (int64_t)1 << (bits - 2) : 0)) >> (bits - 1), bits, qc);
}

/* SQDMULL: 2*a*b in 2*bits, saturated (only MIN*MIN overflows). */
AGPU_FN uint64_t a64_sqdmull(uint64_t a, uint64_t b, uint32_t bits, uint32_t *qc)
{
    int64_t p = a64_sx(a, bits) * a64_sx(b, bits);
    return a64_sqadd((uint64_t)p, (uint64_t)p, 2 * bits, qc);
}

/* Carry-less (polynomial) product of two 64-bit values: lo and hi halves. */
AGPU_FN void a64_clmul64(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
    uint64_t l = 0, h = 0;
    for (uint32_t i = 0; i < 64; i++) {
        if ((b >> i) & 1) {
            l ^= a << i;
            if (i) h ^= a >> (64 - i);
        }
    }
    *lo = l;
    *hi = h;
}

AGPU_FN uint32_t a64_clz_bits(uint64_t x, uint32_t bits)
{
    x &= a64_vmask(bits);
    uint32_t n = 0;
    for (int i = (int)bits - 1; i >= 0 && !((x >> i) & 1); i--) n++;
    return n;
}

AGPU_FN uint32_t a64_popcount(uint64_t x)
{
    uint32_t n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}

/* ------------------------------------------------ integer element operations */

/* One element of an integer three-same op (C4.1.90 "Advanced SIMD three
 * same", opcodes other than logic and pairwise).  d is the destination's
 * old element for the accumulating forms; *qc is set on saturation. */
AGPU_FN uint64_t a64_simd_3same_el(uint32_t opcode, uint32_t u, uint32_t bits, uint64_t a,
                                   uint64_t b, uint64_t d, uint32_t *qc)
{
    uint64_t mask = a64_vmask(bits);
    int64_t sa = a64_sx(a, bits), sb = a64_sx(b, bits);
    uint64_t ua = a & mask, ub = b & mask;
    switch (opcode) {
    case 0x00: return (u ? (ua + ub) >> 1 : (uint64_t)((sa + sb) >> 1)) & mask;            /* HADD */
    case 0x01: return u ? a64_uqadd(ua, ub, bits, qc) : a64_sqadd(a, b, bits, qc);          /* QADD */
    case 0x02: return (u ? (ua + ub + 1) >> 1 : (uint64_t)((sa + sb + 1) >> 1)) & mask;     /* RHADD */
    case 0x04: return (u ? (ua - ub) >> 1 : (uint64_t)((sa - sb) >> 1)) & mask;             /* HSUB */
    case 0x05: return u ? a64_uqsub(ua, ub, qc) : a64_sqsub(a, b, bits, qc);               /* QSUB */
    case 0x06: return (u ? ua > ub : sa > sb) ? mask : 0;                                   /* CMGT, CMHI */
    case 0x07: return (u ? ua >= ub : sa >= sb) ? mask : 0;                                 /* CMGE, CMHS */
    case 0x08: return a64_shl_reg(a, b, bits, u);                                           /* SSHL, USHL */
    case 0x09: return a64_shl_reg_ext(a, b, bits, u, 1, 0, qc);                             /* [SU]QSHL */
    case 0x0a: return a64_shl_reg_ext(a, b, bits, u, 0, 1, qc);                             /* [SU]RSHL */
    case 0x0b: return a64_shl_reg_ext(a, b, bits, u, 1, 1, qc);                             /* [SU]QRSHL */
    case 0x16: return a64_sqdmulh(a, b, bits, (int)u, qc);                                  /* SQ[R]DMULH */
    case 0x0c: return (u ? (ua > ub ? ua : ub) : (uint64_t)(sa > sb ? sa : sb)) & mask;     /* MAX */
    case 0x0d: return (u ? (ua < ub ? ua : ub) : (uint64_t)(sa < sb ? sa : sb)) & mask;     /* MIN */
    case 0x0e:                                                                              /* ABD */
    case 0x0f: {                                                                            /* ABA */
        uint64_t r = u ? (ua > ub ? ua - ub : ub - ua) : (uint64_t)(sa > sb ? sa - sb : sb - sa);
        return (opcode == 0x0f ? d + r : r) & mask;
    }
    case 0x10: return (u ? a - b : a + b) & mask;                                           /* ADD, SUB */
    case 0x11: return (u ? ua == ub : (a & b & mask) != 0) ? mask : 0;                      /* CMEQ, CMTST */
    case 0x12: return (u ? d - a * b : d + a * b) & mask;                                   /* MLA, MLS */
    case 0x13:                                                                              /* MUL, PMUL */
        if (u) {
            uint64_t r = 0;
            for (uint32_t i = 0; i < 8; i++)
                if ((ub >> i) & 1) r ^= ua << i;
            return r & mask;
        }
        return (a * b) & mask;
    case 0x14: return (u ? (ua > ub ? ua : ub) : (uint64_t)(sa > sb ? sa : sb)) & mask;     /* MAXP */
    case 0x15: return (u ? (ua < ub ? ua : ub) : (uint64_t)(sa < sb ? sa : sb)) & mask;     /* MINP */
    default: return (a + b) & mask;                                                         /* ADDP */
    }
}

/* ------------------------------------------------------ loads and stores */

/* Register size log2 of a single-register SIMD&FP load/store (size, opc<1>):
 * 0..4 for B, H, S, D, Q; 5 when unallocated. */
AGPU_FN uint32_t a64_simd_ldst_scale(uint32_t insn)
{
    uint32_t scale = ((uint32_t)a64_bits(insn, 23, 23) << 2) | (uint32_t)a64_bits(insn, 31, 30);
    return scale > 4 ? 5 : scale;
}

/* Loads or stores `bytes` (1..16) between p and V[t]; a load zero-fills the
 * rest of the register. */
AGPU_FN void a64_simd_xfer(a64_state *s, uint8_t *p, uint32_t t, uint32_t bytes, uint32_t load)
{
    if (load) {
        s->v[t][0] = a64_load_le(p, bytes > 8 ? 8 : bytes);
        s->v[t][1] = bytes > 8 ? a64_load_le(p + 8, 8) : 0;
    } else {
        a64_store_le(p, bytes > 8 ? 8 : bytes, s->v[t][0]);
        if (bytes > 8) a64_store_le(p + 8, 8, s->v[t][1]);
    }
}

AGPU_FN uint32_t a64_simd_ldst_single(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn,
                                      uint64_t addr, int wback, uint64_t wb_value)
{
    uint32_t scale = a64_simd_ldst_scale(insn), load = (insn >> 22) & 1;
    if (scale > 4) return a64_undefined(s, insn);
    uint32_t bytes = 1u << scale;
    uint8_t *p = a64_translate_data(s, m, priv, addr, bytes, load);
    if (!p) return AGPU_STOP_FAULT;
    a64_simd_xfer(s, p, insn & 31, bytes, load);
    if (wback) set_XSP(s, (insn >> 5) & 31, wb_value);
    s->pc += 4;
    return A64_CONTINUE;
}

/* LDP/STP/LDNP/STNP of S, D, Q registers (C7.2 LDP (SIMD&FP) ...). */
AGPU_FN uint32_t a64_simd_ldst_pair(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn)
{
    uint32_t opc = (uint32_t)a64_bits(insn, 31, 30);
    uint32_t L = (insn >> 22) & 1, rt2 = (insn >> 10) & 31, rn = (insn >> 5) & 31, rt = insn & 31;
    if (opc == 3) return a64_undefined(s, insn);
    uint32_t bytes = 4u << opc;
    uint64_t new_base, addr = a64_pair_address(s, insn, bytes, &new_base);
    uint8_t *p = a64_translate_data(s, m, priv, addr, 2 * bytes, L);
    if (!p) return AGPU_STOP_FAULT;
    a64_simd_xfer(s, p, rt, bytes, L);
    a64_simd_xfer(s, p + bytes, rt2, bytes, L);
    if (a64_pair_wback(insn)) set_XSP(s, rn, new_base);
    s->pc += 4;
    return A64_CONTINUE;
}

/* LD1-LD4/ST1-ST4 (multiple structures), C7.2 LD1 ... and the shared
 * pseudocode of C4.1.88 "Advanced SIMD load/store multiple structures".
 * The whole range is checked first, so a fault changes nothing. */
AGPU_FN uint32_t a64_simd_ldst_multi(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn,
                                     int post)
{
    uint32_t Q = (insn >> 30) & 1, L = (insn >> 22) & 1, opcode = (uint32_t)a64_bits(insn, 15, 12);
    uint32_t size = (uint32_t)a64_bits(insn, 11, 10), rm = (insn >> 16) & 31;
    uint32_t rn = (insn >> 5) & 31, rt = insn & 31;
    uint32_t rpt, selem;
    switch (opcode) {
    case 0x0: rpt = 1; selem = 4; break;
    case 0x2: rpt = 4; selem = 1; break;
    case 0x4: rpt = 1; selem = 3; break;
    case 0x6: rpt = 3; selem = 1; break;
    case 0x7: rpt = 1; selem = 1; break;
    case 0x8: rpt = 1; selem = 2; break;
    case 0xa: rpt = 2; selem = 1; break;
    default: return a64_undefined(s, insn);
    }
    if (size == 3 && !Q && selem != 1) return a64_undefined(s, insn);
    uint32_t ebytes = 1u << size, elements = (Q ? 16u : 8u) >> size;
    uint32_t total = rpt * selem * (Q ? 16u : 8u);
    uint64_t addr = XSP(s, rn);
    uint8_t *p = a64_translate_data(s, m, priv, addr, total, L);
    if (!p) return AGPU_STOP_FAULT;
    uint32_t off = 0;
    for (uint32_t r = 0; r < rpt; r++) {
        for (uint32_t e = 0; e < elements; e++) {
            uint32_t tt = (rt + r) & 31;
            for (uint32_t k = 0; k < selem; k++) {
                if (L) a64_el_set(s->v[tt], size, e, a64_load_le(p + off, ebytes));
                else a64_store_le(p + off, ebytes, a64_el(s->v[tt], size, e));
                off += ebytes;
                tt = (tt + 1) & 31;
            }
        }
    }
    if (L && !Q)
        for (uint32_t i = 0; i < rpt * selem; i++) s->v[(rt + i) & 31][1] = 0;
    if (post) set_XSP(s, rn, addr + (rm == 31 ? (uint64_t)total : X(s, rm)));
    s->pc += 4;
    return A64_CONTINUE;
}

/* LD1-LD4/ST1-ST4 (single structure) and LD1R-LD4R (C4.1.88 "Advanced SIMD
 * load/store single structure"). */
AGPU_FN uint32_t a64_simd_ldst_one(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn,
                                   int post)
{
    uint32_t Q = (insn >> 30) & 1, L = (insn >> 22) & 1, R = (insn >> 21) & 1;
    uint32_t opcode = (uint32_t)a64_bits(insn, 15, 13), S = (insn >> 12) & 1;
    uint32_t size = (uint32_t)a64_bits(insn, 11, 10), rm = (insn >> 16) & 31;
    uint32_t rn = (insn >> 5) & 31, rt = insn & 31;
    uint32_t scale = opcode >> 1, selem = (((opcode & 1) << 1) | R) + 1, index = 0, replicate = 0;
    switch (scale) {
    case 3:
        if (!L || S) return a64_undefined(s, insn);
        scale = size;
        replicate = 1;
        break;
    case 0: index = (Q << 3) | (S << 2) | size; break;
    case 1:
        if (size & 1) return a64_undefined(s, insn);
        index = (Q << 2) | (S << 1) | (size >> 1);
        break;
    default:
        if (size & 2) return a64_undefined(s, insn);
        if (!(size & 1)) {
            index = (Q << 1) | S;
        } else {
            if (S) return a64_undefined(s, insn);
            index = Q;
            scale = 3;
        }
        break;
    }
    uint32_t ebytes = 1u << scale, total = selem * ebytes;
    uint64_t addr = XSP(s, rn);
    uint8_t *p = a64_translate_data(s, m, priv, addr, total, L);
    if (!p) return AGPU_STOP_FAULT;
    for (uint32_t k = 0; k < selem; k++) {
        uint32_t tt = (rt + k) & 31;
        if (replicate) {
            uint64_t w = a64_rep64(a64_load_le(p + k * ebytes, ebytes), 8u << scale);
            s->v[tt][0] = w;
            s->v[tt][1] = Q ? w : 0;
        } else if (L) {
            a64_el_set(s->v[tt], scale, index, a64_load_le(p + k * ebytes, ebytes));
        } else {
            a64_store_le(p + k * ebytes, ebytes, a64_el(s->v[tt], scale, index));
        }
    }
    if (post) set_XSP(s, rn, addr + (rm == 31 ? (uint64_t)total : X(s, rm)));
    s->pc += 4;
    return A64_CONTINUE;
}

/* ------------------------------------------------------- vector groups */

/* Advanced SIMD three same, integer (C4.1.90); also the scalar form. */
AGPU_FN uint32_t a64_simd_3same(a64_state *s, uint32_t insn, int scalar)
{
    uint32_t Q = (insn >> 30) & 1, U = (insn >> 29) & 1, size = (uint32_t)a64_bits(insn, 23, 22);
    uint32_t opcode = (uint32_t)a64_bits(insn, 15, 11), rm = (insn >> 16) & 31;
    uint32_t rn = (insn >> 5) & 31, rd = insn & 31, bits = 8u << size, qc = 0;
    uint64_t a[2] = {s->v[rn][0], s->v[rn][1]}, b[2] = {s->v[rm][0], s->v[rm][1]};
    uint64_t d[2] = {s->v[rd][0], s->v[rd][1]}, r[2] = {0, 0};
    if (scalar) {
        /* Scalar three same: the saturating ops at every size, the rest on D only. */
        if (opcode == 0x16) {
            if (size == 0 || size == 3) return a64_undefined(s, insn);
        } else if (opcode != 0x01 && opcode != 0x05 && opcode != 0x09 && opcode != 0x0b) {
            if (opcode != 0x06 && opcode != 0x07 && opcode != 0x08 && opcode != 0x0a && opcode != 0x10 &&
                opcode != 0x11)
                return a64_undefined(s, insn);
            if (size != 3) return a64_undefined(s, insn);
        }
        uint64_t x = a64_simd_3same_el(opcode, U, bits, a64_el(a, size, 0), a64_el(b, size, 0), 0, &qc);
        a64_vscalar(s, rd, x, bits);
        if (qc) s->fpsr |= A64_FPSR_QC;
        s->pc += 4;
        return A64_CONTINUE;
    }
    if (opcode >= 0x18 || (opcode == 0x17 && U))
        return a64_undefined(s, insn); /* FP: not yet */
    if (opcode == 0x16 && (size == 0 || size == 3)) return a64_undefined(s, insn);
    if (opcode == 0x03) {
        /* AND, BIC, ORR, ORN; EOR, BSL, BIT, BIF: result = op1 ^ ((op1 ^ op2) & op3). */
        for (int w = 0; w < 2; w++) {
            uint64_t x;
            if (!U) {
                switch (size) {
                case 0: x = a[w] & b[w]; break;
                case 1: x = a[w] & ~b[w]; break;
                case 2: x = a[w] | b[w]; break;
                default: x = a[w] | ~b[w]; break;
                }
            } else {
                switch (size) {
                case 0: x = a[w] ^ b[w]; break;
                case 1: x = b[w] ^ ((b[w] ^ a[w]) & d[w]); break;   /* BSL */
                case 2: x = d[w] ^ ((d[w] ^ a[w]) & b[w]); break;   /* BIT */
                default: x = d[w] ^ ((d[w] ^ a[w]) & ~b[w]); break; /* BIF */
                }
            }
            r[w] = x;
        }
        a64_vwrite(s, rd, r, Q);
        s->pc += 4;
        return A64_CONTINUE;
    }
    if (size == 3) {
        if (!Q) return a64_undefined(s, insn);
        switch (opcode) {
        case 0x01: case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x10:
        case 0x11: case 0x17: break;
        default: return a64_undefined(s, insn);
        }
    }
    if (opcode == 0x13 && U && size != 0) return a64_undefined(s, insn); /* PMUL is 8-bit only */
    uint32_t elements = (Q ? 128u : 64u) / bits;
    if (opcode == 0x14 || opcode == 0x15 || opcode == 0x17) {
        /* Pairwise: over the concatenation Vm:Vn, Vn's elements first. */
        uint64_t cat[4];
        if (Q) { cat[0] = a[0]; cat[1] = a[1]; cat[2] = b[0]; cat[3] = b[1]; }
        else { cat[0] = a[0]; cat[1] = b[0]; cat[2] = 0; cat[3] = 0; }
        for (uint32_t e = 0; e < elements; e++)
            a64_el_set(r, size, e, a64_simd_3same_el(opcode, U, bits, a64_el(cat, size, 2 * e),
                                                      a64_el(cat, size, 2 * e + 1), 0, &qc));
    } else {
        for (uint32_t e = 0; e < elements; e++)
            a64_el_set(r, size, e, a64_simd_3same_el(opcode, U, bits, a64_el(a, size, e), a64_el(b, size, e),
                                                      a64_el(d, size, e), &qc));
    }
    a64_vwrite(s, rd, r, Q);
    if (qc) s->fpsr |= A64_FPSR_QC;
    s->pc += 4;
    return A64_CONTINUE;
}

/* Advanced SIMD three different (C4.1.90): long, wide and narrowing-high;
 * scalar: SQDMLAL, SQDMLSL, SQDMULL only. */
AGPU_FN uint32_t a64_simd_3diff(a64_state *s, uint32_t insn, int scalar)
{
    uint32_t Q = scalar ? 0 : (insn >> 30) & 1, U = (insn >> 29) & 1, size = (uint32_t)a64_bits(insn, 23, 22);
    uint32_t opcode = (uint32_t)a64_bits(insn, 15, 12), rm = (insn >> 16) & 31;
    uint32_t rn = (insn >> 5) & 31, rd = insn & 31, qc = 0;
    int sqd = opcode == 0x9 || opcode == 0xb || opcode == 0xd;
    if (sqd ? (U || size == 0 || size == 3) : (scalar || opcode == 0xf || (opcode != 0xe && size == 3)))
        return a64_undefined(s, insn);
    uint64_t a[2] = {s->v[rn][0], s->v[rn][1]}, b[2] = {s->v[rm][0], s->v[rm][1]};
    uint64_t d[2] = {s->v[rd][0], s->v[rd][1]}, r[2] = {0, 0};
    if (opcode == 0xe) { /* PMULL, PMULL2: 8B to 8H, and 1D to 1Q (FEAT_PMULL) */
        if (U || (size != 0 && size != 3)) return a64_undefined(s, insn);
        if (size == 3) {
            a64_clmul64(a[Q], b[Q], &r[0], &r[1]);
        } else {
            for (uint32_t e = 0; e < 8; e++) {
                uint64_t x = a64_el(&a[Q], 0, e), y = a64_el(&b[Q], 0, e), p = 0;
                for (uint32_t i = 0; i < 8; i++)
                    if ((y >> i) & 1) p ^= x << i;
                a64_el_set(r, 1, e, p);
            }
        }
        a64_vwrite(s, rd, r, 1);
        s->pc += 4;
        return A64_CONTINUE;
    }
    uint32_t bits = 8u << size, dbits = 2 * bits, elements = scalar ? 1 : 64u / bits;
    uint64_t dmask = a64_vmask(dbits);
    if (opcode == 0x4 || opcode == 0x6) {
        /* ADDHN, RADDHN, SUBHN, RSUBHN: the high half of each wide sum. */
        uint64_t round = U ? 1ull << (bits - 1) : 0, res = 0;
        for (uint32_t e = 0; e < elements; e++) {
            uint64_t x = a64_el(a, size + 1, e), y = a64_el(b, size + 1, e);
            uint64_t t = ((opcode == 0x4 ? x + y : x - y) + round) & dmask;
            res |= ((t >> bits) & a64_vmask(bits)) << (e * bits);
        }
        a64_vwrite_half(s, rd, res, Q);
        s->pc += 4;
        return A64_CONTINUE;
    }
    const uint64_t *ha = &a[Q], *hb = &b[Q];
    for (uint32_t e = 0; e < elements; e++) {
        uint64_t x = (opcode == 0x1 || opcode == 0x3) ? a64_el(a, size + 1, e) : a64_ext(a64_el(ha, size, e), bits, U);
        uint64_t y = a64_ext(a64_el(hb, size, e), bits, U);
        uint64_t acc = a64_el(d, size + 1, e), x2 = a64_ext(x, dbits, U), res;
        int64_t diff = (int64_t)x2 - (int64_t)y;
        uint64_t absd = U ? (x2 > y ? x2 - y : y - x2) : (uint64_t)(diff < 0 ? -diff : diff);
        switch (opcode) {
        case 0x0: case 0x1: res = x + y; break;
        case 0x2: case 0x3: res = x - y; break;
        case 0x5: res = acc + absd; break;
        case 0x7: res = absd; break;
        case 0x8: res = acc + x * y; break;
        case 0xa: res = acc - x * y; break;
        case 0x9: res = a64_sqadd(acc, a64_sqdmull(x, y, bits, &qc), dbits, &qc); break;  /* SQDMLAL */
        case 0xb: res = a64_sqsub(acc, a64_sqdmull(x, y, bits, &qc), dbits, &qc); break;  /* SQDMLSL */
        case 0xd: res = a64_sqdmull(x, y, bits, &qc); break;                              /* SQDMULL */
        default: res = x * y; break; /* 0xc: [SU]MULL */
        }
        a64_el_set(r, size + 1, e, res & dmask);
    }
    if (scalar) a64_vscalar(s, rd, r[0], dbits);
    else a64_vwrite(s, rd, r, 1);
    if (qc) s->fpsr |= A64_FPSR_QC;
    s->pc += 4;
    return A64_CONTINUE;
}

/* Saturating narrow of one element (SQXTN, UQXTN, SQXTUN): u_src says the
 * source is unsigned, u_dst that the result is. */
AGPU_FN uint64_t a64_sat_narrow(uint64_t x, uint32_t sbits, uint32_t bits, uint32_t u_src, uint32_t u_dst,
                                uint32_t *qc)
{
    if (u_src) return a64_sat_u(x & a64_vmask(sbits), bits, qc);
    int64_t v = a64_sx(x, sbits);
    return u_dst ? a64_sat_u_of_s(v, bits, qc) : a64_sat_s(v, bits, qc);
}

/* Advanced SIMD two-register miscellaneous, integer (C4.1.90), vector and
 * scalar. */
AGPU_FN uint32_t a64_simd_2misc(a64_state *s, uint32_t insn, int scalar)
{
    uint32_t Q = scalar ? 0 : (insn >> 30) & 1, U = (insn >> 29) & 1, size = (uint32_t)a64_bits(insn, 23, 22);
    uint32_t opcode = (uint32_t)a64_bits(insn, 16, 12), rn = (insn >> 5) & 31, rd = insn & 31;
    uint32_t bits = 8u << size, qc = 0;
    uint64_t a[2] = {s->v[rn][0], s->v[rn][1]}, d[2] = {s->v[rd][0], s->v[rd][1]}, r[2] = {0, 0};
    uint64_t mask = a64_vmask(bits);
    uint32_t elements = scalar ? 1 : (Q ? 128u : 64u) / bits;
    switch (opcode) {
    case 0x12: case 0x14: {
        /* XTN, SQXTUN (opcode 0x12), SQXTN, UQXTN (0x14): narrow to `bits`. */
        if (size == 3 || (opcode == 0x12 && !U && scalar)) return a64_undefined(s, insn);
        uint32_t n = scalar ? 1 : 64u / bits;
        uint64_t res = 0;
        for (uint32_t e = 0; e < n; e++) {
            uint64_t x = a64_el(a, size + 1, e), y;
            if (opcode == 0x12 && !U) y = x & mask;
            else y = a64_sat_narrow(x, 2 * bits, bits, opcode == 0x14 && U, U, &qc);
            res |= (y & mask) << (e * bits);
        }
        if (scalar) a64_vscalar(s, rd, res, bits);
        else a64_vwrite_half(s, rd, res, (insn >> 30) & 1);
        if (qc) s->fpsr |= A64_FPSR_QC;
        s->pc += 4;
        return A64_CONTINUE;
    }
    case 0x03: /* SUQADD, USQADD */
        if (!scalar && size == 3 && !Q) return a64_undefined(s, insn);
        for (uint32_t e = 0; e < elements; e++)
            a64_el_set(r, size, e, a64_suqadd(a64_el(d, size, e), a64_el(a, size, e), bits, U, &qc));
        break;
    case 0x07: /* SQABS, SQNEG */
        if (!scalar && size == 3 && !Q) return a64_undefined(s, insn);
        for (uint32_t e = 0; e < elements; e++) {
            uint64_t x = a64_el(a, size, e), y;
            if (bits == 64) {
                if (x == 0x8000000000000000ull) { qc = 1; y = 0x7fffffffffffffffull; }
                else y = (U || (x >> 63)) ? (uint64_t)-(int64_t)x : x;
                if (U && x == 0x8000000000000000ull) y = 0x7fffffffffffffffull;
            } else {
                int64_t v = a64_sx(x, bits);
                y = a64_sat_s(U ? -v : (v < 0 ? -v : v), bits, &qc);
            }
            a64_el_set(r, size, e, y);
        }
        break;
    case 0x08: case 0x09: case 0x0a: case 0x0b:
        /* CMGT, CMGE, CMEQ, CMLE, CMLT against zero; ABS, NEG. */
        if (opcode == 0x0a && U) return a64_undefined(s, insn);
        if (scalar ? size != 3 : (size == 3 && !Q)) return a64_undefined(s, insn);
        for (uint32_t e = 0; e < elements; e++) {
            uint64_t x = a64_el(a, size, e), y;
            int64_t v = a64_sx(x, bits);
            switch (opcode) {
            case 0x08: y = (U ? v >= 0 : v > 0) ? mask : 0; break;
            case 0x09: y = (U ? v <= 0 : v == 0) ? mask : 0; break;
            case 0x0a: y = v < 0 ? mask : 0; break;
            default: y = (U || v < 0) ? (0 - x) & mask : x; break;
            }
            a64_el_set(r, size, e, y);
        }
        break;
    default:
        if (scalar) return a64_undefined(s, insn);
        switch (opcode) {
        case 0x00: case 0x01: {
            /* REV64 (U=0), REV32 (U=1), REV16: reverse elements in containers. */
            uint32_t cbits = opcode == 1 ? 16 : (U ? 32 : 64);
            if ((opcode == 1 && U) || bits >= cbits) return a64_undefined(s, insn);
            uint32_t flip = cbits / bits - 1;
            for (uint32_t e = 0; e < elements; e++) a64_el_set(r, size, e, a64_el(a, size, e ^ flip));
            break;
        }
        case 0x02: case 0x06: /* [SU]ADDLP, [SU]ADALP */
            if (size == 3) return a64_undefined(s, insn);
            for (uint32_t e = 0; e < elements / 2; e++) {
                uint64_t x = a64_ext(a64_el(a, size, 2 * e), bits, U) + a64_ext(a64_el(a, size, 2 * e + 1), bits, U);
                if (opcode == 0x06) x += a64_el(d, size + 1, e);
                a64_el_set(r, size + 1, e, x);
            }
            break;
        case 0x04: /* CLS, CLZ */
            if (size == 3) return a64_undefined(s, insn);
            for (uint32_t e = 0; e < elements; e++) {
                uint64_t x = a64_el(a, size, e);
                uint32_t n = U ? a64_clz_bits(x, bits)
                               : a64_clz_bits((x >> 1) ^ (x & a64_vmask(bits - 1)), bits - 1);
                a64_el_set(r, size, e, n);
            }
            break;
        case 0x05: /* CNT; NOT, RBIT */
            if (U ? size > 1 : size != 0) return a64_undefined(s, insn);
            for (uint32_t e = 0; e < (Q ? 16u : 8u); e++) {
                uint64_t x = a64_el(a, 0, e), y = 0;
                if (!U) y = a64_popcount(x);
                else if (size == 0) y = ~x & 0xff;
                else for (int i = 0; i < 8; i++) y |= ((x >> i) & 1) << (7 - i);
                a64_el_set(r, 0, e, y);
            }
            break;
        case 0x13: /* SHLL, SHLL2 */
            if (!U || size == 3) return a64_undefined(s, insn);
            for (uint32_t e = 0; e < 64u / bits; e++) a64_el_set(r, size + 1, e, a64_el(&a[Q], size, e) << bits);
            a64_vwrite(s, rd, r, 1);
            s->pc += 4;
            return A64_CONTINUE;
        default:
            return a64_undefined(s, insn); /* FP: not yet */
        }
        break;
    }
    if (scalar) a64_vscalar(s, rd, r[0], bits);
    else a64_vwrite(s, rd, r, Q);
    if (qc) s->fpsr |= A64_FPSR_QC;
    s->pc += 4;
    return A64_CONTINUE;
}

/* Advanced SIMD across lanes, integer: ADDV, [SU]ADDLV, [SU]MAXV, [SU]MINV. */
AGPU_FN uint32_t a64_simd_across(a64_state *s, uint32_t insn)
{
    uint32_t Q = (insn >> 30) & 1, U = (insn >> 29) & 1, size = (uint32_t)a64_bits(insn, 23, 22);
    uint32_t opcode = (uint32_t)a64_bits(insn, 16, 12), rn = (insn >> 5) & 31, rd = insn & 31;
    if (opcode != 0x03 && opcode != 0x0a && opcode != 0x1a && !(opcode == 0x1b && !U))
        return a64_undefined(s, insn);
    if (size == 3 || (size == 2 && !Q)) return a64_undefined(s, insn);
    uint32_t bits = 8u << size, elements = (Q ? 128u : 64u) / bits;
    uint64_t a[2] = {s->v[rn][0], s->v[rn][1]};
    uint64_t acc = a64_ext(a64_el(a, size, 0), bits, U);
    for (uint32_t e = 1; e < elements; e++) {
        uint64_t x = a64_ext(a64_el(a, size, e), bits, U);
        if (opcode == 0x03 || opcode == 0x1b) acc += x;
        else if (opcode == 0x0a) acc = (U ? x > acc : (int64_t)x > (int64_t)acc) ? x : acc;
        else acc = (U ? x < acc : (int64_t)x < (int64_t)acc) ? x : acc;
    }
    a64_vscalar(s, rd, acc, opcode == 0x03 ? 2 * bits : bits);
    s->pc += 4;
    return A64_CONTINUE;
}

/* AdvSIMDExpandImm (J1 shared pseudocode), FMOV's VFPExpandImm included. */
AGPU_FN uint64_t a64_adv_simd_expand_imm(uint32_t op, uint32_t cmode, uint64_t imm8)
{
    switch (cmode >> 1) {
    case 0: return a64_rep64(imm8, 32);
    case 1: return a64_rep64(imm8 << 8, 32);
    case 2: return a64_rep64(imm8 << 16, 32);
    case 3: return a64_rep64(imm8 << 24, 32);
    case 4: return a64_rep64(imm8, 16);
    case 5: return a64_rep64(imm8 << 8, 16);
    case 6: return a64_rep64((cmode & 1) ? (imm8 << 16) | 0xffff : (imm8 << 8) | 0xff, 32);
    default:
        if (!(cmode & 1)) {
            if (!op) return a64_rep64(imm8, 8);
            uint64_t r = 0;
            for (int i = 0; i < 8; i++)
                if ((imm8 >> i) & 1) r |= 0xffull << (8 * i);
            return r;
        }
        {
            uint64_t sgn = imm8 >> 7, b6 = (imm8 >> 6) & 1, low = imm8 & 0x3f;
            if (!op) /* single: a:NOT(b):bbbbb:cdefgh:Zeros(19) */
                return a64_rep64((sgn << 31) | ((b6 ^ 1) << 30) | ((b6 ? 0x1full : 0) << 25) | (low << 19), 32);
            /* double: a:NOT(b):bbbbbbbb:cdefgh:Zeros(48) */
            return (sgn << 63) | ((b6 ^ 1) << 62) | ((b6 ? 0xffull : 0) << 54) | (low << 48);
        }
    }
}

/* MOVI, MVNI, ORR, BIC (vector, immediate), FMOV (vector, immediate). */
AGPU_FN uint32_t a64_simd_modimm(a64_state *s, uint32_t insn)
{
    uint32_t Q = (insn >> 30) & 1, op = (insn >> 29) & 1, cmode = (uint32_t)a64_bits(insn, 15, 12);
    uint32_t o2 = (insn >> 11) & 1, rd = insn & 31;
    uint64_t imm8 = (a64_bits(insn, 18, 16) << 5) | a64_bits(insn, 9, 5);
    if ((o2 && (op || cmode != 0xf)) || (cmode == 0xf && op && !Q)) return a64_undefined(s, insn); /* FMOV 1D */
    uint64_t imm = a64_adv_simd_expand_imm(op, cmode, imm8);
    if (o2) { /* FMOV (vector, immediate, half precision): a:NOT(b):bb:cdefgh:Zeros(6) */
        uint64_t b6 = (imm8 >> 6) & 1;
        imm = a64_rep64(((imm8 >> 7) << 15) | ((b6 ^ 1) << 14) | ((b6 ? 3ull : 0) << 12) | ((imm8 & 0x3f) << 6), 16);
    }
    uint64_t r[2];
    if ((cmode & 1) && (cmode >> 2) != 3) {
        /* ORR and BIC on 32- and 16-bit elements. */
        for (int w = 0; w < 2; w++) r[w] = op ? s->v[rd][w] & ~imm : s->v[rd][w] | imm;
    } else {
        if (op && (cmode >> 1) != 7) imm = ~imm; /* MVNI */
        r[0] = r[1] = imm;
    }
    a64_vwrite(s, rd, r, Q);
    s->pc += 4;
    return A64_CONTINUE;
}

/* Shift by immediate (C4.1.90), vector and scalar. */
AGPU_FN uint32_t a64_simd_shift(a64_state *s, uint32_t insn, int scalar)
{
    uint32_t Q = (insn >> 30) & 1, U = (insn >> 29) & 1, immh = (uint32_t)a64_bits(insn, 22, 19);
    uint32_t immhb = (uint32_t)a64_bits(insn, 22, 16), opcode = (uint32_t)a64_bits(insn, 15, 11);
    uint32_t rn = (insn >> 5) & 31, rd = insn & 31, qc = 0;
    if (immh == 0) return a64_undefined(s, insn);
    uint32_t hsb = immh >= 8 ? 3 : immh >= 4 ? 2 : immh >= 2 ? 1 : 0;
    uint32_t bits = 8u << hsb;
    uint64_t a[2] = {s->v[rn][0], s->v[rn][1]}, d[2] = {s->v[rd][0], s->v[rd][1]}, r[2] = {0, 0};
    uint64_t mask = a64_vmask(bits);
    switch (opcode) {
    case 0x00: case 0x02: case 0x04: case 0x06: case 0x08: case 0x0a: {
        if (opcode == 0x08 && !U) return a64_undefined(s, insn);
        if (scalar ? hsb != 3 : (hsb == 3 && !Q)) return a64_undefined(s, insn);
        uint32_t rsh = 2 * bits - immhb, lsh = immhb - bits;
        uint32_t elements = scalar ? 1 : (Q ? 128u : 64u) / bits;
        for (uint32_t e = 0; e < elements; e++) {
            uint64_t x = a64_el(a, hsb, e), o = a64_el(d, hsb, e), y;
            switch (opcode) {
            case 0x00: y = a64_shr(x, rsh, bits, U, 0); break;                 /* SSHR, USHR */
            case 0x02: y = o + a64_shr(x, rsh, bits, U, 0); break;             /* SSRA, USRA */
            case 0x04: y = a64_shr(x, rsh, bits, U, 1); break;                 /* SRSHR, URSHR */
            case 0x06: y = o + a64_shr(x, rsh, bits, U, 1); break;             /* SRSRA, URSRA */
            case 0x08: {                                                       /* SRI */
                uint64_t keep = rsh >= 64 ? ~0ull : ~(mask >> rsh);
                y = (o & keep) | a64_shr(x, rsh, bits, 1, 0);
                break;
            }
            default: {                                                         /* SHL, SLI */
                uint64_t sh = (x << lsh) & mask;
                y = U ? (o & ~(mask << lsh)) | sh : sh;
                break;
            }
            }
            a64_el_set(r, hsb, e, y & mask);
        }
        if (scalar) a64_vscalar(s, rd, r[0], bits);
        else a64_vwrite(s, rd, r, Q);
        break;
    }
    case 0x0c: case 0x0e: { /* SQSHLU (U = 1); SQSHL, UQSHL (immediate) */
        if ((opcode == 0x0c && !U) || (!scalar && hsb == 3 && !Q)) return a64_undefined(s, insn);
        uint32_t lsh = immhb - bits, elements = scalar ? 1 : (Q ? 128u : 64u) / bits;
        for (uint32_t e = 0; e < elements; e++)
            a64_el_set(r, hsb, e, a64_qshl(a64_el(a, hsb, e), lsh, bits, opcode == 0x0e && U, U, &qc));
        if (scalar) a64_vscalar(s, rd, r[0], bits);
        else a64_vwrite(s, rd, r, Q);
        break;
    }
    case 0x10: case 0x11: case 0x12: case 0x13: {
        /* SHRN, RSHRN; SQSHRUN, SQRSHRUN; SQSHRN, UQSHRN; SQRSHRN, UQRSHRN;
         * the scalar forms are the saturating ones. */
        if (hsb == 3 || (scalar && opcode <= 0x11 && !U)) return a64_undefined(s, insn);
        uint32_t rsh = 2 * bits - immhb, round = opcode & 1;
        uint32_t u_src = opcode >= 0x12 ? U : 0;
        uint64_t res = 0;
        for (uint32_t e = 0; e < (scalar ? 1 : 64u / bits); e++) {
            uint64_t x = a64_shr(a64_el(a, hsb + 1, e), rsh, 2 * bits, u_src, (int)round), y;
            if (opcode <= 0x11 && !U) y = x & mask;
            else y = a64_sat_narrow(x, 2 * bits, bits, u_src, U, &qc);
            res |= (y & mask) << (e * bits);
        }
        if (scalar) a64_vscalar(s, rd, res, bits);
        else a64_vwrite_half(s, rd, res, Q);
        break;
    }
    case 0x14: /* SSHLL, USHLL (SXTL, UXTL) */
        if (hsb == 3 || scalar) return a64_undefined(s, insn);
        for (uint32_t e = 0; e < 64u / bits; e++)
            a64_el_set(r, hsb + 1, e, a64_ext(a64_el(&a[Q], hsb, e), bits, U) << (immhb - bits));
        a64_vwrite(s, rd, r, 1);
        break;
    default:
        return a64_undefined(s, insn); /* fixed-point FP conversions: not yet */
    }
    if (qc) s->fpsr |= A64_FPSR_QC;
    s->pc += 4;
    return A64_CONTINUE;
}

/* Vector by element, integer: MUL, MLA, MLS, [SU]MULL, [SU]MLAL, [SU]MLSL,
 * SQDMULL, SQDMLAL, SQDMLSL, SQDMULH, SQRDMULH; scalar: the SQD* ones. */
AGPU_FN uint32_t a64_simd_elem(a64_state *s, uint32_t insn, int scalar)
{
    uint32_t Q = scalar ? 0 : (insn >> 30) & 1, U = (insn >> 29) & 1, size = (uint32_t)a64_bits(insn, 23, 22);
    uint32_t L = (insn >> 21) & 1, M = (insn >> 20) & 1, H = (insn >> 11) & 1, qc = 0;
    uint32_t opcode = (uint32_t)a64_bits(insn, 15, 12), rn = (insn >> 5) & 31, rd = insn & 31;
    uint32_t rm = (uint32_t)a64_bits(insn, 19, 16), index;
    int lng;
    switch (opcode) {
    case 0x0: case 0x4: if (!U || scalar) return a64_undefined(s, insn); lng = 0; break; /* MLA, MLS */
    case 0x8: if (U || scalar) return a64_undefined(s, insn); lng = 0; break;            /* MUL */
    case 0x2: case 0x6: case 0xa: if (scalar) return a64_undefined(s, insn); lng = 1; break;
    case 0x3: case 0x7: case 0xb: if (U) return a64_undefined(s, insn); lng = 1; break; /* SQDML*L, SQDMULL */
    case 0xc: case 0xd: if (U) return a64_undefined(s, insn); lng = 0; break;          /* SQ[R]DMULH */
    default: return a64_undefined(s, insn); /* FP, SQRDMLAH/SQRDMLSH (FEAT_RDM): not yet */
    }
    if (size == 1) index = (H << 2) | (L << 1) | M;
    else if (size == 2) { index = (H << 1) | L; rm |= M << 4; }
    else return a64_undefined(s, insn);
    uint32_t bits = 8u << size;
    uint64_t a[2] = {s->v[rn][0], s->v[rn][1]}, d[2] = {s->v[rd][0], s->v[rd][1]}, r[2] = {0, 0};
    uint64_t b = a64_el(s->v[rm], size, index);
    if (!lng) {
        uint32_t elements = scalar ? 1 : (Q ? 128u : 64u) / bits;
        for (uint32_t e = 0; e < elements; e++) {
            uint64_t x = a64_el(a, size, e), o = a64_el(d, size, e), y;
            switch (opcode) {
            case 0x0: y = o + x * b; break;
            case 0x4: y = o - x * b; break;
            case 0x8: y = x * b; break;
            default: y = a64_sqdmulh(x, b, bits, opcode == 0xd, &qc); break;
            }
            a64_el_set(r, size, e, y);
        }
        if (scalar) a64_vscalar(s, rd, r[0], bits);
        else a64_vwrite(s, rd, r, Q);
    } else {
        uint64_t y = a64_ext(b, bits, U), dmask = a64_vmask(2 * bits);
        for (uint32_t e = 0; e < (scalar ? 1 : 64u / bits); e++) {
            uint64_t x = a64_ext(a64_el(&a[Q], size, e), bits, U), o = a64_el(d, size + 1, e), p = x * y, res;
            switch (opcode) {
            case 0x2: res = o + p; break;
            case 0x6: res = o - p; break;
            case 0xa: res = p; break;
            case 0x3: res = a64_sqadd(o, a64_sqdmull(x, y, bits, &qc), 2 * bits, &qc); break;
            case 0x7: res = a64_sqsub(o, a64_sqdmull(x, y, bits, &qc), 2 * bits, &qc); break;
            default: res = a64_sqdmull(x, y, bits, &qc); break;
            }
            a64_el_set(r, size + 1, e, res & dmask);
        }
        if (scalar) a64_vscalar(s, rd, r[0], 2 * bits);
        else a64_vwrite(s, rd, r, 1);
    }
    if (qc) s->fpsr |= A64_FPSR_QC;
    s->pc += 4;
    return A64_CONTINUE;
}

/* DUP, INS, UMOV, SMOV (C4.1.90 "Advanced SIMD copy") and DUP (scalar). */
AGPU_FN uint32_t a64_simd_copy(a64_state *s, uint32_t insn, int scalar)
{
    uint32_t Q = (insn >> 30) & 1, op = (insn >> 29) & 1, imm5 = (uint32_t)a64_bits(insn, 20, 16);
    uint32_t imm4 = (uint32_t)a64_bits(insn, 14, 11), rn = (insn >> 5) & 31, rd = insn & 31;
    if (!(imm5 & 0xf)) return a64_undefined(s, insn);
    uint32_t size = (imm5 & 1) ? 0 : (imm5 & 2) ? 1 : (imm5 & 4) ? 2 : 3;
    uint32_t bits = 8u << size, idx = imm5 >> (size + 1);
    uint64_t r[2];
    if (scalar) { /* DUP (element), scalar: MOV Bd/Hd/Sd/Dd, Vn.T[i] */
        a64_vscalar(s, rd, a64_el(s->v[rn], size, idx), bits);
        s->pc += 4;
        return A64_CONTINUE;
    }
    if (op) { /* INS (element) */
        if (!Q) return a64_undefined(s, insn);
        a64_el_set(s->v[rd], size, idx, a64_el(s->v[rn], size, imm4 >> size));
        s->pc += 4;
        return A64_CONTINUE;
    }
    switch (imm4) {
    case 0x0: case 0x1: /* DUP (element), DUP (general) */
        if (size == 3 && !Q) return a64_undefined(s, insn);
        r[0] = r[1] = a64_rep64(imm4 ? X(s, rn) : a64_el(s->v[rn], size, idx), bits);
        a64_vwrite(s, rd, r, Q);
        break;
    case 0x3: /* INS (general) */
        if (!Q) return a64_undefined(s, insn);
        a64_el_set(s->v[rd], size, idx, X(s, rn));
        break;
    case 0x5: /* SMOV */
        if (size > (Q ? 2u : 1u)) return a64_undefined(s, insn);
        set_Xd(s, rd, (uint64_t)a64_sx(a64_el(s->v[rn], size, idx), bits), (int)Q);
        break;
    case 0x7: /* UMOV */
        if (Q ? size != 3 : size == 3) return a64_undefined(s, insn);
        set_X(s, rd, a64_el(s->v[rn], size, idx));
        break;
    default:
        return a64_undefined(s, insn);
    }
    s->pc += 4;
    return A64_CONTINUE;
}

/* TBL, TBX, UZP1/2, TRN1/2, ZIP1/2, EXT (C4.1.90 table lookup, permute, extract). */
AGPU_FN uint32_t a64_simd_permute(a64_state *s, uint32_t insn, uint32_t op)
{
    uint32_t Q = (insn >> 30) & 1, size = (uint32_t)a64_bits(insn, 23, 22), rm = (insn >> 16) & 31;
    uint32_t rn = (insn >> 5) & 31, rd = insn & 31, nbytes = Q ? 16u : 8u;
    uint64_t a[2] = {s->v[rn][0], s->v[rn][1]}, b[2] = {s->v[rm][0], s->v[rm][1]};
    uint64_t d[2] = {s->v[rd][0], s->v[rd][1]}, r[2] = {0, 0};
    if (op == A64_OP_SIMD_TBL) {
        uint32_t len = (uint32_t)a64_bits(insn, 14, 13), tbx = (insn >> 12) & 1;
        if (size) return a64_undefined(s, insn);
        for (uint32_t i = 0; i < nbytes; i++) {
            uint32_t k = (uint32_t)a64_el(b, 0, i);
            uint64_t y;
            if (k < 16 * (len + 1)) y = a64_el(s->v[(rn + (k >> 4)) & 31], 0, k & 15);
            else y = tbx ? a64_el(d, 0, i) : 0;
            a64_el_set(r, 0, i, y);
        }
    } else if (op == A64_OP_SIMD_EXT) {
        uint32_t imm4 = (uint32_t)a64_bits(insn, 14, 11);
        if (size || (!Q && imm4 >= 8)) return a64_undefined(s, insn);
        uint64_t cat[4];
        if (Q) { cat[0] = a[0]; cat[1] = a[1]; cat[2] = b[0]; cat[3] = b[1]; }
        else { cat[0] = a[0]; cat[1] = b[0]; cat[2] = 0; cat[3] = 0; }
        for (uint32_t i = 0; i < nbytes; i++) a64_el_set(r, 0, i, a64_el(cat, 0, imm4 + i));
    } else {
        uint32_t opcode = (uint32_t)a64_bits(insn, 14, 12), part = opcode >> 2;
        if ((opcode & 3) == 0 || (size == 3 && !Q)) return a64_undefined(s, insn);
        uint32_t elements = nbytes >> size, half = elements / 2;
        uint64_t cat[4];
        if (Q) { cat[0] = a[0]; cat[1] = a[1]; cat[2] = b[0]; cat[3] = b[1]; }
        else { cat[0] = a[0]; cat[1] = b[0]; cat[2] = 0; cat[3] = 0; }
        for (uint32_t p = 0; p < half; p++) {
            switch (opcode & 3) {
            case 1: /* UZP */
                a64_el_set(r, size, p, a64_el(cat, size, 2 * p + part));
                a64_el_set(r, size, p + half, a64_el(cat, size, elements + 2 * p + part));
                break;
            case 2: /* TRN */
                a64_el_set(r, size, 2 * p, a64_el(a, size, 2 * p + part));
                a64_el_set(r, size, 2 * p + 1, a64_el(b, size, 2 * p + part));
                break;
            default: /* ZIP */
                a64_el_set(r, size, 2 * p, a64_el(a, size, part * half + p));
                a64_el_set(r, size, 2 * p + 1, a64_el(b, size, part * half + p));
                break;
            }
        }
    }
    a64_vwrite(s, rd, r, Q);
    s->pc += 4;
    return A64_CONTINUE;
}

/* ------------------------------------------------ floating-point vectors */

#ifdef A64_FP_H
/* Vector and scalar-SIMD floating point on single and double elements,
 * built on a64_fp.h's primitives (FPAdd, FPMulAdd, FPCompareGE ...; the
 * same FPCR handling and FPSR flags as the scalar instructions).  The
 * half-precision (FEAT_FP16) vector forms, which have their own encodings,
 * stay UNDEFINED.  `key` below is U:size<1>:opcode, the manual's table
 * order for three same (C4.1.90). */

AGPU_FN int a64_fmt_of(uint32_t sz) { return sz ? 64 : 32; }

/* One element of a three-same FP op; returns 0 for an unallocated key. */
AGPU_FN int a64_simd_fp3_el(uint32_t key, uint64_t a, uint64_t b, uint64_t d, int fmt, a64_fpctx *c,
                            uint64_t *out)
{
    uint64_t ones = a64_ones(fmt);
    switch (key) {
    case 0x18: *out = a64_fp_minmax(a, b, fmt, A64_FP_MAXNM, c); return 1;             /* FMAXNM */
    case 0x38: *out = a64_fp_minmax(a, b, fmt, A64_FP_MINNM, c); return 1;             /* FMINNM */
    case 0x19: *out = a64_fp_muladd(d, a, b, fmt, c); return 1;                         /* FMLA */
    case 0x39: *out = a64_fp_muladd(d, a64_fp_neg(a, fmt), b, fmt, c); return 1;        /* FMLS */
    case 0x1a: *out = a64_fp_add(a, b, fmt, c); return 1;                               /* FADD */
    case 0x3a: *out = a64_fp_sub(a, b, fmt, c); return 1;                               /* FSUB */
    case 0x1b: *out = a64_fp_mulx(a, b, fmt, c); return 1;                              /* FMULX */
    case 0x1c: *out = a64_fp_cmp_eq(a, b, fmt, c) ? ones : 0; return 1;                 /* FCMEQ */
    case 0x1e: *out = a64_fp_minmax(a, b, fmt, A64_FP_MAX, c); return 1;               /* FMAX */
    case 0x3e: *out = a64_fp_minmax(a, b, fmt, A64_FP_MIN, c); return 1;               /* FMIN */
    case 0x1f: *out = a64_fp_recps(a, b, fmt, c); return 1;                             /* FRECPS */
    case 0x3f: *out = a64_fp_rsqrts(a, b, fmt, c); return 1;                            /* FRSQRTS */
    case 0x7a: *out = a64_fp_abs(a64_fp_sub(a, b, fmt, c), fmt); return 1;              /* FABD */
    case 0x5b: *out = a64_fp_mul(a, b, fmt, c); return 1;                               /* FMUL */
    case 0x5c: *out = a64_fp_cmp_ge(a, b, fmt, c) ? ones : 0; return 1;                 /* FCMGE */
    case 0x7c: *out = a64_fp_cmp_gt(a, b, fmt, c) ? ones : 0; return 1;                 /* FCMGT */
    case 0x5d: *out = a64_fp_cmp_ge(a64_fp_abs(a, fmt), a64_fp_abs(b, fmt), fmt, c) ? ones : 0; return 1; /* FACGE */
    case 0x7d: *out = a64_fp_cmp_gt(a64_fp_abs(a, fmt), a64_fp_abs(b, fmt), fmt, c) ? ones : 0; return 1; /* FACGT */
    case 0x5f: *out = a64_fp_div(a, b, fmt, c); return 1;                               /* FDIV */
    default: return 0;
    }
}

/* The op a pairwise key applies to each pair (FMAXNMP ... FADDP), or 0. */
AGPU_FN uint32_t a64_fp_pair_key(uint32_t key)
{
    switch (key) {
    case 0x58: return 0x18; /* FMAXNMP */
    case 0x78: return 0x38; /* FMINNMP */
    case 0x5a: return 0x1a; /* FADDP */
    case 0x5e: return 0x1e; /* FMAXP */
    case 0x7e: return 0x3e; /* FMINP */
    default: return 0;
    }
}

/* Three same, FP opcodes (opcode >= 0x18), vector and scalar. */
AGPU_FN uint32_t a64_simd_fp3same(a64_state *s, uint32_t insn, int scalar)
{
    uint32_t Q = (insn >> 30) & 1, U = (insn >> 29) & 1, hi = (insn >> 23) & 1, sz = (insn >> 22) & 1;
    uint32_t opcode = (uint32_t)a64_bits(insn, 15, 11), rm = (insn >> 16) & 31;
    uint32_t rn = (insn >> 5) & 31, rd = insn & 31, key = (U << 6) | (hi << 5) | opcode;
    int fmt = a64_fmt_of(sz);
    uint32_t pk = a64_fp_pair_key(key), size = sz ? 3 : 2;
    if (scalar) {
        switch (key) {
        case 0x1b: case 0x1c: case 0x1f: case 0x3f: case 0x5c: case 0x5d: case 0x7a: case 0x7c: case 0x7d: break;
        default: return a64_undefined(s, insn);
        }
    } else if (sz && !Q) {
        return a64_undefined(s, insn);
    }
    uint64_t a[2] = {s->v[rn][0], s->v[rn][1]}, b[2] = {s->v[rm][0], s->v[rm][1]};
    uint64_t d[2] = {s->v[rd][0], s->v[rd][1]}, r[2] = {0, 0}, cat[4];
    if (Q) { cat[0] = a[0]; cat[1] = a[1]; cat[2] = b[0]; cat[3] = b[1]; }
    else { cat[0] = a[0]; cat[1] = b[0]; cat[2] = 0; cat[3] = 0; }
    a64_fpctx c = a64_fpctx_of(s);
    uint32_t elements = scalar ? 1 : (Q ? 128u : 64u) / (uint32_t)fmt;
    for (uint32_t e = 0; e < elements; e++) {
        uint64_t x;
        int ok = pk ? a64_simd_fp3_el(pk, a64_el(cat, size, 2 * e), a64_el(cat, size, 2 * e + 1), 0, fmt, &c, &x)
                    : a64_simd_fp3_el(key, a64_el(a, size, e), a64_el(b, size, e), a64_el(d, size, e), fmt, &c, &x);
        if (!ok) return a64_undefined(s, insn); /* FMLAL (FEAT_FHM) and unallocated */
        a64_el_set(r, size, e, x);
    }
    if (scalar) a64_vscalar(s, rd, r[0], (uint32_t)fmt);
    else a64_vwrite(s, rd, r, Q);
    a64_fpctx_store(s, &c);
    s->pc += 4;
    return A64_CONTINUE;
}

/* Two-register misc, FP opcodes, vector and scalar: compares against zero,
 * FABS, FNEG, FRINT*, FCVT[NPMZA][SU], SCVTF, UCVTF, FRECPE, FRSQRTE,
 * FRECPX, FSQRT, FCVTN, FCVTXN, FCVTL. */
AGPU_FN uint32_t a64_simd_fp2misc(a64_state *s, uint32_t insn, int scalar)
{
    uint32_t Q = scalar ? 0 : (insn >> 30) & 1, U = (insn >> 29) & 1, hi = (insn >> 23) & 1, sz = (insn >> 22) & 1;
    uint32_t opcode = (uint32_t)a64_bits(insn, 16, 12), rn = (insn >> 5) & 31, rd = insn & 31;
    uint32_t key = (U << 6) | (hi << 5) | opcode;
    uint64_t a[2] = {s->v[rn][0], s->v[rn][1]}, r[2] = {0, 0};
    a64_fpctx c = a64_fpctx_of(s);
    int rm = a64_fp_rmode(&c);
    if (key == 0x16 || key == 0x56 || key == 0x17) {
        /* FCVTN (S from D, H from S), FCVTXN (S from D, round to odd), FCVTL. */
        int wide = sz ? 64 : 32, narrow = sz ? 32 : 16;
        uint32_t nsz = sz ? 2 : 1, wsz = sz ? 3 : 2, n = 64u / (uint32_t)narrow;
        if (key == 0x56 && !sz) return a64_undefined(s, insn);
        if (scalar && key != 0x56) return a64_undefined(s, insn);
        if (key == 0x17) {
            for (uint32_t e = 0; e < n; e++)
                a64_el_set(r, wsz, e, a64_fp_convert(a64_el(&a[Q], nsz, e), narrow, wide, rm, &c));
            a64_vwrite(s, rd, r, 1);
        } else {
            uint64_t res = 0;
            for (uint32_t e = 0; e < (scalar ? 1 : n); e++)
                res |= a64_fp_convert(a64_el(a, wsz, e), wide, narrow, key == 0x56 ? A64_FPRND_ODD : rm, &c)
                       << (e * (uint32_t)narrow);
            if (scalar) a64_vscalar(s, rd, res, (uint32_t)narrow);
            else a64_vwrite_half(s, rd, res, Q);
        }
        a64_fpctx_store(s, &c);
        s->pc += 4;
        return A64_CONTINUE;
    }
    int fmt = a64_fmt_of(sz);
    uint32_t size = sz ? 3 : 2, elements = scalar ? 1 : (Q ? 128u : 64u) / (uint32_t)fmt;
    uint64_t ones = a64_ones(fmt);
    if (!scalar && sz && !Q) return a64_undefined(s, insn);
    switch (key) {
    case 0x2c: case 0x6c: case 0x2d: case 0x6d: case 0x2e: case 0x1a: case 0x3a: case 0x5a: case 0x7a:
    case 0x1b: case 0x3b: case 0x5b: case 0x7b: case 0x1c: case 0x5c: case 0x1d: case 0x5d: case 0x3d: case 0x7d:
        break;
    case 0x2f: case 0x6f: case 0x18: case 0x38: case 0x58: case 0x79: case 0x19: case 0x39: case 0x59: case 0x7f:
        if (scalar) return a64_undefined(s, insn); /* FABS, FNEG, FRINT*, FSQRT: vector only here */
        break;
    case 0x3f:
        if (!scalar) return a64_undefined(s, insn); /* FRECPX: scalar only */
        break;
    case 0x3c: case 0x7c:
        if (scalar || sz) return a64_undefined(s, insn); /* URECPE, URSQRTE: vector, 32-bit only */
        break;
    default:
        return a64_undefined(s, insn); /* FRINT32/64 (FEAT_FRINTTS), BFCVTN: not yet */
    }
    for (uint32_t e = 0; e < elements; e++) {
        uint64_t x = a64_el(a, size, e), y;
        switch (key) {
        case 0x2c: y = a64_fp_cmp_gt(x, 0, fmt, &c) ? ones : 0; break;   /* FCMGT #0 */
        case 0x6c: y = a64_fp_cmp_ge(x, 0, fmt, &c) ? ones : 0; break;   /* FCMGE #0 */
        case 0x2d: y = a64_fp_cmp_eq(x, 0, fmt, &c) ? ones : 0; break;   /* FCMEQ #0 */
        case 0x6d: y = a64_fp_cmp_ge(0, x, fmt, &c) ? ones : 0; break;   /* FCMLE #0 */
        case 0x2e: y = a64_fp_cmp_gt(0, x, fmt, &c) ? ones : 0; break;   /* FCMLT #0 */
        case 0x2f: y = a64_fp_abs(x, fmt); break;
        case 0x6f: y = a64_fp_neg(x, fmt); break;
        case 0x18: y = a64_fp_roundint(x, fmt, A64_FPRND_TIEEVEN, 0, &c); break; /* FRINTN */
        case 0x38: y = a64_fp_roundint(x, fmt, A64_FPRND_POSINF, 0, &c); break;  /* FRINTP */
        case 0x58: y = a64_fp_roundint(x, fmt, A64_FPRND_TIEAWAY, 0, &c); break; /* FRINTA */
        case 0x79: y = a64_fp_roundint(x, fmt, rm, 0, &c); break;                /* FRINTI */
        case 0x19: y = a64_fp_roundint(x, fmt, A64_FPRND_NEGINF, 0, &c); break;  /* FRINTM */
        case 0x39: y = a64_fp_roundint(x, fmt, A64_FPRND_ZERO, 0, &c); break;    /* FRINTZ */
        case 0x59: y = a64_fp_roundint(x, fmt, rm, 1, &c); break;                /* FRINTX */
        case 0x1a: y = a64_fp_to_fixed(x, fmt, 0, 0, fmt, A64_FPRND_TIEEVEN, &c); break; /* FCVTNS */
        case 0x3a: y = a64_fp_to_fixed(x, fmt, 0, 0, fmt, A64_FPRND_POSINF, &c); break;  /* FCVTPS */
        case 0x5a: y = a64_fp_to_fixed(x, fmt, 0, 1, fmt, A64_FPRND_TIEEVEN, &c); break; /* FCVTNU */
        case 0x7a: y = a64_fp_to_fixed(x, fmt, 0, 1, fmt, A64_FPRND_POSINF, &c); break;  /* FCVTPU */
        case 0x1b: y = a64_fp_to_fixed(x, fmt, 0, 0, fmt, A64_FPRND_NEGINF, &c); break;  /* FCVTMS */
        case 0x3b: y = a64_fp_to_fixed(x, fmt, 0, 0, fmt, A64_FPRND_ZERO, &c); break;    /* FCVTZS */
        case 0x5b: y = a64_fp_to_fixed(x, fmt, 0, 1, fmt, A64_FPRND_NEGINF, &c); break;  /* FCVTMU */
        case 0x7b: y = a64_fp_to_fixed(x, fmt, 0, 1, fmt, A64_FPRND_ZERO, &c); break;    /* FCVTZU */
        case 0x1c: y = a64_fp_to_fixed(x, fmt, 0, 0, fmt, A64_FPRND_TIEAWAY, &c); break; /* FCVTAS */
        case 0x5c: y = a64_fp_to_fixed(x, fmt, 0, 1, fmt, A64_FPRND_TIEAWAY, &c); break; /* FCVTAU */
        case 0x1d: y = a64_fp_from_fixed(x, fmt, 0, 0, fmt, rm, &c); break;              /* SCVTF */
        case 0x5d: y = a64_fp_from_fixed(x, fmt, 0, 1, fmt, rm, &c); break;              /* UCVTF */
        case 0x3d: y = a64_fp_recpe(x, fmt, &c); break;                                  /* FRECPE */
        case 0x7d: y = a64_fp_rsqrte(x, fmt, &c); break;                                 /* FRSQRTE */
        case 0x3f: y = a64_fp_recpx(x, fmt, &c); break;                                  /* FRECPX */
        case 0x3c: /* URECPE: UnsignedRecipEstimate */
            y = (x >> 31) ? (uint64_t)(a64_recip_estimate((uint32_t)(x >> 23)) & 0x1ff) << 23 : 0xffffffffull;
            break;
        case 0x7c: /* URSQRTE: UnsignedRSqrtEstimate */
            y = (x >> 30) ? (uint64_t)(a64_rsqrt_estimate((uint32_t)(x >> 23)) & 0x1ff) << 23 : 0xffffffffull;
            break;
        default: y = a64_fp_sqrt(x, fmt, &c); break;                                     /* FSQRT */
        }
        a64_el_set(r, size, e, y);
    }
    if (scalar) a64_vscalar(s, rd, r[0], (uint32_t)fmt);
    else a64_vwrite(s, rd, r, Q);
    a64_fpctx_store(s, &c);
    s->pc += 4;
    return A64_CONTINUE;
}

/* FMAXNMV, FMINNMV, FMAXV, FMINV (4S) and the scalar pairwise FADDP,
 * FMAXNMP, FMINNMP, FMAXP, FMINP: key U:size<1>:opcode. */
AGPU_FN uint32_t a64_simd_fp_reduce(a64_state *s, uint32_t insn, int pairwise)
{
    uint32_t Q = (insn >> 30) & 1, U = (insn >> 29) & 1, hi = (insn >> 23) & 1, sz = (insn >> 22) & 1;
    uint32_t opcode = (uint32_t)a64_bits(insn, 16, 12), rn = (insn >> 5) & 31, rd = insn & 31;
    uint32_t key = (U << 6) | (hi << 5) | opcode, op;
    switch (key) {
    case 0x4c: op = 0x18; break; /* FMAXNM */
    case 0x6c: op = 0x38; break; /* FMINNM */
    case 0x4f: op = 0x1e; break; /* FMAX */
    case 0x6f: op = 0x3e; break; /* FMIN */
    case 0x4d: if (!pairwise) return a64_undefined(s, insn); op = 0x1a; break; /* FADDP */
    default: return a64_undefined(s, insn); /* the FP16 (U = 0) forms: not yet */
    }
    if (!pairwise && (sz || !Q)) return a64_undefined(s, insn);
    a64_fpctx c = a64_fpctx_of(s);
    int fmt = a64_fmt_of(sz);
    uint32_t size = sz ? 3 : 2;
    uint64_t x, y, t;
    if (pairwise) {
        a64_simd_fp3_el(op, a64_el(s->v[rn], size, 0), a64_el(s->v[rn], size, 1), 0, fmt, &c, &x);
    } else { /* Reduce(): op(op(e0, e1), op(e2, e3)) */
        a64_simd_fp3_el(op, a64_el(s->v[rn], 2, 0), a64_el(s->v[rn], 2, 1), 0, 32, &c, &y);
        a64_simd_fp3_el(op, a64_el(s->v[rn], 2, 2), a64_el(s->v[rn], 2, 3), 0, 32, &c, &t);
        a64_simd_fp3_el(op, y, t, 0, 32, &c, &x);
    }
    a64_vscalar(s, rd, x, (uint32_t)fmt);
    a64_fpctx_store(s, &c);
    s->pc += 4;
    return A64_CONTINUE;
}

/* FMLA, FMLS, FMUL, FMULX (by element), vector and scalar, S and D. */
AGPU_FN uint32_t a64_simd_fp_elem(a64_state *s, uint32_t insn, int scalar)
{
    uint32_t Q = scalar ? 0 : (insn >> 30) & 1, U = (insn >> 29) & 1, hi = (insn >> 23) & 1, sz = (insn >> 22) & 1;
    uint32_t L = (insn >> 21) & 1, M = (insn >> 20) & 1, H = (insn >> 11) & 1;
    uint32_t opcode = (uint32_t)a64_bits(insn, 15, 12), rn = (insn >> 5) & 31, rd = insn & 31;
    uint32_t rm = (uint32_t)a64_bits(insn, 19, 16) | (M << 4), index, key;
    if (!hi) return a64_undefined(s, insn); /* size 00: FP16 (not yet); 01: unallocated */
    switch (opcode | (U << 4)) {
    case 0x01: key = 0x19; break; /* FMLA */
    case 0x05: key = 0x39; break; /* FMLS */
    case 0x09: key = 0x5b; break; /* FMUL */
    case 0x19: key = 0x1b; break; /* FMULX */
    default: return a64_undefined(s, insn);
    }
    if (sz) {
        if (L || (!scalar && !Q)) return a64_undefined(s, insn);
        index = H;
    } else {
        index = (H << 1) | L;
    }
    int fmt = a64_fmt_of(sz);
    uint32_t size = sz ? 3 : 2, elements = scalar ? 1 : (Q ? 128u : 64u) / (uint32_t)fmt;
    uint64_t a[2] = {s->v[rn][0], s->v[rn][1]}, d[2] = {s->v[rd][0], s->v[rd][1]}, r[2] = {0, 0};
    uint64_t b = a64_el(s->v[rm], size, index), x;
    a64_fpctx c = a64_fpctx_of(s);
    for (uint32_t e = 0; e < elements; e++) {
        a64_simd_fp3_el(key, a64_el(a, size, e), b, a64_el(d, size, e), fmt, &c, &x);
        a64_el_set(r, size, e, x);
    }
    if (scalar) a64_vscalar(s, rd, r[0], (uint32_t)fmt);
    else a64_vwrite(s, rd, r, Q);
    a64_fpctx_store(s, &c);
    s->pc += 4;
    return A64_CONTINUE;
}

/* SCVTF, UCVTF, FCVTZS, FCVTZU (vector and scalar, fixed point, #fbits). */
AGPU_FN uint32_t a64_simd_fp_fixed(a64_state *s, uint32_t insn, int scalar)
{
    uint32_t Q = scalar ? 0 : (insn >> 30) & 1, U = (insn >> 29) & 1, immh = (uint32_t)a64_bits(insn, 22, 19);
    uint32_t immhb = (uint32_t)a64_bits(insn, 22, 16), opcode = (uint32_t)a64_bits(insn, 15, 11);
    uint32_t rn = (insn >> 5) & 31, rd = insn & 31;
    if (immh < 4) return a64_undefined(s, insn); /* H (FEAT_FP16): not yet; immh 0001 unallocated */
    uint32_t sz = immh >= 8, size = sz ? 3 : 2;
    int fmt = a64_fmt_of(sz);
    if (!scalar && sz && !Q) return a64_undefined(s, insn);
    int fbits = 2 * fmt - (int)immhb;
    uint32_t elements = scalar ? 1 : (Q ? 128u : 64u) / (uint32_t)fmt;
    uint64_t a[2] = {s->v[rn][0], s->v[rn][1]}, r[2] = {0, 0};
    a64_fpctx c = a64_fpctx_of(s);
    for (uint32_t e = 0; e < elements; e++) {
        uint64_t x = a64_el(a, size, e);
        a64_el_set(r, size, e, opcode == 0x1c ? a64_fp_from_fixed(x, fmt, fbits, U, fmt, a64_fp_rmode(&c), &c)
                                               : a64_fp_to_fixed(x, fmt, fbits, U, fmt, A64_FPRND_ZERO, &c));
    }
    if (scalar) a64_vscalar(s, rd, r[0], (uint32_t)fmt);
    else a64_vwrite(s, rd, r, Q);
    a64_fpctx_store(s, &c);
    s->pc += 4;
    return A64_CONTINUE;
}
#endif /* A64_FP_H */

/* ------------------------------------------------------------- dispatch */

AGPU_FN uint32_t a64_exec_simd(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn, uint32_t op)
{
    uint32_t rn = (insn >> 5) & 31;
    switch (op) {
    case A64_OP_SIMD_LDST_MULT: return a64_simd_ldst_multi(s, m, priv, insn, 0);
    case A64_OP_SIMD_LDST_MULT_P: return a64_simd_ldst_multi(s, m, priv, insn, 1);
    case A64_OP_SIMD_LDST_ONE: return a64_simd_ldst_one(s, m, priv, insn, 0);
    case A64_OP_SIMD_LDST_ONE_P: return a64_simd_ldst_one(s, m, priv, insn, 1);
    case A64_OP_SIMD_LDR_LIT: {
        uint32_t opc = (uint32_t)a64_bits(insn, 31, 30);
        if (opc == 3) return a64_undefined(s, insn);
        uint64_t addr = s->pc + (uint64_t)(a64_sext(a64_bits(insn, 23, 5), 19) * 4);
        uint32_t bytes = 4u << opc;
        uint8_t *p = a64_translate(s, m, priv, addr, bytes, AGPU_PROT_READ, AGPU_ACCESS_READ);
        if (!p) return AGPU_STOP_FAULT;
        a64_simd_xfer(s, p, insn & 31, bytes, 1);
        s->pc += 4;
        return A64_CONTINUE;
    }
    case A64_OP_SIMD_LDST_PAIR: return a64_simd_ldst_pair(s, m, priv, insn);
    case A64_OP_SIMD_LDST_UIMM: {
        uint32_t scale = a64_simd_ldst_scale(insn);
        return a64_simd_ldst_single(s, m, priv, insn, XSP(s, rn) + (a64_bits(insn, 21, 10) << (scale & 7)), 0, 0);
    }
    case A64_OP_SIMD_LDST_UNSC:
        return a64_simd_ldst_single(s, m, priv, insn, XSP(s, rn) + (uint64_t)a64_sext(a64_bits(insn, 20, 12), 9), 0, 0);
    case A64_OP_SIMD_LDST_POST: {
        uint64_t base = XSP(s, rn);
        return a64_simd_ldst_single(s, m, priv, insn, base, 1, base + (uint64_t)a64_sext(a64_bits(insn, 20, 12), 9));
    }
    case A64_OP_SIMD_LDST_PRE: {
        uint64_t addr = XSP(s, rn) + (uint64_t)a64_sext(a64_bits(insn, 20, 12), 9);
        return a64_simd_ldst_single(s, m, priv, insn, addr, 1, addr);
    }
    case A64_OP_SIMD_LDST_REG: {
        uint32_t option = (uint32_t)a64_bits(insn, 15, 13), S = (insn >> 12) & 1;
        uint32_t scale = a64_simd_ldst_scale(insn);
        if (!(option & 2)) return a64_undefined(s, insn);
        uint64_t offset = ExtendReg(X(s, (insn >> 16) & 31), option, S ? (int)(scale & 7) : 0);
        return a64_simd_ldst_single(s, m, priv, insn, XSP(s, rn) + offset, 0, 0);
    }
    case A64_OP_SIMD_TBL:
    case A64_OP_SIMD_PERMUTE:
    case A64_OP_SIMD_EXT: return a64_simd_permute(s, insn, op);
    case A64_OP_SIMD_COPY: return a64_simd_copy(s, insn, 0);
    case A64_OP_SIMDS_COPY: return a64_simd_copy(s, insn, 1);
    case A64_OP_SIMD_3SAME:
    case A64_OP_SIMDS_3SAME:
#ifdef A64_FP_H
        if (a64_bits(insn, 15, 11) >= 0x18) return a64_simd_fp3same(s, insn, op == A64_OP_SIMDS_3SAME);
#endif
        return a64_simd_3same(s, insn, op == A64_OP_SIMDS_3SAME);
    case A64_OP_SIMD_3DIFF: return a64_simd_3diff(s, insn, 0);
    case A64_OP_SIMDS_3DIFF: return a64_simd_3diff(s, insn, 1);
    case A64_OP_SIMDS_ELEM:
#ifdef A64_FP_H
        if (a64_bits(insn, 15, 12) == 1 || a64_bits(insn, 15, 12) == 5 || a64_bits(insn, 15, 12) == 9)
            return a64_simd_fp_elem(s, insn, 1);
#endif
        return a64_simd_elem(s, insn, 1);
    case A64_OP_SIMD_2MISC:
    case A64_OP_SIMDS_2MISC: {
#ifdef A64_FP_H
        uint32_t opcode = (uint32_t)a64_bits(insn, 16, 12);
        if (opcode >= 0x0c && opcode != 0x12 && opcode != 0x13 && opcode != 0x14)
            return a64_simd_fp2misc(s, insn, op == A64_OP_SIMDS_2MISC);
#endif
        return a64_simd_2misc(s, insn, op == A64_OP_SIMDS_2MISC);
    }
    case A64_OP_SIMD_ACROSS:
#ifdef A64_FP_H
        if (a64_bits(insn, 16, 12) == 0x0c || a64_bits(insn, 16, 12) == 0x0f) return a64_simd_fp_reduce(s, insn, 0);
#endif
        return a64_simd_across(s, insn);
    case A64_OP_SIMDS_PAIR: {
        /* ADDP (scalar): the only integer scalar pairwise op. */
        uint32_t U = (insn >> 29) & 1, size = (uint32_t)a64_bits(insn, 23, 22);
        uint32_t opcode = (uint32_t)a64_bits(insn, 16, 12);
#ifdef A64_FP_H
        if (U || opcode != 0x1b) return a64_simd_fp_reduce(s, insn, 1);
#endif
        if (U || size != 3 || opcode != 0x1b) return a64_undefined(s, insn);
        a64_vscalar(s, insn & 31, s->v[rn][0] + s->v[rn][1], 64);
        s->pc += 4;
        return A64_CONTINUE;
    }
    case A64_OP_SIMD_MODIMM: return a64_simd_modimm(s, insn);
    case A64_OP_SIMD_SHIFT:
    case A64_OP_SIMDS_SHIFT:
#ifdef A64_FP_H
        if (a64_bits(insn, 15, 11) == 0x1c || a64_bits(insn, 15, 11) == 0x1f)
            return a64_simd_fp_fixed(s, insn, op == A64_OP_SIMDS_SHIFT);
#endif
        return a64_simd_shift(s, insn, op == A64_OP_SIMDS_SHIFT);
    case A64_OP_SIMD_ELEM:
#ifdef A64_FP_H
        if (a64_bits(insn, 15, 12) == 1 || a64_bits(insn, 15, 12) == 5 || a64_bits(insn, 15, 12) == 9)
            return a64_simd_fp_elem(s, insn, 0);
#endif
        return a64_simd_elem(s, insn, 0);
    default: return A64_NOT_MINE;
    }
}

#endif /* A64_SIMD_H */

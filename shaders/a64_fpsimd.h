/*
 * a64_fpsimd.h - dispatch for the SIMD&FP instructions.
 *
 * Scalar floating point lives in a64_fp.h and Advanced SIMD with the
 * SIMD&FP loads and stores in a64_simd.h; each has its own switch over the
 * ops it owns and answers A64_NOT_MINE for the rest, so the two can grow
 * independently.  Included by a64_exec.h, after its helpers.
 */
#ifndef A64_FPSIMD_H
#define A64_FPSIMD_H

/* Returned by a sub-executor for an op it does not implement. */
#define A64_NOT_MINE 0xffffffffu

#include "a64_fp.h"
#include "a64_simd.h"

AGPU_COLD_FN uint32_t a64_exec_fpsimd(a64_state *s, const a64_mem *m, uint8_t *priv, uint32_t insn, uint32_t op)
{
    uint32_t r = a64_exec_fp(s, m, priv, insn, op);
    if (r != A64_NOT_MINE) return r;
    r = a64_exec_simd(s, m, priv, insn, op);
    if (r != A64_NOT_MINE) return r;
    return a64_undefined(s, insn);
}

#endif

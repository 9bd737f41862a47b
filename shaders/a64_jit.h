/*
 * a64_jit.h - the frame of translated code: what the cuda backend compiles
 * at run time (src/cuda_jit.c) for the code a few lanes spend their time in.
 *
 * The interpreter's step is a chain of dependent loads and compares: fetch,
 * class test, register-file load, result store, about 420 cycles on an
 * H100, so one lane alone runs under 5 million instructions per second
 * (docs/cuda.md).  Translated code runs the same a64_exec() on each
 * instruction, but with the instruction word and its op as constants: the
 * compiler keeps only what that one instruction does, the register numbers
 * become constants, and X0-X30 and SP live in hardware registers.  No
 * instruction's behaviour is written here (DESIGN decision 1).
 *
 * A generated source is this header, then:
 *
 *   A64_JIT_BEGIN(private)         translated code lies in the shared (0) or
 *                                  the lane's private (1) region
 *   A64_JIT_PAGE(pg) ...           every page it lies on: the lane needs
 *                                  execute permission on all of them
 *   A64_JIT_DISPATCH_BEGIN
 *   A64_JIT_CASE(i, addr) ...      where a lane may enter
 *   A64_JIT_DISPATCH_END
 *   A64_JIT_ENTRY(i, addr)         instruction i entered from elsewhere:
 *   A64_JIT_WORD(addr, word) ...   the words of its run, compared
 *   A64_JIT_ENTRY_END
 *   A64_JIT_INSN(i, addr, word, op)   instruction i, then its successors:
 *   A64_JIT_NEXT(addr, j) ...      if the PC is now addr, enter j
 *   A64_JIT_ON(addr, j)            if the PC is now addr, go on at j unchecked
 *   A64_JIT_OTHER                  else look the PC up
 *   ...
 *   A64_JIT_END
 *
 * What a lane sees is what the interpreter (a64_run_ex) would give it: each
 * instruction counts, stops and faults as there, with the same bookkeeping
 * (a64_run_start, a64_run_stopped, a64_run_spent).  The words are read from
 * guest memory and compared with the translated ones, as the interpreter
 * fetches them, so code the host, the guest or another lane rewrote is never
 * run from a stale translation.  They are compared a run at a time: entering
 * instruction i compares the words from i to the end of its run, the next
 * instruction that branches or may write memory (the generator decides,
 * src/cuda_jit.c), so that the loads go out together and cost one latency;
 * inside a run nothing the lane does can change a word before it is reached.
 * A lane at an address not translated, at a changed word, or without execute
 * permission on one of the pages leaves (A64_NEED_INTERP) before that
 * instruction, and the interpreter runs it on from there in the same slice.
 */
#ifndef A64_JIT_H
#define A64_JIT_H

#include "a64_slice.h"

#define A64_JIT_BEGIN(PRIV)                                                                      \
    __device__ __forceinline__ static uint32_t a64_jit_run(a64_state *s, const a64_mem *m,      \
                                                           uint8_t *priv, uint64_t budget)       \
    {                                                                                            \
        uint64_t ic = s->icount, end = ic + budget;                                              \
        uint32_t why, insn;                                                                      \
        /* Host address of guest address 0 in the code's region, and its permissions. */        \
        const uint8_t *code = (PRIV) ? priv - m->priv_base : m->shared;                         \
        const uint8_t *prot = (PRIV) ? m->priv_prot : m->shared_prot;                           \
        if ((PRIV) && !priv) goto leave;                                                         \
        a64_run_start(s);

/* pg: the page's index in its region. */
#define A64_JIT_PAGE(PG) if (!(prot[PG] & AGPU_PROT_EXEC)) goto leave;

#define A64_JIT_DISPATCH_BEGIN \
    dispatch:                  \
    switch (s->pc) {
#define A64_JIT_CASE(I, ADDR) \
    case ADDR##ull: goto L##I;
#define A64_JIT_DISPATCH_END \
    default: goto leave;     \
    }

/* The compares are joined by |, not ||, so that every load is issued
 * before the first result is waited for. */
#define A64_JIT_ENTRY(I, ADDR) \
    L##I : s->pc = ADDR##ull;  \
    if (0
#define A64_JIT_WORD(ADDR, WORD) | (a64_fetch32(code + (ADDR##ull)) != WORD##u)
#define A64_JIT_ENTRY_END ) goto leave;

/* s->pc is ADDR on every way in; saying so lets the compiler fold what the
 * instruction computes from its own address (branch targets, PC + 4). */
#define A64_JIT_INSN(I, ADDR, WORD, OP)                                     \
    U##I : s->pc = ADDR##ull;                                               \
    if (ic == end) goto spent;                                              \
    s->icount = ic;                                                         \
    why = a64_exec(s, m, priv, WORD##u, OP, 0);                             \
    if (why != A64_CONTINUE) {                                              \
        insn = WORD##u;                                                     \
        goto stopped;                                                       \
    }                                                                       \
    ic++;
#define A64_JIT_NEXT(ADDR, J) if (s->pc == ADDR##ull) goto L##J;
#define A64_JIT_ON(ADDR, J) if (s->pc == ADDR##ull) goto U##J;
#define A64_JIT_OTHER goto dispatch;

#define A64_JIT_END                                                                              \
    leave:                                                                                       \
        s->icount = ic;                                                                          \
        return A64_NEED_INTERP;                                                                  \
    stopped:                                                                                     \
        return a64_run_stopped(s, why, insn, ic);                                                \
    spent:                                                                                       \
        return a64_run_spent(s, ic);                                                             \
    }                                                                                            \
    AGPU_SLICE_KERNEL(agpu_run_slice_jit, __launch_bounds__(128), 0, a64_jit_run)

#endif /* A64_JIT_H */

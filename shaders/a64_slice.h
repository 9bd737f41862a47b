/*
 * a64_slice.h - one slice of an execute on the GPU: the bookkeeping around a
 * lane's run, shared by the interpreter kernels (a64_kernel.cu) and the
 * kernels of translated code the cuda backend compiles at run time
 * (a64_jit.h).  Nothing here says what an instruction does.
 */
#ifndef A64_SLICE_H
#define A64_SLICE_H

#include "a64_exec.h"

/* The result's stop reason of a lane that left translated code this slice
 * (A64_NEED_INTERP): never seen by the host, as the interpreter kernel the
 * host launches next in the same slice runs exactly these lanes on. */
#define AGPU_SLICE_INTERP 0x7fffff01u

/* A lane is still running after a slice when it stopped only for the slice's
 * end and has budget left. */
__device__ __forceinline__ static bool lane_runs_on(const agpu_lane_result *res, uint64_t budget)
{
    return res->stop.reason == AGPU_STOP_MAX_CYCLES && res->instructions < budget;
}

/* With A64_GPU_SHARED_REGS (a64_core.h) X0-X30, SP and the zero register
 * live in shared memory while a64_run runs: copied in before, out after.
 * Blocks are then exactly A64_GPU_BLOCK threads (backend_cuda.c's
 * CUDA_BLOCK). */
__device__ __forceinline__ static void regs_in(a64_state *s)
{
#if defined(A64_GPU_SHARED_REGS)
    for (uint32_t i = 0; i < 32; i++) A64_GPR(s, i) = s->r[i];
    A64_GPR(s, 32) = 0;
#else
    (void)s;
#endif
}

__device__ __forceinline__ static void regs_out(a64_state *s)
{
#if defined(A64_GPU_SHARED_REGS)
    for (uint32_t i = 0; i < 32; i++) s->r[i] = A64_GPR(s, i);
#else
    (void)s;
#endif
}

/* The lane's state in and out of the thread.  Without SIMD&FP (fpsimd = 0,
 * a constant) V0-V31 are neither read nor written: the integer kernel never
 * touches them, and copying them through would hold 512 bytes in registers
 * across the whole run (ptxas: 168 registers and spills, for nothing). */
__device__ __forceinline__ static void state_copy(a64_state *dst, const a64_state *src, int fpsimd)
{
    /* 8 bytes at a time (memcpy here compiled to byte loads). */
    const uint32_t words = (uint32_t)((fpsimd ? sizeof *dst : offsetof(a64_state, v)) / 8);
    for (uint32_t i = 0; i < words; i++) ((uint64_t *)dst)[i] = ((const uint64_t *)src)[i];
}

/*
 * One slice of an execute: every lane it picks runs at most `slice` more
 * instructions of its budget, through RUN(state, mem, priv, limit), which
 * returns what a64_run_ex returns.  first != 0 on the execute's first slice,
 * when results[] holds nothing yet.  pick = 0 takes every lane still
 * running; pick = 1 only the lanes translated code left this slice
 * (AGPU_SLICE_INTERP).  The counters: live[0] the lanes that will still run
 * after this slice, live[1] those of them that stopped short at an
 * instruction only the full kernel executes (FPSIMD = 0 only), live[2] the
 * lanes that left translated code (for the interpreter, next).  A lane
 * parked for the full kernel has changed nothing and reads as still running
 * (MAX_CYCLES, budget left).
 */
#define AGPU_SLICE_KERNEL(NAME, BOUNDS, FPSIMD, RUN)                                             \
    extern "C" __global__ void BOUNDS NAME(a64_state *__restrict__ states,                      \
                                           agpu_lane_result *__restrict__ results, a64_mem mem, \
                                           uint8_t *priv_all, uint32_t n, uint64_t budget,       \
                                           uint64_t slice, int first, int pick, unsigned *live)  \
    {                                                                                            \
        uint32_t l = blockIdx.x * blockDim.x + threadIdx.x;                                      \
        bool alive = false, need_full = false, need_interp = false;                              \
        if (l < n) {                                                                             \
            agpu_lane_result *res = &results[l];                                                 \
            if (pick ? res->stop.reason == AGPU_SLICE_INTERP : first || lane_runs_on(res, budget)) { \
                uint64_t used = first ? 0 : res->instructions;                                   \
                a64_state s;                                                                     \
                state_copy(&s, &states[l], FPSIMD);                                              \
                uint64_t before = s.icount, left = budget - used;                                \
                uint8_t *priv = mem.priv_size ? priv_all + (size_t)l * mem.priv_size : 0;       \
                a64_mem_for_lane(&mem, l); /* mem is this thread's copy */                      \
                regs_in(&s);                                                                     \
                uint32_t why = RUN(&s, &mem, priv, left < slice ? left : slice);                 \
                regs_out(&s);                                                                    \
                if (!(FPSIMD) && why == A64_NEED_FULL) {                                         \
                    need_full = true;                                                            \
                    s.stop.reason = AGPU_STOP_MAX_CYCLES;                                        \
                    why = AGPU_STOP_MAX_CYCLES;                                                  \
                }                                                                                \
                if (why == A64_NEED_INTERP) {                                                    \
                    need_interp = true;                                                          \
                    s.stop.reason = AGPU_SLICE_INTERP;                                           \
                }                                                                                \
                used += s.icount - before;                                                       \
                state_copy(&states[l], &s, FPSIMD);                                              \
                res->instructions = used;                                                        \
                res->pc = s.pc;                                                                  \
                res->stop = s.stop;                                                              \
                alive = why == AGPU_STOP_MAX_CYCLES && used < budget;                            \
            }                                                                                    \
        }                                                                                        \
        /* One atomic per warp and counter. */                                                   \
        unsigned b = __ballot_sync(0xffffffffu, alive);                                          \
        unsigned f = __ballot_sync(0xffffffffu, need_full);                                      \
        unsigned t = __ballot_sync(0xffffffffu, need_interp);                                    \
        if ((threadIdx.x & 31) == 0 && b) atomicAdd(&live[0], (unsigned)__popc(b));              \
        if ((threadIdx.x & 31) == 0 && f) atomicAdd(&live[1], (unsigned)__popc(f));              \
        if ((threadIdx.x & 31) == 0 && t) atomicAdd(&live[2], (unsigned)__popc(t));              \
    }

#endif /* A64_SLICE_H */

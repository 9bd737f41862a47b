/*
 * a64_kernel.cu - the CUDA kernels of the cuda backend: one GPU thread per
 * lane, running the same a64_run() the cpu backend runs (DESIGN decision 1).
 *
 * Nothing here says what an instruction does; that is a64_exec.h.  This file
 * only moves a lane's state in and out of the thread and does the
 * bookkeeping of a slice: how much of the execute's budget a lane has spent,
 * and how many lanes still want to run.  It is compiled by nvcc into a
 * fatbin (sm_XX SASS plus compute_XX PTX) that src/cuda.cmake embeds in the
 * library and src/backend_cuda.c loads through the driver API.
 */
/* X0-X30 and SP in shared memory (a64_core.h, A64_GPR): measured faster
 * than local memory (docs/cuda.md); -DA64_GPU_NO_SHARED_REGS turns it off. */
#if !defined(A64_GPU_NO_SHARED_REGS) && !defined(A64_GPU_SHARED_REGS)
#define A64_GPU_SHARED_REGS 1
#endif
#include "a64_exec.h"

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
    const uint32_t words = (fpsimd ? sizeof *dst : offsetof(a64_state, v)) / 8;
    for (uint32_t i = 0; i < words; i++) ((uint64_t *)dst)[i] = ((const uint64_t *)src)[i];
}

/*
 * One slice of an execute: every lane still running runs at most `slice`
 * more instructions of its budget.  first != 0 on the execute's first slice,
 * when results[] holds nothing yet.  live[0] counts the lanes that will
 * still run after this slice, live[1] those of them that stopped short at
 * an instruction only the full kernel executes (FPSIMD = 0 only).  The lane
 * state is copied into the thread (a local a64_state) and back.
 *
 * Two kernels: agpu_run_slice with the whole instruction set, and
 * agpu_run_slice_int without the SIMD&FP executor.  ptxas sizes a kernel's
 * registers for its largest path, and the SIMD&FP code's registers cost the
 * integer path occupancy (docs/cuda.md); the host runs the integer kernel
 * until a lane needs the full one (backend_cuda.c).  A lane parked that way
 * has changed nothing and reads as still running (MAX_CYCLES, budget left).
 */
#define AGPU_SLICE_KERNEL(NAME, BOUNDS, FPSIMD)                                                  \
    extern "C" __global__ void BOUNDS NAME(a64_state *__restrict__ states,                      \
                                           agpu_lane_result *__restrict__ results, a64_mem mem, \
                                           uint8_t *priv_all, uint32_t n, uint64_t budget,       \
                                           uint64_t slice, int first, unsigned *live)           \
    {                                                                                            \
        uint32_t l = blockIdx.x * blockDim.x + threadIdx.x;                                      \
        bool alive = false, need_full = false;                                                   \
        if (l < n) {                                                                             \
            agpu_lane_result *res = &results[l];                                                 \
            if (first || lane_runs_on(res, budget)) {                                            \
                uint64_t used = first ? 0 : res->instructions;                                   \
                a64_state s;                                                                     \
                state_copy(&s, &states[l], FPSIMD);                                              \
                uint64_t before = s.icount, left = budget - used;                                \
                uint8_t *priv = mem.priv_size ? priv_all + (size_t)l * mem.priv_size : 0;       \
                a64_mem_for_lane(&mem, l); /* mem is this thread's copy */                      \
                regs_in(&s);                                                                     \
                uint32_t why = a64_run_ex(&s, &mem, priv, left < slice ? left : slice, 0, FPSIMD); \
                regs_out(&s);                                                                    \
                if (!(FPSIMD) && why == A64_NEED_FULL) {                                         \
                    need_full = true;                                                            \
                    s.stop.reason = AGPU_STOP_MAX_CYCLES;                                        \
                    why = AGPU_STOP_MAX_CYCLES;                                                  \
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
        if ((threadIdx.x & 31) == 0 && b) atomicAdd(&live[0], (unsigned)__popc(b));              \
        if ((threadIdx.x & 31) == 0 && f) atomicAdd(&live[1], (unsigned)__popc(f));              \
    }

/* The integer kernel is built for 5 blocks per SM (96 registers): without
 * a bound ptxas takes registers freely (80 to 239 for the same code, as
 * small source changes fell) and fewer blocks fit.  6, as many as the
 * shared-memory register file (33 KB a block) lets an SM hold, gives 80
 * registers: 8% more on the ALU loop, but the data-page cache of
 * a64_translate then spills onto every step, and compiled C loses 10-25%
 * (docs/cuda.md).  -DAGPU_INT_MIN_BLOCKS=N measures other bounds. */
#ifndef AGPU_INT_MIN_BLOCKS
#define AGPU_INT_MIN_BLOCKS 5
#endif
AGPU_SLICE_KERNEL(agpu_run_slice, __launch_bounds__(128), 1)
AGPU_SLICE_KERNEL(agpu_run_slice_int, __launch_bounds__(128, AGPU_INT_MIN_BLOCKS), 0)

/* agpu_interrupt(): lanes that would have run on stop as INTERRUPTED, their
 * state exact, so the next execute resumes them. */
extern "C" __global__ void agpu_mark_interrupted(a64_state *states, agpu_lane_result *results,
                                                 uint32_t n, uint64_t budget)
{
    uint32_t l = blockIdx.x * blockDim.x + threadIdx.x;
    if (l >= n || !lane_runs_on(&results[l], budget)) return;
    results[l].stop.reason = AGPU_STOP_INTERRUPTED;
    states[l].stop.reason = AGPU_STOP_INTERRUPTED;
}

/* agpu_write_memory(AGPU_ALL_LANES) in the private region: len bytes at src
 * (device memory) to offset off of every lane's region.  8 bytes at a time
 * when everything is 8-byte aligned, else bytes. */
extern "C" __global__ void agpu_broadcast(uint8_t *priv_all, uint64_t priv_size, uint64_t off,
                                          const uint8_t *src, uint64_t len, uint32_t n)
{
    uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
    uint64_t i0 = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (((priv_size | off | len | (uintptr_t)src) & 7) == 0) {
        uint64_t words = len / 8, total = words * n;
        for (uint64_t i = i0; i < total; i += stride) {
            uint64_t lane = i / words, w = i - lane * words;
            *(uint64_t *)(priv_all + lane * priv_size + off + 8 * w) = ((const uint64_t *)src)[w];
        }
    } else {
        uint64_t total = len * n;
        for (uint64_t i = i0; i < total; i += stride) {
            uint64_t lane = i / len, j = i - lane * len;
            priv_all[lane * priv_size + off + j] = src[j];
        }
    }
}

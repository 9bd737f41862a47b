/*
 * a64_kernel.cu - the CUDA kernels of the cuda backend: one GPU thread per
 * lane, running the same a64_run() the cpu backend runs (DESIGN decision 1).
 *
 * Nothing here says what an instruction does; that is a64_exec.h, and the
 * bookkeeping of a slice (a lane's state in and out of the thread, how much
 * of the execute's budget it has spent, how many lanes still want to run)
 * is a64_slice.h, which the translated code of a64_jit.h shares.  This file
 * is compiled by nvcc into a fatbin (sm_XX SASS plus compute_XX PTX) that
 * src/cuda.cmake embeds in the library and src/backend_cuda.c loads through
 * the driver API.
 */
/* X0-X30 and SP in shared memory (a64_core.h, A64_GPR): measured faster
 * than local memory (docs/cuda.md); -DA64_GPU_NO_SHARED_REGS turns it off. */
#if !defined(A64_GPU_NO_SHARED_REGS) && !defined(A64_GPU_SHARED_REGS)
#define A64_GPU_SHARED_REGS 1
#endif
#include "a64_slice.h"

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
#define AGPU_RUN_FULL(s, mem, priv, limit) a64_run_ex(s, mem, priv, limit, 0, 1)
#define AGPU_RUN_INT(s, mem, priv, limit) a64_run_ex(s, mem, priv, limit, 0, 0)
AGPU_SLICE_KERNEL(agpu_run_slice, __launch_bounds__(128), 1, AGPU_RUN_FULL)
AGPU_SLICE_KERNEL(agpu_run_slice_int, __launch_bounds__(128, AGPU_INT_MIN_BLOCKS), 0, AGPU_RUN_INT)

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

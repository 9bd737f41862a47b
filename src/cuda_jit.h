/*
 * cuda_jit.h - translated code for the cuda backend (src/cuda_jit.c): what
 * backend_cuda.c asks of it.  docs/cuda.md ("Translated code") has the why.
 */
#ifndef AGPU_CUDA_JIT_H
#define AGPU_CUDA_JIT_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* The most instructions one translation holds: compile time grows with
 * them (about 30 ms each with NVRTC 13), and a hot loop is usually far
 * smaller. */
#define AGPU_JIT_MAX_INSNS 96
/* The most addresses one translation starts from. */
#define AGPU_JIT_MAX_SEEDS 16

/* Loads NVRTC (once per process).  0 when it can compile, else nonzero
 * with the reason in why. */
int agpu_jit_load(char *why, size_t why_len);

/* Reads guest bytes of one region of a lane, as the backend's read_mem. */
typedef int (*agpu_jit_read_fn)(agpu_machine *m, int region, uint32_t lane, uint64_t off, void *p,
                                size_t n);

/* The source (a64_jit.h's form) translating the code reachable from seeds
 * through fall-through and direct branches, as lane `lane` sees it, up to
 * AGPU_JIT_MAX_INSNS instructions of the region holding seeds[0] (seeds in
 * other regions are dropped).  *src is malloc'd; 0 with *src NULL when no
 * seed starts at an instruction translated code can hold.  Nonzero (with
 * m's error set) when reading guest memory failed or memory ran out. */
int agpu_jit_source(agpu_machine *m, agpu_jit_read_fn read, uint32_t lane, const uint64_t *seeds,
                    int nseeds, char **src, int *count);

/* A compilation of a source for compute capability cc (major*10+minor), in
 * a thread of its own unless a process-wide cache already holds it. */
typedef struct agpu_jit_job agpu_jit_job;

/* Takes ownership of src.  NULL when out of memory. */
agpu_jit_job *agpu_jit_start(char *src, int cc);
/* Nonzero once the compilation has ended (never blocks). */
int agpu_jit_done(agpu_jit_job *j);
/* Waits for the end; 0 with the cubin (owned by the job) or nonzero with
 * the reason (NVRTC's log, shortened) in err. */
int agpu_jit_result(agpu_jit_job *j, const void **cubin, size_t *size, double *seconds, char *err,
                    size_t err_len);
/* Lets go of the job without waiting: a compilation still running ends in
 * its thread, which then frees what is left. */
void agpu_jit_free(agpu_jit_job *j);

#endif

/*
 * cuda_stub.c - stands in for the CUDA backend in builds without nvcc, so
 * that asking for it says why it cannot run.
 */
#include <stdio.h>

#include "internal.h"

const agpu_backend_ops *agpu_cuda_ops(void) { return NULL; }

int agpu_cuda_probe(char *why, size_t why_len)
{
    if (why && why_len)
        snprintf(why, why_len, "libarmgpu was built without the CUDA backend (nvcc was not found at "
                               "build time, or ARMGPU_CUDA=OFF)");
    return AGPU_ERR_UNAVAILABLE;
}

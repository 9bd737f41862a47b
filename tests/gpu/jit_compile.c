/*
 * jit_compile.c - translated code compiles (src/cuda_jit.c, shaders/a64_jit.h),
 * without a GPU: NVRTC is part of the CUDA toolkit, which CI has.
 *
 * For each program (the ALU loop and the compiled C kernels of bench/), the
 * translation of the code reachable from its entry is generated and
 * compiled for sm_90 with NVRTC, as the cuda backend does at run time; the
 * test checks the instructions it holds and that NVRTC accepts every one.
 * Running translated code, and comparing it with the cpu backend, needs a
 * GPU: cuda_compare with ARMGPU_CUDA_JIT=always (tests/gpu/run_all.sh).
 *
 * Usage: jit_compile FILE.bin... (flat images, loaded at 0 and entered at 0)
 * Exit status: 0 all compiled, 1 a failure, 77 no NVRTC here.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_jit.h"

static int read_cpu(agpu_machine *m, int region, uint32_t lane, uint64_t off, void *p, size_t n)
{
    return m->ops->read_mem(m, region, lane, off, p, n);
}

static int check(const char *name, const void *code, size_t len, int expect_min)
{
    agpu_config c;
    agpu_config_init(&c);
    c.num_lanes = 1;
    c.backend = AGPU_BACKEND_CPU;
    c.shared_size = (len + 4095) & ~(size_t)4095;
    agpu_machine *m = NULL;
    if (agpu_create(&c, &m) || agpu_load(m, 0, code, len)) {
        fprintf(stderr, "jit_compile: %s: cannot load: %s\n", name, agpu_last_error(m));
        return 1;
    }
    uint64_t seed = 0;
    char *src = NULL;
    int count = 0;
    if (agpu_jit_source(m, read_cpu, 0, &seed, 1, &src, &count) || !src) {
        fprintf(stderr, "jit_compile: %s: no translation: %s\n", name, agpu_last_error(m));
        agpu_destroy(m);
        return 1;
    }
    agpu_destroy(m);
    if (count < expect_min || count > AGPU_JIT_MAX_INSNS) {
        fprintf(stderr, "jit_compile: %s: %d instructions translated, expected %d to %d\n", name,
                count, expect_min, AGPU_JIT_MAX_INSNS);
        free(src);
        return 1;
    }
    if (getenv("JIT_COMPILE_DUMP")) fputs(src, stdout); /* to read what is compiled */
    /* A job let go while it compiles (a machine destroyed meanwhile) must
     * finish and free itself in its thread, without blocking the owner. */
    char *copy = strdup(src);
    if (copy) agpu_jit_free(agpu_jit_start(copy, 90));
    agpu_jit_job *j = agpu_jit_start(src, 90);
    const void *cubin = NULL;
    size_t size = 0;
    double secs = 0;
    char err[1024];
    if (!j || agpu_jit_result(j, &cubin, &size, &secs, err, sizeof err)) {
        fprintf(stderr, "jit_compile: %s: %s\n", name, j ? err : "out of memory");
        agpu_jit_free(j);
        return 1;
    }
    /* A cubin is an ELF file. */
    if (size < 64 || memcmp(cubin, "\177ELF", 4)) {
        fprintf(stderr, "jit_compile: %s: NVRTC gave %zu bytes that are no cubin\n", name, size);
        agpu_jit_free(j);
        return 1;
    }
    printf("%-12s %3d instructions, %7zu-byte cubin, %.2f s\n", name, count, size, secs);
    agpu_jit_free(j);
    return 0;
}

int main(int argc, char **argv)
{
    char why[256];
    if (agpu_jit_load(why, sizeof why)) {
        printf("jit_compile: skipped: %s\n", why);
        return 77;
    }
    printf("jit_compile: %s\n", why);
    /* The prototype's ALU loop; checked against aarch64-linux-gnu-as. */
    static const uint32_t alu[] = {0x91000421, 0x91000c42, 0xf1000400, 0x54ffffa1, 0xd4400000};
    int bad = check("alu", alu, sizeof alu, 5);
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        static uint8_t buf[1 << 20];
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f) fclose(f);
        if (!n) {
            fprintf(stderr, "jit_compile: cannot read %s\n", argv[i]);
            bad = 1;
            continue;
        }
        const char *base = strrchr(argv[i], '/');
        bad |= check(base ? base + 1 : argv[i], buf, n, 8);
    }
    return bad;
}

/*
 * gpu_bench.c - the cuda backend's benchmark (issue 5, item 6).
 *
 * Runs the prototype's programs through the public API and prints one table:
 *   alu        add x1,x1,#1; add x2,x2,#3; subs x0,x0,#1; b.ne   (lanes converged)
 *   str-shared the same with str x1,[x3] first, x3 = a per-lane slot of the
 *              shared region (lane*8: a warp's stores coalesce)
 *   str-priv   the same with x3 in each lane's private region
 *   scaling    the alu loop at 1, 8, 16, 32, ... lanes, to past full occupancy
 *   tiny       the cost of one agpu_execute() with a budget of 1 (launch plus
 *              result transfer), median of many
 *   kernels    the alu loop under each kernel variant (ARMGPU_CUDA_KERNEL)
 * Every run's result is checked (registers, counts, stop) before it is timed.
 * Instructions per second count retired A64 instructions of all lanes over
 * the wall time of agpu_execute() (launches, slices and the result copy).
 *
 * The A64 words are given with their assembly; tests/gpu/run_all.sh and the
 * test suite check the encodings with the GNU assembler (see ENCODINGS).
 *
 * Usage: gpu_bench [--backend cuda|cpu] [--quick] [--brief] [--max-lanes N]
 * (--brief: 1 lane and the full-occupancy lane counts, no kernel variants,
 * no tiny executes; for comparing kernel builds, see ARMGPU_CUDA_FATBIN)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "armgpu.h"

/* Checked against aarch64-linux-gnu-as 2.40 (objdump -d). */
static const uint32_t ALU_LOOP[] = {
    0x91000421, /* 0:  add  x1, x1, #1  */
    0x91000c42, /* 4:  add  x2, x2, #3  */
    0xf1000400, /* 8:  subs x0, x0, #1  */
    0x54ffffa1, /* c:  b.ne 0           */
    0xd4400000, /* 10: hlt  #0          */
};
static const uint32_t STR_LOOP[] = {
    0xf9000061, /* 0:  str  x1, [x3]    */
    0x91000421, /* 4:  add  x1, x1, #1  */
    0x91000c42, /* 8:  add  x2, x2, #3  */
    0xf1000400, /* c:  subs x0, x0, #1  */
    0x54ffff81, /* 10: b.ne 0           */
    0xd4400000, /* 14: hlt  #0          */
};

static agpu_backend backend = AGPU_BACKEND_CUDA;
static int quick, brief;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die(const char *what, agpu_machine *m, int rc)
{
    fprintf(stderr, "gpu_bench: %s: %s: %s\n", what, agpu_strerror(rc), agpu_last_error(m));
    exit(1);
}

#define CHECK(m, call)                        \
    do {                                      \
        int rc_ = (call);                     \
        if (rc_) die(#call, (m), rc_);        \
    } while (0)

enum prog { ALU, STR_SHARED, STR_PRIV };
static const char *const prog_name[] = {"alu", "str-shared", "str-priv"};

typedef struct run_result {
    double seconds;
    double instructions;
    double per_s;
} run_result;

static agpu_machine *make(uint32_t lanes, enum prog p)
{
    agpu_config c;
    agpu_config_init(&c);
    c.num_lanes = lanes;
    c.backend = backend;
    /* shared: code at 0, per-lane slots from 0x10000 */
    c.shared_size = 0x10000 + (((uint64_t)lanes * 8 + 4095) & ~4095ull);
    if (p == STR_PRIV) {
        c.private_base = 1ull << 32;
        c.private_size = 4096;
    }
    agpu_machine *m = NULL;
    int rc = agpu_create(&c, &m);
    if (rc) die("agpu_create", NULL, rc);
    if (p == ALU) CHECK(m, agpu_load(m, 0, ALU_LOOP, sizeof ALU_LOOP));
    else CHECK(m, agpu_load(m, 0, STR_LOOP, sizeof STR_LOOP));
    return m;
}

/* Sets every lane to the start of the loop with x0 = iters. */
static void reset(agpu_machine *m, enum prog p, uint64_t iters, uint64_t *scratch)
{
    uint32_t n = agpu_num_lanes(m);
    CHECK(m, agpu_fill_reg(m, AGPU_REG_PC, 0));
    CHECK(m, agpu_fill_reg(m, AGPU_REG_X0, iters));
    CHECK(m, agpu_fill_reg(m, 1, 0));
    CHECK(m, agpu_fill_reg(m, 2, 0));
    if (p == STR_SHARED) {
        for (uint32_t l = 0; l < n; l++) scratch[l] = 0x10000 + 8ull * l;
        CHECK(m, agpu_set_reg_all(m, 3, scratch));
    } else if (p == STR_PRIV) {
        CHECK(m, agpu_fill_reg(m, 3, agpu_private_base(m) + 64));
    }
}

/* Runs the loop once on every lane and checks each lane's outcome. */
static run_result run_once(agpu_machine *m, enum prog p, uint64_t iters, agpu_lane_result *res,
                           uint64_t *scratch)
{
    uint32_t n = agpu_num_lanes(m);
    reset(m, p, iters, scratch);
    double t0 = now_s();
    CHECK(m, agpu_execute(m, UINT64_MAX, res));
    double dt = now_s() - t0;
    uint64_t per_iter = p == ALU ? 4 : 5;
    double total = 0;
    for (uint32_t l = 0; l < n; l++) {
        if (res[l].stop.reason != AGPU_STOP_HALT || res[l].instructions != per_iter * iters) {
            fprintf(stderr, "gpu_bench: %s lane %u: stop %s after %llu instructions, expected HALT after %llu\n",
                    prog_name[p], l, agpu_stop_reason_name(res[l].stop.reason),
                    (unsigned long long)res[l].instructions, (unsigned long long)(per_iter * iters));
            exit(1);
        }
        total += (double)res[l].instructions;
    }
    /* Spot-check registers and the stored value on a few lanes. */
    uint32_t probe[3] = {0, n / 2, n - 1};
    for (int i = 0; i < 3; i++) {
        uint64_t x1 = 0, x2 = 0;
        CHECK(m, agpu_get_reg(m, probe[i], 1, &x1));
        CHECK(m, agpu_get_reg(m, probe[i], 2, &x2));
        if (x1 != iters || x2 != 3 * iters) {
            fprintf(stderr, "gpu_bench: lane %u: x1=%llu x2=%llu, expected %llu and %llu\n", probe[i],
                    (unsigned long long)x1, (unsigned long long)x2, (unsigned long long)iters,
                    (unsigned long long)(3 * iters));
            exit(1);
        }
        if (p != ALU) {
            uint64_t v = 0, addr = p == STR_SHARED ? 0x10000 + 8ull * probe[i] : agpu_private_base(m) + 64;
            CHECK(m, agpu_read_memory(m, probe[i], addr, &v, 8));
            if (v != iters - 1) {
                fprintf(stderr, "gpu_bench: lane %u stored %llu, expected %llu\n", probe[i],
                        (unsigned long long)v, (unsigned long long)(iters - 1));
                exit(1);
            }
        }
    }
    run_result r = {dt, total, total / dt};
    return r;
}

/* Times the loop at `lanes` lanes: grows the iteration count until a run
 * takes at least target seconds, then takes the best of three. */
static run_result measure(uint32_t lanes, enum prog p, double target)
{
    agpu_machine *m = make(lanes, p);
    agpu_lane_result *res = malloc((size_t)lanes * sizeof *res);
    uint64_t *scratch = malloc((size_t)lanes * sizeof *scratch);
    if (!res || !scratch) die("malloc", NULL, AGPU_ERR_OUT_OF_MEMORY);
    uint64_t iters = 1000;
    run_result r = run_once(m, p, iters, res, scratch); /* warm-up: module, first touch */
    for (;;) {
        r = run_once(m, p, iters, res, scratch);
        if (r.seconds >= target || iters >= (1ull << 34)) break;
        double scale = r.seconds > 0 ? 1.3 * target / r.seconds : 100;
        if (scale > 100) scale = 100;
        if (scale < 2) scale = 2;
        iters = (uint64_t)((double)iters * scale);
    }
    run_result best = r;
    for (int i = 0; i < (quick ? 1 : 2); i++) {
        run_result t = run_once(m, p, iters, res, scratch);
        if (t.per_s > best.per_s) best = t;
    }
    free(res);
    free(scratch);
    agpu_destroy(m);
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median wall time of one agpu_execute(budget 1) at `lanes` lanes. */
static double tiny_execute_us(uint32_t lanes)
{
    agpu_machine *m = make(lanes, ALU);
    agpu_lane_result *res = malloc((size_t)lanes * sizeof *res);
    enum { N = 2000 };
    static double t[N];
    CHECK(m, agpu_fill_reg(m, AGPU_REG_X0, 1ull << 40));
    for (int i = 0; i < 50; i++) CHECK(m, agpu_execute(m, 1, res));
    for (int i = 0; i < N; i++) {
        double t0 = now_s();
        CHECK(m, agpu_execute(m, 1, res));
        t[i] = now_s() - t0;
    }
    if (res[0].stop.reason != AGPU_STOP_MAX_CYCLES || res[0].instructions != 1) {
        fprintf(stderr, "gpu_bench: tiny execute: stop %s after %llu\n",
                agpu_stop_reason_name(res[0].stop.reason), (unsigned long long)res[0].instructions);
        exit(1);
    }
    qsort(t, N, sizeof t[0], cmp_double);
    free(res);
    agpu_destroy(m);
    return 1e6 * t[N / 2];
}

static int multiprocessors(void)
{
    char why[256];
    if (agpu_backend_available(AGPU_BACKEND_CUDA, why, sizeof why) != AGPU_OK) return 0;
    const char *p = strstr(why, "multiprocessors");
    if (!p) return 0;
    while (p > why && p[-1] == ' ') p--;
    while (p > why && p[-1] >= '0' && p[-1] <= '9') p--;
    return atoi(p);
}

int main(int argc, char **argv)
{
    uint32_t max_lanes = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--brief")) quick = brief = 1;
        else if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
            if (agpu_backend_from_name(argv[++i], &backend)) {
                fprintf(stderr, "gpu_bench: unknown backend %s\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--max-lanes") && i + 1 < argc) {
            max_lanes = (uint32_t)strtoul(argv[++i], NULL, 0);
        } else {
            fprintf(stderr, "usage: gpu_bench [--backend cuda|cpu] [--quick] [--brief] [--max-lanes N]\n");
            return 2;
        }
    }
    char why[256];
    if (agpu_backend_available(backend, why, sizeof why) != AGPU_OK) {
        printf("gpu_bench: the %s backend is unavailable here: %s\n", agpu_backend_name(backend), why);
        return 77;
    }
    printf("backend %s: %s\n", agpu_backend_name(backend), why);
    int sms = multiprocessors();
    /* Full occupancy: 2048 resident threads per SM on Hopper. */
    uint32_t full = sms ? (uint32_t)sms * 2048u : 8192u;
    if (!max_lanes) max_lanes = backend == AGPU_BACKEND_CUDA ? 2 * full : 4096;
    double target = quick ? 0.2 : 0.5;

    printf("\n== lane scaling (alu loop) ==\n%10s %14s %14s %10s\n", "lanes", "instr/s", "per lane", "seconds");
    double best_alu = 0;
    uint32_t best_lanes = 1;
    uint32_t lanes_list[64];
    int nl = 0;
    lanes_list[nl++] = 1;
    for (uint32_t l = 8; !brief && l <= max_lanes && nl < 60; l *= 2) lanes_list[nl++] = l;
    if (backend == AGPU_BACKEND_CUDA) {
        if (full / 2 <= max_lanes) lanes_list[nl++] = full / 2;
        if (full <= max_lanes) lanes_list[nl++] = full;
        if (2 * full <= max_lanes) lanes_list[nl++] = 2 * full;
    }
    double one_lane = 0;
    for (int i = 0; i < nl; i++) {
        run_result r = measure(lanes_list[i], ALU, target);
        printf("%10u %14.4g %14.4g %10.3f\n", lanes_list[i], r.per_s, r.per_s / lanes_list[i], r.seconds);
        fflush(stdout);
        if (lanes_list[i] == 1) one_lane = r.per_s;
        if (r.per_s > best_alu) {
            best_alu = r.per_s;
            best_lanes = lanes_list[i];
        }
    }

    /* One lane again with the interpreter only: translated code (the
     * default for few lanes, ARMGPU_CUDA_JIT) is what gave the figure above. */
    double one_lane_interp = 0;
    if (backend == AGPU_BACKEND_CUDA) {
        const char *was = getenv("ARMGPU_CUDA_JIT");
        char *keep = was ? strdup(was) : NULL;
        setenv("ARMGPU_CUDA_JIT", "off", 1);
        one_lane_interp = measure(1, ALU, target).per_s;
        if (keep) setenv("ARMGPU_CUDA_JIT", keep, 1);
        else unsetenv("ARMGPU_CUDA_JIT");
        free(keep);
        printf("%10s %14.4g %14s (1 lane, ARMGPU_CUDA_JIT=off)\n", "", one_lane_interp, "");
    }

    printf("\n== kernel variants (alu loop, %u lanes) ==\n", best_lanes);
    /* ARMGPU_CUDA_KERNEL: tiered (the default: the integer kernel while no
     * lane needs SIMD&FP) and full (the whole-ISA kernel throughout). */
    static const char *const variants[] = {"tiered", "full"};
    if (backend == AGPU_BACKEND_CUDA && !brief) {
        for (int v = 0; v < 2; v++) {
            setenv("ARMGPU_CUDA_KERNEL", variants[v], 1);
            run_result r = measure(best_lanes, ALU, target);
            printf("%-22s %14.4g instr/s\n", variants[v], r.per_s);
            fflush(stdout);
        }
        unsetenv("ARMGPU_CUDA_KERNEL");
    }

    printf("\n== store loops (%u lanes) ==\n", best_lanes);
    run_result ss = measure(best_lanes, STR_SHARED, target);
    printf("%-22s %14.4g instr/s\n", "str-shared", ss.per_s);
    run_result sp = measure(best_lanes, STR_PRIV, target);
    printf("%-22s %14.4g instr/s\n", "str-priv", sp.per_s);

    double tiny1 = brief ? 0 : tiny_execute_us(1);
    double tinyf = brief ? 0 : tiny_execute_us(best_lanes);
    printf("\n== one execute with budget 1 (median of 2000) ==\n");
    printf("%10u lanes %10.1f us\n%10u lanes %10.1f us\n", 1u, tiny1, best_lanes, tinyf);

    printf("\n== summary (%s) ==\n", why);
    printf("%-44s %14s %14s\n", "measure", "value", "target");
    printf("%-44s %14.4g %14s\n", "alu loop, best lane count (instr/s)", best_alu, ">= 2e11");
    printf("%-44s %14u %14s\n", "  at lanes", best_lanes, "");
    printf("%-44s %14.4g %14s\n", "str loop, shared slots (instr/s)", ss.per_s, ">= 1.5e11");
    printf("%-44s %14.4g %14s\n", "str loop, private regions (instr/s)", sp.per_s, "");
    printf("%-44s %14.4g %14s\n", "one lane (instr/s)", one_lane, ">= 1e7");
    if (backend == AGPU_BACKEND_CUDA)
        printf("%-44s %14.4g %14s\n", "one lane, interpreter only (instr/s)", one_lane_interp, "");
    printf("%-44s %14.1f %14s\n", "execute, budget 1, 1 lane (us)", tiny1, "< 50");
    printf("%-44s %14.1f %14s\n", "execute, budget 1, best lane count (us)", tinyf, "");
    return 0;
}

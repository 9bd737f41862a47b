/*
 * simd_run.h - runs the SIMD cases of tests/simd_expect.h (expected outcomes
 * computed by Unicorn from tests/simd_cases_list.py) on libarmgpu, from the
 * start state that tests/simd_expect.py's init_state() describes, and checks
 * every V and X register, FPSR and the data area: what the case lists must
 * have changed to the listed value, everything else must be as it was.
 * Included by test_simd.c and test_simd_ldst.c.
 */
#ifndef ARMGPU_TEST_SIMD_RUN_H
#define ARMGPU_TEST_SIMD_RUN_H

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIMD_DATA 0x10000ull
#define SIMD_DATA_LEN 0x400u

typedef struct simd_vchg { int n; uint64_t lo, hi; } simd_vchg;
typedef struct simd_xchg { int n; uint64_t v; } simd_xchg;
typedef struct simd_mchg { uint64_t addr, v; } simd_mchg;
typedef struct simd_case {
    const char *group, *src;
    uint64_t fpsr;
    simd_vchg v[33];
    simd_xchg x[33];
    simd_mchg mem[SIMD_DATA_LEN / 8 + 1];
} simd_case;

static const simd_case simd_cases[] = {
#include "simd_expect.h"
};

static uint64_t simd_splitmix(uint64_t i)
{
    uint64_t z = i * 0x9E3779B97F4A7C15ull + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* simd_expect.py's init_state(). */
static void simd_init_v(int i, uint64_t out[2])
{
    static const uint64_t special[5][2] = {
        {0x8000000000000000ull, 0x7FFFFFFFFFFFFFFFull}, {0x80007FFF00010000ull, 0xFFFF7F80017F80FFull},
        {0x7FFFFFFF80000000ull, 0x00000001FFFFFFFFull}, {0x0F0E0D0C0B0A0908ull, 0x1716151413121110ull},
        {0x0001000200030004ull, 0x7F7F80800000FFFFull}};
    if (i < 5) {
        out[0] = special[i][0];
        out[1] = special[i][1];
    } else {
        out[0] = simd_splitmix(2 * (uint64_t)i);
        out[1] = simd_splitmix(2 * (uint64_t)i + 1);
    }
}

/* Runs every case of `group`; returns how many ran. */
static int simd_run_group(const char *group)
{
    int ran = 0;
    for (size_t c = 0; c < sizeof simd_cases / sizeof simd_cases[0]; c++) {
        const simd_case *k = &simd_cases[c];
        if (strcmp(k->group, group)) continue;
        ran++;
        size_t n;
        char *src = malloc(strlen(k->src) + 16);
        sprintf(src, "%s\nhlt #0\n", k->src);
        uint8_t *code = asm_bytes(src, &n);
        free(src);
        agpu_machine *m = test_machine(1, 1u << 20, 0, 0);
        assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
        free(code);
        uint64_t v[32][2], x[32], want_v[32][2], want_x[32];
        uint8_t data[SIMD_DATA_LEN], want_mem[SIMD_DATA_LEN], got_mem[SIMD_DATA_LEN];
        for (int i = 0; i < 32; i++) {
            simd_init_v(i, v[i]);
            assert_int_equal(agpu_set_vreg(m, 0, (uint32_t)i, v[i]), AGPU_OK);
        }
        for (int i = 0; i < 31; i++) {
            x[i] = simd_splitmix(100 + (uint64_t)i);
            set_reg(m, 0, (agpu_reg)i, x[i]);
        }
        x[31] = 0x80000;
        set_reg(m, 0, AGPU_REG_SP, x[31]);
        set_reg(m, 0, AGPU_REG_FPSR, 0);
        for (uint32_t i = 0; i < SIMD_DATA_LEN / 8; i++) {
            uint64_t w = simd_splitmix(1000 + i);
            memcpy(data + 8 * i, &w, 8);
        }
        assert_int_equal(agpu_write_memory(m, 0, SIMD_DATA, data, sizeof data), AGPU_OK);
        memcpy(want_v, v, sizeof v);
        memcpy(want_x, x, sizeof x);
        memcpy(want_mem, data, sizeof data);
        for (int i = 0; k->v[i].n >= 0; i++) {
            want_v[k->v[i].n][0] = k->v[i].lo;
            want_v[k->v[i].n][1] = k->v[i].hi;
        }
        for (int i = 0; k->x[i].n >= 0; i++) want_x[k->x[i].n] = k->x[i].v;
        for (int i = 0; k->mem[i].addr; i++) memcpy(want_mem + (k->mem[i].addr - SIMD_DATA), &k->mem[i].v, 8);

        agpu_lane_result r;
        exec_ok(m, 100000, &r);
        if (r.stop.reason != AGPU_STOP_HALT) {
            char buf[160];
            agpu_format_stop(&r.stop, r.pc, buf, sizeof buf);
            fail_msg("case %zu (%s): expected HALT, got %s\n%s", c, group, buf, k->src);
        }
        int bad = 0;
        for (uint32_t i = 0; i < 32; i++) {
            uint64_t got[2];
            assert_int_equal(agpu_get_vreg(m, 0, i, got), AGPU_OK);
            if (got[0] != want_v[i][0] || got[1] != want_v[i][1]) {
                print_error("case %zu (%s): v%u = %016llx:%016llx, want %016llx:%016llx\n", c, group, i,
                            (unsigned long long)got[1], (unsigned long long)got[0],
                            (unsigned long long)want_v[i][1], (unsigned long long)want_v[i][0]);
                bad++;
            }
        }
        for (uint32_t i = 0; i < 32; i++) {
            uint64_t got = reg(m, 0, i == 31 ? AGPU_REG_SP : (agpu_reg)i);
            if (got != want_x[i]) {
                print_error("case %zu (%s): x%u = %016llx, want %016llx\n", c, group, i, (unsigned long long)got,
                            (unsigned long long)want_x[i]);
                bad++;
            }
        }
        if (reg(m, 0, AGPU_REG_FPSR) != k->fpsr) {
            print_error("case %zu (%s): fpsr = %llx, want %llx\n", c, group,
                        (unsigned long long)reg(m, 0, AGPU_REG_FPSR), (unsigned long long)k->fpsr);
            bad++;
        }
        assert_int_equal(agpu_read_memory(m, 0, SIMD_DATA, got_mem, sizeof got_mem), AGPU_OK);
        for (uint32_t i = 0; i < SIMD_DATA_LEN; i += 8) {
            if (memcmp(got_mem + i, want_mem + i, 8)) {
                uint64_t g, w;
                memcpy(&g, got_mem + i, 8);
                memcpy(&w, want_mem + i, 8);
                print_error("case %zu (%s): [0x%llx] = %016llx, want %016llx\n", c, group,
                            (unsigned long long)(SIMD_DATA + i), (unsigned long long)g, (unsigned long long)w);
                bad++;
            }
        }
        agpu_destroy(m);
        if (bad) fail_msg("case %zu (%s): %d differences from Unicorn\n%s", c, group, bad, k->src);
    }
    return ran;
}

#define SIMD_GROUP_TEST(fn, group)                       \
    static void fn(void **state)                         \
    {                                                    \
        (void)state;                                     \
        assert_true(simd_run_group(group) > 0);          \
    }

#endif

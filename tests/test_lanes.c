/*
 * Many lanes: 4096 lanes with different inputs run one program and each
 * gets its own answer; registers, counts and stop records do not depend on
 * the number of host threads (DESIGN decision 5).
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#define LANES 4096u

/* Counts Collatz steps of x0 into x1, also summing the values seen into
 * shared memory slot x0 & 255 with LDADD.  x2 = 1 sends the lane to an
 * unmapped load first, x2 = 2 to a BRK. */
static const char *const program = ".arch armv8.1-a\n"
                                   "cmp x2, #1\n"
                                   "b.eq bad\n"
                                   "cmp x2, #2\n"
                                   "b.eq brk\n"
                                   "and x5, x0, #255\n"
                                   "mov x6, #0x8000\n"
                                   "add x6, x6, x5, lsl #3\n"
                                   "mov x1, #0\n"
                                   "mov x4, #0\n"
                                   "1: cmp x0, #1\n"
                                   "b.eq 3f\n"
                                   "add x4, x4, x0\n"
                                   "tbnz x0, #0, 2f\n"
                                   "lsr x0, x0, #1\n"
                                   "add x1, x1, #1\n"
                                   "b 1b\n"
                                   "2: add x0, x0, x0, lsl #1\n"
                                   "add x0, x0, #1\n"
                                   "add x1, x1, #1\n"
                                   "b 1b\n"
                                   "3: stadd x4, [x6]\n"
                                   "hlt #0\n"
                                   "bad: ldr x3, =0x123400000000\n"
                                   "ldr x3, [x3]\n"
                                   "hlt #1\n"
                                   "brk: brk #2\n";

static uint64_t input(uint32_t l) { return 1 + (uint64_t)l * 37 % 100003; }
static uint64_t kind(uint32_t l) { return l % 97 == 5 ? 1 : l % 89 == 3 ? 2 : 0; }

typedef struct snapshot {
    uint64_t gprs[LANES][32];
    uint64_t pc[LANES], nzcv[LANES], icount[LANES];
    agpu_lane_result res[2][LANES];
    uint8_t shared[256 * 8];
} snapshot;

static void run_with_threads(uint32_t threads, snapshot *out)
{
    agpu_config c;
    agpu_config_init(&c);
    c.num_lanes = LANES;
    c.shared_size = 1u << 20;
    c.backend = test_backend();
    c.num_threads = threads;
    agpu_machine *m = NULL;
    int rc = agpu_create(&c, &m);
    if (rc) fail_msg("agpu_create: %s", agpu_last_error(NULL));
    size_t n;
    uint8_t *code = asm_bytes(program, &n);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    static uint64_t x0[LANES], x2[LANES];
    for (uint32_t l = 0; l < LANES; l++) {
        x0[l] = input(l);
        x2[l] = kind(l);
    }
    assert_int_equal(agpu_set_reg_all(m, 0, x0), AGPU_OK);
    assert_int_equal(agpu_set_reg_all(m, 2, x2), AGPU_OK);
    /* A budget that cuts the longer runs short, then a second run to finish. */
    exec_ok(m, 1500, out->res[0]);
    exec_ok(m, 1000000, out->res[1]);
    for (uint32_t l = 0; l < LANES; l++) assert_int_equal(agpu_get_gprs(m, l, out->gprs[l]), AGPU_OK);
    assert_int_equal(agpu_get_reg_all(m, AGPU_REG_PC, out->pc), AGPU_OK);
    assert_int_equal(agpu_get_reg_all(m, AGPU_REG_NZCV, out->nzcv), AGPU_OK);
    assert_int_equal(agpu_get_reg_all(m, AGPU_REG_ICOUNT, out->icount), AGPU_OK);
    assert_int_equal(agpu_read_memory(m, 0, 0x8000, out->shared, sizeof out->shared), AGPU_OK);
    agpu_destroy(m);
}

static void lanes_compute_their_own_results(void **state)
{
    (void)state;
    snapshot *s = calloc(1, sizeof *s);
    run_with_threads(2, s);
    uint64_t sums[256] = {0};
    uint32_t cut = 0, faults = 0, breaks = 0;
    for (uint32_t l = 0; l < LANES; l++) {
        const agpu_lane_result *first = &s->res[0][l], *last = &s->res[1][l];
        if (kind(l) == 1) {
            faults++;
            assert_int_equal(first->stop.reason, AGPU_STOP_FAULT);
            assert_int_equal(first->stop.address, 0x123400000000ull);
            assert_int_equal(first->stop.access, AGPU_ACCESS_READ);
            /* a faulting instruction does not retire: the lane faults again */
            assert_int_equal(last->stop.reason, AGPU_STOP_FAULT);
            assert_int_equal(last->instructions, 0);
            continue;
        }
        if (kind(l) == 2) {
            breaks++;
            assert_int_equal(first->stop.reason, AGPU_STOP_BREAK);
            assert_int_equal(first->stop.imm, 2);
            assert_int_equal(first->instructions, 4);
            continue;
        }
        /* The reference: Collatz steps and the sum of values before 1. */
        uint64_t x = input(l), steps = 0, sum = 0;
        while (x != 1) {
            sum += x;
            x = (x & 1) ? 3 * x + 1 : x / 2;
            steps++;
        }
        sums[input(l) & 255] += sum;
        assert_int_equal(s->gprs[l][1], steps);
        assert_int_equal(s->gprs[l][4], sum);
        assert_int_equal(s->gprs[l][0], 1);
        assert_int_equal(last->stop.reason, AGPU_STOP_HALT);
        uint64_t total = first->instructions + last->instructions;
        assert_int_equal(s->icount[l], total);
        if (first->stop.reason == AGPU_STOP_MAX_CYCLES) {
            cut++;
            assert_int_equal(first->instructions, 1500);
        } else {
            assert_int_equal(first->stop.reason, AGPU_STOP_HALT);
            assert_int_equal(last->instructions, 0);
        }
    }
    /* The inputs exercise every path. */
    assert_true(cut > 0 && cut < LANES);
    assert_true(faults > 0 && breaks > 0);
    for (int i = 0; i < 256; i++) {
        uint64_t v = 0;
        for (int b = 7; b >= 0; b--) v = (v << 8) | s->shared[8 * i + b];
        assert_int_equal(v, sums[i]);
    }
    free(s);
}

static void results_do_not_depend_on_threads(void **state)
{
    (void)state;
    static const uint32_t threads[] = {1, 2, 7};
    snapshot *ref = calloc(1, sizeof *ref), *s = calloc(1, sizeof *s);
    run_with_threads(threads[0], ref);
    for (int t = 1; t < 3; t++) {
        memset(s, 0, sizeof *s);
        run_with_threads(threads[t], s);
        for (uint32_t l = 0; l < LANES; l++) {
            if (memcmp(s->gprs[l], ref->gprs[l], sizeof s->gprs[l]) ||
                memcmp(&s->res[0][l], &ref->res[0][l], sizeof s->res[0][l]) ||
                memcmp(&s->res[1][l], &ref->res[1][l], sizeof s->res[1][l]) || s->pc[l] != ref->pc[l] ||
                s->nzcv[l] != ref->nzcv[l] || s->icount[l] != ref->icount[l])
                fail_msg("lane %u differs between 1 and %u threads", l, threads[t]);
        }
        assert_memory_equal(s->shared, ref->shared, sizeof s->shared);
    }
    free(ref);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lanes_compute_their_own_results),
        cmocka_unit_test(results_do_not_depend_on_threads),
    };
    return harness_run_tests(tests);
}

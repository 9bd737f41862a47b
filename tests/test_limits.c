/*
 * test_limits.c - absurd sizes and budgets end as clear errors, and a lane
 * left looping forever can be stopped: lane counts and region sizes past
 * the limits, sizes whose product overflows, allocations no host can give,
 * budgets of 0 and 2^64-1, and agpu_interrupt() from another thread and
 * from a signal handler.  After each failure the process (and the machine)
 * keeps working.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifdef UNDER_ASAN
/* Allocations past what the host can give must come back as NULL, as they
 * do without ASan, so the library can report AGPU_ERR_OUT_OF_MEMORY. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
#endif

static int create_cfg(uint32_t lanes, uint64_t shared, uint64_t pbase, uint64_t psize, agpu_machine **m)
{
    agpu_config c;
    agpu_config_init(&c);
    c.num_lanes = lanes;
    c.shared_size = shared;
    c.private_base = pbase;
    c.private_size = psize;
    c.backend = test_backend();
    *m = (agpu_machine *)&c; /* must be reset to NULL on failure */
    return agpu_create(&c, m);
}

/* The process still makes and runs machines. */
static void still_works(void)
{
    agpu_lane_result r;
    agpu_machine *m = run_snippet("mov x0, #41\nadd x0, x0, #1\nhlt #0\n", 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 0), 42);
    agpu_destroy(m);
}

/* needle: a value the message must name; "a|b" accepts either (the cpu
 * backend names the lane count, the cuda backend the bytes in all). */
static int names(const char *msg, const char *needle)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", needle);
    for (char *tok = strtok(buf, "|"); tok; tok = strtok(NULL, "|"))
        if (strstr(msg, tok)) return 1;
    return 0;
}

static void expect_create_error(uint32_t lanes, uint64_t shared, uint64_t pbase, uint64_t psize, int want1,
                                int want2, const char *needle)
{
    agpu_machine *m;
    int rc = create_cfg(lanes, shared, pbase, psize, &m);
    const char *msg = agpu_last_error(NULL);
    print_message("    lanes %u shared %llu private %llu at 0x%llx: %s: %s\n", lanes,
                  (unsigned long long)shared, (unsigned long long)psize, (unsigned long long)pbase,
                  agpu_strerror(rc), msg);
    if (rc != want1 && rc != want2) fail_msg("agpu_create returned %d (%s)", rc, agpu_strerror(rc));
    assert_null(m);
    assert_true(msg[0] != 0);
    if (needle && !names(msg, needle)) fail_msg("message \"%s\" does not name %s", msg, needle);
    still_works();
}

static void lane_counts_out_of_range(void **state)
{
    (void)state;
    expect_create_error(0, 4096, 0, 0, AGPU_ERR_INVALID_ARGUMENT, 0, "num_lanes 0");
    expect_create_error(AGPU_MAX_LANES + 1, 4096, 0, 0, AGPU_ERR_INVALID_ARGUMENT, 0, "16777217");
    expect_create_error(UINT32_MAX, 4096, 0, 0, AGPU_ERR_INVALID_ARGUMENT, 0, "4294967295");
}

static void region_sizes_out_of_range(void **state)
{
    (void)state;
    expect_create_error(1, 1ull << 63, 0, 0, AGPU_ERR_INVALID_ARGUMENT, 0, "9223372036854775808");
    expect_create_error(1, UINT64_MAX - 4095, 0, 0, AGPU_ERR_INVALID_ARGUMENT, 0, "18446744073709547520");
    expect_create_error(1, AGPU_MAX_REGION_SIZE + 4096, 0, 0, AGPU_ERR_INVALID_ARGUMENT, 0, NULL);
    expect_create_error(1, 4097, 0, 0, AGPU_ERR_INVALID_ARGUMENT, 0, "4097");
    expect_create_error(1, 0, 0, 0, AGPU_ERR_INVALID_ARGUMENT, 0, NULL);
    expect_create_error(1, 4096, 1ull << 20, 1ull << 63, AGPU_ERR_INVALID_ARGUMENT, 0, "9223372036854775808");
    expect_create_error(1, 4096, 1ull << 20, 100, AGPU_ERR_INVALID_ARGUMENT, 0, "100");
    /* Private region overlapping shared, unaligned, or running past 2^64. */
    expect_create_error(1, 8192, 4096, 4096, AGPU_ERR_INVALID_ARGUMENT, 0, "overlaps");
    expect_create_error(1, 4096, 0x100001, 4096, AGPU_ERR_INVALID_ARGUMENT, 0, "0x100001");
    expect_create_error(1, 4096, UINT64_MAX - 4095, 8192, AGPU_ERR_INVALID_ARGUMENT, 0, "2^64");
}

static void private_total_overflows(void **state)
{
    (void)state;
    /* 2^24 lanes x 2^40 bytes = 2^64: the product wraps to 0. */
    expect_create_error(AGPU_MAX_LANES, 4096, 1ull << 20, AGPU_MAX_REGION_SIZE, AGPU_ERR_OUT_OF_MEMORY,
                        AGPU_ERR_INVALID_ARGUMENT, "16777216|18446744073709551616");
    /* 2^24 lanes x 2^39 bytes = 2^63: no overflow, but no host has it. */
    expect_create_error(AGPU_MAX_LANES, 4096, 1ull << 20, 1ull << 39, AGPU_ERR_OUT_OF_MEMORY,
                        AGPU_ERR_INVALID_ARGUMENT, "16777216|9223372036854775808");
}

static void allocation_the_host_cannot_give(void **state)
{
    (void)state;
    /* 2^20 lanes x 2^32 bytes = 4 PiB, far past any x86-64 or AArch64 user
     * address space: must fail cleanly, whatever the overcommit policy. */
    expect_create_error(1u << 20, 4096, 1ull << 20, 1ull << 32, AGPU_ERR_OUT_OF_MEMORY, 0, "1048576|4503599627370496");
    /* The largest legal shared region (1 TiB): hosts with strict or
     * heuristic overcommit refuse it, others map it lazily.  Either way the
     * answer is clean. */
    agpu_machine *m;
    int rc = create_cfg(1, AGPU_MAX_REGION_SIZE, 0, 0, &m);
    print_message("    1 TiB shared: %s: %s\n", agpu_strerror(rc), rc ? agpu_last_error(NULL) : "created");
    if (rc == AGPU_OK) {
        uint32_t hlt = asm_word("hlt #1");
        assert_int_equal(agpu_load(m, AGPU_MAX_REGION_SIZE - 4, &hlt, 4), AGPU_OK);
        set_reg(m, 0, AGPU_REG_PC, AGPU_MAX_REGION_SIZE - 4);
        agpu_lane_result r;
        exec_ok(m, 10, &r);
        assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
        agpu_destroy(m);
    } else {
        assert_int_equal(rc, AGPU_ERR_OUT_OF_MEMORY);
        assert_null(m);
        assert_non_null(strstr(agpu_last_error(NULL), "1099511627776"));
    }
    still_works();
}

static void max_lanes(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    /* ASan poisons the shadow of every freed byte: 15 GB of lane state
     * would cost it 2 GB of shadow writes. */
    skip();
#else
    agpu_machine *m;
    int rc = create_cfg(AGPU_MAX_LANES, 4096, 0, 0, &m);
    print_message("    %u lanes: %s %s\n", AGPU_MAX_LANES, agpu_strerror(rc), rc ? agpu_last_error(NULL) : "");
    assert_true(rc == AGPU_OK || rc == AGPU_ERR_OUT_OF_MEMORY);
    if (rc == AGPU_OK) {
        assert_int_equal(agpu_num_lanes(m), AGPU_MAX_LANES);
        set_reg(m, AGPU_MAX_LANES - 1, AGPU_REG_X0 + 3, 77);
        assert_int_equal(reg(m, AGPU_MAX_LANES - 1, 3), 77);
        assert_int_equal(agpu_set_reg(m, AGPU_MAX_LANES, 3, 1), AGPU_ERR_LANE_RANGE);
        agpu_destroy(m);
    }
    still_works();
#endif
}

static void many_lanes_run(void **state)
{
    (void)state;
    const uint32_t n = 100000;
    agpu_machine *m = test_machine(n, 4096, 0, 0);
    uint32_t code[2] = {asm_word("add x0, x0, #1"), asm_word("hlt #3")};
    assert_int_equal(agpu_load(m, 0, code, sizeof code), AGPU_OK);
    agpu_lane_result *r = calloc(n, sizeof *r);
    assert_non_null(r);
    exec_ok(m, 10, r);
    for (uint32_t l = 0; l < n; l += 997) {
        assert_int_equal(r[l].stop.reason, AGPU_STOP_HALT);
        assert_int_equal(r[l].instructions, 1);
    }
    assert_int_equal(reg(m, n - 1, 0), 1);
    free(r);
    agpu_destroy(m);
}

/* ------------------------------------------------------------ budgets */

static void budget_zero(void **state)
{
    (void)state;
    agpu_machine *m = test_machine(3, 4096, 0, 0);
    uint32_t hlt = asm_word("hlt #0");
    assert_int_equal(agpu_load(m, 0, &hlt, 4), AGPU_OK);
    agpu_lane_result r[3];
    exec_ok(m, 0, r);
    for (int l = 0; l < 3; l++) {
        assert_int_equal(r[l].stop.reason, AGPU_STOP_MAX_CYCLES);
        assert_int_equal(r[l].instructions, 0);
        assert_int_equal(r[l].pc, 0);
    }
    assert_int_equal(reg(m, 0, AGPU_REG_ICOUNT), 0);
    agpu_destroy(m);
}

static void budget_max_runs_to_the_stop(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("movz x0, #50000\n1: subs x0, x0, #1\nb.ne 1b\nhlt #7\n", UINT64_MAX, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.instructions, 1 + 2 * 50000);
    assert_int_equal(reg(m, 0, AGPU_REG_ICOUNT), 1 + 2 * 50000);
    agpu_destroy(m);
}

static void budget_max_after_icount_near_wrap(void **state)
{
    (void)state;
    /* ICOUNT near 2^64: icount + budget wraps; the run still ends at the HLT. */
    size_t n;
    uint8_t *code = asm_bytes("nop\nnop\nhlt #1\n", &n);
    agpu_machine *m = test_machine(1, 4096, 0, 0);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    set_reg(m, 0, AGPU_REG_ICOUNT, UINT64_MAX - 1);
    agpu_lane_result r;
    exec_ok(m, UINT64_MAX, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.instructions, 2);
    assert_int_equal(reg(m, 0, AGPU_REG_ICOUNT), 0);
    agpu_destroy(m);
}

/* ------------------------------------------------------------ interrupt */

typedef struct interrupter {
    agpu_machine *m;
    struct timespec first;
} interrupter;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void *interrupt_later(void *arg)
{
    interrupter *it = arg;
    sleep_ms(200);
    clock_gettime(CLOCK_MONOTONIC, &it->first);
    /* Once: a request is kept until an execute consumes it.  Repeating it
     * could leave one for the resumed run in after_interrupt. */
    agpu_interrupt(it->m);
    return NULL;
}

static agpu_machine *looping_machine(uint32_t lanes)
{
    agpu_machine *m = test_machine_threads(lanes, 4096, 0, 0, 2);
    size_t n;
    uint8_t *code = asm_bytes("1: add x0, x0, #1\nb 1b\nhlt #9\n", &n);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    return m;
}

static void after_interrupt(agpu_machine *m, uint32_t lanes, const agpu_lane_result *r)
{
    for (uint32_t l = 0; l < lanes; l++) {
        assert_int_equal(r[l].stop.reason, AGPU_STOP_INTERRUPTED);
        assert_true(r[l].pc == 0 || r[l].pc == 4);
        assert_true(r[l].instructions > 0);
        /* The state is exact: X0 counts the ADDs retired. */
        uint64_t x0 = reg(m, l, 0), ic = reg(m, l, AGPU_REG_ICOUNT);
        assert_true(x0 == (ic + 1) / 2);
    }
    /* The next call resumes the loop exactly, for exactly its budget. */
    uint64_t ic0 = reg(m, 0, AGPU_REG_ICOUNT);
    agpu_lane_result *again = calloc(lanes, sizeof *again);
    exec_ok(m, 1000, again);
    assert_int_equal(again[0].stop.reason, AGPU_STOP_MAX_CYCLES);
    assert_int_equal(again[0].instructions, 1000);
    assert_int_equal(reg(m, 0, AGPU_REG_ICOUNT), ic0 + 1000);
    /* And the machine runs something else to its stop. */
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, 8), AGPU_OK);
    exec_ok(m, UINT64_MAX, again);
    for (uint32_t l = 0; l < lanes; l++) {
        assert_int_equal(again[l].stop.reason, AGPU_STOP_HALT);
        assert_int_equal(again[l].stop.imm, 9);
    }
    free(again);
}

static void interrupt_from_another_thread(void **state)
{
    (void)state;
    const uint32_t lanes = 4;
    agpu_machine *m = looping_machine(lanes);
    interrupter it = {m, {0, 0}};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, interrupt_later, &it), 0);
    agpu_lane_result r[4];
    int rc = agpu_execute(m, UINT64_MAX, r);
    double end = now_s();
    pthread_join(t, NULL);
    double first = (double)it.first.tv_sec + (double)it.first.tv_nsec * 1e-9;
    print_message("    returned %.3f s after the first interrupt: %s\n", end - first, agpu_last_error(m));
    assert_int_equal(rc, AGPU_ERR_INTERRUPTED);
    assert_true(end - first < 5.0);
    after_interrupt(m, lanes, r);
    agpu_destroy(m);
}

static agpu_machine *volatile alarm_machine;

static void on_alarm(int sig)
{
    (void)sig;
    agpu_interrupt(alarm_machine); /* async-signal-safe */
}

static void interrupt_from_signal_handler(void **state)
{
    (void)state;
    const uint32_t lanes = 3;
    agpu_machine *m = looping_machine(lanes);
    alarm_machine = m;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    /* One shot: a second alarm after the return would stop the resumed run. */
    struct itimerval tv = {{0, 0}, {0, 100000}}, off = {{0, 0}, {0, 0}};
    assert_int_equal(setitimer(ITIMER_REAL, &tv, NULL), 0);
    double start = now_s();
    agpu_lane_result r[3];
    int rc = agpu_execute(m, UINT64_MAX, r);
    double took = now_s() - start;
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    alarm_machine = NULL;
    print_message("    returned after %.3f s\n", took);
    assert_int_equal(rc, AGPU_ERR_INTERRUPTED);
    assert_true(took < 5.0);
    after_interrupt(m, lanes, r);
    agpu_destroy(m);
}

static void interrupt_before_execute_stops_it_at_once(void **state)
{
    (void)state;
    /* A request made while no execute runs (a Ctrl-C just before a long run
     * starts) stops the next one before any lane runs, and only that one. */
    const uint32_t lanes = 3;
    agpu_machine *m = looping_machine(lanes);
    agpu_lane_result r[3];
    exec_ok(m, 7, r); /* a stop record with something in it */
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, 8), AGPU_OK);
    exec_ok(m, 10, r);
    assert_int_equal(r[0].stop.reason, AGPU_STOP_HALT);
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, 0), AGPU_OK);
    uint64_t ic = reg(m, 0, AGPU_REG_ICOUNT), x0 = reg(m, 0, 0);
    agpu_interrupt(m);
    agpu_interrupt(m); /* two requests are one */
    assert_int_equal(agpu_execute(m, UINT64_MAX, r), AGPU_ERR_INTERRUPTED);
    for (uint32_t l = 0; l < lanes; l++) {
        assert_int_equal(r[l].instructions, 0);
        assert_int_equal(r[l].pc, 0);
        /* The record of a run that ran nothing: only the reason. */
        assert_int_equal(r[l].stop.reason, AGPU_STOP_INTERRUPTED);
        assert_int_equal(r[l].stop.imm, 0);
        assert_int_equal(r[l].stop.encoding, 0);
        agpu_stop st;
        assert_int_equal(agpu_get_stop(m, l, &st), AGPU_OK);
        assert_memory_equal(&st, &r[l].stop, sizeof st);
    }
    assert_int_equal(reg(m, 0, AGPU_REG_ICOUNT), ic);
    assert_int_equal(reg(m, 0, 0), x0);
    /* Consumed: the next call runs its whole budget. */
    exec_ok(m, 500, r);
    assert_int_equal(r[0].stop.reason, AGPU_STOP_MAX_CYCLES);
    assert_int_equal(r[0].instructions, 500);
    /* With budget 0 nothing would run: MAX_CYCLES, and the request is
     * still consumed. */
    agpu_interrupt(m);
    assert_int_equal(agpu_execute(m, 0, r), AGPU_ERR_INTERRUPTED);
    assert_int_equal(r[0].stop.reason, AGPU_STOP_MAX_CYCLES);
    exec_ok(m, 5, r);
    assert_int_equal(r[0].instructions, 5);
    agpu_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lane_counts_out_of_range),
        cmocka_unit_test(region_sizes_out_of_range),
        cmocka_unit_test(private_total_overflows),
        cmocka_unit_test(allocation_the_host_cannot_give),
        cmocka_unit_test(max_lanes),
        cmocka_unit_test(many_lanes_run),
        cmocka_unit_test(budget_zero),
        cmocka_unit_test(budget_max_runs_to_the_stop),
        cmocka_unit_test(budget_max_after_icount_near_wrap),
        cmocka_unit_test(interrupt_from_another_thread),
        cmocka_unit_test(interrupt_from_signal_handler),
        cmocka_unit_test(interrupt_before_execute_stops_it_at_once),
    };
    return harness_run_tests(tests);
}

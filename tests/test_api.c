/*
 * The public API (include/armgpu.h): every misuse gives a clear error code
 * and a message naming the bad value and leaves the machine usable; names
 * and formatting helpers; register access one lane and all lanes; resume
 * after a stop; agpu_interrupt from another thread.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void assert_contains(const char *haystack, const char *needle)
{
    if (!haystack || !strstr(haystack, needle))
        fail_msg("\"%s\" does not contain \"%s\"", haystack ? haystack : "(null)", needle);
}

/* The machine still runs a program correctly after a misuse. */
static void assert_usable(agpu_machine *m)
{
    size_t n;
    uint8_t *code = asm_bytes("add x9, x9, #5\nhlt #3\n", &n);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, 0), AGPU_OK);
    assert_int_equal(agpu_fill_reg(m, 9, 37), AGPU_OK);
    exec_ok(m, 10, NULL);
    for (uint32_t l = 0; l < agpu_num_lanes(m); l++) {
        agpu_stop st;
        assert_int_equal(agpu_get_stop(m, l, &st), AGPU_OK);
        assert_int_equal(st.reason, AGPU_STOP_HALT);
        assert_int_equal(st.imm, 3);
        assert_int_equal(reg(m, l, 9), 42);
    }
}

static int create_with(agpu_config c, agpu_machine **m)
{
    *m = (agpu_machine *)(uintptr_t)1;
    int rc = agpu_create(&c, m);
    if (rc != AGPU_OK) assert_null(*m);
    return rc;
}

static agpu_config base_config(void)
{
    agpu_config c;
    agpu_config_init(&c);
    c.backend = test_backend();
    c.shared_size = 1u << 20;
    return c;
}

static void config_defaults(void **state)
{
    (void)state;
    agpu_config c;
    memset(&c, 0xff, sizeof c);
    agpu_config_init(&c);
    assert_int_equal(c.num_lanes, 1);
    assert_int_equal(c.shared_size, 4u << 20);
    assert_int_equal(c.private_size, 0);
    assert_int_equal(c.private_base, 0);
    assert_int_equal(c.backend, AGPU_BACKEND_AUTO);
    assert_int_equal(c.num_threads, 0);
    agpu_config_init(NULL); /* no crash */
    agpu_machine *m;
    c.backend = test_backend();
    assert_int_equal(agpu_create(&c, &m), AGPU_OK);
    assert_int_equal(agpu_num_lanes(m), 1);
    assert_int_equal(agpu_shared_size(m), 4u << 20);
    assert_int_not_equal(agpu_machine_backend(m), AGPU_BACKEND_AUTO);
    /* Everything starts at zero with full permissions. */
    for (int r = 0; r < AGPU_REG_COUNT; r++) assert_int_equal(reg(m, 0, (agpu_reg)r), 0);
    uint32_t prot;
    assert_int_equal(agpu_get_protection(m, 0x123456, &prot), AGPU_OK);
    assert_int_equal(prot, AGPU_PROT_ALL);
    uint8_t buf[64], zero[64] = {0};
    assert_int_equal(agpu_read_memory(m, 0, (4u << 20) - 64, buf, 64), AGPU_OK);
    assert_memory_equal(buf, zero, 64);
    agpu_stop st;
    assert_int_equal(agpu_get_stop(m, 0, &st), AGPU_OK);
    assert_int_equal(st.reason, AGPU_STOP_NONE);
    assert_string_equal(agpu_version(), "0.1.0");
    agpu_destroy(m);
    agpu_destroy(NULL); /* a no-op */
}

static void bad_configs(void **state)
{
    (void)state;
    agpu_machine *m;
    agpu_config c;

    assert_int_equal(agpu_create(NULL, &m), AGPU_ERR_INVALID_ARGUMENT);
    assert_null(m);
    assert_contains(agpu_last_error(NULL), "cfg");
    c = base_config();
    assert_int_equal(agpu_create(&c, NULL), AGPU_ERR_INVALID_ARGUMENT);

    c = base_config();
    c.num_lanes = 0;
    assert_int_equal(create_with(c, &m), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(NULL), "num_lanes 0");

    c = base_config();
    c.num_lanes = AGPU_MAX_LANES + 1;
    assert_int_equal(create_with(c, &m), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(NULL), "16777217");

    c = base_config();
    c.shared_size = 4096 + 100;
    assert_int_equal(create_with(c, &m), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(NULL), "shared_size 4196");

    c = base_config();
    c.shared_size = AGPU_MAX_REGION_SIZE * 2;
    assert_int_equal(create_with(c, &m), AGPU_ERR_INVALID_ARGUMENT);

    c = base_config();
    c.private_base = 0x10000000;
    c.private_size = 4096 * 3 + 1;
    assert_int_equal(create_with(c, &m), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(NULL), "private_size 12289");

    c = base_config();
    c.private_base = 0x10000800;
    c.private_size = 4096;
    assert_int_equal(create_with(c, &m), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(NULL), "0x10000800");

    c = base_config(); /* private region inside the shared one */
    c.private_base = 0x80000;
    c.private_size = 4096;
    assert_int_equal(create_with(c, &m), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(NULL), "overlaps");

    c = base_config(); /* private region wrapping past 2^64 */
    c.private_base = 0xFFFFFFFFFFFFF000ull;
    c.private_size = 0x2000;
    assert_int_equal(create_with(c, &m), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(NULL), "wraps");

    c = base_config();
    c.shared_size = 0;
    c.private_size = 0;
    assert_int_equal(create_with(c, &m), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(NULL), "both 0");

    c = base_config();
    c.backend = (agpu_backend)7;
    assert_int_equal(create_with(c, &m), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(NULL), "backend 7");

    c = base_config();
    c.num_threads = 100000;
    assert_int_equal(create_with(c, &m), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(NULL), "100000");

    /* A good config clears the thread's last error. */
    c = base_config();
    assert_int_equal(create_with(c, &m), AGPU_OK);
    assert_string_equal(agpu_last_error(NULL), "");
    agpu_destroy(m);
}

static void backends(void **state)
{
    (void)state;
    char why[256];
    assert_int_equal(agpu_backend_available(AGPU_BACKEND_CPU, why, sizeof why), AGPU_OK);
    assert_int_equal(agpu_backend_available(AGPU_BACKEND_CPU, NULL, 0), AGPU_OK);
    assert_int_equal(agpu_backend_available(AGPU_BACKEND_AUTO, why, sizeof why), AGPU_OK);
    assert_contains(why, "auto picks");
    int cuda = agpu_backend_available(AGPU_BACKEND_CUDA, why, sizeof why);
    assert_int_equal(agpu_backend_available((agpu_backend)9, why, sizeof why), AGPU_ERR_INVALID_ARGUMENT);
    /* Truncation keeps the string terminated. */
    char tiny[4];
    memset(tiny, 'x', sizeof tiny);
    agpu_backend_available(AGPU_BACKEND_AUTO, tiny, sizeof tiny);
    assert_int_equal(tiny[3], 0);

    agpu_config c = base_config();
    c.backend = AGPU_BACKEND_CUDA;
    agpu_machine *m;
    int rc = create_with(c, &m);
    if (cuda == AGPU_OK) {
        assert_int_equal(rc, AGPU_OK);
        assert_int_equal(agpu_machine_backend(m), AGPU_BACKEND_CUDA);
        agpu_destroy(m);
    } else {
        assert_int_equal(cuda, AGPU_ERR_UNAVAILABLE);
        assert_true(strlen(why) > 0);
        assert_int_equal(rc, AGPU_ERR_UNAVAILABLE);
        assert_contains(agpu_last_error(NULL), "cuda");
        assert_true(strlen(agpu_last_error(NULL)) > strlen("cuda backend unavailable: "));
        /* auto falls back to cpu */
        c.backend = AGPU_BACKEND_AUTO;
        assert_int_equal(create_with(c, &m), AGPU_OK);
        assert_int_equal(agpu_machine_backend(m), AGPU_BACKEND_CPU);
        agpu_destroy(m);
    }
    c.backend = AGPU_BACKEND_CPU;
    assert_int_equal(create_with(c, &m), AGPU_OK);
    assert_int_equal(agpu_machine_backend(m), AGPU_BACKEND_CPU);
    agpu_destroy(m);

    agpu_backend b = (agpu_backend)99;
    assert_int_equal(agpu_backend_from_name("cpu", &b), AGPU_OK);
    assert_int_equal(b, AGPU_BACKEND_CPU);
    assert_int_equal(agpu_backend_from_name("cuda", &b), AGPU_OK);
    assert_int_equal(b, AGPU_BACKEND_CUDA);
    assert_int_equal(agpu_backend_from_name("auto", &b), AGPU_OK);
    assert_int_equal(b, AGPU_BACKEND_AUTO);
    assert_int_equal(agpu_backend_from_name("CPU ", &b), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_backend_from_name("metal", &b), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_backend_from_name("", &b), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_backend_from_name(NULL, &b), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_backend_from_name("cpu", NULL), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(b, AGPU_BACKEND_AUTO);
    assert_string_equal(agpu_backend_name(AGPU_BACKEND_AUTO), "auto");
    assert_string_equal(agpu_backend_name(AGPU_BACKEND_CPU), "cpu");
    assert_string_equal(agpu_backend_name(AGPU_BACKEND_CUDA), "cuda");
    assert_null(agpu_backend_name((agpu_backend)3));
    assert_null(agpu_backend_name((agpu_backend)-1));
}

static void names(void **state)
{
    (void)state;
    static const struct { int code; const char *name; } errs[] = {
        {AGPU_OK, "success"},
        {AGPU_ERR_INVALID_ARGUMENT, "invalid argument"},
        {AGPU_ERR_OUT_OF_MEMORY, "out of memory"},
        {AGPU_ERR_UNAVAILABLE, "backend unavailable"},
        {AGPU_ERR_LANE_RANGE, "lane out of range"},
        {AGPU_ERR_ADDRESS, "guest address out of range"},
        {AGPU_ERR_BACKEND, "backend failure"},
        {AGPU_ERR_INTERRUPTED, "interrupted"},
        {AGPU_ERR_STATE, "invalid machine state"},
    };
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++)
        assert_string_equal(agpu_strerror(errs[i].code), errs[i].name);
    /* Every code has its own name; unknown codes still get a string. */
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++)
        for (size_t j = i + 1; j < sizeof errs / sizeof errs[0]; j++)
            assert_string_not_equal(agpu_strerror(errs[i].code), agpu_strerror(errs[j].code));
    assert_non_null(agpu_strerror(-100));
    assert_non_null(agpu_strerror(5));

    static const char *const stops[] = {"NONE", "HALT", "SYSCALL", "BREAK", "FAULT",
                                        "UNDEFINED", "MAX_CYCLES", "EXITED", "INTERRUPTED"};
    for (uint32_t r = 0; r < 9; r++) assert_string_equal(agpu_stop_reason_name(r), stops[r]);
    assert_int_equal(AGPU_STOP_INTERRUPTED, 8);
    assert_null(agpu_stop_reason_name(9));
    assert_null(agpu_stop_reason_name(UINT32_MAX));

    char buf[16];
    for (int r = 0; r <= 30; r++) {
        snprintf(buf, sizeof buf, "x%d", r);
        assert_string_equal(agpu_reg_name((agpu_reg)r), buf);
    }
    assert_string_equal(agpu_reg_name(AGPU_REG_SP), "sp");
    assert_string_equal(agpu_reg_name(AGPU_REG_PC), "pc");
    assert_string_equal(agpu_reg_name(AGPU_REG_NZCV), "nzcv");
    assert_string_equal(agpu_reg_name(AGPU_REG_TPIDR_EL0), "tpidr_el0");
    assert_string_equal(agpu_reg_name(AGPU_REG_FPCR), "fpcr");
    assert_string_equal(agpu_reg_name(AGPU_REG_FPSR), "fpsr");
    assert_string_equal(agpu_reg_name(AGPU_REG_ICOUNT), "icount");
    assert_null(agpu_reg_name(AGPU_REG_COUNT));
    assert_null(agpu_reg_name((agpu_reg)-1));
}

static void format_stop(void **state)
{
    (void)state;
    char buf[160];
    agpu_stop st;
    memset(&st, 0, sizeof st);
    st.reason = AGPU_STOP_FAULT;
    st.access = AGPU_ACCESS_WRITE;
    st.cause = AGPU_FAULT_UNMAPPED;
    st.address = 0x10000;
    int n = agpu_format_stop(&st, 0x8, buf, sizeof buf);
    assert_int_equal(n, (int)strlen(buf));
    assert_contains(buf, "FAULT");
    assert_contains(buf, "write");
    assert_contains(buf, "0x10000");
    assert_contains(buf, "unmapped");
    assert_contains(buf, "pc 0x8");
    st.access = AGPU_ACCESS_FETCH;
    st.cause = AGPU_FAULT_ALIGNMENT;
    agpu_format_stop(&st, 0x1001, buf, sizeof buf);
    assert_contains(buf, "fetch");
    assert_contains(buf, "alignment");
    st.access = AGPU_ACCESS_READ;
    st.cause = AGPU_FAULT_PERMISSION;
    agpu_format_stop(&st, 0x1001, buf, sizeof buf);
    assert_contains(buf, "read");
    assert_contains(buf, "permission");

    memset(&st, 0, sizeof st);
    st.reason = AGPU_STOP_SYSCALL;
    st.imm = 0x80;
    agpu_format_stop(&st, 0x1234, buf, sizeof buf);
    assert_contains(buf, "SYSCALL");
    assert_contains(buf, "0x80");
    assert_contains(buf, "0x1234");
    st.reason = AGPU_STOP_UNDEFINED;
    st.encoding = 0xdeadbeef;
    agpu_format_stop(&st, 0x40, buf, sizeof buf);
    assert_contains(buf, "UNDEFINED");
    assert_contains(buf, "0xdeadbeef");
    st.reason = AGPU_STOP_MAX_CYCLES;
    agpu_format_stop(&st, 0x40, buf, sizeof buf);
    assert_contains(buf, "MAX_CYCLES");
    st.reason = 77;
    agpu_format_stop(&st, 0x40, buf, sizeof buf);
    assert_contains(buf, "77");
    assert_true(agpu_format_stop(NULL, 0, buf, sizeof buf) > 0);
    /* Truncation: returns the full length, writes a terminated prefix. */
    st.reason = AGPU_STOP_HALT;
    st.imm = 1;
    int full = agpu_format_stop(&st, 0x40, NULL, 0);
    assert_true(full > 8);
    memset(buf, 'x', sizeof buf);
    assert_int_equal(agpu_format_stop(&st, 0x40, buf, 5), full);
    assert_int_equal(strlen(buf), 4);
}

static void lane_register_and_address_misuse(void **state)
{
    (void)state;
    agpu_machine *m = test_machine(4, 1u << 20, 0x10000000, 0x10000);
    uint64_t v = 0, regs[32] = {0};
    uint8_t buf[16] = {0};
    agpu_stop st;

    /* NULL machine */
    assert_int_equal(agpu_get_reg(NULL, 0, AGPU_REG_X0, &v), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_set_reg(NULL, 0, AGPU_REG_X0, 1), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_get_reg_all(NULL, AGPU_REG_X0, regs), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_set_reg_all(NULL, AGPU_REG_X0, regs), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_fill_reg(NULL, AGPU_REG_X0, 1), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_get_gprs(NULL, 0, regs), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_set_gprs(NULL, 0, regs), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_write_memory(NULL, 0, 0, buf, 4), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_read_memory(NULL, 0, 0, buf, 4), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_load(NULL, 0, buf, 4), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_protect(NULL, 0, 4096, AGPU_PROT_ALL), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_get_protection(NULL, 0, (uint32_t *)buf), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_protect_lane(NULL, 0, 0, 4096, AGPU_PROT_ALL), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_get_protection_lane(NULL, 0, 0, (uint32_t *)buf), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_execute(NULL, 10, NULL), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_get_stop(NULL, 0, &st), AGPU_ERR_INVALID_ARGUMENT);
    assert_null(agpu_gpr_view(NULL, NULL));
    agpu_interrupt(NULL);
    assert_int_equal(agpu_num_lanes(NULL), 0);
    assert_int_equal(agpu_shared_size(NULL), 0);

    /* NULL pointers */
    assert_int_equal(agpu_get_reg(m, 0, AGPU_REG_X0, NULL), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(m), "NULL");
    assert_int_equal(agpu_get_reg_all(m, AGPU_REG_X0, NULL), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_set_reg_all(m, AGPU_REG_X0, NULL), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_get_gprs(m, 0, NULL), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_set_gprs(m, 0, NULL), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_write_memory(m, 0, 0, NULL, 4), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_read_memory(m, 0, 0, NULL, 4), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_get_protection(m, 0, NULL), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_get_protection_lane(m, 0, 0x10000000, NULL), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_get_stop(m, 0, NULL), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_write_memory(m, 0, 0, NULL, 0), AGPU_OK); /* nothing to copy */
    assert_usable(m);

    /* Lane out of range: the message names the lane and the count. */
    assert_int_equal(agpu_get_reg(m, 4, AGPU_REG_X0, &v), AGPU_ERR_LANE_RANGE);
    assert_contains(agpu_last_error(m), "lane 4");
    assert_contains(agpu_last_error(m), "4 lanes");
    assert_int_equal(agpu_set_reg(m, 70000, AGPU_REG_X0, 1), AGPU_ERR_LANE_RANGE);
    assert_contains(agpu_last_error(m), "lane 70000 out of range (machine has 4 lanes)");
    assert_int_equal(agpu_get_gprs(m, 4, regs), AGPU_ERR_LANE_RANGE);
    assert_int_equal(agpu_set_gprs(m, UINT32_MAX, regs), AGPU_ERR_LANE_RANGE);
    assert_int_equal(agpu_get_stop(m, 4, &st), AGPU_ERR_LANE_RANGE);
    assert_int_equal(agpu_write_memory(m, 4, 0x10000000, buf, 4), AGPU_ERR_LANE_RANGE);
    assert_int_equal(agpu_read_memory(m, 9, 0x10000000, buf, 4), AGPU_ERR_LANE_RANGE);
    assert_contains(agpu_last_error(m), "lane 9");
    assert_int_equal(agpu_protect_lane(m, 4, 0x10000000, 4096, AGPU_PROT_READ), AGPU_ERR_LANE_RANGE);
    assert_contains(agpu_last_error(m), "lane 4 out of range (machine has 4 lanes)");
    assert_int_equal(agpu_get_protection_lane(m, 5, 0x10000000, (uint32_t *)buf), AGPU_ERR_LANE_RANGE);
    assert_usable(m);

    /* Register out of range */
    assert_int_equal(agpu_get_reg(m, 0, AGPU_REG_COUNT, &v), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(m), "register 38");
    assert_int_equal(agpu_set_reg(m, 0, (agpu_reg)-1, 1), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_get_reg_all(m, (agpu_reg)100, regs), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(m), "register 100");
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_COUNT, 1), AGPU_ERR_INVALID_ARGUMENT);

    /* Addresses and protection */
    assert_int_equal(agpu_write_memory(m, 0, (1u << 20) - 2, buf, 4), AGPU_ERR_ADDRESS);
    assert_contains(agpu_last_error(m), "0xffffe");
    assert_int_equal(agpu_read_memory(m, 0, 0x20000000, buf, 4), AGPU_ERR_ADDRESS);
    assert_int_equal(agpu_read_memory(m, 0, UINT64_MAX - 1, buf, 4), AGPU_ERR_ADDRESS);
    assert_int_equal(agpu_load(m, 0x10000000 + 0x10000 - 8, buf, 16), AGPU_ERR_ADDRESS);
    assert_int_equal(agpu_protect(m, 100, 4096, AGPU_PROT_READ), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(m), "0x64");
    assert_int_equal(agpu_protect(m, 4096, 100, AGPU_PROT_READ), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_protect(m, 0, 4096, 8), AGPU_ERR_INVALID_ARGUMENT);
    assert_contains(agpu_last_error(m), "0x8");
    assert_int_equal(agpu_protect(m, (1u << 20) - 4096, 8192, AGPU_PROT_READ), AGPU_ERR_ADDRESS);
    assert_int_equal(agpu_protect(m, 0x30000000, 4096, AGPU_PROT_READ), AGPU_ERR_ADDRESS);
    uint32_t prot;
    assert_int_equal(agpu_get_protection(m, 0x20000000, &prot), AGPU_ERR_ADDRESS);
    assert_int_equal(agpu_protect(m, 0x10000000, 0x10000, AGPU_PROT_READ), AGPU_OK);
    assert_int_equal(agpu_get_protection(m, 0x1000ffff, &prot), AGPU_OK);
    assert_int_equal(prot, AGPU_PROT_READ);
    /* Failed protect calls changed nothing. */
    assert_int_equal(agpu_get_protection(m, (1u << 20) - 4096, &prot), AGPU_OK);
    assert_int_equal(prot, AGPU_PROT_ALL);
    assert_usable(m);
    agpu_destroy(m);
}

static void registers_one_lane_and_all(void **state)
{
    (void)state;
    enum { LANES = 5 };
    agpu_machine *m = test_machine(LANES, 1u << 20, 0, 0);
    /* Every register kind round-trips on one lane without touching others. */
    for (int r = 0; r < AGPU_REG_COUNT; r++) {
        uint64_t v = 0x0123456789abcdefull ^ ((uint64_t)r << 56);
        set_reg(m, 2, (agpu_reg)r, v);
        uint64_t want = v;
        if (r == AGPU_REG_NZCV) want = v & 0xF0000000ull;
        if (r == AGPU_REG_FPCR) want = v & 0x07C80000ull;
        if (r == AGPU_REG_FPSR) want = v & 0x0800009Full;
        assert_int_equal(reg(m, 2, (agpu_reg)r), want);
        assert_int_equal(reg(m, 1, (agpu_reg)r), 0);
        assert_int_equal(reg(m, 3, (agpu_reg)r), 0);
    }
    /* NZCV keeps bits 31..28 only. */
    set_reg(m, 0, AGPU_REG_NZCV, ~0ull);
    assert_int_equal(reg(m, 0, AGPU_REG_NZCV), 0xF0000000ull);
    set_reg(m, 0, AGPU_REG_NZCV, 0x0FFFFFFFull);
    assert_int_equal(reg(m, 0, AGPU_REG_NZCV), 0);
    set_reg(m, 0, AGPU_REG_NZCV, NZCV_Z | NZCV_C);
    assert_int_equal(reg(m, 0, AGPU_REG_NZCV), NZCV_Z | NZCV_C);
    /* FPCR/FPSR keep their writable bits (AHP DN FZ RMode FZ16; QC and the
     * cumulative flags). */
    set_reg(m, 0, AGPU_REG_FPCR, ~0ull);
    assert_int_equal(reg(m, 0, AGPU_REG_FPCR), (1u << 26) | (1u << 25) | (1u << 24) | (3u << 22) | (1u << 19));
    set_reg(m, 0, AGPU_REG_FPSR, ~0ull);
    assert_int_equal(reg(m, 0, AGPU_REG_FPSR), (1u << 27) | (1u << 7) | 0x1Fu);

    /* All lanes */
    for (int r = 0; r < AGPU_REG_COUNT; r++) {
        uint64_t in[LANES], out[LANES];
        for (int l = 0; l < LANES; l++) in[l] = ((uint64_t)l << 32) | (uint64_t)(r * 16) | 0xF0000000ull;
        assert_int_equal(agpu_set_reg_all(m, (agpu_reg)r, in), AGPU_OK);
        assert_int_equal(agpu_get_reg_all(m, (agpu_reg)r, out), AGPU_OK);
        for (int l = 0; l < LANES; l++) {
            uint64_t want = in[l];
            if (r == AGPU_REG_NZCV) want &= 0xF0000000ull;
            if (r == AGPU_REG_FPCR) want &= 0x07C80000ull;
            if (r == AGPU_REG_FPSR) want &= 0x0800009Full;
            assert_int_equal(out[l], want);
            assert_int_equal(reg(m, (uint32_t)l, (agpu_reg)r), want);
        }
        assert_int_equal(agpu_fill_reg(m, (agpu_reg)r, 0x60000000ull + (uint64_t)r), AGPU_OK);
        for (int l = 0; l < LANES; l++) {
            uint64_t want = 0x60000000ull + (uint64_t)r;
            if (r == AGPU_REG_NZCV) want &= 0xF0000000ull;
            if (r == AGPU_REG_FPCR) want &= 0x07C80000ull;
            if (r == AGPU_REG_FPSR) want &= 0x0800009Full;
            assert_int_equal(reg(m, (uint32_t)l, (agpu_reg)r), want);
        }
    }
    /* GPR blocks and the direct view: lane l's X0..X30,SP at base + l*stride. */
    uint64_t g[32], back[32];
    for (int i = 0; i < 32; i++) g[i] = 1000 + (uint64_t)i;
    assert_int_equal(agpu_set_gprs(m, 3, g), AGPU_OK);
    assert_int_equal(agpu_get_gprs(m, 3, back), AGPU_OK);
    assert_memory_equal(g, back, sizeof g);
    assert_int_equal(reg(m, 3, AGPU_REG_SP), 1031);
    assert_int_equal(reg(m, 3, 30), 1030);
    size_t stride = 0;
    uint64_t *view = agpu_gpr_view(m, &stride);
    if (agpu_machine_backend(m) == AGPU_BACKEND_CPU) {
        assert_non_null(view);
        assert_true(stride >= 32);
        for (int i = 0; i < 32; i++) assert_int_equal(view[3 * stride + (size_t)i], 1000 + (uint64_t)i);
        /* Writes through the view are seen by the API and by execute. */
        view[4 * stride + 7] = 0xabc;
        view[4 * stride + 31] = 0x8000;
        assert_int_equal(reg(m, 4, 7), 0xabc);
        assert_int_equal(reg(m, 4, AGPU_REG_SP), 0x8000);
        assert_int_equal(agpu_gpr_view(m, NULL), view);
    } else {
        assert_null(view);
        assert_contains(agpu_last_error(m), "backend");
    }
    agpu_destroy(m);
}

static void execute_results_and_resume(void **state)
{
    (void)state;
    agpu_machine *m = test_machine(2, 1u << 20, 0, 0);
    size_t n;
    uint8_t *code = asm_bytes("mov x0, #64\n"
                              "svc #0x42\n"
                              "add x1, x0, #1\n"
                              "brk #5\n"
                              "add x2, x1, #1\n"
                              "hlt #9\n",
                              &n);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    agpu_lane_result r[2];
    exec_ok(m, 100, r);
    for (int l = 0; l < 2; l++) {
        assert_int_equal(r[l].stop.reason, AGPU_STOP_SYSCALL);
        assert_int_equal(r[l].stop.imm, 0x42);
        assert_int_equal(r[l].pc, 8); /* past the SVC */
        assert_int_equal(r[l].instructions, 2);
    }
    /* The host serves the call: a different result per lane. */
    set_reg(m, 0, 0, 1000);
    set_reg(m, 1, 0, 2000);
    exec_ok(m, 100, NULL); /* results may be NULL */
    agpu_stop st;
    for (uint32_t l = 0; l < 2; l++) {
        assert_int_equal(agpu_get_stop(m, l, &st), AGPU_OK);
        assert_int_equal(st.reason, AGPU_STOP_BREAK);
        assert_int_equal(st.imm, 5);
        assert_int_equal(reg(m, l, AGPU_REG_PC), 12); /* on the BRK */
        assert_int_equal(reg(m, l, 1), 1001 + 1000 * l);
    }
    /* BRK does not retire: resuming stops on it again until the host moves on. */
    exec_ok(m, 100, r);
    assert_int_equal(r[0].stop.reason, AGPU_STOP_BREAK);
    assert_int_equal(r[0].instructions, 0);
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, 16), AGPU_OK);
    exec_ok(m, 100, r);
    assert_int_equal(r[1].stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r[1].stop.imm, 9);
    assert_int_equal(r[1].instructions, 1);
    assert_int_equal(reg(m, 1, 2), 2002);
    assert_int_equal(reg(m, 1, AGPU_REG_ICOUNT), 4);
    /* Budget 0: every lane stops at once. */
    exec_ok(m, 0, r);
    assert_int_equal(r[0].stop.reason, AGPU_STOP_MAX_CYCLES);
    assert_int_equal(r[0].instructions, 0);
    agpu_destroy(m);
}

static void unlimited_budget_with_a_program_that_halts(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("ldr x0, =300000\n"
                                  "1: subs x0, x0, #1\n"
                                  "b.ne 1b\n"
                                  "hlt #0\n",
                                  UINT64_MAX, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.instructions, 1 + 2 * 300000);
    assert_int_equal(reg(m, 0, AGPU_REG_ICOUNT), 1 + 2 * 300000);
    agpu_destroy(m);
}

/* ---------------------------------------------------------------- interrupt */

#define SPIN_ITERS 5000000ull

static void *interrupt_soon(void *arg)
{
    struct timespec first = {0, 5000000}; /* 5 ms */
    nanosleep(&first, NULL);
    /* Once: a request is kept until an execute consumes it. */
    agpu_interrupt(arg);
    return NULL;
}

/* x2 = x2 * 3 + x1 (mod 2^64), x1 counting down from SPIN_ITERS. */
static const char *const spin_src = "ldr x1, =5000000\n"
                                    "1: add x3, x2, x2, lsl #1\n"
                                    "add x2, x3, x1\n"
                                    "subs x1, x1, #1\n"
                                    "b.ne 1b\n"
                                    "hlt #0\n";

static void interrupt_from_another_thread(void **state)
{
    (void)state;
    enum { LANES = 2 };
    agpu_config c;
    agpu_config_init(&c);
    c.num_lanes = LANES;
    c.shared_size = 1u << 20;
    c.backend = test_backend();
    c.num_threads = 2;
    agpu_machine *m = NULL;
    assert_int_equal(agpu_create(&c, &m), AGPU_OK);
    size_t n;
    uint8_t *code = asm_bytes(spin_src, &n);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    uint64_t seeds[LANES] = {7, 0x123456789ull};
    assert_int_equal(agpu_set_reg_all(m, 2, seeds), AGPU_OK);

    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, interrupt_soon, m), 0);
    agpu_lane_result r[LANES];
    int rc = agpu_execute(m, UINT64_MAX, r);
    pthread_join(tid, NULL);
    assert_int_equal(rc, AGPU_ERR_INTERRUPTED);
    assert_contains(agpu_last_error(m), "interrupt");
    uint64_t done[LANES];
    for (int l = 0; l < LANES; l++) {
        assert_int_equal(r[l].stop.reason, AGPU_STOP_INTERRUPTED);
        /* A lane may not have started when the flag was seen: no progress
         * is a valid outcome, only a finished lane would be wrong. */
        assert_true(r[l].instructions < 1 + 4 * SPIN_ITERS);
        assert_true(r[l].pc <= 16);
        assert_int_equal(reg(m, (uint32_t)l, AGPU_REG_ICOUNT), r[l].instructions);
        done[l] = r[l].instructions;
        agpu_stop st;
        assert_int_equal(agpu_get_stop(m, (uint32_t)l, &st), AGPU_OK);
        assert_int_equal(st.reason, AGPU_STOP_INTERRUPTED);
    }
    /* A further execute resumes exactly where the lanes were. */
    exec_ok(m, UINT64_MAX, r);
    for (int l = 0; l < LANES; l++) {
        assert_int_equal(r[l].stop.reason, AGPU_STOP_HALT);
        assert_int_equal(done[l] + r[l].instructions, 1 + 4 * SPIN_ITERS);
        uint64_t x2 = seeds[l];
        for (uint64_t x1 = SPIN_ITERS; x1 > 0; x1--) x2 = x2 * 3 + x1;
        assert_int_equal(reg(m, (uint32_t)l, 2), x2);
        assert_int_equal(reg(m, (uint32_t)l, 1), 0);
        assert_int_equal(reg(m, (uint32_t)l, AGPU_REG_ICOUNT), 1 + 4 * SPIN_ITERS);
    }
    /* An interrupt before execute stops that execute, and only that one. */
    agpu_interrupt(m);
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, 20), AGPU_OK);
    assert_int_equal(agpu_execute(m, 10, r), AGPU_ERR_INTERRUPTED);
    assert_int_equal(r[0].stop.reason, AGPU_STOP_INTERRUPTED);
    assert_int_equal(r[0].instructions, 0);
    exec_ok(m, 10, r);
    assert_int_equal(r[0].stop.reason, AGPU_STOP_HALT);
    agpu_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_defaults),
        cmocka_unit_test(bad_configs),
        cmocka_unit_test(backends),
        cmocka_unit_test(names),
        cmocka_unit_test(format_stop),
        cmocka_unit_test(lane_register_and_address_misuse),
        cmocka_unit_test(registers_one_lane_and_all),
        cmocka_unit_test(execute_results_and_resume),
        cmocka_unit_test(unlimited_budget_with_a_program_that_halts),
        cmocka_unit_test(interrupt_from_another_thread),
    };
    return harness_run_tests(tests);
}

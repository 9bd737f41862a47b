/*
 * test_linux.c - the Linux program layer through its C API: ELF checks
 * (every malformed file refused with a reason, never a crash, fuzzed),
 * per-lane argv and stdin, deterministic randomness, syscall statistics,
 * page permissions per lane as Linux sets them, and the hwcaps.  The byte-for-byte comparisons with QEMU are
 * tests/programs/compare.py; the programs are built by
 * tests/programs/CMakeLists.txt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PROG(name) ARMGPU_BINARY_DIR "/tests/programs/" name

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s (built by tests/programs)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static agpu_linux_config cfg_for(uint32_t lanes)
{
    agpu_linux_config c;
    agpu_linux_config_init(&c);
    c.num_lanes = lanes;
    c.backend = test_backend();
    c.heap_size = 1 << 20;
    c.mmap_size = 8 << 20;
    c.stack_size = 256 << 10;
    return c;
}

/* Expects agpu_linux_create to refuse img with a message containing `needle`. */
static void refused(const uint8_t *img, size_t len, const char *needle)
{
    agpu_linux_config c = cfg_for(1);
    agpu_linux *p = (agpu_linux *)1;
    int rc = agpu_linux_create(img, len, "/t", &c, &p);
    assert_int_not_equal(rc, AGPU_OK);
    assert_null(p);
    const char *msg = agpu_last_error(NULL);
    if (!strstr(msg, needle)) fail_msg("message '%s' lacks '%s'", msg, needle);
}

static void test_refusals(void **state)
{
    (void)state;
    size_t len;
    uint8_t *elf = slurp(PROG("hello"), &len);
    uint8_t *b = malloc(len);

    refused((const uint8_t *)"#!/bin/sh\n", 10, "not an ELF");
    refused(elf, 40, "truncated");
    memcpy(b, elf, len), b[4] = 1;
    refused(b, len, "32-bit");
    memcpy(b, elf, len), b[5] = 2;
    refused(b, len, "little-endian");
    memcpy(b, elf, len), b[18] = 62, b[19] = 0;
    refused(b, len, "x86-64");
    memcpy(b, elf, len), b[16] = 1; /* ET_REL */
    refused(b, len, "not an executable");
    memcpy(b, elf, len), b[54] = 32;
    refused(b, len, "program header size");
    memcpy(b, elf, len), memset(b + 32, 0xff, 8); /* e_phoff far away */
    refused(b, len, "truncated");
    memcpy(b, elf, len), memset(b + 24, 0, 8); /* entry 0 */
    refused(b, len, "entry point");
    /* the file cut inside a segment */
    refused(elf, 200, "truncated");

    size_t dlen;
    uint8_t *dyn = slurp(PROG("hello-dynamic"), &dlen);
    refused(dyn, dlen, "PT_INTERP");
    free(dyn);
    free(b);
    free(elf);
}

/* Random corruption of headers: refused or run, never a crash. */
static void test_fuzz_headers(void **state)
{
    (void)state;
    size_t len;
    uint8_t *elf = slurp(PROG("hello"), &len);
    uint8_t *b = malloc(len);
    uint64_t s = 0x1234;
    int ran = 0;
    for (int iter = 0; iter < 400; iter++) {
        memcpy(b, elf, len);
        int edits = 1 + (int)((s = s * 6364136223846793005ull + 1442695040888963407ull) >> 61);
        for (int e = 0; e < edits; e++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = (size_t)(s >> 33) % (64 + 56 * 4); /* ELF header and first program headers */
            b[at] = (uint8_t)(s >> 20);
        }
        size_t cut = iter % 7 == 0 ? (size_t)(s >> 40) % len : len;
        agpu_linux_config c = cfg_for(1);
        c.backend = AGPU_BACKEND_CPU; /* corrupted sizes may ask for GiBs: host memory is lazy */
        agpu_linux *p = NULL;
        if (agpu_linux_create(b, cut, "/fuzz", &c, &p) == AGPU_OK) {
            agpu_linux_run(p, 20000);
            ran++;
            agpu_linux_destroy(p);
        } else {
            assert_true(strlen(agpu_last_error(NULL)) > 0);
        }
    }
    print_message("fuzz: %d of 400 corrupted files loaded and ran\n", ran);
    free(b);
    free(elf);
}

static agpu_linux *load(const char *path, uint32_t lanes)
{
    agpu_linux_config c = cfg_for(lanes);
    agpu_linux *p = NULL;
    if (agpu_linux_create_file(path, &c, &p)) fail_msg("%s", agpu_last_error(NULL));
    return p;
}

static void test_hello_lanes(void **state)
{
    (void)state;
    agpu_linux *p = load(PROG("hello-pie"), 4);
    assert_int_equal(agpu_linux_run(p, UINT64_MAX), AGPU_OK);
    for (uint32_t l = 0; l < 4; l++) {
        agpu_linux_result r;
        assert_int_equal(agpu_linux_result_of(p, l, &r), AGPU_OK);
        assert_int_equal(r.status, AGPU_LINUX_EXITED);
        assert_int_equal(r.exit_code, 0);
        assert_int_equal(r.out_len, 13);
        assert_memory_equal(r.out, "hello, world\n", 13);
        assert_int_equal(r.err_len, 0);
        assert_true(r.instructions > 0);
    }
    agpu_linux_result r;
    assert_int_equal(agpu_linux_result_of(p, 4, &r), AGPU_ERR_LANE_RANGE);
    const char *argv[] = {"x", NULL};
    assert_int_equal(agpu_linux_set_args(p, 0, argv), AGPU_ERR_STATE);
    agpu_linux_destroy(p);
}

static void test_args_and_stdin_per_lane(void **state)
{
    (void)state;
    agpu_linux *p = load(PROG("exitcode"), 3);
    const char *a0[] = {"exitcode", "17", NULL}, *a1[] = {"exitcode", "-", NULL};
    assert_int_equal(agpu_linux_set_args(p, AGPU_ALL_LANES, a0), AGPU_OK);
    assert_int_equal(agpu_linux_set_args(p, 1, a1), AGPU_OK);
    assert_int_equal(agpu_linux_set_args(p, 2, a1), AGPU_OK);
    assert_int_equal(agpu_linux_set_stdin(p, 1, "\x01\x02", 2), AGPU_OK);
    assert_int_equal(agpu_linux_set_stdin(p, 2, "\xff\xff", 2), AGPU_OK);
    assert_int_equal(agpu_linux_run(p, UINT64_MAX), AGPU_OK);
    static const int want[3] = {17, 3, 254};
    for (uint32_t l = 0; l < 3; l++) {
        agpu_linux_result r;
        agpu_linux_result_of(p, l, &r);
        assert_int_equal(r.status, AGPU_LINUX_EXITED);
        assert_int_equal(r.exit_code, want[l]);
        char msg[64];
        int n = snprintf(msg, sizeof msg, "exiting with %d\n", want[l]);
        assert_int_equal(r.err_len, (size_t)n);
        assert_memory_equal(r.err, msg, (size_t)n);
    }
    agpu_linux_destroy(p);
}

/* AT_RANDOM and getrandom: the same for the same seed and lane, different
 * across lanes and seeds. */
static void rand_run(uint64_t seed, char out[4][512])
{
    agpu_linux_config c = cfg_for(4);
    c.seed = seed;
    agpu_linux *p = NULL;
    assert_int_equal(agpu_linux_create_file(PROG("rand"), &c, &p), AGPU_OK);
    const char *argv[] = {"rand", "show", NULL};
    agpu_linux_set_args(p, AGPU_ALL_LANES, argv);
    assert_int_equal(agpu_linux_run(p, UINT64_MAX), AGPU_OK);
    for (uint32_t l = 0; l < 4; l++) {
        agpu_linux_result r;
        agpu_linux_result_of(p, l, &r);
        assert_int_equal(r.exit_code, 0);
        assert_true(r.out_len < 512);
        memcpy(out[l], r.out, r.out_len);
        out[l][r.out_len] = 0;
    }
    agpu_linux_destroy(p);
}

static void test_random_deterministic(void **state)
{
    (void)state;
    static char a[4][512], b[4][512], c[4][512];
    rand_run(0, a);
    rand_run(0, b);
    rand_run(1, c);
    for (int l = 0; l < 4; l++) {
        assert_string_equal(a[l], b[l]);
        assert_string_not_equal(a[l], c[l]);
        assert_non_null(strstr(a[l], "getrandom_16=16\n"));
        if (l) assert_string_not_equal(a[l], a[0]);
    }
}

static void test_stats_and_unknown(void **state)
{
    (void)state;
    agpu_linux *p = load(PROG("mem"), 2);
    assert_int_equal(agpu_linux_run(p, UINT64_MAX), AGPU_OK);
    size_t n = 0;
    assert_int_equal(agpu_linux_syscall_stats(p, NULL, 0, &n), AGPU_OK);
    assert_true(n > 3);
    agpu_linux_syscall_count *c = calloc(n, sizeof *c);
    assert_int_equal(agpu_linux_syscall_stats(p, c, n, &n), AGPU_OK);
    int saw_unknown = 0, saw_brk = 0;
    for (size_t i = 0; i < n; i++) {
        if (c[i].number == 999) saw_unknown = c[i].unknown && c[i].count == 2;
        if (c[i].number == 214) saw_brk = !c[i].unknown && c[i].count >= 2;
        if (i) assert_true(c[i].number > c[i - 1].number);
    }
    assert_true(saw_unknown);
    assert_true(saw_brk);
    assert_string_equal(agpu_linux_syscall_name(56), "openat");
    free(c);
    agpu_linux_destroy(p);
}

/* A budget stops lanes without ending them; the next run goes on. */
static void test_budget_resumes(void **state)
{
    (void)state;
    agpu_linux *p = load(PROG("cat"), 1);
    static uint8_t in[100000];
    for (size_t i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 13);
    agpu_linux_set_stdin(p, 0, in, sizeof in);
    assert_int_equal(agpu_linux_run(p, 5000), AGPU_OK);
    agpu_linux_result r;
    agpu_linux_result_of(p, 0, &r);
    assert_int_equal(r.status, AGPU_LINUX_RUNNING);
    assert_int_equal(agpu_linux_run(p, UINT64_MAX), AGPU_OK);
    agpu_linux_result_of(p, 0, &r);
    assert_int_equal(r.status, AGPU_LINUX_EXITED);
    assert_true(r.out_len > sizeof in);
    assert_memory_equal(r.out, in, sizeof in);
    agpu_linux_destroy(p);
}

static void test_interrupt_kept_for_the_next_slice(void **state)
{
    (void)state;
    /* An interrupt that lands while agpu_linux_run is between two slices
     * (serving a system call on the host) used to be dropped by the next
     * slice's agpu_execute; it stops the run, which then resumes exactly. */
    agpu_linux *p = load(PROG("cat"), 1);
    static uint8_t in[100000];
    for (size_t i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 7 + 1);
    agpu_linux_set_stdin(p, 0, in, sizeof in);
    assert_int_equal(agpu_linux_run(p, 5000), AGPU_OK);
    agpu_linux_result r;
    agpu_linux_result_of(p, 0, &r);
    uint64_t before = r.instructions;
    agpu_interrupt(agpu_linux_machine(p));
    assert_int_equal(agpu_linux_run(p, UINT64_MAX), AGPU_ERR_INTERRUPTED);
    agpu_linux_result_of(p, 0, &r);
    assert_int_equal(r.status, AGPU_LINUX_RUNNING);
    assert_int_equal(r.instructions, before);
    assert_int_equal(agpu_linux_run(p, UINT64_MAX), AGPU_OK);
    agpu_linux_result_of(p, 0, &r);
    assert_int_equal(r.status, AGPU_LINUX_EXITED);
    assert_int_equal(r.exit_code, 0);
    assert_true(r.out_len > sizeof in);
    assert_memory_equal(r.out, in, sizeof in);
    agpu_linux_destroy(p);
}

static void test_signals(void **state)
{
    (void)state;
    agpu_linux *p = load(PROG("fault"), 1);
    agpu_linux_run(p, UINT64_MAX);
    agpu_linux_result r;
    agpu_linux_result_of(p, 0, &r);
    assert_int_equal(r.status, AGPU_LINUX_SIGNALED);
    assert_int_equal(r.signal, 11);
    assert_int_equal(r.exit_code, 128 + 11);
    assert_int_equal(r.stop.reason, AGPU_STOP_FAULT);
    agpu_linux_destroy(p);
    p = load(PROG("abort"), 1);
    agpu_linux_run(p, UINT64_MAX);
    agpu_linux_result_of(p, 0, &r);
    assert_int_equal(r.signal, 6);
    assert_int_equal(r.stop.reason, AGPU_STOP_NONE);
    agpu_linux_destroy(p);
}

/* Page permissions are each lane's own, and mprotect, mmap and munmap set
 * them as Linux does: the facts prot prints are Linux 6.1's answers on arm64
 * (do_mprotect_pkey, arch_validate_prot, the arm64 protection map), not
 * QEMU's, which differ there (tests/programs/freestanding/prot.c). */
static void test_mprotect_as_linux(void **state)
{
    (void)state;
    agpu_linux *p = load(PROG("prot"), 1);
    assert_int_equal(agpu_linux_run(p, UINT64_MAX), AGPU_OK);
    agpu_linux_result r;
    assert_int_equal(agpu_linux_result_of(p, 0, &r), AGPU_OK);
    static const char want[] =
        "len0=0\n"
        "len0_bad_prot=0\n"
        "bti=-22\n"
        "mte=-22\n"
        "sem=0\n"
        "write_only=0\n"
        "write_only_syscall_reads=0\n"
        "write_only_loads=1\n"
        "write_only_syscall_writes=0\n"
        "exec_only=0\n"
        "exec_only_syscall_reads=0\n"
        "exec_only_syscall_writes=-14\n"
        "none=0\n"
        "none_syscall_reads=-14\n"
        "none_syscall_writes=-14\n"
        "munmap_last=0\n"
        "hole=-12\n"
        "before_hole_syscall_writes=-14\n"
        "before_hole_syscall_reads=0\n"
        "hole_syscall_reads=-14\n"
        "mremap_read_only_page=-14\n"
        "mremap_writable_page=0\n"
        "mremap_grown_page=0\n"
        "mremap_old_gone=1\n"
        "above_brk_syscall_writes=-14\n"
        "brk_grown_syscall_writes=0\n"
        "brk_shrunk_syscall_writes=-14\n"
        "stack_growsdown=0\n"
        "mmap_growsdown=-22\n"
        "code_same=0\n"
        "code_writable=-13\n"; /* Linux: 0; shared code has one table (docs/linux.md) */
    assert_int_equal(r.status, AGPU_LINUX_EXITED);
    assert_int_equal(r.exit_code, 0);
    if (r.out_len != sizeof want - 1 || memcmp(r.out, want, sizeof want - 1))
        fail_msg("prot printed:\n%.*s", (int)r.out_len, (const char *)r.out);
    agpu_linux_destroy(p);
}

/* Each lane (process) changes only its own pages: on one machine, lanes
 * fault on reads, writes and fetches their own mprotect forbade, and others
 * run code their own mmap or mprotect made executable. */
static void test_mprotect_per_lane(void **state)
{
    (void)state;
    static const char *const how[] = {"read", "write", "fetch", "exec", "mprotect-exec", "read"};
    enum { LANES = 6 };
    agpu_linux *p = load(PROG("prot"), LANES);
    for (uint32_t l = 0; l < LANES; l++) {
        const char *argv[] = {"prot", how[l], NULL};
        assert_int_equal(agpu_linux_set_args(p, l, argv), AGPU_OK);
    }
    assert_int_equal(agpu_linux_run(p, UINT64_MAX), AGPU_OK);
    for (uint32_t l = 0; l < LANES; l++) {
        agpu_linux_result r;
        assert_int_equal(agpu_linux_result_of(p, l, &r), AGPU_OK);
        if (!strcmp(how[l], "exec") || !strcmp(how[l], "mprotect-exec")) {
            assert_int_equal(r.status, AGPU_LINUX_EXITED);
            assert_int_equal(r.exit_code, !strcmp(how[l], "exec") ? 42 : 43);
            continue;
        }
        assert_int_equal(r.status, AGPU_LINUX_SIGNALED);
        assert_int_equal(r.signal, 11);
        assert_int_equal(r.exit_code, 128 + 11);
        assert_int_equal(r.stop.reason, AGPU_STOP_FAULT);
        assert_int_equal(r.stop.cause, AGPU_FAULT_PERMISSION);
        assert_int_equal(r.stop.access, !strcmp(how[l], "read")    ? AGPU_ACCESS_READ
                                        : !strcmp(how[l], "write") ? AGPU_ACCESS_WRITE
                                                                   : AGPU_ACCESS_FETCH);
        assert_int_equal(r.stop.address % AGPU_PAGE_SIZE, 0);
    }
    agpu_linux_destroy(p);
}

static void test_hwcaps(void **state)
{
    (void)state;
    uint64_t h, h2;
    agpu_linux_hwcaps(&h, &h2);
    assert_true(h & (1u << 7));                   /* CRC32: in the integer core */
    assert_true(h & (1u << 8));                   /* ATOMICS (LSE) */
    assert_false(h & ((1ull << 22) | (3ull << 30))); /* never SVE or pointer authentication */
    print_message("AT_HWCAP 0x%llx AT_HWCAP2 0x%llx\n", (unsigned long long)h, (unsigned long long)h2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_fuzz_headers),
        cmocka_unit_test(test_hello_lanes),
        cmocka_unit_test(test_args_and_stdin_per_lane),
        cmocka_unit_test(test_random_deterministic),
        cmocka_unit_test(test_stats_and_unknown),
        cmocka_unit_test(test_budget_resumes),
        cmocka_unit_test(test_interrupt_kept_for_the_next_slice),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_mprotect_as_linux),
        cmocka_unit_test(test_mprotect_per_lane),
        cmocka_unit_test(test_hwcaps),
    };
    return harness_run_tests(tests);
}

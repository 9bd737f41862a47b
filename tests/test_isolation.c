/*
 * test_isolation.c - a lane reaches only its own memory, as the rules allow
 * (DESIGN decision 3): no reads or writes outside the shared region and its
 * own private region, none into another lane's private region, no writes to
 * read-only pages, no fetches from non-executable ones; PC, SP and addresses
 * near 0, near region ends and wrapping past 2^64 all stop with the right
 * record, the faulting lane's state intact and every other lane unaffected.
 *
 * Layout: 64 KiB shared at 0 (code at 0x1000), private regions of 16 KiB
 * at 0x100000, nothing in between.  Lane 0 runs the case; lane 1 runs a
 * small program of its own; lane 2 halts at once and keeps a pattern in
 * its private memory that must survive.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#define SHARED 0x10000ull
#define PBASE 0x100000ull
#define PSIZE 0x4000ull
#define PEND (PBASE + PSIZE)
#define CODE 0x1000ull
#define TOP UINT64_MAX

typedef struct fcase {
    const char *src;              /* lane 0's code, loaded at CODE */
    uint64_t pc;                  /* lane 0's PC; 0 means CODE */
    int nregs;
    struct { int r; uint64_t v; } regs[4];
    uint64_t prot_addr, prot_len; /* an optional agpu_protect */
    uint32_t prot;
    uint32_t reason, access, cause;
    uint64_t address;
    uint64_t stop_pc;             /* 0 means CODE */
    uint64_t retired;             /* instructions lane 0 retires first */
} fcase;

static void fill_gprs(uint64_t g[32])
{
    for (int i = 0; i < 32; i++) g[i] = 0x1111111111111111ull * (uint64_t)(i % 15 + 1) + (uint64_t)i;
}

static void run_case(const fcase *fc)
{
    agpu_machine *m = test_machine(3, SHARED, PBASE, PSIZE);
    size_t n;
    uint8_t *code = asm_bytesf(&n, ".arch armv8.1-a\n%s", fc->src);
    assert_int_equal(agpu_load(m, CODE, code, n), AGPU_OK);
    free(code);
    /* Lane 1's own program and lane 2's halt. */
    uint8_t *other = asm_bytes("movz x5, #7\nadd x5, x5, #1\nstr x5, [x6]\nhlt #5\n", &n);
    assert_int_equal(agpu_load(m, 0x8000, other, n), AGPU_OK);
    free(other);
    uint32_t hlt6 = asm_word("hlt #6");
    assert_int_equal(agpu_load(m, 0x8100, &hlt6, 4), AGPU_OK);
    static uint8_t pattern[PSIZE], back[PSIZE];
    for (size_t i = 0; i < PSIZE; i++) pattern[i] = (uint8_t)(i * 31 + 7);
    assert_int_equal(agpu_write_memory(m, 2, PBASE, pattern, PSIZE), AGPU_OK);
    if (fc->prot_len) assert_int_equal(agpu_protect(m, fc->prot_addr, fc->prot_len, fc->prot), AGPU_OK);

    uint64_t g[32];
    fill_gprs(g);
    for (int i = 0; i < fc->nregs; i++) g[fc->regs[i].r] = fc->regs[i].v;
    assert_int_equal(agpu_set_gprs(m, 0, g), AGPU_OK);
    set_reg(m, 0, AGPU_REG_NZCV, NZCV_Z | NZCV_C);
    set_reg(m, 0, AGPU_REG_PC, fc->pc ? fc->pc : CODE);
    set_reg(m, 1, AGPU_REG_X0 + 6, PBASE + 8);
    set_reg(m, 1, AGPU_REG_PC, 0x8000);
    set_reg(m, 2, AGPU_REG_PC, 0x8100);

    /* Whole memory before, to see that a faulting access wrote nothing. */
    static uint8_t shared_before[SHARED], shared_after[SHARED];
    assert_int_equal(agpu_read_memory(m, 0, 0, shared_before, SHARED), AGPU_OK);

    agpu_lane_result r[3];
    exec_ok(m, 5000, r);
    char text[160];
    agpu_format_stop(&r[0].stop, r[0].pc, text, sizeof text);
    print_message("    lane 0: %s\n", text);
    assert_int_equal(r[0].stop.reason, fc->reason);
    if (fc->reason == AGPU_STOP_FAULT) {
        assert_int_equal(r[0].stop.access, fc->access);
        assert_int_equal(r[0].stop.cause, fc->cause);
        assert_int_equal(r[0].stop.address, fc->address);
    }
    assert_int_equal(r[0].pc, fc->stop_pc ? fc->stop_pc : CODE);
    assert_int_equal(r[0].instructions, fc->retired);

    /* The faulting lane's registers are as the retired instructions left
     * them: with none retired, exactly as set. */
    if (fc->retired == 0) {
        uint64_t now[32];
        assert_int_equal(agpu_get_gprs(m, 0, now), AGPU_OK);
        for (int i = 0; i < 32; i++) assert_int_equal(now[i], g[i]);
        assert_int_equal(reg(m, 0, AGPU_REG_NZCV), NZCV_Z | NZCV_C);
        assert_int_equal(agpu_read_memory(m, 0, 0, shared_after, SHARED), AGPU_OK);
        assert_memory_equal(shared_before, shared_after, SHARED);
    }
    /* Lane 1 ran its program; lane 2's private memory is untouched. */
    assert_int_equal(r[1].stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r[1].stop.imm, 5);
    assert_int_equal(reg(m, 1, 5), 8);
    uint64_t x;
    assert_int_equal(agpu_read_memory(m, 1, PBASE + 8, &x, 8), AGPU_OK);
    assert_int_equal(x, 8);
    assert_int_equal(r[2].stop.reason, AGPU_STOP_HALT);
    assert_int_equal(agpu_read_memory(m, 2, PBASE, back, PSIZE), AGPU_OK);
    assert_memory_equal(back, pattern, PSIZE);

    /* Resuming a non-retiring stop stops the same way again. */
    if (fc->reason != AGPU_STOP_SYSCALL) {
        agpu_lane_result again[3];
        exec_ok(m, 5000, again);
        assert_int_equal(again[0].stop.reason, fc->reason);
        assert_int_equal(again[0].stop.address, r[0].stop.address);
        assert_int_equal(again[0].pc, r[0].pc);
        assert_int_equal(again[0].instructions, 0);
    }
    agpu_destroy(m);
}

#define R(n, v) {n, (uint64_t)(v)}

/* ------------------------------------------------ outside the regions */

static void read_just_past_shared_end(void **state)
{
    (void)state;
    fcase c = {"ldr x0, [x1]", 0, 1, {R(1, SHARED)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED, SHARED, 0, 0};
    run_case(&c);
}

static void read_straddling_shared_end(void **state)
{
    (void)state;
    /* The first byte that fails is the region's end. */
    fcase c = {"ldr x0, [x1]", 0, 1, {R(1, SHARED - 4)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED, SHARED, 0, 0};
    run_case(&c);
}

static void write_between_regions(void **state)
{
    (void)state;
    fcase c = {"str x0, [x1]", 0, 1, {R(1, 0x80000)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_UNMAPPED, 0x80000, 0, 0};
    run_case(&c);
}

static void write_just_before_private(void **state)
{
    (void)state;
    fcase c = {"stp x2, x3, [x1]", 0, 1, {R(1, PBASE - 16)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_UNMAPPED, PBASE - 16, 0, 0};
    run_case(&c);
}

static void write_straddling_private_start(void **state)
{
    (void)state;
    fcase c = {"str x0, [x1]", 0, 1, {R(1, PBASE - 4)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_UNMAPPED, PBASE - 4, 0, 0};
    run_case(&c);
}

static void write_past_private_end(void **state)
{
    (void)state;
    /* Where the host keeps lane 1's private copy, were it reachable. */
    fcase c = {"str x0, [x1]", 0, 1, {R(1, PEND)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_UNMAPPED, PEND, 0, 0};
    run_case(&c);
}

static void write_straddling_private_end(void **state)
{
    (void)state;
    fcase c = {"stp x2, x3, [x1]", 0, 1, {R(1, PEND - 8)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_UNMAPPED, PEND, 0, 0};
    run_case(&c);
}

static void read_top_byte(void **state)
{
    (void)state;
    fcase c = {"ldrb w0, [x1]", 0, 1, {R(1, TOP)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED, TOP, 0, 0};
    run_case(&c);
}

static void ldp_wrapping_past_2_64(void **state)
{
    (void)state;
    fcase c = {"ldp x0, x2, [x1]", 0, 1, {R(1, 0xfffffffffffffff8ull)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED, 0xfffffffffffffff8ull, 0, 0};
    run_case(&c);
}

static void ldr_wrapping_into_shared(void **state)
{
    (void)state;
    /* Bytes 2^64-4 .. 2^64+3 would wrap onto shared address 0. */
    fcase c = {"ldr x0, [x1]", 0, 1, {R(1, 0xfffffffffffffffcull)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED, 0xfffffffffffffffcull, 0, 0};
    run_case(&c);
}

static void str_wrapping_offset(void **state)
{
    (void)state;
    /* Base in shared, offset wrapping the address round to the top. */
    fcase c = {"str x0, [x1, #-8]", 0, 1, {R(1, 0)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_UNMAPPED, 0xfffffffffffffff8ull, 0, 0};
    run_case(&c);
}

static void sp_near_zero_push(void **state)
{
    (void)state;
    /* A push below SP = 0: faults, and the pre-index writeback does not
     * happen. */
    fcase c = {"stp x29, x30, [sp, #-16]!", 0, 1, {R(31, 0)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_UNMAPPED, 0xfffffffffffffff0ull, 0, 0};
    run_case(&c);
}

static void post_index_load_faults_without_writeback(void **state)
{
    (void)state;
    fcase c = {"ldr x0, [x1], #8", 0, 1, {R(1, SHARED)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED, SHARED, 0, 0};
    run_case(&c);
}

/* ------------------------------------------------ private regions */

static void private_copies_are_separate(void **state)
{
    (void)state;
    agpu_machine *m = test_machine(4, SHARED, PBASE, PSIZE);
    size_t n;
    uint8_t *code = asm_bytes("str x0, [x1]\nldr x2, [x1]\nhlt #0\n", &n);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    for (uint32_t l = 0; l < 4; l++) {
        set_reg(m, l, 0, 0xabc0 + l);
        set_reg(m, l, 1, PBASE + 0x100);
    }
    agpu_lane_result r[4];
    exec_ok(m, 100, r);
    for (uint32_t l = 0; l < 4; l++) {
        assert_int_equal(r[l].stop.reason, AGPU_STOP_HALT);
        assert_int_equal(reg(m, l, 2), 0xabc0 + l);
        uint64_t v;
        assert_int_equal(agpu_read_memory(m, l, PBASE + 0x100, &v, 8), AGPU_OK);
        assert_int_equal(v, 0xabc0 + l);
    }
    agpu_destroy(m);
}

static void private_read_only_page(void **state)
{
    (void)state;
    fcase c = {"str x0, [x1]", 0, 1, {R(1, PBASE + 0x1010)}, PBASE + 0x1000, 0x1000, AGPU_PROT_READ,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_PERMISSION, PBASE + 0x1010, 0, 0};
    run_case(&c);
}

/* ------------------------------------------------ permissions */

static void write_read_only_page(void **state)
{
    (void)state;
    fcase c = {"str x0, [x1]", 0, 1, {R(1, 0x3008)}, 0x3000, 0x1000, AGPU_PROT_READ,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_PERMISSION, 0x3008, 0, 0};
    run_case(&c);
}

static void pair_straddling_into_read_only_writes_nothing(void **state)
{
    (void)state;
    /* 0x3000 page writable, 0x4000 read-only: the store's first failing
     * byte is 0x4000 and its writable half must not be written either. */
    fcase c = {"stp x2, x3, [x1]", 0, 1, {R(1, 0x3ff8)}, 0x4000, 0x1000, AGPU_PROT_READ,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_PERMISSION, 0x4000, 0, 0};
    run_case(&c);
}

static void read_unreadable_page(void **state)
{
    (void)state;
    fcase c = {"ldr w0, [x1]", 0, 1, {R(1, 0x3000)}, 0x3000, 0x1000, AGPU_PROT_WRITE,
               AGPU_STOP_FAULT, AGPU_ACCESS_READ, AGPU_FAULT_PERMISSION, 0x3000, 0, 0};
    run_case(&c);
}

static void atomic_on_read_only_page(void **state)
{
    (void)state;
    fcase c = {"ldadd x0, x2, [x1]", 0, 1, {R(1, 0x3000)}, 0x3000, 0x1000, AGPU_PROT_READ,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_PERMISSION, 0x3000, 0, 0};
    run_case(&c);
}

static void fetch_non_executable_page(void **state)
{
    (void)state;
    fcase c = {"br x1", 0, 1, {R(1, 0x5000)}, 0x5000, 0x1000, AGPU_PROT_READ | AGPU_PROT_WRITE,
               AGPU_STOP_FAULT, AGPU_ACCESS_FETCH, AGPU_FAULT_PERMISSION, 0x5000, 0x5000, 1};
    run_case(&c);
}

static void run_off_executable_page(void **state)
{
    (void)state;
    /* Code fills page 1 to its end; page 2 is not executable. */
    fcase c = {".fill 1024, 4, 0xd503201f", 0, 0, {{0, 0}}, 0x2000, 0x1000,
               AGPU_PROT_READ | AGPU_PROT_WRITE, AGPU_STOP_FAULT, AGPU_ACCESS_FETCH,
               AGPU_FAULT_PERMISSION, 0x2000, 0x2000, 1024};
    run_case(&c);
}

/* ------------------------------------------------ PC */

static void pc_at_zero(void **state)
{
    (void)state;
    /* Word 0 is zero: UDF #0, reported at PC 0 with nothing retired. */
    agpu_machine *m = test_machine(1, SHARED, 0, 0);
    agpu_lane_result r;
    exec_ok(m, 10, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_UNDEFINED);
    assert_int_equal(r.stop.encoding, 0);
    assert_int_equal(r.pc, 0);
    assert_int_equal(r.instructions, 0);
    agpu_destroy(m);
}

static void pc_runs_off_shared_end(void **state)
{
    (void)state;
    agpu_machine *m = test_machine(1, SHARED, 0, 0);
    uint32_t w = asm_word("nop");
    assert_int_equal(agpu_load(m, SHARED - 4, &w, 4), AGPU_OK);
    set_reg(m, 0, AGPU_REG_PC, SHARED - 4);
    agpu_lane_result r;
    exec_ok(m, 10, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_FAULT);
    assert_int_equal(r.stop.access, AGPU_ACCESS_FETCH);
    assert_int_equal(r.stop.cause, AGPU_FAULT_UNMAPPED);
    assert_int_equal(r.stop.address, SHARED);
    assert_int_equal(r.pc, SHARED);
    assert_int_equal(r.instructions, 1);
    agpu_destroy(m);
}

static void pc_runs_off_private_end(void **state)
{
    (void)state;
    agpu_machine *m = test_machine(2, SHARED, PBASE, PSIZE);
    uint32_t w = asm_word("nop");
    assert_int_equal(agpu_load(m, PEND - 4, &w, 4), AGPU_OK);
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, PEND - 4), AGPU_OK);
    agpu_lane_result r[2];
    exec_ok(m, 10, r);
    for (int l = 0; l < 2; l++) {
        assert_int_equal(r[l].stop.reason, AGPU_STOP_FAULT);
        assert_int_equal(r[l].stop.access, AGPU_ACCESS_FETCH);
        assert_int_equal(r[l].stop.cause, AGPU_FAULT_UNMAPPED);
        assert_int_equal(r[l].stop.address, PEND);
        assert_int_equal(r[l].instructions, 1);
    }
    agpu_destroy(m);
}

static void pc_at_top_of_address_space(void **state)
{
    (void)state;
    fcase c = {"nop", 0xfffffffffffffffcull, 0, {{0, 0}}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_FETCH, AGPU_FAULT_UNMAPPED, 0xfffffffffffffffcull,
               0xfffffffffffffffcull, 0};
    run_case(&c);
}

static void pc_misaligned(void **state)
{
    (void)state;
    fcase c = {"nop", CODE + 2, 0, {{0, 0}}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_FETCH, AGPU_FAULT_ALIGNMENT, CODE + 2, CODE + 2, 0};
    run_case(&c);
}

static void pc_misaligned_in_page_zero(void **state)
{
    (void)state;
    /* Regression (fuzz_exec): a PC of 0x1-0xffd with bit 0 set matched the
     * run loop's "no page yet" marker and fetched through a NULL page. */
    static const uint64_t pcs[] = {0x1, 0x701, 0xffd, 0x3, 0x5};
    for (size_t i = 0; i < sizeof pcs / sizeof pcs[0]; i++) {
        fcase c = {"nop", pcs[i], 0, {{0, 0}}, 0, 0, 0,
                   AGPU_STOP_FAULT, AGPU_ACCESS_FETCH, AGPU_FAULT_ALIGNMENT, pcs[i], pcs[i], 0};
        run_case(&c);
    }
}

static void branch_to_misaligned_target(void **state)
{
    (void)state;
    fcase c = {"br x1", 0, 1, {R(1, 0x701)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_FETCH, AGPU_FAULT_ALIGNMENT, 0x701, 0x701, 1};
    run_case(&c);
}

/* ------------------------------------------------ exclusives and atomics */

static void misaligned_ldxr(void **state)
{
    (void)state;
    fcase c = {"ldxr x0, [x1]", 0, 1, {R(1, 0x2004)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_READ, AGPU_FAULT_ALIGNMENT, 0x2004, 0, 0};
    run_case(&c);
}

static void misaligned_stxr(void **state)
{
    (void)state;
    fcase c = {"stxr w2, x0, [x1]", 0, 1, {R(1, 0x2002)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_ALIGNMENT, 0x2002, 0, 0};
    run_case(&c);
}

static void misaligned_ldaxp(void **state)
{
    (void)state;
    /* A 16-byte pair needs 16-byte alignment. */
    fcase c = {"ldaxp x0, x2, [x1]", 0, 1, {R(1, 0x2008)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_READ, AGPU_FAULT_ALIGNMENT, 0x2008, 0, 0};
    run_case(&c);
}

static void misaligned_exclusive_halfword(void **state)
{
    (void)state;
    fcase c = {"ldxrh w0, [x1]", 0, 1, {R(1, PBASE + 1)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_READ, AGPU_FAULT_ALIGNMENT, PBASE + 1, 0, 0};
    run_case(&c);
}

static void misaligned_cas_and_ldadd(void **state)
{
    (void)state;
    fcase a = {"casal x0, x2, [x1]", 0, 1, {R(1, 0x2001)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_ALIGNMENT, 0x2001, 0, 0};
    run_case(&a);
    fcase b = {"ldadd w0, w2, [x1]", 0, 1, {R(1, 0x2006)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_WRITE, AGPU_FAULT_ALIGNMENT, 0x2006, 0, 0};
    run_case(&b);
}

static void exclusive_at_top_of_address_space(void **state)
{
    (void)state;
    fcase c = {"ldxr x0, [x1]", 0, 1, {R(1, 0xfffffffffffffff8ull)}, 0, 0, 0,
               AGPU_STOP_FAULT, AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED, 0xfffffffffffffff8ull, 0, 0};
    run_case(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_just_past_shared_end),
        cmocka_unit_test(read_straddling_shared_end),
        cmocka_unit_test(write_between_regions),
        cmocka_unit_test(write_just_before_private),
        cmocka_unit_test(write_straddling_private_start),
        cmocka_unit_test(write_past_private_end),
        cmocka_unit_test(write_straddling_private_end),
        cmocka_unit_test(read_top_byte),
        cmocka_unit_test(ldp_wrapping_past_2_64),
        cmocka_unit_test(ldr_wrapping_into_shared),
        cmocka_unit_test(str_wrapping_offset),
        cmocka_unit_test(sp_near_zero_push),
        cmocka_unit_test(post_index_load_faults_without_writeback),
        cmocka_unit_test(private_copies_are_separate),
        cmocka_unit_test(private_read_only_page),
        cmocka_unit_test(write_read_only_page),
        cmocka_unit_test(pair_straddling_into_read_only_writes_nothing),
        cmocka_unit_test(read_unreadable_page),
        cmocka_unit_test(atomic_on_read_only_page),
        cmocka_unit_test(fetch_non_executable_page),
        cmocka_unit_test(run_off_executable_page),
        cmocka_unit_test(pc_at_zero),
        cmocka_unit_test(pc_runs_off_shared_end),
        cmocka_unit_test(pc_runs_off_private_end),
        cmocka_unit_test(pc_at_top_of_address_space),
        cmocka_unit_test(pc_misaligned),
        cmocka_unit_test(pc_misaligned_in_page_zero),
        cmocka_unit_test(branch_to_misaligned_target),
        cmocka_unit_test(misaligned_ldxr),
        cmocka_unit_test(misaligned_stxr),
        cmocka_unit_test(misaligned_ldaxp),
        cmocka_unit_test(misaligned_exclusive_halfword),
        cmocka_unit_test(misaligned_cas_and_ldadd),
        cmocka_unit_test(exclusive_at_top_of_address_space),
    };
    return harness_run_tests(tests);
}

/*
 * test_divergences.c - where libarmgpu and Unicorn differ, libarmgpu follows
 * the manual.  One test per entry of tests/difftest/known_divergences.md
 * (KD1..KD10), each checking the manual's result, never Unicorn's.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static agpu_machine *run_src(const char *src, agpu_lane_result *res) { return run_snippet(src, 100, res); }

/* KD1: FPCR.Len (18:16) and Stride (21:20) are RES0 where AArch32 is not
 * implemented (ARM ARM D17.2 FPCR); only AHP, DN, FZ, RMode, FZ16 stick. */
static void test_kd1_fpcr_res0(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_src("mov x0, #0xffffffff\nmsr fpcr, x0\nmrs x1, fpcr\nhlt #0", &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 1), 0x07C80000u);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 1) & 0x00370000u, 0);
    agpu_destroy(m);
}

/* KD2: FPSR bits 31:28 (AArch32 N, Z, C, V) are RES0 without AArch32
 * (ARM ARM D17.2 FPSR); QC and the cumulative flags stick. */
static void test_kd2_fpsr_res0(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_src("mov x0, #0xffffffff\nmsr fpsr, x0\nmrs x1, fpsr\nhlt #0", &r);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 1), 0x0800009Fu);
    agpu_destroy(m);
}

/* KD3: the counter and DC ZVA registers hold libarmgpu's documented values:
 * CNTVCT_EL0 counts retired instructions (DESIGN decision 5), CNTFRQ_EL0 is
 * 1 GHz, DCZID_EL0.DZP = 1 with BS = 4 (DC ZVA prohibited). */
static void test_kd3_counter_regs(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_src("nop\nnop\nmrs x0, cntvct_el0\nmrs x1, cntfrq_el0\nmrs x2, dczid_el0\nhlt #0", &r);
    assert_int_equal(reg(m, 0, AGPU_REG_X0), 2);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 1), 1000000000u);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 2), 0x14);
    agpu_destroy(m);
}

/* KD4: without FEAT_PAuth, XPACLRI is a hint that does nothing (ARM ARM C6.2
 * XPACLRI: "if !HavePACExt() then EndOfInstruction()" via the NOP hint space). */
static void test_kd4_xpaclri_nop(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_src("movz x30, #0xff00, lsl #48\nmovk x30, #0x1234\nxpaclri\nhlt #0", &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_true(reg(m, 0, AGPU_REG_X30) == 0xff00000000001234ull);
    agpu_destroy(m);
}

/* KD5: LDUMAX/LDSMIN and friends below 64 bits compare datasize-bit values
 * (ARM ARM C6.2 LDUMAX: "UInt(data) > UInt(value)" on datasize bits). */
static void test_kd5_atomic_minmax_width(void **state)
{
    (void)state;
    agpu_lane_result r;
    /* memory word 0xc7ffe9f3, Rs = 0xc12d9c76_3d23a99d: as 32-bit unsigned
     * values the memory one is larger, so LDUMAX leaves memory alone. */
    agpu_machine *m = run_src(".arch armv8.1-a\nmov x1, #0x1000\n"
                              "movz w2, #0xe9f3\nmovk w2, #0xc7ff, lsl #16\nstr w2, [x1]\n"
                              "movz x3, #0xa99d\nmovk x3, #0x3d23, lsl #16\nmovk x3, #0x9c76, lsl #32\n"
                              "movk x3, #0xc12d, lsl #48\n"
                              "ldumax w3, w4, [x1]\nldr w5, [x1]\n"
                              /* LDSMIN w: memory 0x7fffffff, Rs 0xffffffff_80000000: the
                               * signed 32-bit minimum is 0x80000000 */
                              "mov w6, #0x7fffffff\nstr w6, [x1, #8]\nmov x7, #0xffffffff80000000\n"
                              "add x8, x1, #8\nldsmin w7, w9, [x8]\nldr w10, [x8]\n"
                              /* LDUMIN b: Rs 0x100 is byte 0x00, smaller than 0x80 */
                              "mov w11, #0x80\nstrb w11, [x1, #16]\nmov x12, #0x100\nadd x13, x1, #16\n"
                              "lduminb w12, w14, [x13]\nldrb w15, [x13]\nhlt #0",
                              &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 4), 0xc7ffe9f3u);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 5), 0xc7ffe9f3u);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 9), 0x7fffffffu);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 10), 0x80000000u);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 14), 0x80);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 15), 0x00);
    agpu_destroy(m);
}

/* KD6: without FEAT_LSE2 a misaligned Load-Acquire/Store-Release raises an
 * Alignment fault whatever SCTLR.A says (ARM ARM B2.5.2); nothing changes. */
static void test_kd6_ordered_alignment(void **state)
{
    (void)state;
    const char *srcs[] = {"mov x1, #0x1001\nmov x0, #7\nldar x0, [x1]\nhlt #0",
                          "mov x1, #0x1002\nmov x0, #7\nstlr w0, [x1]\nhlt #0",
                          "mov x1, #0x1001\nmov x0, #7\nstlrh w0, [x1]\nhlt #0"};
    for (int i = 0; i < 3; i++) {
        agpu_lane_result r;
        agpu_machine *m = run_src(srcs[i], &r);
        assert_int_equal(r.stop.reason, AGPU_STOP_FAULT);
        assert_int_equal(r.stop.cause, AGPU_FAULT_ALIGNMENT);
        assert_int_equal(r.pc, 8);
        assert_int_equal(reg(m, 0, AGPU_REG_X0), 7);
        uint64_t v = 1;
        assert_int_equal(agpu_read_memory(m, 0, 0x1000, &v, 8), AGPU_OK);
        assert_true(v == 0);
        agpu_destroy(m);
    }
}

/* KD7: a misaligned store exclusive faults even when the monitor is closed:
 * AArch64.ExclusiveMonitorsPass() raises the Alignment fault before it
 * looks at the monitor (ARM ARM J1, shared/functions/exclusive). */
static void test_kd7_stxr_alignment(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_src("mov x1, #0x1004\nmov x2, #5\nclrex\nstxr w2, x0, [x1]\nhlt #0", &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_FAULT);
    assert_int_equal(r.stop.cause, AGPU_FAULT_ALIGNMENT);
    assert_int_equal(r.pc, 12);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 2), 5);
    agpu_destroy(m);
}

/* KD8: a store that faults on part of its bytes writes none of them
 * (libarmgpu's choice; the manual leaves such memory UNKNOWN, so Unicorn's
 * partial write is allowed too). */
static void test_kd8_faulting_store_writes_nothing(void **state)
{
    (void)state;
    agpu_lane_result r;
    /* run_snippet's machine has 1 MiB: 0xffffc + 8 crosses its end. */
    agpu_machine *m = run_src("mov x1, #0xfffc\nmovk x1, #0xf, lsl #16\nmov x0, #-1\nstr x0, [x1]\nhlt #0", &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_FAULT);
    assert_int_equal(r.stop.cause, AGPU_FAULT_UNMAPPED);
    uint32_t v = 1;
    assert_int_equal(agpu_read_memory(m, 0, 0xffffc, &v, 4), AGPU_OK);
    assert_int_equal(v, 0);
    agpu_destroy(m);
}

/* KD9: a store exclusive pair that faults changes nothing: PC stays on it
 * and the status register keeps its value (a precise synchronous exception;
 * ARM ARM D1 "exception entry": the faulting instruction does not retire). */
static void test_kd9_stxp_fault_is_precise(void **state)
{
    (void)state;
    size_t len;
    uint8_t *code = asm_bytes("mov x1, #0x2000\nmov x6, #9\nldxp x2, x3, [x1]\nstxp w6, x4, x5, [x1]\nhlt #0", &len);
    agpu_machine *m = test_machine(1, 0x4000, 0, 0);
    assert_int_equal(agpu_load(m, 0, code, len), AGPU_OK);
    free(code);
    /* Readable but not writable: the load exclusive opens the monitor, the
     * store's write faults. */
    assert_int_equal(agpu_protect(m, 0x2000, 0x1000, AGPU_PROT_READ), AGPU_OK);
    agpu_lane_result r;
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_FAULT);
    assert_int_equal(r.stop.cause, AGPU_FAULT_PERMISSION);
    assert_int_equal(r.pc, 12);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 6), 9);
    agpu_destroy(m);
}

/* KD10: with the monitor closed a store exclusive fails (status 1) before
 * its address is translated, so even an unmapped address does not fault
 * (AArch64.ExclusiveMonitorsPass: "if !passed then return FALSE" comes
 * before AArch64.TranslateAddress). */
static void test_kd10_stxr_closed_monitor_no_fault(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_src("mov x4, #-1\nmov x29, #7\nclrex\nstxrb w29, w28, [x4]\nhlt #0", &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, AGPU_REG_X0 + 29), 1);
    agpu_destroy(m);
}

/* KD8 and KD11 for SIMD&FP: a 64-byte ST1 that crosses the end of memory
 * writes no byte, and an LDP of Q registers or an LD4 that faults part way
 * writes no register, because the whole range is checked first. */
static void test_kd11_faulting_simd_load_writes_nothing(void **state)
{
    (void)state;
    static const char *const srcs[] = {
        "mov x1, #0xffe0\nmovk x1, #0xf, lsl #16\nmovi v5.16b, #0x55\nmovi v6.16b, #0x66\n"
        "ldp q5, q6, [x1, #16]\nhlt #0",
        "mov x1, #0xffd0\nmovk x1, #0xf, lsl #16\nmovi v5.16b, #0x55\nmovi v6.16b, #0x66\n"
        "ld4 {v5.16b, v6.16b, v7.16b, v8.16b}, [x1]\nhlt #0",
    };
    for (int i = 0; i < 2; i++) {
        agpu_lane_result r;
        agpu_machine *m = run_src(srcs[i], &r);
        assert_int_equal(r.stop.reason, AGPU_STOP_FAULT);
        uint64_t v[2];
        assert_int_equal(agpu_get_vreg(m, 0, 5, v), AGPU_OK);
        assert_int_equal(v[0], 0x5555555555555555ull);
        assert_int_equal(v[1], 0x5555555555555555ull);
        assert_int_equal(agpu_get_vreg(m, 0, 6, v), AGPU_OK);
        assert_int_equal(v[0], 0x6666666666666666ull);
        agpu_destroy(m);
    }
    agpu_lane_result r;
    agpu_machine *m = run_src("mov x1, #0xffd0\nmovk x1, #0xf, lsl #16\nmovi v0.16b, #0xff\nmovi v1.16b, #0xff\n"
                              "movi v2.16b, #0xff\nmovi v3.16b, #0xff\nst1 {v0.16b, v1.16b, v2.16b, v3.16b}, [x1]\nhlt #0",
                              &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_FAULT);
    uint8_t b[48], zero[48] = {0};
    assert_int_equal(agpu_read_memory(m, 0, 0xfffd0, b, 48), AGPU_OK);
    assert_memory_equal(b, zero, 48);
    agpu_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kd1_fpcr_res0),
        cmocka_unit_test(test_kd2_fpsr_res0),
        cmocka_unit_test(test_kd3_counter_regs),
        cmocka_unit_test(test_kd4_xpaclri_nop),
        cmocka_unit_test(test_kd5_atomic_minmax_width),
        cmocka_unit_test(test_kd6_ordered_alignment),
        cmocka_unit_test(test_kd7_stxr_alignment),
        cmocka_unit_test(test_kd8_faulting_store_writes_nothing),
        cmocka_unit_test(test_kd9_stxp_fault_is_precise),
        cmocka_unit_test(test_kd10_stxr_closed_monitor_no_fault),
        cmocka_unit_test(test_kd11_faulting_simd_load_writes_nothing),
    };
    return harness_run_tests(tests);
}

/*
 * test_system.c - exceptions, hints, barriers, system registers and cache
 * operations (the system.* classes of shaders/a64.decode), the stop and
 * resume protocol, and the encodings that must stop with UNDEFINED.
 *
 * Expected values come from the manual (C5 system register descriptions,
 * C6.2 SVC/HLT/BRK/HINT, D1 for the exception behaviour) and from
 * include/armgpu.h's stop protocol; nothing here was read back from
 * libarmgpu.
 */
#include "harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SENTINEL(i) (0x5a5a000000000000ull | (uint64_t)(i) << 8 | 0xa5)

static agpu_machine *load_at0(const char *src)
{
    size_t n;
    uint8_t *code = asm_bytes(src, &n);
    agpu_machine *m = test_machine(1, 1u << 20, 0, 0);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    set_reg(m, 0, AGPU_REG_SP, 0x80000);
    return m;
}

static void put_word(agpu_machine *m, uint64_t addr, uint32_t w)
{
    uint8_t b[4] = {(uint8_t)w, (uint8_t)(w >> 8), (uint8_t)(w >> 16), (uint8_t)(w >> 24)};
    assert_int_equal(agpu_write_memory(m, 0, addr, b, 4), AGPU_OK);
}

/* ------------------------------------------------------------ exceptions */

static void svc_stops_after_and_resumes(void **state)
{
    (void)state;
    agpu_machine *m = load_at0("mov x8, #93\n"     /* 0 */
                               "svc #0x1234\n"     /* 4 */
                               "mov x1, #5\n"      /* 8 */
                               "svc #0\n"          /* 12 */
                               "hlt #7\n");        /* 16 */
    agpu_lane_result r;
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_SYSCALL);
    assert_int_equal(r.stop.imm, 0x1234);
    assert_int_equal(r.stop.encoding, asm_word("svc #0x1234"));
    assert_int_equal(r.pc, 8);                /* past the SVC, as Linux sees it */
    assert_int_equal(r.instructions, 2);      /* the SVC retired */
    assert_int_equal(reg(m, 0, AGPU_REG_PC), 8);
    assert_int_equal(reg(m, 0, AGPU_REG_ICOUNT), 2);
    assert_int_equal(reg(m, 0, 8), 93);
    agpu_stop st;
    assert_int_equal(agpu_get_stop(m, 0, &st), AGPU_OK);
    assert_int_equal(st.reason, AGPU_STOP_SYSCALL);
    assert_int_equal(st.imm, 0x1234);

    set_reg(m, 0, 0, 42); /* the host "services" the call */
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_SYSCALL);
    assert_int_equal(r.stop.imm, 0);
    assert_int_equal(r.pc, 16);
    assert_int_equal(r.instructions, 2);
    assert_int_equal(reg(m, 0, 1), 5);
    assert_int_equal(reg(m, 0, 0), 42);

    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.stop.imm, 7);
    assert_int_equal(r.pc, 16);
    assert_int_equal(r.instructions, 0);
    assert_int_equal(reg(m, 0, AGPU_REG_ICOUNT), 4);
    agpu_destroy(m);
}

/* SVC as the last instruction of a budget: it retires and the stop is
 * SYSCALL, not MAX_CYCLES. */
static void svc_at_end_of_budget(void **state)
{
    (void)state;
    agpu_machine *m = load_at0("nop\nsvc #1\nhlt #0\n");
    agpu_lane_result r;
    exec_ok(m, 2, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_SYSCALL);
    assert_int_equal(r.instructions, 2);
    assert_int_equal(r.pc, 8);
    agpu_destroy(m);
}

static void hlt_and_brk_do_not_retire(void **state)
{
    (void)state;
    static const struct {
        const char *insn;
        uint32_t reason, imm;
    } cases[] = {
        {"hlt #0", AGPU_STOP_HALT, 0},
        {"hlt #0xffff", AGPU_STOP_HALT, 0xffff},
        {"brk #0", AGPU_STOP_BREAK, 0},
        {"brk #0x3e8", AGPU_STOP_BREAK, 0x3e8},
        {"brk #0xf000", AGPU_STOP_BREAK, 0xf000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char src[64];
        snprintf(src, sizeof src, "mov x0, #1\n%s\nmov x0, #2\n", cases[i].insn);
        agpu_machine *m = load_at0(src);
        agpu_lane_result r;
        for (int pass = 0; pass < 2; pass++) {
            exec_ok(m, 100, &r);
            assert_int_equal(r.stop.reason, cases[i].reason);
            assert_int_equal(r.stop.imm, cases[i].imm);
            assert_int_equal(r.stop.encoding, asm_word(cases[i].insn));
            assert_int_equal(r.pc, 4);                       /* on the instruction */
            assert_int_equal(r.instructions, pass ? 0 : 1);  /* not counted */
            assert_int_equal(reg(m, 0, AGPU_REG_ICOUNT), 1);
            assert_int_equal(reg(m, 0, 0), 1);
        }
        /* The host steps past it and the lane goes on. */
        set_reg(m, 0, AGPU_REG_PC, 8);
        exec_ok(m, 1, &r);
        assert_int_equal(r.stop.reason, AGPU_STOP_MAX_CYCLES);
        assert_int_equal(reg(m, 0, 0), 2);
        agpu_destroy(m);
    }
}

/* ------------------------------------------------------------ hints, barriers */

static void hints_are_nops(void **state)
{
    (void)state;
    static const char *const hints[] = {
        "nop", "yield", "wfe", "wfi", "sev", "sevl", "hint #6", "hint #0x7f",
        "hint #34",                       /* BTI c */
        "bti", "bti j", "bti jc",
        "paciasp", "autiasp", "pacibsp", "autibsp", "paciaz", "autiaz", "xpaclri",
        "pacia1716", "autib1716",
        "esb", "csdb", "psb csync", "tsb csync", "dgh",
    };
    const size_t nh = sizeof hints / sizeof hints[0];
    char src[2048];
    size_t len = (size_t)snprintf(src, sizeof src, ".arch armv8.5-a\n");
    for (size_t i = 0; i < nh; i++) len += (size_t)snprintf(src + len, sizeof src - len, "%s\n", hints[i]);
    snprintf(src + len, sizeof src - len, "hlt #0\n");
    agpu_machine *m = load_at0(src);
    uint64_t g[32], o[32];
    for (int i = 0; i < 31; i++) g[i] = SENTINEL(i);
    g[31] = 0x7ff0;
    assert_int_equal(agpu_set_gprs(m, 0, g), AGPU_OK);
    set_reg(m, 0, AGPU_REG_NZCV, NZCV_N | NZCV_V);
    agpu_lane_result r;
    exec_ok(m, 1000, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.instructions, nh);
    assert_int_equal(r.pc, 4 * nh);
    assert_int_equal(agpu_get_gprs(m, 0, o), AGPU_OK);
    assert_memory_equal(o, g, sizeof g); /* no PAC: x16, x17, x30 untouched */
    assert_int_equal(reg(m, 0, AGPU_REG_NZCV), NZCV_N | NZCV_V);
    agpu_destroy(m);
}

static void barriers_run(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("dmb sy\n dmb ish\n dmb ishld\n dmb oshst\n dsb sy\n dsb ish\n"
                                  "dsb nsh\n isb\n clrex\n clrex #5\n ssbb\n pssbb\n"
                                  "mov x0, #1\n hlt #0\n",
                                  100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.instructions, 13);
    assert_int_equal(reg(m, 0, 0), 1);
    agpu_destroy(m);
}

/* CLREX clears the local monitor: the store exclusive after it fails (status
 * 1) and leaves memory alone; without it the same pair succeeds. */
static void clrex_clears_the_monitor(void **state)
{
    (void)state;
    for (int with_clrex = 0; with_clrex < 2; with_clrex++) {
        char src[256];
        snprintf(src, sizeof src,
                 "mov x0, #0x1000\n mov x3, #77\n ldxr x1, [x0]\n %s\n stxr w2, x3, [x0]\n"
                 "ldr x4, [x0]\n hlt #0\n",
                 with_clrex ? "clrex" : "nop");
        agpu_lane_result r;
        agpu_machine *m = run_snippet(src, 100, &r);
        assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
        assert_int_equal(reg(m, 0, 2), with_clrex ? 1 : 0);
        assert_int_equal(reg(m, 0, 4), with_clrex ? 0 : 77);
        agpu_destroy(m);
    }
}

/* The cache maintenance EL0 may run under Linux (SCTLR_EL1.UCI): no effect,
 * no fault even on an unmapped address, and it retires. */
static void cache_maintenance_is_nop(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet(".arch armv8.5-a\n"
                                  "mov x0, #0x1000\n"
                                  "ic ivau, x0\n dc cvau, x0\n dc cvac, x0\n dc civac, x0\n"
                                  "dc cvap, x0\n dc cvadp, x0\n"
                                  "movn x0, #0\n dc civac, x0\n ic ivau, x0\n"
                                  "dsb ish\n isb\n hlt #0\n",
                                  100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.instructions, 12);
    agpu_destroy(m);
}

/* ------------------------------------------------------------ system registers */

static void mrs_msr_nzcv(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = load_at0("msr nzcv, x1\n mrs x2, nzcv\n"
                               "cmp x3, #1\n mrs x4, nzcv\n"     /* 0 - 1: N, borrow */
                               "msr nzcv, xzr\n mrs x5, nzcv\n"
                               "hlt #0\n");
    set_reg(m, 0, 1, UINT64_MAX);
    set_reg(m, 0, 3, 0);
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 2), 0xf0000000u); /* only bits 31:28 exist */
    assert_int_equal(reg(m, 0, 4), NZCV_N);
    assert_int_equal(reg(m, 0, 5), 0);
    assert_int_equal(reg(m, 0, AGPU_REG_NZCV), 0);
    agpu_destroy(m);
}

static void mrs_msr_tpidr_el0(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = load_at0("mrs x0, tpidr_el0\n msr tpidr_el0, x1\n mrs x2, tpidr_el0\n hlt #0\n");
    set_reg(m, 0, AGPU_REG_TPIDR_EL0, 0x1122334455667788ull);
    set_reg(m, 0, 1, 0xfedcba9876543210ull);
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 0), 0x1122334455667788ull);
    assert_int_equal(reg(m, 0, 2), 0xfedcba9876543210ull); /* all 64 bits */
    assert_int_equal(reg(m, 0, AGPU_REG_TPIDR_EL0), 0xfedcba9876543210ull);
    agpu_destroy(m);
}

/* FPCR and FPSR keep their writable bits only.  FPCR (without FEAT_AFP,
 * FEAT_EBF16 and trapped exceptions): AHP 26, DN 25, FZ 24, RMode 23:22,
 * FZ16 19.  FPSR: QC 27 and the cumulative flags IDC 7, IXC 4, UFC 3, OFC 2,
 * DZC 1, IOC 0. */
static void mrs_msr_fpcr_fpsr(void **state)
{
    (void)state;
    const uint64_t fpcr_bits = 1u << 26 | 1u << 25 | 1u << 24 | 3u << 22 | 1u << 19;
    const uint64_t fpsr_bits = 1u << 27 | 1u << 7 | 0x1f;
    assert_int_equal(fpcr_bits, 0x07C80000u);
    assert_int_equal(fpsr_bits, 0x0800009Fu);
    agpu_lane_result r;
    agpu_machine *m = load_at0("msr fpcr, x1\n mrs x2, fpcr\n msr fpsr, x1\n mrs x3, fpsr\n"
                               "msr fpcr, x4\n mrs x5, fpcr\n msr fpsr, x4\n mrs x6, fpsr\n"
                               "msr fpcr, x7\n mrs x8, fpcr\n hlt #0\n");
    set_reg(m, 0, 1, UINT64_MAX);
    set_reg(m, 0, 4, 0);
    set_reg(m, 0, 7, 2u << 22); /* RMode = round towards minus infinity */
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 2), fpcr_bits);
    assert_int_equal(reg(m, 0, 3), fpsr_bits);
    assert_int_equal(reg(m, 0, 5), 0);
    assert_int_equal(reg(m, 0, 6), 0);
    assert_int_equal(reg(m, 0, 8), 2u << 22);
    assert_int_equal(reg(m, 0, AGPU_REG_FPCR), 2u << 22);
    /* The host's writes are masked the same way. */
    set_reg(m, 0, AGPU_REG_FPSR, UINT64_MAX);
    assert_int_equal(reg(m, 0, AGPU_REG_FPSR), fpsr_bits);
    agpu_destroy(m);
}

/* CNTVCT_EL0 counts retired instructions (DESIGN decision 5): it reads the
 * number retired before the MRS, across runs; CNTFRQ_EL0 says 1 GHz. */
static void counters_are_deterministic(void **state)
{
    (void)state;
    agpu_machine *m = load_at0("mrs x0, cntvct_el0\n"   /* 0 retired before it */
                               "nop\n nop\n"
                               "mrs x1, cntvct_el0\n"   /* 3 */
                               "svc #0\n"               /* retires: 5 */
                               "mrs x2, cntvct_el0\n"   /* 5 */
                               "mrs x3, cntfrq_el0\n"
                               "isb\n mrs x4, cntvct_el0\n" /* 8 */
                               "hlt #0\n");
    agpu_lane_result r;
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_SYSCALL);
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 0), 0);
    assert_int_equal(reg(m, 0, 1), 3);
    assert_int_equal(reg(m, 0, 2), 5);
    assert_int_equal(reg(m, 0, 3), 1000000000u);
    assert_int_equal(reg(m, 0, 4), 8);
    agpu_destroy(m);

    /* The counter is the lane's ICOUNT, which the host may set. */
    m = load_at0("mrs x0, cntvct_el0\n hlt #0\n");
    set_reg(m, 0, AGPU_REG_ICOUNT, 1000);
    exec_ok(m, 100, &r);
    assert_int_equal(reg(m, 0, 0), 1000);
    assert_int_equal(reg(m, 0, AGPU_REG_ICOUNT), 1001);
    agpu_destroy(m);
}

/* CTR_EL0: RES1 bit 31, CWG 27:24 = 4 and ERG 23:20 = 4 (16 words),
 * DminLine 19:16 = 4 and IminLine 3:0 = 4 (64-byte lines), L1Ip 15:14 = 3
 * (PIPT), IDC = DIC = 0 (so programs clean and invalidate).  DCZID_EL0: DZP
 * (bit 4) set, so DC ZVA is prohibited; BS = 4 (64 bytes). */
static void id_registers(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("mrs x0, ctr_el0\n mrs x1, dczid_el0\n hlt #0\n", 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    uint64_t ctr = reg(m, 0, 0), dczid = reg(m, 0, 1);
    assert_int_equal(ctr, 1u << 31 | 4u << 24 | 4u << 20 | 4u << 16 | 3u << 14 | 4u);
    assert_int_equal((dczid >> 4) & 1, 1);
    assert_int_equal(dczid & 0xf, 4);
    assert_int_equal(dczid >> 5, 0);
    agpu_destroy(m);
}

/* ------------------------------------------------------------ UNDEFINED */

typedef struct undef_case {
    const char *line;       /* assembled, preceded by a .arch line */
    uint32_t clear, set;    /* bits changed in the assembled word */
    const char *why;
} undef_case;

static const undef_case undef_cases[] = {
    {"udf #0", 0, 0, "permanently undefined, the all-zero word"},
    {"udf #0x1234", 0, 0, "permanently undefined"},
    {"dc zva, x0", 0, 0, "DC ZVA with DCZID_EL0.DZP = 1"},
    {"dc ivac, x0", 0, 0, "EL1 cache maintenance"},
    {"ic iallu", 0, 0, "EL1 cache maintenance"},
    {"at s1e0r, x0", 0, 0, "address translation"},
    {"tlbi vmalle1", 0, 0, "TLB maintenance"},
    {"sysl x0, #3, c7, c5, #1", 0, 0, "SYSL"},
    {"mrs x0, midr_el1", 0, 0, "MRS of a register not implemented"},
    {"mrs x0, id_aa64isar0_el1", 0, 0, "MRS of an ID register (not emulated)"},
    {"mrs x0, s3_3_c15_c15_7", 0, 0, "MRS of an IMPLEMENTATION DEFINED register"},
    {"msr s3_3_c14_c0_2, x1", 0, 0, "MSR to read-only CNTVCT_EL0"},
    {"msr cntfrq_el0, x1", 0, 0, "MSR CNTFRQ_EL0 (EL1 only)"},
    {"msr s3_3_c0_c0_1, x1", 0, 0, "MSR to read-only CTR_EL0"},
    {"msr s3_3_c0_c0_7, x1", 0, 0, "MSR to read-only DCZID_EL0"},
    {"msr daifset, #2", 0, 0, "MSR (immediate)"},
    {"cfinv", 0, 0, "FEAT_FlagM"},
    {"setf8 w0", 0, 0, "FEAT_FlagM"},
    {"rmif x0, #3, #2", 0, 0, "FEAT_FlagM"},
    {"axflag", 0, 0, "FEAT_FlagM2"},
    {"sb", 0, 0, "FEAT_SB"},
    {".inst 0x6e828420", 0, 0, "SQRDMLAH (FEAT_RDM), not implemented"},
    {".arch armv8.3-a\nfjcvtzs w0, d1", 0, 0, "FJCVTZS (FEAT_JSCVT), not implemented"},
    {".arch armv8.6-a+bf16\nbfcvt h0, s1", 0, 0, "BFCVT (FEAT_BF16), not implemented"},
    {".inst 0x7cc00020", 0, 0, "SIMD&FP load, size 01 opc 11: no such register"},
    {".inst 0x4e284820", 0, 0, "AESE (FEAT_AES), not implemented"},
    {".inst 0xed400420", 0, 0, "SIMD&FP load pair, opc 11: reserved"},
    {".inst 0x0c408c20", 0, 0, "LD2 {.1D}: reserved"},
    {"add z0.d, z1.d, z2.d", 0, 0, "SVE"},
    {"pacia x0, x1", 0, 0, "FEAT_PAuth outside the hint space"},
    {"retaa", 0, 0, "FEAT_PAuth return"},
    {"braa x0, x1", 0, 0, "FEAT_PAuth branch"},
    {"ldraa x0, [x1]", 0, 0, "FEAT_PAuth load"},
    {"irg x0, x1", 0, 0, "FEAT_MTE"},
    {"stg x0, [x1]", 0, 0, "FEAT_MTE"},
    {"ldapr x0, [x1]", 0, 0, "FEAT_LRCPC"},
    {"ldaprb w0, [x1]", 0, 0, "FEAT_LRCPC"},
    {"ldapur x0, [x1]", 0, 0, "FEAT_LRCPC2"},
    {"stlur w0, [x1]", 0, 0, "FEAT_LRCPC2"},
    {"abs x0, x1", 0, 0, "FEAT_CSSC"},
    {"cnt w0, w1", 0, 0, "FEAT_CSSC"},
    {"smax x0, x1, #3", 0, 0, "FEAT_CSSC"},
    {"cpyfp [x0]!, [x1]!, x2!", 0, 0, "FEAT_MOPS"},
    {"setp [x0]!, x1!, x2", 0, 0, "FEAT_MOPS"},
    {"and w0, w1, #1", 0, 1u << 22, "logical immediate sf=0 N=1"},
    {"movz w0, #1", 0, 2u << 21, "MOVZ sf=0 hw=2"},
    {"movz x0, #1", 3u << 29, 1u << 29, "move wide opc=01"},
    {"br x1", 0, 3u << 21, "branch register opc=0011"},
    {"b.eq .", 0, 1u << 4, "BC.cond (FEAT_HBC)"},
    {"svc #0", 0, 1u << 2, "exception generation with op2 != 0"},
};

static void undefined_encodings(void **state)
{
    (void)state;
    size_t n = sizeof undef_cases / sizeof undef_cases[0];
    agpu_machine *m = test_machine(1, 1u << 20, 0, 0);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char line[160];
        snprintf(line, sizeof line, ".arch armv8.8-a+memtag+sve+cssc+mops+flagm\n%s", undef_cases[i].line);
        uint32_t w = (asm_word(line) & ~undef_cases[i].clear) | undef_cases[i].set;
        put_word(m, 0x200, w);
        uint64_t g[32], o[32];
        for (int k = 0; k < 31; k++) g[k] = SENTINEL(k);
        g[1] = 0x1000; /* a mapped address, should anything load */
        g[31] = 0x8000;
        assert_int_equal(agpu_set_gprs(m, 0, g), AGPU_OK);
        set_reg(m, 0, AGPU_REG_NZCV, NZCV_Z | NZCV_C);
        set_reg(m, 0, AGPU_REG_TPIDR_EL0, 0x77);
        set_reg(m, 0, AGPU_REG_PC, 0x200);
        agpu_lane_result r;
        exec_ok(m, 10, &r);
        assert_int_equal(agpu_get_gprs(m, 0, o), AGPU_OK);
        if (r.stop.reason != AGPU_STOP_UNDEFINED || r.stop.encoding != w || r.pc != 0x200 ||
            r.instructions != 0 || memcmp(o, g, sizeof g) != 0 ||
            reg(m, 0, AGPU_REG_NZCV) != (NZCV_Z | NZCV_C) || reg(m, 0, AGPU_REG_TPIDR_EL0) != 0x77) {
            failures++;
            print_error("%s: \"%s\" (%#010x): stop %s encoding %#x pc %#" PRIx64 " insns %" PRIu64 "\n",
                        undef_cases[i].why, undef_cases[i].line, w, agpu_stop_reason_name(r.stop.reason),
                        r.stop.encoding, r.pc, r.instructions);
        }
    }
    agpu_destroy(m);
    if (failures) fail_msg("%d of %zu encodings did not stop with UNDEFINED", failures, n);
}

/* An UNDEFINED stop is sticky: running again stops on it again, and after
 * the host skips it the lane continues. */
static void undefined_resume(void **state)
{
    (void)state;
    agpu_machine *m = load_at0("mov x0, #1\n udf #7\n mov x0, #2\n hlt #0\n");
    agpu_lane_result r;
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_UNDEFINED);
    assert_int_equal(r.pc, 4);
    assert_int_equal(r.instructions, 1);
    assert_int_equal(r.stop.encoding, asm_word("udf #7"));
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_UNDEFINED);
    assert_int_equal(r.instructions, 0);
    set_reg(m, 0, AGPU_REG_PC, 8);
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 0), 2);
    agpu_destroy(m);
}

/* ------------------------------------------------------------ budgets */

static void budget_zero(void **state)
{
    (void)state;
    agpu_machine *m = load_at0("mov x0, #1\n hlt #0\n");
    set_reg(m, 0, AGPU_REG_PC, 0);
    agpu_lane_result r;
    exec_ok(m, 0, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_MAX_CYCLES);
    assert_int_equal(r.instructions, 0);
    assert_int_equal(r.pc, 0);
    assert_int_equal(reg(m, 0, 0), 0);
    assert_int_equal(reg(m, 0, AGPU_REG_ICOUNT), 0);
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.instructions, 1);
    agpu_destroy(m);
}

/* movz; 3 x (subs; b.ne) = 7 instructions, then hlt at 12. */
static void budget_exact_and_resume(void **state)
{
    (void)state;
    static const char loop[] = "movz x0, #3\n1: subs x0, x0, #1\n b.ne 1b\n hlt #0\n";
    agpu_machine *m = load_at0(loop);
    agpu_lane_result r;
    exec_ok(m, 7, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_MAX_CYCLES);
    assert_int_equal(r.instructions, 7);
    assert_int_equal(r.pc, 12); /* on the hlt, not yet run */
    assert_int_equal(reg(m, 0, 0), 0);
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.instructions, 0);
    assert_int_equal(r.pc, 12);
    agpu_destroy(m);

    /* Stopping mid-loop and resuming in small steps gives the same path. */
    m = load_at0(loop);
    exec_ok(m, 4, &r); /* movz, subs, b.ne, subs */
    assert_int_equal(r.stop.reason, AGPU_STOP_MAX_CYCLES);
    assert_int_equal(r.pc, 8);
    assert_int_equal(reg(m, 0, 0), 1);
    assert_int_equal(reg(m, 0, AGPU_REG_NZCV), NZCV_C);
    exec_ok(m, 1, &r); /* b.ne taken */
    assert_int_equal(r.pc, 4);
    assert_int_equal(r.instructions, 1);
    exec_ok(m, UINT64_MAX, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.instructions, 2);
    assert_int_equal(reg(m, 0, AGPU_REG_ICOUNT), 7);
    assert_int_equal(reg(m, 0, AGPU_REG_NZCV), NZCV_Z | NZCV_C);
    agpu_destroy(m);

    /* One instruction at a time all the way. */
    m = load_at0(loop);
    static const uint64_t pcs[] = {4, 8, 4, 8, 4, 8, 12};
    for (int i = 0; i < 7; i++) {
        exec_ok(m, 1, &r);
        assert_int_equal(r.stop.reason, AGPU_STOP_MAX_CYCLES);
        assert_int_equal(r.instructions, 1);
        assert_int_equal(r.pc, pcs[i]);
    }
    exec_ok(m, 1, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.instructions, 0);
    agpu_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(svc_stops_after_and_resumes),
        cmocka_unit_test(svc_at_end_of_budget),
        cmocka_unit_test(hlt_and_brk_do_not_retire),
        cmocka_unit_test(hints_are_nops),
        cmocka_unit_test(barriers_run),
        cmocka_unit_test(clrex_clears_the_monitor),
        cmocka_unit_test(cache_maintenance_is_nop),
        cmocka_unit_test(mrs_msr_nzcv),
        cmocka_unit_test(mrs_msr_tpidr_el0),
        cmocka_unit_test(mrs_msr_fpcr_fpsr),
        cmocka_unit_test(counters_are_deterministic),
        cmocka_unit_test(id_registers),
        cmocka_unit_test(undefined_encodings),
        cmocka_unit_test(undefined_resume),
        cmocka_unit_test(budget_zero),
        cmocka_unit_test(budget_exact_and_resume),
    };
    return harness_run_tests(tests);
}

/*
 * test_branch.c - the branch classes (branch.imm, branch.cond,
 * branch.compare, branch.test, branch.register in shaders/a64.decode): where
 * each goes, what it links, and how many instructions it retires.
 *
 * Expected values are worked by hand from the manual (C6.2 B, BL, B.cond,
 * CBZ, CBNZ, TBZ, TBNZ, BR, BLR, RET; ConditionHolds in J1).
 */
#include "harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void b_forward_and_backward(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("b 1f\n"           /* 0 */
                                  "mov x0, #1\n"     /* 4: skipped */
                                  "1: mov x1, #2\n"  /* 8 */
                                  "b 3f\n"           /* 12 */
                                  "2: mov x2, #3\n"  /* 16 */
                                  "hlt #0\n"         /* 20 */
                                  "3: b 2b\n",       /* 24 */
                                  100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.pc, 20);
    assert_int_equal(r.instructions, 5); /* b, mov, b, b, mov */
    assert_int_equal(reg(m, 0, 0), 0);
    assert_int_equal(reg(m, 0, 1), 2);
    assert_int_equal(reg(m, 0, 2), 3);
    assert_int_equal(reg(m, 0, 30), 0); /* B does not link */
    agpu_destroy(m);
}

/* B and BL across most of a 1 MiB region, both directions. */
static void b_far(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("b far\n"            /* 0 */
                                  "back: hlt #1\n"     /* 4 */
                                  ".skip 0xf0000\n"
                                  "far: bl back2\n"    /* 0xf0008 */
                                  "b back\n"           /* 0xf000c */
                                  "back2: mov x3, x30\n"
                                  "ret\n",
                                  100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.stop.imm, 1);
    assert_int_equal(r.pc, 4);
    assert_int_equal(r.instructions, 5); /* b, bl, mov, ret, b */
    assert_int_equal(reg(m, 0, 3), 0xf000c);
    assert_int_equal(reg(m, 0, 30), 0xf000c);
    agpu_destroy(m);
}

static void bl_links_x30(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("bl f\n"            /* 0 */
                                  "mov x1, #7\n"      /* 4 */
                                  "hlt #0\n"          /* 8 */
                                  "f: mov x0, x30\n"  /* 12 */
                                  "ret\n",            /* 16 */
                                  100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.pc, 8);
    assert_int_equal(r.instructions, 4);
    assert_int_equal(reg(m, 0, 0), 4);
    assert_int_equal(reg(m, 0, 30), 4);
    assert_int_equal(reg(m, 0, 1), 7);
    agpu_destroy(m);
}

/* ConditionHolds() as the manual states it, per condition code. */
static int cond_holds(int cond, int nzcv)
{
    int n = (nzcv >> 3) & 1, z = (nzcv >> 2) & 1, c = (nzcv >> 1) & 1, v = nzcv & 1;
    switch (cond) {
    case 0: return z;                   /* eq */
    case 1: return !z;                  /* ne */
    case 2: return c;                   /* cs */
    case 3: return !c;                  /* cc */
    case 4: return n;                   /* mi */
    case 5: return !n;                  /* pl */
    case 6: return v;                   /* vs */
    case 7: return !v;                  /* vc */
    case 8: return c && !z;             /* hi */
    case 9: return !(c && !z);          /* ls */
    case 10: return n == v;             /* ge */
    case 11: return n != v;             /* lt */
    case 12: return !z && n == v;       /* gt */
    case 13: return !(!z && n == v);    /* le */
    default: return 1;                  /* al, nv */
    }
}

static const char *const cond_name[16] = {"eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc",
                                          "hi", "ls", "ge", "lt", "gt", "le", "al", "nv"};

/* Every condition against every NZCV value, NZCV written by MSR.  Block c
 * (6 words at 24*c): msr; b.cond; mov x0,#0; hlt; mov x0,#1; hlt. */
static void b_cond_all_conditions(void **state)
{
    (void)state;
    char src[4096];
    size_t len = 0;
    for (int c = 0; c < 16; c++)
        len += (size_t)snprintf(src + len, sizeof src - len,
                                "msr nzcv, x1\nb.%s 1f\nmov x0, #0\nhlt #0\n1: mov x0, #1\nhlt #0\n",
                                cond_name[c]);
    agpu_machine *m = load_at0(src);
    int failures = 0;
    for (int c = 0; c < 16; c++) {
        for (int f = 0; f < 16; f++) {
            set_reg(m, 0, 0, 0xdead);
            set_reg(m, 0, 1, (uint64_t)f << 28 | 0x0fffffffull); /* low bits ignored */
            set_reg(m, 0, AGPU_REG_PC, 24 * (uint64_t)c);
            agpu_lane_result r;
            exec_ok(m, 100, &r);
            int want = cond_holds(c, f);
            uint64_t want_pc = 24 * (uint64_t)c + (want ? 20 : 12);
            if (r.stop.reason != AGPU_STOP_HALT || r.instructions != 3 || r.pc != want_pc ||
                reg(m, 0, 0) != (uint64_t)want || reg(m, 0, AGPU_REG_NZCV) != (uint64_t)f << 28) {
                failures++;
                print_error("b.%s with NZCV=%x: %s after %" PRIu64 " at pc %#" PRIx64 ", x0=%" PRIu64
                            "; want taken=%d\n",
                            cond_name[c], f, agpu_stop_reason_name(r.stop.reason), r.instructions, r.pc,
                            reg(m, 0, 0), want);
            }
        }
    }
    agpu_destroy(m);
    if (failures) fail_msg("%d of 256 condition/flag combinations wrong", failures);
}

/* B.cond after the flag-setting instructions that usually feed it. */
static void b_cond_after_compare(void **state)
{
    (void)state;
    static const struct {
        const char *setter;
        uint64_t a, b;
        const char *cond;
        int taken;
    } cases[] = {
        {"cmp x1, x2", 1, 2, "lt", 1},
        {"cmp x1, x2", 1, 2, "lo", 1},
        {"cmp x1, x2", 1, 2, "hi", 0},
        {"cmp x1, x2", 1, 2, "ge", 0},
        {"cmp x1, x2", 2, 2, "eq", 1},
        {"cmp x1, x2", 2, 2, "ls", 1},
        {"cmp x1, x2", 2, 2, "hs", 1},
        {"cmp x1, x2", 2, 2, "gt", 0},
        {"cmp x1, x2", UINT64_MAX, 1, "lt", 1},   /* -1 < 1 signed */
        {"cmp x1, x2", UINT64_MAX, 1, "hi", 1},   /* but above unsigned */
        {"cmp x1, x2", 1ull << 63, 1, "vs", 1},   /* INT64_MIN - 1 overflows */
        {"cmp x1, x2", 1ull << 63, 1, "lt", 1},   /* N=0, V=1 */
        {"cmp x1, x2", 1ull << 63, 1, "mi", 0},
        {"cmp w1, w2", 0x80000000, 1, "vs", 1},
        {"cmp w1, w2", 0xffffffff00000001ull, 1, "eq", 1}, /* upper bits ignored */
        {"cmp w1, w2", 0, 1, "cc", 1},
        {"cmn x1, x2", UINT64_MAX, 1, "eq", 1},
        {"cmn x1, x2", UINT64_MAX, 1, "cs", 1},
        {"tst x1, x2", 0xf0, 0x0f, "eq", 1},
        {"tst x1, x2", 1ull << 63, 1ull << 63, "mi", 1},
        {"ands x0, x1, x2", 0x80000000, 0x80000000, "pl", 1},
        {"adds w0, w1, w2", 0x7fffffff, 1, "vs", 1},
        {"subs x0, x1, x2", 5, 3, "gt", 1},
        {"subs x0, x1, x2", 3, 5, "le", 1},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char src[256];
        snprintf(src, sizeof src, "%s\nb.%s 1f\nmov x3, #0\nhlt #0\n1: mov x3, #1\nhlt #0\n",
                 cases[i].setter, cases[i].cond);
        agpu_machine *m = load_at0(src);
        set_reg(m, 0, 1, cases[i].a);
        set_reg(m, 0, 2, cases[i].b);
        agpu_lane_result r;
        exec_ok(m, 100, &r);
        if (r.stop.reason != AGPU_STOP_HALT || r.instructions != 3 ||
            reg(m, 0, 3) != (uint64_t)cases[i].taken) {
            failures++;
            print_error("%s (x1=%#" PRIx64 ", x2=%#" PRIx64 "); b.%s: taken=%" PRIu64 ", want %d\n",
                        cases[i].setter, cases[i].a, cases[i].b, cases[i].cond, reg(m, 0, 3),
                        cases[i].taken);
        }
        agpu_destroy(m);
    }
    if (failures) fail_msg("%d compare-and-branch cases wrong", failures);
}

/* Runs "<branch> 1f; mov x0,#0; hlt; 1: mov x0,#1; hlt" with x1 = v and
 * returns whether it branched (checking the count and the stop PC). */
static int branches(const char *branch, uint64_t v)
{
    char src[256];
    snprintf(src, sizeof src, "%s, 1f\nmov x0, #0\nhlt #0\n1: mov x0, #1\nhlt #0\n", branch);
    agpu_machine *m = load_at0(src);
    set_reg(m, 0, 1, v);
    set_reg(m, 0, 0, 0xdead);
    agpu_lane_result r;
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.instructions, 2);
    uint64_t x0 = reg(m, 0, 0);
    assert_true(x0 == 0 || x0 == 1);
    assert_int_equal(r.pc, x0 ? 16 : 8);
    assert_int_equal(reg(m, 0, 1), v);
    agpu_destroy(m);
    return (int)x0;
}

static void cbz_cbnz(void **state)
{
    (void)state;
    const uint64_t hi_only = 0xffffffff00000000ull;
    assert_int_equal(branches("cbz x1", 0), 1);
    assert_int_equal(branches("cbz x1", 1), 0);
    assert_int_equal(branches("cbz x1", 1ull << 63), 0);
    assert_int_equal(branches("cbz x1", hi_only), 0);
    assert_int_equal(branches("cbz w1", hi_only), 1);   /* W form sees bits 31:0 only */
    assert_int_equal(branches("cbz w1", 0x80000000), 0);
    assert_int_equal(branches("cbnz x1", 0), 0);
    assert_int_equal(branches("cbnz x1", hi_only), 1);
    assert_int_equal(branches("cbnz w1", hi_only), 0);
    assert_int_equal(branches("cbnz w1", hi_only | 1), 1);
    assert_int_equal(branches("cbnz w1", 0x80000000), 1);
}

static void tbz_tbnz(void **state)
{
    (void)state;
    static const int bits[] = {0, 31, 32, 63};
    for (size_t i = 0; i < 4; i++) {
        int b = bits[i];
        char z[32], nz[32];
        snprintf(z, sizeof z, "tbz x1, #%d", b);
        snprintf(nz, sizeof nz, "tbnz x1, #%d", b);
        uint64_t one = 1ull << b;
        assert_int_equal(branches(z, one), 0);
        assert_int_equal(branches(z, ~one), 1);
        assert_int_equal(branches(nz, one), 1);
        assert_int_equal(branches(nz, ~one), 0);
    }
    /* Bit 32 is a different bit from bit 0 (b5 is the encoding's bit 31). */
    assert_int_equal(branches("tbnz x1, #32", 1), 0);
    assert_int_equal(branches("tbnz x1, #0", 1ull << 32), 0);
    assert_int_equal(branches("tbz w1, #31", 0x80000000), 0);
    assert_int_equal(branches("tbnz w1, #31", 0x80000000), 1);
    assert_int_equal(branches("tbnz w1, #5", 0x20), 1);
}

static void br_blr_ret(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("adr x2, f\n"        /* 0 */
                                  "blr x2\n"           /* 4 */
                                  "mov x5, x30\n"      /* 8 */
                                  "adr x3, g\n"        /* 12 */
                                  "br x3\n"            /* 16 */
                                  "mov x6, #1\n"       /* 20: skipped */
                                  "g: adr x7, h\n"     /* 24 */
                                  "ret x7\n"           /* 28 */
                                  "mov x6, #2\n"       /* 32: skipped */
                                  "h: hlt #0\n"        /* 36 */
                                  "f: mov x4, #9\n"    /* 40 */
                                  "ret\n",             /* 44 */
                                  100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.pc, 36);
    /* adr, blr, mov x4, ret, mov x5, adr, br, adr, ret x7 */
    assert_int_equal(r.instructions, 9);
    assert_int_equal(reg(m, 0, 4), 9);
    assert_int_equal(reg(m, 0, 5), 8);
    assert_int_equal(reg(m, 0, 30), 8); /* BR and RET do not link */
    assert_int_equal(reg(m, 0, 6), 0);
    agpu_destroy(m);
}

/* BLR X30 branches to the old X30 and then links: the target is read first. */
static void blr_x30_uses_old_value(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("adr x30, f\n"      /* 0 */
                                  "blr x30\n"         /* 4 */
                                  "hlt #0\n"          /* 8 */
                                  "f: mov x0, x30\n"  /* 12 */
                                  "ret\n",            /* 16 */
                                  100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.pc, 8);
    assert_int_equal(r.instructions, 4);
    assert_int_equal(reg(m, 0, 0), 8);
    assert_int_equal(reg(m, 0, 30), 8);
    agpu_destroy(m);
}

/* A branch to a PC that is not a multiple of 4 retires; the fetch at the
 * target then stops with an alignment fault (PC alignment check). */
static void br_to_misaligned_target_faults_on_fetch(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("mov x1, #0x102\n"
                                  "br x1\n",
                                  100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_FAULT);
    assert_int_equal(r.stop.cause, AGPU_FAULT_ALIGNMENT);
    assert_int_equal(r.stop.access, AGPU_ACCESS_FETCH);
    assert_int_equal(r.stop.address, 0x102);
    assert_int_equal(r.pc, 0x102);
    assert_int_equal(r.instructions, 2);
    agpu_destroy(m);
}

/* Backward loops with each kind of conditional branch: 2 + 3 * 10. */
static void backward_loops(void **state)
{
    (void)state;
    static const char *const loops[] = {
        "mov x0, #10\nmov x1, #0\n1: add x1, x1, x0\nsub x0, x0, #1\ncbnz x0, 1b\nhlt #0\n",
        "mov x0, #10\nmov x1, #0\n1: add x1, x1, x0\nsubs x0, x0, #1\nb.ne 1b\nhlt #0\n",
        "mov x0, #10\nmov x1, #0\n1: add x1, x1, x0\nsub w0, w0, #1\ncbnz w0, 1b\nhlt #0\n",
        "mov x0, #10\nmov x1, #0\n1: add x1, x1, x0\nsub x0, x0, #1\ntbz x0, #63, 1b\nhlt #0\n",
    };
    for (int i = 0; i < 4; i++) {
        agpu_lane_result r;
        agpu_machine *m = run_snippet(loops[i], 1000, &r);
        assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
        assert_int_equal(r.pc, 20);
        if (i == 3) {
            /* tbz keeps looping down to x0 = -1: x0 = 10..0 summed, 11 passes */
            assert_int_equal(r.instructions, 2 + 3 * 11);
            assert_int_equal(reg(m, 0, 1), 55);
            assert_int_equal(reg(m, 0, 0), UINT64_MAX);
        } else {
            assert_int_equal(r.instructions, 2 + 3 * 10);
            assert_int_equal(reg(m, 0, 1), 55);
            assert_int_equal(reg(m, 0, 0), 0);
        }
        agpu_destroy(m);
    }
}

/* A recursive call chain through the stack: fact(10) with BL/RET, saving
 * x29/x30 with STP/LDP, eleven frames deep. */
static void call_and_return_nested(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("mov x0, #10\n"
                                  "bl fact\n"
                                  "hlt #0\n"
                                  "fact: stp x29, x30, [sp, #-32]!\n"
                                  "str x0, [sp, #16]\n"
                                  "cbz x0, 1f\n"
                                  "sub x0, x0, #1\n"
                                  "bl fact\n"
                                  "ldr x1, [sp, #16]\n"
                                  "mul x0, x0, x1\n"
                                  "ldp x29, x30, [sp], #32\n"
                                  "ret\n"
                                  "1: mov x0, #1\n"
                                  "ldp x29, x30, [sp], #32\n"
                                  "ret\n",
                                  10000, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 0), 3628800);
    assert_int_equal(reg(m, 0, AGPU_REG_SP), 0x80000);
    assert_int_equal(r.pc, 8);
    /* main: mov, bl = 2; fact(n>0): stp, str, cbz, sub, bl, ldr, mul, ldp,
     * ret = 9, ten times; fact(0): stp, str, cbz, mov, ldp, ret = 6. */
    assert_int_equal(r.instructions, 2 + 9 * 10 + 6);
    agpu_destroy(m);
}

/* BR with Rn = 31 reads XZR (C6.2 BR: target = X[n]): a branch to 0.  The
 * assembler has no syntax for it, so "br x0" gets Rn = 31 here. */
static void br_xzr_goes_to_zero(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = load_at0("hlt #5\nmov x1, #1\nbr x0\n"); /* entry at 4 */
    uint32_t w = asm_word("br x0") | (31u << 5);
    uint8_t b[4] = {(uint8_t)w, (uint8_t)(w >> 8), (uint8_t)(w >> 16), (uint8_t)(w >> 24)};
    assert_int_equal(agpu_write_memory(m, 0, 8, b, 4), AGPU_OK);
    set_reg(m, 0, 0, 0x40);
    set_reg(m, 0, AGPU_REG_SP, 0x40); /* neither x0 nor SP is the target */
    set_reg(m, 0, AGPU_REG_PC, 4);
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.stop.imm, 5);
    assert_int_equal(r.pc, 0);
    assert_int_equal(r.instructions, 2);
    agpu_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(b_forward_and_backward),
        cmocka_unit_test(b_far),
        cmocka_unit_test(bl_links_x30),
        cmocka_unit_test(b_cond_all_conditions),
        cmocka_unit_test(b_cond_after_compare),
        cmocka_unit_test(cbz_cbnz),
        cmocka_unit_test(tbz_tbnz),
        cmocka_unit_test(br_blr_ret),
        cmocka_unit_test(blr_x30_uses_old_value),
        cmocka_unit_test(br_to_misaligned_target_faults_on_fetch),
        cmocka_unit_test(backward_loops),
        cmocka_unit_test(call_and_return_nested),
        cmocka_unit_test(br_xzr_goes_to_zero),
    };
    return harness_run_tests(tests);
}

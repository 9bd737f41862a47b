/*
 * Integer Advanced SIMD: every group of a64_simd.h on boundary-valued
 * inputs, checked against Unicorn's results (tests/simd_expect.h, made by
 * tests/simd_expect.py), plus the UNDEFINED cases that must change nothing.
 */
#include "simd_run.h"

SIMD_GROUP_TEST(modimm, "modimm")
SIMD_GROUP_TEST(copy, "copy")
SIMD_GROUP_TEST(permute, "permute")
SIMD_GROUP_TEST(logic, "logic")
SIMD_GROUP_TEST(arith, "arith")
SIMD_GROUP_TEST(minmax, "minmax")
SIMD_GROUP_TEST(across, "across")
SIMD_GROUP_TEST(compare, "compare")
SIMD_GROUP_TEST(widen, "widen")
SIMD_GROUP_TEST(narrow, "narrow")
SIMD_GROUP_TEST(saturating_and_qc, "sat")
SIMD_GROUP_TEST(shift, "shift")
SIMD_GROUP_TEST(saturating_shifts_and_accumulates, "satshift")
SIMD_GROUP_TEST(doubling_and_polynomial_multiplies, "sqdmul")
SIMD_GROUP_TEST(floating_point_vectors, "fpvec")

/* Reserved encodings (C4.1.90): each stops UNDEFINED with nothing changed. */
static void reserved_encodings_are_undefined(void **state)
{
    (void)state;
    /* Words built from fields, as the assembler refuses these forms:
     * ADD .1D (size 11, Q 0), MUL .2D (size 11), DUP .1D (imm5 1000, Q 0),
     * INS with Q = 0, UMOV W from a D element, EXT .8B with imm4 >= 8,
     * SHL .1D (immh 1xxx, Q 0), SHRN from D (immh 1xxx), ADDV .4S with Q 0,
     * ZIP1 .1D, LD2 {.1D}, a shift with immh = 0000 is MOVI: not reserved. */
    static const uint32_t words[] = {
        0x0ee08400u | (2 << 16) | (1 << 5) | 5,  /* add v5.1d, v1.1d, v2.1d */
        0x4ee09c00u | (2 << 16) | (1 << 5) | 5,  /* mul v5.2d */
        0x0e080400u | (1 << 5) | 5,              /* dup v5.1d, v1.d[0] */
        0x0e011c00u | (1 << 5) | 5,              /* ins with Q = 0 */
        0x0e083c00u | (1 << 5) | 5,              /* umov w5, v1.d[0] */
        0x2e004000u | (2 << 16) | (1 << 5) | 5,  /* ext .8b, #8 */
        0x0f405400u | (1 << 5) | 5,              /* shl .1d, #0 */
        0x0f408400u | (1 << 5) | 5,              /* shrn from .2d */
        0x0eb1b800u | (1 << 5) | 5,              /* addv s5, v1.2s */
        0x0ec03800u | (2 << 16) | (1 << 5) | 5,  /* zip1 .1d */
        0x0c408c00u | (1 << 5) | 5,              /* ld2 {v5.1d, v6.1d}, [x1] */
        0x5e208400u | (2 << 16) | (1 << 5) | 5,  /* add b5, b1, b2 (scalar ADD needs D) */
        0x4e20b400u | (2 << 16) | (1 << 5) | 5,  /* sqdmulh .16b (H and S only) */
        0x2e609000u | (2 << 16) | (1 << 5) | 5,  /* SQDMLAL with U = 1: unallocated */
        0x0e60e000u | (2 << 16) | (1 << 5) | 5,  /* pmull with size 01 */
        0x0e605800u | (1 << 5) | 5,              /* cnt with size 01 */
        0x7cc00000u | (1 << 5) | 5,              /* ldur with size 01, opc 11 (no register) */
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        uint8_t code[8];
        uint32_t hlt = 0xd4400000u;
        memcpy(code, &words[i], 4);
        memcpy(code + 4, &hlt, 4);
        agpu_machine *m = test_machine(1, 1u << 20, 0, 0);
        assert_int_equal(agpu_load(m, 0, code, 8), AGPU_OK);
        uint64_t v5[2] = {0x1111111111111111ull, 0x2222222222222222ull}, got[2];
        assert_int_equal(agpu_set_vreg(m, 0, 5, v5), AGPU_OK);
        set_reg(m, 0, 1, 0x10000);
        agpu_lane_result r;
        exec_ok(m, 10, &r);
        if (r.stop.reason != AGPU_STOP_UNDEFINED || r.pc != 0 || r.stop.encoding != words[i])
            fail_msg("word %zu (%08x): stop %d at pc 0x%llx, want UNDEFINED at 0", i, words[i], (int)r.stop.reason,
                     (unsigned long long)r.pc);
        assert_int_equal(agpu_get_vreg(m, 0, 5, got), AGPU_OK);
        assert_int_equal(got[0], v5[0]);
        assert_int_equal(got[1], v5[1]);
        assert_int_equal(reg(m, 0, 5), 0);
        agpu_destroy(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(modimm),   cmocka_unit_test(copy),    cmocka_unit_test(permute),
        cmocka_unit_test(logic),    cmocka_unit_test(arith),   cmocka_unit_test(minmax),
        cmocka_unit_test(across),   cmocka_unit_test(compare), cmocka_unit_test(widen),
        cmocka_unit_test(narrow),   cmocka_unit_test(saturating_and_qc), cmocka_unit_test(shift),
        cmocka_unit_test(saturating_shifts_and_accumulates), cmocka_unit_test(doubling_and_polynomial_multiplies),
        cmocka_unit_test(floating_point_vectors),
        cmocka_unit_test(reserved_encodings_are_undefined),
    };
    return harness_run_tests(tests);
}

/*
 * SIMD&FP loads and stores: LDR/STR (B, H, S, D, Q) in every addressing
 * mode, LDP/STP/LDNP/STNP, LDR (literal), LD1-LD4/ST1-ST4 (multiple and
 * single structures), LD1R-LD4R, post-index immediate and register forms;
 * expected values from Unicorn (tests/simd_expect.h).  Then faults: an
 * access that crosses into unmapped memory changes no register and no byte
 * (the whole range is checked first), and the lane stops on it.
 */
#include "simd_run.h"

SIMD_GROUP_TEST(single_register, "ldst.single")
SIMD_GROUP_TEST(pre_and_post_index, "ldst.index")
SIMD_GROUP_TEST(register_offset, "ldst.regoff")
SIMD_GROUP_TEST(pairs, "ldst.pair")
SIMD_GROUP_TEST(literal, "ldst.literal")
SIMD_GROUP_TEST(multiple_structures, "ldst.struct")
SIMD_GROUP_TEST(single_structures_and_replicate, "ldst.lane")

#define MEM_END 0x100000ull /* run_snippet-style machine: 1 MiB of shared memory */

/* Runs `insn` with x1 = base on a fresh machine whose V registers and last
 * 64 bytes of memory hold known values; expects a FAULT on it with nothing
 * changed. */
static void fault_changes_nothing(const char *insn, uint64_t base)
{
    size_t n;
    uint8_t *code = asm_bytesf(&n, "%s\nhlt #0\n", insn);
    agpu_machine *m = test_machine(1, MEM_END, 0, 0);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    uint8_t tail[64], after[64];
    for (int i = 0; i < 64; i++) tail[i] = (uint8_t)(0x40 + i);
    assert_int_equal(agpu_write_memory(m, 0, MEM_END - 64, tail, 64), AGPU_OK);
    for (uint32_t i = 0; i < 32; i++) {
        uint64_t v[2] = {0x0101010101010101ull * i, ~(0x0101010101010101ull * i)};
        assert_int_equal(agpu_set_vreg(m, 0, i, v), AGPU_OK);
    }
    set_reg(m, 0, 1, base);
    set_reg(m, 0, 2, 16);
    agpu_lane_result r;
    exec_ok(m, 10, &r);
    if (r.stop.reason != AGPU_STOP_FAULT || r.pc != 0)
        fail_msg("%s: stop %d at pc 0x%llx, want FAULT at 0", insn, (int)r.stop.reason, (unsigned long long)r.pc);
    assert_int_equal(r.stop.cause, AGPU_FAULT_UNMAPPED);
    assert_int_equal(r.instructions, 0);
    for (uint32_t i = 0; i < 32; i++) {
        uint64_t v[2];
        assert_int_equal(agpu_get_vreg(m, 0, i, v), AGPU_OK);
        if (v[0] != 0x0101010101010101ull * i || v[1] != ~(0x0101010101010101ull * i))
            fail_msg("%s: v%u changed", insn, i);
    }
    assert_int_equal(reg(m, 0, 1), base);
    assert_int_equal(agpu_read_memory(m, 0, MEM_END - 64, after, 64), AGPU_OK);
    assert_memory_equal(after, tail, 64);
    agpu_destroy(m);
}

static void faults_change_nothing(void **state)
{
    (void)state;
    fault_changes_nothing("ld4 {v5.16b, v6.16b, v7.16b, v8.16b}, [x1], #64", MEM_END - 48);
    fault_changes_nothing("ld1 {v30.2d, v31.2d, v0.2d}, [x1], x2", MEM_END - 40);
    fault_changes_nothing("st1 {v0.16b, v1.16b, v2.16b, v3.16b}, [x1]", MEM_END - 63);
    fault_changes_nothing("st4 {v0.h, v1.h, v2.h, v3.h}[5], [x1], #8", MEM_END - 7);
    fault_changes_nothing("ld3r {v9.4s, v10.4s, v11.4s}, [x1], #12", MEM_END - 11);
    fault_changes_nothing("ldp q5, q6, [x1, #16]!", MEM_END - 40);
    fault_changes_nothing("stp q5, q6, [x1], #32", MEM_END - 17);
    fault_changes_nothing("ldr q7, [x1, #8]!", MEM_END - 16);
    fault_changes_nothing("str q7, [x1], #16", MEM_END - 15);
    fault_changes_nothing("ld2 {v5.b, v6.b}[3], [x1]", MEM_END - 1);
}

/* A load of a B/H/S/D register clears the rest of the 128 bits; a lane
 * load (LD1 {Vt.s}[i]) keeps them. */
static void narrow_loads_zero_extend_and_lane_loads_merge(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("mov x1, #0x10000\n"
                                  "movi v0.16b, #0xff\nmovi v1.16b, #0xff\nmovi v2.16b, #0xff\n"
                                  "ldr b0, [x1]\nldr s1, [x1]\nld1 {v2.s}[1], [x1]\nhlt #0\n",
                                  100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    uint64_t v[2];
    assert_int_equal(agpu_get_vreg(m, 0, 0, v), AGPU_OK);
    assert_int_equal(v[0], 0);
    assert_int_equal(v[1], 0);
    assert_int_equal(agpu_get_vreg(m, 0, 1, v), AGPU_OK);
    assert_int_equal(v[1], 0);
    assert_int_equal(agpu_get_vreg(m, 0, 2, v), AGPU_OK);
    assert_int_equal(v[0], 0x00000000ffffffffull); /* memory at 0x10000 is zero */
    assert_int_equal(v[1], ~0ull);
    agpu_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_register),
        cmocka_unit_test(pre_and_post_index),
        cmocka_unit_test(register_offset),
        cmocka_unit_test(pairs),
        cmocka_unit_test(literal),
        cmocka_unit_test(multiple_structures),
        cmocka_unit_test(single_structures_and_replicate),
        cmocka_unit_test(faults_change_nothing),
        cmocka_unit_test(narrow_loads_zero_extend_and_lane_loads_merge),
    };
    return harness_run_tests(tests);
}

/* The prototype's first program, end to end: the ALU loop and its stop. */
#include "harness.h"

#include <stdlib.h>

static void alu_loop_counts_and_halts(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = run_snippet("movz x0, #100\n"
                                  "1: add x1, x1, #1\n"
                                  "add x2, x2, #3\n"
                                  "subs x0, x0, #1\n"
                                  "b.ne 1b\n"
                                  "hlt #0\n",
                                  100000, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.instructions, 1 + 4 * 100);
    assert_int_equal(reg(m, 0, 1), 100);
    assert_int_equal(reg(m, 0, 2), 300);
    assert_int_equal(r.pc, 4 * 5);
    agpu_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alu_loop_counts_and_halts),
    };
    return harness_run_tests(tests);
}

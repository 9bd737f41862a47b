/*
 * harness.h - what the C tests share: assembling with the GNU cross
 * assembler at test time (encodings are never typed by hand), building
 * machines, and running a snippet on one lane.
 */
#ifndef ARMGPU_TEST_HARNESS_H
#define ARMGPU_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "armgpu.h"

/* Assembles AArch64 source (GNU syntax, one or more lines) with
 * aarch64-linux-gnu-as and returns the flat bytes of its .text section in a
 * malloc'd buffer (caller frees), *len set.  The section starts at address
 * 0, so labels and literal pools work when the code is loaded at 0.  Fails
 * the running test with the assembler's message on error. */
uint8_t *asm_bytes(const char *source, size_t *len);

/* The 32-bit encoding of one instruction, for example asm_word("add x0, x1, #1"). */
uint32_t asm_word(const char *insn);

/* A printf-style wrapper of asm_bytes. */
uint8_t *asm_bytesf(size_t *len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A cpu-backend machine (or ARMGPU_TEST_BACKEND from the environment:
 * "cpu", "cuda", "auto"); fails the test if it cannot be created. */
agpu_machine *test_machine(uint32_t lanes, uint64_t shared_size, uint64_t priv_base, uint64_t priv_size);

/* The same with cfg.num_threads (cpu backend workers; 0: one per host core). */
agpu_machine *test_machine_threads(uint32_t lanes, uint64_t shared_size, uint64_t priv_base,
                                   uint64_t priv_size, uint32_t threads);

/* cmocka_run_group_tests, after ARMGPU_TEST_FILTER (a cmocka name pattern,
 * `*` and `?`) has narrowed the cases to run: tests/gpu/sanitize.sh runs the
 * cases of a test slowed by compute-sanitizer as separate processes. */
static inline void harness_select_tests(void)
{
    const char *pattern = getenv("ARMGPU_TEST_FILTER");
    if (pattern && *pattern) cmocka_set_test_filter(pattern);
}
#define harness_run_tests(group) (harness_select_tests(), cmocka_run_group_tests(group, NULL, NULL))

/* The backend the tests were asked to use (ARMGPU_TEST_BACKEND, default cpu). */
agpu_backend test_backend(void);

/* Loads `source` at address 0 of a new 1-lane machine with 1 MiB of shared
 * memory, sets SP to 0x80000, runs until it stops (at most `budget`
 * instructions) and returns the machine for inspection.  *result gets the
 * lane's result when not NULL. */
agpu_machine *run_snippet(const char *source, uint64_t budget, agpu_lane_result *result);

/* Register shorthands for one lane that fail the test on error. */
uint64_t reg(agpu_machine *m, uint32_t lane, agpu_reg r);
void set_reg(agpu_machine *m, uint32_t lane, agpu_reg r, uint64_t v);

/* Executes and fails the test unless agpu_execute returns AGPU_OK. */
void exec_ok(agpu_machine *m, uint64_t budget, agpu_lane_result *results);

#define NZCV_N (1ull << 31)
#define NZCV_Z (1ull << 30)
#define NZCV_C (1ull << 29)
#define NZCV_V (1ull << 28)

#endif

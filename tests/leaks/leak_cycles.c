/*
 * leak_cycles.c - machines created, used and destroyed in a loop, through
 * every path that allocates: create (and creates that fail at each check
 * and each allocation), load, private writes, protect, register access one
 * lane and all lanes, execute with and without a results array and on
 * several worker threads, reads, error messages, destroy.  Run under
 * valgrind or LeakSanitizer (tests/leaks/CMakeLists.txt); exits non-zero if
 * the library misbehaves, and the checker fails the test on any leak.
 *
 * Usage: leak_cycles [cycles]   (default 40)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armgpu.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifdef UNDER_ASAN
/* The 4 PiB create below must fail as calloc returning NULL, not as an
 * ASan report: the library's answer to it is what is under test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1:detect_leaks=1"; }
#endif

#define OK(call)                                                                      \
    do {                                                                              \
        int rc_ = (call);                                                             \
        if (rc_ != AGPU_OK) {                                                         \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, agpu_strerror(rc_)); \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

/* add x0, x0, #1; subs x1, x1, #1; b.ne -8; str x0, [x2]; hlt #0 */
static const uint32_t program[] = {0x91000400u, 0xf1000421u, 0x54ffffc1u, 0xf9000040u, 0xd4400000u};

static void cycle(int i)
{
    agpu_config c;
    agpu_config_init(&c);
    c.backend = AGPU_BACKEND_CPU;
    c.num_lanes = 1 + (uint32_t)(i % 7) * 37;
    c.shared_size = 64 * 1024;
    c.private_base = 0x100000;
    c.private_size = (i % 2) ? 16 * 1024 : 0;
    c.num_threads = 1 + (uint32_t)(i % 3);
    agpu_machine *m = NULL;
    OK(agpu_create(&c, &m));
    OK(agpu_load(m, 0x1000, program, sizeof program));
    OK(agpu_fill_reg(m, AGPU_REG_PC, 0x1000));
    OK(agpu_fill_reg(m, AGPU_REG_X0 + 1, 1000 + (uint64_t)i));
    uint64_t *vals = calloc(c.num_lanes, sizeof *vals);
    for (uint32_t l = 0; l < c.num_lanes; l++) vals[l] = c.private_size ? 0x100000 + 8 : 0x2000 + 8 * l;
    OK(agpu_set_reg_all(m, AGPU_REG_X0 + 2, vals));
    OK(agpu_protect(m, 0x4000, 0x1000, AGPU_PROT_READ));
    if (c.private_size) {
        uint8_t junk[64] = {1, 2, 3};
        OK(agpu_write_memory(m, c.num_lanes - 1, 0x100000 + 64, junk, sizeof junk));
    }
    agpu_lane_result *r = (i % 3) ? calloc(c.num_lanes, sizeof *r) : NULL;
    /* A budget that stops mid-loop, then one that runs to the HLT. */
    OK(agpu_execute(m, 500, r));
    OK(agpu_execute(m, UINT64_MAX, r));
    OK(agpu_get_reg_all(m, AGPU_REG_X0, vals));
    for (uint32_t l = 0; l < c.num_lanes; l++) {
        if (vals[l] != 1000 + (uint64_t)i) {
            fprintf(stderr, "cycle %d lane %u: x0 = %llu\n", i, l, (unsigned long long)vals[l]);
            exit(1);
        }
    }
    uint64_t x;
    OK(agpu_read_memory(m, 0, c.private_size ? 0x100008 : 0x2008, &x, 8));
    agpu_stop st;
    OK(agpu_get_stop(m, c.num_lanes - 1, &st));
    char text[128];
    agpu_format_stop(&st, 0, text, sizeof text);
    /* Failing calls record messages and allocate nothing that stays. */
    if (agpu_read_memory(m, 0, 1ull << 40, &x, 8) != AGPU_ERR_ADDRESS) exit(1);
    if (agpu_get_reg(m, c.num_lanes, AGPU_REG_PC, &x) != AGPU_ERR_LANE_RANGE) exit(1);
    size_t stride;
    (void)agpu_gpr_view(m, &stride);
    free(r);
    free(vals);
    agpu_destroy(m);

    /* Creates that fail: at the checks, and at an allocation. */
    agpu_config bad = c;
    bad.num_lanes = 0;
    if (agpu_create(&bad, &m) != AGPU_ERR_INVALID_ARGUMENT || m) exit(1);
    bad = c;
    bad.num_lanes = 1u << 20;
    bad.private_size = 1ull << 32; /* 4 PiB in all */
    if (agpu_create(&bad, &m) == AGPU_OK) exit(1);
}

int main(int argc, char **argv)
{
    int cycles = argc > 1 ? atoi(argv[1]) : 40;
    for (int i = 0; i < cycles; i++) cycle(i);
    printf("leak_cycles: %d cycles\n", cycles);
    return 0;
}

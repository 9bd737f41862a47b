/*
 * fuzz_elf.c - libFuzzer target: the ELF loader (src/linux/loader.c) on
 * arbitrary files, through the public API: agpu_linux_create() on the
 * input bytes as they are, then, when the file is accepted, a bounded run
 * of two lanes.
 *
 * Input: the ELF file itself, nothing else, so the committed seeds are
 * real static AArch64 programs (tests/programs/freestanding built with
 * -Os -static -nostdlib and stripped) and truncated or corrupted copies,
 * and libFuzzer's mutations stay close to real files.
 *
 * Invariants checked (abort on failure):
 *  - a refusal returns AGPU_ERR_INVALID_ARGUMENT (or OUT_OF_MEMORY), leaves
 *    *out NULL and a new, non-empty, printable one-line message in
 *    agpu_last_error(NULL) (a sentinel message is set before each call);
 *  - an accepted file gives a machine with at least one lane, agpu_linux_run
 *    returns AGPU_OK for every slice of the budget, and each lane's result
 *    is consistent: RUNNING, EXITED with 0..255 and no signal, or SIGNALED
 *    with 128 + a signal in 1..64; instructions within the budget; the
 *    system-call statistics read back;
 *  - no host fault, ASan or UBSan report anywhere on the way.
 *
 * Files whose segments would make the machine larger than 64 MiB are
 * checked only up to the point of creation (libFuzzer counts huge
 * allocations as crashes): a conservative scan of the program headers in
 * the target decides, so every refusal the loader makes before allocating
 * still runs.
 */
#include "fuzz_common.h"

#define SLICE_INSNS 64u  /* per agpu_linux_run call */
#define SLICES 32u       /* calls per input: 2048 instructions in all */
#define MAX_OUT (1u << 20)
#define MAX_MACHINE (64ull << 20)

static uint64_t rd(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Whether creating a machine for this file could need more than
 * MAX_MACHINE bytes: the span of every PT_LOAD the headers describe
 * (counted whatever the loader would think of them), plus the static-PIE
 * base.  Files the loader refuses before allocating are never "large"
 * here unless their segments are. */
static int too_large(const uint8_t *d, size_t n)
{
    if (n < 64 || memcmp(d, "\177ELF", 4) != 0) return 0;
    uint64_t phoff = rd(d + 32, 8);
    uint64_t phnum = rd(d + 56, 2), type = rd(d + 16, 2);
    if (phoff > n) return 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint64_t i = 0; i < phnum && phoff + (i + 1) * 56 <= n; i++) {
        const uint8_t *ph = d + phoff + i * 56;
        if (rd(ph, 4) != 1) continue;
        uint64_t va = rd(ph + 16, 8), memsz = rd(ph + 40, 8);
        if (!memsz) continue;
        if (va > (1ull << 33) || memsz > (1ull << 33)) return 0; /* refused before allocating */
        if (va < lo) lo = va;
        if (va + memsz > hi) hi = va + memsz;
    }
    if (hi == 0) return 0;
    uint64_t need = type == 3 ? 0x400000ull + (hi - (lo & ~0xfffull)) : hi;
    return need > MAX_MACHINE;
}

static void check_message(const char *what)
{
    const char *e = agpu_last_error(NULL);
    CHECK(e && e[0], "%s: empty error message", what);
    for (const char *c = e; *c; c++)
        CHECK(*c == '\t' || ((unsigned char)*c >= 0x20 && *c != 0x7f) || (unsigned char)*c >= 0x80,
              "%s: control character 0x%02x in the message \"%s\"", what, (unsigned char)*c, e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (too_large(data, size)) return 0;

    agpu_linux_config cfg;
    agpu_linux_config_init(&cfg);
    cfg.num_lanes = 2;
    cfg.backend = AGPU_BACKEND_CPU;
    cfg.num_threads = 1;
    cfg.heap_size = 64 << 10;
    cfg.mmap_size = 64 << 10;
    cfg.stack_size = 64 << 10;
    cfg.seed = 1;

    /* A sentinel message, so a refusal that sets none is caught. */
    agpu_linux *p = (agpu_linux *)1;
    int rc = agpu_linux_create(NULL, 0, NULL, &cfg, &p);
    CHECK(rc == AGPU_ERR_INVALID_ARGUMENT && p == NULL, "NULL elf: rc %d", rc);
    char sentinel[256];
    snprintf(sentinel, sizeof sentinel, "%s", agpu_last_error(NULL));

    /* An exact-size copy: the loader must not read past the file. */
    uint8_t *file = malloc(size ? size : 1);
    CHECK(file != NULL, "out of memory");
    if (size) memcpy(file, data, size);
    p = (agpu_linux *)1;
    rc = agpu_linux_create(file, size, "/fuzz/prog", &cfg, &p);
    free(file); /* the loader keeps its own copy */
    if (rc != AGPU_OK) {
        CHECK(p == NULL, "refused (rc %d) but *out is not NULL", rc);
        CHECK(rc == AGPU_ERR_INVALID_ARGUMENT || rc == AGPU_ERR_OUT_OF_MEMORY, "refused with rc %d (%s)", rc,
              agpu_last_error(NULL));
        check_message("refusal");
        CHECK(strcmp(agpu_last_error(NULL), sentinel) != 0, "refusal (rc %d) left the previous message", rc);
        return 0;
    }
    CHECK(p != NULL && p != (agpu_linux *)1, "accepted but *out not set");
    agpu_machine *m = agpu_linux_machine(p);
    CHECK(m != NULL && agpu_num_lanes(m) == 2, "machine");

    const char *argv1[] = {"prog", "x", NULL};
    CHECK(agpu_linux_set_args(p, 1, argv1) == AGPU_OK, "%s", agpu_last_error(m));
    CHECK(agpu_linux_set_stdin(p, AGPU_ALL_LANES, "in\n", 3) == AGPU_OK, "%s", agpu_last_error(m));

    uint64_t budget = 0;
    for (uint32_t s = 0; s < SLICES; s++) {
        rc = agpu_linux_run(p, SLICE_INSNS);
        if (s == 0 && rc != AGPU_OK) {
            /* Start-up may refuse (a stack too small for the tables), with
             * a message; nothing ran. */
            CHECK(rc == AGPU_ERR_INVALID_ARGUMENT || rc == AGPU_ERR_OUT_OF_MEMORY || rc == AGPU_ERR_ADDRESS,
                  "first run: rc %d (%s)", rc, agpu_last_error(m));
            CHECK(agpu_last_error(m)[0], "first run failed without a message");
            break;
        }
        CHECK(rc == AGPU_OK, "run: rc %d (%s)", rc, agpu_last_error(m));
        budget += SLICE_INSNS;
        int live = 0;
        size_t out = 0;
        for (uint32_t l = 0; l < 2; l++) {
            agpu_linux_result r;
            CHECK(agpu_linux_result_of(p, l, &r) == AGPU_OK, "%s", agpu_last_error(m));
            CHECK(r.instructions <= budget, "lane %u: %llu instructions over %llu", l,
                  (unsigned long long)r.instructions, (unsigned long long)budget);
            CHECK(r.out && r.err, "lane %u: NULL output", l);
            switch (r.status) {
            case AGPU_LINUX_RUNNING:
                CHECK(r.signal == 0, "lane %u running with signal %d", l, r.signal);
                live = 1;
                break;
            case AGPU_LINUX_EXITED:
                CHECK(r.signal == 0 && r.exit_code >= 0 && r.exit_code <= 255, "lane %u: exit %d signal %d", l,
                      r.exit_code, r.signal);
                break;
            case AGPU_LINUX_SIGNALED:
                CHECK(r.signal >= 1 && r.signal <= 64 && r.exit_code == 128 + r.signal,
                      "lane %u: signal %d exit %d", l, r.signal, r.exit_code);
                break;
            default:
                CHECK(0, "lane %u: status %u", l, r.status);
            }
            out += r.out_len + r.err_len;
        }
        size_t count = 0;
        CHECK(agpu_linux_syscall_stats(p, NULL, 0, &count) == AGPU_OK, "%s", agpu_last_error(m));
        if (!live || out > MAX_OUT) break;
    }
    agpu_linux_destroy(p);
    return 0;
}

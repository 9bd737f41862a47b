/*
 * cuda_compare.c - the cuda backend against the cpu backend (the reference),
 * bit for bit, on random programs (DESIGN decision 1; issue 5, item 5).
 *
 * Each program is random words drawn from the encoding table itself
 * (a64_op_pattern, generated from shaders/a64.decode): every class of
 * instruction the library knows, with random fields, so unallocated field
 * values, faults and stops are exercised too.  Branch offsets are narrowed
 * so that control flow stays mostly inside the program.  Every lane starts
 * from its own registers (random values, addresses in its private region or
 * in the shared data page), so lanes diverge.  Guest memory that lanes can
 * write is private to each lane, so the outcome is deterministic: the shared
 * region is code (read, execute) and data (read only).
 *
 * After each execute, for every lane: the result record (instructions, pc,
 * the whole stop record), every register agpu_reg names, and the whole
 * private region; V0-V31 of the first VLANES lanes (one read per register,
 * so not all lanes); and the shared region.  Each program runs twice (the
 * second execute resumes the lanes, as after a system call).
 *
 * Every program gets new machines: the cuda backend runs its integer kernel
 * until a lane meets SIMD&FP code and then moves the machine to the full
 * kernel (backend_cuda.c), and that hand-over is what a fresh machine
 * exercises.  Odd programs draw integer classes only, so the integer kernel
 * runs them whole; even ones mix in SIMD&FP, with FPCR random (rounding
 * mode, FZ, DN, AHP) and V registers random in the first VLANES lanes.
 *
 * Usage: cuda_compare [programs] [lanes] [seed] [other]   (defaults 200 1024 1 cuda)
 * other = cpu compares the cpu backend with itself: a check of this tool
 * where there is no GPU.
 * Exit status: 0 all equal, 1 a difference (printed with what reproduces
 * it), 77 no cuda backend here (ctest counts that as skipped).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armgpu.h"
#include "a64_core.h"
#include "a64_decode_gen.h"

#define PROG_WORDS 64
#define SHARED_SIZE (2 * AGPU_PAGE_SIZE) /* page 0: code (r-x), page 1: data (r--) */
#define PRIV_BASE 0x100000ull
#define PRIV_SIZE (2 * AGPU_PAGE_SIZE)
#define BUDGET 3000
#define VLANES 64u

static uint64_t rng_state;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void die(const char *what, agpu_machine *m, int rc)
{
    fprintf(stderr, "cuda_compare: %s: %s: %s\n", what, agpu_strerror(rc), agpu_last_error(m));
    exit(1);
}
#define CHECK(m, call)                 \
    do {                               \
        int rc_ = (call);              \
        if (rc_) die(#call, (m), rc_); \
    } while (0)

static agpu_machine *make(agpu_backend b, uint32_t lanes)
{
    agpu_config c;
    agpu_config_init(&c);
    c.num_lanes = lanes;
    c.shared_size = SHARED_SIZE;
    c.private_base = PRIV_BASE;
    c.private_size = PRIV_SIZE;
    c.backend = b;
    agpu_machine *m = NULL;
    int rc = agpu_create(&c, &m);
    if (rc) die("agpu_create", NULL, rc);
    CHECK(m, agpu_protect(m, 0, AGPU_PAGE_SIZE, AGPU_PROT_READ | AGPU_PROT_EXEC));
    CHECK(m, agpu_protect(m, AGPU_PAGE_SIZE, AGPU_PAGE_SIZE, AGPU_PROT_READ));
    return m;
}

static int is_fpsimd_op(uint32_t op)
{
    const char *c = a64_class_name[a64_op_class[op]];
    return !strncmp(c, "fp.", 3) || !strncmp(c, "simd.", 5);
}

/* A random word of a random op (integer classes only when int_only), branch
 * offsets narrowed to +-8 words. */
static uint32_t random_word(int int_only)
{
    uint32_t op;
    do op = 1 + (uint32_t)(rnd() % (A64_OP_COUNT - 1));
    while (int_only && is_fpsimd_op(op));
    uint32_t w = a64_op_pattern[op].value | ((uint32_t)rnd() & ~a64_op_pattern[op].mask);
    int32_t off = (int32_t)(rnd() % 17) - 8;
    switch (op) {
    case A64_OP_B_IMM: w = (w & ~0x03ffffffu) | ((uint32_t)off & 0x03ffffffu); break;
    case A64_OP_B_COND:
    case A64_OP_CB: w = (w & ~(0x7ffffu << 5)) | (((uint32_t)off & 0x7ffffu) << 5); break;
    case A64_OP_TB: w = (w & ~(0x3fffu << 5)) | (((uint32_t)off & 0x3fffu) << 5); break;
    default: break;
    }
    return w;
}

static uint64_t random_reg(void)
{
    switch (rnd() % 8) {
    case 0: case 1: case 2: return PRIV_BASE + (rnd() % PRIV_SIZE & ~7ull); /* aligned, private */
    case 3: return PRIV_BASE + rnd() % (PRIV_SIZE + 64);                 /* maybe past the end */
    case 4: return AGPU_PAGE_SIZE + rnd() % AGPU_PAGE_SIZE;              /* shared data */
    case 5: return rnd() % 64;                                           /* small */
    case 6: return (uint64_t)-(int64_t)(rnd() % 64);                     /* small negative */
    default: return rnd();
    }
}

static int diff(const char *what, uint32_t lane, uint64_t cpu, uint64_t cuda)
{
    fprintf(stderr, "DIFFERENCE: lane %u %s: cpu 0x%016" PRIx64 " cuda 0x%016" PRIx64 "\n", lane, what,
            cpu, cuda);
    return 1;
}

static int compare(agpu_machine *a, agpu_machine *b, uint32_t lanes, const agpu_lane_result *ra,
                   const agpu_lane_result *rb, uint64_t *va, uint64_t *vb, uint8_t *ma, uint8_t *mb)
{
    int bad = 0;
    for (uint32_t l = 0; l < lanes && bad < 10; l++) {
        if (ra[l].instructions != rb[l].instructions)
            bad += diff("instructions", l, ra[l].instructions, rb[l].instructions);
        if (ra[l].pc != rb[l].pc) bad += diff("result pc", l, ra[l].pc, rb[l].pc);
        if (memcmp(&ra[l].stop, &rb[l].stop, sizeof ra[l].stop)) {
            char sa[160], sb[160];
            agpu_format_stop(&ra[l].stop, ra[l].pc, sa, sizeof sa);
            agpu_format_stop(&rb[l].stop, rb[l].pc, sb, sizeof sb);
            fprintf(stderr, "DIFFERENCE: lane %u stop: cpu %s (enc 0x%08x) / cuda %s (enc 0x%08x)\n", l,
                    sa, ra[l].stop.encoding, sb, rb[l].stop.encoding);
            bad++;
        }
    }
    for (int r = 0; r < AGPU_REG_COUNT && bad < 10; r++) {
        CHECK(a, agpu_get_reg_all(a, (agpu_reg)r, va));
        CHECK(b, agpu_get_reg_all(b, (agpu_reg)r, vb));
        for (uint32_t l = 0; l < lanes && bad < 10; l++)
            if (va[l] != vb[l]) bad += diff(agpu_reg_name((agpu_reg)r), l, va[l], vb[l]);
    }
    for (uint32_t l = 0; l < lanes && l < VLANES && bad < 10; l++)
        for (uint32_t n = 0; n < 32 && bad < 10; n++) {
            uint64_t qa[2], qb[2];
            CHECK(a, agpu_get_vreg(a, l, n, qa));
            CHECK(b, agpu_get_vreg(b, l, n, qb));
            if (qa[0] != qb[0] || qa[1] != qb[1]) {
                fprintf(stderr, "DIFFERENCE: lane %u V%u: cpu 0x%016" PRIx64 "%016" PRIx64
                        " cuda 0x%016" PRIx64 "%016" PRIx64 "\n", l, n, qa[1], qa[0], qb[1], qb[0]);
                bad++;
            }
        }
    for (uint32_t l = 0; l < lanes && bad < 10; l++) {
        CHECK(a, agpu_read_memory(a, l, PRIV_BASE, ma, PRIV_SIZE));
        CHECK(b, agpu_read_memory(b, l, PRIV_BASE, mb, PRIV_SIZE));
        if (memcmp(ma, mb, PRIV_SIZE)) {
            size_t i = 0;
            while (ma[i] == mb[i]) i++;
            bad += diff("private byte", l, ma[i], mb[i]);
            fprintf(stderr, "  at guest address 0x%" PRIx64 "\n", (uint64_t)(PRIV_BASE + i));
        }
    }
    CHECK(a, agpu_read_memory(a, 0, 0, ma, SHARED_SIZE));
    CHECK(b, agpu_read_memory(b, 0, 0, mb, SHARED_SIZE));
    if (memcmp(ma, mb, SHARED_SIZE)) bad += diff("shared memory", 0, 0, 1);
    return bad;
}

int main(int argc, char **argv)
{
    uint32_t programs = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 200;
    uint32_t lanes = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 1024;
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
    agpu_backend other = argc > 4 && !strcmp(argv[4], "cpu") ? AGPU_BACKEND_CPU : AGPU_BACKEND_CUDA;
    char why[256];
    if (agpu_backend_available(other, why, sizeof why) != AGPU_OK) {
        printf("cuda_compare: skipped: the cuda backend is unavailable: %s\n", why);
        return 77;
    }
    printf("cuda_compare: %u programs x %u lanes, seed %" PRIu64 ", on %s\n", programs, lanes, seed, why);
    agpu_lane_result *ra = malloc(lanes * sizeof *ra), *rb = malloc(lanes * sizeof *rb);
    uint64_t *va = malloc(lanes * sizeof *va), *vb = malloc(lanes * sizeof *vb);
    uint64_t *regs = malloc((size_t)lanes * AGPU_REG_COUNT * sizeof *regs);
    uint8_t *ma = malloc(PRIV_SIZE), *mb = malloc(PRIV_SIZE), *data = malloc(PRIV_SIZE);
    if (!ra || !rb || !va || !vb || !regs || !ma || !mb || !data) die("malloc", NULL, AGPU_ERR_OUT_OF_MEMORY);
    uint64_t stops[16] = {0}, retired = 0;
    for (uint32_t p = 0; p < programs; p++) {
        rng_state = seed * 0x100000001B3ull + p;
        int int_only = p & 1;
        agpu_machine *cpu = make(AGPU_BACKEND_CPU, lanes), *gpu = make(other, lanes);
        uint32_t code[PROG_WORDS];
        for (int i = 0; i < PROG_WORDS; i++) code[i] = random_word(int_only);
        uint8_t sdata[AGPU_PAGE_SIZE];
        for (size_t i = 0; i < sizeof sdata; i++) sdata[i] = (uint8_t)rnd();
        /* Registers: lane-major, then set one register of every lane at a time. */
        for (uint32_t l = 0; l < lanes; l++) {
            for (int r = 0; r <= AGPU_REG_SP; r++) regs[(size_t)r * lanes + l] = random_reg();
            regs[(size_t)AGPU_REG_SP * lanes + l] = PRIV_BASE + PRIV_SIZE / 2;
            regs[(size_t)AGPU_REG_PC * lanes + l] = 4 * (rnd() % 4);
            regs[(size_t)AGPU_REG_NZCV * lanes + l] = rnd() << 28;
            regs[(size_t)AGPU_REG_TPIDR_EL0 * lanes + l] = rnd();
            regs[(size_t)AGPU_REG_FPCR * lanes + l] = int_only ? 0 : rnd() & A64_FPCR_MASK;
            regs[(size_t)AGPU_REG_FPSR * lanes + l] = 0;
            regs[(size_t)AGPU_REG_ICOUNT * lanes + l] = rnd() % 1000;
        }
        agpu_machine *ms[2] = {cpu, gpu};
        for (int k = 0; k < 2; k++) {
            agpu_machine *m = ms[k];
            CHECK(m, agpu_write_memory(m, 0, 0, code, sizeof code));
            CHECK(m, agpu_write_memory(m, 0, AGPU_PAGE_SIZE, sdata, sizeof sdata));
            for (int r = 0; r < AGPU_REG_COUNT; r++)
                CHECK(m, agpu_set_reg_all(m, (agpu_reg)r, regs + (size_t)r * lanes));
        }
        for (uint32_t l = 0; !int_only && l < lanes && l < VLANES; l++)
            for (uint32_t n = 0; n < 32; n++) {
                uint64_t q[2] = {random_reg(), random_reg()};
                for (int k = 0; k < 2; k++) CHECK(ms[k], agpu_set_vreg(ms[k], l, n, q));
            }
        /* Private memory: a broadcast, then a different first line per lane. */
        for (size_t i = 0; i < PRIV_SIZE; i++) data[i] = (uint8_t)rnd();
        for (int k = 0; k < 2; k++) CHECK(ms[k], agpu_load(ms[k], PRIV_BASE, data, PRIV_SIZE));
        for (uint32_t l = 0; l < lanes; l++) {
            uint64_t line[8];
            for (int i = 0; i < 8; i++) line[i] = random_reg();
            for (int k = 0; k < 2; k++) CHECK(ms[k], agpu_write_memory(ms[k], l, PRIV_BASE, line, sizeof line));
        }
        for (int round = 0; round < 2; round++) {
            CHECK(cpu, agpu_execute(cpu, BUDGET, ra));
            CHECK(gpu, agpu_execute(gpu, BUDGET, rb));
            if (compare(cpu, gpu, lanes, ra, rb, va, vb, ma, mb)) {
                fprintf(stderr, "cuda_compare: program %u (seed %" PRIu64 "), execute %d differs; its words:\n",
                        p, seed, round + 1);
                for (int i = 0; i < PROG_WORDS; i++)
                    fprintf(stderr, "  %3d: 0x%08x%s", 4 * i, code[i], i % 4 == 3 ? "\n" : "");
                fprintf(stderr, "reproduce: cuda_compare %u %u %" PRIu64 "\n", p + 1, lanes, seed);
                return 1;
            }
            for (uint32_t l = 0; l < lanes; l++) {
                stops[ra[l].stop.reason & 15]++;
                retired += ra[l].instructions;
            }
        }
        agpu_destroy(cpu);
        agpu_destroy(gpu);
        if ((p + 1) % 100 == 0) {
            printf("  %u programs equal\n", p + 1);
            fflush(stdout);
        }
    }
    printf("cuda_compare: %u programs x %u lanes x 2 executes: no differences; %" PRIu64
           " instructions retired; stops:", programs, lanes, retired);
    for (int i = 0; i < 16; i++)
        if (stops[i]) printf(" %s %" PRIu64, agpu_stop_reason_name((uint32_t)i), stops[i]);
    printf("\n");
    free(ra), free(rb), free(va), free(vb), free(regs), free(ma), free(mb), free(data);
    return 0;
}

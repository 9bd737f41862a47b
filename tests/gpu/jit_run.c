/*
 * jit_run.c - translated code (shaders/a64_jit.h) against the cpu backend,
 * on the cases where a translation could go stale or count wrong.
 *
 * Each case runs the same program on a cpu machine and on a cuda machine
 * with ARMGPU_CUDA_JIT=always (a translation from the lanes' PCs before
 * every execute, waited for), execute by execute, and compares every lane's
 * result record, X0-X30, SP, PC, NZCV and the memory the program writes.
 * A few outcomes are also checked against values worked out by hand, so a
 * fault shared by both backends cannot pass.
 *
 *   alu      the prototype's loop, budgets cut at odd points, 64 lanes with
 *            different trip counts (divergence, lanes halting apart)
 *   smc      the loop stores a new word over the instruction after the store
 *            (the interpreter must run the new word every time)
 *   rewrite  the host rewrites a translated word between two executes
 *   svc      a system call inside the loop: stop, resume, stop, ...
 *   noexec   execute permission taken from the code page between executes
 *   memory   loads, stores and pairs in the loop, then a load from an
 *            unmapped address (a fault inside translated code)
 *
 * Exit status: 0 all equal, 1 a difference, 77 no GPU or no NVRTC.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armgpu.h"

/* Words checked against aarch64-linux-gnu-as 2.40 (objdump -d). */
static const uint32_t ALU[] = {
    0x91000421, /* 0:  add  x1, x1, #1 */
    0x91000c42, /* 4:  add  x2, x2, #3 */
    0xf1000400, /* 8:  subs x0, x0, #1 */
    0x54ffffa1, /* c:  b.ne 0          */
    0xd4400000, /* 10: hlt  #0         */
};
#define ADD_X2_5 0x91001442u /* add x2, x2, #5 */
static const uint32_t SMC[] = {
    0x52828845, /* 0:  mov  w5, #0x1442          */
    0x72b22005, /* 4:  movk w5, #0x9100, lsl #16 (w5 = add x2, x2, #5) */
    0x10000066, /* 8:  adr  x6, 14               */
    0x91000421, /* c:  add  x1, x1, #1           */
    0xb90000c5, /* 10: str  w5, [x6]             */
    0x91000c42, /* 14: add  x2, x2, #3 (rewritten by the str) */
    0xf1000400, /* 18: subs x0, x0, #1           */
    0x54ffff81, /* 1c: b.ne c                    */
    0xd4400000, /* 20: hlt  #0                   */
};
static const uint32_t SVC[] = {
    0x91000421, /* 0:  add  x1, x1, #1 */
    0xd40000e1, /* 4:  svc  #7         */
    0xf1000400, /* 8:  subs x0, x0, #1 */
    0x54ffffa1, /* c:  b.ne 0          */
    0xd4400000, /* 10: hlt  #0         */
};
static const uint32_t MEMORY[] = {
    0xf9400064, /* 0:  ldr  x4, [x3]         */
    0x8b010084, /* 4:  add  x4, x4, x1       */
    0xf9000464, /* 8:  str  x4, [x3, #8]     */
    0xa9010861, /* c:  stp  x1, x2, [x3, #16] */
    0xa9411865, /* 10: ldp  x5, x6, [x3, #16] */
    0x91000421, /* 14: add  x1, x1, #1       */
    0x8b050042, /* 18: add  x2, x2, x5       */
    0xf1000400, /* 1c: subs x0, x0, #1       */
    0x54ffff01, /* 20: b.ne 0                */
    0xf9400127, /* 24: ldr  x7, [x9]         */
    0xd4400020, /* 28: hlt  #1               */
};

#define LANES 64u
#define SHARED 0x2000ull
#define PRIV_BASE 0x100000ull
#define PRIV_SIZE 0x1000ull

typedef struct pair {
    agpu_machine *m[2]; /* cpu, cuda */
    agpu_lane_result res[2][LANES];
} pair;

static int failures;

static void fail(const char *c, const char *fmt, uint32_t lane, uint64_t a, uint64_t b)
{
    fprintf(stderr, "jit_run: %s, lane %u: %s: cpu 0x%" PRIx64 ", cuda 0x%" PRIx64 "\n", c, lane, fmt, a, b);
    failures++;
}

static void must(int rc, agpu_machine *m, const char *what)
{
    if (rc) {
        fprintf(stderr, "jit_run: %s: %s: %s\n", what, agpu_strerror(rc), agpu_last_error(m));
        exit(1);
    }
}

static void make(pair *p, const uint32_t *code, size_t len, uint32_t prot)
{
    for (int b = 0; b < 2; b++) {
        agpu_config c;
        agpu_config_init(&c);
        c.num_lanes = LANES;
        c.backend = b ? AGPU_BACKEND_CUDA : AGPU_BACKEND_CPU;
        c.shared_size = SHARED;
        c.private_base = PRIV_BASE;
        c.private_size = PRIV_SIZE;
        must(agpu_create(&c, &p->m[b]), NULL, "agpu_create");
        must(agpu_load(p->m[b], 0, code, len), p->m[b], "agpu_load");
        must(agpu_protect(p->m[b], 0, 0x1000, prot), p->m[b], "agpu_protect");
        for (uint32_t l = 0; l < LANES; l++) {
            must(agpu_set_reg(p->m[b], l, AGPU_REG_X0, 100 + 7 * l), p->m[b], "set x0");
            must(agpu_set_reg(p->m[b], l, 3, PRIV_BASE + 64), p->m[b], "set x3");
            must(agpu_set_reg(p->m[b], l, 9, 0xdead0000ull + l), p->m[b], "set x9");
        }
    }
}

static void destroy(pair *p)
{
    agpu_destroy(p->m[0]);
    agpu_destroy(p->m[1]);
}

/* One execute on both; then everything compared. */
static void step(pair *p, const char *c, uint64_t budget)
{
    for (int b = 0; b < 2; b++) must(agpu_execute(p->m[b], budget, p->res[b]), p->m[b], c);
    for (uint32_t l = 0; l < LANES; l++) {
        const agpu_lane_result *x = &p->res[0][l], *y = &p->res[1][l];
        if (x->instructions != y->instructions) fail(c, "instructions", l, x->instructions, y->instructions);
        if (x->pc != y->pc) fail(c, "pc", l, x->pc, y->pc);
        if (memcmp(&x->stop, &y->stop, sizeof x->stop))
            fail(c, "stop record (reason)", l, x->stop.reason, y->stop.reason);
        for (int r = 0; r < AGPU_REG_COUNT; r++) {
            uint64_t u = 0, v = 0;
            must(agpu_get_reg(p->m[0], l, (agpu_reg)r, &u), p->m[0], "get_reg");
            must(agpu_get_reg(p->m[1], l, (agpu_reg)r, &v), p->m[1], "get_reg");
            if (u != v) fail(c, agpu_reg_name((agpu_reg)r), l, u, v);
        }
        uint8_t a[PRIV_SIZE], b[PRIV_SIZE];
        must(agpu_read_memory(p->m[0], l, PRIV_BASE, a, PRIV_SIZE), p->m[0], "read");
        must(agpu_read_memory(p->m[1], l, PRIV_BASE, b, PRIV_SIZE), p->m[1], "read");
        if (memcmp(a, b, PRIV_SIZE)) fail(c, "private memory", l, 0, 1);
    }
    uint8_t a[SHARED], b[SHARED];
    must(agpu_read_memory(p->m[0], 0, 0, a, SHARED), p->m[0], "read");
    must(agpu_read_memory(p->m[1], 0, 0, b, SHARED), p->m[1], "read");
    if (memcmp(a, b, SHARED)) fail(c, "shared memory", 0, 0, 1);
}

/* Runs both until every lane has stopped for something other than the
 * budget, in executes of `budget`; returns how many executes. */
static int run_out(pair *p, const char *c, uint64_t budget)
{
    int calls = 0;
    for (;;) {
        step(p, c, budget);
        calls++;
        int more = 0;
        for (uint32_t l = 0; l < LANES; l++) more |= p->res[0][l].stop.reason == AGPU_STOP_MAX_CYCLES;
        if (!more || calls > 10000) return calls;
    }
}

static void expect(const char *c, uint64_t got, uint64_t want, const char *what)
{
    if (got != want) {
        fprintf(stderr, "jit_run: %s: %s = 0x%" PRIx64 ", expected 0x%" PRIx64 "\n", c, what, got, want);
        failures++;
    }
}

static uint64_t reg(pair *p, uint32_t lane, int r)
{
    uint64_t v = 0;
    must(agpu_get_reg(p->m[1], lane, (agpu_reg)r, &v), p->m[1], "get_reg");
    return v;
}

int main(void)
{
    char why[256];
    if (agpu_backend_available(AGPU_BACKEND_CUDA, why, sizeof why) != AGPU_OK) {
        printf("jit_run: skipped: the cuda backend is unavailable here: %s\n", why);
        return 77;
    }
    setenv("ARMGPU_CUDA_JIT", "always", 1);
    {
        agpu_config c;
        agpu_config_init(&c);
        c.backend = AGPU_BACKEND_CUDA;
        agpu_machine *m = NULL;
        int rc = agpu_create(&c, &m);
        if (rc) {
            printf("jit_run: skipped: %s\n", agpu_last_error(NULL));
            return 77;
        }
        agpu_destroy(m);
    }
    pair p;
    const uint32_t RWX = AGPU_PROT_READ | AGPU_PROT_WRITE | AGPU_PROT_EXEC;
    const uint32_t RX = AGPU_PROT_READ | AGPU_PROT_EXEC;

    /* alu: budgets that cut the loop anywhere. */
    make(&p, ALU, sizeof ALU, RX);
    run_out(&p, "alu, budget 1001", 1001);
    for (uint32_t l = 0; l < LANES; l++) {
        expect("alu", p.res[1][l].stop.reason, AGPU_STOP_HALT, "stop");
        expect("alu", reg(&p, l, 2), 3 * (100 + 7 * l), "x2");
    }
    destroy(&p);
    make(&p, ALU, sizeof ALU, RX);
    step(&p, "alu, budget 0", 0);
    step(&p, "alu, budget 1", 1);
    step(&p, "alu, budget 3", 3);
    run_out(&p, "alu, budget 97", 97);
    destroy(&p);

    /* smc: x2 gains 5 on every iteration, the first included. */
    make(&p, SMC, sizeof SMC, RWX);
    run_out(&p, "smc", 1000000);
    for (uint32_t l = 0; l < LANES; l++) expect("smc", reg(&p, l, 2), 5 * (100 + 7 * l), "x2");
    destroy(&p);

    /* rewrite: 3 per iteration until the host changes the word, 5 after. */
    make(&p, ALU, sizeof ALU, RX);
    step(&p, "rewrite, before", 4 * 10);
    for (int b = 0; b < 2; b++) {
        uint32_t w = ADD_X2_5;
        must(agpu_load(p.m[b], 4, &w, 4), p.m[b], "agpu_load");
    }
    run_out(&p, "rewrite, after", 1000000);
    for (uint32_t l = 0; l < LANES; l++)
        expect("rewrite", reg(&p, l, 2), 3 * 10 + 5 * (100 + 7 * l - 10), "x2");
    destroy(&p);

    /* svc: one stop per iteration, the PC past the SVC. */
    make(&p, SVC, sizeof SVC, RX);
    uint64_t calls = 0;
    for (int halted = 0; !halted && calls < 10000; calls++) {
        step(&p, "svc", 1000000);
        halted = 1;
        for (uint32_t l = 0; l < LANES; l++) halted &= p.res[1][l].stop.reason == AGPU_STOP_HALT;
    }
    expect("svc", calls, 100 + 7 * (LANES - 1) + 1, "executes");
    destroy(&p);

    /* noexec: the code page loses execute permission mid-run. */
    make(&p, ALU, sizeof ALU, RX);
    step(&p, "noexec, before", 41);
    for (int b = 0; b < 2; b++) must(agpu_protect(p.m[b], 0, 0x1000, AGPU_PROT_READ), p.m[b], "agpu_protect");
    step(&p, "noexec, after", 1000);
    for (uint32_t l = 0; l < LANES; l++) expect("noexec", p.res[1][l].stop.reason, AGPU_STOP_FAULT, "stop");
    for (int b = 0; b < 2; b++) must(agpu_protect(p.m[b], 0, 0x1000, RX), p.m[b], "agpu_protect");
    run_out(&p, "noexec, restored", 1000000);
    destroy(&p);

    /* memory: the loop's loads and stores, then the wild load faults. */
    make(&p, MEMORY, sizeof MEMORY, RX);
    run_out(&p, "memory", 777);
    for (uint32_t l = 0; l < LANES; l++) {
        expect("memory", p.res[1][l].stop.reason, AGPU_STOP_FAULT, "stop");
        expect("memory", p.res[1][l].stop.address, 0xdead0000ull + l, "fault address");
        expect("memory", p.res[1][l].pc, 0x24, "pc");
    }
    destroy(&p);

    if (failures) {
        fprintf(stderr, "jit_run: %d differences\n", failures);
        return 1;
    }
    printf("jit_run: translated code agrees with the cpu backend on every case\n");
    return 0;
}

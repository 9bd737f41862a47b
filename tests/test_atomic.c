/*
 * Exclusives, ordered accesses, LSE atomics, CAS and CASP, their alignment
 * faults, and atomicity of shared counters across lanes and host threads.
 * Expected values come from the Arm ARM pseudocode (C6.2 LDXR/STXR,
 * LDADD..., CAS, CASP; AArch64.ExclusiveMonitorsPass): store-exclusive writes
 * status 0 on success and 1 on failure, atomics return the old value zero-
 * extended, CAS writes the old value to Rs whether or not it matched.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA 0x10000ull

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static void put_le(uint8_t *p, int n, uint64_t v)
{
    for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t mem(agpu_machine *m, uint64_t addr, int n)
{
    uint8_t b[8];
    assert_int_equal(agpu_read_memory(m, 0, addr, b, (size_t)n), AGPU_OK);
    return le(b, n);
}

static void put_mem(agpu_machine *m, uint64_t addr, int n, uint64_t v)
{
    uint8_t b[8];
    put_le(b, n, v);
    assert_int_equal(agpu_write_memory(m, 0, addr, b, (size_t)n), AGPU_OK);
}

/* A 1-lane machine with 1 MiB shared memory and the snippet at 0. */
static agpu_machine *setup(const char *src)
{
    size_t n;
    uint8_t *code = asm_bytes(src, &n);
    agpu_machine *m = test_machine(1, 1u << 20, 0, 0);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    set_reg(m, 0, AGPU_REG_SP, 0x80000);
    return m;
}

static void run_to_halt(agpu_machine *m, uint64_t budget)
{
    agpu_lane_result r;
    exec_ok(m, budget, &r);
    if (r.stop.reason != AGPU_STOP_HALT) {
        char buf[160];
        agpu_format_stop(&r.stop, r.pc, buf, sizeof buf);
        fail_msg("expected HALT, got %s", buf);
    }
}

/* ------------------------------------------------------------ exclusives */

static void exclusive_success_every_size(void **state)
{
    (void)state;
    agpu_machine *m = setup("mov x1, #0x10000\n"
                            "ldxrb w2, [x1]\n"
                            "add w2, w2, #1\n"
                            "stxrb w3, w2, [x1]\n"
                            "add x4, x1, #2\n"
                            "ldxrh w5, [x4]\n"
                            "add w5, w5, #1\n"
                            "stxrh w6, w5, [x4]\n"
                            "add x7, x1, #4\n"
                            "ldxr w8, [x7]\n"
                            "add w8, w8, #1\n"
                            "stxr w9, w8, [x7]\n"
                            "add x10, x1, #8\n"
                            "ldxr x11, [x10]\n"
                            "add x11, x11, #1\n"
                            "stxr w12, x11, [x10]\n"
                            "ldaxr x13, [x10]\n"
                            "stlxr w14, xzr, [x10]\n"
                            "ldaxrb w15, [x1]\n"
                            "stlxrb w16, w15, [x1]\n"
                            "ldaxrh w17, [x4]\n"
                            "stlxrh w18, w17, [x4]\n"
                            "ldaxr w19, [x7]\n"
                            "stlxr w20, w19, [x7]\n"
                            "hlt #0\n");
    put_mem(m, DATA, 8, 0x00000000FFFF00FFull);   /* byte ff, half ffff */
    put_mem(m, DATA + 4, 4, 0x7FFFFFFF);
    put_mem(m, DATA + 8, 8, 0xFFFFFFFFFFFFFFFEull);
    for (int r = 3; r <= 20; r += 1) set_reg(m, 0, (agpu_reg)r, 0x5555555555555555ull);
    run_to_halt(m, 1000);
    assert_int_equal(reg(m, 0, 3), 0);
    assert_int_equal(reg(m, 0, 6), 0);
    assert_int_equal(reg(m, 0, 9), 0);
    assert_int_equal(reg(m, 0, 12), 0);
    assert_int_equal(reg(m, 0, 14), 0);
    assert_int_equal(reg(m, 0, 16), 0);
    assert_int_equal(reg(m, 0, 18), 0);
    assert_int_equal(reg(m, 0, 20), 0);
    assert_int_equal(reg(m, 0, 13), 0xFFFFFFFFFFFFFFFFull);
    assert_int_equal(reg(m, 0, 15), 0x00);    /* stxrb stored 0x100 & 0xff */
    assert_int_equal(reg(m, 0, 17), 0x0000);  /* stxrh stored 0x10000 & 0xffff */
    assert_int_equal(reg(m, 0, 19), 0x80000000);
    assert_int_equal(mem(m, DATA, 1), 0x00);
    assert_int_equal(mem(m, DATA + 1, 1), 0x00); /* the byte next to it is untouched */
    assert_int_equal(mem(m, DATA + 2, 2), 0x0000);
    assert_int_equal(mem(m, DATA + 4, 4), 0x80000000);
    assert_int_equal(mem(m, DATA + 8, 8), 0); /* stlxr of xzr */
    agpu_destroy(m);
}

static void exclusive_failures(void **state)
{
    (void)state;
    /* no load exclusive first (monitor open); CLREX between; another
     * address; a second store after a success; an SVC between */
    agpu_machine *m = setup("mov x1, #0x10000\n"
              "mov x2, #0x1234\n"
              "stxr w3, x2, [x1]\n"
              "ldxr x4, [x1]\n"
              "clrex\n"
              "stxr w5, x2, [x1]\n"
              "ldxr x6, [x1]\n"
              "add x8, x1, #8\n"
              "stxr w7, x2, [x8]\n"
              /* a successful store exclusive closes the monitor: a second fails */
              "ldxr w9, [x1]\n"
              "stxr w10, w2, [x1]\n"
              "stxr w11, wzr, [x1]\n"
              /* an SVC in between clears the monitor */
              "ldxr x12, [x8]\n"
              "svc #0\n"
              "stxr w13, x2, [x8]\n"
              "ldxp x14, x15, [x1]\n"
              "clrex\n"
              "stxp w16, x2, x2, [x1]\n"
              "hlt #0\n");
    put_mem(m, DATA, 8, 0xAAAAAAAAAAAAAAAAull);
    put_mem(m, DATA + 8, 8, 0xBBBBBBBBBBBBBBBBull);
    for (int r = 3; r <= 16; r++) set_reg(m, 0, (agpu_reg)r, 0x5555555555555555ull);
    agpu_lane_result res;
    exec_ok(m, 1000, &res);
    assert_int_equal(res.stop.reason, AGPU_STOP_SYSCALL);
    exec_ok(m, 1000, &res);
    assert_int_equal(res.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 3), 1);
    assert_int_equal(reg(m, 0, 4), 0xAAAAAAAAAAAAAAAAull);
    assert_int_equal(reg(m, 0, 5), 1);
    assert_int_equal(reg(m, 0, 7), 1);
    assert_int_equal(reg(m, 0, 9), 0xAAAAAAAA);
    assert_int_equal(reg(m, 0, 10), 0);
    assert_int_equal(reg(m, 0, 11), 1);
    assert_int_equal(reg(m, 0, 12), 0xBBBBBBBBBBBBBBBBull);
    assert_int_equal(reg(m, 0, 13), 1);
    assert_int_equal(reg(m, 0, 16), 1);
    assert_int_equal(mem(m, DATA, 8), 0xAAAAAAAA00001234ull); /* only the one success */
    assert_int_equal(mem(m, DATA + 8, 8), 0xBBBBBBBBBBBBBBBBull);
    agpu_destroy(m);
}

static void exclusive_pairs(void **state)
{
    (void)state;
    agpu_machine *m = setup("mov x1, #0x10000\n"
                            "ldxp x2, x3, [x1]\n"
                            "ldr x5, =0x1111111122222222\n"
                            "ldr x6, =0x3333333344444444\n"
                            "stxp w4, x5, x6, [x1]\n"
                            "add x7, x1, #16\n"
                            "ldxp w8, w9, [x7]\n"
                            "stxp w10, w6, w5, [x7]\n"
                            "ldaxp x11, x12, [x1]\n"
                            "stlxp w13, x12, x11, [x1]\n"
                            "ldaxp w14, w15, [x7]\n"
                            "stlxp w16, w15, w14, [x7]\n"
                            "hlt #0\n");
    put_mem(m, DATA, 8, 0x0123456789ABCDEFull);
    put_mem(m, DATA + 8, 8, 0xFEDCBA9876543210ull);
    put_mem(m, DATA + 16, 8, 0x8899AABBCCDDEEFFull);
    for (int r = 2; r <= 16; r++)
        if (r != 5 && r != 6) set_reg(m, 0, (agpu_reg)r, 0x5555555555555555ull);
    run_to_halt(m, 1000);
    assert_int_equal(reg(m, 0, 2), 0x0123456789ABCDEFull);
    assert_int_equal(reg(m, 0, 3), 0xFEDCBA9876543210ull);
    assert_int_equal(reg(m, 0, 4), 0);
    assert_int_equal(reg(m, 0, 8), 0xCCDDEEFF); /* first element at the lower address */
    assert_int_equal(reg(m, 0, 9), 0x8899AABB);
    assert_int_equal(reg(m, 0, 10), 0);
    /* stxp w: w6 (0x44444444) at +16, w5 (0x22222222) at +20 */
    assert_int_equal(reg(m, 0, 11), 0x1111111122222222ull);
    assert_int_equal(reg(m, 0, 12), 0x3333333344444444ull);
    assert_int_equal(reg(m, 0, 13), 0);
    assert_int_equal(reg(m, 0, 14), 0x44444444);
    assert_int_equal(reg(m, 0, 15), 0x22222222);
    assert_int_equal(reg(m, 0, 16), 0);
    assert_int_equal(mem(m, DATA, 8), 0x3333333344444444ull);
    assert_int_equal(mem(m, DATA + 8, 8), 0x1111111122222222ull);
    assert_int_equal(mem(m, DATA + 16, 8), 0x4444444422222222ull);
    agpu_destroy(m);
}

static void acquire_release_every_size(void **state)
{
    (void)state;
    agpu_machine *m = setup("mov x1, #0x10000\n"
                            "ldarb w2, [x1]\n"
                            "ldarh w3, [x1]\n"
                            "ldar w4, [x1]\n"
                            "ldar x5, [x1]\n"
                            "add x6, x1, #0x100\n"
                            "stlr x5, [x6]\n"
                            "add x7, x6, #8\n"
                            "stlr w2, [x7]\n"
                            "add x7, x6, #12\n"
                            "stlrh w5, [x7]\n"
                            "add x7, x6, #15\n"
                            "stlrb w5, [x7]\n"
                            "add x7, x6, #16\n"
                            "stlr xzr, [x7]\n"
                            "mov x8, sp\n"
                            "stlr x5, [sp]\n"
                            "ldar x9, [sp]\n"
                            "hlt #0\n");
    put_mem(m, DATA, 8, 0xF1E2D3C4B5A69788ull);
    uint8_t ff[24];
    memset(ff, 0xFF, sizeof ff);
    assert_int_equal(agpu_write_memory(m, 0, DATA + 0x100, ff, sizeof ff), AGPU_OK);
    for (int r = 2; r <= 9; r++) set_reg(m, 0, (agpu_reg)r, 0x5555555555555555ull);
    run_to_halt(m, 1000);
    assert_int_equal(reg(m, 0, 2), 0x88);
    assert_int_equal(reg(m, 0, 3), 0x9788);
    assert_int_equal(reg(m, 0, 4), 0xB5A69788);
    assert_int_equal(reg(m, 0, 5), 0xF1E2D3C4B5A69788ull);
    assert_int_equal(reg(m, 0, 9), 0xF1E2D3C4B5A69788ull);
    assert_int_equal(mem(m, DATA + 0x100, 8), 0xF1E2D3C4B5A69788ull);
    assert_int_equal(mem(m, DATA + 0x108, 4), 0x88);
    assert_int_equal(mem(m, DATA + 0x10c, 2), 0x9788);
    assert_int_equal(mem(m, DATA + 0x10e, 1), 0xFF);
    assert_int_equal(mem(m, DATA + 0x10f, 1), 0x88);
    assert_int_equal(mem(m, DATA + 0x110, 8), 0);
    assert_int_equal(mem(m, 0x80000, 8), 0xF1E2D3C4B5A69788ull);
    agpu_destroy(m);
}

/* ------------------------------------------------------------ LSE atomics */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    /* xorshift64*: deterministic values with every sign and magnitude. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static int64_t sx(uint64_t v, int bits) { return (int64_t)(v << (64 - bits)) >> (64 - bits); }

/* The new memory value of each operation, from the pseudocode of C6.2. */
static uint64_t lse_ref(const char *op, uint64_t old, uint64_t v, int bits)
{
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    old &= mask, v &= mask;
    if (!strcmp(op, "add")) return (old + v) & mask;
    if (!strcmp(op, "clr")) return old & ~v & mask;
    if (!strcmp(op, "eor")) return old ^ v;
    if (!strcmp(op, "set")) return old | v;
    if (!strcmp(op, "smax")) return sx(old, bits) >= sx(v, bits) ? old : v;
    if (!strcmp(op, "smin")) return sx(old, bits) <= sx(v, bits) ? old : v;
    if (!strcmp(op, "umax")) return old >= v ? old : v;
    if (!strcmp(op, "umin")) return old <= v ? old : v;
    return v; /* swp */
}

typedef struct lse_case {
    char insn[64];
    int bits;       /* access size */
    int store_form; /* ST<op>: no destination register */
    const char *op;
    uint64_t mem0, operand;
} lse_case;

#define SLOTS 0x20000ull    /* 16 bytes per case */
#define OPERANDS 0x40000ull /* 8 bytes per case */
#define RESULTS 0x50000ull  /* 8 bytes per case */

/* Every LSE atomic (9 operations x 4 sizes x 4 orderings) and every ST*
 * alias (8 operations x 4 sizes x 2 orderings) in one program: each case
 * loads its operand, runs on its own slot, stores the returned register. */
static void lse_every_op_size_and_ordering(void **state)
{
    (void)state;
    static const char *const ops[] = {"add", "clr", "eor", "set", "smax", "smin", "umax", "umin", "swp"};
    static const char *const orders[] = {"", "a", "l", "al"};
    static const char *const sizes[] = {"b", "h", "", ""};
    static const int bits[] = {8, 16, 32, 64};
    lse_case *cases = calloc(512, sizeof *cases);
    int n = 0;
    for (int o = 0; o < 9; o++)
        for (int s = 0; s < 4; s++)
            for (int k = 0; k < 4; k++) {
                lse_case *c = &cases[n++];
                const char *pfx = strcmp(ops[o], "swp") ? "ld" : "";
                char r = s == 3 ? 'x' : 'w';
                snprintf(c->insn, sizeof c->insn, "%s%s%s%s %c2, %c3, [x1]", pfx, ops[o], orders[k],
                         sizes[s], r, r);
                c->bits = bits[s];
                c->op = ops[o];
            }
    for (int o = 0; o < 8; o++)
        for (int s = 0; s < 4; s++)
            for (int k = 0; k < 4; k += 2) {
                lse_case *c = &cases[n++];
                snprintf(c->insn, sizeof c->insn, "st%s%s%s %c2, [x1]", ops[o], orders[k], sizes[s],
                         s == 3 ? 'x' : 'w');
                c->bits = bits[s];
                c->op = ops[o];
                c->store_form = 1;
            }
    char *src = malloc(65536);
    size_t len = (size_t)sprintf(src, ".arch armv8.1-a\n"
                                      "ldr x20, =0x20000\nldr x21, =0x40000\nldr x22, =0x50000\n");
    for (int i = 0; i < n; i++) {
        len += (size_t)sprintf(src + len,
                               "add x1, x20, #%d\nldr x2, [x21, #%d]\nmov x3, #-1\n%s\nstr x3, [x22, #%d]\n",
                               i * 16 % 4096, i * 8, cases[i].insn, i * 8);
        if (i * 16 % 4096 == 4096 - 16) len += (size_t)sprintf(src + len, "add x20, x20, #4096\n");
    }
    sprintf(src + len, "hlt #0\n");
    size_t codelen;
    uint8_t *code = asm_bytes(src, &codelen);
    agpu_machine *m = test_machine(1, 1u << 20, 0, 0);
    assert_int_equal(agpu_load(m, 0, code, codelen), AGPU_OK);
    free(code);
    for (int i = 0; i < n; i++) {
        lse_case *c = &cases[i];
        /* Half the cases get operands equal in the low bits, to hit ties. */
        c->mem0 = rnd();
        c->operand = (i % 5 == 0) ? c->mem0 ^ (~0ull << c->bits % 64) : rnd();
        if (c->bits == 64 && i % 5 == 0) c->operand = c->mem0;
        put_mem(m, SLOTS + 16 * (uint64_t)i, 8, c->mem0);
        put_mem(m, SLOTS + 16 * (uint64_t)i + 8, 8, ~c->mem0);
        put_mem(m, OPERANDS + 8 * (uint64_t)i, 8, c->operand);
    }
    run_to_halt(m, 100000);
    for (int i = 0; i < n; i++) {
        lse_case *c = &cases[i];
        uint64_t mask = c->bits == 64 ? ~0ull : (1ull << c->bits) - 1;
        uint64_t want_mem = (c->mem0 & ~mask) | lse_ref(c->op, c->mem0, c->operand, c->bits);
        uint64_t got_mem = mem(m, SLOTS + 16 * (uint64_t)i, 8);
        uint64_t got_reg = mem(m, RESULTS + 8 * (uint64_t)i, 8);
        uint64_t want_reg = c->store_form ? ~0ull : (c->mem0 & mask);
        if (got_mem != want_mem || got_reg != want_reg)
            fail_msg("%s: mem 0x%llx operand 0x%llx: got mem 0x%llx reg 0x%llx, want mem 0x%llx reg 0x%llx",
                     c->insn, (unsigned long long)c->mem0, (unsigned long long)c->operand,
                     (unsigned long long)got_mem, (unsigned long long)got_reg,
                     (unsigned long long)want_mem, (unsigned long long)want_reg);
        assert_int_equal(mem(m, SLOTS + 16 * (uint64_t)i + 8, 8), ~c->mem0);
    }
    free(src);
    free(cases);
    agpu_destroy(m);
}

/* CAS in every size and ordering, matching and not; CASP likewise. */
static void cas_and_casp(void **state)
{
    (void)state;
    static const char *const orders[] = {"", "a", "l", "al"};
    static const char *const sizes[] = {"b", "h", "", ""};
    static const int bits[] = {8, 16, 32, 64};
    char *src = malloc(65536);
    size_t len = (size_t)sprintf(src, ".arch armv8.1-a\n"
                                      "ldr x20, =0x20000\nldr x21, =0x40000\nldr x22, =0x50000\n");
    int n = 0;
    /* CAS: x2 = compare (operands[2i]), x3 = new (operands[2i+1]). */
    for (int s = 0; s < 4; s++)
        for (int k = 0; k < 4; k++)
            for (int match = 0; match < 2; match++, n++) {
                char r = s == 3 ? 'x' : 'w';
                len += (size_t)sprintf(src + len,
                                       "add x1, x20, #%d\nadd x9, x21, #%d\nldp x2, x3, [x9]\n"
                                       "cas%s%s %c2, %c3, [x1]\nstr x2, [x22, #%d]\n",
                                       n * 16, n * 16, orders[k], sizes[s], r, r, n * 16);
            }
    int ncas = n;
    /* CASP: x4,x5 = compare, x6,x7 = new, results x4,x5. */
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < 4; k++)
            for (int match = 0; match < 2; match++, n++) {
                char r = s ? 'x' : 'w';
                len += (size_t)sprintf(src + len,
                                       "add x1, x20, #%d\nadd x9, x21, #%d\nldp x4, x5, [x9]\n"
                                       "ldp x6, x7, [x9, #16]\ncasp%s %c4, %c5, %c6, %c7, [x1]\n"
                                       "add x9, x22, #%d\nstp x4, x5, [x9]\n",
                                       n * 16, n * 32, orders[k], r, r, r, r, n * 16);
            }
    sprintf(src + len, "hlt #0\n");
    size_t codelen;
    uint8_t *code = asm_bytes(src, &codelen);
    agpu_machine *m = test_machine(1, 1u << 20, 0, 0);
    assert_int_equal(agpu_load(m, 0, code, codelen), AGPU_OK);
    free(code);
    uint64_t m0[64], m1[64], cmp[64][2], nv[64][2];
    for (int i = 0; i < n; i++) {
        int match = i & 1;
        m0[i] = rnd();
        m1[i] = rnd();
        put_mem(m, SLOTS + 16 * (uint64_t)i, 8, m0[i]);
        put_mem(m, SLOTS + 16 * (uint64_t)i + 8, 8, m1[i]);
        nv[i][0] = rnd();
        nv[i][1] = rnd();
        if (i < ncas) {
            int b = bits[i / 8];
            uint64_t mask = b == 64 ? ~0ull : (1ull << b) - 1;
            /* Only the low bits of Rs take part: the upper ones are noise. */
            cmp[i][0] = match ? (m0[i] & mask) | (rnd() & ~mask) : m0[i] ^ 1;
        } else if ((i - ncas) >= 8) {
            cmp[i][0] = m0[i];
            cmp[i][1] = match ? m1[i] : m1[i] ^ (1ull << 63);
        } else {
            /* W pairs: Rs<31:0> and R(s+1)<31:0> against the low doubleword */
            cmp[i][0] = (m0[i] & 0xffffffffu) | (rnd() << 32);
            cmp[i][1] = match ? (m0[i] >> 32) | (rnd() << 32) : (m0[i] >> 32) ^ 0x10000;
        }
    }
    /* CAS case i reads (compare, new) at OPERANDS + 16 i; CASP case i reads
     * (compare pair, new pair) at OPERANDS + 32 i, past every CAS case. */
    for (int i = 0; i < ncas; i++) {
        put_mem(m, OPERANDS + 16 * (uint64_t)i, 8, cmp[i][0]);
        put_mem(m, OPERANDS + 16 * (uint64_t)i + 8, 8, nv[i][0]);
    }
    for (int i = ncas; i < n; i++) {
        put_mem(m, OPERANDS + 32 * (uint64_t)i, 8, cmp[i][0]);
        put_mem(m, OPERANDS + 32 * (uint64_t)i + 8, 8, cmp[i][1]);
        put_mem(m, OPERANDS + 32 * (uint64_t)i + 16, 8, nv[i][0]);
        put_mem(m, OPERANDS + 32 * (uint64_t)i + 24, 8, nv[i][1]);
    }
    run_to_halt(m, 100000);
    for (int i = 0; i < ncas; i++) {
        int b = bits[i / 8], match = i & 1;
        uint64_t mask = b == 64 ? ~0ull : (1ull << b) - 1;
        uint64_t want_mem = match ? (m0[i] & ~mask) | (nv[i][0] & mask) : m0[i];
        uint64_t got_mem = mem(m, SLOTS + 16 * (uint64_t)i, 8);
        uint64_t got_rs = mem(m, RESULTS + 16 * (uint64_t)i, 8);
        if (got_mem != want_mem || got_rs != (m0[i] & mask))
            fail_msg("cas case %d (size %d, %s): mem 0x%llx rs 0x%llx, want mem 0x%llx rs 0x%llx", i, b,
                     match ? "match" : "mismatch", (unsigned long long)got_mem,
                     (unsigned long long)got_rs, (unsigned long long)want_mem,
                     (unsigned long long)(m0[i] & mask));
        assert_int_equal(mem(m, SLOTS + 16 * (uint64_t)i + 8, 8), m1[i]);
    }
    for (int i = ncas; i < n; i++) {
        int x = (i - ncas) >= 8, match = i & 1;
        uint64_t w0 = mem(m, SLOTS + 16 * (uint64_t)i, 8), w1 = mem(m, SLOTS + 16 * (uint64_t)i + 8, 8);
        uint64_t r0 = mem(m, RESULTS + 16 * (uint64_t)i, 8), r1 = mem(m, RESULTS + 16 * (uint64_t)i + 8, 8);
        if (x) {
            assert_int_equal(r0, m0[i]);
            assert_int_equal(r1, m1[i]);
            assert_int_equal(w0, match ? nv[i][0] : m0[i]);
            assert_int_equal(w1, match ? nv[i][1] : m1[i]);
        } else {
            assert_int_equal(r0, m0[i] & 0xffffffffu);
            assert_int_equal(r1, m0[i] >> 32);
            assert_int_equal(w0, match ? (nv[i][0] & 0xffffffffu) | (nv[i][1] << 32) : m0[i]);
            assert_int_equal(w1, m1[i]);
        }
    }
    free(src);
    agpu_destroy(m);
}

static void casp_odd_registers_are_undefined(void **state)
{
    (void)state;
    uint32_t base = asm_word(".arch armv8.1-a\ncasp x2, x3, x4, x5, [x1]");
    uint32_t odd_s = (base & ~(31u << 16)) | (3u << 16);
    uint32_t odd_t = (base & ~31u) | 5u;
    uint32_t wbase = asm_word(".arch armv8.1-a\ncaspal w2, w3, w4, w5, [x1]");
    uint32_t words[3] = {odd_s, odd_t, (wbase & ~(31u << 16)) | (1u << 16)};
    for (int i = 0; i < 3; i++) {
        agpu_machine *m = test_machine(1, 1u << 20, 0, 0);
        size_t n;
        uint8_t *code = asm_bytesf(&n, "mov x1, #0x10000\n.inst 0x%08x\n", words[i]);
        assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
        free(code);
        put_mem(m, DATA, 8, 0x1122);
        agpu_lane_result r;
        exec_ok(m, 100, &r);
        assert_int_equal(r.stop.reason, AGPU_STOP_UNDEFINED);
        assert_int_equal(r.stop.encoding, words[i]);
        assert_int_equal(r.pc, 4);
        assert_int_equal(r.instructions, 1);
        assert_int_equal(mem(m, DATA, 8), 0x1122);
        agpu_destroy(m);
    }
}

/* Misaligned exclusive, ordered, atomic and CAS accesses stop the lane
 * with an alignment fault on the instruction, changing nothing. */
static void misaligned_atomics_fault(void **state)
{
    (void)state;
    static const struct {
        const char *insn;
        uint64_t addr;
        uint32_t access;
    } cases[] = {
        {"ldxr x2, [x1]", 0x10004, AGPU_ACCESS_READ},
        {"ldxr w2, [x1]", 0x10002, AGPU_ACCESS_READ},
        {"ldxrh w2, [x1]", 0x10001, AGPU_ACCESS_READ},
        {"ldaxr x2, [x1]", 0x10001, AGPU_ACCESS_READ},
        {"ldxp x2, x3, [x1]", 0x10008, AGPU_ACCESS_READ},
        {"ldxp w2, w3, [x1]", 0x10004, AGPU_ACCESS_READ},
        {"stxr w3, x2, [x1]", 0x10004, AGPU_ACCESS_WRITE},
        {"stlxrh w3, w2, [x1]", 0x10003, AGPU_ACCESS_WRITE},
        {"stxp w4, x2, x3, [x1]", 0x10008, AGPU_ACCESS_WRITE},
        {"ldar x2, [x1]", 0x10001, AGPU_ACCESS_READ},
        {"ldar w2, [x1]", 0x10006, AGPU_ACCESS_READ},
        {"ldarh w2, [x1]", 0x10003, AGPU_ACCESS_READ},
        {"stlr x2, [x1]", 0x10004, AGPU_ACCESS_WRITE},
        {"stlrh w2, [x1]", 0x10005, AGPU_ACCESS_WRITE},
        {"ldadd x2, x3, [x1]", 0x10004, AGPU_ACCESS_WRITE},
        {"ldaddalh w2, w3, [x1]", 0x10001, AGPU_ACCESS_WRITE},
        {"swpal w2, w3, [x1]", 0x10002, AGPU_ACCESS_WRITE},
        {"stsmax x2, [x1]", 0x1000c, AGPU_ACCESS_WRITE},
        {"cas x2, x3, [x1]", 0x10002, AGPU_ACCESS_WRITE},
        {"casalh w2, w3, [x1]", 0x10007, AGPU_ACCESS_WRITE},
        {"casp x2, x3, x4, x5, [x1]", 0x10008, AGPU_ACCESS_WRITE},
        {"casp w2, w3, w4, w5, [x1]", 0x10004, AGPU_ACCESS_WRITE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n;
        uint8_t *code = asm_bytesf(&n, ".arch armv8.1-a\nldr x1, =0x%llx\nldxr x9, [x10]\n%s\nhlt #0\n",
                                   (unsigned long long)cases[i].addr, cases[i].insn);
        agpu_machine *m = test_machine(1, 1u << 20, 0, 0);
        assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
        free(code);
        uint8_t pattern[32];
        for (int b = 0; b < 32; b++) pattern[b] = (uint8_t)(0x40 + b);
        assert_int_equal(agpu_write_memory(m, 0, DATA, pattern, 32), AGPU_OK);
        for (int r = 2; r <= 5; r++) set_reg(m, 0, (agpu_reg)r, 0x7777777777777777ull);
        set_reg(m, 0, 10, DATA + 16); /* an open monitor, so a store exclusive would try */
        agpu_lane_result r;
        exec_ok(m, 100, &r);
        if (r.stop.reason != AGPU_STOP_FAULT || r.stop.cause != AGPU_FAULT_ALIGNMENT ||
            r.stop.address != cases[i].addr || r.stop.access != cases[i].access || r.pc != 8)
            fail_msg("%s at 0x%llx: reason %u cause %u access %u address 0x%llx pc 0x%llx", cases[i].insn,
                     (unsigned long long)cases[i].addr, r.stop.reason, r.stop.cause, r.stop.access,
                     (unsigned long long)r.stop.address, (unsigned long long)r.pc);
        assert_int_equal(r.instructions, 2);
        for (int rr = 2; rr <= 5; rr++) assert_int_equal(reg(m, 0, (agpu_reg)rr), 0x7777777777777777ull);
        uint8_t after[32];
        assert_int_equal(agpu_read_memory(m, 0, DATA, after, 32), AGPU_OK);
        assert_memory_equal(after, pattern, 32);
        agpu_destroy(m);
    }
}

/* ------------------------------------------------- atomicity across lanes */

#define COUNTER_LANES 256
#define COUNTER_ITERS 4000

static void shared_counter(const char *body, uint64_t expect_lo, uint64_t expect_hi, int halves)
{
    agpu_config c;
    agpu_config_init(&c);
    c.num_lanes = COUNTER_LANES;
    c.shared_size = 1u << 20;
    c.backend = test_backend();
    c.num_threads = 2;
    agpu_machine *m = NULL;
    int rc = agpu_create(&c, &m);
    if (rc) fail_msg("agpu_create: %s", agpu_last_error(NULL));
    size_t n;
    uint8_t *code = asm_bytesf(&n,
                               ".arch armv8.1-a\n"
                               "mov x1, #0x10000\n"
                               "mov x2, #%d\n"
                               "mov x3, #1\n"
                               "1:\n%s\n"
                               "subs x2, x2, #1\n"
                               "b.ne 1b\n"
                               "hlt #0\n",
                               COUNTER_ITERS, body);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    uint64_t ids[COUNTER_LANES];
    for (uint32_t l = 0; l < COUNTER_LANES; l++) ids[l] = l;
    assert_int_equal(agpu_set_reg_all(m, AGPU_REG_X0, ids), AGPU_OK);
    agpu_lane_result *res = calloc(COUNTER_LANES, sizeof *res);
    exec_ok(m, UINT64_MAX, res);
    for (uint32_t l = 0; l < COUNTER_LANES; l++)
        if (res[l].stop.reason != AGPU_STOP_HALT) fail_msg("lane %u stopped with %u", l, res[l].stop.reason);
    if (halves == 1) {
        assert_int_equal(mem(m, DATA, 2), expect_lo & 0xffff); /* halfwords wrap */
        assert_int_equal(mem(m, DATA + 2, 2), expect_hi & 0xffff);
    } else if (halves == 2) {
        assert_int_equal(mem(m, DATA, 8), expect_lo);
        assert_int_equal(mem(m, DATA + 8, 8), expect_hi);
    } else {
        assert_int_equal(mem(m, DATA, 8), expect_lo);
    }
    free(res);
    agpu_destroy(m);
}

static void counter_ldadd(void **state)
{
    (void)state;
    shared_counter("ldadd x3, x4, [x1]", (uint64_t)COUNTER_LANES * COUNTER_ITERS, 0, 0);
}

static void counter_stadd_halfwords(void **state)
{
    (void)state;
    /* Even lanes count in the low halfword, odd lanes in the high one of the
     * same word: the sub-word atomic must not lose the neighbour's updates. */
    shared_counter("and x5, x0, #1\nadd x6, x1, x5, lsl #1\nstaddh w3, [x6]",
                   (uint64_t)COUNTER_LANES / 2 * COUNTER_ITERS, (uint64_t)COUNTER_LANES / 2 * COUNTER_ITERS, 1);
}

static void counter_exclusive_loop(void **state)
{
    (void)state;
    shared_counter("2: ldxr x4, [x1]\nadd x4, x4, #1\nstxr w5, x4, [x1]\ncbnz w5, 2b",
                   (uint64_t)COUNTER_LANES * COUNTER_ITERS, 0, 0);
}

static void counter_exclusive_halfword_loop(void **state)
{
    (void)state;
    /* Halfword exclusives on the two halves of one word, as above. */
    shared_counter("and x5, x0, #1\nadd x6, x1, x5, lsl #1\n"
                   "2: ldaxrh w4, [x6]\nadd w4, w4, #1\nstlxrh w7, w4, [x6]\ncbnz w7, 2b",
                   (uint64_t)COUNTER_LANES / 2 * COUNTER_ITERS, (uint64_t)COUNTER_LANES / 2 * COUNTER_ITERS, 1);
}

static void counter_cas_loop(void **state)
{
    (void)state;
    shared_counter("ldr x4, [x1]\n"
                   "2: add x5, x4, #1\n"
                   "mov x6, x4\n"
                   "casal x6, x5, [x1]\n"
                   "cmp x6, x4\n"
                   "mov x4, x6\n"
                   "b.ne 2b",
                   (uint64_t)COUNTER_LANES * COUNTER_ITERS, 0, 0);
}

static void counter_casp_loop(void **state)
{
    (void)state;
    /* A 128-bit counter whose halves both count: torn updates would show. */
    shared_counter("ldp x8, x9, [x1]\n"
                   "2: add x10, x8, #1\nadd x11, x9, #1\n"
                   "mov x12, x8\nmov x13, x9\n"
                   "caspal x12, x13, x10, x11, [x1]\n"
                   "cmp x12, x8\nccmp x13, x9, #0, eq\n"
                   "mov x8, x12\nmov x9, x13\n"
                   "b.ne 2b",
                   (uint64_t)COUNTER_LANES * COUNTER_ITERS, (uint64_t)COUNTER_LANES * COUNTER_ITERS, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exclusive_success_every_size),
        cmocka_unit_test(exclusive_failures),
        cmocka_unit_test(exclusive_pairs),
        cmocka_unit_test(acquire_release_every_size),
        cmocka_unit_test(lse_every_op_size_and_ordering),
        cmocka_unit_test(cas_and_casp),
        cmocka_unit_test(casp_odd_registers_are_undefined),
        cmocka_unit_test(misaligned_atomics_fault),
        cmocka_unit_test(counter_ldadd),
        cmocka_unit_test(counter_stadd_halfwords),
        cmocka_unit_test(counter_exclusive_loop),
        cmocka_unit_test(counter_exclusive_halfword_loop),
        cmocka_unit_test(counter_cas_loop),
        cmocka_unit_test(counter_casp_loop),
    };
    return harness_run_tests(tests);
}

/*
 * gen.h - random A64 encodings, one generator per instruction class.
 *
 * The classes are the third column of shaders/a64.decode (a64_class_name[]
 * in the generated decoder, the rows of docs/isa.md).  gen_find() looks a
 * class up by name; a supported class without a generator is an error the
 * tester reports and fails on, so no instruction lands unproven.
 *
 * Encodings are built from fields (the ARM ARM's names: sf, opc, rd, rn,
 * imm12 ...), never typed as words.  Generators avoid the CONSTRAINED
 * UNPREDICTABLE register combinations (see docs/difftest.md) and the
 * encodings libarmgpu leaves UNDEFINED on purpose (features it lacks).
 */
#ifndef DIFFTEST_GEN_H
#define DIFFTEST_GEN_H

#include <stdint.h>

/* Guest memory both emulators see: [0, MEM_SIZE).  The code page is first,
 * the data window follows; everything above MEM_SIZE is unmapped. */
#define MEM_SIZE 0x3000u
#define CODE_BASE 0x0u
#define CODE_SIZE 0x1000u
#define WIN_BASE 0x1000u
#define WIN_SIZE 0x2000u
/* Single-instruction tests: a monitor-setting prefix, then the instruction. */
#define SINGLE_PREFIX_PC 0x7fcu
#define SINGLE_PC 0x800u

/* Program mode reserves registers the generators never write:
 * x25 a small register offset, x26 a base that writeback forms move,
 * x27 a fixed 16-byte-aligned base, x28 the loop counter; SP is a fixed
 * aligned base too.  Random destinations come from x0-x24, x30 and XZR. */
#define PROG_ROFF 25
#define PROG_WBASE 26
#define PROG_BASE 27
#define PROG_LOOP 28
#define PROG_BASE_ADDR 0x2000u

typedef struct rng { uint64_t s; } rng;
uint64_t rng_next(rng *r);
static inline uint32_t rnd(rng *r, uint32_t n) { return n ? (uint32_t)(rng_next(r) % n) : 0; }
static inline int chance(rng *r, uint32_t pct) { return rnd(r, 100) < pct; }

/* What a generator sees and may change: the initial registers (x[31] is
 * SP), and in single mode it may point base registers into memory. */
typedef struct gen_ctx {
    rng *r;
    int prog;          /* program mode: use the reserved bases, keep accesses in the window */
    uint64_t *x;       /* 32 entries: X0..X30, SP */
    uint32_t prefix;   /* single mode: the instruction before this one (CLREX by default) */
    int excl_shape;    /* program mode: size (0-3) + 4 * pair of every exclusive, so each
                          store exclusive matches the load that opened the monitor */
    /* The initial V registers, FPCR and FPSR, or NULL: the FP generators
     * (gen_fp.c) bias the values their instruction reads. */
    uint64_t (*v)[2];
    uint64_t *fpcr;
    uint64_t *fpsr;
} gen_ctx;

typedef uint32_t (*gen_fn)(gen_ctx *c);

typedef struct gen_entry {
    const char *cls;
    gen_fn fn;
    int branch;        /* program mode: 1 imm19 at bit 5, 2 imm14, 3 imm26, 4 register, 5 literal */
} gen_entry;

extern const gen_entry gen_table[];
extern const int gen_table_len;
const gen_entry *gen_find(const char *cls);

/* A value biased toward boundaries: 0, 1, -1, the limits of both widths,
 * single bits and masks, sign-boundary neighbours, or plain random. */
uint64_t gen_value(rng *r);

/* A 128-bit V register value (v[0] = bits 63..0): plain random, or each
 * element of one size at a boundary (0, 1, -1, the signed limits, small
 * numbers), so saturation, sign and table-index cases come up often. */
void gen_vvalue(rng *r, uint64_t v[2]);

/* A floating-point value of fmt (16, 32, 64) bits biased toward signed
 * zeros, denormals, infinities, quiet and signalling NaNs, extreme
 * exponents, values near integers and halves and near the integer limits. */
uint64_t gen_fpvalue(rng *r, int fmt);

/* The scalar FP generators (gen_fp.c), one per fp.* class. */
uint32_t g_fp_dp1(gen_ctx *c);
uint32_t g_fp_dp2(gen_ctx *c);
uint32_t g_fp_dp3(gen_ctx *c);
uint32_t g_fp_compare(gen_ctx *c);
uint32_t g_fp_csel(gen_ctx *c);
uint32_t g_fp_imm(gen_ctx *c);
uint32_t g_fp_convert(gen_ctx *c);

/* Encoding helpers shared with the program builder. */
uint32_t enc_clrex(void);
uint32_t enc_hlt(uint32_t imm16);
uint32_t enc_movz(uint32_t rd, uint32_t imm16, int sf);
uint32_t enc_subs_imm(uint32_t rd, uint32_t rn, uint32_t imm12);
uint32_t enc_bcond(uint32_t cond, int32_t words);
uint32_t enc_adr(uint32_t rd, int32_t bytes);
uint32_t enc_ldxr_for(uint32_t stxr, uint32_t rt, uint32_t rt2);

#endif

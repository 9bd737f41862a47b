/*
 * Loads and stores: every size, sign extension and addressing mode of the
 * single-register, pair and literal forms, PRFM, unaligned accesses, SP as
 * base, XZR as data and byte order.  Expected values follow the Arm ARM
 * pseudocode (C6.2 LDR/STR/LDP/...): memory is little-endian, W results
 * zero-extend to 64 bits, LDRS* sign-extend to the target width.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA 0x10000ull /* input bytes, written by the host */
#define OUT 0x20000ull  /* where the snippets store */
#define POISON 0xA5A5A5A5A5A5A5A5ull

/* 32 bytes with both sign bits set and clear at every width. */
static const uint8_t data[32] = {
    0x81, 0x92, 0xA3, 0xB4, 0xC5, 0xD6, 0xE7, 0xF8, 0x09, 0x1A, 0x2B, 0x3C, 0x4D, 0x5E, 0x6F, 0x70,
    0xF1, 0xE2, 0xD3, 0xC4, 0x35, 0x26, 0x17, 0x08, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22,
};

/* Little-endian value of n bytes of data at offset off, decoded by hand. */
static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint64_t sext(uint64_t v, int bits) { return (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits)); }

/* A 1-lane machine with 1 MiB shared memory, the snippet at 0, data[] at
 * DATA, X1..X30 poisoned and SP at 0x80000. */
static agpu_machine *setup(const char *src)
{
    size_t n;
    uint8_t *code = asm_bytes(src, &n);
    agpu_machine *m = test_machine(1, 1u << 20, 0, 0);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    assert_int_equal(agpu_write_memory(m, 0, DATA, data, sizeof data), AGPU_OK);
    for (int r = 1; r <= 30; r++) set_reg(m, 0, (agpu_reg)r, POISON);
    set_reg(m, 0, AGPU_REG_SP, 0x80000);
    return m;
}

/* Runs to the final HLT and fails with the stop record otherwise. */
static void run_to_halt(agpu_machine *m)
{
    agpu_lane_result r;
    exec_ok(m, 100000, &r);
    if (r.stop.reason != AGPU_STOP_HALT) {
        char buf[160];
        agpu_format_stop(&r.stop, r.pc, buf, sizeof buf);
        fail_msg("expected HALT, got %s", buf);
    }
}

static uint64_t mem(agpu_machine *m, uint64_t addr, int n)
{
    uint8_t b[8];
    assert_int_equal(agpu_read_memory(m, 0, addr, b, (size_t)n), AGPU_OK);
    return le(b, n);
}

static void unsigned_offset_loads(void **state)
{
    (void)state;
    agpu_machine *m = setup("mov x1, #0x10000\n"
                            "ldr x2, [x1]\n"
                            "ldr w3, [x1, #4]\n"
                            "ldrb w4, [x1, #1]\n"
                            "ldrh w5, [x1, #2]\n"
                            "ldrsb x6, [x1]\n"
                            "ldrsb w7, [x1, #8]\n"
                            "ldrsh x8, [x1, #2]\n"
                            "ldrsh w9, [x1, #6]\n"
                            "ldrsw x10, [x1, #4]\n"
                            "ldr x11, [x1, #8]\n"
                            "ldrsb w12, [x1]\n"
                            "ldrsh w13, [x1, #10]\n"
                            "ldrsw x14, [x1, #8]\n"
                            "ldrb w15, [x1, #4095]\n"
                            "ldr x16, [x1, #32760]\n"
                            "ldrh w17, [x1, #8190]\n"
                            "ldrsb x18, [x1, #9]\n"
                            "ldr w19, [x1, #16380]\n"
                            "hlt #0\n");
    uint8_t hi[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    assert_int_equal(agpu_write_memory(m, 0, DATA + 4095, hi, 1), AGPU_OK);
    assert_int_equal(agpu_write_memory(m, 0, DATA + 32760, hi, 8), AGPU_OK);
    assert_int_equal(agpu_write_memory(m, 0, DATA + 8190, hi + 2, 2), AGPU_OK);
    assert_int_equal(agpu_write_memory(m, 0, DATA + 16380, hi + 4, 4), AGPU_OK);
    run_to_halt(m);
    assert_int_equal(reg(m, 0, 2), 0xF8E7D6C5B4A39281ull);
    assert_int_equal(reg(m, 0, 3), 0xF8E7D6C5ull);
    assert_int_equal(reg(m, 0, 4), 0x92);
    assert_int_equal(reg(m, 0, 5), 0xB4A3);
    assert_int_equal(reg(m, 0, 6), 0xFFFFFFFFFFFFFF81ull);
    assert_int_equal(reg(m, 0, 7), 0x09);
    assert_int_equal(reg(m, 0, 8), 0xFFFFFFFFFFFFB4A3ull);
    assert_int_equal(reg(m, 0, 9), 0x00000000FFFFF8E7ull);
    assert_int_equal(reg(m, 0, 10), 0xFFFFFFFFF8E7D6C5ull);
    assert_int_equal(reg(m, 0, 11), 0x706F5E4D3C2B1A09ull);
    assert_int_equal(reg(m, 0, 12), 0x00000000FFFFFF81ull);
    assert_int_equal(reg(m, 0, 13), 0x3C2B);
    assert_int_equal(reg(m, 0, 14), 0x3C2B1A09);
    assert_int_equal(reg(m, 0, 15), 0x11);
    assert_int_equal(reg(m, 0, 16), 0x8877665544332211ull);
    assert_int_equal(reg(m, 0, 17), 0x4433);
    assert_int_equal(reg(m, 0, 18), 0x1A);
    assert_int_equal(reg(m, 0, 19), 0x88776655);
    agpu_destroy(m);
}

static void unsigned_offset_stores_and_byte_order(void **state)
{
    (void)state;
    agpu_machine *m = setup("mov x1, #0x20000\n"
                            "ldr x2, =0x0102030405060708\n"
                            "str x2, [x1]\n"
                            "str w2, [x1, #8]\n"
                            "strh w2, [x1, #12]\n"
                            "strb w2, [x1, #15]\n"
                            "str xzr, [x1, #16]\n"
                            "str wzr, [x1, #24]\n"
                            "strh wzr, [x1, #28]\n"
                            "strb wzr, [x1, #31]\n"
                            "str x2, [x1, #32760]\n"
                            "hlt #0\n");
    uint8_t ff[40];
    memset(ff, 0xFF, sizeof ff);
    assert_int_equal(agpu_write_memory(m, 0, OUT, ff, sizeof ff), AGPU_OK);
    run_to_halt(m);
    uint8_t got[40];
    assert_int_equal(agpu_read_memory(m, 0, OUT, got, sizeof got), AGPU_OK);
    static const uint8_t want[40] = {
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* str x: least significant byte first */
        0x08, 0x07, 0x06, 0x05, 0x08, 0x07, 0xFF, 0x08, /* str w, strh, (untouched), strb */
        0, 0, 0, 0, 0, 0, 0, 0,                         /* str xzr */
        0, 0, 0, 0, 0, 0, 0xFF, 0,                      /* str wzr, strh wzr, (untouched), strb wzr */
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* untouched */
    };
    assert_memory_equal(got, want, sizeof want);
    assert_int_equal(mem(m, OUT + 32760, 8), 0x0102030405060708ull);
    assert_int_equal(reg(m, 0, 1), OUT); /* no writeback */
    agpu_destroy(m);
}

static void unscaled_negative_offsets(void **state)
{
    (void)state;
    agpu_machine *m = setup("ldr x1, =0x10010\n"
                            "ldur x2, [x1, #-16]\n"
                            "ldur w3, [x1, #-1]\n"
                            "ldurb w4, [x1, #-256]\n"
                            "ldurh w5, [x1, #-15]\n"
                            "ldursb x6, [x1, #-16]\n"
                            "ldursb w7, [x1, #-15]\n"
                            "ldursh x8, [x1, #-14]\n"
                            "ldursh w9, [x1, #-3]\n"
                            "ldursw x10, [x1, #-12]\n"
                            "ldur x11, [x1, #255]\n"
                            "ldr x20, =0x20100\n"
                            "ldr x21, =0x8877665544332211\n"
                            "stur x21, [x20, #-256]\n"
                            "stur w21, [x20, #-9]\n"
                            "sturh w21, [x20, #-3]\n"
                            "sturb w21, [x20, #-1]\n"
                            "stur x21, [x20, #1]\n"
                            "hlt #0\n");
    uint8_t hi[8] = {0xEE, 0xDD, 0xCC, 0xBB, 0xAA, 0x99, 0x88, 0x77};
    assert_int_equal(agpu_write_memory(m, 0, DATA + 0x10 - 256, hi, 1), AGPU_OK);
    assert_int_equal(agpu_write_memory(m, 0, DATA + 0x10 + 255, hi, 8), AGPU_OK);
    run_to_halt(m);
    assert_int_equal(reg(m, 0, 2), le(data, 8));
    assert_int_equal(reg(m, 0, 3), le(data + 15, 4)); /* unaligned, 0x0F..0x12 */
    assert_int_equal(reg(m, 0, 4), 0xEE);
    assert_int_equal(reg(m, 0, 5), 0xA392);
    assert_int_equal(reg(m, 0, 6), 0xFFFFFFFFFFFFFF81ull);
    assert_int_equal(reg(m, 0, 7), 0xFFFFFF92ull);
    assert_int_equal(reg(m, 0, 8), 0xFFFFFFFFFFFFB4A3ull);
    assert_int_equal(reg(m, 0, 9), sext(le(data + 13, 2), 16) & 0xffffffffu);
    assert_int_equal(reg(m, 0, 10), 0xFFFFFFFFF8E7D6C5ull);
    assert_int_equal(reg(m, 0, 11), 0x778899AABBCCDDEEull);
    assert_int_equal(mem(m, 0x20000, 8), 0x8877665544332211ull);
    assert_int_equal(mem(m, 0x20100 - 9, 4), 0x44332211ull);
    assert_int_equal(mem(m, 0x20100 - 3, 2), 0x2211ull);
    assert_int_equal(mem(m, 0x20100 - 1, 1), 0x11ull);
    assert_int_equal(mem(m, 0x20101, 8), 0x8877665544332211ull);
    assert_int_equal(reg(m, 0, 1), 0x10010);
    assert_int_equal(reg(m, 0, 20), 0x20100);
    agpu_destroy(m);
}

static void pre_and_post_index_writeback(void **state)
{
    (void)state;
    agpu_machine *m = setup("mov x1, #0x10000\n"
                            "ldr x2, [x1, #8]!\n"      /* x1 = 0x10008 */
                            "ldr w3, [x1], #-4\n"      /* loads at 0x10008, x1 = 0x10004 */
                            "ldrsb x4, [x1, #-4]!\n"   /* x1 = 0x10000 */
                            "ldrsh w5, [x1], #255\n"   /* loads at 0x10000, x1 = 0x100ff */
                            "mov x6, #0x10000\n"
                            "ldrb w7, [x6, #17]!\n"    /* x6 = 0x10011 */
                            "ldrh w8, [x6], #-1\n"     /* loads 0x10011 (unaligned), x6 = 0x10010 */
                            "ldrsw x9, [x6, #-256]!\n" /* x6 = 0xff10 */
                            "ldrsb w10, [x6], #255\n"  /* x6 = 0x1000f */
                            "ldrsh x11, [x6, #2]!\n"   /* x6 = 0x10011, unaligned */
                            "mov x12, #0x20000\n"
                            "ldr x13, =0x1122334455667788\n"
                            "str x13, [x12, #-8]!\n"   /* x12 = 0x1fff8 */
                            "str w13, [x12], #16\n"    /* stores at 0x1fff8, x12 = 0x20008 */
                            "strh w13, [x12, #8]!\n"   /* x12 = 0x20010 */
                            "strb w13, [x12], #-255\n" /* x12 = 0x1ff11 */
                            "ldr x14, =0x20100\n"
                            "str x13, [x14], #8\n"     /* x14 = 0x20108 */
                            "str xzr, [x14, #8]!\n"    /* x14 = 0x20110 */
                            "hlt #0\n");
    assert_int_equal(agpu_write_memory(m, 0, 0xff10, "\x80\x00\x00\x80", 4), AGPU_OK);
    uint8_t ff[16];
    memset(ff, 0xFF, sizeof ff);
    assert_int_equal(agpu_write_memory(m, 0, 0x20108, ff, 16), AGPU_OK);
    assert_int_equal(agpu_write_memory(m, 0, 0x1fff0, ff, 16), AGPU_OK);
    run_to_halt(m);
    assert_int_equal(reg(m, 0, 2), le(data + 8, 8));
    assert_int_equal(reg(m, 0, 3), le(data + 8, 4));
    assert_int_equal(reg(m, 0, 4), 0xFFFFFFFFFFFFFF81ull);
    assert_int_equal(reg(m, 0, 5), 0xFFFF9281ull);
    assert_int_equal(reg(m, 0, 1), 0x100ff);
    assert_int_equal(reg(m, 0, 7), 0xE2);
    assert_int_equal(reg(m, 0, 8), 0xD3E2);
    assert_int_equal(reg(m, 0, 9), 0xFFFFFFFF80000080ull);
    assert_int_equal(reg(m, 0, 10), 0xFFFFFF80ull);
    assert_int_equal(reg(m, 0, 11), 0xFFFFFFFFFFFFD3E2ull);
    assert_int_equal(reg(m, 0, 6), 0x10011);
    assert_int_equal(reg(m, 0, 12), 0x1ff11);
    assert_int_equal(mem(m, 0x1fff8, 8), 0x1122334455667788ull); /* str w rewrote the low half alike */
    assert_int_equal(mem(m, 0x20010, 1), 0x88);
    assert_int_equal(mem(m, 0x20010, 2), 0x7788); /* strh stored 88 77, then strb 88 */
    assert_int_equal(reg(m, 0, 14), 0x20110);
    assert_int_equal(mem(m, 0x20100, 8), 0x1122334455667788ull);
    assert_int_equal(mem(m, 0x20108, 8), 0xFFFFFFFFFFFFFFFFull);
    assert_int_equal(mem(m, 0x20110, 8), 0);
    agpu_destroy(m);
}

static void register_offset_extends(void **state)
{
    (void)state;
    agpu_machine *m = setup("mov x1, #0x10000\n"
                            "mov x2, #1\n"
                            "ldr x3, [x1, x2, lsl #3]\n"
                            "ldr w4, [x1, x2, lsl #2]\n"
                            "ldrh w5, [x1, x2, lsl #1]\n"
                            "ldrb w6, [x1, x2]\n"
                            "ldrb w7, [x1, x2, lsl #0]\n"
                            "add x8, x1, #16\n"
                            "mov w9, #-1\n"                  /* x9 = 0x00000000ffffffff */
                            "ldr x10, [x8, w9, sxtw]\n"      /* 0x1000f, unaligned */
                            "ldr x11, [x8, w9, sxtw #3]\n"   /* 0x10008 */
                            "ldr x12, =0xffffffff00000002\n"
                            "ldr w13, [x1, w12, uxtw #2]\n"  /* 0x10008: upper bits ignored */
                            "ldrsh x14, [x1, w12, uxtw]\n"   /* 0x10002 */
                            "mov x15, #-2\n"
                            "ldr x16, [x8, x15, sxtx #3]\n"  /* 0x10000 */
                            "ldrsw x17, [x1, x2, lsl #2]\n"  /* 0x10004 */
                            "ldrsb w18, [x8, x15, sxtx]\n"   /* 0x1000e */
                            "ldrsh w19, [x8, w9, sxtw #1]\n" /* 0x1000e */
                            "mov x20, #0x20000\n"
                            "str x3, [x20, x2, lsl #3]\n"
                            "str w3, [x20, w9, sxtw #2]\n"   /* 0x1fffc */
                            "strh w3, [x20, x15, sxtx]\n"    /* 0x1fffe */
                            "strb w3, [x20, w12, uxtw]\n"    /* 0x20002 */
                            "hlt #0\n");
    run_to_halt(m);
    assert_int_equal(reg(m, 0, 3), le(data + 8, 8));
    assert_int_equal(reg(m, 0, 4), le(data + 4, 4));
    assert_int_equal(reg(m, 0, 5), le(data + 2, 2));
    assert_int_equal(reg(m, 0, 6), data[1]);
    assert_int_equal(reg(m, 0, 7), data[1]);
    assert_int_equal(reg(m, 0, 10), le(data + 15, 8));
    assert_int_equal(reg(m, 0, 11), le(data + 8, 8));
    assert_int_equal(reg(m, 0, 13), le(data + 8, 4));
    assert_int_equal(reg(m, 0, 14), sext(le(data + 2, 2), 16));
    assert_int_equal(reg(m, 0, 16), le(data, 8));
    assert_int_equal(reg(m, 0, 17), sext(le(data + 4, 4), 32));
    assert_int_equal(reg(m, 0, 18), sext(data[14], 8) & 0xffffffffu);
    assert_int_equal(reg(m, 0, 19), sext(le(data + 14, 2), 16) & 0xffffffffu);
    assert_int_equal(mem(m, 0x20008, 8), le(data + 8, 8));
    assert_int_equal(mem(m, 0x1fffc, 2), le(data + 8, 2)); /* strh overwrote the top half */
    assert_int_equal(mem(m, 0x1fffe, 2), le(data + 8, 2));
    assert_int_equal(mem(m, 0x20002, 1), data[8]);
    agpu_destroy(m);
}

static void unprivileged_forms(void **state)
{
    (void)state;
    agpu_machine *m = setup("ldr x1, =0x10010\n"
                            "ldtr x2, [x1, #-16]\n"
                            "ldtr w3, [x1, #-12]\n"
                            "ldtrb w4, [x1, #1]\n"
                            "ldtrh w5, [x1, #-14]\n"
                            "ldtrsb x6, [x1, #-16]\n"
                            "ldtrsb w7, [x1]\n"
                            "ldtrsh x8, [x1, #-14]\n"
                            "ldtrsh w9, [x1, #2]\n"
                            "ldtrsw x10, [x1, #-12]\n"
                            "ldtr x11, [x1, #-1]\n"
                            "mov x20, #0x20000\n"
                            "ldr x21, =0xCAFEF00DDEADBEEF\n"
                            "sttr x21, [x20]\n"
                            "sttr w21, [x20, #8]\n"
                            "sttrh w21, [x20, #12]\n"
                            "sttrb w21, [x20, #-1]\n"
                            "hlt #0\n");
    run_to_halt(m);
    assert_int_equal(reg(m, 0, 2), le(data, 8));
    assert_int_equal(reg(m, 0, 3), le(data + 4, 4));
    assert_int_equal(reg(m, 0, 4), data[17]);
    assert_int_equal(reg(m, 0, 5), le(data + 2, 2));
    assert_int_equal(reg(m, 0, 6), 0xFFFFFFFFFFFFFF81ull);
    assert_int_equal(reg(m, 0, 7), 0xFFFFFFF1ull);
    assert_int_equal(reg(m, 0, 8), 0xFFFFFFFFFFFFB4A3ull);
    assert_int_equal(reg(m, 0, 9), 0xFFFFC4D3ull);
    assert_int_equal(reg(m, 0, 10), 0xFFFFFFFFF8E7D6C5ull);
    assert_int_equal(reg(m, 0, 11), le(data + 15, 8));
    assert_int_equal(mem(m, 0x20000, 8), 0xCAFEF00DDEADBEEFull);
    assert_int_equal(mem(m, 0x20008, 4), 0xDEADBEEFull);
    assert_int_equal(mem(m, 0x2000c, 2), 0xBEEFull);
    assert_int_equal(mem(m, 0x1ffff, 1), 0xEFull);
    agpu_destroy(m);
}

static void literal_loads(void **state)
{
    (void)state;
    agpu_machine *m = setup("b start\n"
                            "back: .word 0x89abcdef\n"
                            "start:\n"
                            "ldr x0, =0x123456789abcdef0\n"
                            "ldr w1, lit32\n"
                            "ldrsw x2, lit32\n"
                            "ldr x3, lit64\n"
                            "ldr w4, back\n"       /* negative offset */
                            "ldrsw x5, back\n"
                            "ldrsw x6, pos32\n"
                            "ldr w7, lit64\n"
                            "prfm pldl1keep, lit64\n"
                            "b done\n"
                            ".balign 8\n"
                            "lit64: .quad 0xfedcba9876543210\n"
                            "lit32: .word 0x87654321\n"
                            "pos32: .word 0x7654321f\n"
                            "done: hlt #0\n");
    run_to_halt(m);
    assert_int_equal(reg(m, 0, 0), 0x123456789abcdef0ull);
    assert_int_equal(reg(m, 0, 1), 0x87654321ull);
    assert_int_equal(reg(m, 0, 2), 0xFFFFFFFF87654321ull);
    assert_int_equal(reg(m, 0, 3), 0xfedcba9876543210ull);
    assert_int_equal(reg(m, 0, 4), 0x89abcdefull);
    assert_int_equal(reg(m, 0, 5), 0xFFFFFFFF89abcdefull);
    assert_int_equal(reg(m, 0, 6), 0x7654321full);
    assert_int_equal(reg(m, 0, 7), 0x76543210ull);
    agpu_destroy(m);
}

static void pairs_every_form(void **state)
{
    (void)state;
    agpu_machine *m = setup("mov x1, #0x10000\n"
                            "ldp x2, x3, [x1]\n"
                            "ldp w4, w5, [x1, #8]\n"
                            "ldpsw x6, x7, [x1]\n"
                            "ldp x8, x9, [x1, #16]!\n"   /* x1 = 0x10010 */
                            "ldp w10, w11, [x1], #-16\n" /* loads 0x10010, x1 = 0x10000 */
                            "ldpsw x12, x13, [x1, #8]!\n" /* x1 = 0x10008 */
                            "ldnp x14, x15, [x1, #-8]\n"
                            "ldnp w16, w17, [x1, #12]\n"
                            "ldpsw x18, x19, [x1], #8\n" /* loads 0x10008, x1 = 0x10010 */
                            "mov x20, #0x20000\n"
                            "stp x2, x3, [x20]\n"
                            "stp w4, w5, [x20, #16]\n"
                            "stp x2, xzr, [x20, #32]!\n" /* x20 = 0x20020 */
                            "stp w6, w7, [x20], #-8\n"   /* stores 0x20020, x20 = 0x20018 */
                            "stnp x8, x9, [x20, #40]\n"  /* 0x20040 */
                            "stnp wzr, w8, [x20, #-8]\n" /* 0x20010 */
                            "stp x3, x2, [x20, #-512]\n"
                            "hlt #0\n");
    run_to_halt(m);
    assert_int_equal(reg(m, 0, 2), le(data, 8));
    assert_int_equal(reg(m, 0, 3), le(data + 8, 8));
    assert_int_equal(reg(m, 0, 4), le(data + 8, 4));
    assert_int_equal(reg(m, 0, 5), le(data + 12, 4));
    assert_int_equal(reg(m, 0, 6), sext(le(data, 4), 32));
    assert_int_equal(reg(m, 0, 7), sext(le(data + 4, 4), 32));
    assert_int_equal(reg(m, 0, 8), le(data + 16, 8));
    assert_int_equal(reg(m, 0, 9), le(data + 24, 8));
    assert_int_equal(reg(m, 0, 10), le(data + 16, 4));
    assert_int_equal(reg(m, 0, 11), le(data + 20, 4));
    assert_int_equal(reg(m, 0, 12), sext(le(data + 8, 4), 32));
    assert_int_equal(reg(m, 0, 13), sext(le(data + 12, 4), 32));
    assert_int_equal(reg(m, 0, 14), le(data, 8));
    assert_int_equal(reg(m, 0, 15), le(data + 8, 8));
    assert_int_equal(reg(m, 0, 16), le(data + 20, 4));
    assert_int_equal(reg(m, 0, 17), le(data + 24, 4));
    assert_int_equal(reg(m, 0, 18), sext(le(data + 8, 4), 32));
    assert_int_equal(reg(m, 0, 19), sext(le(data + 12, 4), 32));
    assert_int_equal(reg(m, 0, 1), 0x10010);
    assert_int_equal(reg(m, 0, 20), 0x20018);
    assert_int_equal(mem(m, 0x20000, 8), le(data, 8));
    assert_int_equal(mem(m, 0x20008, 8), le(data + 8, 8));
    assert_int_equal(mem(m, 0x20010, 4), 0);                /* stnp wzr */
    assert_int_equal(mem(m, 0x20014, 4), le(data + 16, 4)); /* w8 */
    assert_int_equal(mem(m, 0x20018, 8), 0);                 /* never written */
    assert_int_equal(mem(m, 0x20020, 4), le(data, 4));       /* w6, truncated */
    assert_int_equal(mem(m, 0x20024, 4), le(data + 4, 4));   /* w7 */
    assert_int_equal(mem(m, 0x20028, 8), 0);                 /* xzr */
    assert_int_equal(mem(m, 0x20040, 8), le(data + 16, 8));
    assert_int_equal(mem(m, 0x20048, 8), le(data + 24, 8));
    assert_int_equal(mem(m, 0x20018 - 512, 8), le(data + 8, 8));
    assert_int_equal(mem(m, 0x20018 - 504, 8), le(data, 8));
    agpu_destroy(m);
}

static void prefetch_has_no_effect_and_never_faults(void **state)
{
    (void)state;
    agpu_lane_result r;
    agpu_machine *m = setup("ldr x1, =0xdead00000000\n"
                            "mov x2, #-1\n"
                            "prfm pldl1keep, [x1]\n"
                            "prfm pstl2strm, [x1, #32760]\n"
                            "prfum pldl3keep, [x1, #-1]\n"
                            "prfm plil1keep, [x1, x2, lsl #3]\n"
                            "prfm pldl1strm, [x1, w2, sxtw]\n"
                            "prfm #31, [x2]\n"
                            "prfm pldl1keep, far\n"
                            "hlt #7\n"
                            "far: .word 0\n");
    exec_ok(m, 1000, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(r.stop.imm, 7);
    assert_int_equal(r.instructions, 9); /* ldr =, mov and 7 prefetches */
    assert_int_equal(r.pc, 4 * 9);
    assert_int_equal(reg(m, 0, 1), 0xdead00000000ull);
    assert_int_equal(reg(m, 0, 2), ~0ull);
    for (int i = 3; i <= 30; i++) assert_int_equal(reg(m, 0, (agpu_reg)i), POISON);
    agpu_destroy(m);
}

static void unaligned_and_page_crossing(void **state)
{
    (void)state;
    agpu_machine *m = setup("ldr x1, =0x10001\n"
                            "ldr x2, [x1]\n"
                            "ldur w3, [x1, #2]\n"   /* 0x10003 */
                            "ldrh w4, [x1, #4]\n"   /* 0x10005 via ldurh */
                            "ldp x5, x6, [x1, #8]\n" /* 0x10009 */
                            "ldr x7, =0x10ffd\n"
                            "ldr x8, [x7]\n"        /* 0x10ffd..0x11004 */
                            "ldursw x9, [x7, #2]\n" /* 0x10fff..0x11002 */
                            "ldr x10, =0x21ffb\n"
                            "ldr x11, =0x0807060504030201\n"
                            "str x11, [x10]\n"      /* 0x21ffb..0x22002 */
                            "stp w11, w11, [x10, #8]\n"
                            "add x12, x10, #4\n"
                            "strh w11, [x12]\n"     /* 0x21fff..0x22000 */
                            "hlt #0\n");
    uint8_t edge[8] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe};
    assert_int_equal(agpu_write_memory(m, 0, 0x10ffd, edge, 8), AGPU_OK);
    run_to_halt(m);
    assert_int_equal(reg(m, 0, 2), le(data + 1, 8));
    assert_int_equal(reg(m, 0, 3), le(data + 3, 4));
    assert_int_equal(reg(m, 0, 4), le(data + 5, 2));
    assert_int_equal(reg(m, 0, 5), le(data + 9, 8));
    assert_int_equal(reg(m, 0, 6), le(data + 17, 8));
    assert_int_equal(reg(m, 0, 8), 0xfedcba9876543210ull);
    assert_int_equal(reg(m, 0, 9), sext(le(edge + 2, 4), 32));
    /* str x puts 01..08 at 0x21ffb, strh 01 02 at 0x21fff, stp w 01 02 03 04 01 02 03 04 at
     * 0x22003; the bytes after stay zero. */
    uint8_t got[20];
    assert_int_equal(agpu_read_memory(m, 0, 0x21ffb, got, sizeof got), AGPU_OK);
    static const uint8_t want[20] = {1, 2, 3, 4, 1, 2, 7, 8, 1, 2, 3, 4, 1, 2, 3, 4, 0, 0, 0, 0};
    assert_memory_equal(got, want, sizeof want);
    agpu_destroy(m);
}

static void sp_as_base(void **state)
{
    (void)state;
    agpu_machine *m = setup("mov x1, #0x1111\n"
                            "mov x2, #0x2222\n"
                            "mov x3, #0x3333\n"
                            "sub sp, sp, #48\n"         /* sp = 0x7ffd0 */
                            "stp x1, x2, [sp]\n"
                            "str x3, [sp, #16]!\n"      /* sp = 0x7ffe0 */
                            "stp x3, x1, [sp, #-16]!\n" /* sp = 0x7ffd0 */
                            "ldp x4, x5, [sp], #16\n"   /* sp = 0x7ffe0 */
                            "ldr x6, [sp], #-16\n"      /* sp = 0x7ffd0 */
                            "ldr x7, [sp, #8]\n"
                            "strb w2, [sp, #33]\n"
                            "ldur w8, [sp, #33]\n"
                            "mov x9, #1\n"
                            "ldr x10, [sp, x9, lsl #3]\n"
                            "add sp, sp, #64\n"
                            "hlt #0\n");
    run_to_halt(m);
    assert_int_equal(reg(m, 0, AGPU_REG_SP), 0x80010);
    assert_int_equal(reg(m, 0, 4), 0x3333);
    assert_int_equal(reg(m, 0, 5), 0x1111);
    assert_int_equal(reg(m, 0, 6), 0x3333);
    assert_int_equal(reg(m, 0, 7), 0x1111);
    assert_int_equal(reg(m, 0, 8), 0x22);
    assert_int_equal(reg(m, 0, 10), 0x1111);
    assert_int_equal(mem(m, 0x7ffd0, 8), 0x3333);
    assert_int_equal(mem(m, 0x7ffd8, 8), 0x1111);
    assert_int_equal(mem(m, 0x7ffe0, 8), 0x3333);
    assert_int_equal(mem(m, 0x7fff1, 1), 0x22);
    agpu_destroy(m);
}

static void loads_to_xzr_discard(void **state)
{
    (void)state;
    agpu_machine *m = setup("mov x1, #0x10000\n"
                            "ldr xzr, [x1]\n"
                            "ldp xzr, x2, [x1]\n"
                            "ldrsw xzr, [x1, #4]\n"
                            "ldr x3, [x1, xzr]\n"
                            "hlt #0\n");
    run_to_halt(m);
    assert_int_equal(reg(m, 0, 2), le(data + 8, 8));
    assert_int_equal(reg(m, 0, 3), le(data, 8));
    assert_int_equal(reg(m, 0, AGPU_REG_SP), 0x80000);
    agpu_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unsigned_offset_loads),
        cmocka_unit_test(unsigned_offset_stores_and_byte_order),
        cmocka_unit_test(unscaled_negative_offsets),
        cmocka_unit_test(pre_and_post_index_writeback),
        cmocka_unit_test(register_offset_extends),
        cmocka_unit_test(unprivileged_forms),
        cmocka_unit_test(literal_loads),
        cmocka_unit_test(pairs_every_form),
        cmocka_unit_test(prefetch_has_no_effect_and_never_faults),
        cmocka_unit_test(unaligned_and_page_crossing),
        cmocka_unit_test(sp_as_base),
        cmocka_unit_test(loads_to_xzr_discard),
    };
    return harness_run_tests(tests);
}

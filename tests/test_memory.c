/*
 * Guest memory: faults and what they leave unchanged, page permissions
 * (for every lane, and one lane's own in its private region), accesses
 * straddling a region's end, address wrap-around, PC alignment, shared
 * against private memory, lanes that fault or communicate, and code
 * rewritten by the host or by the guest.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEM_SIZE (1ull << 20) /* every machine here has 1 MiB of shared memory */
#define POISON 0x5A5A5A5A5A5A5A5Aull

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint64_t mem(agpu_machine *m, uint32_t lane, uint64_t addr, int n)
{
    uint8_t b[8];
    int rc = agpu_read_memory(m, lane, addr, b, (size_t)n);
    if (rc) fail_msg("agpu_read_memory(0x%llx): %s", (unsigned long long)addr, agpu_last_error(m));
    return le(b, n);
}

static void put_mem(agpu_machine *m, uint32_t lane, uint64_t addr, int n, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < n; i++) b[i] = (uint8_t)(v >> (8 * i));
    int rc = agpu_write_memory(m, lane, addr, b, (size_t)n);
    if (rc) fail_msg("agpu_write_memory(0x%llx): %s", (unsigned long long)addr, agpu_last_error(m));
}

static void load_code(agpu_machine *m, uint64_t addr, const char *src)
{
    size_t n;
    uint8_t *code = asm_bytes(src, &n);
    assert_int_equal(agpu_load(m, addr, code, n), AGPU_OK);
    free(code);
}

static agpu_machine *setup(const char *src)
{
    agpu_machine *m = test_machine(1, MEM_SIZE, 0, 0);
    load_code(m, 0, src);
    for (int r = 1; r <= 30; r++) set_reg(m, 0, (agpu_reg)r, POISON);
    set_reg(m, 0, AGPU_REG_SP, 0x80000);
    return m;
}

typedef struct want_fault {
    uint32_t access, cause;
    uint64_t address, pc;
} want_fault;

static void expect_fault(const agpu_lane_result *r, want_fault w)
{
    if (r->stop.reason != AGPU_STOP_FAULT || r->stop.access != w.access || r->stop.cause != w.cause ||
        r->stop.address != w.address || r->pc != w.pc) {
        char got[160];
        agpu_format_stop(&r->stop, r->pc, got, sizeof got);
        fail_msg("got %s; want FAULT access %u cause %u at 0x%llx, pc 0x%llx", got, w.access, w.cause,
                 (unsigned long long)w.address, (unsigned long long)w.pc);
    }
}

/* Runs a one-instruction fault case: x1 = base, the instruction at 4,
 * HLT after.  Checks the stop, that x2..x30 and SP kept their values, and
 * that x1 (the base, written back by some forms) is unchanged. */
static void fault_case(const char *insn, uint64_t base, want_fault w)
{
    size_t n;
    uint8_t *code = asm_bytesf(&n, "mov x3, x3\n%s\nhlt #0\n", insn);
    agpu_machine *m = test_machine(1, MEM_SIZE, 0, 0);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    for (int r = 0; r <= 30; r++) set_reg(m, 0, (agpu_reg)r, POISON + (uint64_t)r);
    set_reg(m, 0, 1, base);
    set_reg(m, 0, AGPU_REG_SP, 0x80000);
    assert_int_equal(agpu_protect(m, 0x40000, AGPU_PAGE_SIZE, AGPU_PROT_READ), AGPU_OK);  /* read-only */
    assert_int_equal(agpu_protect(m, 0x41000, AGPU_PAGE_SIZE, AGPU_PROT_WRITE), AGPU_OK); /* write-only */
    assert_int_equal(agpu_protect(m, 0x42000, AGPU_PAGE_SIZE, 0), AGPU_OK);               /* none */
    agpu_lane_result r;
    exec_ok(m, 100, &r);
    w.pc = 4;
    expect_fault(&r, w);
    assert_int_equal(r.instructions, 1);
    assert_int_equal(r.stop.encoding, asm_word(insn));
    for (int i = 0; i <= 30; i++)
        if (i != 1) assert_int_equal(reg(m, 0, (agpu_reg)i), POISON + (uint64_t)i);
    assert_int_equal(reg(m, 0, 1), base);
    assert_int_equal(reg(m, 0, AGPU_REG_SP), 0x80000);
    /* Nothing was written anywhere near the access. */
    if (base >= 128 && base < MEM_SIZE + 64) {
        static const uint8_t zero[192];
        uint8_t got[192];
        uint64_t lo = (base & ~63ull) - 64, hi = lo + 192 < MEM_SIZE ? lo + 192 : MEM_SIZE;
        assert_int_equal(agpu_read_memory(m, 0, lo, got, (size_t)(hi - lo)), AGPU_OK);
        assert_memory_equal(got, zero, (size_t)(hi - lo));
    }
    agpu_destroy(m);
}

static void data_faults_change_nothing(void **state)
{
    (void)state;
    const uint32_t R = AGPU_ACCESS_READ, W = AGPU_ACCESS_WRITE;
    const uint32_t U = AGPU_FAULT_UNMAPPED, P = AGPU_FAULT_PERMISSION;
    /* Out of range: the first failing byte is the address of the access. */
    fault_case("ldr x2, [x1]", 0x200000, (want_fault){R, U, 0x200000, 0});
    fault_case("str x2, [x1]", 0x200000, (want_fault){W, U, 0x200000, 0});
    fault_case("ldrb w2, [x1, #16]", MEM_SIZE - 16, (want_fault){R, U, MEM_SIZE, 0});
    fault_case("strh w2, [x1, #-2]", MEM_SIZE + 2, (want_fault){W, U, MEM_SIZE, 0});
    /* Straddling the end of the region: the first byte past it failed. */
    fault_case("ldr x2, [x1]", MEM_SIZE - 4, (want_fault){R, U, MEM_SIZE, 0});
    fault_case("str w2, [x1]", MEM_SIZE - 1, (want_fault){W, U, MEM_SIZE, 0});
    fault_case("stp x2, x3, [x1]", MEM_SIZE - 8, (want_fault){W, U, MEM_SIZE, 0});
    fault_case("ldp x2, x3, [x1]", MEM_SIZE - 8, (want_fault){R, U, MEM_SIZE, 0});
    /* Writeback forms leave the base alone when they fault. */
    fault_case("ldr x2, [x1, #8]!", MEM_SIZE - 8, (want_fault){R, U, MEM_SIZE, 0});
    fault_case("str x2, [x1], #8", MEM_SIZE, (want_fault){W, U, MEM_SIZE, 0});
    fault_case("ldp x2, x3, [x1, #-16]!", 0x200010, (want_fault){R, U, 0x200000, 0});
    fault_case("stp x2, x3, [x1], #16", MEM_SIZE - 8, (want_fault){W, U, MEM_SIZE, 0});
    fault_case("ldrsw x2, [x1], #4", 0x300000, (want_fault){R, U, 0x300000, 0});
    /* Permissions: read-only 0x40000, write-only 0x41000, none 0x42000. */
    fault_case("str x2, [x1]", 0x40008, (want_fault){W, P, 0x40008, 0});
    fault_case("ldr x2, [x1]", 0x41008, (want_fault){R, P, 0x41008, 0});
    fault_case("ldrb w2, [x1]", 0x42000, (want_fault){R, P, 0x42000, 0});
    fault_case("strb w2, [x1]", 0x42fff, (want_fault){W, P, 0x42fff, 0});
    /* An STP whose second half lands on the read-only page writes nothing. */
    fault_case("stp x2, x3, [x1]", 0x3fff8, (want_fault){W, P, 0x40000, 0});
    fault_case("str x2, [x1]", 0x3fffc, (want_fault){W, P, 0x40000, 0});
    fault_case("ldr x2, [x1]", 0x40ffc, (want_fault){R, P, 0x41000, 0});
    fault_case("str x2, [x1, #8]!", 0x3fff8, (want_fault){W, P, 0x40000, 0});
    /* Atomics need read and write. */
    fault_case(".arch armv8.1-a\nldadd x2, x3, [x1]", 0x40000, (want_fault){W, P, 0x40000, 0});
    fault_case("ldxr x2, [x1]", 0x41000, (want_fault){R, P, 0x41000, 0});
    fault_case("ldar w2, [x1]", 0x200000, (want_fault){R, U, 0x200000, 0});
    fault_case("stlr w2, [x1]", 0x40000, (want_fault){W, P, 0x40000, 0});
}

/* a64_translate remembers the last data page it passed (a64_core.h).  A
 * hit must never let through what the page table would refuse: another
 * kind of access to the same page, an access running over into the next
 * page, or a page whose permissions the host changed between two runs. */
static void data_page_cache_follows_permissions(void **state)
{
    (void)state;
    agpu_lane_result r;
    /* A load passes the read-only page; a store to it then faults. */
    agpu_machine *m = setup("mov x1, #0x40000\n"
                            "ldr x2, [x1]\n"
                            "str x2, [x1, #8]\n"
                            "hlt #0\n");
    put_mem(m, 0, 0x40000, 8, 0x1122334455667788ull);
    assert_int_equal(agpu_protect(m, 0x40000, AGPU_PAGE_SIZE, AGPU_PROT_READ), AGPU_OK);
    exec_ok(m, 100, &r);
    expect_fault(&r, (want_fault){AGPU_ACCESS_WRITE, AGPU_FAULT_PERMISSION, 0x40008, 8});
    assert_int_equal(reg(m, 0, 2), 0x1122334455667788ull);
    assert_int_equal(mem(m, 0, 0x40008, 8), 0);
    agpu_destroy(m);

    /* A store passes a writable page; the next one, running over into a
     * read-only page, faults at that page and writes neither part. */
    m = setup("ldr x1, =0x41000\n"
              "mov x2, #7\n"
              "str x2, [x1]\n"
              "add x3, x1, #0xffc\n"
              "str x2, [x3]\n"
              "hlt #0\n");
    assert_int_equal(agpu_protect(m, 0x42000, AGPU_PAGE_SIZE, AGPU_PROT_READ), AGPU_OK);
    exec_ok(m, 100, &r);
    expect_fault(&r, (want_fault){AGPU_ACCESS_WRITE, AGPU_FAULT_PERMISSION, 0x42000, 16});
    assert_int_equal(mem(m, 0, 0x41000, 8), 7);
    assert_int_equal(mem(m, 0, 0x41ffc, 8), 0);
    agpu_destroy(m);

    /* The host takes write permission away between two runs of a lane that
     * stored to the page: the second run's store faults. */
    m = setup("ldr x1, =0x41000\n"
              "str x1, [x1]\n"
              "brk #1\n"
              "str x1, [x1, #8]\n"
              "hlt #0\n");
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_BREAK);
    assert_int_equal(mem(m, 0, 0x41000, 8), 0x41000);
    assert_int_equal(agpu_protect(m, 0x41000, AGPU_PAGE_SIZE, AGPU_PROT_READ), AGPU_OK);
    set_reg(m, 0, AGPU_REG_PC, 12);
    exec_ok(m, 100, &r);
    expect_fault(&r, (want_fault){AGPU_ACCESS_WRITE, AGPU_FAULT_PERMISSION, 0x41008, 12});
    assert_int_equal(mem(m, 0, 0x41008, 8), 0);
    agpu_destroy(m);
}

static void permissions_allow_what_they_say(void **state)
{
    (void)state;
    agpu_machine *m = setup("mov x1, #0x40000\n"
                            "ldr x2, [x1]\n"         /* read-only: loads work */
                            "ldr x3, =0x41000\n"
                            "mov x4, #0x77\n"
                            "str x4, [x3]\n"         /* write-only: stores work */
                            "hlt #0\n");
    put_mem(m, 0, 0x40000, 8, 0x1234567890ull);
    assert_int_equal(agpu_protect(m, 0x40000, AGPU_PAGE_SIZE, AGPU_PROT_READ), AGPU_OK);
    assert_int_equal(agpu_protect(m, 0x41000, AGPU_PAGE_SIZE, AGPU_PROT_WRITE), AGPU_OK);
    uint32_t prot;
    assert_int_equal(agpu_get_protection(m, 0x40123, &prot), AGPU_OK);
    assert_int_equal(prot, AGPU_PROT_READ);
    assert_int_equal(agpu_get_protection(m, 0x41fff, &prot), AGPU_OK);
    assert_int_equal(prot, AGPU_PROT_WRITE);
    assert_int_equal(agpu_get_protection(m, 0x42000, &prot), AGPU_OK);
    assert_int_equal(prot, AGPU_PROT_ALL);
    agpu_lane_result r;
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 2), 0x1234567890ull);
    /* Host writes ignore permissions; reads of a write-only page work too. */
    assert_int_equal(mem(m, 0, 0x41000, 8), 0x77);
    put_mem(m, 0, 0x40000, 8, 0xabcdef);
    assert_int_equal(mem(m, 0, 0x40000, 8), 0xabcdef);
    agpu_destroy(m);
}

static void fetch_faults(void **state)
{
    (void)state;
    agpu_lane_result r;
    /* Branch out of memory. */
    agpu_machine *m = setup("mov x1, #0x200000\nbr x1\n");
    exec_ok(m, 100, &r);
    expect_fault(&r, (want_fault){AGPU_ACCESS_FETCH, AGPU_FAULT_UNMAPPED, 0x200000, 0x200000});
    assert_int_equal(r.instructions, 2);
    agpu_destroy(m);
    /* Running off the end of memory. */
    m = setup("hlt #0\n");
    load_code(m, MEM_SIZE - 8, "nop\nnop\n");
    set_reg(m, 0, AGPU_REG_PC, MEM_SIZE - 8);
    exec_ok(m, 100, &r);
    expect_fault(&r, (want_fault){AGPU_ACCESS_FETCH, AGPU_FAULT_UNMAPPED, MEM_SIZE, MEM_SIZE});
    assert_int_equal(r.instructions, 2);
    agpu_destroy(m);
    /* Into a page without execute permission, by a branch and by falling in. */
    m = setup("mov x1, #0x30000\nblr x1\n");
    load_code(m, 0x30000, "mov x0, #1\nhlt #0\n");
    assert_int_equal(agpu_protect(m, 0x30000, AGPU_PAGE_SIZE, AGPU_PROT_READ | AGPU_PROT_WRITE), AGPU_OK);
    exec_ok(m, 100, &r);
    expect_fault(&r, (want_fault){AGPU_ACCESS_FETCH, AGPU_FAULT_PERMISSION, 0x30000, 0x30000});
    assert_int_equal(reg(m, 0, 30), 8); /* BLR retired */
    assert_int_equal(reg(m, 0, 0), 0);
    /* Making it executable lets the same lane go on. */
    assert_int_equal(agpu_protect(m, 0x30000, AGPU_PAGE_SIZE, AGPU_PROT_ALL), AGPU_OK);
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 0), 1);
    agpu_destroy(m);
    m = setup("hlt #0\n");
    load_code(m, 0x30ff8, "mov x0, #2\nmov x1, #3\nmov x2, #4\n");
    assert_int_equal(agpu_protect(m, 0x31000, AGPU_PAGE_SIZE, AGPU_PROT_READ), AGPU_OK);
    set_reg(m, 0, AGPU_REG_PC, 0x30ff8);
    exec_ok(m, 100, &r);
    expect_fault(&r, (want_fault){AGPU_ACCESS_FETCH, AGPU_FAULT_PERMISSION, 0x31000, 0x31000});
    assert_int_equal(reg(m, 0, 0), 2);
    assert_int_equal(reg(m, 0, 1), 3);
    assert_int_equal(reg(m, 0, 2), POISON);
    agpu_destroy(m);
    /* A misaligned PC is an alignment fault on fetch. */
    m = setup("mov x1, #0x1001\nbr x1\n");
    exec_ok(m, 100, &r);
    expect_fault(&r, (want_fault){AGPU_ACCESS_FETCH, AGPU_FAULT_ALIGNMENT, 0x1001, 0x1001});
    agpu_destroy(m);
    m = setup("ldr x1, =0x10002\nret x1\n");
    exec_ok(m, 100, &r);
    expect_fault(&r, (want_fault){AGPU_ACCESS_FETCH, AGPU_FAULT_ALIGNMENT, 0x10002, 0x10002});
    agpu_destroy(m);
}

static void addresses_wrap_at_2_to_the_64(void **state)
{
    (void)state;
    agpu_lane_result r;
    /* Base + offset wraps modulo 2^64 (C6.2: the address is a 64-bit sum). */
    agpu_machine *m = setup("mov x1, #-8\n"
                            "ldr x2, [x1, #8]\n"   /* address 0 */
                            "mov x3, #-1\n"
                            "mov x4, #0x21\n"
                            "ldrb w5, [x3, x4]\n"  /* address 0x20 */
                            "hlt #0\n");
    put_mem(m, 0, 0x20, 1, 0x9c);
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 2), mem(m, 0, 0, 8));
    assert_int_equal(reg(m, 0, 5), 0x9c);
    agpu_destroy(m);
    /* Accesses at the top of the address space fault; one that would wrap
     * into address 0 faults at its first byte. */
    fault_case("ldr x2, [x1]", 0xFFFFFFFFFFFFFFF8ull, (want_fault){AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED,
                                                                   0xFFFFFFFFFFFFFFF8ull, 0});
    fault_case("ldr x2, [x1]", 0xFFFFFFFFFFFFFFFCull, (want_fault){AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED,
                                                                   0xFFFFFFFFFFFFFFFCull, 0});
    fault_case("stp x2, x3, [x1]", 0xFFFFFFFFFFFFFFF8ull,
               (want_fault){AGPU_ACCESS_WRITE, AGPU_FAULT_UNMAPPED, 0xFFFFFFFFFFFFFFF8ull, 0});
    /* A private region near the top of the address space. */
    m = test_machine(2, MEM_SIZE, 0xFFFFFFFFFFF00000ull, 0x10000);
    load_code(m, 0, "ldr x1, =0xFFFFFFFFFFF0FFF8\n"
                    "str x0, [x1]\n"
                    "ldr x2, [x1]\n"
                    "ldr x3, [x1, #4]\n"
                    "hlt #0\n");
    uint64_t ids[2] = {11, 22};
    assert_int_equal(agpu_set_reg_all(m, AGPU_REG_X0, ids), AGPU_OK);
    agpu_lane_result rr[2];
    exec_ok(m, 100, rr);
    for (int l = 0; l < 2; l++) {
        expect_fault(&rr[l], (want_fault){AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED, 0xFFFFFFFFFFF10000ull, 12});
        assert_int_equal(reg(m, (uint32_t)l, 2), ids[l]);
        assert_int_equal(mem(m, (uint32_t)l, 0xFFFFFFFFFFF0FFF8ull, 8), ids[l]);
    }
    agpu_destroy(m);
}

/* ----------------------------------------------------- shared and private */

#define PRIV 0x10000000ull
#define PRIV_SIZE 0x10000ull

static void private_memory_per_lane(void **state)
{
    (void)state;
    enum { LANES = 8 };
    agpu_machine *m = test_machine(LANES, MEM_SIZE, PRIV, PRIV_SIZE);
    assert_int_equal(agpu_private_base(m), PRIV);
    assert_int_equal(agpu_private_size(m), PRIV_SIZE);
    load_code(m, 0, "mov x1, #0x10000000\n"
                    "ldr x4, [x1, #16]\n"       /* what the host put there for this lane */
                    "str x0, [x1]\n"
                    "add x3, x0, #100\n"
                    "str x3, [x1, #8]\n"
                    "ldr x2, [x1]\n"
                    "ldr x5, [x1, #0x100]\n"    /* written for every lane at once */
                    "mov x6, #0x8000\n"
                    "str x0, [x6, x0, lsl #3]\n" /* shared: everyone sees every slot */
                    "stp x0, x3, [sp, #-16]!\n"  /* a private stack */
                    "ldp x7, x8, [sp], #16\n"
                    "hlt #0\n");
    uint64_t ids[LANES];
    for (uint32_t l = 0; l < LANES; l++) {
        ids[l] = l;
        put_mem(m, l, PRIV + 16, 8, 7 * l + 3);
    }
    assert_int_equal(agpu_set_reg_all(m, AGPU_REG_X0, ids), AGPU_OK);
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_SP, PRIV + PRIV_SIZE), AGPU_OK);
    put_mem(m, AGPU_ALL_LANES, PRIV + 0x100, 8, 0x0123456789abcdefull);
    agpu_lane_result r[LANES];
    exec_ok(m, 1000, r);
    for (uint32_t l = 0; l < LANES; l++) {
        assert_int_equal(r[l].stop.reason, AGPU_STOP_HALT);
        assert_int_equal(reg(m, l, 2), l);
        assert_int_equal(reg(m, l, 4), 7 * l + 3);
        assert_int_equal(reg(m, l, 5), 0x0123456789abcdefull);
        assert_int_equal(reg(m, l, 7), l);
        assert_int_equal(reg(m, l, 8), l + 100);
        assert_int_equal(reg(m, l, AGPU_REG_SP), PRIV + PRIV_SIZE);
        assert_int_equal(mem(m, l, PRIV, 8), l);
        assert_int_equal(mem(m, l, PRIV + 8, 8), l + 100);
        assert_int_equal(mem(m, l, PRIV + PRIV_SIZE - 16, 8), l);
        assert_int_equal(mem(m, 0, 0x8000 + 8 * l, 8), l); /* shared: lane number ignored */
        assert_int_equal(mem(m, LANES - 1 - l, 0x8000 + 8 * l, 8), l);
    }
    /* Host access rules: reading private memory needs one lane; writing may
     * name one lane or all; the range must lie in one region. */
    uint8_t b[8];
    assert_int_equal(agpu_read_memory(m, AGPU_ALL_LANES, PRIV, b, 8), AGPU_ERR_LANE_RANGE);
    assert_int_equal(agpu_read_memory(m, LANES, PRIV, b, 8), AGPU_ERR_LANE_RANGE);
    assert_int_equal(agpu_write_memory(m, LANES, PRIV, b, 8), AGPU_ERR_LANE_RANGE);
    assert_int_equal(agpu_read_memory(m, 0, PRIV + PRIV_SIZE - 4, b, 8), AGPU_ERR_ADDRESS);
    assert_int_equal(agpu_read_memory(m, 0, MEM_SIZE - 4, b, 8), AGPU_ERR_ADDRESS);
    assert_int_equal(agpu_read_memory(m, 0, PRIV - 8, b, 8), AGPU_ERR_ADDRESS);
    assert_int_equal(agpu_read_memory(m, LANES + 5, 0x8000, b, 8), AGPU_OK);
    /* One lane's host write is invisible to the others. */
    put_mem(m, 3, PRIV + 0x200, 8, 0xfeed);
    for (uint32_t l = 0; l < LANES; l++) assert_int_equal(mem(m, l, PRIV + 0x200, 8), l == 3 ? 0xfeed : 0);
    /* Permissions on the private region apply to every lane. */
    assert_int_equal(agpu_protect(m, PRIV, AGPU_PAGE_SIZE, AGPU_PROT_READ), AGPU_OK);
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, 0), AGPU_OK);
    exec_ok(m, 1000, r);
    for (uint32_t l = 0; l < LANES; l++)
        expect_fault(&r[l], (want_fault){AGPU_ACCESS_WRITE, AGPU_FAULT_PERMISSION, PRIV, 8});
    /* The private region's end, and the gap between the regions. */
    assert_int_equal(agpu_protect(m, PRIV, AGPU_PAGE_SIZE, AGPU_PROT_ALL), AGPU_OK);
    load_code(m, 0x9000, "ldr x1, =0x1000fffc\nldr x2, [x1]\nhlt #0\n");
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, 0x9000), AGPU_OK);
    exec_ok(m, 1000, r);
    for (uint32_t l = 0; l < LANES; l++)
        expect_fault(&r[l], (want_fault){AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED, PRIV + PRIV_SIZE, 0x9004});
    load_code(m, 0x9000, "ldr x1, =0x8000000\nldr x2, [x1]\nhlt #0\n");
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, 0x9000), AGPU_OK);
    exec_ok(m, 1000, r);
    for (uint32_t l = 0; l < LANES; l++)
        expect_fault(&r[l], (want_fault){AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED, 0x8000000, 0x9004});
    agpu_destroy(m);
}

static void code_in_private_memory(void **state)
{
    (void)state;
    /* A machine with private memory only: each lane runs its own program. */
    agpu_machine *m = test_machine(3, 0, PRIV, PRIV_SIZE);
    assert_int_equal(agpu_shared_size(m), 0);
    for (uint32_t l = 0; l < 3; l++) {
        size_t n;
        uint8_t *code = asm_bytesf(&n, "mov x0, #%u\nhlt #%u\n", 10 + l, l);
        assert_int_equal(agpu_write_memory(m, l, PRIV, code, n), AGPU_OK);
        free(code);
    }
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, PRIV), AGPU_OK);
    agpu_lane_result r[3];
    exec_ok(m, 100, r);
    for (uint32_t l = 0; l < 3; l++) {
        assert_int_equal(r[l].stop.reason, AGPU_STOP_HALT);
        assert_int_equal(r[l].stop.imm, l);
        assert_int_equal(reg(m, l, 0), 10 + l);
    }
    /* Address 0 is unmapped here. */
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, 0), AGPU_OK);
    exec_ok(m, 100, r);
    expect_fault(&r[1], (want_fault){AGPU_ACCESS_FETCH, AGPU_FAULT_UNMAPPED, 0, 0});
    agpu_destroy(m);
}

/* ------------------------------------------------- per-lane permissions */

/* What agpu_protect_lane gives lane l of the per-lane cases: by l % 5, no
 * change, none, read-only and write-only on the data page, and the code
 * page in private memory without execute. */
#define PL_DATA (PRIV + 0x1000)
#define PL_CODE (PRIV + 0x2000)

static void protect_lane_case(agpu_machine *m, uint32_t l)
{
    switch (l % 5) {
    case 1: assert_int_equal(agpu_protect_lane(m, l, PL_DATA, AGPU_PAGE_SIZE, 0), AGPU_OK); break;
    case 2: assert_int_equal(agpu_protect_lane(m, l, PL_DATA, AGPU_PAGE_SIZE, AGPU_PROT_READ), AGPU_OK); break;
    case 3: assert_int_equal(agpu_protect_lane(m, l, PL_DATA, AGPU_PAGE_SIZE, AGPU_PROT_WRITE), AGPU_OK); break;
    case 4:
        assert_int_equal(agpu_protect_lane(m, l, PL_CODE, AGPU_PAGE_SIZE, AGPU_PROT_READ | AGPU_PROT_WRITE),
                         AGPU_OK);
        break;
    default: break;
    }
}

/* Every lane runs: read its data page, write it, call code on its own
 * private code page.  Each lane's stop follows from its own permissions
 * alone.  Returns the machine for more. */
static agpu_machine *run_per_lane_permissions(uint32_t lanes, uint32_t threads, agpu_lane_result *r)
{
    agpu_machine *m = test_machine_threads(lanes, MEM_SIZE, PRIV, PRIV_SIZE, threads);
    load_code(m, 0, "ldr x1, =0x10001000\n"
                    "ldr x2, [x1]\n"        /* pc 4: read */
                    "str x0, [x1, #8]\n"    /* pc 8: write */
                    "add x9, x1, #0x1000\n"
                    "blr x9\n"              /* fetch from the private code page */
                    "hlt #9\n");
    load_code(m, PL_CODE, "ldr x3, [x1, #8]\nhlt #2\n");
    uint64_t *ids = calloc(lanes, sizeof *ids);
    for (uint32_t l = 0; l < lanes; l++) {
        ids[l] = l;
        put_mem(m, l, PL_DATA, 8, 100 + l);
        protect_lane_case(m, l);
    }
    assert_int_equal(agpu_set_reg_all(m, AGPU_REG_X0, ids), AGPU_OK);
    free(ids);
    /* A budget large enough for the cpu backend to use its threads. */
    exec_ok(m, 100000, r);
    return m;
}

static void check_per_lane_stops(agpu_machine *m, uint32_t lanes, const agpu_lane_result *r)
{
    for (uint32_t l = 0; l < lanes; l++) {
        switch (l % 5) {
        case 0:
            assert_int_equal(r[l].stop.reason, AGPU_STOP_HALT);
            assert_int_equal(r[l].stop.imm, 2);
            assert_int_equal(reg(m, l, 2), 100 + l);
            assert_int_equal(reg(m, l, 3), l);
            assert_int_equal(mem(m, l, PL_DATA + 8, 8), l);
            break;
        case 1:
        case 3: /* write-only: reads fault as well */
            expect_fault(&r[l], (want_fault){AGPU_ACCESS_READ, AGPU_FAULT_PERMISSION, PL_DATA, 4});
            break;
        case 2:
            expect_fault(&r[l], (want_fault){AGPU_ACCESS_WRITE, AGPU_FAULT_PERMISSION, PL_DATA + 8, 8});
            assert_int_equal(reg(m, l, 2), 100 + l);
            assert_int_equal(mem(m, l, PL_DATA + 8, 8), 0);
            break;
        case 4:
            expect_fault(&r[l], (want_fault){AGPU_ACCESS_FETCH, AGPU_FAULT_PERMISSION, PL_CODE, PL_CODE});
            assert_int_equal(mem(m, l, PL_DATA + 8, 8), l);
            break;
        }
    }
}

static void private_permissions_per_lane(void **state)
{
    (void)state;
    enum { LANES = 10 };
    agpu_lane_result r[LANES];
    agpu_machine *m = run_per_lane_permissions(LANES, 0, r);
    check_per_lane_stops(m, LANES, r);

    /* Each lane reads back its own permissions; the page as a whole has
     * none to report, and says which lane differs. */
    uint32_t prot;
    for (uint32_t l = 0; l < LANES; l++) {
        static const uint32_t data[5] = {AGPU_PROT_ALL, 0, AGPU_PROT_READ, AGPU_PROT_WRITE, AGPU_PROT_ALL};
        assert_int_equal(agpu_get_protection_lane(m, l, PL_DATA + 0x123, &prot), AGPU_OK);
        assert_int_equal(prot, data[l % 5]);
        assert_int_equal(agpu_get_protection_lane(m, l, PL_CODE, &prot), AGPU_OK);
        assert_int_equal(prot, l % 5 == 4 ? AGPU_PROT_READ | AGPU_PROT_WRITE : AGPU_PROT_ALL);
    }
    assert_int_equal(agpu_get_protection(m, PL_DATA, &prot), AGPU_ERR_STATE);
    assert_non_null(strstr(agpu_last_error(m), "lane 1"));
    assert_int_equal(agpu_get_protection(m, PRIV, &prot), AGPU_OK);
    assert_int_equal(prot, AGPU_PROT_ALL);
    assert_int_equal(agpu_get_protection_lane(m, AGPU_ALL_LANES, PRIV, &prot), AGPU_OK);

    /* agpu_protect still sets every lane's: all of them run through... */
    assert_int_equal(agpu_protect(m, PL_DATA, 2 * AGPU_PAGE_SIZE, AGPU_PROT_ALL), AGPU_OK);
    assert_int_equal(agpu_get_protection(m, PL_DATA, &prot), AGPU_OK);
    assert_int_equal(prot, AGPU_PROT_ALL);
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, 0), AGPU_OK);
    exec_ok(m, 1000, r);
    for (uint32_t l = 0; l < LANES; l++) {
        assert_int_equal(r[l].stop.reason, AGPU_STOP_HALT);
        assert_int_equal(r[l].stop.imm, 2);
    }
    /* ...or fault alike; then one lane alone is let through again. */
    assert_int_equal(agpu_protect_lane(m, AGPU_ALL_LANES, PL_DATA, AGPU_PAGE_SIZE, AGPU_PROT_READ), AGPU_OK);
    assert_int_equal(agpu_protect_lane(m, 7, PL_DATA, AGPU_PAGE_SIZE, AGPU_PROT_READ | AGPU_PROT_WRITE),
                     AGPU_OK);
    assert_int_equal(agpu_fill_reg(m, AGPU_REG_PC, 0), AGPU_OK);
    exec_ok(m, 1000, r);
    for (uint32_t l = 0; l < LANES; l++) {
        if (l == 7) {
            assert_int_equal(r[l].stop.reason, AGPU_STOP_HALT);
        } else {
            expect_fault(&r[l], (want_fault){AGPU_ACCESS_WRITE, AGPU_FAULT_PERMISSION, PL_DATA + 8, 8});
        }
    }
    agpu_destroy(m);
}

static void per_lane_permissions_whatever_the_threads(void **state)
{
    (void)state;
    enum { LANES = 64 };
    agpu_lane_result want[LANES], got[LANES];
    agpu_machine *m = run_per_lane_permissions(LANES, 1, want);
    check_per_lane_stops(m, LANES, want);
    agpu_destroy(m);
    static const uint32_t threads[] = {2, 3, 8, 0};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        m = run_per_lane_permissions(LANES, threads[t], got);
        check_per_lane_stops(m, LANES, got);
        assert_memory_equal(got, want, sizeof want);
        agpu_destroy(m);
    }
}

static void protect_lane_arguments(void **state)
{
    (void)state;
    enum { LANES = 4 };
    agpu_machine *m = test_machine(LANES, MEM_SIZE, PRIV, PRIV_SIZE);
    uint32_t prot;
    /* The shared region has one table: one lane cannot have its own. */
    assert_int_equal(agpu_protect_lane(m, 1, 0x40000, AGPU_PAGE_SIZE, AGPU_PROT_READ),
                     AGPU_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(agpu_last_error(m), "shared region"));
    assert_non_null(strstr(agpu_last_error(m), "0x40000"));
    assert_int_equal(agpu_protect_lane(m, AGPU_ALL_LANES, 0x40000, AGPU_PAGE_SIZE, AGPU_PROT_READ), AGPU_OK);
    assert_int_equal(agpu_get_protection_lane(m, 3, 0x40000, &prot), AGPU_OK);
    assert_int_equal(prot, AGPU_PROT_READ);
    assert_int_equal(agpu_get_protection_lane(m, 99, 0x40000, &prot), AGPU_OK); /* lane ignored */
    /* Lanes, permission bits, alignment and ranges are checked as for
     * agpu_protect, and a refused call changes nothing. */
    assert_int_equal(agpu_protect_lane(m, LANES, PRIV, AGPU_PAGE_SIZE, 0), AGPU_ERR_LANE_RANGE);
    assert_non_null(strstr(agpu_last_error(m), "lane 4 out of range (machine has 4 lanes)"));
    assert_int_equal(agpu_protect_lane(m, 0, PRIV, AGPU_PAGE_SIZE, 0x10), AGPU_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(agpu_last_error(m), "0x10"));
    assert_int_equal(agpu_protect_lane(m, 0, PRIV + 1, AGPU_PAGE_SIZE, 0), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_protect_lane(m, 0, PRIV, 100, 0), AGPU_ERR_INVALID_ARGUMENT);
    assert_int_equal(agpu_protect_lane(m, 0, PRIV + PRIV_SIZE - AGPU_PAGE_SIZE, 2 * AGPU_PAGE_SIZE, 0),
                     AGPU_ERR_ADDRESS);
    assert_int_equal(agpu_protect_lane(m, 0, MEM_SIZE - AGPU_PAGE_SIZE, 2 * AGPU_PAGE_SIZE, 0),
                     AGPU_ERR_ADDRESS);
    assert_int_equal(agpu_protect_lane(m, 0, 0x20000000, AGPU_PAGE_SIZE, 0), AGPU_ERR_ADDRESS);
    assert_int_equal(agpu_protect_lane(m, 0, PRIV, 0, 0), AGPU_OK); /* nothing to change */
    for (uint32_t l = 0; l < LANES; l++) {
        assert_int_equal(agpu_get_protection_lane(m, l, PRIV + PRIV_SIZE - 1, &prot), AGPU_OK);
        assert_int_equal(prot, AGPU_PROT_ALL);
        assert_int_equal(agpu_get_protection_lane(m, l, PRIV, &prot), AGPU_OK);
        assert_int_equal(prot, AGPU_PROT_ALL);
    }
    assert_int_equal(agpu_get_protection_lane(m, LANES, PRIV, &prot), AGPU_ERR_LANE_RANGE);
    assert_int_equal(agpu_get_protection_lane(m, 0, PRIV + PRIV_SIZE, &prot), AGPU_ERR_ADDRESS);
    /* The whole private region of one lane, and back. */
    assert_int_equal(agpu_protect_lane(m, 2, PRIV, PRIV_SIZE, 0), AGPU_OK);
    assert_int_equal(agpu_get_protection_lane(m, 2, PRIV + PRIV_SIZE - 1, &prot), AGPU_OK);
    assert_int_equal(prot, 0);
    assert_int_equal(agpu_get_protection_lane(m, 1, PRIV + PRIV_SIZE - 1, &prot), AGPU_OK);
    assert_int_equal(prot, AGPU_PROT_ALL);
    assert_int_equal(agpu_get_protection_lane(m, 3, PRIV, &prot), AGPU_OK);
    assert_int_equal(prot, AGPU_PROT_ALL);
    assert_int_equal(agpu_protect_lane(m, 2, PRIV, PRIV_SIZE, AGPU_PROT_ALL), AGPU_OK);
    assert_int_equal(agpu_get_protection(m, PRIV + PRIV_SIZE - 1, &prot), AGPU_OK);
    assert_int_equal(prot, AGPU_PROT_ALL);
    agpu_destroy(m);
}

static void one_faulting_lane_leaves_the_others(void **state)
{
    (void)state;
    enum { LANES = 16 };
    agpu_machine *m = test_machine(LANES, MEM_SIZE, 0, 0);
    load_code(m, 0, "mov x2, #0\n"
                    "1: add x2, x2, x0\n"
                    "subs x3, x3, #1\n"
                    "b.ne 1b\n"
                    "ldr x4, [x1]\n"
                    "add x5, x4, #1\n"
                    "hlt #0\n");
    uint64_t x0[LANES], x1[LANES], x3[LANES];
    for (uint32_t l = 0; l < LANES; l++) {
        x0[l] = l + 1;
        x1[l] = l == 5 ? 0x900000000ull : 0x8000;
        x3[l] = 10 + l;
    }
    put_mem(m, 0, 0x8000, 8, 41);
    assert_int_equal(agpu_set_reg_all(m, 0, x0), AGPU_OK);
    assert_int_equal(agpu_set_reg_all(m, 1, x1), AGPU_OK);
    assert_int_equal(agpu_set_reg_all(m, 3, x3), AGPU_OK);
    agpu_lane_result r[LANES];
    exec_ok(m, 10000, r);
    for (uint32_t l = 0; l < LANES; l++) {
        assert_int_equal(reg(m, l, 2), (l + 1) * (10 + l));
        if (l == 5) {
            expect_fault(&r[l], (want_fault){AGPU_ACCESS_READ, AGPU_FAULT_UNMAPPED, 0x900000000ull, 16});
            assert_int_equal(reg(m, l, 5), 0);
            agpu_stop st;
            assert_int_equal(agpu_get_stop(m, l, &st), AGPU_OK);
            assert_memory_equal(&st, &r[l].stop, sizeof st);
        } else {
            assert_int_equal(r[l].stop.reason, AGPU_STOP_HALT);
            assert_int_equal(reg(m, l, 5), 42);
            assert_int_equal(r[l].instructions, 1 + 3 * (10 + l) + 2);
        }
    }
    agpu_destroy(m);
}

/* Lane 0 counts down a delay, then sets a flag; the other lanes spin on it
 * and then read the value lane 0 stored before the flag. */
static void lanes_communicate_through_shared_memory_with(uint32_t lanes, uint32_t threads)
{
    agpu_config c;
    agpu_config_init(&c);
    c.num_lanes = lanes;
    c.shared_size = MEM_SIZE;
    c.backend = test_backend();
    c.num_threads = threads;
    agpu_machine *m = NULL;
    int rc = agpu_create(&c, &m);
    if (rc) fail_msg("agpu_create: %s", agpu_last_error(NULL));
    load_code(m, 0, "mov x1, #0x8000\n"
                    "cbnz x0, 2f\n"
                    "ldr x3, =100000\n"
                    "1: subs x3, x3, #1\n"
                    "b.ne 1b\n"
                    "ldr x4, =0xc0ffee\n"
                    "str x4, [x1, #8]\n"
                    "mov x5, #1\n"
                    "stlr x5, [x1]\n"
                    "hlt #0\n"
                    "2: ldr x5, [x1]\n"
                    "cbz x5, 2b\n"
                    "dmb ishld\n"
                    "ldr x4, [x1, #8]\n"
                    "hlt #1\n");
    uint64_t *ids = calloc(lanes, sizeof *ids);
    for (uint32_t l = 0; l < lanes; l++) ids[l] = l;
    assert_int_equal(agpu_set_reg_all(m, AGPU_REG_X0, ids), AGPU_OK);
    agpu_lane_result *r = calloc(lanes, sizeof *r);
    exec_ok(m, 50000000, r);
    for (uint32_t l = 0; l < lanes; l++) {
        assert_int_equal(r[l].stop.reason, AGPU_STOP_HALT);
        assert_int_equal(r[l].stop.imm, l ? 1 : 0);
        assert_int_equal(reg(m, l, 4), 0xc0ffee);
    }
    free(ids);
    free(r);
    agpu_destroy(m);
}

static void lanes_communicate_one_thread(void **state)
{
    (void)state;
    lanes_communicate_through_shared_memory_with(2, 1);
    lanes_communicate_through_shared_memory_with(9, 1);
}

static void lanes_communicate_several_threads(void **state)
{
    (void)state;
    lanes_communicate_through_shared_memory_with(2, 2);
    lanes_communicate_through_shared_memory_with(64, 4);
}

/* ------------------------------------------------------------- code writes */

static void host_code_writes_are_seen(void **state)
{
    (void)state;
    agpu_machine *m = setup("mov x0, #1\nhlt #0\n");
    agpu_lane_result r;
    exec_ok(m, 100, &r);
    assert_int_equal(reg(m, 0, 0), 1);
    for (uint64_t v = 2; v < 6; v++) {
        uint32_t w = asm_word(v & 1 ? "mov x0, #3\n" : "movn x0, #0\n");
        put_mem(m, 0, 0, 4, w);
        set_reg(m, 0, AGPU_REG_PC, 0);
        exec_ok(m, 100, &r);
        assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
        assert_int_equal(reg(m, 0, 0), v & 1 ? 3 : ~0ull);
    }
    agpu_destroy(m);
}

static void guest_code_writes_are_executed(void **state)
{
    (void)state;
    agpu_lane_result r;
    /* The architectural sequence: store, DC CVAU, DSB, IC IVAU, DSB, ISB. */
    agpu_machine *m = setup("adr x1, target\n"
                            "ldr w2, newinsn\n"
                            "str w2, [x1]\n"
                            "dc cvau, x1\n"
                            "dsb ish\n"
                            "ic ivau, x1\n"
                            "dsb ish\n"
                            "isb\n"
                            "target: mov x0, #1\n"
                            "hlt #0\n"
                            "newinsn: mov x0, #2\n");
    exec_ok(m, 100, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 0), 2);
    agpu_destroy(m);
    /* A loop that rewrites its own body each time round, adding one to its
     * immediate: the word executed is always the one in memory. */
    m = setup("mov x0, #0\n"
              "mov x3, #3\n"
              "adr x1, body\n"
              "loop: ldr w4, [x1]\n"
              "body: add x0, x0, #0\n"
              "add w4, w4, #0x400\n"    /* imm12 field += 1 */
              "str w4, [x1]\n"
              "ic ivau, x1\n"
              "dsb ish\n"
              "isb\n"
              "subs x3, x3, #1\n"
              "b.ne loop\n"
              "body2: add x0, x0, #0\n"
              "hlt #0\n");
    exec_ok(m, 1000, &r);
    assert_int_equal(r.stop.reason, AGPU_STOP_HALT);
    assert_int_equal(reg(m, 0, 0), 0 + 1 + 2);
    agpu_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_faults_change_nothing),
        cmocka_unit_test(data_page_cache_follows_permissions),
        cmocka_unit_test(permissions_allow_what_they_say),
        cmocka_unit_test(fetch_faults),
        cmocka_unit_test(addresses_wrap_at_2_to_the_64),
        cmocka_unit_test(private_memory_per_lane),
        cmocka_unit_test(code_in_private_memory),
        cmocka_unit_test(private_permissions_per_lane),
        cmocka_unit_test(per_lane_permissions_whatever_the_threads),
        cmocka_unit_test(protect_lane_arguments),
        cmocka_unit_test(one_faulting_lane_leaves_the_others),
        cmocka_unit_test(lanes_communicate_one_thread),
        cmocka_unit_test(lanes_communicate_several_threads),
        cmocka_unit_test(host_code_writes_are_seen),
        cmocka_unit_test(guest_code_writes_are_executed),
    };
    return harness_run_tests(tests);
}

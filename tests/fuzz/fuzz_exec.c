/*
 * fuzz_exec.c - libFuzzer target: decode and execute arbitrary A64 code on
 * several lanes with random initial state, and check after every execute
 * what the API promises about stops (include/armgpu.h, DESIGN decisions 3
 * and 4).
 *
 * Input: byte 0 is the number of code words N, then N little-endian words
 * (a single 32-bit word is "\x01" and the word), then a header: budget,
 * rounds, start PCs, NZCV, page permissions, and for X0-X30 and SP a kind
 * byte and a 64-bit value (the kind steers the value to a region, a region
 * end, the gap between regions or the top of the address space).  Missing
 * bytes read as zero, so any input is valid.
 *
 * Machine: 4 lanes; 64 KiB shared memory (page 0 holds a parking HLT, page
 * 1 the code, pages 2-15 data) and 16 KiB private memory per lane at
 * PRIV_BASE (its page 0 holds a copy of the code).  Lanes 0 and 1 start in
 * the shared copy, lane 2 in its private copy; lane 3 is parked on the HLT
 * and is the witness for isolation: its registers and private memory must
 * never change.
 *
 * Invariants checked (abort on failure):
 *  - agpu_execute returns AGPU_OK; every lane's stop reason is one a plain
 *    run can give; results agree with agpu_get_stop and AGPU_REG_PC;
 *    instruction counts respect the budget and ICOUNT;
 *  - FAULT records an access and a cause; a fetch fault's address is the
 *    PC; an unmapped fault's address is unmapped; a permission fault's page
 *    lacks the permission;
 *  - UNDEFINED records the word at PC; HALT/BRK stop on their word, SYSCALL
 *    just past its word, with the immediate;
 *  - a non-retiring stop (FAULT, UNDEFINED, HALT, BREAK) changed nothing:
 *    running again gives the same stop, 0 instructions, identical registers
 *    and memory;
 *  - pages without write permission and the witness lane never change.
 *
 * The machine uses the cpu backend; ARMGPU_FUZZ_BACKEND=cuda (or auto) in
 * the environment runs the same inputs, and checks, on the GPU.
 */
#include "fuzz_common.h"

#define LANES 4u
#define WITNESS 3u
#define SHARED_SIZE 0x10000ull
#define CODE 0x1000ull
#define PRIV_BASE 0x100000ull
#define PRIV_SIZE 0x4000ull
#define SHARED_PAGES (SHARED_SIZE / AGPU_PAGE_SIZE)
#define PRIV_PAGES (PRIV_SIZE / AGPU_PAGE_SIZE)
#define PARK_HLT 0xd44eeee0u /* hlt #0x7777 */

typedef struct lane_snap {
    uint64_t gprs[32];
    uint64_t pc, nzcv, tpidr, fpcr, fpsr;
    uint8_t v[32][16];
} lane_snap;

typedef struct world {
    agpu_machine *m;
    uint8_t shared[SHARED_SIZE];
    uint8_t priv[LANES][PRIV_SIZE];
    uint32_t shared_prot[SHARED_PAGES];
    uint32_t priv_prot[PRIV_PAGES];
    lane_snap lane[LANES];
} world;

static uint64_t get(agpu_machine *m, uint32_t lane, agpu_reg r)
{
    uint64_t v = 0;
    int rc = agpu_get_reg(m, lane, r, &v);
    CHECK(rc == AGPU_OK, "get_reg(%u, %d): %s", lane, (int)r, agpu_last_error(m));
    return v;
}

static void set(agpu_machine *m, uint32_t lane, agpu_reg r, uint64_t v)
{
    int rc = agpu_set_reg(m, lane, r, v);
    CHECK(rc == AGPU_OK, "set_reg(%u, %d): %s", lane, (int)r, agpu_last_error(m));
}

static void snap(world *w)
{
    CHECK(agpu_read_memory(w->m, 0, 0, w->shared, SHARED_SIZE) == AGPU_OK, "%s", agpu_last_error(w->m));
    for (uint32_t l = 0; l < LANES; l++) {
        lane_snap *s = &w->lane[l];
        CHECK(agpu_read_memory(w->m, l, PRIV_BASE, w->priv[l], PRIV_SIZE) == AGPU_OK, "%s",
              agpu_last_error(w->m));
        CHECK(agpu_get_gprs(w->m, l, s->gprs) == AGPU_OK, "%s", agpu_last_error(w->m));
        s->pc = get(w->m, l, AGPU_REG_PC);
        s->nzcv = get(w->m, l, AGPU_REG_NZCV);
        s->tpidr = get(w->m, l, AGPU_REG_TPIDR_EL0);
        s->fpcr = get(w->m, l, AGPU_REG_FPCR);
        s->fpsr = get(w->m, l, AGPU_REG_FPSR);
        for (uint32_t n = 0; n < 32; n++)
            CHECK(agpu_get_vreg(w->m, l, n, s->v[n]) == AGPU_OK, "%s", agpu_last_error(w->m));
    }
}

static int same_lane(const lane_snap *a, const lane_snap *b)
{
    return memcmp(a->gprs, b->gprs, sizeof a->gprs) == 0 && a->pc == b->pc && a->nzcv == b->nzcv &&
           a->tpidr == b->tpidr && a->fpcr == b->fpcr && a->fpsr == b->fpsr &&
           memcmp(a->v, b->v, sizeof a->v) == 0;
}

/* The word at guest address pc as lane `lane` sees it; 0 with *ok = 0 if
 * unmapped. */
static uint32_t word_at(agpu_machine *m, uint32_t lane, uint64_t pc, int *ok)
{
    uint8_t b[4];
    *ok = agpu_read_memory(m, lane, pc, b, 4) == AGPU_OK;
    if (!*ok) return 0;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Whether the word at pc is fixed for the whole run: another lane may
 * rewrite code on a writable page after this lane stopped on it. */
static int code_stable(agpu_machine *m, uint64_t pc)
{
    uint32_t prot = 0;
    return agpu_get_protection(m, pc, &prot) == AGPU_OK && !(prot & AGPU_PROT_WRITE);
}

static uint64_t steer(uint8_t kind, uint64_t v)
{
    switch (kind & 7) {
    case 0: return v;
    case 1: return v & 0xff;
    case 2: return 0x2000 + v % (SHARED_SIZE - 0x2000);
    case 3: return SHARED_SIZE - (v & 0x3f);
    case 4: return PRIV_BASE + v % PRIV_SIZE;
    case 5: return PRIV_BASE + PRIV_SIZE - (v & 0x3f);
    case 6: return 0 - (v & 0xff);
    default: return (v & 1) ? PRIV_BASE - ((v >> 1) & 0x3f) : SHARED_SIZE + ((v >> 1) & 0xff);
    }
}

static int is_nonretiring(uint32_t reason)
{
    return reason == AGPU_STOP_FAULT || reason == AGPU_STOP_UNDEFINED || reason == AGPU_STOP_HALT ||
           reason == AGPU_STOP_BREAK;
}

static void check_stop(world *w, uint32_t l, const agpu_lane_result *r, uint64_t budget,
                       uint64_t icount_before)
{
    agpu_machine *m = w->m;
    const agpu_stop *st = &r->stop;
    agpu_stop gs;
    CHECK(agpu_get_stop(m, l, &gs) == AGPU_OK, "%s", agpu_last_error(m));
    CHECK(memcmp(&gs, st, sizeof gs) == 0, "lane %u: result and agpu_get_stop differ", l);
    CHECK(r->pc == get(m, l, AGPU_REG_PC), "lane %u: result pc 0x%llx", l, (unsigned long long)r->pc);
    CHECK(get(m, l, AGPU_REG_ICOUNT) - icount_before == r->instructions,
          "lane %u: ICOUNT moved by %llu, result says %llu", l,
          (unsigned long long)(get(m, l, AGPU_REG_ICOUNT) - icount_before),
          (unsigned long long)r->instructions);
    CHECK(r->instructions <= budget, "lane %u: %llu instructions over budget %llu", l,
          (unsigned long long)r->instructions, (unsigned long long)budget);
    char text[160];
    agpu_format_stop(st, r->pc, text, sizeof text);
    int ok;
    uint32_t word = word_at(m, l, r->pc, &ok);
    int stable = code_stable(m, r->pc);
    if (!stable) word = st->encoding; /* nothing to compare with */
    switch (st->reason) {
    case AGPU_STOP_MAX_CYCLES:
        CHECK(r->instructions == budget, "lane %u: MAX_CYCLES after %llu of %llu", l,
              (unsigned long long)r->instructions, (unsigned long long)budget);
        break;
    case AGPU_STOP_SYSCALL: {
        uint32_t svc = word_at(m, l, r->pc - 4, &ok);
        if (!code_stable(m, r->pc - 4)) break;
        CHECK(ok && (svc & 0xffe0001fu) == 0xd4000001u && st->imm == ((svc >> 5) & 0xffff),
              "lane %u: %s but word before pc is 0x%08x", l, text, svc);
        break;
    }
    case AGPU_STOP_HALT:
    case AGPU_STOP_BREAK: {
        uint32_t want = st->reason == AGPU_STOP_HALT ? 0xd4400000u : 0xd4200000u;
        CHECK(r->instructions < budget, "lane %u: %s used the whole budget", l, text);
        CHECK(!stable || (ok && (word & 0xffe0001fu) == want && st->imm == ((word >> 5) & 0xffff)),
              "lane %u: %s but word at pc is 0x%08x", l, text, word);
        break;
    }
    case AGPU_STOP_UNDEFINED:
        CHECK(r->instructions < budget, "lane %u: %s used the whole budget", l, text);
        CHECK(ok && word == st->encoding, "lane %u: %s but word at pc is 0x%08x", l, text, word);
        break;
    case AGPU_STOP_FAULT: {
        CHECK(r->instructions < budget, "lane %u: %s used the whole budget", l, text);
        CHECK(st->access >= AGPU_ACCESS_READ && st->access <= AGPU_ACCESS_FETCH, "lane %u: %s", l, text);
        CHECK(st->cause >= AGPU_FAULT_UNMAPPED && st->cause <= AGPU_FAULT_ALIGNMENT, "lane %u: %s", l,
              text);
        if (st->access == AGPU_ACCESS_FETCH) {
            CHECK(st->address == r->pc, "lane %u: %s: fetch fault away from pc", l, text);
        } else {
            CHECK(ok && word == st->encoding, "lane %u: %s but word at pc is 0x%08x", l, text, word);
        }
        uint32_t prot = 0;
        int prc = agpu_get_protection(m, st->address, &prot);
        if (st->cause == AGPU_FAULT_UNMAPPED) {
            CHECK(prc == AGPU_ERR_ADDRESS, "lane %u: %s but the address is mapped", l, text);
        } else if (st->cause == AGPU_FAULT_PERMISSION) {
            CHECK(prc == AGPU_OK, "lane %u: %s but the address is unmapped", l, text);
            if (st->access == AGPU_ACCESS_READ)
                CHECK(!(prot & AGPU_PROT_READ), "lane %u: %s on a readable page", l, text);
            else if (st->access == AGPU_ACCESS_FETCH)
                CHECK(!(prot & AGPU_PROT_EXEC), "lane %u: %s on an executable page", l, text);
            else
                CHECK((prot & (AGPU_PROT_READ | AGPU_PROT_WRITE)) != (AGPU_PROT_READ | AGPU_PROT_WRITE),
                      "lane %u: %s on a read-write page", l, text);
        } else if (st->access == AGPU_ACCESS_FETCH) {
            CHECK(r->pc & 3, "lane %u: %s with an aligned pc", l, text);
        }
        break;
    }
    default:
        CHECK(0, "lane %u: stop reason %u (%s) after a plain run", l, st->reason, text);
    }
}

static world W; /* 180 KiB: too large for libFuzzer's stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size, 0};
    world *w = &W;
    memset(w, 0, sizeof *w);

    uint32_t nwords = fz_u8(&in);
    uint8_t code[255 * 4];
    for (uint32_t i = 0; i < nwords * 4; i++) code[i] = fz_u8(&in);
    uint64_t budget = 1 + fz_u8(&in) % 64;
    uint32_t rounds = 1 + fz_u8(&in) % 4;
    uint8_t start[3];
    for (int i = 0; i < 3; i++) start[i] = fz_u8(&in);
    uint64_t nzcv = (uint64_t)(fz_u8(&in) & 0xf) << 28;
    /* Zero bytes give the ordinary layout: code R+X, data R+W. */
    w->shared_prot[0] = AGPU_PROT_READ | AGPU_PROT_EXEC;
    w->shared_prot[1] = (fz_u8(&in) ^ 5u) & 7u;
    for (uint32_t p = 2; p < SHARED_PAGES; p++) w->shared_prot[p] = (fz_u8(&in) ^ 3u) & 7u;
    w->priv_prot[0] = (fz_u8(&in) ^ 5u) & 7u;
    for (uint32_t p = 1; p < PRIV_PAGES; p++) w->priv_prot[p] = (fz_u8(&in) ^ 3u) & 7u;
    uint64_t regs[32];
    for (int i = 0; i < 32; i++) {
        uint8_t kind = fz_u8(&in);
        regs[i] = steer(kind, fz_u64(&in));
    }
    uint64_t fpcr = fz_u32(&in);

    agpu_config cfg;
    agpu_config_init(&cfg);
    cfg.num_lanes = LANES;
    cfg.shared_size = SHARED_SIZE;
    cfg.private_base = PRIV_BASE;
    cfg.private_size = PRIV_SIZE;
    /* ARMGPU_FUZZ_BACKEND=cuda replays a corpus on the GPU backend. */
    static int backend = -1;
    if (backend < 0) {
        agpu_backend b = AGPU_BACKEND_CPU;
        const char *e = getenv("ARMGPU_FUZZ_BACKEND");
        backend = e && agpu_backend_from_name(e, &b) == AGPU_OK ? (int)b : (int)AGPU_BACKEND_CPU;
    }
    cfg.backend = (agpu_backend)backend;
    cfg.num_threads = 1;
    int rc = agpu_create(&cfg, &w->m);
    CHECK(rc == AGPU_OK, "create: %s", agpu_last_error(NULL));
    agpu_machine *m = w->m;

    uint32_t park = PARK_HLT;
    CHECK(agpu_load(m, 0, &park, 4) == AGPU_OK, "%s", agpu_last_error(m));
    if (nwords) {
        CHECK(agpu_load(m, CODE, code, nwords * 4) == AGPU_OK, "%s", agpu_last_error(m));
        CHECK(agpu_load(m, PRIV_BASE, code, nwords * 4) == AGPU_OK, "%s", agpu_last_error(m));
    }
    /* The witness lane's private memory: a pattern no other lane can write. */
    uint8_t pattern[PRIV_SIZE];
    for (uint32_t i = 0; i < PRIV_SIZE; i++) pattern[i] = (uint8_t)(i * 7 + 1);
    CHECK(agpu_write_memory(m, WITNESS, PRIV_BASE, pattern, PRIV_SIZE) == AGPU_OK, "%s",
          agpu_last_error(m));
    for (uint32_t p = 0; p < SHARED_PAGES; p++)
        CHECK(agpu_protect(m, p * AGPU_PAGE_SIZE, AGPU_PAGE_SIZE, w->shared_prot[p]) == AGPU_OK, "%s",
              agpu_last_error(m));
    for (uint32_t p = 0; p < PRIV_PAGES; p++)
        CHECK(agpu_protect(m, PRIV_BASE + p * AGPU_PAGE_SIZE, AGPU_PAGE_SIZE, w->priv_prot[p]) == AGPU_OK,
              "%s", agpu_last_error(m));

    uint32_t span = nwords ? nwords : 1;
    for (uint32_t l = 0; l < LANES; l++) {
        uint64_t r[32];
        memcpy(r, regs, sizeof r);
        r[0] ^= l; /* lanes differ a little, as a batch's inputs do */
        CHECK(agpu_set_gprs(m, l, r) == AGPU_OK, "%s", agpu_last_error(m));
        set(m, l, AGPU_REG_NZCV, nzcv);
        set(m, l, AGPU_REG_FPCR, fpcr);
        uint64_t pc = l == WITNESS ? 0
                    : l == 2       ? PRIV_BASE + 4 * (start[l] % span)
                                   : CODE + 4 * (start[l] % span);
        set(m, l, AGPU_REG_PC, pc);
    }

    static world before;
    lane_snap witness;
    snap(w);
    witness = w->lane[WITNESS];

    for (uint32_t round = 0; round < rounds; round++) {
        agpu_lane_result res[LANES];
        uint64_t ic[LANES];
        for (uint32_t l = 0; l < LANES; l++) ic[l] = get(m, l, AGPU_REG_ICOUNT);
        memcpy(&before, w, sizeof before);
        rc = agpu_execute(m, budget, res);
        CHECK(rc == AGPU_OK, "execute: %s", agpu_last_error(m));
        for (uint32_t l = 0; l < LANES; l++) check_stop(w, l, &res[l], budget, ic[l]);
        CHECK(res[WITNESS].stop.reason == AGPU_STOP_HALT && res[WITNESS].pc == 0,
              "the parked lane did not halt in place");

        /* Nothing writes pages without write permission; the witness lane
         * keeps its registers and private memory. */
        snap(w);
        for (uint32_t p = 0; p < SHARED_PAGES; p++)
            if (!(w->shared_prot[p] & AGPU_PROT_WRITE))
                CHECK(memcmp(w->shared + p * AGPU_PAGE_SIZE, before.shared + p * AGPU_PAGE_SIZE,
                             AGPU_PAGE_SIZE) == 0,
                      "shared page %u (prot %u) was written", p, w->shared_prot[p]);
        for (uint32_t l = 0; l < LANES; l++)
            for (uint32_t p = 0; p < PRIV_PAGES; p++)
                if (!(w->priv_prot[p] & AGPU_PROT_WRITE))
                    CHECK(memcmp(w->priv[l] + p * AGPU_PAGE_SIZE, before.priv[l] + p * AGPU_PAGE_SIZE,
                                 AGPU_PAGE_SIZE) == 0,
                          "private page %u of lane %u (prot %u) was written", p, l, w->priv_prot[p]);
        CHECK(memcmp(w->priv[WITNESS], pattern, PRIV_SIZE) == 0, "the witness lane's private memory changed");
        CHECK(same_lane(&w->lane[WITNESS], &witness), "the witness lane's registers changed");

        /* A stop that does not retire changed nothing: park the lanes that
         * would run on, run again, and every other lane must stop the same
         * way with the same state and memory. */
        uint64_t saved_pc[LANES];
        int recheck[LANES];
        for (uint32_t l = 0; l < LANES; l++) {
            saved_pc[l] = res[l].pc;
            recheck[l] = l != WITNESS && is_nonretiring(res[l].stop.reason) && code_stable(m, res[l].pc);
            if (!recheck[l]) set(m, l, AGPU_REG_PC, 0);
        }
        memcpy(&before, w, sizeof before);
        agpu_lane_result again[LANES];
        for (uint32_t l = 0; l < LANES; l++) ic[l] = get(m, l, AGPU_REG_ICOUNT);
        rc = agpu_execute(m, budget, again);
        CHECK(rc == AGPU_OK, "execute: %s", agpu_last_error(m));
        snap(w);
        CHECK(memcmp(w->shared, before.shared, SHARED_SIZE) == 0, "a non-retiring stop wrote shared memory");
        CHECK(memcmp(w->priv, before.priv, sizeof w->priv) == 0, "a non-retiring stop wrote private memory");
        for (uint32_t l = 0; l < LANES; l++) {
            CHECK(again[l].instructions == 0, "lane %u retired %llu on a re-run", l,
                  (unsigned long long)again[l].instructions);
            if (!recheck[l]) continue;
            char a[160], b[160];
            agpu_format_stop(&res[l].stop, res[l].pc, a, sizeof a);
            agpu_format_stop(&again[l].stop, again[l].pc, b, sizeof b);
            CHECK(memcmp(&again[l].stop, &res[l].stop, sizeof res[l].stop) == 0 && again[l].pc == res[l].pc,
                  "lane %u: stopped with %s, then with %s", l, a, b);
            CHECK(same_lane(&w->lane[l], &before.lane[l]), "lane %u: %s changed its state", l, a);
        }

        /* Resume: step over what stopped a lane, or restart a lane whose
         * fetch failed, and run again. */
        for (uint32_t l = 0; l < LANES; l++) {
            uint64_t pc = saved_pc[l];
            if (l != WITNESS && is_nonretiring(res[l].stop.reason)) {
                if (res[l].stop.reason == AGPU_STOP_FAULT && res[l].stop.access == AGPU_ACCESS_FETCH)
                    pc = CODE + 4 * (fz_u8(&in) % span);
                else
                    pc += 4;
            }
            set(m, l, AGPU_REG_PC, pc);
        }
        snap(w);
    }
    agpu_destroy(m);
    w->m = NULL;
    return 0;
}

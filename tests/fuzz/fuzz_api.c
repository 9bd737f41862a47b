/*
 * fuzz_api.c - libFuzzer target: the public API driven by a random sequence
 * of calls with random (often absurd) arguments.
 *
 * The input is a stream of operations on up to three machine slots: create
 * (lane counts, region sizes, bases, backends and thread counts from menus
 * of ordinary and absurd values), destroy, write/read/load, protect and
 * get_protection, every register accessor, the gpr view, execute with
 * budgets from 0 to 2^64-1, interrupt, stop formatting, and every call with
 * a NULL machine.  For each call the target predicts, from the rules
 * include/armgpu.h states, whether it must succeed or with which error, and
 * checks the answer; failures must leave a message in agpu_last_error().
 * At the end every live machine must still run a program.
 *
 * Machines whose memory would exceed FZ_MEM_LIMIT are not created (their
 * configs are checked against the rules, then skipped): libFuzzer treats a
 * huge allocation as a crash.  tests/test_limits.c creates those.
 */
#include "fuzz_common.h"

#define SLOTS 3
#define FZ_MEM_LIMIT (64ull << 20)
#define BUF_SIZE (8u << 20) /* larger than any region a created machine has */
#define STATE_BYTES 1024ull /* an upper bound on one lane's state */

typedef struct slot {
    agpu_machine *m;
    agpu_config cfg;
} slot;

static slot S[SLOTS];
static uint8_t buf[BUF_SIZE], buf2[BUF_SIZE];

static const uint64_t size_menu[] = {
    0, 4096, 8192, 65536, 1u << 20, 4u << 20, 4097, 100, AGPU_MAX_REGION_SIZE,
    AGPU_MAX_REGION_SIZE + 4096, 1ull << 63, UINT64_MAX - 4095, UINT64_MAX, 12288,
};
static const uint64_t base_menu[] = {
    0, 4096, 65536, 0x100000, 0x400000, 0x10000000, 1ull << 40, UINT64_MAX - 4095, UINT64_MAX - 8191,
    0x100001, 1ull << 63, UINT64_MAX,
};
static const uint32_t lanes_menu[] = {
    0, 1, 2, 3, 4, 5, 7, 8, 33, 1000, AGPU_MAX_LANES, AGPU_MAX_LANES + 1, UINT32_MAX, 64,
};

#define PICK(menu, in) (menu)[fz_u8(in) % (sizeof(menu) / sizeof((menu)[0]))]

static uint64_t pick_u64(fz_in *in, const uint64_t *menu, size_t n)
{
    uint8_t k = fz_u8(in);
    if (k < 0xf0) return menu[k % n];
    return fz_u64(in);
}

/* Whether include/armgpu.h's rules accept cfg (before any allocation). */
static int config_valid(const agpu_config *c)
{
    if (c->num_lanes < 1 || c->num_lanes > AGPU_MAX_LANES) return 0;
    if (c->shared_size % AGPU_PAGE_SIZE || c->shared_size > AGPU_MAX_REGION_SIZE) return 0;
    if (c->private_size) {
        if (c->private_size % AGPU_PAGE_SIZE || c->private_size > AGPU_MAX_REGION_SIZE) return 0;
        if (c->private_base % AGPU_PAGE_SIZE || c->private_base < c->shared_size) return 0;
        if (c->private_base > UINT64_MAX - c->private_size) return 0; /* reaches 2^64 */
    } else if (c->shared_size == 0) {
        return 0;
    }
    if ((unsigned)c->backend > AGPU_BACKEND_CUDA) return 0;
    if (c->num_threads > 4096) return 0;
    return 1;
}

static uint64_t config_bytes(const agpu_config *c)
{
    /* Saturating: shared + lanes * (private + state). */
    uint64_t per = c->private_size + STATE_BYTES;
    if (per < c->private_size || (c->num_lanes && per > UINT64_MAX / c->num_lanes)) return UINT64_MAX;
    uint64_t t = per * c->num_lanes;
    return t + c->shared_size < t ? UINT64_MAX : t + c->shared_size;
}

/* Where [addr, addr+len) lies: 0 shared, 1 private, -1 neither. */
static int region_of(const agpu_config *c, uint64_t addr, uint64_t len)
{
    if (addr < c->shared_size && len <= c->shared_size - addr) return 0;
    if (c->private_size && addr >= c->private_base && addr - c->private_base < c->private_size &&
        len <= c->private_size - (addr - c->private_base))
        return 1;
    return -1;
}

static void expect(agpu_machine *m, int rc, int want, const char *what)
{
    CHECK(rc == want, "%s returned %d (%s), expected %d (%s); last error: %s", what, rc, agpu_strerror(rc),
          want, agpu_strerror(want), agpu_last_error(m));
    if (rc != AGPU_OK && m) CHECK(agpu_last_error(m)[0] != 0, "%s failed without a message", what);
}

static uint32_t pick_lane(fz_in *in, uint32_t n)
{
    switch (fz_u8(in) % 8) {
    case 0: return 0;
    case 1: return n - 1;
    case 2: return n;
    case 3: return AGPU_ALL_LANES;
    case 4: return fz_u32(in);
    default: return fz_u8(in) % (n + 1);
    }
}

static uint64_t pick_addr(fz_in *in, const agpu_config *c)
{
    uint64_t v = fz_u64(in);
    uint64_t pe = c->private_base + c->private_size;
    switch (fz_u8(in) % 10) {
    case 0: return 0;
    case 1: return c->shared_size ? v % c->shared_size : v;
    case 2: return c->shared_size - (v & 0xfff);
    case 3: return c->private_size ? c->private_base + v % c->private_size : v;
    case 4: return pe - (v & 0xfff);
    case 5: return pe + (v & 0xff);
    case 6: return UINT64_MAX - (v & 0xfff);
    case 7: return c->private_base - (v & 0xff);
    case 8: return v & ~0xfffull;
    default: return v;
    }
}

static size_t pick_len(fz_in *in)
{
    switch (fz_u8(in) % 10) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 4096;
    case 3: return 4097;
    case 4: return SIZE_MAX;
    case 5: return (size_t)1 << 63;
    case 6: return fz_u32(in) % BUF_SIZE;
    case 7: return BUF_SIZE + (fz_u8(in) & 1) * 4096;
    default: return fz_u8(in) * (size_t)16;
    }
}

static void op_create(fz_in *in, slot *s)
{
    agpu_config c;
    agpu_config_init(&c);
    uint8_t which = fz_u8(in);
    if (which & 1) c.num_lanes = PICK(lanes_menu, in);
    if (which & 2) c.shared_size = pick_u64(in, size_menu, sizeof size_menu / 8);
    if (which & 4) c.private_size = pick_u64(in, size_menu, sizeof size_menu / 8);
    if (which & 8) c.private_base = pick_u64(in, base_menu, sizeof base_menu / 8);
    if (which & 16) {
        uint8_t b = fz_u8(in);
        c.backend = b < 4 ? AGPU_BACKEND_CPU : b < 8 ? (agpu_backend)(b & 3) : (agpu_backend)(int8_t)b;
    } else {
        c.backend = AGPU_BACKEND_CPU;
    }
    if (which & 32) c.num_threads = fz_u8(in) < 0xf0 ? fz_u8(in) % 5 : fz_u32(in);
    if (which & 64) c.num_lanes = 1 + fz_u8(in) % 6;
    int valid = config_valid(&c);
    if (valid && config_bytes(&c) > FZ_MEM_LIMIT) return; /* left to test_limits.c */
    if (valid && c.num_threads > 8) c.num_threads = 8;  /* keep the fuzzer's thread count sane */
    agpu_destroy(s->m);
    s->m = NULL;
    agpu_machine *m = (agpu_machine *)1;
    int rc = agpu_create(&c, &m);
    if (!valid) {
        CHECK(rc == AGPU_ERR_INVALID_ARGUMENT, "create accepted a config the rules reject (rc %d): lanes %u "
              "shared %llu private %llu at 0x%llx backend %d threads %u", rc, c.num_lanes,
              (unsigned long long)c.shared_size, (unsigned long long)c.private_size,
              (unsigned long long)c.private_base, (int)c.backend, c.num_threads);
        CHECK(m == NULL, "create failed but left *out set");
        CHECK(agpu_last_error(NULL)[0] != 0, "create failed without a message");
        return;
    }
    if (rc == AGPU_ERR_UNAVAILABLE && c.backend == AGPU_BACKEND_CUDA) {
        CHECK(m == NULL && agpu_last_error(NULL)[0], "cuda unavailable without a message");
        return;
    }
    CHECK(rc == AGPU_OK, "create rejected a valid config: %s", agpu_last_error(NULL));
    CHECK(agpu_num_lanes(m) == c.num_lanes && agpu_shared_size(m) == c.shared_size &&
              agpu_private_size(m) == c.private_size,
          "machine does not report its config");
    CHECK(agpu_machine_backend(m) == AGPU_BACKEND_CPU || agpu_machine_backend(m) == AGPU_BACKEND_CUDA,
          "machine backend %d", (int)agpu_machine_backend(m));
    s->m = m;
    s->cfg = c;
}

static void op_memory(fz_in *in, slot *s, int kind)
{
    agpu_machine *m = s->m;
    const agpu_config *c = &s->cfg;
    uint32_t lane = pick_lane(in, c->num_lanes);
    uint64_t addr = pick_addr(in, c);
    size_t len = pick_len(in);
    int null_buf = (fz_u8(in) % 16) == 0;
    int region = region_of(c, addr, len);
    int want;
    if (null_buf && len) want = AGPU_ERR_INVALID_ARGUMENT;
    else if (len == 0) want = AGPU_OK;
    else if (region < 0) want = AGPU_ERR_ADDRESS;
    else if (region == 1 && kind == 1 && lane == AGPU_ALL_LANES) want = AGPU_ERR_LANE_RANGE;
    else if (region == 1 && lane != AGPU_ALL_LANES && lane >= c->num_lanes) want = AGPU_ERR_LANE_RANGE;
    else want = AGPU_OK;
    CHECK(len <= BUF_SIZE || want != AGPU_OK, "harness: a region larger than the buffer");
    if (kind == 0) {
        for (size_t i = 0; i < 64 && i < BUF_SIZE; i++) buf[i] = (uint8_t)(addr + i * 13);
        expect(m, agpu_write_memory(m, lane, addr, null_buf ? NULL : buf, len), want, "write_memory");
        if (want == AGPU_OK && len) {
            uint32_t rl = region == 1 && lane == AGPU_ALL_LANES ? c->num_lanes - 1 : lane;
            size_t n = len < 64 ? len : 64;
            expect(m, agpu_read_memory(m, rl, addr, buf2, n), AGPU_OK, "read back");
            CHECK(memcmp(buf, buf2, n) == 0, "read back differs from what was written");
        }
    } else if (kind == 1) {
        expect(m, agpu_read_memory(m, lane, addr, null_buf ? NULL : buf, len), want, "read_memory");
    } else {
        if (!null_buf && region == 1 && want == AGPU_ERR_LANE_RANGE) want = AGPU_OK; /* load: all lanes */
        expect(m, agpu_load(m, addr, null_buf ? NULL : buf, len), want, "load");
    }
}

static void op_protect(fz_in *in, slot *s)
{
    agpu_machine *m = s->m;
    const agpu_config *c = &s->cfg;
    uint64_t addr = pick_addr(in, c);
    uint64_t len = pick_len(in);
    uint32_t prot = fz_u8(in);
    if (prot < 0xc0) prot &= 7;
    if (fz_u8(in) & 1) addr &= ~0xfffull, len &= ~0xfffull;
    int want;
    if (prot & ~AGPU_PROT_ALL) want = AGPU_ERR_INVALID_ARGUMENT;
    else if (addr % AGPU_PAGE_SIZE || len % AGPU_PAGE_SIZE) want = AGPU_ERR_INVALID_ARGUMENT;
    else if (len == 0) want = AGPU_OK;
    else want = region_of(c, addr, len) < 0 ? AGPU_ERR_ADDRESS : AGPU_OK;
    expect(m, agpu_protect(m, addr, len, prot), want, "protect");
    uint32_t got = 99;
    int grc = agpu_get_protection(m, addr, &got);
    expect(m, grc, region_of(c, addr, 1) < 0 ? AGPU_ERR_ADDRESS : AGPU_OK, "get_protection");
    if (want == AGPU_OK && len) {
        CHECK(grc == AGPU_OK && got == prot, "protection of 0x%llx is %u, set %u", (unsigned long long)addr,
              got, prot);
        expect(m, agpu_get_protection(m, addr + len - 1, &got), AGPU_OK, "get_protection (last)");
        CHECK(got == prot, "protection of the range's last page is %u, set %u", got, prot);
    }
    expect(m, agpu_get_protection(m, 0, NULL), AGPU_ERR_INVALID_ARGUMENT, "get_protection(NULL)");
}

static uint64_t masked(agpu_reg r, uint64_t v)
{
    if (r == AGPU_REG_NZCV) return v & 0xF0000000ull;
    return v;
}

static void op_regs(fz_in *in, slot *s)
{
    agpu_machine *m = s->m;
    uint32_t n = s->cfg.num_lanes;
    uint32_t lane = pick_lane(in, n);
    uint8_t rb = fz_u8(in);
    agpu_reg r = rb < 200 ? (agpu_reg)(rb % 40) : (agpu_reg)(int32_t)fz_u32(in);
    uint64_t v = fz_u64(in);
    int lane_bad = lane >= n, reg_bad = (unsigned)r >= AGPU_REG_COUNT;
    uint8_t what = fz_u8(in) % 8;
    uint64_t got = 0;
    if (what == 0) {
        int rc = agpu_set_reg(m, lane, r, v);
        if (lane_bad || reg_bad) {
            CHECK(rc == AGPU_ERR_LANE_RANGE || rc == AGPU_ERR_INVALID_ARGUMENT, "set_reg rc %d", rc);
            CHECK(!lane_bad || reg_bad || rc == AGPU_ERR_LANE_RANGE, "set_reg bad lane rc %d", rc);
            CHECK(!reg_bad || lane_bad || rc == AGPU_ERR_INVALID_ARGUMENT, "set_reg bad reg rc %d", rc);
            return;
        }
        expect(m, rc, AGPU_OK, "set_reg");
        expect(m, agpu_get_reg(m, lane, r, &got), AGPU_OK, "get_reg");
        if (r != AGPU_REG_FPCR && r != AGPU_REG_FPSR)
            CHECK(got == masked(r, v), "reg %d: set 0x%llx, got 0x%llx", (int)r, (unsigned long long)v,
                  (unsigned long long)got);
        else
            CHECK((got & ~v) == 0, "reg %d: got bits that were not set", (int)r);
    } else if (what == 1) {
        int rc = agpu_get_reg(m, lane, r, (fz_u8(in) & 15) ? &got : NULL);
        if (lane_bad || reg_bad) CHECK(rc != AGPU_OK, "get_reg accepted lane %u reg %d", lane, (int)r);
        else CHECK(rc == AGPU_OK || rc == AGPU_ERR_INVALID_ARGUMENT, "get_reg rc %d", rc);
    } else if (what == 2 || what == 3) {
        uint64_t *vals = malloc((size_t)n * sizeof *vals);
        CHECK(vals != NULL, "harness out of memory");
        for (uint32_t i = 0; i < n; i++) vals[i] = v + i;
        int rc = what == 2 ? agpu_set_reg_all(m, r, vals) : agpu_fill_reg(m, r, v);
        expect(m, rc, reg_bad ? AGPU_ERR_INVALID_ARGUMENT : AGPU_OK, "set_reg_all/fill_reg");
        if (!reg_bad) {
            uint64_t *back = malloc((size_t)n * sizeof *back);
            CHECK(back != NULL, "harness out of memory");
            expect(m, agpu_get_reg_all(m, r, back), AGPU_OK, "get_reg_all");
            for (uint32_t i = 0; i < n && r != AGPU_REG_FPCR && r != AGPU_REG_FPSR; i++)
                CHECK(back[i] == masked(r, what == 2 ? vals[i] : v), "lane %u reg %d after set_all", i, (int)r);
            free(back);
        }
        expect(m, agpu_get_reg_all(m, r, NULL), AGPU_ERR_INVALID_ARGUMENT, "get_reg_all(NULL)");
        expect(m, agpu_set_reg_all(m, r, NULL), AGPU_ERR_INVALID_ARGUMENT, "set_reg_all(NULL)");
        free(vals);
    } else if (what == 4) {
        uint64_t g[32];
        for (int i = 0; i < 32; i++) g[i] = v * (uint64_t)(i + 1);
        int rc = agpu_set_gprs(m, lane, g);
        expect(m, rc, lane_bad ? AGPU_ERR_LANE_RANGE : AGPU_OK, "set_gprs");
        uint64_t h[32];
        rc = agpu_get_gprs(m, lane, h);
        expect(m, rc, lane_bad ? AGPU_ERR_LANE_RANGE : AGPU_OK, "get_gprs");
        if (!lane_bad) CHECK(memcmp(g, h, sizeof g) == 0, "gprs differ after set");
        if (!lane_bad) expect(m, agpu_get_gprs(m, lane, NULL), AGPU_ERR_INVALID_ARGUMENT, "get_gprs(NULL)");
    } else if (what == 5) {
        uint32_t vn = fz_u8(in) < 0xf0 ? fz_u8(in) % 34 : fz_u32(in);
        uint8_t a[16], b[16];
        for (int i = 0; i < 16; i++) a[i] = (uint8_t)(v >> (i % 8 * 8)) ^ (uint8_t)i;
        int want = lane_bad ? AGPU_ERR_LANE_RANGE : vn > 31 ? AGPU_ERR_INVALID_ARGUMENT : AGPU_OK;
        expect(m, agpu_set_vreg(m, lane, vn, a), want, "set_vreg");
        expect(m, agpu_get_vreg(m, lane, vn, b), want, "get_vreg");
        if (want == AGPU_OK) CHECK(memcmp(a, b, 16) == 0, "vreg differs after set");
        if (want == AGPU_OK) expect(m, agpu_set_vreg(m, lane, vn, NULL), AGPU_ERR_INVALID_ARGUMENT, "set_vreg(NULL)");
    } else if (what == 6) {
        size_t stride = 0;
        uint64_t *view = agpu_gpr_view(m, (fz_u8(in) & 1) ? &stride : NULL);
        if (view && stride && !lane_bad) {
            uint32_t x = fz_u8(in) % 32;
            view[(size_t)lane * stride + x] = v;
            expect(m, agpu_get_reg(m, lane, (agpu_reg)x, &got), AGPU_OK, "get_reg after view write");
            CHECK(got == v, "gpr view write not seen");
        } else if (!view) {
            CHECK(agpu_last_error(m)[0], "gpr_view NULL without a message");
        }
    } else {
        agpu_stop st;
        int rc = agpu_get_stop(m, lane, (fz_u8(in) & 7) ? &st : NULL);
        if (lane_bad) CHECK(rc == AGPU_ERR_LANE_RANGE, "get_stop bad lane rc %d", rc);
        else if (rc == AGPU_OK) CHECK(agpu_stop_reason_name(st.reason) != NULL, "stop reason %u", st.reason);
    }
}

static void op_execute(fz_in *in, slot *s)
{
    agpu_machine *m = s->m;
    const agpu_config *c = &s->cfg;
    uint32_t n = c->num_lanes;
    uint64_t budget;
    uint8_t k = fz_u8(in);
    switch (k % 8) {
    case 0: budget = 0; break;
    case 1: budget = 1; break;
    case 2: budget = 4096; break;
    case 3: budget = 4097; break;
    default: budget = fz_u8(in) * 3u; break;
    }
    if (k & 0x80) {
        /* The unbounded budget, where every lane is known to stop: each PC
         * on a HLT (or a page that faults). */
        uint32_t hlt = 0xd4400000u | (0x123u << 5);
        uint64_t at = (c->shared_size ? 0 : c->private_base) + (fz_u8(in) % 16) * 4;
        if (region_of(c, at, 4) < 0) return;
        expect(m, agpu_load(m, at, &hlt, 4), AGPU_OK, "load hlt");
        expect(m, agpu_fill_reg(m, AGPU_REG_PC, at), AGPU_OK, "fill pc");
        budget = UINT64_MAX;
    }
    int asked = fz_u8(in) % 8 == 0;
    if (asked) agpu_interrupt(m); /* before the run: stops it at once */
    agpu_lane_result *res = NULL;
    if (fz_u8(in) & 1) {
        res = malloc((size_t)n * sizeof *res);
        CHECK(res != NULL, "harness out of memory");
    }
    int rc = agpu_execute(m, budget, res);
    CHECK(rc == (asked ? AGPU_ERR_INTERRUPTED : AGPU_OK), "execute rc %d (interrupt asked: %d): %s", rc, asked,
          agpu_last_error(m));
    for (uint32_t l = 0; l < n; l++) {
        agpu_stop st;
        expect(m, agpu_get_stop(m, l, &st), AGPU_OK, "get_stop");
        CHECK(st.reason >= AGPU_STOP_HALT && st.reason <= AGPU_STOP_INTERRUPTED && st.reason != AGPU_STOP_EXITED,
              "lane %u stop reason %u after execute", l, st.reason);
        if (budget == 0) CHECK(st.reason == AGPU_STOP_MAX_CYCLES, "budget 0 gave reason %u", st.reason);
        else if (asked) CHECK(st.reason == AGPU_STOP_INTERRUPTED, "interrupted run gave reason %u", st.reason);
        if (budget == UINT64_MAX) CHECK(st.reason != AGPU_STOP_MAX_CYCLES, "2^64-1 budget spent");
        if (res) {
            CHECK(memcmp(&res[l].stop, &st, sizeof st) == 0, "result and get_stop differ on lane %u", l);
            CHECK(res[l].instructions <= budget, "lane %u over budget", l);
            CHECK(!asked || res[l].instructions == 0, "lane %u ran after an interrupt", l);
            char text[8];
            int len = agpu_format_stop(&st, res[l].pc, text, sizeof text);
            CHECK(len > 0, "format_stop length %d", len);
        }
    }
    free(res);
}

static void op_null_machine(fz_in *in)
{
    uint64_t v = 0, vals[1];
    uint8_t b[16] = {0};
    agpu_stop st;
    uint32_t p;
    switch (fz_u8(in) % 16) {
    case 0: CHECK(agpu_write_memory(NULL, 0, 0, b, 1) == AGPU_ERR_INVALID_ARGUMENT, "write NULL m"); break;
    case 1: CHECK(agpu_read_memory(NULL, 0, 0, b, 1) == AGPU_ERR_INVALID_ARGUMENT, "read NULL m"); break;
    case 2: CHECK(agpu_protect(NULL, 0, 4096, 1) == AGPU_ERR_INVALID_ARGUMENT, "protect NULL m"); break;
    case 3: CHECK(agpu_get_reg(NULL, 0, 0, &v) == AGPU_ERR_INVALID_ARGUMENT, "get_reg NULL m"); break;
    case 4: CHECK(agpu_set_reg(NULL, 0, 0, v) == AGPU_ERR_INVALID_ARGUMENT, "set_reg NULL m"); break;
    case 5: CHECK(agpu_get_reg_all(NULL, 0, vals) == AGPU_ERR_INVALID_ARGUMENT, "get_reg_all NULL m"); break;
    case 6: CHECK(agpu_fill_reg(NULL, 0, 1) == AGPU_ERR_INVALID_ARGUMENT, "fill_reg NULL m"); break;
    case 7: CHECK(agpu_execute(NULL, 1, NULL) == AGPU_ERR_INVALID_ARGUMENT, "execute NULL m"); break;
    case 8: CHECK(agpu_get_stop(NULL, 0, &st) == AGPU_ERR_INVALID_ARGUMENT, "get_stop NULL m"); break;
    case 9: CHECK(agpu_get_vreg(NULL, 0, 0, b) == AGPU_ERR_INVALID_ARGUMENT, "get_vreg NULL m"); break;
    case 10: CHECK(agpu_get_protection(NULL, 0, &p) == AGPU_ERR_INVALID_ARGUMENT, "get_prot NULL m"); break;
    case 11:
        agpu_interrupt(NULL);
        agpu_destroy(NULL);
        CHECK(agpu_gpr_view(NULL, NULL) == NULL, "gpr_view NULL m");
        CHECK(agpu_num_lanes(NULL) == 0 && agpu_shared_size(NULL) == 0, "getters on NULL m");
        break;
    case 12: {
        int e = (int)fz_u32(in);
        CHECK(agpu_strerror(e) != NULL, "strerror(%d) NULL", e);
        CHECK(agpu_last_error(NULL) != NULL, "last_error(NULL) NULL");
        (void)agpu_stop_reason_name(fz_u32(in));
        (void)agpu_reg_name((agpu_reg)(int)fz_u32(in));
        (void)agpu_backend_name((agpu_backend)(int)fz_u32(in));
        break;
    }
    case 13: {
        char name[8];
        for (int i = 0; i < 7; i++) name[i] = (char)fz_u8(in);
        name[7] = 0;
        agpu_backend bk;
        int rc = agpu_backend_from_name(name, &bk);
        CHECK(rc == AGPU_OK || rc == AGPU_ERR_INVALID_ARGUMENT, "backend_from_name rc %d", rc);
        CHECK(agpu_backend_from_name(NULL, &bk) == AGPU_ERR_INVALID_ARGUMENT, "from_name(NULL)");
        CHECK(agpu_backend_from_name("cpu", NULL) == AGPU_ERR_INVALID_ARGUMENT, "from_name(out NULL)");
        char why[64];
        size_t wl = fz_u8(in) % sizeof why;
        (void)agpu_backend_available((agpu_backend)(int)(fz_u8(in) % 6) - 1, wl ? why : NULL, wl);
        break;
    }
    case 14: {
        agpu_stop r;
        memset(&r, 0, sizeof r);
        r.reason = fz_u8(in) < 0xf0 ? fz_u8(in) % 10 : fz_u32(in);
        r.access = fz_u32(in);
        r.cause = fz_u32(in);
        r.imm = fz_u32(in);
        r.encoding = fz_u32(in);
        r.address = fz_u64(in);
        size_t len = fz_u8(in) % 80;
        char out[80];
        int n = agpu_format_stop(&r, fz_u64(in), len ? out : NULL, len);
        CHECK(n >= 0, "format_stop returned %d", n);
        if (len) CHECK(strlen(out) < len, "format_stop overran its buffer");
        (void)agpu_format_stop(NULL, 0, out, sizeof out);
        break;
    }
    default: {
        agpu_machine *m = (agpu_machine *)1;
        CHECK(agpu_create(NULL, &m) == AGPU_ERR_INVALID_ARGUMENT && m == NULL, "create(NULL cfg)");
        CHECK(agpu_create(NULL, NULL) == AGPU_ERR_INVALID_ARGUMENT, "create(NULL, NULL)");
        agpu_config_init(NULL);
        break;
    }
    }
}

/* Every machine still runs a program: unprotect, put a HLT at a PC, run. */
static void still_usable(slot *s)
{
    agpu_machine *m = s->m;
    const agpu_config *c = &s->cfg;
    if (c->shared_size) expect(m, agpu_protect(m, 0, c->shared_size, AGPU_PROT_ALL), AGPU_OK, "reprotect shared");
    if (c->private_size)
        expect(m, agpu_protect(m, c->private_base, c->private_size, AGPU_PROT_ALL), AGPU_OK, "reprotect private");
    uint64_t at = c->shared_size ? c->shared_size - 4 : c->private_base + c->private_size - 4;
    uint32_t hlt = 0xd4400000u | (0x42u << 5);
    expect(m, agpu_load(m, at, &hlt, 4), AGPU_OK, "load hlt");
    expect(m, agpu_fill_reg(m, AGPU_REG_PC, at), AGPU_OK, "fill pc");
    expect(m, agpu_execute(m, 10, NULL), AGPU_OK, "execute");
    for (uint32_t l = 0; l < c->num_lanes; l++) {
        agpu_stop st;
        expect(m, agpu_get_stop(m, l, &st), AGPU_OK, "get_stop");
        CHECK(st.reason == AGPU_STOP_HALT && st.imm == 0x42, "lane %u no longer runs (reason %u)", l, st.reason);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size, 0};
    memset(S, 0, sizeof S);
    for (int steps = 0; steps < 64 && !fz_done(&in); steps++) {
        uint8_t op = fz_u8(&in);
        slot *s = &S[(op >> 5) % SLOTS];
        uint8_t kind = op & 31;
        if (kind == 0 || !s->m) {
            if (kind < 28) op_create(&in, s);
            else op_null_machine(&in);
            continue;
        }
        switch (kind % 8) {
        case 1: agpu_destroy(s->m); s->m = NULL; break;
        case 2: op_memory(&in, s, 0); break;
        case 3: op_memory(&in, s, (fz_u8(&in) & 1) + 1); break;
        case 4: op_protect(&in, s); break;
        case 5: op_regs(&in, s); break;
        case 6: op_execute(&in, s); break;
        case 7: op_null_machine(&in); break;
        default: op_regs(&in, s); break;
        }
        CHECK(s->m == NULL || agpu_last_error(s->m) != NULL, "last_error NULL");
    }
    for (int i = 0; i < SLOTS; i++) {
        if (S[i].m) still_usable(&S[i]);
        agpu_destroy(S[i].m);
        S[i].m = NULL;
    }
    return 0;
}

/*
 * machine.c - the public API: argument checks, errors, regions and
 * permissions, and dispatch to the chosen backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static _Thread_local char create_error[512];

/* ------------------------------------------------------------------ errors */

const char *agpu_strerror(int err)
{
    switch (err) {
    case AGPU_OK: return "success";
    case AGPU_ERR_INVALID_ARGUMENT: return "invalid argument";
    case AGPU_ERR_OUT_OF_MEMORY: return "out of memory";
    case AGPU_ERR_UNAVAILABLE: return "backend unavailable";
    case AGPU_ERR_LANE_RANGE: return "lane out of range";
    case AGPU_ERR_ADDRESS: return "guest address out of range";
    case AGPU_ERR_BACKEND: return "backend failure";
    case AGPU_ERR_INTERRUPTED: return "interrupted";
    case AGPU_ERR_STATE: return "invalid machine state";
    default: return "unknown error";
    }
}

int agpu_fail(agpu_machine *m, int err, const char *fmt, ...)
{
    char *buf = m ? m->err : create_error;
    size_t len = m ? sizeof m->err : sizeof create_error;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return err;
}

const char *agpu_last_error(const agpu_machine *m) { return m ? m->err : create_error; }

const char *agpu_version(void) { return "0.1.0"; }

/* ---------------------------------------------------------------- backends */

const char *agpu_backend_name(agpu_backend b)
{
    switch (b) {
    case AGPU_BACKEND_AUTO: return "auto";
    case AGPU_BACKEND_CPU: return "cpu";
    case AGPU_BACKEND_CUDA: return "cuda";
    default: return NULL;
    }
}

int agpu_backend_from_name(const char *name, agpu_backend *out)
{
    if (!name || !out) return AGPU_ERR_INVALID_ARGUMENT;
    for (int b = AGPU_BACKEND_AUTO; b <= AGPU_BACKEND_CUDA; b++) {
        if (strcmp(name, agpu_backend_name((agpu_backend)b)) == 0) {
            *out = (agpu_backend)b;
            return AGPU_OK;
        }
    }
    return AGPU_ERR_INVALID_ARGUMENT;
}

static void put_why(char *why, size_t len, const char *msg)
{
    if (why && len) snprintf(why, len, "%s", msg);
}

int agpu_backend_available(agpu_backend b, char *why, size_t why_len)
{
    switch (b) {
    case AGPU_BACKEND_CPU:
        put_why(why, why_len, "always available");
        return AGPU_OK;
    case AGPU_BACKEND_CUDA:
        return agpu_cuda_probe(why, why_len);
    case AGPU_BACKEND_AUTO: {
        char cuda_why[256];
        if (agpu_cuda_probe(cuda_why, sizeof cuda_why) == AGPU_OK) {
            put_why(why, why_len, "auto picks cuda");
        } else if (why && why_len) {
            snprintf(why, why_len, "auto picks cpu (cuda: %s)", cuda_why);
        }
        return AGPU_OK;
    }
    default:
        put_why(why, why_len, "no such backend");
        return AGPU_ERR_INVALID_ARGUMENT;
    }
}

/* ----------------------------------------------------------------- machine */

void agpu_config_init(agpu_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->num_lanes = 1;
    cfg->shared_size = 4u << 20;
    cfg->backend = AGPU_BACKEND_AUTO;
}

static int check_config(const agpu_config *c)
{
    if (c->num_lanes < 1 || c->num_lanes > AGPU_MAX_LANES)
        return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "num_lanes %u out of range (1 to %u)",
                         c->num_lanes, AGPU_MAX_LANES);
    if (c->shared_size % AGPU_PAGE_SIZE || c->shared_size > AGPU_MAX_REGION_SIZE)
        return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT,
                         "shared_size %llu must be a multiple of %u and at most %llu",
                         (unsigned long long)c->shared_size, AGPU_PAGE_SIZE,
                         (unsigned long long)AGPU_MAX_REGION_SIZE);
    if (c->private_size) {
        if (c->private_size % AGPU_PAGE_SIZE || c->private_size > AGPU_MAX_REGION_SIZE)
            return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT,
                             "private_size %llu must be a multiple of %u and at most %llu",
                             (unsigned long long)c->private_size, AGPU_PAGE_SIZE,
                             (unsigned long long)AGPU_MAX_REGION_SIZE);
        if (c->private_base % AGPU_PAGE_SIZE)
            return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT,
                             "private_base 0x%llx must be a multiple of %u",
                             (unsigned long long)c->private_base, AGPU_PAGE_SIZE);
        if (c->private_base < c->shared_size)
            return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT,
                             "private region at 0x%llx overlaps the shared region [0, 0x%llx)",
                             (unsigned long long)c->private_base, (unsigned long long)c->shared_size);
        if (c->private_base + c->private_size < c->private_base)
            return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT,
                             "private region at 0x%llx of %llu bytes wraps past 2^64",
                             (unsigned long long)c->private_base, (unsigned long long)c->private_size);
    } else if (c->shared_size == 0) {
        return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT,
                         "a machine needs memory: shared_size and private_size are both 0");
    }
    if (agpu_backend_name(c->backend) == NULL)
        return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "backend %d is not auto, cpu or cuda",
                         (int)c->backend);
    if (c->num_threads > 4096)
        return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "num_threads %u out of range (0 to 4096)",
                         c->num_threads);
    return AGPU_OK;
}

int agpu_create(const agpu_config *cfg, agpu_machine **out)
{
    create_error[0] = 0;
    if (!out) return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!cfg) return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "cfg is NULL");
    int rc = check_config(cfg);
    if (rc) return rc;

    const agpu_backend_ops *ops = &agpu_cpu_ops;
    agpu_backend chosen = AGPU_BACKEND_CPU;
    if (cfg->backend != AGPU_BACKEND_CPU) {
        char why[256];
        if (agpu_cuda_probe(why, sizeof why) == AGPU_OK) {
            ops = agpu_cuda_ops();
            chosen = AGPU_BACKEND_CUDA;
        } else if (cfg->backend == AGPU_BACKEND_CUDA) {
            return agpu_fail(NULL, AGPU_ERR_UNAVAILABLE, "cuda backend unavailable: %s", why);
        }
    }

    agpu_machine *m = calloc(1, sizeof *m);
    if (!m) return agpu_fail(NULL, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate a machine");
    m->cfg = *cfg;
    m->backend = chosen;
    m->ops = ops;
    m->shared_pages = cfg->shared_size / AGPU_PAGE_SIZE;
    m->priv_pages = cfg->private_size / AGPU_PAGE_SIZE;
    /* Each lane has its own private permissions: lanes x pages bytes, 1/4096
     * of the private memory itself. */
    uint64_t priv_prot_bytes = (uint64_t)cfg->num_lanes * m->priv_pages;
    if (priv_prot_bytes != (size_t)priv_prot_bytes) {
        agpu_fail(NULL, AGPU_ERR_OUT_OF_MEMORY,
                  "%u lanes x %llu private pages of permissions do not fit in host memory",
                  cfg->num_lanes, (unsigned long long)m->priv_pages);
        agpu_destroy(m);
        return AGPU_ERR_OUT_OF_MEMORY;
    }
    m->shared_prot = malloc(m->shared_pages ? m->shared_pages : 1);
    m->priv_prot = malloc(priv_prot_bytes ? (size_t)priv_prot_bytes : 1);
    if (!m->shared_prot || !m->priv_prot) {
        agpu_fail(NULL, AGPU_ERR_OUT_OF_MEMORY,
                  "cannot allocate page permissions: %llu shared pages, %u lanes x %llu private pages",
                  (unsigned long long)m->shared_pages, cfg->num_lanes, (unsigned long long)m->priv_pages);
        agpu_destroy(m);
        return AGPU_ERR_OUT_OF_MEMORY;
    }
    memset(m->shared_prot, AGPU_PROT_ALL, m->shared_pages);
    rc = ops->create(m);
    if (rc) {
        agpu_fail(NULL, rc, "%s", m->err);
        agpu_destroy(m);
        return rc;
    }
    /* Written only once the backend holds the private memory, 4096 times
     * larger: a table for lanes no host can hold is never touched (the
     * backends start their copies with every permission themselves). */
    memset(m->priv_prot, AGPU_PROT_ALL, (size_t)priv_prot_bytes);
    *out = m;
    return AGPU_OK;
}

void agpu_destroy(agpu_machine *m)
{
    if (!m) return;
    if (m->ops && m->impl) m->ops->destroy(m);
    free(m->shared_prot);
    free(m->priv_prot);
    free(m);
}

agpu_backend agpu_machine_backend(const agpu_machine *m) { return m ? m->backend : AGPU_BACKEND_AUTO; }
uint32_t agpu_num_lanes(const agpu_machine *m) { return m ? m->cfg.num_lanes : 0; }
uint64_t agpu_shared_size(const agpu_machine *m) { return m ? m->cfg.shared_size : 0; }
uint64_t agpu_private_base(const agpu_machine *m) { return m ? m->cfg.private_base : 0; }
uint64_t agpu_private_size(const agpu_machine *m) { return m ? m->cfg.private_size : 0; }

void agpu_mem_view(const agpu_machine *m, uint8_t *shared, const uint8_t *shared_prot,
                   const uint8_t *priv_prot, a64_mem *out)
{
    out->shared = shared;
    out->shared_size = m->cfg.shared_size;
    out->shared_prot = shared_prot;
    out->priv_base = m->cfg.private_base;
    out->priv_size = m->cfg.private_size;
    out->priv_prot = priv_prot;
}

/* ------------------------------------------------------------ guest memory */

/* Finds the region holding [addr, addr+len) whole. */
static int locate(agpu_machine *m, uint64_t addr, uint64_t len, int *region, uint64_t *off)
{
    const agpu_config *c = &m->cfg;
    if (addr < c->shared_size && len <= c->shared_size - addr) {
        *region = AGPU_REGION_SHARED;
        *off = addr;
        return AGPU_OK;
    }
    if (c->private_size && addr >= c->private_base && addr - c->private_base < c->private_size &&
        len <= c->private_size - (addr - c->private_base)) {
        *region = AGPU_REGION_PRIVATE;
        *off = addr - c->private_base;
        return AGPU_OK;
    }
    if (c->private_size)
        return agpu_fail(m, AGPU_ERR_ADDRESS,
                         "guest range [0x%llx, +%llu) is not inside shared memory [0, 0x%llx) or "
                         "private memory [0x%llx, 0x%llx)",
                         (unsigned long long)addr, (unsigned long long)len,
                         (unsigned long long)c->shared_size, (unsigned long long)c->private_base,
                         (unsigned long long)(c->private_base + c->private_size));
    return agpu_fail(m, AGPU_ERR_ADDRESS,
                     "guest range [0x%llx, +%llu) is not inside shared memory [0, 0x%llx)",
                     (unsigned long long)addr, (unsigned long long)len,
                     (unsigned long long)c->shared_size);
}

static int check_lane(agpu_machine *m, uint32_t lane)
{
    if (lane >= m->cfg.num_lanes)
        return agpu_fail(m, AGPU_ERR_LANE_RANGE, "lane %u out of range (machine has %u lanes)", lane,
                         m->cfg.num_lanes);
    return AGPU_OK;
}

#define CHECK_MACHINE(m) \
    do { \
        if (!(m)) return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "machine is NULL"); \
    } while (0)

int agpu_write_memory(agpu_machine *m, uint32_t lane, uint64_t addr, const void *data, size_t len)
{
    CHECK_MACHINE(m);
    if (!data && len) return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "data is NULL");
    if (len == 0) return AGPU_OK;
    int region;
    uint64_t off;
    int rc = locate(m, addr, len, &region, &off);
    if (rc) return rc;
    if (region == AGPU_REGION_PRIVATE && lane != AGPU_ALL_LANES && (rc = check_lane(m, lane)))
        return rc;
    return m->ops->write_mem(m, region, lane, off, data, len);
}

int agpu_load(agpu_machine *m, uint64_t addr, const void *data, size_t len)
{
    return agpu_write_memory(m, AGPU_ALL_LANES, addr, data, len);
}

int agpu_read_memory(agpu_machine *m, uint32_t lane, uint64_t addr, void *buf, size_t len)
{
    CHECK_MACHINE(m);
    if (!buf && len) return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "buf is NULL");
    if (len == 0) return AGPU_OK;
    int region;
    uint64_t off;
    int rc = locate(m, addr, len, &region, &off);
    if (rc) return rc;
    if (region == AGPU_REGION_PRIVATE) {
        if (lane == AGPU_ALL_LANES)
            return agpu_fail(m, AGPU_ERR_LANE_RANGE,
                             "reading private memory at 0x%llx needs one lane, not AGPU_ALL_LANES",
                             (unsigned long long)addr);
        if ((rc = check_lane(m, lane))) return rc;
    }
    return m->ops->read_mem(m, region, lane, off, buf, len);
}

int agpu_protect_lane(agpu_machine *m, uint32_t lane, uint64_t addr, uint64_t len, uint32_t prot)
{
    CHECK_MACHINE(m);
    int rc;
    if (lane != AGPU_ALL_LANES && (rc = check_lane(m, lane))) return rc;
    if (prot & ~AGPU_PROT_ALL)
        return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "prot 0x%x has bits other than read, write, exec",
                         prot);
    if (addr % AGPU_PAGE_SIZE || len % AGPU_PAGE_SIZE)
        return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT,
                         "protect range [0x%llx, +%llu) is not a whole number of %u-byte pages",
                         (unsigned long long)addr, (unsigned long long)len, AGPU_PAGE_SIZE);
    if (len == 0) return AGPU_OK;
    int region;
    uint64_t off;
    if ((rc = locate(m, addr, len, &region, &off))) return rc;
    uint64_t first = off / AGPU_PAGE_SIZE, count = len / AGPU_PAGE_SIZE;
    if (region == AGPU_REGION_SHARED) {
        if (lane != AGPU_ALL_LANES)
            return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT,
                             "range [0x%llx, +%llu) is in the shared region, whose permissions are "
                             "one table for all lanes: lane %u cannot have its own (agpu_protect "
                             "sets them)",
                             (unsigned long long)addr, (unsigned long long)len, lane);
        memset(m->shared_prot + first, (int)prot, count);
    } else {
        uint32_t l0 = lane == AGPU_ALL_LANES ? 0 : lane;
        uint32_t l1 = lane == AGPU_ALL_LANES ? m->cfg.num_lanes : lane + 1;
        for (uint32_t l = l0; l < l1; l++)
            memset(agpu_lane_prot(m, l) + first, (int)prot, count);
    }
    return m->ops->prot_changed(m, region, lane, first, count);
}

int agpu_protect(agpu_machine *m, uint64_t addr, uint64_t len, uint32_t prot)
{
    return agpu_protect_lane(m, AGPU_ALL_LANES, addr, len, prot);
}

int agpu_get_protection_lane(agpu_machine *m, uint32_t lane, uint64_t addr, uint32_t *prot)
{
    CHECK_MACHINE(m);
    if (!prot) return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "prot is NULL");
    int region, rc;
    uint64_t off;
    if ((rc = locate(m, addr, 1, &region, &off))) return rc;
    uint64_t pg = off / AGPU_PAGE_SIZE;
    if (region == AGPU_REGION_SHARED) {
        *prot = m->shared_prot[pg];
        return AGPU_OK;
    }
    if (lane != AGPU_ALL_LANES) {
        if ((rc = check_lane(m, lane))) return rc;
        *prot = agpu_lane_prot(m, lane)[pg];
        return AGPU_OK;
    }
    uint8_t p0 = m->priv_prot[pg];
    for (uint32_t l = 1; l < m->cfg.num_lanes; l++)
        if (agpu_lane_prot(m, l)[pg] != p0)
            return agpu_fail(m, AGPU_ERR_STATE,
                             "the page at 0x%llx has per-lane permissions (lane %u: 0x%x, lane 0: "
                             "0x%x): ask for one lane's",
                             (unsigned long long)addr, l, agpu_lane_prot(m, l)[pg], p0);
    *prot = p0;
    return AGPU_OK;
}

int agpu_get_protection(agpu_machine *m, uint64_t addr, uint32_t *prot)
{
    return agpu_get_protection_lane(m, AGPU_ALL_LANES, addr, prot);
}

/* ------------------------------------------------------------------- state */

static const char *const reg_names[AGPU_REG_COUNT] = {
    "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
    "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25",
    "x26", "x27", "x28", "x29", "x30", "sp", "pc", "nzcv", "tpidr_el0", "fpcr", "fpsr", "icount",
};

const char *agpu_reg_name(agpu_reg reg)
{
    return (unsigned)reg < AGPU_REG_COUNT ? reg_names[reg] : NULL;
}

static uint64_t state_get(const a64_state *s, agpu_reg reg)
{
    if (reg <= AGPU_REG_SP) return s->r[reg];
    switch (reg) {
    case AGPU_REG_PC: return s->pc;
    case AGPU_REG_NZCV: return s->nzcv;
    case AGPU_REG_TPIDR_EL0: return s->tpidr;
    case AGPU_REG_FPCR: return s->fpcr;
    case AGPU_REG_FPSR: return s->fpsr;
    default: return s->icount;
    }
}

static void state_set(a64_state *s, agpu_reg reg, uint64_t v)
{
    if (reg <= AGPU_REG_SP) {
        s->r[reg] = v;
        return;
    }
    switch (reg) {
    case AGPU_REG_PC: s->pc = v; break;
    case AGPU_REG_NZCV: s->nzcv = v & 0xF0000000ull; break;
    case AGPU_REG_TPIDR_EL0: s->tpidr = v; break;
    case AGPU_REG_FPCR: s->fpcr = v & A64_FPCR_MASK; break;
    case AGPU_REG_FPSR: s->fpsr = v & A64_FPSR_MASK; break;
    default: s->icount = v; break;
    }
}

static int check_reg(agpu_machine *m, agpu_reg reg)
{
    if ((unsigned)reg >= AGPU_REG_COUNT)
        return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "register %d out of range (0 to %d)", (int)reg,
                         AGPU_REG_COUNT - 1);
    return AGPU_OK;
}

int agpu_get_reg(agpu_machine *m, uint32_t lane, agpu_reg reg, uint64_t *value)
{
    CHECK_MACHINE(m);
    int rc;
    if ((rc = check_lane(m, lane)) || (rc = check_reg(m, reg))) return rc;
    if (!value) return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "value is NULL");
    a64_state s;
    if ((rc = m->ops->read_state(m, lane, 1, &s))) return rc;
    *value = state_get(&s, reg);
    return AGPU_OK;
}

int agpu_set_reg(agpu_machine *m, uint32_t lane, agpu_reg reg, uint64_t value)
{
    CHECK_MACHINE(m);
    int rc;
    if ((rc = check_lane(m, lane)) || (rc = check_reg(m, reg))) return rc;
    a64_state s;
    if ((rc = m->ops->read_state(m, lane, 1, &s))) return rc;
    state_set(&s, reg, value);
    return m->ops->write_state(m, lane, 1, &s);
}

/* Bulk access moves lane states in blocks, so memory stays bounded. */
#define STATE_BLOCK 1024u

static int for_all_lanes(agpu_machine *m, agpu_reg reg, uint64_t *get, const uint64_t *set, int fill,
                         uint64_t fill_value)
{
    CHECK_MACHINE(m);
    int rc = check_reg(m, reg);
    if (rc) return rc;
    if (!get && !set && !fill) return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "values is NULL");
    uint32_t n = m->cfg.num_lanes;
    a64_state *buf = malloc((n < STATE_BLOCK ? n : STATE_BLOCK) * sizeof *buf);
    if (!buf) return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate a state buffer");
    for (uint32_t l = 0; l < n && rc == AGPU_OK; l += STATE_BLOCK) {
        uint32_t cnt = n - l < STATE_BLOCK ? n - l : STATE_BLOCK;
        if ((rc = m->ops->read_state(m, l, cnt, buf))) break;
        for (uint32_t i = 0; i < cnt; i++) {
            if (get) get[l + i] = state_get(&buf[i], reg);
            else state_set(&buf[i], reg, fill ? fill_value : set[l + i]);
        }
        if (!get) rc = m->ops->write_state(m, l, cnt, buf);
    }
    free(buf);
    return rc;
}

int agpu_get_reg_all(agpu_machine *m, agpu_reg reg, uint64_t *values)
{
    if (m && !values) return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "values is NULL");
    return for_all_lanes(m, reg, values, NULL, 0, 0);
}

int agpu_set_reg_all(agpu_machine *m, agpu_reg reg, const uint64_t *values)
{
    if (m && !values) return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "values is NULL");
    return for_all_lanes(m, reg, NULL, values, 0, 0);
}

int agpu_fill_reg(agpu_machine *m, agpu_reg reg, uint64_t value)
{
    return for_all_lanes(m, reg, NULL, NULL, 1, value);
}

int agpu_get_gprs(agpu_machine *m, uint32_t lane, uint64_t regs[32])
{
    CHECK_MACHINE(m);
    int rc = check_lane(m, lane);
    if (rc) return rc;
    if (!regs) return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "regs is NULL");
    a64_state s;
    if ((rc = m->ops->read_state(m, lane, 1, &s))) return rc;
    memcpy(regs, s.r, 32 * sizeof(uint64_t));
    return AGPU_OK;
}

int agpu_set_gprs(agpu_machine *m, uint32_t lane, const uint64_t regs[32])
{
    CHECK_MACHINE(m);
    int rc = check_lane(m, lane);
    if (rc) return rc;
    if (!regs) return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "regs is NULL");
    a64_state s;
    if ((rc = m->ops->read_state(m, lane, 1, &s))) return rc;
    memcpy(s.r, regs, 32 * sizeof(uint64_t));
    return m->ops->write_state(m, lane, 1, &s);
}

static int check_vreg(agpu_machine *m, uint32_t lane, uint32_t n, const void *p)
{
    int rc = check_lane(m, lane);
    if (rc) return rc;
    if (n > 31) return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "V register %u out of range (0 to 31)", n);
    if (!p) return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "register buffer is NULL");
    return AGPU_OK;
}

int agpu_get_vreg(agpu_machine *m, uint32_t lane, uint32_t n, void *out16)
{
    CHECK_MACHINE(m);
    int rc = check_vreg(m, lane, n, out16);
    if (rc) return rc;
    a64_state s;
    if ((rc = m->ops->read_state(m, lane, 1, &s))) return rc;
    memcpy(out16, s.v[n], 16);
    return AGPU_OK;
}

int agpu_set_vreg(agpu_machine *m, uint32_t lane, uint32_t n, const void *in16)
{
    CHECK_MACHINE(m);
    int rc = check_vreg(m, lane, n, in16);
    if (rc) return rc;
    a64_state s;
    if ((rc = m->ops->read_state(m, lane, 1, &s))) return rc;
    memcpy(s.v[n], in16, 16);
    return m->ops->write_state(m, lane, 1, &s);
}

uint64_t *agpu_gpr_view(agpu_machine *m, size_t *stride)
{
    if (!m) return NULL;
    a64_state *s = m->ops->host_state ? m->ops->host_state(m) : NULL;
    if (!s) {
        agpu_fail(m, AGPU_ERR_UNAVAILABLE, "the %s backend keeps lane state off the host",
                  m->ops->name);
        return NULL;
    }
    if (stride) *stride = sizeof(a64_state) / sizeof(uint64_t);
    return s[0].r;
}

/* ------------------------------------------------------------------- stops */

const char *agpu_stop_reason_name(uint32_t reason)
{
    static const char *const names[] = {"NONE",      "HALT",       "SYSCALL", "BREAK",      "FAULT",
                                        "UNDEFINED", "MAX_CYCLES", "EXITED",  "INTERRUPTED"};
    return reason < sizeof names / sizeof names[0] ? names[reason] : NULL;
}

int agpu_execute(agpu_machine *m, uint64_t max_instructions, agpu_lane_result *results)
{
    CHECK_MACHINE(m);
    agpu_lane_result *own = NULL;
    if (!results) {
        own = malloc((size_t)m->cfg.num_lanes * sizeof *own);
        if (!own) return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate %u lane results",
                                   m->cfg.num_lanes);
        results = own;
    }
    memset(results, 0, (size_t)m->cfg.num_lanes * sizeof *results);
    /* A request made before this call is kept, not cleared: a signal that
     * lands just before a long run starts must still stop it.  The backends
     * look at the flag before their first slice; the execute that returns
     * AGPU_ERR_INTERRUPTED consumes it. */
    int rc = m->ops->execute(m, max_instructions, results);
    free(own);
    if (rc) return rc;
    if (m->interrupt) {
        m->interrupt = 0;
        return agpu_fail(m, AGPU_ERR_INTERRUPTED, "execute was interrupted; lanes resume on the next call");
    }
    return AGPU_OK;
}

int agpu_get_stop(agpu_machine *m, uint32_t lane, agpu_stop *stop)
{
    CHECK_MACHINE(m);
    int rc = check_lane(m, lane);
    if (rc) return rc;
    if (!stop) return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT, "stop is NULL");
    a64_state s;
    if ((rc = m->ops->read_state(m, lane, 1, &s))) return rc;
    *stop = s.stop;
    return AGPU_OK;
}

void agpu_interrupt(agpu_machine *m)
{
    if (m) m->interrupt = 1;
}

int agpu_format_stop(const agpu_stop *stop, uint64_t pc, char *buf, size_t len)
{
    static const char *const access[] = {"access", "read", "write", "fetch"};
    static const char *const cause[] = {"", "unmapped", "permission", "alignment"};
    if (!stop) return snprintf(buf, len, "(no stop record)");
    const char *name = agpu_stop_reason_name(stop->reason);
    if (!name) return snprintf(buf, len, "unknown stop reason %u at pc 0x%llx", stop->reason,
                               (unsigned long long)pc);
    switch (stop->reason) {
    case AGPU_STOP_HALT:
    case AGPU_STOP_SYSCALL:
    case AGPU_STOP_BREAK:
        return snprintf(buf, len, "%s #0x%x at pc 0x%llx", name, stop->imm, (unsigned long long)pc);
    case AGPU_STOP_FAULT:
        return snprintf(buf, len, "FAULT: %s at 0x%llx (%s) at pc 0x%llx",
                        access[stop->access < 4 ? stop->access : 0], (unsigned long long)stop->address,
                        cause[stop->cause < 4 ? stop->cause : 0], (unsigned long long)pc);
    case AGPU_STOP_UNDEFINED:
        return snprintf(buf, len, "UNDEFINED instruction 0x%08x at pc 0x%llx", stop->encoding,
                        (unsigned long long)pc);
    default:
        return snprintf(buf, len, "%s at pc 0x%llx", name, (unsigned long long)pc);
    }
}

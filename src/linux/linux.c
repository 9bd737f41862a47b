/*
 * linux.c - running a loaded program: the loop of agpu_execute() and
 * system call service, and what is reported afterwards.
 *
 * Every round runs all lanes that have not ended for a slice of
 * instructions; lanes that stopped on SVC are served on the host (their
 * states read and written back in contiguous batches) and resume in the
 * next round.  A lane that ends is parked at LX_PARK_PC, where it faults at
 * once without retiring anything, so it costs the other lanes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "linux.h"

/* Instructions per round: long enough that one round trip per system call
 * is cheap, short enough that a lane waiting for its call is served soon. */
#define SLICE (4ull << 20)

uint64_t lx_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void lx_end(agpu_linux *p, uint32_t l, uint32_t status, int code, int sig)
{
    lx_lane *ln = &p->lanes[l];
    if (ln->status != AGPU_LINUX_RUNNING) return;
    ln->status = status;
    ln->exit_code = code;
    ln->signal = sig;
}

/* Signals Linux sends for what stopped a lane. */
static int stop_signal(const agpu_stop *st)
{
    switch (st->reason) {
    case AGPU_STOP_FAULT: return st->cause == AGPU_FAULT_ALIGNMENT ? 7 /* SIGBUS */ : 11 /* SIGSEGV */;
    case AGPU_STOP_BREAK: return 5;     /* SIGTRAP */
    case AGPU_STOP_UNDEFINED:
    case AGPU_STOP_HALT: return 4;      /* SIGILL */
    default: return 0;
    }
}

#define BATCH 256u

int agpu_linux_run(agpu_linux *p, uint64_t max_instructions)
{
    if (!p) return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "program is NULL");
    agpu_machine *m = p->m;
    int rc;
    if (!p->started) {
        if ((rc = lx_start(p))) return rc;
        p->started = 1;
    }
    uint32_t n = p->nlanes;
    agpu_lane_result *res = malloc((size_t)n * sizeof *res);
    uint64_t *used = calloc(n, sizeof *used);
    /* Lanes that spent max_instructions while others still run are parked
     * at LX_PARK_PC for the rest of the call (agpu_execute has one budget
     * for all lanes); their PCs are kept here and put back at the end. */
    uint64_t *park_pc = calloc(n, sizeof *park_pc);
    uint8_t *parked = calloc(n, 1);
    a64_state *st = malloc(BATCH * sizeof *st);
    if (!res || !used || !st || !park_pc || !parked) {
        free(res), free(used), free(st), free(park_pc), free(parked);
        return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate run records for %u lanes", n);
    }
    rc = AGPU_OK;
    for (;;) {
        uint64_t slice = SLICE;
        int live = 0;
        for (uint32_t l = 0; l < n; l++) {
            if (p->lanes[l].status != AGPU_LINUX_RUNNING || used[l] >= max_instructions) continue;
            live = 1;
            if (max_instructions - used[l] < slice) slice = max_instructions - used[l];
        }
        if (!live) break;
        for (uint32_t l = 0; l < n; l++) {
            if (parked[l] || p->lanes[l].status != AGPU_LINUX_RUNNING || used[l] < max_instructions) continue;
            if ((rc = agpu_get_reg(m, l, AGPU_REG_PC, &park_pc[l])) ||
                (rc = agpu_set_reg(m, l, AGPU_REG_PC, LX_PARK_PC)))
                goto out;
            parked[l] = 1;
        }
        rc = agpu_execute(m, slice, res);
        if (rc && rc != AGPU_ERR_INTERRUPTED) break;
        int interrupted = rc == AGPU_ERR_INTERRUPTED;
        /* Serve the stopped lanes, in batches of neighbours. */
        for (uint32_t l = 0; l < n;) {
            lx_lane *ln = &p->lanes[l];
            if (ln->status != AGPU_LINUX_RUNNING || parked[l]) {
                l++;
                continue;
            }
            used[l] += res[l].instructions;
            ln->instructions += res[l].instructions;
            uint32_t reason = res[l].stop.reason;
            if (reason == AGPU_STOP_MAX_CYCLES || reason == AGPU_STOP_INTERRUPTED) {
                if (reason == AGPU_STOP_MAX_CYCLES && used[l] >= max_instructions) {
                    ln->stop = res[l].stop;
                    ln->stop_pc = res[l].pc;
                }
                l++;
                continue;
            }
            /* lanes [l, e) all need service: read them together */
            uint32_t e = l + 1;
            while (e < n && e - l < BATCH && p->lanes[e].status == AGPU_LINUX_RUNNING && !parked[e] &&
                   res[e].stop.reason != AGPU_STOP_MAX_CYCLES && res[e].stop.reason != AGPU_STOP_INTERRUPTED)
                e++;
            if ((rc = m->ops->read_state(m, l, e - l, st))) goto out;
            for (uint32_t k = l; k < e; k++) {
                lx_lane *lk = &p->lanes[k];
                if (k != l) {
                    used[k] += res[k].instructions;
                    lk->instructions += res[k].instructions;
                }
                a64_state *s = &st[k - l];
                if (res[k].stop.reason == AGPU_STOP_SYSCALL) {
                    lx_syscall(p, k, s);
                } else {
                    lk->stop = res[k].stop;
                    lk->stop_pc = res[k].pc;
                    int sig = stop_signal(&res[k].stop);
                    lx_end(p, k, AGPU_LINUX_SIGNALED, 128 + sig, sig);
                }
                if (lk->status != AGPU_LINUX_RUNNING) s->pc = LX_PARK_PC;
            }
            if ((rc = m->ops->write_state(m, l, e - l, st))) goto out;
            l = e;
        }
        if (interrupted) {
            rc = agpu_fail(m, AGPU_ERR_INTERRUPTED, "run was interrupted; lanes resume on the next call");
            break;
        }
    }
out:
    for (uint32_t l = 0; l < n; l++)
        if (parked[l] && agpu_set_reg(m, l, AGPU_REG_PC, park_pc[l]) && rc == AGPU_OK)
            rc = AGPU_ERR_BACKEND;
    free(res), free(used), free(st), free(park_pc), free(parked);
    return rc;
}

int agpu_linux_result_of(agpu_linux *p, uint32_t lane, agpu_linux_result *r)
{
    if (!p) return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "program is NULL");
    if (lane >= p->nlanes)
        return agpu_fail(p->m, AGPU_ERR_LANE_RANGE, "lane %u out of range (program has %u lanes)", lane, p->nlanes);
    if (!r) return agpu_fail(p->m, AGPU_ERR_INVALID_ARGUMENT, "result is NULL");
    const lx_lane *ln = &p->lanes[lane];
    memset(r, 0, sizeof *r);
    r->status = ln->status;
    r->exit_code = ln->exit_code;
    r->signal = ln->signal;
    r->stop = ln->stop;
    r->stop_pc = ln->stop_pc;
    r->instructions = ln->instructions;
    r->syscalls = ln->syscalls;
    r->out = ln->out.p ? ln->out.p : (const uint8_t *)"";
    r->out_len = ln->out.len;
    r->err = ln->err.p ? ln->err.p : (const uint8_t *)"";
    r->err_len = ln->err.len;
    return AGPU_OK;
}

int agpu_linux_syscall_stats(agpu_linux *p, agpu_linux_syscall_count *out, size_t cap, size_t *count)
{
    if (!p) return agpu_fail(NULL, AGPU_ERR_INVALID_ARGUMENT, "program is NULL");
    if (!out && cap) return agpu_fail(p->m, AGPU_ERR_INVALID_ARGUMENT, "out is NULL with cap %zu", cap);
    size_t k = 0;
    for (uint32_t nr = 0; nr <= LX_NR_MAX; nr++) {
        if (!p->stats[nr]) continue;
        if (k < cap) {
            out[k].number = nr;
            out[k].unknown = !p->known[nr];
            out[k].count = p->stats[nr];
        }
        k++;
    }
    if (count) *count = k;
    return AGPU_OK;
}

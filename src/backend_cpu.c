/*
 * backend_cpu.c - the reference backend: lanes run on host threads.
 *
 * Each worker thread owns a contiguous block of lanes and runs them round
 * robin in slices, so a lane that spins on a flag another lane of the same
 * worker will set still lets that lane run.  Lanes never depend on which
 * worker ran them, so results do not depend on the thread count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "a64_exec.h"

/* Instructions a lane runs before its worker moves to the next lane and
 * checks for an interrupt. */
#define CPU_SLICE 4096u

typedef struct cpu_impl {
    uint8_t *shared;
    uint8_t *priv;          /* num_lanes * private_size bytes */
    a64_state *lanes;
    /* One decode cache per worker, kept across executes: it is keyed by the
     * instruction word, so it never goes stale, and the Linux layer calls
     * execute once per round of system calls. */
    a64_dcache *dcaches;
    unsigned n_dcaches;
} cpu_impl;

static cpu_impl *impl_of(agpu_machine *m) { return (cpu_impl *)m->impl; }

static int cpu_create(agpu_machine *m)
{
    cpu_impl *c = calloc(1, sizeof *c);
    if (!c) return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate the cpu backend");
    m->impl = c;
    uint32_t n = m->cfg.num_lanes;
    /* calloc of large sizes maps zero pages lazily: untouched guest memory
     * costs no host memory. */
    if (m->cfg.shared_size && !(c->shared = calloc(1, m->cfg.shared_size)))
        return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate %llu bytes of shared memory",
                         (unsigned long long)m->cfg.shared_size);
    if (m->cfg.private_size) {
        uint64_t total = m->cfg.private_size * n;
        if (total / n != m->cfg.private_size || (size_t)total != total ||
            !(c->priv = calloc(1, (size_t)total)))
            return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY,
                             "cannot allocate %u lanes x %llu bytes of private memory", n,
                             (unsigned long long)m->cfg.private_size);
    }
    if (!(c->lanes = calloc(n, sizeof *c->lanes)))
        return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate state for %u lanes", n);
    return AGPU_OK;
}

static void cpu_destroy(agpu_machine *m)
{
    cpu_impl *c = impl_of(m);
    if (!c) return;
    free(c->shared);
    free(c->priv);
    free(c->lanes);
    free(c->dcaches);
    free(c);
    m->impl = NULL;
}

static uint8_t *region_ptr(agpu_machine *m, int region, uint32_t lane, uint64_t off)
{
    cpu_impl *c = impl_of(m);
    if (region == AGPU_REGION_SHARED) return c->shared + off;
    return c->priv + (size_t)lane * m->cfg.private_size + off;
}

static int cpu_write_mem(agpu_machine *m, int region, uint32_t lane, uint64_t off, const void *p, size_t n)
{
    if (region == AGPU_REGION_PRIVATE && lane == AGPU_ALL_LANES) {
        for (uint32_t l = 0; l < m->cfg.num_lanes; l++) memcpy(region_ptr(m, region, l, off), p, n);
    } else {
        memcpy(region_ptr(m, region, lane, off), p, n);
    }
    return AGPU_OK;
}

static int cpu_read_mem(agpu_machine *m, int region, uint32_t lane, uint64_t off, void *p, size_t n)
{
    memcpy(p, region_ptr(m, region, lane, off), n);
    return AGPU_OK;
}

static int cpu_prot_changed(agpu_machine *m, int region, uint32_t lane, uint64_t first, uint64_t count)
{
    (void)m, (void)region, (void)lane, (void)first, (void)count; /* lanes read the host arrays directly */
    return AGPU_OK;
}

static int cpu_read_state(agpu_machine *m, uint32_t lane, uint32_t count, a64_state *out)
{
    memcpy(out, impl_of(m)->lanes + lane, (size_t)count * sizeof *out);
    return AGPU_OK;
}

static int cpu_write_state(agpu_machine *m, uint32_t lane, uint32_t count, const a64_state *in)
{
    memcpy(impl_of(m)->lanes + lane, in, (size_t)count * sizeof *in);
    return AGPU_OK;
}

typedef struct cpu_job {
    agpu_machine *m;
    a64_mem mem;    /* priv_prot: the whole lanes x pages table */
    uint64_t budget;
    agpu_lane_result *results;
    a64_dcache *dc; /* may be NULL: then every word is decoded */
    uint32_t first, count;
} cpu_job;

/* Runs lane `lane` for at most `budget` instructions: its private memory,
 * and the view of memory with its own row of the private permissions. */
static uint32_t cpu_run_lane(const cpu_job *job, uint32_t lane, uint64_t budget)
{
    agpu_machine *m = job->m;
    cpu_impl *c = impl_of(m);
    a64_mem mem = job->mem;
    a64_mem_for_lane(&mem, lane);
    uint8_t *priv = c->priv ? c->priv + (size_t)lane * m->cfg.private_size : NULL;
    return a64_run(&c->lanes[lane], &mem, priv, budget, job->dc);
}

static void *cpu_worker(void *arg)
{
    cpu_job *job = arg;
    agpu_machine *m = job->m;
    cpu_impl *c = impl_of(m);
    uint32_t n = job->count;
    uint32_t *active = malloc((size_t)n * sizeof *active);
    uint64_t *start = malloc((size_t)n * sizeof *start);
    if (!active || !start) {
        /* Out of memory for the bookkeeping: run lanes one after another. */
        for (uint32_t i = 0; i < n; i++) {
            a64_state *s = &c->lanes[job->first + i];
            uint64_t before = s->icount;
            cpu_run_lane(job, job->first + i, job->budget);
            job->results[job->first + i].instructions = s->icount - before;
        }
        goto done;
    }
    for (uint32_t i = 0; i < n; i++) {
        active[i] = job->first + i;
        start[i] = c->lanes[job->first + i].icount;
    }
    uint32_t live = n;
    while (live) {
        /* With budget 0 no lane would run, interrupted or not.  A lane not
         * yet run (an interrupt asked for before the call) gets the record
         * a64_run would have left, as the cuda backend's empty launch does. */
        if (m->interrupt && job->budget) {
            for (uint32_t i = 0; i < live; i++) {
                a64_state *s = &c->lanes[active[i]];
                memset(&s->stop, 0, sizeof s->stop);
                s->stop.reason = AGPU_STOP_INTERRUPTED;
            }
            break;
        }
        uint32_t kept = 0;
        for (uint32_t i = 0; i < live; i++) {
            uint32_t lane = active[i];
            a64_state *s = &c->lanes[lane];
            uint64_t used = s->icount - start[lane - job->first];
            uint64_t left = job->budget - used;
            uint64_t slice = left < CPU_SLICE ? left : CPU_SLICE;
            uint32_t why = cpu_run_lane(job, lane, slice);
            if (why == AGPU_STOP_MAX_CYCLES && slice < left) active[kept++] = lane;
        }
        live = kept;
    }
    for (uint32_t i = 0; i < n; i++)
        job->results[job->first + i].instructions = c->lanes[job->first + i].icount - start[i];
done:
    free(active);
    free(start);
    return NULL;
}

static int cpu_execute(agpu_machine *m, uint64_t budget, agpu_lane_result *results)
{
    cpu_impl *c = impl_of(m);
    uint32_t n = m->cfg.num_lanes;
    unsigned threads = m->cfg.num_threads ? m->cfg.num_threads : agpu_host_cores();
    if (threads > n) threads = n;
    /* Small runs are not worth a thread start. */
    if ((uint64_t)n * (budget < 1000000 ? budget : 1000000) < 200000) threads = 1;
    if (threads < 1) threads = 1;

    cpu_job *jobs = calloc(threads, sizeof *jobs);
    pthread_t *tids = calloc(threads, sizeof *tids);
    if (!jobs || !tids) {
        free(jobs);
        free(tids);
        return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate %u worker records", threads);
    }
    if (c->n_dcaches < threads) {
        a64_dcache *more = realloc(c->dcaches, threads * sizeof *more);
        if (more) {
            for (unsigned t = c->n_dcaches; t < threads; t++) a64_dcache_init(&more[t]);
            c->dcaches = more;
            c->n_dcaches = threads;
        }
    }
    a64_mem mem;
    agpu_mem_view(m, c->shared, m->shared_prot, m->priv_prot, &mem);
    uint32_t per = n / threads, extra = n % threads, next = 0;
    unsigned started = 0;
    for (unsigned t = 0; t < threads; t++) {
        jobs[t].m = m;
        jobs[t].mem = mem;
        jobs[t].budget = budget;
        jobs[t].results = results;
        jobs[t].dc = t < c->n_dcaches ? &c->dcaches[t] : NULL;
        jobs[t].first = next;
        jobs[t].count = per + (t < extra);
        next += jobs[t].count;
    }
    for (unsigned t = 1; t < threads; t++) {
        if (pthread_create(&tids[t], NULL, cpu_worker, &jobs[t]) != 0) break;
        started = t;
    }
    cpu_worker(&jobs[0]);
    for (unsigned t = 1; t <= started; t++) pthread_join(tids[t], NULL);
    /* Workers that could not be started run here, after the others. */
    for (unsigned t = started + 1; t < threads; t++) cpu_worker(&jobs[t]);
    free(jobs);
    free(tids);
    for (uint32_t l = 0; l < n; l++) {
        results[l].pc = c->lanes[l].pc;
        results[l].stop = c->lanes[l].stop;
    }
    return AGPU_OK;
}

static a64_state *cpu_host_state(agpu_machine *m) { return impl_of(m)->lanes; }

const agpu_backend_ops agpu_cpu_ops = {
    .name = "cpu",
    .create = cpu_create,
    .destroy = cpu_destroy,
    .write_mem = cpu_write_mem,
    .read_mem = cpu_read_mem,
    .prot_changed = cpu_prot_changed,
    .read_state = cpu_read_state,
    .write_state = cpu_write_state,
    .execute = cpu_execute,
    .host_state = cpu_host_state,
};

unsigned agpu_host_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

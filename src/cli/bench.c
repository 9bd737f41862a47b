/*
 * bench.c - `armgpu bench`: how fast this machine runs ARM64 code on each
 * backend, against the emulators a user would otherwise pick.
 *
 * Rules every figure follows (docs/performance.md):
 *  - instructions are the ones the emulator retired (agpu_lane_result
 *    .instructions), never assumed; the peers are credited with libarmgpu's
 *    count for exactly the same code and input;
 *  - one untimed warm-up run, then the median of `repeats` timed runs; only
 *    agpu_execute() (or the peers' runs) is inside the timer;
 *  - every lane's answer is checked (against the host's native build of the
 *    same kernel, or the loop's closed form) on every run, and a wrong
 *    answer rejects the figure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#ifdef ARMGPU_HAVE_BENCH
#include "bench_images.h"
#endif

#ifndef ARMGPU_HAVE_BENCH
int cmd_bench(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "armgpu bench: this armgpu was built without its workloads (the build found no "
                    "aarch64-linux-gnu-as/gcc; install binutils-aarch64-linux-gnu and "
                    "gcc-aarch64-linux-gnu and rebuild)\n");
    return 1;
}
#else

/* The ALU loops store to SLOT_BASE + 8 * lane in shared memory. */
#define SLOT_BASE 0x10000ull
#define KERNEL_BUDGET (1ull << 36)
#define MAX_ROWS 1024

typedef uint64_t (*host_fn)(uint64_t seed, uint64_t n, uint64_t reps, uint64_t *out);

typedef struct workload {
    const char *name;
    int alu;      /* 1: the ALU loop (no host function: closed form) */
    int store;    /* the ALU loop with a STR every iteration */
    host_fn host;
    uint64_t n_quick, n_full; /* kernels: size parameter */
    const char *what;
} workload;

static const workload workloads[] = {
    {"alu", 1, 0, NULL, 0, 0, "add x1,#1; add x2,#3; subs x0,#1; b.ne (4 instructions per iteration)"},
    {"alu-store", 1, 1, NULL, 0, 0, "the ALU loop plus a 64-bit STR to the lane's own address"},
    {"sieve", 0, 0, host_sieve, 32768, 32768, "sieve of Eratosthenes below a per-lane limit"},
    {"crc32", 0, 0, host_crc32, 8192, 32768, "bitwise CRC-32 of per-lane pseudo-random bytes"},
    {"qsort", 0, 0, host_qsort, 4096, 8192, "quicksort of per-lane pseudo-random 32-bit keys"},
    {"matmul", 0, 0, host_matmul, 32, 48, "n x n integer matrix multiply, 64-bit accumulation"},
    {"strhash", 0, 0, host_strhash, 16384, 32768, "FNV-1a of pseudo-random words into a histogram"},
};
#define NWORK (sizeof workloads / sizeof workloads[0])

/* One benchmark: a workload at one size on a list of lane counts. */
typedef struct test {
    const workload *w;
    char label[32];
    uint64_t param;        /* ALU: iterations per lane; kernels: n */
    uint64_t reps;         /* kernels: repetitions inside one call */
    uint32_t lanes[32];
    int nlanes;
    int peers;             /* measure Unicorn and QEMU on it */
} test;

typedef struct row {
    char workload[32];
    char engine[24];      /* cpu, cuda, unicorn, qemu */
    int peer;
    uint32_t lanes;       /* lanes run (peers: lanes or processes run) */
    uint32_t instances;   /* peers: engines or processes at once */
    uint32_t ref_lanes;   /* lanes of the libarmgpu figure it is compared to */
    uint64_t instructions;
    double seconds;       /* median */
    double min_s, max_s;
    int runs;
    double ips;
    double ratio;         /* ips / best libarmgpu ips of the same workload at ref_lanes */
    char note[96];
} row;

typedef struct opts {
    int full;
    agpu_backend backends[2];
    int nbackends;
    const char *workload_filter;
    uint32_t lanes[32];
    int nlanes;
    const char *json, *plot;
    const char *peer_dir;
    int no_peers;
    unsigned repeats;
    unsigned threads;
    double peer_seconds; /* QEMU: target wall time per timed run */
} opts;

static row rows[MAX_ROWS];
static int nrows;
static int progress_tty;
static int progress_step, progress_total;
static char peer_status_unicorn[640] = "not run", peer_status_qemu[640] = "not run";

static void progress(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (progress_tty) fprintf(stderr, "\r\033[K[bench %d/%d] %s", progress_step, progress_total, buf);
    else fprintf(stderr, "[bench %d/%d] %s\n", progress_step, progress_total, buf);
    fflush(stderr);
}

static void progress_clear(void)
{
    if (progress_tty) fprintf(stderr, "\r\033[K");
}

static const bench_image *find_image(const char *name)
{
    for (const bench_image *b = bench_images; b->name; b++)
        if (!strcmp(b->name, name)) return b;
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static row *new_row(const test *t, const char *engine, int peer, uint32_t lanes)
{
    if (nrows >= MAX_ROWS) {
        fprintf(stderr, "armgpu bench: more than %d rows\n", MAX_ROWS);
        exit(1);
    }
    row *r = &rows[nrows++];
    memset(r, 0, sizeof *r);
    snprintf(r->workload, sizeof r->workload, "%s", t->label);
    snprintf(r->engine, sizeof r->engine, "%s", engine);
    r->peer = peer;
    r->lanes = lanes;
    r->ref_lanes = lanes;
    return r;
}

static void set_times(row *r, double *secs, int n)
{
    r->runs = n;
    r->min_s = r->max_s = secs[0];
    for (int i = 1; i < n; i++) {
        if (secs[i] < r->min_s) r->min_s = secs[i];
        if (secs[i] > r->max_s) r->max_s = secs[i];
    }
    r->seconds = median(secs, n);
    r->ips = r->seconds > 0 ? (double)r->instructions / r->seconds : 0;
}

/* ------------------------------------------------------ lane arguments */

static uint64_t lane_seed(uint32_t lane) { return (uint64_t)lane + 1; }

/* X0-X3 of one lane: bench_entry(seed, n, reps, store address). */
static void lane_args(const test *t, uint64_t param, uint64_t reps, uint32_t lane, uint64_t x[4])
{
    x[0] = lane_seed(lane);
    x[1] = param;
    x[2] = t->w->alu ? 1 : reps;
    x[3] = t->w->store ? SLOT_BASE + 8ull * lane : 0;
}

static uint64_t lane_sp(const test *t) { return t->w->alu ? 0 : BENCH_PRIVATE_BASE + BENCH_PRIVATE_SIZE; }

/* ------------------------------------------------- host answers (cached) */

typedef struct expect_cache {
    const test *t;
    uint64_t *v;
    uint32_t have;
} expect_cache;

static expect_cache ecache[16];

typedef struct expect_job {
    const test *t;
    uint64_t *v;
    uint32_t from, to, step;
} expect_job;

static void *expect_worker(void *arg)
{
    expect_job *j = arg;
    for (uint32_t l = j->from; l < j->to; l += j->step)
        j->v[l] = j->t->w->host(lane_seed(l), j->t->param, j->t->reps, NULL);
    return NULL;
}

/* The host's answers for lanes [0, lanes) of a kernel test, computed in
 * parallel on the host cores (the kernels' buffers are thread-local there). */
static const uint64_t *expected(const test *t, uint32_t lanes)
{
    expect_cache *c = NULL;
    for (int i = 0; i < 16; i++) {
        if (ecache[i].t == t || !ecache[i].t) {
            c = &ecache[i];
            break;
        }
    }
    if (!c) {
        c = &ecache[0];
        free(c->v);
        memset(c, 0, sizeof *c);
    }
    if (c->t == t && c->have >= lanes) return c->v;
    uint64_t *v = realloc(c->t == t ? c->v : NULL, (size_t)lanes * sizeof *v);
    if (!v) {
        fprintf(stderr, "armgpu bench: out of memory for %u answers\n", lanes);
        exit(1);
    }
    uint32_t from = c->t == t ? c->have : 0;
    unsigned nt = cli_cores();
    if (nt > 64) nt = 64;
    pthread_t tid[64];
    expect_job jobs[64];
    for (unsigned i = 0; i < nt; i++) {
        jobs[i] = (expect_job){t, v, from + i, lanes, nt};
        if (pthread_create(&tid[i], NULL, expect_worker, &jobs[i])) expect_worker(&jobs[i]), tid[i] = 0;
    }
    for (unsigned i = 0; i < nt; i++)
        if (tid[i]) pthread_join(tid[i], NULL);
    c->t = t;
    c->v = v;
    c->have = lanes;
    return v;
}

/* ------------------------------------------------------------ libarmgpu */

typedef struct agpu_run {
    agpu_machine *m;
    agpu_lane_result *res;
    uint64_t *x[4];
    uint64_t *out;
    uint64_t *slots;
    uint32_t lanes;
} agpu_run;

static void run_free(agpu_run *r)
{
    agpu_destroy(r->m);
    free(r->res);
    for (int i = 0; i < 4; i++) free(r->x[i]);
    free(r->out);
    free(r->slots);
    memset(r, 0, sizeof *r);
}

static int run_setup(agpu_run *r, agpu_backend b, unsigned threads, const test *t, uint64_t param,
                     uint64_t reps, uint32_t lanes, char *why, size_t why_len)
{
    memset(r, 0, sizeof *r);
    const bench_image *img = find_image(t->w->name);
    if (!img) {
        snprintf(why, why_len, "no image for workload %s", t->w->name);
        return -1;
    }
    agpu_config cfg;
    agpu_config_init(&cfg);
    cfg.num_lanes = lanes;
    uint64_t shared = SLOT_BASE + 8ull * lanes;
    cfg.shared_size = (shared + AGPU_PAGE_SIZE - 1) / AGPU_PAGE_SIZE * AGPU_PAGE_SIZE;
    if (!t->w->alu) {
        cfg.private_base = BENCH_PRIVATE_BASE;
        cfg.private_size = BENCH_PRIVATE_SIZE;
    }
    cfg.backend = b;
    cfg.num_threads = threads;
    if (agpu_create(&cfg, &r->m) != AGPU_OK) {
        snprintf(why, why_len, "%s", agpu_last_error(NULL));
        return -1;
    }
    r->lanes = lanes;
    r->res = malloc((size_t)lanes * sizeof *r->res);
    r->out = malloc((size_t)lanes * sizeof *r->out);
    r->slots = t->w->store ? malloc((size_t)lanes * 8) : NULL;
    for (int i = 0; i < 4; i++) r->x[i] = malloc((size_t)lanes * sizeof(uint64_t));
    if (!r->res || !r->out || !r->x[0] || !r->x[1] || !r->x[2] || !r->x[3] || (t->w->store && !r->slots)) {
        snprintf(why, why_len, "out of memory for %u lanes", lanes);
        run_free(r);
        return -1;
    }
    for (uint32_t l = 0; l < lanes; l++) {
        uint64_t x[4];
        lane_args(t, param, reps, l, x);
        for (int i = 0; i < 4; i++) r->x[i][l] = x[i];
    }
    if (agpu_load(r->m, 0, img->flat, img->flat_len) != AGPU_OK) {
        snprintf(why, why_len, "%s", agpu_last_error(r->m));
        run_free(r);
        return -1;
    }
    return 0;
}

/* One agpu_execute() of every lane from the start; returns its seconds or
 * a negative value with why set. */
static double run_once(agpu_run *r, const test *t, uint64_t budget, char *why, size_t why_len)
{
    agpu_machine *m = r->m;
    int rc = agpu_fill_reg(m, AGPU_REG_PC, 0);
    for (int i = 0; i < 4 && !rc; i++) rc = agpu_set_reg_all(m, (agpu_reg)(AGPU_REG_X0 + i), r->x[i]);
    if (!rc) rc = agpu_fill_reg(m, AGPU_REG_SP, lane_sp(t));
    if (!rc) rc = agpu_fill_reg(m, AGPU_REG_NZCV, 0);
    if (!rc && t->w->store) {
        memset(r->slots, 0, (size_t)r->lanes * 8);
        rc = agpu_write_memory(m, 0, SLOT_BASE, r->slots, (size_t)r->lanes * 8);
    }
    double t0 = cli_now();
    if (!rc) rc = agpu_execute(m, budget, r->res);
    double secs = cli_now() - t0;
    if (!rc) rc = agpu_get_reg_all(m, AGPU_REG_X0, r->out);
    if (!rc && t->w->store) rc = agpu_read_memory(m, 0, SLOT_BASE, r->slots, (size_t)r->lanes * 8);
    if (rc) {
        snprintf(why, why_len, "%s", agpu_last_error(m));
        return -1;
    }
    return secs;
}

/* Checks every lane's stop and answer; 0 or -1 with why naming the first
 * wrong lane. */
static int run_check(agpu_run *r, const test *t, uint64_t param, uint64_t reps, const uint64_t *want,
                     char *why, size_t why_len)
{
    for (uint32_t l = 0; l < r->lanes; l++) {
        const agpu_lane_result *res = &r->res[l];
        if (res->stop.reason != AGPU_STOP_HALT || res->pc != BENCH_HALT_PC) {
            char s[160];
            agpu_format_stop(&res->stop, res->pc, s, sizeof s);
            snprintf(why, why_len, "lane %u did not halt at 0x%x: %s", l, BENCH_HALT_PC, s);
            return -1;
        }
        uint64_t expect;
        if (t->w->alu) {
            uint64_t per = t->w->store ? 5 : 4;
            expect = 3 * param;
            if (res->instructions != per * param + 6) {
                snprintf(why, why_len, "lane %u retired %llu instructions, the loop is %llu", l,
                         (unsigned long long)res->instructions, (unsigned long long)(per * param + 6));
                return -1;
            }
            if (t->w->store && r->slots[l] != param) {
                snprintf(why, why_len, "lane %u stored %llu, expected %llu", l,
                         (unsigned long long)r->slots[l], (unsigned long long)param);
                return -1;
            }
        } else {
            expect = want[l] * (reps / t->reps); /* reps is always a multiple of t->reps */
        }
        if (r->out[l] != expect) {
            snprintf(why, why_len, "lane %u answered 0x%llx, the host computes 0x%llx", l,
                     (unsigned long long)r->out[l], (unsigned long long)expect);
            return -1;
        }
    }
    return 0;
}

/* Measures one test at one lane count on one backend: a row, and each
 * lane's retired count in counts (may be NULL).  Returns the row or NULL. */
static row *measure_agpu(const opts *o, agpu_backend b, const test *t, uint32_t lanes, uint64_t *counts)
{
    const char *bname = agpu_backend_name(b);
    row *rw = new_row(t, bname, 0, lanes);
    char why[512] = "";
    agpu_run r;
    const uint64_t *want = t->w->alu ? NULL : expected(t, lanes);
    if (run_setup(&r, b, o->threads, t, t->param, t->reps, lanes, why, sizeof why)) {
        snprintf(rw->note, sizeof rw->note, "FAILED: %.80s", why);
        fprintf(stderr, "\narmgpu bench: %s on %s, %u lanes: %s\n", t->label, bname, lanes, why);
        return NULL;
    }
    uint64_t budget = t->w->alu ? (t->w->store ? 5 : 4) * t->param + 100 : KERNEL_BUDGET;
    double secs[64];
    uint64_t total = 0;
    for (unsigned k = 0; k <= o->repeats; k++) {
        progress("%s on %s, %u lanes: %s %u/%u", t->label, bname, lanes, k ? "run" : "warm-up",
                 k, o->repeats);
        double s = run_once(&r, t, budget, why, sizeof why);
        if (s < 0 || run_check(&r, t, t->param, t->reps, want, why, sizeof why)) {
            progress_clear();
            fprintf(stderr, "armgpu bench: %s on %s, %u lanes REJECTED: %s\n", t->label, bname, lanes, why);
            snprintf(rw->note, sizeof rw->note, "REJECTED: %.80s", why);
            rw->instructions = 0;
            run_free(&r);
            return NULL;
        }
        uint64_t sum = 0;
        for (uint32_t l = 0; l < lanes; l++) sum += r.res[l].instructions;
        if (k == 0) {
            total = sum;
            if (counts)
                for (uint32_t l = 0; l < lanes; l++) counts[l] = r.res[l].instructions;
        } else {
            if (sum != total) {
                snprintf(rw->note, sizeof rw->note, "REJECTED: counts differ between runs");
                run_free(&r);
                return NULL;
            }
            secs[k - 1] = s;
        }
    }
    rw->instructions = total;
    set_times(rw, secs, (int)o->repeats);
    run_free(&r);
    return rw;
}

/* Per-lane retired counts and answers of lanes [0, lanes) at (param, reps)
 * on the cpu backend: what the peers are credited with. */
static int agpu_counts(const test *t, uint64_t param, uint64_t reps, uint32_t lanes, uint64_t *counts,
                       char *why, size_t why_len)
{
    agpu_run r;
    if (run_setup(&r, AGPU_BACKEND_CPU, 0, t, param, reps, lanes, why, why_len)) return -1;
    uint64_t budget = t->w->alu ? (t->w->store ? 5 : 4) * param + 100 : KERNEL_BUDGET;
    const uint64_t *want = t->w->alu ? NULL : expected(t, lanes);
    int rc = 0;
    if (run_once(&r, t, budget, why, why_len) < 0) rc = -1;
    else if (t->w->alu || reps % t->reps == 0) rc = run_check(&r, t, param, reps, want, why, why_len);
    for (uint32_t l = 0; !rc && l < lanes; l++) counts[l] = r.res[l].instructions;
    run_free(&r);
    return rc;
}

/* -------------------------------------------------------------- peers */

static double best_agpu_ips(const char *label, uint32_t lanes)
{
    double best = 0;
    for (int i = 0; i < nrows; i++)
        if (!rows[i].peer && rows[i].lanes == lanes && !strcmp(rows[i].workload, label) &&
            rows[i].ips > best && rows[i].instructions)
            best = rows[i].ips;
    return best;
}

static void measure_unicorn(const opts *o, uc_lib *u, const test *t, uint32_t lanes, const uint64_t *counts)
{
    unsigned cores = cli_cores();
    /* Unicorn runs a sample of the lanes (at most 8 per core in the quick
     * suite, 32 in the full one), credited with libarmgpu's counts. */
    uint32_t cap = cores * (o->full ? 32 : 8);
    uint32_t n = lanes < cap ? lanes : cap;
    /* Long ALU runs: one lane per core is enough (the loop is the same). */
    if (t->w->alu && t->param * (t->w->store ? 5 : 4) >= 5000000) n = n < cores ? n : cores;
    const bench_image *img = find_image(t->w->name);
    uc_lane *ln = calloc(n, sizeof *ln);
    if (!ln || !img) return;
    uint64_t instr = 0;
    for (uint32_t l = 0; l < n; l++) {
        lane_args(t, t->param, t->reps, l, ln[l].x);
        ln[l].sp = lane_sp(t);
        ln[l].slot_addr = t->w->store ? SLOT_BASE + 8ull * l : 0;
        instr += counts[l];
    }
    uc_job job = {
        .image = img->flat,
        .image_len = img->flat_len,
        .shared_size = (SLOT_BASE + 8ull * n + AGPU_PAGE_SIZE - 1) / AGPU_PAGE_SIZE * AGPU_PAGE_SIZE,
        .data_base = SLOT_BASE,
        .private_base = t->w->alu ? 0 : BENCH_PRIVATE_BASE,
        .private_size = t->w->alu ? 0 : BENCH_PRIVATE_SIZE,
        .until = BENCH_HALT_PC,
        .lanes = ln,
        .nlanes = n,
        .instances = cores,
        .repeats = o->repeats,
    };
    double secs[64];
    char why[256];
    progress("%s on unicorn x%u, %u lanes", t->label, job.instances < n ? job.instances : n, n);
    row *rw = new_row(t, "unicorn", 1, n);
    rw->ref_lanes = lanes;
    if (uc_run_job(u, &job, secs, why, sizeof why)) {
        snprintf(rw->note, sizeof rw->note, "FAILED: %.80s", why);
        snprintf(peer_status_unicorn, sizeof peer_status_unicorn, "failed: %s", why);
        free(ln);
        return;
    }
    rw->instances = job.instances;
    const uint64_t *want = t->w->alu ? NULL : expected(t, n);
    for (uint32_t l = 0; l < n; l++) {
        uint64_t expect = t->w->alu ? 3 * t->param : want[l];
        if (!ln[l].ok || ln[l].result != expect || (t->w->store && ln[l].slot != t->param)) {
            snprintf(rw->note, sizeof rw->note, "REJECTED: lane %u answered 0x%llx, host 0x%llx", l,
                     (unsigned long long)ln[l].result, (unsigned long long)expect);
            free(ln);
            return;
        }
    }
    rw->instructions = instr;
    set_times(rw, secs, (int)o->repeats);
    double base = best_agpu_ips(t->label, lanes);
    rw->ratio = base > 0 ? rw->ips / base : 0;
    if (n < lanes) snprintf(rw->note, sizeof rw->note, "first %u of the %u lanes", n, lanes);
    free(ln);
}

static char qemu_path[512];
static char qemu_tmp[64];

static void measure_qemu(const opts *o, const test *t, uint32_t ref_lanes)
{
    unsigned procs = cli_cores();
    const bench_image *img = find_image(t->w->name);
    char why[512] = "";
    row *rw = new_row(t, "qemu", 1, procs);
    rw->ref_lanes = ref_lanes;
    rw->instances = procs;
    uint64_t *seed = calloc(procs, 8), *res = calloc(procs, 8), *c[3] = {calloc(procs, 8), calloc(procs, 8),
                                                                         calloc(procs, 8)};
    uint64_t *want = calloc(procs, 8);
    char elf[128];
    snprintf(elf, sizeof elf, "%s/%s", qemu_tmp, t->w->name);
    FILE *f = fopen(elf, "wb");
    if (!f || fwrite(img->elf, 1, img->elf_len, f) != img->elf_len || fclose(f) || chmod(elf, 0755)) {
        snprintf(rw->note, sizeof rw->note, "FAILED: cannot write %.60s", elf);
        goto out;
    }
    for (unsigned p = 0; p < procs; p++) seed[p] = lane_seed(p);
    /* The count is linear in the scale parameter P (ALU: iterations;
     * kernels: repetitions of the same call): count(P) = c1 + (P-1)(c2-c1),
     * with c1, c2 (and c3, to prove the line) retired by libarmgpu. */
    for (int k = 0; k < 3; k++) {
        uint64_t P = (uint64_t)k + 1;
        if (agpu_counts(t, t->w->alu ? P : t->param, t->w->alu ? 1 : P * t->reps, procs, c[k], why,
                        sizeof why)) {
            snprintf(rw->note, sizeof rw->note, "FAILED: counting: %.70s", why);
            goto out;
        }
    }
    for (unsigned p = 0; p < procs; p++) {
        if (c[2][p] - c[1][p] != c[1][p] - c[0][p]) {
            snprintf(rw->note, sizeof rw->note, "FAILED: instruction count not linear in repetitions");
            goto out;
        }
    }
    if (!t->w->alu) {
        const uint64_t *e = expected(t, procs);
        for (unsigned p = 0; p < procs; p++) want[p] = e[p];
    }
    /* Calibrate: a warm-up of about 50M instructions per process, then a
     * scale that makes each timed run last about o->peer_seconds. */
    uint64_t per = c[1][0] - c[0][0];
    uint64_t P = per ? 50000000 / per : 1;
    if (P < 1) P = 1;
    double secs[64];
    for (unsigned k = 0; k <= o->repeats; k++) {
        progress("%s on qemu x%u: %s %u/%u", t->label, procs, k ? "run" : "warm-up", k, o->repeats);
        uint64_t n = t->w->alu ? P : t->param, reps = t->w->alu ? 1 : P * t->reps;
        double s = qemu_run(qemu_path, elf, procs, seed, n, reps, res, why, sizeof why);
        if (s < 0) {
            snprintf(rw->note, sizeof rw->note, "FAILED: %.80s", why);
            snprintf(peer_status_qemu, sizeof peer_status_qemu, "failed: %s", why);
            goto out;
        }
        for (unsigned p = 0; p < procs; p++) {
            uint64_t expect = t->w->alu ? 3 * P : want[p] * P;
            if (res[p] != expect) {
                snprintf(rw->note, sizeof rw->note, "REJECTED: process %u answered 0x%llx, host 0x%llx", p,
                         (unsigned long long)res[p], (unsigned long long)expect);
                goto out;
            }
        }
        if (k == 0) {
            double scale = s > 0 ? o->peer_seconds / s : 1;
            if (scale > 1) P = (uint64_t)((double)P * scale);
            uint64_t instr = 0;
            for (unsigned p = 0; p < procs; p++) instr += c[0][p] + (P - 1) * (c[1][p] - c[0][p]);
            rw->instructions = instr;
        } else {
            secs[k - 1] = s;
        }
    }
    set_times(rw, secs, (int)o->repeats);
    {
        double base = best_agpu_ips(t->label, ref_lanes);
        rw->ratio = base > 0 ? rw->ips / base : 0;
    }
    snprintf(rw->note, sizeof rw->note, "%u processes, scale %llu", procs, (unsigned long long)P);
    unlink(elf);
    free(seed), free(res), free(want);
    for (int k = 0; k < 3; k++) free(c[k]);
    return;
out:
    rw->instructions = 0;
    unlink(elf);
    free(seed), free(res), free(want);
    for (int k = 0; k < 3; k++) free(c[k]);
}

/* ---------------------------------------------------------- the suite */

static int add_lanes(test *t, uint32_t l)
{
    for (int i = 0; i < t->nlanes; i++)
        if (t->lanes[i] == l) return 0;
    if (t->nlanes < 32) t->lanes[t->nlanes++] = l;
    return 0;
}

/* Lanes that fill the backend: cpu, 64 per host core (each core then
 * round-robins many lanes, as a GPU SM does warps); cuda, 2048 resident
 * threads on each of an H100's 132 SMs. */
static uint32_t occupancy(agpu_backend b)
{
    if (b == AGPU_BACKEND_CUDA) return 132u * 2048u;
    return cli_cores() * 64u;
}

static int build_suite(const opts *o, agpu_backend b, test *tests, int max)
{
    int n = 0;
    static const uint32_t scale[] = {1, 8, 16, 32, 64, 128};
    uint32_t occ = occupancy(b);
    for (size_t wi = 0; wi < NWORK; wi++) {
        const workload *w = &workloads[wi];
        if (o->workload_filter) {
            /* comma-separated names */
            const char *p = o->workload_filter;
            int hit = 0;
            size_t len = strlen(w->name);
            while (*p) {
                const char *e = strchr(p, ',');
                size_t l = e ? (size_t)(e - p) : strlen(p);
                if (l == len && !strncmp(p, w->name, l)) hit = 1;
                p += l + (e != NULL);
            }
            if (!hit) continue;
        }
        if (w->alu) {
            /* The lane-scaling table at 1M instructions per lane, then the
             * budget table: 10M (and 100M in --full) at 32 lanes. */
            uint64_t sizes[3] = {1000000, 10000000, 100000000};
            int nsizes = o->full ? 3 : 2;
            for (int s = 0; s < nsizes && n < max; s++) {
                test *t = &tests[n++];
                memset(t, 0, sizeof *t);
                t->w = w;
                t->param = (sizes[s] - 6) / (w->store ? 5 : 4);
                t->reps = 1;
                snprintf(t->label, sizeof t->label, "%s/%lluM", w->name, (unsigned long long)(sizes[s] / 1000000));
                if (o->nlanes) {
                    for (int i = 0; i < o->nlanes; i++) add_lanes(t, o->lanes[i]);
                } else if (s == 0) {
                    for (size_t i = 0; i < sizeof scale / sizeof scale[0]; i++) add_lanes(t, scale[i]);
                    for (uint32_t l = 256; l <= occ; l *= (b == AGPU_BACKEND_CUDA ? 4 : 2)) add_lanes(t, l);
                    if (occ > 128) add_lanes(t, occ);
                } else {
                    add_lanes(t, 32);
                    /* 10M at full occupancy too; 100M there would take minutes. */
                    if (o->full && b == AGPU_BACKEND_CUDA && s == 1) add_lanes(t, occ);
                }
                t->peers = 1;
            }
        } else if (n < max) {
            test *t = &tests[n++];
            memset(t, 0, sizeof *t);
            t->w = w;
            t->param = o->full ? w->n_full : w->n_quick;
            t->reps = 1;
            snprintf(t->label, sizeof t->label, "%s", w->name);
            if (o->nlanes) {
                for (int i = 0; i < o->nlanes; i++) add_lanes(t, o->lanes[i]);
            } else if (b == AGPU_BACKEND_CUDA) {
                add_lanes(t, 1);
                add_lanes(t, 1024);
                add_lanes(t, o->full ? 65536 : 16384);
            } else {
                if (o->full) add_lanes(t, 1);
                add_lanes(t, o->full ? occ : 64);
            }
            t->peers = 1;
        }
    }
    return n;
}

/* ---------------------------------------------------------- reporting */

static void fmt_si(char *buf, size_t len, double v)
{
    const char *u = "";
    if (v >= 1e12) v /= 1e12, u = "T";
    else if (v >= 1e9) v /= 1e9, u = "G";
    else if (v >= 1e6) v /= 1e6, u = "M";
    else if (v >= 1e3) v /= 1e3, u = "K";
    snprintf(buf, len, "%.3g%s", v, u);
}

static void print_table(FILE *f)
{
    fprintf(f, "%-16s %-12s %8s %14s %10s %12s %9s  %s\n", "workload", "engine", "lanes", "instructions",
            "seconds", "instr/s", "vs agpu", "note");
    const char *last = "";
    for (int i = 0; i < nrows; i++) {
        row *r = &rows[i];
        char ips[32], eng[32], ratio[32];
        if (strcmp(last, r->workload) && i) fprintf(f, "\n");
        last = r->workload;
        fmt_si(ips, sizeof ips, r->ips);
        if (r->peer) snprintf(eng, sizeof eng, "%s x%u", r->engine, r->instances);
        else snprintf(eng, sizeof eng, "%s", r->engine);
        if (!r->instructions) {
            fprintf(f, "%-16s %-12s %8u %14s %10s %12s %9s  %s\n", r->workload, eng, r->lanes, "-", "-", "-",
                    "-", r->note);
            continue;
        }
        if (r->peer && r->ratio > 0) snprintf(ratio, sizeof ratio, "%.3gx", r->ratio);
        else if (!r->peer) {
            double best = best_agpu_ips(r->workload, r->lanes);
            snprintf(ratio, sizeof ratio, "%.3gx", best > 0 ? r->ips / best : 0);
        } else snprintf(ratio, sizeof ratio, "-");
        fprintf(f, "%-16s %-12s %8u %14llu %10.4f %12s %9s  %s\n", r->workload, eng, r->lanes,
                (unsigned long long)r->instructions, r->seconds, ips, ratio, r->note);
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", *s);
        else fputc(*s, f);
    }
    fputc('"', f);
}

static void read_first_line(const char *cmd, char *out, size_t len)
{
    out[0] = 0;
    FILE *p = popen(cmd, "r");
    if (!p) return;
    if (fgets(out, (int)len, p)) out[strcspn(out, "\r\n")] = 0;
    pclose(p);
}

typedef struct machine_desc {
    char cpu[256], gpu[256], cuda[256], os[256], date[64], commit[64];
    unsigned cores;
    unsigned long long mem_kib;
} machine_desc;

static void describe_machine(machine_desc *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->cpu, sizeof d->cpu, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "model name", 10)) {
            char *c = strchr(line, ':');
            if (c) {
                c++;
                while (*c == ' ') c++;
                c[strcspn(c, "\n")] = 0;
                snprintf(d->cpu, sizeof d->cpu, "%s", c);
            }
            break;
        }
    }
    if (f) fclose(f);
    f = fopen("/proc/meminfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemTotal: %llu kB", &d->mem_kib) == 1) break;
    if (f) fclose(f);
    d->cores = cli_cores();
    read_first_line("nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null",
                    d->gpu, sizeof d->gpu);
    if (agpu_backend_available(AGPU_BACKEND_CUDA, d->cuda, sizeof d->cuda) == AGPU_OK && !d->cuda[0])
        snprintf(d->cuda, sizeof d->cuda, "available");
    struct utsname u;
    if (!uname(&u)) snprintf(d->os, sizeof d->os, "%s %s %s", u.sysname, u.release, u.machine);
    time_t now = time(NULL);
    strftime(d->date, sizeof d->date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    read_first_line("git -C '" ARMGPU_SOURCE_DIR "' rev-parse --short=12 HEAD 2>/dev/null", d->commit,
                    sizeof d->commit);
    if (d->commit[0]) {
        char dirty[16];
        read_first_line("git -C '" ARMGPU_SOURCE_DIR "' status --porcelain --untracked-files=no 2>/dev/null | head -1 | wc -l",
                        dirty, sizeof dirty);
        if (atoi(dirty) > 0) strncat(d->commit, "-dirty", sizeof d->commit - strlen(d->commit) - 1);
    } else {
        snprintf(d->commit, sizeof d->commit, "unknown");
    }
}

static int mkdir_for(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) return 0;
    *slash = 0;
    for (char *p = dir + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(dir, 0755);
            *p = '/';
        }
    }
    if (mkdir(dir, 0755) && errno != EEXIST) return -1;
    return 0;
}

/* complete = 0 marks a checkpoint: the file is rewritten after every
 * workload, so a run cut short (a time limit, Ctrl-C) keeps every figure
 * measured so far. */
static int write_json(const char *path, const machine_desc *d, const opts *o, const char *cmdline,
                      double total_s, const char *backends, int complete)
{
    if (mkdir_for(path)) {
        fprintf(stderr, "armgpu bench: cannot create the folder of %s: %s\n", path, strerror(errno));
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "armgpu bench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "{\n  \"tool\": \"armgpu bench\",\n  \"version\": ");
    json_str(f, agpu_version());
    fprintf(f, ",\n  \"command\": ");
    json_str(f, cmdline);
    fprintf(f, ",\n  \"suite\": \"%s\",\n  \"repeats\": %u,\n  \"backends\": ", o->full ? "full" : "quick",
            o->repeats);
    json_str(f, backends);
    fprintf(f, ",\n  \"complete\": %s,\n  \"total_seconds\": %.3f,\n  \"machine\": {\n    \"cpu\": ",
            complete ? "true" : "false", total_s);
    json_str(f, d->cpu);
    fprintf(f, ",\n    \"host_cores\": %u,\n    \"memory_kib\": %llu,\n    \"gpu\": ", d->cores, d->mem_kib);
    if (d->gpu[0]) json_str(f, d->gpu);
    else fprintf(f, "null");
    fprintf(f, ",\n    \"cuda_backend\": ");
    json_str(f, d->cuda);
    fprintf(f, ",\n    \"os\": ");
    json_str(f, d->os);
    fprintf(f, "\n  },\n  \"date\": ");
    json_str(f, d->date);
    fprintf(f, ",\n  \"git_commit\": ");
    json_str(f, d->commit);
    fprintf(f, ",\n  \"peers\": {\"unicorn\": ");
    json_str(f, peer_status_unicorn);
    fprintf(f, ", \"qemu\": ");
    json_str(f, peer_status_qemu);
    fprintf(f, "},\n  \"workloads\": {");
    for (size_t i = 0; i < NWORK; i++) {
        fprintf(f, "%s\n    ", i ? "," : "");
        json_str(f, workloads[i].name);
        fprintf(f, ": ");
        json_str(f, workloads[i].what);
    }
    fprintf(f, "\n  },\n  \"rows\": [");
    for (int i = 0; i < nrows; i++) {
        row *r = &rows[i];
        fprintf(f, "%s\n    {\"workload\": ", i ? "," : "");
        json_str(f, r->workload);
        fprintf(f, ", \"engine\": ");
        json_str(f, r->engine);
        fprintf(f, ", \"kind\": \"%s\", \"lanes\": %u, \"instances\": %u, \"ref_lanes\": %u, "
                   "\"instructions\": %llu, \"seconds\": %.6f, \"seconds_min\": %.6f, \"seconds_max\": %.6f, "
                   "\"runs\": %d, \"instructions_per_second\": %.6g, \"ratio_to_libarmgpu\": %.6g, "
                   "\"valid\": %s, \"note\": ",
                r->peer ? "peer" : "libarmgpu", r->lanes, r->instances, r->ref_lanes,
                (unsigned long long)r->instructions, r->seconds, r->min_s, r->max_s, r->runs, r->ips,
                r->peer ? r->ratio : (best_agpu_ips(r->workload, r->lanes) > 0 ? r->ips / best_agpu_ips(r->workload, r->lanes) : 0),
                r->instructions ? "true" : "false");
        json_str(f, r->note);
        fprintf(f, "}");
    }
    fprintf(f, "\n  ]\n}\n");
    return fclose(f);
}

static const char *plot_script(void)
{
    static char path[1024];
    const char *env = getenv("ARMGPU_PLOT_SCRIPT");
    if (env && !access(env, R_OK)) return env;
    char exe[900];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *s = strrchr(exe, '/');
        if (s) {
            *s = 0;
            snprintf(path, sizeof path, "%s/../share/armgpu/plot.py", exe);
            if (!access(path, R_OK)) return path;
        }
    }
    snprintf(path, sizeof path, "%s", ARMGPU_SOURCE_DIR "/bench/plot.py");
    if (!access(path, R_OK)) return path;
    snprintf(path, sizeof path, "%s", ARMGPU_DATADIR "/plot.py");
    if (!access(path, R_OK)) return path;
    return NULL;
}

static void make_plot(const char *json, const char *png)
{
    const char *script = plot_script();
    if (!script) {
        fprintf(stderr, "armgpu bench: plot.py not found (set ARMGPU_PLOT_SCRIPT); no plot\n");
        return;
    }
    if (mkdir_for(png)) return;
    const char *py = access("/usr/bin/python3", X_OK) ? "python3" : "/usr/bin/python3";
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' '%s'", py, script, json, png);
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "armgpu bench: the plot failed (%s exited %d)\n", script, rc);
    else printf("plot: %s\n", png);
}

/* ---------------------------------------------------------------- main */

static void bench_usage(FILE *f)
{
    fprintf(f,
            "usage: armgpu bench [options]\n"
            "\n"
            "Runs the benchmark suite on the best available backend (cuda with a usable\n"
            "GPU, else cpu) and, when installed, on the peers Unicorn and QEMU user mode\n"
            "(one engine or process per host core); prints a table, writes a JSON file\n"
            "with every figure and the machine, and a PNG plot.  The quick suite takes\n"
            "under two minutes on a 2-core machine.\n"
            "\n"
            "  --full               the long suite: 100M-instruction ALU runs, larger kernel\n"
            "                       inputs, lane counts up to full occupancy, 5 repeats\n"
            "  --backend B[,B]      auto, cpu, cuda or all (every available backend)\n"
            "  --workload W[,W]     some of: alu alu-store sieve crc32 qsort matmul strhash\n"
            "  --lanes N[,N]        lane counts to run instead of the suite's\n"
            "  --repeats N          timed runs per figure, after one warm-up (default 3; 5 with --full)\n"
            "  --threads N          cpu backend worker threads (default: one per host core)\n"
            "  --json PATH          where the JSON goes (default bench-results/bench.json)\n"
            "  --plot PATH          where the PNG goes (default bench-results/bench.png)\n"
            "  --no-plot            no PNG\n"
            "  --peer-dir DIR       look for qemu-aarch64-static and libunicorn.so.2 here first\n"
            "                       (bench/fetch_peers.sh fills one); also $ARMGPU_PEER_DIR\n"
            "  --no-peers           libarmgpu only\n"
            "  --peer-seconds S     wall time of each timed QEMU run (default 0.5; 3 with --full)\n"
            "\n"
            "'vs agpu' is a row's instructions per second divided by the best libarmgpu\n"
            "backend's on the same workload at the lane count it is compared with.\n");
}

static int parse_list(const char *s, uint32_t *out, int max)
{
    int n = 0;
    while (*s) {
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (end == s || v < 1 || v > AGPU_MAX_LANES || n >= max) return -1;
        out[n++] = (uint32_t)v;
        s = end;
        if (*s == ',') s++;
        else if (*s) return -1;
    }
    return n;
}

int cmd_bench(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    o.json = "bench-results/bench.json";
    o.plot = "bench-results/bench.png";
    o.peer_dir = getenv("ARMGPU_PEER_DIR");
    int no_plot = 0, repeats_set = 0, peer_s_set = 0;
    const char *backend_arg = "auto";
    char cmdline[1024] = "armgpu";
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(cmdline);
        snprintf(cmdline + l, sizeof cmdline - l, " %s", argv[i]);
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
#define VAL(name) ((!strcmp(a, name) && i + 1 < argc) ? (v = argv[++i]) : \
                   (!strncmp(a, name "=", strlen(name) + 1) ? (v = a + strlen(name) + 1) : NULL))
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            bench_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--full")) {
            o.full = 1;
        } else if (!strcmp(a, "--no-plot")) {
            no_plot = 1;
        } else if (!strcmp(a, "--no-peers")) {
            o.no_peers = 1;
        } else if (VAL("--backend")) {
            backend_arg = v;
        } else if (VAL("--workload")) {
            o.workload_filter = v;
            for (const char *p = v; *p;) {
                const char *e = strchr(p, ',');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                int ok = 0;
                for (size_t k = 0; k < NWORK; k++)
                    if (strlen(workloads[k].name) == len && !strncmp(workloads[k].name, p, len)) ok = 1;
                if (!ok) {
                    fprintf(stderr, "armgpu bench: unknown workload '%.*s' (alu alu-store sieve crc32 "
                                    "qsort matmul strhash)\n", (int)len, p);
                    return 2;
                }
                p += len + (e != NULL);
            }
        } else if (VAL("--lanes")) {
            if ((o.nlanes = parse_list(v, o.lanes, 32)) <= 0) {
                fprintf(stderr, "armgpu bench: --lanes '%s': a comma-separated list of 1 to %u\n", v,
                        AGPU_MAX_LANES);
                return 2;
            }
        } else if (VAL("--repeats")) {
            uint64_t r;
            if (cli_parse_count(v, &r) || r < 1 || r > 63) {
                fprintf(stderr, "armgpu bench: --repeats '%s' out of range (1 to 63)\n", v);
                return 2;
            }
            o.repeats = (unsigned)r;
            repeats_set = 1;
        } else if (VAL("--threads")) {
            uint64_t r;
            if (cli_parse_count(v, &r) || r > 4096) {
                fprintf(stderr, "armgpu bench: --threads '%s' out of range (0 to 4096)\n", v);
                return 2;
            }
            o.threads = (unsigned)r;
        } else if (VAL("--json")) {
            o.json = v;
        } else if (VAL("--plot")) {
            o.plot = v;
        } else if (VAL("--peer-dir")) {
            o.peer_dir = v;
        } else if (VAL("--peer-seconds")) {
            o.peer_seconds = atof(v);
            if (o.peer_seconds <= 0 || o.peer_seconds > 600) {
                fprintf(stderr, "armgpu bench: --peer-seconds '%s' out of range\n", v);
                return 2;
            }
            peer_s_set = 1;
        } else {
            fprintf(stderr, "armgpu bench: unknown argument '%s'\n", a);
            bench_usage(stderr);
            return 2;
        }
#undef VAL
    }
    if (!repeats_set) o.repeats = o.full ? 5 : 3;
    if (!peer_s_set) o.peer_seconds = o.full ? 3.0 : 0.5;

    /* Backends. */
    char why[256];
    if (!strcmp(backend_arg, "all")) {
        o.backends[o.nbackends++] = AGPU_BACKEND_CPU;
        if (agpu_backend_available(AGPU_BACKEND_CUDA, why, sizeof why) == AGPU_OK)
            o.backends[o.nbackends++] = AGPU_BACKEND_CUDA;
        else fprintf(stderr, "armgpu bench: cuda not measured: %s\n", why);
    } else {
        for (const char *p = backend_arg; *p && o.nbackends < 2;) {
            const char *e = strchr(p, ',');
            char name[16];
            size_t len = e ? (size_t)(e - p) : strlen(p);
            snprintf(name, sizeof name, "%.*s", (int)(len < 15 ? len : 15), p);
            agpu_backend b;
            if (agpu_backend_from_name(name, &b)) {
                fprintf(stderr, "armgpu bench: unknown backend '%s' (auto, cpu, cuda or all)\n", name);
                return 2;
            }
            if (b == AGPU_BACKEND_AUTO)
                b = agpu_backend_available(AGPU_BACKEND_CUDA, NULL, 0) == AGPU_OK ? AGPU_BACKEND_CUDA
                                                                                 : AGPU_BACKEND_CPU;
            if (agpu_backend_available(b, why, sizeof why) != AGPU_OK) {
                fprintf(stderr, "armgpu bench: backend %s is not available: %s\n", name, why);
                return 1;
            }
            if (o.nbackends == 0 || o.backends[0] != b) o.backends[o.nbackends++] = b;
            p += len + (e != NULL);
        }
    }

    progress_tty = isatty(2);
    double t_start = cli_now();
    machine_desc d;
    describe_machine(&d);

    /* Peers. */
    uc_lib *uc = NULL;
    int have_qemu = 0;
    if (o.no_peers) {
        snprintf(peer_status_unicorn, sizeof peer_status_unicorn, "skipped (--no-peers)");
        snprintf(peer_status_qemu, sizeof peer_status_qemu, "skipped (--no-peers)");
    } else {
        char w2[512];
        if ((uc = uc_lib_load(o.peer_dir, w2, sizeof w2)))
            snprintf(peer_status_unicorn, sizeof peer_status_unicorn, "measured (%s)", uc_lib_path(uc));
        else
            snprintf(peer_status_unicorn, sizeof peer_status_unicorn, "not measured: %s", w2);
        if (!qemu_find(o.peer_dir, qemu_path, sizeof qemu_path, w2, sizeof w2)) {
            snprintf(qemu_tmp, sizeof qemu_tmp, "/tmp/armgpu-bench-XXXXXX");
            if (mkdtemp(qemu_tmp)) {
                have_qemu = 1;
                snprintf(peer_status_qemu, sizeof peer_status_qemu, "measured (%s)", qemu_path);
            } else {
                snprintf(peer_status_qemu, sizeof peer_status_qemu, "not measured: mkdtemp: %s", strerror(errno));
            }
        } else {
            snprintf(peer_status_qemu, sizeof peer_status_qemu, "not measured: %s", w2);
        }
    }

    /* The suite per backend; peers once, after the backends, on the first
     * backend's tests (the lane counts of the peers do not depend on it). */
    static test tests[2][32];
    int ntests[2];
    char backends[64] = "";
    progress_total = 0;
    for (int bi = 0; bi < o.nbackends; bi++) {
        ntests[bi] = build_suite(&o, o.backends[bi], tests[bi], 32);
        for (int k = 0; k < ntests[bi]; k++) progress_total += tests[bi][k].nlanes;
        size_t l = strlen(backends);
        snprintf(backends + l, sizeof backends - l, "%s%s", bi ? "," : "", agpu_backend_name(o.backends[bi]));
    }
    fprintf(stderr, "armgpu bench: %s suite on %s; %u host cores (%s)%s%s\n", o.full ? "full" : "quick",
            backends, d.cores, d.cpu, d.gpu[0] ? "; GPU " : "", d.gpu);
    int failures = 0;
    for (int k = 0; k < ntests[0]; k++) {
        test *t0 = &tests[0][k];
        uint32_t maxl = 0;
        uint64_t *counts = NULL;
        for (int bi = 0; bi < o.nbackends; bi++) {
            for (int k2 = 0; k2 < ntests[bi]; k2++) {
                test *t = &tests[bi][k2];
                if (strcmp(t->label, t0->label)) continue;
                for (int li = 0; li < t->nlanes; li++) {
                    progress_step++;
                    uint32_t lanes = t->lanes[li];
                    uint64_t *c = malloc((size_t)lanes * sizeof *c);
                    if (!c) {
                        fprintf(stderr, "armgpu bench: out of memory for %u lanes\n", lanes);
                        return 1;
                    }
                    row *r = measure_agpu(&o, o.backends[bi], t, lanes, c);
                    if (!r) {
                        failures++;
                        free(c);
                        continue;
                    }
                    /* Unicorn runs the same lanes, right after. */
                    if (uc && t->peers && bi == o.nbackends - 1) measure_unicorn(&o, uc, t, lanes, c);
                    if (lanes >= maxl) {
                        maxl = lanes;
                        free(counts);
                        counts = c;
                    } else {
                        free(c);
                    }
                }
            }
        }
        /* QEMU: once per workload size at 1M ALU instructions and for every
         * kernel, compared with libarmgpu at the test's largest lane count. */
        if (have_qemu && t0->peers && maxl && (!t0->w->alu || t0->param < 2000000 / 4 + 1))
            measure_qemu(&o, t0, maxl);
        free(counts);
        if (o.json && *o.json && k + 1 < ntests[0])
            write_json(o.json, &d, &o, cmdline, cli_now() - t_start, backends, 0);
    }
    progress_clear();
    double total = cli_now() - t_start;

    printf("armgpu bench (%s suite), %s, libarmgpu %s, commit %s\n", o.full ? "full" : "quick", d.date,
           agpu_version(), d.commit);
    printf("machine: %s, %u host cores, %.1f GiB%s%s\n", d.cpu, d.cores, (double)d.mem_kib / 1048576.0,
           d.gpu[0] ? ", GPU " : "", d.gpu);
    printf("peers: unicorn %s; qemu %s\n\n", peer_status_unicorn, peer_status_qemu);
    print_table(stdout);
    printf("\nmedian of %u timed runs after a warm-up; suite took %.1f s\n", o.repeats, total);
    if (o.json && *o.json) {
        if (write_json(o.json, &d, &o, cmdline, total, backends, 1) == 0) {
            printf("json: %s\n", o.json);
            if (!no_plot && o.plot && *o.plot) make_plot(o.json, o.plot);
        }
    }
    if (have_qemu) rmdir(qemu_tmp);
    return failures ? 1 : 0;
}
#endif /* ARMGPU_HAVE_BENCH */

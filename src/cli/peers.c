/*
 * peers.c - the emulators a user would otherwise pick, run on the same
 * workloads: Unicorn (its C API, one engine per host core, on threads) and
 * QEMU user mode (one process per host core).
 *
 * Unicorn is loaded with dlopen, so the command builds without its headers
 * and finds a copy brought along to a machine without a package manager
 * (bench/fetch_peers.sh, --peer-dir).  The few constants used are Unicorn
 * 2's ABI values (unicorn/unicorn.h, unicorn/arm64.h).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

/* ------------------------------------------------------------- Unicorn */

enum {
    UC_ARCH_ARM64 = 2,
    UC_MODE_ARM = 0,
    UC_PROT_READ = 1,
    UC_PROT_WRITE = 2,
    UC_PROT_ALL = 7,
    UC_ARM64_REG_X29 = 1,
    UC_ARM64_REG_X30 = 2,
    UC_ARM64_REG_NZCV = 3,
    UC_ARM64_REG_SP = 4,
    UC_ARM64_REG_X0 = 199, /* X0..X28 are consecutive */
    UC_ARM64_REG_PC = 260,
};

typedef void uc_engine;
struct uc_lib {
    void *dl;
    char path[512];
    int (*open)(int arch, int mode, uc_engine **uc);
    int (*close)(uc_engine *uc);
    int (*mem_map)(uc_engine *uc, uint64_t addr, size_t size, uint32_t perms);
    int (*mem_write)(uc_engine *uc, uint64_t addr, const void *p, size_t n);
    int (*mem_read)(uc_engine *uc, uint64_t addr, void *p, size_t n);
    int (*reg_write)(uc_engine *uc, int reg, const void *v);
    int (*reg_read)(uc_engine *uc, int reg, void *v);
    int (*emu_start)(uc_engine *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count);
    const char *(*strerror)(int err);
    unsigned (*version)(unsigned *major, unsigned *minor);
};

uc_lib *uc_lib_load(const char *peer_dir, char *why, size_t why_len)
{
    char cand[4][512];
    int n = 0;
    if (peer_dir) {
        snprintf(cand[n++], sizeof cand[0], "%s/libunicorn.so.2", peer_dir);
        snprintf(cand[n++], sizeof cand[0], "%s/usr/lib/x86_64-linux-gnu/libunicorn.so.2", peer_dir);
    }
    snprintf(cand[n++], sizeof cand[0], "libunicorn.so.2");
    void *dl = NULL;
    int which = 0;
    const char *err = "";
    for (; which < n; which++) {
        if ((dl = dlopen(cand[which], RTLD_NOW | RTLD_LOCAL))) break;
        err = dlerror();
    }
    if (!dl) {
        snprintf(why, why_len, "libunicorn.so.2 not found (%s); install libunicorn2 or bring it "
                 "with bench/fetch_peers.sh and --peer-dir", err ? err : "");
        return NULL;
    }
    uc_lib *u = calloc(1, sizeof *u);
    if (!u) {
        dlclose(dl);
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    u->dl = dl;
    snprintf(u->path, sizeof u->path, "%s", cand[which]);
#define SYM(field, name)                                                                   \
    if (!(*(void **)&u->field = dlsym(dl, name))) {                                        \
        snprintf(why, why_len, "%s has no %s: not Unicorn 2", u->path, name);              \
        dlclose(dl);                                                                       \
        free(u);                                                                           \
        return NULL;                                                                       \
    }
    SYM(open, "uc_open")
    SYM(close, "uc_close")
    SYM(mem_map, "uc_mem_map")
    SYM(mem_write, "uc_mem_write")
    SYM(mem_read, "uc_mem_read")
    SYM(reg_write, "uc_reg_write")
    SYM(reg_read, "uc_reg_read")
    SYM(emu_start, "uc_emu_start")
    SYM(strerror, "uc_strerror")
    SYM(version, "uc_version")
#undef SYM
    unsigned major = 0, minor = 0;
    u->version(&major, &minor);
    if (major != 2) {
        snprintf(why, why_len, "%s is Unicorn %u.%u; the peer needs Unicorn 2", u->path, major, minor);
        dlclose(dl);
        free(u);
        return NULL;
    }
    return u;
}

const char *uc_lib_path(const uc_lib *u) { return u->path; }

typedef struct uc_worker {
    uc_lib *u;
    uc_job *job;
    unsigned index;
    pthread_barrier_t *bar;
    char why[256];
    int failed;
    double t0[64], t1[64]; /* each timed pass, as this worker saw it */
} uc_worker;

static int uc_reg_id(int x) { return x <= 28 ? UC_ARM64_REG_X0 + x : x == 29 ? UC_ARM64_REG_X29 : UC_ARM64_REG_X30; }

/* One pass over this worker's lanes (index, index + instances, ...). */
static int uc_pass(uc_worker *w, uc_engine *uc)
{
    uc_lib *u = w->u;
    uc_job *job = w->job;
    for (uint32_t l = w->index; l < job->nlanes; l += job->instances) {
        uc_lane *ln = &job->lanes[l];
        uint64_t zero = 0, pc = 0;
        for (int r = 0; r < 31; r++) u->reg_write(uc, uc_reg_id(r), r < 4 ? &ln->x[r] : &zero);
        u->reg_write(uc, UC_ARM64_REG_SP, &ln->sp);
        u->reg_write(uc, UC_ARM64_REG_NZCV, &zero);
        u->reg_write(uc, UC_ARM64_REG_PC, &pc);
        if (ln->slot_addr) u->mem_write(uc, ln->slot_addr, &zero, 8);
        int err = u->emu_start(uc, 0, job->until, 0, 0);
        if (err) {
            snprintf(w->why, sizeof w->why, "uc_emu_start on lane %u: %s", l, u->strerror(err));
            return -1;
        }
        u->reg_read(uc, UC_ARM64_REG_PC, &pc);
        u->reg_read(uc, UC_ARM64_REG_X0, &ln->result);
        ln->ok = pc == job->until;
        if (ln->slot_addr) u->mem_read(uc, ln->slot_addr, &ln->slot, 8);
    }
    return 0;
}

static void *uc_thread(void *arg)
{
    uc_worker *w = arg;
    uc_lib *u = w->u;
    uc_job *job = w->job;
    uc_engine *uc = NULL;
    int err = u->open(UC_ARCH_ARM64, UC_MODE_ARM, &uc);
    /* Code and data in separate mappings, data not executable: Unicorn
     * (QEMU's softmmu) sends stores to pages it may hold code for through
     * its slow path, which would understate it. */
    uint64_t code = (job->image_len + 0xfff) & ~0xfffull;
    if (code > job->data_base) code = job->data_base;
    if (!err) err = u->mem_map(uc, 0, code, UC_PROT_ALL);
    if (!err && job->shared_size > job->data_base)
        err = u->mem_map(uc, job->data_base, job->shared_size - job->data_base, UC_PROT_READ | UC_PROT_WRITE);
    if (!err && job->private_size)
        err = u->mem_map(uc, job->private_base, job->private_size, UC_PROT_READ | UC_PROT_WRITE);
    if (!err) err = u->mem_write(uc, 0, job->image, job->image_len);
    if (err) {
        snprintf(w->why, sizeof w->why, "setting up Unicorn: %s", u->strerror(err));
        w->failed = 1;
    }
    if (!w->failed && uc_pass(w, uc)) w->failed = 1; /* warm-up: translation cache */
    for (unsigned r = 0; r < job->repeats; r++) {
        pthread_barrier_wait(w->bar); /* start */
        w->t0[r] = cli_now();
        if (!w->failed && uc_pass(w, uc)) w->failed = 1;
        w->t1[r] = cli_now();
        pthread_barrier_wait(w->bar); /* end */
    }
    if (uc) u->close(uc);
    return NULL;
}

int uc_run_job(uc_lib *u, uc_job *job, double *secs, char *why, size_t why_len)
{
    unsigned n = job->instances;
    if (n > job->nlanes) n = job->instances = job->nlanes;
    uc_worker *w = calloc(n, sizeof *w);
    pthread_t *t = calloc(n, sizeof *t);
    pthread_barrier_t bar;
    if (!w || !t || pthread_barrier_init(&bar, NULL, n + 1)) {
        snprintf(why, why_len, "cannot start %u Unicorn workers", n);
        free(w);
        free(t);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        w[i].u = u;
        w[i].job = job;
        w[i].index = i;
        w[i].bar = &bar;
        if (pthread_create(&t[i], NULL, uc_thread, &w[i])) {
            /* Cannot continue with fewer parties on the barrier. */
            fprintf(stderr, "armgpu bench: cannot start a Unicorn thread\n");
            exit(1);
        }
    }
    /* A pass lasts from the first worker's start to the last one's end,
     * as the workers saw them: this thread may not be running when they
     * start (more threads than cores). */
    for (unsigned r = 0; r < job->repeats && r < 64; r++) {
        pthread_barrier_wait(&bar);
        pthread_barrier_wait(&bar);
        double t0 = w[0].t0[r], t1 = w[0].t1[r];
        for (unsigned i = 1; i < n; i++) {
            if (w[i].t0[r] < t0) t0 = w[i].t0[r];
            if (w[i].t1[r] > t1) t1 = w[i].t1[r];
        }
        secs[r] = t1 - t0;
    }
    int rc = 0;
    for (unsigned i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        if (w[i].failed && !rc) {
            snprintf(why, why_len, "%s", w[i].why);
            rc = -1;
        }
    }
    pthread_barrier_destroy(&bar);
    free(w);
    free(t);
    return rc;
}

/* ---------------------------------------------------------------- QEMU */

static int executable(const char *p) { return access(p, X_OK) == 0; }

int qemu_find(const char *peer_dir, char *path, size_t len, char *why, size_t why_len)
{
    static const char *names[] = {"qemu-aarch64-static", "qemu-aarch64"};
    if (peer_dir) {
        for (int i = 0; i < 2; i++) {
            snprintf(path, len, "%s/%s", peer_dir, names[i]);
            if (executable(path)) return 0;
        }
    }
    const char *env = getenv("PATH");
    for (int i = 0; i < 2; i++) {
        const char *p = env ? env : "/usr/bin:/bin";
        while (*p) {
            const char *e = strchr(p, ':');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            snprintf(path, len, "%.*s/%s", (int)n, p, names[i]);
            if (n && executable(path)) return 0;
            p += n + (e != NULL);
        }
    }
    snprintf(why, why_len, "qemu-aarch64-static not found in %s%sPATH; install qemu-user-static or "
             "bring it with bench/fetch_peers.sh and --peer-dir", peer_dir ? peer_dir : "",
             peer_dir ? " or " : "");
    return -1;
}

double qemu_run(const char *qemu, const char *elf_path, unsigned procs, const uint64_t *seed,
                uint64_t n, uint64_t reps, uint64_t *result, char *why, size_t why_len)
{
    pid_t *pid = calloc(procs, sizeof *pid);
    int *fd = calloc(procs, sizeof *fd);
    if (!pid || !fd) {
        free(pid);
        free(fd);
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    double t0 = cli_now();
    unsigned started = 0;
    int failed = 0;
    for (unsigned i = 0; i < procs; i++) {
        int p[2];
        if (pipe(p)) {
            snprintf(why, why_len, "pipe: %s", strerror(errno));
            failed = 1;
            break;
        }
        char a1[32], a2[32], a3[32];
        snprintf(a1, sizeof a1, "%llu", (unsigned long long)seed[i]);
        snprintf(a2, sizeof a2, "%llu", (unsigned long long)n);
        snprintf(a3, sizeof a3, "%llu", (unsigned long long)reps);
        char *argv[] = {(char *)qemu, (char *)elf_path, a1, a2, a3, NULL};
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        posix_spawn_file_actions_addclose(&fa, p[0]);
        posix_spawn_file_actions_addclose(&fa, p[1]);
        int err = posix_spawn(&pid[i], qemu, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(p[1]);
        if (err) {
            close(p[0]);
            snprintf(why, why_len, "cannot start %s: %s", qemu, strerror(err));
            failed = 1;
            break;
        }
        fd[i] = p[0];
        started++;
    }
    for (unsigned i = 0; i < started; i++) {
        int st;
        waitpid(pid[i], &st, 0);
        if (!failed && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
            snprintf(why, why_len, "qemu process %u (seed %llu) ended with status 0x%x", i,
                     (unsigned long long)seed[i], st);
            failed = 1;
        }
    }
    double secs = cli_now() - t0;
    for (unsigned i = 0; i < started; i++) {
        char buf[64] = {0};
        ssize_t got = read(fd[i], buf, sizeof buf - 1);
        close(fd[i]);
        if (!failed && got != 17) {
            snprintf(why, why_len, "qemu process %u printed %zd bytes, not a 17-byte result", i, got);
            failed = 1;
        }
        result[i] = strtoull(buf, NULL, 16);
    }
    free(pid);
    free(fd);
    return failed ? -1 : secs;
}

/*
 * cli_run.c - `armgpu run` for ELF programs: options, per-lane inputs from
 * files, and printing what the lanes wrote.  Compiled into the armgpu
 * command (src/cli), not into the library: it is a user of the public API.
 *
 *   armgpu run [--backend auto|cpu|cuda] [--lanes N] [--stdin-per-lane DIR]
 *              [--map GUEST=HOST]... [--stats] [--out-dir DIR] [--seed N]
 *              [--host-time] [--max-instructions N] [--heap BYTES]
 *              [--mmap BYTES] [--stack BYTES] PROGRAM [ARGS...]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "armgpu.h"
#include "cli_run.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: armgpu run [options] PROGRAM [ARGS...]\n"
            "Runs a static AArch64 Linux ELF program on every lane.\n"
            "  --backend auto|cpu|cuda   where lanes run (default auto)\n"
            "  --lanes N                 lanes (default 1, or one per --stdin-per-lane file)\n"
            "  --stdin-per-lane DIR      lane i reads the i-th file of DIR (sorted by name,\n"
            "                            repeated when there are fewer files than lanes)\n"
            "  --args-per-lane FILE      line i of FILE (words split on blanks; blank lines\n"
            "                            skipped) is added to lane i's arguments, repeated\n"
            "                            past the last line\n"
            "  --map GUEST=HOST          the host file HOST, read-only, at guest path GUEST\n"
            "  --env NAME=VALUE          an environment variable (repeatable); default: an\n"
            "                            empty environment, or the host's with ARMGPU_ENV=1\n"
            "  --stats                   the system calls made, to stderr\n"
            "  --out-dir DIR             lane i's stdout, stderr and status to\n"
            "                            DIR/laneI.out, .err, .status instead of printing\n"
            "  --seed N                  AT_RANDOM and getrandom seed (default 0)\n"
            "  --host-time               clocks read the host's time, not the virtual clock\n"
            "  --max-instructions N      per-lane budget (default none)\n"
            "  --heap B, --mmap B, --stack B   per-lane memory (default: a share of the\n"
            "                            host's or GPU's memory, at most 64M, 256M, 8M)\n"
            "With one lane, the command's own stdin is the program's (unless it is a\n"
            "terminal), its stdout and stderr are printed, and the command exits with\n"
            "the program's status (128 + N when signal N ended it).  With more lanes\n"
            "each lane's output is printed after a '--- lane I: STATUS ---' line.\n");
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s) return -1;
    uint64_t mul = 1;
    if (*end == 'k' || *end == 'K') mul = 1ull << 10, end++;
    else if (*end == 'm' || *end == 'M') mul = 1ull << 20, end++;
    else if (*end == 'g' || *end == 'G') mul = 1ull << 30, end++;
    if (*end || (mul > 1 && v > UINT64_MAX / mul)) return -1;
    *out = v * mul;
    return 0;
}

static int read_all(FILE *f, uint8_t **data, size_t *len)
{
    size_t cap = 65536, n = 0;
    uint8_t *b = malloc(cap);
    if (!b) return -1;
    for (;;) {
        if (n == cap) {
            uint8_t *q = realloc(b, cap *= 2);
            if (!q) return free(b), -1;
            b = q;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    if (ferror(f)) return free(b), -1;
    *data = b;
    *len = n;
    return 0;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    int rc = read_all(f, data, len);
    fclose(f);
    return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The regular files of dir, sorted: a malloc'd array of malloc'd paths. */
static char **list_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char **v = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char *path;
        if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) break;
        struct stat st;
        if (stat(path, &st) || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        char **q = realloc(v, (n + 1) * sizeof *v);
        if (!q) {
            free(path);
            break;
        }
        v = q;
        v[n++] = path;
    }
    closedir(d);
    if (n) qsort(v, n, sizeof *v, cmp_str);
    *count = n;
    return v ? v : calloc(1, sizeof *v);
}

static const char *sig_name(int s)
{
    static const char *const n[] = {"0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
                                    "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2",
                                    "SIGPIPE", "SIGALRM", "SIGTERM"};
    return s > 0 && s < 16 ? n[s] : "signal";
}

static void describe(const agpu_linux_result *r, char *buf, size_t len)
{
    if (r->status == AGPU_LINUX_EXITED) {
        snprintf(buf, len, "exit %d", r->exit_code);
    } else if (r->status == AGPU_LINUX_SIGNALED) {
        char stop[160] = "";
        if (r->stop.reason != AGPU_STOP_NONE && r->stop.reason != AGPU_STOP_SYSCALL)
            agpu_format_stop(&r->stop, r->stop_pc, stop, sizeof stop);
        snprintf(buf, len, "signal %d (%s)%s%s", r->signal, sig_name(r->signal), stop[0] ? ": " : "", stop);
    } else {
        snprintf(buf, len, "still running after %llu instructions", (unsigned long long)r->instructions);
    }
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* --args-per-lane FILE: line i (no quoting; words split on blanks) is
 * appended to lane i's command line; lanes past the last line start over. */
static int set_lane_args(agpu_linux *p, const char *file, char **cmd, uint32_t lanes)
{
    uint8_t *d;
    size_t len;
    if (read_file(file, &d, &len)) {
        fprintf(stderr, "armgpu run: cannot read --args-per-lane %s: %s\n", file, strerror(errno));
        return -1;
    }
    char *text = realloc(d, len + 1);
    if (!text) return free(d), -1;
    text[len] = 0;
    size_t ncmd = 0, nlines = 0;
    while (cmd[ncmd]) ncmd++;
    char **lines = NULL;
    for (char *s = text, *save = NULL, *line; (line = strtok_r(s, "\n", &save)); s = NULL) {
        char **q = realloc(lines, (nlines + 1) * sizeof *q);
        if (!q) break;
        lines = q;
        lines[nlines++] = line;
    }
    int rc = 0;
    if (!nlines) {
        fprintf(stderr, "armgpu run: --args-per-lane %s has no lines\n", file);
        rc = -1;
    }
    for (uint32_t l = 0; l < lanes && !rc; l++) {
        char *line = strdup(lines[l % nlines]);
        const char **v = calloc(ncmd + strlen(line) / 2 + 2, sizeof *v);
        if (!line || !v) {
            free(line), free(v);
            rc = -1;
            break;
        }
        size_t n = 0;
        for (; n < ncmd; n++) v[n] = cmd[n];
        for (char *s = line, *save = NULL, *w; (w = strtok_r(s, " \t\r", &save)); s = NULL) v[n++] = w;
        v[n] = NULL;
        if (agpu_linux_set_args(p, l, v)) {
            fprintf(stderr, "armgpu run: %s\n", agpu_last_error(agpu_linux_machine(p)));
            rc = -1;
        }
        free(line), free(v);
    }
    free(lines);
    free(text);
    return rc;
}

int agpu_linux_cli_run(int argc, char **argv)
{
    agpu_linux_config cfg;
    agpu_linux_config_init(&cfg);
    uint32_t lanes = 0;
    const char *stdin_dir = NULL, *out_dir = NULL, *args_file = NULL;
    int stats = 0;
    uint64_t budget = UINT64_MAX;
    const char **maps = NULL, **envs = NULL;
    size_t nmaps = 0, nenvs = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "--help-elf")) {
            usage(stdout);
            free(maps);
            return 0;
        }
        if (!strcmp(a, "--stats")) { stats = 1; continue; }
        if (!strcmp(a, "--host-time")) { cfg.host_time = 1; continue; }
        const char *v = NULL;
        size_t al = strcspn(a, "=");
        if (a[al] == '=') v = a + al + 1;
        else if (i + 1 < argc) v = argv[++i];
        if (!v) {
            fprintf(stderr, "armgpu run: %s needs a value\n", a);
            free(maps);
            return 2;
        }
#define OPT(name) (al == strlen(name) && !strncmp(a, name, al))
        uint64_t num = 0;
        if (OPT("--backend")) {
            if (agpu_backend_from_name(v, &cfg.backend)) {
                fprintf(stderr, "armgpu run: unknown backend '%s' (auto, cpu or cuda)\n", v);
                free(maps);
                return 2;
            }
        } else if (OPT("--lanes")) {
            if (parse_size(v, &num) || num < 1 || num > AGPU_MAX_LANES) {
                fprintf(stderr, "armgpu run: --lanes %s: a number from 1 to %u\n", v, AGPU_MAX_LANES);
                free(maps);
                return 2;
            }
            lanes = (uint32_t)num;
        } else if (OPT("--stdin-per-lane")) {
            stdin_dir = v;
        } else if (OPT("--args-per-lane")) {
            args_file = v;
        } else if (OPT("--out-dir")) {
            out_dir = v;
        } else if (OPT("--map")) {
            if (!strchr(v, '=') || v[0] == '=') {
                fprintf(stderr, "armgpu run: --map %s: expected GUEST=HOST\n", v);
                free(maps);
                return 2;
            }
            const char **q = realloc(maps, (nmaps + 1) * sizeof *q);
            if (!q) return free(maps), 1;
            maps = q;
            maps[nmaps++] = v;
        } else if (OPT("--env")) {
            const char **q = realloc(envs, (nenvs + 2) * sizeof *q);
            if (!q) return free(maps), free(envs), 1;
            envs = q;
            envs[nenvs++] = v;
            envs[nenvs] = NULL;
        } else if (OPT("--seed") || OPT("--max-instructions") || OPT("--heap") || OPT("--mmap") ||
                   OPT("--stack")) {
            if (parse_size(v, &num)) {
                fprintf(stderr, "armgpu run: %.*s %s: not a number\n", (int)al, a, v);
                free(maps);
                return 2;
            }
            if (OPT("--seed")) cfg.seed = num;
            else if (OPT("--max-instructions")) budget = num;
            else if (OPT("--heap")) cfg.heap_size = num;
            else if (OPT("--mmap")) cfg.mmap_size = num;
            else cfg.stack_size = num;
        } else {
            fprintf(stderr, "armgpu run: unknown option %s\n", a);
            usage(stderr);
            free(maps);
            return 2;
        }
#undef OPT
    }
    if (i >= argc) {
        usage(stderr);
        free(maps);
        return 2;
    }
    const char *prog = argv[i];
    char **files = NULL;
    size_t nfiles = 0;
    if (stdin_dir) {
        files = list_dir(stdin_dir, &nfiles);
        if (!files || !nfiles) {
            fprintf(stderr, "armgpu run: --stdin-per-lane %s: %s\n", stdin_dir,
                    files ? "no files in it" : strerror(errno));
            free(files), free(maps);
            return 2;
        }
        if (!lanes) lanes = (uint32_t)(nfiles < AGPU_MAX_LANES ? nfiles : AGPU_MAX_LANES);
    }
    if (!lanes) lanes = 1;
    cfg.num_lanes = lanes;

    int rc = 1;
    agpu_linux *p = NULL;
    agpu_machine *m = NULL;
    if (agpu_linux_create_file(prog, &cfg, &p)) {
        fprintf(stderr, "armgpu run: %s\n", agpu_last_error(NULL));
        goto done;
    }
    m = agpu_linux_machine(p);
    if (agpu_linux_set_args(p, AGPU_ALL_LANES, (const char *const *)argv + i)) goto fail;
    /* The environment is the host's only when asked: a program's output
     * should not depend on who runs it.  ARMGPU_ENV=1 passes it through. */
    {
        extern char **environ;
        const char *empty[] = {NULL};
        const char *const *env = envs ? envs : getenv("ARMGPU_ENV") && environ ? (const char *const *)environ : empty;
        if (agpu_linux_set_env(p, AGPU_ALL_LANES, env)) goto fail;
    }
    if (args_file && set_lane_args(p, args_file, argv + i, lanes)) goto done;
    for (size_t k = 0; k < nmaps; k++) {
        char *g = strdup(maps[k]);
        if (!g) goto fail;
        char *eq = strchr(g, '=');
        *eq = 0;
        int r = agpu_linux_map_file(p, g, eq + 1);
        free(g);
        if (r) goto fail;
    }
    if (files) {
        for (uint32_t l = 0; l < lanes; l++) {
            uint8_t *d;
            size_t n;
            if (read_file(files[l % nfiles], &d, &n)) {
                fprintf(stderr, "armgpu run: cannot read %s: %s\n", files[l % nfiles], strerror(errno));
                goto done;
            }
            int r = agpu_linux_set_stdin(p, l, d, n);
            free(d);
            if (r) goto fail;
        }
    } else if (!isatty(0)) {
        uint8_t *d;
        size_t n;
        if (read_all(stdin, &d, &n)) {
            fprintf(stderr, "armgpu run: cannot read stdin\n");
            goto done;
        }
        int r = agpu_linux_set_stdin(p, AGPU_ALL_LANES, d, n);
        free(d);
        if (r) goto fail;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (agpu_linux_run(p, budget)) goto fail;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    uint64_t total_insns = 0;

    rc = 0;
    int first_bad = -1;
    for (uint32_t l = 0; l < lanes; l++) {
        agpu_linux_result r;
        agpu_linux_result_of(p, l, &r);
        char what[256];
        describe(&r, what, sizeof what);
        total_insns += r.instructions;
        int code = r.status == AGPU_LINUX_RUNNING ? 124 : r.exit_code;
        if (code && first_bad < 0) first_bad = code;
        if (out_dir) {
            char path[4096], st[300];
            snprintf(path, sizeof path, "%s/lane%u.out", out_dir, l);
            int bad = write_file(path, r.out, r.out_len);
            snprintf(path, sizeof path, "%s/lane%u.err", out_dir, l);
            bad |= write_file(path, r.err, r.err_len);
            snprintf(path, sizeof path, "%s/lane%u.status", out_dir, l);
            int sl = snprintf(st, sizeof st, "%s\n", what);
            if (r.status == AGPU_LINUX_SIGNALED) sl = snprintf(st, sizeof st, "signal %d\n", r.signal);
            bad |= write_file(path, st, (size_t)sl);
            if (bad) {
                fprintf(stderr, "armgpu run: cannot write %s\n", path);
                rc = 1;
            }
            if (r.status != AGPU_LINUX_EXITED && !(r.status == AGPU_LINUX_SIGNALED && r.stop.reason == AGPU_STOP_NONE))
                fprintf(stderr, "armgpu run: lane %u: %s\n", l, what);
            continue;
        }
        if (lanes > 1) printf("--- lane %u: %s ---\n", l, what);
        fflush(stdout);
        fwrite(r.out, 1, r.out_len, stdout);
        fflush(stdout);
        if (lanes > 1 && r.err_len) fprintf(stderr, "--- lane %u stderr ---\n", l);
        fwrite(r.err, 1, r.err_len, stderr);
        fflush(stderr);
        /* Stops the program did not ask for (a fault, an undefined
         * instruction) are reported; a signal it raised is its own doing. */
        if (lanes == 1 && r.status != AGPU_LINUX_EXITED &&
            !(r.status == AGPU_LINUX_SIGNALED && r.stop.reason == AGPU_STOP_NONE))
            fprintf(stderr, "armgpu run: %s\n", what);
    }
    if (stats) {
        size_t n = 0;
        agpu_linux_syscall_stats(p, NULL, 0, &n);
        agpu_linux_syscall_count *c = calloc(n ? n : 1, sizeof *c);
        if (c) {
            agpu_linux_syscall_stats(p, c, n, &n);
            fprintf(stderr, "%u lanes on %s: %llu instructions in %.3f s (%.1f programs/s, %.3g instructions/s)\n",
                    lanes, agpu_backend_name(agpu_machine_backend(m)), (unsigned long long)total_insns, secs,
                    secs > 0 ? lanes / secs : 0.0, secs > 0 ? (double)total_insns / secs : 0.0);
            fprintf(stderr, "system calls over %u lanes:\n", lanes);
            for (size_t k = 0; k < n; k++) {
                const char *nm = agpu_linux_syscall_name(c[k].number);
                fprintf(stderr, "  %4u %-20s %12llu%s\n", c[k].number, nm ? nm : "?",
                        (unsigned long long)c[k].count, c[k].unknown ? "  not emulated (-ENOSYS)" : "");
            }
            free(c);
        }
    }
    if (!rc) rc = first_bad < 0 ? 0 : first_bad;
    goto done;
fail:
    fprintf(stderr, "armgpu run: %s\n", agpu_last_error(m));
    rc = 1;
done:
    agpu_linux_destroy(p);
    for (size_t k = 0; k < nfiles; k++) free(files[k]);
    free(files);
    free(maps);
    free(envs);
    return rc;
}

int agpu_linux_cli_is_elf(const char *path)
{
    unsigned char magic[4] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    return n == 4 && memcmp(magic, "\177ELF", 4) == 0;
}

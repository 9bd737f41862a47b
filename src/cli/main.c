/*
 * main.c - the armgpu command: bench, demo and run.
 *
 *   armgpu bench [options]     the benchmark suite (bench.c)
 *   armgpu demo [options]      a small program on many lanes, each lane's answer
 *   armgpu run [options] FILE  a flat image on N lanes, each lane's stop and registers
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_run.h"

/* ------------------------------------------------------------- helpers */

int cli_parse_count(const char *s, uint64_t *out)
{
    if (!s || !*s) return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s) return -1;
    uint64_t mul = 1;
    if (*end == 'k' || *end == 'K') mul = 1000, end++;
    else if (*end == 'm' || *end == 'M') mul = 1000000, end++;
    else if (*end == 'g' || *end == 'G') mul = 1000000000, end++;
    if (*end) return -1;
    if (mul > 1 && v > UINT64_MAX / mul) return -1;
    *out = v * mul;
    return 0;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

unsigned cli_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static int parse_backend(const char *s, agpu_backend *b)
{
    if (agpu_backend_from_name(s, b) != AGPU_OK) {
        fprintf(stderr, "armgpu: unknown backend '%s' (auto, cpu or cuda)\n", s);
        return -1;
    }
    return 0;
}

/* "--name VALUE" or "--name=VALUE": the value, advancing *i; NULL if this
 * argument is not that option. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] != 0) return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "armgpu: %s needs a value\n", name);
        exit(2);
    }
    return argv[++*i];
}

static uint64_t count_arg(const char *name, const char *v)
{
    uint64_t x;
    if (cli_parse_count(v, &x) != 0) {
        fprintf(stderr, "armgpu: %s: '%s' is not a count (digits, optional K, M or G)\n", name, v);
        exit(2);
    }
    return x;
}

static int create_machine(const agpu_config *cfg, agpu_machine **m)
{
    int rc = agpu_create(cfg, m);
    if (rc != AGPU_OK) fprintf(stderr, "armgpu: %s\n", agpu_last_error(NULL));
    return rc;
}

/* ---------------------------------------------------------------- demo */

/* The Collatz walk from X0: X1 counts the steps to 1, X2 keeps the peak.
 * Assembled from:
 *   _start: mov x1, #0; mov x2, x0
 *   1: cmp x0, #1; b.eq 3f; tst x0, #1; b.ne 2f; lsr x0, x0, #1; b 4f
 *   2: add x0, x0, x0, lsl #1; add x0, x0, #1
 *   4: add x1, x1, #1; cmp x0, x2; csel x2, x0, x2, hi; b 1b
 *   3: hlt #0                                                         */
static const uint32_t demo_code[] = {
    0xd2800001, 0xaa0003e2, 0xf100041f, 0x54000160, 0xf240001f, 0x54000061, 0xd341fc00, 0x14000003,
    0x8b000400, 0x91000400, 0x91000421, 0xeb02001f, 0x9a828002, 0x17fffff5, 0xd4400000,
};

static void demo_usage(FILE *f)
{
    fprintf(f,
            "usage: armgpu demo [--lanes N] [--backend auto|cpu|cuda] [--start K]\n"
            "\n"
            "Runs one small program (the Collatz walk, 15 instructions) on N lanes\n"
            "(default 16); lane i starts from K + i (default K = 27) and reports the\n"
            "steps to reach 1 and the peak value, checked against the host.\n");
}

static int cmd_demo(int argc, char **argv)
{
    uint64_t lanes = 16, start = 27;
    agpu_backend backend = AGPU_BACKEND_AUTO;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            demo_usage(stdout);
            return 0;
        } else if ((v = opt_value(argc, argv, &i, "--lanes"))) {
            lanes = count_arg("--lanes", v);
        } else if ((v = opt_value(argc, argv, &i, "--start"))) {
            start = count_arg("--start", v);
        } else if ((v = opt_value(argc, argv, &i, "--backend"))) {
            if (parse_backend(v, &backend)) return 2;
        } else {
            fprintf(stderr, "armgpu demo: unknown argument '%s'\n", argv[i]);
            demo_usage(stderr);
            return 2;
        }
    }
    if (lanes < 1 || lanes > AGPU_MAX_LANES) {
        fprintf(stderr, "armgpu demo: --lanes %llu out of range (1 to %u)\n", (unsigned long long)lanes,
                AGPU_MAX_LANES);
        return 2;
    }
    agpu_config cfg;
    agpu_config_init(&cfg);
    cfg.num_lanes = (uint32_t)lanes;
    cfg.shared_size = AGPU_PAGE_SIZE;
    cfg.backend = backend;
    agpu_machine *m;
    if (create_machine(&cfg, &m)) return 1;
    uint64_t *x0 = malloc(lanes * sizeof *x0);
    agpu_lane_result *res = malloc(lanes * sizeof *res);
    if (!x0 || !res) {
        fprintf(stderr, "armgpu demo: out of memory for %llu lanes\n", (unsigned long long)lanes);
        return 1;
    }
    for (uint64_t l = 0; l < lanes; l++) x0[l] = start + l;
    int rc = agpu_load(m, 0, demo_code, sizeof demo_code);
    if (!rc) rc = agpu_fill_reg(m, AGPU_REG_PC, 0);
    if (!rc) rc = agpu_set_reg_all(m, AGPU_REG_X0, x0);
    double t0 = cli_now();
    if (!rc) rc = agpu_execute(m, 100000000, res);
    double t1 = cli_now();
    if (rc) {
        fprintf(stderr, "armgpu demo: %s\n", agpu_last_error(m));
        return 1;
    }
    printf("Collatz walk on %llu lanes, backend %s\n", (unsigned long long)lanes,
           agpu_backend_name(agpu_machine_backend(m)));
    printf("%6s %12s %8s %20s %12s  %s\n", "lane", "start", "steps", "peak", "instructions", "check");
    int bad = 0;
    uint64_t total = 0;
    for (uint64_t l = 0; l < lanes; l++) {
        uint64_t steps = 0, peak = 0;
        agpu_get_reg(m, (uint32_t)l, (agpu_reg)(AGPU_REG_X0 + 1), &steps);
        agpu_get_reg(m, (uint32_t)l, (agpu_reg)(AGPU_REG_X0 + 2), &peak);
        /* The host's walk, for the check. */
        uint64_t v = x0[l], hs = 0, hp = v;
        while (v != 1 && v) {
            v = (v & 1) ? 3 * v + 1 : v >> 1;
            hs++;
            if (v > hp) hp = v;
        }
        int ok = res[l].stop.reason == AGPU_STOP_HALT && steps == hs && peak == hp;
        bad += !ok;
        total += res[l].instructions;
        if (lanes <= 64 || l < 32 || l >= lanes - 8 || !ok)
            printf("%6llu %12llu %8llu %20llu %12llu  %s\n", (unsigned long long)l,
                   (unsigned long long)x0[l], (unsigned long long)steps, (unsigned long long)peak,
                   (unsigned long long)res[l].instructions, ok ? "ok" : "WRONG");
        else if (l == 32)
            printf("%6s\n", "...");
    }
    printf("%llu instructions in %.3f s (%.3g instructions/s); %d lane%s wrong\n",
           (unsigned long long)total, t1 - t0, total / (t1 - t0 > 0 ? t1 - t0 : 1e-9), bad,
           bad == 1 ? "" : "s");
    free(x0);
    free(res);
    agpu_destroy(m);
    return bad ? 1 : 0;
}

/* ----------------------------------------------------------------- run */

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: armgpu run [options] FILE.bin\n"
            "\n"
            "Loads a flat AArch64 image at guest address 0, runs it on every lane from\n"
            "PC 0 until each lane stops (HLT, SVC, BRK, a fault, an unsupported\n"
            "instruction) or spends its budget, and prints each lane's stop record and\n"
            "registers.  X0 holds the lane's index; SP the top of its private region\n"
            "(or of shared memory when there is none).\n"
            "\n"
            "  --lanes N            lanes (default 1)\n"
            "  --backend B          auto, cpu or cuda (default auto)\n"
            "  --budget N           instructions per lane (default 1G; K/M/G suffixes)\n"
            "  --shared-size N      shared memory bytes at address 0 (default: the image\n"
            "                       rounded up to a page, at least 4 MiB)\n"
            "  --private-size N     private bytes per lane (default 64K; 0 for none)\n"
            "  --private-base A     its guest address (default 0x40000000)\n"
            "  --threads N          cpu backend worker threads (default: one per core)\n"
            "  --regs               print every register, not the summary\n"
            "  --max-print N        lanes printed in full (default 64; the rest are counted)\n");
}

static int cmd_run(int argc, char **argv)
{
    uint64_t lanes = 1, budget = 1000000000, shared = 0, priv = 64 * 1024, pbase = 0x40000000;
    uint64_t threads = 0, max_print = 64;
    agpu_backend backend = AGPU_BACKEND_AUTO;
    int all_regs = 0;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            run_usage(stdout);
            return 0;
        } else if ((v = opt_value(argc, argv, &i, "--lanes"))) {
            lanes = count_arg("--lanes", v);
        } else if ((v = opt_value(argc, argv, &i, "--budget"))) {
            budget = count_arg("--budget", v);
        } else if ((v = opt_value(argc, argv, &i, "--shared-size"))) {
            shared = count_arg("--shared-size", v);
        } else if ((v = opt_value(argc, argv, &i, "--private-size"))) {
            priv = count_arg("--private-size", v);
        } else if ((v = opt_value(argc, argv, &i, "--private-base"))) {
            pbase = count_arg("--private-base", v);
        } else if ((v = opt_value(argc, argv, &i, "--threads"))) {
            threads = count_arg("--threads", v);
        } else if ((v = opt_value(argc, argv, &i, "--max-print"))) {
            max_print = count_arg("--max-print", v);
        } else if ((v = opt_value(argc, argv, &i, "--backend"))) {
            if (parse_backend(v, &backend)) return 2;
        } else if (!strcmp(argv[i], "--regs")) {
            all_regs = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "armgpu run: unknown option '%s'\n", argv[i]);
            run_usage(stderr);
            return 2;
        } else if (!file) {
            file = argv[i];
        } else {
            fprintf(stderr, "armgpu run: one FILE only ('%s' and '%s')\n", file, argv[i]);
            return 2;
        }
    }
    if (!file) {
        run_usage(stderr);
        return 2;
    }
    FILE *f = fopen(file, "rb");
    if (!f) {
        fprintf(stderr, "armgpu run: cannot open %s: %s\n", file, strerror(errno));
        return 1;
    }
    size_t cap = 1 << 16, len = 0;
    unsigned char *img = malloc(cap);
    for (;;) {
        if (!img) {
            fprintf(stderr, "armgpu run: out of memory reading %s\n", file);
            return 1;
        }
        len += fread(img + len, 1, cap - len, f);
        if (len < cap) break;
        cap *= 2;
        img = realloc(img, cap);
    }
    fclose(f);
    if (len == 0) {
        fprintf(stderr, "armgpu run: %s is empty\n", file);
        return 1;
    }
    if (lanes < 1 || lanes > AGPU_MAX_LANES) {
        fprintf(stderr, "armgpu run: --lanes %llu out of range (1 to %u)\n", (unsigned long long)lanes,
                AGPU_MAX_LANES);
        return 2;
    }
    if (!shared) {
        shared = (len + AGPU_PAGE_SIZE - 1) / AGPU_PAGE_SIZE * AGPU_PAGE_SIZE;
        if (shared < (4u << 20)) shared = 4u << 20;
    }
    if (shared < len) {
        fprintf(stderr, "armgpu run: the image (%zu bytes) does not fit in --shared-size %llu\n", len,
                (unsigned long long)shared);
        return 2;
    }
    agpu_config cfg;
    agpu_config_init(&cfg);
    cfg.num_lanes = (uint32_t)lanes;
    cfg.shared_size = shared;
    cfg.private_size = priv;
    cfg.private_base = priv ? pbase : 0;
    cfg.backend = backend;
    cfg.num_threads = (uint32_t)threads;
    agpu_machine *m;
    if (create_machine(&cfg, &m)) return 1;
    uint64_t *vals = malloc(lanes * sizeof *vals);
    agpu_lane_result *res = malloc(lanes * sizeof *res);
    if (!vals || !res) {
        fprintf(stderr, "armgpu run: out of memory for %llu lanes\n", (unsigned long long)lanes);
        return 1;
    }
    for (uint64_t l = 0; l < lanes; l++) vals[l] = l;
    int rc = agpu_load(m, 0, img, len);
    if (!rc) rc = agpu_fill_reg(m, AGPU_REG_PC, 0);
    if (!rc) rc = agpu_set_reg_all(m, AGPU_REG_X0, vals);
    if (!rc) rc = agpu_fill_reg(m, AGPU_REG_SP, priv ? pbase + priv : shared);
    double t0 = cli_now();
    if (!rc) rc = agpu_execute(m, budget, res);
    double t1 = cli_now();
    if (rc) {
        fprintf(stderr, "armgpu run: %s\n", agpu_last_error(m));
        return 1;
    }
    printf("%s: %zu bytes on %llu lane%s, backend %s, budget %llu\n", file, len,
           (unsigned long long)lanes, lanes == 1 ? "" : "s",
           agpu_backend_name(agpu_machine_backend(m)), (unsigned long long)budget);
    uint64_t total = 0, by_reason[16] = {0};
    for (uint64_t l = 0; l < lanes; l++) {
        total += res[l].instructions;
        by_reason[res[l].stop.reason < 16 ? res[l].stop.reason : 0]++;
        if (l >= max_print) continue;
        char stop[160];
        agpu_format_stop(&res[l].stop, res[l].pc, stop, sizeof stop);
        printf("lane %llu: %s; %llu instructions\n", (unsigned long long)l, stop,
               (unsigned long long)res[l].instructions);
        uint64_t r[32], nzcv = 0;
        agpu_get_gprs(m, (uint32_t)l, r);
        agpu_get_reg(m, (uint32_t)l, AGPU_REG_NZCV, &nzcv);
        int shown = all_regs ? 31 : 8;
        for (int k = 0; k < shown; k++)
            printf("%sx%-2d=%016llx%s", k % 4 ? "" : "  ", k, (unsigned long long)r[k],
                   k % 4 == 3 ? "\n" : " ");
        if (!all_regs) printf("  x29=%016llx x30=%016llx\n", (unsigned long long)r[29], (unsigned long long)r[30]);
        else printf("\n");
        printf("  sp =%016llx pc =%016llx nzcv=%c%c%c%c\n", (unsigned long long)r[31],
               (unsigned long long)res[l].pc, nzcv >> 31 & 1 ? 'N' : '-', nzcv >> 30 & 1 ? 'Z' : '-',
               nzcv >> 29 & 1 ? 'C' : '-', nzcv >> 28 & 1 ? 'V' : '-');
    }
    if (lanes > max_print) printf("... %llu more lanes not printed\n", (unsigned long long)(lanes - max_print));
    printf("stops:");
    for (unsigned k = 0; k < 16; k++)
        if (by_reason[k]) printf(" %s %llu", agpu_stop_reason_name(k), (unsigned long long)by_reason[k]);
    printf("; %llu instructions in %.3f s\n", (unsigned long long)total, t1 - t0);
    free(img);
    free(vals);
    free(res);
    agpu_destroy(m);
    return 0;
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: armgpu COMMAND [options]   (armgpu COMMAND --help for each)\n"
            "\n"
            "  bench   the benchmark suite: instructions per second of each backend and of\n"
            "          the peers (Unicorn, QEMU) on the same workloads; table, JSON, plot\n"
            "  demo    one small program on many lanes, each lane's answer\n"
            "  run     a static AArch64 Linux ELF program on N lanes (armgpu run --help-elf),\n"
            "          or a flat AArch64 image: each lane's stop and registers\n"
            "\n"
            "libarmgpu %s; backends: cpu", agpu_version());
    char why[256];
    if (agpu_backend_available(AGPU_BACKEND_CUDA, why, sizeof why) == AGPU_OK) fprintf(f, ", cuda");
    else fprintf(f, " (cuda: %s)", why);
    fprintf(f, "\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("armgpu %s\n", agpu_version());
        return 0;
    }
    if (!strcmp(cmd, "bench")) return cmd_bench(argc - 1, argv + 1);
    if (!strcmp(cmd, "demo")) return cmd_demo(argc - 1, argv + 1);
    if (!strcmp(cmd, "run")) {
        /* ELF programs run under the Linux layer (src/linux/cli_run.c);
         * flat images stay with cmd_run. */
        for (int i = 2; i < argc; i++)
            if (!strcmp(argv[i], "--help-elf") || (argv[i][0] != '-' && agpu_linux_cli_is_elf(argv[i])))
                return agpu_linux_cli_run(argc - 1, argv + 1);
        return cmd_run(argc - 1, argv + 1);
    }
    fprintf(stderr, "armgpu: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}

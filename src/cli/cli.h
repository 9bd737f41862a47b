/* cli.h - what the armgpu command's files share. */
#ifndef ARMGPU_CLI_H
#define ARMGPU_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "armgpu.h"

int cmd_bench(int argc, char **argv);

/* Parses a count with an optional K/M/G suffix (powers of ten): "10M". */
int cli_parse_count(const char *s, uint64_t *out);
/* Seconds on a monotonic clock. */
double cli_now(void);
/* Host cores online. */
unsigned cli_cores(void);

/* ---- peers (peers.c) */

/* The Unicorn library, loaded at run time (from peer_dir when given). */
typedef struct uc_lib uc_lib;
/* Loads libunicorn.so.2; NULL with the reason in why. */
uc_lib *uc_lib_load(const char *peer_dir, char *why, size_t why_len);
const char *uc_lib_path(const uc_lib *u);

/* One lane's work for Unicorn: X0-X3 in, X0 and the 8-byte slot at
 * slot_addr (0 = none) out. */
typedef struct uc_lane {
    uint64_t x[4];
    uint64_t sp;
    uint64_t slot_addr;
    uint64_t result, slot; /* out */
    int ok;                /* out: reached the halt address */
} uc_lane;

typedef struct uc_job {
    const unsigned char *image;
    size_t image_len;
    uint64_t shared_size;
    uint64_t data_base;                  /* shared data (not code) from here */
    uint64_t private_base, private_size; /* one copy, reused lane after lane */
    uint64_t until;                      /* the halt address */
    uc_lane *lanes;
    uint32_t nlanes;
    unsigned instances;                  /* threads, one uc_engine each */
    unsigned repeats;                    /* timed runs after one warm-up */
} uc_job;

/* Runs job->lanes on job->instances Unicorn engines (threads): one untimed
 * warm-up pass, then `repeats` timed passes; secs[r] gets each pass's wall
 * time.  Returns 0, or -1 with the reason in why. */
int uc_run_job(uc_lib *u, uc_job *job, double *secs, char *why, size_t why_len);

/* QEMU user mode: the path of qemu-aarch64(-static) in peer_dir or PATH. */
int qemu_find(const char *peer_dir, char *path, size_t len, char *why, size_t why_len);

/* Runs `procs` copies of the static ELF at elf_path under qemu at once,
 * process i with arguments (seed[i], n, reps); fills result[i] from its
 * output and returns the wall time, or a negative value with why set. */
double qemu_run(const char *qemu, const char *elf_path, unsigned procs, const uint64_t *seed,
                uint64_t n, uint64_t reps, uint64_t *result, char *why, size_t why_len);

#endif

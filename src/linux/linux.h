/*
 * linux.h - what the Linux program layer's files share (src/linux/).
 *
 * A loaded program (agpu_linux) owns one machine and, per lane, the state a
 * Linux kernel keeps for a process: its file descriptors, stdin, captured
 * stdout and stderr, brk and mmap allocations, signal dispositions, the
 * virtual clock's sleep offset and its random stream.  The machine's lanes
 * stop at every SVC; the host serves the call (syscalls.c) and resumes them
 * (linux.c).  The ELF checks and the guest memory layout are in loader.c.
 */
#ifndef AGPU_LINUX_H
#define AGPU_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* Syscall numbers counted individually; anything above is counted in
 * stats[LX_NR_MAX]. */
#define LX_NR_MAX 1024u

/* Where ended lanes are parked: an address in no region, so a parked lane
 * faults at once without retiring anything. */
#define LX_PARK_PC 0xfffffffffffff000ull

typedef struct lx_buf {
    uint8_t *p;
    size_t len, cap;
} lx_buf;

int lx_buf_append(lx_buf *b, const void *p, size_t n);

/* One loaded ELF, checked: everything the layout needs. */
#define LX_MAX_SEGS 16
typedef struct lx_seg {
    uint64_t vaddr, memsz, offset, filesz; /* vaddr already biased */
    uint32_t flags;                        /* PF_R/PF_W/PF_X */
} lx_seg;

typedef struct lx_image {
    const uint8_t *data;
    size_t len;
    uint16_t type;           /* ET_EXEC or ET_DYN */
    uint64_t bias;           /* added to every vaddr (static-PIE) */
    uint64_t entry;          /* biased */
    uint64_t phoff;
    uint16_t phnum, phentsize;
    uint64_t phdr_vaddr;     /* 0 when no loaded segment holds the headers */
    lx_seg seg[LX_MAX_SEGS];
    uint32_t nseg;
} lx_image;

/* Checks an ELF file and fills *img; on failure writes a one-line reason to
 * why and returns AGPU_ERR_INVALID_ARGUMENT. */
int lx_parse_elf(const uint8_t *data, size_t len, lx_image *img, char *why, size_t why_len);

/* An open file description (shared by dup'd descriptors). */
enum { LX_F_STDIN = 1, LX_F_STDOUT, LX_F_STDERR, LX_F_MAPPED, LX_F_PIPE_R, LX_F_PIPE_W };

typedef struct lx_pipe {
    lx_buf buf;
    size_t rpos;
    int readers, writers;
} lx_pipe;

typedef struct lx_file {
    int refs;
    int kind;
    uint32_t index;  /* LX_F_MAPPED: which mapped file */
    uint64_t pos;
    uint32_t flags;  /* O_* status flags given at open */
    lx_pipe *pipe;
} lx_file;

typedef struct lx_fd {
    lx_file *f;
    int cloexec;
} lx_fd;

typedef struct lx_range {
    uint64_t start, end;
} lx_range;

typedef struct lx_mapped {
    char *guest;     /* normalized guest path */
    uint8_t *data;
    size_t len;
} lx_mapped;

typedef struct lx_lane {
    uint32_t status;        /* AGPU_LINUX_* */
    int32_t exit_code;
    int32_t signal;
    agpu_stop stop;
    uint64_t stop_pc;
    uint64_t instructions;  /* retired under agpu_linux_run */
    uint64_t syscalls;
    char **argv, **envp;    /* NULL: the program's common ones */
    uint8_t *in;
    size_t in_len, in_pos;
    lx_buf out, err;
    lx_fd *fds;
    uint32_t nfds;
    uint64_t brk;
    lx_range *maps;         /* sorted mmap allocations */
    uint32_t nmaps, capmaps;
    uint64_t rng;
    uint64_t sleep_ns;
    uint64_t sigmask, sigpending;
    uint8_t (*sigact)[32];  /* 64 raw struct sigaction, NULL until set */
    uint64_t altstack[3];
    char name[16];
} lx_lane;

struct agpu_linux {
    agpu_machine *m;
    agpu_linux_config cfg;
    uint8_t *elf;           /* owned copy */
    size_t elf_len;
    lx_image img;
    char *exe_path;
    char *self_exe;         /* /proc/self/exe: absolute, as the kernel gives it */
    char **argv, **envp;    /* common, owned */
    lx_mapped *files;
    uint32_t nfiles;
    lx_lane *lanes;
    uint32_t nlanes;
    int started;
    /* the private region's layout */
    uint64_t priv_base, data_end, brk_start, brk_limit, mmap_lo, mmap_hi, stack_lo, stack_hi;
    uint64_t hwcap, hwcap2;
    uint64_t stats[LX_NR_MAX + 1];
    uint8_t known[LX_NR_MAX + 1];
};

/* Serves the system call lane l stopped on; s is its state (x8 the number,
 * x0-x5 the arguments).  Writes the result to s->r[0], or ends the lane.
 * Returns 1 when s changed and must be written back. */
int lx_syscall(agpu_linux *p, uint32_t l, a64_state *s);

/* Ends lane l: status, code, signal. */
void lx_end(agpu_linux *p, uint32_t l, uint32_t status, int code, int sig);

/* Frees a lane's Linux state. */
void lx_lane_free(lx_lane *ln);

/* Lays the private region out and builds every lane's stack. */
int lx_start(agpu_linux *p);

/* Opens fds 0, 1, 2 for lane l. */
int lx_open_stdio(agpu_linux *p, uint32_t l);

/* splitmix64: the per-lane random stream. */
uint64_t lx_rand(uint64_t *state);

/* "/a/b" from "a/b", "./a/b", "/a//b": the one spelling mapped paths are
 * compared in.  Returns a malloc'd string. */
char *lx_normalize_path(const char *path);

#endif

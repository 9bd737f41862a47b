/*
 * internal.h - what the machine layer and the backends share.
 *
 * The machine layer (machine.c) owns everything backend-independent: the
 * configuration, argument checking, error messages, page permissions (the
 * host copy) and the translation of guest addresses to (region, offset).
 * A backend owns where lane state and guest memory live and how lanes run.
 */
#ifndef AGPU_INTERNAL_H
#define AGPU_INTERNAL_H

#include <signal.h>
#include <stdarg.h>
#include <stdint.h>

#include "armgpu.h"
#include "a64_core.h"

enum agpu_region { AGPU_REGION_SHARED = 0, AGPU_REGION_PRIVATE = 1 };

typedef struct agpu_backend_ops {
    const char *name;
    /* Allocates zeroed memory and lane state (PC, registers 0). */
    int (*create)(agpu_machine *m);
    void (*destroy)(agpu_machine *m);
    /* Region bytes; for the private region lane is one lane or AGPU_ALL_LANES
     * (write only).  Ranges are already checked. */
    int (*write_mem)(agpu_machine *m, int region, uint32_t lane, uint64_t off, const void *p, size_t n);
    int (*read_mem)(agpu_machine *m, int region, uint32_t lane, uint64_t off, void *p, size_t n);
    /* The host permission arrays changed in pages [first, first+count) of
     * the region: for the private region, of one lane's table or, with
     * AGPU_ALL_LANES, of every lane's (the shared region ignores lane). */
    int (*prot_changed)(agpu_machine *m, int region, uint32_t lane, uint64_t first, uint64_t count);
    /* Whole lane states for lanes [lane, lane+count). */
    int (*read_state)(agpu_machine *m, uint32_t lane, uint32_t count, a64_state *out);
    int (*write_state)(agpu_machine *m, uint32_t lane, uint32_t count, const a64_state *in);
    /* Runs every lane; fills results (never NULL here). */
    int (*execute)(agpu_machine *m, uint64_t budget, agpu_lane_result *results);
    /* Optional: the host-resident state array, for agpu_gpr_view(). */
    a64_state *(*host_state)(agpu_machine *m);
} agpu_backend_ops;

struct agpu_machine {
    agpu_config cfg;
    agpu_backend backend;
    const agpu_backend_ops *ops;
    void *impl;                    /* the backend's own */
    uint8_t *shared_prot;          /* one byte a page, host copy */
    uint8_t *priv_prot;            /* num_lanes x priv_pages, lane-major: each
                                      lane (a Linux process) has its own */
    uint64_t shared_pages;
    uint64_t priv_pages;
    volatile sig_atomic_t interrupt;
    char err[512];
};

extern const agpu_backend_ops agpu_cpu_ops;

/* The CUDA backend, when built (ARMGPU_HAVE_CUDA); otherwise these report
 * that it was not built. */
extern const agpu_backend_ops *agpu_cuda_ops(void);
int agpu_cuda_probe(char *why, size_t why_len);

/* Records a formatted message on m and returns err. */
int agpu_fail(agpu_machine *m, int err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The a64_mem view of a machine whose memory is at the given host pointers.
 * priv_prot is the start of the lanes x pages table: a backend points the
 * view at lane l's row, a64_mem_for_lane(&view, l) (a64_core.h), before running
 * lane l. */
void agpu_mem_view(const agpu_machine *m, uint8_t *shared, const uint8_t *shared_prot,
                   const uint8_t *priv_prot, a64_mem *out);

/* Lane l's row of the host's private permission table, m->priv_prot. */
static inline uint8_t *agpu_lane_prot(const agpu_machine *m, uint32_t l)
{
    return m->priv_prot + (size_t)l * (size_t)m->priv_pages;
}

/* Host threads for the cpu backend when cfg.num_threads is 0. */
unsigned agpu_host_cores(void);

#endif

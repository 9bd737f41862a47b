/*
 * armgpu.h - the public C API of libarmgpu.
 *
 * libarmgpu runs AArch64 (A64) user-mode code on many emulated CPUs at once.
 * Each emulated CPU is a "lane": its own X0-X30, SP, PC, NZCV, TPIDR_EL0,
 * exclusive monitor, retired-instruction count and stop record.  All lanes of
 * a machine see one shared guest memory region and, optionally, a private
 * region of their own at the same guest address.
 *
 * A run is a loop of: the host writes code, data and lane state; the host
 * calls agpu_execute(); every lane runs until it stops (HLT, SVC, BRK, a
 * fault, an unsupported instruction) or spends its instruction budget; the
 * host reads back each lane's stop record and state, acts, and calls
 * agpu_execute() again to resume.
 *
 * Conventions
 *  - Every function that can fail returns an int: AGPU_OK (0) on success or a
 *    negative agpu_error.  agpu_strerror() names the code; agpu_last_error()
 *    says what exactly was wrong ("lane 70000 out of range (machine has 65536
 *    lanes)").
 *  - Guest memory is little-endian, as AArch64 user space is.
 *  - Instructions are counted when they retire.  SVC retires (its stop is
 *    taken after it, with PC pointing past it, as Linux sees it).  HLT, BRK,
 *    faulting and undefined instructions do not retire: PC is left on them and
 *    no register or memory is changed by them.
 *
 * Thread safety
 *  - Different machines may be used from different threads at the same time.
 *  - One machine must not be used from two threads at once, with one
 *    exception: agpu_interrupt() may be called from any thread or from a
 *    signal handler while agpu_execute() runs.
 *  - agpu_strerror(), agpu_backend_name(), agpu_backend_available() and
 *    agpu_version() are thread-safe.  agpu_last_error(NULL) reports the
 *    calling thread's last agpu_create() failure.
 */
#ifndef ARMGPU_H
#define ARMGPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define AGPU_API
#elif defined(__GNUC__)
#define AGPU_API __attribute__((visibility("default")))
#else
#define AGPU_API
#endif

#define AGPU_VERSION_MAJOR 0
#define AGPU_VERSION_MINOR 1
#define AGPU_VERSION_PATCH 0

/* Guest memory is protected and accounted in pages of this size. */
#define AGPU_PAGE_SIZE 4096u

/* Largest lane count and region sizes a machine accepts. */
#define AGPU_MAX_LANES (1u << 24)
#define AGPU_MAX_REGION_SIZE (1ull << 40)

/* A machine: its lanes, its guest memory and its backend. Opaque. */
typedef struct agpu_machine agpu_machine;

/* ------------------------------------------------------------------ errors */

typedef enum agpu_error {
    AGPU_OK = 0,
    AGPU_ERR_INVALID_ARGUMENT = -1, /* a NULL pointer, a bad size or flag   */
    AGPU_ERR_OUT_OF_MEMORY = -2,    /* the host or the device has no room   */
    AGPU_ERR_UNAVAILABLE = -3,      /* the backend cannot run here          */
    AGPU_ERR_LANE_RANGE = -4,       /* lane index >= number of lanes        */
    AGPU_ERR_ADDRESS = -5,          /* guest range outside mapped memory    */
    AGPU_ERR_BACKEND = -6,          /* the device failed (a CUDA error)     */
    AGPU_ERR_INTERRUPTED = -7,      /* agpu_interrupt() ended agpu_execute  */
    AGPU_ERR_STATE = -8             /* call not valid in the machine's state */
} agpu_error;

/* The name of an error code, for example "invalid argument". Never NULL. */
AGPU_API const char *agpu_strerror(int err);

/* What went wrong in the last failed call on machine m, in one line, naming
 * the offending value.  With m == NULL: the calling thread's last
 * agpu_create() failure.  "" when nothing has failed.  The string stays valid
 * until the next call on the same machine (or, for NULL, on the same thread). */
AGPU_API const char *agpu_last_error(const agpu_machine *m);

/* "major.minor.patch". */
AGPU_API const char *agpu_version(void);

/* ---------------------------------------------------------------- backends */

typedef enum agpu_backend {
    AGPU_BACKEND_AUTO = 0, /* cuda when a usable GPU is present, else cpu */
    AGPU_BACKEND_CPU = 1,  /* host threads; always available; the reference */
    AGPU_BACKEND_CUDA = 2  /* one GPU thread per lane */
} agpu_backend;

/* "auto", "cpu" or "cuda"; NULL for a value outside the enum. */
AGPU_API const char *agpu_backend_name(agpu_backend backend);

/* Parses "auto", "cpu" or "cuda" into *out.  AGPU_ERR_INVALID_ARGUMENT for
 * any other string. */
AGPU_API int agpu_backend_from_name(const char *name, agpu_backend *out);

/* Whether `backend` can run on this host now.  Returns AGPU_OK when it can,
 * else AGPU_ERR_UNAVAILABLE with the reason written to why (truncated to
 * why_len bytes, always NUL-terminated when why_len > 0; why may be NULL).
 * For AGPU_BACKEND_AUTO it reports the backend auto would pick in *why. */
AGPU_API int agpu_backend_available(agpu_backend backend, char *why, size_t why_len);

/* ----------------------------------------------------------------- machine */

typedef struct agpu_config {
    uint32_t num_lanes;       /* 1 .. AGPU_MAX_LANES                          */
    uint64_t shared_size;     /* bytes of shared memory, mapped at guest
                                 address 0; a multiple of AGPU_PAGE_SIZE, may
                                 be 0 when private memory is given            */
    uint64_t private_base;    /* guest address of each lane's private region;
                                 a multiple of AGPU_PAGE_SIZE, above the
                                 shared region                                */
    uint64_t private_size;    /* bytes per lane; 0 = no private region        */
    agpu_backend backend;     /* AGPU_BACKEND_AUTO, _CPU or _CUDA             */
    uint32_t num_threads;     /* cpu backend: worker threads, 0 = one per
                                 host core; results never depend on it        */
} agpu_config;

/* Fills *cfg with defaults: 1 lane, 4 MiB shared memory, no private memory,
 * AGPU_BACKEND_AUTO, one thread per core. */
AGPU_API void agpu_config_init(agpu_config *cfg);

/* Creates a machine.  All memory starts zeroed and readable, writable and
 * executable; all registers, PC and NZCV start at zero, SP at zero.  On
 * failure *out is set to NULL and agpu_last_error(NULL) says why. */
AGPU_API int agpu_create(const agpu_config *cfg, agpu_machine **out);

/* Frees the machine and everything it holds.  NULL is a no-op. */
AGPU_API void agpu_destroy(agpu_machine *m);

/* The backend this machine runs on (never AGPU_BACKEND_AUTO). */
AGPU_API agpu_backend agpu_machine_backend(const agpu_machine *m);
AGPU_API uint32_t agpu_num_lanes(const agpu_machine *m);
AGPU_API uint64_t agpu_shared_size(const agpu_machine *m);
AGPU_API uint64_t agpu_private_base(const agpu_machine *m);
AGPU_API uint64_t agpu_private_size(const agpu_machine *m);

/* ------------------------------------------------------------ guest memory */

/* Page permissions, for agpu_protect() and agpu_protect_lane(). */
#define AGPU_PROT_READ 1u
#define AGPU_PROT_WRITE 2u
#define AGPU_PROT_EXEC 4u
#define AGPU_PROT_ALL (AGPU_PROT_READ | AGPU_PROT_WRITE | AGPU_PROT_EXEC)

/* Selects "every lane" where a lane index is taken. */
#define AGPU_ALL_LANES UINT32_MAX

/* Copies len bytes to guest address addr.  In the shared region, lane is
 * ignored.  In the private region, lane selects whose copy is written, or
 * AGPU_ALL_LANES writes every lane's copy.  The whole range must lie in one
 * region (AGPU_ERR_ADDRESS otherwise).  Host writes ignore page permissions
 * and are always seen by the next agpu_execute(), code included. */
AGPU_API int agpu_write_memory(agpu_machine *m, uint32_t lane, uint64_t addr,
                               const void *data, size_t len);

/* Loads a program image: agpu_write_memory(m, AGPU_ALL_LANES, ...). */
AGPU_API int agpu_load(agpu_machine *m, uint64_t addr, const void *data, size_t len);

/* Copies len bytes from guest address addr into buf.  In the private region
 * lane must name one lane. */
AGPU_API int agpu_read_memory(agpu_machine *m, uint32_t lane, uint64_t addr,
                              void *buf, size_t len);

/* Sets the permissions (AGPU_PROT_* bits) of the pages in [addr, addr+len):
 * addr and len are multiples of AGPU_PAGE_SIZE and the range lies in one
 * region.  For the private region the permissions apply to every lane.
 * Lanes that read, write or fetch against them stop with AGPU_STOP_FAULT,
 * cause AGPU_FAULT_PERMISSION.
 *
 * Permissions are one byte per page: one table for the shared region, and
 * for the private region one table per lane (num_lanes x private_size /
 * AGPU_PAGE_SIZE bytes in all, on the host and again on a GPU: 1/4096 of the
 * private memory itself). */
AGPU_API int agpu_protect(agpu_machine *m, uint64_t addr, uint64_t len, uint32_t prot);

/* agpu_protect() for one lane's private region: only that lane's pages
 * change, as a process's mprotect() changes only its own mappings.  lane is
 * a lane index, or AGPU_ALL_LANES for agpu_protect()'s meaning.  A range in
 * the shared region with one lane is refused (AGPU_ERR_INVALID_ARGUMENT):
 * the shared region has one table for all lanes by design. */
AGPU_API int agpu_protect_lane(agpu_machine *m, uint32_t lane, uint64_t addr, uint64_t len,
                               uint32_t prot);

/* The permissions of the page holding addr, or AGPU_ERR_ADDRESS if unmapped.
 * For a private page whose permissions agpu_protect_lane() made differ
 * between lanes there is no one answer: AGPU_ERR_STATE, naming the first
 * lane that differs from lane 0. */
AGPU_API int agpu_get_protection(agpu_machine *m, uint64_t addr, uint32_t *prot);

/* The permissions of the page holding addr as lane sees it.  In the shared
 * region lane is ignored; AGPU_ALL_LANES is agpu_get_protection(). */
AGPU_API int agpu_get_protection_lane(agpu_machine *m, uint32_t lane, uint64_t addr,
                                      uint32_t *prot);

/* ------------------------------------------------------------------- state */

typedef enum agpu_reg {
    AGPU_REG_X0 = 0, /* X0..X30 are 0..30 */
    AGPU_REG_X30 = 30,
    AGPU_REG_SP = 31,
    AGPU_REG_PC = 32,
    AGPU_REG_NZCV = 33,      /* as MRS NZCV reads it: N,Z,C,V in bits 31..28 */
    AGPU_REG_TPIDR_EL0 = 34,
    AGPU_REG_FPCR = 35,
    AGPU_REG_FPSR = 36,
    AGPU_REG_ICOUNT = 37,    /* instructions retired since creation; also
                                drives CNTVCT_EL0 */
    AGPU_REG_COUNT = 38
} agpu_reg;

/* The name of a register ("x0", "sp", "pc", "nzcv", ...); NULL if out of range. */
AGPU_API const char *agpu_reg_name(agpu_reg reg);

/* One register of one lane.  Writing NZCV keeps bits 31..28 only; writing
 * FPCR and FPSR keeps their architecturally writable bits only. */
AGPU_API int agpu_get_reg(agpu_machine *m, uint32_t lane, agpu_reg reg, uint64_t *value);
AGPU_API int agpu_set_reg(agpu_machine *m, uint32_t lane, agpu_reg reg, uint64_t value);

/* One register of every lane: values has agpu_num_lanes() entries. */
AGPU_API int agpu_get_reg_all(agpu_machine *m, agpu_reg reg, uint64_t *values);
AGPU_API int agpu_set_reg_all(agpu_machine *m, agpu_reg reg, const uint64_t *values);

/* Sets one register of every lane to the same value (for example every PC). */
AGPU_API int agpu_fill_reg(agpu_machine *m, agpu_reg reg, uint64_t value);

/* X0..X30 and SP of one lane, in that order (32 values). */
AGPU_API int agpu_get_gprs(agpu_machine *m, uint32_t lane, uint64_t regs[32]);
AGPU_API int agpu_set_gprs(agpu_machine *m, uint32_t lane, const uint64_t regs[32]);

/* SIMD&FP register Vn (n 0..31) of one lane as 16 bytes, little-endian:
 * byte 0 is the lowest byte of Bn/Hn/Sn/Dn/Qn.  FPCR and FPSR are
 * AGPU_REG_FPCR and AGPU_REG_FPSR. */
AGPU_API int agpu_get_vreg(agpu_machine *m, uint32_t lane, uint32_t n, void *out16);
AGPU_API int agpu_set_vreg(agpu_machine *m, uint32_t lane, uint32_t n, const void *in16);

/* Direct access to the lane register file where the backend keeps it in
 * host memory (the cpu backend): a pointer to X0 of lane 0; lane l's X0..X30
 * and SP are the 32 uint64_t at base + l * *stride (stride in uint64_t
 * units).  NULL (with AGPU_ERR_UNAVAILABLE in agpu_last_error) when the
 * backend keeps state elsewhere.  Valid until agpu_destroy(); writes through
 * it are seen by the next agpu_execute(). */
AGPU_API uint64_t *agpu_gpr_view(agpu_machine *m, size_t *stride);

/* ------------------------------------------------------------------- stops */

typedef enum agpu_stop_reason {
    AGPU_STOP_NONE = 0,        /* has not run yet                           */
    AGPU_STOP_HALT = 1,        /* HLT #imm; PC on the HLT                   */
    AGPU_STOP_SYSCALL = 2,     /* SVC #imm; PC past the SVC                 */
    AGPU_STOP_BREAK = 3,       /* BRK #imm; PC on the BRK                   */
    AGPU_STOP_FAULT = 4,       /* bad access; address, access and cause set */
    AGPU_STOP_UNDEFINED = 5,   /* unsupported or unallocated encoding       */
    AGPU_STOP_MAX_CYCLES = 6,  /* the instruction budget was spent          */
    AGPU_STOP_EXITED = 7,      /* the program exited (Linux layer)          */
    AGPU_STOP_INTERRUPTED = 8  /* agpu_interrupt() stopped the run          */
} agpu_stop_reason;

typedef enum agpu_access {
    AGPU_ACCESS_NONE = 0,
    AGPU_ACCESS_READ = 1,
    AGPU_ACCESS_WRITE = 2,
    AGPU_ACCESS_FETCH = 3
} agpu_access;

typedef enum agpu_fault_cause {
    AGPU_FAULT_NONE = 0,
    AGPU_FAULT_UNMAPPED = 1,   /* outside the shared and private regions   */
    AGPU_FAULT_PERMISSION = 2, /* page lacks read, write or execute        */
    AGPU_FAULT_ALIGNMENT = 3   /* exclusive, ordered or atomic access not
                                  naturally aligned, or PC not a multiple of
                                  4 (SP alignment is not checked: SA0 = 0)   */
} agpu_fault_cause;

typedef struct agpu_stop {
    uint32_t reason;   /* agpu_stop_reason                                   */
    uint32_t imm;      /* SVC/HLT/BRK: the 16-bit immediate                  */
    uint32_t encoding; /* UNDEFINED: the instruction word; else the word at
                          the stop when one was fetched, 0 otherwise          */
    uint32_t access;   /* FAULT: agpu_access                                 */
    uint32_t cause;    /* FAULT: agpu_fault_cause                            */
    uint32_t reserved;
    uint64_t address;  /* FAULT: the first guest address that failed        */
} agpu_stop;

typedef struct agpu_lane_result {
    uint64_t instructions; /* retired by this agpu_execute() call           */
    uint64_t pc;           /* PC when the lane stopped                        */
    agpu_stop stop;
} agpu_lane_result;

/* "HALT", "SYSCALL", "BREAK", "FAULT", "UNDEFINED", "MAX_CYCLES", "EXITED",
 * "INTERRUPTED", "NONE"; NULL for other values. */
AGPU_API const char *agpu_stop_reason_name(uint32_t reason);

/* Runs every lane from its PC until it stops or retires max_instructions
 * instructions (then AGPU_STOP_MAX_CYCLES).  max_instructions may be 0 (every
 * lane stops at once with MAX_CYCLES) or UINT64_MAX.  When results is not
 * NULL it receives agpu_num_lanes() entries.  A lane's stop never affects
 * another lane.  Returns AGPU_ERR_INTERRUPTED when agpu_interrupt() cut the
 * run short: lanes not yet stopped then report AGPU_STOP_INTERRUPTED with
 * their state exact, and the next call resumes them. */
AGPU_API int agpu_execute(agpu_machine *m, uint64_t max_instructions,
                          agpu_lane_result *results);

/* The stop record of one lane from the last agpu_execute(). */
AGPU_API int agpu_get_stop(agpu_machine *m, uint32_t lane, agpu_stop *stop);

/* Asks agpu_execute() on m to return soon: the one running, or when none is
 * running the next one, which then returns AGPU_ERR_INTERRUPTED at once
 * (every lane that would run reports AGPU_STOP_INTERRUPTED, having run
 * nothing).  The request is consumed by the execute that returns
 * AGPU_ERR_INTERRUPTED for it, so it is never lost, even when it lands
 * just before a run starts; one call is enough.  Async-signal-safe. */
AGPU_API void agpu_interrupt(agpu_machine *m);

/* Formats a stop record in one line, for example
 * "FAULT: write to 0x10000 (unmapped) at pc 0x8", into buf (NUL-terminated,
 * truncated to len). Returns the length it would have written. */
AGPU_API int agpu_format_stop(const agpu_stop *stop, uint64_t pc, char *buf, size_t len);

/* ========================================================= Linux programs */
/*
 * Static AArch64 Linux ELF programs, one process per lane (DESIGN decision
 * 7).  agpu_linux_create() checks the ELF (ELF64, little-endian, AArch64,
 * ET_EXEC or static-PIE; a PT_INTERP, another architecture, ELF32 or a
 * malformed file is refused with the reason in agpu_last_error(NULL)) and
 * creates a machine sized for it: read-only and executable segments in the
 * shared region, and in each lane's private region the writable segments,
 * a brk heap, an mmap area and the stack.  Each lane then gets its own
 * argv, environment and stdin; agpu_linux_run() starts every lane as the
 * Linux kernel starts a process (argc, argv, envp and the auxiliary vector
 * on the stack) and serves the system calls lanes make between
 * agpu_execute() calls, until every lane has ended.  Each lane's stdout and
 * stderr are captured whole, and its exit status or signal recorded.
 *
 * Nothing reaches the host's files unless mapped with
 * agpu_linux_map_file().  Clocks are virtual by default: 1 ns per retired
 * instruction plus the time the lane slept.  The system calls served, the
 * fixed identity uname reports and what is not emulated are listed in
 * docs/linux.md.
 *
 * Errors of the functions taking an agpu_linux are reported through
 * agpu_last_error(agpu_linux_machine(p)).
 */

/* A program loaded into a machine, with every lane's process state. Opaque. */
typedef struct agpu_linux agpu_linux;

typedef struct agpu_linux_config {
    uint32_t num_lanes;   /* 1 .. AGPU_MAX_LANES                            */
    agpu_backend backend;
    uint32_t num_threads; /* cpu backend workers; 0 = one per host core     */
    uint64_t heap_size;   /* brk room per lane                              */
    uint64_t mmap_size;   /* mmap room per lane                             */
    uint64_t stack_size;  /* stack per lane.  0 for any of the three: a share
                             of a budget over the lanes (half the host's
                             memory up to 64 GiB on the cpu backend, 16 GiB
                             on cuda): 1/4 heap (1 to 64 MiB), 5/8 mmap (2 to
                             256 MiB), 1/8 stack (256 KiB to 8 MiB)         */
    uint64_t seed;        /* AT_RANDOM and getrandom bytes derive from the
                             seed and the lane index                          */
    int host_time;        /* nonzero: clock_gettime and friends read the
                             host's clocks instead of the virtual clock      */
} agpu_linux_config;

/* 1 lane, auto backend, default sizes, seed 0, virtual time. */
AGPU_API void agpu_linux_config_init(agpu_linux_config *cfg);

/* Checks the ELF image (elf, len bytes; copied) and creates a machine for
 * it.  exe_path is what the program sees as its path (AT_EXECFN,
 * /proc/self/exe, argv[0] by default); NULL gives "/program".  On failure
 * *out is NULL and agpu_last_error(NULL) says what was wrong. */
AGPU_API int agpu_linux_create(const void *elf, size_t len, const char *exe_path,
                               const agpu_linux_config *cfg, agpu_linux **out);

/* The same, reading the ELF from a host file (exe_path = path). */
AGPU_API int agpu_linux_create_file(const char *path, const agpu_linux_config *cfg,
                                    agpu_linux **out);

/* Frees the program and its machine.  NULL is a no-op. */
AGPU_API void agpu_linux_destroy(agpu_linux *p);

/* The machine the program runs on (owned by p). */
AGPU_API agpu_machine *agpu_linux_machine(agpu_linux *p);

/* argv and the environment (NULL-terminated string arrays, copied) of one
 * lane, or of every lane with AGPU_ALL_LANES.  Defaults: argv = {exe_path},
 * no environment.  Only before the first agpu_linux_run(). */
AGPU_API int agpu_linux_set_args(agpu_linux *p, uint32_t lane, const char *const *argv);
AGPU_API int agpu_linux_set_env(agpu_linux *p, uint32_t lane, const char *const *envp);

/* The bytes a lane (or AGPU_ALL_LANES) reads from fd 0 (copied); default
 * none (end of file at once).  Only before the first agpu_linux_run(). */
AGPU_API int agpu_linux_set_stdin(agpu_linux *p, uint32_t lane, const void *data, size_t len);

/* Makes the host file host_path (read now, whole) readable by every lane
 * as guest_path: openat, newfstatat, faccessat and file-backed mmap see
 * it, read-only.  Relative guest paths are taken from "/". */
AGPU_API int agpu_linux_map_file(agpu_linux *p, const char *guest_path, const char *host_path);
/* The same with the contents given (copied). */
AGPU_API int agpu_linux_map_data(agpu_linux *p, const char *guest_path, const void *data, size_t len);

/* Runs every lane that has not ended until it ends or has retired
 * max_instructions more instructions (UINT64_MAX: no limit), serving its
 * system calls.  The first call starts the lanes.  Returns AGPU_OK when
 * every lane ended or spent its budget; AGPU_ERR_INTERRUPTED after
 * agpu_interrupt(agpu_linux_machine(p)) (the next call resumes). */
AGPU_API int agpu_linux_run(agpu_linux *p, uint64_t max_instructions);

typedef enum agpu_linux_status {
    AGPU_LINUX_RUNNING = 0,  /* not ended (not started, or budget spent)   */
    AGPU_LINUX_EXITED = 1,   /* exit or exit_group: exit_code             */
    AGPU_LINUX_SIGNALED = 2  /* ended by a signal: the ones it raised itself
                                (abort: SIGABRT), a fault (SIGSEGV, SIGBUS
                                for alignment), an undefined instruction or
                                HLT (SIGILL), BRK (SIGTRAP), a write to a
                                pipe with no reader (SIGPIPE)               */
} agpu_linux_status;

typedef struct agpu_linux_result {
    uint32_t status;       /* agpu_linux_status                              */
    int32_t exit_code;     /* EXITED: 0..255; SIGNALED: 128 + signal, as a
                              shell reports it                                */
    int32_t signal;        /* SIGNALED: the signal number, else 0            */
    uint32_t reserved;
    agpu_stop stop;        /* the stop that raised the signal, when one did  */
    uint64_t stop_pc;
    uint64_t instructions; /* retired under agpu_linux_run()                 */
    uint64_t syscalls;     /* system calls made                              */
    const uint8_t *out;    /* captured stdout (fd 1) bytes; valid until the
                              next agpu_linux_run() or agpu_linux_destroy()   */
    size_t out_len;
    const uint8_t *err;    /* captured stderr (fd 2) bytes                   */
    size_t err_len;
} agpu_linux_result;

AGPU_API int agpu_linux_result_of(agpu_linux *p, uint32_t lane, agpu_linux_result *r);

typedef struct agpu_linux_syscall_count {
    uint32_t number;   /* Linux AArch64 system call number                  */
    uint32_t unknown;  /* 1: not emulated, answered -ENOSYS                 */
    uint64_t count;    /* calls over every lane                             */
} agpu_linux_syscall_count;

/* The system calls the lanes made, ascending by number: up to cap entries
 * written to out (may be NULL with cap 0), the number there are in *count. */
AGPU_API int agpu_linux_syscall_stats(agpu_linux *p, agpu_linux_syscall_count *out, size_t cap,
                                      size_t *count);

/* The name of a Linux AArch64 system call number ("openat"), or NULL. */
AGPU_API const char *agpu_linux_syscall_name(uint32_t number);

/* AT_HWCAP and AT_HWCAP2 as programs are given them: the features this
 * build executes, found by running one instruction of each feature (FP,
 * ASIMD, CRC32, ATOMICS, LRCPC, FLAGM, DCPOP) on a scratch lane. */
AGPU_API void agpu_linux_hwcaps(uint64_t *hwcap, uint64_t *hwcap2);

#ifdef __cplusplus
}
#endif

#endif /* ARMGPU_H */

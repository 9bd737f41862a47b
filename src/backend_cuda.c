/*
 * backend_cuda.c - the cuda backend, host side: one GPU thread per lane.
 *
 * The kernel (shaders/a64_kernel.cu, the same a64_exec.h the cpu backend
 * runs) is compiled at build time into a fatbin that src/cuda.cmake embeds
 * here as agpu_a64_fatbin.  The CUDA driver is reached only at run time,
 * through dlopen("libcuda.so.1") (DESIGN decision 6): the library loads and
 * runs its cpu backend on machines with no NVIDIA driver, and there this
 * backend says why it cannot run.  docs/cuda.md gives the reasons for the
 * driver API over a statically linked runtime.
 *
 * Everything a lane has lives on the device between calls: its a64_state,
 * the shared region, every lane's private region, the shared permissions and
 * every lane's private permissions.  Host reads and writes copy only what
 * they name; an execute moves the lanes' results back in one transfer.
 * Long budgets run as several launches ("slices") of bounded length, so
 * agpu_interrupt() is seen between them and no launch runs long enough to
 * trip a display watchdog.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "cuda_jit.h"

/* ------------------------------------------------------- the driver API */

/* The few driver types and calls used, declared here so that nothing of the
 * CUDA toolkit is needed to compile or load this file.  The driver's ABI is
 * stable: these are the documented signatures of the named symbols. */
typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef unsigned long long CUdeviceptr;

#define CUDA_SUCCESS 0
#define CUDA_ERROR_OUT_OF_MEMORY 2
#define CUDA_ERROR_NO_DEVICE 100
#define CUDA_ERROR_FILE_NOT_FOUND 301
#define CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT 16
#define CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR 75
#define CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR 76
#define CU_FUNC_ATTRIBUTE_NUM_REGS 4

static struct cu_api {
    CUresult (*Init)(unsigned);
    CUresult (*DriverGetVersion)(int *);
    CUresult (*DeviceGetCount)(int *);
    CUresult (*DeviceGet)(CUdevice *, int);
    CUresult (*DeviceGetName)(char *, int, CUdevice);
    CUresult (*DeviceGetAttribute)(int *, int, CUdevice);
    CUresult (*DevicePrimaryCtxRetain)(CUcontext *, CUdevice);
    CUresult (*DevicePrimaryCtxRelease)(CUdevice);
    CUresult (*CtxSetCurrent)(CUcontext);
    CUresult (*CtxSynchronize)(void);
    CUresult (*ModuleLoadData)(CUmodule *, const void *);
    CUresult (*ModuleUnload)(CUmodule);
    CUresult (*ModuleGetFunction)(CUfunction *, CUmodule, const char *);
    CUresult (*FuncGetAttribute)(int *, int, CUfunction);
    CUresult (*MemAlloc)(CUdeviceptr *, size_t);
    CUresult (*MemFree)(CUdeviceptr);
    CUresult (*MemAllocHost)(void **, size_t);
    CUresult (*MemFreeHost)(void *);
    CUresult (*MemsetD8)(CUdeviceptr, unsigned char, size_t);
    CUresult (*MemcpyHtoD)(CUdeviceptr, const void *, size_t);
    CUresult (*MemcpyDtoH)(void *, CUdeviceptr, size_t);
    CUresult (*LaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                             unsigned, CUstream, void **, void **);
    CUresult (*GetErrorString)(CUresult, const char **);
    CUresult (*GetErrorName)(CUresult, const char **);
} cu;

static pthread_once_t cu_once = PTHREAD_ONCE_INIT;
static int cu_status = AGPU_ERR_UNAVAILABLE;
static char cu_why[256];
static CUdevice cu_dev;
static char cu_dev_name[128];
static int cu_sm_count;

/* Embedded by src/cuda.cmake from the nvcc output (a64_kernel_fatbin.c). */
extern const unsigned char agpu_a64_fatbin[];
/* The oldest compute capability the fatbin holds code for (major*10+minor). */
extern const int agpu_a64_fatbin_min_cc;

/* "out of memory (CUDA_ERROR_OUT_OF_MEMORY)" */
static const char *cu_errstr(CUresult r, char *buf, size_t len)
{
    const char *s = NULL, *n = NULL;
    if (cu.GetErrorString) cu.GetErrorString(r, &s);
    if (cu.GetErrorName) cu.GetErrorName(r, &n);
    snprintf(buf, len, "%s (%s)", s ? s : "unknown CUDA error", n ? n : "?");
    return buf;
}

static void cu_load(void)
{
    void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(cu_why, sizeof cu_why, "no NVIDIA driver (libcuda.so.1 not found: %s)",
                 e ? e : "dlopen failed");
        return;
    }
#define SYM(field, name)                                                                         \
    do {                                                                                         \
        *(void **)&cu.field = dlsym(h, name);                                                    \
        if (!cu.field) {                                                                         \
            snprintf(cu_why, sizeof cu_why, "the NVIDIA driver is too old: libcuda.so.1 has no %s", \
                     name);                                                                      \
            return;                                                                              \
        }                                                                                        \
    } while (0)
    SYM(GetErrorString, "cuGetErrorString");
    SYM(GetErrorName, "cuGetErrorName");
    SYM(Init, "cuInit");
    SYM(DriverGetVersion, "cuDriverGetVersion");
    SYM(DeviceGetCount, "cuDeviceGetCount");
    SYM(DeviceGet, "cuDeviceGet");
    SYM(DeviceGetName, "cuDeviceGetName");
    SYM(DeviceGetAttribute, "cuDeviceGetAttribute");
    SYM(DevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
    SYM(DevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2");
    SYM(CtxSetCurrent, "cuCtxSetCurrent");
    SYM(CtxSynchronize, "cuCtxSynchronize");
    SYM(ModuleLoadData, "cuModuleLoadData");
    SYM(ModuleUnload, "cuModuleUnload");
    SYM(ModuleGetFunction, "cuModuleGetFunction");
    SYM(FuncGetAttribute, "cuFuncGetAttribute");
    SYM(MemAlloc, "cuMemAlloc_v2");
    SYM(MemFree, "cuMemFree_v2");
    SYM(MemAllocHost, "cuMemAllocHost_v2");
    SYM(MemFreeHost, "cuMemFreeHost");
    SYM(MemsetD8, "cuMemsetD8_v2");
    SYM(MemcpyHtoD, "cuMemcpyHtoD_v2");
    SYM(MemcpyDtoH, "cuMemcpyDtoH_v2");
    SYM(LaunchKernel, "cuLaunchKernel");
#undef SYM
    char eb[160];
    CUresult r = cu.Init(0);
    if (r == CUDA_ERROR_NO_DEVICE) {
        snprintf(cu_why, sizeof cu_why, "no CUDA device (cuInit: %s)", cu_errstr(r, eb, sizeof eb));
        return;
    }
    if (r != CUDA_SUCCESS) {
        snprintf(cu_why, sizeof cu_why, "the NVIDIA driver did not start (cuInit: %s)",
                 cu_errstr(r, eb, sizeof eb));
        return;
    }
    int count = 0;
    if ((r = cu.DeviceGetCount(&count)) != CUDA_SUCCESS || count == 0) {
        snprintf(cu_why, sizeof cu_why, "no CUDA device%s%s", r ? ": " : "",
                 r ? cu_errstr(r, eb, sizeof eb) : "");
        return;
    }
    /* ARMGPU_CUDA_DEVICE picks a GPU (default 0), as CUDA_VISIBLE_DEVICES
     * narrows the choice. */
    int ordinal = 0;
    const char *e = getenv("ARMGPU_CUDA_DEVICE");
    if (e && *e) ordinal = atoi(e);
    if (ordinal < 0 || ordinal >= count) {
        snprintf(cu_why, sizeof cu_why, "ARMGPU_CUDA_DEVICE=%s out of range (%d CUDA devices)", e,
                 count);
        return;
    }
    if ((r = cu.DeviceGet(&cu_dev, ordinal)) != CUDA_SUCCESS) {
        snprintf(cu_why, sizeof cu_why, "cuDeviceGet(%d): %s", ordinal, cu_errstr(r, eb, sizeof eb));
        return;
    }
    int major = 0, minor = 0;
    cu.DeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, cu_dev);
    cu.DeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, cu_dev);
    cu.DeviceGetAttribute(&cu_sm_count, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, cu_dev);
    if (cu.DeviceGetName(cu_dev_name, sizeof cu_dev_name, cu_dev) != CUDA_SUCCESS)
        snprintf(cu_dev_name, sizeof cu_dev_name, "CUDA device %d", ordinal);
    if (major * 10 + minor < agpu_a64_fatbin_min_cc) {
        snprintf(cu_why, sizeof cu_why,
                 "%s has compute capability %d.%d; this build has code for %d.%d and newer "
                 "(rebuild with -DCMAKE_CUDA_ARCHITECTURES=%d%d)",
                 cu_dev_name, major, minor, agpu_a64_fatbin_min_cc / 10, agpu_a64_fatbin_min_cc % 10,
                 major, minor);
        return;
    }
    snprintf(cu_why, sizeof cu_why, "%s (compute capability %d.%d, %d multiprocessors)", cu_dev_name,
             major, minor, cu_sm_count);
    cu_status = AGPU_OK;
}

int agpu_cuda_probe(char *why, size_t why_len)
{
    pthread_once(&cu_once, cu_load);
    if (why && why_len) snprintf(why, why_len, "%s", cu_why);
    return cu_status;
}

/* ------------------------------------------------------- the backend */

/* Threads per block: small blocks let the scheduler pack SMs tightly at any
 * register count. */
#define CUDA_BLOCK 128u /* = A64_GPU_BLOCK in shaders/a64_core.h (shared-memory registers) */

/* Each launch aims to last about this long; the slice length (instructions
 * per lane per launch) adapts to it. */
#define CUDA_LAUNCH_TARGET_S 0.1
#define CUDA_SLICE_FIRST (1ull << 18)
#define CUDA_SLICE_MIN (1ull << 12)
#define CUDA_SLICE_MAX (1ull << 26)

/* The primary context and the module are the process's: made by the first
 * machine and kept until exit (as the CUDA runtime keeps its context), so
 * creating a machine costs allocations, not a context and a module load. */
static pthread_mutex_t cu_lock = PTHREAD_MUTEX_INITIALIZER;
static CUcontext cu_ctx;
static CUmodule cu_mod;

/* Translated code (src/cuda_jit.c, shaders/a64_jit.h), per machine.
 * ARMGPU_CUDA_JIT: off, auto (the default: translate what lanes keep
 * interpreting, for machines of at most ARMGPU_CUDA_JIT_LANES lanes) or
 * always (translate from the lanes' PCs before every execute and wait for
 * it: for tests).  ARMGPU_CUDA_JIT_LOG=1 reports each translation on
 * stderr. */
enum { JIT_OFF, JIT_AUTO, JIT_ALWAYS };
/* Interpreted time (seconds of slices in which some lane ran outside
 * translated code) before a machine asks for a translation; at most this
 * many translations per machine. */
#define JIT_HOT_S 0.01
#define JIT_MAX_REQUESTS 16
#define JIT_LANES_DEFAULT 4096u

typedef struct cuda_jit {
    int mode;
    uint32_t max_lanes;
    int log;
    agpu_jit_job *job;               /* compiling, in its thread */
    char *job_src;                   /* what it compiles (a copy) */
    CUmodule mod;                    /* the translation in use, or 0 */
    CUfunction run;
    char *src;                       /* its source */
    uint64_t seeds[AGPU_JIT_MAX_SEEDS];
    int nseeds;
    double hot_s;
    int requests;
} cuda_jit;

typedef struct cuda_impl {
    CUcontext ctx;
    int have_ctx;
    CUfunction run_full, run_int, mark, bcast;
    /* Run the integer kernel first (agpu_run_slice_int, fewer registers,
     * more lanes resident) until a lane meets an instruction only the full
     * kernel has; from then on this machine runs the full one.  0 when
     * ARMGPU_CUDA_KERNEL=full. */
    int tiered;
    CUdeviceptr shared, priv, shared_prot, priv_prot, states, results, live;
    CUdeviceptr staging;      /* for broadcast writes */
    size_t staging_size;
    unsigned *live_host;      /* pinned: lanes still running, of which need the full kernel */
    uint64_t slice;           /* current slice length, adapted across calls */
    uint64_t fixed_slice;     /* ARMGPU_CUDA_SLICE, 0 = adaptive */
    cuda_jit jit;
} cuda_impl;

static cuda_impl *impl_of(agpu_machine *m) { return (cuda_impl *)m->impl; }

/* Records a failed driver call on m: AGPU_ERR_OUT_OF_MEMORY for no memory,
 * AGPU_ERR_BACKEND otherwise, with the driver's words. */
static int cu_fail(agpu_machine *m, CUresult r, const char *what)
{
    char eb[160];
    return agpu_fail(m, r == CUDA_ERROR_OUT_OF_MEMORY ? AGPU_ERR_OUT_OF_MEMORY : AGPU_ERR_BACKEND,
                     "cuda: %s: %s", what, cu_errstr(r, eb, sizeof eb));
}

#define CU_TRY(m, call, what)                         \
    do {                                              \
        CUresult r_ = (call);                         \
        if (r_ != CUDA_SUCCESS) return cu_fail(m, r_, what); \
    } while (0)

static int cu_bind(agpu_machine *m)
{
    CU_TRY(m, cu.CtxSetCurrent(impl_of(m)->ctx), "cuCtxSetCurrent");
    return AGPU_OK;
}

static int dev_alloc(agpu_machine *m, CUdeviceptr *p, uint64_t bytes, const char *what)
{
    if (bytes == 0) bytes = 1;
    if ((size_t)bytes != bytes)
        return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cuda: %s needs %llu bytes", what,
                         (unsigned long long)bytes);
    CUresult r = cu.MemAlloc(p, (size_t)bytes);
    if (r != CUDA_SUCCESS) {
        char eb[160];
        *p = 0;
        return agpu_fail(m, r == CUDA_ERROR_OUT_OF_MEMORY ? AGPU_ERR_OUT_OF_MEMORY : AGPU_ERR_BACKEND,
                         "cuda: cannot allocate %llu bytes of device memory for %s on %s: %s",
                         (unsigned long long)bytes, what, cu_dev_name, cu_errstr(r, eb, sizeof eb));
    }
    r = cu.MemsetD8(*p, 0, (size_t)bytes);
    if (r != CUDA_SUCCESS) return cu_fail(m, r, "cuMemsetD8");
    return AGPU_OK;
}

/* The kernel image: the fatbin built into the library, or, for measuring
 * kernel variants without relinking, the file ARMGPU_CUDA_FATBIN names
 * (read once, kept for the life of the process).  NULL if unreadable. */
static const void *cuda_kernel_image(void)
{
    const char *path = getenv("ARMGPU_CUDA_FATBIN");
    if (!path || !*path) return agpu_a64_fatbin;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf; /* never freed: the module lives as long as the process */
}

/* ------------------------------------------------------- translated code */

static int cuda_read_mem(agpu_machine *m, int region, uint32_t lane, uint64_t off, void *p, size_t n);

static int jit_configure(agpu_machine *m)
{
    cuda_jit *j = &impl_of(m)->jit;
    const char *e = getenv("ARMGPU_CUDA_JIT");
    if (!e || !*e || !strcmp(e, "auto")) j->mode = JIT_AUTO;
    else if (!strcmp(e, "off")) j->mode = JIT_OFF;
    else if (!strcmp(e, "always")) j->mode = JIT_ALWAYS;
    else
        return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT,
                         "ARMGPU_CUDA_JIT=%s: want auto (the default), off or always", e);
    j->max_lanes = JIT_LANES_DEFAULT;
    e = getenv("ARMGPU_CUDA_JIT_LANES");
    if (e && *e) j->max_lanes = (uint32_t)strtoul(e, NULL, 0);
    e = getenv("ARMGPU_CUDA_JIT_LOG");
    j->log = e && *e && strcmp(e, "0");
    char why[256];
    if (j->mode != JIT_OFF && agpu_jit_load(why, sizeof why)) {
        if (j->mode == JIT_ALWAYS)
            return agpu_fail(m, AGPU_ERR_UNAVAILABLE, "cuda: ARMGPU_CUDA_JIT=always, but %s", why);
        j->mode = JIT_OFF;
    }
    if (j->mode == JIT_AUTO && m->cfg.num_lanes > j->max_lanes) j->mode = JIT_OFF;
    return AGPU_OK;
}

static int device_cc(void)
{
    int major = 0, minor = 0;
    cu.DeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, cu_dev);
    cu.DeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, cu_dev);
    return major * 10 + minor;
}

/* Makes the finished job's translation the machine's.  A translation that
 * fails to compile or load is a bug of ours, not the guest's: in auto mode
 * the machine goes on interpreting, for good; with always it is an error. */
static int jit_install(agpu_machine *m)
{
    cuda_jit *j = &impl_of(m)->jit;
    const void *cubin = NULL;
    size_t size = 0;
    double secs = 0;
    char err[1024];
    int bad = agpu_jit_result(j->job, &cubin, &size, &secs, err, sizeof err);
    CUmodule mod = NULL;
    CUfunction fn = NULL;
    CUresult r = CUDA_SUCCESS;
    if (!bad && (r = cu.ModuleLoadData(&mod, cubin)) == CUDA_SUCCESS &&
        (r = cu.ModuleGetFunction(&fn, mod, "agpu_run_slice_jit")) != CUDA_SUCCESS) {
        cu.ModuleUnload(mod);
        mod = NULL;
    }
    if (!bad && r != CUDA_SUCCESS) {
        char eb[160];
        snprintf(err, sizeof err, "loading it: %s", cu_errstr(r, eb, sizeof eb));
        bad = 1;
    }
    agpu_jit_free(j->job);
    j->job = NULL;
    if (bad) {
        free(j->job_src);
        j->job_src = NULL;
        if (j->log) fprintf(stderr, "armgpu: cuda: translated code failed: %s\n", err);
        if (j->mode == JIT_ALWAYS)
            return agpu_fail(m, AGPU_ERR_BACKEND, "cuda: translated code failed: %s", err);
        j->mode = JIT_OFF;
        return AGPU_OK;
    }
    if (j->mod) cu.ModuleUnload(j->mod);
    j->mod = mod;
    j->run = fn;
    free(j->src);
    j->src = j->job_src;
    j->job_src = NULL;
    if (j->log) {
        int regs = 0;
        cu.FuncGetAttribute(&regs, CU_FUNC_ATTRIBUTE_NUM_REGS, fn);
        fprintf(stderr, "armgpu: cuda: translated code in use: %zu-byte cubin, %d registers, compiled in %.3f s\n",
                size, regs, secs);
    }
    return AGPU_OK;
}

/* Adds pc to the set[0..*n) of at most AGPU_JIT_MAX_SEEDS addresses a
 * translation starts from; 1 when it was new and there was room. */
static int seed_add(uint64_t *set, int *n, uint64_t pc)
{
    for (int k = 0; k < *n; k++)
        if (set[k] == pc) return 0;
    if (*n == AGPU_JIT_MAX_SEEDS) return 0;
    set[(*n)++] = pc;
    return 1;
}

/* Asks for a translation of the code at pcs[0..npcs) and then of what is
 * already translated, read as lane `lane` sees it; waits for it when wait. */
static int jit_request(agpu_machine *m, const uint64_t *pcs, int npcs, uint32_t lane, int wait)
{
    cuda_jit *j = &impl_of(m)->jit;
    uint64_t seeds[AGPU_JIT_MAX_SEEDS];
    int ns = 0;
    for (int i = 0; i < npcs; i++) seed_add(seeds, &ns, pcs[i]);
    for (int i = 0; i < j->nseeds; i++) seed_add(seeds, &ns, j->seeds[i]);
    char *src = NULL;
    int count = 0;
    int rc = agpu_jit_source(m, cuda_read_mem, lane, seeds, ns, &src, &count);
    if (rc) return rc;
    j->requests++;
    if (!src || (j->src && !strcmp(src, j->src))) { /* nothing to translate, or nothing new */
        free(src);
        return AGPU_OK;
    }
    j->job_src = strdup(src);
    if (!j->job_src || !(j->job = agpu_jit_start(src, device_cc()))) {
        free(j->job_src);
        j->job_src = NULL;
        return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cuda: cannot allocate a translation");
    }
    memcpy(j->seeds, seeds, (size_t)ns * sizeof seeds[0]);
    j->nseeds = ns;
    if (j->log)
        fprintf(stderr, "armgpu: cuda: translating %d instructions from %d addresses (first 0x%llx)\n",
                count, ns, (unsigned long long)seeds[0]);
    return wait ? jit_install(m) : AGPU_OK;
}

/* ARMGPU_CUDA_JIT=always: before an execute, translate from where the lanes
 * are, and wait for it. */
static int jit_before_execute(agpu_machine *m)
{
    cuda_impl *c = impl_of(m);
    cuda_jit *j = &c->jit;
    int rc;
    /* Never wait here for a compilation in auto mode: a program making
     * system calls starts an execute after each, and would stall on every
     * one until its translation is ready. */
    if (j->job && agpu_jit_done(j->job) && (rc = jit_install(m))) return rc;
    if (j->mode != JIT_ALWAYS) return AGPU_OK;
    uint32_t n = m->cfg.num_lanes;
    uint64_t pcs[AGPU_JIT_MAX_SEEDS];
    uint32_t lane0 = 0; /* whose memory the code is read from */
    int np = 0;
    a64_state st;
    for (uint32_t l = 0; l < n && np < AGPU_JIT_MAX_SEEDS; l++) {
        CU_TRY(m, cu.MemcpyDtoH(&st.pc, c->states + (CUdeviceptr)l * sizeof st + offsetof(a64_state, pc),
                                sizeof st.pc), "cuMemcpyDtoH (lane state)");
        if (seed_add(pcs, &np, st.pc) && np == 1) lane0 = l;
        if (l >= 64 && np > 0) break; /* enough to start from: the rest run interpreted */
    }
    j->nseeds = 0; /* only where the lanes are now */
    return np ? jit_request(m, pcs, np, lane0, 1) : AGPU_OK;
}

/* ARMGPU_CUDA_JIT=auto, after a slice of dt seconds: use a finished
 * translation; once lanes have spent JIT_HOT_S interpreting, ask for one
 * from where the running lanes are. */
static int jit_after_slice(agpu_machine *m, double dt)
{
    cuda_impl *c = impl_of(m);
    cuda_jit *j = &c->jit;
    int rc;
    if (j->job && agpu_jit_done(j->job) && (rc = jit_install(m))) return rc;
    if (j->mode != JIT_AUTO) return AGPU_OK;
    if (!j->run || c->live_host[2]) j->hot_s += dt;
    if (j->job || j->hot_s < JIT_HOT_S || j->requests >= JIT_MAX_REQUESTS || !c->live_host[0])
        return AGPU_OK;
    j->hot_s = 0;
    uint32_t n = m->cfg.num_lanes;
    agpu_lane_result *res = malloc((size_t)n * sizeof *res);
    if (!res) return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cuda: cannot allocate %u lane results", n);
    CUresult r = cu.MemcpyDtoH(res, c->results, (size_t)n * sizeof *res);
    if (r != CUDA_SUCCESS) {
        free(res);
        return cu_fail(m, r, "cuMemcpyDtoH (lane results)");
    }
    uint64_t pcs[AGPU_JIT_MAX_SEEDS];
    uint32_t lane0 = 0;
    int np = 0;
    for (uint32_t l = 0; l < n && np < AGPU_JIT_MAX_SEEDS; l++) {
        if (res[l].stop.reason == AGPU_STOP_MAX_CYCLES && seed_add(pcs, &np, res[l].pc) && np == 1)
            lane0 = l;
    }
    free(res);
    return np ? jit_request(m, pcs, np, lane0, 0) : AGPU_OK;
}

static int cuda_create(agpu_machine *m)
{
    cuda_impl *c = calloc(1, sizeof *c);
    if (!c) return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate the cuda backend");
    m->impl = c;
    pthread_mutex_lock(&cu_lock);
    CUresult r = CUDA_SUCCESS;
    const char *step = "cuDevicePrimaryCtxRetain";
    if (!cu_ctx) {
        CUcontext ctx;
        if ((r = cu.DevicePrimaryCtxRetain(&ctx, cu_dev)) == CUDA_SUCCESS) {
            step = "cuCtxSetCurrent";
            if ((r = cu.CtxSetCurrent(ctx)) == CUDA_SUCCESS) {
                step = "loading the kernel (cuModuleLoadData)";
                const void *image = cuda_kernel_image();
                if (!image) {
                    step = "reading ARMGPU_CUDA_FATBIN";
                    r = CUDA_ERROR_FILE_NOT_FOUND;
                } else if ((r = cu.ModuleLoadData(&cu_mod, image)) == CUDA_SUCCESS) {
                    cu_ctx = ctx;
                }
            }
            if (!cu_ctx) cu.DevicePrimaryCtxRelease(cu_dev);
        }
    }
    pthread_mutex_unlock(&cu_lock);
    if (r != CUDA_SUCCESS) {
        char eb[160];
        return agpu_fail(m, r == CUDA_ERROR_OUT_OF_MEMORY ? AGPU_ERR_OUT_OF_MEMORY : AGPU_ERR_UNAVAILABLE,
                         "cuda: %s on %s: %s", step, cu_dev_name, cu_errstr(r, eb, sizeof eb));
    }
    c->ctx = cu_ctx;
    c->have_ctx = 1;
    int rc = cu_bind(m);
    if (rc) return rc;
    const char *kname = getenv("ARMGPU_CUDA_KERNEL");
    if (!kname || !*kname || !strcmp(kname, "tiered")) c->tiered = 1;
    else if (strcmp(kname, "full"))
        return agpu_fail(m, AGPU_ERR_INVALID_ARGUMENT,
                         "ARMGPU_CUDA_KERNEL=%s: want tiered (the default: the integer kernel until "
                         "a lane needs SIMD&FP) or full", kname);
    CU_TRY(m, cu.ModuleGetFunction(&c->run_full, cu_mod, "agpu_run_slice"), "cuModuleGetFunction");
    CU_TRY(m, cu.ModuleGetFunction(&c->run_int, cu_mod, "agpu_run_slice_int"), "cuModuleGetFunction");
    CU_TRY(m, cu.ModuleGetFunction(&c->mark, cu_mod, "agpu_mark_interrupted"), "cuModuleGetFunction");
    CU_TRY(m, cu.ModuleGetFunction(&c->bcast, cu_mod, "agpu_broadcast"), "cuModuleGetFunction");

    uint32_t n = m->cfg.num_lanes;
    uint64_t priv_total = m->cfg.private_size * n;
    if (m->cfg.private_size && priv_total / n != m->cfg.private_size)
        return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY,
                         "cannot allocate %u lanes x %llu bytes of private memory", n,
                         (unsigned long long)m->cfg.private_size);
    if ((rc = dev_alloc(m, &c->shared, m->cfg.shared_size, "the shared region")) ||
        (rc = dev_alloc(m, &c->priv, priv_total, "the private regions")) ||
        (rc = dev_alloc(m, &c->shared_prot, m->shared_pages, "shared page permissions")) ||
        (rc = dev_alloc(m, &c->priv_prot, (uint64_t)n * m->priv_pages, "private page permissions")) ||
        (rc = dev_alloc(m, &c->states, (uint64_t)n * sizeof(a64_state), "lane states")) ||
        (rc = dev_alloc(m, &c->results, (uint64_t)n * sizeof(agpu_lane_result), "lane results")) ||
        (rc = dev_alloc(m, &c->live, 3 * sizeof(unsigned), "the live-lane counters")))
        return rc;
    if (m->shared_pages)
        CU_TRY(m, cu.MemcpyHtoD(c->shared_prot, m->shared_prot, m->shared_pages), "cuMemcpyHtoD");
    /* Every private page of every lane starts with every permission, as the
     * host's table does (agpu_create fills it after this). */
    if (m->priv_pages)
        CU_TRY(m, cu.MemsetD8(c->priv_prot, AGPU_PROT_ALL, (size_t)n * m->priv_pages), "cuMemsetD8");
    CU_TRY(m, cu.MemAllocHost((void **)&c->live_host, 3 * sizeof(unsigned)), "cuMemAllocHost");
    c->slice = CUDA_SLICE_FIRST;
    const char *e = getenv("ARMGPU_CUDA_SLICE");
    if (e && *e) c->fixed_slice = strtoull(e, NULL, 0);
    return jit_configure(m);
}

/* Frees what was made, ignoring errors: after a lost device every call
 * fails, and destroy must still finish. */
static void cuda_destroy(agpu_machine *m)
{
    cuda_impl *c = impl_of(m);
    if (!c) return;
    if (c->have_ctx) {
        cu.CtxSetCurrent(c->ctx);
        CUdeviceptr *bufs[] = {&c->shared, &c->priv, &c->shared_prot, &c->priv_prot,
                               &c->states, &c->results, &c->live, &c->staging};
        for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
            if (*bufs[i]) cu.MemFree(*bufs[i]);
        if (c->live_host) cu.MemFreeHost(c->live_host);
        if (c->jit.mod) cu.ModuleUnload(c->jit.mod);
    }
    agpu_jit_free(c->jit.job);
    free(c->jit.job_src);
    free(c->jit.src);
    free(c);
    m->impl = NULL;
}

static CUdeviceptr region_ptr(agpu_machine *m, int region, uint32_t lane, uint64_t off)
{
    cuda_impl *c = impl_of(m);
    if (region == AGPU_REGION_SHARED) return c->shared + off;
    return c->priv + (CUdeviceptr)lane * m->cfg.private_size + off;
}

static unsigned grid_for(uint64_t threads)
{
    uint64_t g = (threads + CUDA_BLOCK - 1) / CUDA_BLOCK;
    return g ? (unsigned)g : 1;
}

/* The same n host bytes to offset off of every lane's row of a lanes x
 * stride device array (private memory, private permissions): one upload,
 * then a kernel copies it into every row. */
static int broadcast(agpu_machine *m, CUdeviceptr rows, uint64_t stride, uint64_t off, const void *p,
                     size_t n)
{
    cuda_impl *c = impl_of(m);
    int rc;
    if (c->staging_size < n) {
        if (c->staging) cu.MemFree(c->staging);
        c->staging = 0;
        c->staging_size = 0;
        if ((rc = dev_alloc(m, &c->staging, n, "a broadcast write"))) return rc;
        c->staging_size = n;
    }
    CU_TRY(m, cu.MemcpyHtoD(c->staging, p, n), "cuMemcpyHtoD");
    uint64_t len = n;
    uint32_t lanes = m->cfg.num_lanes;
    void *args[] = {&rows, &stride, &off, &c->staging, &len, &lanes};
    uint64_t work = (uint64_t)lanes * ((n + 7) / 8);
    unsigned grid = grid_for(work < (1u << 24) ? work : (1u << 24));
    CU_TRY(m, cu.LaunchKernel(c->bcast, grid, 1, 1, CUDA_BLOCK, 1, 1, 0, NULL, args, NULL),
           "launching the broadcast kernel");
    CU_TRY(m, cu.CtxSynchronize(), "the broadcast kernel");
    return AGPU_OK;
}

static int cuda_write_mem(agpu_machine *m, int region, uint32_t lane, uint64_t off, const void *p,
                          size_t n)
{
    int rc = cu_bind(m);
    if (rc) return rc;
    if (region == AGPU_REGION_PRIVATE && lane == AGPU_ALL_LANES)
        return broadcast(m, impl_of(m)->priv, m->cfg.private_size, off, p, n);
    CU_TRY(m, cu.MemcpyHtoD(region_ptr(m, region, lane, off), p, n), "cuMemcpyHtoD (guest memory)");
    return AGPU_OK;
}

static int cuda_read_mem(agpu_machine *m, int region, uint32_t lane, uint64_t off, void *p, size_t n)
{
    int rc = cu_bind(m);
    if (rc) return rc;
    CU_TRY(m, cu.MemcpyDtoH(p, region_ptr(m, region, lane, off), n), "cuMemcpyDtoH (guest memory)");
    return AGPU_OK;
}

/* Only the bytes that changed go to the device: one lane's run of pages, or
 * for every lane the run once, broadcast into each lane's row. */
static int cuda_prot_changed(agpu_machine *m, int region, uint32_t lane, uint64_t first, uint64_t count)
{
    cuda_impl *c = impl_of(m);
    int rc = cu_bind(m);
    if (rc) return rc;
    if (region == AGPU_REGION_SHARED) {
        CU_TRY(m, cu.MemcpyHtoD(c->shared_prot + first, m->shared_prot + first, count), "cuMemcpyHtoD");
        return AGPU_OK;
    }
    if (lane == AGPU_ALL_LANES && m->cfg.num_lanes > 1)
        return broadcast(m, c->priv_prot, m->priv_pages, first, m->priv_prot + first, count);
    uint64_t at = (uint64_t)(lane == AGPU_ALL_LANES ? 0 : lane) * m->priv_pages + first;
    CU_TRY(m, cu.MemcpyHtoD(c->priv_prot + at, m->priv_prot + at, count), "cuMemcpyHtoD");
    return AGPU_OK;
}

static int cuda_read_state(agpu_machine *m, uint32_t lane, uint32_t count, a64_state *out)
{
    int rc = cu_bind(m);
    if (rc) return rc;
    CU_TRY(m, cu.MemcpyDtoH(out, impl_of(m)->states + (CUdeviceptr)lane * sizeof *out,
                            (size_t)count * sizeof *out), "cuMemcpyDtoH (lane state)");
    return AGPU_OK;
}

static int cuda_write_state(agpu_machine *m, uint32_t lane, uint32_t count, const a64_state *in)
{
    int rc = cu_bind(m);
    if (rc) return rc;
    CU_TRY(m, cu.MemcpyHtoD(impl_of(m)->states + (CUdeviceptr)lane * sizeof *in, in,
                            (size_t)count * sizeof *in), "cuMemcpyHtoD (lane state)");
    return AGPU_OK;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cuda_execute(agpu_machine *m, uint64_t budget, agpu_lane_result *results)
{
    cuda_impl *c = impl_of(m);
    int rc = cu_bind(m);
    if (rc) return rc;
    if ((rc = jit_before_execute(m))) return rc;
    uint32_t n = m->cfg.num_lanes;
    unsigned grid = grid_for(n);
    a64_mem mem;
    /* Device addresses in the a64_mem the kernel reads (uint8_t * is 64-bit
     * on both sides); priv_prot is the whole lanes x pages table, and each
     * thread points its copy at its lane's row. */
    agpu_mem_view(m, (uint8_t *)(uintptr_t)c->shared, (const uint8_t *)(uintptr_t)c->shared_prot,
                  (const uint8_t *)(uintptr_t)c->priv_prot, &mem);
    int first = 1;
    for (;;) {
        uint64_t slice = c->fixed_slice ? c->fixed_slice : c->slice;
        /* An interrupt already asked for: a launch of no instructions fills
         * the results (lanes run on with MAX_CYCLES) for the mark below. */
        if (first && m->interrupt) slice = 0;
        CUfunction run = c->tiered ? c->run_int : c->run_full;
        CUfunction jit = c->jit.run;
        /* The last launch of a run needs no count of the lanes left, unless
         * the integer kernel may leave some for the full one, or translated
         * code some for the interpreter. */
        int last = budget <= slice && first && !c->tiered && !jit && c->jit.mode == JIT_OFF;
        if (!last) CU_TRY(m, cu.MemsetD8(c->live, 0, 3 * sizeof(unsigned)), "cuMemsetD8");
        double t0 = now_s();
        int pick = 0;
        if (jit) {
            /* Translated code first; then the interpreter, in the same
             * slice, runs on exactly the lanes it left (pick = 1). */
            void *jargs[] = {&c->states, &c->results, &mem, &c->priv, &n, &budget, &slice, &first, &pick, &c->live};
            CU_TRY(m, cu.LaunchKernel(jit, grid, 1, 1, CUDA_BLOCK, 1, 1, 0, NULL, jargs, NULL),
                   "launching the translated-code kernel");
            first = 0;
            pick = 1;
        }
        void *args[] = {&c->states, &c->results, &mem, &c->priv, &n, &budget, &slice, &first, &pick, &c->live};
        CU_TRY(m, cu.LaunchKernel(run, grid, 1, 1, CUDA_BLOCK, 1, 1, 0, NULL, args, NULL),
               "launching the lane kernel");
        if (last) break;
        CU_TRY(m, cu.MemcpyDtoH(c->live_host, c->live, 3 * sizeof(unsigned)), "the lane kernel");
        double dt = now_s() - t0;
        first = 0;
        /* Once SIMD&FP code has been met it is likely met again (glibc's
         * string functions, any float): the machine stays on the full kernel. */
        if (c->live_host[1]) c->tiered = 0;
        if ((rc = jit_after_slice(m, dt))) return rc;
        if (c->live_host[0] == 0) break;
        /* Aim the next launch at the target length; at most 4x per step. */
        if (dt > 0 && slice == c->slice) {
            double want = (double)slice * CUDA_LAUNCH_TARGET_S / dt;
            if (want > 4.0 * (double)slice) want = 4.0 * (double)slice;
            if (want < (double)CUDA_SLICE_MIN) want = (double)CUDA_SLICE_MIN;
            if (want > (double)CUDA_SLICE_MAX) want = (double)CUDA_SLICE_MAX;
            c->slice = (uint64_t)want;
        }
        if (m->interrupt) {
            void *margs[] = {&c->states, &c->results, &n, &budget};
            CU_TRY(m, cu.LaunchKernel(c->mark, grid, 1, 1, CUDA_BLOCK, 1, 1, 0, NULL, margs, NULL),
                   "launching the interrupt kernel");
            break;
        }
    }
    /* Every lane's result in one transfer (it also waits for the kernel). */
    CU_TRY(m, cu.MemcpyDtoH(results, c->results, (size_t)n * sizeof *results), "the lane kernel");
    return AGPU_OK;
}

static const agpu_backend_ops cuda_ops = {
    .name = "cuda",
    .create = cuda_create,
    .destroy = cuda_destroy,
    .write_mem = cuda_write_mem,
    .read_mem = cuda_read_mem,
    .prot_changed = cuda_prot_changed,
    .read_state = cuda_read_state,
    .write_state = cuda_write_state,
    .execute = cuda_execute,
    .host_state = NULL,
};

const agpu_backend_ops *agpu_cuda_ops(void) { return &cuda_ops; }

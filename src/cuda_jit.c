/*
 * cuda_jit.c - translated code for the cuda backend: finding the code to
 * translate, writing it out in the form of shaders/a64_jit.h, and compiling
 * it with NVRTC, reached at run time through dlopen like the driver.
 *
 * Nothing here says what an instruction does: the generated source runs
 * a64_exec() on constant words.  This file only decides which words, and
 * where each one may go next.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuda_jit.h"
#include "a64_decode_gen.h"

/* ------------------------------------------------------------------ NVRTC */

typedef int nvrtcResult;
typedef struct _nvrtcProgram *nvrtcProgram;

static struct nvrtc_api {
    nvrtcResult (*Version)(int *, int *);
    nvrtcResult (*CreateProgram)(nvrtcProgram *, const char *, const char *, int, const char *const *,
                                 const char *const *);
    nvrtcResult (*CompileProgram)(nvrtcProgram, int, const char *const *);
    nvrtcResult (*GetCUBINSize)(nvrtcProgram, size_t *);
    nvrtcResult (*GetCUBIN)(nvrtcProgram, char *);
    nvrtcResult (*GetProgramLogSize)(nvrtcProgram, size_t *);
    nvrtcResult (*GetProgramLog)(nvrtcProgram, char *);
    nvrtcResult (*DestroyProgram)(nvrtcProgram *);
    const char *(*GetErrorString)(nvrtcResult);
} nv;

static pthread_once_t nv_once = PTHREAD_ONCE_INIT;
static int nv_status = -1;
static char nv_why[256];

/* The headers a translation includes, embedded at build time
 * (src/cuda.cmake, a64_jit_headers.c). */
extern const char *const agpu_jit_header_names[];
extern const char *const agpu_jit_header_texts[];
extern const int agpu_jit_header_count;

/* NVRTC has no C library headers; the shaders need only these names. */
static const char nvrtc_stdint[] =
    "typedef signed char int8_t; typedef short int16_t; typedef int int32_t;\n"
    "typedef long long int64_t; typedef unsigned char uint8_t; typedef unsigned short uint16_t;\n"
    "typedef unsigned int uint32_t; typedef unsigned long long uint64_t;\n"
    "typedef unsigned long uintptr_t; typedef long intptr_t;\n"
    "#define UINT64_MAX 0xffffffffffffffffull\n#define UINT32_MAX 0xffffffffu\n"
    "#define INT64_MAX 0x7fffffffffffffffll\n#define INT64_MIN (-INT64_MAX - 1)\n"
    "#define INT32_MAX 0x7fffffff\n#define INT32_MIN (-INT32_MAX - 1)\n";
static const char nvrtc_stddef[] = "#define offsetof(t, m) ((size_t) & ((t *)0)->m)\n#define NULL 0\n";

static void nv_load(void)
{
    /* The soname of this toolkit's NVRTC first, then any. */
    static const char *const names[] = {
#ifdef ARMGPU_NVRTC_PATH
        ARMGPU_NVRTC_PATH,
#endif
        "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"};
    void *h = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !h; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(nv_why, sizeof nv_why, "no NVRTC (libnvrtc.so not found)");
        return;
    }
#define SYM(field, name)                                                                   \
    do {                                                                                   \
        *(void **)&nv.field = dlsym(h, name);                                              \
        if (!nv.field) {                                                                   \
            snprintf(nv_why, sizeof nv_why, "NVRTC has no %s", name);                      \
            return;                                                                        \
        }                                                                                  \
    } while (0)
    SYM(Version, "nvrtcVersion");
    SYM(CreateProgram, "nvrtcCreateProgram");
    SYM(CompileProgram, "nvrtcCompileProgram");
    SYM(GetCUBINSize, "nvrtcGetCUBINSize");
    SYM(GetCUBIN, "nvrtcGetCUBIN");
    SYM(GetProgramLogSize, "nvrtcGetProgramLogSize");
    SYM(GetProgramLog, "nvrtcGetProgramLog");
    SYM(DestroyProgram, "nvrtcDestroyProgram");
    SYM(GetErrorString, "nvrtcGetErrorString");
#undef SYM
    int major = 0, minor = 0;
    nv.Version(&major, &minor);
    snprintf(nv_why, sizeof nv_why, "NVRTC %d.%d", major, minor);
    nv_status = 0;
}

int agpu_jit_load(char *why, size_t why_len)
{
    pthread_once(&nv_once, nv_load);
    if (why && why_len) snprintf(why, why_len, "%s", nv_why);
    return nv_status;
}

/* --------------------------------------------------------- the source */

/* A growing string; on failure of memory, len stays and ok drops to 0. */
typedef struct text {
    char *p;
    size_t len, cap;
    int ok;
} text;

static void put(text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(text *t, const char *fmt, ...)
{
    if (!t->ok) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->ok = 0;
            return;
        }
        if (t->p && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? 2 * t->cap : 4096;
        while (cap < t->len + (size_t)n + 1) cap *= 2;
        char *q = realloc(t->p, cap);
        if (!q) {
            t->ok = 0;
            return;
        }
        t->p = q;
        t->cap = cap;
    }
}

/* Ops the frame can hold: those a64_exec() runs itself (not UNALLOCATED,
 * and none of SIMD&FP, which the integer build leaves out). */
static int translatable(uint32_t op) { return op != A64_OP_UNALLOCATED && op < A64_OP_SIMD_LDST_MULT; }

static int64_t sext(uint64_t v, int bits) { return (int64_t)(v << (64 - bits)) >> (64 - bits); }

/* Where the PC may be after insn at pc runs on (A64_CONTINUE): up to two
 * addresses known from the word.  Returns how many. */
static int successors(uint32_t insn, uint32_t op, uint64_t pc, uint64_t out[2])
{
    switch (op) {
    case A64_OP_B_IMM: out[0] = pc + (uint64_t)(sext(insn & 0x3ffffff, 26) * 4); return 1;
    case A64_OP_B_COND:
    case A64_OP_CB: out[0] = pc + (uint64_t)(sext((insn >> 5) & 0x7ffff, 19) * 4); out[1] = pc + 4; return 2;
    case A64_OP_TB: out[0] = pc + (uint64_t)(sext((insn >> 5) & 0x3fff, 14) * 4); out[1] = pc + 4; return 2;
    case A64_OP_BR_REG: return 0;
    case A64_OP_HLT:
    case A64_OP_BRK: return 0; /* they stop with the PC on them */
    default: out[0] = pc + 4; return 1;
    }
}

/* Addresses a translation should also start from, though no translated
 * instruction goes there: where a call returns to (BL, BLR) and where an
 * SVC resumes (the next execute). */
static int reentry(uint32_t insn, uint32_t op, uint64_t pc, uint64_t *out)
{
    if ((op == A64_OP_B_IMM && (insn >> 31)) || op == A64_OP_SVC ||
        (op == A64_OP_BR_REG && ((insn >> 21) & 3) == 1)) {
        *out = pc + 4;
        return 1;
    }
    return 0;
}

/* Whether insn may write guest memory: it then ends a run of words compared
 * together (a64_jit.h), as it might rewrite the next.  Stores of every
 * addressing form, pairs, exclusives, atomics and system instructions (DC
 * ZVA) may; loads and register-only ops cannot.  Erring towards "may" only
 * costs a compare. */
static int may_write(uint32_t insn, uint32_t op)
{
    switch (op) {
    case A64_OP_LDST_UIMM:
    case A64_OP_LDST_UNSCALED:
    case A64_OP_LDST_POST:
    case A64_OP_LDST_PRE:
    case A64_OP_LDST_REG:
    case A64_OP_LDST_UNPRIV: return ((insn >> 22) & 3) == 0; /* opc 0: STR/STRB/STRH */
    case A64_OP_LDST_PAIR: return ((insn >> 22) & 1) == 0;   /* L = 0: STP, STNP */
    case A64_OP_LDR_LIT:
    case A64_OP_PCREL:
    case A64_OP_ADDSUB_IMM:
    case A64_OP_LOGIC_IMM:
    case A64_OP_MOVEWIDE:
    case A64_OP_BITFIELD:
    case A64_OP_EXTRACT:
    case A64_OP_LOGIC_REG:
    case A64_OP_ADDSUB_SHIFT:
    case A64_OP_ADDSUB_EXT:
    case A64_OP_ADDSUB_CARRY:
    case A64_OP_CCMP:
    case A64_OP_CSEL:
    case A64_OP_DP_2SRC:
    case A64_OP_DP_1SRC:
    case A64_OP_DP_3SRC:
    case A64_OP_MRS:
    case A64_OP_MSR_REG:
    case A64_OP_HINT:
    case A64_OP_CLREX: return 0;
    default: return 1;
    }
}

/* Whether the run of words compared together ends at insn: after a branch,
 * a write to memory, a barrier (ISB orders this lane's next fetch after
 * other lanes' code writes) or a stop, the next word is compared afresh. */
static int ends_run(uint32_t insn, uint32_t op)
{
    switch (op) {
    case A64_OP_B_IMM:
    case A64_OP_B_COND:
    case A64_OP_CB:
    case A64_OP_TB:
    case A64_OP_BR_REG:
    case A64_OP_ISB:
    case A64_OP_DSB:
    case A64_OP_DMB:
    case A64_OP_SVC:
    case A64_OP_HLT:
    case A64_OP_BRK: return 1;
    default: return may_write(insn, op);
    }
}

/* The most words one entry compares. */
#define JIT_MAX_RUN 16

typedef struct jit_insn {
    uint64_t pc;
    uint32_t word, op;
} jit_insn;

/* The guest pages read while finding code, each once. */
#define JIT_MAX_PAGES 8
typedef struct page_cache {
    uint64_t first[JIT_MAX_PAGES]; /* region offset of the page */
    uint8_t *bytes[JIT_MAX_PAGES];
    int n;
} page_cache;

/* The word at region offset off, through the cache; 1 when read, 0 when it
 * cannot be (page limit), -1 when the read failed (m's error is set). */
static int word_at(agpu_machine *m, agpu_jit_read_fn read, int region, uint32_t lane, uint64_t off,
                   uint64_t region_size, page_cache *pc, uint32_t *w)
{
    uint64_t first = off & ~(uint64_t)4095;
    int i;
    for (i = 0; i < pc->n && pc->first[i] != first; i++) {}
    if (i == pc->n) {
        if (pc->n == JIT_MAX_PAGES) return 0;
        uint64_t len = region_size - first < 4096 ? region_size - first : 4096;
        uint8_t *b = malloc(4096);
        if (!b) return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate a page to translate"), -1;
        if (read(m, region, lane, first, b, (size_t)len)) {
            free(b);
            return -1;
        }
        pc->first[i] = first;
        pc->bytes[i] = b;
        pc->n++;
    }
    memcpy(w, pc->bytes[i] + (off - first), 4);
    return 1;
}

static int cmp_pc(const void *a, const void *b)
{
    uint64_t x = ((const jit_insn *)a)->pc, y = ((const jit_insn *)b)->pc;
    return x < y ? -1 : x > y;
}

/* Index of the instruction at pc in the sorted table, or -1. */
static int find(const jit_insn *t, int n, uint64_t pc)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (t[mid].pc == pc) return mid;
        if (t[mid].pc < pc) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

int agpu_jit_source(agpu_machine *m, agpu_jit_read_fn read, uint32_t lane, const uint64_t *seeds,
                    int nseeds, char **src, int *count)
{
    *src = NULL;
    *count = 0;
    if (nseeds <= 0) return 0;
    const agpu_config *cfg = &m->cfg;
    /* The region of the first seed; code is never translated across two. */
    int region;
    uint64_t base, size;
    if (seeds[0] < cfg->shared_size) {
        region = AGPU_REGION_SHARED;
        base = 0;
        size = cfg->shared_size;
    } else if (cfg->private_size && seeds[0] - cfg->private_base < cfg->private_size) {
        region = AGPU_REGION_PRIVATE;
        base = cfg->private_base;
        size = cfg->private_size;
    } else {
        return 0;
    }
    jit_insn insns[AGPU_JIT_MAX_INSNS];
    int n = 0, rc = 0;
    /* Addresses still to visit, in the order found: a breadth-first walk
     * keeps what is near the seeds when the bound cuts. */
    enum { QUEUE = 4 * AGPU_JIT_MAX_INSNS + AGPU_JIT_MAX_SEEDS };
    uint64_t queue[QUEUE];
    int qh = 0, qt = 0;
    for (int i = 0; i < nseeds && qt < QUEUE; i++) queue[qt++] = seeds[i];
    page_cache pages = {{0}, {0}, 0};
    while (qh < qt && n < AGPU_JIT_MAX_INSNS) {
        uint64_t pc = queue[qh++];
        if ((pc & 3) || pc - base >= size || size - (pc - base) < 4) continue;
        int seen = 0;
        for (int i = 0; i < n && !seen; i++) seen = insns[i].pc == pc;
        if (seen) continue;
        uint32_t w;
        int got = word_at(m, read, region, lane, pc - base, size, &pages, &w);
        if (got < 0) {
            rc = -1;
            break;
        }
        if (!got) continue;
        uint32_t op = a64_decode(w);
        if (!translatable(op)) continue;
        insns[n].pc = pc;
        insns[n].word = w;
        insns[n].op = op;
        n++;
        uint64_t next[3];
        int k = successors(w, op, pc, next);
        k += reentry(w, op, pc, next + k);
        for (int i = 0; i < k && qt < QUEUE; i++) queue[qt++] = next[i];
    }
    for (int i = 0; i < pages.n; i++) free(pages.bytes[i]);
    if (rc || n == 0) return rc;
    qsort(insns, (size_t)n, sizeof insns[0], cmp_pc);

    text t = {NULL, 0, 0, 1};
    put(&t, "/* Translated by libarmgpu (src/cuda_jit.c): %d instructions. */\n", n);
    put(&t, "#include \"a64_jit.h\"\nA64_JIT_BEGIN(%d)\n", region == AGPU_REGION_PRIVATE);
    uint64_t last_page = ~(uint64_t)0;
    for (int i = 0; i < n; i++) {
        uint64_t pg = (insns[i].pc - base) >> 12;
        if (pg != last_page) put(&t, "A64_JIT_PAGE(%llu)\n", (unsigned long long)pg);
        last_page = pg;
    }
    put(&t, "A64_JIT_DISPATCH_BEGIN\n");
    for (int i = 0; i < n; i++) put(&t, "A64_JIT_CASE(%d, 0x%llx)\n", i, (unsigned long long)insns[i].pc);
    put(&t, "A64_JIT_DISPATCH_END\n");
    /* run_end[i]: the last instruction whose word entering i compares. */
    int run_end[AGPU_JIT_MAX_INSNS];
    for (int i = n - 1; i >= 0; i--) {
        int cont = i + 1 < n && insns[i + 1].pc == insns[i].pc + 4 &&
                   !ends_run(insns[i].word, insns[i].op) && run_end[i + 1] - i < JIT_MAX_RUN;
        run_end[i] = cont ? run_end[i + 1] : i;
    }
    for (int i = 0; i < n; i++) {
        put(&t, "A64_JIT_ENTRY(%d, 0x%llx)", i, (unsigned long long)insns[i].pc);
        for (int k = i; k <= run_end[i]; k++)
            put(&t, " A64_JIT_WORD(0x%llx, 0x%08x)", (unsigned long long)insns[k].pc, insns[k].word);
        put(&t, " A64_JIT_ENTRY_END\n");
        put(&t, "A64_JIT_INSN(%d, 0x%llx, 0x%08x, %u)", i, (unsigned long long)insns[i].pc,
            insns[i].word, insns[i].op);
        uint64_t next[2];
        int k = successors(insns[i].word, insns[i].op, insns[i].pc, next);
        for (int j = 0; j < k; j++) {
            int at = find(insns, n, next[j]);
            if (at < 0) continue;
            /* On into the same run: its word was compared on entry. */
            if (at == i + 1 && run_end[i] == run_end[at])
                put(&t, " A64_JIT_ON(0x%llx, %d)", (unsigned long long)next[j], at);
            else
                put(&t, " A64_JIT_NEXT(0x%llx, %d)", (unsigned long long)next[j], at);
        }
        put(&t, " A64_JIT_OTHER\n");
    }
    put(&t, "A64_JIT_END\n");
    if (!t.ok) {
        free(t.p);
        return agpu_fail(m, AGPU_ERR_OUT_OF_MEMORY, "cannot allocate translated code");
    }
    *src = t.p;
    *count = n;
    return 0;
}

/* ------------------------------------------------------------ compiling */

/* Compiled sources, kept for the process: a machine made again for the
 * same code (a benchmark's next lane count, a test's next case) loads its
 * translation without compiling it again. */
typedef struct cache_entry {
    char *src;
    int cc;
    void *cubin;
    size_t size;
    struct cache_entry *next;
} cache_entry;
#define JIT_CACHE_MAX 64
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_entry *cache_head;
static int cache_count;

struct agpu_jit_job {
    char *src;
    int cc;
    pthread_t thread;
    int threaded, joined;
    /* The compiling thread and the job's owner each hold one reference; the
     * last to let go frees the job, so that a machine destroyed while its
     * translation compiles does not wait for it (__atomic builtins). */
    int refs;
    int done; /* read and written with __atomic builtins */
    int failed;
    void *cubin;
    size_t size;
    double seconds;
    char err[1024];
};

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cache_lookup(agpu_jit_job *j)
{
    int hit = 0;
    pthread_mutex_lock(&cache_lock);
    for (cache_entry *e = cache_head; e && !hit; e = e->next) {
        if (e->cc == j->cc && !strcmp(e->src, j->src) && (j->cubin = malloc(e->size))) {
            memcpy(j->cubin, e->cubin, e->size);
            j->size = e->size;
            hit = 1;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return hit;
}

static void cache_store(const agpu_jit_job *j)
{
    cache_entry *e = calloc(1, sizeof *e);
    if (!e) return;
    e->src = strdup(j->src);
    e->cubin = malloc(j->size);
    if (!e->src || !e->cubin) {
        free(e->src);
        free(e->cubin);
        free(e);
        return;
    }
    memcpy(e->cubin, j->cubin, j->size);
    e->size = j->size;
    e->cc = j->cc;
    pthread_mutex_lock(&cache_lock);
    if (cache_count < JIT_CACHE_MAX) {
        e->next = cache_head;
        cache_head = e;
        cache_count++;
        e = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
    if (e) {
        free(e->src);
        free(e->cubin);
        free(e);
    }
}

static void compile(agpu_jit_job *j)
{
    double t0 = mono_s();
    nvrtcProgram prog = NULL;
    int nh = agpu_jit_header_count;
    const char *names[32], *texts[32];
    names[0] = "stdint.h";
    texts[0] = nvrtc_stdint;
    names[1] = "stddef.h";
    texts[1] = nvrtc_stddef;
    for (int i = 0; i < nh && i < 30; i++) {
        names[2 + i] = agpu_jit_header_names[i];
        texts[2 + i] = agpu_jit_header_texts[i];
    }
    char arch[32];
    snprintf(arch, sizeof arch, "-arch=sm_%d", j->cc);
    const char *opts[] = {arch, "-std=c++17", "-default-device"};
    nvrtcResult r = nv.CreateProgram(&prog, j->src, "translated.cu", nh + 2, texts, names);
    if (r == 0) r = nv.CompileProgram(prog, 3, opts);
    if (r != 0) {
        int at = snprintf(j->err, sizeof j->err, "NVRTC: %s", nv.GetErrorString(r));
        size_t ls = 0;
        if (prog && nv.GetProgramLogSize(prog, &ls) == 0 && ls > 1) {
            char *log = malloc(ls);
            if (log && nv.GetProgramLog(prog, log) == 0)
                snprintf(j->err + at, sizeof j->err - (size_t)at, ": %s", log);
            free(log);
        }
        j->failed = 1;
    } else if (nv.GetCUBINSize(prog, &j->size) != 0 || !(j->cubin = malloc(j->size)) ||
               nv.GetCUBIN(prog, j->cubin) != 0) {
        snprintf(j->err, sizeof j->err, "NVRTC gave no cubin for sm_%d", j->cc);
        j->failed = 1;
    } else {
        cache_store(j);
    }
    if (prog) nv.DestroyProgram(&prog);
    j->seconds = mono_s() - t0;
}

static void job_release(agpu_jit_job *j)
{
    if (__atomic_sub_fetch(&j->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        free(j->src);
        free(j->cubin);
        free(j);
    }
}

static void *compile_thread(void *arg)
{
    agpu_jit_job *j = arg;
    compile(j);
    __atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
    job_release(j);
    return NULL;
}

agpu_jit_job *agpu_jit_start(char *src, int cc)
{
    agpu_jit_job *j = calloc(1, sizeof *j);
    if (!j) {
        free(src);
        return NULL;
    }
    j->src = src;
    j->cc = cc;
    j->refs = 1;
    if (cache_lookup(j)) {
        j->done = 1;
        return j;
    }
    if (agpu_jit_load(NULL, 0)) {
        snprintf(j->err, sizeof j->err, "%s", nv_why);
        j->failed = 1;
        j->done = 1;
        return j;
    }
    j->refs = 2;
    if (pthread_create(&j->thread, NULL, compile_thread, j) == 0) {
        j->threaded = 1;
    } else {
        j->refs = 1;
        compile(j); /* no thread to be had: compile here */
        j->done = 1;
    }
    return j;
}

int agpu_jit_done(agpu_jit_job *j) { return __atomic_load_n(&j->done, __ATOMIC_ACQUIRE); }

static void join(agpu_jit_job *j)
{
    if (j->threaded && !j->joined) {
        pthread_join(j->thread, NULL);
        j->joined = 1;
    }
}

int agpu_jit_result(agpu_jit_job *j, const void **cubin, size_t *size, double *seconds, char *err,
                    size_t err_len)
{
    join(j);
    if (seconds) *seconds = j->seconds;
    if (j->failed) {
        if (err && err_len) snprintf(err, err_len, "%s", j->err);
        return -1;
    }
    *cubin = j->cubin;
    *size = j->size;
    return 0;
}

void agpu_jit_free(agpu_jit_job *j)
{
    if (!j) return;
    if (j->threaded && !j->joined) pthread_detach(j->thread); /* it frees the job if last */
    job_release(j);
}

/*
 * difftest.c - libarmgpu against Unicorn, bit for bit.
 *
 * Runs random single instructions (one generator per class of
 * shaders/a64.decode, see gen.c) and random programs through libarmgpu and
 * through Unicorn (QEMU's AArch64 translator), then compares X0-X30, SP,
 * PC, NZCV, FPCR, FPSR, TPIDR_EL0, every byte of guest memory, the stop
 * (run on, HLT, SVC, BRK, UNDEFINED, fault) and the retired-instruction
 * count.  Differences that the manual allows or that follow from a design
 * choice are recognised by exact predicates (known_divergence()), counted
 * and reported; anything else is a mismatch, printed with a reproducer, and
 * makes the exit status non-zero.  docs/difftest.md describes the flags.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unicorn/unicorn.h>

#include "armgpu.h"
#include "a64_core.h"
#include "a64_decode_gen.h"
#include "gen.h"

/* DCZID_EL0 as libarmgpu documents it (a64_exec.h): DZP set, DC ZVA prohibited. */
#define DESIGN_DCZID_EL0 0x14ull

/* ----------------------------------------------------------------- state */

typedef struct cpu {
    uint64_t x[32]; /* X0..X30, SP */
    uint64_t pc, nzcv, fpcr, fpsr, tpidr;
    uint64_t v[32][2]; /* V0..V31: v[n][0] = bits 63..0 */
} cpu;

enum { ST_RUN, ST_HALT, ST_SVC, ST_BRK, ST_UNDEF, ST_FAULT, ST_OTHER };
static const char *const st_name[] = {"ran (budget spent)", "HLT", "SVC", "BRK", "UNDEFINED", "FAULT", "other"};

typedef struct outcome {
    cpu s;
    int stop;
    uint32_t cause;      /* libarmgpu: agpu_fault_cause of a FAULT */
    uint64_t retired;
    char detail[120];
    uint8_t mem[MEM_SIZE];
} outcome;

typedef struct testcase {
    uint64_t seed;       /* the test's own seed: --one / --program-one reproduce it */
    int prog;
    int cls;             /* index into gen_table of the instruction under test (single) */
    uint32_t insn;       /* single: the instruction under test */
    uint32_t ninsn;      /* words of code at CODE_BASE (programs) */
    int monitor_closed;  /* the exclusive monitor is known closed before insn */
    uint64_t budget;
    cpu s;
    uint8_t mem[MEM_SIZE];
} testcase;

/* ------------------------------------------------------------- options */

static struct {
    uint64_t seed;
    uint64_t count, programs;
    int allowed[64], nallowed;
    agpu_backend backend;
    agpu_backend cmp[2];
    int compare_backends;
    uint32_t lanes;
    int one_set, prog_one_set;
    uint64_t one, prog_one;
    int max_report;
    int verbose;
    int selfcheck;
    int brief;
} opt;

/* --------------------------------------------------------------- counters */

static uint64_t n_single, n_prog, n_prog_insns, n_mismatch, n_prog_kd;
static uint64_t n_class[64];

enum {
    KD_FPCR_AARCH32,
    KD_FPSR_AARCH32,
    KD_COUNTER_REGS,
    KD_XPACLRI,
    KD_ATOMIC_MINMAX,
    KD_ORDERED_ALIGN,
    KD_STXR_ALIGN,
    KD_PARTIAL_STORE,
    KD_STXP_FAULT_STATE,
    KD_STXR_ADDR_MINUS1,
    KD_SIMD_PARTIAL_LOAD,
    KD_COUNT
};
static const char *const kd_name[KD_COUNT] = {
    "KD1 FPCR.Len/Stride (bits 21:20,18:16): RES0 without AArch32 (libarmgpu), kept by Unicorn's AArch32-capable model",
    "KD2 FPSR.N/Z/C/V (bits 31:28): RES0 without AArch32 (libarmgpu), kept by Unicorn's AArch32-capable model",
    "KD3 MRS CNTVCT_EL0/CNTFRQ_EL0/DCZID_EL0: libarmgpu's documented values (DESIGN decision 5, DZP=1)",
    "KD4 XPACLRI: a NOP without FEAT_PAuth (libarmgpu); strips the PAC field of X30 in Unicorn's FEAT_PAuth model",
    "KD5 LD/ST{S,U}{MAX,MIN}{B,H,W}: Unicorn compares the zero-extended old value with all 64 bits of Rs (Unicorn bug)",
    "KD6 LDAR/STLR misaligned: Alignment fault without FEAT_LSE2 (libarmgpu); Unicorn performs the access (Unicorn bug)",
    "KD7 STXR/STXP misaligned with the monitor closed: Alignment fault (libarmgpu); Unicorn returns status 1 (Unicorn bug)",
    "KD8 store faulting across a page it may not write: Unicorn wrote the writable part, libarmgpu nothing (both allowed)",
    "KD9 STXP/STLXP of X registers faulting with the monitor open: Unicorn leaves PC past it and Rs written (Unicorn bug)",
    "KD10 store exclusive to address 0xffffffffffffffff with the monitor closed: status 1 (libarmgpu); Unicorn's closed monitor is address -1, so it accesses memory (Unicorn bug)",
    "KD11 SIMD&FP load of several registers (LDP, LD1-LD4, LDnR) faulting part way: Unicorn wrote the registers loaded before the fault, libarmgpu none (both allowed)",
};
static uint64_t kd_count[KD_COUNT];

/* -------------------------------------------------------------- helpers */

static uint64_t mix(uint64_t a, uint64_t b)
{
    rng r = {a ^ (b * 0xD1B54A32D192ED03ull)};
    return rng_next(&r);
}

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "difftest: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    exit(2);
}

static void disasm(const uint32_t *words, int n, uint64_t vma, char out[][96])
{
    for (int i = 0; i < n; i++) snprintf(out[i], 96, "?");
    char path[] = "/tmp/difftest-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return;
    if (write(fd, words, 4 * (size_t)n) != 4 * (ssize_t)n) {
        close(fd);
        unlink(path);
        return;
    }
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "aarch64-linux-gnu-objdump -D -b binary -m aarch64 --adjust-vma=0x%" PRIx64 " %s 2>/dev/null",
             vma, path);
    FILE *p = popen(cmd, "r");
    if (p) {
        char line[256];
        while (fgets(line, sizeof line, p)) {
            uint64_t a;
            unsigned w;
            char text[200];
            if (sscanf(line, " %" SCNx64 ": %x %199[^\n]", &a, &w, text) == 3 && a >= vma &&
                (a - vma) / 4 < (uint64_t)n) {
                char *t = text;
                while (*t == ' ' || *t == '\t') t++;
                for (char *q = t; *q; q++)
                    if (*q == '\t') *q = ' ';
                snprintf(out[(a - vma) / 4], 96, "%.95s", t);
            }
        }
        pclose(p);
    }
    unlink(path);
}

static const char *disasm1(uint32_t w, uint64_t vma)
{
    static char buf[1][96];
    disasm(&w, 1, vma, buf);
    return buf[0];
}

/* ---------------------------------------------------------- test setup */

static void random_state(rng *r, cpu *s, uint8_t *mem)
{
    for (int i = 0; i < 32; i++) s->x[i] = gen_value(r);
    s->nzcv = (uint64_t)rnd(r, 16) << 28;
    s->fpcr = gen_value(r) & A64_FPCR_MASK;
    s->fpsr = gen_value(r) & A64_FPSR_MASK;
    s->tpidr = gen_value(r);
    for (int i = 0; i < 32; i++) gen_vvalue(r, s->v[i]);
    for (uint32_t i = 0; i < MEM_SIZE; i += 8) {
        uint64_t v = chance(r, 90) ? rng_next(r) : gen_value(r);
        memcpy(mem + i, &v, 8);
    }
    /* The code page holds BRK #imm around the code under test: Unicorn
     * translates past the instructions it will run, and random words can
     * trip assertions in its translator. */
    for (uint32_t i = CODE_BASE; i < CODE_BASE + CODE_SIZE; i += 4) {
        uint32_t w = 0xd4200000u | (rnd(r, 65536) << 5);
        memcpy(mem + i, &w, 4);
    }
}

static void put32(uint8_t *mem, uint64_t addr, uint32_t w) { memcpy(mem + addr, &w, 4); }

static void make_single(uint64_t seed, testcase *t)
{
    rng r = {seed};
    memset(t, 0, offsetof(testcase, mem));
    t->seed = seed;
    t->cls = opt.allowed[rnd(&r, (uint32_t)opt.nallowed)];
    random_state(&r, &t->s, t->mem);
    gen_ctx c = {&r, 0, t->s.x, enc_clrex(), 0, t->s.v, &t->s.fpcr, &t->s.fpsr};
    t->insn = gen_table[t->cls].fn(&c);
    put32(t->mem, SINGLE_PREFIX_PC, c.prefix);
    t->monitor_closed = c.prefix == enc_clrex();
    put32(t->mem, SINGLE_PC, t->insn);
    t->s.pc = SINGLE_PREFIX_PC;
    t->budget = 2;
    t->ninsn = 2;
}

/* A random program: CLREX, 10..200 instructions of the allowed classes
 * with forward branches and bounded loops, HLT, then a literal pool. */
typedef struct fix {
    uint32_t at, kind, target; /* kind: gen_entry.branch, or 6 = ADR */
} fix;

static void make_program(uint64_t seed, testcase *t)
{
    rng r = {seed};
    memset(t, 0, offsetof(testcase, mem));
    t->seed = seed;
    t->prog = 1;
    t->cls = -1;
    random_state(&r, &t->s, t->mem);
    t->s.x[PROG_ROFF] = rnd(&r, 0x40) * 8;
    t->s.x[PROG_WBASE] = PROG_BASE_ADDR;
    t->s.x[PROG_BASE] = PROG_BASE_ADDR;
    t->s.x[PROG_LOOP] = 0;
    t->s.x[31] = PROG_BASE_ADDR;
    uint32_t words[1024];
    fix fixes[1024];
    uint32_t nfix = 0, pos = 0;
    uint32_t n = 10 + rnd(&r, 191);
    words[pos++] = enc_clrex();
    int excl_shape = chance(&r, 30) ? 4 + 2 + (int)rnd(&r, 2) : (int)rnd(&r, 4);
    uint8_t no_target[1024] = {0}; /* BR/BLR/RET slots: entering them skips their ADR */
    int loop_end = -1;      /* index of the SUBS closing the loop we are in */
    uint32_t loop_start = 0;
    while (pos < n + 1) {
        if (loop_end < 0 && pos + 6 < n && chance(&r, 6)) {
            words[pos++] = enc_movz(PROG_LOOP, 1 + rnd(&r, 6), 1);
            loop_start = pos;
            loop_end = (int)(pos + 1 + rnd(&r, 8));
        }
        if (loop_end >= 0 && pos == (uint32_t)loop_end) {
            /* SUBS x28, x28, #1; B.GT loop_start: a counter only loops write,
             * so every backward edge runs at most 6 times per entry. */
            words[pos++] = enc_subs_imm(PROG_LOOP, PROG_LOOP, 1);
            words[pos] = enc_bcond(12, (int32_t)loop_start - (int32_t)pos);
            pos++;
            loop_end = -1;
            continue;
        }
        uint32_t limit = loop_end >= 0 ? (uint32_t)loop_end : 100000; /* forward targets stay in the loop */
        const gen_entry *g = &gen_table[opt.allowed[rnd(&r, (uint32_t)opt.nallowed)]];
        if (!strcmp(g->cls, "system.exception") && !chance(&r, 10)) continue; /* ends the program */
        gen_ctx c = {&r, 1, t->s.x, 0, excl_shape, t->s.v, &t->s.fpcr, &t->s.fpsr};
        uint32_t w = g->fn(&c);
        n_class[g - gen_table]++;
        if (g->branch == 4) {
            if (pos + 2 > limit) continue;
            uint32_t rn = (w >> 5) & 31;
            if (rn == 31 || (rn >= PROG_ROFF && rn <= PROG_LOOP)) rn = rnd(&r, 25);
            w = (w & ~(31u << 5)) | (rn << 5);
            fixes[nfix++] = (fix){pos, 6, pos + 2 + rnd(&r, 16)};
            if (fixes[nfix - 1].target > limit) fixes[nfix - 1].target = limit;
            words[pos++] = enc_adr(rn, 0);
            no_target[pos] = 1;
            words[pos++] = w;
            continue;
        }
        if (!strcmp(g->cls, "ldst.exclusive") && !((w >> 22) & 1) && chance(&r, 60)) {
            uint32_t used[4] = {w & 31, (w >> 10) & 31, (w >> 16) & 31, (w >> 5) & 31};
            uint32_t lt = 0, lt2;
            for (;; lt++)
                if (lt != used[0] && lt != used[1] && lt != used[2] && lt != used[3]) break;
            for (lt2 = lt + 1;; lt2++)
                if (lt2 != used[0] && lt2 != used[1] && lt2 != used[2] && lt2 != used[3]) break;
            words[pos++] = enc_ldxr_for(w, lt, (w >> 21) & 1 ? lt2 : 31);
        }
        if (g->branch) {
            uint32_t tgt = g->branch == 5 ? rnd(&r, 32) : pos + 1 + rnd(&r, 24);
            if (g->branch != 5 && tgt > limit) tgt = limit;
            fixes[nfix++] = (fix){pos, (uint32_t)g->branch, tgt};
        }
        words[pos++] = w;
    }
    uint32_t end = pos;
    words[pos++] = enc_hlt(rnd(&r, 0x10000));
    uint32_t pool = pos;
    for (int i = 0; i < 64; i++) words[pos++] = (uint32_t)gen_value(&r);
    for (uint32_t i = 0; i < nfix; i++) {
        fix *f = &fixes[i];
        uint32_t tgt = f->kind == 5 ? pool + 2 * f->target : (f->target > end ? end : f->target);
        while (f->kind != 5 && no_target[tgt]) tgt++;
        int32_t d = (int32_t)tgt - (int32_t)f->at;
        uint32_t *w = &words[f->at];
        switch (f->kind) {
        case 1: *w = (*w & ~(0x7ffffu << 5)) | (((uint32_t)d & 0x7ffff) << 5); break;
        case 2: *w = (*w & ~(0x3fffu << 5)) | (((uint32_t)d & 0x3fff) << 5); break;
        case 3: *w = (*w & ~0x3ffffffu) | ((uint32_t)d & 0x3ffffff); break;
        case 5: *w = (*w & ~(0x7ffffu << 5)) | (((uint32_t)d & 0x7ffff) << 5); break;
        case 6: *w = enc_adr(*w & 31, 4 * d); break;
        }
    }
    for (uint32_t i = 0; i < pos; i++) put32(t->mem, CODE_BASE + 4 * i, words[i]);
    t->ninsn = pos;
    t->s.pc = CODE_BASE;
    t->budget = 100000;
}

/* ------------------------------------------------------------- unicorn */

static uc_engine *uc;
static uint64_t uc_hooks;
static int uc_intno;
static int uc_regid[32];

static void uc_on_code(uc_engine *u, uint64_t addr, uint32_t size, void *ud)
{
    (void)u, (void)addr, (void)size, (void)ud;
    uc_hooks++;
}

static void uc_on_intr(uc_engine *u, uint32_t intno, void *ud)
{
    (void)ud;
    uc_intno = (int)intno;
    uc_emu_stop(u);
}

static void uc_init(void)
{
    uc_err e = uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc);
    if (e) die("uc_open: %s", uc_strerror(e));
    /* The "max" CPU: the only Unicorn model with LSE atomics and CRC32. */
    if ((e = uc_ctl_set_cpu_model(uc, UC_CPU_ARM64_MAX))) die("cpu model: %s", uc_strerror(e));
    if ((e = uc_mem_map(uc, 0, MEM_SIZE, UC_PROT_ALL))) die("uc_mem_map: %s", uc_strerror(e));
    /* The code page is read and execute only, as in libarmgpu's machine:
     * stores there fault in both, and programs never modify their code. */
    if ((e = uc_mem_protect(uc, CODE_BASE, CODE_SIZE, UC_PROT_READ | UC_PROT_EXEC)))
        die("uc_mem_protect: %s", uc_strerror(e));
    /* The data window is not executable: Unicorn's translator asserts on
     * some random words, and a branch there faults in both instead. */
    if ((e = uc_mem_protect(uc, WIN_BASE, WIN_SIZE, UC_PROT_READ | UC_PROT_WRITE)))
        die("uc_mem_protect: %s", uc_strerror(e));
    uc_hook h1, h2;
    uc_hook_add(uc, &h1, UC_HOOK_CODE, (void *)uc_on_code, NULL, 1, 0);
    uc_hook_add(uc, &h2, UC_HOOK_INTR, (void *)uc_on_intr, NULL, 1, 0);
    for (int i = 0; i < 29; i++) uc_regid[i] = UC_ARM64_REG_X0 + i;
    uc_regid[29] = UC_ARM64_REG_X29;
    uc_regid[30] = UC_ARM64_REG_X30;
    uc_regid[31] = UC_ARM64_REG_SP;
}

static int is_hlt(uint32_t w) { return (w & 0xffe0001fu) == 0xd4400000u; }

static void uc_load(const testcase *t)
{
    void *ptrs[32];
    cpu s = t->s;
    for (int i = 0; i < 32; i++) ptrs[i] = &s.x[i];
    uc_mem_write(uc, 0, t->mem, MEM_SIZE);
    uc_ctl_remove_cache(uc, CODE_BASE, CODE_BASE + CODE_SIZE);
    uc_reg_write_batch(uc, uc_regid, ptrs, 32);
    uc_reg_write(uc, UC_ARM64_REG_PC, &s.pc);
    uc_reg_write(uc, UC_ARM64_REG_NZCV, &s.nzcv);
    uc_reg_write(uc, UC_ARM64_REG_FPCR, &s.fpcr);
    uc_reg_write(uc, UC_ARM64_REG_FPSR, &s.fpsr);
    uc_reg_write(uc, UC_ARM64_REG_TPIDR_EL0, &s.tpidr);
    for (int i = 0; i < 32; i++) uc_reg_write(uc, UC_ARM64_REG_Q0 + i, s.v[i]);
}

/* Runs Unicorn from its current PC for at most budget instructions. */
static void uc_go(uint64_t budget, outcome *o)
{
    void *ptrs[32];
    uint64_t pc;
    uc_reg_read(uc, UC_ARM64_REG_PC, &pc);
    uc_hooks = 0;
    uc_intno = -1;
    uc_err e = uc_emu_start(uc, pc, 1ull << 62, 0, budget);
    /* WFI and WFE halt Unicorn's vCPU, which ends uc_emu_start: to a user
     * program they are hints that return, so run on. */
    while (e == UC_ERR_OK && uc_intno < 0 && uc_hooks < budget) {
        uint32_t w = 0;
        uc_reg_read(uc, UC_ARM64_REG_PC, &pc);
        if (pc < 4 || pc > MEM_SIZE || uc_mem_read(uc, pc - 4, &w, 4) || (w != 0xd503207fu && w != 0xd503205fu))
            break;
        e = uc_emu_start(uc, pc, 1ull << 62, 0, budget - uc_hooks);
    }
    for (int i = 0; i < 32; i++) ptrs[i] = &o->s.x[i];
    uc_reg_read_batch(uc, uc_regid, ptrs, 32);
    uc_reg_read(uc, UC_ARM64_REG_PC, &o->s.pc);
    uc_reg_read(uc, UC_ARM64_REG_NZCV, &o->s.nzcv);
    uc_reg_read(uc, UC_ARM64_REG_FPCR, &o->s.fpcr);
    uc_reg_read(uc, UC_ARM64_REG_FPSR, &o->s.fpsr);
    uc_reg_read(uc, UC_ARM64_REG_TPIDR_EL0, &o->s.tpidr);
    for (int i = 0; i < 32; i++) uc_reg_read(uc, UC_ARM64_REG_Q0 + i, o->s.v[i]);
    o->s.nzcv &= 0xF0000000ull;
    uc_mem_read(uc, 0, o->mem, MEM_SIZE);
    o->retired = uc_hooks;
    o->cause = 0;
    o->detail[0] = 0;
    if (e == UC_ERR_OK && uc_intno < 0) {
        o->stop = ST_RUN;
    } else if (e == UC_ERR_OK) {
        uint32_t w = 0;
        if (o->s.pc < MEM_SIZE - 3) memcpy(&w, o->mem + o->s.pc, 4);
        snprintf(o->detail, sizeof o->detail, "exception %d", uc_intno);
        switch (uc_intno) {
        case 2: o->stop = ST_SVC; break; /* EXCP_SWI: PC past the SVC, which retired */
        case 7: o->stop = ST_BRK; o->retired--; break;
        case 1: o->stop = is_hlt(w) ? ST_HALT : ST_UNDEF; o->retired--; break; /* EXCP_UDEF */
        case 3: case 4: o->stop = ST_FAULT; o->retired--; break; /* prefetch / data abort */
        default: o->stop = ST_OTHER; o->retired--; break;
        }
    } else if (e == UC_ERR_FETCH_UNMAPPED || e == UC_ERR_FETCH_PROT) {
        /* The fetch after the last counted instruction: libarmgpu with the
         * budget spent never fetches it. */
        o->stop = uc_hooks >= budget ? ST_RUN : ST_FAULT;
        snprintf(o->detail, sizeof o->detail, "%s", uc_strerror(e));
    } else {
        o->stop = ST_FAULT;
        if (uc_hooks) o->retired--;
        snprintf(o->detail, sizeof o->detail, "%s", uc_strerror(e));
    }
}

static void uc_run(const testcase *t, uint64_t budget, outcome *o)
{
    uc_load(t);
    uc_go(budget, o);
}

/* ------------------------------------------------------------- libarmgpu */

static void chk(agpu_machine *m, int rc, const char *what)
{
    if (rc) {
        fprintf(stderr, "difftest: %s: %s\n", what, agpu_last_error(m));
        exit(2);
    }
}

static agpu_machine *make_machine(agpu_backend b, uint32_t lanes)
{
    agpu_config cfg;
    agpu_config_init(&cfg);
    cfg.num_lanes = lanes;
    cfg.shared_size = 0;
    cfg.private_base = 0;
    cfg.private_size = MEM_SIZE;
    cfg.backend = b;
    cfg.num_threads = 1;
    agpu_machine *m;
    if (agpu_create(&cfg, &m)) die("agpu_create: %s", agpu_last_error(NULL));
    chk(m, agpu_protect(m, CODE_BASE, CODE_SIZE, AGPU_PROT_READ | AGPU_PROT_EXEC), "protect code");
    chk(m, agpu_protect(m, WIN_BASE, WIN_SIZE, AGPU_PROT_READ | AGPU_PROT_WRITE), "protect window");
    return m;
}

static void lib_load(agpu_machine *m, uint32_t lane, const testcase *t)
{
    chk(m, agpu_write_memory(m, lane, 0, t->mem, MEM_SIZE), "write memory");
    chk(m, agpu_set_gprs(m, lane, t->s.x), "set gprs");
    chk(m, agpu_set_reg(m, lane, AGPU_REG_PC, t->s.pc), "set pc");
    chk(m, agpu_set_reg(m, lane, AGPU_REG_NZCV, t->s.nzcv), "set nzcv");
    chk(m, agpu_set_reg(m, lane, AGPU_REG_FPCR, t->s.fpcr), "set fpcr");
    chk(m, agpu_set_reg(m, lane, AGPU_REG_FPSR, t->s.fpsr), "set fpsr");
    chk(m, agpu_set_reg(m, lane, AGPU_REG_TPIDR_EL0, t->s.tpidr), "set tpidr");
    chk(m, agpu_set_reg(m, lane, AGPU_REG_ICOUNT, 0), "set icount");
    for (uint32_t i = 0; i < 32; i++) chk(m, agpu_set_vreg(m, lane, i, t->s.v[i]), "set vreg");
}

static void lib_read(agpu_machine *m, uint32_t lane, const agpu_lane_result *res, outcome *o)
{
    chk(m, agpu_get_gprs(m, lane, o->s.x), "get gprs");
    o->s.pc = res->pc;
    chk(m, agpu_get_reg(m, lane, AGPU_REG_NZCV, &o->s.nzcv), "get nzcv");
    chk(m, agpu_get_reg(m, lane, AGPU_REG_FPCR, &o->s.fpcr), "get fpcr");
    chk(m, agpu_get_reg(m, lane, AGPU_REG_FPSR, &o->s.fpsr), "get fpsr");
    chk(m, agpu_get_reg(m, lane, AGPU_REG_TPIDR_EL0, &o->s.tpidr), "get tpidr");
    for (uint32_t i = 0; i < 32; i++) chk(m, agpu_get_vreg(m, lane, i, o->s.v[i]), "get vreg");
    chk(m, agpu_read_memory(m, lane, 0, o->mem, MEM_SIZE), "read memory");
    o->retired = res->instructions;
    switch (res->stop.reason) {
    case AGPU_STOP_MAX_CYCLES: o->stop = ST_RUN; break;
    case AGPU_STOP_HALT: o->stop = ST_HALT; break;
    case AGPU_STOP_SYSCALL: o->stop = ST_SVC; break;
    case AGPU_STOP_BREAK: o->stop = ST_BRK; break;
    case AGPU_STOP_UNDEFINED: o->stop = ST_UNDEF; break;
    case AGPU_STOP_FAULT: o->stop = ST_FAULT; break;
    default: o->stop = ST_OTHER; break;
    }
    o->cause = res->stop.reason == AGPU_STOP_FAULT ? res->stop.cause : 0;
    agpu_format_stop(&res->stop, res->pc, o->detail, sizeof o->detail);
}

/* ------------------------------------------------------------ comparing */

/* Differences between two outcomes, as text; returns how many fields differ.
 * mask_x/mask_fpcr/... let a known divergence leave fields out. */
typedef struct diffset {
    uint32_t x;     /* bit i: X[i] (31 = SP) differs */
    uint32_t v;     /* bit i: V[i] differs */
    int pc, nzcv, fpcr, fpsr, tpidr, stop, retired;
    int mem_first, mem_count;
} diffset;

static int diff(const outcome *a, const outcome *b, diffset *d)
{
    memset(d, 0, sizeof *d);
    d->mem_first = -1;
    int n = 0;
    for (int i = 0; i < 32; i++)
        if (a->s.x[i] != b->s.x[i]) d->x |= 1u << i, n++;
    for (int i = 0; i < 32; i++)
        if (a->s.v[i][0] != b->s.v[i][0] || a->s.v[i][1] != b->s.v[i][1]) d->v |= 1u << i, n++;
    n += (d->pc = a->s.pc != b->s.pc);
    n += (d->nzcv = a->s.nzcv != b->s.nzcv);
    n += (d->fpcr = a->s.fpcr != b->s.fpcr);
    n += (d->fpsr = a->s.fpsr != b->s.fpsr);
    n += (d->tpidr = a->s.tpidr != b->s.tpidr);
    n += (d->stop = a->stop != b->stop);
    n += (d->retired = a->retired != b->retired);
    if (memcmp(a->mem, b->mem, MEM_SIZE)) {
        for (int i = 0; i < (int)MEM_SIZE; i++)
            if (a->mem[i] != b->mem[i]) {
                if (d->mem_first < 0) d->mem_first = i;
                d->mem_count++;
            }
        n++;
    }
    return n;
}

static int only(const diffset *d, uint32_t xmask, int fpcr, int fpsr)
{
    return (d->x & ~xmask) == 0 && !d->v && !d->pc && !d->nzcv && (fpcr || !d->fpcr) && (fpsr || !d->fpsr) &&
           !d->tpidr && !d->stop && !d->retired && d->mem_first < 0;
}

/* The known divergences (tests/difftest/known_divergences.md): exact
 * predicates on the instruction and both outcomes.  Returns KD_* or -1. */
static int known_divergence(const testcase *t, const outcome *lib, const outcome *ucr, const diffset *d)
{
    if (t->prog) return -1;
    uint32_t w = t->insn, rt = w & 31;
    uint64_t v = rt == 31 ? 0 : t->s.x[rt];
    /* MSR FPCR, Xt: Unicorn keeps Len/Stride, libarmgpu (no AArch32) RES0. */
    if ((w & ~31u) == 0xd51b4400u && lib->stop == ST_RUN && only(d, 0, 1, 0) &&
        lib->s.fpcr == (v & A64_FPCR_MASK) && (lib->s.fpcr ^ ucr->s.fpcr) == (v & 0x00370000ull))
        return KD_FPCR_AARCH32;
    /* MSR FPSR, Xt: Unicorn keeps the AArch32 condition flags. */
    if ((w & ~31u) == 0xd51b4420u && lib->stop == ST_RUN && only(d, 0, 0, 1) &&
        lib->s.fpsr == (v & A64_FPSR_MASK) && (lib->s.fpsr ^ ucr->s.fpsr) == (v & 0xF0000000ull))
        return KD_FPSR_AARCH32;
    /* MRS Xt, CNTVCT_EL0 / CNTFRQ_EL0 / DCZID_EL0: libarmgpu must hold its
     * documented value; Unicorn's are the host clock and its model's. */
    if ((w & 0xffffffe0u) == 0xd53be040u || (w & 0xffffffe0u) == 0xd53be000u ||
        (w & 0xffffffe0u) == 0xd53b00e0u) {
        uint64_t want = (w & 0xffffffe0u) == 0xd53be040u ? 1 /* the CLREX before it retired */
                        : (w & 0xffffffe0u) == 0xd53be000u ? A64_CNTFRQ : DESIGN_DCZID_EL0;
        if (lib->stop == ST_RUN && only(d, rt == 31 ? 0 : 1u << rt, 0, 0) && (rt == 31 || lib->s.x[rt] == want))
            return KD_COUNTER_REGS;
    }
    /* XPACLRI: a NOP in libarmgpu; Unicorn's FEAT_PAuth clears X30's PAC field. */
    if (w == 0xd50320ffu && lib->stop == ST_RUN && only(d, 1u << 30, 0, 0) && lib->s.x[30] == t->s.x[30])
        return KD_XPACLRI;
    /* LSE min/max below 64 bits (C6.2 LDSMAX etc.: the operands are the
     * datasize-bit values, signed or unsigned).  Unicorn 2.0.1 (QEMU 5.0's
     * translator) compares the zero-extended memory value with the whole
     * 64-bit Rs.  Recognised only when libarmgpu holds the manual's value
     * and Unicorn exactly that mistaken one. */
    if ((w & 0x3f208c00u) == 0x38200000u && ((w >> 12) & 7) >= 4 && (w >> 30) < 3) {
        uint32_t bytes = 1u << (w >> 30), opc = (w >> 12) & 7, rs = (w >> 16) & 31, rn = (w >> 5) & 31;
        uint64_t addr = t->s.x[rn], mask = (1ull << (8 * bytes)) - 1, old = 0, libv = 0, ucv = 0;
        if (addr < MEM_SIZE && addr + bytes <= MEM_SIZE && !(addr & (bytes - 1))) {
            memcpy(&old, t->mem + addr, bytes);
            memcpy(&libv, lib->mem + addr, bytes);
            memcpy(&ucv, ucr->mem + addr, bytes);
            uint64_t v = rs == 31 ? 0 : t->s.x[rs];
            int sh = 64 - 8 * (int)bytes;
            int64_t so = (int64_t)(old << sh) >> sh, sv = (int64_t)((v & mask) << sh) >> sh;
            uint64_t manual, qemu;
            switch (opc) {
            case 4: manual = so > sv ? old : v; qemu = (int64_t)old > (int64_t)v ? old : v; break;
            case 5: manual = so < sv ? old : v; qemu = (int64_t)old < (int64_t)v ? old : v; break;
            case 6: manual = old > (v & mask) ? old : v; qemu = old > v ? old : v; break;
            default: manual = old < (v & mask) ? old : v; qemu = old < v ? old : v; break;
            }
            manual &= mask;
            qemu &= mask;
            diffset rest = *d;
            int in_range = d->mem_first >= (int)addr && d->mem_first + d->mem_count <= (int)(addr + bytes);
            rest.mem_first = -1;
            if (manual != qemu && libv == manual && ucv == qemu && in_range && only(&rest, 0, 0, 0))
                return KD_ATOMIC_MINMAX;
        }
    }
    /* Misaligned LDAR/STLR (B2.5.2 "Alignment of data accesses": without
     * FEAT_LSE2 Load-Acquire/Store-Release raise an Alignment fault whatever
     * SCTLR_ELx.A says).  Unicorn does the access. */
    if ((w & 0x3fa00000u) == 0x08800000u) {
        uint32_t bytes = 1u << (w >> 30);
        uint64_t addr = t->s.x[(w >> 5) & 31];
        if ((addr & (bytes - 1)) && lib->stop == ST_FAULT && lib->cause == AGPU_FAULT_ALIGNMENT &&
            lib->retired == 1 && ucr->stop == ST_RUN && !memcmp(lib->s.x, t->s.x, sizeof t->s.x) &&
            !memcmp(lib->mem, t->mem, MEM_SIZE))
            return KD_ORDERED_ALIGN;
    }
    /* Misaligned store exclusive with the monitor closed (the prefix was
     * CLREX): AArch64.ExclusiveMonitorsPass() checks alignment before the
     * monitor, so it faults; Unicorn tests the monitor first and fails with
     * status 1. */
    if ((w & 0x3f400000u) == 0x08000000u && !((w >> 23) & 1)) {
        uint32_t bytes = ((w >> 21) & 1) ? 2u << (w >> 30) : 1u << (w >> 30), rs = (w >> 16) & 31;
        uint64_t addr = t->s.x[(w >> 5) & 31];
        if (t->monitor_closed && (addr & (bytes - 1)) && lib->stop == ST_FAULT &&
            lib->cause == AGPU_FAULT_ALIGNMENT && ucr->stop == ST_RUN && (rs == 31 || ucr->s.x[rs] == 1) &&
            !memcmp(lib->s.x, t->s.x, sizeof t->s.x) && !memcmp(lib->mem, t->mem, MEM_SIZE) &&
            !memcmp(ucr->mem, t->mem, MEM_SIZE))
            return KD_STXR_ALIGN;
    }
    /* Store exclusive with the monitor closed: ExclusiveMonitorsPass()
     * returns FALSE before translating the address, so no fault and status
     * 1.  QEMU marks a closed monitor with address -1, so a store exclusive
     * to exactly that address goes on to access (unmapped) memory. */
    if ((w & 0x3f400000u) == 0x08000000u && !((w >> 23) & 1) && t->monitor_closed &&
        t->s.x[(w >> 5) & 31] == ~0ull && lib->stop == ST_RUN && ucr->stop == ST_FAULT &&
        (((w >> 16) & 31) == 31 || lib->s.x[(w >> 16) & 31] == 1))
        return KD_STXR_ADDR_MINUS1;
    /* A 64-bit STXP/STLXP that faults (its 16-byte compare-and-swap runs in
     * a helper in QEMU's translator): Unicorn reports the fault but keeps PC
     * past the instruction and the status register written, where the
     * manual's precise exception leaves both as they were (D1.13.?
     * "Synchronous exception types": the faulting instruction has no effect). */
    if ((w & 0xffe00000u) == 0xc8200000u && lib->stop == ST_FAULT && ucr->stop == ST_FAULT) {
        uint32_t rs = (w >> 16) & 31;
        if (lib->s.pc == (t->s.pc == SINGLE_PREFIX_PC ? SINGLE_PC : t->s.pc) && !memcmp(lib->mem, t->mem, MEM_SIZE) &&
            (d->x & ~(1u << rs)) == 0 && d->pc && ucr->s.pc == lib->s.pc + 4 && !d->nzcv && !d->stop &&
            !d->retired && d->mem_first < 0 && (rs == 31 || ucr->s.x[rs] <= 1))
            return KD_STXP_FAULT_STATE;
    }
    /* A store that crosses into a page it may not write (the read-only code
     * page below WIN_BASE, or unmapped memory from MEM_SIZE) faults in
     * both; Unicorn has written the writable bytes first, libarmgpu checks
     * the whole access before writing any.  The manual leaves the memory a
     * faulting store would have written UNKNOWN, so both are right. */
    int last = d->mem_first + d->mem_count - 1;
    /* The same for SIMD&FP stores (STP Q, ST1-ST4), which write up to 64 bytes. */
    if ((w & 0x0e000000u) == 0x0c000000u && lib->stop == ST_FAULT && ucr->stop == ST_FAULT && d->mem_first >= 0 &&
        d->mem_first >= (int)MEM_SIZE - 64) {
        diffset rest = *d;
        rest.mem_first = -1;
        if (only(&rest, 0, 0, 0) && !memcmp(lib->mem, t->mem, MEM_SIZE)) return KD_PARTIAL_STORE;
    }
    /* A SIMD&FP load (bit 26 set in the load/store space, L = bit 22) that
     * faults after some of its registers were read: Unicorn has written
     * those registers, libarmgpu checks the whole access first and changes
     * nothing.  The registers a faulting load would write are UNKNOWN in
     * the manual, so both are right. */
    if ((w & 0x0e000000u) == 0x0c000000u && ((w >> 22) & 1) && lib->stop == ST_FAULT && ucr->stop == ST_FAULT &&
        d->v && !memcmp(lib->s.v, t->s.v, sizeof t->s.v)) {
        diffset rest = *d;
        rest.v = 0;
        if (only(&rest, 0, 0, 0)) return KD_SIMD_PARTIAL_LOAD;
    }
    if (lib->stop == ST_FAULT && ucr->stop == ST_FAULT && d->mem_first >= 0 &&
        ((d->mem_first >= (int)MEM_SIZE - 16) || (d->mem_first >= (int)WIN_BASE && last < (int)WIN_BASE + 16))) {
        diffset rest = *d;
        rest.mem_first = -1;
        if (only(&rest, 0, 0, 0) && !memcmp(lib->mem, t->mem, MEM_SIZE)) return KD_PARTIAL_STORE;
    }
    return -1;
}

/* ------------------------------------------------------------ reporting */

static void print_state(const char *title, const cpu *s)
{
    printf("  %s: pc=0x%" PRIx64 " nzcv=%c%c%c%c fpcr=0x%" PRIx64 " fpsr=0x%" PRIx64 " tpidr=0x%" PRIx64 "\n", title,
           s->pc, (s->nzcv >> 31) & 1 ? 'N' : '-', (s->nzcv >> 30) & 1 ? 'Z' : '-', (s->nzcv >> 29) & 1 ? 'C' : '-',
           (s->nzcv >> 28) & 1 ? 'V' : '-', s->fpcr, s->fpsr, s->tpidr);
    for (int i = 0; i < 32; i++)
        printf("    %s%-2d=%016" PRIx64 "%s", i == 31 ? "sp" : "x", i == 31 ? 0 : i, s->x[i], i % 4 == 3 ? "\n" : " ");
    for (int i = 0; i < 32; i++)
        printf("    v%-2d=%016" PRIx64 ":%016" PRIx64 "%s", i, s->v[i][1], s->v[i][0], i % 2 == 1 ? "\n" : " ");
}

static void print_outcome(const char *who, const outcome *o)
{
    printf("  %s: stop=%s retired=%" PRIu64 " (%s)\n", who, st_name[o->stop], o->retired, o->detail);
}

static void print_diff(const outcome *a, const outcome *b, const diffset *d, const uint8_t *initial)
{
    printf("  differing fields (libarmgpu vs unicorn/other):\n");
    for (int i = 0; i < 32; i++)
        if (d->x & (1u << i))
            printf("    %s%d: 0x%016" PRIx64 " vs 0x%016" PRIx64 "\n", i == 31 ? "sp" : "x", i == 31 ? 0 : i,
                   a->s.x[i], b->s.x[i]);
    for (int i = 0; i < 32; i++)
        if (d->v & (1u << i))
            printf("    v%d: %016" PRIx64 ":%016" PRIx64 " vs %016" PRIx64 ":%016" PRIx64 "\n", i, a->s.v[i][1],
                   a->s.v[i][0], b->s.v[i][1], b->s.v[i][0]);
    if (d->pc) printf("    pc: 0x%" PRIx64 " vs 0x%" PRIx64 "\n", a->s.pc, b->s.pc);
    if (d->nzcv) printf("    nzcv: 0x%" PRIx64 " vs 0x%" PRIx64 "\n", a->s.nzcv, b->s.nzcv);
    if (d->fpcr) printf("    fpcr: 0x%" PRIx64 " vs 0x%" PRIx64 "\n", a->s.fpcr, b->s.fpcr);
    if (d->fpsr) printf("    fpsr: 0x%" PRIx64 " vs 0x%" PRIx64 "\n", a->s.fpsr, b->s.fpsr);
    if (d->tpidr) printf("    tpidr: 0x%" PRIx64 " vs 0x%" PRIx64 "\n", a->s.tpidr, b->s.tpidr);
    if (d->stop) printf("    stop: %s vs %s\n", st_name[a->stop], st_name[b->stop]);
    if (d->retired) printf("    retired: %" PRIu64 " vs %" PRIu64 "\n", a->retired, b->retired);
    if (d->mem_first >= 0) {
        printf("    memory: %d bytes differ, first at 0x%x\n", d->mem_count, d->mem_first);
        int shown = 0;
        for (int i = d->mem_first & ~7; i < (int)MEM_SIZE && shown < 4; i += 8) {
            if (!memcmp(a->mem + i, b->mem + i, 8)) continue;
            uint64_t x, y, z;
            memcpy(&x, a->mem + i, 8), memcpy(&y, b->mem + i, 8), memcpy(&z, initial + i, 8);
            printf("      [0x%04x] %016" PRIx64 " vs %016" PRIx64 " (was %016" PRIx64 ")\n", i, x, y, z);
            shown++;
        }
    }
}

static void report_single(const testcase *t, const outcome *lib, const outcome *ucr, const diffset *d, const char *other)
{
    uint32_t pre;
    memcpy(&pre, t->mem + SINGLE_PREFIX_PC, 4);
    char dis[2][96];
    uint32_t ws[2] = {pre, t->insn};
    disasm(ws, 2, SINGLE_PREFIX_PC, dis);
    printf("MISMATCH single instruction, class %s, test seed 0x%016" PRIx64 "\n", gen_table[t->cls].cls, t->seed);
    printf("  0x%x: %08x  %s   (prefix: resets or opens the exclusive monitor)\n", SINGLE_PREFIX_PC, pre, dis[0]);
    printf("  0x%x: %08x  %s\n", SINGLE_PC, t->insn, dis[1]);
    print_state("input", &t->s);
    print_outcome("libarmgpu", lib);
    print_outcome(other, ucr);
    print_state("libarmgpu", &lib->s);
    print_state(other, &ucr->s);
    print_diff(lib, ucr, d, t->mem);
    printf("  reproduce: difftest --class %s --one 0x%016" PRIx64 "\n", gen_table[t->cls].cls, t->seed);
}

/* ------------------------------------------------------------- running */

static agpu_machine *lib_one; /* one lane, for minimizing programs */

static void run_lib_one(const testcase *t, uint64_t budget, outcome *o)
{
    agpu_lane_result res;
    lib_load(lib_one, 0, t);
    chk(lib_one, agpu_execute(lib_one, budget, &res), "execute");
    lib_read(lib_one, 0, &res, o);
}

/* Steps a program through both emulators one instruction at a time from
 * the same start (each resumes exactly) and checks every step.  A step that
 * differs by a known divergence is counted (when count is set), Unicorn is
 * set to libarmgpu's state after it, and stepping goes on; the first other
 * difference is printed (when print is set).  Returns -1 for an unexplained
 * difference, -2 when no step differs, else the last known divergence. */
static int explain_program(const testcase *t, int print, int count)
{
    static testcase pre, sync;
    static outcome a, b;
    agpu_lane_result res;
    diffset d;
    int kd_seen = -2;
    lib_load(lib_one, 0, t);
    uc_load(t);
    pre = *t;
    pre.prog = 0;
    pre.monitor_closed = 0;
    for (uint64_t k = 1; k <= t->budget; k++) {
        chk(lib_one, agpu_execute(lib_one, 1, &res), "execute");
        lib_read(lib_one, 0, &res, &a);
        uc_go(1, &b);
        if (diff(&a, &b, &d)) {
            pre.insn = 0;
            if (pre.s.pc < MEM_SIZE - 3) memcpy(&pre.insn, pre.mem + pre.s.pc, 4);
            /* The single-instruction predicates count a prefix instruction too. */
            a.retired++, b.retired++;
            int kd = known_divergence(&pre, &a, &b, &d);
            a.retired--, b.retired--;
            if (kd < 0) {
                if (print) {
                    printf("  first unexplained divergence at step %" PRIu64 ": the instruction at 0x%" PRIx64 ": %08x  %s\n",
                           k, pre.s.pc, pre.insn, disasm1(pre.insn, pre.s.pc));
                    print_state("state before it (both agree)", &pre.s);
                    print_outcome("libarmgpu", &a);
                    print_outcome("unicorn", &b);
                    print_diff(&a, &b, &d, pre.mem);
                }
                return -1;
            }
            if (count) kd_count[kd]++;
            if (print) printf("  step %" PRIu64 " (0x%" PRIx64 ": %s) differs by known divergence %.3s; stepping on from libarmgpu's state\n",
                              k, pre.s.pc, disasm1(pre.insn, pre.s.pc), kd_name[kd]);
            kd_seen = kd;
            sync.s = a.s;
            memcpy(sync.mem, a.mem, MEM_SIZE);
            uc_load(&sync);
        }
        if (a.stop != ST_RUN) break;
        pre.s = a.s;
        memcpy(pre.mem, a.mem, MEM_SIZE);
    }
    if (kd_seen == -2 && print)
        printf("  (stepping one instruction at a time found no difference: it needs whole runs)\n");
    return kd_seen;
}

static void report_program(const testcase *t, const outcome *lib, const outcome *ucr, const diffset *d, const char *other)
{
    printf("MISMATCH program of %u words, test seed 0x%016" PRIx64 "\n", t->ninsn, t->seed);
    static char dis[1024][96];
    uint32_t words[1024];
    memcpy(words, t->mem + CODE_BASE, 4 * t->ninsn);
    disasm(words, (int)t->ninsn, CODE_BASE, dis);
    for (uint32_t i = 0; i < t->ninsn; i++) {
        printf("  0x%04x: %08x  %s\n", CODE_BASE + 4 * i, words[i], dis[i]);
        if (is_hlt(words[i])) {
            printf("  ... literal pool follows\n");
            break;
        }
    }
    print_state("input", &t->s);
    print_outcome("libarmgpu", lib);
    print_outcome(other, ucr);
    print_diff(lib, ucr, d, t->mem);
    if (!opt.compare_backends) explain_program(t, 1, 0);
    printf("  reproduce: difftest --program-one 0x%016" PRIx64 "%s\n", t->seed,
           opt.nallowed != gen_table_len ? " (with the same --class list)" : "");
}

static int check_decode(const testcase *t)
{
    /* A generator must produce what the decoder files under its class. */
    uint32_t op = a64_decode(t->insn);
    if (op == A64_OP_UNALLOCATED || strcmp(a64_class_name[a64_op_class[op]], gen_table[t->cls].cls)) {
        printf("GENERATOR BUG: class %s produced %08x (%s), which decodes as %s\n", gen_table[t->cls].cls, t->insn,
               disasm1(t->insn, SINGLE_PC), op == A64_OP_UNALLOCATED ? "unallocated" : a64_class_name[a64_op_class[op]]);
        return 1;
    }
    return 0;
}

static void compare_and_report(const testcase *t, const outcome *lib, const outcome *other, const char *oname)
{
    diffset d;
    if (!diff(lib, other, &d)) return;
    if (!opt.compare_backends) {
        if (t->prog) {
            if (explain_program(t, 0, 1) >= 0) {
                n_prog_kd++;
                return;
            }
        } else {
            int kd = known_divergence(t, lib, other, &d);
            if (kd >= 0) {
                kd_count[kd]++;
                return;
            }
        }
    }
    n_mismatch++;
    if (n_mismatch > (uint64_t)opt.max_report) return;
    if (opt.brief && !t->prog) {
        /* One line: for triage of many mismatches. */
        printf("MISMATCH %-18s %08x %-36s seed 0x%016" PRIx64 ":", gen_table[t->cls].cls, t->insn,
               disasm1(t->insn, SINGLE_PC), t->seed);
        for (int i = 0; i < 32; i++)
            if (d.x & (1u << i)) printf(" x%d", i);
        for (int i = 0; i < 32; i++)
            if (d.v & (1u << i)) printf(" v%d", i);
        if (d.pc) printf(" pc");
        if (d.nzcv) printf(" nzcv");
        if (d.fpcr || d.fpsr || d.tpidr) printf(" sysreg");
        if (d.stop) printf(" stop(%s/%s)", st_name[lib->stop], st_name[other->stop]);
        if (d.retired) printf(" retired");
        if (d.mem_first >= 0) printf(" mem@0x%x+%d", d.mem_first, d.mem_count);
        printf("\n");
        return;
    }
    if (t->prog) report_program(t, lib, other, &d, oname);
    else report_single(t, lib, other, &d, oname);
    fflush(stdout);
}

#define BATCH 64

static void run_batches(uint64_t count, int prog, agpu_machine *m, agpu_machine *m2)
{
    static testcase tc[BATCH];
    static outcome lo[BATCH], uo;
    agpu_lane_result res[BATCH], res2[BATCH];
    uint32_t lanes = agpu_num_lanes(m);
    for (uint64_t done = 0; done < count;) {
        uint32_t nb = (uint32_t)(count - done < lanes ? count - done : lanes);
        nb = nb > BATCH ? BATCH : nb;
        uint64_t budget = 0;
        for (uint32_t i = 0; i < nb; i++) {
            uint64_t seed = mix(opt.seed, (prog ? 0x100000000000ull : 0) + done + i);
            if (prog) make_program(seed, &tc[i]);
            else make_single(seed, &tc[i]);
            if (!prog && check_decode(&tc[i])) exit(1);
            lib_load(m, i, &tc[i]);
            if (m2) lib_load(m2, i, &tc[i]);
            budget = tc[i].budget;
        }
        /* Lanes past nb keep running their last test: harmless, ignored. */
        chk(m, agpu_execute(m, budget, res), "execute");
        if (m2) chk(m2, agpu_execute(m2, budget, res2), "execute");
        for (uint32_t i = 0; i < nb; i++) {
            lib_read(m, i, &res[i], &lo[i]);
            if (m2) {
                lib_read(m2, i, &res2[i], &uo);
                compare_and_report(&tc[i], &lo[i], &uo, agpu_backend_name(opt.cmp[1]));
            } else {
                uc_run(&tc[i], budget, &uo);
                compare_and_report(&tc[i], &lo[i], &uo, "unicorn");
            }
            if (prog) {
                n_prog++;
                n_prog_insns += lo[i].retired;
            } else {
                n_single++;
                n_class[tc[i].cls]++;
            }
        }
        done += nb;
    }
}

/* Many lanes at once, two backends, no Unicorn (--compare-backends). */
static void run_backends(void)
{
    char why[256];
    for (int i = 0; i < 2; i++)
        if (agpu_backend_available(opt.cmp[i], why, sizeof why)) {
            printf("difftest: SKIP compare-backends: backend %s is not available here: %s\n",
                   agpu_backend_name(opt.cmp[i]), why);
            exit(0);
        }
    uint32_t lanes = opt.lanes;
    agpu_machine *a = make_machine(opt.cmp[0], lanes), *b = make_machine(opt.cmp[1], lanes);
    static outcome oa, ob;
    testcase *tc = malloc(sizeof *tc * lanes);
    agpu_lane_result *ra = malloc(sizeof *ra * lanes), *rb = malloc(sizeof *rb * lanes);
    if (!tc || !ra || !rb) die("%s", "out of memory");
    for (int prog = 0; prog < 2; prog++) {
        uint64_t count = prog ? opt.programs : opt.count;
        for (uint64_t done = 0; done < count;) {
            uint32_t nb = (uint32_t)(count - done < lanes ? count - done : lanes);
            for (uint32_t i = 0; i < lanes; i++) {
                /* Every lane gets a test; lanes past nb rerun earlier seeds. */
                uint64_t seed = mix(opt.seed, (prog ? 0x100000000000ull : 0) + done + (i < nb ? i : i % nb));
                if (prog) make_program(seed, &tc[i]);
                else make_single(seed, &tc[i]);
                lib_load(a, i, &tc[i]);
                lib_load(b, i, &tc[i]);
            }
            uint64_t budget = prog ? 100000 : 2;
            chk(a, agpu_execute(a, budget, ra), "execute");
            chk(b, agpu_execute(b, budget, rb), "execute");
            for (uint32_t i = 0; i < nb; i++) {
                lib_read(a, i, &ra[i], &oa);
                lib_read(b, i, &rb[i], &ob);
                diffset d;
                if (memcmp(&ra[i].stop, &rb[i].stop, sizeof ra[i].stop)) {
                    n_mismatch++;
                    printf("MISMATCH lane %u: stop records differ: %s: %s vs %s: %s\n", i, agpu_backend_name(opt.cmp[0]),
                           oa.detail, agpu_backend_name(opt.cmp[1]), ob.detail);
                }
                if (diff(&oa, &ob, &d)) compare_and_report(&tc[i], &oa, &ob, agpu_backend_name(opt.cmp[1]));
                if (prog) n_prog++, n_prog_insns += oa.retired;
                else n_single++, n_class[tc[i].cls]++;
            }
            done += nb;
        }
    }
    agpu_destroy(a);
    agpu_destroy(b);
    free(tc), free(ra), free(rb);
}

/* ------------------------------------------------------ assembler check */

/* Generates encodings of every class, disassembles them with objdump and
 * reassembles the text with gas: an encoding objdump cannot name is a
 * generator bug; one gas encodes differently is printed (aliases and
 * ignored fields may legitimately round-trip to another word). */
static int selfcheck(void)
{
    enum { PER = 24 };
    int n = gen_table_len * PER, bad = 0, differ = 0;
    uint32_t *w = malloc(4 * (size_t)n);
    char (*dis)[96] = malloc(96 * (size_t)n);
    rng r = {opt.seed};
    for (int i = 0; i < n; i++) {
        uint64_t x[32] = {0};
        gen_ctx c = {.r = &r, .x = x};
        w[i] = gen_table[i / PER].fn(&c);
    }
    disasm(w, n, 0, dis);
    char src[] = "/tmp/difftest-as-XXXXXX";
    int fd = mkstemp(src);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "base:\n");
    for (int i = 0; i < n; i++) {
        if (strstr(dis[i], "undefined") || strstr(dis[i], ".inst") || !strcmp(dis[i], "?")) {
            printf("selfcheck: class %s: %08x is not a valid instruction to objdump (%s)\n", gen_table[i / PER].cls,
                   w[i], dis[i]);
            bad++;
            fprintf(f, ".inst 0x%08x\n", w[i]);
        } else {
            char *semi = strstr(dis[i], "//");
            if (semi) *semi = 0;
            /* objdump prints PC-relative targets as addresses: name them
             * from a label at 0 so gas encodes the same offset. */
            char *addr = strstr(dis[i], " 0x");
            if (addr) {
                *addr = 0;
                fprintf(f, ".org %d\n%s base+%s\n", 4 * i, dis[i], addr + 1);
            } else {
                fprintf(f, ".org %d\n%s\n", 4 * i, dis[i]);
            }
        }
    }
    fclose(f);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "aarch64-linux-gnu-as -march=armv8.5-a+lse+crc+memtag+fp16+aes -o %s.o %s && aarch64-linux-gnu-objcopy -O binary -j .text %s.o %s.bin",
             src, src, src, src);
    if (system(cmd)) {
        printf("selfcheck: the assembler rejected the disassembly (see above)\n");
        bad++;
    } else {
        char bin[128];
        snprintf(bin, sizeof bin, "%s.bin", src);
        FILE *b = fopen(bin, "rb");
        uint32_t *back = calloc((size_t)n, 4);
        size_t got = b ? fread(back, 4, (size_t)n, b) : 0;
        if (b) fclose(b);
        for (int i = 0; i < n && i < (int)got; i++)
            if (back[i] != w[i]) {
                differ++;
                if (opt.verbose) printf("selfcheck: %s: %08x '%s' reassembles as %08x\n", gen_table[i / PER].cls, w[i], dis[i], back[i]);
            }
        free(back);
        unlink(bin);
    }
    snprintf(cmd, sizeof cmd, "%s.o", src);
    unlink(cmd);
    unlink(src);
    printf("selfcheck: %d encodings, %d invalid, %d reassemble to another word (aliases, ignored fields)\n", n, bad,
           differ);
    free(w);
    free(dis);
    return bad ? 1 : 0;
}

/* ----------------------------------------------------------------- main */

static void usage(void)
{
    printf("usage: difftest [--seed N] [--count N] [--programs N] [--class a,b,...]\n"
           "                [--backend cpu|cuda|auto] [--compare-backends A,B] [--lanes N]\n"
           "                [--one TESTSEED] [--program-one TESTSEED] [--max-report N] [--brief] [--selfcheck] [-v]\n");
}

static uint64_t num(const char *s) { return strtoull(s, NULL, 0); }

int main(int argc, char **argv)
{
    int have_seed = 0, have_work = 0;
    setvbuf(stdout, NULL, _IOLBF, 0); /* reports survive a crash of either emulator */
    opt.count = 20000;
    opt.programs = 200;
    opt.backend = AGPU_BACKEND_CPU;
    opt.lanes = 4096;
    opt.max_report = 5;
    const char *classes = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--seed") && v) opt.seed = num(v), have_seed = 1, i++;
        else if (!strcmp(a, "--count") && v) opt.count = num(v), have_work |= 1, i++;
        else if (!strcmp(a, "--programs") && v) opt.programs = num(v), have_work |= 2, i++;
        else if (!strcmp(a, "--class") && v) classes = v, i++;
        else if (!strcmp(a, "--lanes") && v) opt.lanes = (uint32_t)num(v), i++;
        else if (!strcmp(a, "--max-report") && v) opt.max_report = (int)num(v), i++;
        else if (!strcmp(a, "--one") && v) opt.one = num(v), opt.one_set = 1, i++;
        else if (!strcmp(a, "--program-one") && v) opt.prog_one = num(v), opt.prog_one_set = 1, i++;
        else if (!strcmp(a, "--backend") && v) {
            if (agpu_backend_from_name(v, &opt.backend)) die("unknown backend '%s'", v);
            i++;
        } else if (!strcmp(a, "--compare-backends") && v) {
            char x[32] = "", y[32] = "";
            if (sscanf(v, "%31[^,],%31s", x, y) != 2 || agpu_backend_from_name(x, &opt.cmp[0]) ||
                agpu_backend_from_name(y, &opt.cmp[1]))
                die("--compare-backends takes two backends, for example cpu,cuda (got '%s')", v);
            opt.compare_backends = 1;
            i++;
        } else if (!strcmp(a, "--selfcheck")) opt.selfcheck = 1;
        else if (!strcmp(a, "--brief")) opt.brief = 1;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) opt.verbose = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) return usage(), 0;
        else {
            usage();
            die("unknown argument '%s'", a);
        }
    }
    if (have_work == 1) opt.programs = 0;
    if (have_work == 2) opt.count = 0;
    if (!have_seed) {
        FILE *u = fopen("/dev/urandom", "rb");
        if (!u || fread(&opt.seed, 8, 1, u) != 1) opt.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        if (u) fclose(u);
    }

    /* Coverage follows the decoder: every class it knows needs a generator. */
    int missing = 0;
    for (int i = 0; i < A64_CLASS_COUNT; i++)
        if (!gen_find(a64_class_name[i])) {
            printf("FAIL: class %s is in shaders/a64.decode but has no generator in tests/difftest/gen.c\n",
                   a64_class_name[i]);
            missing++;
        }
    for (int i = 0; i < gen_table_len; i++) {
        int found = 0;
        for (int j = 0; j < A64_CLASS_COUNT; j++) found |= !strcmp(a64_class_name[j], gen_table[i].cls);
        if (!found) printf("warning: generator %s names no class of shaders/a64.decode\n", gen_table[i].cls);
    }
    if (missing) return 1;

    if (classes) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", classes);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            const gen_entry *g = gen_find(tok);
            if (!g) die("unknown class '%s' (see a64_class_name[] / docs/isa.md)", tok);
            opt.allowed[opt.nallowed++] = (int)(g - gen_table);
        }
    } else {
        for (int i = 0; i < gen_table_len; i++) opt.allowed[opt.nallowed++] = i;
    }

    printf("difftest: seed=0x%016" PRIx64 " ", opt.seed);
    if (opt.selfcheck) {
        printf("selfcheck against aarch64-linux-gnu-as\n");
        return selfcheck();
    }
    if (opt.compare_backends) {
        printf("compare-backends %s,%s lanes=%u single=%" PRIu64 " programs=%" PRIu64 "\n", agpu_backend_name(opt.cmp[0]),
               agpu_backend_name(opt.cmp[1]), opt.lanes, opt.count, opt.programs);
        fflush(stdout);
        run_backends();
    } else {
        char why[256];
        if (agpu_backend_available(opt.backend, why, sizeof why)) {
            printf("\ndifftest: SKIP: backend %s is not available here: %s\n", agpu_backend_name(opt.backend), why);
            return 0;
        }
        uc_init();
        agpu_machine *m = make_machine(opt.backend, BATCH);
        lib_one = make_machine(opt.backend, 1);
        printf("backend=%s (%s) single=%" PRIu64 " programs=%" PRIu64 " classes=%d\n", agpu_backend_name(opt.backend),
               agpu_backend_name(agpu_machine_backend(m)), opt.one_set ? 1 : opt.prog_one_set ? 0 : opt.count,
               opt.prog_one_set ? 1 : opt.one_set ? 0 : opt.programs, opt.nallowed);
        fflush(stdout);
        if (opt.one_set || opt.prog_one_set) {
            static testcase t;
            static outcome a, b;
            if (opt.one_set) make_single(opt.one, &t);
            else make_program(opt.prog_one, &t);
            if (!t.prog && check_decode(&t)) return 1;
            run_lib_one(&t, t.budget, &a);
            uc_run(&t, t.budget, &b);
            diffset d;
            int kd = -1;
            if (diff(&a, &b, &d)) kd = t.prog ? explain_program(&t, 0, 1) : known_divergence(&t, &a, &b, &d);
            if (kd >= 0) printf("known divergence: %s\n", kd_name[kd]);
            if (diff(&a, &b, &d) && kd < 0) {
                n_mismatch++;
                if (t.prog) report_program(&t, &a, &b, &d, "unicorn");
                else report_single(&t, &a, &b, &d, "unicorn");
            } else {
                printf("no unexplained difference (%s); libarmgpu: %s, retired %" PRIu64 "\n",
                       diff(&a, &b, &d) ? "a known divergence" : "identical", st_name[a.stop], a.retired);
            }
        } else {
            run_batches(opt.count, 0, m, NULL);
            run_batches(opt.programs, 1, m, NULL);
        }
        agpu_destroy(m);
        agpu_destroy(lib_one);
        uc_close(uc);
    }

    printf("difftest: seed=0x%016" PRIx64 ": %" PRIu64 " single instructions, %" PRIu64 " programs (%" PRIu64
           " instructions retired), %" PRIu64 " unexplained mismatches\n",
           opt.seed, n_single, n_prog, n_prog_insns, n_mismatch);
    if (n_prog_kd)
        printf("  %" PRIu64 " programs differ only at instructions of known divergences (stepped through, counted below)\n", n_prog_kd);
    for (int i = 0; i < KD_COUNT; i++)
        if (kd_count[i]) printf("  known divergence x%" PRIu64 ": %s\n", kd_count[i], kd_name[i]);
    if (opt.verbose)
        for (int i = 0; i < gen_table_len; i++) printf("  class %-20s %" PRIu64 "\n", gen_table[i].cls, n_class[i]);
    if (n_mismatch > (uint64_t)opt.max_report) printf("  (only the first %d mismatches were printed)\n", opt.max_report);
    return n_mismatch ? 1 : 0;
}

/*
 * fuzz_syscall.c - libFuzzer target: the Linux system-call layer
 * (src/linux/syscalls.c) on arbitrary system-call numbers and arguments,
 * through the public API.
 *
 * The target builds a tiny static ELF in memory: a read-only executable
 * page at 0x400000 (the headers, `svc #0` at ENTRY, and a few path strings:
 * "/data", "/proc/self/exe", "/missing", ""), and a writable 8 KiB segment
 * at 0x410000 whose first DATA_LEN bytes come from the input (iovecs,
 * timespecs, sigactions, strings).  "/data" is mapped as a 300-byte file.
 * agpu_linux_run(p, 0) starts the one lane; then for each call the target
 * sets X8 and X0-X5, puts the PC on the SVC, and runs a budget of exactly
 * one instruction: the SVC, which the layer serves before the run returns.
 *
 * Input: DATA_LEN bytes of the writable segment, then records of a number
 * (a kind byte: high bit set picks one of the calls the layer serves, else
 * a raw 16-bit or, rarely, 64-bit number) and six arguments (a kind byte
 * steering a 64-bit value: raw, small, a descriptor, into or at the end of
 * the data segment, a path string, the read-only page, the private region
 * (heap, mmap area, stack) or its end, page-aligned, negative, ...).
 * Missing bytes read as zero, so any input is valid.
 *
 * Invariants checked (abort on failure), after every call:
 *  - agpu_linux_run returns AGPU_OK and retires exactly the SVC;
 *  - a lane still running has its PC just past the SVC, X1-X30 and SP
 *    unchanged, and X0 a valid value (>= 0) or a negative errno
 *    (-4095..-1); a number the layer has no name for gives -ENOSYS;
 *  - an ended lane reports EXITED (exit, exit_group: X0 & 0xff) or
 *    SIGNALED with 128 + signal (kill, tgkill, SIGPIPE, ...);
 *  - the read-only page is byte-for-byte unchanged (the host never writes
 *    what the guest could not);
 *  - no host fault, ASan or UBSan report.
 */
#include "fuzz_common.h"

#define RO_BASE 0x400000ull
#define ENTRY (RO_BASE + 0x100)
#define STRS (RO_BASE + 0x200)
#define RW_BASE 0x410000ull
#define RW_SIZE 0x2000ull
#define DATA_LEN 128u
#define MAX_CALLS 64u
#define ENOSYS_ 38

static const uint32_t served[] = {
    17,  23,  24,  25,  29,  48,  49,  56,  57,  59,  61,  62,  63,  64,  65,  66,  67,  78,
    79,  80,  93,  94,  96,  98,  99,  101, 113, 114, 115, 122, 123, 124, 129, 130, 131, 132,
    134, 135, 160, 163, 164, 165, 166, 167, 169, 172, 173, 174, 175, 176, 177, 178, 179, 214,
    215, 216, 222, 226, 227, 233, 261, 278, 293,
};

static void put(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* The program: ELF header, two program headers, code, strings, data. */
static size_t build_elf(uint8_t *f, const uint8_t data[DATA_LEN])
{
    memset(f, 0, 0x1000 + DATA_LEN);
    memcpy(f, "\177ELF\2\1\1", 7);
    put(f + 16, 2, 2);         /* ET_EXEC */
    put(f + 18, 183, 2);       /* EM_AARCH64 */
    put(f + 20, 1, 4);
    put(f + 24, ENTRY, 8);
    put(f + 32, 64, 8);        /* e_phoff */
    put(f + 52, 64, 2);        /* e_ehsize */
    put(f + 54, 56, 2);
    put(f + 56, 2, 2);
    uint8_t *ph = f + 64;      /* text: R+X, the first page of the file */
    put(ph, 1, 4), put(ph + 4, 5, 4), put(ph + 8, 0, 8), put(ph + 16, RO_BASE, 8);
    put(ph + 24, RO_BASE, 8), put(ph + 32, 0x1000, 8), put(ph + 40, 0x1000, 8), put(ph + 48, 0x1000, 8);
    ph += 56;                  /* data: R+W */
    put(ph, 1, 4), put(ph + 4, 6, 4), put(ph + 8, 0x1000, 8), put(ph + 16, RW_BASE, 8);
    put(ph + 24, RW_BASE, 8), put(ph + 32, DATA_LEN, 8), put(ph + 40, RW_SIZE, 8), put(ph + 48, 0x1000, 8);
    put(f + (ENTRY - RO_BASE), 0xd4000001u, 4);     /* svc #0 */
    put(f + (ENTRY - RO_BASE) + 4, 0x17ffffffu, 4); /* b .-4 */
    strcpy((char *)f + (STRS - RO_BASE), "/data");
    strcpy((char *)f + (STRS - RO_BASE) + 16, "/proc/self/exe");
    strcpy((char *)f + (STRS - RO_BASE) + 32, "/missing");
    memcpy(f + 0x1000, data, DATA_LEN);
    return 0x1000 + DATA_LEN;
}

static uint64_t steer(uint8_t kind, uint64_t v, uint64_t pb, uint64_t ps)
{
    switch (kind & 15) {
    case 0: return v;
    case 1: return v & 0xff;
    case 2: return v & 0xf;
    case 3: return RW_BASE + v % RW_SIZE;
    case 4: return RW_BASE + RW_SIZE - (v & 0x3f);
    case 5: return STRS + 16 * (v % 4);
    case 6: return RO_BASE + v % 0x1000;
    case 7: return pb + v % ps;
    case 8: return pb + ps - (v & 0x3f);
    case 9: return 0 - (v & 0xff);
    case 10: return (pb + v % ps) & ~0xfffull;
    case 11: return (v & 0xff) << 12;
    case 12: return v & 0xffffffff;
    case 13: return 0;
    case 14: return 1ull << (v & 63);
    default: return UINT64_MAX - (v & 0xff);
    }
}

static uint8_t elf[0x1000 + DATA_LEN];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size, 0};
    uint8_t rw[DATA_LEN];
    for (uint32_t i = 0; i < DATA_LEN; i++) rw[i] = fz_u8(&in);
    size_t len = build_elf(elf, rw);

    agpu_linux_config cfg;
    agpu_linux_config_init(&cfg);
    cfg.num_lanes = 1;
    cfg.backend = AGPU_BACKEND_CPU;
    cfg.num_threads = 1;
    cfg.heap_size = 16 << 10;
    cfg.mmap_size = 64 << 10;
    cfg.stack_size = 32 << 10;
    cfg.seed = 7;
    agpu_linux *p = NULL;
    int rc = agpu_linux_create(elf, len, "/prog", &cfg, &p);
    CHECK(rc == AGPU_OK, "create: %s", agpu_last_error(NULL));
    agpu_machine *m = agpu_linux_machine(p);
    uint8_t file[300];
    for (uint32_t i = 0; i < sizeof file; i++) file[i] = (uint8_t)(i * 13 + 5);
    CHECK(agpu_linux_map_data(p, "/data", file, sizeof file) == AGPU_OK, "%s", agpu_last_error(m));
    CHECK(agpu_linux_set_stdin(p, 0, "stdin bytes\n", 12) == AGPU_OK, "%s", agpu_last_error(m));
    rc = agpu_linux_run(p, 0); /* starts the lane, runs nothing */
    CHECK(rc == AGPU_OK, "start: %s", agpu_last_error(m));
    uint64_t pb = agpu_private_base(m), ps = agpu_private_size(m);

    static uint8_t ro[0x1000], ro_now[0x1000];
    CHECK(agpu_read_memory(m, 0, RO_BASE, ro, sizeof ro) == AGPU_OK, "%s", agpu_last_error(m));

    for (uint32_t call = 0; call < MAX_CALLS && !fz_done(&in); call++) {
        uint8_t nk = fz_u8(&in);
        uint64_t nr;
        if (nk & 0x80) nr = served[(nk & 0x7f) % (sizeof served / sizeof served[0])];
        else if (nk == 0x7f) nr = fz_u64(&in);
        else nr = fz_u32(&in) & 0xffff;
        uint64_t regs[32];
        CHECK(agpu_get_gprs(m, 0, regs) == AGPU_OK, "%s", agpu_last_error(m));
        for (int a = 0; a < 6; a++) {
            uint8_t k = fz_u8(&in);
            regs[a] = steer(k, fz_u64(&in), pb, ps);
        }
        regs[8] = nr;
        CHECK(agpu_set_gprs(m, 0, regs) == AGPU_OK, "%s", agpu_last_error(m));
        CHECK(agpu_set_reg(m, 0, AGPU_REG_PC, ENTRY) == AGPU_OK, "%s", agpu_last_error(m));

        rc = agpu_linux_run(p, 1);
        CHECK(rc == AGPU_OK, "syscall %llu: run rc %d (%s)", (unsigned long long)nr, rc, agpu_last_error(m));
        agpu_linux_result r;
        CHECK(agpu_linux_result_of(p, 0, &r) == AGPU_OK, "%s", agpu_last_error(m));
        CHECK(r.instructions == call + 1, "syscall %llu: %llu instructions after %u calls",
              (unsigned long long)nr, (unsigned long long)r.instructions, call + 1);
        CHECK(r.syscalls == call + 1, "syscall %llu: %llu calls counted after %u",
              (unsigned long long)nr, (unsigned long long)r.syscalls, call + 1);

        CHECK(agpu_read_memory(m, 0, RO_BASE, ro_now, sizeof ro_now) == AGPU_OK, "%s", agpu_last_error(m));
        CHECK(memcmp(ro, ro_now, sizeof ro) == 0, "syscall %llu wrote the read-only page",
              (unsigned long long)nr);

        if (r.status == AGPU_LINUX_EXITED) {
            CHECK(nr == 93 || nr == 94, "syscall %llu ended the lane with exit %d", (unsigned long long)nr,
                  r.exit_code);
            CHECK(r.exit_code == (int)(regs[0] & 0xff) && r.signal == 0, "exit(%llu): code %d signal %d",
                  (unsigned long long)regs[0], r.exit_code, r.signal);
            break;
        }
        if (r.status == AGPU_LINUX_SIGNALED) {
            CHECK(r.signal >= 1 && r.signal <= 64 && r.exit_code == 128 + r.signal,
                  "syscall %llu: signal %d exit %d", (unsigned long long)nr, r.signal, r.exit_code);
            break;
        }
        CHECK(r.status == AGPU_LINUX_RUNNING, "syscall %llu: status %u", (unsigned long long)nr, r.status);

        uint64_t after[32], pc = 0;
        CHECK(agpu_get_gprs(m, 0, after) == AGPU_OK, "%s", agpu_last_error(m));
        CHECK(agpu_get_reg(m, 0, AGPU_REG_PC, &pc) == AGPU_OK, "%s", agpu_last_error(m));
        CHECK(pc == ENTRY + 4, "syscall %llu: pc 0x%llx after the SVC", (unsigned long long)nr,
              (unsigned long long)pc);
        for (int i = 1; i < 32; i++)
            CHECK(after[i] == regs[i], "syscall %llu changed X%d: 0x%llx -> 0x%llx", (unsigned long long)nr, i,
                  (unsigned long long)regs[i], (unsigned long long)after[i]);
        int64_t ret = (int64_t)after[0];
        CHECK(ret >= 0 || ret >= -4095, "syscall %llu returned %lld: neither a value nor -errno",
              (unsigned long long)nr, (long long)ret);
        if (nr > UINT32_MAX || !agpu_linux_syscall_name((uint32_t)nr))
            CHECK(ret == -ENOSYS_, "syscall %llu has no name but returned %lld", (unsigned long long)nr,
                  (long long)ret);
    }
    agpu_linux_destroy(p);
    return 0;
}

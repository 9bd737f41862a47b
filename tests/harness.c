#define _GNU_SOURCE
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef AARCH64_AS
#define AARCH64_AS "aarch64-linux-gnu-as"
#endif
#ifndef AARCH64_LD
#define AARCH64_LD "aarch64-linux-gnu-ld"
#endif
#ifndef AARCH64_OBJCOPY
#define AARCH64_OBJCOPY "aarch64-linux-gnu-objcopy"
#endif

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(n > 0 ? (size_t)n + 1 : 1);
    if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[n > 0 ? n : 0] = 0;
    *len = n > 0 ? (size_t)n : 0;
    return buf;
}

uint8_t *asm_bytes(const char *source, size_t *len)
{
    char dir[] = "/tmp/armgpu-asm-XXXXXX";
    if (!mkdtemp(dir)) fail_msg("mkdtemp failed");
    char src[128], obj[128], elf[128], bin[128], log[128], cmd[1400];
    snprintf(src, sizeof src, "%s/t.s", dir);
    snprintf(obj, sizeof obj, "%s/t.o", dir);
    snprintf(elf, sizeof elf, "%s/t.elf", dir);
    snprintf(bin, sizeof bin, "%s/t.bin", dir);
    snprintf(log, sizeof log, "%s/log", dir);
    FILE *f = fopen(src, "w");
    if (!f) fail_msg("cannot write %s", src);
    /* A leading .text and a trailing .ltorg keep literal pools in the image. */
    fprintf(f, ".text\n%s\n.ltorg\n", source);
    fclose(f);
    /* Linking at address 0 resolves what the assembler leaves to the
     * linker (ADRP pages, .quad label, literals naming labels). */
    snprintf(cmd, sizeof cmd,
             AARCH64_AS " -o %s %s >%s 2>&1 && " AARCH64_LD
                        " -Ttext=0 -e 0 --no-relax -o %s %s >>%s 2>&1 && " AARCH64_OBJCOPY
                        " -O binary -j .text %s %s >>%s 2>&1",
             obj, src, log, elf, obj, log, elf, bin, log);
    int rc = system(cmd);
    size_t n = 0;
    uint8_t *out = NULL;
    if (rc == 0) out = (uint8_t *)slurp(bin, &n);
    if (!out) {
        size_t ln;
        char *msg = slurp(log, &ln);
        print_error("assembling failed:\n%s\n%s\n", source, msg ? msg : "(no message)");
        free(msg);
    }
    unlink(src), unlink(obj), unlink(elf), unlink(bin), unlink(log), rmdir(dir);
    if (!out) fail_msg("aarch64-linux-gnu-as could not assemble the snippet above");
    *len = n;
    return out;
}

uint8_t *asm_bytesf(size_t *len, const char *fmt, ...)
{
    char buf[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return asm_bytes(buf, len);
}

uint32_t asm_word(const char *insn)
{
    size_t n;
    uint8_t *b = asm_bytes(insn, &n);
    assert_true(n >= 4);
    uint32_t w = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    free(b);
    return w;
}

agpu_backend test_backend(void)
{
    const char *e = getenv("ARMGPU_TEST_BACKEND");
    agpu_backend b = AGPU_BACKEND_CPU;
    if (e && *e && agpu_backend_from_name(e, &b) != AGPU_OK)
        fail_msg("ARMGPU_TEST_BACKEND=%s is not cpu, cuda or auto", e);
    return b;
}

agpu_machine *test_machine(uint32_t lanes, uint64_t shared_size, uint64_t priv_base, uint64_t priv_size)
{
    return test_machine_threads(lanes, shared_size, priv_base, priv_size, 0);
}

agpu_machine *test_machine_threads(uint32_t lanes, uint64_t shared_size, uint64_t priv_base,
                                   uint64_t priv_size, uint32_t threads)
{
    agpu_config c;
    agpu_config_init(&c);
    c.num_lanes = lanes;
    c.shared_size = shared_size;
    c.private_base = priv_base;
    c.private_size = priv_size;
    c.backend = test_backend();
    c.num_threads = threads;
    agpu_machine *m = NULL;
    int rc = agpu_create(&c, &m);
    if (rc != AGPU_OK) fail_msg("agpu_create: %s: %s", agpu_strerror(rc), agpu_last_error(NULL));
    return m;
}

void exec_ok(agpu_machine *m, uint64_t budget, agpu_lane_result *results)
{
    int rc = agpu_execute(m, budget, results);
    if (rc != AGPU_OK) fail_msg("agpu_execute: %s: %s", agpu_strerror(rc), agpu_last_error(m));
}

agpu_machine *run_snippet(const char *source, uint64_t budget, agpu_lane_result *result)
{
    size_t n;
    uint8_t *code = asm_bytes(source, &n);
    agpu_machine *m = test_machine(1, 1u << 20, 0, 0);
    assert_int_equal(agpu_load(m, 0, code, n), AGPU_OK);
    free(code);
    set_reg(m, 0, AGPU_REG_SP, 0x80000);
    agpu_lane_result r;
    exec_ok(m, budget, &r);
    if (result) *result = r;
    return m;
}

uint64_t reg(agpu_machine *m, uint32_t lane, agpu_reg r)
{
    uint64_t v = 0;
    int rc = agpu_get_reg(m, lane, r, &v);
    if (rc != AGPU_OK) fail_msg("agpu_get_reg(%u, %s): %s", lane, agpu_reg_name(r), agpu_last_error(m));
    return v;
}

void set_reg(agpu_machine *m, uint32_t lane, agpu_reg r, uint64_t v)
{
    int rc = agpu_set_reg(m, lane, r, v);
    if (rc != AGPU_OK) fail_msg("agpu_set_reg(%u, %s): %s", lane, agpu_reg_name(r), agpu_last_error(m));
}

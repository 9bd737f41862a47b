/* Runs the guest program in argv[1] (flat A64 code) on one lane with
 * x0 = 10 and prints x1. */
#include <armgpu.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s program.bin\n", argv[0]);
        return 2;
    }
    unsigned char code[4096];
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    size_t n = fread(code, 1, sizeof code, f);
    fclose(f);

    agpu_config cfg;
    agpu_config_init(&cfg);
    cfg.backend = AGPU_BACKEND_CPU;
    cfg.shared_size = 64 * 1024;
    agpu_machine *m;
    int rc = agpu_create(&cfg, &m);
    if (rc != AGPU_OK) {
        fprintf(stderr, "agpu_create: %s: %s\n", agpu_strerror(rc), agpu_last_error(NULL));
        return 1;
    }
    agpu_lane_result res;
    uint64_t x1 = 0;
    if ((rc = agpu_load(m, 0, code, n)) || (rc = agpu_set_reg(m, 0, AGPU_REG_X0, 10)) ||
        (rc = agpu_execute(m, 1000, &res)) || (rc = agpu_get_reg(m, 0, AGPU_REG_X0 + 1, &x1))) {
        fprintf(stderr, "%s: %s\n", agpu_strerror(rc), agpu_last_error(m));
        agpu_destroy(m);
        return 1;
    }
    if (res.stop.reason != AGPU_STOP_HALT) {
        char buf[128];
        agpu_format_stop(&res.stop, res.pc, buf, sizeof buf);
        fprintf(stderr, "unexpected stop: %s\n", buf);
        agpu_destroy(m);
        return 1;
    }
    printf("sum of squares 1..10 = %llu\n", (unsigned long long)x1);
    agpu_destroy(m);
    return 0;
}

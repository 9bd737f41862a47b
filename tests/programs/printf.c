/* printf.c - printf of integers, strings and floating point. */
#include <inttypes.h>
#include <stdio.h>

int main(void)
{
    printf("%d %i %u %x %X %o %c %%\n", -42, 7, 3000000000u, 0xbeef, 0xcafe, 0755, 'z');
    printf("%ld %lld %" PRIu64 " %" PRId64 "\n", -1234567890123L, 9223372036854775807LL, UINT64_MAX, INT64_MIN);
    printf("[%10s] [%-10s] [%.3s] [%5d] [%-5d] [%05d] [%+d]\n", "right", "left", "truncate", 42, 42, 42, 42);
    printf("%f %.2f %e %g %g %a\n", 3.14159265358979, 2.5, 6.02214076e23, 0.0001, 1e100, 1.0);
    printf("%.17g %.17g %f %f\n", 0.1, 1.0 / 3.0, -0.0, 1e-300 * 1e-300);
    double v = 1.0;
    for (int i = 0; i < 5; i++, v *= -7.25) printf("%10.4f|", v);
    printf("\n%p\n", (void *)0);
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%s-%d-%.1f", "snprintf", 99, 9.95);
    printf("%s (%d)\n", buf, n);
    return 0;
}

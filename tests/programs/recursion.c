/* recursion.c - deep recursion (about 100000 frames on the stack). */
#include <stdio.h>

static unsigned long depth_sum(unsigned long n, volatile unsigned char *prev)
{
    volatile unsigned char frame[16];
    frame[0] = (unsigned char)n;
    if (n == 0) return prev ? prev[0] : 0;
    return n + depth_sum(n - 1, frame) + frame[0] * 0;
}

static unsigned long ackermann(unsigned long m, unsigned long n)
{
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

int main(void)
{
    printf("sum %lu\n", depth_sum(100000, 0));
    printf("ackermann(2, 300) = %lu\n", ackermann(2, 300));
    return 0;
}

/* setjmp.c - setjmp/longjmp out of nested calls. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static int depth;

static void dive(int n)
{
    depth = n;
    if (n == 10) longjmp(env, n * 3);
    dive(n + 1);
}

int main(void)
{
    volatile int rounds = 0;
    int r = setjmp(env);
    printf("setjmp returned %d at depth %d\n", r, depth);
    if (rounds++ < 3) dive(rounds);
    printf("done after %d rounds\n", rounds);
    return 0;
}

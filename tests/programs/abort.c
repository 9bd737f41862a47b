/* abort.c - abort(): SIGABRT, with stdout written before it. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    printf("before abort\n");
    fflush(stdout);
    fprintf(stderr, "aborting\n");
    abort();
}

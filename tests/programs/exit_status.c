/* exit_status.c - a message on stderr, then a non-zero exit status. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int code = argc > 1 ? atoi(argv[1]) : 3;
    fprintf(stderr, "failing with %d\n", code);
    printf("buffered stdout is flushed by exit\n");
    exit(code);
}

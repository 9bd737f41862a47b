/* stdin_all.c - reads all of stdin through stdio; counts bytes, lines and
 * a checksum; echoes the first line. */
#include <stdio.h>

int main(void)
{
    unsigned long bytes = 0, lines = 0, sum = 0;
    int c, first = 1;
    while ((c = getchar()) != EOF) {
        bytes++;
        sum = sum * 131 + (unsigned char)c;
        if (first) {
            if (c == '\n') first = 0;
            else if (c >= 32 && c < 127) putchar(c);
        }
        if (c == '\n') lines++;
    }
    printf("\nbytes=%lu lines=%lu sum=%lx\n", bytes, lines, sum);
    return 0;
}

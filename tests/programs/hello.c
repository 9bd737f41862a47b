/* hello.c - hello world through stdio. */
#include <stdio.h>

int main(void)
{
    puts("hello, world");
    return 0;
}

/* hello.c - one write to stdout, exit 0. */
#include "sys.h"

int main(int argc, char **argv, char **envp, u64 *auxv)
{
    (void)argc, (void)argv, (void)envp, (void)auxv;
    puts1("hello, world\n");
    return 0;
}

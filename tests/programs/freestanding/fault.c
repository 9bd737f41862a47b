/* fault.c - a store to an unmapped address: SIGSEGV. */
#include "sys.h"

int main(int argc, char **argv, char **envp, u64 *auxv)
{
    (void)argv, (void)envp, (void)auxv;
    puts1("before the fault\n");
    *(volatile int *)(u64)(16 * argc) = 1;
    puts1("not reached\n");
    return 0;
}

/* exitcode.c - a message on stderr and a non-zero exit status: argv[1] as
 * a number, or with "-" the sum of the stdin bytes modulo 256, else 42. */
#include "sys.h"

int main(int argc, char **argv, char **envp, u64 *auxv)
{
    (void)envp, (void)auxv;
    int code = 42;
    if (argc > 1 && seq(argv[1], "-")) {
        unsigned char b[256];
        i64 n;
        code = 0;
        while ((n = sys3(NR_read, 0, b, sizeof b)) > 0)
            for (i64 i = 0; i < n; i++) code = (code + b[i]) & 255;
    } else if (argc > 1) {
        code = 0;
        for (const char *p = argv[1]; *p >= '0' && *p <= '9'; p++) code = code * 10 + (*p - '0');
    }
    out(2, "exiting with ");
    putd(2, code);
    out(2, "\n");
    puts1("stdout before exit\n");
    sys1(NR_exit, code); /* exit, not exit_group */
    return 99;
}

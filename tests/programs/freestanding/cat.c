/* cat.c - reads all of stdin in reads of changing sizes, writes it back,
 * then its length and a checksum. */
#include "sys.h"

static unsigned char buf[1 << 16];

int main(int argc, char **argv, char **envp, u64 *auxv)
{
    (void)argc, (void)argv, (void)envp, (void)auxv;
    static const u64 sizes[] = {1, 7, 100, 4096, 65536};
    u64 total = 0, sum = 0, reads = 0;
    for (;;) {
        i64 n = sys3(NR_read, 0, buf, sizes[reads % 5]);
        reads++;
        if (n < 0) {
            out(2, "read failed: ");
            putd(2, n);
            out(2, "\n");
            return 1;
        }
        if (n == 0) break;
        for (i64 i = 0; i < n; i++) sum = sum * 31 + buf[i];
        total += (u64)n;
        sys3(NR_write, 1, buf, n);
    }
    puts1("\n--\n");
    kv("bytes", (i64)total);
    puts1("checksum=");
    putx(1, sum);
    puts1("\n");
    kv("read_at_eof", sys3(NR_read, 0, buf, 10));
    return 0;
}

/* openat.c - opens argv[1] (a file the runner maps in), prints its size
 * from fstat and its bytes; then the errors: a missing file, a write
 * open of a read-only file is not tried (a host would allow it). */
#include "sys.h"

static unsigned char buf[4096];

int main(int argc, char **argv, char **envp, u64 *auxv)
{
    (void)envp, (void)auxv;
    const i64 AT_FDCWD = -100;
    if (argc < 2) return 2;
    i64 fd = sys4(NR_openat, AT_FDCWD, argv[1], 0, 0);
    kv("open_ok", fd >= 3);
    unsigned long st[16];
    kv("fstat", sys2(NR_fstat, fd, st));
    kv("size", (i64)st[6]);
    kv("is_regular", ((unsigned)(st[2] & 0xffffffff) & 0170000) == 0100000);
    i64 n, total = 0;
    while ((n = sys3(NR_read, fd, buf, 1000)) > 0) {
        sys3(NR_write, 1, buf, n);
        total += n;
    }
    kv("\nread_total", total);
    kv("lseek_set", sys3(NR_lseek, fd, 5, 0));
    kv("read_after_seek", sys3(NR_read, fd, buf, 3));
    sys3(NR_write, 1, buf, 3);
    puts1("\n");
    kv("lseek_end", sys3(NR_lseek, fd, 0, 2));
    kv("lseek_negative", sys3(NR_lseek, fd, -1000000, 1));
    kv("close", sys1(NR_close, fd));
    kv("close_again", sys1(NR_close, fd));
    kv("open_missing", sys4(NR_openat, AT_FDCWD, "/no/such/file/armgpu-test", 0, 0));
    kv("open_efault", sys4(NR_openat, AT_FDCWD, 16, 0, 0));
    kv("lseek_stdin_pipe", sys3(NR_lseek, 0, 0, 1) == -29);
    kv("read_badfd", sys3(NR_read, 55, buf, 1));
    kv("write_efault", sys3(NR_write, 1, 16, 5));
    fd = sys4(NR_openat, AT_FDCWD, argv[1], 0, 0);
    kv("reopen_ok", fd >= 3);
    kv("read_efault", sys3(NR_read, fd, 16, 5));
    return 0;
}

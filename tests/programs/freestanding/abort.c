/* abort.c - ends itself with SIGABRT as abort() does: with "blocked", the
 * way glibc raise() does it (block all signals, tgkill, unblock); else a
 * plain kill(getpid(), SIGABRT). */
#include "sys.h"

int main(int argc, char **argv, char **envp, u64 *auxv)
{
    (void)envp, (void)auxv;
    out(2, "about to abort\n");
    puts1("stdout is kept\n");
    i64 pid = sys0(NR_getpid);
    if (argc > 1 && seq(argv[1], "blocked")) {
        u64 all = ~0ull, old = 0;
        sys4(NR_rt_sigprocmask, 0, &all, &old, 8);
        sys3(NR_tgkill, pid, sys0(NR_gettid), 6);
        out(2, "still here while blocked\n");
        sys4(NR_rt_sigprocmask, 2, &old, 0, 8);
    } else {
        kv("kill_sig0", sys2(NR_kill, pid, 0));
        sys2(NR_kill, pid, 6);
    }
    out(2, "not reached\n");
    return 0;
}

/* clock.c - clock_gettime, nanosleep, gettimeofday: behaviour that holds
 * for any clock, virtual or real. */
#include "sys.h"

typedef struct { i64 sec, nsec; } ts;

static i64 ns(const ts *t) { return t->sec * 1000000000 + t->nsec; }

int main(int argc, char **argv, char **envp, u64 *auxv)
{
    (void)argc, (void)argv, (void)envp, (void)auxv;
    ts a, b, c;
    kv("gettime_mono", sys2(NR_clock_gettime, 1, &a));
    for (volatile int i = 0; i < 1000; i++) {}
    sys2(NR_clock_gettime, 1, &b);
    kv("mono_nondecreasing", ns(&b) >= ns(&a));
    kv("nsec_in_range", b.nsec >= 0 && b.nsec < 1000000000);
    ts req = {0, 2000000};
    kv("nanosleep", sys2(NR_nanosleep, &req, 0));
    sys2(NR_clock_gettime, 1, &c);
    kv("slept_2ms", ns(&c) - ns(&b) >= 2000000);
    ts bad = {0, 1000000000};
    kv("nanosleep_einval", sys2(NR_nanosleep, &bad, 0));
    kv("gettime_bad_clock", sys2(NR_clock_gettime, 99, &a));
    kv("gettime_efault", sys2(NR_clock_gettime, 0, 8));
    ts rt;
    kv("gettime_realtime", sys2(NR_clock_gettime, 0, &rt));
    kv("realtime_after_2020", rt.sec > 1577836800);
    i64 tv[2];
    kv("gettimeofday", sys2(NR_gettimeofday, tv, 0));
    kv("usec_in_range", tv[1] >= 0 && tv[1] < 1000000);
    return 0;
}

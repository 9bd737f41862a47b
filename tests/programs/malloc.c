/* malloc.c - malloc, realloc and free of many sizes, including large ones
 * glibc serves with mmap (above its 128 KiB threshold). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    enum { N = 600 };
    static unsigned char *p[N];
    static size_t len[N];
    unsigned s = 1;
    uint64_t check = 0;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            s = s * 1664525u + 1013904223u;
            size_t n = (s >> 16) % 512 + 1;
            if (i % 37 == 0) n = 140000 + (s % 1024) * 256; /* mmap'd */
            if (i % 13 == 0) n = (s >> 8) % 20000;
            if (p[i] && (s & 1)) {
                /* realloc keeps the prefix */
                size_t keep = len[i] < n ? len[i] : n;
                if (keep > 64) keep = 64;
                unsigned char *q = realloc(p[i], n ? n : 1);
                if (!q) return 1;
                for (size_t k = 0; k < keep; k++)
                    if (q[k] != (unsigned char)(k + i)) { printf("realloc lost data\n"); return 1; }
                p[i] = q;
            } else {
                free(p[i]);
                p[i] = malloc(n ? n : 1);
                if (!p[i]) return 1;
            }
            len[i] = n;
            memset(p[i], i & 0xff, n);
            for (size_t k = 0; k < n && k < 64; k++) p[i][k] = (unsigned char)(k + i);
            if (n > 64) p[i][n - 1] = (unsigned char)(n * 7);
        }
        for (int i = 0; i < N; i++)
            for (size_t k = 0; k < len[i]; k += 61) check = check * 3 + p[i][k];
        printf("round %d checksum %016llx\n", round, (unsigned long long)check);
    }
    for (int i = 0; i < N; i++) free(p[i]);
    void *big = calloc(1, 8 << 20);
    printf("calloc 8 MiB %s\n", big && ((unsigned char *)big)[(8 << 20) - 1] == 0 ? "zeroed" : "failed");
    free(big);
    return 0;
}

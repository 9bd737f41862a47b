/* qsort.c - qsort and bsearch over integers and strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void)
{
    enum { N = 10000 };
    static int v[N];
    unsigned s = 12345;
    for (int i = 0; i < N; i++) v[i] = (int)((s = s * 1103515245u + 12345u) >> 8) % 100000 - 50000;
    qsort(v, N, sizeof v[0], cmp_int);
    long sum = 0;
    int sorted = 1;
    for (int i = 0; i < N; i++) {
        sum += (long)v[i] * (i % 7);
        if (i && v[i - 1] > v[i]) sorted = 0;
    }
    printf("sorted=%d min=%d max=%d weighted=%ld\n", sorted, v[0], v[N - 1], sum);
    int key = v[N / 3];
    int *hit = bsearch(&key, v, N, sizeof v[0], cmp_int);
    printf("bsearch found=%d\n", hit && *hit == key);
    const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "date", "elderberry", "grape"};
    qsort(words, 8, sizeof words[0], cmp_str);
    for (int i = 0; i < 8; i++) printf("%s%c", words[i], i == 7 ? '\n' : ' ');
    return 0;
}

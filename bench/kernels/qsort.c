/* Quicksort (median-of-three, recursion on the smaller side, insertion sort
 * below 16) of n <= 8192 pseudo-random 32-bit keys; returns a position-
 * weighted checksum of the sorted array, or all ones if it is not sorted. */
#include "common.h"

#define QS_MAX 8192
BENCH_BUF uint32_t a[QS_MAX];

static void swap(uint32_t *x, uint32_t *y)
{
    uint32_t t = *x;
    *x = *y;
    *y = t;
}

static NOINLINE void quicksort(uint32_t *v, long lo, long hi)
{
    while (hi - lo > 16) {
        long mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo]) swap(&v[mid], &v[lo]);
        if (v[hi] < v[lo]) swap(&v[hi], &v[lo]);
        if (v[hi] < v[mid]) swap(&v[hi], &v[mid]);
        uint32_t pivot = v[mid];
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                swap(&v[i], &v[j]);
                i++;
                j--;
            }
        }
        if (j - lo < hi - i) {
            quicksort(v, lo, j);
            lo = i;
        } else {
            quicksort(v, i, hi);
            hi = j;
        }
    }
    for (long i = lo + 1; i <= hi; i++) {
        uint32_t x = v[i];
        long j = i - 1;
        while (j >= lo && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static NOINLINE uint64_t kernel(uint64_t seed, uint64_t n)
{
    if (n > QS_MAX) n = QS_MAX;
    uint64_t s = mix64(seed) | 1;
    for (uint64_t i = 0; i < n; i++) a[i] = (uint32_t)(xs64(&s) >> 16);
    quicksort(a, 0, (long)n - 1);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (i && a[i - 1] > a[i]) return ~0ull;
        sum += (uint64_t)a[i] * (i + 1);
    }
    return sum;
}

BENCH_ENTRY(kernel)

/* Loops GCC vectorizes at -O3 (the build checks the disassembly): integer,
 * byte, 64-bit and floating-point arithmetic over arrays, printed exactly
 * (%a for floating point) so any lane's wrong SIMD result shows. */
#include <stdint.h>
#include <stdio.h>

#define N 1003 /* not a multiple of the vector length: the tails run too */

static int32_t a32[N], b32[N], c32[N];
static uint8_t a8[N], b8[N], c8[N];
static int64_t a64[N], c64[N];
static float af[N], bf[N], cf[N];
static double ad[N], bd[N], cd[N];

__attribute__((noinline)) void vec_i32(void)
{
    for (int i = 0; i < N; i++) c32[i] = a32[i] * b32[i] + (a32[i] >> 3) - (b32[i] ^ 0x5a5a);
}

__attribute__((noinline)) void vec_u8(void)
{
    for (int i = 0; i < N; i++) c8[i] = (uint8_t)((a8[i] + b8[i]) >> 1) | (a8[i] & 0x0f);
}

__attribute__((noinline)) void vec_i64(void)
{
    for (int i = 0; i < N; i++) c64[i] = a64[i] * 3 + (a64[i] < 0 ? -a64[i] : a64[i]);
}

__attribute__((noinline)) void vec_f32(void)
{
    for (int i = 0; i < N; i++) cf[i] = af[i] * bf[i] + af[i] / 3.0f;
}

__attribute__((noinline)) void vec_f64(void)
{
    for (int i = 0; i < N; i++) cd[i] = ad[i] * bd[i] - bd[i];
}

__attribute__((noinline)) int32_t vec_sum(void)
{
    int32_t s = 0;
    for (int i = 0; i < N; i++) s += c32[i];
    return s;
}

int main(void)
{
    uint32_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        a32[i] = (int32_t)x >> 7;
        b32[i] = (int32_t)(x >> 3) - 70000;
        a8[i] = (uint8_t)(x >> 11);
        b8[i] = (uint8_t)(x >> 19);
        a64[i] = ((int64_t)(int32_t)x << 20) - i;
        af[i] = (float)(int32_t)x / 65536.0f;
        bf[i] = (float)(i - 500) / 7.0f;
        ad[i] = (double)x / 3.0;
        bd[i] = (double)(i * i) - 250000.5;
    }
    vec_i32();
    vec_u8();
    vec_i64();
    vec_f32();
    vec_f64();
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < N; i++) {
        h = (h ^ (uint32_t)c32[i]) * 1099511628211ull;
        h = (h ^ c8[i]) * 1099511628211ull;
        h = (h ^ (uint64_t)c64[i]) * 1099511628211ull;
    }
    printf("sum %d hash %016llx\n", vec_sum(), (unsigned long long)h);
    for (int i = 0; i < N; i += 97) printf("%4d %a %a\n", i, cf[i], cd[i]);
    return 0;
}

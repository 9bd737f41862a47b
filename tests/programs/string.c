/* string.c - string.h functions on unaligned buffers of many lengths. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned char a[512], b[512];

int main(void)
{
    uint64_t h = 0;
    for (int off = 0; off < 17; off++) {
        for (int n = 0; n < 200; n += 3) {
            for (int i = 0; i < 512; i++) a[i] = (unsigned char)('a' + (i * 7 + off) % 26), b[i] = 0;
            a[off + n] = 0;
            memcpy(b + (off ^ 5), a + off, (size_t)n + 1);
            h = h * 31 + strlen((char *)b + (off ^ 5));
            h = h * 31 + (uint64_t)(memcmp(a + off, b + (off ^ 5), (size_t)n) == 0);
            memmove(b + 1, b, (size_t)n);
            h = h * 31 + b[n / 2 + 1];
            memset(b + off, 'x', (size_t)n);
            char *c = strchr((char *)a + off, 'q');
            h = h * 31 + (c ? (uint64_t)(c - (char *)a) : 999);
            c = strrchr((char *)a + off, 'e');
            h = h * 31 + (c ? (uint64_t)(c - (char *)a) : 999);
            h = h * 31 + (uint64_t)(strcmp((char *)a + off, "abc") > 0);
            h = h * 31 + (uint64_t)(strncmp((char *)a + off, (char *)a + off + 1, (size_t)n) < 0);
            unsigned char *z = memchr(a + off, 'z', (size_t)n);
            h = h * 31 + (z ? (uint64_t)(z - a) : 999);
        }
    }
    char s[64];
    strcpy(s, "hello");
    strcat(s, ", world");
    printf("%s %zu %s %zu\n", s, strlen(s), strstr(s, "wor"), strspn(s, "helo"));
    printf("hash %016llx\n", (unsigned long long)h);
    return 0;
}

/*
 * test_isa_doc.c - keeps docs/isa.md true: the rows it marks `supported` must
 * be exactly the instruction classes of shaders/a64.decode (the generated
 * a64_class_name[] table), and no row marked otherwise may name a class the
 * decoder has.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64_core.h"
#include "a64_decode_gen.h"

#define MAX_ROWS 256

typedef struct doc_row {
    char cls[64];
    char status[32];
    int line;
} doc_row;

typedef struct doc {
    doc_row rows[MAX_ROWS];
    int n;
} doc;

static doc the_doc;

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '`') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '`' || s[n - 1] == '\n' ||
                 s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

/* Reads every table row of docs/isa.md whose first cell is a class name in
 * backticks and whose header says "class | instructions | status | notes". */
static int load_doc(void **state)
{
    (void)state;
    const char *path = ARMGPU_SOURCE_DIR "/docs/isa.md";
    FILE *f = fopen(path, "r");
    if (!f) {
        print_error("cannot open %s\n", path);
        return -1;
    }
    char line[4096];
    int lineno = 0, in_class_table = 0;
    the_doc.n = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] != '|') {
            in_class_table = 0;
            continue;
        }
        /* Split the row into cells. */
        char *cells[8];
        int nc = 0;
        char *p = line + 1;
        while (nc < 8) {
            char *bar = strchr(p, '|');
            if (!bar) break;
            *bar = 0;
            cells[nc++] = p;
            p = bar + 1;
        }
        if (nc < 4) continue;
        char *c0 = trim(cells[0]), *c2 = trim(cells[2]);
        if (!strcmp(c0, "class")) {
            in_class_table = !strcmp(c2, "status") && !strcmp(trim(cells[1]), "instructions");
            continue;
        }
        if (!in_class_table || c0[0] == '-' || !c0[0]) continue;
        if (the_doc.n == MAX_ROWS) {
            fclose(f);
            print_error("%s: more than %d class rows\n", path, MAX_ROWS);
            return -1;
        }
        doc_row *r = &the_doc.rows[the_doc.n++];
        snprintf(r->cls, sizeof r->cls, "%s", c0);
        snprintf(r->status, sizeof r->status, "%s", c2);
        r->line = lineno;
    }
    fclose(f);
    return 0;
}

static int decoder_has(const char *cls)
{
    for (int i = 0; i < A64_CLASS_COUNT; i++)
        if (!strcmp(a64_class_name[i], cls)) return 1;
    return 0;
}

static void doc_has_rows_with_known_statuses(void **state)
{
    (void)state;
    assert_true(the_doc.n >= A64_CLASS_COUNT);
    int bad = 0;
    for (int i = 0; i < the_doc.n; i++) {
        const doc_row *r = &the_doc.rows[i];
        if (strcmp(r->status, "supported") && strcmp(r->status, "undefined") &&
            strcmp(r->status, "not implemented")) {
            print_error("docs/isa.md:%d: class %s has status \"%s\" (want supported, undefined or "
                        "not implemented)\n", r->line, r->cls, r->status);
            bad++;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(the_doc.rows[j].cls, r->cls)) {
                print_error("docs/isa.md:%d: class %s already has a row at line %d\n", r->line, r->cls,
                            the_doc.rows[j].line);
                bad++;
            }
    }
    if (bad) fail_msg("%d bad rows in docs/isa.md", bad);
}

/* Every class the decoder knows has a `supported` row. */
static void every_decoder_class_is_documented(void **state)
{
    (void)state;
    int missing = 0;
    for (int i = 0; i < A64_CLASS_COUNT; i++) {
        const doc_row *found = NULL;
        for (int j = 0; j < the_doc.n; j++)
            if (!strcmp(the_doc.rows[j].cls, a64_class_name[i])) found = &the_doc.rows[j];
        if (!found) {
            print_error("class %s (shaders/a64.decode) has no row in docs/isa.md\n", a64_class_name[i]);
            missing++;
        } else if (strcmp(found->status, "supported")) {
            print_error("docs/isa.md:%d: class %s is decoded but its status is \"%s\", not supported\n",
                        found->line, found->cls, found->status);
            missing++;
        }
    }
    if (missing) fail_msg("%d decoder classes missing from docs/isa.md or not marked supported", missing);
}

/* Every `supported` row names a class with at least one decoder pattern. */
static void every_supported_row_has_a_pattern(void **state)
{
    (void)state;
    int extra = 0;
    for (int j = 0; j < the_doc.n; j++) {
        const doc_row *r = &the_doc.rows[j];
        if (strcmp(r->status, "supported")) continue;
        int ops = 0;
        for (int op = 1; op < A64_OP_COUNT; op++)
            if (!strcmp(a64_class_name[a64_op_class[op]], r->cls)) ops++;
        if (!decoder_has(r->cls) || ops == 0) {
            print_error("docs/isa.md:%d: class %s is marked supported but no pattern in "
                        "shaders/a64.decode has it\n", r->line, r->cls);
            extra++;
        }
    }
    if (extra) fail_msg("%d supported rows of docs/isa.md have no decoder pattern", extra);
}

/* The generated tables agree with themselves: every op has a class, every
 * class has an op. */
static void class_table_is_consistent(void **state)
{
    (void)state;
    int used[A64_CLASS_COUNT] = {0};
    for (int op = 1; op < A64_OP_COUNT; op++) {
        assert_true(a64_op_class[op] < A64_CLASS_COUNT);
        used[a64_op_class[op]]++;
    }
    for (int i = 0; i < A64_CLASS_COUNT; i++) {
        if (!used[i]) fail_msg("class %s has no op", a64_class_name[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(doc_has_rows_with_known_statuses),
        cmocka_unit_test(every_decoder_class_is_documented),
        cmocka_unit_test(every_supported_row_has_a_pattern),
        cmocka_unit_test(class_table_is_consistent),
    };
    return cmocka_run_group_tests(tests, load_doc, NULL);
}

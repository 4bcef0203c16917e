/* fuzz_csv_read.c — libFuzzer target: the CSV reader of the area import (lib/csv_read.c).
 * The first byte picks the limits: bit 7 set, the import's own (api/areas.c: 100,001
 * records, 7 fields, 1,024 bytes); else small ones from the next two bytes, so that every
 * limit is reached often. The rest is the text.
 *
 * Checked beyond "no crash, no sanitizer report":
 *  - the reader ends: at most one call per byte of text plus one per empty record, and once
 *    it has reported CSV_END or halted it reports the same again;
 *  - a record holds 1 to max_fields fields of at most max_field_len bytes, none holding a
 *    NUL byte; rec->line never decreases and is never past the text's last line;
 *  - round trip: the records read, written out again with every field quoted (quotes
 *    doubled) and CRLF line ends, read back as the same records, with no error. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_csv_read: %s\n", what);
    abort();
}

/* A growing byte buffer (the records written out again). */
struct out {
    char *p;
    size_t len, cap;
};

static void out_put(struct out *o, const char *s, size_t n)
{
    if (o->len + n > o->cap) {
        o->cap = (o->len + n) * 2 + 64;
        o->p = realloc(o->p, o->cap);
        if (!o->p)
            fail("out of memory");
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void out_field(struct out *o, const char *f)
{
    out_put(o, "\"", 1);
    for (; *f; f++) {
        out_put(o, f, 1);
        if (*f == '"')
            out_put(o, "\"", 1); /* doubled */
    }
    out_put(o, "\"", 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    struct csv_limits lim;
    if (data[0] & 0x80)
        lim = (struct csv_limits){100000 + 1, 7, 1024}; /* as api/areas.c */
    else
        lim = (struct csv_limits){1 + (data[0] & 0x3F), 1 + (data[1] & 0x0F), data[2]};
    const char *text = (const char *)data + 3;
    size_t len = size - 3;
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';

    struct csv_reader r;
    csv_reader_init(&r, text, len, lim);
    struct csv_record rec;
    struct out again = {0};
    size_t good = 0, last_line = 1, calls = 0;
    enum csv_result res;
    while ((res = csv_next(&r, &rec)) != CSV_END && res != CSV_TOO_MANY_RECORDS &&
           res != CSV_NO_MEMORY && res != CSV_UNCLOSED_QUOTE) {
        if (++calls > len + 1)
            fail("more records than bytes: the reader does not advance");
        if (rec.line < last_line || rec.line > lines)
            fail("a record's line goes back or past the text");
        last_line = rec.line;
        if (res != CSV_RECORD) {
            if (rec.nfields != 0)
                fail("an error record with fields");
            continue;
        }
        if (rec.nfields < 1 || rec.nfields > lim.max_fields)
            fail("a record with no field or more than max_fields");
        for (size_t f = 0; f < rec.nfields; f++) {
            if (strlen(rec.field[f]) > lim.max_field_len)
                fail("a field longer than max_field_len");
            if (f)
                out_put(&again, ",", 1);
            out_field(&again, rec.field[f]);
        }
        out_put(&again, "\r\n", 2);
        good++;
    }
    if (res == CSV_UNCLOSED_QUOTE && csv_next(&r, &rec) != CSV_END)
        fail("a record after an unclosed quote");
    enum csv_result again_res = csv_next(&r, &rec);
    if (res == CSV_END ? again_res != CSV_END
                       : (res != CSV_UNCLOSED_QUOTE && again_res != res))
        fail("the end or a halt is not reported again");

    /* Read the records back from their quoted form: the same records, no error. The
     * field length after unquoting is the same, so the same limits hold for them. */
    struct csv_reader back;
    struct csv_limits lim2 = {good, lim.max_fields, lim.max_field_len};
    csv_reader_init(&back, again.p ? again.p : "", again.len, lim2);
    csv_reader_free(&r);
    csv_reader_init(&r, text, len, lim);
    struct csv_record rec2;
    size_t n = 0;
    for (;;) {
        enum csv_result a;
        while ((a = csv_next(&r, &rec)) != CSV_RECORD && a != CSV_END && a != CSV_TOO_MANY_RECORDS &&
               a != CSV_NO_MEMORY && a != CSV_UNCLOSED_QUOTE)
            ; /* the error records were not written out */
        if (a != CSV_RECORD)
            break;
        enum csv_result b = csv_next(&back, &rec2);
        if (b != CSV_RECORD)
            fail("a record written out again does not read back");
        if (rec2.nfields != rec.nfields)
            fail("a record read back has another number of fields");
        for (size_t f = 0; f < rec.nfields; f++)
            if (strcmp(rec.field[f], rec2.field[f]) != 0)
                fail("a field read back differs");
        n++;
    }
    if (n != good || csv_next(&back, &rec2) != CSV_END)
        fail("the records read back are not the records read");
    csv_reader_free(&back);
    csv_reader_free(&r);
    free(again.p);
    return 0;
}

/* csv_read.c — an RFC 4180 CSV reader over text in memory: record by record, bounded, linear */
#include "csv_read.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void csv_reader_init(struct csv_reader *r, const char *text, size_t len, struct csv_limits limits)
{
    memset(r, 0, sizeof *r);
    r->text = text;
    r->len = len;
    r->line = 1;
    r->limits = limits;
    r->halted = CSV_RECORD;
}

void csv_reader_free(struct csv_reader *r)
{
    free(textbuf_take(&r->buf));
    free(r->starts);
    free(r->field);
    r->starts = NULL;
    r->field = NULL;
    r->fields_cap = 0;
}

/* Room for field number i (0-based); false when out of memory. */
static bool fields_reserve(struct csv_reader *r, size_t i)
{
    if (i < r->fields_cap)
        return true;
    size_t cap = r->fields_cap ? r->fields_cap * 2 : 16;
    if (cap > r->limits.max_fields)
        cap = r->limits.max_fields;
    if (cap > SIZE_MAX / sizeof *r->starts)
        return false;
    size_t *starts = realloc(r->starts, cap * sizeof *starts);
    if (!starts)
        return false;
    r->starts = starts;
    const char **field = realloc(r->field, cap * sizeof *field);
    if (!field)
        return false;
    r->field = field;
    r->fields_cap = cap;
    return true;
}

/* True at a line end: LF, or CR followed by LF or by the end of the text. */
static bool at_line_end(const struct csv_reader *r)
{
    const char *t = r->text;
    return t[r->pos] == '\n' ||
           (t[r->pos] == '\r' && (r->pos + 1 == r->len || t[r->pos + 1] == '\n'));
}

/* Steps over the line end at pos. */
static void skip_line_end(struct csv_reader *r)
{
    if (r->text[r->pos] == '\r')
        r->pos++;
    if (r->pos < r->len && r->text[r->pos] == '\n') {
        r->pos++;
        r->line++;
    }
}

/* The record being read: its first error (CSV_RECORD while there is none)
 * and the length of the field being filled. */
struct record_state {
    enum csv_result error;
    size_t field_len;
};

static void flag(struct record_state *st, enum csv_result e)
{
    if (st->error == CSV_RECORD)
        st->error = e;
}

/* Adds one byte to the field being read, unless the record is already in
 * error (it is then read to its end and dropped). */
static void put(struct csv_reader *r, struct record_state *st, char c)
{
    if (c == '\0')
        flag(st, CSV_NUL_BYTE);
    if (st->error != CSV_RECORD)
        return;
    if (st->field_len == r->limits.max_field_len) {
        flag(st, CSV_FIELD_TOO_LONG);
        return;
    }
    textbuf_put(&r->buf, &c, 1);
    st->field_len++;
}

/* Reads one field from pos (which is not at the end of the text) up to its
 * separator, a line end or the end of the text. */
static void read_field(struct csv_reader *r, struct record_state *st)
{
    const char *t = r->text;
    if (t[r->pos] == '"') {
        r->pos++;
        for (;;) {
            if (r->pos == r->len) {
                flag(st, CSV_UNCLOSED_QUOTE);
                return;
            }
            char c = t[r->pos];
            if (c == '"') {
                if (r->pos + 1 < r->len && t[r->pos + 1] == '"') {
                    put(r, st, '"');
                    r->pos += 2;
                    continue;
                }
                r->pos++;
                break;
            }
            if (c == '\n')
                r->line++;
            put(r, st, c);
            r->pos++;
        }
        if (r->pos < r->len && t[r->pos] != ',' && !at_line_end(r))
            flag(st, CSV_BAD_QUOTE); /* text after the closing quote: read on as text */
    }
    while (r->pos < r->len && t[r->pos] != ',' && !at_line_end(r)) {
        if (t[r->pos] == '"')
            flag(st, CSV_BAD_QUOTE);
        put(r, st, t[r->pos++]);
    }
}

enum csv_result csv_next(struct csv_reader *r, struct csv_record *rec)
{
    rec->nfields = 0;
    rec->field = NULL;
    /* Empty lines carry nothing, whatever their line end. */
    while (r->pos < r->len && at_line_end(r))
        skip_line_end(r);
    rec->line = r->line;
    if (r->halted != CSV_RECORD)
        return r->halted;
    if (r->pos == r->len)
        return CSV_END;
    if (r->records == r->limits.max_records)
        return r->halted = CSV_TOO_MANY_RECORDS;
    r->records++;
    r->buf.len = 0; /* the allocation is kept for the next record */
    struct record_state st = {CSV_RECORD, 0};
    size_t n = 0;
    for (;;) {
        if (st.error == CSV_RECORD) {
            if (n == r->limits.max_fields)
                flag(&st, CSV_TOO_MANY_FIELDS);
            else if (!fields_reserve(r, n))
                flag(&st, CSV_NO_MEMORY);
            else
                r->starts[n++] = r->buf.len;
        }
        st.field_len = 0;
        if (r->pos < r->len)
            read_field(r, &st);
        if (st.error == CSV_RECORD)
            textbuf_put(&r->buf, "", 1); /* the field's NUL */
        if (r->pos < r->len && r->text[r->pos] == ',') {
            r->pos++;
            continue;
        }
        if (r->pos < r->len)
            skip_line_end(r);
        break;
    }
    if (r->buf.failed)
        flag(&st, CSV_NO_MEMORY);
    if (st.error == CSV_NO_MEMORY)
        r->halted = CSV_NO_MEMORY;
    if (st.error != CSV_RECORD)
        return st.error;
    for (size_t i = 0; i < n; i++)
        r->field[i] = r->buf.s + r->starts[i];
    rec->nfields = n;
    rec->field = r->field;
    return CSV_RECORD;
}

const char *csv_result_text(enum csv_result res)
{
    switch (res) {
    case CSV_BAD_QUOTE: return "a quote inside an unquoted field, or text after a closing quote";
    case CSV_UNCLOSED_QUOTE: return "a quote is not closed";
    case CSV_TOO_MANY_FIELDS: return "too many fields";
    case CSV_FIELD_TOO_LONG: return "a field is too long";
    case CSV_NUL_BYTE: return "the line holds a NUL byte";
    case CSV_TOO_MANY_RECORDS: return "too many lines";
    case CSV_NO_MEMORY: return "out of memory";
    case CSV_RECORD:
    case CSV_END: break;
    }
    return "";
}

/* csv_read.h — an RFC 4180 CSV reader over text in memory: record by record, bounded (pure) */
#ifndef CDM_CSV_READ_H
#define CDM_CSV_READ_H
#include <stdbool.h>
#include <stddef.h>
#include "text.h"

/* What one reader accepts. A record or field beyond them is an error of that
 * record, never a larger allocation: the reader holds at most max_fields
 * fields of max_field_len bytes at a time. */
struct csv_limits {
    size_t max_records;   /* records read (a header counts); then CSV_TOO_MANY_RECORDS */
    size_t max_fields;    /* fields in one record, at least 1 */
    size_t max_field_len; /* bytes in one field, after unquoting */
};

/* What csv_next found. Every error but CSV_TOO_MANY_RECORDS and CSV_NO_MEMORY
 * is the record's own: the reader still reads it to its end (by the same
 * quoting rules, a stray quote taken as text), so the next call starts at the
 * next record. The first error a record holds is the one reported. */
enum csv_result {
    CSV_RECORD,           /* *rec holds the next record */
    CSV_END,              /* no more records */
    CSV_BAD_QUOTE,        /* a quote inside an unquoted field, or text after a closing quote */
    CSV_UNCLOSED_QUOTE,   /* a quoted field runs to the end of the text (no record follows) */
    CSV_TOO_MANY_FIELDS,  /* more than max_fields */
    CSV_FIELD_TOO_LONG,   /* a field longer than max_field_len */
    CSV_NUL_BYTE,         /* a NUL byte, which no field may hold */
    CSV_TOO_MANY_RECORDS, /* max_records were read and another follows; nothing more is read */
    CSV_NO_MEMORY,        /* the record could not be held; nothing more is read */
};

/* A record: nfields NUL-terminated fields (unquoted, doubled quotes made
 * single), valid until the next csv_next or csv_reader_free. */
struct csv_record {
    size_t line;               /* the physical line it starts on, 1-based (LF ends a line) */
    size_t nfields;
    const char *const *field;  /* field[0 .. nfields-1] */
};

/* A reader's state; fill it with csv_reader_init, nothing else. */
struct csv_reader {
    const char *text;
    size_t len, pos, line, records;
    struct csv_limits limits;
    enum csv_result halted; /* CSV_RECORD, or the result every later call gives */
    struct textbuf buf;     /* the current record's fields, each NUL-terminated */
    size_t *starts;         /* where each field starts in buf */
    const char **field;
    size_t fields_cap;      /* entries of starts and field */
};

/* Reads text[0 .. len-1], which it borrows until csv_reader_free; it may hold
 * NUL bytes (each is an error of its record). Lines end with LF or CRLF; the
 * last line may lack its line end. An empty line is no record (a trailing line
 * end adds none). A field is quoted when it starts with a quote; a quoted
 * field may hold commas, quotes (doubled) and line ends. */
void csv_reader_init(struct csv_reader *r, const char *text, size_t len, struct csv_limits limits);

/* The next record into *rec; on an error rec->line says where the record
 * started (and rec->nfields is 0). Each byte of the text is looked at once
 * over all calls, so reading a whole text is linear in its length. */
enum csv_result csv_next(struct csv_reader *r, struct csv_record *rec);

/* Frees what the reader allocated (the text stays the caller's). */
void csv_reader_free(struct csv_reader *r);

/* A short lower-case description of an error result, for a person ("" for
 * CSV_RECORD and CSV_END). Static. */
const char *csv_result_text(enum csv_result res);
#endif

/* test_csv_read.c — the CSV reader: quoting, line ends, line numbers, errors and limits */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "csv_read.h"

static const struct csv_limits WIDE = {1000, 16, 1024};

/* Reads the next record of r and checks it is exactly the n fields given, from line. */
static void expect_record(struct csv_reader *r, size_t line, size_t n, const char *const want[])
{
    struct csv_record rec;
    assert_int_equal(csv_next(r, &rec), CSV_RECORD);
    assert_int_equal(rec.line, line);
    assert_int_equal(rec.nfields, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(rec.field[i], want[i]);
}

static void expect_result(struct csv_reader *r, enum csv_result want, size_t line)
{
    struct csv_record rec;
    assert_int_equal(csv_next(r, &rec), want);
    assert_int_equal(rec.line, line);
    assert_int_equal(rec.nfields, 0);
}

static void plain_lines_with_either_line_end(void **state)
{
    (void)state;
    const char *text = "code,kind\r\nE05000001,ward\nE01000001,lsoa";
    struct csv_reader r;
    csv_reader_init(&r, text, strlen(text), WIDE);
    expect_record(&r, 1, 2, (const char *[]){"code", "kind"});
    expect_record(&r, 2, 2, (const char *[]){"E05000001", "ward"});
    expect_record(&r, 3, 2, (const char *[]){"E01000001", "lsoa"});
    expect_result(&r, CSV_END, 3);
    expect_result(&r, CSV_END, 3);
    csv_reader_free(&r);
}

static void quoted_fields(void **state)
{
    (void)state;
    const char *text = "\"Northfield, east\",\"said \"\"yes\"\"\",\"\"\r\n"
                       "\"two\nlines\",x\n"
                       "after,\"a\r\nb\"\n"
                       "last,\"\"\"\"";
    struct csv_reader r;
    csv_reader_init(&r, text, strlen(text), WIDE);
    expect_record(&r, 1, 3, (const char *[]){"Northfield, east", "said \"yes\"", ""});
    expect_record(&r, 2, 2, (const char *[]){"two\nlines", "x"});
    /* line numbers count the line ends inside quotes */
    expect_record(&r, 4, 2, (const char *[]){"after", "a\r\nb"});
    expect_record(&r, 6, 2, (const char *[]){"last", "\""});
    expect_result(&r, CSV_END, 6);
    csv_reader_free(&r);
}

static void empty_fields_and_blank_lines(void **state)
{
    (void)state;
    const char *text = "\n\r\na,,b,\n\n,\n\"\"\r\n\r\n\n";
    struct csv_reader r;
    csv_reader_init(&r, text, strlen(text), WIDE);
    expect_record(&r, 3, 4, (const char *[]){"a", "", "b", ""});
    expect_record(&r, 5, 2, (const char *[]){"", ""});
    expect_record(&r, 6, 1, (const char *[]){""}); /* a quoted empty field is a record */
    expect_result(&r, CSV_END, 9);
    csv_reader_free(&r);
}

static void empty_text_and_a_lone_cr(void **state)
{
    (void)state;
    struct csv_reader r;
    csv_reader_init(&r, "", 0, WIDE);
    expect_result(&r, CSV_END, 1);
    csv_reader_free(&r);
    const char *text = "a,b\r";
    csv_reader_init(&r, text, strlen(text), WIDE);
    expect_record(&r, 1, 2, (const char *[]){"a", "b"});
    expect_result(&r, CSV_END, 1);
    csv_reader_free(&r);
    text = "a\rb,c\n"; /* a CR inside a line is text */
    csv_reader_init(&r, text, strlen(text), WIDE);
    expect_record(&r, 1, 2, (const char *[]){"a\rb", "c"});
    csv_reader_free(&r);
}

static void bad_quotes_are_errors_of_their_record(void **state)
{
    (void)state;
    const char *text = "ok,1\n"
                       "a\"b,c\n"         /* a quote in an unquoted field */
                       "\"ab\"c,d\n"      /* text after the closing quote */
                       "\"x\",\"y\"\n"
                       "\"open,\"\"\n";   /* closed, after a doubled quote, only by the end */
    struct csv_reader r;
    csv_reader_init(&r, text, strlen(text), WIDE);
    expect_record(&r, 1, 2, (const char *[]){"ok", "1"});
    expect_result(&r, CSV_BAD_QUOTE, 2);
    expect_result(&r, CSV_BAD_QUOTE, 3);
    expect_record(&r, 4, 2, (const char *[]){"x", "y"});
    expect_result(&r, CSV_UNCLOSED_QUOTE, 5);
    expect_result(&r, CSV_END, 6);
    csv_reader_free(&r);
    assert_string_not_equal(csv_result_text(CSV_BAD_QUOTE), "");
    assert_string_equal(csv_result_text(CSV_RECORD), "");
}

static void a_record_in_error_is_read_to_its_end(void **state)
{
    (void)state;
    /* The stray quote does not stop the reader at the quoted line end that follows. */
    const char *text = "a\"b,\"c\nd\"\nnext,1\n";
    struct csv_reader r;
    csv_reader_init(&r, text, strlen(text), WIDE);
    expect_result(&r, CSV_BAD_QUOTE, 1);
    expect_record(&r, 3, 2, (const char *[]){"next", "1"});
    csv_reader_free(&r);
}

static void nul_bytes(void **state)
{
    (void)state;
    const char text[] = "a,b\0c\nd,e\n\"x\0\",y\n";
    struct csv_reader r;
    csv_reader_init(&r, text, sizeof text - 1, WIDE);
    expect_result(&r, CSV_NUL_BYTE, 1);
    expect_record(&r, 2, 2, (const char *[]){"d", "e"});
    expect_result(&r, CSV_NUL_BYTE, 3);
    expect_result(&r, CSV_END, 4);
    csv_reader_free(&r);
}

static void field_and_field_count_limits(void **state)
{
    (void)state;
    const struct csv_limits tight = {100, 3, 4};
    const char *text = "abcd,\"ab\"\"c\",x\n"   /* 4 bytes each: at the limit */
                       "abcde,x\n"
                       "\"abc\"\"d\"\n"          /* 5 bytes once unquoted */
                       "a,b,c,d\n"
                       "a,b,c\n";
    struct csv_reader r;
    csv_reader_init(&r, text, strlen(text), tight);
    expect_record(&r, 1, 3, (const char *[]){"abcd", "ab\"c", "x"});
    expect_result(&r, CSV_FIELD_TOO_LONG, 2);
    expect_result(&r, CSV_FIELD_TOO_LONG, 3);
    expect_result(&r, CSV_TOO_MANY_FIELDS, 4);
    expect_record(&r, 5, 3, (const char *[]){"a", "b", "c"});
    csv_reader_free(&r);
}

static void record_limit_stops_reading(void **state)
{
    (void)state;
    const struct csv_limits two = {2, 4, 16};
    const char *text = "h\n1\n2\n3\n";
    struct csv_reader r;
    csv_reader_init(&r, text, strlen(text), two);
    expect_record(&r, 1, 1, (const char *[]){"h"});
    expect_record(&r, 2, 1, (const char *[]){"1"});
    expect_result(&r, CSV_TOO_MANY_RECORDS, 3);
    expect_result(&r, CSV_TOO_MANY_RECORDS, 3);
    csv_reader_free(&r);
    /* Blank lines after the last record allowed are no record. */
    text = "h\n1\n\n\r\n";
    csv_reader_init(&r, text, strlen(text), two);
    expect_record(&r, 1, 1, (const char *[]){"h"});
    expect_record(&r, 2, 1, (const char *[]){"1"});
    expect_result(&r, CSV_END, 5);
    csv_reader_free(&r);
}

/* A long hostile field (a megabyte of doubled quotes) costs one pass and no
 * more memory than the limits allow. */
static void hostile_input_stays_bounded(void **state)
{
    (void)state;
    size_t pairs = 1000000, len = 2 * pairs + 4;
    char *text = malloc(len + 1);
    assert_non_null(text);
    text[0] = '"';
    for (size_t i = 0; i < pairs; i++)
        memcpy(text + 1 + 2 * i, "\"\"", 2);
    memcpy(text + 1 + 2 * pairs, "\"\na", 3);
    text[len] = '\0';
    const struct csv_limits lim = {10, 8, 64};
    struct csv_reader r;
    csv_reader_init(&r, text, len, lim);
    expect_result(&r, CSV_FIELD_TOO_LONG, 1);
    assert_true(r.buf.cap <= 2 * lim.max_fields * (lim.max_field_len + 1) + 256);
    expect_record(&r, 2, 1, (const char *[]){"a"});
    expect_result(&r, CSV_END, 2);
    csv_reader_free(&r);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_lines_with_either_line_end),
        cmocka_unit_test(quoted_fields),
        cmocka_unit_test(empty_fields_and_blank_lines),
        cmocka_unit_test(empty_text_and_a_lone_cr),
        cmocka_unit_test(bad_quotes_are_errors_of_their_record),
        cmocka_unit_test(a_record_in_error_is_read_to_its_end),
        cmocka_unit_test(nul_bytes),
        cmocka_unit_test(field_and_field_count_limits),
        cmocka_unit_test(record_limit_stops_reading),
        cmocka_unit_test(hostile_input_stays_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

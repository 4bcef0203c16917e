/* test_csv.c — RFC 4180 CSV from JSON rows */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include "csv.h"

static void rows_and_quoting(void **state)
{
    (void)state;
    const char *columns[] = {"name", "n", "value", "suppressed", "note", NULL};
    json_t *items = json_loads(
        "[{\"name\": \"Northfield, East\", \"n\": 300, \"value\": 0.25, \"suppressed\": false,"
        "  \"note\": \"said \\\"yes\\\"\"},"
        " {\"name\": \"Riverside\", \"n\": 9, \"value\": null, \"suppressed\": true},"
        " {\"name\": \"two\\nlines\", \"n\": 0, \"value\": 0.1}]", 0, NULL);
    assert_non_null(items);
    char *csv = csv_from_items(items, columns);
    assert_string_equal(csv,
                        "name,n,value,suppressed,note\r\n"
                        "\"Northfield, East\",300,0.25,false,\"said \"\"yes\"\"\"\r\n"
                        "Riverside,9,,true,\r\n"
                        "\"two\nlines\",0,0.1,,\r\n");
    free(csv);
    json_decref(items);
}

static void empty_list_is_a_header(void **state)
{
    (void)state;
    const char *columns[] = {"a", "b", NULL};
    json_t *items = json_array();
    char *csv = csv_from_items(items, columns);
    assert_string_equal(csv, "a,b\r\n");
    free(csv);
    json_decref(items);
}

/* A text cell that a spreadsheet would run as a formula is shown as text; a
 * number, in a number cell or as plain decimal text, stays a number. */
static void formulas_are_neutralised(void **state)
{
    (void)state;
    const char *columns[] = {"t", NULL};
    json_t *items = json_loads(
        "[{\"t\": \"=HYPERLINK(\\\"http://x\\\")\"}, {\"t\": \"+1+cmd|' /C calc'!A0\"},"
        " {\"t\": \"-2+3\"}, {\"t\": \"@SUM(A1)\"}, {\"t\": \"\\tx\"}, {\"t\": \"\\r=1\"},"
        " {\"t\": \"-12.5\"}, {\"t\": \"+3\"}, {\"t\": \"-1e3\"}, {\"t\": -7}, {\"t\": -0.5},"
        " {\"t\": \"a=b\"}, {\"t\": \"\"}, {\"t\": \"-\"}]", 0, NULL);
    assert_non_null(items);
    char *csv = csv_from_items(items, columns);
    assert_string_equal(csv,
                        "t\r\n"
                        "\"'=HYPERLINK(\"\"http://x\"\")\"\r\n"
                        "'+1+cmd|' /C calc'!A0\r\n"
                        "'-2+3\r\n"
                        "'@SUM(A1)\r\n"
                        "'\tx\r\n"
                        "\"'\r=1\"\r\n"
                        "-12.5\r\n"
                        "+3\r\n"
                        "-1e3\r\n"
                        "-7\r\n"
                        "-0.5\r\n"
                        "a=b\r\n"
                        "\r\n"
                        "'-\r\n");
    free(csv);
    json_decref(items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_and_quoting),
        cmocka_unit_test(empty_list_is_a_header),
        cmocka_unit_test(formulas_are_neutralised),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

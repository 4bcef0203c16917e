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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_and_quoting),
        cmocka_unit_test(empty_list_is_a_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* csv.h — RFC 4180 CSV from JSON rows (pure) */
#ifndef CDM_CSV_H
#define CDM_CSV_H
#include <jansson.h>

/* CSV text of `items` (an array of objects): a header line naming `columns`
 * (NULL-terminated), then one line per item with those fields in that order.
 * Strings are quoted when they hold a comma, a quote, CR or LF (quotes
 * doubled); a string starting with =, +, -, @, tab or CR gets a leading
 * single quote (a spreadsheet shows it as text, never runs it as a
 * formula), unless it is a plain decimal number such as "-12.5"; integers as they are, reals to 15 significant digits; true/false;
 * null or absent → empty.
 * Lines end with CRLF. Returns a malloc'd string the caller frees, or NULL
 * when out of memory. */
char *csv_from_items(const json_t *items, const char *const columns[]);
#endif

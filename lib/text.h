/* text.h — small string helpers (pure) */
#ifndef CDM_TEXT_H
#define CDM_TEXT_H

/* Cuts a string that snprintf may have truncated back to the end of its last
 * whole UTF-8 character, so it stays valid UTF-8 for JSON and PostgreSQL. */
void utf8_trim(char *s);
#endif

/* main.c — runs the in-process API tests group by group; exits 1 if any failed */
#include "inproc.h"

int main(void)
{
    int failed = 0;
    failed += inproc_problem_tests();
    failed += inproc_scope_tests();
    failed += inproc_etag_tests();
    failed += inproc_limit_tests();
    return failed ? 1 : 0;
}

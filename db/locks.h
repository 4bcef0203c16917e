/* locks.h — every advisory lock key of the services, in one list, so that no two concerns share one */
#ifndef CDM_LOCKS_H
#define CDM_LOCKS_H
/* Keys as SQL text, pasted into the statements that take them. */
#define LOCK_MIGRATIONS "7301001" /* migrate.c: one process applies the migrations */
#define LOCK_RELAY      "7301002" /* the active relay (session-level) */
#define LOCK_CLOCK      "7301003" /* one clock tick at a time (transaction-level) */
#define LOCK_ALERTS     "7301004" /* with a neighbourhood's hash: one evaluation of it at a time */
#define LOCK_RELEASES   "7301005" /* with a round's hash: one release maker per round at a time */
#endif

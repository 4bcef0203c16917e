/* statement.h — a statement's shape: its parameters and result columns, named once beside its name */
#ifndef CDM_STATEMENT_H
#define CDM_STATEMENT_H

/* Every prepared statement S is declared in its concern's header as
 *
 *     #define Q_S "s"                                   the prepared name
 *     #define S_PARAMS(P)  P(S, ROUND) P(S, AREA)        $1, $2, … in order
 *     #define S_COLUMNS(C) C(S, ID) C(S, BODY)           result columns in order
 *     DB_SHAPE(S)
 *
 * which makes the enums S_P_ROUND = 0, S_P_AREA, S_NPARAMS and S_ID = 0, S_BODY,
 * S_NCOLS. The SQL, in the .c of the same concern, is the entry
 * DB_STATEMENT(S, "SELECT … AS id, … AS body …"): every result column is
 * aliased to its enum member's name in lower case. Callers fill parameters by
 * name (`p[S_P_ROUND] = …`), run with DB_RUN(conn, S, p) and read columns by
 * name (`PQgetvalue(r, i, S_BODY)`). tests/integration/statement_shapes.c
 * prepares every statement on a migrated database and checks its parameter
 * count and every column name against these lists, so adding a column
 * without naming it, or out of order, fails the suite. */
#define DB_PARAM_MEMBER_(S, name)  S##_P_##name,
#define DB_COLUMN_MEMBER_(S, name) S##_##name,
#define DB_COLUMN_NAME_(S, name)   #name,

#define DB_SHAPE(S)                                                                  \
    enum { S##_PARAMS(DB_PARAM_MEMBER_) S##_NPARAMS };                               \
    enum { S##_COLUMNS(DB_COLUMN_MEMBER_) S##_NCOLS };

/* The shape of a statement whose columns are a layout L that several share
 * on purpose (`#define S_COLUMNS(C) L_COLUMNS(C)`, and L's members declared
 * once by `enum { L_COLUMNS(DB_COLUMN_MEMBER_) L_NCOLS };`): its own
 * parameters, and L_* read any of their results. */
#define DB_SHAPE_SHARED(S, L)                                                        \
    enum { S##_PARAMS(DB_PARAM_MEMBER_) S##_NPARAMS };                               \
    enum { S##_NCOLS = L##_NCOLS };

/* A named statement with its shape. Each concern's statements are an array
 * ending with {NULL}. */
struct named_sql {
    const char *name;
    const char *sql;
    int nparams, ncolumns;
    const char *const *columns; /* ncolumns names, upper case as in the enum, then NULL */
};

#define DB_STATEMENT(S, text)                                                        \
    {                                                                                \
        Q_##S, text, S##_NPARAMS, S##_NCOLS,                                         \
            (const char *const[]){S##_COLUMNS(DB_COLUMN_NAME_) NULL}                 \
    }

/* Runs statement S with its parameters (an array of S_NPARAMS text values, or
 * NULL when it has none); the count always agrees with the shape. */
#define DB_RUN(conn, S, params) db_run((conn), Q_##S, S##_NPARAMS, (params))
#endif

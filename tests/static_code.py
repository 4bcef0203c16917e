#!/usr/bin/python3
"""Static checks of the C code's contract with its SQL: every result column is
read by the name its statement's header gives it (an S_COLUMN enum member, or a
variable that carries one), never by a number; every prepared statement runs
through DB_RUN, so its parameter count is the one its shape names."""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = [p for d in ("api", "lib", "workers", "db", "tests/integration", "tests/inproc")
           for p in sorted(glob.glob(os.path.join(ROOT, d, "*.c")))]

# Every column member named by an S_COLUMNS(C) list in db/.
columns = set()
for h in glob.glob(os.path.join(ROOT, "db", "*.h")):
    text = open(h).read().replace("\\\n", " ")
    for m in re.finditer(r"#define\s+(\w+)_COLUMNS\(C\)(.*)", text):
        for s, name in re.findall(r"C\(\s*(\w+)\s*,\s*(\w+)\s*\)", m.group(2)):
            columns.add(f"{s}_{name}")


def args_of(text, start):
    """The top-level comma-separated arguments of the call whose '(' is at start."""
    depth, out, cur = 0, [], ""
    for i in range(start, len(text)):
        c = text[i]
        if c == "(":
            depth += 1
            if depth == 1:
                continue
        elif c == ")":
            depth -= 1
            if depth == 0:
                out.append(cur.strip())
                return out
        elif c == "," and depth == 1:
            out.append(cur.strip())
            cur = ""
            continue
        cur += c
    return out


problems = []
for path in SOURCES:
    rel = os.path.relpath(path, ROOT)
    text = open(path).read()
    for m in re.finditer(r"\bPQget(?:value|isnull|length)\s*\(", text):
        args = args_of(text, m.end() - 1)
        line = text.count("\n", 0, m.start()) + 1
        col = args[2] if len(args) == 3 else ""
        # A column enum member, or a lower-case variable (a helper's parameter
        # that its callers fill with one).
        if col in columns or re.fullmatch(r"[a-z_][a-z0-9_]*", col):
            continue
        problems.append(f"{rel}:{line}: column read as `{col}`: use the statement's column name")
    if not rel.startswith("db/"):
        for m in re.finditer(r"\bdb_run\s*\(", text):
            line = text.count("\n", 0, m.start()) + 1
            problems.append(f"{rel}:{line}: db_run called directly: use DB_RUN(conn, S, params)")

for p in problems:
    print(p)
print(f"static_code: {len(columns)} named columns, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)

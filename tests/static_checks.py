#!/usr/bin/python3
"""Static checks of the contract documents: every schema is a valid draft 2020-12
schema within the validator's keyword subset, every reference of the OpenAPI
document resolves, and the example corpus (tests/corpus) agrees with its schemas."""
import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMAS = os.path.join(ROOT, "schemas")
sys.path.insert(0, os.path.join(ROOT, "tests"))
from schema_check import Checker  # noqa: E402

problems = []
for path in sorted(glob.glob(os.path.join(SCHEMAS, "*.json"))):
    if os.path.basename(path) == "openapi.json":
        continue
    problems += Checker(path).check_schemas()


def refs(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out.append(v)
            else:
                refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


with open(os.path.join(SCHEMAS, "openapi.json")) as f:
    openapi = json.load(f)
if not openapi.get("openapi", "").startswith("3.1"):
    problems.append("openapi.json: not OpenAPI 3.1")
found = []
refs(openapi, found)
for ref in found:
    target, _, pointer = ref.partition("#")
    if target and not os.path.exists(os.path.join(SCHEMAS, target)):
        problems.append(f"openapi.json: $ref {ref} names no file in schemas/")
    if not target:
        node = openapi
        for part in pointer.strip("/").split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            problems.append(f"openapi.json: $ref {ref} does not resolve")
for path, ops in openapi["paths"].items():
    for method, op in ops.items():
        if "operationId" not in op or not op.get("responses"):
            problems.append(f"openapi.json: {method.upper()} {path} needs an operationId and responses")

# The route tables in api/*.c and the OpenAPI paths name the same operations,
# with the same API key scope (x-cdm-scope; none for public routes). A route is
# written with designated initialisers, {.method = "GET", .path = "/v1/…", …,
# .scope = SCOPE_READ}, over one line or several; a route without .scope is public.
import re  # noqa: E402
ROUTE = re.compile(r'\{\s*(\.method\s*=\s*"[^"]*"[^{}]*)\}')
FIELD = re.compile(r'\.(\w+)\s*=\s*("[^"]*"|[^,]+?)\s*(?:,|$)')
code_routes = {}
for path in glob.glob(os.path.join(ROOT, "api", "*.c")):
    with open(path) as f:
        for entry in ROUTE.findall(f.read()):
            fields = {k: v.strip() for k, v in FIELD.findall(entry.strip())}
            method, route = fields["method"].strip('"'), fields.get("path", '""').strip('"')
            scope = re.sub(r"\s+", " ", fields.get("scope", "0"))
            if method not in ("GET", "POST", "PUT", "PATCH", "DELETE") or not route.startswith("/") \
                    or not re.fullmatch(r"SCOPE_[A-Z]+(?: \| SCOPE_[A-Z]+)*|0", scope):
                problems.append(f"{os.path.basename(path)}: route {entry.strip()!r} is not one this check reads")
                continue
            key = (method.lower(), re.sub(r":(\w+)", r"{\1}", route))
            # one scope, or any of several (SCOPE_A | SCOPE_B): a list in x-cdm-scope
            names = [s.strip()[len("SCOPE_"):].lower() for s in scope.split("|")] if scope != "0" else None
            code_routes[key] = names if names is None or len(names) > 1 else names[0]
doc_routes = {(m, p): op.get("x-cdm-scope") for p, ops in openapi["paths"].items() for m, op in ops.items()}
# Each scope of x-cdm-scope is an alternative security requirement, and no other.
for p_, ops in openapi["paths"].items():
    for m, op in ops.items():
        want = op.get("x-cdm-scope")
        want = [want] if isinstance(want, str) else (want or [])
        got = [s for req in op.get("security", []) for s in req.get("apiKey", [])]
        if sorted(want) != sorted(got):
            problems.append(f"{m.upper()} {p_}: security {got} does not match x-cdm-scope {want}")
for m, p in sorted(set(code_routes) - set(doc_routes)):
    problems.append(f"{m.upper()} {p} is served but not in openapi.json")
for m, p in sorted(set(doc_routes) - set(code_routes)):
    problems.append(f"{m.upper()} {p} is in openapi.json but not served")
for key in sorted(set(code_routes) & set(doc_routes)):
    if code_routes[key] != doc_routes[key]:
        problems.append(f"{key[0].upper()} {key[1]}: scope {code_routes[key]} in the code, {doc_routes[key]} in openapi.json")

corpus = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tests", "schema_check.py"), "--corpus",
                         os.path.join(ROOT, "tests", "corpus")], capture_output=True, text=True)
if corpus.returncode != 0:
    problems.append("the example corpus disagrees with its schemas:\n" + corpus.stdout + corpus.stderr)

for p in problems:
    print(p)
print(f"static checks: {len(problems)} problem(s)")
sys.exit(1 if problems else 0)

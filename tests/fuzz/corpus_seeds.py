#!/usr/bin/python3
"""Writes the fuzz targets' seeds drawn from tests/corpus into OUT/<target>/ (not committed):
for fuzz_jsonschema, every example of tests/corpus (valid, invalid, invalid-semantic), its
{{placeholders}} filled as tests/unit/test_corpus_schemas.c fills them, prefixed with the
byte that picks its endpoint's schema (the request schemas of schemas/openapi.json sorted by
name, as the target lists them). Usage: corpus_seeds.py OUT"""
import json, os, re, sys, uuid

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = sys.argv[1]
api = json.load(open(os.path.join(root, "schemas", "openapi.json")))
names = sorted({op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                for ops in api["paths"].values() for op in ops.values()
                if isinstance(op, dict) and "application/json" in op.get("requestBody", {}).get("content", {})
                and "$ref" in op["requestBody"]["content"]["application/json"].get("schema", {})})
STAND_IN = {"ward": "E05000001", "ward2": "E05000002", "lsoa": "E01000001"}


def fill(text):
    return re.sub(r"\{\{(\w+)\}\}",
                  lambda m: STAND_IN.get(m.group(1)) or str(uuid.uuid5(uuid.NAMESPACE_URL, m.group(1))), text)


os.makedirs(os.path.join(out, "jsonschema"), exist_ok=True)
corpus = os.path.join(root, "tests", "corpus")
n = 0
for ep in sorted(os.listdir(corpus)):
    meta = json.load(open(os.path.join(corpus, ep, "endpoint.json")))
    if meta.get("schema") not in names:
        continue
    pick = bytes([names.index(meta["schema"])])
    for kind in ("valid", "invalid", "invalid-semantic"):
        d = os.path.join(corpus, ep, kind)
        for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            with open(os.path.join(out, "jsonschema", f"{ep}-{kind}-{f}"), "wb") as w:
                w.write(pick + fill(open(os.path.join(d, f)).read()).encode())
            n += 1
print(f"corpus_seeds: {n} seeds for jsonschema from tests/corpus ({len(names)} request schemas)")

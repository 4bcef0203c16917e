#!/usr/bin/python3
"""Validate JSON documents or fixture folders against the schemas in schemas/.

Reference checker for the in-house C validator, built on Debian's python3-jsonschema (4.10):

  /usr/bin/python3 tests/schema_check.py schemas/resident-response.json body.json...
      validate each body; print every error; exit 1 if any body is invalid.

  /usr/bin/python3 tests/schema_check.py --corpus tests/corpus
      every folder of the example corpus (placeholders get stand-ins of the right format):
      valid/ and invalid-semantic/ examples must pass their endpoint's schema, invalid/ ones fail.

  /usr/bin/python3 tests/schema_check.py --fixtures <dir> schemas/<schema>.json
      every <dir>/valid/*.json must pass; every <dir>/invalid/*.json, an object
      {"pointer": "<JSON pointer>", "body": {...}}, must fail. Whether an error points at the
      fixture's pointer is reported as a warning only (oneOf/anyOf/not may point elsewhere).

Refs to other files are resolved by file name (and by $id) among the *.json files in the
schema's own folder. The schemas are also checked against the keyword subset the in-house
validator implements; a keyword outside it is an error.

Exit status: 0 all good, 1 a check failed, 2 usage or unreadable input.
"""

import glob
import json
import os
import re
import sys
import uuid
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

from jsonschema import Draft202012Validator, RefResolver  # noqa: E402
from jsonschema.exceptions import RefResolutionError, SchemaError  # noqa: E402

# The keywords the in-house validator implements, and nothing else.
ALLOWED_KEYWORDS = {
    "type", "enum", "const", "required", "properties", "additionalProperties", "items",
    "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "minimum", "maximum", "exclusiveMinimum",
    "minLength", "maxLength", "pattern", "format", "$ref", "$defs", "allOf", "anyOf", "oneOf",
    "not", "if", "then", "else", "description", "title", "$id", "$schema", "examples",
}
ALLOWED_FORMATS = {"uuid", "date", "date-time"}
SCHEMA_MAP_KEYWORDS = {"properties", "$defs"}          # name -> subschema
SCHEMA_KEYWORDS = {"items", "not", "if", "then", "else"}  # one subschema
SCHEMA_LIST_KEYWORDS = {"allOf", "anyOf", "oneOf"}      # list of subschemas


# Placeholders of the example corpus (tests/corpus/README.md): whole string
# values such as "{{uuid}}" or "{{round:resident}}", substituted before any check.
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "schemas")
PLACEHOLDER = re.compile(r"^\{\{([A-Za-z0-9]+(?::[a-z]+)?)\}\}$")
PLACEHOLDER_IN = re.compile(r"\{\{([A-Za-z0-9]+(?::[a-z]+)?)\}\}")
PLACEHOLDERS = {"uuid", "neighbourhood", "neighbourhood2", "ward", "ward2", "lsoa", "programme",
                "milestone", "organisation", "organisation2", "agency", "agency2", "issue",
                "round:resident", "round:sector", "round:agency", "meetingSpace", "grantScheme", "link"}


def substitute(doc, resolve):
    """doc with every placeholder string replaced by resolve(name) (a new copy)."""
    if isinstance(doc, dict):
        return {k: substitute(v, resolve) for k, v in doc.items()}
    if isinstance(doc, list):
        return [substitute(v, resolve) for v in doc]
    if isinstance(doc, str):
        m = PLACEHOLDER.match(doc)
        if m:
            return resolve(m.group(1))
    return doc


def dummy_value(name):
    """A stand-in of the right format for a placeholder, for checks without a stack."""
    if name not in PLACEHOLDERS:
        raise ValueError(f"unknown placeholder {{{{{name}}}}}")
    if name in ("ward", "ward2"):
        return "E05000001" if name == "ward" else "E05000002"
    if name == "lsoa":
        return "E01000001"
    if name == "uuid":  # a fresh id at each occurrence
        return str(uuid.uuid4())
    # the same object wherever an example names it twice (uniqueItems must see that)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "cdm-corpus:" + name))


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def pointer(path):
    """JSON pointer (RFC 6901) of a jsonschema error path (a deque of keys and indices)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def lint_schema(schema, where, refs, problems):
    """Check one (sub)schema against the keyword subset; collect $ref targets into refs."""
    if isinstance(schema, bool):
        problems.append(f"{where}: boolean schema not supported by the in-house validator")
        return
    if not isinstance(schema, dict):
        problems.append(f"{where}: a schema must be an object")
        return
    for key, value in schema.items():
        at = f"{where}/{key}"
        if key not in ALLOWED_KEYWORDS:
            problems.append(f"{at}: keyword not supported by the in-house validator")
        elif key in SCHEMA_MAP_KEYWORDS:
            for name, sub in value.items():
                lint_schema(sub, f"{at}/{name}", refs, problems)
        elif key in SCHEMA_KEYWORDS:
            lint_schema(value, at, refs, problems)
        elif key in SCHEMA_LIST_KEYWORDS:
            for i, sub in enumerate(value):
                lint_schema(sub, f"{at}/{i}", refs, problems)
        elif key == "additionalProperties" and value is not False:
            problems.append(f"{at}: only additionalProperties: false is supported")
        elif key == "format" and value not in ALLOWED_FORMATS:
            problems.append(f"{at}: format {value!r} not supported")
        elif key == "$ref":
            refs.add(value.split("#", 1)[0])


class Checker:
    def __init__(self, schema_path):
        self.schema_path = schema_path
        folder = os.path.dirname(os.path.abspath(schema_path))
        self.store = {}
        self.by_name = {}
        for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
            doc = load_json(path)
            name = os.path.basename(path)
            self.by_name[name] = doc
            self.store[name] = doc
            if isinstance(doc, dict) and isinstance(doc.get("$id"), str):
                self.store[doc["$id"]] = doc
        self.schema = load_json(schema_path)
        resolver = RefResolver.from_schema(self.schema, store=self.store)
        self.validator = Draft202012Validator(
            self.schema, resolver=resolver, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def check_schemas(self):
        """Meta-validate the schema and every file it references; return a list of problems."""
        problems = []
        todo = [(os.path.basename(self.schema_path), self.schema)]
        seen = set()
        while todo:
            name, doc = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            try:
                Draft202012Validator.check_schema(doc)
            except SchemaError as e:
                problems.append(f"{name}: not a valid draft 2020-12 schema: {e.message}")
            refs = set()
            lint_schema(doc, name + "#", refs, problems)
            for target in sorted(r for r in refs if r):
                if target in self.store:
                    todo.append((target, self.store[target]))
                else:
                    problems.append(f"{name}: $ref to {target!r}, which is not in the schema folder")
        return problems

    def errors(self, instance):
        return sorted(self.validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))


def error_pointers(error):
    """The instance locations an error can be said to point at.

    Besides the error's own absolute path: the unexpected key of an additionalProperties error,
    the missing key of a required error, the forbidden key of a not-required routing rule, and
    the same for errors nested in anyOf/oneOf/allOf/not contexts.
    """
    base = list(error.absolute_path)
    found = {pointer(base)}
    inst = error.instance
    if error.validator == "additionalProperties" and isinstance(inst, dict):
        known = error.schema.get("properties", {})
        found |= {pointer(base + [k]) for k in inst if k not in known}
    elif error.validator == "required" and isinstance(inst, dict):
        found |= {pointer(base + [k]) for k in error.validator_value if k not in inst}
    elif error.validator == "not" and isinstance(error.validator_value, dict) \
            and isinstance(inst, dict):
        found |= {pointer(base + [k]) for k in error.validator_value.get("required", []) if k in inst}
    for sub in error.context or ():
        found |= error_pointers(sub)
    return found


def describe(error):
    return f"  {pointer(error.absolute_path) or '(root)'}: {error.message}"


def run_documents(schema_path, paths):
    checker = Checker(schema_path)
    problems = checker.check_schemas()
    for p in problems:
        print(f"schema: {p}")
    failed = bool(problems)
    for path in paths:
        try:
            instance = load_json(path)
        except (OSError, ValueError) as e:
            print(f"{path}: cannot read: {e}")
            failed = True
            continue
        errs = checker.errors(instance)
        if errs:
            failed = True
            print(f"{path}: invalid")
            for e in errs:
                print(describe(e))
        else:
            print(f"{path}: valid")
    return 1 if failed else 0


def run_fixtures(folder, schema_path):
    checker = Checker(schema_path)
    problems = checker.check_schemas()
    for p in problems:
        print(f"schema: {p}")
    failed = bool(problems)
    counts = {"valid": 0, "invalid": 0, "warnings": 0}

    valid = sorted(glob.glob(os.path.join(folder, "valid", "*.json")))
    invalid = sorted(glob.glob(os.path.join(folder, "invalid", "*.json")))
    if not valid and not invalid:
        print(f"{folder}: no fixtures under valid/ or invalid/")
        return 1

    for path in valid:
        counts["valid"] += 1
        try:
            body = load_json(path)
        except (OSError, ValueError) as e:
            print(f"FAIL {path}: cannot read: {e}")
            failed = True
            continue
        errs = checker.errors(body)
        if errs:
            failed = True
            print(f"FAIL {path}: expected valid, got {len(errs)} error(s)")
            for e in errs:
                print(describe(e))
        else:
            print(f"ok   {path}")

    for path in invalid:
        counts["invalid"] += 1
        try:
            fixture = load_json(path)
        except (OSError, ValueError) as e:
            print(f"FAIL {path}: cannot read: {e}")
            failed = True
            continue
        if not isinstance(fixture, dict) or set(fixture) != {"pointer", "body"} \
                or not isinstance(fixture["pointer"], str):
            print(f"FAIL {path}: an invalid fixture is {{\"pointer\": \"...\", \"body\": ...}}")
            failed = True
            continue
        want = fixture["pointer"]
        errs = checker.errors(fixture["body"])
        if not errs:
            failed = True
            print(f"FAIL {path}: expected invalid, but the body validates")
            continue
        exact = {pointer(e.absolute_path) for e in errs}
        named = set().union(*(error_pointers(e) for e in errs))
        if want in exact:
            print(f"ok   {path}: {want or '(root)'}")
        elif want in named:
            print(f"ok   {path}: {want or '(root)'} (named by an error at "
                  f"{', '.join(sorted(p or '(root)' for p in exact))})")
        else:
            counts["warnings"] += 1
            print(f"ok   {path}: WARNING expected an error at {want or '(root)'}, got:")
            for e in errs:
                print(describe(e))

    print(f"{counts['valid']} valid, {counts['invalid']} invalid fixtures; "
          f"{counts['warnings']} pointer warning(s); {'FAILED' if failed else 'passed'}")
    return 1 if failed else 0


def run_corpus(corpus):
    """Every folder of the example corpus, without a stack: placeholders get
    stand-ins of the right format; valid/ and invalid-semantic/ must pass the
    schema, invalid/ must fail it. The runner that also asks the service is
    tests/integration/test_corpus.py."""
    failed = False
    total = 0
    folders = sorted(d for d in glob.glob(os.path.join(corpus, "*")) if os.path.isdir(d))
    if not folders:
        print(f"{corpus}: no example folders")
        return 1
    for folder in folders:
        try:
            endpoint = load_json(os.path.join(folder, "endpoint.json"))
            checker = Checker(os.path.join(SCHEMA_DIR, endpoint["schema"]))
        except (OSError, ValueError, KeyError) as e:
            print(f"FAIL {folder}: endpoint.json: {e}")
            failed = True
            continue
        for p in checker.check_schemas():
            print(f"FAIL {folder}: schema: {p}")
            failed = True
        kinds = {"valid": False, "invalid": True, "invalid-semantic": False}
        for kind, must_fail in kinds.items():
            for path in sorted(glob.glob(os.path.join(folder, kind, "*.json"))):
                total += 1
                try:
                    body = substitute(load_json(path), dummy_value)
                except (OSError, ValueError) as e:
                    print(f"FAIL {path}: {e}")
                    failed = True
                    continue
                errs = checker.errors(body)
                if bool(errs) != must_fail:
                    failed = True
                    print(f"FAIL {path}: expected {'invalid' if must_fail else 'valid'} for the schema")
                    for e in errs:
                        print(describe(e))
    print(f"corpus: {total} examples in {len(folders)} folders; {'FAILED' if failed else 'passed'}")
    return 1 if failed else 0


def main(argv):
    usage = ("usage: schema_check.py <schema-file> <json-file>...\n"
             "       schema_check.py --fixtures <fixture-dir> <schema-file>\n"
             "       schema_check.py --corpus <corpus-dir>")
    try:
        if len(argv) == 2 and argv[0] == "--corpus":
            return run_corpus(argv[1])
        if len(argv) == 3 and argv[0] == "--fixtures":
            return run_fixtures(argv[1], argv[2])
        if len(argv) >= 2 and not argv[0].startswith("-"):
            return run_documents(argv[0], argv[1:])
    except (OSError, ValueError, RefResolutionError) as e:
        print(f"schema_check: {e}", file=sys.stderr)
        return 2
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

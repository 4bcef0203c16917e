#!/usr/bin/python3
"""Every request schema bounds what it accepts (issue 13): an instance location that can hold
an array has a maxItems (at most 1,000), one that can hold a string a maxLength (at most 2,000)
or an enum, const, format or anchored pattern of bounded length, and one that can hold an object
additionalProperties: false or a maxProperties (at most 1,000). A larger maxItems, maxLength or
maxProperties counts only with a reason written in the schema's description that names the
number and says why ("... because ..."), and never above a hard ceiling: a maxLength of a billion
is no bound.

The request schemas are every schema a request body is checked against: the requestBody $refs
of schemas/openapi.json, the `.schema = "..."` fields of the routes in api/*.c, the names given
to js_validate() and http_run_body() there, and the instruments' schemas (api/instruments.h),
which each item of a response batch is checked against. Their $refs are followed into the other
documents (common.json's definitions are then held to the same rule).

Before the real check the script checks itself: copies of a few request schemas, each made
unbounded in one way, must each be reported."""
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LIMIT = {"array": ("maxItems", 1000), "string": ("maxLength", 2000), "object": ("maxProperties", 1000)}
CEILING = {"array": 100000, "string": 100000, "object": 10000}
KINDS = ("array", "string", "object")


def request_schemas():
    """The names (file, optionally with a #fragment) of every request schema."""
    names = set()
    with open(os.path.join(ROOT, "schemas", "openapi.json")) as f:
        openapi = json.load(f)
    for ops in openapi["paths"].values():
        for op in ops.values():
            body = op.get("requestBody") if isinstance(op, dict) else None
            if not body:
                continue
            for media, content in body.get("content", {}).items():
                ref = content.get("schema", {}).get("$ref")
                if media == "application/json" and ref:
                    names.add(ref)
    for path in glob.glob(os.path.join(ROOT, "api", "*.[ch]")):
        with open(path) as f:
            src = f.read()
        names.update(re.findall(r'\.schema\s*=\s*"([^"]+\.json[^"]*)"', src))
        names.update(re.findall(r'http_run_body\([^;]*?"([^"]+\.json)"', src))
        names.update(re.findall(r'js_validate\([^;]*?"([^"]+\.json[^"]*)"', src))
        names.update(re.findall(r'#define\s+\w*SCHEMA\w*\s+"([^"]+\.json)"', src))
    return sorted(names)


class Bounds:
    def __init__(self, folder):
        self.folder = folder
        self.docs = {}
        self.problems = []
        self.walked = set()

    def doc(self, name):
        if name not in self.docs:
            with open(os.path.join(self.folder, name)) as f:
                self.docs[name] = json.load(f)
        return self.docs[name]

    def resolve(self, docname, ref):
        """(document name, pointer, node) of a $ref seen from docname."""
        target, _, frag = ref.partition("#")
        name = target or docname
        node = self.doc(name)
        pointer = frag
        for part in [p for p in frag.split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return name, pointer, node

    @staticmethod
    def reason_for(node, number):
        """A description naming number (1000 or 1,000) and saying why."""
        text = node.get("description", "") if isinstance(node, dict) else ""
        spelled = {str(number), f"{number:,}"}
        return "because" in text.lower() and any(s in text for s in spelled)

    def own_bound(self, node, kind):
        """True when the schema object node itself bounds instances of kind."""
        key, limit = LIMIT[kind]
        n = node.get(key)
        if isinstance(n, (int, float)) and n <= limit:
            return True
        if isinstance(n, (int, float)) and n <= CEILING[kind] and self.reason_for(node, int(n)):
            return True
        if kind == "string":
            if "format" in node:
                return True
            p = node.get("pattern")
            if isinstance(p, str) and bounded_pattern(p):
                return True
        if kind == "object" and node.get("additionalProperties") is False:
            return True
        return False

    def unbounded(self, docname, node, kind, seen=()):
        """True when node can accept an instance of kind with no bound on its size."""
        if node is True or node == {}:
            return True
        if node is False or not isinstance(node, dict):
            return False
        if "enum" in node or "const" in node or node.get("not") in ({}, True):
            return False
        t = node.get("type")
        if t is not None:
            types = [t] if isinstance(t, str) else t
            if kind not in types:
                return False
        if self.own_bound(node, kind):
            return False
        if "$ref" in node:
            tdoc, ptr, target = self.resolve(docname, node["$ref"])
            if (tdoc, ptr) not in seen and not self.unbounded(tdoc, target, kind,
                                                               seen + ((tdoc, ptr),)):
                return False
        if any(not self.unbounded(docname, b, kind, seen) for b in node.get("allOf", [])):
            return False
        for key in ("anyOf", "oneOf"):
            if key in node and all(not self.unbounded(docname, b, kind, seen) for b in node[key]):
                return False
        if "then" in node or "else" in node:
            branches = [node.get("then", True), node.get("else", True)]
            if all(not self.unbounded(docname, b, kind, seen) for b in branches):
                return False
        return True

    def walk(self, docname, pointer, node):
        """Checks node, an instance location's schema, and every schema below it."""
        if (docname, pointer) in self.walked:
            return
        self.walked.add((docname, pointer))
        if not isinstance(node, dict):
            if node is True:
                self.problems.append(f"{docname}#{pointer}: accepts anything (true); bound it")
            return
        for kind in KINDS:
            if self.unbounded(docname, node, kind):
                key, limit = LIMIT[kind]
                how = {"array": f"a maxItems of at most {limit:,}",
                       "string": f"a maxLength of at most {limit:,}, an enum, a format or an anchored pattern",
                       "object": "additionalProperties: false or a maxProperties"}[kind]
                self.problems.append(f"{docname}#{pointer}: can hold an unbounded {kind}; give it {how}")
        self.below(docname, pointer, node, True, set(self.declared(docname, node)))

    def declared(self, docname, node, seen=()):
        """The property names node declares at its location through properties, allOf and $ref
        (the schemas that always apply there)."""
        if not isinstance(node, dict):
            return
        yield from node.get("properties", {})
        for b in node.get("allOf", []):
            yield from self.declared(docname, b, seen)
        if "$ref" in node:
            tdoc, ptr, target = self.resolve(docname, node["$ref"])
            if (tdoc, ptr) not in seen:
                yield from self.declared(tdoc, target, seen + ((tdoc, ptr),))

    def below(self, docname, pointer, node, always, declared):
        """Walks what is below node, a schema applied at an already checked location: always
        when it applies whenever the location's schema does (the location's own keywords, allOf,
        $ref), else a conditional branch (anyOf, oneOf, then, else), whose property schemas count
        only beside the location's own declaration of the same property, when it has one."""
        key3 = (docname, pointer, always)
        if key3 in self.walked or not isinstance(node, dict):
            return
        self.walked.add(key3)
        for name, child in node.get("properties", {}).items():
            ptr = f"{pointer}/properties/{esc(name)}"
            if always or name not in declared:
                self.walk(docname, ptr, child)
            else:
                self.below(docname, ptr, child, False, set(self.declared(docname, child)))
        for key in ("items", "additionalProperties"):
            child = node.get(key)
            if isinstance(child, dict):
                self.walk(docname, f"{pointer}/{key}", child)
        for i, child in enumerate(node.get("allOf", [])):
            self.below(docname, f"{pointer}/allOf/{i}", child, always, declared)
        for key in ("anyOf", "oneOf"):
            for i, child in enumerate(node.get(key, [])):
                self.below(docname, f"{pointer}/{key}/{i}", child, False, declared)
        for key in ("then", "else"):
            if isinstance(node.get(key), dict):
                self.below(docname, f"{pointer}/{key}", node[key], False, declared)
        if "$ref" in node:
            tdoc, ptr, target = self.resolve(docname, node["$ref"])
            self.below(tdoc, ptr, target, always, declared)

    def check(self, name):
        docname, _, frag = name.partition("#")
        _, ptr, node = self.resolve(docname, "#" + frag) if frag else (docname, "", self.doc(docname))
        self.walk(docname, ptr, node)


def esc(name):
    return name.replace("~", "~0").replace("/", "~1")


def bounded_pattern(p):
    """An ECMA-262 pattern anchored at both ends whose matches have a bounded length: no *, no
    +, no open {n,} repetition outside a character class."""
    if not p.startswith("^") or not p.endswith("$") or p.endswith("\\$"):
        return False
    i, in_class = 0, False
    while i < len(p):
        c = p[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c in "*+":
            return False
        elif c == "{" and re.match(r"\{\d+,\}", p[i:]):
            return False
        i += 1
    return True


def self_test():
    """Each breakage of a bounded schema is reported; returns the breakages that were not."""
    import copy
    folder = os.path.join(ROOT, "schemas")
    base = Bounds(folder)
    sub, batch = base.doc("subscription-create.json"), base.doc("response-batch.json")
    breakages = []

    def broken(what, doc, name, change):
        d = copy.deepcopy(doc)
        change(d)
        breakages.append((what, name, d))
    broken("maxItems removed", sub, "subscription-create.json",
           lambda d: d["properties"]["eventTypes"].pop("maxItems"))
    broken("maxItems of 5,000 without a reason", sub, "subscription-create.json",
           lambda d: d["properties"]["neighbourhoods"].update(maxItems=5000))
    broken("maxLength of a billion, with a reason", sub, "subscription-create.json",
           lambda d: d["properties"]["webhookUrl"].update(
               maxLength=1000000000, description="At most 1,000,000,000 because we like it."))
    broken("pattern anchored at one end only", sub, "subscription-create.json",
           lambda d: d["properties"]["kafkaTopic"].update(pattern="^[a-z]+"))
    broken("pattern of unbounded length", sub, "subscription-create.json",
           lambda d: d["properties"]["kafkaTopic"].update(pattern="^[a-z]+$"))
    broken("open object", batch, "response-batch.json",
           lambda d: d["properties"]["items"]["items"].pop("maxProperties"))
    broken("additionalProperties true at the top", batch, "response-batch.json",
           lambda d: d.update(additionalProperties=True))
    missed = []
    for what, name, doc in breakages:
        b = Bounds(folder)
        b.docs[name] = doc
        b.check(name)
        if not b.problems:
            missed.append(f"{what} in {name}")
    return missed


def main():
    missed = self_test()
    if missed:
        for m in missed:
            print("static_bounds: self-test: not reported:", m)
        return 1
    b = Bounds(os.path.join(ROOT, "schemas"))
    names = request_schemas()
    if len(names) < 20:
        print(f"static_bounds: found only {len(names)} request schemas; the search is broken")
        return 1
    for name in names:
        b.check(name)
    for p in b.problems:
        print("static_bounds:", p)
    if b.problems:
        return 1
    print(f"static_bounds: {len(names)} request schemas, every array, string and object bounded"
          " (and the self-test's 7 unbounded copies each reported)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

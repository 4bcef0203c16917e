#!/usr/bin/python3
"""Static checks of schemas/asyncapi.yaml, the AsyncAPI 2.6.0 description of the Kafka topics,
against the event JSON Schemas beside it and against the C code:

- the document is AsyncAPI 2.6.0 with the `production` and `development` Kafka servers, and
  every variable of a server url is defined (and every defined one used);
- every `$ref` resolves: local ones inside the document, file ones to a file in schemas/
  (and its fragment inside that file), following the referenced schemas' own `$ref`s;
- the channels are the topics lib/config.c defaults to, with 6 partitions; cdmeasure sends to
  both (AsyncAPI 2.6 `subscribe`), consumes cdm.submissions only (`publish`, consumer group
  as lib/config.c defaults it) and never cdm.kpi-events;
- every message has a unique messageId, an event type in `x-event-type` (and `name`, if
  present, the same), a CloudEvents structured-mode content type, no headers (the relay sets
  none), the draft 2020-12 schemaFormat, a Kafka key binding that is a uuid string, and a
  payload `$ref` to a JSON Schema file whose `type` property (directly or within allOf) names
  event types by const/enum, among them the message's own; its examples carry that type
  (and are valid against the payload schema when python3-jsonschema is installed);
- the event types the event schemas (schemas/event-*.json but event-cloudevent.json) name are
  exactly the ones the messages describe, and exactly the `#define EVT_* "..."` of
  lib/envelope.h.

Every problem is printed, then `static asyncapi: N problem(s)`; the exit status is 1 if N > 0.

Run as `/usr/bin/python3 tests/static_asyncapi.py [DOCUMENT] [--envelope lib/envelope.h]`
(it needs Debian's python3-yaml). DOCUMENT defaults to schemas/asyncapi.yaml; its file
references are always resolved against schemas/, where the document lives, so a copy
elsewhere can be checked too."""
import argparse
import glob
import json
import os
import re
import sys
import urllib.parse

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMAS = os.path.join(ROOT, "schemas")
DEFAULT_DOC = os.path.join(SCHEMAS, "asyncapi.yaml")
DEFAULT_ENVELOPE = os.path.join(ROOT, "lib", "envelope.h")
CONFIG_C = os.path.join(ROOT, "lib", "config.c")

ASYNCAPI_VERSION = "2.6.0"
SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12"
JSON_SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema"
CONTENT_TYPES = ("application/cloudevents+json", "application/json")
SERVERS = ("production", "development")
PARTITIONS = 6
ENVELOPE_SCHEMA = "event-cloudevent.json"

problems = []


def problem(msg):
    """Records and prints a problem (once: two checks may reach the same reference)."""
    if msg not in problems:
        problems.append(msg)
        print(f"FAIL {msg}")


from yaml_strict import StrictLoader  # noqa: E402


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def rel(path):
    """path relative to the checkout if it is inside it, else absolute."""
    path = os.path.abspath(path)
    return os.path.relpath(path, ROOT) if os.path.commonpath([path, ROOT]) == ROOT else path


# ------------------------------------------------------------------ references

def pointer_get(doc, fragment):
    """Resolves an RFC 6901 JSON pointer (the part after `#`, percent-encoded as in a URI);
    raises KeyError if it does not."""
    fragment = urllib.parse.unquote(fragment)
    if fragment in ("", "/"):
        return doc if fragment == "" else doc[""]
    if not fragment.startswith("/"):
        raise KeyError(f"not a JSON pointer: {fragment!r}")
    node = doc
    for token in fragment[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                raise KeyError(token)
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise KeyError(token)
    return node


def walk_refs(node, where=""):
    """Yields (location, ref) for every `$ref` string under node."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield where or "#", ref
        elif "$ref" in node:
            problem(f"{where}: $ref is not a string: {ref!r}")
        for k, v in node.items():
            if k != "$ref":
                yield from walk_refs(v, f"{where}/{k}" if where else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk_refs(v, f"{where}/{i}" if where else str(i))


_json_cache = {}


def load_json(path):
    """The parsed JSON file, or None (with a problem) if it does not parse."""
    if path not in _json_cache:
        try:
            _json_cache[path] = json.loads(read(path))
        except (OSError, ValueError) as e:
            problem(f"{rel(path)}: not readable JSON: {e}")
            _json_cache[path] = None
    return _json_cache[path]


def file_of_ref(ref, base_dir, where):
    """The schemas/ file a relative file `$ref` names, or None (with a problem) if it names
    none: remote, absolute, outside schemas/ or missing."""
    target = ref.split("#", 1)[0]
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith("//"):
        problem(f"{where}: $ref {ref!r} is not a relative file in schemas/")
        return None
    if os.path.isabs(target):
        problem(f"{where}: $ref {ref!r} is an absolute path; use a file name relative to schemas/")
        return None
    path = os.path.normpath(os.path.join(base_dir, urllib.parse.unquote(target)))
    if os.path.commonpath([path, SCHEMAS]) != SCHEMAS:
        problem(f"{where}: $ref {ref!r} leaves schemas/")
        return None
    if not os.path.isfile(path):
        problem(f"{where}: $ref {ref!r}: no file {rel(path)}")
        return None
    return path


def check_file_ref(ref, base_dir, where, seen):
    """Checks a file `$ref` (and its fragment), then the `$ref`s of the file it names."""
    path = file_of_ref(ref, base_dir, where)
    if path is None:
        return
    target = load_json(path) if path.endswith(".json") else None
    if target is None:
        if path.endswith(".json") or "#" in ref:
            problem(f"{where}: $ref {ref!r}: {rel(path)} is not a JSON document")
        return
    if "#" in ref:
        try:
            pointer_get(target, ref.split("#", 1)[1])
        except (KeyError, IndexError, TypeError):
            problem(f"{where}: $ref {ref!r}: no {ref.split('#', 1)[1]!r} in {rel(path)}")
    if path in seen:
        return
    seen.add(path)
    for inner_where, inner in walk_refs(target):
        loc = f"{rel(path)}#/{inner_where}" if inner_where != "#" else f"{rel(path)}#"
        if inner.startswith("#"):
            try:
                pointer_get(target, inner[1:])
            except (KeyError, IndexError, TypeError):
                problem(f"{loc}: $ref {inner!r} does not resolve in {rel(path)}")
        else:
            check_file_ref(inner, os.path.dirname(path), loc, seen)


def resolve_local(doc, ref, where):
    """The document node a local `#/...` reference names, or None (with a problem)."""
    try:
        return pointer_get(doc, ref[1:])
    except (KeyError, IndexError, TypeError):
        problem(f"{where}: $ref {ref!r} does not resolve in the document")
        return None


# ------------------------------------------------------------------ event types

def schema_event_types(schema, path, seen=None):
    """The event type strings a JSON Schema names by const/enum in its `type` property,
    directly or within allOf (following file references of allOf members)."""
    seen = set() if seen is None else seen
    if path in seen or not isinstance(schema, dict):
        return []
    seen.add(path)
    names = []
    prop = (schema.get("properties") or {}).get("type")
    if isinstance(prop, dict):
        if isinstance(prop.get("const"), str):
            names.append(prop["const"])
        if isinstance(prop.get("enum"), list):
            names.extend(v for v in prop["enum"] if isinstance(v, str))
    for i, member in enumerate(schema.get("allOf") or []):
        if not isinstance(member, dict):
            continue
        ref = member.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            target = os.path.normpath(os.path.join(os.path.dirname(path), ref.split("#", 1)[0]))
            if os.path.isfile(target) and target.endswith(".json"):
                sub = load_json(target)
                if sub is not None and "#" not in ref:
                    names.extend(schema_event_types(sub, target, seen))
        names.extend(schema_event_types(member, f"{path}#/allOf/{i}", seen))
    return names


def topic_named_by(schema):
    """The topic an event schema's title or description names (`topic cdm.x`), if any."""
    text = " ".join(str(schema.get(k, "")) for k in ("title", "description"))
    m = re.search(r"\btopic\s+`?([A-Za-z0-9._-]+[A-Za-z0-9_-])", text)
    return m.group(1) if m else None


def envelope_event_types(path):
    """{macro: value} of the `#define EVT_* "..."` lines of lib/envelope.h."""
    found = {}
    for m in re.finditer(r'^\s*#\s*define\s+(EVT_[A-Z0-9_]+)\s+"([^"]*)"', read(path), re.M):
        if m.group(1) in found:
            problem(f"{rel(path)}: {m.group(1)} defined twice")
        found[m.group(1)] = m.group(2)
    return found


def config_defaults():
    """{CDM_* variable: default} of the str_env() calls of lib/config.c."""
    return dict(re.findall(r'"(CDM_[A-Z0-9_]+)",\s*"([^"]*)"', read(CONFIG_C)))


# ------------------------------------------------------------------ the checks

def check_servers(doc):
    servers = doc.get("servers")
    if not isinstance(servers, dict):
        problem("servers: missing")
        return
    for name in SERVERS:
        if name not in servers:
            problem(f"servers: no {name!r} server")
    for name, server in servers.items():
        if not isinstance(server, dict):
            problem(f"servers/{name}: not an object")
            continue
        if server.get("protocol") not in ("kafka", "kafka-secure"):
            problem(f"servers/{name}: protocol {server.get('protocol')!r}, expected kafka")
        url = server.get("url")
        if not isinstance(url, str) or not url:
            problem(f"servers/{name}: no url")
            continue
        used = set(re.findall(r"\{([^{}]+)\}", url))
        defined = set((server.get("variables") or {}).keys())
        for v in sorted(used - defined):
            problem(f"servers/{name}: url {url!r} uses {{{v}}} but variables does not define it")
        for v in sorted(defined - used):
            problem(f"servers/{name}: variable {v!r} is not used in url {url!r}")
        if not server.get("description"):
            problem(f"servers/{name}: no description")
    dev = servers.get("development")
    if isinstance(dev, dict):
        if not str(dev.get("url", "")).startswith("127.0.0.1:"):
            problem(f"servers/development: url {dev.get('url')!r} is not the loopback dev broker 127.0.0.1:{{port}}")
        text = str(dev.get("description", ""))
        for word in ("CDM_KAFKA_BOOTSTRAP_FILE", "mock"):
            if word not in text:
                problem(f"servers/development: description does not mention {word}")


def operation_messages(doc, op, where):
    """[(message key, message object)] of an operation: a message, a `$ref` to one, or oneOf."""
    msg = op.get("message")
    if msg is None:
        problem(f"{where}: no message")
        return []
    members = msg["oneOf"] if isinstance(msg, dict) and isinstance(msg.get("oneOf"), list) else [msg]
    out = []
    for i, m in enumerate(members):
        loc = f"{where}/message" + (f"/oneOf/{i}" if isinstance(msg, dict) and "oneOf" in msg else "")
        if isinstance(m, dict) and isinstance(m.get("$ref"), str):
            if not m["$ref"].startswith("#"):
                problem(f"{loc}: messages should be referenced inside the document (#/components/messages/...)")
                continue
            target = resolve_local(doc, m["$ref"], loc)
            if isinstance(target, dict):
                out.append((m["$ref"], target))
        elif isinstance(m, dict):
            out.append((loc, m))
        else:
            problem(f"{loc}: not a message object")
    return out


def check_message(key, msg, default_content_type, seen_ids):
    """Checks one message; returns (event type, payload schema path, payload schema) or None."""
    where = f"message {key}"
    mid = msg.get("messageId")
    if not isinstance(mid, str) or not mid:
        problem(f"{where}: no messageId")
    elif mid in seen_ids:
        problem(f"{where}: messageId {mid!r} also used by {seen_ids[mid]}")
    else:
        seen_ids[mid] = key
    etype = msg.get("x-event-type")
    if not isinstance(etype, str) or not etype:
        problem(f"{where}: no x-event-type naming the event type it carries")
        etype = None
    if etype and "name" in msg and msg["name"] != etype:
        problem(f"{where}: name {msg['name']!r} differs from x-event-type {etype!r}")
    if not msg.get("description"):
        problem(f"{where}: no description")
    ctype = msg.get("contentType", default_content_type)
    if ctype not in CONTENT_TYPES:
        problem(f"{where}: contentType {ctype!r}, expected one of {', '.join(CONTENT_TYPES)} (CloudEvents structured mode)")
    if "headers" in msg:
        problem(f"{where}: declares headers, but the relay sets no Kafka record headers")
    if msg.get("schemaFormat") != SCHEMA_FORMAT:
        problem(f"{where}: schemaFormat {msg.get('schemaFormat')!r}, expected {SCHEMA_FORMAT!r}")
    key_schema = (((msg.get("bindings") or {}).get("kafka") or {}).get("key"))
    if not isinstance(key_schema, dict):
        problem(f"{where}: no bindings.kafka.key (the neighbourhood id)")
    elif key_schema.get("type") != "string" or key_schema.get("format") != "uuid":
        problem(f"{where}: bindings.kafka.key is not {{type: string, format: uuid}}")

    payload = msg.get("payload")
    if not (isinstance(payload, dict) and isinstance(payload.get("$ref"), str)):
        problem(f"{where}: payload is not a $ref to a JSON Schema file in schemas/")
        return None
    path = file_of_ref(payload["$ref"], SCHEMAS, f"{key.lstrip('#/')}/payload")
    if path is None:
        return None
    schema = load_json(path)
    if not isinstance(schema, dict):
        problem(f"{where}: payload {payload['$ref']!r} is not a JSON Schema object")
        return None
    if "#" in payload["$ref"] and payload["$ref"].split("#", 1)[1] not in ("", "/"):
        problem(f"{where}: payload should reference a whole schema file, not {payload['$ref']!r}")
    if schema.get("$schema") != JSON_SCHEMA_2020_12:
        problem(f"{where}: {rel(path)} has $schema {schema.get('$schema')!r}, but schemaFormat says draft 2020-12")
    names = schema_event_types(schema, path)
    if not names:
        problem(f"{where}: {rel(path)} names no event type by const/enum in its `type` property")
    elif etype and etype not in names:
        problem(f"{where}: x-event-type {etype!r} is not one its payload schema {rel(path)} allows ({', '.join(names)})")
    for i, ex in enumerate(msg.get("examples") or []):
        ptype = ((ex or {}).get("payload") or {}).get("type") if isinstance(ex, dict) else None
        if etype and ptype != etype:
            problem(f"{where}: examples/{i} has type {ptype!r}, not {etype!r}")
    return etype, path, schema


def validate_examples(messages):
    """Validates every message example against its payload schema with python3-jsonschema,
    if it is installed (Debian's python3-jsonschema 4.x knows draft 2020-12)."""
    try:
        import jsonschema
    except ImportError:
        print("SKIP examples not validated: python3-jsonschema is not installed")
        return
    store = {}
    for path in glob.glob(os.path.join(SCHEMAS, "*.json")):
        s = load_json(path)
        if isinstance(s, dict):
            store[s.get("$id", os.path.basename(path))] = s
            store[os.path.basename(path)] = s
    for key, (msg, path, schema) in messages.items():
        for i, ex in enumerate(msg.get("examples") or []):
            if not isinstance(ex, dict) or "payload" not in ex:
                continue
            resolver = jsonschema.RefResolver(base_uri=schema.get("$id", os.path.basename(path)),
                                              referrer=schema, store=store)
            validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
            for err in validator.iter_errors(ex["payload"]):
                at = "/" + "/".join(str(p) for p in err.absolute_path)
                problem(f"message {key}: examples/{i} ({ex.get('name', '')}) invalid at {at}: {err.message}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("document", nargs="?", default=DEFAULT_DOC)
    ap.add_argument("--envelope", default=DEFAULT_ENVELOPE, help="the C header with the EVT_* event types")
    args = ap.parse_args()

    try:
        doc = yaml.load(read(args.document), Loader=StrictLoader)
    except (OSError, yaml.YAMLError) as e:
        problem(f"{args.document}: cannot load: {e}")
        return finish()
    if not isinstance(doc, dict):
        problem(f"{args.document}: not a YAML mapping")
        return finish()

    if doc.get("asyncapi") != ASYNCAPI_VERSION:
        problem(f"asyncapi: {doc.get('asyncapi')!r}, expected the string {ASYNCAPI_VERSION!r}")
    info = doc.get("info") or {}
    for k in ("title", "version"):
        if not info.get(k):
            problem(f"info.{k}: missing")
    check_servers(doc)

    # Every $ref of the document.
    seen_files = set()
    for where, ref in walk_refs(doc):
        if ref.startswith("#"):
            resolve_local(doc, ref, where)
        else:
            check_file_ref(ref, SCHEMAS, where, seen_files)

    # Channels and operations against lib/config.c.
    defaults = config_defaults()
    submissions = defaults.get("CDM_TOPIC_SUBMISSIONS")
    kpi = defaults.get("CDM_TOPIC_KPI_EVENTS")
    group = defaults.get("CDM_CONSUMER_GROUP")
    if not (submissions and kpi and group):
        problem(f"{rel(CONFIG_C)}: cannot find the defaults of CDM_TOPIC_SUBMISSIONS, CDM_TOPIC_KPI_EVENTS, CDM_CONSUMER_GROUP")
    channels = doc.get("channels")
    if not isinstance(channels, dict) or not channels:
        problem("channels: missing")
        channels = {}
    expected = {t for t in (submissions, kpi) if t}
    for t in sorted(expected - set(channels)):
        problem(f"channels: no channel for topic {t!r} (lib/config.c)")
    for t in sorted(set(channels) - expected):
        problem(f"channels: {t!r} is not a topic cdmeasure uses (lib/config.c: {', '.join(sorted(expected))})")

    default_ct = doc.get("defaultContentType")
    seen_ids = {}
    checked = {}        # message key -> (event type, schema path, schema)
    objects = {}        # message key -> message object
    used_on = {}        # message key -> {channel}
    for name, ch in channels.items():
        if not isinstance(ch, dict):
            problem(f"channels/{name}: not an object")
            continue
        if not ch.get("description"):
            problem(f"channels/{name}: no description")
        kb = ((ch.get("bindings") or {}).get("kafka")) or {}
        if kb.get("partitions") != PARTITIONS:
            problem(f"channels/{name}: bindings.kafka.partitions is {kb.get('partitions')!r}, expected {PARTITIONS}")
        if not (isinstance(kb.get("replicas"), int) and kb["replicas"] >= 1):
            problem(f"channels/{name}: bindings.kafka.replicas is {kb.get('replicas')!r}, expected a whole number >= 1")
        if "topic" in kb and kb["topic"] != name:
            problem(f"channels/{name}: bindings.kafka.topic {kb['topic']!r} differs from the channel name")
        # AsyncAPI 2.6: subscribe = messages the application sends; publish = messages it consumes.
        if "subscribe" not in ch:
            problem(f"channels/{name}: no subscribe operation (AsyncAPI 2.6: the messages cdmeasure sends to it)")
        if name == submissions:
            if "publish" not in ch:
                problem(f"channels/{name}: no publish operation (AsyncAPI 2.6: the indicator workers consume it)")
            else:
                gid = (((ch["publish"].get("bindings") or {}).get("kafka") or {}).get("groupId")) or {}
                names = [gid.get("const")] + list(gid.get("enum") or []) if isinstance(gid, dict) else []
                if group and group not in names:
                    problem(f"channels/{name}: publish bindings.kafka.groupId does not name the consumer group {group!r}")
        elif name == kpi and "publish" in ch:
            problem(f"channels/{name}: publish operation, but cdmeasure does not consume its KPI events")
        op_ids = set()
        for verb in ("subscribe", "publish"):
            op = ch.get(verb)
            if op is None:
                continue
            where = f"channels/{name}/{verb}"
            if not isinstance(op, dict):
                problem(f"{where}: not an object")
                continue
            oid = op.get("operationId")
            if not oid:
                problem(f"{where}: no operationId")
            op_ids.add(oid)
            for key, msg in operation_messages(doc, op, where):
                used_on.setdefault(key, set()).add(name)
                if key not in checked:
                    objects[key] = msg
                    checked[key] = check_message(key, msg, default_ct, seen_ids)
        if None not in op_ids and len(op_ids) < sum(v in ch for v in ("subscribe", "publish")):
            problem(f"channels/{name}: operationIds are not distinct")

    for name in (doc.get("components") or {}).get("messages") or {}:
        if f"#/components/messages/{name}" not in used_on:
            problem(f"components/messages/{name}: used by no operation")

    # Messages against the schemas and the channels.
    by_type = {}
    for key, result in checked.items():
        if not result:
            continue
        etype, path, schema = result
        if etype:
            if etype in by_type:
                problem(f"message {key}: event type {etype!r} also described by message {by_type[etype]}")
            by_type.setdefault(etype, key)
        topic = topic_named_by(schema)
        if topic and used_on.get(key, set()) != {topic}:
            problem(f"message {key}: on {', '.join(sorted(used_on.get(key, ())))}, but {rel(path)} says topic {topic}")

    if checked:
        validate_examples({k: (objects[k], r[1], r[2]) for k, r in checked.items() if r})

    # Event types named by the event schemas must all be described.
    schema_types = {}
    event_files = [p for p in sorted(glob.glob(os.path.join(SCHEMAS, "event-*.json")))
                   if os.path.basename(p) != ENVELOPE_SCHEMA]
    if not event_files:
        problem("schemas/: no event-*.json schemas besides the envelope")
    for path in event_files:
        schema = load_json(path)
        names = schema_event_types(schema, path) if isinstance(schema, dict) else []
        if not names:
            problem(f"{rel(path)}: names no event type by const/enum in its `type` property")
        for t in names:
            schema_types.setdefault(t, rel(path))
    for t in sorted(set(schema_types) - set(by_type)):
        problem(f"event type {t!r} ({schema_types[t]}) is described by no message of asyncapi.yaml")

    # And the C code must agree with the document, both ways.
    try:
        c_types = envelope_event_types(args.envelope)
    except OSError as e:
        problem(f"{args.envelope}: {e}")
        c_types = {}
    if not c_types and os.path.exists(args.envelope):
        problem(f"{rel(args.envelope)}: no #define EVT_* \"...\" found")
    for macro, value in sorted(c_types.items()):
        if value not in by_type:
            problem(f"{rel(args.envelope)}: {macro} {value!r} is described by no message of asyncapi.yaml")
    for t in sorted(set(by_type) - set(c_types.values())):
        problem(f"asyncapi.yaml: event type {t!r} (message {by_type[t]}) has no #define EVT_* in {rel(args.envelope)}")
    return finish()


def finish():
    print(f"static asyncapi: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

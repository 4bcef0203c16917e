"""The example corpus (tests/corpus/<schema>/): every example through two
independent validators, Python's jsonschema and the service (its C validator
and semantic checks), failing on any disagreement with the file's name.

- valid/            jsonschema accepts it, the service answers 2xx;
- invalid/          jsonschema rejects it, the service answers 422 with a problem;
- invalid-semantic/ jsonschema accepts it, the service answers 422 with a problem.

Placeholders ("{{uuid}}", "{{neighbourhood}}", "{{round:resident}}", …, whole
string values or inside endpoint.json's path) name objects this runner creates
with SQL (db/migrations/004_domain.sql is the contract), so no example depends
on another resource's endpoint. Rounds are fresh for each example, so examples
with and without design weights never meet in one round."""
import datetime
import glob
import hashlib
import json
import os
import random
import sys
import uuid

import psycopg2
import pytest
import requests

from conftest import ADMIN, PG, ROOT

sys.path.insert(0, os.path.join(ROOT, "tests"))
from schema_check import Checker, PLACEHOLDER_IN, PLACEHOLDERS, describe, substitute  # noqa: E402

CORPUS = os.path.join(ROOT, "tests", "corpus")
SCHEMAS = os.path.join(ROOT, "schemas")
FOLDERS = sorted(os.path.basename(d) for d in glob.glob(os.path.join(CORPUS, "*")) if os.path.isdir(d))
KINDS = ("valid", "invalid", "invalid-semantic")


def gss(prefix):
    return prefix + "".join(random.choice("0123456789") for _ in range(6))


class World:
    """The objects placeholders name, made with SQL: a programme with a due
    milestone, two neighbourhoods of it with a ward each (the first ward with
    an LSOA), two active community groups serving the first, the runner key's
    agency and another, a community issue routed to the first agency, a
    meeting space and a grant scheme; rounds on demand."""

    def __init__(self, conn):
        self.conn = conn
        cur = conn.cursor()
        one = lambda sql, *args: (cur.execute(sql, args), cur.fetchone()[0])[1]  # noqa: E731
        tag = uuid.uuid4().hex[:10]
        v = {}
        v["programme"] = self.programme(tag)
        for i, n in enumerate(("neighbourhood", "neighbourhood2")):
            v[n] = one("INSERT INTO neighbourhood (code, name, population, priority, wave, programme_id)"
                       " VALUES (%s, %s, 6500, true, 1, %s) RETURNING id",
                       f"c-{tag}-{i}", f"Corpus {i}", v["programme"])
            ward = "ward" if i == 0 else "ward2"
            v[ward] = gss("E05")
            ward_id = one("INSERT INTO area (code, kind, name) VALUES (%s, 'ward', %s) RETURNING id",
                          v[ward], f"Ward {tag} {i}")
            cur.execute("INSERT INTO area_population (area_id, valid_from, population) VALUES (%s, '2020-01-01', 6500)",
                        (ward_id,))
            cur.execute("INSERT INTO neighbourhood_area VALUES (%s, %s)", (v[n], ward_id))
            if i == 0:
                v["lsoa"] = gss("E01")
                cur.execute("INSERT INTO area (code, kind, name, ward_id) VALUES (%s, 'lsoa', %s, %s)",
                            (v["lsoa"], f"LSOA {tag}", ward_id))
        cur.execute("SELECT agency_id FROM api_key WHERE prefix = %s", (ADMIN["key"][:12],))
        v["agency"] = str(cur.fetchone()[0])
        v["agency2"] = one("INSERT INTO agency (name) VALUES (%s) RETURNING id", f"corpus agency {tag}")
        v["issue"] = str(uuid.uuid4())
        cur.execute("INSERT INTO community_issue (id, neighbourhood_id, title, theme, priority, raised_on,"
                    " raised_via, body_sha256) VALUES (%s, %s, 'Corpus issue', 'housing', 'medium',"
                    " current_date - 30, 'listening_event', %s)",
                    (v["issue"], v["neighbourhood"], hashlib.sha256(v["issue"].encode()).digest()))
        cur.execute("INSERT INTO community_issue_agency VALUES (%s, %s, current_date - 29)", (v["issue"], v["agency"]))
        v["meetingSpace"] = str(uuid.uuid4())
        cur.execute("INSERT INTO meeting_space (id, name, cost, capacity, available_from)"
                    " VALUES (%s, 'Corpus hall', 'free', 40, '2020-01-01')", (v["meetingSpace"],))
        cur.execute("INSERT INTO meeting_space_neighbourhood VALUES (%s, %s)", (v["meetingSpace"], v["neighbourhood"]))
        v["grantScheme"] = str(uuid.uuid4())
        cur.execute("INSERT INTO grant_scheme (id, name, opens_on, budget_pence) VALUES (%s, 'Corpus seed-corn', '2020-01-01', 500000)",
                    (v["grantScheme"],))
        cur.execute("INSERT INTO grant_scheme_neighbourhood VALUES (%s, %s)", (v["grantScheme"], v["neighbourhood"]))
        self.values = {k: str(x) for k, x in v.items()}
        assert set(self.values) | self.FRESH | {"uuid"} == PLACEHOLDERS

    # Objects an example may change (complete a milestone, end a programme,
    # link two groups, end a link): made anew for each example that names them.
    FRESH = {"round:resident", "round:sector", "round:agency", "programme", "milestone",
             "organisation", "organisation2", "link"}

    def programme(self, tag=None):
        cur = self.conn.cursor()
        # Started on a fixed date before every date the examples name.
        cur.execute("INSERT INTO programme (name, locality, start_date) VALUES (%s, 'Corpus town',"
                    " '2025-01-01') RETURNING id",
                    (f"corpus {tag or uuid.uuid4().hex[:10]}",))
        return str(cur.fetchone()[0])

    def milestone(self, programme):
        cur = self.conn.cursor()
        cur.execute("INSERT INTO milestone (programme_id, code, stage, title, due_month)"
                    " VALUES (%s, 's1-baselines', 1, 'Baselines established', 6) RETURNING id", (programme,))
        return str(cur.fetchone()[0])

    def organisation(self):
        """An active community group with a contact, serving {{neighbourhood}}."""
        cur = self.conn.cursor()
        oid = str(uuid.uuid4())
        cur.execute("INSERT INTO organisation (id, name, kind, status, themes, income_band, volunteers, create_sha256)"
                    " VALUES (%s, %s, 'community_group', 'active', '{health}', 'under_5k', 5, %s)",
                    (oid, f"Corpus group {oid[:8]}", hashlib.sha256(oid.encode()).digest()))
        cur.execute("INSERT INTO organisation_version (organisation_id, version, document) VALUES (%s, 1, '{}')", (oid,))
        cur.execute("INSERT INTO organisation_neighbourhood VALUES (%s, %s)", (oid, self.values["neighbourhood"]))
        cur.execute("INSERT INTO organisation_contact (organisation_id, name) VALUES (%s, 'A contact')", (oid,))
        return oid

    def link(self, a, b):
        cur = self.conn.cursor()
        a, b = sorted((a, b))
        cur.execute("INSERT INTO organisation_link (org_a, org_b, kind, since) VALUES (%s, %s, 'networking',"
                    " '2024-01-01') RETURNING id", (a, b))
        return str(cur.fetchone()[0])

    def round(self, instrument):
        cur = self.conn.cursor()
        today = datetime.date.today()
        cur.execute("INSERT INTO survey_round (instrument, name, fieldwork_start, fieldwork_end, programme_id)"
                    " VALUES (%s, 'Corpus round', %s, %s, %s) RETURNING id",
                    (instrument, today - datetime.timedelta(days=30), today + datetime.timedelta(days=60),
                     self.values["programme"]))
        rid = str(cur.fetchone()[0])
        cur.execute("INSERT INTO survey_round_area (round_id, neighbourhood_id, instrument) VALUES (%s, %s, %s)",
                    (rid, self.values["neighbourhood"], instrument))
        return rid

    def resolver(self):
        """Resolves placeholders for one example: {{uuid}} new each time, a
        round made the first time the example names it."""
        made = {}

        def resolve(name):
            if name not in PLACEHOLDERS:
                raise KeyError(f"unknown placeholder {{{{{name}}}}}")
            if name == "uuid":
                return str(uuid.uuid4())
            if name not in self.FRESH:
                return self.values[name]
            if name not in made:
                if name.startswith("round:"):
                    made[name] = self.round(name.split(":", 1)[1])
                elif name == "programme":
                    made[name] = self.programme()
                elif name == "milestone":
                    made[name] = self.milestone(resolve("programme"))
                elif name in ("organisation", "organisation2"):
                    made[name] = self.organisation()
                else:  # link
                    made[name] = self.link(resolve("organisation"), resolve("organisation2"))
            return made[name]
        return resolve


@pytest.fixture(scope="module")
def world(api):
    conn = psycopg2.connect(PG)
    conn.autocommit = True
    yield World(conn)
    conn.close()


def examples(folder):
    for kind in KINDS:
        for path in sorted(glob.glob(os.path.join(CORPUS, folder, kind, "*.json"))):
            yield kind, path


def test_corpus_is_there_and_every_folder_has_both_kinds():
    assert "resident-response" in FOLDERS
    for folder in FOLDERS:
        assert os.path.exists(os.path.join(CORPUS, folder, "endpoint.json")), folder
        kinds = {k for k, _ in examples(folder)}
        assert {"valid", "invalid"} <= kinds, f"{folder}: needs valid/ and invalid/ examples"


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_example_agrees_with_both_validators(api, world, folder):
    with open(os.path.join(CORPUS, folder, "endpoint.json")) as f:
        endpoint = json.load(f)
    checker = Checker(os.path.join(SCHEMAS, endpoint["schema"]))
    answer_checker = Checker(os.path.join(SCHEMAS, endpoint["responseSchema"])) \
        if endpoint.get("responseSchema") else None
    disagreements = []
    count = 0
    for kind, path in examples(folder):
        count += 1
        name = os.path.relpath(path, CORPUS)
        resolve = world.resolver()
        with open(path) as f:
            body = substitute(json.load(f), resolve)
        url = api + PLACEHOLDER_IN.sub(lambda m: resolve(m.group(1)), endpoint["path"])
        schema_errors = checker.errors(body)
        if bool(schema_errors) != (kind == "invalid"):
            disagreements.append(f"{name}: jsonschema says {'invalid' if schema_errors else 'valid'}"
                                 + "".join("\n" + describe(e) for e in schema_errors))
        headers = {"Content-Type": endpoint.get("contentType", "application/json")}
        if endpoint.get("ifMatch"):
            got = requests.get(api + PLACEHOLDER_IN.sub(lambda m: resolve(m.group(1)), endpoint["getPath"]),
                               timeout=10)
            headers["If-Match"] = got.headers.get("ETag", "")
        r = requests.request(endpoint["method"], url, data=json.dumps(body), headers=headers, timeout=30)
        if kind == "valid":
            if not 200 <= r.status_code < 300:
                disagreements.append(f"{name}: the service answered {r.status_code}: {r.text[:300]}")
            elif answer_checker and answer_checker.errors(r.json()):
                disagreements.append(f"{name}: the answer does not match {endpoint['responseSchema']}: "
                                     f"{[e.message for e in answer_checker.errors(r.json())]}")
        else:
            problem = r.headers.get("Content-Type", "").startswith("application/problem+json")
            if r.status_code != 422 or not problem:
                disagreements.append(f"{name}: the service answered {r.status_code}, not a 422 problem: "
                                     f"{r.text[:300]}")
    assert count, f"{folder}: no examples"
    assert not disagreements, f"{folder}: {len(disagreements)} of {count} examples disagree:\n" + \
        "\n".join(disagreements)

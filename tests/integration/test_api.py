"""The HTTP contract: problems, validation against the schemas, idempotent
submission, body limits. Real HTTP on loopback against the real API and
PostgreSQL."""
import concurrent.futures
import glob
import json
import os
import socket
import sys
import uuid

import requests

from conftest import ROOT, new_neighbourhood, new_round

sys.path.insert(0, os.path.join(ROOT, "tests"))
from schema_check import Checker, substitute  # noqa: E402

SCHEMAS = os.path.join(ROOT, "schemas")
FIXTURES = os.path.join(ROOT, "tests", "corpus", "resident-response")


def schema(name):
    return Checker(os.path.join(SCHEMAS, name))


def assert_valid(name, instance):
    errors = schema(name).errors(instance)
    assert not errors, f"{name}: {[e.message for e in errors]} in {instance}"


def assert_problem(r, status, pointer=None):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert_valid("problem.json", body)
    assert body["status"] == status
    if pointer is not None:
        assert pointer in [e["pointer"] for e in body.get("errors", [])], body
    return body


def test_health_readiness_and_documents(api):
    assert requests.get(f"{api}/healthz", timeout=5).json() == {"status": "alive"}
    r = requests.get(f"{api}/readyz", timeout=5)
    assert r.status_code == 200
    assert_valid("readiness.json", r.json())
    assert r.json()["database"] == "up"
    doc = requests.get(f"{api}/openapi.json", timeout=5).json()
    assert doc["openapi"].startswith("3.1")
    assert requests.get(f"{api}/schemas/openapi.json", timeout=5).json() == doc
    # Every schema the served document references is served where it says.
    refs = set()
    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                refs.add(v) if k == "$ref" and not v.startswith("#") else walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(doc)
    assert refs and all(ref.startswith("/schemas/") for ref in refs)
    for ref in refs:
        assert requests.get(f"{api}{ref}", timeout=5).status_code == 200, ref
    assert requests.get(f"{api}/schemas/resident-response.json", timeout=5).json()["$id"] == "resident-response.json"
    assert_problem(requests.get(f"{api}/schemas/nope.json", timeout=5), 404)
    metrics = requests.get(f"{api}/metrics", timeout=5)
    assert metrics.headers["Content-Type"].startswith("text/plain")
    text = metrics.text
    assert 'cdm_http_requests_total{route="/healthz",method="GET",status="200"}' in text
    assert 'cdm_http_request_duration_seconds_bucket{route="/readyz",method="GET",le="+Inf"}' in text
    for series in ("cdm_db_pool_in_use", "cdm_db_pool_size", "cdm_outbox_backlog", "cdm_outbox_oldest_age_seconds",
                   "cdm_kafka_up", 'cdm_consumer_lag{group="cdm-indicators"', 'cdm_consumer_lag{group="cdm-delivery"', 'cdm_deliveries{state="dead"}', "cdm_dead_letters"):
        assert series in text, series


def test_unknown_route_is_a_problem(api):
    r = requests.get(f"{api}/v1/nothing-here", timeout=5)
    assert_problem(r, 404)
    assert r.headers.get("X-Request-Id")


def test_neighbourhood_create_read_list(api):
    n = new_neighbourhood(api, imdDecile=3)
    assert_valid("neighbourhood.json", n)
    got = requests.get(f"{api}/v1/neighbourhoods/{n['id']}", timeout=5)
    assert got.status_code == 200 and got.json() == n
    # The code is the client's key: the same body resent is a replay of the
    # first answer; a different body with a code in use is a conflict.
    body = {"code": n["code"], "name": n["name"], "population": 6500, "priority": True, "wave": 1, "imdDecile": 3}
    again = requests.post(f"{api}/v1/neighbourhoods", json=body, timeout=5)
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true", again.text
    assert again.json() == n
    assert_problem(requests.post(f"{api}/v1/neighbourhoods", json={**{k: n[k] for k in ("code", "name", "population", "wave")}}, timeout=5), 409, "/code")
    assert_problem(requests.get(f"{api}/v1/neighbourhoods/{uuid.uuid4()}", timeout=5), 404)
    assert_problem(requests.get(f"{api}/v1/neighbourhoods/not-a-uuid", timeout=5), 404)
    # Paging: every neighbourhood exactly once, in code order.
    for _ in range(3):
        new_neighbourhood(api)
    seen, after = [], None
    while True:
        page = requests.get(f"{api}/v1/neighbourhoods", params={"limit": 2, **({"after": after} if after else {})}, timeout=5)
        assert page.status_code == 200
        assert_valid("neighbourhood-list.json", page.json())
        seen += [x["code"] for x in page.json()["items"]]
        after = page.json()["next"]
        if not after:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) and n["code"] in seen
    assert_problem(requests.get(f"{api}/v1/neighbourhoods", params={"limit": 0}, timeout=5), 422, "/limit")


def test_bad_bodies_are_problems_and_change_nothing(api, db):
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM neighbourhood")
    before = cur.fetchone()[0]
    good = {"code": f"t-{uuid.uuid4().hex[:8]}", "name": "X", "population": 10, "wave": 1}
    assert_problem(requests.post(f"{api}/v1/neighbourhoods", data=json.dumps(good), headers={"Content-Type": "text/plain"}, timeout=5), 415)
    assert_problem(requests.post(f"{api}/v1/neighbourhoods", data="{\"code\": ", headers={"Content-Type": "application/json"}, timeout=5), 400)
    assert_problem(requests.post(f"{api}/v1/neighbourhoods", data='{"code":"a","code":"b"}', headers={"Content-Type": "application/json"}, timeout=5), 400)
    assert_problem(requests.post(f"{api}/v1/neighbourhoods", json={**good, "colour": "red"}, timeout=5), 422, "/colour")
    assert_problem(requests.post(f"{api}/v1/neighbourhoods", json={**good, "population": 0}, timeout=5), 422, "/population")
    assert_problem(requests.post(f"{api}/v1/neighbourhoods", json={**good, "code": "Bad Code"}, timeout=5), 422, "/code")
    cur.execute("SELECT count(*) FROM neighbourhood")
    assert cur.fetchone()[0] == before


def test_rounds_one_baseline_per_neighbourhood_and_instrument(api):
    a, b = new_neighbourhood(api), new_neighbourhood(api)
    r = new_round(api, [a["id"], b["id"]])
    assert_valid("round.json", r)
    assert r["status"] == "open" and all(x["baseline"] for x in r["neighbourhoods"])
    assert requests.get(f"{api}/v1/rounds/{r['id']}", timeout=5).json() == r
    second = {"instrument": "resident", "name": "again", "fieldworkStart": "2027-01-01", "fieldworkEnd": "2027-02-01",
              "neighbourhoods": [{"neighbourhoodId": b["id"], "baseline": True}]}
    assert_problem(requests.post(f"{api}/v1/rounds", json=second, timeout=5), 409, "/neighbourhoods/0/baseline")
    # A follow-up round of the same neighbourhood, and a sector baseline, are fine.
    new_round(api, [b["id"]], baseline=False)
    new_round(api, [b["id"]], baseline=True, instrument="sector")
    bad = dict(second, neighbourhoods=[{"neighbourhoodId": str(uuid.uuid4())}])
    assert_problem(requests.post(f"{api}/v1/rounds", json=bad, timeout=5), 422, "/neighbourhoods/0/neighbourhoodId")
    bad = dict(second, fieldworkStart="2027-03-01", neighbourhoods=[{"neighbourhoodId": a["id"]}])
    assert_problem(requests.post(f"{api}/v1/rounds", json=bad, timeout=5), 422, "/fieldworkEnd")
    bad = dict(second, fieldworkStart="2027-02-30")
    assert_problem(requests.post(f"{api}/v1/rounds", json=bad, timeout=5), 422, "/fieldworkStart")


def test_code_and_schema_agree_on_every_fixture(api):
    """The resident examples of the corpus (tests/corpus/resident-response;
    tests/integration/test_corpus.py runs every folder): each invalid one is
    refused by both validators at the pointer pointers.json names for it."""
    n = new_neighbourhood(api)
    checker = schema("resident-response.json")
    with open(os.path.join(FIXTURES, "pointers.json")) as f:
        pointers = json.load(f)
    invalid = sorted(glob.glob(os.path.join(FIXTURES, "invalid", "*.json")))
    assert len(invalid) >= 14 and {os.path.basename(p) for p in invalid} == set(pointers)
    for path in invalid:
        rnd = new_round(api, [n["id"]], baseline=False)  # weights are all-or-none per round
        values = {"uuid": lambda: str(uuid.uuid4()), "round:resident": lambda: rnd["id"],
                  "neighbourhood": lambda: n["id"]}
        with open(path) as f:
            body = substitute(json.load(f), lambda name: values[name]())
        assert checker.errors(body), f"{path}: the schema accepts it"
        r = requests.post(f"{api}/v1/responses", json=body, timeout=5)
        assert_problem(r, 422, pointers[os.path.basename(path)])


def test_response_refers_to_real_round_and_neighbourhood(api):
    a, b = new_neighbourhood(api), new_neighbourhood(api)
    rnd = new_round(api, [a["id"]])
    sector = new_round(api, [a["id"]], baseline=False, instrument="sector")
    answers = {"q01": "yes"}
    for round_id, area in ((str(uuid.uuid4()), a["id"]), (rnd["id"], b["id"]), (sector["id"], a["id"])):
        body = {"id": str(uuid.uuid4()), "roundId": round_id, "neighbourhoodId": area, "answers": answers}
        assert_problem(requests.post(f"{api}/v1/responses", json=body, timeout=5), 422, "/roundId")
    body = {"id": str(uuid.uuid4()), "roundId": rnd["id"], "neighbourhoodId": a["id"], "answers": answers, "weight": 1.0000001}
    assert_problem(requests.post(f"{api}/v1/responses", json=body, timeout=5), 422, "/weight")


def test_resubmission_is_idempotent(api, db):
    n = new_neighbourhood(api)
    rnd = new_round(api, [n["id"]])
    body = {"id": str(uuid.uuid4()), "roundId": rnd["id"], "neighbourhoodId": n["id"],
            "answers": {"q01": "yes", "q02": "no"}, "weight": 1.5}
    first = requests.post(f"{api}/v1/responses", json=body, timeout=5)
    assert first.status_code == 201 and first.headers["Location"] == f"/v1/responses/{body['id']}"
    # Same content, other key order and spacing: the same answer, not a second row.
    again = requests.post(f"{api}/v1/responses", data=json.dumps(dict(reversed(list(body.items()))), indent=2),
                          headers={"Content-Type": "application/json"}, timeout=5)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    changed = dict(body, answers={"q01": "no"})
    assert_problem(requests.post(f"{api}/v1/responses", json=changed, timeout=5), 409, "/id")
    cur = db.cursor()
    cur.execute("SELECT answers, weight::text FROM survey_response WHERE id = %s", (body["id"],))
    assert cur.fetchall() == [({"q01": "yes", "q02": "no"}, "1.500000")]
    cur.execute("SELECT count(*) FROM outbox WHERE payload::jsonb->'data'->>'responseId' = %s", (body["id"],))
    assert cur.fetchone()[0] == 1


def test_eight_concurrent_posts_of_one_id_give_one_201(api, db):
    n = new_neighbourhood(api)
    rnd = new_round(api, [n["id"]])
    for attempt in range(5):
        body = {"id": str(uuid.uuid4()), "roundId": rnd["id"], "neighbourhoodId": n["id"], "answers": {"q01": "yes"}}
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: requests.post(f"{api}/v1/responses", json=body, timeout=10), range(8)))
        codes = sorted(r.status_code for r in results)
        assert codes == [200] * 7 + [201], codes
        assert len({json.dumps(r.json(), sort_keys=True) for r in results}) == 1
        cur = db.cursor()
        cur.execute("SELECT count(*) FROM outbox WHERE payload::jsonb->'data'->>'responseId' = %s", (body["id"],))
        assert cur.fetchone()[0] == 1


def raw_post(api, head, body_chunks):
    host, port = api.replace("http://", "").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(head)
        try:
            for chunk in body_chunks:
                s.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before the body is all sent
        data = b""
        while b"\r\n\r\n" not in data:
            part = s.recv(65536)
            if not part:
                break
            data += part
    return int(data.split(b" ", 2)[1])


def test_oversized_bodies_are_refused_not_truncated(api, db):
    n = new_neighbourhood(api)
    rnd = new_round(api, [n["id"]])
    rid = str(uuid.uuid4())
    big = json.dumps({"id": rid, "roundId": rnd["id"], "neighbourhoodId": n["id"], "answers": {"q01": "yes"},
                      "padding": "x" * (2 * 1024 * 1024)})
    r = requests.post(f"{api}/v1/responses", data=big, headers={"Content-Type": "application/json"}, timeout=30)
    assert_problem(r, 413)
    # Chunked: no Content-Length to check, the cap catches it.
    def chunks():
        yield b"%x\r\n%s\r\n" % (len(big), big.encode())
        yield b"0\r\n\r\n"
    head = (b"POST /v1/responses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    assert raw_post(api, head, chunks()) == 413
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM survey_response WHERE id = %s", (rid,))
    assert cur.fetchone()[0] == 0


def test_hostile_input_gets_a_problem_never_a_200_or_500(api):
    n = new_neighbourhood(api)
    rnd = new_round(api, [n["id"]])
    body = {"id": str(uuid.uuid4()), "roundId": rnd["id"], "neighbourhoodId": n["id"], "answers": {"q01": "yes"}}
    # A long multibyte key: the message quoting it is cut, never mid-character.
    assert_problem(requests.post(f"{api}/v1/responses", json={**body, "€" * 150: 1}, timeout=5), 422)
    # Year 0000 is not a date for PostgreSQL, nor for the schema.
    bad = {"instrument": "resident", "name": "x", "fieldworkStart": "0000-01-01", "fieldworkEnd": "2027-01-01",
           "neighbourhoods": [{"neighbourhoodId": n["id"]}]}
    assert_problem(requests.post(f"{api}/v1/rounds", json=bad, timeout=5), 422, "/fieldworkStart")
    # Deeply nested JSON.
    deep = "[" * 5000 + "]" * 5000
    r = requests.post(f"{api}/v1/responses", data=deep, headers={"Content-Type": "application/json"}, timeout=5)
    assert r.status_code in (400, 422)
    assert_problem(r, r.status_code)

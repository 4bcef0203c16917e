"""Who may do what: every operation of the OpenAPI document × every scope ×
own and foreign neighbourhood. The operations come from the document, so a new
endpoint without a case here fails the test instead of going unchecked."""
import datetime
import json
import os
import time
import uuid

import pytest
import requests

import psycopg2

from conftest import PG, ROOT, new_neighbourhood, new_round, wait_until

SCOPES = ["submit", "registry", "read", "evaluator", "admin"]
with open(os.path.join(ROOT, "schemas", "openapi.json")) as f:
    OPENAPI = json.load(f)
OPERATIONS = {op["operationId"]: (method, path, op.get("x-cdm-scope"))
              for path, ops in OPENAPI["paths"].items() for method, op in ops.items()}


def bearer(key):
    return {"Authorization": f"Bearer {key}"} if key else {"Authorization": ""}


@pytest.fixture(scope="module")
def world(api):
    """Two neighbourhoods, A (the limited keys' own) and B (foreign), with a round and a response in B."""
    a, b = new_neighbourhood(api), new_neighbourhood(api)
    round_b = new_round(api, [b["id"]])
    agency = requests.post(f"{api}/v1/agencies", json={"name": f"agency {uuid.uuid4()}"}, timeout=5).json()

    def key(scopes, areas=None, **extra):
        spec = {"scopes": scopes, **({"neighbourhoods": areas} if areas else {"allNeighbourhoods": True}), **extra}
        r = requests.post(f"{api}/v1/agencies/{agency['id']}/keys", json=spec, timeout=5)
        assert r.status_code == 201, r.text
        return r.json()

    w = {"a": a, "b": b, "round_b": round_b, "agency": agency, "key": key}
    # instruments: a sector and an agency round in B, and a group serving B (made with SQL:
    # the registry's endpoints are another concern's)
    w["sector_round_b"] = new_round(api, [b["id"]], baseline=False, instrument="sector")
    w["agency_round_b"] = new_round(api, [b["id"]], baseline=False, instrument="agency")
    w["org_b"] = str(uuid.uuid4())
    conn = psycopg2.connect(PG)
    with conn, conn.cursor() as cur:
        cur.execute("INSERT INTO organisation (id, name, kind, status) VALUES (%s, 'Auth group', 'community_group', 'active')",
                    (w["org_b"],))
        cur.execute("INSERT INTO organisation_neighbourhood VALUES (%s, %s)", (w["org_b"], b["id"]))
    conn.close()
    w["reader"] = key(["read"])["key"]  # subscriptions belong to the world's agency
    w["new_sub"] = lambda channel="kafka": requests.post(
        f"{api}/v1/subscriptions", headers=bearer(w["reader"]), timeout=5,
        json={"channel": channel, "neighbourhoods": [b["id"]],
              **({"kafkaTopic": f"partner.{uuid.uuid4().hex[:8]}"} if channel == "kafka"
                 else {"webhookUrl": "https://partner.example/hook"})}).json()["id"]
    w["sub_b"] = w["new_sub"]()
    return w


def response_body(world):
    return {"id": str(uuid.uuid4()), "roundId": world["round_b"]["id"], "neighbourhoodId": world["b"]["id"],
            "answers": {"q01": "yes"}}


def build(op, api, world):
    """The request for each operation, touching neighbourhood B where it touches one,
    and what a key limited to A must get: an HTTP status, or "hidden" for a list."""
    b = world["b"]["id"]
    cases = {
        "healthz": ("GET", "/healthz", None, None),
        "readyz": ("GET", "/readyz", None, None),
        "metrics": ("GET", "/metrics", None, None),
        "openapi": ("GET", "/openapi.json", None, None),
        "getSchema": ("GET", "/schemas/round.json", None, None),
        "createNeighbourhood": ("POST", "/v1/neighbourhoods",
                                lambda: {"code": f"t-{uuid.uuid4().hex[:10]}", "name": "X", "population": 10, "wave": 1}, 403),
        "listNeighbourhoods": ("GET", "/v1/neighbourhoods?limit=1000", None, "hidden"),
        "getNeighbourhood": ("GET", f"/v1/neighbourhoods/{b}", None, 404),
        "getNeighbourhoodIndicators": ("GET", f"/v1/neighbourhoods/{b}/indicators", None, 404),
        "getIndicatorCatalogue": ("GET", "/v1/indicators/catalogue", None, 200),
        "createRound": ("POST", "/v1/rounds", lambda: {"instrument": "resident", "name": "R", "fieldworkStart": "2026-01-01",
                                                      "fieldworkEnd": "2026-02-01", "neighbourhoods": [{"neighbourhoodId": b}]}, 422),
        "getRound": ("GET", f"/v1/rounds/{world['round_b']['id']}", None, 404),
        "submitResidentResponse": ("POST", "/v1/responses", lambda: response_body(world), 422),
        "withdrawResponse": ("DELETE", None, None, 404),
        "createAgency": ("POST", "/v1/agencies", lambda: {"name": f"agency {uuid.uuid4()}"}, 403),
        "listAgencies": ("GET", "/v1/agencies", None, 403),
        "createKey": ("POST", f"/v1/agencies/{world['agency']['id']}/keys",
                      lambda: {"scopes": ["read"], "allNeighbourhoods": True}, 403),
        "revokeKey": ("DELETE", None, None, 403),
        "createSubscription": ("POST", "/v1/subscriptions", lambda: {"channel": "kafka", "kafkaTopic": "partner.auth",
                                                                   "neighbourhoods": [b]}, 422),
        "listSubscriptions": ("GET", "/v1/subscriptions", None, 200),
        "getSubscription": ("GET", f"/v1/subscriptions/{world['sub_b']}", None, 404),
        "deleteSubscription": ("DELETE", None, None, 404),
        "rotateSecret": ("POST", None, None, 404),
        "listDeadLetters": ("GET", f"/v1/subscriptions/{world['sub_b']}/dead-letters", None, 404),
        "redriveDeadLetters": ("POST", f"/v1/subscriptions/{world['sub_b']}/dead-letters/redrive", None, 404),
        "getEventFeed": ("GET", "/v1/events", None, 200),
        # instruments: sector responses, agency reports, batches, closing rounds, baselines
        "submitSectorResponse": ("POST", "/v1/sector-responses", lambda: {
            "id": str(uuid.uuid4()), "roundId": world["sector_round_b"]["id"], "organisationId": world["org_b"],
            "answers": {"q01": "fairly_successful"}}, 422),
        "submitAgencyReport": ("POST", "/v1/agency-reports", lambda: {
            "id": str(uuid.uuid4()), "roundId": world["agency_round_b"]["id"], "neighbourhoodId": b,
            "period": {"from": "2026-01-01", "to": "2026-03-31"}, "contactsWithGroups": 3,
            "servicesModified": {"count": 0}}, 422),
        # a batch answers 200 with a result per item; B's item is invalid for a key limited to A
        "submitResponseBatch": ("POST", "/v1/responses/batch",
                                lambda: {"instrument": "resident", "items": [response_body(world)]}, 200),
        "closeRound": ("POST", None, None, 404),
        "setBaseline": ("PUT", f"/v1/neighbourhoods/{b}/baselines/resident",
                        lambda: {"roundId": world["round_b"]["id"]}, 404),
    }
    assert op in cases, f"operation {op} of openapi.json has no authorisation case: add one"
    method, path, body, foreign = cases[op]
    if op == "withdrawResponse":  # a fresh response in B for each call
        rb = response_body(world)
        assert requests.post(f"{api}/v1/responses", json=rb, timeout=5).status_code == 201
        path = f"/v1/responses/{rb['id']}"
    if op == "closeRound":  # a fresh open round in B for each call
        path = f"/v1/rounds/{new_round(api, [b], baseline=False)['id']}/close"
    if op == "deleteSubscription":
        path = f"/v1/subscriptions/{world['new_sub']()}"
    if op == "rotateSecret":
        path = f"/v1/subscriptions/{world['new_sub']('webhook')}/rotate-secret"
    if op == "revokeKey":
        path = f"/v1/keys/{world['key'](['read'])['id']}"
    return method, path, body() if body else None, foreign


def call(api, method, path, body, key):
    return requests.request(method, f"{api}{path}", json=body, headers=bearer(key), timeout=10)


def test_every_operation_has_a_case_and_a_scope_rule(api, world):
    for op, (method, path, scope) in OPERATIONS.items():
        build(op, api, world)
        assert scope in SCOPES + [None]
        if path.startswith("/v1/"):
            assert scope, f"{op} is under /v1 but names no scope"


@pytest.mark.parametrize("op", sorted(OPERATIONS))
def test_scope_matrix(api, world, op):
    _, _, needed = OPERATIONS[op]
    if needed is None:  # public
        method, path, body, _ = build(op, api, world)
        assert call(api, method, path, body, None).status_code == 200
        return
    keys = {s: world["key"]([s])["key"] for s in SCOPES}
    method, path, body, _ = build(op, api, world)
    r = call(api, method, path, body, None)
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("application/problem+json")
    for scope, key in keys.items():
        method, path, body, _ = build(op, api, world)
        r = call(api, method, path, body, key)
        if scope == needed:
            assert r.status_code in (200, 201), f"{op} with {scope}: {r.status_code} {r.text}"
        else:
            assert r.status_code == 403, f"{op} with {scope}: {r.status_code} {r.text}"


@pytest.mark.parametrize("op", sorted(o for o, (_, _, s) in OPERATIONS.items() if s))
def test_foreign_neighbourhood_is_not_there(api, world, op):
    _, _, needed = OPERATIONS[op]
    own = world["key"]([needed], [world["a"]["id"]])["key"]
    method, path, body, foreign = build(op, api, world)
    r = call(api, method, path, body, own)
    if foreign == "hidden":
        assert r.status_code == 200
        ids = [n["id"] for n in r.json()["items"]]
        assert world["a"]["id"] in ids and world["b"]["id"] not in ids
    else:
        assert r.status_code == foreign, f"{op}: {r.status_code} {r.text}"


def test_bad_keys_are_401(api, world):
    good = world["key"](["read"])
    assert call(api, "GET", "/v1/indicators/catalogue", None, good["key"]).status_code == 200
    forged = good["key"][:-4] + ("AAAA" if not good["key"].endswith("AAAA") else "BBBB")
    for key in ("nonsense", "cdm_00000000_" + "A" * 43, forged):
        r = call(api, "GET", "/v1/indicators/catalogue", None, key)
        assert r.status_code == 401 and r.headers.get("WWW-Authenticate") == "Bearer", key
    assert requests.delete(f"{api}/v1/keys/{good['id']}", timeout=5).json()["revokedAt"]
    assert call(api, "GET", "/v1/indicators/catalogue", None, good["key"]).status_code == 401
    past = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)).isoformat()
    expired = world["key"](["read"], expiresAt=past)
    assert call(api, "GET", "/v1/indicators/catalogue", None, expired["key"]).status_code == 401


def test_keys_are_shown_once_and_stored_hashed(api, world, db):
    k = world["key"](["read"])
    listed = requests.get(f"{api}/v1/agencies", timeout=5).json()["items"]
    mine = [x for a in listed for x in a["keys"] if x["id"] == k["id"]]
    assert mine and "key" not in mine[0] and mine[0]["prefix"] == k["key"][:12]
    cur = db.cursor()
    cur.execute("SELECT encode(key_sha256, 'hex') FROM api_key WHERE id = %s", (k["id"],))
    import hashlib
    assert cur.fetchone()[0] == hashlib.sha256(k["key"].encode()).hexdigest()
    assert len(k["key"]) == 56  # 256 random bits in 43 base64url characters, after the prefix


def test_too_many_requests_is_429_with_retry_after(api, world):
    slow = world["key"](["read"], ratePerSecond=1)["key"]
    codes = [call(api, "GET", "/v1/indicators/catalogue", None, slow) for _ in range(5)]
    limited = [r for r in codes if r.status_code == 429]
    assert limited, [r.status_code for r in codes]
    assert int(limited[0].headers["Retry-After"]) >= 1
    wait_until("the bucket to refill", lambda: call(api, "GET", "/v1/indicators/catalogue", None, slow).status_code == 200,
               timeout=int(limited[0].headers["Retry-After"]) + 5, interval=0.5)

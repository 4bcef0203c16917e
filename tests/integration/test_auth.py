"""Who may do what: every operation of the OpenAPI document × every scope ×
own and foreign neighbourhood. The operations come from the document, so a new
endpoint without a case here fails the test instead of going unchecked."""
import datetime
import json
import os
import uuid

import pytest
import requests

import psycopg2

from conftest import ADMIN, PG, ROOT, new_neighbourhood, new_round, wait_until

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
    made = []

    def new_sub(channel="kafka"):
        made.append(requests.post(
            f"{api}/v1/subscriptions", headers=bearer(w["reader"]), timeout=5,
            json={"channel": channel, "neighbourhoods": [b["id"]],
                  **({"kafkaTopic": topic(w)} if channel == "kafka"
                     else {"webhookUrl": "https://partner.example/hook"})}).json()["id"])
        return made[-1]
    w["new_sub"] = new_sub
    w["sub_b"] = w["new_sub"]()
    yield w
    # Webhooks to a host that does not resolve would keep the delivery worker retrying every
    # later event of B (registry and asset changes announce dated indicators) for the rest
    # of the run: end them.
    for sub in made:
        requests.delete(f"{api}/v1/subscriptions/{sub}", headers=bearer(w["reader"]), timeout=5)


def topic(world):
    """A fresh Kafka topic in the world agency's namespace (CDM_PARTNER_TOPIC_PREFIX is the default)."""
    return f"partner.{world['agency']['slug']}.{uuid.uuid4().hex[:8]}"


KPI_SEQUENCE = iter(range(10**6))


def kpi_body():
    """A target on an (indicator, month) not used before in this run, so that no call
    meets a live target of the same indicator and month (a 409)."""
    indicators = ["active_in_community", "volunteering", "regular_volunteering", "gives_help",
                  "receives_help", "isolated", "neighbours_look_out", "belonging", "health_benefit",
                  "recognises_improvements", "can_influence_decisions", "together_can_influence"]
    i = next(KPI_SEQUENCE)
    return {"id": str(uuid.uuid4()), "indicator": indicators[i % len(indicators)], "target": 0.5,
            "dueMonth": 1 + (i // len(indicators)) % 60}


def response_body(world):
    return {"id": str(uuid.uuid4()), "roundId": world["round_b"]["id"], "neighbourhoodId": world["b"]["id"],
            "answers": {"q01": "yes"}}


# Headers an operation's request needs besides the key (If-Match of a fresh
# record), by path; call() takes them once.
EXTRA_HEADERS = {}


# The registry of community groups: fresh organisations, updates and links in B.
def registry_org(api, world, fresh=False):
    if fresh or "registry_org_b" not in world:
        body = {"id": str(uuid.uuid4()), "name": "Auth group", "kind": "community_group", "status": "active",
                "neighbourhoodIds": [world["b"]["id"]]}
        r = requests.post(f"{api}/v1/organisations", json=body, timeout=5)
        assert r.status_code == 201, r.text
        if fresh:
            return r.json()
        world["registry_org_b"] = r.json()
    return world["registry_org_b"]


def registry_activity():
    return {"id": str(uuid.uuid4()), "kind": "activity", "occurredOn": "2025-01-01", "sessions": 1}


def registry_link(api, world):
    a, b = registry_org(api, world, True), registry_org(api, world, True)
    r = requests.post(f"{api}/v1/organisations/{a['id']}/links", json={"organisationId": b["id"], "kind": "networking",
                                                                       "since": "2025-01-01"}, timeout=5)
    assert r.status_code == 201, r.text
    return r.json()

# Community issues and agency responses, assets, evidence: neighbourhood B's
# records, made once per module by the session's admin key; PUT and DELETE
# cases get a fresh record each call, and PUT sends its If-Match.
IF_MATCH = {}  # path -> the ETag an edit needs


def community_bodies(world):
    b, agency = world["b"]["id"], world["agency"]["id"]
    new = lambda: str(uuid.uuid4())
    return {
        "issue": lambda: {"id": new(), "neighbourhoodId": b, "title": "Issue", "theme": "health", "priority": "low",
                          "raisedOn": "2025-01-01", "raisedVia": "survey",
                          "agencies": [{"agencyId": agency, "routedOn": "2025-01-01"}]},
        "issueEdit": lambda: {"title": "Issue", "theme": "health", "priority": "high", "raisedVia": "survey",
                              "status": "open"},
        "response": lambda: {"id": new(), "kind": "acknowledged", "respondedOn": "2025-01-02"},
        "space": lambda: {"id": new(), "name": "Hall", "cost": "free", "availableFrom": "2025-01-01",
                          "neighbourhoodIds": [b]},
        "grant": lambda: {"id": new(), "name": "Seed corn", "opensOn": "2025-01-01", "neighbourhoodIds": [b]},
        "cd": lambda: {"id": new(), "neighbourhoodId": b, "month": "2025-01", "hours": 2},
        "evidence": lambda: {"id": new(), "kind": "case_study", "neighbourhoodId": b, "title": "Case",
                             "summary": "What changed", "collectedOn": "2025-01-01"},
    }


def supplier(world):
    """A key of the world's agency with every scope: what a withdrawal case
    withdraws is that agency's own (only the supplier or an admin may)."""
    if "supplier" not in world:
        world["supplier"] = bearer(world["key"](SCOPES)["key"])
    return world["supplier"]


def community_made(api, path, body, headers=None):
    r = requests.post(f"{api}{path}", json=body, headers=headers or {}, timeout=10)
    assert r.status_code == 201, r.text
    return body["id"]


def community_world(api, world):
    if "community" not in world:
        f = community_bodies(world)
        world["community"] = {
            "bodies": f, "issue": community_made(api, "/v1/community-issues", f["issue"]()),
            "space": community_made(api, "/v1/meeting-spaces", f["space"]()),
            "grant": community_made(api, "/v1/grant-schemes", f["grant"]()),
            "cd": community_made(api, "/v1/cd-input", f["cd"]()),
            "evidence": community_made(api, "/v1/evidence", f["evidence"]())}
    return world["community"]


def hides(record_id):
    """A list check: the record in neighbourhood B is not among the items."""
    return lambda page: record_id not in {i["id"] for i in page["items"]}


def community_cases(api, world):
    c = community_world(api, world)
    f = c["bodies"]
    return {
        "createCommunityIssue": ("POST", "/v1/community-issues", f["issue"], 422),
        "listCommunityIssues": ("GET", "/v1/community-issues?limit=500", None, hides(c["issue"])),
        "getCommunityIssue": ("GET", f"/v1/community-issues/{c['issue']}", None, 404),
        "updateCommunityIssue": ("PUT", ("/v1/community-issues", "issue"), f["issueEdit"], 404),
        "createIssueResponse": ("POST", f"/v1/community-issues/{c['issue']}/responses", f["response"], 404),
        "listIssueResponses": ("GET", f"/v1/community-issues/{c['issue']}/responses", None, 404),
        "createMeetingSpace": ("POST", "/v1/meeting-spaces", f["space"], 422),
        "listMeetingSpaces": ("GET", "/v1/meeting-spaces?limit=500", None, hides(c["space"])),
        "getMeetingSpace": ("GET", f"/v1/meeting-spaces/{c['space']}", None, 404),
        "updateMeetingSpace": ("PUT", ("/v1/meeting-spaces", "space"),
                               lambda: {k: v for k, v in f["space"]().items() if k != "id"}, 404),
        "createGrantScheme": ("POST", "/v1/grant-schemes", f["grant"], 422),
        "listGrantSchemes": ("GET", "/v1/grant-schemes?limit=500", None, hides(c["grant"])),
        "getGrantScheme": ("GET", f"/v1/grant-schemes/{c['grant']}", None, 404),
        "updateGrantScheme": ("PUT", ("/v1/grant-schemes", "grant"),
                              lambda: {k: v for k, v in f["grant"]().items() if k != "id"}, 404),
        "createCdInput": ("POST", "/v1/cd-input", f["cd"], 422),
        "listCdInput": ("GET", "/v1/cd-input?limit=500", None, hides(c["cd"])),
        "withdrawCdInput": ("DELETE", ("/v1/cd-input", "cd"), None, 404),
        "createEvidence": ("POST", "/v1/evidence", f["evidence"], 422),
        "listEvidence": ("GET", "/v1/evidence?limit=500", None, hides(c["evidence"])),
        "getEvidence": ("GET", f"/v1/evidence/{c['evidence']}", None, 404),
        "withdrawEvidence": ("DELETE", ("/v1/evidence", "evidence"), None, 404),
    }


def community_fresh(api, world, method, path):
    """A (collection, kind) path becomes a fresh record of B's, with If-Match for a PUT."""
    collection, kind = path
    rid = community_made(api, collection, world["community"]["bodies"][kind](),
                         supplier(world) if method == "DELETE" else None)
    path = f"{collection}/{rid}"
    if method == "PUT":
        IF_MATCH[path] = '"1"'
    return path


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
        "getIndicatorSeries": ("GET", f"/v1/neighbourhoods/{b}/indicators/active_in_community", None, 404),
        "createRound": ("POST", "/v1/rounds", lambda: {"instrument": "resident", "name": "R", "fieldworkStart": "2026-01-01",
                                                      "fieldworkEnd": "2026-02-01", "neighbourhoods": [{"neighbourhoodId": b}]}, 422),
        "getRound": ("GET", f"/v1/rounds/{world['round_b']['id']}", None, 404),
        "listRounds": ("GET", "/v1/rounds?limit=500", None,
                       lambda page: world["round_b"]["id"] not in [x["id"] for x in page["items"]]),
        "submitResidentResponse": ("POST", "/v1/responses", lambda: response_body(world), 422),
        "withdrawResponse": ("DELETE", None, None, 404),
        "createAgency": ("POST", "/v1/agencies", lambda: {"name": f"agency {uuid.uuid4()}"}, 403),
        "listAgencies": ("GET", "/v1/agencies", None, 403),
        "createKey": ("POST", f"/v1/agencies/{world['agency']['id']}/keys",
                      lambda: {"scopes": ["read"], "allNeighbourhoods": True}, 403),
        "revokeKey": ("DELETE", None, None, 403),
        "createSubscription": ("POST", "/v1/subscriptions", lambda: {"channel": "kafka", "kafkaTopic": topic(world),
                                                                   "neighbourhoods": [b]}, 422),
        "listSubscriptions": ("GET", "/v1/subscriptions", None, 200),
        "getSubscription": ("GET", f"/v1/subscriptions/{world['sub_b']}", None, 404),
        "deleteSubscription": ("DELETE", None, None, 404),
        "rotateSecret": ("POST", None, None, 404),
        "listDeadLetters": ("GET", f"/v1/subscriptions/{world['sub_b']}/dead-letters", None, 404),
        "redriveDeadLetters": ("POST", f"/v1/subscriptions/{world['sub_b']}/dead-letters/redrive", None, 404),
        "getEventFeed": ("GET", "/v1/events", None, 200),
        # The audit trail: an agency admin who is not the operator reads its own agency's rows only.
        "listAudit": ("GET", "/v1/audit?limit=1000", None,
                      lambda page: all(world["agency"]["id"] in (i["agencyId"], i["ownerAgencyId"])
                                       for i in page["items"])),
        # KPI targets: B's (B belongs to the geography block's programme).
        "createKpiTarget": ("POST", f"/v1/neighbourhoods/{b}/kpis", kpi_body, 404),
        "listKpiTargets": ("GET", f"/v1/neighbourhoods/{b}/kpis", None, 404),
        "withdrawKpiTarget": ("DELETE", None, None, 404),
        # Geography and the programme: areas and programmes are locality-level
        # (every read key sees them; only locality-wide admin keys change them),
        # a programme's neighbourhoods are limited to the key's.
        "createArea": ("POST", "/v1/areas", lambda: geo_area_body(), 403),
        "listAreas": ("GET", "/v1/areas", None, 200),
        "getArea": ("GET", f"/v1/areas/{geo_world(api, world)['ward']}", None, 200),
        "addPopulation": ("POST", f"/v1/areas/{geo_world(api, world)['ward']}/populations",
                          lambda: {"population": 6000, "validFrom": "2024-06-30"}, 403),
        "importAreas": ("POST", "/v1/areas/import", lambda: RawBody("text/csv", geo_csv()), 403),
        "createProgramme": ("POST", "/v1/programmes",
                            lambda: {"name": "P", "locality": "L", "startDate": "2024-01-01"}, 403),
        "listProgrammes": ("GET", "/v1/programmes", None, 200),
        "getProgramme": ("GET", f"/v1/programmes/{geo_world(api, world)['programme']}", None, 200),
        "listProgrammeNeighbourhoods": ("GET", f"/v1/programmes/{geo_world(api, world)['programme']}/neighbourhoods?limit=1000",
                                        None, "hidden"),
        "listMilestones": ("GET", f"/v1/programmes/{geo_world(api, world)['programme']}/milestones", None, 200),
        "getMilestone": ("GET", f"/v1/milestones/{geo_world(api, world)['milestone']}", None, 200),
        "endProgramme": ("POST", None, lambda: {"afterStage": 1, "endedOn": "2024-06-30", "reason": "test"}, 403),
        "completeMilestone": ("POST", None, lambda: {"completedOn": "2024-06-30", "evidence": {"note": "test"}}, 403),
        # The registry of community groups
        "createOrganisation": ("POST", "/v1/organisations",
                               lambda: {"id": str(uuid.uuid4()), "name": "G", "kind": "overlap", "status": "forming",
                                        "neighbourhoodIds": [b]}, 422),
        "listOrganisations": ("GET", "/v1/organisations", None, 200),
        "getOrganisation": ("GET", None, None, 404),
        "replaceOrganisation": ("PUT", None, lambda: {"name": "G2", "kind": "overlap", "status": "active",
                                                      "neighbourhoodIds": [b]}, 404),
        "getOrganisationHistory": ("GET", None, None, 404),
        "createOrganisationUpdate": ("POST", None, registry_activity, 404),
        "listOrganisationUpdates": ("GET", None, None, 404),
        "withdrawOrganisationUpdate": ("DELETE", None, None, 404),
        "createOrganisationLink": ("POST", None, None, 404),
        "listOrganisationLinks": ("GET", None, None, 404),
        "endOrganisationLink": ("POST", None, lambda: {"endedOn": "2025-02-01"}, 404),
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
    cases.update(community_cases(api, world))  # community issues, assets, evidence
    # cells: ward and locality figures (a key limited to A gets 404 for the
    # locality, as for an object outside its area)
    cases.update({
        "getNeighbourhoodWardIndicators": ("GET", f"/v1/neighbourhoods/{b}/wards/indicators", None, 404),
        "getLocalityIndicators": ("GET", "/v1/locality/indicators", None, 404),
    })
    assert op in cases, f"operation {op} of openapi.json has no authorisation case: add one"
    method, path, body, foreign = cases[op]
    if isinstance(path, tuple):  # community issues, assets, evidence: a fresh record
        path = community_fresh(api, world, method, path)
    if op == "withdrawResponse":  # a fresh response in B for each call
        rb = response_body(world)
        assert requests.post(f"{api}/v1/responses", json=rb, headers=supplier(world), timeout=5).status_code == 201
        path = f"/v1/responses/{rb['id']}"
    if op == "closeRound":  # a fresh open round in B for each call
        path = f"/v1/rounds/{new_round(api, [b], baseline=False)['id']}/close"
    if op == "deleteSubscription":
        path = f"/v1/subscriptions/{world['new_sub']()}"
    if op == "rotateSecret":
        path = f"/v1/subscriptions/{world['new_sub']('webhook')}/rotate-secret"
    if op in ("createKpiTarget", "listKpiTargets", "withdrawKpiTarget"):
        geo_world(api, world)  # puts A and B in a programme
    if op == "withdrawKpiTarget":  # a fresh target in B for each call
        k = kpi_body()
        assert requests.post(f"{api}/v1/neighbourhoods/{b}/kpis", json=k, timeout=5).status_code == 201
        path = f"/v1/kpis/{k['id']}"
    if op == "revokeKey":
        path = f"/v1/keys/{world['key'](['read'])['id']}"
    if op in ("endProgramme", "completeMilestone"):  # a fresh programme each call: both change it once
        pid = requests.post(f"{api}/v1/programmes", json={"name": "P", "locality": "L", "startDate": "2024-01-01"},
                            timeout=10).json()["id"]
        if op == "endProgramme":
            path = f"/v1/programmes/{pid}/end"
        else:
            mid = requests.get(f"{api}/v1/programmes/{pid}/milestones?limit=1", timeout=5).json()["items"][0]["id"]
            path = f"/v1/milestones/{mid}/completion"
        IF_MATCH[path] = '"1"'
    if op in ("getOrganisation", "getOrganisationHistory", "createOrganisationUpdate", "listOrganisationUpdates",
              "listOrganisationLinks"):
        tail = {"getOrganisation": "", "getOrganisationHistory": "/history", "listOrganisationLinks": "/links"}
        path = f"/v1/organisations/{registry_org(api, world)['id']}{tail.get(op, '/updates')}"
    if op == "replaceOrganisation":
        path = f"/v1/organisations/{registry_org(api, world, True)['id']}"
        EXTRA_HEADERS[path] = {"If-Match": '"1"'}
    if op == "withdrawOrganisationUpdate":
        u = registry_activity()
        assert requests.post(f"{api}/v1/organisations/{registry_org(api, world)['id']}/updates", json=u,
                             headers=supplier(world), timeout=5).status_code == 201
        path = f"/v1/organisation-updates/{u['id']}"
    if op == "createOrganisationLink":
        path = f"/v1/organisations/{registry_org(api, world, True)['id']}/links"
        body = lambda: {"organisationId": registry_org(api, world, True)["id"], "kind": "cooperation",
                        "since": "2025-01-01"}
    if op == "endOrganisationLink":
        path = f"/v1/organisation-links/{registry_link(api, world)['id']}/end"
    return method, path, body() if body else None, foreign


class RawBody:
    """A body that is not JSON, with its media type."""

    def __init__(self, content_type, data):
        self.content_type, self.data = content_type, data




def call(api, method, path, body, key):
    headers = {**bearer(key), **EXTRA_HEADERS.get(path, {})}
    if path in IF_MATCH:
        headers["If-Match"] = IF_MATCH[path]
    if isinstance(body, RawBody):
        return requests.request(method, f"{api}{path}", data=body.data,
                                headers={**headers, "Content-Type": body.content_type}, timeout=10)
    return requests.request(method, f"{api}{path}", json=body, headers=headers, timeout=10)


# Geography and the programme: what the cases above need, made once per module.
def geo_world(api, world):
    if "geo" not in world:
        ward = geo_area_body()
        assert requests.post(f"{api}/v1/areas", json=ward, timeout=5).status_code == 201
        pid = requests.post(f"{api}/v1/programmes", json={"name": "P", "locality": "L", "startDate": "2024-01-01"},
                            timeout=10).json()["id"]
        import psycopg2
        from conftest import PG
        conn = psycopg2.connect(PG)
        conn.autocommit = True
        conn.cursor().execute("UPDATE neighbourhood SET programme_id = %s WHERE id IN (%s, %s)",
                              (pid, world["a"]["id"], world["b"]["id"]))
        conn.close()
        mid = requests.get(f"{api}/v1/programmes/{pid}/milestones?limit=1", timeout=5).json()["items"][0]["id"]
        world["geo"] = {"ward": ward["code"], "programme": pid, "milestone": mid}
    return world["geo"]


def geo_code(prefix):
    return f"{prefix}{uuid.uuid4().int % 10**6:06d}"


def geo_area_body():
    return {"code": geo_code("E05"), "kind": "ward", "name": "Auth ward", "population": 6000, "validFrom": "2022-06-30"}


def geo_csv():
    return (f"code,kind,name,ward_code,population,valid_from\n{geo_code('E05')},ward,Auth ward,,6000,2022-06-30\n").encode()


def test_every_operation_has_a_case_and_a_scope_rule(api, world):
    for op, (method, path, scope) in OPERATIONS.items():
        build(op, api, world)
        assert scope in SCOPES + [None] or (isinstance(scope, list) and set(scope) <= set(SCOPES))
        if path.startswith("/v1/"):
            assert scope, f"{op} is under /v1 but names no scope"


# Operations only the operator's key may call: any other admin key gets 403
# however whole-locality it is (the matrix's admin key is the world agency's admin).
OPERATOR_ONLY = {"createAgency"}


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
        if op in OPERATOR_ONLY and scope == needed:
            assert r.status_code == 403, f"{op} with an agency's {scope}: {r.status_code} {r.text}"
            method, path, body, _ = build(op, api, world)
            r = call(api, method, path, body, ADMIN["key"])
            assert r.status_code in (200, 201), f"{op} with the operator's key: {r.status_code} {r.text}"
        elif scope == needed or (isinstance(needed, list) and scope in needed):  # a list: any of them
            assert r.status_code in (200, 201), f"{op} with {scope}: {r.status_code} {r.text}"
        else:
            assert r.status_code == 403, f"{op} with {scope}: {r.status_code} {r.text}"


@pytest.mark.parametrize("op", sorted(o for o, (_, _, s) in OPERATIONS.items() if s))
def test_foreign_neighbourhood_is_not_there(api, world, op):
    _, _, needed = OPERATIONS[op]
    own = world["key"](needed if isinstance(needed, list) else [needed], [world["a"]["id"]])["key"]
    method, path, body, foreign = build(op, api, world)
    r = call(api, method, path, body, own)
    if callable(foreign):  # a list: the foreign record is not among the items
        assert r.status_code == 200 and foreign(r.json()), f"{op}: {r.status_code} {r.text}"
    elif foreign == "hidden":
        assert r.status_code == 200
        ids = [n["id"] for n in r.json()["items"]]
        assert world["a"]["id"] in ids and world["b"]["id"] not in ids
    else:
        assert r.status_code == foreign, f"{op}: {r.status_code} {r.text}"


# Roles: what the operator's key and another agency's admin key (admin and read,
# the whole locality) get on the world agency's objects, per operation of the
# build() cases above. Another agency's objects look absent to an agency's admin
# (404), as objects outside a key's neighbourhoods do; what only the operator
# may do is 403. The operator manages agencies and keys and reads every
# subscription, but changes no other agency's subscription or secret.
def sees(key):
    return lambda world, page: any(i["id"] == world[key] for i in page["items"])


def hides_of(key):
    return lambda world, page: all(i["id"] != world[key] for i in page["items"])


def agencies_seen(world, page):
    return world["agency"]["id"] in {a["id"] for a in page["items"]}


def only_own_agency(world, page):
    return [a["id"] for a in page["items"]] == [world["other_agency"]["id"]]


ROLES = {  # op: (the operator gets, another agency's admin gets)
    "createAgency": (201, 403),
    "listAgencies": (agencies_seen, only_own_agency),
    "createKey": (201, 403),               # a key for the world agency
    "revokeKey": (200, 404),               # a key of the world agency
    "createSubscription": (422, 422),      # a topic in the world agency's namespace
    "listSubscriptions": (sees("sub_b"), hides_of("sub_b")),
    "getSubscription": (200, 404),
    "listDeadLetters": (200, 404),
    "deleteSubscription": (404, 404),
    "rotateSecret": (404, 404),            # a secret would forge the world agency's webhooks
    "redriveDeadLetters": (404, 404),
}


@pytest.fixture(scope="module")
def other_admin(api, world):
    """A whole-locality admin key of another agency, minted by the operator."""
    world["other_agency"] = requests.post(f"{api}/v1/agencies", json={"name": f"other {uuid.uuid4()}"},
                                          timeout=5).json()
    r = requests.post(f"{api}/v1/agencies/{world['other_agency']['id']}/keys", timeout=5,
                      json={"scopes": ["admin", "read"], "allNeighbourhoods": True})
    assert r.status_code == 201 and r.json()["operator"] is False, r.text
    return r.json()["key"]


@pytest.mark.parametrize("op", sorted(ROLES))
@pytest.mark.parametrize("role", ["operator", "agency admin"])
def test_role_matrix(api, world, other_admin, op, role):
    key = ADMIN["key"] if role == "operator" else other_admin
    expected = ROLES[op][0 if role == "operator" else 1]
    method, path, body, _ = build(op, api, world)
    r = call(api, method, path, body, key)
    if callable(expected):
        assert r.status_code == 200 and expected(world, r.json()), f"{op} by the {role}: {r.status_code} {r.text}"
    else:
        assert r.status_code == expected, f"{op} by the {role}: {r.status_code} {r.text}"
        assert r.status_code < 400 or r.headers["Content-Type"].startswith("application/problem+json")


def test_every_agency_operation_has_a_role_case():
    agency_ops = {op for op, (_, path, _) in OPERATIONS.items()
                  if path.startswith(("/v1/agencies", "/v1/keys", "/v1/subscriptions"))}
    assert agency_ops <= set(ROLES), f"no role case for {sorted(agency_ops - set(ROLES))}"


def test_an_agency_admin_manages_its_own_agency(api, world, other_admin):
    own = world["other_agency"]["id"]
    r = call(api, "POST", f"/v1/agencies/{own}/keys", {"scopes": ["read"], "allNeighbourhoods": True}, other_admin)
    assert r.status_code == 201 and r.json()["agencyId"] == own, r.text
    minted = r.json()
    listed = call(api, "GET", "/v1/agencies", None, other_admin).json()["items"]
    assert minted["id"] in {k["id"] for k in listed[0]["keys"]}
    assert call(api, "DELETE", f"/v1/keys/{minted['id']}", None, other_admin).status_code == 200
    # The operator flag is the command line's alone: the API refuses the member.
    r = call(api, "POST", f"/v1/agencies/{own}/keys",
             {"scopes": ["admin"], "allNeighbourhoods": True, "operator": True}, ADMIN["key"])
    assert r.status_code == 422, r.text


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

"""The registry of community groups through the API: organisations (client ids,
derived flags, contacts only for the registry scope, If-Match, history),
updates, links, their record.* events in the outbox, lists and pages."""
import concurrent.futures
import json
import os
import sys
import uuid

import pytest
import requests

from conftest import ROOT, new_neighbourhood

sys.path.insert(0, os.path.join(ROOT, "tests"))
from schema_check import Checker  # noqa: E402

SCHEMAS = os.path.join(ROOT, "schemas")


def valid(name, instance):
    errors = Checker(os.path.join(SCHEMAS, name)).errors(instance)
    assert not errors, f"{name}: {[e.message for e in errors]} in {instance}"


def problem(r, status, pointer=None):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    if pointer is not None:
        assert pointer in [e["pointer"] for e in r.json().get("errors", [])], r.json()
    return r.json()


def org_body(areas, **over):
    body = {"id": str(uuid.uuid4()), "name": "Friends of Elm Park", "kind": "community_group", "status": "active",
            "foundedOn": "2019-04-01", "neighbourhoodIds": areas, "themes": ["environment", "health"],
            "incomeBand": "under_5k", "volunteers": 12, "fteStaff": 0.5, "openToResidents": True, "isHub": False,
            "onlineOnly": False, "description": "Looks after the park and runs a walking group.",
            "contact": {"name": "Ann Example", "role": "secretary", "email": "ann@example.org", "phone": "01632 960001"}}
    body.update(over)
    return body


def create(api, areas, **over):
    body = org_body(areas, **over)
    r = requests.post(f"{api}/v1/organisations", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def replace_body(org, **over):
    """What a client sends back after a GET: the document without what the API derives."""
    body = {k: v for k, v in org.items() if k not in ("id", "version", "hasDesignatedContact", "countsAsCommunityGroup",
                                                       "communitySector", "provenance", "createdAt")}
    body.update(over)
    return body


def put(api, org_id, body, etag):
    headers = {"If-Match": etag} if etag is not None else {}
    return requests.put(f"{api}/v1/organisations/{org_id}", json=body, headers=headers, timeout=10)


def events(db, record_id):
    cur = db.cursor()
    cur.execute("SELECT payload FROM outbox WHERE msg_key = %s ORDER BY seq", (record_id,))
    return [json.loads(p) for (p,) in cur.fetchall()]


@pytest.fixture(scope="module")
def agency(api):
    return requests.post(f"{api}/v1/agencies", json={"name": f"registry {uuid.uuid4()}"}, timeout=5).json()


@pytest.fixture(scope="module")
def key(api, agency):
    def make(scopes, areas=None):
        spec = {"scopes": scopes, **({"neighbourhoods": areas} if areas else {"allNeighbourhoods": True})}
        r = requests.post(f"{api}/v1/agencies/{agency['id']}/keys", json=spec, timeout=5)
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['key']}"}
    return make


def test_create_derives_flags_and_commits_with_its_event(api, db):
    n = new_neighbourhood(api)
    body = org_body([n["id"]])
    r = requests.post(f"{api}/v1/organisations", json=body, timeout=10)
    assert r.status_code == 201, r.text
    org = r.json()
    valid("organisation.json", org)
    assert r.headers["ETag"] == '"1"' and r.headers["Location"] == f"/v1/organisations/{body['id']}"
    assert org["version"] == 1 and org["neighbourhoodIds"] == [n["id"]] and org["fteStaff"] == 0.5
    assert org["countsAsCommunityGroup"] is True and org["communitySector"] is True
    assert org["hasDesignatedContact"] is True and org["contact"]["email"] == "ann@example.org"
    assert org["provenance"]["keyId"] and org["provenance"]["evaluator"] is True  # the test key has every scope
    got = requests.get(f"{api}/v1/organisations/{body['id']}", timeout=5)
    assert got.status_code == 200 and got.headers["ETag"] == '"1"' and got.json() == org
    [ev] = events(db, body["id"])
    assert ev["type"] == "record.created" and ev["data"]["entity"] == "organisation"
    assert ev["data"]["neighbourhoodIds"] == [n["id"]] and ev["data"]["version"] == 1
    cur = db.cursor()
    cur.execute("SELECT version, contact_changed, document::text FROM organisation_version WHERE organisation_id = %s",
                (body["id"],))
    [(version, contact_changed, document)] = cur.fetchall()
    assert version == 1 and contact_changed and "ann@example.org" not in document and "Ann Example" not in document


@pytest.mark.parametrize("over, counts, sector", [
    ({"contact": None}, False, True),
    ({"openToResidents": False}, False, True),
    ({"incomeBand": "10k_100k"}, True, False),
    ({"incomeBand": "none"}, True, True),
    ({"incomeBand": None}, True, None),
])
def test_derived_flags(api, over, counts, sector):
    n = new_neighbourhood(api)
    org = create(api, [n["id"]], **over)
    assert org["countsAsCommunityGroup"] is counts and org["communitySector"] is sector


def test_resend_replays_and_a_different_body_conflicts(api, db):
    n = new_neighbourhood(api)
    body = org_body([n["id"]])
    first = requests.post(f"{api}/v1/organisations", json=body, timeout=10)
    assert first.status_code == 201
    again = requests.post(f"{api}/v1/organisations", json=body, timeout=10)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    problem(requests.post(f"{api}/v1/organisations", json={**body, "name": "Other"}, timeout=10), 409, "/id")
    assert len(events(db, body["id"])) == 1


def test_concurrent_identical_creates_make_one(api, db):
    n = new_neighbourhood(api)
    body = org_body([n["id"]])
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: requests.post(f"{api}/v1/organisations", json=body, timeout=20).status_code,
                              range(8)))
    assert sorted(codes) == [200] * 7 + [201], codes
    assert len(events(db, body["id"])) == 1


def test_validation_stores_nothing(api, db):
    n = new_neighbourhood(api)
    cases = [
        ({k: v for k, v in org_body([n["id"]]).items() if k != "name"}, "/name"),
        (org_body([n["id"]], kind="club"), "/kind"),
        (org_body([]), "/neighbourhoodIds"),
        (org_body([str(uuid.uuid4())]), "/neighbourhoodIds/0"),
        (org_body([n["id"], n["id"].upper()]), "/neighbourhoodIds/1"),
        (org_body([n["id"]], closedOn="2020-01-01"), "/closedOn"),
        (org_body([n["id"]], status="closed", closedOn="2018-01-01"), "/closedOn"),
        (org_body([n["id"]], themes=["health", "health"]), "/themes"),
        (org_body([n["id"]], contact={"name": "A", "email": "not an address"}), "/contact"),
        (org_body([n["id"]], volunteers=-1), "/volunteers"),
        (org_body([n["id"]], extra=1), ""),
    ]
    cur = db.cursor()
    for body, pointer in cases:
        r = requests.post(f"{api}/v1/organisations", json=body, timeout=10)
        p = problem(r, 422)
        assert any(e["pointer"].startswith(pointer) for e in p["errors"]), (pointer, p)
        cur.execute("SELECT count(*) FROM organisation WHERE id = %s", (body["id"],))
        assert cur.fetchone()[0] == 0


def test_contact_only_for_the_registry_scope(api, stack, key, db):
    n = new_neighbourhood(api)
    org = create(api, [n["id"]])
    reader = key(["read"])
    got = requests.get(f"{api}/v1/organisations/{org['id']}", headers=reader, timeout=5)
    assert got.status_code == 200
    assert "contact" not in got.json() and got.json()["hasDesignatedContact"] is True
    assert got.json()["countsAsCommunityGroup"] is True
    listed = requests.get(f"{api}/v1/organisations?neighbourhood={n['id']}", headers=reader, timeout=5).json()
    assert listed["items"] and all("contact" not in o for o in listed["items"])
    both = key(["read", "registry"])
    assert requests.get(f"{api}/v1/organisations/{org['id']}", headers=both, timeout=5).json()["contact"]["name"] == "Ann Example"
    listed = requests.get(f"{api}/v1/organisations?neighbourhood={n['id']}", headers=both, timeout=5).json()
    assert listed["items"][0]["contact"]["email"] == "ann@example.org"
    history = requests.get(f"{api}/v1/organisations/{org['id']}/history", headers=both, timeout=5).json()
    assert "ann@example.org" not in json.dumps(history) and "contact" not in history["items"][0]["document"]
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM outbox WHERE payload LIKE '%%ann@example.org%%' OR payload LIKE '%%Ann Example%%'")
    assert cur.fetchone()[0] == 0
    assert "ann@example.org" not in stack.services["api"].log()


def test_put_needs_if_match_and_keeps_history(api, db):
    n, m = new_neighbourhood(api), new_neighbourhood(api)
    org = create(api, [n["id"]])
    body = replace_body(org, status="dormant", neighbourhoodIds=[n["id"], m["id"]], volunteers=3)
    problem(put(api, org["id"], body, None), 428)
    problem(put(api, org["id"], body, '"7"'), 412)
    problem(put(api, org["id"], body, "*"), 428)
    r = put(api, org["id"], body, '"1"')
    assert r.status_code == 200, r.text
    valid("organisation.json", r.json())
    assert r.headers["ETag"] == '"2"' and r.json()["version"] == 2 and r.json()["status"] == "dormant"
    assert sorted(r.json()["neighbourhoodIds"]) == sorted([n["id"], m["id"]])
    problem(put(api, org["id"], body, '"1"'), 412)  # the version read is gone
    # The contact goes when left out; the history says it changed, not what it was.
    r = put(api, org["id"], replace_body(r.json(), contact=None), '"2"')
    assert r.status_code == 200 and r.json()["hasDesignatedContact"] is False
    assert r.json()["countsAsCommunityGroup"] is False
    history = requests.get(f"{api}/v1/organisations/{org['id']}/history", timeout=5).json()
    valid("organisation-history.json", history)
    assert [(h["version"], h["contactChanged"]) for h in history["items"]] == [(1, True), (2, False), (3, True)]
    assert history["items"][1]["document"]["status"] == "dormant"
    assert all(h["provenance"]["keyId"] and h["provenance"]["at"] for h in history["items"])
    updates = requests.get(f"{api}/v1/organisations/{org['id']}/updates?kind=status_change", timeout=5).json()
    [u] = updates["items"]
    assert (u["statusFrom"], u["statusTo"]) == ("active", "dormant")
    evs = events(db, org["id"])
    assert [(e["type"], e["data"]["version"]) for e in evs] == [("record.created", 1), ("record.updated", 2),
                                                                 ("record.updated", 3)]
    assert sorted(evs[1]["data"]["neighbourhoodIds"]) == sorted([n["id"], m["id"]])
    assert len(events(db, u["id"])) == 1
    # Validation of a replacement: the id belongs in the path; a closure needs its status.
    problem(put(api, org["id"], {**body, "id": org["id"]}, '"3"'), 422)
    problem(put(api, org["id"], {**body, "closedOn": "2024-01-01"}, '"3"'), 422, "/closedOn")


def test_concurrent_puts_with_one_etag_one_wins(api):
    n = new_neighbourhood(api)
    org = create(api, [n["id"]])

    def attempt(i):
        return put(api, org["id"], replace_body(org, volunteers=100 + i), '"1"').status_code
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(attempt, range(8)))
    assert sorted(codes) == [200] + [412] * 7, codes
    history = requests.get(f"{api}/v1/organisations/{org['id']}/history", timeout=5).json()
    assert [h["version"] for h in history["items"]] == [1, 2]


def test_organisation_serving_no_neighbourhood_is_seen_by_a_whole_locality_key(api, db, key):
    a = new_neighbourhood(api)
    org = create(api, [a["id"]])
    db.cursor().execute("DELETE FROM organisation_neighbourhood WHERE organisation_id = %s", (org["id"],))
    r = requests.get(f"{api}/v1/organisations/{org['id']}", timeout=5)
    assert r.status_code == 200 and r.json()["neighbourhoodIds"] == [], r.text
    assert requests.get(f"{api}/v1/organisations/{org['id']}/updates", timeout=5).status_code == 200
    assert requests.get(f"{api}/v1/organisations/{org['id']}", headers=key(["read"]), timeout=5).status_code == 200
    # A key for some neighbourhoods only: not one of them.
    problem(requests.get(f"{api}/v1/organisations/{org['id']}", headers=key(["read"], [a["id"]]), timeout=5), 404)


def test_foreign_neighbourhood_is_not_there(api, key):
    a, b = new_neighbourhood(api), new_neighbourhood(api)
    theirs = create(api, [b["id"]])
    mine = create(api, [a["id"]])
    limited = key(["read", "registry"], [a["id"]])
    problem(requests.get(f"{api}/v1/organisations/{theirs['id']}", headers=limited, timeout=5), 404)
    problem(requests.get(f"{api}/v1/organisations/{theirs['id']}/history", headers=limited, timeout=5), 404)
    problem(requests.get(f"{api}/v1/organisations/{theirs['id']}/updates", headers=limited, timeout=5), 404)
    problem(requests.put(f"{api}/v1/organisations/{theirs['id']}", json=replace_body(theirs),
                         headers={**limited, "If-Match": '"1"'}, timeout=5), 404)
    r = requests.post(f"{api}/v1/organisations", json=org_body([b["id"]]), headers=limited, timeout=5)
    problem(r, 422, "/neighbourhoodIds/0")
    ids = [o["id"] for o in requests.get(f"{api}/v1/organisations?limit=500", headers=limited, timeout=5).json()["items"]]
    assert mine["id"] in ids and theirs["id"] not in ids
    # A link to an organisation the key cannot see names no organisation.
    r = requests.post(f"{api}/v1/organisations/{mine['id']}/links", headers=limited, timeout=5,
                      json={"organisationId": theirs["id"], "kind": "networking", "since": "2024-01-01"})
    problem(r, 422, "/organisationId")
    # Serving both, the limited key may keep B but not drop it.
    both = create(api, [a["id"], b["id"]])
    r = requests.put(f"{api}/v1/organisations/{both['id']}", json=replace_body(both, name="Renamed"),
                     headers={**limited, "If-Match": '"1"'}, timeout=5)
    assert r.status_code == 200, r.text
    r = requests.put(f"{api}/v1/organisations/{both['id']}", json=replace_body(both, neighbourhoodIds=[a["id"]]),
                     headers={**limited, "If-Match": '"2"'}, timeout=5)
    problem(r, 422, "/neighbourhoodIds")


def test_list_filters_and_pages(api):
    n = new_neighbourhood(api)
    names = ["alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot", "golf"]
    made = {}
    for i, name in enumerate(names):
        made[name] = create(api, [n["id"]], name=name, kind="overlap" if i % 2 else "community_group",
                            status="forming" if i == 3 else "active", themes=["sport"] if i < 2 else ["arts"])
    seen, cursor, pages = [], None, 0
    while True:
        r = requests.get(f"{api}/v1/organisations", params={"neighbourhood": n["id"], "limit": 3,
                                                            **({"cursor": cursor} if cursor else {})}, timeout=5)
        assert r.status_code == 200, r.text
        valid("organisation-list.json", r.json())
        seen += [o["name"] for o in r.json()["items"]]
        pages += 1
        cursor = r.json()["next"]
        if not cursor:
            break
    assert seen == names and pages == 3
    q = lambda **p: [o["name"] for o in requests.get(f"{api}/v1/organisations", params={"neighbourhood": n["id"], **p},
                                                     timeout=5).json()["items"]]
    assert q(status="forming") == ["Delta"]
    assert q(kind="overlap") == ["Bravo", "Delta", "Foxtrot"]
    assert q(theme="sport") == ["alpha", "Bravo"]
    assert q(theme="sport", kind="overlap") == ["Bravo"]
    problem(requests.get(f"{api}/v1/organisations?status=asleep", timeout=5), 422, "/status")
    problem(requests.get(f"{api}/v1/organisations?theme=knitting", timeout=5), 422, "/theme")
    problem(requests.get(f"{api}/v1/organisations?cursor=bm9wZQ", timeout=5), 422, "/cursor")
    problem(requests.get(f"{api}/v1/organisations?limit=0", timeout=5), 422, "/limit")


def test_updates_append_replay_and_withdraw(api, db):
    n = new_neighbourhood(api)
    org = create(api, [n["id"]])
    url = f"{api}/v1/organisations/{org['id']}/updates"
    activity = {"id": str(uuid.uuid4()), "kind": "activity", "occurredOn": "2025-03-01", "sessions": 4,
                "attendance": 60, "volunteerHours": 22.5}
    r = requests.post(url, json=activity, timeout=5)
    assert r.status_code == 201, r.text
    valid("organisation-update-entry.json", r.json())
    assert r.json()["volunteerHours"] == 22.5 and r.json()["withdrawn"] is False
    again = requests.post(url, json=activity, timeout=5)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true" and again.json() == r.json()
    problem(requests.post(url, json={**activity, "sessions": 5}, timeout=5), 409, "/id")
    support = {"id": str(uuid.uuid4()), "kind": "support_received", "occurredOn": "2025-02-01",
               "supportKind": "grant", "amountPence": 50000, "description": "Seed-corn grant"}
    assert requests.post(url, json=support, timeout=5).status_code == 201
    for bad, pointer in [({**activity, "id": str(uuid.uuid4()), "status": "active"}, "/status"),
                         ({"id": str(uuid.uuid4()), "kind": "achievement", "occurredOn": "2025-01-01"}, ""),
                         ({"id": str(uuid.uuid4()), "kind": "activity", "occurredOn": "2025-01-01"}, ""),
                         ({**support, "id": str(uuid.uuid4()), "supportKind": "cake"}, "/supportKind")]:
        p = problem(requests.post(url, json=bad, timeout=5), 422)
        assert any(e["pointer"].startswith(pointer) for e in p["errors"]), p
    page1 = requests.get(url, params={"limit": 1}, timeout=5).json()
    valid("organisation-update-list.json", page1)
    assert [u["kind"] for u in page1["items"]] == ["support_received"] and page1["next"]
    page2 = requests.get(url, params={"limit": 1, "cursor": page1["next"]}, timeout=5).json()
    assert [u["id"] for u in page2["items"]] == [activity["id"]] and page2["next"] is None
    assert [u["id"] for u in requests.get(url, params={"kind": "activity"}, timeout=5).json()["items"]] == [activity["id"]]
    problem(requests.get(url, params={"kind": "gossip"}, timeout=5), 422, "/kind")
    # Withdrawal: kept, marked, one event; again changes nothing.
    w = requests.delete(f"{api}/v1/organisation-updates/{activity['id']}", timeout=5)
    assert w.status_code == 200 and w.json()["withdrawn"] is True and w.json()["withdrawnAt"]
    assert requests.delete(f"{api}/v1/organisation-updates/{activity['id']}", timeout=5).status_code == 200
    assert [e["type"] for e in events(db, activity["id"])] == ["record.created", "record.withdrawn"]
    assert events(db, activity["id"])[1]["data"]["neighbourhoodIds"] == [n["id"]]
    problem(requests.delete(f"{api}/v1/organisation-updates/{uuid.uuid4()}", timeout=5), 404)
    problem(requests.post(f"{api}/v1/organisations/{uuid.uuid4()}/updates", json=support, timeout=5), 404)


def test_update_withdrawn_only_by_its_agency_or_an_admin(api, db):
    n = new_neighbourhood(api)
    org = create(api, [n["id"]])
    keys = []
    for _ in range(2):
        a = requests.post(f"{api}/v1/agencies", json={"name": f"registry {uuid.uuid4()}"}, timeout=5).json()
        r = requests.post(f"{api}/v1/agencies/{a['id']}/keys", timeout=5,
                          json={"scopes": ["registry", "read"], "neighbourhoods": [n["id"]]})
        keys.append({"Authorization": f"Bearer {r.json()['key']}"})
    mine, theirs = keys
    url = f"{api}/v1/organisations/{org['id']}/updates"
    made = []
    for _ in range(2):
        body = {"id": str(uuid.uuid4()), "kind": "activity", "occurredOn": "2025-03-01", "sessions": 1}
        assert requests.post(url, json=body, headers=mine, timeout=5).status_code == 201
        made.append(body["id"])
    first, orphan = made
    p = problem(requests.delete(f"{api}/v1/organisation-updates/{first}", headers=theirs, timeout=5), 404)
    assert p["detail"] == "no such update"
    assert requests.delete(f"{api}/v1/organisation-updates/{first}", headers=mine, timeout=5).status_code == 200
    # Withdrawn: still absent to the other agency, not a 200 "withdrawn".
    problem(requests.delete(f"{api}/v1/organisation-updates/{first}", headers=theirs, timeout=5), 404)
    db.cursor().execute("UPDATE organisation_update SET supplied_by_agency = NULL WHERE id = %s", (orphan,))
    problem(requests.delete(f"{api}/v1/organisation-updates/{orphan}", headers=mine, timeout=5), 404)
    assert requests.delete(f"{api}/v1/organisation-updates/{orphan}", timeout=5).status_code == 200


def test_status_change_update_edits_the_organisation(api, db):
    n = new_neighbourhood(api)
    org = create(api, [n["id"]])
    url = f"{api}/v1/organisations/{org['id']}/updates"
    change = {"id": str(uuid.uuid4()), "kind": "status_change", "occurredOn": "2025-06-30", "status": "closed",
              "description": "Wound up at the AGM"}
    problem(requests.post(url, json=change, timeout=5), 428)
    problem(requests.post(url, json=change, headers={"If-Match": '"9"'}, timeout=5), 412)
    problem(requests.post(url, json={**change, "status": "active"}, headers={"If-Match": '"1"'}, timeout=5), 422, "/status")
    r = requests.post(url, json=change, headers={"If-Match": '"1"'}, timeout=5)
    assert r.status_code == 201, r.text
    assert (r.json()["statusFrom"], r.json()["statusTo"]) == ("active", "closed")
    # A resend is recognised even though its ETag is now stale.
    again = requests.post(url, json=change, headers={"If-Match": '"1"'}, timeout=5)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    got = requests.get(f"{api}/v1/organisations/{org['id']}", timeout=5)
    assert got.headers["ETag"] == '"2"' and got.json()["status"] == "closed" and got.json()["closedOn"] == "2025-06-30"
    problem(requests.delete(f"{api}/v1/organisation-updates/{change['id']}", timeout=5), 409)
    assert [e["type"] for e in events(db, org["id"])] == ["record.created", "record.updated"]
    assert [e["type"] for e in events(db, change["id"])] == ["record.created"]
    history = requests.get(f"{api}/v1/organisations/{org['id']}/history", timeout=5).json()
    assert [h["document"]["status"] for h in history["items"]] == ["active", "closed"]
    # Re-forming clears the closure date.
    reform = {"id": str(uuid.uuid4()), "kind": "status_change", "occurredOn": "2025-09-01", "status": "forming"}
    assert requests.post(url, json=reform, headers={"If-Match": '"2"'}, timeout=5).status_code == 201
    assert requests.get(f"{api}/v1/organisations/{org['id']}", timeout=5).json()["closedOn"] is None


def test_links_are_undirected_and_kept(api, db):
    n, m = new_neighbourhood(api), new_neighbourhood(api)
    a, b = create(api, [n["id"]]), create(api, [m["id"]])
    r = requests.post(f"{api}/v1/organisations/{a['id']}/links", timeout=5,
                      json={"organisationId": b["id"], "kind": "cooperation", "since": "2024-05-01"})
    assert r.status_code == 201, r.text
    link = r.json()
    valid("organisation-link.json", link)
    assert link["organisationIds"] == sorted([a["id"], b["id"]]) and link["live"] is True
    problem(requests.post(f"{api}/v1/organisations/{b['id']}/links", timeout=5,
                          json={"organisationId": a["id"], "kind": "cooperation", "since": "2024-06-01"}), 409)
    # The same link resent (from either side) is recognised: 200, the link as it is, no second event.
    again = requests.post(f"{api}/v1/organisations/{b['id']}/links", timeout=5,
                          json={"organisationId": a["id"], "kind": "cooperation", "since": "2024-05-01"})
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true", again.text
    assert again.json() == link
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM outbox WHERE msg_key = %s", (link["id"],))
    assert cur.fetchone()[0] == 1
    assert requests.post(f"{api}/v1/organisations/{b['id']}/links", timeout=5,
                         json={"organisationId": a["id"], "kind": "networking", "since": "2024-06-01"}).status_code == 201
    problem(requests.post(f"{api}/v1/organisations/{a['id']}/links", timeout=5,
                          json={"organisationId": a["id"], "kind": "networking", "since": "2024-06-01"}), 422, "/organisationId")
    problem(requests.post(f"{api}/v1/organisations/{a['id']}/links", timeout=5,
                          json={"organisationId": str(uuid.uuid4()), "kind": "networking", "since": "2024-06-01"}), 422, "/organisationId")
    problem(requests.post(f"{api}/v1/organisations/{a['id']}/links", timeout=5,
                          json={"organisationId": b["id"], "kind": "friendship", "since": "2024-06-01"}), 422, "/kind")
    for side in (a, b):
        listed = requests.get(f"{api}/v1/organisations/{side['id']}/links", timeout=5).json()
        valid("organisation-link-list.json", listed)
        assert [x["kind"] for x in listed["items"]] == ["cooperation", "networking"]
    page = requests.get(f"{api}/v1/organisations/{a['id']}/links?limit=1", timeout=5).json()
    assert len(page["items"]) == 1 and page["next"]
    rest = requests.get(f"{api}/v1/organisations/{a['id']}/links", params={"limit": 1, "cursor": page["next"]}, timeout=5).json()
    assert rest["items"][0]["kind"] == "networking" and rest["next"] is None
    end = f"{api}/v1/organisation-links/{link['id']}/end"
    problem(requests.post(end, json={"endedOn": "2020-01-01"}, timeout=5), 422, "/endedOn")
    r = requests.post(end, json={"endedOn": "2025-01-31"}, timeout=5)
    assert r.status_code == 200 and r.json()["endedOn"] == "2025-01-31" and r.json()["live"] is False
    problem(requests.post(end, json={"endedOn": "2025-02-01"}, timeout=5), 409)
    problem(requests.post(f"{api}/v1/organisation-links/{uuid.uuid4()}/end", json={"endedOn": "2025-02-01"}, timeout=5), 404)
    # Ended, so a new live link of that kind may start; the old one stays.
    assert requests.post(f"{api}/v1/organisations/{a['id']}/links", timeout=5,
                         json={"organisationId": b["id"], "kind": "cooperation", "since": "2025-03-01"}).status_code == 201
    listed = requests.get(f"{api}/v1/organisations/{a['id']}/links", timeout=5).json()["items"]
    assert [(x["kind"], x["live"]) for x in listed] == [("cooperation", False), ("networking", True), ("cooperation", True)]
    evs = events(db, link["id"])
    assert [(e["type"], e["data"]["version"]) for e in evs] == [("record.created", 1), ("record.updated", 2)]
    assert sorted(evs[0]["data"]["neighbourhoodIds"]) == sorted([n["id"], m["id"]])
    assert evs[0]["data"]["entity"] == "organisation_link"

"""Assets (meeting spaces, grant schemes, community development input) and
evidence (case studies, key-informant testimonies): every record keeps who
supplied it and when, and every change commits with its record.* event."""
import concurrent.futures
import uuid

import requests

from community_helpers import count, day, events, new_agency, new_key, new_organisation, pages
from conftest import new_neighbourhood


def space_body(neighbourhoods, **over):
    body = {"id": str(uuid.uuid4()), "name": f"Hall {uuid.uuid4().hex[:6]}", "cost": "free", "capacity": 60,
            "availableFrom": day(-100), "neighbourhoodIds": neighbourhoods}
    body.update(over)
    return body


def grant_body(neighbourhoods, **over):
    body = {"id": str(uuid.uuid4()), "name": f"Seed corn {uuid.uuid4().hex[:6]}", "opensOn": day(-30),
            "closesOn": day(30), "budgetPence": 500000, "maxAwardPence": 50000, "neighbourhoodIds": neighbourhoods}
    body.update(over)
    return body


def post(api, path, body, headers=None):
    return requests.post(f"{api}{path}", json=body, headers=headers or {}, timeout=10)


# ------------------------------------------------------------------ meeting spaces

def test_meeting_space_lifecycle(api, db):
    n1, n2 = new_neighbourhood(api)["id"], new_neighbourhood(api)["id"]
    body = space_body([n1, n2], availableTo=day(100))
    r = post(api, "/v1/meeting-spaces", body)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"/v1/meeting-spaces/{body['id']}" and r.headers["ETag"] == '"1"'
    s = r.json()
    assert sorted(s["neighbourhoodIds"]) == sorted([n1, n2]) and s["availableOn"] == {"date": day(0), "available": True}
    assert s["provenance"]["evaluator"] is True
    url = f"{api}/v1/meeting-spaces/{body['id']}"
    assert requests.get(f"{url}?on={day(101)}", timeout=10).json()["availableOn"]["available"] is False
    again = post(api, "/v1/meeting-spaces", body)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert post(api, "/v1/meeting-spaces", {**body, "cost": "low"}).status_code == 409

    edit = {k: v for k, v in body.items() if k != "id"}
    edit.update(cost="low", neighbourhoodIds=[n2])
    assert requests.put(url, json=edit, timeout=10).status_code == 428
    assert requests.put(url, json=edit, headers={"If-Match": '"2"'}, timeout=10).status_code == 412
    r = requests.put(url, json=edit, headers={"If-Match": '"1"'}, timeout=10)
    assert r.status_code == 200 and r.headers["ETag"] == '"2"' and r.json()["cost"] == "low"
    assert r.json()["neighbourhoodIds"] == [n2]
    assert requests.put(url, json=edit, headers={"If-Match": '"1"'}, timeout=10).status_code == 412
    evs = events(db, body["id"])
    assert [(e["type"], e["data"]["entity"]) for e in evs] == [("record.created", "meeting_space"),
                                                               ("record.updated", "meeting_space")]
    assert sorted(evs[0]["data"]["neighbourhoodIds"]) == sorted([n1, n2])
    assert sorted(evs[1]["data"]["neighbourhoodIds"]) == sorted([n1, n2])  # n1 lost it: it moves too


def test_meeting_space_validation_stores_nothing(api, db):
    n = new_neighbourhood(api)["id"]
    cases = [({"availableTo": day(-101)}, "/availableTo"),
             ({"neighbourhoodIds": [n, str(uuid.uuid4())]}, "/neighbourhoodIds/1"),
             ({"neighbourhoodIds": []}, "/neighbourhoodIds"),
             ({"cost": "cheap"}, "/cost"),
             ({"capacity": 0}, "/capacity"),
             ({"availableFrom": "yesterday"}, "/availableFrom")]
    for over, pointer in cases:
        body = space_body([n], **over)
        r = post(api, "/v1/meeting-spaces", body)
        assert r.status_code == 422 and pointer in [e["pointer"] for e in r.json()["errors"]], (over, r.text)
        assert count(db, "meeting_space", body["id"]) == 0


def test_concurrent_identical_space_creates_make_one(api, db):
    body = space_body([new_neighbourhood(api)["id"]])
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        codes = sorted(r.status_code for r in pool.map(lambda _: post(api, "/v1/meeting-spaces", body), range(6)))
    assert codes == [200] * 5 + [201], codes
    assert count(db, "meeting_space", body["id"]) == 1 and len(events(db, body["id"])) == 1


def test_meeting_space_visibility_and_limited_edits(api):
    mine, foreign = new_neighbourhood(api)["id"], new_neighbourhood(api)["id"]
    agency = new_agency(api)
    limited = new_key(api, agency, ["read", "registry"], [mine])
    theirs = space_body([foreign])
    shared = space_body([mine, foreign])
    for b in (theirs, shared):
        assert post(api, "/v1/meeting-spaces", b).status_code == 201
    assert requests.get(f"{api}/v1/meeting-spaces/{theirs['id']}", headers=limited, timeout=10).status_code == 404
    edit = {k: v for k, v in theirs.items() if k != "id"}
    r = requests.put(f"{api}/v1/meeting-spaces/{theirs['id']}", json={**edit, "neighbourhoodIds": [mine]},
                     headers={**limited, "If-Match": '"1"'}, timeout=10)
    assert r.status_code == 404
    got = requests.get(f"{api}/v1/meeting-spaces/{shared['id']}", headers=limited, timeout=10).json()
    assert got["neighbourhoodIds"] == [mine]  # only what the key may see
    # Editing the shared space keeps the neighbourhood the key cannot see.
    edit = {k: v for k, v in shared.items() if k != "id"}
    r = requests.put(f"{api}/v1/meeting-spaces/{shared['id']}", json={**edit, "name": "Renamed", "neighbourhoodIds": [mine]},
                     headers={**limited, "If-Match": '"1"'}, timeout=10)
    assert r.status_code == 200, r.text
    full = requests.get(f"{api}/v1/meeting-spaces/{shared['id']}", timeout=10).json()
    assert sorted(full["neighbourhoodIds"]) == sorted([mine, foreign]) and full["name"] == "Renamed"
    r = post(api, "/v1/meeting-spaces", space_body([foreign]), limited)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/neighbourhoodIds/0"
    listed = requests.get(f"{api}/v1/meeting-spaces?limit=500", headers=limited, timeout=10).json()["items"]
    ids = {s["id"] for s in listed}
    assert shared["id"] in ids and theirs["id"] not in ids


def test_assets_linked_to_no_neighbourhood_are_seen_by_a_whole_locality_key(api, db):
    n = new_neighbourhood(api)["id"]
    limited = new_key(api, new_agency(api), ["read", "registry"], [n])
    whole = new_key(api, new_agency(api), ["read", "registry"])
    for path, body, link, fk in (("/v1/meeting-spaces", space_body([n]), "meeting_space_neighbourhood",
                                  "meeting_space_id"),
                                 ("/v1/grant-schemes", grant_body([n]), "grant_scheme_neighbourhood",
                                  "grant_scheme_id")):
        assert post(api, path, body).status_code == 201
        db.cursor().execute(f"DELETE FROM {link} WHERE {fk} = %s", (body["id"],))
        for headers in ({}, whole):
            r = requests.get(f"{api}{path}/{body['id']}", headers=headers, timeout=10)
            assert r.status_code == 200 and r.json()["neighbourhoodIds"] == [], (path, r.text)
        assert requests.get(f"{api}{path}/{body['id']}", headers=limited, timeout=10).status_code == 404


def test_meeting_space_list_filters_and_pages(api):
    n = new_neighbourhood(api)["id"]
    made = [space_body([n], name=f"Space {i}", cost=cost, availableFrom=day(start))
            for i, (cost, start) in enumerate([("free", -10), ("low", -10), ("standard", -10), ("free", 10), ("low", 10)])]
    for b in made:
        assert post(api, "/v1/meeting-spaces", b).status_code == 201
    items, n_pages = pages(api, f"/v1/meeting-spaces?neighbourhood={n}", limit=2)
    assert [s["name"] for s in items] == [f"Space {i}" for i in range(5)] and n_pages == 3
    q = lambda s: {x["name"] for x in requests.get(f"{api}/v1/meeting-spaces?neighbourhood={n}&{s}",
                                                   timeout=10).json()["items"]}
    assert q("available=true") == {"Space 0", "Space 1", "Space 2"}
    assert q(f"available=true&on={day(20)}") == {f"Space {i}" for i in range(5)}
    assert q("available=false") == {"Space 3", "Space 4"}
    assert q("cost=free") == {"Space 0", "Space 3"}
    for bad, pointer in [("on=2026-13-01", "/on"), ("available=yes", "/available"), ("cost=cheap", "/cost"),
                         ("neighbourhood=x", "/neighbourhood")]:
        r = requests.get(f"{api}/v1/meeting-spaces?{bad}", timeout=10)
        assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == pointer, bad


# ------------------------------------------------------------------ grant schemes

def test_grant_scheme_lifecycle_and_open_status(api, db):
    n = new_neighbourhood(api)["id"]
    body = grant_body([n])
    r = post(api, "/v1/grant-schemes", body)
    assert r.status_code == 201, r.text
    assert r.json()["openOn"] == {"date": day(0), "open": True}
    url = f"{api}/v1/grant-schemes/{body['id']}"
    assert requests.get(f"{url}?on={day(31)}", timeout=10).json()["openOn"] == {"date": day(31), "open": False}
    assert requests.get(f"{url}?on={day(-31)}", timeout=10).json()["openOn"]["open"] is False
    assert post(api, "/v1/grant-schemes", body).status_code == 200
    assert post(api, "/v1/grant-schemes", {**body, "budgetPence": 600000}).status_code == 409
    closed = grant_body([n], name="Closed scheme", opensOn=day(-90), closesOn=day(-60))
    assert post(api, "/v1/grant-schemes", closed).status_code == 201
    open_now = {g["id"] for g in requests.get(f"{api}/v1/grant-schemes?neighbourhood={n}&open=true",
                                               timeout=10).json()["items"]}
    assert open_now == {body["id"]}
    edit = {k: v for k, v in body.items() if k != "id"}
    edit["closesOn"] = day(-1)
    assert requests.put(url, json=edit, timeout=10).status_code == 428
    r = requests.put(url, json=edit, headers={"If-Match": '"1"'}, timeout=10)
    assert r.status_code == 200 and r.json()["openOn"]["open"] is False and r.json()["version"] == 2
    assert [e["type"] for e in events(db, body["id"])] == ["record.created", "record.updated"]
    assert events(db, body["id"])[0]["data"]["entity"] == "grant_scheme"


def test_grant_scheme_validation_stores_nothing(api, db):
    n = new_neighbourhood(api)["id"]
    for over, pointer in [({"maxAwardPence": 600000}, "/maxAwardPence"), ({"closesOn": day(-31)}, "/closesOn"),
                          ({"budgetPence": -1}, "/budgetPence"), ({"neighbourhoodIds": [str(uuid.uuid4())]}, "/neighbourhoodIds/0")]:
        body = grant_body([n], **over)
        r = post(api, "/v1/grant-schemes", body)
        assert r.status_code == 422 and pointer in [e["pointer"] for e in r.json()["errors"]], (over, r.text)
        assert count(db, "grant_scheme", body["id"]) == 0


def test_grant_scheme_foreign_is_not_there(api):
    mine, foreign = new_neighbourhood(api)["id"], new_neighbourhood(api)["id"]
    limited = new_key(api, new_agency(api), ["read"], [mine])
    body = grant_body([foreign])
    assert post(api, "/v1/grant-schemes", body).status_code == 201
    assert requests.get(f"{api}/v1/grant-schemes/{body['id']}", headers=limited, timeout=10).status_code == 404
    listed = requests.get(f"{api}/v1/grant-schemes?limit=500", headers=limited, timeout=10).json()["items"]
    assert body["id"] not in {g["id"] for g in listed}


# ------------------------------------------------------------------ community development input

def test_cd_input_totals_and_withdrawal(api, db):
    n, other = new_neighbourhood(api)["id"], new_neighbourhood(api)["id"]
    rows = [("2026-01", 10.5), ("2026-01", 4), ("2026-02", 7.25), ("2026-03", 3)]
    made = []
    for month, hours in rows:
        body = {"id": str(uuid.uuid4()), "neighbourhoodId": n, "month": month, "hours": hours, "note": "outreach"}
        r = post(api, "/v1/cd-input", body)
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "active" and r.json()["month"] == month
        made.append(body)
    assert post(api, "/v1/cd-input", {"id": str(uuid.uuid4()), "neighbourhoodId": other, "month": "2026-01",
                                      "hours": 99}).status_code == 201
    assert post(api, "/v1/cd-input", made[0]).status_code == 200
    assert post(api, "/v1/cd-input", {**made[0], "hours": 11}).status_code == 409
    listed = requests.get(f"{api}/v1/cd-input?neighbourhood={n}&from=2026-01&to=2026-02&limit=2", timeout=10).json()
    assert listed["monthlyHours"] == [{"month": "2026-01", "hours": 14.5}, {"month": "2026-02", "hours": 7.25}]
    assert len(listed["items"]) == 2 and listed["next"]
    items, _ = pages(api, f"/v1/cd-input?neighbourhood={n}", limit=3)
    assert [i["id"] for i in items] == sorted([m["id"] for m in made[:2]]) + [made[2]["id"], made[3]["id"]]

    r = requests.delete(f"{api}/v1/cd-input/{made[1]['id']}", timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn" and r.json()["withdrawnAt"]
    assert requests.delete(f"{api}/v1/cd-input/{made[1]['id']}", timeout=10).status_code == 200
    assert [e["type"] for e in events(db, made[1]["id"])] == ["record.created", "record.withdrawn"]
    assert events(db, made[1]["id"])[1]["data"]["neighbourhoodIds"] == [n]
    listed = requests.get(f"{api}/v1/cd-input?neighbourhood={n}", timeout=10).json()
    assert listed["monthlyHours"][0] == {"month": "2026-01", "hours": 10.5}
    assert made[1]["id"] not in {i["id"] for i in listed["items"]}
    everything = requests.get(f"{api}/v1/cd-input?neighbourhood={n}&includeWithdrawn=true", timeout=10).json()
    assert made[1]["id"] in {i["id"] for i in everything["items"]}
    again = post(api, "/v1/cd-input", made[1])  # a withdrawn id resent stays withdrawn
    assert again.status_code == 200 and again.json()["status"] == "withdrawn"


def test_cd_input_validation_and_foreign(api, db):
    n, foreign = new_neighbourhood(api)["id"], new_neighbourhood(api)["id"]
    for over, pointer in [({"month": "2026-13"}, "/month"), ({"month": "2026-01-01"}, "/month"),
                          ({"hours": -1}, "/hours"), ({"hours": 1.234}, "/hours"),
                          ({"neighbourhoodId": str(uuid.uuid4())}, "/neighbourhoodId")]:
        body = {"id": str(uuid.uuid4()), "neighbourhoodId": n, "month": "2026-01", "hours": 2, **over}
        r = post(api, "/v1/cd-input", body)
        assert r.status_code == 422 and pointer in [e["pointer"] for e in r.json()["errors"]], (over, r.text)
        assert count(db, "cd_input", body["id"]) == 0
    theirs = {"id": str(uuid.uuid4()), "neighbourhoodId": foreign, "month": "2026-01", "hours": 2}
    assert post(api, "/v1/cd-input", theirs).status_code == 201
    limited = new_key(api, new_agency(api), ["registry", "read"], [n])
    assert requests.delete(f"{api}/v1/cd-input/{theirs['id']}", headers=limited, timeout=10).status_code == 404
    assert requests.delete(f"{api}/v1/cd-input/{uuid.uuid4()}", timeout=10).status_code == 404
    listed = requests.get(f"{api}/v1/cd-input?limit=500", headers=limited, timeout=10).json()
    assert theirs["id"] not in {i["id"] for i in listed["items"]}
    r = requests.get(f"{api}/v1/cd-input?from=2026-1", timeout=10)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/from"


def test_cd_input_withdrawn_only_by_its_agency_or_an_admin(api, db):
    n = new_neighbourhood(api)["id"]
    mine = new_key(api, new_agency(api), ["registry", "read"], [n])
    theirs = new_key(api, new_agency(api), ["registry", "read"], [n])
    body = {"id": str(uuid.uuid4()), "neighbourhoodId": n, "month": "2026-01", "hours": 2}
    assert post(api, "/v1/cd-input", body, mine).status_code == 201
    r = requests.delete(f"{api}/v1/cd-input/{body['id']}", headers=theirs, timeout=10)
    assert r.status_code == 404 and r.json()["detail"] == requests.delete(
        f"{api}/v1/cd-input/{uuid.uuid4()}", timeout=10).json()["detail"]
    assert requests.get(f"{api}/v1/cd-input?neighbourhood={n}", timeout=10).json()["items"][0]["status"] == "active"
    assert requests.delete(f"{api}/v1/cd-input/{body['id']}", headers=mine, timeout=10).status_code == 200
    assert requests.delete(f"{api}/v1/cd-input/{body['id']}", headers=theirs, timeout=10).status_code == 404
    # No supplying agency: the admin's alone.
    orphan = {"id": str(uuid.uuid4()), "neighbourhoodId": n, "month": "2026-02", "hours": 1}
    assert post(api, "/v1/cd-input", orphan, mine).status_code == 201
    db.cursor().execute("UPDATE cd_input SET supplied_by_agency = NULL WHERE id = %s", (orphan["id"],))
    assert requests.delete(f"{api}/v1/cd-input/{orphan['id']}", headers=mine, timeout=10).status_code == 404
    assert requests.delete(f"{api}/v1/cd-input/{orphan['id']}", timeout=10).status_code == 200


# ------------------------------------------------------------------ evidence

def evidence_body(**over):
    body = {"id": str(uuid.uuid4()), "kind": "case_study", "title": "The allotment group",
            "summary": "Started by three neighbours, now forty members.", "collectedOn": day(-3)}
    body.update(over)
    return body


def test_evidence_ties_provenance_and_withdrawal(api, db):
    n = new_neighbourhood(api)["id"]
    org = new_organisation(db, n)
    agency = new_agency(api)
    issue = {"id": str(uuid.uuid4()), "neighbourhoodId": n, "title": "Litter", "theme": "environment",
             "priority": "low", "raisedOn": day(-20), "raisedVia": "survey",
             "agencies": [{"agencyId": agency, "routedOn": day(-20)}]}
    assert post(api, "/v1/community-issues", issue).status_code == 201
    fieldworker = new_key(api, agency, ["registry", "read"])
    by_area = evidence_body(neighbourhoodId=n, url="https://example.org/case")
    r = post(api, "/v1/evidence", by_area)  # the tests' admin key has the evaluator scope
    assert r.status_code == 201, r.text
    assert r.json()["provenance"]["evaluator"] is True and r.json()["status"] == "active"
    by_org = evidence_body(kind="testimony", organisationId=org, informantRole="ward councillor", collectedOn=day(-2))
    r = post(api, "/v1/evidence", by_org, fieldworker)
    assert r.status_code == 201 and r.json()["provenance"]["evaluator"] is False
    assert r.json()["provenance"]["agencyId"] == agency
    by_issue = evidence_body(kind="other", issueId=issue["id"], collectedOn=day(-1))
    assert post(api, "/v1/evidence", by_issue).status_code == 201
    assert post(api, "/v1/evidence", by_issue).status_code == 200
    assert post(api, "/v1/evidence", {**by_issue, "title": "Other"}).status_code == 409
    # Every piece names the neighbourhood it concerns in its event.
    for b in (by_area, by_org, by_issue):
        (ev,) = events(db, b["id"])
        assert ev["data"]["entity"] == "evidence" and ev["data"]["neighbourhoodIds"] == [n]

    items, n_pages = pages(api, f"/v1/evidence?neighbourhood={n}", limit=2)
    assert [i["id"] for i in items] == [by_issue["id"], by_org["id"], by_area["id"]] and n_pages == 2
    q = lambda s: [i["id"] for i in requests.get(f"{api}/v1/evidence?{s}", timeout=10).json()["items"]]
    assert q(f"organisation={org}") == [by_org["id"]]
    assert q(f"issue={issue['id']}") == [by_issue["id"]]
    assert q(f"neighbourhood={n}&kind=testimony") == [by_org["id"]]
    got = requests.get(f"{api}/v1/evidence/{by_org['id']}", timeout=10).json()
    assert got["informantRole"] == "ward councillor" and got["organisationId"] == org

    r = requests.delete(f"{api}/v1/evidence/{by_area['id']}", timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert [e["type"] for e in events(db, by_area["id"])] == ["record.created", "record.withdrawn"]
    assert by_area["id"] not in q(f"neighbourhood={n}")
    assert by_area["id"] in q(f"neighbourhood={n}&includeWithdrawn=true")
    assert requests.get(f"{api}/v1/evidence/{by_area['id']}", timeout=10).json()["status"] == "withdrawn"


def test_evidence_validation_and_foreign(api, db):
    mine, foreign = new_neighbourhood(api)["id"], new_neighbourhood(api)["id"]
    org_foreign = new_organisation(db, foreign)
    limited = new_key(api, new_agency(api), ["registry", "read"], [mine])
    cases = [({}, None), ({"neighbourhoodId": str(uuid.uuid4())}, "/neighbourhoodId"),
             ({"organisationId": str(uuid.uuid4())}, "/organisationId"),
             ({"issueId": str(uuid.uuid4())}, "/issueId"),
             ({"neighbourhoodId": mine, "kind": "rumour"}, "/kind"),
             ({"neighbourhoodId": mine, "url": "ftp://x"}, "/url"),
             ({"neighbourhoodId": mine, "summary": ""}, "/summary")]
    for over, pointer in cases:
        body = evidence_body(**over)
        r = post(api, "/v1/evidence", body)
        assert r.status_code == 422, (over, r.text)
        assert pointer is None or pointer in [e["pointer"] for e in r.json()["errors"]], (over, r.text)
        assert count(db, "evidence", body["id"]) == 0
    theirs = evidence_body(organisationId=org_foreign)
    assert post(api, "/v1/evidence", theirs).status_code == 201
    assert requests.get(f"{api}/v1/evidence/{theirs['id']}", headers=limited, timeout=10).status_code == 404
    assert requests.delete(f"{api}/v1/evidence/{theirs['id']}", headers=limited, timeout=10).status_code == 404
    r = post(api, "/v1/evidence", evidence_body(organisationId=org_foreign), limited)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/organisationId"
    listed = requests.get(f"{api}/v1/evidence?limit=500", headers=limited, timeout=10).json()["items"]
    assert theirs["id"] not in {i["id"] for i in listed}


def test_evidence_withdrawn_only_by_its_agency_or_an_admin(api, db):
    n = new_neighbourhood(api)["id"]
    mine = new_key(api, new_agency(api), ["registry", "read"], [n])
    theirs = new_key(api, new_agency(api), ["registry", "read"], [n])
    body = evidence_body(neighbourhoodId=n)
    assert post(api, "/v1/evidence", body, mine).status_code == 201
    r = requests.delete(f"{api}/v1/evidence/{body['id']}", headers=theirs, timeout=10)
    assert r.status_code == 404 and r.json()["detail"] == requests.delete(
        f"{api}/v1/evidence/{uuid.uuid4()}", timeout=10).json()["detail"]
    assert requests.get(f"{api}/v1/evidence/{body['id']}", headers=theirs, timeout=10).json()["status"] == "active"
    assert requests.delete(f"{api}/v1/evidence/{body['id']}", headers=mine, timeout=10).status_code == 200
    assert requests.delete(f"{api}/v1/evidence/{body['id']}", headers=theirs, timeout=10).status_code == 404
    orphan = evidence_body(neighbourhoodId=n)
    assert post(api, "/v1/evidence", orphan, mine).status_code == 201
    db.cursor().execute("UPDATE evidence SET supplied_by_agency = NULL WHERE id = %s", (orphan["id"],))
    assert requests.delete(f"{api}/v1/evidence/{orphan['id']}", headers=mine, timeout=10).status_code == 404
    assert requests.delete(f"{api}/v1/evidence/{orphan['id']}", timeout=10).status_code == 200


def test_an_evaluator_files_evidence_without_the_registry_scope(api, db):
    """Evidence collected apart from the fieldworkers (the handbook): a key with the
    evaluator scope alone files and withdraws it, marked as an evaluator's, without the
    registry scope that would show it the groups' contact details."""
    n = requests.post(f"{api}/v1/neighbourhoods", json={"code": f"ev-{uuid.uuid4().hex[:10]}", "name": "E",
                                                         "population": 5000, "wave": 1}, timeout=10).json()["id"]
    org = new_organisation(db, n)
    agency = new_agency(api)
    evaluator = new_key(api, agency, ["evaluator"])
    body = evidence_body(kind="case_study", neighbourhoodId=n, collectedOn=day(-3))
    r = post(api, "/v1/evidence", body, evaluator)
    assert r.status_code == 201, r.text
    assert r.json()["provenance"]["evaluator"] is True and r.json()["provenance"]["agencyId"] == agency
    assert requests.get(f"{api}/v1/organisations/{org}", headers=evaluator, timeout=10).status_code == 403
    gone = requests.delete(f"{api}/v1/evidence/{body['id']}", headers=evaluator, timeout=10)
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"

"""Community issues routed to agencies and the agencies' responses (SPEC §2,
handbook §3D): the statutory sector's responsiveness is itself assessed."""
import concurrent.futures
import uuid

import requests

from community_helpers import count, day, events, new_agency, new_key, new_organisation, pages
from conftest import new_neighbourhood


def issue_body(neighbourhood, routed, **over):
    body = {"id": str(uuid.uuid4()), "neighbourhoodId": neighbourhood, "title": "Broken play area",
            "description": "The swings on the green have been broken since spring.", "theme": "children_young_people",
            "priority": "high", "raisedOn": day(-60), "raisedVia": "listening_event",
            "agencies": [{"agencyId": a, "routedOn": day(-60)} for a in routed]}
    body.update(over)
    return body


def post_issue(api, body, headers=None):
    return requests.post(f"{api}/v1/community-issues", json=body, headers=headers or {}, timeout=10)


def respond(api, issue, headers=None, **over):
    body = {"id": str(uuid.uuid4()), "kind": "acknowledged", "respondedOn": day(-50)}
    body.update(over)
    return requests.post(f"{api}/v1/community-issues/{issue}/responses", json=body, headers=headers or {},
                         timeout=10)


def test_issue_responses_and_days_to_first_response(api, db):
    n = new_neighbourhood(api)["id"]
    council, police = new_agency(api), new_agency(api)
    org = new_organisation(db, n)
    body = issue_body(n, [], raisedVia="group", organisationId=org,
                      agencies=[{"agencyId": council, "routedOn": day(-60)},
                                {"agencyId": police, "routedOn": day(-50)}])
    r = post_issue(api, body)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"/v1/community-issues/{body['id']}" and r.headers["ETag"] == '"1"'
    issue = r.json()
    assert issue["status"] == "open" and issue["version"] == 1 and issue["organisationId"] == org
    assert issue["provenance"]["evaluator"] is True and issue["provenance"]["keyId"]
    assert issue["answeredInTime"] is False  # 60 days old, nobody answered
    assert issue["daysToFirstResponse"] is None

    # Each agency reports for itself with a submit key.
    council_key = new_key(api, council, ["submit"], [n])
    police_key = new_key(api, police, ["submit"])
    r = respond(api, body["id"], council_key, respondedOn=day(-55))
    assert r.status_code == 201, r.text
    assert r.json()["agencyId"] == council and r.json()["daysAfterRaised"] == 5
    assert r.json()["provenance"]["evaluator"] is False
    # Declining needs the reasons.
    declined = {"id": str(uuid.uuid4()), "kind": "declined", "respondedOn": day(-5)}
    r = requests.post(f"{api}/v1/community-issues/{body['id']}/responses", json=declined, headers=police_key,
                      timeout=10)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/note", r.text
    assert count(db, "issue_response", declined["id"]) == 0
    r = respond(api, body["id"], police_key, id=declined["id"], kind="declined", respondedOn=day(-5),
                note="Not ours: the park is the council's.")
    assert r.status_code == 201, r.text
    r = respond(api, body["id"], council_key, kind="service_modified", respondedOn=day(-20))
    assert r.status_code == 201, r.text

    got = requests.get(f"{api}/v1/community-issues/{body['id']}", timeout=10)
    assert got.status_code == 200 and got.headers["ETag"] == '"4"'  # each of the 3 responses is a version
    g = got.json()
    by_agency = {a["agencyId"]: a for a in g["agencies"]}
    assert by_agency[council]["daysToFirstResponse"] == 5 and by_agency[council]["answeredInTime"] is True
    assert by_agency[council]["firstResponseOn"] == day(-55)
    assert by_agency[police]["daysToFirstResponse"] == 45 and by_agency[police]["answeredInTime"] is False
    assert g["daysToFirstResponse"] == 5 and g["answeredInTime"] is True and g["firstResponseOn"] == day(-55)
    assert [x["kind"] for x in g["responses"]] == ["acknowledged", "service_modified", "declined"]
    listed = requests.get(f"{api}/v1/community-issues/{body['id']}/responses", timeout=10).json()
    assert [x["kind"] for x in listed["items"]] == ["acknowledged", "service_modified", "declined"]

    # Each change committed with its event, naming the neighbourhood.
    created, *updated = events(db, body["id"])
    assert created["type"] == "record.created" and created["data"]["entity"] == "community_issue"
    assert [(e["type"], e["data"]["version"]) for e in updated] == [("record.updated", v) for v in (2, 3, 4)]
    assert created["data"]["neighbourhoodIds"] == [n]
    (resp_event,) = events(db, declined["id"])
    assert resp_event["data"]["entity"] == "issue_response" and resp_event["data"]["neighbourhoodIds"] == [n]


def test_issue_not_yet_due_is_not_in_the_base(api):
    n = new_neighbourhood(api)["id"]
    a = new_agency(api)
    body = issue_body(n, [a], raisedOn=day(-3), agencies=[{"agencyId": a, "routedOn": day(-3)}])
    assert post_issue(api, body).status_code == 201
    g = requests.get(f"{api}/v1/community-issues/{body['id']}", timeout=10).json()
    assert g["answeredInTime"] is None and g["agencies"][0]["answeredInTime"] is None


def test_issue_validation_stores_nothing(api, db):
    n = new_neighbourhood(api)["id"]
    a = new_agency(api)
    cases = [
        ({"neighbourhoodId": str(uuid.uuid4())}, "/neighbourhoodId"),
        ({"agencies": [{"agencyId": str(uuid.uuid4()), "routedOn": day(-60)}]}, "/agencies/0/agencyId"),
        ({"agencies": [{"agencyId": a, "routedOn": day(-60)}, {"agencyId": a, "routedOn": day(-59)}]},
         "/agencies/1/agencyId"),
        ({"agencies": [{"agencyId": a, "routedOn": day(-61)}]}, "/agencies/0/routedOn"),
        ({"agencies": []}, "/agencies"),
        ({"theme": "knitting"}, "/theme"),
        ({"priority": "urgent"}, "/priority"),
        ({"raisedVia": "twitter"}, "/raisedVia"),
        ({"raisedOn": "2026-02-30"}, "/raisedOn"),
        ({"organisationId": str(uuid.uuid4())}, "/organisationId"),
        ({"colour": "red"}, None),
    ]
    for over, pointer in cases:
        body = issue_body(n, [a], **over)
        r = post_issue(api, body)
        assert r.status_code == 422, (over, r.text)
        assert r.headers["Content-Type"].startswith("application/problem+json")
        assert pointer is None or pointer in [e["pointer"] for e in r.json()["errors"]], (over, r.text)
        assert count(db, "community_issue", body["id"]) == 0
    body = issue_body(n, [a])
    del body["title"]
    assert post_issue(api, body).status_code == 422 and count(db, "community_issue", body["id"]) == 0


def test_issue_resend_is_replayed_and_a_different_body_conflicts(api, db):
    n = new_neighbourhood(api)["id"]
    body = issue_body(n, [new_agency(api)])
    first = post_issue(api, body)
    assert first.status_code == 201
    again = post_issue(api, body)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == body["id"] and again.json()["createdAt"] == first.json()["createdAt"]
    r = post_issue(api, {**body, "title": "Something else"})
    assert r.status_code == 409 and r.json()["errors"][0]["pointer"] == "/id"
    assert len(events(db, body["id"])) == 1


def test_concurrent_identical_creates_make_one_issue(api, db):
    n = new_neighbourhood(api)["id"]
    body = issue_body(n, [new_agency(api)])
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = sorted(r.status_code for r in pool.map(lambda _: post_issue(api, body), range(8)))
    assert codes == [200] * 7 + [201], codes
    assert count(db, "community_issue", body["id"]) == 1 and len(events(db, body["id"])) == 1


def test_issue_update_needs_the_current_version(api, db):
    n = new_neighbourhood(api)["id"]
    a, b = new_agency(api), new_agency(api)
    body = issue_body(n, [a])
    assert post_issue(api, body).status_code == 201
    url = f"{api}/v1/community-issues/{body['id']}"
    edit = {"title": "Play area repaired?", "theme": "children_young_people", "priority": "medium",
            "raisedVia": "listening_event", "status": "open", "agencies": [{"agencyId": b, "routedOn": day(-30)}]}
    assert requests.put(url, json=edit, timeout=10).status_code == 428
    assert requests.put(url, json=edit, headers={"If-Match": "*"}, timeout=10).status_code == 428
    assert requests.put(url, json=edit, headers={"If-Match": '"7"'}, timeout=10).status_code == 412
    r = requests.put(url, json=edit, headers={"If-Match": '"1"'}, timeout=10)
    assert r.status_code == 200 and r.headers["ETag"] == '"2"', r.text
    assert r.json()["priority"] == "medium" and {x["agencyId"] for x in r.json()["agencies"]} == {a, b}
    # The same If-Match again is stale now: a lost update is refused.
    assert requests.put(url, json=edit, headers={"If-Match": '"1"'}, timeout=10).status_code == 412
    bad = {**edit, "agencies": [{"agencyId": str(uuid.uuid4()), "routedOn": day(-30)}]}
    r = requests.put(url, json=bad, headers={"If-Match": '"2"'}, timeout=10)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/agencies/0/agencyId"
    r = requests.put(url, json={**edit, "status": "withdrawn"}, headers={"If-Match": '"2"'}, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn" and r.json()["version"] == 3
    assert [(e["type"], e["data"]["version"]) for e in events(db, body["id"])] == [
        ("record.created", 1), ("record.updated", 2), ("record.withdrawn", 3)]


def test_response_rules(api, db):
    n = new_neighbourhood(api)["id"]
    routed, other = new_agency(api), new_agency(api)
    body = issue_body(n, [routed], raisedOn=day(-40), agencies=[{"agencyId": routed, "routedOn": day(-30)}])
    assert post_issue(api, body).status_code == 201
    routed_key, other_key = new_key(api, routed, ["submit"]), new_key(api, other, ["submit"])
    r = respond(api, body["id"], other_key, respondedOn=day(-10))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/agencyId", r.text
    r = respond(api, body["id"], routed_key, respondedOn=day(-41))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/respondedOn"
    r = respond(api, body["id"], routed_key, respondedOn=day(-35))  # raised, not yet routed
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/respondedOn"
    r = respond(api, body["id"], other_key, respondedOn=day(-10), agencyId=routed)
    assert r.status_code == 422 and "admin" in r.json()["detail"]
    r = respond(api, body["id"], routed_key, kind="bribe")
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/kind"
    assert requests.get(f"{api}/v1/community-issues/{body['id']}/responses", timeout=10).json()["items"] == []
    # An admin key may report for the agency; resends by id are idempotent.
    answer = {"id": str(uuid.uuid4()), "kind": "action_agreed", "respondedOn": day(-10), "agencyId": routed,
              "note": "Repairs booked."}
    url = f"{api}/v1/community-issues/{body['id']}/responses"
    assert requests.post(url, json=answer, timeout=10).status_code == 201
    again = requests.post(url, json=answer, timeout=10)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert requests.post(url, json={**answer, "note": "Changed"}, timeout=10).status_code == 409
    assert len(events(db, answer["id"])) == 1
    assert respond(api, str(uuid.uuid4()), routed_key).status_code == 404


def test_a_response_changes_the_issues_etag(api, db):
    n = new_neighbourhood(api)["id"]
    agency = new_agency(api)
    body = issue_body(n, [agency])
    r = post_issue(api, body)
    assert r.status_code == 201 and r.headers["ETag"] == '"1"'
    url = f"{api}/v1/community-issues/{body['id']}"
    assert respond(api, body["id"], new_key(api, agency, ["submit"]), respondedOn=day(-10)).status_code == 201
    got = requests.get(url, timeout=10)
    assert got.headers["ETag"] == '"2"' and got.json()["version"] == 2, got.headers
    ev = events(db, body["id"])
    assert [e["type"] for e in ev] == ["record.created", "record.updated"] and ev[1]["data"]["version"] == 2
    # An edit with the ETag read before the response is stale.
    edit = {"title": "x", "theme": "health", "priority": "low", "raisedVia": "other", "status": "open"}
    assert requests.put(url, json=edit, headers={"If-Match": '"1"'}, timeout=10).status_code == 412


def test_response_resent_by_another_agency_conflicts(api, db):
    n = new_neighbourhood(api)["id"]
    first, second = new_agency(api), new_agency(api)
    body = issue_body(n, [first, second])
    assert post_issue(api, body).status_code == 201
    first_key, second_key = new_key(api, first, ["submit"]), new_key(api, second, ["submit"])
    answer = {"id": str(uuid.uuid4()), "kind": "acknowledged", "respondedOn": day(-10)}
    url = f"{api}/v1/community-issues/{body['id']}/responses"
    assert requests.post(url, json=answer, headers=first_key, timeout=10).status_code == 201
    again = requests.post(url, json=answer, headers=first_key, timeout=10)
    assert again.status_code == 200 and again.json()["agencyId"] == first
    # The same client id and body from another agency is not the first one's resend.
    r = requests.post(url, json=answer, headers=second_key, timeout=10)
    assert r.status_code == 409, r.text
    # Naming the agency that the default stored is the same request.
    assert requests.post(url, json={**answer, "agencyId": first}, timeout=10).status_code == 200


def test_foreign_neighbourhood_issue_is_not_there(api):
    mine, foreign = new_neighbourhood(api)["id"], new_neighbourhood(api)["id"]
    agency = new_agency(api)
    body = issue_body(foreign, [agency])
    assert post_issue(api, body).status_code == 201
    limited = new_key(api, agency, ["read", "registry", "submit"], [mine])
    url = f"{api}/v1/community-issues/{body['id']}"
    assert requests.get(url, headers=limited, timeout=10).status_code == 404
    assert requests.get(f"{url}/responses", headers=limited, timeout=10).status_code == 404
    edit = {"title": "x", "theme": "health", "priority": "low", "raisedVia": "other", "status": "open"}
    assert requests.put(url, json=edit, headers={**limited, "If-Match": '"1"'}, timeout=10).status_code == 404
    assert respond(api, body["id"], limited, respondedOn=day(-1)).status_code == 404
    r = post_issue(api, issue_body(foreign, [agency]), limited)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/neighbourhoodId"
    own = issue_body(mine, [agency])
    assert post_issue(api, own, limited).status_code == 201
    listed = requests.get(f"{api}/v1/community-issues?limit=500", headers=limited, timeout=10).json()["items"]
    assert {i["neighbourhoodId"] for i in listed} == {mine}
    assert requests.get(f"{api}/v1/community-issues?neighbourhood={foreign}", headers=limited,
                        timeout=10).json()["items"] == []


def test_list_filters_and_pages(api):
    n = new_neighbourhood(api)["id"]
    a, b = new_agency(api), new_agency(api)
    made = []
    for i, (theme, priority, agency) in enumerate([("health", "high", a), ("housing", "low", a),
                                                  ("health", "medium", b), ("environment", "high", b),
                                                  ("health", "low", a)]):
        body = issue_body(n, [agency], theme=theme, priority=priority, raisedOn=day(-10 - i),
                          agencies=[{"agencyId": agency, "routedOn": day(-10 - i)}])
        assert post_issue(api, body).status_code == 201
        made.append(body)
    items, n_pages = pages(api, f"/v1/community-issues?neighbourhood={n}", limit=2)
    assert [i["id"] for i in items] == [m["id"] for m in made]  # newest raised first
    assert n_pages == 3
    q = lambda s: {i["id"] for i in requests.get(f"{api}/v1/community-issues?neighbourhood={n}&{s}",
                                                 timeout=10).json()["items"]}
    assert q("theme=health") == {made[0]["id"], made[2]["id"], made[4]["id"]}
    assert q("priority=high") == {made[0]["id"], made[3]["id"]}
    assert q(f"agency={b}") == {made[2]["id"], made[3]["id"]}
    assert q("status=open") == {m["id"] for m in made} and q("status=resolved") == set()
    for bad, pointer in [("status=lost", "/status"), ("priority=x", "/priority"), ("agency=nope", "/agency"),
                         ("cursor=!!", "/cursor"), ("limit=0", "/limit")]:
        r = requests.get(f"{api}/v1/community-issues?{bad}", timeout=10)
        assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == pointer, bad

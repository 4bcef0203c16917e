"""The concurrency rules of every resource, on the real stack:

- eight concurrent identical creates with one client id give exactly one 201, seven
  200 replays, one row and one event — for every create that takes a client id;
- two concurrent edits with the same ETag give exactly one success and one 412 — for
  every If-Match edit;
- every change reaches cdm.submissions on Kafka (read back with a real consumer), not
  only the outbox."""
import concurrent.futures
import os
import sys
import uuid

import pytest
import requests

from conftest import ROOT, drain, kpi_consumer, new_neighbourhood, new_round, wait_until

sys.path.insert(0, os.path.join(ROOT, "tests"))
from schema_check import Checker  # noqa: E402

RECORD_EVENT = Checker(os.path.join(ROOT, "schemas", "event-record-changed.json"))


@pytest.fixture(scope="module")
def place(api):
    """A neighbourhood of a programme with an organisation, an issue routed to the test
    key's agency, a meeting space, a grant scheme and an agency round."""
    prog = requests.post(f"{api}/v1/programmes", json={"name": "Concurrency", "locality": "L",
                                                       "startDate": "2025-01-01"}, timeout=10).json()["id"]
    n = new_neighbourhood(api, programmeId=prog)["id"]
    org = {"id": str(uuid.uuid4()), "name": "Race group", "kind": "community_group", "status": "active",
           "neighbourhoodIds": [n], "contact": {"name": "A contact"}}
    org2 = {**org, "id": str(uuid.uuid4()), "name": "Race group 2"}
    for o in (org, org2):
        assert requests.post(f"{api}/v1/organisations", json=o, timeout=10).status_code == 201
    agencies = requests.get(f"{api}/v1/agencies", params={"limit": 500}, timeout=10).json()["items"]
    agency = agencies[0]["id"]
    issue = {"id": str(uuid.uuid4()), "neighbourhoodId": n, "title": "Potholes", "theme": "transport",
             "priority": "medium", "raisedOn": "2026-01-10", "raisedVia": "survey",
             "agencies": [{"agencyId": agency, "routedOn": "2026-01-10"}]}
    assert requests.post(f"{api}/v1/community-issues", json=issue, timeout=10).status_code == 201
    space = {"id": str(uuid.uuid4()), "name": "Hall", "cost": "free", "availableFrom": "2025-01-01",
             "neighbourhoodIds": [n]}
    grant = {"id": str(uuid.uuid4()), "name": "Seed corn", "opensOn": "2025-01-01", "neighbourhoodIds": [n]}
    for path, body in (("/v1/meeting-spaces", space), ("/v1/grant-schemes", grant)):
        assert requests.post(f"{api}{path}", json=body, timeout=10).status_code == 201
    agency_round = new_round(api, [n], instrument="agency")
    return {"n": n, "programme": prog, "org": org["id"], "org2": org2["id"], "agency": agency,
            "issue": issue["id"], "space": space["id"], "grant": grant["id"], "agency_round": agency_round["id"]}


def creates(p):
    """Every create that takes a client id: (path, body, table holding it)."""
    new = lambda: str(uuid.uuid4())  # noqa: E731
    return {
        "evidence": ("/v1/evidence", {"id": new(), "kind": "case_study", "neighbourhoodId": p["n"],
                                      "title": "Case", "summary": "What changed", "collectedOn": "2026-01-01"},
                     "evidence"),
        "cd-input": ("/v1/cd-input", {"id": new(), "neighbourhoodId": p["n"], "month": "2026-01", "hours": 12},
                     "cd_input"),
        "grant-scheme": ("/v1/grant-schemes", {"id": new(), "name": "Small grants", "opensOn": "2026-01-01",
                                               "neighbourhoodIds": [p["n"]]}, "grant_scheme"),
        "meeting-space": ("/v1/meeting-spaces", {"id": new(), "name": "Room", "cost": "low",
                                                 "availableFrom": "2026-01-01", "neighbourhoodIds": [p["n"]]},
                          "meeting_space"),
        "issue-response": (f"/v1/community-issues/{p['issue']}/responses",
                           {"id": new(), "kind": "acknowledged", "respondedOn": "2026-01-20",
                            "agencyId": p["agency"]}, "issue_response"),
        "organisation-update": (f"/v1/organisations/{p['org']}/updates",
                                {"id": new(), "kind": "activity", "occurredOn": "2026-01-01", "sessions": 4},
                                "organisation_update"),
        "agency-report": ("/v1/agency-reports", {"id": new(), "roundId": p["agency_round"], "neighbourhoodId": p["n"],
                                                 "period": {"from": "2026-01-01", "to": "2026-03-31"},
                                                 "contactsWithGroups": 3, "servicesModified": {"count": 0}},
                          "survey_response"),
        "kpi-target": (f"/v1/neighbourhoods/{p['n']}/kpis",
                       {"id": new(), "indicator": "belonging", "target": 0.6, "dueMonth": 48}, "kpi_target"),
        "programme": ("/v1/programmes", {"id": new(), "name": "Raced", "locality": "L", "startDate": "2025-01-01"},
                      "programme"),
    }


@pytest.mark.parametrize("kind", sorted(creates({"n": "", "issue": "", "org": "", "agency": "",
                                                  "agency_round": ""})))
def test_eight_identical_creates_store_one(api, db, place, kind):
    path, body, table = creates(place)[kind]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = sorted(r.status_code for r in pool.map(
            lambda _: requests.post(f"{api}{path}", json=body, timeout=30), range(8)))
    assert codes == [200] * 7 + [201], (kind, codes)
    cur = db.cursor()
    cur.execute(f"SELECT count(*) FROM {table} WHERE id = %s", (body["id"],))  # noqa: S608 (a test's own names)
    assert cur.fetchone()[0] == 1
    cur.execute("SELECT count(*) FROM outbox WHERE msg_key = %s OR payload::jsonb->'data'->>'id' = %s"
                " OR payload::jsonb->'data'->>'responseId' = %s", (body["id"], body["id"], body["id"]))
    assert cur.fetchone()[0] == 1  # one event for the one change


def test_eight_identical_neighbourhood_creates_store_one(api, db):
    """A neighbourhood is keyed by its code: the same body sent eight times at
    once makes one neighbourhood and one event; the others are replays of it."""
    body = {"code": f"race-{uuid.uuid4().hex[:10]}", "name": "Raced", "population": 5000, "wave": 1}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: requests.post(f"{api}/v1/neighbourhoods", json=body, timeout=30),
                                range(8)))
    assert sorted(r.status_code for r in answers) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in answers}) == 1
    assert all(r.headers.get("Idempotent-Replayed") == "true" for r in answers if r.status_code == 200)
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM neighbourhood WHERE code = %s", (body["code"],))
    assert cur.fetchone()[0] == 1
    cur.execute("SELECT count(*) FROM outbox WHERE payload::jsonb->'data'->>'id' = %s", (answers[0].json()["id"],))
    assert cur.fetchone()[0] == 1
    # Another body under the same code is a conflict and changes nothing.
    other = requests.post(f"{api}/v1/neighbourhoods", json={**body, "population": 5001}, timeout=10)
    assert other.status_code == 409 and other.json()["errors"][0]["pointer"] == "/code"


def edits(api, p):
    """Every If-Match edit: (url, body) with the record's current ETag."""
    ms = requests.get(f"{api}/v1/programmes/{p['programme']}/milestones", params={"status": "due"},
                      timeout=10).json()["items"]
    return {
        "community-issue": (f"/v1/community-issues/{p['issue']}",
                            {"title": "Potholes on Mill Lane", "theme": "transport", "priority": "high",
                             "raisedVia": "survey", "status": "open"}, "PUT"),
        "meeting-space": (f"/v1/meeting-spaces/{p['space']}",
                          {"name": "Hall (renamed)", "cost": "free", "availableFrom": "2025-01-01",
                           "neighbourhoodIds": [p["n"]]}, "PUT"),
        "grant-scheme": (f"/v1/grant-schemes/{p['grant']}",
                         {"name": "Seed corn (renamed)", "opensOn": "2025-01-01", "neighbourhoodIds": [p["n"]]}, "PUT"),
        "organisation": (f"/v1/organisations/{p['org2']}",
                         {"name": "Race group 2 (renamed)", "kind": "community_group", "status": "active",
                          "neighbourhoodIds": [p["n"]]}, "PUT"),
        "milestone": (f"/v1/milestones/{ms[-1]['id']}/completion",
                      {"completedOn": "2025-06-30", "evidence": {"note": "done"}}, "POST"),
    }


@pytest.mark.parametrize("kind", ["community-issue", "meeting-space", "grant-scheme", "organisation", "milestone"])
def test_two_writers_with_one_etag_one_wins(api, place, kind):
    url, body, method = edits(api, place)[kind]
    get_url = url[:-len("/completion")] if url.endswith("/completion") else url
    etag = requests.get(f"{api}{get_url}", timeout=10).headers["ETag"]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        codes = sorted(r.status_code for r in pool.map(
            lambda _: requests.request(method, f"{api}{url}", json=body, headers={"If-Match": etag}, timeout=30),
            range(2)))
    # The loser saw the version move (412) — or, for a completion, that it is done (409).
    assert codes[0] == 200 and codes[1] in (409, 412), (kind, codes)
    assert requests.get(f"{api}{get_url}", timeout=10).headers["ETag"] != etag


def test_changes_reach_cdm_submissions_on_kafka(stack, api, place):
    """Not only the outbox: the relay puts each record event on cdm.submissions, keyed by
    the record's id, as its schema says."""
    consumer = kpi_consumer(stack, topic="cdm.submissions")
    org = {"id": str(uuid.uuid4()), "name": "On the wire", "kind": "overlap", "status": "forming",
           "neighbourhoodIds": [place["n"]]}
    assert requests.post(f"{api}/v1/organisations", json=org, timeout=10).status_code == 201
    cd = {"id": str(uuid.uuid4()), "neighbourhoodId": place["n"], "month": "2026-02", "hours": 3}
    assert requests.post(f"{api}/v1/cd-input", json=cd, timeout=10).status_code == 201
    assert requests.delete(f"{api}/v1/cd-input/{cd['id']}", timeout=10).status_code == 200
    want = {("record.created", org["id"]), ("record.created", cd["id"]), ("record.withdrawn", cd["id"])}
    seen = {}

    def arrived():
        for key, ev in drain(consumer, 0.3):
            if ev.get("type", "").startswith("record.") and ev["data"]["id"] in (org["id"], cd["id"]):
                seen[(ev["type"], ev["data"]["id"])] = (key, ev)
        return want <= set(seen)
    wait_until("the record events on cdm.submissions", arrived, timeout=60)
    consumer.close()
    for (kind, rid), (key, ev) in seen.items():
        assert key == rid
        assert not RECORD_EVENT.errors(ev), [e.message for e in RECORD_EVENT.errors(ev)]
        assert ev["data"]["neighbourhoodIds"] == [place["n"]]

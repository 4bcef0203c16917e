"""The three survey instruments (resident with areaCode, sector, agency), their
withdrawal, design weights all-or-none per round, closing rounds, baselines per
neighbourhood and instrument, and batches — on the real API and PostgreSQL."""
import concurrent.futures
import datetime
import json
import os
import random
import subprocess
import sys
import time
import uuid

import psycopg2
import pytest
import requests

from conftest import BUILD, PG, ROOT, new_neighbourhood, new_round, tick

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
        assert pointer in [e["pointer"] for e in r.json().get("errors", [])], r.text
    return r.json()


def sql(db, query, *args):
    cur = db.cursor()
    cur.execute(query, args)
    return cur.fetchall() if cur.description else None


def events_of(db, entity_id):
    return [json.loads(p) for (p,) in sql(
        db, "SELECT payload FROM outbox WHERE payload::jsonb->'data'->>'responseId' = %s"
            " OR payload::jsonb->'data'->>'id' = %s ORDER BY seq", entity_id, entity_id)]


def outbox_count(db):
    """Events on cdm.submissions (the indicator worker adds KPI events to the
    outbox on its own time, on another topic)."""
    return sql(db, "SELECT count(*) FROM outbox WHERE topic = 'cdm.submissions'")[0][0]


def gss(prefix):
    return prefix + "".join(random.choice("0123456789") for _ in range(6))


@pytest.fixture()
def place(api, db):
    """A neighbourhood with a ward and an LSOA of it, another with its own ward,
    and an active group serving the first."""
    n, other = new_neighbourhood(api), new_neighbourhood(api)
    ward, lsoa, ward2 = gss("E05"), gss("E01"), gss("E05")
    (ward_id,), = sql(db, "INSERT INTO area (code, kind, name) VALUES (%s, 'ward', 'W') RETURNING id", ward)
    sql(db, "INSERT INTO area (code, kind, name, ward_id) VALUES (%s, 'lsoa', 'L', %s)", lsoa, ward_id)
    (ward2_id,), = sql(db, "INSERT INTO area (code, kind, name) VALUES (%s, 'ward', 'W2') RETURNING id", ward2)
    sql(db, "INSERT INTO neighbourhood_area VALUES (%s, %s)", n["id"], ward_id)
    sql(db, "INSERT INTO neighbourhood_area VALUES (%s, %s)", other["id"], ward2_id)
    org = str(uuid.uuid4())
    sql(db, "INSERT INTO organisation (id, name, kind, status) VALUES (%s, 'Group', 'community_group', 'active')", org)
    sql(db, "INSERT INTO organisation_neighbourhood VALUES (%s, %s)", org, n["id"])
    return {"n": n, "other": other, "ward": ward, "ward_id": str(ward_id), "lsoa": lsoa, "ward2": ward2, "org": org}


def limited_key(api, neighbourhood_ids, scopes=("submit",)):
    agency = requests.post(f"{api}/v1/agencies", json={"name": f"agency {uuid.uuid4()}"}, timeout=5).json()
    r = requests.post(f"{api}/v1/agencies/{agency['id']}/keys", timeout=5,
                      json={"scopes": list(scopes), "neighbourhoods": neighbourhood_ids})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['key']}"}, agency["id"]


def resident(round_id, n_id, **extra):
    return {"id": str(uuid.uuid4()), "roundId": round_id, "neighbourhoodId": n_id, "answers": {"q01": "yes"}, **extra}


def sector(round_id, org, **extra):
    return {"id": str(uuid.uuid4()), "roundId": round_id, "organisationId": org,
            "answers": {"q01": "fairly_successful", "q07": "positive", "q08": 1.5, "q09": 12, "q10": "under_5k"},
            **extra}


def agency_report(round_id, n_id, **extra):
    return {"id": str(uuid.uuid4()), "roundId": round_id, "neighbourhoodId": n_id,
            "period": {"from": "2026-01-01", "to": "2026-06-30"}, "contactsWithGroups": 9,
            "servicesModified": {"count": 1, "examples": [{"description": "Clinic hours moved to evenings",
                                                           "theme": "health"}]}, **extra}


# ------------------------------------------------------------------- resident

def test_resident_area_code_must_be_an_area_of_the_neighbourhood(api, db, place):
    rnd = new_round(api, [place["n"]["id"]], baseline=False)
    for code in (place["ward"], place["lsoa"]):
        body = resident(rnd["id"], place["n"]["id"], areaCode=code)
        assert requests.post(f"{api}/v1/responses", json=body, timeout=5).status_code == 201
    (area,), = sql(db, "SELECT area_id::text FROM survey_response WHERE id = %s", body["id"])
    assert area != place["ward_id"]  # the LSOA itself, not its ward
    before = outbox_count(db)
    for code in (place["ward2"], "E05999999"):
        body = resident(rnd["id"], place["n"]["id"], areaCode=code)
        problem(requests.post(f"{api}/v1/responses", json=body, timeout=5), 422, "/areaCode")
        assert sql(db, "SELECT 1 FROM survey_response WHERE id = %s", body["id"]) == []
    problem(requests.post(f"{api}/v1/responses", json=resident(rnd["id"], place["n"]["id"], areaCode="ward 5"),
                          timeout=5), 422, "/areaCode")
    assert outbox_count(db) == before


# --------------------------------------------------------------------- sector

def test_sector_response_stored_once_with_its_event(api, db, place):
    rnd = new_round(api, [place["n"]["id"]], baseline=False, instrument="sector")
    body = sector(rnd["id"], place["org"])
    first = requests.post(f"{api}/v1/sector-responses", json=body, timeout=5)
    assert first.status_code == 201, first.text
    got = first.json()
    valid("response-accepted.json", got)
    assert got["instrument"] == "sector" and got["neighbourhoodId"] is None and got["organisationId"] == place["org"]
    again = requests.post(f"{api}/v1/sector-responses", json=body, timeout=5)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true" and again.json() == got
    changed = dict(body, answers={"q01": "very_successful"})
    problem(requests.post(f"{api}/v1/sector-responses", json=changed, timeout=5), 409, "/id")
    row, = sql(db, "SELECT instrument, neighbourhood_id, organisation_id::text, answers, supplied_by_key IS NOT NULL"
                      " FROM survey_response WHERE id = %s", body["id"])
    assert row == ("sector", None, place["org"], body["answers"], True)
    evs = events_of(db, body["id"])
    assert [e["type"] for e in evs] == ["response.submitted"]
    valid("event-response-submitted.json", evs[0])
    assert evs[0]["data"]["neighbourhoodId"] is None and evs[0]["data"]["organisationId"] == place["org"]
    (key,), = sql(db, "SELECT msg_key FROM outbox WHERE event_id = %s", evs[0]["id"])
    assert key == rnd["id"]  # no neighbourhood: keyed by the round


def test_sector_response_checks(api, db, place):
    rnd = new_round(api, [place["n"]["id"]], baseline=False, instrument="sector")
    elsewhere = new_round(api, [place["other"]["id"]], baseline=False, instrument="sector")
    resident_round = new_round(api, [place["n"]["id"]], baseline=False)
    before = outbox_count(db)
    cases = [
        (sector(rnd["id"], str(uuid.uuid4())), "/organisationId"),         # not in the registry
        (sector(elsewhere["id"], place["org"]), "/roundId"),               # serves none of its neighbourhoods
        (sector(resident_round["id"], place["org"]), "/roundId"),          # another instrument
        (sector(str(uuid.uuid4()), place["org"]), "/roundId"),             # no such round
        (sector(rnd["id"], place["org"], answers={"q05a": "agree_a_lot"}), "/answers/q05a"),
        (sector(rnd["id"], place["org"], answers={"q09": 2.5}), "/answers/q09"),
        (sector(rnd["id"], place["org"], neighbourhoodId=place["n"]["id"]), "/neighbourhoodId"),
    ]
    for body, pointer in cases:
        problem(requests.post(f"{api}/v1/sector-responses", json=body, timeout=5), 422, pointer)
        assert sql(db, "SELECT 1 FROM survey_response WHERE id = %s", body["id"]) == []
    assert outbox_count(db) == before
    # A key for the other neighbourhood only: the group serves none of its neighbourhoods.
    headers, _ = limited_key(api, [place["other"]["id"]])
    problem(requests.post(f"{api}/v1/sector-responses", json=sector(rnd["id"], place["org"]), headers=headers,
                          timeout=5), 422, "/organisationId")


def test_refusals_tell_nothing_of_other_neighbourhoods(api, db, place):
    """A round or group outside the key's neighbourhoods is refused exactly as
    an absent one: same pointer, same words (but for the id named)."""
    n, other = place["n"]["id"], place["other"]["id"]
    headers, _ = limited_key(api, [other])
    org_other = str(uuid.uuid4())
    sql(db, "INSERT INTO organisation (id, name, kind, status) VALUES (%s, 'G2', 'community_group', 'active')", org_other)
    sql(db, "INSERT INTO organisation_neighbourhood VALUES (%s, %s)", org_other, other)
    sector_round_n = new_round(api, [n], baseline=False, instrument="sector")
    resident_round_n = new_round(api, [n], baseline=False)

    def refused(path, body, absent_field):
        got = problem(requests.post(f"{api}/v1/{path}", json=body, headers=headers, timeout=5), 422)
        absent = dict(body, id=str(uuid.uuid4()), **{absent_field: str(uuid.uuid4())})
        want = problem(requests.post(f"{api}/v1/{path}", json=absent, headers=headers, timeout=5), 422)
        assert got["errors"][0]["pointer"] == want["errors"][0]["pointer"]
        assert got["detail"].replace(body[absent_field], "X") == want["detail"].replace(absent[absent_field], "X")
        assert sql(db, "SELECT 1 FROM survey_response WHERE id = %s", body["id"]) == []

    refused("responses", resident(sector_round_n["id"], other), "roundId")        # another instrument, in n
    refused("sector-responses", sector(resident_round_n["id"], org_other), "roundId")
    refused("sector-responses", sector(sector_round_n["id"], place["org"]), "organisationId")  # a group of n


def test_eight_concurrent_sector_posts_of_one_id_give_one_201(api, db, place):
    rnd = new_round(api, [place["n"]["id"]], baseline=False, instrument="sector")
    body = sector(rnd["id"], place["org"])
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: requests.post(f"{api}/v1/sector-responses", json=body, timeout=10),
                                range(8)))
    assert sorted(r.status_code for r in results) == [200] * 7 + [201]
    assert len(events_of(db, body["id"])) == 1


# --------------------------------------------------------------------- agency

def test_agency_report_is_the_keys_agency_unless_an_admin_names_one(api, db, place):
    rnd = new_round(api, [place["n"]["id"]], baseline=False, instrument="agency")
    headers, own_agency = limited_key(api, [place["n"]["id"]])
    body = agency_report(rnd["id"], place["n"]["id"])
    r = requests.post(f"{api}/v1/agency-reports", json=body, headers=headers, timeout=5)
    assert r.status_code == 201, r.text
    valid("response-accepted.json", r.json())
    assert r.json()["agencyId"] == own_agency and r.json()["neighbourhoodId"] == place["n"]["id"]
    row, = sql(db, "SELECT agency_id::text, answers FROM survey_response WHERE id = %s", body["id"])
    assert row[0] == own_agency and row[1]["servicesModified"]["count"] == 1 and "id" not in row[1]
    ev, = events_of(db, body["id"])
    valid("event-response-submitted.json", ev)
    assert ev["data"]["agencyId"] == own_agency
    # Naming another agency takes an admin key.
    other = agency_report(rnd["id"], place["n"]["id"], agencyId=own_agency)
    assert requests.post(f"{api}/v1/agency-reports", json=other, timeout=5).json()["agencyId"] == own_agency
    _, third_agency = limited_key(api, [place["n"]["id"]])
    problem(requests.post(f"{api}/v1/agency-reports", headers=headers, timeout=5,
                          json=agency_report(rnd["id"], place["n"]["id"], agencyId=third_agency)), 422, "/agencyId")
    problem(requests.post(f"{api}/v1/agency-reports", timeout=5,
                          json=agency_report(rnd["id"], place["n"]["id"], agencyId=str(uuid.uuid4()))), 422, "/agencyId")


def test_agency_report_resent_by_another_agency_conflicts(api, db, place):
    n = place["n"]["id"]
    rnd = new_round(api, [n], baseline=False, instrument="agency")
    first, first_agency = limited_key(api, [n])
    second, _ = limited_key(api, [n])
    body = agency_report(rnd["id"], n)
    assert requests.post(f"{api}/v1/agency-reports", json=body, headers=first, timeout=5).status_code == 201
    again = requests.post(f"{api}/v1/agency-reports", json=body, headers=first, timeout=5)
    assert again.status_code == 200 and again.json()["agencyId"] == first_agency
    # The same client id and body from another agency is not the first one's resend.
    problem(requests.post(f"{api}/v1/agency-reports", json=body, headers=second, timeout=5), 409, "/id")
    # Naming the agency the default stored is the same request.
    assert requests.post(f"{api}/v1/agency-reports", json={**body, "agencyId": first_agency},
                         timeout=5).status_code == 200


def test_agency_report_checks(api, db, place):
    rnd = new_round(api, [place["n"]["id"]], baseline=False, instrument="agency")
    n = place["n"]["id"]
    cases = [
        (agency_report(rnd["id"], n, period={"from": "2026-06-30", "to": "2026-01-01"}), "/period/to"),
        (agency_report(rnd["id"], n, servicesModified={"count": 0, "examples": [{"description": "x"}]}),
         "/servicesModified/examples"),
        (agency_report(rnd["id"], n, contactsWithGroups=-1), "/contactsWithGroups"),
        (agency_report(rnd["id"], place["other"]["id"]), "/roundId"),
        (agency_report(rnd["id"], n, period={"from": "2026-01-01"}), "/period/to"),
    ]
    for body, pointer in cases:
        problem(requests.post(f"{api}/v1/agency-reports", json=body, timeout=5), 422, pointer)
        assert sql(db, "SELECT 1 FROM survey_response WHERE id = %s", body["id"]) == []
    # Another neighbourhood's key: answered as if the round did not cover it.
    headers, _ = limited_key(api, [place["other"]["id"]])
    problem(requests.post(f"{api}/v1/agency-reports", json=agency_report(rnd["id"], n), headers=headers,
                          timeout=5), 422, "/roundId")


# ------------------------------------------------------------------ withdrawal

def test_any_instrument_withdrawn_stays_withdrawn(api, db, place):
    n = place["n"]["id"]
    made = []
    for instrument, path, make in (("resident", "responses", lambda r: resident(r, n)),
                                   ("sector", "sector-responses", lambda r: sector(r, place["org"])),
                                   ("agency", "agency-reports", lambda r: agency_report(r, n))):
        rnd = new_round(api, [n], baseline=False, instrument=instrument)
        body = make(rnd["id"])
        assert requests.post(f"{api}/v1/{path}", json=body, timeout=5).status_code == 201
        made.append((path, body))
    foreign, _ = limited_key(api, [place["other"]["id"]])
    for path, body in made:
        problem(requests.delete(f"{api}/v1/responses/{body['id']}", headers=foreign, timeout=5), 404)
        r = requests.delete(f"{api}/v1/responses/{body['id']}", timeout=5)
        assert r.status_code == 200 and r.json() == {"id": body["id"], "status": "withdrawn"}
        assert requests.delete(f"{api}/v1/responses/{body['id']}", timeout=5).status_code == 200
        resent = requests.post(f"{api}/v1/{path}", json=body, timeout=5)
        assert resent.status_code == 200 and resent.json()["status"] == "withdrawn", resent.text
        evs = events_of(db, body["id"])
        assert [e["type"] for e in evs] == ["response.submitted", "response.withdrawn"]
        for e in evs:
            valid("event-response-submitted.json", e)
        (withdrawn,), = sql(db, "SELECT withdrawn_at IS NOT NULL FROM survey_response WHERE id = %s", body["id"])
        assert withdrawn
    problem(requests.delete(f"{api}/v1/responses/{uuid.uuid4()}", timeout=5), 404)


def test_only_the_supplying_agency_or_an_admin_withdraws_a_response(api, db, place):
    n = place["n"]["id"]
    rnd = new_round(api, [n], baseline=False)
    mine, _ = limited_key(api, [n])
    theirs, _ = limited_key(api, [n])
    body = resident(rnd["id"], n)
    assert requests.post(f"{api}/v1/responses", json=body, headers=mine, timeout=5).status_code == 201
    # Another agency covering the neighbourhood: as if absent, and nothing changes.
    assert problem(requests.delete(f"{api}/v1/responses/{body['id']}", headers=theirs, timeout=5),
                   404)["detail"] == "no such response"
    assert sql(db, "SELECT withdrawn_at FROM survey_response WHERE id = %s", body["id"]) == [(None,)]
    assert requests.delete(f"{api}/v1/responses/{body['id']}", headers=mine, timeout=5).status_code == 200
    # Withdrawn: still "no such response" to the other agency, not "withdrawn".
    problem(requests.delete(f"{api}/v1/responses/{body['id']}", headers=theirs, timeout=5), 404)
    # An admin may withdraw any; a row with no supplying agency is the admin's alone.
    other = resident(rnd["id"], n)
    assert requests.post(f"{api}/v1/responses", json=other, headers=mine, timeout=5).status_code == 201
    sql(db, "UPDATE survey_response SET supplied_by_agency = NULL WHERE id = %s", other["id"])
    problem(requests.delete(f"{api}/v1/responses/{other['id']}", headers=mine, timeout=5), 404)
    assert requests.delete(f"{api}/v1/responses/{other['id']}", timeout=5).status_code == 200


# -------------------------------------------------------------------- weights

def test_weights_all_or_none_in_a_round(api, db, place):
    n = place["n"]["id"]
    weighted = new_round(api, [n], baseline=False)
    assert requests.post(f"{api}/v1/responses", json=resident(weighted["id"], n, weight=1.5), timeout=5).status_code == 201
    problem(requests.post(f"{api}/v1/responses", json=resident(weighted["id"], n), timeout=5), 422, "/weight")
    assert requests.get(f"{api}/v1/rounds/{weighted['id']}", timeout=5).json()["weighted"] is True
    plain = new_round(api, [n], baseline=False)
    assert requests.get(f"{api}/v1/rounds/{plain['id']}", timeout=5).json()["weighted"] is None
    assert requests.post(f"{api}/v1/responses", json=resident(plain["id"], n), timeout=5).status_code == 201
    problem(requests.post(f"{api}/v1/responses", json=resident(plain["id"], n, weight=2), timeout=5), 422, "/weight")
    # A batch item breaking the rule is invalid at the same pointer.
    r = requests.post(f"{api}/v1/responses/batch", timeout=10,
                      json={"instrument": "resident", "items": [resident(plain["id"], n, weight=2)]})
    assert r.json()["items"][0]["status"] == "invalid"
    assert r.json()["items"][0]["errors"][0]["pointer"] == "/weight"


def test_a_first_response_not_stored_decides_no_weighting(api, db, place):
    n = place["n"]["id"]
    rnd, elsewhere = new_round(api, [n], baseline=False), new_round(api, [n], baseline=False)
    body = resident(rnd["id"], n, weight=2.5)
    # Another request's row with the same id, not yet committed: the submission
    # waits for it, then finds its id taken (409).
    held = psycopg2.connect(PG)
    held.cursor().execute("INSERT INTO survey_response (id, round_id, neighbourhood_id, instrument, answers,"
                          " body_sha256) VALUES (%s, %s, %s, 'resident', '{}', '\\x00')",
                          (body["id"], elsewhere["id"], n))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pending = pool.submit(requests.post, f"{api}/v1/responses", json=body, timeout=30)
        time.sleep(1.5)
        held.commit()
        r = pending.result()
    held.close()
    problem(r, 409, "/id")
    # The refused response decided nothing: the round takes unweighted ones.
    assert sql(db, "SELECT weighted FROM survey_round WHERE id = %s", rnd["id"]) == [(None,)]
    assert requests.post(f"{api}/v1/responses", json=resident(rnd["id"], n), timeout=5).status_code == 201


def test_concurrent_first_submissions_weighted_and_not_agree(api, db, place):
    """Mixed first submissions racing on fresh rounds: whichever commits first
    decides, every other one that disagrees is 422, and the stored responses of
    each round are all weighted or all not."""
    n = place["n"]["id"]
    for attempt in range(4):
        rnd = new_round(api, [n], baseline=False)
        bodies = [resident(rnd["id"], n, **({"weight": 1.25} if i % 2 else {})) for i in range(12)]
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            results = list(pool.map(lambda b: requests.post(f"{api}/v1/responses", json=b, timeout=10), bodies))
        codes = [r.status_code for r in results]
        assert set(codes) <= {201, 422} and codes.count(201) == 6, codes
        for r in results:
            if r.status_code == 422:
                problem(r, 422, "/weight")
        rows = sql(db, "SELECT count(*), count(weight) FROM survey_response WHERE round_id = %s", rnd["id"])
        total, with_weight = rows[0]
        assert total == 6 and with_weight in (0, 6), rows


# --------------------------------------------------------------------- rounds

def test_closing_a_round(api, db, place, stack):
    n = place["n"]["id"]
    rnd = new_round(api, [n], baseline=False)
    assert rnd["status"] == "open" and rnd["closedAt"] is None and rnd["frozen"] is False
    # Fieldwork ends after its creation: late syncs until 14 days after the fieldwork end.
    assert rnd["lateSyncUntil"] == "2100-01-14"
    stored = resident(rnd["id"], n)
    assert requests.post(f"{api}/v1/responses", json=stored, timeout=5).status_code == 201
    headers, _ = limited_key(api, [place["other"]["id"]], scopes=("admin",))
    problem(requests.post(f"{api}/v1/rounds/{rnd['id']}/close", headers=headers, timeout=5), 404)
    r = requests.post(f"{api}/v1/rounds/{rnd['id']}/close", timeout=5)
    assert r.status_code == 200, r.text
    valid("round.json", r.json())
    assert r.json()["status"] == "closed" and r.json()["closedAt"] and r.json()["frozen"] is True
    problem(requests.post(f"{api}/v1/rounds/{rnd['id']}/close", timeout=5), 409)
    # Closed explicitly: frozen, a new submission is a conflict with the round's state.
    late = resident(rnd["id"], n)
    problem(requests.post(f"{api}/v1/responses", json=late, timeout=5), 409, "/roundId")
    assert sql(db, "SELECT 1 FROM survey_response WHERE id = %s", late["id"]) == []
    # A resend of what was stored before the close is still recognised.
    assert requests.post(f"{api}/v1/responses", json=stored, timeout=5).status_code == 200
    ev = [e for e in events_of(db, rnd["id"]) if e["type"] == "record.updated"]
    assert len(ev) == 1 and ev[0]["data"]["entity"] == "survey_round" and ev[0]["data"]["version"] == 2
    valid("event-record-changed.json", ev[0])
    # Fieldwork over: closed, but not frozen: a late sync from an offline
    # front-end is still taken until someone closes the round explicitly or
    # its late-sync date passes (14 days after the later of the fieldwork end
    # and the round's creation, so a round made to load an old survey stays open).
    (today,), = sql(db, "SELECT current_date")[0:1]
    after_creation = (today + datetime.timedelta(days=14)).isoformat()
    past = new_round(api, [n], baseline=False, start="2020-01-01", end="2020-02-01")
    assert past["status"] == "closed" and past["closedAt"] is None and past["frozen"] is False
    assert past["lateSyncUntil"] == after_creation
    assert requests.post(f"{api}/v1/responses", json=resident(past["id"], n), timeout=5).status_code == 201
    assert requests.post(f"{api}/v1/rounds/{past['id']}/close", timeout=5).status_code == 200
    problem(requests.post(f"{api}/v1/responses", json=resident(past["id"], n), timeout=5), 409, "/roundId")
    problem(requests.post(f"{api}/v1/rounds/{past['id']}/close", timeout=5), 409)
    problem(requests.post(f"{api}/v1/rounds/{uuid.uuid4()}/close", timeout=5), 404)
    # Not closed explicitly: it freezes once the clock's date passes lateSyncUntil,
    # not on it.
    lapsing = new_round(api, [n], baseline=False, start="2020-01-01", end="2020-02-01")
    assert lapsing["lateSyncUntil"] == after_creation
    kept = resident(lapsing["id"], n)
    assert requests.post(f"{api}/v1/responses", json=kept, timeout=5).status_code == 201
    tick(stack, after_creation)
    got = requests.get(f"{api}/v1/rounds/{lapsing['id']}", timeout=5).json()
    assert got["frozen"] is False and got["closedAt"] is None, got
    assert requests.post(f"{api}/v1/responses", json=resident(lapsing["id"], n), timeout=5).status_code == 201
    tick(stack, (today + datetime.timedelta(days=15)).isoformat())
    got = requests.get(f"{api}/v1/rounds/{lapsing['id']}", timeout=5).json()
    valid("round.json", got)
    assert got["frozen"] is True and got["status"] == "closed" and got["closedAt"] is None, got
    late = resident(lapsing["id"], n)
    problem(requests.post(f"{api}/v1/responses", json=late, timeout=5), 409, "/roundId")
    assert sql(db, "SELECT 1 FROM survey_response WHERE id = %s", late["id"]) == []
    assert requests.post(f"{api}/v1/responses", json=kept, timeout=5).status_code == 200
    # Frozen already: closing it explicitly now is a conflict too.
    problem(requests.post(f"{api}/v1/rounds/{lapsing['id']}/close", timeout=5), 409)


def test_listing_rounds(api, db, place):
    """A front-end finds the open round to field: filters, pages, and only the
    neighbourhoods (and rounds) the key may see."""
    n, other = place["n"]["id"], place["other"]["id"]
    both = new_round(api, [n, other], baseline=False, start="2031-03-01", end="2031-04-01")
    mine = new_round(api, [n], baseline=False, start="2031-05-01", end="2031-06-01")
    theirs = new_round(api, [other], baseline=False, start="2031-05-02", end="2031-06-01")
    past = new_round(api, [n], baseline=False, start="2020-01-01", end="2020-02-01")
    survey = new_round(api, [n], baseline=False, start="2031-05-01", end="2031-06-01", instrument="sector")
    got = requests.get(f"{api}/v1/rounds", params={"neighbourhood": n, "limit": 500}, timeout=5)
    assert got.status_code == 200, got.text
    valid("round-list.json", got.json())
    ids = [r["id"] for r in got.json()["items"]]
    assert {both["id"], mine["id"], past["id"], survey["id"]} <= set(ids) and theirs["id"] not in ids
    starts = [r["fieldworkStart"] for r in got.json()["items"]]
    assert starts == sorted(starts)
    open_ids = [r["id"] for r in requests.get(f"{api}/v1/rounds", timeout=5, params={
        "neighbourhood": n, "status": "open", "instrument": "resident", "limit": 500}).json()["items"]]
    assert mine["id"] in open_ids and past["id"] not in open_ids
    closed_ids = [r["id"] for r in requests.get(f"{api}/v1/rounds", timeout=5, params={
        "neighbourhood": n, "status": "closed", "limit": 500}).json()["items"]]
    assert past["id"] in closed_ids and mine["id"] not in closed_ids
    sector_rounds = requests.get(f"{api}/v1/rounds", params={"neighbourhood": n, "instrument": "sector",
                                                              "limit": 500}, timeout=5).json()["items"]
    assert all(r["instrument"] == "sector" for r in sector_rounds)
    assert survey["id"] in [r["id"] for r in sector_rounds] and mine["id"] not in [r["id"] for r in sector_rounds]
    # Pages of one, resumed by cursor, give the same rounds in the same order.
    paged, cursor = [], None
    while True:
        page = requests.get(f"{api}/v1/rounds", timeout=5, params={
            "neighbourhood": n, "limit": 1, **({"cursor": cursor} if cursor else {})}).json()
        paged += [r["id"] for r in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert paged == ids
    # A key limited to n sees the shared round with n alone, and not theirs.
    headers, _ = limited_key(api, [n], scopes=("read",))
    seen = {r["id"]: r for r in requests.get(f"{api}/v1/rounds", headers=headers, timeout=5,
                                             params={"limit": 500}).json()["items"]}
    assert theirs["id"] not in seen
    assert [a["neighbourhoodId"] for a in seen[both["id"]]["neighbourhoods"]] == [n]
    problem(requests.get(f"{api}/v1/rounds", params={"status": "ajar"}, timeout=5), 422)
    problem(requests.get(f"{api}/v1/rounds", params={"neighbourhood": "nope"}, timeout=5), 422)
    problem(requests.get(f"{api}/v1/rounds", params={"cursor": "bm90LWEtY3Vyc29y"}, timeout=5), 422, "/cursor")


def test_a_new_round_commits_with_its_created_event(api, db, place):
    n, other = place["n"]["id"], place["other"]["id"]
    rnd = new_round(api, [other, n], baseline=False)
    ev = [e for e in events_of(db, rnd["id"]) if e["type"] == "record.created"]
    assert len(ev) == 1, ev
    valid("event-record-changed.json", ev[0])
    assert ev[0]["data"]["entity"] == "survey_round" and ev[0]["data"]["version"] == 1
    assert sorted(ev[0]["data"]["neighbourhoodIds"]) == sorted([n, other])
    # A refused round leaves no event.
    before = outbox_count(db)
    problem(requests.post(f"{api}/v1/rounds", timeout=5, json={
        "instrument": "resident", "name": "R", "fieldworkStart": "2026-01-01", "fieldworkEnd": "2099-01-01",
        "neighbourhoods": [{"neighbourhoodId": n}, {"neighbourhoodId": str(uuid.uuid4())}]}), 422)
    assert outbox_count(db) == before


def test_round_programme(api, db):
    n = new_neighbourhood(api)
    (prog,), = sql(db, "INSERT INTO programme (name, locality, start_date) VALUES ('P', 'L', '2026-01-01')"
                       " RETURNING id::text")[0:1]
    body = {"instrument": "resident", "name": "R", "fieldworkStart": "2026-01-01", "fieldworkEnd": "2099-01-01",
            "programmeId": prog, "neighbourhoods": [{"neighbourhoodId": n["id"]}]}
    r = requests.post(f"{api}/v1/rounds", json=body, timeout=5)
    assert r.status_code == 201 and r.json()["programmeId"] == prog
    valid("round.json", r.json())
    problem(requests.post(f"{api}/v1/rounds", json=dict(body, programmeId=str(uuid.uuid4())), timeout=5),
            422, "/programmeId")


def test_baseline_per_neighbourhood_and_instrument(api, db, place):
    n, other = place["n"]["id"], place["other"]["id"]
    first = new_round(api, [n, other], baseline=True)
    second = new_round(api, [n], baseline=False)
    r = requests.put(f"{api}/v1/neighbourhoods/{n}/baselines/resident", json={"roundId": second["id"]}, timeout=5)
    assert r.status_code == 200, r.text
    valid("baseline.json", r.json())
    assert r.json() == {"neighbourhoodId": n, "instrument": "resident", "roundId": second["id"]}
    flags = {a["neighbourhoodId"]: a["baseline"]
             for a in requests.get(f"{api}/v1/rounds/{first['id']}", timeout=5).json()["neighbourhoods"]}
    assert flags == {n: False, other: True}  # the other neighbourhood keeps its baseline
    assert requests.get(f"{api}/v1/rounds/{second['id']}", timeout=5).json()["neighbourhoods"][0]["baseline"]
    ev = [e for e in events_of(db, second["id"]) if e["type"] == "record.updated"]
    assert ev and ev[-1]["data"]["neighbourhoodIds"] == [n]
    # Setting it again changes nothing but is fine.
    assert requests.put(f"{api}/v1/neighbourhoods/{n}/baselines/resident", json={"roundId": second["id"]},
                        timeout=5).status_code == 200
    sector_round = new_round(api, [n], baseline=False, instrument="sector")
    problem(requests.put(f"{api}/v1/neighbourhoods/{n}/baselines/resident", json={"roundId": sector_round["id"]},
                         timeout=5), 422, "/roundId")
    assert requests.put(f"{api}/v1/neighbourhoods/{n}/baselines/sector", json={"roundId": sector_round["id"]},
                        timeout=5).status_code == 200
    elsewhere = new_round(api, [other], baseline=False)
    problem(requests.put(f"{api}/v1/neighbourhoods/{n}/baselines/resident", json={"roundId": elsewhere["id"]},
                         timeout=5), 422, "/roundId")
    problem(requests.put(f"{api}/v1/neighbourhoods/{n}/baselines/household", json={"roundId": second["id"]},
                         timeout=5), 404)
    problem(requests.put(f"{api}/v1/neighbourhoods/{uuid.uuid4()}/baselines/resident",
                         json={"roundId": second["id"]}, timeout=5), 404)
    problem(requests.put(f"{api}/v1/neighbourhoods/{n}/baselines/resident", json={"round": second["id"]},
                         timeout=5), 422, "/round")
    headers, _ = limited_key(api, [other], scopes=("admin",))
    problem(requests.put(f"{api}/v1/neighbourhoods/{n}/baselines/resident", json={"roundId": first["id"]},
                         headers=headers, timeout=5), 404)


# -------------------------------------------------------------------- batches

def test_mixed_batch_results_in_order(api, db, place):
    n = place["n"]["id"]
    rnd = new_round(api, [n], baseline=False)
    stored = resident(rnd["id"], n)
    assert requests.post(f"{api}/v1/responses", json=stored, timeout=5).status_code == 201
    new1, new2 = resident(rnd["id"], n), resident(rnd["id"], n)
    items = [new1,                                                   # created
             stored,                                                 # duplicate
             dict(stored, answers={"q01": "no"}),                    # conflict
             dict(resident(rnd["id"], n), answers={"q04": "no", "q05": "weekly"}),  # invalid (schema)
             resident(str(uuid.uuid4()), n),                         # invalid (no such round)
             {"roundId": rnd["id"]},                                 # invalid, no id
             new2]                                                   # created
    before = outbox_count(db)
    r = requests.post(f"{api}/v1/responses/batch", json={"instrument": "resident", "items": items}, timeout=30)
    assert r.status_code == 200, r.text
    got = r.json()
    valid("response-batch-result.json", got)
    assert [i["status"] for i in got["items"]] == ["created", "duplicate", "conflict", "invalid", "invalid",
                                                   "invalid", "created"]
    assert [i["index"] for i in got["items"]] == list(range(7))
    assert got["items"][0]["id"] == new1["id"] and got["items"][5]["id"] is None
    assert "/answers/q05" in [e["pointer"] for e in got["items"][3]["errors"]]  # relative to the item
    assert got["items"][4]["errors"][0]["pointer"] == "/roundId"
    assert got["items"][2]["errors"][0]["pointer"] == "/id"
    assert got["counts"] == {"created": 2, "duplicate": 1, "conflict": 1, "invalid": 3}
    assert outbox_count(db) == before + 2
    for body in (new1, new2):
        assert [e["type"] for e in events_of(db, body["id"])] == ["response.submitted"]
    # The same batch again changes nothing.
    again = requests.post(f"{api}/v1/responses/batch", json={"instrument": "resident", "items": items}, timeout=30)
    assert [i["status"] for i in again.json()["items"]] == ["duplicate", "duplicate", "conflict", "invalid",
                                                            "invalid", "invalid", "duplicate"]
    assert outbox_count(db) == before + 2


def test_resent_batch_is_all_duplicate(api, db, place):
    n = place["n"]["id"]
    rnd = new_round(api, [n], baseline=False, instrument="sector")
    items = [sector(rnd["id"], place["org"]) for _ in range(50)]
    first = requests.post(f"{api}/v1/responses/batch", json={"instrument": "sector", "items": items}, timeout=30)
    assert first.json()["counts"]["created"] == 50, first.text
    before = outbox_count(db)
    again = requests.post(f"{api}/v1/responses/batch", json={"instrument": "sector", "items": items}, timeout=30)
    assert again.status_code == 200 and again.json()["counts"] == {"created": 0, "duplicate": 50, "conflict": 0,
                                                                   "invalid": 0}
    assert outbox_count(db) == before
    assert sql(db, "SELECT count(*) FROM survey_response WHERE round_id = %s", rnd["id"])[0][0] == 50


def test_dry_run_checks_everything_and_stores_nothing(api, db, place):
    n = place["n"]["id"]
    rnd = new_round(api, [n], baseline=False)
    stored = resident(rnd["id"], n)
    assert requests.post(f"{api}/v1/responses", json=stored, timeout=5).status_code == 201
    fresh = resident(rnd["id"], n)
    items = [fresh, stored, dict(stored, answers={"q01": "no"}), resident(rnd["id"], n, weight=2.0),
             resident(rnd["id"], place["other"]["id"]), fresh]
    before = outbox_count(db)
    r = requests.post(f"{api}/v1/responses/batch", json={"instrument": "resident", "dryRun": True, "items": items},
                      timeout=30)
    assert r.status_code == 200, r.text
    got = r.json()
    valid("response-batch-result.json", got)
    assert got["dryRun"] is True
    # The same checks as a real run, later items seeing earlier ones.
    assert [i["status"] for i in got["items"]] == ["created", "duplicate", "conflict", "invalid", "invalid",
                                                   "duplicate"]
    assert got["items"][3]["errors"][0]["pointer"] == "/weight"
    assert outbox_count(db) == before
    assert sql(db, "SELECT 1 FROM survey_response WHERE id = %s", fresh["id"]) == []
    # Nothing stored: the real run creates it.
    real = requests.post(f"{api}/v1/responses/batch", json={"instrument": "resident", "items": [fresh]}, timeout=30)
    assert real.json()["items"][0]["status"] == "created"
    # A dry run on a fresh round does not decide its weighting.
    other = new_round(api, [n], baseline=False)
    requests.post(f"{api}/v1/responses/batch", timeout=30,
                  json={"instrument": "resident", "dryRun": True, "items": [resident(other["id"], n, weight=3)]})
    assert requests.get(f"{api}/v1/rounds/{other['id']}", timeout=5).json()["weighted"] is None


def test_batch_limits(api, db, place):
    n = place["n"]["id"]
    rnd = new_round(api, [n], baseline=False)
    before = outbox_count(db)
    items = [resident(rnd["id"], n) for _ in range(1001)]
    problem(requests.post(f"{api}/v1/responses/batch", json={"instrument": "resident", "items": items}, timeout=30),
            422, "/items")
    assert sql(db, "SELECT count(*) FROM survey_response WHERE round_id = %s", rnd["id"])[0][0] == 0
    problem(requests.post(f"{api}/v1/responses/batch", json={"instrument": "resident", "items": []}, timeout=30),
            422, "/items")
    problem(requests.post(f"{api}/v1/responses/batch", json={"instrument": "household", "items": items[:1]},
                          timeout=30), 422, "/instrument")
    # Over the body limit (the tests run with 1 MiB): 413, nothing stored.
    padded = [resident(rnd["id"], n, answers={"q01": "yes"}) for _ in range(900)]
    big = json.dumps({"instrument": "resident", "items": padded, "pad": "x" * (1100 * 1024)})
    problem(requests.post(f"{api}/v1/responses/batch", data=big, headers={"Content-Type": "application/json"},
                          timeout=30), 413)
    assert outbox_count(db) == before
    # Exactly 1,000 are fine.
    r = requests.post(f"{api}/v1/responses/batch", json={"instrument": "resident", "items": items[:1000]}, timeout=120)
    assert r.status_code == 200 and r.json()["counts"]["created"] == 1000, r.text[:500]


def test_batch_of_a_foreign_neighbourhood_is_invalid_items(api, db, place):
    rnd = new_round(api, [place["n"]["id"]], baseline=False, instrument="agency")
    headers, _ = limited_key(api, [place["other"]["id"]])
    r = requests.post(f"{api}/v1/responses/batch", headers=headers, timeout=30,
                      json={"instrument": "agency", "items": [agency_report(rnd["id"], place["n"]["id"])]})
    assert r.status_code == 200 and r.json()["items"][0]["status"] == "invalid"
    assert r.json()["items"][0]["errors"][0]["pointer"] == "/roundId"

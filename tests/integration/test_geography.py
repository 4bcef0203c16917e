"""Geography and the programme: areas with dated populations (one at a time
and from CSV), neighbourhoods of areas with derived populations and phases,
programmes with their stages and milestones, completion with evidence, the
end at a break clause, ETags, and the record.* events in the outbox."""
import concurrent.futures
import json
import random
import uuid

import requests

from conftest import new_neighbourhood


def code(prefix):
    """A fresh GSS code: E05 for a ward, E01 for an LSOA."""
    return f"{prefix}{random.randrange(10**6):06d}"


def fresh(prefix):
    for _ in range(50):
        c = code(prefix)
        if requests.get(f"{API[0]}/v1/areas/{c}", timeout=5).status_code == 404:
            return c
    raise AssertionError("no free area code")


API = [None]


def area(api, kind="ward", ward=None, population=6500, valid_from="2022-06-30", **over):
    API[0] = api
    body = {"code": fresh("E05" if kind == "ward" else "E01"), "kind": kind, "name": f"Area {uuid.uuid4().hex[:6]}",
            "population": population, "validFrom": valid_from, **({"wardCode": ward} if ward else {}), **over}
    r = requests.post(f"{api}/v1/areas", json=body, timeout=5)
    assert r.status_code == 201, r.text
    return r.json()


def problem(r, status, pointer=None):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    if pointer:
        pointers = [e["pointer"] for e in r.json().get("errors", [])]
        assert pointer in pointers, pointers
    return r.json()


def events(db, entity, record_id):
    cur = db.cursor()
    cur.execute("SELECT payload FROM outbox WHERE topic = 'cdm.submissions'"
                " AND payload::jsonb->'data'->>'entity' = %s AND payload::jsonb->'data'->>'id' = %s ORDER BY seq",
                (entity, record_id))
    return [json.loads(p) for (p,) in cur.fetchall()]


def area_id(db, c):
    cur = db.cursor()
    cur.execute("SELECT id::text FROM area WHERE code = %s", (c,))
    row = cur.fetchone()
    return row[0] if row else None


def programme(api, **over):
    body = {"name": "Northfield programme", "locality": "Northfield", "startDate": "2024-01-01", **over}
    r = requests.post(f"{api}/v1/programmes", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def milestones(api, pid, **params):
    items, cursor = [], None
    while True:
        r = requests.get(f"{api}/v1/programmes/{pid}/milestones",
                         params={**params, **({"cursor": cursor} if cursor else {})}, timeout=5)
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        cursor = page["next"]
        if not cursor:
            return items


# ---------------------------------------------------------------- areas

def test_area_create_replay_conflict_and_validation(api, db):
    ward = area(api)
    assert ward["population"] == 6500 and ward["populationValidFrom"] == "2022-06-30" and ward["wardCode"] is None
    body = {k: ward[k] for k in ("code", "kind", "name")} | {"population": 6500, "validFrom": "2022-06-30"}
    again = requests.post(f"{api}/v1/areas", json=body, timeout=5)
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    problem(requests.post(f"{api}/v1/areas", json={**body, "name": "Other"}, timeout=5), 409, "/name")
    problem(requests.post(f"{api}/v1/areas", json={**body, "population": 6501}, timeout=5), 409, "/population")
    problem(requests.post(f"{api}/v1/areas", json={**body, "validFrom": "2023-06-30"}, timeout=5), 409, "/validFrom")
    lsoa = area(api, "lsoa", ward=ward["code"], population=1500)
    assert lsoa["wardCode"] == ward["code"]
    # validation: nothing stored
    bad = {"code": fresh("E01"), "kind": "lsoa", "name": "X", "population": 10, "validFrom": "2022-06-30"}
    problem(requests.post(f"{api}/v1/areas", json={**bad, "wardCode": fresh("E05")}, timeout=5), 422, "/wardCode")
    problem(requests.post(f"{api}/v1/areas", json={**bad, "population": 0}, timeout=5), 422, "/population")
    problem(requests.post(f"{api}/v1/areas", json={**bad, "code": "X123"}, timeout=5), 422, "/code")
    problem(requests.post(f"{api}/v1/areas", json={**bad, "kind": "county"}, timeout=5), 422, "/kind")
    problem(requests.post(f"{api}/v1/areas", json={**bad, "validFrom": "2022-02-30"}, timeout=5), 422, "/validFrom")
    problem(requests.post(f"{api}/v1/areas", json={**bad, "extra": 1}, timeout=5), 422, "/extra")
    problem(requests.post(f"{api}/v1/areas", json={**bad, "kind": "ward", "wardCode": ward["code"]}, timeout=5), 422)
    assert area_id(db, bad["code"]) is None
    problem(requests.get(f"{api}/v1/areas/{bad['code']}", timeout=5), 404)
    problem(requests.get(f"{api}/v1/areas/nonsense", timeout=5), 404)
    created = events(db, "area", area_id(db, ward["code"]))
    assert [(e["type"], e["data"]["version"]) for e in created] == [("record.created", 1)]


def test_populations_are_dated_and_never_rewrite_the_past(api, db):
    ward = area(api, population=6000, valid_from="2021-06-30")
    c = ward["code"]
    url = f"{api}/v1/areas/{c}/populations"
    r = requests.post(url, json={"population": 6400, "validFrom": "2023-06-30", "source": "ONS mid-2023"}, timeout=5)
    assert r.status_code == 201, r.text
    assert r.json()["population"] == 6400
    same = requests.post(url, json={"population": 6400, "validFrom": "2023-06-30"}, timeout=5)
    assert same.status_code == 200 and same.headers.get("Idempotent-Replayed") == "true"
    problem(requests.post(url, json={"population": 6401, "validFrom": "2023-06-30"}, timeout=5), 409, "/population")
    problem(requests.post(url, json={"population": -1, "validFrom": "2023-06-30"}, timeout=5), 422, "/population")
    problem(requests.post(f"{api}/v1/areas/{fresh('E05')}/populations", json={"population": 5, "validFrom": "2023-06-30"}, timeout=5), 404)
    earlier = requests.get(f"{api}/v1/areas/{c}", params={"on": "2022-12-31"}, timeout=5).json()
    assert earlier["population"] == 6000 and earlier["populationValidFrom"] == "2021-06-30"
    later = requests.get(f"{api}/v1/areas/{c}", timeout=5).json()
    assert later["population"] == 6400
    assert [(p["validFrom"], p["population"], p["source"]) for p in later["populations"]] == [
        ("2021-06-30", 6000, None), ("2023-06-30", 6400, "ONS mid-2023")]
    before = requests.get(f"{api}/v1/areas/{c}", params={"on": "2020-01-01"}, timeout=5).json()
    assert before["population"] is None
    problem(requests.get(f"{api}/v1/areas/{c}", params={"on": "2020-13-01"}, timeout=5), 422, "/on")
    evs = events(db, "area", area_id(db, c))
    assert [(e["type"], e["data"]["version"]) for e in evs] == [("record.created", 1), ("record.updated", 2)]


def test_concurrent_identical_area_creates_give_one_201(api):
    API[0] = api
    body = {"code": fresh("E05"), "kind": "ward", "name": "Race ward", "population": 5000, "validFrom": "2022-06-30"}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(lambda _: requests.post(f"{api}/v1/areas", json=body, timeout=10).status_code, range(8)))
    assert codes == [200] * 7 + [201]


def test_area_list_filters_and_pages(api):
    ward = area(api)
    lsoas = sorted(area(api, "lsoa", ward=ward["code"], population=1500 + i)["code"] for i in range(5))
    got, cursor = [], None
    while True:
        r = requests.get(f"{api}/v1/areas", params={"ward": ward["code"], "limit": 2, **({"cursor": cursor} if cursor else {})}, timeout=5)
        assert r.status_code == 200, r.text
        got += [a["code"] for a in r.json()["items"]]
        cursor = r.json()["next"]
        if not cursor:
            break
    assert got == lsoas
    wards = requests.get(f"{api}/v1/areas", params={"kind": "ward", "limit": 1000}, timeout=5).json()["items"]
    assert all(a["kind"] == "ward" for a in wards) and ward["code"] in [a["code"] for a in wards]
    problem(requests.get(f"{api}/v1/areas", params={"kind": "county"}, timeout=5), 422, "/kind")
    problem(requests.get(f"{api}/v1/areas", params={"cursor": "!!"}, timeout=5), 422, "/cursor")
    problem(requests.get(f"{api}/v1/areas", params={"limit": 0}, timeout=5), 422, "/limit")


# ---------------------------------------------------------------- CSV import

def csv_post(api, text, ct="text/csv"):
    return requests.post(f"{api}/v1/areas/import", data=text.encode(), headers={"Content-Type": ct}, timeout=30)


def test_csv_import_is_all_or_nothing_and_idempotent(api, db):
    API[0] = api
    w1, w2 = fresh("E05"), fresh("E05")
    l1, l2, l3 = fresh("E01"), fresh("E01"), fresh("E01")
    text = ("code,kind,name,ward_code,population,valid_from,source\r\n"
            f"{l1},lsoa,\"Northfield 001A, east\",{w1},1500,2022-06-30,ONS\r\n"   # before its ward: wards load first
            f"{w1},ward,Northfield,,6500,2022-06-30,ONS\r\n"
            f"{w2},ward,Southfield,,6100,2022-06-30,\r\n"
            f"{l2},lsoa,Southfield 002B,{w2},1550,2022-06-30,\r\n"
            f"{l3},lsoa,Southfield 003C,{w2},1490,2022-06-30,\r\n")
    r = csv_post(api, text)
    assert r.status_code == 200, r.text
    assert r.json() == {"lines": 5, "created": 5, "populationsAdded": 0, "unchanged": 0}
    got = requests.get(f"{api}/v1/areas/{l1}", timeout=5).json()
    assert got["name"] == "Northfield 001A, east" and got["wardCode"] == w1 and got["population"] == 1500
    n_events = len(events(db, "area", area_id(db, l1)))
    again = csv_post(api, text)
    assert again.status_code == 200 and again.json() == {"lines": 5, "created": 0, "populationsAdded": 0, "unchanged": 5}
    assert len(events(db, "area", area_id(db, l1))) == n_events
    # a new estimate for one area, the rest unchanged
    newer = text + f"{w1},ward,Northfield,,6600,2023-06-30,ONS\r\n"
    r = csv_post(api, newer.replace(f"{w1},ward,Northfield,,6500,2022-06-30,ONS\r\n", ""))
    assert r.status_code == 200 and r.json()["populationsAdded"] == 1 and r.json()["created"] == 0, r.text
    assert requests.get(f"{api}/v1/areas/{w1}", params={"on": "2022-12-31"}, timeout=5).json()["population"] == 6500
    assert requests.get(f"{api}/v1/areas/{w1}", timeout=5).json()["population"] == 6600


def test_csv_import_lists_every_bad_line_and_stores_nothing(api, db):
    API[0] = api
    w, good, l2 = fresh("E05"), fresh("E01"), fresh("E01")
    text = ("code,kind,name,ward_code,population,valid_from\n"
            f"{w},ward,Good ward,,6000,2022-06-30\n"                 # line 2
            f"{good},lsoa,Good,{w},1500,2022-06-30\n"                # line 3
            f"{fresh('E01')},lsoa,Bad pop,{w},lots,2022-06-30\n"     # line 4
            f"{fresh('E01')},lsoa,Bad date,{w},10,2022-02-30\n"      # line 5
            f"{fresh('E01')},county,Bad kind,,10,2022-06-30\n"       # line 6
            "nonsense,lsoa,Bad code,,10,2022-06-30\n"                # line 7
            f"{good},lsoa,Twice,{w},1500,2022-06-30\n"               # line 8
            f"{fresh('E01')},lsoa,Short\n"                           # line 9
            f"{l2},lsoa,No ward,{fresh('E05')},10,2022-06-30\n")     # line 10: only found against the database
    body = problem(csv_post(api, text), 422)
    pointers = [e["pointer"] for e in body["errors"]]
    for p in ("/lines/4/population", "/lines/5/valid_from", "/lines/6/kind", "/lines/7/code", "/lines/8/code", "/lines/9"):
        assert p in pointers, pointers
    assert area_id(db, w) is None and area_id(db, good) is None
    # syntactically fine, but the ward exists nowhere: found in the transaction, rolled back
    text2 = "\n".join(text.split("\n")[:3] + [text.split("\n")[9]]) + "\n"
    problem(csv_post(api, text2), 422, "/lines/4/ward_code")
    assert area_id(db, w) is None and area_id(db, good) is None
    problem(csv_post(api, "code,name\nx,y\n"), 422, "/lines/1")
    problem(csv_post(api, ""), 422, "/lines/1")
    problem(csv_post(api, text, ct="application/json"), 415)
    big = "code,kind,name,ward_code,population,valid_from\n" + ("x" * 1023 + "\n") * 4200
    problem(csv_post(api, big), 413)


# ---------------------------------------------------------------- neighbourhoods

def test_neighbourhood_population_is_derived_from_its_areas(api, db):
    w1 = area(api, population=6000, valid_from="2021-06-30")
    l1 = area(api, "lsoa", ward=w1["code"], population=1500, valid_from="2021-06-30")
    w2 = area(api, population=6100, valid_from="2021-06-30")
    l2 = area(api, "lsoa", ward=w2["code"], population=1600, valid_from="2021-06-30")
    body = {"code": f"t-{uuid.uuid4().hex[:12]}", "name": "Derived", "wave": 1, "areas": [l2["code"], w1["code"]]}
    r = requests.post(f"{api}/v1/neighbourhoods", json=body, timeout=5)
    assert r.status_code == 201, r.text
    n = r.json()
    assert n["population"] == 7600 and n["populationSource"] == "derived"
    assert n["areas"] == sorted([w1["code"], l2["code"]]) and n["programmeId"] is None and "phase" not in n
    assert requests.post(f"{api}/v1/areas/{w1['code']}/populations",
                         json={"population": 6300, "validFrom": "2023-06-30"}, timeout=5).status_code == 201
    at = lambda on: requests.get(f"{api}/v1/neighbourhoods/{n['id']}", params={"on": on}, timeout=5).json()["population"]
    assert at("2022-01-01") == 7600 and at("2024-01-01") == 7900 and at("2020-01-01") is None
    assert requests.get(f"{api}/v1/neighbourhoods/{n['id']}", timeout=5).json()["population"] == 7900
    ev = events(db, "neighbourhood", n["id"])
    assert [(e["type"], e["data"]["neighbourhoodIds"]) for e in ev] == [("record.created", [n["id"]])]
    # the population change of w1 names the neighbourhood it counts in
    upd = events(db, "area", area_id(db, w1["code"]))[-1]
    assert upd["type"] == "record.updated" and upd["data"]["neighbourhoodIds"] == [n["id"]]
    # validation, nothing stored
    fresh_body = lambda **o: {"code": f"t-{uuid.uuid4().hex[:12]}", "name": "X", "wave": 1, **o}
    b = fresh_body(areas=[w1["code"], l1["code"]])
    problem(requests.post(f"{api}/v1/neighbourhoods", json=b, timeout=5), 422, "/areas/1")
    problem(requests.post(f"{api}/v1/neighbourhoods", json=fresh_body(areas=[fresh("E01")]), timeout=5), 422, "/areas/0")
    problem(requests.post(f"{api}/v1/neighbourhoods", json=fresh_body(areas=[w1["code"]], population=5), timeout=5), 422)
    problem(requests.post(f"{api}/v1/neighbourhoods", json=fresh_body(), timeout=5), 422)
    problem(requests.post(f"{api}/v1/neighbourhoods", json=fresh_body(areas=[]), timeout=5), 422, "/areas")
    problem(requests.post(f"{api}/v1/neighbourhoods", json=fresh_body(areas=[w1["code"], w1["code"]]), timeout=5), 422, "/areas")
    problem(requests.post(f"{api}/v1/neighbourhoods", json=fresh_body(areas=[w1["code"]], programmeId=str(uuid.uuid4())), timeout=5),
            422, "/programmeId")
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM neighbourhood WHERE code = %s", (b["code"],))
    assert cur.fetchone()[0] == 0
    declared = new_neighbourhood(api)
    assert declared["populationSource"] == "declared" and declared["population"] == 6500 and declared["areas"] == []


# ---------------------------------------------------------------- programme

def test_programme_calendar_and_milestones(api, db):
    p = programme(api)
    assert [(s["stage"], s["startMonth"], s["endMonth"], s["startDate"], s["endDate"]) for s in p["stages"]] == [
        (1, 1, 6, "2024-01-01", "2024-06-30"), (2, 7, 24, "2024-07-01", "2025-12-31"),
        (3, 25, 42, "2026-01-01", "2027-06-30"), (4, 43, 60, "2027-07-01", "2028-12-31")]
    assert p["endDate"] == "2028-12-31" and p["version"] == 1
    get = lambda on: requests.get(f"{api}/v1/programmes/{p['id']}", params={"on": on}, timeout=5)
    r = get("2024-06-30")
    assert r.headers["ETag"] == '"1"'
    assert (r.json()["month"], r.json()["stage"], r.json()["ended"]) == (6, 1, False)
    assert (get("2024-07-01").json()["month"], get("2024-07-01").json()["stage"]) == (7, 2)
    assert (get("2025-12-31").json()["stage"], get("2026-01-01").json()["stage"]) == (2, 3)
    assert (get("2023-12-31").json()["month"], get("2023-12-31").json()["stage"]) == (0, None)
    assert (get("2029-01-01").json()["month"], get("2029-01-01").json()["ended"]) == (61, True)
    ms = milestones(api, p["id"], limit=7)
    assert len(ms) == 28 and len({m["id"] for m in ms}) == 28
    assert {m["stage"]: m["dueMonth"] for m in ms} == {1: 6, 2: 24, 3: 42, 4: 60}
    assert {m["stage"]: m["dueOn"] for m in ms} == {1: "2024-06-30", 2: "2025-12-31", 3: "2027-06-30", 4: "2028-12-31"}
    assert "Establishment of baselines" in [m["title"] for m in ms if m["stage"] == 1]
    assert "Progress report against baselines and any other developments" in [m["title"] for m in ms if m["stage"] == 2]
    ev = events(db, "programme", p["id"])
    assert [e["type"] for e in ev] == ["record.created"]
    assert all(events(db, "milestone", m["id"])[0]["type"] == "record.created" for m in ms[:3])
    # custom stage lengths
    q = programme(api, startDate="2025-03-01", stageMonths=[3, 12, 12, 9])
    assert {m["stage"]: m["dueMonth"] for m in milestones(api, q["id"])} == {1: 3, 2: 15, 3: 27, 4: 36}
    assert q["endDate"] == "2028-02-29"
    # list and pages
    listed, cursor = [], None
    while True:
        page = requests.get(f"{api}/v1/programmes", params={"limit": 1, **({"cursor": cursor} if cursor else {})}, timeout=5).json()
        listed += [x["id"] for x in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert p["id"] in listed and q["id"] in listed and len(listed) == len(set(listed))
    # validation
    bad = {"name": "X", "locality": "Y", "startDate": "2024-01-15"}
    problem(requests.post(f"{api}/v1/programmes", json=bad, timeout=5), 422, "/startDate")
    problem(requests.post(f"{api}/v1/programmes", json={**bad, "startDate": "2024-01-01", "stageMonths": [6, 18, 18]}, timeout=5), 422, "/stageMonths")
    problem(requests.post(f"{api}/v1/programmes", json={**bad, "startDate": "2024-01-01", "stageMonths": [6, 0, 18, 18]}, timeout=5), 422)
    problem(requests.get(f"{api}/v1/programmes/{uuid.uuid4()}", timeout=5), 404)
    problem(requests.get(f"{api}/v1/programmes/{uuid.uuid4()}/milestones", timeout=5), 404)


def test_programme_resend_with_client_id(api):
    pid = str(uuid.uuid4())
    body = {"id": pid, "name": "Resent", "locality": "Northfield", "startDate": "2024-04-01"}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(lambda _: requests.post(f"{api}/v1/programmes", json=body, timeout=10).status_code, range(4)))
    assert codes == [200, 200, 200, 201]
    assert len(milestones(api, pid)) == 28
    problem(requests.post(f"{api}/v1/programmes", json={**body, "name": "Other"}, timeout=5), 409, "/id")


def test_phase_of_each_wave(api):
    p = programme(api, startDate="2024-01-01")
    ns = {w: new_neighbourhood(api, wave=w, programmeId=p["id"]) for w in (1, 2, 3, 4)}
    assert ns[1]["programmeId"] == p["id"] and "phase" in ns[1]

    def phases(on):
        r = requests.get(f"{api}/v1/programmes/{p['id']}/neighbourhoods", params={"on": on, "limit": 1000}, timeout=5)
        assert r.status_code == 200, r.text
        by_id = {n["id"]: n for n in r.json()["items"]}
        assert set(by_id) == {n["id"] for n in ns.values()}
        return {w: (by_id[n["id"]]["programmeMonth"], by_id[n["id"]]["phase"]) for w, n in ns.items()}

    assert phases("2023-12-31")[1] == (0, "not_started")
    got = phases("2024-06-30")  # month 6
    assert got[1] == (6, "baseline") and got[2][1] == "baseline"
    got = phases("2024-07-01")  # month 7
    assert got[1] == (7, "intensive") and got[2][1] == "baseline"
    got = phases("2025-12-31")  # month 24
    assert got[1][1] == "intensive" and got[2][1] == "baseline"
    got = phases("2026-01-01")  # month 25
    assert got[1][1] == "maintenance" and got[2][1] == "intensive" and got[3][1] == "baseline"
    got = phases("2027-07-01")  # month 43
    assert got[2][1] == "maintenance" and got[3][1] == "intensive" and got[4][1] == "baseline"
    got = phases("2029-01-01")  # month 61
    assert {ph for _, ph in got.values()} == {"ended"}
    one = requests.get(f"{api}/v1/neighbourhoods/{ns[2]['id']}", params={"on": "2026-01-01"}, timeout=5).json()
    assert (one["programmeMonth"], one["phase"]) == (25, "intensive")


def test_milestone_status_completion_and_if_match(api, db):
    p = programme(api, startDate="2024-01-01")
    due = milestones(api, p["id"], on="2024-06-30", status="due")
    assert len(due) == 28
    over = milestones(api, p["id"], on="2024-07-01", status="overdue")
    assert len(over) == 5 and {m["stage"] for m in over} == {1}
    m = over[0]
    url = f"{api}/v1/milestones/{m['id']}/completion"
    got = requests.get(f"{api}/v1/milestones/{m['id']}", timeout=5)
    etag = got.headers["ETag"]
    assert etag == '"1"'
    body = {"completedOn": "2024-07-10", "evidence": {"url": "https://example.org/baselines.pdf", "note": "Report to the steering group"}}
    problem(requests.post(url, json=body, timeout=5), 428)
    problem(requests.post(url, json=body, headers={"If-Match": '"7"'}, timeout=5), 412)
    problem(requests.post(url, json={**body, "evidence": {}}, headers={"If-Match": etag}, timeout=5), 422, "/evidence")
    problem(requests.post(url, json={**body, "evidence": {"url": "ftp://x"}}, headers={"If-Match": etag}, timeout=5), 422, "/evidence/url")
    problem(requests.post(url, json={**body, "completedOn": "2099-01-01"}, headers={"If-Match": etag}, timeout=5), 422, "/completedOn")
    problem(requests.post(url, json={**body, "completedOn": "2023-01-01"}, headers={"If-Match": etag}, timeout=5), 422, "/completedOn")
    r = requests.post(url, json=body, headers={"If-Match": etag}, timeout=5)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "completed" and done["completedOn"] == "2024-07-10" and r.headers["ETag"] == '"2"'
    assert done["evidence"] == body["evidence"] and done["completedBy"]["evaluator"] in (True, False)
    problem(requests.post(url, json=body, headers={"If-Match": '"2"'}, timeout=5), 409)
    problem(requests.post(url, json=body, headers={"If-Match": etag}, timeout=5), 409)
    # status on dates: overdue before its completion, completed after
    on = lambda d: requests.get(f"{api}/v1/milestones/{m['id']}", params={"on": d}, timeout=5).json()["status"]
    assert (on("2024-06-30"), on("2024-07-05"), on("2024-07-10")) == ("due", "overdue", "completed")
    assert len(milestones(api, p["id"], on="2024-07-11", status="completed")) == 1
    problem(requests.get(f"{api}/v1/programmes/{p['id']}/milestones", params={"status": "late"}, timeout=5), 422, "/status")
    ev = events(db, "milestone", m["id"])
    assert [(e["type"], e["data"]["version"]) for e in ev] == [("record.created", 1), ("record.updated", 2)]
    problem(requests.post(f"{api}/v1/milestones/{uuid.uuid4()}/completion", json=body, headers={"If-Match": '"1"'}, timeout=5), 404)


def test_end_at_a_break_clause_cancels_later_milestones(api, db):
    p = programme(api, startDate="2024-01-01")
    ms = milestones(api, p["id"])
    early = next(m for m in ms if m["stage"] == 3)  # a stage-3 milestone completed early stays completed
    assert requests.post(f"{api}/v1/milestones/{early['id']}/completion", headers={"If-Match": '"1"'}, timeout=5,
                         json={"completedOn": "2025-01-01", "evidence": {"note": "done early"}}).status_code == 200
    url = f"{api}/v1/programmes/{p['id']}/end"
    body = {"afterStage": 2, "endedOn": "2025-12-31", "reason": "Stage two results not satisfactory"}
    problem(requests.post(url, json=body, timeout=5), 428)
    problem(requests.post(url, json=body, headers={"If-Match": '"3"'}, timeout=5), 412)
    problem(requests.post(url, json={**body, "afterStage": 4}, headers={"If-Match": '"1"'}, timeout=5), 422, "/afterStage")
    problem(requests.post(url, json={**body, "endedOn": "2020-01-01"}, headers={"If-Match": '"1"'}, timeout=5), 422, "/endedOn")
    r = requests.post(url, json=body, headers={"If-Match": '"1"'}, timeout=5)
    assert r.status_code == 200, r.text
    ended = r.json()
    assert ended["endedAfterStage"] == 2 and ended["endedOn"] == "2025-12-31" and ended["ended"] and r.headers["ETag"] == '"2"'
    problem(requests.post(url, json=body, headers={"If-Match": '"2"'}, timeout=5), 409)
    after = {m["id"]: m for m in milestones(api, p["id"])}
    for m in after.values():
        if m["id"] == early["id"]:
            assert m["status"] == "completed"
        elif m["stage"] >= 3:
            assert m["status"] == "cancelled" and m["cancelledOn"] == "2025-12-31", m
        else:
            assert m["status"] in ("overdue", "due")
    cancelled = next(m for m in after.values() if m["status"] == "cancelled")
    problem(requests.post(f"{api}/v1/milestones/{cancelled['id']}/completion", headers={"If-Match": f'"{cancelled["version"]}"'},
                          json={"completedOn": "2025-01-01", "evidence": {"note": "x"}}, timeout=5), 409)
    assert [e["type"] for e in events(db, "programme", p["id"])] == ["record.created", "record.updated"]
    assert events(db, "milestone", cancelled["id"])[-1]["type"] == "record.updated"
    # the programme's neighbourhoods are ended from that day
    n = new_neighbourhood(api, wave=1, programmeId=p["id"])
    assert requests.get(f"{api}/v1/neighbourhoods/{n['id']}", params={"on": "2025-12-31"}, timeout=5).json()["phase"] == "ended"
    assert requests.get(f"{api}/v1/neighbourhoods/{n['id']}", params={"on": "2025-12-30"}, timeout=5).json()["phase"] == "intensive"


def test_programme_neighbourhoods_are_key_limited(api):
    p = programme(api)
    a = new_neighbourhood(api, programmeId=p["id"])
    b = new_neighbourhood(api, programmeId=p["id"])
    agency = requests.post(f"{api}/v1/agencies", json={"name": f"geo {uuid.uuid4()}"}, timeout=5).json()
    key = requests.post(f"{api}/v1/agencies/{agency['id']}/keys", json={"scopes": ["read", "admin"], "neighbourhoods": [a["id"]]},
                        timeout=5).json()["key"]
    h = {"Authorization": f"Bearer {key}"}
    items = requests.get(f"{api}/v1/programmes/{p['id']}/neighbourhoods", headers=h, timeout=5).json()["items"]
    assert [n["id"] for n in items] == [a["id"]]
    problem(requests.get(f"{api}/v1/neighbourhoods/{b['id']}", headers=h, timeout=5), 404)
    assert requests.get(f"{api}/v1/programmes/{p['id']}", headers=h, timeout=5).status_code == 200
    problem(requests.post(f"{api}/v1/programmes/{p['id']}/end", headers={**h, "If-Match": '"1"'}, timeout=5,
                          json={"afterStage": 1, "endedOn": "2024-06-30", "reason": "x"}), 403)

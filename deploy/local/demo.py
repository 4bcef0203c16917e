#!/usr/bin/python3
"""Demo data for `make run`: the handbook's model locality, through the public API.

- 30 wards of about 6,500 people (200,000 in all), loaded from CSV;
- a programme started 17 months ago, so wave 1 is in its intensive phase
  (programme month 18) and wave 2's baseline is being fielded;
- six priority neighbourhoods in two waves and the other wards in wave-3
  neighbourhoods;
- a registry of community groups (themes, income bands, volunteers, links,
  activity records), community issues routed to agencies with their
  responses, meeting spaces, grant schemes and community development input;
- then the survey simulator (simulate.py): a resident baseline of 300 per
  priority ward and the annual follow-up;
- KPI targets for the priority neighbourhoods.

Idempotent: fixed codes, ids derived from names (uuid5) and a seeded random
generator, so a second run sends the same bodies and changes nothing."""
import datetime
import os
import random
import sys
import time
import uuid

import requests as _requests

API = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
NS = uuid.UUID("6d1f0a4e-2f0b-4c55-9a7e-0c0ffee00001")
session = _requests.Session()
session.headers["Authorization"] = f"Bearer {os.environ['CDM_API_KEY']}"

WARD_NAMES = [
    "Abbey", "Beacon", "Brookside", "Castle", "Central", "Chapel End", "Common", "Eastfield",
    "Fairview", "Forest", "Greenbank", "Hartley", "Heath", "Highgate", "Hillcrest", "Kingsway",
    "Lakeside", "Longmoor", "Marsh", "Meadows", "Millbrook", "Northfield", "Oakwood", "Park",
    "Priory", "Riverside", "St Anne's", "Southgate", "Victoria", "Westbury",
]
# (code, name, wards by index, priority, wave, IMD decile)
NEIGHBOURHOODS = [
    ("northfield-marsh", "Northfield and Marsh", [21, 18], True, 1, 1),
    ("riverside", "Riverside", [25], True, 1, 1),
    ("eastfield-common", "Eastfield and Common", [7, 6], True, 1, 2),
    ("millbrook", "Millbrook", [20], True, 2, 2),
    ("brookside-castle", "Brookside and Castle", [2, 3], True, 2, 3),
    ("longmoor", "Longmoor", [17], True, 2, 2),
]
THEMES = ["health", "mental_health", "carers", "housing", "environment", "sport", "faith",
          "employment", "crime_prevention", "arts", "education", "children_young_people",
          "older_people", "food", "social_isolation", "poverty"]
GROUP_KINDS = ["community_group"] * 7 + ["overlap"] * 2 + ["voluntary_org"]
INCOME = ["none", "under_5k", "under_5k", "5k_10k", "10k_100k", "over_100k"]
AGENCIES = ["Borough Council", "Police (neighbourhood team)", "Fire and Rescue Service",
            "Riverside Housing Association", "Healthwatch"]


class PoliteClient:
    """Waits out a 429 (Retry-After) and tries again, as a front-end should."""

    def __getattr__(self, method):
        def call(*args, **kw):
            kw.setdefault("timeout", 60)
            while True:
                r = getattr(session, method)(*args, **kw)
                if r.status_code != 429:
                    return r
                time.sleep(float(r.headers.get("Retry-After", "1")))
        return call


http = PoliteClient()


# Dates are relative to today, so a run on a later day sends a different body
# under the same id: 409 then means "loaded by an earlier run".
ALREADY = (200, 201, 409)


def need(r, what, ok=(200, 201)):
    if r.status_code not in ok:
        sys.exit(f"demo: {what}: {r.status_code} {r.text[:500]}")
    return r


def did(name):
    """A stable id for a named demo object."""
    return str(uuid.uuid5(NS, name))


def months_before(d, n):
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    return datetime.date(y, m + 1, 1)


def all_items(path, **params):
    """Every item of a list, page by page (neighbourhoods page by code with
    `after`, the other lists by an opaque `cursor`)."""
    items, cursor = [], None
    by = "after" if path == "/v1/neighbourhoods" else "cursor"
    while True:
        q = dict(params, limit=100, **({by: cursor} if cursor else {}))
        page = need(http.get(f"{API}{path}", params=q), f"listing {path}").json()
        items += page["items"]
        cursor = page.get("next")
        if not cursor:
            return items


def ward_code(i):
    return f"E0500{9001 + i}"


def load_geography(rng):
    """30 wards summing to exactly 200,000 people, from one CSV (all or nothing)."""
    pops = [6000 + rng.randrange(1000) for _ in range(29)]
    pops.append(200000 - sum(pops))
    valid_from = "2024-06-30"  # a mid-year estimate
    lines = ["code,kind,name,ward_code,population,valid_from,source"]
    lines += [f"{ward_code(i)},ward,{n},,{pops[i]},{valid_from},ONS mid-2024 estimate (demo)"
              for i, n in enumerate(WARD_NAMES)]
    need(http.post(f"{API}/v1/areas/import", data="\n".join(lines) + "\n",
                   headers={"Content-Type": "text/csv"}), "importing wards")


def ensure_programme(start):
    for p in all_items("/v1/programmes"):
        if p["name"] == "Healthy Communities Programme (demo)":
            return p
    return need(http.post(f"{API}/v1/programmes", json={
        "name": "Healthy Communities Programme (demo)", "locality": "Model locality",
        "startDate": start.isoformat()}), "creating the programme").json()


def ensure_neighbourhoods(programme_id):
    """The six priority neighbourhoods, then every other ward in a wave-3 one
    (pairs of wards)."""
    used = {w for n in NEIGHBOURHOODS for w in n[2]}
    rest = [i for i in range(30) if i not in used]
    hoods = list(NEIGHBOURHOODS)
    for j in range(0, len(rest), 2):
        wards = rest[j:j + 2]
        name = " and ".join(WARD_NAMES[w] for w in wards)
        hoods.append((name.lower().replace(" and ", "-").replace(" ", "-").replace("'", ""), name,
                      wards, False, 3, 5 + j % 5))
    for code, name, wards, priority, wave, decile in hoods:
        r = http.post(f"{API}/v1/neighbourhoods", json={
            "code": code, "name": name, "areas": [ward_code(w) for w in wards],
            "priority": priority, "wave": wave, "imdDecile": decile, "programmeId": programme_id})
        need(r, f"creating neighbourhood {code}", ok=(201, 409))
    ids = {n["code"]: n for n in all_items("/v1/neighbourhoods")}
    return [(ids[h[0]], h) for h in hoods]


def ensure_agencies():
    known = {a["name"]: a["id"] for a in all_items("/v1/agencies")}
    for name in AGENCIES:
        if name not in known:
            known[name] = need(http.post(f"{API}/v1/agencies", json={"name": name}),
                               f"creating agency {name}").json()["id"]
    return [known[n] for n in AGENCIES]


def load_registry(rng, hoods, today):
    """Tens of groups per wave, most serving one neighbourhood, some two; links
    among groups of the same neighbourhood; monthly activity records."""
    orgs = []
    for hood, (code, name, wards, priority, wave, decile) in hoods:
        count = 6 + 2 * len(wards) if priority else 3
        for k in range(count):
            theme = THEMES[rng.randrange(len(THEMES))]
            oid = did(f"org/{code}/{k}")
            serves = [hood["id"]]
            if k == 0 and len(orgs) > 0 and rng.random() < 0.5:
                serves.append(orgs[-1][1][0])  # a group working across two neighbourhoods
            kind = GROUP_KINDS[rng.randrange(len(GROUP_KINDS))]
            status = "active" if rng.random() < 0.85 else rng.choice(["forming", "dormant"])
            founded = datetime.date(2010 + rng.randrange(16), 1 + rng.randrange(12), 1)
            body = {"id": oid, "name": f"{name} {theme.replace('_', ' ').title()} Group {k + 1}",
                    "kind": kind, "status": status, "foundedOn": founded.isoformat(),
                    "neighbourhoodIds": sorted(set(serves)),
                    "themes": sorted({theme, THEMES[rng.randrange(len(THEMES))]}),
                    "incomeBand": INCOME[rng.randrange(len(INCOME))],
                    "volunteers": rng.randrange(2, 40), "fteStaff": 0 if kind == "community_group" else 1.5,
                    "openToResidents": rng.random() < 0.95, "isHub": k == 0 and priority,
                    "onlineOnly": False,
                    "contact": {"name": f"Contact {k + 1}", "role": "secretary",
                                "email": f"group{k + 1}@{code}.example"}}
            need(http.post(f"{API}/v1/organisations", json=body), f"organisation {body['name']}")
            orgs.append((oid, serves, code))
    by_hood = {}
    for oid, serves, code in orgs:
        by_hood.setdefault(code, []).append(oid)
    for code, members in by_hood.items():
        for i in range(1, len(members)):
            if rng.random() < 0.6:
                r = http.post(f"{API}/v1/organisations/{members[i]}/links", json={
                    "organisationId": members[rng.randrange(i)],
                    "kind": rng.choice(["networking", "cooperation"]),
                    "since": (today - datetime.timedelta(days=rng.randrange(30, 900))).isoformat()})
                need(r, "linking organisations", ok=(200, 201, 409))
    for oid, serves, code in orgs[::2]:
        for back in (1, 2, 3):
            month = months_before(today, back)
            need(http.post(f"{API}/v1/organisations/{oid}/updates", json={
                "id": did(f"activity/{oid}/{month}"), "kind": "activity",
                "occurredOn": month.isoformat(), "sessions": 4, "attendance": 10 + rng.randrange(30),
                "volunteerHours": 8 + rng.randrange(40)}), "recording activity")
    return orgs


def load_community(rng, hoods, agencies, today):
    themes = ["housing", "crime_prevention", "environment", "social_isolation", "transport", "health"]
    titles = {"housing": "Damp in the low-rise flats", "crime_prevention": "Lighting on the canal path",
              "environment": "Fly-tipping behind the shops", "social_isolation": "Nowhere for older residents to meet",
              "transport": "Bus route cut at weekends", "health": "No GP appointments before 10am"}
    for hood, (code, name, wards, priority, wave, decile) in hoods:
        if not priority:
            continue
        for k in range(4):
            theme = themes[(k + wave) % len(themes)]
            raised = today - datetime.timedelta(days=20 + 45 * k)
            routed = [agencies[(k + j) % len(agencies)] for j in range(1 + k % 2)]
            iid = did(f"issue/{code}/{k}")
            need(http.post(f"{API}/v1/community-issues", json={
                "id": iid, "neighbourhoodId": hood["id"], "title": titles[theme], "theme": theme,
                "priority": ["high", "medium", "low"][k % 3], "raisedOn": raised.isoformat(),
                "raisedVia": ["listening_event", "group", "survey"][k % 3],
                "agencies": [{"agencyId": a, "routedOn": raised.isoformat()} for a in routed]}),
                f"community issue in {code}", ok=ALREADY)
            if k == 0:
                continue  # the newest is not answered yet
            for j, agency in enumerate(routed):
                delay = [7, 21, 40][(k + j) % 3]
                kind = ["acknowledged", "action_agreed", "service_modified"][(k + j) % 3]
                need(http.post(f"{API}/v1/community-issues/{iid}/responses", json={
                    "id": did(f"issue-response/{iid}/{agency}"), "agencyId": agency, "kind": kind,
                    "respondedOn": (raised + datetime.timedelta(days=delay)).isoformat(),
                    "note": "Agreed with residents at the listening event"}),
                    "agency response", ok=ALREADY)
        need(http.post(f"{API}/v1/meeting-spaces", json={
            "id": did(f"space/{code}"), "name": f"{name} Community Centre", "cost": "free",
            "capacity": 60, "availableFrom": "2020-01-01", "neighbourhoodIds": [hood["id"]]}),
            "meeting space")
        for back in range(1, 13):
            month = months_before(today, back)
            need(http.post(f"{API}/v1/cd-input", json={
                "id": did(f"cd-input/{code}/{month}"), "neighbourhoodId": hood["id"],
                "month": month.strftime("%Y-%m"), "hours": 120 if wave == 1 else 30}),
                "community development input")
    need(http.post(f"{API}/v1/grant-schemes", json={
        "id": did("grant/seed-corn"), "name": "Seed-corn grants for new groups",
        "opensOn": months_before(today, 10).isoformat(), "budgetPence": 2500000, "maxAwardPence": 50000,
        "neighbourhoodIds": [h["id"] for h, spec in hoods if spec[3]]}), "grant scheme", ok=ALREADY)


def main():
    rng = random.Random(20261126)
    today = datetime.date.today()
    start = months_before(today, 17)  # today is programme month 18: wave 1 intensive
    load_geography(rng)
    programme = ensure_programme(start)
    hoods = ensure_neighbourhoods(programme["id"])
    agencies = ensure_agencies()
    orgs = load_registry(rng, hoods, today)
    load_community(rng, hoods, agencies, today)
    print(f"demo: 30 wards, {len(hoods)} neighbourhoods, {len(orgs)} organisations, programme from {start}")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import simulate
    priority = [h for h, spec in hoods if spec[3]]
    simulate.run(API, http, programme, priority, start)
    # The commissioners' targets: more residents active in their community by the end of
    # each wave's intensive phase (month 24 for wave 1, 42 for wave 2), and fewer isolated.
    for h in priority:
        due = 24 if h["wave"] == 1 else 42
        for indicator, value in (("active_in_community", 0.65), ("isolated", 0.06)):
            need(http.post(f"{API}/v1/neighbourhoods/{h['id']}/kpis", json={
                "id": did(f"kpi/{h['code']}/{indicator}"), "indicator": indicator, "target": value,
                "dueMonth": due}), f"KPI target for {h['code']}", ok=ALREADY)
    print(f"demo: KPI targets for {len(priority)} priority neighbourhoods")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Survey simulator: fields resident survey rounds through the public API, as
door-to-door front-ends syncing in batches would.

- a baseline round for wave 1 in programme months 4-6 (300 residents per
  priority ward), then closed;
- the annual follow-up in months 16-17, which is wave 1's first follow-up and
  wave 2's baseline at once (SPEC §2), 300 per priority ward, then closed;
- a sector survey of every active organisation in the same months (the NSCSE
  questions behind the locality's sector indicators), then closed;
- each agency's report for each priority neighbourhood over the first year
  (contacts with groups, services modified by community input).

Wave 1's answers improve between the rounds (figure 2 of the handbook: 7% →
12% taking part in a local group); wave 2's are drawn at baseline rates.
Response ids are derived from (round, ward, number), so running it again
sends duplicates the API recognises and changes nothing.

Usage: CDM_API_KEY=… simulate.py [API]   (standalone: finds the demo programme
and its priority neighbourhoods through the API). `make run` calls run()."""
import datetime
import os
import random
import sys
import uuid

NS = uuid.UUID("6d1f0a4e-2f0b-4c55-9a7e-0c0ffee00002")
PER_WARD = 300
BATCH = 1000

# Probability of "yes" (or of the good answer) at baseline, and the lift a
# year of intensive community development gives in wave 1.
BASE = {"q01": 0.30, "q02": 0.07, "q03": 0.10, "q04": 0.18, "q06": 0.12, "q07": 0.45,
        "q08": 0.35, "q13": 0.30, "q19": 0.55, "q20": 0.50, "q21": 0.45, "q22": 0.38,
        "q23a": 0.25, "q26": 0.20, "q29": 0.15}
LIFT = {"q02": 0.05, "q04": 0.04, "q19": 0.06, "q22": 0.06, "q23a": 0.07, "q26": 0.15, "q29": 0.12}
AGE = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
SEX = ["female", "male", "female", "male", "other", "prefer_not_to_say"]


def months_after(d, n):
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return datetime.date(y, m + 1, 1)


def answers(rng, improved):
    def yes(q, dk=0.03):
        p = BASE[q] + (LIFT.get(q, 0) if improved else 0)
        u = rng.random()
        return "dont_know" if u < dk else "yes" if u < dk + p * (1 - dk) else "no"

    a = {q: yes(q) for q in BASE}
    if a["q04"] == "yes":
        a["q05"] = rng.choice(["weekly", "monthly", "monthly", "quarterly", "less_often", "dont_know"])
    if a["q23a"] == "yes":
        a["q23b"] = rng.choice(["monthly_or_more", "monthly_or_more", "quarterly", "less_often"])
        a["q24"] = rng.choices(["positive", "no_effect", "negative", "dont_know"], [6, 3, 0.3, 0.7])[0]
    a["q09"] = rng.choice(["weekly", "weekly", "monthly", "less_than_monthly", "never"])
    a["q10"] = rng.choice(["weekly", "monthly", "less_than_monthly", "never"])
    a["q11"] = rng.choices(["none", "one_or_two", "three_to_five", "six_or_more", "dont_know"],
                           [0.08 - (0.02 if improved else 0), 0.4, 0.32, 0.18, 0.02])[0]
    a["q12"] = rng.choices(["definitely_agree", "tend_to_agree", "tend_to_disagree",
                            "definitely_disagree", "dont_know"],
                           [0.06, 0.22 + (0.05 if improved else 0), 0.35, 0.27, 0.1])[0]
    agree = ["strongly_agree", "agree", "neither", "disagree", "strongly_disagree", "dont_know"]
    for q in ("q14", "q15", "q16", "q17", "q18"):
        a[q] = rng.choices(agree, [0.2, 0.38 + (0.05 if improved else 0), 0.2, 0.12, 0.06, 0.04])[0]
    a["q25"] = rng.choice(["wide_choice", "fair_number", "very_few", "very_few", "dont_know"])
    want = rng.choice(["yes", "no", "no", "dont_know"])
    a["q28"] = {"want": want, **({"themes": rng.sample(["children_young_people", "older_people", "sport",
                                                        "arts", "environment", "health"], 2)}
                                 if want == "yes" else {})}
    return a


def field_round(http, api, rng, name, start, end, hoods, baseline_for, improved_for, programme_id):
    body = {"instrument": "resident", "name": name, "fieldworkStart": start.isoformat(),
            "fieldworkEnd": end.isoformat(), "programmeId": programme_id,
            "neighbourhoods": [{"neighbourhoodId": h["id"], "baseline": h["id"] in baseline_for} for h in hoods]}
    r = http.post(f"{api}/v1/rounds", json=body)
    if r.status_code == 409:
        print(f"simulate: {name}: baselines already set, round fielded before")
        return None
    if r.status_code != 201:
        sys.exit(f"simulate: round {name}: {r.status_code} {r.text[:500]}")
    rnd = r.json()
    items = []
    for h in hoods:
        for ward in h["areas"]:
            code = ward if isinstance(ward, str) else ward["code"]
            for i in range(PER_WARD):
                items.append({"id": str(uuid.uuid5(NS, f"{name}/{code}/{i}")), "roundId": rnd["id"],
                              "neighbourhoodId": h["id"], "areaCode": code,
                              "respondent": {"ageBand": rng.choice(AGE), "sex": rng.choice(SEX)},
                              "answers": answers(rng, h["id"] in improved_for)})
    created, duplicate = post_items(http, api, "resident", items)
    r = http.post(f"{api}/v1/rounds/{rnd['id']}/close")
    if r.status_code not in (200, 409):
        sys.exit(f"simulate: closing {name}: {r.status_code} {r.text[:300]}")
    print(f"simulate: {name}: {created} responses ({duplicate} already there), closed")
    return rnd


def all_items(http, api, path):
    items, cursor = [], None
    by = "after" if path == "/v1/neighbourhoods" else "cursor"  # neighbourhoods page by code
    while True:
        r = http.get(f"{api}{path}", params={"limit": 100, **({by: cursor} if cursor else {})})
        if r.status_code != 200:
            sys.exit(f"simulate: listing {path}: {r.status_code} {r.text[:300]}")
        page = r.json()
        items += page["items"]
        cursor = page.get("next")
        if not cursor:
            return items


def post_items(http, api, instrument, items):
    created = duplicate = 0
    for i in range(0, len(items), BATCH):
        r = http.post(f"{api}/v1/responses/batch", json={"instrument": instrument, "items": items[i:i + BATCH]})
        if r.status_code != 200:
            sys.exit(f"simulate: {instrument} batch: {r.status_code} {r.text[:500]}")
        for res in r.json()["items"]:
            if res["status"] not in ("created", "duplicate"):
                sys.exit(f"simulate: {instrument} item {res}")
            created += res["status"] == "created"
            duplicate += res["status"] == "duplicate"
    return created, duplicate


def open_round(http, api, instrument, name, start, end, hoods, programme_id):
    body = {"instrument": instrument, "name": name, "fieldworkStart": start.isoformat(),
            "fieldworkEnd": end.isoformat(), "programmeId": programme_id,
            "neighbourhoods": [{"neighbourhoodId": h["id"], "baseline": False} for h in hoods]}
    known = [r for r in all_items(http, api, f"/v1/rounds?instrument={instrument}") if r["name"] == name]
    if known:
        return known[0]
    r = http.post(f"{api}/v1/rounds", json=body)
    if r.status_code != 201:
        sys.exit(f"simulate: round {name}: {r.status_code} {r.text[:500]}")
    return r.json()


def field_sector_round(http, api, rng, start, end, programme_id):
    """Every active organisation serving the programme's neighbourhoods answers
    the sector survey once (a locality-wide survey: SPEC §3, levels)."""
    name = "Sector survey: the locality, first year"
    hoods = [h for h in all_items(http, api, "/v1/neighbourhoods") if h.get("programmeId") == programme_id]
    rnd = open_round(http, api, "sector", name, start, end, hoods, programme_id)
    served = {h["id"] for h in hoods}
    orgs = [o for o in all_items(http, api, "/v1/organisations")
            if o.get("status") == "active" and served & set(o.get("neighbourhoodIds", []))]
    conf = ["very_confident", "fairly_confident", "not_very_confident", "not_at_all_confident", "dont_know"]
    sat = ["very_satisfied", "fairly_satisfied", "neither", "fairly_dissatisfied", "very_dissatisfied", "dont_know"]
    infl = ["very_positive", "positive", "neither", "negative", "very_negative", "dont_know"]
    items = [{"id": str(uuid.uuid5(NS, f"{name}/{o['id']}")), "roundId": rnd["id"], "organisationId": o["id"],
              "answers": {"q02": rng.choices(conf, [0.2, 0.45, 0.2, 0.1, 0.05])[0],
                          "q03": rng.choices(sat, [0.1, 0.35, 0.25, 0.15, 0.1, 0.05])[0],
                          "q06": rng.choices(sat, [0.05, 0.25, 0.3, 0.2, 0.15, 0.05])[0],
                          "q07": rng.choices(infl, [0.03, 0.15, 0.45, 0.2, 0.07, 0.1])[0]}}
             for o in orgs]
    created, duplicate = post_items(http, api, "sector", items)
    r = http.post(f"{api}/v1/rounds/{rnd['id']}/close")
    if r.status_code not in (200, 409):
        sys.exit(f"simulate: closing {name}: {r.status_code} {r.text[:300]}")
    print(f"simulate: {name}: {created} organisations answered ({duplicate} already there), closed")


def agency_reports(http, api, rng, start, end, hoods, programme_id):
    """Each agency reports on each priority neighbourhood for the year."""
    name = "Agency reports: first year"
    rnd = open_round(http, api, "agency", name, start, end, hoods, programme_id)
    agencies = all_items(http, api, "/v1/agencies")
    items = []
    for h in hoods:
        for a in agencies:
            modified = rng.choice([0, 1, 1, 2, 3])
            items.append({"id": str(uuid.uuid5(NS, f"{name}/{h['id']}/{a['id']}")), "roundId": rnd["id"],
                          "neighbourhoodId": h["id"], "agencyId": a["id"],
                          "period": {"from": start.isoformat(), "to": end.isoformat()},
                          "contactsWithGroups": rng.randint(2, 40), "groupsContacted": rng.randint(1, 8),
                          "servicesModified": {"count": modified, "examples": [
                              {"description": "Opening hours changed after a residents' meeting"}][:modified]}})
    created, duplicate = post_items(http, api, "agency", items)
    r = http.post(f"{api}/v1/rounds/{rnd['id']}/close")
    if r.status_code not in (200, 409):
        sys.exit(f"simulate: closing {name}: {r.status_code} {r.text[:300]}")
    print(f"simulate: {name}: {created} reports ({duplicate} already there), closed")


def run(api, http, programme, priority_hoods, start):
    """Fields the baseline and the annual follow-up for the priority neighbourhoods."""
    rng = random.Random(4242)
    start = datetime.date.fromisoformat(str(start))
    wave1 = [h for h in priority_hoods if h["wave"] == 1]
    wave1_ids = {h["id"] for h in wave1}
    wave2_ids = {h["id"] for h in priority_hoods if h["wave"] == 2}
    field_round(http, api, rng, "Resident survey: wave 1 baseline", months_after(start, 3),
                months_after(start, 6) - datetime.timedelta(days=1), wave1, wave1_ids, set(),
                programme["id"])
    field_round(http, api, rng, "Resident survey: annual follow-up", months_after(start, 15),
                months_after(start, 17) - datetime.timedelta(days=1), priority_hoods, wave2_ids,
                wave1_ids, programme["id"])
    field_sector_round(http, api, rng, months_after(start, 15),
                       months_after(start, 17) - datetime.timedelta(days=1), programme["id"])
    agency_reports(http, api, rng, start, months_after(start, 12) - datetime.timedelta(days=1),
                   priority_hoods, programme["id"])


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import demo
    api = sys.argv[1] if len(sys.argv) > 1 else demo.API
    demo.API = api
    programme = next((p for p in demo.all_items("/v1/programmes")
                      if p["name"] == "Healthy Communities Programme (demo)"), None)
    if not programme:
        sys.exit("simulate: no demo programme; run deploy/local/demo.py first")
    hoods = [h for h in demo.all_items("/v1/neighbourhoods")
             if h.get("priority") and h.get("programmeId") == programme["id"]]
    run(api, demo.http, programme, hoods, programme["startDate"])


if __name__ == "__main__":
    main()

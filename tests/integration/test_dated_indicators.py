"""Dated indicators: the registry, assets and agency figures of SPEC §3 on a date, with their
change against the baseline date. A neighbourhood's registry, assets, issues and agency
reports are built through the public API with known dates; every figure is then checked
against a model of what the test sent, computed here in Python (not by the C code, not from
the database): organisations active on the date (status history from status-change updates),
counted in each neighbourhood they serve, 12-month windows at their edges, dated populations,
link density with fewer than two organisations, issues exactly 28 days old."""
import calendar
import csv
import datetime
import io
import json
import os
import random
import statistics
import subprocess
import sys
import uuid

import pytest
import requests

from conftest import BUILD, ROOT, new_neighbourhood, new_round, wait_until, tick
from test_pipeline import lag

sys.path.insert(0, os.path.join(ROOT, "tests"))
from schema_check import Checker  # noqa: E402

LIST = Checker(os.path.join(ROOT, "schemas", "indicator-list.json"))
SERIES = Checker(os.path.join(ROOT, "schemas", "indicator-series.json"))
KPI_LIST = Checker(os.path.join(ROOT, "schemas", "kpi-list.json"))
UPDATED = Checker(os.path.join(ROOT, "schemas", "event-indicator-updated.json"))
D = datetime.date.fromisoformat
START = D("2024-01-01")  # the programme's first day: neighbourhood A's baseline date
ON = D("2025-06-30")
COMMUNITY_SECTOR = {"none", "under_5k", "5k_10k"}


def uid():
    return str(uuid.uuid4())


def post(api, path, body, status=201, headers=None):
    r = requests.post(f"{api}{path}", json=body, headers=headers or {}, timeout=10)
    assert r.status_code == status, (path, r.text)
    return r.json()


# ------------------------------------------------------------------ the model

def year_before(d):
    """The day the 12 months to d start after: the period is (year_before(d), d]. 29 February
    goes back to 28 February, as PostgreSQL's date - interval '1 year' does."""
    if d.month == 2 and d.day == 29:
        return d.replace(year=d.year - 1, day=28)
    return d.replace(year=d.year - 1)


def in_period(x, d):
    return year_before(d) < x <= d


class Model:
    """What the test sent, and SPEC §3's definitions over it."""

    def __init__(self):
        self.orgs = {}      # id -> dict (body fields, 'changes': [(date, from, to)], 'contact')
        self.links = []     # (a, b, since, ended or None)
        self.activity = []  # (org, date, hours)
        self.spaces = []    # (cost, from, to, areas)
        self.grants = []    # (opens, closes, areas)
        self.cd = []        # (area, month first day, hours)
        self.issues = {}    # id -> (area, raised, [response dates], [service_modified dates])
        self.reports = []   # (area, period to, count)
        self.population = {}  # area -> [(valid_from, population)] or an int (declared)

    def status_on(self, o, d):
        if o.get("foundedOn") and D(o["foundedOn"]) > d:
            return None
        before = [c for c in o["changes"] if c[0] <= d]
        if before:
            return before[-1][2]
        if o["changes"]:
            return o["changes"][0][1]
        return o["status"]

    def served(self, area):
        return [o for o in self.orgs.values() if area in o["neighbourhoodIds"]]

    def active(self, area, d):
        return [o for o in self.served(area) if self.status_on(o, d) == "active"]

    def pop(self, area, d):
        p = self.population[area]
        if isinstance(p, int):
            return p
        valid = [x for x in p if x[0] <= d]
        return max(valid)[1] if valid else None

    def figures(self, area, d):
        act = self.active(area, d)
        ids = {o["id"] for o in act}
        pop = self.pop(area, d)
        per1000 = lambda x: None if pop is None else x / pop * 1000
        groups = [o for o in act if o["kind"] in ("community_group", "overlap")
                  and o.get("openToResidents", True) and o.get("contact")]
        known = [o for o in act if o.get("incomeBand")]
        pairs = {(min(a, b), max(a, b)) for a, b, since, ended in self.links
                 if a in ids and b in ids and since <= d and (ended is None or ended > d)}
        n = len(act)
        hours = sum(h for org, when, h in self.activity
                    if in_period(when, d) and area in self.orgs[org]["neighbourhoodIds"])
        volunteers = sum(o.get("volunteers") or 0 for o in act)
        due = [i for i in self.issues.values() if i[0] == area and i[1] <= d - datetime.timedelta(days=28)]
        first = [min([r for r in i[2] if r <= d], default=None) for i in due]
        in_time = sum(1 for i, f in zip(due, first) if f is not None and (f - i[1]).days <= 28)
        answered = [(f - i[1]).days for i, f in zip(due, first) if f is not None]
        services = sum(c for a, to, c in self.reports if a == area and in_period(to, d)) + \
            sum(1 for i in self.issues.values() if i[0] == area for s in i[3] if in_period(s, d))
        return {
            "volunteering_hours_per_1000": per1000(hours),
            "volunteers_per_1000": per1000(volunteers),
            "groups_functioning": len(groups),
            "groups_per_1000": per1000(len(groups)),
            "community_sector_share": (sum(1 for o in known if o["incomeBand"] in COMMUNITY_SECTOR) / len(known)
                                       if known else None),
            "theme_range": len({t for o in act for t in o.get("themes", [])}),
            "network_density": len(pairs) / (n * (n - 1) / 2) if n >= 2 else None,
            "hubs": sum(1 for o in act if o.get("isHub")),
            "new_groups": sum(1 for o in self.served(area) if o["kind"] in ("community_group", "overlap")
                              and o.get("foundedOn") and in_period(D(o["foundedOn"]), d)),
            "affordable_meeting_spaces": sum(1 for cost, f, t, areas in self.spaces
                                             if area in areas and cost in ("free", "low") and f <= d
                                             and (t is None or t >= d)),
            "open_grant_schemes": sum(1 for o, c, areas in self.grants
                                      if area in areas and o <= d and (c is None or c >= d)),
            "cd_input_hours": sum(h for a, m, h in self.cd if a == area and in_period(m, d)),
            "services_modified": services,
            "issues_answered_in_time": in_time / len(due) if due else None,
            "_median": statistics.median(answered) if answered else None,
            "_pop": pop, "_hours": hours, "_volunteers": volunteers, "_links": len(pairs), "_n": n,
        }


# ------------------------------------------------------------------ building it

class Place:
    """Two neighbourhoods built through the API, mirrored in a Model."""

    def __init__(self, api):
        self.api, self.m = api, Model()
        p = post(api, "/v1/programmes", {"name": "Dated test", "locality": "Testshire",
                                         "startDate": START.isoformat()})
        self.programme = p["id"]
        self.ward = "E05" + "".join(random.choice("0123456789") for _ in range(6))
        post(api, "/v1/areas", {"code": self.ward, "kind": "ward", "name": "Dated ward",
                                "population": 5000, "validFrom": "2020-06-30"})
        post(api, f"/v1/areas/{self.ward}/populations", {"population": 6000, "validFrom": "2025-01-01"})
        self.a = self._nbh_with_areas()
        self.b = new_neighbourhood(api, population=4000)["id"]
        self.m.population[self.a] = [(D("2020-06-30"), 5000), (D("2025-01-01"), 6000)]
        self.m.population[self.b] = 4000
        # B's resident baseline round ends 31 May 2024: B's baseline date.
        new_round(api, [self.b], baseline=True, start="2024-03-01", end="2024-05-31")
        self.agency = post(api, "/v1/agencies", {"name": f"council {uid()}"})["id"]

    def _nbh_with_areas(self):
        body = {"code": f"t-{uuid.uuid4().hex[:12]}", "name": "Dated A", "priority": True, "wave": 1,
                "areas": [self.ward], "programmeId": self.programme}
        return post(self.api, "/v1/neighbourhoods", body)["id"]

    def org(self, areas, **fields):
        body = {"id": uid(), "name": f"Group {uid()[:8]}", "kind": "community_group", "status": "active",
                "neighbourhoodIds": areas, **fields}
        post(self.api, "/v1/organisations", body)
        self.m.orgs[body["id"]] = dict(body, changes=[], version=1)
        return body["id"]

    def status_change(self, org, on, to):
        o = self.m.orgs[org]
        r = requests.post(f"{self.api}/v1/organisations/{org}/updates", timeout=10,
                          headers={"If-Match": f'"{o["version"]}"'},
                          json={"id": uid(), "kind": "status_change", "occurredOn": on, "status": to})
        assert r.status_code == 201, r.text
        o["changes"].append((D(on), o["changes"][-1][2] if o["changes"] else o["status"], to))
        o["version"] += 1

    def activity(self, org, on, hours):
        post(self.api, f"/v1/organisations/{org}/updates",
             {"id": uid(), "kind": "activity", "occurredOn": on, "sessions": 1, "volunteerHours": hours})
        self.m.activity.append((org, D(on), hours))

    def link(self, a, b, since, kind="cooperation"):
        r = post(self.api, f"/v1/organisations/{a}/links", {"organisationId": b, "kind": kind, "since": since})
        self.m.links.append([a, b, D(since), None])
        return r["id"], len(self.m.links) - 1

    def end_link(self, link, index, on):
        post(self.api, f"/v1/organisation-links/{link}/end", {"endedOn": on}, status=200)
        self.m.links[index][3] = D(on)

    def space(self, cost, areas, start, end=None):
        body = {"id": uid(), "name": "Hall", "cost": cost, "availableFrom": start, "neighbourhoodIds": areas}
        if end:
            body["availableTo"] = end
        post(self.api, "/v1/meeting-spaces", body)
        self.m.spaces.append((cost, D(start), D(end) if end else None, areas))

    def grant(self, areas, opens, closes=None):
        body = {"id": uid(), "name": "Seed-corn", "opensOn": opens, "neighbourhoodIds": areas}
        if closes:
            body["closesOn"] = closes
        post(self.api, "/v1/grant-schemes", body)
        self.m.grants.append((D(opens), D(closes) if closes else None, areas))

    def cd(self, area, month, hours):
        post(self.api, "/v1/cd-input", {"id": uid(), "neighbourhoodId": area, "month": month, "hours": hours})
        self.m.cd.append((area, D(month + "-01"), hours))

    def issue(self, area, raised, responses=()):
        body = {"id": uid(), "neighbourhoodId": area, "title": "Broken play area", "theme": "children_young_people",
                "priority": "high", "raisedOn": raised, "raisedVia": "listening_event",
                "agencies": [{"agencyId": self.agency, "routedOn": raised}]}
        post(self.api, "/v1/community-issues", body)
        self.m.issues[body["id"]] = (area, D(raised), [], [])
        for when, kind in responses:
            self.respond(body["id"], when, kind)
        return body["id"]

    def respond(self, issue, when, kind="acknowledged"):
        post(self.api, f"/v1/community-issues/{issue}/responses",
             {"id": uid(), "kind": kind, "respondedOn": when, "agencyId": self.agency})
        self.m.issues[issue][2].append(D(when))
        if kind == "service_modified":
            self.m.issues[issue][3].append(D(when))

    def report(self, rnd, area, start, end, count):
        post(self.api, "/v1/agency-reports",
             {"id": uid(), "roundId": rnd, "neighbourhoodId": area, "agencyId": self.agency,
              "period": {"from": start, "to": end}, "contactsWithGroups": 2,
              "servicesModified": {"count": count}})
        self.m.reports.append((area, D(end), count))


def dated(api, area, on, **params):
    r = requests.get(f"{api}/v1/neighbourhoods/{area}/indicators", params={"on": on.isoformat(), **params},
                     timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert not LIST.errors(body), [e.message for e in LIST.errors(body)]
    return {i["indicator"]: i for i in body["indicators"] if i["source"] in ("registry", "assets", "agency")}


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < 1e-9


def check_all(api, m, area, on, baseline_on):
    got = dated(api, area, on)
    want, base = m.figures(area, on), m.figures(area, baseline_on)
    assert set(got) == {k for k in want if not k.startswith("_")}
    for k, item in got.items():
        assert item["on"] == on.isoformat() and item["baselineOn"] == baseline_on.isoformat(), item
        assert close(item["value"], want[k]), (k, item, want[k])
        assert close(item["baselineValue"], base[k]), (k, item, base[k])
        change = None if want[k] is None or base[k] is None else want[k] - base[k]
        assert close(item["change"], change), (k, item)
        assert item["definitionVersion"] >= 1
    for k in ("volunteering_hours_per_1000", "new_groups", "cd_input_hours", "services_modified"):
        assert got[k]["periodStart"] == (year_before(on) + datetime.timedelta(days=1)).isoformat()
    assert got["groups_functioning"]["periodStart"] is None
    assert close(got["volunteers_per_1000"]["denominator"], want["_pop"])
    assert close(got["volunteering_hours_per_1000"]["numerator"], want["_hours"])
    assert close(got["network_density"]["numerator"], want["_links"])
    assert close(got["issues_answered_in_time"]["medianDaysToFirstResponse"], want["_median"])
    return got, want


@pytest.fixture(scope="module")
def place(api):
    p = Place(api)
    a, b = p.a, p.b
    g1 = p.org([a], foundedOn="2020-01-01", themes=["health", "sport"], incomeBand="under_5k", volunteers=10,
               isHub=True, contact={"name": "Ann"})
    g2 = p.org([a, b], kind="overlap", foundedOn="2024-09-01", themes=["sport", "housing"],
               incomeBand="10k_100k", volunteers=5, contact={"name": "Bob"})
    g3 = p.org([a], foundedOn="2021-01-01", themes=["arts"], incomeBand="none", volunteers=3)  # no contact
    v1 = p.org([a], kind="voluntary_org", foundedOn="2015-01-01", themes=["health"], incomeBand="over_100k",
               volunteers=20, isHub=True, contact={"name": "Cy"})
    g4 = p.org([a], foundedOn="2019-01-01", volunteers=4, contact={"name": "Di"}, openToResidents=True)
    p.status_change(g4, "2025-03-01", "dormant")
    p.activity(g1, "2024-06-30", 50)     # one day before ON's period
    p.activity(g1, "2024-07-01", 100)    # ON's period's first day
    p.activity(g2, "2025-06-30", 25.5)   # its last day
    p.link(g1, g2, "2024-10-01", "cooperation")
    p.link(g1, g2, "2024-11-01", "networking")  # the same pair: one undirected link
    lid, li = p.link(g1, v1, "2023-01-01", "networking")
    p.end_link(lid, li, "2025-01-01")
    p.link(g3, g4, "2024-03-01")
    p.space("free", [a], "2024-01-01")
    p.space("low", [a, b], "2025-01-01", "2025-12-31")
    p.space("standard", [a], "2023-01-01")
    p.grant([a], "2024-06-01", "2025-06-30")
    p.grant([a, b], "2025-07-01")
    p.cd(a, "2024-06", 10)
    p.cd(a, "2024-07", 12.5)
    p.cd(a, "2025-06", 20)
    p.issue(a, "2025-06-02", [("2025-06-30", "acknowledged")])   # exactly 28 days old, answered on day 28
    p.issue(a, "2025-05-01", [("2025-06-05", "service_modified")])  # answered late (35 days)
    p.issue(a, "2025-06-10", [("2025-06-12", "service_modified")])  # too young to count
    p.issue(a, "2025-04-01")                                         # never answered
    rnd = new_round(api, [a, b], baseline=False, start="2024-01-01", end="2099-12-31", instrument="agency")
    p.report(rnd["id"], a, "2025-01-01", "2025-03-31", 3)
    p.report(rnd["id"], a, "2024-01-01", "2024-06-30", 7)   # ended before ON's period
    p.report(rnd["id"], b, "2025-04-01", "2025-06-30", 2)
    p.ids = {"g1": g1, "g2": g2, "g3": g3, "g4": g4, "v1": v1}
    return p


def test_every_dated_indicator_against_the_model(api, place):
    got, want = check_all(api, place.m, place.a, ON, START)
    # A few by hand, so that the model itself is pinned down:
    assert got["groups_functioning"]["value"] == 2           # g1, g2 (g3 has no contact, g4 dormant)
    assert close(got["volunteers_per_1000"]["value"], 38 / 6000 * 1000)  # g1 g2 g3 v1, the June 2025 population
    assert close(got["volunteering_hours_per_1000"]["value"], 125.5 / 6000 * 1000)
    assert close(got["network_density"]["value"], 1 / 6)    # g1-g2 among g1 g2 g3 v1
    assert got["cd_input_hours"]["value"] == 32.5
    assert got["services_modified"]["value"] == 5            # 3 reported + 2 responses
    assert close(got["issues_answered_in_time"]["value"], 1 / 3)
    assert got["issues_answered_in_time"]["medianDaysToFirstResponse"] == 31.5
    assert got["open_grant_schemes"]["value"] == 1 and got["affordable_meeting_spaces"]["value"] == 2
    # Baseline (1 Jan 2024): population 5000, g2 not yet founded, g4 still active.
    assert close(got["volunteers_per_1000"]["baselineValue"], 37 / 5000 * 1000)


def test_windows_move_at_their_edges(api, place):
    nxt = ON + datetime.timedelta(days=1)  # 1 July 2025: the 2024-07-01 activity and July's cd hours leave
    got, want = check_all(api, place.m, place.a, nxt, START)
    assert close(got["volunteering_hours_per_1000"]["numerator"], 25.5)
    assert got["cd_input_hours"]["value"] == 20
    assert got["open_grant_schemes"]["value"] == 1  # the first closed on 30 June, the second opened
    check_all(api, place.m, place.a, D("2024-06-30"), START)  # before g2 was founded: fewer links


def test_status_history_drops_an_inactive_organisation(api, place):
    before = dated(api, place.a, D("2025-02-28"))
    after = dated(api, place.a, D("2025-03-01"))
    assert after["groups_functioning"]["value"] == before["groups_functioning"]["value"] - 1
    assert after["hubs"]["value"] == before["hubs"]["value"]
    check_all(api, place.m, place.a, D("2025-02-28"), START)
    check_all(api, place.m, place.a, D("2025-03-01"), START)


def test_second_neighbourhood_counts_a_shared_organisation_too(api, place):
    baseline_b = D("2024-05-31")  # its resident baseline round's end of fieldwork
    got, want = check_all(api, place.m, place.b, ON, baseline_b)
    assert got["groups_functioning"]["value"] == 1  # g2 serves both
    assert got["network_density"]["value"] is None and got["network_density"]["note"]  # n = 1
    assert close(got["groups_per_1000"]["value"], 1 / 4000 * 1000)
    assert got["issues_answered_in_time"]["value"] is None
    assert got["services_modified"]["value"] == 2


def test_source_filter_csv_series_and_errors(api, place):
    only = requests.get(f"{api}/v1/neighbourhoods/{place.a}/indicators",
                        params={"on": ON.isoformat(), "source": "assets"}, timeout=10).json()["indicators"]
    assert {i["indicator"] for i in only} == {"affordable_meeting_spaces", "open_grant_schemes", "cd_input_hours"}
    r = requests.get(f"{api}/v1/neighbourhoods/{place.a}/indicators", params={"source": "gossip"}, timeout=10)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/source", r.text
    r = requests.get(f"{api}/v1/neighbourhoods/{place.a}/indicators", params={"on": "2025-13-01"}, timeout=10)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/on", r.text
    r = requests.get(f"{api}/v1/neighbourhoods/{place.a}/indicators", params={"on": ON.isoformat()},
                     headers={"Accept": "text/csv"}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    hubs = next(x for x in rows if x["indicator"] == "hubs")
    assert hubs["source"] == "registry" and hubs["on"] == ON.isoformat() and hubs["roundId"] == ""
    assert float(hubs["value"]) == place.m.figures(place.a, ON)["hubs"]
    # Series: the end of each month from the programme's start (January 2024) to ON.
    r = requests.get(f"{api}/v1/neighbourhoods/{place.a}/indicators/hubs", params={"on": ON.isoformat()}, timeout=30)
    assert r.status_code == 200, r.text
    assert not SERIES.errors(r.json()), [e.message for e in SERIES.errors(r.json())]
    items = r.json()["items"]
    assert len(items) == 18 and items[0]["on"] == "2024-01-31" and items[-1]["on"] == ON.isoformat()
    for it in items:
        assert it["value"] == place.m.figures(place.a, D(it["on"]))["hubs"]


def test_a_foreign_neighbourhood_is_not_found(api, place, stack):
    agency = post(api, "/v1/agencies", {"name": f"other {uid()}"})["id"]
    r = requests.post(f"{api}/v1/agencies/{agency}/keys", json={"scopes": ["read"], "neighbourhoods": [place.b]},
                      timeout=10)
    key = {"Authorization": f"Bearer {r.json()['key']}"}
    assert requests.get(f"{api}/v1/neighbourhoods/{place.a}/indicators", headers=key, timeout=10).status_code == 404
    assert requests.get(f"{api}/v1/neighbourhoods/{place.a}/indicators/hubs", headers=key,
                        timeout=10).status_code == 404
    assert requests.get(f"{api}/v1/neighbourhoods/{place.b}/indicators", headers=key, timeout=10).status_code == 200


# ------------------------------------------------------------------ KPIs on dated indicators

def position(d):
    """SPEC's time line in months from the programme's start: the end of month m is m."""
    months = (d.year - START.year) * 12 + d.month - START.month
    return months + d.day / calendar.monthrange(d.year, d.month)[1]


def expected_status(value, base, base_on, target, due, on):
    """SPEC §3 for a count (higher is better), the value itself in place of the interval."""
    if value is None:
        return "no_data"
    if value >= target:
        return "met"
    if position(on) > due:
        return "missed"
    b = position(base_on)
    line = base + (target - base) * (min(max(position(on), b), due) - b) / (due - b)
    return "at_risk" if value < line else "on_track"


@pytest.fixture(scope="module")
def kpi_place(api):
    p = Place(api)
    for founded in ("2020-01-01", "2020-01-01", "2024-03-01", "2025-01-01", "2025-09-01", "2025-09-01"):
        p.org([p.a], foundedOn=founded, contact={"name": "Contact"})
    return p


def kpi(api, area, indicator, target, due, status=201):
    body = {"id": uid(), "indicator": indicator, "target": target, "dueMonth": due}
    r = requests.post(f"{api}/v1/neighbourhoods/{area}/kpis", json=body, timeout=10)
    assert r.status_code == status, r.text
    return body, r.json()


def kpi_on(api, area, kpi_id, on):
    r = requests.get(f"{api}/v1/neighbourhoods/{area}/kpis", params={"on": on.isoformat()}, timeout=30)
    assert r.status_code == 200, r.text
    assert not KPI_LIST.errors(r.json()), [e.message for e in KPI_LIST.errors(r.json())]
    return next(k for k in r.json()["items"] if k["id"] == kpi_id)


@pytest.mark.parametrize("on, target, due, want", [
    (D("2024-04-15"), 6, 24, "on_track"),  # 3 groups against a line at 2.58
    (D("2025-06-15"), 6, 24, "at_risk"),   # 4 against 4.92
    (D("2025-09-15"), 6, 24, "met"),       # 6 reach 6
    (D("2025-09-15"), 8, 20, "missed"),    # month 21: the due month (20) has ended at 6
])
def test_count_target_statuses(api, kpi_place, on, target, due, want):
    p = kpi_place
    body, _ = kpi(api, p.a, "groups_functioning", target, due)
    try:
        got = kpi_on(api, p.a, body["id"], on)
        value = p.m.figures(p.a, on)["groups_functioning"]
        base = p.m.figures(p.a, START)["groups_functioning"]
        assert expected_status(value, base, START, target, due, on) == want
        assert got["status"] == want, got
        assert got["latest"] == {"on": on.isoformat(), "value": value}
        assert got["baseline"] == {"on": START.isoformat(), "value": base}
    finally:
        assert requests.delete(f"{api}/v1/kpis/{body['id']}", timeout=10).status_code == 200


def test_dated_targets_are_validated(api, kpi_place):
    area = kpi_place.a
    _, r = kpi(api, area, "community_sector_share", 1.5, 24, status=422)
    assert r["errors"][0]["pointer"] == "/target"
    _, r = kpi(api, area, "network_density", 2, 24, status=422)
    assert r["errors"][0]["pointer"] == "/target"
    _, r = kpi(api, area, "sector_confidence", 0.5, 24, status=422)
    assert r["errors"][0]["pointer"] == "/indicator"
    body, created = kpi(api, area, "groups_per_1000", 12.5, 36)  # a rate may exceed 1
    assert created["target"] == 12.5
    assert requests.delete(f"{api}/v1/kpis/{body['id']}", timeout=10).status_code == 200


def kpi_events(db, area):
    cur = db.cursor()
    cur.execute("SELECT payload FROM outbox WHERE topic = 'cdm.kpi-events' AND msg_key = %s"
                " AND payload::jsonb->>'type' = %s ORDER BY seq", (area, "kpi.status_changed"))
    return [json.loads(x) for (x,) in cur.fetchall()]


def test_the_clock_judges_dated_targets(stack, api, db, kpi_place):
    area = kpi_place.a
    body, _ = kpi(api, area, "groups_functioning", 6, 24)
    tick(stack, "2024-04-15")
    tick(stack, "2025-06-15")
    tick(stack, "2025-06-15")  # again: nothing new
    got = [(e["data"]["from"], e["data"]["to"], e["data"]["value"]) for e in kpi_events(db, area)
           if e["data"]["kpiId"] == body["id"]]
    assert got == [(None, "on_track", 3), ("on_track", "at_risk", 4)]


# ------------------------------------------------------------------ indicator.updated

def dated_updates(db, area):
    cur = db.cursor()
    cur.execute("SELECT payload FROM outbox WHERE topic = 'cdm.kpi-events' AND msg_key = %s"
                " AND payload::jsonb->>'type' = 'indicator.updated' AND payload::jsonb->'data' ? 'on'"
                " ORDER BY seq", (area,))
    return [json.loads(x) for (x,) in cur.fetchall()]


def record_event(db, record_id):
    cur = db.cursor()
    cur.execute("SELECT payload::jsonb->>'id' FROM outbox WHERE topic = 'cdm.submissions' AND msg_key = %s"
                " ORDER BY seq DESC LIMIT 1", (record_id,))
    return cur.fetchone()[0]


def processed(db, event_id):
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM processed_event WHERE event_id = %s", (event_id,))
    return cur.fetchone()[0] > 0


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def test_record_changes_announce_what_moved_once(stack, api, db):
    area = new_neighbourhood(api, population=6500)["id"]
    org = {"id": uid(), "name": "Events group", "kind": "community_group", "status": "active",
           "foundedOn": "2020-01-01", "neighbourhoodIds": [area], "themes": ["health"], "contact": {"name": "Ev"}}
    post(api, "/v1/organisations", org)
    wait_until("the organisation's event taken", lambda: processed(db, record_event(db, org["id"])))
    before = {e["id"] for e in dated_updates(db, area)}
    latest = {}
    for e in dated_updates(db, area):
        latest[e["data"]["indicator"]] = e["data"]["value"]
    assert latest["groups_functioning"] == 1 and latest["theme_range"] == 1
    # One organisation has no density, and none from nothing is no change; nor are zeros.
    assert "network_density" not in latest and "volunteers_per_1000" not in latest
    for e in dated_updates(db, area):
        assert not UPDATED.errors(e), [x.message for x in UPDATED.errors(e)]

    # An activity update moves one indicator, the volunteer hours.
    upd = {"id": uid(), "kind": "activity", "occurredOn": (today() - datetime.timedelta(days=10)).isoformat(),
           "volunteerHours": 13}
    post(api, f"/v1/organisations/{org['id']}/updates", upd)
    trigger = record_event(db, upd["id"])
    wait_until("the update's event taken", lambda: processed(db, trigger))
    new = [e for e in dated_updates(db, area) if e["id"] not in before]
    assert [e["data"]["indicator"] for e in new] == ["volunteering_hours_per_1000"], new
    assert abs(new[0]["data"]["value"] - 13 / 6500 * 1000) < 1e-9 and new[0]["data"]["on"] == today().isoformat()
    assert not UPDATED.errors(new[0]), [x.message for x in UPDATED.errors(new[0])]

    # Redelivered: the relay sends the update's event again; the worker drops it.
    cur = db.cursor()
    cur.execute("UPDATE outbox SET published_at = NULL WHERE payload::jsonb->>'id' = %s", (trigger,))
    post(api, "/v1/cd-input", {"id": uid(), "neighbourhoodId": new_neighbourhood(api)["id"],
                               "month": "2025-01", "hours": 1})  # wakes the relay

    def settled():
        cur.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        return cur.fetchone()[0] == 0 and lag(api) == 0
    wait_until("the redelivery taken", settled, timeout=120)
    assert len(dated_updates(db, area)) == len(before) + 1

    # A record that moves nothing announces nothing: a second identical-value change.
    same = {"id": uid(), "kind": "achievement", "occurredOn": today().isoformat(), "description": "Fete"}
    post(api, f"/v1/organisations/{org['id']}/updates", same)
    wait_until("the achievement's event taken", lambda: processed(db, record_event(db, same["id"])))
    assert len(dated_updates(db, area)) == len(before) + 1


def test_the_clock_announces_a_window_moving(stack, api, db):
    area = new_neighbourhood(api, population=5000)["id"]
    org = {"id": uid(), "name": "Window group", "kind": "community_group", "status": "active",
           "foundedOn": "2020-01-01", "neighbourhoodIds": [area]}
    post(api, "/v1/organisations", org)
    upd = {"id": uid(), "kind": "activity", "occurredOn": "2025-03-01", "volunteerHours": 40}
    post(api, f"/v1/organisations/{org['id']}/updates", upd)
    wait_until("the update's event taken", lambda: processed(db, record_event(db, upd["id"])))
    tick(stack, "2026-02-28")   # the hours are inside the 12 months to this date
    tick(stack, "2026-03-01")   # and out of them from here
    tick(stack, "2026-03-01")
    hours = [e for e in dated_updates(db, area) if e["data"]["indicator"] == "volunteering_hours_per_1000"]
    by_date = [(e["data"]["on"], e["data"]["value"]) for e in hours if e["data"]["on"] in ("2026-02-28", "2026-03-01")]
    assert by_date == [("2026-02-28", 40 / 5000 * 1000), ("2026-03-01", 0.0)], by_date


LOCALITY = Checker(os.path.join(ROOT, "schemas", "locality-indicator-list.json"))


def locality_dated(api, on, headers=None):
    r = requests.get(f"{api}/v1/locality/indicators", params={"on": on.isoformat()}, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    assert not LOCALITY.errors(r.json()), [e.message for e in LOCALITY.errors(r.json())]
    return {i["indicator"]: i for i in r.json()["indicators"] if i["source"] in ("registry", "assets", "agency")}


def test_locality_counts_each_organisation_once(api, db):
    """The locality's dated figures: every dated indicator, an organisation serving two
    neighbourhoods counted in each but once for the locality, and the population of every
    ward as the per-1000 base (summed here from the area register). Measured as the
    difference one new organisation makes, since other tests share the locality."""
    on = D("2025-06-30")
    a, b = new_neighbourhood(api)["id"], new_neighbourhood(api)["id"]
    code = f"E05{random.randint(100000, 999999)}"
    post(api, "/v1/areas", {"code": code, "kind": "ward", "name": f"Ward {code}", "population": 5200,
                            "validFrom": "2020-01-01"})
    # Other tests make wards with SQL and no population: the locality's would be unknown
    # (null, with a note), so those get one here, as an import would give them.
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM area a WHERE kind = 'ward' AND NOT EXISTS"
                " (SELECT 1 FROM area_population p WHERE p.area_id = a.id AND p.valid_from <= %s)", (on,))
    if cur.fetchone()[0]:
        unknown = locality_dated(api, on)["volunteers_per_1000"]
        assert unknown["denominator"] is None and unknown["value"] is None and unknown["note"]
    cur.execute("INSERT INTO area_population (area_id, valid_from, population) SELECT id, '2019-01-01', 1000"
                " FROM area a WHERE kind = 'ward' AND NOT EXISTS (SELECT 1 FROM area_population p"
                " WHERE p.area_id = a.id AND p.valid_from <= %s)", (on,))
    before = locality_dated(api, on)
    assert set(before) == {"volunteering_hours_per_1000", "volunteers_per_1000", "groups_functioning",
                           "groups_per_1000", "community_sector_share", "theme_range", "network_density", "hubs",
                           "new_groups", "affordable_meeting_spaces", "open_grant_schemes", "cd_input_hours",
                           "services_modified", "issues_answered_in_time"}
    each = {n: dated(api, n, on)["groups_functioning"]["value"] for n in (a, b)}
    org = {"id": uid(), "name": "Two-neighbourhood group", "kind": "community_group", "status": "active",
           "foundedOn": "2020-01-01", "neighbourhoodIds": [a, b], "themes": ["health"], "volunteers": 7,
           "contact": {"name": "Lo"}}
    post(api, "/v1/organisations", org)
    after = locality_dated(api, on)
    assert after["groups_functioning"]["value"] == before["groups_functioning"]["value"] + 1
    for n in (a, b):
        assert dated(api, n, on)["groups_functioning"]["value"] == (each[n] or 0) + 1
    wards = []
    cursor = None
    while True:
        page = requests.get(f"{api}/v1/areas", params={"kind": "ward", "on": on.isoformat(), "limit": 500,
                                                       **({"cursor": cursor} if cursor else {})}, timeout=30).json()
        wards += page["items"]
        cursor = page["next"]
        if not cursor:
            break
    population = sum(w["population"] or 0 for w in wards)
    item = after["volunteers_per_1000"]
    assert item["denominator"] == population
    assert population >= 5200
    assert close(item["value"], item["numerator"] / population * 1000)
    assert item["numerator"] == (before["volunteers_per_1000"]["numerator"] or 0) + 7
    # A key limited to some neighbourhoods sees no locality figures at all.
    key = requests.post(f"{api}/v1/agencies", json={"name": f"limited {uid()}"}, timeout=10).json()
    limited = requests.post(f"{api}/v1/agencies/{key['id']}/keys", timeout=10,
                            json={"scopes": ["read"], "neighbourhoods": [a]}).json()
    r = requests.get(f"{api}/v1/locality/indicators", timeout=10,
                     headers={"Authorization": f"Bearer {limited['key']}"})
    assert r.status_code == 404

"""KPI targets: set, listed with their status, resent, withdrawn. Every status of SPEC §3
is reached with known survey data and checked against the rule computed here, in Python,
independently of the C code: the latest exact (frozen), unsuppressed release of the figure
against the target and against the straight line from (end of baseline fieldwork, baseline
value) to (end of the due month, target). Statuses are judged on exact releases only: a
provisional release of an open round counts for nothing (issue 12)."""
import calendar
import datetime
import json
import os
import sys
import uuid

import subprocess

import pytest
import requests

from conftest import BUILD, ROOT, new_neighbourhood, new_round, wait_until, wilson, tick

sys.path.insert(0, os.path.join(ROOT, "tests"))
from schema_check import Checker  # noqa: E402

KPI = Checker(os.path.join(ROOT, "schemas", "kpi.json"))
KPI_LIST = Checker(os.path.join(ROOT, "schemas", "kpi-list.json"))
START = datetime.date(2024, 1, 1)  # programme month 1 is January 2024


def position(d):
    """SPEC's time line in months: the end of programme month m is m."""
    months = (d.year - START.year) * 12 + d.month - START.month
    return months + d.day / calendar.monthrange(d.year, d.month)[1]


def expected_status(base, now, n, target, due_month, on, lower_is_better=False):
    """SPEC §3's rule, in its order, for an unweighted latest figure now (n responses)."""
    worse = (lambda a, b: a > b) if lower_is_better else (lambda a, b: a < b)
    if now is None:
        return "no_data", None
    if not worse(now, target):
        return "met", None
    if position(on) > due_month:
        return "missed", None
    b_t, n_t = position(datetime.date(2024, 5, 31)), position(datetime.date(2025, 5, 31))
    line = base + (target - base) * (min(max(n_t, b_t), due_month) - b_t) / (due_month - b_t)
    lo, hi = wilson(now, n)
    if (lo > line) if lower_is_better else (hi < line):
        return "at_risk", line
    return "on_track", line


@pytest.fixture(scope="module")
def programme(api):
    r = requests.post(f"{api}/v1/programmes", timeout=10,
                      json={"name": "KPI test", "locality": "Testshire", "startDate": START.isoformat()})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def surveyed(api, db, programme, baseline_yes, follow_yes, answer=lambda yes: {"q01": "yes" if yes else "no",
                                                                           "q02": "no", "q23a": "no"}):
    """A neighbourhood of the programme with a frozen baseline round (fieldwork ending
    31 May 2024, month 5) and a frozen follow-up (31 May 2025, month 17), 300 residents
    each, `baseline_yes` and `follow_yes` of them counting, each round's exact release made."""
    area = new_neighbourhood(api, programmeId=programme)
    rounds = [new_round(api, [area["id"]], baseline=True, start="2024-03-01", end="2024-05-31"),
              new_round(api, [area["id"]], baseline=False, start="2025-03-01", end="2025-05-31")]
    for rnd, yes in zip(rounds, (baseline_yes, follow_yes)):
        items = [{"id": str(uuid.uuid4()), "roundId": rnd["id"], "neighbourhoodId": area["id"],
                  "answers": answer(i < yes)} for i in range(300)]
        r = requests.post(f"{api}/v1/responses/batch", json={"instrument": "resident", "items": items}, timeout=60)
        assert r.status_code == 200 and all(x["status"] == "created" for x in r.json()["items"]), r.text[:500]
        assert requests.post(f"{api}/v1/rounds/{rnd['id']}/close", timeout=10).status_code == 200

    def counted():  # every response of both rounds taken in by the worker
        cur = db.cursor()
        cur.execute("SELECT count(*) FROM survey_response WHERE neighbourhood_id = %s AND counted", (area["id"],))
        return cur.fetchone()[0] == 600
    wait_until("both rounds counted", counted, timeout=90)

    def closes_taken():  # the worker judges a closed round's KPIs when it takes its close:
        cur = db.cursor()  # done before the caller sets targets the clock tests then judge
        cur.execute("SELECT count(*) FROM outbox o JOIN processed_event p ON p.event_id = o.event_id"
                    " WHERE o.topic = 'cdm.submissions' AND o.msg_key = ANY(%s)"
                    " AND o.payload::jsonb->>'type' = 'record.updated'", ([r["id"] for r in rounds],))
        return cur.fetchone()[0] == 2
    wait_until("both closes taken by the worker", closes_taken, timeout=90)

    def exact():  # and each round's one exact release made (the worker, at the freeze)
        cur = db.cursor()
        cur.execute("SELECT count(*) FROM survey_round WHERE id = ANY(%s::uuid[]) AND exact_released_at IS NOT NULL",
                    ([r["id"] for r in rounds],))
        return cur.fetchone()[0] == 2
    wait_until("both rounds' exact releases", exact, timeout=90)
    figures = requests.get(f"{api}/v1/neighbourhoods/{area['id']}/indicators", timeout=10).json()["indicators"]
    kinds = {(i["roundId"], (i["release"] or {}).get("kind")) for i in figures
             if i.get("source") == "resident" and i.get("n") is not None}
    assert kinds == {(r["id"], "final") for r in rounds}, kinds
    return area["id"]


def target(api, area, indicator, value, due, **extra):
    body = {"id": str(uuid.uuid4()), "indicator": indicator, "target": value, "dueMonth": due, **extra}
    r = requests.post(f"{api}/v1/neighbourhoods/{area}/kpis", json=body, timeout=10)
    assert r.status_code == 201, r.text
    assert not KPI.errors(r.json()), [e.message for e in KPI.errors(r.json())]
    return body, r.json()


def status_on(api, area, kpi_id, on):
    r = requests.get(f"{api}/v1/neighbourhoods/{area}/kpis", params={"on": on.isoformat()}, timeout=10)
    assert r.status_code == 200, r.text
    assert not KPI_LIST.errors(r.json()), [e.message for e in KPI_LIST.errors(r.json())]
    return next(k for k in r.json()["items"] if k["id"] == kpi_id)


@pytest.mark.parametrize("follow_yes, on, want", [
    (30, datetime.date(2025, 6, 15), "on_track"),   # 10% against a line at 10.2%: the interval reaches it
    (15, datetime.date(2025, 6, 15), "at_risk"),    # 5%: the whole interval under the line
    (39, datetime.date(2025, 6, 15), "met"),        # 13% reaches 12%
    (30, datetime.date(2026, 1, 15), "missed"),     # month 25: the due month (24) has ended
])
def test_figure_two_target_through_the_programme(api, db, programme, follow_yes, on, want):
    """Handbook figure 2: active_in_community from 7% to 12% by month 24."""
    area = surveyed(api, db, programme, 21, follow_yes)
    body, _ = target(api, area, "active_in_community", 0.12, 24)
    k = status_on(api, area, body["id"], on)
    status, line = expected_status(0.07, follow_yes / 300, 300, 0.12, 24, on)
    assert status == want  # the test's own rule agrees with the case…
    assert k["status"] == want, json.dumps(k)  # …and so does the service
    assert k["latest"]["n"] == 300 and abs(k["latest"]["value"] - follow_yes / 300) < 1e-12
    assert abs(k["baseline"]["value"] - 0.07) < 1e-12
    if line is not None:
        assert abs(k["trajectory"] - line) < 1e-9
    assert k["programmeMonth"] == (on.year - 2024) * 12 + on.month


def test_lower_is_better_and_no_data(api, db, programme):
    """`isolated` (lower is better) from 8% to 5% by month 36: 4% has met it. A target on
    an indicator nobody answered has no data."""
    iso = lambda yes: {"q11": "none" if yes else "one_or_two"}  # noqa: E731
    area = surveyed(api, db, programme, 24, 12, answer=iso)
    body, _ = target(api, area, "isolated", 0.05, 36)
    assert status_on(api, area, body["id"], datetime.date(2025, 6, 15))["status"] == "met"
    body2, created = target(api, area, "belonging", 0.6, 36)
    assert created["status"] == "no_data" and created["latest"] is None and created["trajectory"] is None


def test_targets_are_validated_resent_and_withdrawn(api, db, programme):
    area = new_neighbourhood(api, programmeId=programme)["id"]
    url = f"{api}/v1/neighbourhoods/{area}/kpis"

    def refused(body, pointer, status=422):
        r = requests.post(url, json=body, timeout=10)
        assert r.status_code == status and r.headers["Content-Type"].startswith("application/problem+json"), r.text
        assert pointer is None or pointer in [e["pointer"] for e in r.json().get("errors", [])], r.text

    good = {"id": str(uuid.uuid4()), "indicator": "volunteering", "target": 0.3, "dueMonth": 24}
    refused({**good, "indicator": "no_such"}, "/indicator")
    refused({**good, "indicator": "sector_confidence"}, "/indicator")  # locality-level only
    refused({**good, "target": 1.5}, "/target")
    refused({**good, "dueMonth": 61}, "/dueMonth")  # the programme has 60 months
    refused({**good, "colour": "red"}, "/colour")
    orphan = new_neighbourhood(api)["id"]  # in no programme: a due month means nothing
    r = requests.post(f"{api}/v1/neighbourhoods/{orphan}/kpis", json=good, timeout=10)
    assert r.status_code == 422, r.text
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM kpi_target WHERE neighbourhood_id IN (%s, %s)", (area, orphan))
    assert cur.fetchone()[0] == 0  # nothing stored

    first = requests.post(url, json=good, timeout=10)
    assert first.status_code == 201, first.text
    again = requests.post(url, json=good, timeout=10)
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == good["id"]
    refused({**good, "target": 0.4}, "/id", 409)  # same id, another body
    refused({**good, "id": str(uuid.uuid4())}, "/dueMonth", 409)  # a live target of that indicator and month
    cur.execute("SELECT count(*) FROM outbox WHERE msg_key = %s AND payload::jsonb->>'type' = 'record.created'",
                (good["id"],))
    assert cur.fetchone()[0] == 1

    gone = requests.delete(f"{api}/v1/kpis/{good['id']}", timeout=10)
    assert gone.status_code == 200 and gone.json() == {"id": good["id"], "status": "withdrawn"}
    assert requests.delete(f"{api}/v1/kpis/{good['id']}", timeout=10).status_code == 200  # idempotent
    assert requests.delete(f"{api}/v1/kpis/{uuid.uuid4()}", timeout=10).status_code == 404
    assert requests.get(url, timeout=10).json()["items"] == []
    resent = requests.post(url, json=good, timeout=10)  # a withdrawn id resent stays withdrawn
    assert resent.status_code == 200 and resent.json()["status"] == "withdrawn"
    assert requests.post(url, json={**good, "id": str(uuid.uuid4())}, timeout=10).status_code == 201  # month free again
    bad = requests.get(url, params={"on": "2025-13-01"}, timeout=10)
    assert bad.status_code == 422


def test_status_is_judged_on_exact_releases_only(api, db, stack, programme):
    """A frozen baseline (21 of 300 active, 7%) and an open follow-up whose 300 residents
    (39 active, 13%: the target met, were it final) have been released provisionally by
    the clock: the KPI is judged on the latest exact release, the baseline's, not on the
    provisional figure. Once the follow-up freezes, its exact release counts: met."""
    area = new_neighbourhood(api, programmeId=programme)["id"]
    base = new_round(api, [area], baseline=True, start="2024-03-01", end="2024-05-31")
    follow = new_round(api, [area], baseline=False, start="2025-03-01", end="2025-05-31")

    def respond(rnd, yes, count, start=0):
        items = [{"id": str(uuid.uuid4()), "roundId": rnd["id"], "neighbourhoodId": area,
                  "answers": {"q01": "yes" if start + i < yes else "no", "q02": "no", "q23a": "no"}}
                 for i in range(count)]
        r = requests.post(f"{api}/v1/responses/batch", json={"instrument": "resident", "items": items}, timeout=60)
        assert r.status_code == 200 and all(x["status"] == "created" for x in r.json()["items"]), r.text[:500]

    def counted(k):
        def done():
            cur = db.cursor()
            cur.execute("SELECT count(*) FROM survey_response WHERE neighbourhood_id = %s AND counted", (area,))
            return cur.fetchone()[0] == k
        wait_until(f"{k} responses counted", done, timeout=90)

    respond(base, 21, 300)
    counted(300)
    assert requests.post(f"{api}/v1/rounds/{base['id']}/close", timeout=10).status_code == 200
    # The follow-up in two batches: the clock releases the state 10 changes behind the newest.
    respond(follow, 39, 150)
    counted(450)
    respond(follow, 39, 150, start=150)
    counted(600)

    def exact_base():
        cur = db.cursor()
        cur.execute("SELECT exact_released_at IS NOT NULL FROM survey_round WHERE id = %s", (base["id"],))
        return cur.fetchone()[0]
    wait_until("the baseline's exact release", exact_base, timeout=90)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    tick(stack, today.isoformat())
    item = next(i for i in requests.get(f"{api}/v1/neighbourhoods/{area}/indicators", timeout=10).json()["indicators"]
                if i.get("roundId") == follow["id"] and i["indicator"] == "active_in_community")
    assert item["release"] and item["release"]["kind"] == "provisional" and item["provisional"] is True, item
    body, created = target(api, area, "active_in_community", 0.12, 24)
    k = status_on(api, area, body["id"], datetime.date(2025, 6, 15))
    assert k["latest"]["roundId"] == base["id"], json.dumps(k)  # not the provisional follow-up
    assert k["latest"]["n"] == 300 and abs(k["latest"]["value"] - 0.07) < 1e-12
    assert k["status"] != "met"
    # Frozen: the follow-up's exact release is the latest, and 13% has met 12%.
    assert requests.post(f"{api}/v1/rounds/{follow['id']}/close", timeout=10).status_code == 200

    def judged_on_follow():
        k = status_on(api, area, body["id"], datetime.date(2025, 6, 15))
        return k if k["latest"] and k["latest"]["roundId"] == follow["id"] else None
    k = wait_until("the follow-up's exact release judged", judged_on_follow, timeout=90)
    assert k["status"] == "met" and k["latest"]["n"] == 300 and abs(k["latest"]["value"] - 39 / 300) < 1e-12

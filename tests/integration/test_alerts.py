"""indicator.significant_change, the adverse-change alert, and KPI statuses re-judged when a
frozen round's published figures move. Significance and KPI statuses are judged on exact
releases only (a round's final release at its freeze, and its revisions after withdrawals),
never on provisional ones. Each announcement is checked against statistics computed here
(pooled two-proportion z-test, Benjamini–Hochberg at 5%, written out below, not the C code):
one event per change of significance, none while a round is open, none again for the same
state, a new one (new id) when a figure stops being significant and when it returns."""
import datetime
import json
import math
import os
import subprocess
import sys
import uuid

import requests
from confluent_kafka import Producer

from conftest import BUILD, ROOT, new_neighbourhood, new_round, wait_until, tick, today

sys.path.insert(0, os.path.join(ROOT, "tests"))
from schema_check import Checker  # noqa: E402

ALERT_EVENT = Checker(os.path.join(ROOT, "schemas", "event-indicator-significant-change.json"))
KPI_EVENT = Checker(os.path.join(ROOT, "schemas", "event-kpi-status-changed.json"))
LOWER_IS_BETTER = {"isolated"}


# ---------------------------------------------------------------- independent statistics

def pooled_p(y0, n0, y1, n1):
    """Two-sided p of the pooled two-proportion z-test (SPEC §3); None when p̄ is 0 or 1."""
    p0, p1 = y0 / n0, y1 / n1
    pbar = (y0 + y1) / (n0 + n1)
    if pbar <= 0 or pbar >= 1:
        return None
    z = (p1 - p0) / math.sqrt(pbar * (1 - pbar) * (1 / n0 + 1 / n1))
    return math.erfc(abs(z) / math.sqrt(2))


def bh_significant(pvalues, q=0.05):
    """Benjamini–Hochberg: the set of keys whose p-value is at or under the largest
    p(k) with p(k) <= k·q/m."""
    ranked = sorted(pvalues.items(), key=lambda kv: kv[1])
    m = len(ranked)
    k = max([j + 1 for j, (_, p) in enumerate(ranked) if p <= (j + 1) * q / m], default=0)
    return {key for key, _ in ranked[:k]}


def expected(base, follow):
    """{indicator: (p, significant, movement)} for the indicators with a test, from
    {indicator: (yes, n)} of the baseline and the follow-up."""
    ps = {}
    for ind, (y1, n1) in follow.items():
        y0, n0 = base[ind]
        p = pooled_p(y0, n0, y1, n1)
        if p is not None:
            ps[ind] = p
    sig = bh_significant(ps)
    return {ind: (p, ind in sig, "up" if follow[ind][0] / follow[ind][1] > base[ind][0] / base[ind][1]
                  else "down") for ind, p in ps.items()}


# ---------------------------------------------------------------- driving the stack

def respond(api, rnd, area, answers):
    items = [{"id": str(uuid.uuid4()), "roundId": rnd["id"], "neighbourhoodId": area, "answers": a}
             for a in answers]
    r = requests.post(f"{api}/v1/responses/batch", json={"instrument": "resident", "items": items}, timeout=60)
    assert r.status_code == 200 and all(x["status"] == "created" for x in r.json()["items"]), r.text[:500]


def next_day(d):
    return (datetime.date.fromisoformat(d) + datetime.timedelta(days=1)).isoformat()


def latest_release(db, rnd, area, indicator):
    """(release_no, kind, n_raw) of the neighbourhood total's latest release, or None."""
    cur = db.cursor()
    cur.execute("SELECT release_no, kind, n_raw FROM figure_latest WHERE round_id = %s AND level = 'neighbourhood'"
                " AND area_key = %s AND breakdown_by = 'all' AND indicator = %s",
                (rnd["id"], area, indicator))
    return cur.fetchone()


def frozen_exactly(db, rnd):
    """Waits until the round's one exact release is made (every figure of it kind final)."""
    def done():
        cur = db.cursor()
        cur.execute("SELECT exact_released_at IS NOT NULL FROM survey_round WHERE id = %s", (rnd["id"],))
        return cur.fetchone()[0]
    wait_until("the round's exact release", done, timeout=90)


def close(api, db, rnd):
    """Closes a round explicitly (it freezes) and waits for its exact release."""
    r = requests.post(f"{api}/v1/rounds/{rnd['id']}/close", timeout=10)
    assert r.status_code == 200, r.text
    round_event_taken(db, rnd["id"])
    frozen_exactly(db, rnd)


def counted(db, area, n):
    def done():
        cur = db.cursor()
        cur.execute("SELECT count(*) FROM survey_response WHERE neighbourhood_id = %s AND counted", (area,))
        return cur.fetchone()[0] == n
    wait_until(f"{n} responses counted", done, timeout=90)


def round_event_taken(db, round_id, n=1):
    """Waits until the worker has taken n record.updated events of the round (close, baseline)."""
    def done():
        cur = db.cursor()
        cur.execute("SELECT count(*) FROM outbox o JOIN processed_event p ON p.event_id = o.event_id"
                    " WHERE o.topic = 'cdm.submissions' AND o.msg_key = %s"
                    " AND o.payload::jsonb->>'type' = 'record.updated'", (round_id,))
        return cur.fetchone()[0] >= n
    wait_until("the round's event taken by the worker", done, timeout=60)


def events(db, type_, area):
    cur = db.cursor()
    cur.execute("SELECT payload FROM outbox WHERE topic = 'cdm.kpi-events' AND msg_key = %s"
                " AND payload::jsonb->>'type' = %s ORDER BY seq", (area, type_))
    return [json.loads(p) for (p,) in cur.fetchall()]


def alerts(db, area):
    got = events(db, "indicator.significant_change", area)
    for e in got:
        assert not ALERT_EVENT.errors(e), [x.message for x in ALERT_EVENT.errors(e)]
        assert e["source"].endswith("/indicators")
        assert e["subject"] == f"neighbourhoods/{area}/indicators/{e['data']['indicator']}"
    return got


def check_alert(e, area, rnd, base_rnd, want, counts_base, counts_follow):
    """An announcement of a significant change, against the expectation computed here."""
    d = e["data"]
    ind = d["indicator"]
    p, sig, movement = want[ind]
    assert d["significant"] is sig is True
    assert d["neighbourhoodId"] == area and d["roundId"] == rnd and d["baselineRoundId"] == base_rnd
    assert abs(d["pValue"] - p) < 1e-12, (ind, d["pValue"], p)
    (y0, n0), (y1, n1) = counts_base[ind], counts_follow[ind]
    assert abs(d["value"] - y1 / n1) < 1e-12 and abs(d["baselineValue"] - y0 / n0) < 1e-12
    assert abs(d["change"] - (y1 / n1 - y0 / n0)) < 1e-12
    assert d["movement"] == movement
    worse = (movement == "up") == (ind in LOWER_IS_BETTER)
    assert d["direction"] == ("worsened" if worse else "improved")
    assert d["adverse"] is worse and d["suppressed"] is False


def answers(active=None, isolated=None, neighbours=None):
    a = {}
    if active is not None:
        a.update({"q01": "yes" if active else "no", "q02": "no", "q23a": "no"})
    if isolated is not None:
        a["q11"] = "none" if isolated else "one_or_two"
    if neighbours is not None:
        a["q19"] = "yes" if neighbours else "no"
    return a


def spread(i, count, n):
    """Whether resident i is one of `count` spread evenly over n: every prefix of a batch
    then has about the batch's proportions. The worker takes a batch in one or more
    transactions, and each state it commits is judged; spread out, the states between
    are on the way to the last one, so none of them is significant unless that one is
    (front-loaded, the first few dozen would be, and would be announced)."""
    return (i + 1) * count // n > i * count // n


def fielded(n, active, isolated, neighbours):
    """n residents: `active` active, `isolated` isolated, `neighbours` saying neighbours
    look out for each other, each spread evenly."""
    return [answers(spread(i, active, n), spread(i, isolated, n), spread(i, neighbours, n))
            for i in range(n)]


# ---------------------------------------------------------------- the tests

def test_significant_changes_announced_once_when_the_round_closes(stack, api, db):
    """Baseline 7% active, 8% isolated, 50% neighbours look out (closed: frozen, released
    exactly); follow-up 16% active (better), 17% isolated (lower is better: worse, adverse),
    50% (unchanged). Nothing while the follow-up is open (its figures, if released at all,
    are provisional); one event each for the two changes once the clock's date passes its
    late-sync date and it freezes; nothing again on later ticks; an explicit close of the
    frozen round, and a late submission to it, are refused (409); a
    new baseline makes both cease (announced once each, significant: false), and the old
    baseline, now a follow-up of it, is announced in its turn."""
    area = new_neighbourhood(api)["id"]
    base = new_round(api, [area], baseline=True)
    follow = new_round(api, [area], baseline=False, start="2026-01-01", end="2098-12-31")
    assert follow["lateSyncUntil"] == "2099-01-14" and follow["frozen"] is False  # fieldwork end + 14 days
    respond(api, base, area, fielded(300, 21, 24, 150))
    counted(db, area, 300)
    close(api, db, base)
    assert latest_release(db, base, area, "isolated") == (1, "final", 300)
    respond(api, follow, area, fielded(300, 48, 51, 150))
    counted(db, area, 600)
    counts_base = {"active_in_community": (21, 300), "isolated": (24, 300), "neighbours_look_out": (150, 300),
                   "health_benefit": (0, 300)}
    counts_follow = {"active_in_community": (48, 300), "isolated": (51, 300), "neighbours_look_out": (150, 300),
                     "health_benefit": (0, 300)}
    want = expected(counts_base, counts_follow)
    assert want["active_in_community"][1] and want["isolated"][1] and not want["neighbours_look_out"][1]
    assert "health_benefit" not in want  # 0 of 300 both times: no test

    # Open: the API shows the change untested for significance, and nothing is announced.
    assert alerts(db, area) == []
    tick(stack, "2098-12-31")  # the last day of fieldwork: still open
    tick(stack, "2099-01-14")  # the last day of late syncs: still open, figures provisional at most
    assert alerts(db, area) == []
    assert latest_release(db, follow, area, "isolated")[1] == "provisional"
    figures = {(f["indicator"], f.get("roundId")): f for f in
               requests.get(f"{api}/v1/neighbourhoods/{area}/indicators", timeout=10).json()["indicators"]}
    for ind in ("active_in_community", "isolated"):
        f = figures[(ind, follow["id"])]
        assert f["provisional"] is True and f["release"]["kind"] == "provisional"
        assert f["significant"] is False  # untested for significance until exact

    tick(stack, "2099-01-15")  # late syncs over on the clock's date: the clock freezes it
    assert latest_release(db, follow, area, "isolated") == (2, "final", 300)
    got = alerts(db, area)
    assert sorted(e["data"]["indicator"] for e in got) == ["active_in_community", "isolated"]
    for e in got:
        check_alert(e, area, follow["id"], base["id"], want, counts_base, counts_follow)
        assert e["data"]["announcement"] == 1
    by = {e["data"]["indicator"]: e["data"] for e in got}
    assert by["active_in_community"]["direction"] == "improved" and not by["active_in_community"]["adverse"]
    assert by["isolated"]["direction"] == "worsened" and by["isolated"]["adverse"]

    # The same judgement as the API's (one shared computation), as of that date.
    tick(stack, "2099-01-15")
    tick(stack, "2099-02-01")
    # Frozen by the clock already: an explicit close has nothing left to close.
    r = requests.post(f"{api}/v1/rounds/{follow['id']}/close", timeout=10)
    assert r.status_code == 409, r.text
    r = requests.post(f"{api}/v1/responses/batch", timeout=60, json={"instrument": "resident", "items": [
        {"id": str(uuid.uuid4()), "roundId": follow["id"], "neighbourhoodId": area, "answers": answers(True)}]})
    assert r.status_code == 409 or (r.status_code == 200 and r.json()["items"][0]["status"] != "created"), r.text
    figures = {(f["indicator"], f.get("roundId")): f for f in
               requests.get(f"{api}/v1/neighbourhoods/{area}/indicators", timeout=10).json()["indicators"]}
    for ind in ("active_in_community", "isolated"):
        f = figures[(ind, follow["id"])]
        assert f["release"] == {"number": 2, "kind": "final"} and f["provisional"] is False
        assert f["n"] == 300 and f["withheldReason"] is None and f["changeWithheldReason"] is None
        assert f["significant"] and f["pValue"] == by[ind]["pValue"] and f["adverse"] == by[ind]["adverse"]
    assert not figures[("neighbours_look_out", follow["id"])]["significant"]
    assert len(alerts(db, area)) == 2  # nothing again: not on a later tick, not on the close

    # The baseline's close redelivered by Kafka: recognised by its id, nothing announced again.
    cur = db.cursor()
    cur.execute("SELECT event_id::text, payload FROM outbox WHERE topic = 'cdm.submissions' AND msg_key = %s"
                " AND payload::jsonb->>'type' = 'record.updated' ORDER BY seq", (base["id"],))
    close_id, close_payload = cur.fetchall()[-1]
    producer = Producer({"bootstrap.servers": stack.bootstrap})
    producer.produce("cdm.submissions", key=base["id"], value=close_payload)
    assert producer.flush(10) == 0
    wait_until("the redelivered close ignored",
               lambda: any("duplicate ignored" in line and close_id in line
                           for line in stack.services["indicators"].log().splitlines()), timeout=60)
    assert len(alerts(db, area)) == 2

    # A new baseline: the follow-up becomes it, so it has nothing to differ from any more.
    r = requests.put(f"{api}/v1/neighbourhoods/{area}/baselines/resident", json={"roundId": follow["id"]},
                     timeout=10)
    assert r.status_code == 200, r.text
    def of(rnd):
        return [e for e in alerts(db, area) if e["data"]["roundId"] == rnd["id"]]
    wait_until("the ceasing announcements", lambda: len(of(follow)) >= 4, timeout=60)
    ceased = of(follow)[2:]
    assert sorted(e["data"]["indicator"] for e in ceased) == ["active_in_community", "isolated"]
    for e in ceased:
        d = e["data"]
        assert d["significant"] is False and d["adverse"] is False and d["announcement"] == 2
        assert d["change"] is None and d["pValue"] is None and d["baselineRoundId"] == follow["id"]
    # The old baseline (frozen, exact) is now a follow-up of the new one: the same two
    # changes the other way round, announced once each.
    wait_until("the old baseline's announcements", lambda: len(of(base)) >= 2, timeout=60)
    reverse = expected(counts_follow, counts_base)
    assert sorted(e["data"]["indicator"] for e in of(base)) == ["active_in_community", "isolated"]
    for e in of(base):
        check_alert(e, area, base["id"], follow["id"], reverse, counts_follow, counts_base)
        assert e["data"]["announcement"] == 1 and e["data"]["movement"] == "down"
    ids = [e["id"] for e in alerts(db, area)]
    assert len(ids) == 6 and len(set(ids)) == 6
    tick(stack, "2099-03-01")
    assert len(alerts(db, area)) == 6


def own_p(d):
    """The pooled p of an announced figure, from its own numbers (unweighted)."""
    return pooled_p(round(d["baselineValue"] * d["baselineN"]), d["baselineN"], round(d["value"] * d["n"]), d["n"])


def withdraw_by_tens(api, db, rnd, area, indicator, ids):
    """Withdraws responses ten at a time, each ten waiting for the revision they make: a
    frozen round's figures are revised once each changed figure moved by 10 (fewer stand
    as published), so every state released here is one at a multiple of ten."""
    assert len(ids) % 10 == 0
    for k in range(0, len(ids), 10):
        before = latest_release(db, rnd, area, indicator)
        for rid in ids[k:k + 10]:
            r = requests.delete(f"{api}/v1/responses/{rid}", timeout=10)
            assert r.status_code == 200 and r.json()["status"] == "withdrawn", r.text
        wait_until(f"the revision of {indicator}", lambda: latest_release(db, rnd, area, indicator)
                   == (before[0] + 1, "revision", before[2] - 10), timeout=60)


def test_withdrawals_make_a_change_appear_cease_and_return_and_move_a_kpi(stack, api, db):
    """A follow-up whose fieldwork has ended takes late syncs until its late-sync date; none
    of it is judged while it is open. Once the clock freezes it, its exact release is judged
    and a late submission is refused (409). Withdrawals after the freeze revise its figures
    ten at a time, and each revision is judged at once: withdrawals that only move `isolated`
    one way at a time cross the significance line once each: 9% → 20% announced (adverse),
    → 11% ceased, → 20% announced again with a new id. Withdrawals of active residents take
    active_in_community from 10% to 3.6%: its KPI (12% by month 24) goes on_track → at_risk
    without a clock tick."""
    start = datetime.date(2026, 1, 1)
    r = requests.post(f"{api}/v1/programmes", timeout=10,
                      json={"name": "Alerts test", "locality": "Testshire", "startDate": start.isoformat()})
    assert r.status_code == 201, r.text
    area = new_neighbourhood(api, programmeId=r.json()["id"])["id"]
    base = new_round(api, [area], baseline=True, start="2026-01-01", end="2026-02-28")
    follow = new_round(api, [area], baseline=False, start="2026-06-01", end="2026-08-31")
    assert today() > "2026-08-31"  # the follow-up's fieldwork is over, its late syncs are not
    late_until = follow["lateSyncUntil"]
    assert late_until == (datetime.date.fromisoformat(today()) + datetime.timedelta(days=14)).isoformat()
    respond(api, base, area, fielded(300, 21, 24, 150))
    counted(db, area, 300)
    close(api, db, base)
    assert alerts(db, area) == []  # the baseline round has nothing to differ from
    counts_base = {"active_in_community": (21, 300), "isolated": (24, 300), "neighbours_look_out": (150, 300)}

    # The follow-up as fielded and late-synced, each group answering its own questions:
    # neighbours as at baseline; active 10% (30 of 300); isolated 40 of 440 (9%).
    def make(group):
        return [{"id": str(uuid.uuid4()), "roundId": follow["id"], "neighbourhoodId": area, "answers": a}
                for a in group]
    neighbours = make([answers(neighbours=spread(i, 150, 300)) for i in range(300)])
    active = make([answers(active=i < 30) for i in range(300)])
    isolated_yes = make([answers(isolated=True) for _ in range(40)])
    isolated_no = make([answers(isolated=False) for _ in range(400)])
    everyone = neighbours + active + isolated_yes + isolated_no
    for k in range(0, len(everyone), 200):
        r = requests.post(f"{api}/v1/responses/batch", timeout=60,
                          json={"instrument": "resident", "items": everyone[k:k + 200]})
        assert r.status_code == 200 and all(x["status"] == "created" for x in r.json()["items"]), r.text[:500]
    counted(db, area, 300 + len(everyone))
    tick(stack, today())
    tick(stack, late_until)  # the last day of late syncs: open, provisional at most
    assert alerts(db, area) == []
    assert latest_release(db, follow, area, "isolated")[1] == "provisional"

    # A target set now (judged so far on the baseline alone, the one exact release there is).
    kpi = {"id": str(uuid.uuid4()), "indicator": "active_in_community", "target": 0.12, "dueMonth": 24}
    r = requests.post(f"{api}/v1/neighbourhoods/{area}/kpis", json=kpi, timeout=10)
    assert r.status_code == 201, r.text
    def kpis():
        return [e for e in events(db, "kpi.status_changed", area) if e["data"]["kpiId"] == kpi["id"]]


    # Frozen on the clock's next date: one exact release, judged; the KPI's first status.
    frozen_on = next_day(late_until)
    tick(stack, frozen_on)
    frozen_exactly(db, follow)
    assert latest_release(db, follow, area, "isolated") == (2, "final", 440)
    assert latest_release(db, follow, area, "active_in_community") == (2, "final", 300)
    assert alerts(db, area) == []  # 9% against 8%, 10% against 7%: not significant
    assert [(e["data"]["from"], e["data"]["to"]) for e in kpis()] == [(None, "on_track")]
    assert kpis()[0]["data"]["on"] == frozen_on and abs(kpis()[0]["data"]["value"] - 0.1) < 1e-12
    r = requests.post(f"{api}/v1/responses/batch", timeout=60,
                      json={"instrument": "resident", "items": make([answers(isolated=True)])})
    assert r.status_code == 409 or (r.status_code == 200 and r.json()["items"][0]["status"] != "created"), r.text

    # 20 of the 30 active residents withdrawn: 10 of 280, at risk, judged by the worker.
    withdraw_by_tens(api, db, follow, area, "active_in_community", [x["id"] for x in active[:20]])
    wait_until("the KPI re-judged", lambda: len(kpis()) >= 2, timeout=60)
    got = kpis()
    assert [(e["data"]["from"], e["data"]["to"]) for e in got] == [(None, "on_track"), ("on_track", "at_risk")]
    for e in got:
        assert not KPI_EVENT.errors(e), [x.message for x in KPI_EVENT.errors(e)]
    assert abs(got[1]["data"]["value"] - 10 / 280) < 1e-12 and got[1]["data"]["on"] == today()
    assert alerts(db, area) == []  # 3.6% against 7%: not significant after BH

    others = {"active_in_community": (10, 280), "neighbours_look_out": (150, 300)}
    stages = [  # (withdrawn isolated-only residents), then isolated's state
        (isolated_no[:240], (40, 200), True),
        (isolated_yes[:20], (20, 180), False),
        (isolated_no[240:320], (20, 100), True),
    ]
    for stage, (gone, final, significant) in enumerate(stages):
        withdraw_by_tens(api, db, follow, area, "isolated", [x["id"] for x in gone])
        want = expected(counts_base, dict(others, isolated=final))
        assert want["isolated"][1] is significant and not want["active_in_community"][1]
        wait_until("the announcement", lambda: len(alerts(db, area)) >= stage + 1, timeout=60)
        got = alerts(db, area)
        assert [e["data"]["indicator"] for e in got] == ["isolated"] * (stage + 1)  # once per crossing
        assert [e["data"]["significant"] for e in got] == [True, False, True][:stage + 1]
        assert [e["data"]["announcement"] for e in got] == list(range(1, stage + 2))
        last = got[-1]["data"]
        # Judged on the revision in which it crossed the line: at a multiple of ten.
        assert last["n"] % 10 == 0 and final[1] <= last["n"] and last["baselineN"] == 300
        assert last["movement"] == "up" and last["withheldReason"] is None
        assert abs(last["pValue"] - own_p(last)) < 1e-12  # the p of the state it announced
        crossed = expected(counts_base, dict(others, isolated=(round(last["value"] * last["n"]), last["n"])))
        assert crossed["isolated"][1] is significant
        if significant:
            assert last["direction"] == "worsened" and last["adverse"] is True and last["suppressed"] is False
        else:
            assert last["adverse"] is False and last["pValue"] > 0.05 / 3
    got = alerts(db, area)
    assert len({e["id"] for e in got}) == 3  # each announcement its own id

    # The API shows the latest revision, exactly, and its judgement.
    figures = {(f["indicator"], f.get("roundId")): f for f in
               requests.get(f"{api}/v1/neighbourhoods/{area}/indicators", timeout=10).json()["indicators"]}
    f = figures[("isolated", follow["id"])]
    assert f["release"]["kind"] == "revision" and f["provisional"] is False
    assert f["significant"] and f["adverse"] and f["n"] == 100 and abs(f["value"] - 0.2) < 1e-12
    assert abs(f["pValue"] - expected(counts_base, dict(others, isolated=(20, 100)))["isolated"][0]) < 1e-12

    # Nothing again: ticks on the same state, the explicit close of the frozen round (refused).
    tick(stack, today())
    tick(stack, next_day(frozen_on))
    r = requests.post(f"{api}/v1/rounds/{follow['id']}/close", timeout=10)
    assert r.status_code == 409, r.text
    assert len(alerts(db, area)) == 3
    assert len(kpis()) == 2


def test_an_event_id_is_never_in_the_outbox_twice(db):
    cur = db.cursor()
    cur.execute("SELECT event_id, count(*) FROM outbox GROUP BY event_id HAVING count(*) > 1")
    assert cur.fetchall() == []
    cur.execute("SELECT count(*) FROM outbox WHERE payload::jsonb->>'type' = 'indicator.significant_change'")
    assert cur.fetchone()[0] >= 7


def test_the_state_is_what_was_announced(db):
    """Every significance state row has as many announcements as there are events for it."""
    cur = db.cursor()
    cur.execute("SELECT s.neighbourhood_id::text, s.round_id::text, s.indicator, s.announcements,"
                " (SELECT count(*) FROM outbox o WHERE o.msg_key = s.neighbourhood_id::text"
                "   AND o.payload::jsonb->>'type' = 'indicator.significant_change'"
                "   AND o.payload::jsonb->'data'->>'roundId' = s.round_id::text"
                "   AND o.payload::jsonb->'data'->>'indicator' = s.indicator)"
                " FROM indicator_alert_state s")
    rows = cur.fetchall()
    assert rows
    for area, rnd, ind, n, announced in rows:
        assert n == announced, (area, rnd, ind)

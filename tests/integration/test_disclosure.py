"""The adversary of issue 12: a patient partner with a read key, collecting every
release of every channel while residents' responses arrive one by one, are withdrawn,
the round freezes and is revised. Knowing who each release covers (contribution_ledger
for neighbourhood totals, the posted responses for cells), it checks by exact rank
arithmetic over the rationals that no respondent's answer lies in the span of what was
released, that two releases of a figure differ by 0 or >= 10 members, that a perturbed
figure is the same in every channel and on every re-read, and that exact releases equal
an independent computation (survey_stats.py)."""
import csv
import io
import random
import uuid
from types import SimpleNamespace

import psycopg2
import pytest
import requests

from conftest import PG, new_neighbourhood, new_round, wait_until
from disclosure_helpers import (AGES, CLASSIFY, SEXES, csv_num, feed, get_csv, get_json, keep_ledger, latest,
                                ledger_members,
                                outbox_updates, releases, settle, singled_out, sql, tick, vector, ward, cell_of)
from survey_stats import MIN_BASE, figure, sums

FIELDS = ("n", "value", "nEff", "ciLow", "ciHigh", "withheldReason")
DAYS = [f"2099-06-{d:02d}" for d in range(1, 13)]


def answers(rng, full=False):
    """Random answers to the questions of the four indicators; full: every one of the four
    indicators has the response in its base."""
    if full:
        a = {"q01": rng.choice(["yes", "no"]), "q02": rng.choice(["yes", "no"]),
             "q23a": rng.choice(["yes", "no"]), "q07": rng.choice(["yes", "no"]), "q19": rng.choice(["yes", "no"])}
        if a["q23a"] == "yes":  # q24 is asked of those with q23a yes only
            a["q24"] = rng.choice(["positive", "no_effect", "negative"])
        return a
    a = {k: rng.choice(["yes", "no", "dont_know"]) for k in ("q01", "q02", "q23a", "q07", "q19")
         if rng.random() < 0.9}
    if a.get("q23a") == "yes" and rng.random() < 0.8:
        a["q24"] = rng.choice(["positive", "no_effect", "negative", "dont_know"])
    return a


def resident(rng, round_id, nb, wards, anonymous=False):
    body = {"id": str(uuid.uuid4()), "roundId": round_id, "neighbourhoodId": nb,
            "answers": answers(rng, full=anonymous)}
    if anonymous:  # no ward, age band or sex: in the neighbourhood totals only
        return body
    if rng.random() < 0.85:
        body["areaCode"] = rng.choice(wards)["code"]
    respondent = {}
    if rng.random() < 0.85:
        respondent["ageBand"] = rng.choice(AGES)
    if rng.random() < 0.85:
        respondent["sex"] = rng.choice(SEXES)
    if respondent:
        body["respondent"] = respondent
    return body


def stated(rng, round_id, nb, cell, health=True):
    """A resident of one ward, age band and sex in the base of every indicator (health:
    of health_benefit too; else q23a yes without q24, out of that base only)."""
    code, age, sex = cell
    a = {k: rng.choice(["yes", "no"]) for k in ("q01", "q02", "q07", "q19")}
    a["q23a"] = rng.choice(["yes", "no"]) if health else "yes"
    if a["q23a"] == "yes" and health:
        a["q24"] = rng.choice(["positive", "no_effect", "negative"])
    return {"id": str(uuid.uuid4()), "roundId": round_id, "neighbourhoodId": nb, "answers": a,
            "areaCode": code, "respondent": {"ageBand": age, "sex": sex}}


def submit(api, body):
    r = requests.post(f"{api}/v1/responses", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return body


def withdraw(api, body):
    r = requests.delete(f"{api}/v1/responses/{body['id']}", timeout=10)
    assert r.status_code == 200, r.text


class Adversary:
    """Everything a read key shows, every time it looks, keyed by the release it shows."""

    def __init__(self, api, db, key, nb, rounds):
        self.api, self.db, self.key, self.nb, self.rounds = api, db, key, nb, rounds
        self.seen = {}        # release key -> [(channel, fields)]
        self.items = {}       # release key -> the latest JSON item (for the exact checks)
        self.cursor = None
        self.feed_events = []

    def note(self, rkey, channel, fields):
        self.seen.setdefault(rkey, []).append((channel, fields))

    def collect(self, step):
        rel = releases(self.db, self.rounds)
        newest = latest(rel)
        nb, key = self.nb, self.key
        # Neighbourhood totals, JSON and CSV.
        got = get_json(self.api, f"/v1/neighbourhoods/{nb}/indicators", key)
        for it in got["indicators"]:
            if it.get("roundId") not in self.rounds or it["indicator"] not in CLASSIFY:
                continue
            if it["release"] is None:
                assert it["withheldReason"] == "not_released" and it["n"] is None and it["value"] is None, it
                assert (it["roundId"], "neighbourhood", nb, "all", "", it["indicator"]) not in newest, it
                continue
            rkey = (it["roundId"], "neighbourhood", nb, "all", "", it["indicator"], it["release"]["number"])
            assert rel[rkey]["kind"] == it["release"]["kind"], (rkey, it)
            assert it["provisional"] is (it["release"]["kind"] == "provisional"), it
            self.note(rkey, f"json@{step}", tuple(it[f] for f in FIELDS))
            self.items[rkey] = it
        for row in get_csv(self.api, f"/v1/neighbourhoods/{nb}/indicators", key):
            if row["roundId"] not in self.rounds or row["indicator"] not in CLASSIFY or not row["releaseNumber"]:
                continue
            rkey = (row["roundId"], "neighbourhood", nb, "all", "", row["indicator"], int(row["releaseNumber"]))
            assert row["releaseKind"] == rel[rkey]["kind"]
            fields = tuple(csv_num(row[f]) for f in FIELDS[:-1]) + (row["withheldReason"] or None,)
            self.note(rkey, f"csv@{step}", fields)
        # Cells: wards and breakdowns (the latest release of each, JSON and CSV).
        views = [("ward", f"/v1/neighbourhoods/{nb}/wards/indicators", {}),
                 ("age_band", f"/v1/neighbourhoods/{nb}/indicators", {"breakdown": "age_band"}),
                 ("sex", f"/v1/neighbourhoods/{nb}/indicators", {"breakdown": "sex"})]
        for by, path, params in views:
            for channel, items in (("json", get_json(self.api, path, key, **params)["indicators"]),
                                   ("csv", get_csv(self.api, path, key, **params))):
                for it in items:
                    if it.get("roundId") not in self.rounds or it["indicator"] not in CLASSIFY:
                        continue
                    if by == "ward":
                        fig = (it["roundId"], "ward", it["areaId"], "all", "", it["indicator"])
                        if channel == "json":  # live fieldwork counts only for submit or admin keys
                            assert it["responses"] is None and it["sampleAdequate"] is None, it
                    else:
                        group = it["breakdown"]["group"] if channel == "json" else it.get("group") or it.get(
                            "breakdownGroup")
                        fig = (it["roundId"], "neighbourhood", nb, by, group, it["indicator"])
                    if fig not in newest:  # a ward of a round not yet frozen: listed, nothing shown
                        assert by == "ward" and it["withheldReason"] == "not_released", \
                            ("a cell shown that was never released", fig, it)
                        assert all(it[f] in (None, "") for f in FIELDS[:-1]), it
                        continue
                    rkey = fig + (newest[fig][0],)
                    if channel == "json":
                        fields = tuple(it[f] for f in FIELDS)
                        self.items[rkey] = it
                    else:
                        fields = tuple(csv_num(it[f]) for f in FIELDS[:-1]) + (it["withheldReason"] or None,)
                    self.note(rkey, f"{channel}-{by}@{step}", fields)
        # Events: the partner's feed and the outbox.
        evs, self.cursor = feed(self.api, key, self.cursor)
        self.feed_events += evs
        for channel, events in (("feed", evs), ("outbox", outbox_updates(self.db, nb))):
            for e in events:
                if e["type"] != "indicator.updated":
                    continue
                d = e["data"]
                if d.get("roundId") not in self.rounds or d["indicator"] not in CLASSIFY:
                    continue
                assert d["neighbourhoodId"] == nb
                rkey = (d["roundId"], "neighbourhood", nb, "all", "", d["indicator"], d["release"]["number"])
                assert rkey in rel and rel[rkey]["kind"] == d["release"]["kind"], d
                assert d["provisional"] is (d["release"]["kind"] == "provisional")
                self.note(rkey, f"{channel}@{step}", tuple(d[f] for f in FIELDS))
        return rel


@pytest.fixture(scope="module")
def scenario(stack, api):
    """The whole story, once: what the partner collected and who each release covers."""
    db = psycopg2.connect(PG)
    db.autocommit = True
    rng = random.Random(1207)
    nb = new_neighbourhood(api)["id"]
    wards = [ward(db, [nb]), ward(db, [nb])]
    key = stack.create_key(f"adversary {uuid.uuid4()}", "read", nb)
    base = new_round(api, [nb], baseline=True, start="2026-01-01", end="2099-12-31")
    follow = new_round(api, [nb], baseline=False, start="2026-01-01", end="2099-12-31")
    rounds = [base["id"], follow["id"]]
    spy = Adversary(api, db, key, nb, rounds)

    # ---- the baseline: 40 residents, loaded and closed (an exact final release)
    posted = {base["id"]: [], follow["id"]: []}
    for i in range(40):
        posted[base["id"]].append(submit(api, resident(rng, base["id"], nb, wards, anonymous=i % 5 == 0)))
    settle(db, rounds)
    keep_ledger(db, base["id"])
    assert requests.post(f"{api}/v1/rounds/{base['id']}/close", timeout=10).status_code == 200
    wait_until("the baseline's final release", lambda: sql(
        db, "SELECT 1 FROM figure_release WHERE round_id = %s AND kind = 'final'", base["id"]), timeout=60)
    settle(db, rounds)
    rel = spy.collect("baseline")
    withdrawn = {}  # response id -> step index of the withdrawal
    alive_at = {}   # exact release key -> alive response bodies it covers

    # ---- the follow-up, response by response over eight days
    anon = []
    GROUP_CELL = (wards[0]["code"], "25-34", "female")
    group, stayers = [], []  # 12 of one ward, age band and sex (2 not in health_benefit's base); 10 more
    before_freeze = len(DAYS) - 4
    for day_no, day in enumerate(DAYS[:before_freeze + 0]):
        todays = []
        for i in range(9):
            body = resident(rng, follow["id"], nb, wards, anonymous=(i % 4 == 1))
            submit(api, body)
            posted[follow["id"]].append(body)
            todays.append(body)
            if i % 4 == 1:
                anon.append(body)
        if day_no < 2:  # the group withdrawn after the freeze, and the residents who stay in its cells
            for i in range(6):
                body = submit(api, stated(rng, follow["id"], nb, GROUP_CELL, health=not (day_no == 0 and i < 2)))
                posted[follow["id"]].append(body)
                group.append(body)
            for i in range(5):
                body = submit(api, stated(rng, follow["id"], nb, GROUP_CELL))
                posted[follow["id"]].append(body)
                stayers.append(body)
        # Withdrawn before the freeze: some of today's (in no release yet), and on the last
        # day one from the first day (in every provisional release so far).
        if day_no in (2, 4, 6):
            gone = rng.choice([b for b in todays if b not in anon and b not in group + stayers])
            withdraw(api, gone)
            withdrawn[gone["id"]] = day_no
        if day_no == before_freeze - 1:
            gone = next(b for b in posted[follow["id"]] if b["id"] not in withdrawn and b not in anon
                        and b not in group + stayers)
            withdraw(api, gone)
            withdrawn[gone["id"]] = day_no
        settle(db, rounds)
        tick(stack, day)
        if day_no == 3:  # a second tick the same day releases nothing more
            n_before = len(releases(db, rounds))
            tick(stack, day)
            assert len(releases(db, rounds)) == n_before
        rel = spy.collect(day)
        assert not [k for k in rel if k[0] == follow["id"] and k[1:4] != ("neighbourhood", nb, "all")], \
            "a cell released before the freeze"
        assert {v["kind"] for k, v in rel.items() if k[0] == follow["id"]} <= {"provisional"}
    provisional = {k: v for k, v in rel.items() if k[0] == follow["id"] and v["kind"] == "provisional"}
    per_figure = {}
    for k in provisional:
        per_figure.setdefault(k[5], []).append(k)
    assert len(per_figure) >= 3 and sum(1 for v in per_figure.values() if len(v) >= 2) >= 2, \
        ("the provisional rule must release several times", sorted(provisional))

    # ---- the freeze: an explicit close, then the exact release
    settle(db, rounds)
    keep_ledger(db, follow["id"])
    r = requests.post(f"{api}/v1/rounds/{follow['id']}/close", timeout=10)
    assert r.status_code == 200 and r.json()["frozen"] is True, r.text
    wait_until("the follow-up's final release", lambda: sql(
        db, "SELECT 1 FROM figure_release WHERE round_id = %s AND kind = 'final'", follow["id"]), timeout=60)
    settle(db, rounds)
    # Who was in which figure's base before the freeze is gone with it: after the
    # exact release only counts since the latest release matter.
    assert not sql(db, "SELECT 1 FROM contribution_ledger WHERE round_id = %s", follow["id"])
    assert not sql(db, "SELECT 1 FROM aggregate_state WHERE round_id = %s", follow["id"])
    frozen_alive = [b for b in posted[follow["id"]] if b["id"] not in withdrawn]
    rel = spy.collect("final")
    for k, v in rel.items():
        if v["kind"] == "final":
            alive_at[k] = frozen_alive if k[0] == follow["id"] else posted[base["id"]]

    # A submission after the freeze: 409, nothing changes.
    n_rel, (n_resp,) = len(rel), sql(db, "SELECT count(*) FROM survey_response WHERE round_id = %s",
                                     follow["id"])[0]
    late = resident(rng, follow["id"], nb, wards)
    r = requests.post(f"{api}/v1/responses", json=late, timeout=10)
    assert r.status_code == 409, r.text
    settle(db, rounds)
    tick(stack, DAYS[before_freeze])
    assert sql(db, "SELECT count(*) FROM survey_response WHERE round_id = %s", follow["id"])[0] == (n_resp,)
    assert not sql(db, "SELECT 1 FROM survey_response WHERE id = %s", late["id"])
    assert len(releases(db, rounds)) == n_rel
    rel = spy.collect("late")

    fid = follow["id"]

    def standing():
        """{figure: (release_no, n_raw)}: the follow-up's figures as published now."""
        return {f: (no, v["n_raw"]) for f, (no, v) in latest(releases(db, [fid])).items()}

    def current():
        """{figure: n_raw}: the follow-up's figures of the neighbourhood as they stand inside."""
        rows = sql(db, "SELECT 'neighbourhood', neighbourhood_id::text, 'all', '', indicator, n_raw"
                       " FROM indicator_aggregate WHERE round_id = %s AND neighbourhood_id = %s"
                       " UNION ALL SELECT level, area_key::text, breakdown_by, breakdown_group, indicator, n_raw"
                       " FROM indicator_cell WHERE round_id = %s AND area_key = ANY(%s::uuid[])",
                   fid, nb, fid, [nb] + [w["id"] for w in wards])
        return {(fid,) + tuple(r[:5]): r[5] for r in rows}

    def unstated(ns):
        """{(indicator, view): total minus all its cells} of {figure: n}."""
        out = {}
        for ind in CLASSIFY:
            for dim in ("ward", "age_band", "sex"):
                cells = [v for f, v in ns.items() if f[5] == ind
                         and (f[1] == "ward" if dim == "ward" else (f[1] == "neighbourhood" and f[3] == dim))]
                out[(ind, dim)] = ns[(fid, "neighbourhood", nb, "all", "", ind)] - sum(cells)
        return out

    def n_of(st):
        return {f: v[1] for f, v in st.items()}

    # ---- after the freeze, 1: the 12 of one ward, age band and sex withdrawn (a revision)
    _, age, sex = GROUP_CELL
    assert len(group) == 12 and len(stayers) == 10
    in_base = {ind: sum(1 for b in group if CLASSIFY[ind](b["answers"]) is not None) for ind in CLASSIFY}
    assert in_base == {**{ind: 12 for ind in CLASSIFY}, "health_benefit": 10}, in_base
    changed = {(fid, "neighbourhood", nb, "all", "", ind) for ind in CLASSIFY} | \
        {(fid, "ward", wards[0]["id"], "all", "", ind) for ind in CLASSIFY} | \
        {(fid, "neighbourhood", nb, "age_band", age, ind) for ind in CLASSIFY} | \
        {(fid, "neighbourhood", nb, "sex", sex, ind) for ind in CLASSIFY}
    at_final = standing()
    assert at_final and all(rel[f + (v[0],)]["kind"] == "final" for f, v in at_final.items())
    assert n_of(at_final) == current()
    for f in changed:  # each stays a publishable figure after the group has gone
        assert at_final[f][1] - in_base[f[5]] >= MIN_BASE, (f, at_final[f], in_base[f[5]])
    resid_final = unstated(n_of(at_final))
    # The two out of health_benefit's base go first: until the twelfth, some figure has
    # moved by 1..9 (health_benefit's by two fewer), so the one revision is of all 12.
    for body in group[:4]:
        withdraw(api, body)
        withdrawn[body["id"]] = "after"
    settle(db, rounds)
    tick(stack, DAYS[before_freeze + 1])
    rel = spy.collect("four")
    assert not [k for k, v in rel.items() if v["kind"] == "revision"], "revised after 4 withdrawals"
    assert standing() == at_final
    for body in group[4:]:
        withdraw(api, body)
        withdrawn[body["id"]] = "after"
    wait_until("the revision", lambda: sql(
        db, "SELECT 1 FROM figure_release WHERE round_id = %s AND kind = 'revision'", fid), timeout=60)
    settle(db, rounds)
    tick(stack, DAYS[before_freeze + 2])
    rel = spy.collect("revision")
    rel = spy.collect("re-read")
    revisions = {k: v for k, v in rel.items() if v["kind"] == "revision"}
    assert {k[:6] for k in revisions} == changed, sorted(set(k[:6] for k in revisions) ^ changed)
    gone_ids = {b["id"] for b in group}
    for k, v in revisions.items():
        no, n = at_final[k[:6]]
        assert k[6] == no + 1 and v["n_raw"] == n - in_base[k[5]], (k, v, at_final[k[:6]])
        alive_at[k] = [b for b in frozen_alive if b["id"] not in gone_ids]
    at_revision = standing()
    assert n_of(at_revision) == current()
    assert {f: v for f, v in at_revision.items() if f not in changed} == \
        {f: v for f, v in at_final.items() if f not in changed}
    assert unstated(n_of(at_revision)) == resid_final

    # ---- after the freeze, 2: 12 residents without ward, age band or sex withdrawn. The
    # totals would move by 12 (>= 10, staying >= 10), no cell would move, each residual
    # would move by 12 too; but some residual, now 13..19, would become a group of 1..9
    # (after the 10th, 11th or 12th withdrawal alike): every figure stands as published.
    leaving = anon[:12]
    assert all(CLASSIFY[ind](b["answers"]) is not None for b in leaving for ind in CLASSIFY)
    small = {k: r for k, r in resid_final.items() if 0 < r - 12 and r - 10 < MIN_BASE}
    assert small, ("no residual the 12 would make a small group", resid_final)
    for ind in CLASSIFY:
        assert at_revision[(fid, "neighbourhood", nb, "all", "", ind)][1] - 12 >= MIN_BASE
    before, updates_before, fed_before = releases(db, rounds), outbox_updates(db, nb), len(spy.feed_events)
    for body in leaving:
        withdraw(api, body)
        withdrawn[body["id"]] = "after"
    settle(db, rounds)
    tick(stack, DAYS[before_freeze + 3])
    now = current()
    for f, (no, n) in at_revision.items():  # the withdrawals left the internal sums, not the releases
        assert now[f] == n - (12 if f[1:4] == ("neighbourhood", nb, "all") else 0), (f, now[f], n)
    rel = spy.collect("standing")
    assert releases(db, rounds) == before, "revised though a residual became a group of 1..9"
    assert outbox_updates(db, nb) == updates_before
    assert not [e for e in spy.feed_events[fed_before:] if e["type"] == "indicator.updated"]
    shown = {}
    for rkey, obs in spy.seen.items():
        for channel, fields in obs:
            shown.setdefault(channel.split("@")[1], {}).setdefault(rkey, set()).add(
                (channel.split("@")[0].replace("outbox", "feed"), fields))
    reread = {k: {c for c in v if c[0] != "feed"} for k, v in shown["re-read"].items()}
    standing_now = {k: {c for c in v if c[0] != "feed"} for k, v in shown["standing"].items()}
    assert standing_now == reread, "a figure read after the 12 differs from the one published"

    everyone = {b["id"]: b for bs in posted.values() for b in bs}

    # ---- membership of every release the partner saw
    def members(rkey):
        rid, level, area, by, group, ind, no = rkey
        row = rel[rkey]
        cls = CLASSIFY[ind]
        if level == "neighbourhood" and by == "all" and row["kind"] != "revision":
            return ledger_members(db, rid, nb, ind, row["state"])
        if level == "neighbourhood" and by == "all":  # after the freeze the ledger is gone
            return {b["id"] for b in alive_at[rkey] if cls(b["answers"]) is not None}
        dim = "ward" if level == "ward" else by
        want = area if level == "ward" else group
        return {b["id"] for b in alive_at[rkey] if cls(b["answers"]) is not None and cell_of(b, dim, wards) == want}

    def published(rkey):
        return any(f[0] is not None and f[5] is None for _, f in spy.seen[rkey])

    def residuals():
        """Parent minus children as the partner holds them at once: at each step of the
        story, every exact total shown against the exact cells of one view shown at that
        step (the latest release of each, revised or standing as published).
        (release number, kind, indicator, view, size, step) of each."""
        at = {}
        for rkey, obs in spy.seen.items():
            for channel, f in obs:
                if rel[rkey]["kind"] != "provisional" and f[0] is not None and f[5] is None:
                    at.setdefault(channel.split("@")[1], set()).add(rkey)
        out = []
        for step, keys in at.items():
            for pk in keys:
                if pk[1:4] != ("neighbourhood", nb, "all"):
                    continue
                rid, ind = pk[0], pk[5]
                for dim in ("ward", "age_band", "sex"):
                    kids = [k for k in keys if k[0] == rid and k[5] == ind
                            and (k[1] == "ward" if dim == "ward" else k[1:4] == ("neighbourhood", nb, dim))]
                    assert len({k[:6] for k in kids}) == len(kids), (step, kids)  # one release a cell
                    groups = {"ward": [w["id"] for w in wards], "age_band": AGES, "sex": SEXES}[dim]
                    # Only views whose every cell is shown: else the rest holds withheld cells too.
                    if {k[2] if dim == "ward" else k[4] for k in kids} != set(groups):
                        continue
                    rest = members(pk) - set().union(*(members(k) for k in kids))
                    out.append((pk[6], rel[pk]["kind"], ind, dim, len(rest), step))
        return out

    yield SimpleNamespace(**locals())
    db.close()


def test_a_patient_partner_learns_no_respondent(scenario):
    """Checks a (span), b (0 or >= 10 apart), c (one perturbed figure everywhere), d (exact
    releases equal the independent computation) on what the partner collected."""
    sc = scenario
    rel, spy, nb, base, rounds, everyone = sc.rel, sc.spy, sc.nb, sc.base, sc.rounds, sc.everyone
    posted, wards, alive_at, members, published = sc.posted, sc.wards, sc.alive_at, sc.members, sc.published
    later_withheld = []  # exact releases shown, then withheld on a later read
    # c. one perturbed figure, the same everywhere and on every re-read; n near the truth
    for rkey, obs in spy.seen.items():
        first = obs[0][1]
        shown = [(c, f) for c, f in obs if f[5] is None] or obs
        for channel, fields in (obs if rel[rkey]["kind"] == "provisional" else shown):
            for a, b, name in zip(shown[0][1], fields, FIELDS):
                same = a == b or (isinstance(a, float) and b is not None and abs(a - b) <= 1e-12 * max(1, abs(a)))
                assert same, (rkey, name, shown[0][0], a, channel, b)
        if any(f[5] is None for _, f in obs) and any(f[5] is not None for _, f in obs):
            later_withheld.append((rkey, [(c, f[0], f[5]) for c, f in obs]))
        channels = {c.split("@")[0] for c, _ in obs}
        if rkey[1:4] == ("neighbourhood", nb, "all"):
            assert {"json", "csv", "feed", "outbox"} <= channels, (rkey, channels)
        if rel[rkey]["kind"] == "provisional":
            true_n = len(members(rkey))
            assert first[0] is not None and first[0] >= MIN_BASE and abs(first[0] - true_n) <= 2, \
                (rkey, first, true_n)
            assert first[0] == rel[rkey]["n_raw"]
    # Every provisional release was announced once on the feed.
    fed = [(e["data"]["roundId"], e["data"]["indicator"], e["data"]["release"]["number"]) for e in spy.feed_events
           if e["type"] == "indicator.updated" and e["data"]["indicator"] in CLASSIFY]
    assert len(fed) == len(set(fed))
    assert {(k[0], k[5], k[6]) for k in rel if k[1:4] == ("neighbourhood", nb, "all")} <= set(fed)

    # a + b, per round and indicator
    checked = [0, 0]  # exact, provisional rows put to the rank test
    for rid in rounds:
        ids = sorted(i for i, b in everyone.items() if b["roundId"] == rid)
        index = {i: j for j, i in enumerate(ids)}
        for ind in CLASSIFY:
            mine = {k: members(k) for k in spy.seen if k[0] == rid and k[5] == ind and published(k)}
            exact = {k: m for k, m in mine.items() if rel[k]["kind"] != "provisional"}
            prov = {k: m for k, m in mine.items() if rel[k]["kind"] == "provisional"}
            for group in (exact, prov):
                found = singled_out([vector(m, index) for m in group.values()], len(ids))
                assert not found, (rid, ind, "respondents in the span of the releases",
                                   [ids[x] for x in found], sorted(group))
                checked[group is prov] += len(group)
            # b. two releases of one figure differ by 0 or >= 10 members
            for group in (exact, prov):
                figs = {}
                for k, m in group.items():
                    figs.setdefault(k[:6], []).append(m)
                for fig, ms in figs.items():
                    for i in range(len(ms)):
                        for j in range(i + 1, len(ms)):
                            d = len(ms[i] ^ ms[j])
                            assert d == 0 or d >= MIN_BASE, (fig, d)
    assert checked[0] >= 16 and checked[1] >= 6, checked

    # d. exact releases equal the independent computation on the responses as they stood
    base_now = posted[base["id"]]
    for rkey, it in spy.items.items():
        rid, level, area, by, group, ind, no = rkey
        if rel[rkey]["kind"] == "provisional":
            continue
        alive = alive_at[rkey]
        cls = CLASSIFY[ind]
        if level == "neighbourhood" and by == "all":
            # The ledger's base (as it stood at the freeze, for the final release) is the
            # posted responses' base.
            extra = members(rkey) ^ {b["id"] for b in alive if cls(b["answers"]) is not None}
            assert not extra, (rkey, rel[rkey], rid == base["id"], [(x, sc.withdrawn.get(x)) for x in extra],
                               sql(sc.db, "SELECT response_id::text, added_at, removed_at FROM contribution_ledger"
                                   " WHERE response_id = ANY(%s::uuid[]) AND indicator = %s", list(extra), ind))
            want = figure(sums(alive, cls), sums(base_now, cls), rid == base["id"])
            assert it["withheldReason"] is None and it["changeWithheldReason"] is None, it
            keys = ("n", "value", "nEff", "ciLow", "ciHigh", "baselineValue", "change", "pValue", "mdc")
        else:
            dim = "ward" if level == "ward" else by
            want_g = area if level == "ward" else group
            s = sums([b for b in alive if cell_of(b, dim, wards) == want_g], cls)
            want = figure(s, None, False, has_baseline=False)
            if it["withheldReason"] is not None:
                assert it["n"] is None and it["value"] is None, it
                if s[0] < MIN_BASE:
                    assert it["withheldReason"] == "small_base", (rkey, it, s)
                else:
                    assert it["withheldReason"] == "complementary", (rkey, it, s)
                continue
            assert s[0] >= MIN_BASE, (rkey, it, s)
            keys = ("n", "value", "nEff", "ciLow", "ciHigh")
        for k in keys:
            if want[k] is None:
                assert it[k] is None, (rkey, k, it, want)
            else:
                assert it[k] is not None and abs(it[k] - want[k]) <= 1e-9 * max(1.0, abs(want[k])), \
                    (rkey, k, it[k], want[k])
    # Complementary suppression inside one release: a ward / age / sex breakdown whose
    # unstated residual or one cell is 1..9 leaves at most zero or >= 2 withheld cells
    # per parent (never exactly one, which the parent minus the rest would reveal).
    for rid in rounds:
        for ind in CLASSIFY:
            for dim in ("ward", "age_band", "sex"):
                fin = [k for k in spy.items if k[0] == rid and k[5] == ind and rel[k]["kind"] == "final"
                       and (k[1] == "ward" if dim == "ward" else k[3] == dim)]
                if not fin:
                    continue
                alive = alive_at[fin[0]]
                cls = CLASSIFY[ind]
                parent = sums(alive, cls)[0]
                cells = {k: len(members(k)) for k in fin}
                residual = parent - sum(cells.values())
                hidden = [k for k in fin if spy.items[k]["withheldReason"] is not None]
                # The residual is never published: an unpublished child of its own. The
                # parent minus the shown cells is then one hidden cell alone, or a small
                # residual alone, only if suppression failed.
                if parent >= MIN_BASE:
                    assert not (len(hidden) == 1 and residual == 0), (rid, ind, dim, cells, hidden)
                    assert not (not hidden and 0 < residual < MIN_BASE), (rid, ind, dim, residual, cells)


    # Within the final release, a total minus all its shown ward cells (the unstated
    # residual) is never a group of 1..9.
    finals = [r for r in sc.residuals() if r[1] == "final"]
    assert finals and all(r[4] == 0 or r[4] >= MIN_BASE for r in finals), finals


def test_a_revised_total_minus_its_standing_cells_is_not_a_small_group(scenario):
    """After the freeze the 12 of one ward, age band and sex are withdrawn: the totals and
    exactly the cells they were in are revised, the others stand. Then 12 without a ward,
    age band or sex are withdrawn, which would leave a residual of 1..9: nothing is revised.
    At every step, a revised total minus the cells shown with it (the unstated residual
    as published) is 0 or >= 10 respondents, as it is within one release."""
    got = [r for r in scenario.residuals() if r[1] == "revision"]
    assert got, "the scenario must revise a total"
    assert {r[5] for r in got} >= {"revision", "re-read", "standing"}, sorted({r[5] for r in got})
    assert all(r[4] == 0 or r[4] >= MIN_BASE for r in got), got


def test_a_small_baseline_withholds_the_change_not_the_follow_up(api, db):
    """A baseline of 8 residents (frozen) and a follow-up of 27 (frozen): the follow-up
    shows its value, its change, p-value and MDC withheld for baseline_small_base; the
    baseline itself is withheld for small_base, n null, in JSON, CSV and its event."""
    rng = random.Random(27)
    nb = new_neighbourhood(api)["id"]
    base = new_round(api, [nb], baseline=True)
    follow = new_round(api, [nb], baseline=False)

    def load(rnd, count):
        items = [{"id": str(uuid.uuid4()), "roundId": rnd["id"], "neighbourhoodId": nb,
                  "answers": {"q01": rng.choice(["yes", "no"]), "q02": "no", "q23a": "no"}}
                 for _ in range(count)]
        r = requests.post(f"{api}/v1/responses/batch", json={"instrument": "resident", "items": items}, timeout=60)
        assert r.status_code == 200 and all(x["status"] == "created" for x in r.json()["items"]), r.text
        return items

    b_items, f_items = load(base, 8), load(follow, 27)
    settle(db, [base["id"], follow["id"]])
    for rnd in (base, follow):
        assert requests.post(f"{api}/v1/rounds/{rnd['id']}/close", timeout=10).status_code == 200
    wait_until("both final releases", lambda: sql(
        db, "SELECT count(DISTINCT round_id) FROM figure_release WHERE round_id = ANY(%s::uuid[])"
            " AND kind = 'final'", [base["id"], follow["id"]])[0][0] == 2, timeout=60)
    settle(db, [base["id"], follow["id"]])
    items = {i["roundId"]: i for i in requests.get(f"{api}/v1/neighbourhoods/{nb}/indicators", timeout=10).json()[
        "indicators"] if i["indicator"] == "active_in_community"}
    b, f = items[base["id"]], items[follow["id"]]
    assert b["withheldReason"] == "small_base" and b["n"] is None and b["value"] is None and b["suppressed"], b
    assert b["release"] == {"number": 1, "kind": "final"}, b
    want = figure(sums(f_items, CLASSIFY["active_in_community"]), None, False, has_baseline=False)
    assert f["withheldReason"] is None and f["suppressed"] is False and f["n"] == 27, f
    for k in ("value", "nEff", "ciLow", "ciHigh"):
        assert abs(f[k] - want[k]) <= 1e-9, (k, f, want)
    for k in ("baselineValue", "change", "pValue", "mdc"):
        assert f[k] is None, (k, f)
    assert f["changeWithheldReason"] == "baseline_small_base" and f["significant"] is False, f
    r = requests.get(f"{api}/v1/neighbourhoods/{nb}/indicators", headers={"Accept": "text/csv"}, timeout=10)
    rows = {row["roundId"]: row for row in csv.DictReader(io.StringIO(r.text))
            if row["indicator"] == "active_in_community"}
    assert rows[base["id"]]["withheldReason"] == "small_base" and rows[base["id"]]["n"] == ""
    assert rows[follow["id"]]["changeWithheldReason"] == "baseline_small_base" and rows[follow["id"]]["change"] == ""
    assert rows[follow["id"]]["n"] == "27"
    evs = [e["data"] for e in outbox_updates(db, nb) if e["data"]["indicator"] == "active_in_community"]
    eb = [d for d in evs if d["roundId"] == base["id"]]
    ef = [d for d in evs if d["roundId"] == follow["id"]]
    assert len(eb) == 1 and eb[0]["n"] is None and eb[0]["withheldReason"] == "small_base", eb
    assert len(ef) == 1 and ef[0]["n"] == 27 and ef[0]["withheldReason"] is None, ef

"""Survey cells on the real stack: figures per ward, per age band and sex, and for the
locality; sector indicators; complementary suppression in JSON and CSV; sample adequacy.
Every expected figure is computed here from the posted responses (survey_stats.py), not by
the C code.

Cells are published only as releases (issue 12): a round's cells appear once it freezes
(closed explicitly here, then the worker's one exact release), exact; a figure is withheld
for its own base only (withheldReason, n null), what is computed from a withheld baseline
(change, p-value, MDC) goes with the baseline (changeWithheldReason); complementary
suppression counts the unstated residual (responses without a ward, age band or sex) as a
child."""
import csv
import datetime
import io
import json
import os
import random
import subprocess
import sys
import uuid

import requests

from conftest import BUILD, ROOT, new_neighbourhood, new_round, wait_until, tick, today
from survey_stats import MIN_BASE, active_in_community, health_benefit, pooled_z, proportion, sums

sys.path.insert(0, os.path.join(ROOT, "tests"))
from schema_check import Checker  # noqa: E402

SCHEMAS = os.path.join(ROOT, "schemas")
AGES = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
SEXES = ["female", "male", "other"]


def yes_no(key):
    return lambda a: {"yes": 1, "no": 0}.get(a.get(key))


# Every resident indicator the generated answers (q01, q02, q23a, q07, q19) reach.
RESIDENT = {"active_in_community": active_in_community, "gives_help": yes_no("q07"),
            "neighbours_look_out": yes_no("q19"), "health_benefit": health_benefit}


def in_set(key, yes, no):
    return lambda a: 1 if a.get(key) in yes else 0 if a.get(key) in no else None


SECTOR = {
    "sector_confidence": in_set("q02", ("very_confident", "fairly_confident"),
                                ("not_very_confident", "not_at_all_confident")),
    "sector_support_satisfaction": in_set("q03", ("very_satisfied", "fairly_satisfied"),
                                          ("neither", "fairly_dissatisfied", "very_dissatisfied")),
    "statutory_positive_influence": in_set("q07", ("very_positive", "positive"),
                                           ("neither", "negative", "very_negative")),
}


def sql(db, query, *args):
    cur = db.cursor()
    cur.execute(query, args)
    return cur.fetchall() if cur.description else None


def gss(prefix):
    return prefix + "".join(random.choice("0123456789") for _ in range(6))


def ward(db, nbs, lsoa=False):
    """A new ward in the neighbourhoods nbs (and an LSOA of it, if asked); its code(s)."""
    code = gss("E05")
    (wid,), = sql(db, "INSERT INTO area (code, kind, name) VALUES (%s, 'ward', 'W') RETURNING id::text", code)
    for n in nbs:
        sql(db, "INSERT INTO neighbourhood_area VALUES (%s, %s)", n, wid)
    if lsoa:
        lcode = gss("E01")
        sql(db, "INSERT INTO area (code, kind, name, ward_id) VALUES (%s, 'lsoa', 'L', %s)", lcode, wid)
        return {"code": code, "id": wid, "lsoa": lcode}
    return {"code": code, "id": wid}


def resident(rng, round_id, nb, area=None, weight=None, age=True, sex=True, answers=None):
    body = {"id": str(uuid.uuid4()), "roundId": round_id, "neighbourhoodId": nb,
            "answers": answers if answers is not None else
            {k: rng.choice(["yes", "no", "dont_know"]) for k in ("q01", "q02", "q23a", "q07", "q19")
             if rng.random() < 0.9}}
    respondent = {}
    if age and rng.random() < 0.85:
        respondent["ageBand"] = rng.choice(AGES[:4])
    if sex and rng.random() < 0.9:
        respondent["sex"] = rng.choice(SEXES)
    if respondent:
        body["respondent"] = respondent
    if area:
        body["areaCode"] = area
    if weight:
        body["weight"] = round(rng.uniform(0.3, 2.5), 6)
    return body


def post_batch(api, instrument, bodies):
    for i in range(0, len(bodies), 1000):
        r = requests.post(f"{api}/v1/responses/batch", json={"instrument": instrument, "items": bodies[i:i + 1000]},
                          timeout=120)
        assert r.status_code == 200, r.text
        assert all(it["status"] == "created" for it in r.json()["items"]), r.text


def settle(db, round_ids):
    """Waits until the worker has counted every live response of the rounds and taken back
    every withdrawn one, and the relay has nothing left to send."""
    def done():
        (pending,), = sql(db, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        (off,), = sql(db, "SELECT count(*) FROM survey_response WHERE round_id = ANY(%s::uuid[])"
                          " AND counted <> (withdrawn_at IS NULL)", list(round_ids))
        return pending == 0 and off == 0
    wait_until("the worker to count every response", done, timeout=120)


def ward_of(body, wards):
    code = body.get("areaCode")
    if code is None:
        return None
    for w in wards:
        if code in (w["code"], w.get("lsoa")):
            return w["id"]
    return None


def get(api, path, **params):
    r = requests.get(f"{api}{path}", params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def valid(schema, instance):
    errors = Checker(os.path.join(SCHEMAS, schema)).errors(instance)
    assert not errors, f"{schema}: {[e.message for e in errors][:5]}"


def freeze(api, db, *round_ids):
    """Closes the rounds explicitly (POST /v1/rounds/{id}/close freezes them at once) and
    waits until the worker has made each one's exact release."""
    for rid in round_ids:
        r = requests.post(f"{api}/v1/rounds/{rid}/close", timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()["frozen"] is True, r.text

    def released():
        (k,), = sql(db, "SELECT count(*) FROM survey_round WHERE id = ANY(%s::uuid[])"
                        " AND exact_released_at IS NOT NULL", list(round_ids))
        return k == len(round_ids)
    wait_until("the exact release of the frozen rounds", released, timeout=120)
    (bad,), = sql(db, "SELECT count(*) FROM figure_latest WHERE round_id = ANY(%s::uuid[])"
                      " AND kind = 'provisional'", list(round_ids))
    assert bad == 0  # every figure of a frozen round now stands at its exact release


# ------------------------------------------------- the release rule, in Python

BASELINE_REASON = {"small_base": "baseline_small_base", "complementary": "baseline_complementary",
                   "not_released": "baseline_not_released"}


def own_reason(s, by_complement):
    """Why a figure's value is withheld for its own base: small (1 to 9), or for a sibling."""
    if 0 < s[0] < MIN_BASE:
        return "small_base"
    return "complementary" if by_complement else None


def released(now, base, is_baseline_round, withheld=False, base_withheld=False, has_baseline=True):
    """The published fields of one exact release under the baseline rule: the value is
    withheld for its own base only; change, p-value and MDC go with a withheld baseline,
    for the baseline's reason. base None: the baseline has no release of the figure."""
    f = proportion(now)
    value_reason = own_reason(now, withheld)
    base_reason = None
    if has_baseline:
        base_reason = "not_released" if base is None else own_reason(base, base_withheld)
    change_reason = value_reason or ("no_baseline" if not has_baseline else BASELINE_REASON.get(base_reason))
    b = proportion(base) if has_baseline and base is not None and base_reason is None else None
    out = {"n": None if value_reason else now[0], "suppressed": value_reason is not None,
           "withheldReason": value_reason, "changeWithheldReason": change_reason, "value": None, "nEff": None,
           "ciLow": None, "ciHigh": None, "baselineValue": b["value"] if b else None, "change": None,
           "pValue": None, "mdc": None}
    if f and not value_reason:
        out.update({k: f[k] for k in ("value", "nEff", "ciLow", "ciHigh")})
    if f and b and change_reason is None:
        n1 = b["nEff"] if is_baseline_round else f["nEff"]
        p0 = b["value"]
        out["mdc"] = 2.8016 * (p0 * (1 - p0) * (1 / b["nEff"] + 1 / n1)) ** 0.5
        if not is_baseline_round:
            p = pooled_z(p0, b["nEff"], f["value"], f["nEff"])
            if p is not None:
                out["change"] = f["value"] - p0
                out["pValue"] = p
    return out


def assert_released(got, want, where=""):
    for key in ("n", "suppressed", "withheldReason", "changeWithheldReason"):
        assert got[key] == want[key], (where, key, got, want)
    for key in ("value", "nEff", "ciLow", "ciHigh", "baselineValue", "change", "pValue", "mdc"):
        if want[key] is None:
            assert got[key] is None, (where, key, got, want)
        else:
            assert got[key] is not None and abs(got[key] - want[key]) <= 1e-9 * max(1.0, abs(want[key])), \
                (where, key, got, want)
    if want["changeWithheldReason"]:
        assert got["significant"] is False and got["adverse"] is False, (where, got)
    assert got["provisional"] is False, (where, got)  # a frozen round's cells are its exact release


def complementary(n, parents, pre=()):
    """Complementary suppression as the release rule states it. n: {child: raw base};
    parents: [(children in tie-break order, the parent's raw base or None)]. A parent's
    unstated residual (its base minus its listed children's) counts as a child that is never
    shown: one of 1 to 9 is protected like a suppressed child; what the parent minus its
    shown children leaves is never a group of 1 to 9 either. pre: children withheld before
    any of that (shared wards). Returns the children withheld (primary and complementary)."""
    hidden = {c for c, k in n.items() if k < MIN_BASE} | set(pre)
    changed = True
    while changed:
        changed = False
        for members, parent_n in parents:
            live = [c for c in members if n[c] > 0]
            hid = [c for c in live if c in hidden]
            shown = [c for c in live if c not in hidden]
            residual = parent_n - sum(n[c] for c in live) if parent_n is not None else 0
            hidden_n = sum(n[c] for c in hid) + max(residual, 0)
            alone = len(hid) + (residual > 0) == 1 and not (not hid and residual >= MIN_BASE)
            if (alone or 0 < hidden_n < MIN_BASE) and shown:
                hidden.add(min(shown, key=lambda c: n[c]))  # min keeps the first of a tie
                changed = True
    return hidden


def shared_wards(db):
    """The wards in more than one neighbourhood: withheld (complementary) wherever shown,
    and no neighbourhood's child, since their cell mixes the neighbourhoods' parts."""
    return {w for (w,) in sql(db, "SELECT (CASE WHEN x.kind = 'ward' THEN x.id ELSE x.ward_id END)::text"
                                  " FROM neighbourhood_area na JOIN area x ON x.id = na.area_id"
                                  " GROUP BY 1 HAVING count(DISTINCT na.neighbourhood_id) > 1")}


def covered(db, live_bodies, wards):
    """Whether a round covers the locality: every ward of the register has a live response."""
    register = {w for (w,) in sql(db, "SELECT id::text FROM area WHERE kind = 'ward'")}
    return bool(register) and register <= {ward_of(x, wards) for x in live_bodies}


# ------------------------------------------------------------ wards, breakdowns

def test_ward_and_breakdown_figures_equal_independent_values(api, db):
    """Two neighbourhoods sharing a ward, a weighted follow-up against an unweighted
    baseline, both frozen: every ward cell (in both views) and every age-band and sex cell
    has the n, value, Wilson interval, change, p-value and MDC computed here, with
    complementary suppression (the unstated residual counted) where a cell is small, and
    the change withheld where the baseline cell is."""
    rng = random.Random(44)
    a, b = new_neighbourhood(api), new_neighbourhood(api)
    w1 = ward(db, [a["id"]], lsoa=True)
    w2 = ward(db, [a["id"], b["id"]])
    w3 = ward(db, [b["id"]])
    wards = [w1, w2, w3]
    r0 = new_round(api, [a["id"], b["id"]], baseline=True, start="2026-01-01", end="2026-02-28")
    r1 = new_round(api, [a["id"], b["id"]], baseline=False, start="2026-03-01", end="2026-04-30")
    plan = [(a["id"], w1["code"], 40), (a["id"], w1["lsoa"], 25), (a["id"], w2["code"], 35), (a["id"], None, 6),
            (b["id"], w2["code"], 20), (b["id"], w3["code"], 45)]
    bodies = {r0["id"]: [], r1["id"]: []}
    for rid, weighted in ((r0["id"], False), (r1["id"], True)):
        for nb, code, count in plan:
            count = count if rid == r0["id"] else count + rng.randrange(-5, 15)
            bodies[rid] += [resident(rng, rid, nb, code, weighted) for _ in range(count)]
    post_batch(api, "resident", bodies[r0["id"]] + bodies[r1["id"]])
    gone = rng.sample(bodies[r1["id"]], 12)  # withdrawn before the freeze: in no cell of its release
    for body in gone:
        assert requests.delete(f"{api}/v1/responses/{body['id']}", timeout=10).status_code == 200
    live = {rid: [x for x in bs if x not in gone] for rid, bs in bodies.items()}
    settle(db, [r0["id"], r1["id"]])
    rounds = [r0["id"], r1["id"]]
    # Before the freeze no cell is released: a ward of the rounds is listed only as not
    # released (with the live count, for this admin key), no figure of it shown.
    for view in (a, b):
        got = [i for i in get(api, f"/v1/neighbourhoods/{view['id']}/wards/indicators")["indicators"]
               if i.get("roundId") in rounds]
        assert got and all(i["withheldReason"] == "not_released" and i["n"] is None
                           and i["value"] is None and i["provisional"] for i in got), got
        assert all(isinstance(i["responses"], int) for i in got), got
    assert not [i for i in get(api, f"/v1/neighbourhoods/{a['id']}/indicators", breakdown="sex")["indicators"]
                if i.get("roundId") in rounds]
    freeze(api, db, r0["id"], r1["id"])
    settle(db, rounds)

    diag = sql(db, "SELECT c.indicator, c.round_id, c.area_key, c.n_raw, (SELECT count(*) FROM response_contribution x"
                   " JOIN survey_response r ON r.id = x.response_id WHERE r.cell_ward_id = c.area_key"
                   " AND r.round_id = c.round_id AND x.indicator = c.indicator AND r.withdrawn_at IS NULL)"
                   " FROM released_cell c WHERE c.level = 'ward' AND c.round_id = ANY(%s::uuid[])", rounds)
    assert diag and all(row[3] == row[4] for row in diag), diag
    membership = {w1["id"]: [a["id"]], w2["id"]: sorted([a["id"], b["id"]]), w3["id"]: [b["id"]]}
    codes = {w["id"]: w["code"] for w in wards}

    def nb_n(rid, nb, ind):
        return sums([x for x in live[rid] if x["neighbourhoodId"] == nb], RESIDENT[ind])[0]

    # Wards: expected cells, with suppression run over every published parent containing
    # them (each neighbourhood, and the locality when the round covers it), each with its
    # released base. The shared ward W2 is withheld outright and is no neighbourhood's
    # child: what A and B leave of their own wards is their unstated residual.
    shared = shared_wards(db)
    assert w2["id"] in shared and not {w1["id"], w3["id"]} & shared
    cell = {}
    hidden = {}
    for rid in rounds:
        whole = covered(db, live[rid], wards)
        for ind, cls in RESIDENT.items():
            n = {}
            for w in wards:
                s = sums([x for x in live[rid] if ward_of(x, wards) == w["id"]], cls)
                if s[0] or any(ward_of(x, wards) == w["id"] for x in live[rid]):
                    cell[(rid, ind, w["id"])] = s
                    n[w["id"]] = s[0]
            order = sorted(n, key=lambda k: codes[k])
            parents = {}
            for w in order:
                for nb in membership[w]:
                    if nb_n(rid, nb, ind) >= MIN_BASE and w not in shared:
                        parents.setdefault(nb, ([], nb_n(rid, nb, ind)))[0].append(w)
                loc = sum(nb_n(rid, nb, ind) for nb in (a["id"], b["id"]))
                if whole and loc >= MIN_BASE:
                    parents.setdefault("locality", ([], loc))[0].append(w)
            for w in complementary(n, list(parents.values()), pre=shared & set(n)):
                hidden[(rid, ind, w)] = n[w] >= MIN_BASE
    for view, mine in ((a, [w1, w2]), (b, [w2, w3])):
        got = get(api, f"/v1/neighbourhoods/{view['id']}/wards/indicators")
        valid("ward-indicator-list.json", got)
        items = {(i.get("roundId"), i["indicator"], i["areaId"]): i for i in got["indicators"]}
        want_keys = {k for k in cell if k[2] in {w["id"] for w in mine} and k[1] in RESIDENT}
        assert set(items) == want_keys
        for (rid, ind, wid), item in items.items():
            base_key = (r0["id"], ind, wid)
            want = released(cell[(rid, ind, wid)], cell.get(base_key), rid == r0["id"],
                            withheld=hidden.get((rid, ind, wid), False), base_withheld=hidden.get(base_key, False))
            assert_released(item, want, (view["code"], rid, ind, codes[wid]))
            responses = sum(1 for x in live[rid] if ward_of(x, wards) == wid)
            # the admin key has submit scope: the live count of responses per ward is shown
            assert item["responses"] == responses and item["sampleAdequate"] is (responses >= 300)
            assert item["areaCode"] == codes[wid] and item["baselineRoundId"] == r0["id"]
    # The shared ward is the same figure in both views.
    sa = {(i.get("roundId"), i["indicator"]): i for i in get(api, f"/v1/neighbourhoods/{a['id']}/wards/indicators")[
        "indicators"] if i["areaId"] == w2["id"]}
    sb = {(i.get("roundId"), i["indicator"]): i for i in get(api, f"/v1/neighbourhoods/{b['id']}/wards/indicators")[
        "indicators"] if i["areaId"] == w2["id"]}
    assert sa == sb

    # Breakdowns of A by age band and by sex; the parent is A's released total, and the
    # respondents who gave no age band (or sex) are its unstated residual.
    for by, field in (("age_band", "ageBand"), ("sex", "sex")):
        got = get(api, f"/v1/neighbourhoods/{a['id']}/indicators", breakdown=by)
        valid("indicator-list.json", got)
        assert got["breakdown"] == by
        mine = {rid: [x for x in live[rid] if x["neighbourhoodId"] == a["id"]] for rid in rounds}
        cells, hid = {}, {}
        for rid in rounds:
            for ind, cls in RESIDENT.items():
                n = {}
                everyone = [x for x in bodies[rid] if x["neighbourhoodId"] == a["id"]]
                for g in sorted({x.get("respondent", {}).get(field) for x in everyone
                                 if cls(x["answers"]) is not None} - {None}):
                    s = sums([x for x in mine[rid] if x.get("respondent", {}).get(field) == g], cls)
                    cells[(rid, ind, g)] = s
                    n[g] = s[0]
                total = sums(mine[rid], cls)[0]
                parents = [(sorted(n), total)] if total >= MIN_BASE else []
                for g in complementary(n, parents):
                    hid[(rid, ind, g)] = n[g] >= MIN_BASE
        items = {(i.get("roundId"), i["indicator"], i["breakdown"]["group"]): i for i in got["indicators"]}
        assert set(items) == set(cells)
        for (rid, ind, g), item in items.items():
            assert item["breakdown"]["by"] == by
            base_key = (r0["id"], ind, g)
            want = released(cells[(rid, ind, g)], cells.get(base_key), rid == r0["id"],
                            withheld=hid.get((rid, ind, g), False), base_withheld=hid.get(base_key, False))
            assert_released(item, want, (by, rid, ind, g))


def test_complementary_suppression_through_api_and_csv(api, db):
    """Neighbourhood C has wards X (30), Y (5) and Z (20): Y is withheld for its small
    base. Z is also a ward of neighbourhood D, with V (40): a ward of two neighbourhoods is
    withheld (complementary) in both views, its cell mixing them, and is neither's child,
    so C minus X leaves Y with C's part of Z (25): X is shown; D minus V leaves D's part
    of Z, none: V is shown. The CSV withholds the same. In a breakdown, one group under 10
    takes the smallest other group with it, and the respondents who gave no sex are the
    unstated residual: a residual of 1 to 9 is protected like a small group."""
    rng = random.Random(5)
    c, d = new_neighbourhood(api), new_neighbourhood(api)
    x, y = ward(db, [c["id"]]), ward(db, [c["id"]])
    z = ward(db, [c["id"], d["id"]])
    v = ward(db, [d["id"]])
    rnd = new_round(api, [c["id"], d["id"]], baseline=True)
    yes = {"q01": "yes"}
    bodies = ([resident(rng, rnd["id"], c["id"], x["code"], answers=yes) for _ in range(30)]
              + [resident(rng, rnd["id"], c["id"], y["code"], answers=yes) for _ in range(5)]
              + [resident(rng, rnd["id"], c["id"], z["code"], answers={"q01": "no", "q02": "no", "q23a": "no"})
                 for _ in range(20)]
              + [resident(rng, rnd["id"], d["id"], v["code"], answers=yes) for _ in range(40)])
    post_batch(api, "resident", bodies)
    settle(db, [rnd["id"]])
    freeze(api, db, rnd["id"])
    # Frozen: a late submission is refused.
    late = requests.post(f"{api}/v1/responses", json=resident(rng, rnd["id"], c["id"], x["code"], answers=yes),
                         timeout=10)
    assert late.status_code == 409 and late.headers["Content-Type"].startswith("application/problem+json"), late.text

    def view(nb):
        return {i["areaCode"]: i for i in get(api, f"/v1/neighbourhoods/{nb}/wards/indicators")["indicators"]
                if i["indicator"] == "active_in_community"}
    vc, vd = view(c["id"]), view(d["id"])
    assert vc[y["code"]]["suppressed"] and vc[y["code"]]["withheldReason"] == "small_base"
    assert vc[y["code"]]["n"] is None and vc[y["code"]]["changeWithheldReason"] == "small_base"
    assert vc[z["code"]]["suppressed"] and vc[z["code"]]["withheldReason"] == "complementary"
    assert not vc[x["code"]]["suppressed"] and vc[x["code"]]["value"] == 1.0 and vc[x["code"]]["n"] == 30
    assert vc[x["code"]]["withheldReason"] is None and vc[x["code"]]["changeWithheldReason"] is None
    assert vd[z["code"]] == vc[z["code"]]
    assert not vd[v["code"]]["suppressed"] and vd[v["code"]]["value"] == 1.0 and vd[v["code"]]["n"] == 40
    for item in (vc[z["code"]],):
        assert item["n"] is None  # withheld: not even its base is shown
        for key in ("value", "nEff", "ciLow", "ciHigh", "baselineValue", "change", "pValue", "mdc"):
            assert item[key] is None, key
        # its own baseline (this round) is withheld with it: so is the change
        assert item["changeWithheldReason"] == "complementary"
        assert item["significant"] is False and item["adverse"] is False
    r = requests.get(f"{api}/v1/neighbourhoods/{c['id']}/wards/indicators", headers={"Accept": "text/csv"},
                     timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = {row["areaCode"]: row for row in csv.DictReader(io.StringIO(r.text))
            if row["indicator"] == "active_in_community"}
    assert rows[z["code"]]["suppressed"] == "true" and rows[z["code"]]["value"] == "" and rows[z["code"]]["n"] == ""
    assert rows[z["code"]]["withheldReason"] == "complementary" and rows[y["code"]]["value"] == ""
    assert rows[y["code"]]["withheldReason"] == "small_base" and rows[y["code"]]["n"] == ""
    assert rows[z["code"]]["changeWithheldReason"] == "complementary"
    assert float(rows[x["code"]]["value"]) == 1.0 and rows[x["code"]]["neighbourhoodId"] == c["id"]
    assert rows[x["code"]]["withheldReason"] == "" and rows[x["code"]]["n"] == "30"
    # A breakdown too: one sex group under 10 takes the smallest other group with it.
    e = new_neighbourhood(api)
    r2 = new_round(api, [e["id"]], baseline=True)
    mk = lambda nb, rid, sex, k: [dict(resident(rng, rid, nb, answers=yes), respondent={"sex": sex})  # noqa: E731
                                  for _ in range(k)]
    post_batch(api, "resident", mk(e["id"], r2["id"], "female", 30) + mk(e["id"], r2["id"], "male", 25)
               + mk(e["id"], r2["id"], "other", 3))
    # … and the unstated residual: F has 30 women, 25 men and 4 who gave no sex. F minus
    # its two groups would be those 4: the smaller group (men) is withheld.
    f = new_neighbourhood(api)
    r3 = new_round(api, [f["id"]], baseline=True)
    unstated = [dict(resident(rng, r3["id"], f["id"], answers=yes, sex=False), respondent={"ageBand": "25-34"})
                for _ in range(4)]
    post_batch(api, "resident", mk(f["id"], r3["id"], "female", 30) + mk(f["id"], r3["id"], "male", 25) + unstated)
    settle(db, [r2["id"], r3["id"]])
    freeze(api, db, r2["id"], r3["id"])
    by = {i["breakdown"]["group"]: i for i in get(api, f"/v1/neighbourhoods/{e['id']}/indicators",
                                                   breakdown="sex")["indicators"]
          if i["indicator"] == "active_in_community"}
    assert by["other"]["withheldReason"] == "small_base" and by["other"]["n"] is None
    assert by["male"]["withheldReason"] == "complementary" and by["male"]["value"] is None
    assert by["male"]["n"] is None
    assert not by["female"]["suppressed"] and by["female"]["n"] == 30 and by["female"]["value"] == 1.0
    r = requests.get(f"{api}/v1/neighbourhoods/{e['id']}/indicators?breakdown=sex", headers={"Accept": "text/csv"},
                     timeout=10)
    rows = [row for row in csv.DictReader(io.StringIO(r.text)) if row["indicator"] == "active_in_community"]
    assert {row["breakdownGroup"]: row["value"] for row in rows}["male"] == ""
    assert {row["breakdownGroup"]: row["withheldReason"] for row in rows}["male"] == "complementary"
    by = {i["breakdown"]["group"]: i for i in get(api, f"/v1/neighbourhoods/{f['id']}/indicators",
                                                   breakdown="sex")["indicators"]
          if i["indicator"] == "active_in_community"}
    assert set(by) == {"female", "male"}  # the unstated are in no group
    assert by["male"]["withheldReason"] == "complementary" and by["male"]["value"] is None and by["male"]["n"] is None
    assert not by["female"]["suppressed"] and by["female"]["n"] == 30
    total = {i["indicator"]: i for i in get(api, f"/v1/neighbourhoods/{f['id']}/indicators")["indicators"]
             if i.get("roundId") == r3["id"]}["active_in_community"]
    assert total["n"] == 59 and total["release"]["kind"] == "final"  # the parent counts them


def test_breakdown_and_ward_requests_are_checked(api, db, stack):
    n = new_neighbourhood(api)
    r = requests.get(f"{api}/v1/neighbourhoods/{n['id']}/indicators", params={"breakdown": "income"}, timeout=5)
    assert r.status_code == 422 and r.headers["Content-Type"].startswith("application/problem+json")
    assert "/breakdown" in [e["pointer"] for e in r.json()["errors"]]
    r = requests.get(f"{api}/v1/locality/indicators", params={"breakdown": "ward"}, timeout=5)
    assert r.status_code == 422
    for path in (f"/v1/neighbourhoods/{uuid.uuid4()}/wards/indicators",
                 f"/v1/neighbourhoods/{uuid.uuid4()}/indicators?breakdown=sex"):
        assert requests.get(f"{api}{path}", timeout=5).status_code == 404
    # A key limited to another neighbourhood: the wards and the locality are not there.
    other = new_neighbourhood(api)
    agency = requests.post(f"{api}/v1/agencies", json={"name": f"agency {uuid.uuid4()}"}, timeout=5).json()
    key = requests.post(f"{api}/v1/agencies/{agency['id']}/keys", timeout=5,
                        json={"scopes": ["read"], "neighbourhoods": [other["id"]]}).json()["key"]
    h = {"Authorization": f"Bearer {key}"}
    assert requests.get(f"{api}/v1/neighbourhoods/{n['id']}/wards/indicators", headers=h, timeout=5).status_code == 404
    assert requests.get(f"{api}/v1/neighbourhoods/{n['id']}/indicators?breakdown=sex", headers=h,
                        timeout=5).status_code == 404
    assert requests.get(f"{api}/v1/neighbourhoods/{other['id']}/wards/indicators", headers=h,
                        timeout=5).status_code == 200
    assert requests.get(f"{api}/v1/locality/indicators", headers=h, timeout=5).status_code == 404


# ----------------------------------------------------------- sample adequacy

def test_sample_adequate_once_at_the_three_hundredth_response(api, db):
    """The live count of responses per ward (what fieldwork needs to reach 300) stays live
    on keys with submit or admin scope, before the freeze and after it, while the ward's
    figures are releases; `sample.adequate` is announced once per (ward, round)."""
    rng = random.Random(300)
    n, m = new_neighbourhood(api), new_neighbourhood(api)
    s = ward(db, [n["id"], m["id"]], lsoa=True)
    rnd = new_round(api, [n["id"]], baseline=True)
    # What fieldwork saw of the live count while the round was open: checked at the end,
    # so that the events are checked whatever it saw.
    live_seen = []

    def live_count(want, stage):
        got = {(i["responses"], i["sampleAdequate"]) for i in get(
            api, f"/v1/neighbourhoods/{n['id']}/wards/indicators")["indicators"]
            if i["areaId"] == s["id"] and i.get("roundId") == rnd["id"]}
        live_seen.append((stage, got, {want}))

    def announced():
        return [json.loads(p) for (p,) in sql(db, "SELECT payload FROM outbox WHERE payload::jsonb->>'type' ="
                                                  " 'sample.adequate' AND payload::jsonb->'data'->>'areaId' = %s"
                                                  " ORDER BY seq", s["id"])]
    first = [resident(rng, rnd["id"], n["id"], s["lsoa"] if i % 3 else s["code"]) for i in range(299)]
    post_batch(api, "resident", first)
    settle(db, [rnd["id"]])
    assert announced() == []
    live_count((299, False), "299 responses, open round")
    last = resident(rng, rnd["id"], n["id"], s["code"])
    post_batch(api, "resident", [last])
    settle(db, [rnd["id"]])
    evs = announced()
    for ev in evs:
        valid("event-sample-adequate.json", ev)
    # one per neighbourhood containing the ward, keyed by it
    assert sorted(e["data"]["neighbourhoodId"] for e in evs) == sorted([n["id"], m["id"]])
    assert {(e["data"]["responses"], e["data"]["roundId"], e["data"]["areaCode"]) for e in evs} == \
        {(300, rnd["id"], s["code"])}
    keys = dict(sql(db, "SELECT payload::jsonb->'data'->>'neighbourhoodId', msg_key FROM outbox"
                        " WHERE payload::jsonb->>'type' = 'sample.adequate' AND payload::jsonb->'data'->>'areaId' = %s",
                    s["id"]))
    assert keys == {n["id"]: n["id"], m["id"]: m["id"]}
    live_count((300, True), "300 responses, open round")
    # Redelivered submissions change nothing; under 300 and back again: not announced again.
    sql(db, "UPDATE outbox SET published_at = NULL WHERE topic = 'cdm.submissions' AND msg_key = %s", n["id"])
    requests.post(f"{api}/v1/responses", json=last, timeout=10)  # wakes the relay
    settle(db, [rnd["id"]])
    assert requests.delete(f"{api}/v1/responses/{first[0]['id']}", timeout=10).status_code == 200
    settle(db, [rnd["id"]])
    live_count((299, False), "a withdrawal back under 300, open round")
    post_batch(api, "resident", [resident(rng, rnd["id"], n["id"], s["code"])])
    settle(db, [rnd["id"]])
    assert len(announced()) == 2
    (count,), = sql(db, "SELECT responses FROM ward_round_count WHERE ward_id = %s AND round_id = %s",
                    s["id"], rnd["id"])
    assert count == 300
    # Frozen: the ward's cells are released, its count of responses still live.
    freeze(api, db, rnd["id"])
    wards = [i for i in get(api, f"/v1/neighbourhoods/{n['id']}/wards/indicators")["indicators"]
             if i["areaId"] == s["id"] and i.get("roundId") == rnd["id"]]
    assert wards and {(i["responses"], i["sampleAdequate"]) for i in wards} == {(300, True)}
    before = {i["indicator"]: i["n"] for i in wards}
    assert requests.delete(f"{api}/v1/responses/{first[1]['id']}", timeout=10).status_code == 200
    settle(db, [rnd["id"]])
    wards = [i for i in get(api, f"/v1/neighbourhoods/{n['id']}/wards/indicators")["indicators"]
             if i["areaId"] == s["id"] and i.get("roundId") == rnd["id"]]
    assert {(i["responses"], i["sampleAdequate"]) for i in wards} == {(299, False)}
    assert {i["indicator"]: i["n"] for i in wards} == before  # one withdrawal: the figures stand as published
    assert len(announced()) == 2
    # A read-only key sees the released figures, not the live count.
    agency = requests.post(f"{api}/v1/agencies", json={"name": f"agency {uuid.uuid4()}"}, timeout=5).json()
    key = requests.post(f"{api}/v1/agencies/{agency['id']}/keys", timeout=5,
                        json={"scopes": ["read"], "neighbourhoods": [n["id"]]}).json()["key"]
    ro = requests.get(f"{api}/v1/neighbourhoods/{n['id']}/wards/indicators", timeout=10,
                      headers={"Authorization": f"Bearer {key}"})
    assert ro.status_code == 200, ro.text
    assert {(i["responses"], i["sampleAdequate"]) for i in ro.json()["indicators"]
            if i["areaId"] == s["id"]} == {(None, None)}
    # Fieldwork needs the live count while the round is open (issue 12, rule 1).
    wrong = [(stage, got, want) for stage, got, want in live_seen if got != want]
    assert not wrong, f"live ward counts (responses, sampleAdequate) while open, (stage, got, wanted): {wrong}"


# ------------------------------------------------------------------ locality

def test_locality_figures_when_the_round_covers_every_ward_and_sector_figures(api, db, stack):
    """The locality's figures exist for a round only once every ward of the area register
    has a live response in it; they are the sums of its neighbourhoods' releases (exact
    once the round is frozen), withheld where the small neighbourhoods in the sum hold 1 to
    9 together. Sector responses make the three sector indicators, at locality level only;
    a withdrawal before the freeze takes one back out."""
    rng = random.Random(9)
    p, q = new_neighbourhood(api), new_neighbourhood(api)
    wp, wq = ward(db, [p["id"]]), ward(db, [q["id"]])
    ward(db, [])  # a ward of the register in none of the round's neighbourhoods (yet)
    rnd = new_round(api, [p["id"], q["id"]], baseline=True, start="2026-01-01", end="2026-03-31")
    bodies = ([resident(rng, rnd["id"], p["id"], wp["code"]) for _ in range(60)]
              + [resident(rng, rnd["id"], q["id"], wq["code"]) for _ in range(50)])
    # In two batches, so that the clock has a state 10 changes behind the newest to release.
    post_batch(api, "resident", bodies[:30] + bodies[60:85])
    settle(db, [rnd["id"]])
    post_batch(api, "resident", bodies[30:60] + bodies[85:])
    settle(db, [rnd["id"]])
    tick(stack, today())
    shown = [i for i in get(api, f"/v1/neighbourhoods/{p['id']}/indicators")["indicators"]
             if i.get("roundId") == rnd["id"] and i["release"] is not None]
    assert shown and {i["release"]["kind"] for i in shown} == {"provisional"} and all(i["provisional"] for i in shown)
    got = get(api, "/v1/locality/indicators")
    assert rnd["id"] not in {i.get("roundId") for i in got["indicators"]}  # other wards have no response
    # A small ward of its own small neighbourhood (not published), and every other ward of
    # the register with ten responses through a neighbourhood of them all: the round now
    # covers the locality.
    small = new_neighbourhood(api)
    ws = ward(db, [small["id"]])
    rest = new_neighbourhood(api)
    others = sql(db, "SELECT id::text, code FROM area WHERE kind = 'ward' AND id NOT IN (%s, %s, %s) ORDER BY code",
                 wp["id"], wq["id"], ws["id"])
    for wid, _ in others:
        sql(db, "INSERT INTO neighbourhood_area VALUES (%s, %s) ON CONFLICT DO NOTHING", rest["id"], wid)
    for nb in (rest, small):
        sql(db, "INSERT INTO survey_round_area (round_id, neighbourhood_id, instrument, is_baseline)"
                " VALUES (%s, %s, 'resident', true)", rnd["id"], nb["id"])
    yes = {"q01": "yes"}
    filler = [resident(rng, rnd["id"], rest["id"], code, answers=yes) for _, code in others for _ in range(10)]
    filler += [resident(rng, rnd["id"], small["id"], ws["code"], answers=yes) for _ in range(5)]
    post_batch(api, "resident", filler)
    settle(db, [rnd["id"]])
    # The ward register may have grown meanwhile (nothing else runs here, but be exact).
    (missing,), = sql(db, "SELECT count(*) FROM area a WHERE kind = 'ward' AND NOT EXISTS (SELECT 1"
                          " FROM ward_round_count k WHERE k.ward_id = a.id AND k.round_id = %s AND k.responses > 0)",
                      rnd["id"])
    assert missing == 0
    freeze(api, db, rnd["id"])
    live = bodies + filler
    nbs = (p, q, rest, small)

    def nb_sums(cls, keep=lambda x: True):
        return {nb["id"]: sums([x for x in live if x["neighbourhoodId"] == nb["id"] and keep(x)], cls) for nb in nbs}

    def small_hold(per_nb):
        """What the neighbourhoods under 10 in a locality sum hold together."""
        return sum(s[0] for s in per_nb.values() if s[0] < MIN_BASE)

    got = get(api, "/v1/locality/indicators")
    valid("locality-indicator-list.json", got)
    items = {i["indicator"]: i for i in got["indicators"] if i.get("roundId") == rnd["id"]}
    assert set(items) == {k for k, cls in RESIDENT.items() if sums(live, cls)[0] > 0}
    withheld_somewhere = False
    for ind, item in items.items():
        assert item["source"] == "resident" and item["baselineRoundId"] is not None
        assert item["provisional"] is False
        hold = small_hold(nb_sums(RESIDENT[ind]))
        hidden = 0 < hold < MIN_BASE  # the locality minus the others would reveal them
        withheld_somewhere |= hidden
        # The locality's baseline is its earliest closed covering round: this one, if no earlier.
        s = sums(live, RESIDENT[ind])
        want = released(s, s if item["baseline"] else None, item["baseline"], withheld=hidden,
                        base_withheld=hidden, has_baseline=item["baseline"])
        if item["baseline"]:
            assert_released(item, want, ind)
        else:
            assert item["withheldReason"] == want["withheldReason"], (ind, item)
            for key in ("n", "value", "nEff", "ciLow", "ciHigh"):
                assert item[key] == want[key] or abs(item[key] - want[key]) < 1e-9, key
    assert withheld_somewhere, "the small neighbourhood's 5 must withhold active_in_community at the locality"
    assert items["active_in_community"]["withheldReason"] == "complementary"
    # The locality is a published parent of every ward: the small ward, alone suppressed in
    # its own (unpublished) neighbourhood, takes the locality's smallest other ward with it,
    # and that one, in the neighbourhood of the rest, the next smallest there.
    everyone = bodies + filler
    codes = {w["id"]: w["code"] for w in (wp, wq, ws)} | {wid: code for wid, code in others}
    ward_nbs = {wp["id"]: [p["id"]], wq["id"]: [q["id"]], ws["id"]: [small["id"]]} | {
        wid: [rest["id"]] for wid, _ in others}
    n = {wid: sums([x for x in everyone if x.get("areaCode") == code], active_in_community)[0]
         for wid, code in codes.items()}
    n = {wid: k for wid, k in n.items() if k > 0}
    nb_n = {nb: s[0] for nb, s in nb_sums(active_in_community).items()}
    shared = shared_wards(db)  # the wards of the register given to `rest` that were another's
    groups = {}
    for wid in sorted(n, key=lambda w: codes[w]):
        published = sorted(nb for nb in ward_nbs[wid] if nb_n[nb] >= MIN_BASE and wid not in shared)
        for parent in published:
            groups.setdefault(parent, ([], nb_n[parent]))[0].append(wid)
        groups.setdefault("locality", ([], sum(nb_n.values())))[0].append(wid)
    want = {w for w in complementary(n, list(groups.values()), pre=shared & set(n)) if n[w] >= MIN_BASE}
    assert want, "the scenario must make the locality suppress a sibling"
    got = {i["areaId"] for v in (rest, p, q) for i in get(api, f"/v1/neighbourhoods/{v['id']}/wards/indicators")[
        "indicators"] if i.get("roundId") == rnd["id"] and i["indicator"] == "active_in_community"
        and i["withheldReason"] == "complementary"}
    assert got == want

    # By sex: the locality's groups are the sums over its neighbourhoods' released cells,
    # withheld (complementary) wherever a neighbourhood withholds its part of one (the
    # locality minus the shown parts would give it), then suppressed within the
    # locality's own total like any breakdown.
    by = get(api, "/v1/locality/indicators", breakdown="sex")
    valid("locality-indicator-list.json", by)
    groups_by = {i["breakdown"]["group"]: i for i in by["indicators"]
                 if i.get("roundId") == rnd["id"] and i["indicator"] == "active_in_community"}
    sex_of = lambda x: x.get("respondent", {}).get("sex")  # noqa: E731
    loc_n, forced = {}, set()
    for nb in nbs:
        mine = [x for x in live if x["neighbourhoodId"] == nb["id"]]
        part = {g: sums([x for x in mine if sex_of(x) == g], active_in_community)[0]
                for g in sorted({sex_of(x) for x in mine if active_in_community(x["answers"]) is not None} - {None})}
        total = sums(mine, active_in_community)[0]
        for g in complementary(part, [(sorted(part), total)] if total >= MIN_BASE else []):
            if part[g] > 0:
                forced.add(g)
        for g, k in part.items():
            loc_n[g] = loc_n.get(g, 0) + k
    loc_total = sums(live, active_in_community)[0]
    hidden = complementary(loc_n, [(sorted(loc_n), loc_total)], pre=forced & set(loc_n))
    assert set(groups_by) == set(loc_n) and "female" in groups_by
    for g, item in groups_by.items():
        if g in hidden:
            reason = "small_base" if loc_n[g] < MIN_BASE else "complementary"
            assert item["n"] is None and item["value"] is None and item["withheldReason"] == reason, (g, item)
        else:
            assert item["n"] == loc_n[g] and item["withheldReason"] is None, (g, item)
    r = requests.get(f"{api}/v1/locality/indicators", headers={"Accept": "text/csv"}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert any(row["roundId"] == rnd["id"] for row in csv.DictReader(io.StringIO(r.text)))

    # Sector responses: locality only, weight 1.
    org = str(uuid.uuid4())
    sql(db, "INSERT INTO organisation (id, name, kind, status) VALUES (%s, 'Group', 'community_group', 'active')", org)
    sql(db, "INSERT INTO organisation_neighbourhood VALUES (%s, %s)", org, p["id"])
    srnd = new_round(api, [p["id"]], baseline=False, instrument="sector", start="2026-01-01", end="2026-02-01")
    conf = ["very_confident", "fairly_confident", "not_very_confident", "not_at_all_confident", "dont_know"]
    sat = ["very_satisfied", "fairly_satisfied", "neither", "fairly_dissatisfied", "very_dissatisfied", "dont_know"]
    inf = ["very_positive", "positive", "neither", "negative", "very_negative", "dont_know"]
    sector = [{"id": str(uuid.uuid4()), "roundId": srnd["id"], "organisationId": org,
               "answers": {"q02": rng.choice(conf), "q03": rng.choice(sat), "q07": rng.choice(inf)}}
              for _ in range(40)]
    for body in sector:
        assert requests.post(f"{api}/v1/sector-responses", json=body, timeout=10).status_code == 201
    gone = sector[:3]
    for body in gone:
        assert requests.delete(f"{api}/v1/responses/{body['id']}", timeout=10).status_code == 200
    settle(db, [srnd["id"]])
    assert srnd["id"] not in {i.get("roundId") for i in get(api, "/v1/locality/indicators")["indicators"]}
    freeze(api, db, srnd["id"])
    kept = sector[3:]
    items = {i["indicator"]: i for i in get(api, "/v1/locality/indicators")["indicators"]
             if i.get("roundId") == srnd["id"]}
    assert set(items) == set(SECTOR)
    for ind, cls in SECTOR.items():
        s = sums(kept, cls)
        want = released(s, s, True)  # the only closed sector round: its own baseline
        assert items[ind]["source"] == "sector" and items[ind]["baseline"] is True
        assert_released(items[ind], want, ind)
    late = dict(sector[0], id=str(uuid.uuid4()))
    assert requests.post(f"{api}/v1/sector-responses", json=late, timeout=10).status_code == 409
    # Not at neighbourhood level, and not in a breakdown.
    assert not [i for i in get(api, f"/v1/neighbourhoods/{p['id']}/indicators")["indicators"]
                if i["indicator"] in SECTOR]
    assert not [i for i in get(api, "/v1/locality/indicators", breakdown="sex")["indicators"]
                if i["indicator"] in SECTOR]

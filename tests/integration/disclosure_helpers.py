"""Helpers of test_disclosure.py: exact linear algebra over the rationals, the
membership of releases (from contribution_ledger and from the posted responses),
the classifiers of the indicators the generated answers reach, and the channels
a read-key partner collects releases from."""
import csv
import io
import json
import os
import subprocess
import uuid
from fractions import Fraction

import requests

from conftest import BUILD, wait_until, tick
from survey_stats import active_in_community, health_benefit


def yes_no(key):
    return lambda a: {"yes": 1, "no": 0}.get(a.get(key))


# The resident indicators the generated answers (q01, q02, q23a, q07, q19, q24) reach.
CLASSIFY = {"active_in_community": active_in_community, "gives_help": yes_no("q07"),
            "neighbours_look_out": yes_no("q19"), "health_benefit": health_benefit}
AGES = ["16-24", "25-34", "35-44", "45-54"]
SEXES = ["female", "male", "other"]
NUMERIC = ("n", "value", "nEff", "ciLow", "ciHigh", "baselineValue", "change", "pValue", "mdc")


def sql(db, query, *args):
    cur = db.cursor()
    cur.execute(query, args)
    return cur.fetchall() if cur.description else None


def ward(db, nbs):
    code = "E05" + str(uuid.uuid4().int)[:6]
    (wid,), = sql(db, "INSERT INTO area (code, kind, name) VALUES (%s, 'ward', 'W') RETURNING id::text", code)
    for n in nbs:
        sql(db, "INSERT INTO neighbourhood_area VALUES (%s, %s)", n, wid)
    return {"code": code, "id": wid}


def settle(db, round_ids):
    """Every live response of the rounds counted, every withdrawn one taken back, the
    outbox sent."""
    def done():
        (pending,), = sql(db, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        (off,), = sql(db, "SELECT count(*) FROM survey_response WHERE round_id = ANY(%s::uuid[])"
                          " AND counted <> (withdrawn_at IS NULL)", list(round_ids))
        (pend,), = sql(db, "SELECT count(*) FROM contribution_ledger WHERE round_id = ANY(%s::uuid[])"
                           " AND (added_at IS NULL OR removed_at = -1)", list(round_ids))
        return pending == 0 and off == 0 and pend == 0
    wait_until("the worker to fold every response", done, timeout=60, interval=0.02)


# ------------------------------------------------------------- rank arithmetic

def rref(rows, ncols):
    """Reduced row echelon form over the rationals of 0/1 (or integer) rows."""
    m = [[Fraction(v) for v in r] for r in rows]
    out, col, r0 = [], 0, 0
    while m and col < ncols:
        piv = next((i for i in range(r0, len(m)) if m[i][col] != 0), None)
        if piv is None:
            col += 1
            continue
        m[r0], m[piv] = m[piv], m[r0]
        p = m[r0][col]
        m[r0] = [v / p for v in m[r0]]
        for i in range(len(m)):
            if i != r0 and m[i][col] != 0:
                f = m[i][col]
                m[i] = [a - f * b for a, b in zip(m[i], m[r0])]
        r0 += 1
        col += 1
        if r0 == len(m):
            break
    return [r for r in m[:r0] if any(r)]


def singled_out(rows, ncols):
    """The coordinates x whose unit vector e_x lies in the row span of rows: in reduced
    row echelon form, e_x is in the span exactly when some row equals e_x."""
    if not rows:
        return set()
    out = set()
    for r in rref(rows, ncols):
        nz = [j for j, v in enumerate(r) if v != 0]
        if len(nz) == 1:
            out.add(nz[0])
    return out


def vector(members, index):
    v = [0] * len(index)
    for m in members:
        v[index[m]] = 1
    return v


# ------------------------------------------------------------------ membership

# The ledger of each round as it stood just before its freeze: the exact release
# drops it (after the freeze only counts since the latest release matter), so the
# oracle keeps its own copy.
LEDGER = {}


def keep_ledger(db, round_id):
    """Copies a round's ledger, settled, before the round is closed."""
    LEDGER[round_id] = sql(db, "SELECT neighbourhood_id::text, indicator, response_id::text, added_at,"
                               " removed_at FROM contribution_ledger WHERE round_id = %s", round_id)


def ledger_members(db, round_id, nb, indicator, state):
    """The responses in a neighbourhood figure's base at state `state` of it."""
    if round_id in LEDGER:
        return {r for n, i, r, added, removed in LEDGER[round_id]
                if n == nb and i == indicator and added is not None and added <= state
                and (removed is None or removed > state)}
    return {r for (r,) in sql(db, "SELECT response_id::text FROM contribution_ledger WHERE round_id = %s"
                                  " AND neighbourhood_id = %s AND indicator = %s AND added_at <= %s"
                                  " AND (removed_at IS NULL OR removed_at > %s)",
                              round_id, nb, indicator, state, state)}


def cell_of(body, by, wards):
    """The group of a posted response in a breakdown (None: unstated)."""
    if by == "ward":
        code = body.get("areaCode")
        return next((w["id"] for w in wards if w["code"] == code), None)
    return body.get("respondent", {}).get("ageBand" if by == "age_band" else "sex")


# ------------------------------------------------------------------ channels

def get_json(api, path, key, **params):
    r = requests.get(f"{api}{path}", params=params, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def get_csv(api, path, key, **params):
    r = requests.get(f"{api}{path}", params=params, timeout=30,
                     headers={"Authorization": f"Bearer {key}", "Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv"), r.text
    return list(csv.DictReader(io.StringIO(r.text)))


def csv_num(s):
    if s == "" or s is None:
        return None
    return float(s)


def feed(api, key, after):
    """Every event of the feed after the cursor; (events, new cursor)."""
    events = []
    while True:
        params = {"limit": 100}
        if after:
            params["after"] = after
        r = requests.get(f"{api}/v1/events", params=params, headers={"Authorization": f"Bearer {key}"},
                         timeout=30)
        assert r.status_code == 200, r.text
        page = r.json()
        events += page["items"]
        if not page["items"]:
            return events, page.get("next") or after
        after = page["next"]


def outbox_updates(db, nb):
    return [json.loads(p) for (p,) in sql(db, "SELECT payload FROM outbox WHERE topic = 'cdm.kpi-events'"
                                              " AND msg_key = %s AND payload::jsonb->>'type' = 'indicator.updated'"
                                              " ORDER BY seq", nb)]


def releases(db, round_ids):
    """Every stored release of the rounds, keyed by figure and number."""
    rows = sql(db, "SELECT round_id::text, level, area_key::text, breakdown_by, breakdown_group, indicator,"
                   " release_no, kind, state_changes, n_raw, sum_w::float8, sum_wy::float8"
                   " FROM figure_release WHERE round_id = ANY(%s::uuid[])", list(round_ids))
    return {tuple(r[:7]): {"kind": r[7], "state": r[8], "n_raw": r[9], "sum_w": r[10], "sum_wy": r[11]}
            for r in rows}


def latest(rel):
    """{figure: (release_no, row)} of the newest release of each figure."""
    out = {}
    for k, v in rel.items():
        fig, no = k[:6], k[6]
        if fig not in out or out[fig][0] < no:
            out[fig] = (no, v)
    return out

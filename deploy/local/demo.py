#!/usr/bin/python3
"""Demo data for `make run`: three neighbourhoods, a closed baseline round and an
open follow-up, a few hundred resident responses. Idempotent: fixed codes and
response ids derived from them, so a second run changes nothing."""
import datetime
import random
import sys
import time
import uuid

import os

import requests

API = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
session = requests.Session()
session.headers["Authorization"] = f"Bearer {os.environ['CDM_API_KEY']}"


class PoliteClient:
    """Waits out a 429 (Retry-After) and tries again, as a front-end should."""

    def __getattr__(self, method):
        def call(*args, **kw):
            while True:
                r = getattr(session, method)(*args, **kw)
                if r.status_code != 429:
                    return r
                time.sleep(float(r.headers.get("Retry-After", "1")))
        return call


requests = PoliteClient()
NS = uuid.UUID("6d1f0a4e-2f0b-4c55-9a7e-0c0ffee00001")
HOODS = [
    {"code": "northfield-east", "name": "Northfield East", "population": 13200, "imdDecile": 1, "priority": True, "wave": 1},
    {"code": "riverside", "name": "Riverside", "population": 6400, "imdDecile": 2, "priority": True, "wave": 1},
    {"code": "hillcrest", "name": "Hillcrest", "population": 7100, "imdDecile": 6, "priority": False, "wave": 2},
]


def neighbourhood_ids():
    ids, after = {}, None
    while True:
        page = requests.get(f"{API}/v1/neighbourhoods", params={"after": after} if after else {}, timeout=10).json()
        ids.update({n["code"]: n["id"] for n in page["items"]})
        after = page["next"]
        if not after:
            return ids


def main():
    for h in HOODS:
        r = requests.post(f"{API}/v1/neighbourhoods", json=h, timeout=10)
        if r.status_code not in (201, 409):
            sys.exit(f"demo: creating {h['code']}: {r.status_code} {r.text}")
    ids = neighbourhood_ids()
    marker = ids["northfield-east"]
    existing = requests.get(f"{API}/v1/neighbourhoods/{marker}/indicators", timeout=10).json()["indicators"]
    if existing:
        print("demo data already loaded")
        return
    today = datetime.date.today()
    rounds = {}
    for key, start, end, baseline in (
        ("baseline", today - datetime.timedelta(days=400), today - datetime.timedelta(days=340), True),
        ("follow-up", today - datetime.timedelta(days=20), today + datetime.timedelta(days=40), False),
    ):
        body = {"instrument": "resident", "name": f"Resident survey {key} {start.year}",
                "fieldworkStart": start.isoformat(), "fieldworkEnd": end.isoformat(),
                "neighbourhoods": [{"neighbourhoodId": ids[h["code"]], "baseline": baseline} for h in HOODS]}
        r = requests.post(f"{API}/v1/rounds", json=body, timeout=10)
        if r.status_code != 201:
            sys.exit(f"demo: creating round {key}: {r.status_code} {r.text}")
        rounds[key] = r.json()["id"]
    rng = random.Random(20261126)
    posted = 0
    for h in HOODS:
        for key, rate in (("baseline", 0.07), ("follow-up", 0.12)):  # figure 2: 7% → 12%
            for i in range(150):
                active = rng.random() < rate
                answers = {"q01": "yes" if active else "no", "q02": "no", "q23a": "no"}
                if not active and rng.random() < 0.05:
                    answers["q02"] = "dont_know"
                body = {"id": str(uuid.uuid5(NS, f"{h['code']}/{key}/{i}")), "roundId": rounds[key],
                        "neighbourhoodId": ids[h["code"]], "answers": answers}
                r = requests.post(f"{API}/v1/responses", json=body, timeout=10)
                if r.status_code not in (200, 201):
                    sys.exit(f"demo: response: {r.status_code} {r.text}")
                posted += 1
    print(f"demo data: {len(HOODS)} neighbourhoods, 2 rounds, {posted} responses")


if __name__ == "__main__":
    main()

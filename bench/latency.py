#!/usr/bin/python3
"""Time from POST /v1/responses (201) until the worker has folded the response
into its aggregates and cells (its row marked counted), one response at a
time. Partners see releases, not each response (README, Statistics): no event
follows a single response any more, so the fold is what a response waits for."""
import statistics
import sys
import time
import uuid

import psycopg2
import requests

api, bootstrap, env_out = sys.argv[1], sys.argv[2], sys.argv[3]
import os
s = requests.Session()
s.headers["Authorization"] = f"Bearer {os.environ['CDM_API_KEY']}"
# A neighbourhood of one ward, so that every response also goes to its ward cell.
ward = f"E059{uuid.uuid4().int % 10**5:05d}"  # above the generated national codes
r = s.post(f"{api}/v1/areas", json={"code": ward, "kind": "ward", "name": "Bench ward", "population": 6500,
                                    "validFrom": "2022-06-30"})
assert r.status_code == 201, r.text
area = s.post(f"{api}/v1/neighbourhoods", json={"code": f"bench-{uuid.uuid4().hex[:8]}", "name": "Bench",
                                                "areas": [ward], "wave": 1}).json()["id"]
rnd = s.post(f"{api}/v1/rounds", json={"instrument": "resident", "name": "Bench", "fieldworkStart": "2026-01-01",
                                       "fieldworkEnd": "2099-01-01", "neighbourhoods": [{"neighbourhoodId": area}]}).json()["id"]
db = psycopg2.connect(os.environ["CDM_DATABASE_URL"])
db.autocommit = True
cur = db.cursor()
latencies = []
for i in range(1, 101):
    rid = str(uuid.uuid4())
    t0 = time.monotonic()
    r = s.post(f"{api}/v1/responses", json={"id": rid, "roundId": rnd, "neighbourhoodId": area,
                                            "answers": {"q01": "yes" if i % 3 else "no", "q02": "no", "q23a": "no"}})
    assert r.status_code == 201, r.text
    while True:
        cur.execute("SELECT counted FROM survey_response WHERE id = %s", (rid,))
        if cur.fetchone()[0]:
            break
        time.sleep(0.002)
    latencies.append((time.monotonic() - t0) * 1000)
db.close()
latencies.sort()
print("== POST to folded by the worker (counted), 100 responses one at a time")
print(f"median {statistics.median(latencies):.1f} ms, p95 {latencies[94]:.1f} ms, max {latencies[-1]:.1f} ms")
with open(env_out, "w") as f:
    f.write(f"ROUND={rnd}\nAREA={area}\nWARD={ward}\n")

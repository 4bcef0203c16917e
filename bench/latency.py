#!/usr/bin/python3
"""Time from POST /v1/responses (201) to the matching indicator.updated event
read from cdm.kpi-events by a real consumer, one response at a time."""
import statistics
import sys
import time
import uuid

import requests
from confluent_kafka import OFFSET_END, Consumer, TopicPartition

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
c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4()}", "enable.auto.commit": False,
              "fetch.wait.max.ms": 10})
parts = c.list_topics("cdm.kpi-events", timeout=10).topics["cdm.kpi-events"].partitions
c.assign([TopicPartition("cdm.kpi-events", p, OFFSET_END) for p in parts])
time.sleep(1)
latencies = []
for i in range(1, 101):
    t0 = time.monotonic()
    r = s.post(f"{api}/v1/responses", json={"id": str(uuid.uuid4()), "roundId": rnd, "neighbourhoodId": area,
                                            "answers": {"q01": "yes" if i % 3 else "no", "q02": "no", "q23a": "no"}})
    assert r.status_code == 201, r.text
    while True:
        m = c.poll(1.0)
        if m is None or m.error() or m.key().decode() != area:
            continue
        import json
        if json.loads(m.value())["data"]["n"] == i:
            break
    latencies.append((time.monotonic() - t0) * 1000)
c.close()
latencies.sort()
print("== POST to indicator.updated on cdm.kpi-events, 100 responses one at a time")
print(f"median {statistics.median(latencies):.1f} ms, p95 {latencies[94]:.1f} ms, max {latencies[-1]:.1f} ms")
with open(env_out, "w") as f:
    f.write(f"ROUND={rnd}\nAREA={area}\nWARD={ward}\n")

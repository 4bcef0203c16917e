"""The clock job walks a programme through its years: CDM_CLOCK_NOW sets its date,
`cdm-indicators --clock-tick` runs one tick. Each time-driven change is announced once,
as an event on the KPI topic: a KPI's status when it changes, a milestone when its due
month ends unmet and when it is completed. A tick repeated on the same date, or a later
one with nothing new, announces nothing."""
import json
import os
import subprocess
import sys

import pytest
import requests

from conftest import BUILD, ROOT, tick
from test_kpis import START, surveyed, target

sys.path.insert(0, os.path.join(ROOT, "tests"))
from schema_check import Checker  # noqa: E402

KPI_EVENT = Checker(os.path.join(ROOT, "schemas", "event-kpi-status-changed.json"))
MILESTONE_EVENT = Checker(os.path.join(ROOT, "schemas", "event-milestone.json"))


def events(db, type_, key):
    cur = db.cursor()
    cur.execute("SELECT payload FROM outbox WHERE topic = 'cdm.kpi-events' AND msg_key = %s"
                " AND payload::jsonb->>'type' = %s ORDER BY seq", (key, type_))
    return [json.loads(p) for (p,) in cur.fetchall()]


@pytest.fixture(scope="module")
def programme(api):
    r = requests.post(f"{api}/v1/programmes", timeout=10,
                      json={"name": "Clock test", "locality": "Testshire", "startDate": START.isoformat()})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_kpi_status_changes_are_announced_once(stack, api, db, programme):
    area = surveyed(api, db, programme, 21, 30)  # 7% then 10%: on track for 12% by month 24
    body, _ = target(api, area, "active_in_community", 0.12, 24)
    tick(stack, "2025-06-15")
    got = [e for e in events(db, "kpi.status_changed", area) if e["data"]["kpiId"] == body["id"]]
    assert [(e["data"]["from"], e["data"]["to"]) for e in got] == [(None, "on_track")]
    tick(stack, "2025-06-15")  # the same tick again: nothing new
    tick(stack, "2025-09-01")  # later, the same status: nothing new
    assert len([e for e in events(db, "kpi.status_changed", area) if e["data"]["kpiId"] == body["id"]]) == 1
    tick(stack, "2026-01-15")  # month 25: the due month has ended
    got = [e for e in events(db, "kpi.status_changed", area) if e["data"]["kpiId"] == body["id"]]
    assert [(e["data"]["from"], e["data"]["to"]) for e in got] == [(None, "on_track"), ("on_track", "missed")]
    for e in got:
        assert not KPI_EVENT.errors(e), [x.message for x in KPI_EVENT.errors(e)]
        assert e["data"]["neighbourhoodId"] == area and abs(e["data"]["value"] - 0.1) < 1e-12
    assert got[1]["data"]["on"] == "2026-01-15"
    assert len({e["id"] for e in got}) == 2


def test_milestones_overdue_and_completed_are_announced_once(stack, api, db):
    r = requests.post(f"{api}/v1/programmes", timeout=10,  # its own: no earlier tick has seen it
                      json={"name": "Clock milestones", "locality": "Testshire", "startDate": START.isoformat()})
    assert r.status_code == 201, r.text
    programme = r.json()["id"]
    milestones = requests.get(f"{api}/v1/programmes/{programme}/milestones", params={"limit": 100},
                              timeout=10).json()["items"]
    stage1 = [m for m in milestones if m["stage"] == 1]
    assert stage1
    done = stage1[0]
    r = requests.post(f"{api}/v1/milestones/{done['id']}/completion", headers={"If-Match": '"1"'}, timeout=10,
                      json={"completedOn": "2024-06-20", "evidence": {"note": "baselines agreed"}})
    assert r.status_code == 200, r.text
    tick(stack, "2024-06-30")  # the last day of month 6: nothing overdue yet
    assert events(db, "milestone.overdue", programme) == []
    assert [e["data"]["milestoneId"] for e in events(db, "milestone.completed", programme)] == [done["id"]]
    tick(stack, "2024-07-01")  # stage 1's month has ended: the others are overdue
    overdue = events(db, "milestone.overdue", programme)
    assert sorted(e["data"]["milestoneId"] for e in overdue) == sorted(m["id"] for m in stage1[1:])
    tick(stack, "2024-07-02")
    assert len(events(db, "milestone.overdue", programme)) == len(stage1) - 1  # once each
    assert len(events(db, "milestone.completed", programme)) == 1
    for e in overdue + events(db, "milestone.completed", programme):
        assert not MILESTONE_EVENT.errors(e), [x.message for x in MILESTONE_EVENT.errors(e)]
        assert e["data"]["programmeId"] == programme

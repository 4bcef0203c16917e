"""Hostile request bodies (issue 13, "validation with a budget"): an array far past its maxItems,
4 MiB arrays of distinct values (each
pair of which main compared), a body needing more schema work than CDM_VALIDATION_STEPS_MAX.
Each is refused with a problem document while the same API keeps answering everyone else.

Each test starts an API of its own on the session's database, so that the settings are the
deployment defaults (the session's API takes bodies of at most 1 MiB; the default is 4 MiB) or
the one under test."""
import json
import os
import subprocess
import threading
import uuid

import pytest
import requests

from conftest import BUILD, TMP, Service, new_neighbourhood, new_round, wait_until

DISTINCT_INTS = list(range(40000))  # 40,000 distinct integers, about 230 KB of JSON


def own_api(stack, name, **env):
    """A cdm-api of its own on the session's database, with env over the session's settings
    (CDM_MAX_BODY_KIB back to its default unless given). Returns (service, base URL)."""
    port_file = os.path.join(TMP, f"{name}.port")
    if os.path.exists(port_file):
        os.remove(port_file)
    e = dict(stack.env, CDM_HTTP_PORT_FILE=port_file, CDM_HTTP_PORT="0")
    e.pop("CDM_MAX_BODY_KIB", None)
    e.update(env)
    svc = Service(name, [os.path.join(BUILD, "cdm-api")], e).start()
    wait_until(f"the {name} port", lambda: svc.check_alive() or os.path.exists(port_file)
               and open(port_file).read().strip())
    with open(port_file) as f:
        url = f"http://127.0.0.1:{int(f.read())}"

    def ready():
        try:
            return requests.get(f"{url}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False
    wait_until(f"the {name}", ready)
    return svc, url


def stop_clean(svc):
    rc = svc.stop()
    log = svc.log()
    assert rc == 0 and "AddressSanitizer" not in log and "runtime error:" not in log, log[-4000:]


def four_mib_of_distinct_ints():
    """A JSON array of distinct integers about 4 MiB long (just under the default body limit
    once wrapped in a batch)."""
    items, size, i = [], 2, 1000000
    while size < 4 * 1024 * 1024 - 4096:
        items.append(i)
        size += len(str(i)) + 1
        i += 1
    return items


def assert_problem(r, statuses=(413, 422)):
    assert r.status_code in statuses, (r.status_code, r.text[:500])
    assert r.headers["Content-Type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == r.status_code and problem["detail"]
    return problem


@pytest.fixture(scope="module")
def default_api(stack):
    svc, url = own_api(stack, "api-abuse")
    yield url
    stop_clean(svc)


def test_hostile_bodies_are_refused_while_the_api_serves_others(api, default_api):
    area = new_neighbourhood(api)
    rnd = new_round(api, [area["id"]])
    events = json.dumps({"channel": "kafka", "kafkaTopic": f"partner.{uuid.uuid4().hex[:12]}",
                         "allNeighbourhoods": True, "eventTypes": DISTINCT_INTS},
                        separators=(",", ":"))
    batch = json.dumps({"instrument": "resident", "items": four_mib_of_distinct_ints()},
                       separators=(",", ":"))
    assert len(batch) > 4_000_000 and len(batch) < 4 * 1024 * 1024
    uuids = [str(uuid.UUID(int=i + 1)) for i in range(4 * 1024 * 1024 // 39 - 200)]
    places = json.dumps({"channel": "kafka", "kafkaTopic": f"partner.{uuid.uuid4().hex[:12]}",
                         "neighbourhoods": uuids}, separators=(",", ":"))
    assert len(places) > 4_000_000 and len(places) < 4 * 1024 * 1024
    hostile = ([("/v1/subscriptions", events)] * 4 + [("/v1/responses/batch", batch)] * 2 +
               [("/v1/subscriptions", places)] * 2)
    answers = [None] * len(hostile)

    def send(i, path, body):
        try:
            answers[i] = requests.post(f"{default_api}{path}", data=body, timeout=120,
                                       headers={"Content-Type": "application/json"})
        except requests.RequestException as exc:  # kept for the assertion below
            answers[i] = exc

    threads = [threading.Thread(target=send, args=(i, p, b)) for i, (p, b) in enumerate(hostile)]
    for t in threads:
        t.start()
    # While they are sent: the same API is alive, and takes an ordinary submission.
    health = requests.get(f"{default_api}/healthz", timeout=30)
    ordinary = requests.post(f"{default_api}/v1/responses", timeout=30,
                             json={"id": str(uuid.uuid4()), "roundId": rnd["id"],
                                   "neighbourhoodId": area["id"], "answers": {"q01": "yes"}})
    for t in threads:
        t.join(180)
    assert health.status_code == 200, health.text
    assert ordinary.status_code == 201, ordinary.text
    for (path, _), r in zip(hostile, answers):
        assert isinstance(r, requests.Response), f"{path}: {r!r}"
        problem = assert_problem(r)
        if r.status_code == 422:
            # refused at the array's size, with nothing said about the items inside it
            assert problem["errors"][0]["detail"].startswith("must have at most"), problem
            assert all(e["pointer"] in ("/eventTypes", "/items", "/neighbourhoods")
                       for e in problem["errors"]), problem
    # the 40,000-item eventTypes is too long, not merely made of unknown types
    assert answers[0].status_code == 422
    assert answers[0].json()["errors"] == [{"pointer": "/eventTypes",
                                            "detail": "must have at most 20 items"}]
    # and the API still answers after them
    assert requests.get(f"{default_api}/healthz", timeout=30).status_code == 200


def test_a_body_past_the_step_budget_is_refused_with_its_reason(stack, api):
    svc, url = own_api(stack, "api-budget", CDM_VALIDATION_STEPS_MAX="1000")
    try:
        area = new_neighbourhood(api)
        rnd = new_round(api, [area["id"]])
        items = [{"id": str(uuid.uuid4()), "roundId": rnd["id"], "neighbourhoodId": area["id"],
                  "answers": {"q01": "yes"}} for _ in range(1000)]
        # 1,000 items take about 1,000 steps for the batch: past a budget of 1,000
        r = requests.post(f"{url}/v1/responses/batch", timeout=60,
                          json={"instrument": "resident", "dryRun": True, "items": items})
        problem = assert_problem(r, (422,))
        assert problem["errors"][0]["pointer"] == ""
        assert "validation stopped after 1000 steps" in problem["errors"][0]["detail"], problem
        # a small body is checked in full under the same budget
        r = requests.post(f"{url}/v1/responses/batch", timeout=60,
                          json={"instrument": "resident", "dryRun": True, "items": items[:3]})
        assert r.status_code == 200, r.text
        assert [x["status"] for x in r.json()["items"]] == ["created"] * 3
    finally:
        stop_clean(svc)
    # the default budget takes the whole batch (the session's API)
    r = requests.post(f"{api}/v1/responses/batch", timeout=120,
                      json={"instrument": "resident", "dryRun": True, "items": items})
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["created"] == 1000, r.text[:500]


def test_a_budget_out_of_range_stops_the_api_at_start(stack):
    e = dict(stack.env, CDM_VALIDATION_STEPS_MAX="10")
    out = subprocess.run([os.path.join(BUILD, "cdm-api")], env=e, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode != 0
    assert "CDM_VALIDATION_STEPS_MAX" in out.stdout + out.stderr

"""SIGTERM under load: the API stops accepting, finishes what is in flight and
exits 0; the worker finishes the message in hand and exits 0; nothing that was
acknowledged is lost, and the figures stay exact."""
import random
import signal
import threading
import time

import requests

from conftest import new_neighbourhood, new_round, wait_until
from test_pipeline import assert_figure, counted_n, expected, final_figure, make_responses, post_all


def test_api_sigterm_under_load_loses_nothing_acknowledged(stack, api, db):
    area = new_neighbourhood(api)
    rnd = new_round(api, [area["id"]])
    acknowledged, refused, lock = [], [], threading.Lock()
    stop = threading.Event()

    def client(seed):
        rng = random.Random(seed)
        s = requests.Session()
        while not stop.is_set():
            body = make_responses(rng, rnd["id"], area["id"], 1, weighted=False)[0]
            try:
                r = s.post(f"{api}/v1/responses", json=body, timeout=10)
            except requests.RequestException:
                with lock:
                    refused.append(body)
                time.sleep(0.05)
                continue
            with lock:
                if r.status_code in (200, 201):
                    acknowledged.append(body)
                else:
                    refused.append(body)
                    assert r.status_code < 500, r.text

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    wait_until("some load", lambda: len(acknowledged) >= 100, timeout=30)
    old = stack.services["api"]
    old.signal(signal.SIGTERM)
    rc = old.proc.wait(40)
    stop.set()
    for t in threads:
        t.join()
    assert rc == 0, old.log()[-3000:]
    assert "stopped accepting" in old.log()
    port = stack.url.rsplit(":", 1)[1]
    # Every acknowledged response is stored, once.
    cur = db.cursor()
    cur.execute("SELECT id::text FROM survey_response WHERE neighbourhood_id = %s", (area["id"],))
    stored = {row[0] for row in cur.fetchall()}
    assert {b["id"] for b in acknowledged} <= stored
    # Back on the same port for the rest of the session.
    stack.env["CDM_HTTP_PORT"] = port
    new = stack.restart("api", "cdm-api")
    wait_until("the API again", lambda: new.check_alive() or stack._ready(), timeout=60)
    stack.env["CDM_HTTP_PORT"] = "0"
    # And every acknowledged response reaches the indicator.
    want = expected([b for b in acknowledged if b["id"] in stored] +
                    [b for b in refused if b["id"] in stored])
    wait_until("all stored responses counted", lambda: counted_n(db, area["id"]) >= want["n"], timeout=120)
    assert counted_n(db, area["id"]) == want["n"]
    assert_figure(final_figure(api, db, rnd, area["id"]), want)  # the exact release at the freeze


def test_worker_sigterm_finishes_the_message_in_hand(stack, api, db):
    rng = random.Random(8)
    area = new_neighbourhood(api)
    rnd = new_round(api, [area["id"]])
    responses = make_responses(rng, rnd["id"], area["id"], 300, weighted=True)
    want = expected(responses)
    post_all(api, responses)
    wait_until("the worker under way", lambda: counted_n(db, area["id"]) >= want["n"] // 5,
               timeout=60, interval=0.01)
    worker = stack.services["indicators"]
    worker.signal(signal.SIGTERM)
    assert worker.proc.wait(30) == 0, worker.log()[-3000:]
    assert "stopping" in worker.log()
    stack.restart("indicators", "cdm-indicators")
    wait_until("the rest", lambda: counted_n(db, area["id"]) >= want["n"], timeout=120)
    assert counted_n(db, area["id"]) == want["n"]
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM survey_response WHERE neighbourhood_id = %s AND counted", (area["id"],))
    assert cur.fetchone()[0] == len(responses)  # each added once, none twice
    assert_figure(final_figure(api, db, rnd, area["id"]), want)  # the exact release at the freeze

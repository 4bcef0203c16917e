"""Delivery to partners: signed webhooks with retries and dead letters, a
partner's own Kafka topic, the polled event feed, replay for late joiners.
Signatures are checked by an independent implementation in webhook_receiver."""
import datetime
import json
import os
import sys
import uuid

import requests
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from conftest import PG, ROOT, new_neighbourhood, new_round, wait_until
from conftest import tick, today
from test_alerts import close, next_day
from webhook_receiver import WebhookReceiver

sys.path.insert(0, os.path.join(ROOT, "tests"))
from schema_check import Checker  # noqa: E402

EVENT_SCHEMA = Checker(os.path.join(ROOT, "schemas", "event-indicator-updated.json"))


def assert_valid(name, instance):
    errors = Checker(os.path.join(ROOT, "schemas", name)).errors(instance)
    assert not errors, f"{name}: {[e.message for e in errors]}"


def post(api, rnd, area, q01="yes"):
    """A response that moves exactly one indicator, active_in_community, so that
    one release of the neighbourhood's figures is one event."""
    body = {"id": str(uuid.uuid4()), "roundId": rnd["id"], "neighbourhoodId": area["id"],
            "answers": {"q01": "yes"} if q01 == "yes" else {"q01": "no", "q02": "yes"}}
    r = requests.post(f"{api}/v1/responses", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return body


def post_many(api, db, rnd, area, count):
    """count responses like post()'s "yes", in one batch, then waits until every one of the
    neighbourhood's responses is counted (so each batch is a state of its own)."""
    items = [{"id": str(uuid.uuid4()), "roundId": rnd["id"], "neighbourhoodId": area["id"],
              "answers": {"q01": "yes"}} for _ in range(count)]
    r = requests.post(f"{api}/v1/responses/batch", json={"instrument": "resident", "items": items}, timeout=60)
    assert r.status_code == 200 and all(x["status"] == "created" for x in r.json()["items"]), r.text[:500]
    cur = db.cursor()

    def done():
        cur.execute("SELECT count(*) FILTER (WHERE counted), count(*) FROM survey_response"
                    " WHERE neighbourhood_id = %s AND withdrawn_at IS NULL", (area["id"],))
        k, total = cur.fetchone()
        return k == total
    wait_until("the batch counted", done, timeout=90)
    return items


def three_releases(stack, api, db, rnd, areas, first_day):
    """Partners see releases, not responses: 10 + 10 responses and a clock tick (a provisional
    release of the state at 10), 10 more and a tick the next day (provisional, the state at
    20), then the freeze (final, exact: 30). Returns {neighbourhood id: its responses}."""
    by_area = {area["id"]: [] for area in areas}
    for step in range(3):
        for area in areas:
            by_area[area["id"]] += post_many(api, db, rnd, area, 10)
        if step == 1:
            tick(stack, first_day)
    tick(stack, next_day(first_day))
    close(api, db, rnd)
    return by_area


def days_from_today(k):
    d = today()
    for _ in range(k):
        d = next_day(d)
    return d


def subscribe(api, **spec):
    r = requests.post(f"{api}/v1/subscriptions", json=spec, timeout=10)
    assert r.status_code == 201, r.text
    assert_valid("subscription.json", r.json())
    return r.json()


def test_webhook_retried_until_accepted_once_with_one_id(stack, api, db):
    area = new_neighbourhood(api)
    rnd = new_round(api, [area["id"]])
    with WebhookReceiver([], tls=stack.tls, fail_first=2) as hook:
        sub = subscribe(api, channel="webhook", webhookUrl=hook.url, neighbourhoods=[area["id"]])
        assert sub["secret"].startswith("whsec_")
        hook.secrets.append(sub["secret"])
        post(api, rnd, area)
        close(api, db, rnd)  # the round's exact release: one figure, one event
        hook.wait_for(lambda got: any(e["status"] == 200 for e in got), timeout=60)
        got = hook.received
        assert [e["status"] for e in got] == [500, 500, 200]
        assert len({e["id"] for e in got}) == 1 and all(e["verified"] for e in got)
        event = json.loads(got[-1]["body"])
        assert event["id"] == got[-1]["id"] and not EVENT_SCHEMA.errors(event)
        # Delivered exactly as emitted: the outbox row's bytes.
        cur = db.cursor()
        cur.execute("SELECT payload FROM outbox WHERE event_id = %s", (event["id"],))
        assert cur.fetchone()[0].encode() == got[-1]["body"]
        def state():
            cur.execute("SELECT state, attempts FROM delivery WHERE subscription_id = %s", (sub["id"],))
            return cur.fetchall()
        wait_until("the delivery recorded", lambda: state() == [("delivered", 3)], timeout=30)


def test_secret_rotation_signs_with_both(stack, api, db):
    area = new_neighbourhood(api)
    rnd = new_round(api, [area["id"]])
    again = new_round(api, [area["id"]], baseline=False)
    with WebhookReceiver([], tls=stack.tls) as hook:
        sub = subscribe(api, channel="webhook", webhookUrl=hook.url, neighbourhoods=[area["id"]])
        new = requests.post(f"{api}/v1/subscriptions/{sub['id']}/rotate-secret", timeout=5).json()["secret"]
        hook.secrets.append(sub["secret"])  # a receiver still on the old secret verifies…
        post(api, rnd, area)
        close(api, db, rnd)
        hook.wait_for(lambda got: got, timeout=60)
        assert hook.received[0]["verified"] and len(hook.received[0]["signature"].split()) == 2
        hook.secrets[:] = [new]  # …and so does one already on the new secret
        hook.clear()
        post(api, again, area, "no")
        close(api, db, again)
        hook.wait_for(lambda got: got, timeout=60)
        assert hook.received[0]["verified"]


def test_dead_letters_listed_and_redriven_and_410_disables(stack, api, db):
    area = new_neighbourhood(api)
    rnd = new_round(api, [area["id"]])
    again = new_round(api, [area["id"]], baseline=False)
    with WebhookReceiver([], tls=stack.tls, fail_first=100) as hook:
        sub = subscribe(api, channel="webhook", webhookUrl=hook.url, neighbourhoods=[area["id"]])
        hook.secrets.append(sub["secret"])
        post(api, rnd, area)
        close(api, db, rnd)
        dead_url = f"{api}/v1/subscriptions/{sub['id']}/dead-letters"
        dead = wait_until("a dead letter", lambda: requests.get(dead_url, timeout=5).json()["items"], timeout=60)
        assert_valid("dead-letter-list.json", {"items": dead})
        assert dead[0]["attempts"] == 3 and dead[0]["lastStatus"] == 500  # first try + 2 retries
        assert len(hook.received) == 3
        hook.fail_first = 0
        assert requests.post(f"{dead_url}/redrive", timeout=5).json() == {"redriven": 1}
        hook.wait_for(lambda got: any(e["status"] == 200 for e in got), timeout=60)
        assert requests.get(dead_url, timeout=5).json()["items"] == []
        hook.status_after = 410
        post(api, again, area)
        close(api, db, again)
        wait_until("the subscription disabled", lambda: requests.get(
            f"{api}/v1/subscriptions/{sub['id']}", timeout=5).json()["status"] == "disabled", timeout=60)


def active(events):
    """The active_in_community figures among events, in order."""
    return [e["data"] for e in events if e["data"].get("indicator") == "active_in_community"]


def active_counts(events):
    """The (published, perhaps perturbed) base sizes of the active_in_community figures
    among events, in order: one per release of the figure."""
    return [d["n"] for d in active(events)]


def assert_three_releases(events, last):
    """The three releases of three_releases(), in order: provisional, provisional, final;
    release numbers 1, 2, 3; n rising (perturbed by at most 2 while provisional), the
    final one exact."""
    data = active(events)
    assert [(d["release"]["number"], d["release"]["kind"]) for d in data] == [
        (1, "provisional"), (2, "provisional"), (3, "final")], data
    assert [d["provisional"] for d in data] == [True, True, False]
    counts = active_counts(events)
    assert abs(counts[0] - 10) <= 2 and abs(counts[1] - 20) <= 2 and counts[2] == last, counts
    assert all(a < b for a, b in zip(counts, counts[1:])), counts


def final_seen(events):
    return any(d["release"]["kind"] == "final" for d in active(events))


def test_partner_kafka_topic_gets_its_neighbourhoods_in_order(stack, api, db):
    mine, other = new_neighbourhood(api), new_neighbourhood(api)
    rnd = new_round(api, [mine["id"], other["id"]])
    topic = f"partner.test-admin.{uuid.uuid4().hex[:12]}"  # the session admin's agency: "test admin"
    subscribe(api, channel="kafka", kafkaTopic=topic, neighbourhoods=[mine["id"]])
    three_releases(stack, api, db, rnd, [mine, other], days_from_today(1))
    c = Consumer({"bootstrap.servers": stack.bootstrap, "group.id": f"partner-{uuid.uuid4()}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    seen = []

    def read():
        md = c.list_topics(topic, timeout=5)
        if topic not in md.topics or md.topics[topic].error:
            return False
        if not c.assignment():
            c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in md.topics[topic].partitions])
        m = c.poll(0.2)
        if m is not None and not m.error():
            seen.append((m.key().decode(), json.loads(m.value())))
        return final_seen([e for _, e in seen])

    wait_until("the partner's events", read, timeout=90)
    c.close()
    assert {k for k, _ in seen} == {mine["id"]}
    assert_three_releases([e for _, e in seen], 30)  # in order for the neighbourhood


def test_event_feed_paged_to_the_end_and_resumed(stack, api, db):
    area, other = new_neighbourhood(api), new_neighbourhood(api)
    rnd = new_round(api, [area["id"], other["id"]])
    key = stack.create_key(f"feed {uuid.uuid4()}", "read", area["id"])
    auth = {"Authorization": f"Bearer {key}"}
    mine = three_releases(stack, api, db, rnd, [area, other], days_from_today(3))[area["id"]]

    def page_all(after=None):
        events = []
        while True:
            r = requests.get(f"{api}/v1/events", params={"limit": 2, **({"after": after} if after else {})},
                             headers=auth, timeout=5).json()
            assert_valid("feed-page.json", r)
            events += r["items"]
            if not r["items"]:
                return events, r["next"]
            after = r["next"]

    events, cursor = wait_until("the final release in the feed", lambda: (
        lambda ev: ev if final_seen(ev[0]) else None)(page_all()), timeout=60)
    assert_three_releases(events, 30)
    assert {e["data"]["neighbourhoodId"] for e in events} == {area["id"]}  # entitled ones only
    # After the freeze, 10 withdrawals revise the published figure: the one next event.
    for body in mine[:10]:
        assert requests.delete(f"{api}/v1/responses/{body['id']}", timeout=10).status_code == 200
    more, _ = wait_until("the next event", lambda: (
        lambda ev: ev if active_counts(ev[0]) else None)(page_all(cursor)), timeout=60)
    assert active_counts(more) == [20]
    assert active(more)[0]["release"] == {"number": 4, "kind": "revision"}


def test_replay_gives_a_late_subscriber_the_history(stack, api, db):
    area = new_neighbourhood(api)
    rnd = new_round(api, [area["id"]])
    since = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).isoformat()
    for _ in range(3):
        post(api, rnd, area)
    close(api, db, rnd)
    key = stack.create_key(f"late {uuid.uuid4()}", "read", area["id"])
    feed = wait_until("the history in the feed", lambda: (lambda r: r if final_seen(r) else None)(
        requests.get(f"{api}/v1/events", headers={"Authorization": f"Bearer {key}"}, timeout=5).json()["items"]), timeout=60)
    with WebhookReceiver([], tls=stack.tls) as hook:
        sub = subscribe(api, channel="webhook", webhookUrl=hook.url, neighbourhoods=[area["id"]], replayFrom=since)
        hook.secrets.append(sub["secret"])
        hook.wait_for(lambda got: len(got) >= len(feed), timeout=60)
        assert sorted(e["id"] for e in hook.received) == sorted(e["id"] for e in feed)


def test_feed_cursor_never_skips_an_event_that_commits_late(stack, api, db):
    """A transaction that wrote an event earlier but commits later than others
    must still be read by a client that already paged past the others."""
    import psycopg2
    area = new_neighbourhood(api)
    rnd = new_round(api, [area["id"]])
    key = stack.create_key(f"late-commit {uuid.uuid4()}", "read", area["id"])
    auth = {"Authorization": f"Bearer {key}"}
    late = psycopg2.connect(PG)  # holds its transaction open
    cur = late.cursor()
    late_id = str(uuid.uuid4())
    cur.execute("INSERT INTO outbox (event_id, topic, msg_key, payload) VALUES (%s, 'cdm.kpi-events', %s, %s)",
                (late_id, area["id"], json.dumps({"specversion": "1.0", "id": late_id, "type": "indicator.updated",
                                                  "data": {"neighbourhoodId": area["id"], "n": 0}})))
    post(api, rnd, area)
    requests.post(f"{api}/v1/rounds/{rnd['id']}/close", timeout=10).raise_for_status()
    # the exact release commits its events after the open transaction began

    def page(after):
        r = requests.get(f"{api}/v1/events", params={"after": after} if after else {}, headers=auth, timeout=5).json()
        return r["items"], r["next"]

    # While the early transaction is open, nothing after it is served, even
    # once the later event has committed…
    check = db.cursor()

    def later_committed():
        check.execute("SELECT count(*) FROM outbox WHERE topic = 'cdm.kpi-events' AND msg_key = %s"
                      " AND event_id <> %s", (area["id"], late_id))
        return check.fetchone()[0] >= 1
    wait_until("the later event committed", later_committed, timeout=60)
    items, cursor = page(None)
    assert items == []
    late.commit()
    late.close()
    # …and once it commits, its event comes first, then the others.
    seen = []
    def read_on():
        nonlocal cursor
        items, cursor = page(cursor)
        seen.extend(items)
        return len(seen) >= 2
    wait_until("the late event and the one after it", read_on, timeout=60)
    assert seen[0]["id"] == late_id
    assert seen[1]["data"]["neighbourhoodId"] == area["id"] and seen[1]["data"]["release"]["kind"] == "final"
    assert seen[1]["data"]["n"] is None and seen[1]["data"]["withheldReason"] == "small_base"  # 1 response
    assert seen[1]["data"]["indicator"] in ("active_in_community", "health_benefit")


def test_revoked_key_stops_its_subscriptions_and_topics_are_owned(stack, api, db):
    area = new_neighbourhood(api)
    rnd = new_round(api, [area["id"]])
    name = f"revoker {uuid.uuid4()}"
    key = stack.create_key(name, "read", area["id"])
    auth = {"Authorization": f"Bearer {key}"}
    cur = db.cursor()
    cur.execute("SELECT slug FROM agency WHERE name = %s", (name,))
    topic = f"partner.{cur.fetchone()[0]}.{uuid.uuid4().hex[:12]}"
    r = requests.post(f"{api}/v1/subscriptions", headers=auth, timeout=5,
                      json={"channel": "kafka", "kafkaTopic": topic, "neighbourhoods": [area["id"]]})
    assert r.status_code == 201, r.text
    sub_id = r.json()["id"]
    # Another agency cannot send into that topic: it is outside its namespace.
    r = requests.post(f"{api}/v1/subscriptions", timeout=5,
                      json={"channel": "kafka", "kafkaTopic": topic, "allNeighbourhoods": True})
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/kafkaTopic", r.text
    r = requests.post(f"{api}/v1/subscriptions", timeout=5,
                      json={"channel": "kafka", "kafkaTopic": "cdm.kpi-events", "allNeighbourhoods": True})
    assert r.status_code == 422, r.text
    # Revoke the key that made the subscription: no delivery is made for it any more.
    cur.execute("SELECT key_id FROM subscription WHERE id = %s", (sub_id,))
    key_id = cur.fetchone()[0]
    assert requests.delete(f"{api}/v1/keys/{key_id}", timeout=5).status_code == 200
    post(api, rnd, area)
    close(api, db, rnd)  # the exact release: an event for the neighbourhood

    def fanned_out():  # the delivery worker has taken the event in
        cur.execute("SELECT count(*) FROM processed_event p JOIN outbox o ON o.event_id = p.event_id"
                    " WHERE p.consumer = 'cdm-delivery' AND o.topic = 'cdm.kpi-events' AND o.msg_key = %s",
                    (area["id"],))
        return cur.fetchone()[0] >= 1
    wait_until("the event through the fan-out", fanned_out, timeout=60)
    cur.execute("SELECT count(*) FROM delivery WHERE subscription_id = %s", (sub_id,))
    assert cur.fetchone()[0] == 0

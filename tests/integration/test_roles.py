"""Partner topics by namespace and the cap on subscriptions per agency: an
agency's Kafka topics are <CDM_PARTNER_TOPIC_PREFIX>.<its slug>.<name>, each
claimed by one live subscription; anything else is a 422. (Who may do what to
whose agency: test_auth.py's role matrix.)"""
import os
import subprocess
import threading
import uuid

import psycopg2
import pytest
import requests

from conftest import BUILD, PG, new_neighbourhood


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def partner(api):
    """An agency made by the operator, with a whole-locality read key of its own."""
    agency = requests.post(f"{api}/v1/agencies", json={"name": f"Roles Partner {uuid.uuid4().hex[:8]}"},
                           timeout=5).json()
    key = requests.post(f"{api}/v1/agencies/{agency['id']}/keys", timeout=5,
                        json={"scopes": ["read"], "allNeighbourhoods": True}).json()["key"]
    area = new_neighbourhood(api)  # no events: nothing is delivered to these topics
    made = []

    def subscribe(topic, key=key):
        r = requests.post(f"{api}/v1/subscriptions", headers=bearer(key), timeout=10,
                          json={"channel": "kafka", "kafkaTopic": topic, "neighbourhoods": [area["id"]]})
        if r.status_code == 201:
            made.append(r.json()["id"])
        return r
    p = {"agency": agency, "key": key, "area": area, "subscribe": subscribe, "made": made}
    yield p
    for sub in made:
        requests.delete(f"{api}/v1/subscriptions/{sub}", headers=bearer(key), timeout=5)


def test_an_agency_gets_a_slug_from_its_name_or_the_operators(api):
    suffix = uuid.uuid4().hex[:8]
    a = requests.post(f"{api}/v1/agencies", json={"name": f"Northfield  Borough Council {suffix}!"}, timeout=5)
    assert a.status_code == 201 and a.json()["slug"] == f"northfield-borough-council-{suffix}", a.text
    b = requests.post(f"{api}/v1/agencies", json={"name": f"Healthwatch {suffix}", "slug": f"hw-{suffix}"}, timeout=5)
    assert b.status_code == 201 and b.json()["slug"] == f"hw-{suffix}", b.text
    # A slug is unique: another name with the same slug is a conflict, and a slug is lower-case words.
    c = requests.post(f"{api}/v1/agencies", json={"name": f"Other {suffix}", "slug": f"hw-{suffix}"}, timeout=5)
    assert c.status_code == 409, c.text
    d = requests.post(f"{api}/v1/agencies", json={"name": f"Dotted {suffix}", "slug": "a.b"}, timeout=5)
    assert d.status_code == 422, d.text


def test_a_topic_outside_the_namespace_is_422(api, partner):
    other = requests.post(f"{api}/v1/agencies", json={"name": f"Neighbour {uuid.uuid4().hex[:8]}"}, timeout=5).json()
    slug = partner["agency"]["slug"]
    for topic in ("connect-configs", "__consumer_offsets", f"partner.{other['slug']}.events",
                  f"partner.{slug}", f"partner.{slug}.", f"other.{slug}.events", f"partner.{slug}x.events",
                  "cdm.kpi-events"):
        r = partner["subscribe"](topic)
        assert r.status_code == 422, (topic, r.text)
        assert r.headers["Content-Type"].startswith("application/problem+json")
        assert [e["pointer"] for e in r.json()["errors"]] == ["/kafkaTopic"], r.text
        assert f"partner.{slug}." in r.json()["errors"][0]["detail"]
    assert partner["subscribe"](f"partner.{slug}.events.v1").status_code == 201


def test_two_concurrent_claims_of_one_topic_one_wins(api, partner):
    # Two keys of the agency, so that the two requests are two callers.
    second = requests.post(f"{api}/v1/agencies/{partner['agency']['id']}/keys", timeout=5,
                           json={"scopes": ["read"], "allNeighbourhoods": True}).json()["key"]
    for _ in range(5):
        topic = f"partner.{partner['agency']['slug']}.race-{uuid.uuid4().hex[:8]}"
        barrier = threading.Barrier(2)
        codes = []

        def claim(key):
            barrier.wait()
            codes.append(partner["subscribe"](topic, key).status_code)
        threads = [threading.Thread(target=claim, args=(k,)) for k in (partner["key"], second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(codes) == [201, 409], codes
        conn = psycopg2.connect(PG)
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM subscription WHERE kafka_topic = %s", (topic,))
            assert cur.fetchone()[0] == 1
        conn.close()


def test_the_topic_claim_is_a_unique_constraint(api, partner):
    """Whatever the API checks, the database holds a topic for one live subscription,
    whichever agency the second one is (two agencies cannot both win)."""
    topic = f"partner.{partner['agency']['slug']}.unique-{uuid.uuid4().hex[:8]}"
    assert partner["subscribe"](topic).status_code == 201
    other = requests.post(f"{api}/v1/agencies", json={"name": f"Squatter {uuid.uuid4().hex[:8]}"}, timeout=5).json()
    conn = psycopg2.connect(PG)
    try:
        with pytest.raises(psycopg2.errors.UniqueViolation):
            with conn, conn.cursor() as cur:
                cur.execute("SELECT key_id FROM subscription WHERE kafka_topic = %s", (topic,))
                key_id = cur.fetchone()[0]
                cur.execute("INSERT INTO subscription (agency_id, key_id, channel, all_neighbourhoods, kafka_topic)"
                            " VALUES (%s, %s, 'kafka', true, %s)", (other["id"], key_id, topic))
    finally:
        conn.close()


def test_the_subscriptions_of_an_agency_are_capped(stack, api):
    cap = int(stack.env.get("CDM_MAX_SUBSCRIPTIONS_PER_AGENCY", "50"))
    agency = requests.post(f"{api}/v1/agencies", json={"name": f"Capped {uuid.uuid4().hex[:8]}"}, timeout=5).json()
    key = requests.post(f"{api}/v1/agencies/{agency['id']}/keys", timeout=5,
                        json={"scopes": ["read"], "allNeighbourhoods": True}).json()["key"]
    area = new_neighbourhood(api)

    def subscribe(i):
        return requests.post(f"{api}/v1/subscriptions", headers=bearer(key), timeout=10,
                             json={"channel": "kafka", "kafkaTopic": f"partner.{agency['slug']}.t{i}",
                                   "neighbourhoods": [area["id"]]})
    made = []
    try:
        for i in range(cap):
            r = subscribe(i)
            assert r.status_code == 201, (i, r.text)
            made.append(r.json()["id"])
        r = subscribe(cap)
        assert r.status_code == 409 and r.headers["Content-Type"].startswith("application/problem+json"), r.text
        assert "CDM_MAX_SUBSCRIPTIONS_PER_AGENCY" in r.json()["detail"], r.text
        # Another agency is not held back by this one's count.
        assert requests.post(f"{api}/v1/subscriptions", timeout=10,
                             json={"channel": "kafka", "kafkaTopic": f"partner.test-admin.{uuid.uuid4().hex[:8]}",
                                   "neighbourhoods": [area["id"]]}).status_code == 201
        # One deleted, one more fits.
        assert requests.delete(f"{api}/v1/subscriptions/{made.pop()}", headers=bearer(key), timeout=5).status_code == 200
        r = subscribe(cap + 1)
        assert r.status_code == 201, r.text
        made.append(r.json()["id"])
    finally:
        for sub in made:
            requests.delete(f"{api}/v1/subscriptions/{sub}", headers=bearer(key), timeout=5)


def test_a_topic_outside_the_namespace_stops_delivering_at_start(stack, api, partner):
    """What migration 017 does to existing subscriptions, the API does again at
    each start (and `cdm-api --migrate-only`) with its CDM_PARTNER_TOPIC_PREFIX: a live Kafka subscription
    outside its agency's namespace is disabled, with the reason."""
    conn = psycopg2.connect(PG)
    conn.autocommit = True
    cur = conn.cursor()
    r = partner["subscribe"](f"partner.{partner['agency']['slug']}.legacy-{uuid.uuid4().hex[:6]}")
    assert r.status_code == 201, r.text
    cur.execute("SELECT key_id FROM subscription WHERE id = %s", (r.json()["id"],))
    key_id = cur.fetchone()[0]
    cur.execute("INSERT INTO subscription (agency_id, key_id, channel, all_neighbourhoods, kafka_topic)"
                " VALUES (%s, %s, 'kafka', true, 'connect-configs') RETURNING id", (partner["agency"]["id"], key_id))
    legacy = str(cur.fetchone()[0])
    partner["made"].append(legacy)
    out = subprocess.run([os.path.join(BUILD, "cdm-api"), "--migrate-only"], env=stack.env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = requests.get(f"{api}/v1/subscriptions/{legacy}", headers=bearer(partner["key"]), timeout=5).json()
    assert got["status"] == "disabled" and "namespace" in got["disabledReason"], got
    assert f"partner.{partner['agency']['slug']}." in got["disabledReason"]
    # Re-driving does not bring it back; a topic in the namespace stays active.
    requests.post(f"{api}/v1/subscriptions/{legacy}/dead-letters/redrive", headers=bearer(partner["key"]), timeout=5)
    assert requests.get(f"{api}/v1/subscriptions/{legacy}", headers=bearer(partner["key"]),
                        timeout=5).json()["status"] == "disabled"
    assert requests.get(f"{api}/v1/subscriptions/{r.json()['id']}", headers=bearer(partner["key"]),
                        timeout=5).json()["status"] == "active"
    conn.close()

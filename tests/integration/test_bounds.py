"""Bounds a hostile or careless client cannot pass (issue 13, part 4): statement_timeout on
the API's pool, the per-address connection limit and token bucket (before any key lookup,
X-Forwarded-For believed only from a trusted proxy), the key cache that a revocation empties
at once, /readyz and /metrics without a pooled connection, Cache-Control: no-store on every
answer holding a key or a secret, and CSV cells that cannot start a spreadsheet formula.

The limits that would disturb the shared stack run on API processes of their own, started
here with their own environment against the same database."""
import csv
import io
import os
import socket
import threading
import uuid

import psycopg2
import pytest
import requests

from conftest import PG, TMP, Service, new_neighbourhood, wait_until
from test_alerts import close

def bogus_key():
    """A well-formed key no one has: its prefix is new each time (never cached)."""
    return f"Bearer cdm_{uuid.uuid4().hex[:8]}_{'c' * 43}"


class ExtraApi:
    """An API process of its own with env over the stack's, on its own port."""

    def __init__(self, stack, name, **env):
        port_file = os.path.join(TMP, f"{name}.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        e = dict(stack.env, CDM_HTTP_PORT_FILE=port_file, **env)
        self.svc = Service(name, [stack.services["api"].argv[0]], e).start()
        wait_until(f"the {name} port", lambda: self.svc.check_alive() or os.path.exists(port_file))
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until(f"{name} ready", self._ready)

    def _ready(self):
        try:
            return requests.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self):
        rc = self.svc.stop()
        log = self.svc.log()
        assert rc == 0 and "Sanitizer" not in log and "runtime error:" not in log, log[-3000:]


@pytest.fixture()
def extra_apis(stack):
    started = []

    def start(name, **env):
        a = ExtraApi(stack, name, **env)
        started.append(a)
        return a
    yield start
    for a in started:
        a.stop()


def locked(table):
    """A connection holding an exclusive lock on table until it is closed."""
    conn = psycopg2.connect(PG)
    conn.cursor().execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    return conn


# ---------------------------------------------------------------- statement_timeout

def test_a_slow_statement_is_cut_by_statement_timeout(stack, extra_apis):
    a = extra_apis("api-timeout", CDM_STATEMENT_TIMEOUT_MS="300")
    hold = locked("api_key")  # every key lookup now waits for this lock
    try:
        # Without a statement_timeout the lookup would wait until the lock goes (the read
        # timeout below fails the test); with it, the statement is cancelled and answered.
        r = requests.get(f"{a.url}/v1/neighbourhoods", headers={"Authorization": bogus_key()}, timeout=20)
        assert r.status_code == 503 and r.headers["Content-Type"].startswith("application/problem+json"), r.text
    finally:
        hold.close()
    r = requests.get(f"{a.url}/v1/neighbourhoods", headers={"Authorization": bogus_key()}, timeout=20)
    assert r.status_code == 401, r.text  # the same pooled connection serves again


# ---------------------------------------------------------------- per-address limits

def test_the_address_bucket_refuses_before_any_key_lookup(stack, extra_apis):
    """Made-up keys get 429 from the address's bucket: the per-key bucket comes only after a
    key was found, so a 429 for an unknown key is one no lookup (no pooled connection, no
    query) was spent on."""
    a = extra_apis("api-bucket", CDM_RATE_LIMIT_PER_IP_PER_S="1", CDM_TRUSTED_PROXIES="10.9.9.9")
    statuses = []
    for _ in range(10):
        # A made-up X-Forwarded-For from an untrusted peer changes nothing.
        r = requests.get(f"{a.url}/v1/neighbourhoods", timeout=20,
                         headers={"Authorization": bogus_key(), "X-Forwarded-For": f"198.51.100.{len(statuses)}"})
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert int(r.headers["Retry-After"]) >= 1
            assert r.json()["type"] == "/problems/rate-limited"
            break
    assert statuses[0] == 401 and statuses[-1] == 429, statuses
    # The probes stay outside the bucket.
    assert requests.get(f"{a.url}/healthz", timeout=10).status_code == 200
    assert requests.get(f"{a.url}/readyz", timeout=10).status_code == 200


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(stack, extra_apis):
    a = extra_apis("api-proxy", CDM_RATE_LIMIT_PER_IP_PER_S="1", CDM_TRUSTED_PROXIES="127.0.0.0/8")

    def get(client):
        return requests.get(f"{a.url}/v1/neighbourhoods", timeout=20,
                            headers={"Authorization": bogus_key(), "X-Forwarded-For": f"{client}, 127.0.0.1"})
    statuses = [get("203.0.113.7").status_code for _ in range(10)]
    assert 429 in statuses and statuses[0] == 401, statuses
    # Another client behind the same proxy is not refused for the first one's requests.
    assert get("203.0.113.8").status_code == 401


def test_one_address_cannot_hold_more_connections_than_its_limit(stack, extra_apis):
    a = extra_apis("api-conns", CDM_HTTP_PER_IP_CONNECTIONS="2")
    held = []

    def answered(s):
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            return s.recv(100).startswith(b"HTTP/1.1 200")
        except ConnectionResetError:
            return False

    def hold_two():
        """Two connections, each answered once (kept alive). A connection the readiness
        check just closed may still count for a moment: then try again."""
        for s in held:
            s.close()
        held[:] = [socket.create_connection(("127.0.0.1", a.port), timeout=10) for _ in range(2)]
        return all(answered(s) for s in held)
    wait_until("two connections held", hold_two)
    try:
        extra = socket.create_connection(("127.0.0.1", a.port), timeout=10)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            got = extra.recv(100)
        except ConnectionResetError:
            got = b""
        assert got == b"", got  # closed by the server without an answer
        extra.close()
    finally:
        for s in held:
            s.close()
    # The closed connections may still count for a moment: until then a new one is
    # refused as the third was.
    def healthy():
        try:
            return requests.get(f"{a.url}/healthz", timeout=5).status_code == 200
        except requests.exceptions.ConnectionError:
            return False
    wait_until("a connection again", healthy)


# ---------------------------------------------------------------- key cache

def new_key(api):
    r = requests.post(f"{api}/v1/agencies", json={"name": f"bounds-{uuid.uuid4().hex[:10]}"}, timeout=10)
    assert r.status_code == 201, r.text
    k = requests.post(f"{api}/v1/agencies/{r.json()['id']}/keys", timeout=10,
                      json={"scopes": ["read"], "allNeighbourhoods": True})
    assert k.status_code == 201, k.text
    return k


def test_key_creation_is_not_stored_by_caches(api):
    k = new_key(api)
    assert k.headers.get("Cache-Control") == "no-store"
    assert "no-store" not in requests.get(f"{api}/v1/neighbourhoods", timeout=10).headers.get("Cache-Control", "")


def test_subscription_secrets_are_not_stored_by_caches(api):
    area = new_neighbourhood(api)
    r = requests.post(f"{api}/v1/subscriptions", timeout=10,
                      json={"channel": "webhook", "webhookUrl": "https://127.0.0.1:9/hook", "neighbourhoods": [area["id"]]})
    assert r.status_code == 201 and r.json()["secret"], r.text
    assert r.headers.get("Cache-Control") == "no-store"
    rot = requests.post(f"{api}/v1/subscriptions/{r.json()['id']}/rotate-secret", timeout=10)
    assert rot.status_code == 200 and rot.headers.get("Cache-Control") == "no-store", rot.text


def test_a_checked_key_is_answered_from_the_cache(api):
    k = new_key(api)
    auth = {"Authorization": f"Bearer {k.json()['key']}"}
    assert requests.get(f"{api}/v1/neighbourhoods", headers=auth, timeout=10).status_code == 200
    hold = locked("api_key")  # a lookup now waits (until the 15 s statement_timeout)
    try:
        r = requests.get(f"{api}/v1/neighbourhoods", headers=auth, timeout=10)
        assert r.status_code == 200, r.text  # no key lookup: no wait for the lock
    finally:
        hold.close()


def test_a_revoked_key_is_refused_on_the_very_next_request(api):
    k = new_key(api)
    auth = {"Authorization": f"Bearer {k.json()['key']}"}
    for _ in range(3):  # the first looks it up, the next come from the cache
        assert requests.get(f"{api}/v1/neighbourhoods", headers=auth, timeout=10).status_code == 200
    assert requests.delete(f"{api}/v1/keys/{k.json()['id']}", timeout=10).status_code == 200
    r = requests.get(f"{api}/v1/neighbourhoods", headers=auth, timeout=10)
    assert r.status_code == 401, r.text


def test_a_key_revoked_elsewhere_leaves_every_replica_cache(stack, api, db, extra_apis):
    """Revoked on another replica, or by an operator in SQL: the notification reaches this one."""
    other = extra_apis("api-replica")
    k = new_key(api)
    auth = {"Authorization": f"Bearer {k.json()['key']}"}
    for _ in range(3):
        assert requests.get(f"{other.url}/v1/neighbourhoods", headers=auth, timeout=10).status_code == 200
    db.cursor().execute("UPDATE api_key SET revoked_at = now() WHERE id = %s", (k.json()["id"],))
    # Delivered to the other process asynchronously, by its listener's connection.
    wait_until("the other replica refuses the key",
               lambda: requests.get(f"{other.url}/v1/neighbourhoods", headers=auth, timeout=10).status_code == 401,
               timeout=30)


# ---------------------------------------------------------------- probes without the pool

def test_readyz_and_metrics_answer_while_the_pool_is_exhausted(stack, extra_apis):
    a = extra_apis("api-pool1", CDM_DB_POOL_SIZE="1", CDM_STATEMENT_TIMEOUT_MS="0")
    hold = locked("api_key")
    slow = []
    t = threading.Thread(target=lambda: slow.append(
        requests.get(f"{a.url}/v1/neighbourhoods", headers={"Authorization": bogus_key()}, timeout=60)))
    try:
        t.start()
        # The only pooled connection is now waiting on the lock inside the key lookup.
        # libmicrohttpd serves each connection on one thread of its pool, and the thread
        # holding the waiting request serves nothing else until it returns: a connection
        # that lands there waits too, however little it needs. So each probe is a fresh
        # connection, given a few tries; what is checked is that none needs the pool.
        def answered(path):
            for _ in range(20):
                try:
                    return requests.get(f"{a.url}{path}", timeout=2)
                except requests.exceptions.ReadTimeout:
                    continue
            pytest.fail(f"{path} never answered while the pool was taken")

        wait_until("the pool taken", lambda: "cdm_db_pool_in_use 1" in answered("/metrics").text)
        r = answered("/readyz")
        assert r.status_code == 200 and r.json()["database"] == "up", r.text
        m = answered("/metrics")
        assert m.status_code == 200 and "cdm_outbox_backlog -1" not in m.text, m.text[-500:]
        assert not slow  # still waiting: /readyz and /metrics did not queue behind it
    finally:
        hold.close()
        t.join(60)
    assert slow and slow[0].status_code == 401


# ---------------------------------------------------------------- CSV

def test_csv_text_cannot_start_a_formula(api, db):
    area = new_neighbourhood(api)
    name = '=HYPERLINK("http://evil.example","x")'
    body = {"instrument": "resident", "name": name, "fieldworkStart": "2026-01-01", "fieldworkEnd": "2099-12-31",
            "neighbourhoods": [{"neighbourhoodId": area["id"], "baseline": True}]}
    r = requests.post(f"{api}/v1/rounds", json=body, timeout=10)
    assert r.status_code == 201, r.text
    rnd = r.json()
    ans = {"id": str(uuid.uuid4()), "roundId": rnd["id"], "neighbourhoodId": area["id"], "answers": {"q01": "yes"}}
    assert requests.post(f"{api}/v1/responses", json=ans, timeout=10).status_code == 201
    close(api, db, rnd)
    r = requests.get(f"{api}/v1/neighbourhoods/{area['id']}/indicators", headers={"Accept": "text/csv"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv"), r.text
    rows = [x for x in csv.DictReader(io.StringIO(r.text)) if x["roundId"] == rnd["id"]]
    assert rows, r.text[:1000]
    for row in rows:
        assert row["roundName"] == "'" + name
        assert not any(v[:1] in ("=", "+", "@", "\t", "\r") for v in row.values()), row
        assert row["n"] == "" or row["n"].lstrip("-").isdigit()  # numbers stay numbers

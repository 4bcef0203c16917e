"""The throwaway stack of the integration tests: the development broker, the
API, the relay and the indicator worker, started once per session against the
PostgreSQL server that run.sh started. Tests keep out of each other's way by
creating their own neighbourhoods."""
import json
import math
import os
import subprocess
import time
import uuid

import psycopg2
import pytest
import requests
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING

ROOT = os.environ["CDM_TEST_ROOT"]
BUILD = os.environ["CDM_TEST_BUILD"]
TMP = os.environ["CDM_TEST_DIR"]
PG = os.environ["CDM_TEST_PG"]
Z95 = 1.959964


# Every request of the tests carries the session's admin key unless it sets its
# own Authorization header (an empty one sends none).
ADMIN = {"key": None}
_session_request = requests.sessions.Session.request


def _request_with_key(self, method, url, **kw):
    headers = dict(kw.get("headers") or {})
    if ADMIN["key"] and "Authorization" not in headers:
        headers["Authorization"] = f"Bearer {ADMIN['key']}"
    if headers.get("Authorization") == "":
        del headers["Authorization"]
    kw["headers"] = headers
    return _session_request(self, method, url, **kw)


requests.sessions.Session.request = _request_with_key


def today():
    """Today in UTC, as the services' date when CDM_CLOCK_NOW is not set."""
    import datetime
    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def tick(stack, on):
    """One clock tick of the workers on the date `on` (cdm-indicators --clock-tick with
    CDM_CLOCK_NOW): rounds freeze, releases are made, KPIs and milestones judged."""
    env = dict(stack.env, CDM_CLOCK_NOW=on)
    out = subprocess.run([os.path.join(BUILD, "cdm-indicators"), "--clock-tick"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


def wait_until(what, fn, timeout=60.0, interval=0.05):
    """Polls fn until it returns a truthy value; fails the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def wilson(p, n, z=Z95):
    """Wilson score interval, written independently of the C code."""
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


class Service:
    """One process of the stack, its log in TMP."""

    def __init__(self, name, argv, env):
        self.name, self.argv, self.env = name, argv, env
        self.proc = None
        self.log_path = os.path.join(TMP, f"{name}.log")

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self, timeout=30):
        """SIGTERM and wait; returns the exit status (sanitizer findings make it non-zero)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return "hung"
        return self.proc.returncode

    def check_alive(self):
        if self.proc.poll() is not None:
            pytest.fail(f"{self.name} exited with {self.proc.returncode}:\n{self.log()[-3000:]}")

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Stack:
    def __init__(self):
        self.bootstrap_file = os.path.join(TMP, "kafka.bootstrap")
        self.port_file = os.path.join(TMP, "api.port")
        self.env = dict(os.environ)
        self.env.update({
            "CDM_DATABASE_URL": PG,
            "CDM_KAFKA_BOOTSTRAP_FILE": self.bootstrap_file,
            "CDM_SCHEMA_DIR": os.path.join(ROOT, "schemas"),
            "CDM_HTTP_PORT": "0",
            "CDM_HTTP_BIND": "127.0.0.1",
            "CDM_HTTP_PORT_FILE": self.port_file,
            "CDM_HTTP_THREADS": "8",
            "CDM_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "CDM_MAX_BODY_KIB": "1024",
            "CDM_RATE_LIMIT_PER_S": "100000",
            "CDM_RATE_LIMIT_PER_IP_PER_S": "100000",  # every test client is one loopback address
            # Webhooks to the tests' own HTTPS receiver on loopback, quick retries.
            "CDM_WEBHOOK_ALLOW_PRIVATE": "1",
            "CDM_WEBHOOK_RETRY_SCHEDULE": "1,1",
            "CDM_WEBHOOK_TIMEOUT_MS": "5000",
            # The clock ticks once as a worker starts; tests tick it themselves,
            # on the dates they choose (cdm-indicators --clock-tick, CDM_CLOCK_NOW).
            "CDM_CLOCK_INTERVAL_S": "86400",
        })
        from webhook_receiver import make_test_ca
        self.tls = make_test_ca(os.path.join(TMP, "ca"))
        self.env["CDM_WEBHOOK_CA_FILE"] = self.tls["ca"]
        self.services = {}

    def service(self, name, binary):
        s = Service(name, [os.path.join(BUILD, binary)], self.env)
        self.services[name] = s
        return s

    def start(self):
        broker = self.service("devbroker", "cdm-devbroker").start()
        wait_until("the development broker", lambda: broker.check_alive() or os.path.exists(self.bootstrap_file))
        with open(self.bootstrap_file) as f:
            self.bootstrap = f.read().strip()
        ADMIN["key"] = self.create_key("test admin", "admin,read,submit,registry,evaluator", "all", operator=True)
        api = self.service("api", "cdm-api").start()
        wait_until("the API port", lambda: api.check_alive() or os.path.exists(self.port_file))
        with open(self.port_file) as f:
            self.url = f"http://127.0.0.1:{int(f.read())}"
        wait_until("the API", lambda: self._ready())
        relay = self.service("relay", "cdm-relay").start()
        worker = self.service("indicators", "cdm-indicators").start()
        wait_until("the relay", lambda: relay.check_alive() or "active" in relay.log())
        wait_until("the worker", lambda: worker.check_alive() or "consuming" in worker.log())
        delivery = self.service("delivery", "cdm-delivery").start()
        wait_until("the delivery worker", lambda: delivery.check_alive() or "consuming" in delivery.log())

    def create_key(self, agency, scopes, areas, operator=False):
        """A key from the operator's command line (cdm-api --create-key [--operator])."""
        out = subprocess.run([os.path.join(BUILD, "cdm-api"), "--create-key", *(["--operator"] if operator else []),
                              agency, scopes, areas],
                             env=self.env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    def _ready(self):
        try:
            return requests.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def restart(self, name, binary):
        return self.service(name, binary).start()


@pytest.fixture(scope="session")
def stack():
    s = Stack()
    s.start()
    yield s
    failures = []
    for name in ("delivery", "indicators", "relay", "api", "devbroker"):
        svc = s.services[name]
        rc = svc.stop()
        log = svc.log()
        if rc != 0 or "AddressSanitizer" in log or "runtime error:" in log or "LeakSanitizer" in log:
            failures.append(f"{name} exited {rc}:\n{log[-4000:]}")
    assert not failures, "\n".join(failures)


@pytest.fixture(scope="session")
def api(stack):
    return stack.url


@pytest.fixture()
def db():
    conn = psycopg2.connect(PG)
    conn.autocommit = True
    yield conn
    conn.close()


def new_neighbourhood(api, **over):
    body = {"code": f"t-{uuid.uuid4().hex[:12]}", "name": "Test neighbourhood", "population": 6500,
            "priority": True, "wave": 1}
    body.update(over)
    r = requests.post(f"{api}/v1/neighbourhoods", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def new_round(api, neighbourhood_ids, baseline=True, start="2026-01-01", end="2099-12-31", instrument="resident"):
    body = {"instrument": instrument, "name": "Test round", "fieldworkStart": start, "fieldworkEnd": end,
            "neighbourhoods": [{"neighbourhoodId": n, "baseline": baseline} for n in neighbourhood_ids]}
    r = requests.post(f"{api}/v1/rounds", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def kpi_consumer(stack, topic="cdm.kpi-events"):
    """A real Kafka consumer reading topic from the beginning (no group join wait)."""
    c = Consumer({"bootstrap.servers": stack.bootstrap, "group.id": f"test-{uuid.uuid4()}",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    md = c.list_topics(topic, timeout=10)
    parts = md.topics[topic].partitions
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    return c


def drain(consumer, seconds=0.5):
    """Reads what is there now; returns decoded events with their key."""
    out = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        m = consumer.poll(0.1)
        if m is None or m.error():
            continue
        out.append((m.key().decode(), json.loads(m.value())))
    return out

"""A webhook receiver for the integration tests: a throwaway certificate
authority made with the openssl command line, and an HTTPS server that records
every delivery and checks its Standard Webhooks signature
(https://www.standardwebhooks.com) with its own implementation, written
independently of the C code.

Run it as a script for a self-check:
    /usr/bin/python3 tests/integration/webhook_receiver.py
"""
import base64
import binascii
import hashlib
import hmac
import http.server
import os
import secrets as _secrets
import ssl
import subprocess
import threading
import time

# --------------------------------------------------------------------------
# Test certificate authority
# --------------------------------------------------------------------------

_OPENSSL_CNF = """\
# Minimal configuration so that nothing depends on the system's openssl.cnf.
[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
"""


def _openssl(folder, cnf, *args):
    env = dict(os.environ)
    env["OPENSSL_CONF"] = cnf      # never read the system configuration
    env.pop("RANDFILE", None)      # never write a seed file in $HOME
    env["HOME"] = folder
    proc = subprocess.run(["openssl", *args], cwd=folder, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed ({proc.returncode}):\n"
                           f"{proc.stderr.decode(errors='replace')}")


def make_test_ca(folder):
    """Creates in `folder` a test CA (EC P-256, valid 1 day) and a server
    certificate for localhost (SAN DNS:localhost, IP:127.0.0.1) signed by it.
    Returns {"ca": CA certificate, "cert": server certificate, "key": server
    key, "ca_key": CA key}, all absolute paths of PEM files."""
    folder = os.path.abspath(folder)
    os.makedirs(folder, exist_ok=True)
    p = {name: os.path.join(folder, file) for name, file in (
        ("cnf", "openssl.cnf"), ("ca_key", "ca.key"), ("ca", "ca.pem"),
        ("key", "server.key"), ("csr", "server.csr"), ("cert", "server.pem"))}
    with open(p["cnf"], "w") as f:
        f.write(_OPENSSL_CNF)
    tag = _secrets.token_hex(4)
    ec = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
    _openssl(folder, p["cnf"], *ec, "-out", p["ca_key"])
    _openssl(folder, p["cnf"], "req", "-config", p["cnf"], "-x509", "-new",
             "-key", p["ca_key"], "-sha256", "-days", "1",
             "-subj", f"/O=cdmeasure tests/CN=cdmeasure test CA {tag}",
             "-extensions", "v3_ca", "-set_serial", "0x" + _secrets.token_hex(8),
             "-out", p["ca"])
    _openssl(folder, p["cnf"], *ec, "-out", p["key"])
    _openssl(folder, p["cnf"], "req", "-config", p["cnf"], "-new", "-key", p["key"],
             "-subj", "/O=cdmeasure tests/CN=localhost", "-out", p["csr"])
    _openssl(folder, p["cnf"], "x509", "-req", "-in", p["csr"],
             "-CA", p["ca"], "-CAkey", p["ca_key"], "-set_serial", "0x" + _secrets.token_hex(8),
             "-days", "1", "-sha256", "-extfile", p["cnf"], "-extensions", "v3_server",
             "-out", p["cert"])
    os.chmod(p["ca"], 0o644)
    os.chmod(p["cert"], 0o644)
    os.chmod(p["key"], 0o600)
    os.chmod(p["ca_key"], 0o600)
    return {"ca": p["ca"], "cert": p["cert"], "key": p["key"], "ca_key": p["ca_key"]}


# --------------------------------------------------------------------------
# Standard Webhooks signature verification (independent implementation)
# --------------------------------------------------------------------------

def _secret_key(secret):
    """The HMAC key of a `whsec_...` secret: the base64 decoding of what
    follows the prefix."""
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    return base64.b64decode(secret, validate=True)


def verify_signature(secrets, msg_id, timestamp, body, signature_header,
                     tolerance_s=300, now=None):
    """True if one of the space-separated "v1,<base64>" entries of
    `signature_header` is the HMAC-SHA256 of f"{msg_id}.{timestamp}.{body}"
    under one of `secrets`, and `timestamp` (whole seconds) is within
    `tolerance_s` of `now` (default: the current time; tolerance_s=None skips
    the check)."""
    if not msg_id or not timestamp or not signature_header:
        return False
    if isinstance(body, str):
        body = body.encode()
    timestamp = str(timestamp)
    if not timestamp.isdigit():
        return False
    if tolerance_s is not None:
        now = time.time() if now is None else now
        if abs(now - int(timestamp)) > tolerance_s:
            return False
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    wanted = []
    for entry in signature_header.split(" "):
        version, sep, sig = entry.partition(",")
        if sep and version == "v1":
            try:
                wanted.append(base64.b64decode(sig, validate=True))
            except (binascii.Error, ValueError):
                pass
    ok = False
    for secret in secrets:
        try:
            key = _secret_key(secret)
        except (binascii.Error, ValueError):
            continue
        expected = hmac.new(key, signed, hashlib.sha256).digest()
        for sig in wanted:
            ok |= hmac.compare_digest(expected, sig)
    return ok


# --------------------------------------------------------------------------
# The receiver
# --------------------------------------------------------------------------

class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15  # idle keep-alive connections end on their own

    def log_message(self, fmt, *args):
        pass

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self, status, text=b""):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def do_POST(self):
        body = self._read_body()
        status = self.server.receiver._record(self.path, self.headers, body)
        self._answer(status, b"ok\n" if 200 <= status < 300 else b"no\n")

    def do_GET(self):
        self._answer(405)

    do_PUT = do_DELETE = do_PATCH = do_GET


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a client's open keep-alive connection must not hang stop()

    def handle_error(self, request, client_address):
        # TLS handshake failures and dropped connections are expected in
        # tests (e.g. a client that rejects the certificate); count them.
        self.receiver._count_error()


class WebhookReceiver:
    """HTTPS server on 127.0.0.1 (ephemeral port) recording webhook POSTs.

    with WebhookReceiver(["whsec_..."], tls=make_test_ca(d)) as hook:
        ... point the service at hook.url, trust tls["ca"] ...
        hook.wait_for(lambda got: len(got) >= 3, timeout=30)

    The first `fail_first` POSTs are answered 500, later ones `status_after`
    (settable at any time). With reject_unverified=True, POSTs whose signature
    does not verify are answered 401 instead (they still count towards
    fail_first). Each POST is recorded as {"id", "timestamp", "signature",
    "body" (bytes), "verified", "status", "at" (time.monotonic()), "path",
    "headers" (dict, lower-case names)}.
    `tls` is the dict from make_test_ca; without it a CA is made in `folder`
    (or in a fresh temporary folder)."""

    def __init__(self, secrets, fail_first=0, status_after=200, tolerance_s=300,
                 tls=None, folder=None, reject_unverified=False):
        self.secrets = list(secrets)
        self.fail_first = fail_first
        self.status_after = status_after
        self.tolerance_s = tolerance_s
        self.reject_unverified = reject_unverified
        self._tmp = None
        if tls is None:
            if folder is None:
                import tempfile
                self._tmp = tempfile.TemporaryDirectory(prefix="webhook-ca-")
                folder = self._tmp.name
            tls = make_test_ca(folder)
        self.tls = tls
        self._cond = threading.Condition()
        self._entries = []
        self._posts = 0
        self.errors = 0
        self._server = None
        self._thread = None
        self.port = None

    # -- lifecycle --------------------------------------------------------
    def start(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.tls["cert"], self.tls["key"])
        server = _Server(("127.0.0.1", 0), _Handler)
        server.receiver = self
        # The handshake happens in the handler thread, on first read, so a
        # stalled client cannot block accept().
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"webhook-receiver-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- addresses ----------------------------------------------------------
    @property
    def url(self):
        """Uses the name localhost, which the certificate's DNS SAN matches."""
        return f"https://localhost:{self.port}/hook"

    @property
    def url_ip(self):
        return f"https://127.0.0.1:{self.port}/hook"

    @property
    def ca(self):
        return self.tls["ca"]

    # -- recording ------------------------------------------------------------
    def _count_error(self):
        with self._cond:
            self.errors += 1
            self._cond.notify_all()

    def _record(self, path, headers, body):
        msg_id = headers.get("webhook-id")
        ts = headers.get("webhook-timestamp")
        sig = headers.get("webhook-signature")
        verified = verify_signature(self.secrets, msg_id, ts, body, sig, self.tolerance_s)
        with self._cond:
            n = self._posts
            self._posts += 1
            status = 500 if n < self.fail_first else self.status_after
            if self.reject_unverified and not verified:
                status = 401
            self._entries.append({
                "id": msg_id, "timestamp": ts, "signature": sig, "body": body,
                "verified": verified, "status": status, "at": time.monotonic(),
                "path": path, "headers": {k.lower(): v for k, v in headers.items()},
            })
            self._cond.notify_all()
        return status

    @property
    def received(self):
        with self._cond:
            return [dict(e) for e in self._entries]

    @property
    def accepted(self):
        return [e for e in self.received if 200 <= e["status"] < 300]

    def clear(self):
        """Forgets the recorded entries (the fail_first count is kept)."""
        with self._cond:
            self._entries.clear()

    def wait_for(self, predicate, timeout=30.0, what="webhook deliveries"):
        """Waits until predicate(received) is truthy and returns its value;
        raises AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self.received)
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; "
                                     f"received {len(self.received)} POST(s)")
            with self._cond:
                self._cond.wait(min(remaining, 0.1))


# --------------------------------------------------------------------------
# Self-check
# --------------------------------------------------------------------------

if __name__ == "__main__":
    import tempfile
    import urllib.error
    import urllib.request

    SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"

    def sign(secret, msg_id, ts, body):
        key = base64.b64decode(secret.split("_", 1)[1])
        mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
        return "v1," + base64.b64encode(mac).decode()

    # The spec's example.
    ex_body = b'{"test": 2432232314}'
    ex_sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sign(SECRET, MSG_ID, 1614265330, ex_body) == ex_sig
    assert verify_signature([SECRET], MSG_ID, "1614265330", ex_body, ex_sig, now=1614265330)
    assert verify_signature([SECRET], MSG_ID, "1614265330", ex_body, ex_sig, tolerance_s=None)
    assert not verify_signature([SECRET], MSG_ID, "1614265330", ex_body, ex_sig)  # too old
    assert verify_signature(["whsec_" + base64.b64encode(b"other").decode(), SECRET], MSG_ID,
                            "1614265330", ex_body, "v1,AAAA " + ex_sig, now=1614265330 + 299)
    assert not verify_signature([SECRET], MSG_ID, "1614265330", ex_body + b" ", ex_sig,
                                now=1614265330)
    assert not verify_signature([SECRET], MSG_ID, "1614265330", ex_body, "v2," + ex_sig[3:],
                                now=1614265330)

    with tempfile.TemporaryDirectory() as d:
        tls = make_test_ca(d)
        out = subprocess.run(["openssl", "verify", "-CAfile", tls["ca"], tls["cert"]],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        client = ssl.create_default_context(cafile=tls["ca"])

        def post(url, body, ts=None, sig=None):
            ts = str(int(time.time())) if ts is None else ts
            req = urllib.request.Request(url, data=body, method="POST", headers={
                "Content-Type": "application/json", "webhook-id": MSG_ID,
                "webhook-timestamp": ts,
                "webhook-signature": sig or sign(SECRET, MSG_ID, ts, body)})
            try:
                with urllib.request.urlopen(req, context=client, timeout=10) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code

        with WebhookReceiver([SECRET], fail_first=2, tls=tls) as hook:
            body = b'{"type": "indicator.updated", "n": 1}'
            statuses = [post(hook.url, body) for _ in range(3)]
            assert statuses == [500, 500, 200], statuses
            got = hook.wait_for(lambda r: len(r) >= 3 and r, timeout=5)
            assert [e["status"] for e in got] == [500, 500, 200]
            assert all(e["verified"] for e in got), got
            assert all(e["id"] == MSG_ID and e["body"] == body for e in got)
            assert len(hook.accepted) == 1
            # By IP address too, a bad signature and a stale timestamp.
            assert post(hook.url_ip, body) == 200
            assert post(hook.url, body, sig="v1,AAAA") == 200
            stale = str(int(time.time()) - 3600)
            assert post(hook.url, body, ts=stale) == 200
            assert [e["verified"] for e in hook.received[3:]] == [True, False, False]
            # A client that does not trust the CA is refused by its own TLS.
            try:
                urllib.request.urlopen(hook.url, data=b"x", timeout=10,
                                       context=ssl.create_default_context())
                raise AssertionError("untrusted certificate accepted")
            except urllib.error.URLError as e:
                assert isinstance(e.reason, ssl.SSLError), e
            hook.status_after = 410
            assert post(hook.url, body) == 410
            assert len(hook.received) == 7
        # Receiver with its own temporary CA.
        with WebhookReceiver([SECRET]) as hook2:
            ctx2 = ssl.create_default_context(cafile=hook2.ca)
            req = urllib.request.Request(hook2.url, data=b"{}", method="POST")
            with urllib.request.urlopen(req, context=ctx2, timeout=10) as r:
                assert r.status == 200
            assert hook2.received[0]["verified"] is False
    print("webhook_receiver self-check: ok")

#!/usr/bin/env python3
"""e2e_http.py — the HTTP receiver's hardening (issue 14 items 1, 4 and 5a), end to end against
real Redis and PostgreSQL. Python standard library only; the helpers are e2e_webhook's.

  - a body is read only where the route table allows one (POST /webhook): thousands of
    body-carrying requests to every other route and method are answered at once, the connection
    closed by the server without reading the body, and the serve process's RSS stays flat;
  - slow bodies are cut at the 10 s body deadline where a body is allowed, answered at once
    elsewhere;
  - Transfer-Encoding, a duplicated, negative or non-numeric Content-Length: 400 and close;
  - WebSocket and h2c upgrades refused (no 101), idle keep-alive connections closed;
  - /metrics only for local clients or with SAMPARK_METRICS_TOKEN; /healthz's details likewise
    (a request with X-Forwarded-For, Forwarded or X-Real-IP counts as remote);
  - notifications for another WA_PHONE_NUMBER_ID are answered 200 but not queued, and counted;
  - docker-compose.yml publishes the port on 127.0.0.1 only.

Prints one line per check and a closing 'N passed, N failed'; exit 1 on any failure.
"""
import concurrent.futures
import json
import os
import re
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_webhook as h  # noqa: E402

OUR_ID, OTHER_ID = "106540352242922", "999000111222333"
TOKEN = "e2e-metrics-token-0123456789"
MiB = 1024 * 1024


# ---- raw HTTP ----------------------------------------------------------------------------------

def exchange(port, data, timeout=5.0, body=b"", eof_wait=3.0):
    """Sends data (and body) on a fresh connection and reads the answer; then waits up to
    eof_wait seconds for the server to close the connection. Returns (status or None, the
    bytes read, closed_by_server, seconds)."""
    t0 = time.time()
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    got, closed = b"", False
    try:
        s.sendall(data + body)
        end = t0 + timeout
        while time.time() < end:
            if complete(got):
                end = min(end, time.time() + eof_wait)
                if eof_wait <= 0:
                    break
            s.settimeout(max(0.01, end - time.time()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            got += chunk
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", got)
    return (int(m.group(1)) if m else None), got, closed, time.time() - t0


def complete(raw):
    """Whether raw holds a whole answer: headers, and as many body bytes as they announce."""
    if b"\r\n\r\n" not in raw:
        return False
    head, rest = raw.split(b"\r\n\r\n", 1)
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return bool(m) and len(rest) >= int(m.group(1))


def request(method, path, *headers, length=None):
    lines = [f"{method} {path} HTTP/1.1", "Host: sampark.test"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += list(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer_body(raw):
    return raw.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in raw else b""


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def get(port, path, *headers):
    st, raw, _, _ = exchange(port, request("GET", path, "Connection: close", *headers))
    return st, answer_body(raw).decode("utf-8", "replace")


def metric(port, name):
    st, text = get(port, "/metrics")
    m = re.search(rf"^{re.escape(name)} (\d+)$", text, re.M)
    return int(m.group(1)) if st == 200 and m else None


def notification(sender, wamid, number_id, status_id=None):
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "917000000000", "phone_number_id": number_id},
             "contacts": [{"profile": {"name": "Citizen"}, "wa_id": sender}],
             "messages": [{"from": sender, "id": wamid, "timestamp": str(int(time.time())),
                           "type": "text", "text": {"body": "hello"}}]}
    if status_id:
        value["statuses"] = [{"id": status_id, "status": "delivered", "timestamp": "1700000000",
                              "recipient_id": sender}]
    return json.dumps({"object": "whatsapp_business_account", "entry": [
        {"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]}).encode()


# ---- the slow checks, run in the background while the rest goes on ------------------------------

def trickle(port, head, seconds=20):
    """Sends head, then one body byte a second. Returns (status, closed, seconds until the server
    answered or closed)."""
    t0 = time.time()
    s = socket.create_connection(("127.0.0.1", port), timeout=seconds + 5)
    got, closed = b"", False
    try:
        s.sendall(head)
        while time.time() - t0 < seconds and not closed and b"\r\n\r\n" not in got:
            s.settimeout(1.0)
            try:
                chunk = s.recv(4096)
                if not chunk:
                    closed = True
                got += chunk
            except socket.timeout:
                try:
                    s.sendall(b"x")
                except OSError:
                    closed = True
            except OSError:
                closed = True
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", got)
    return (int(m.group(1)) if m else None), closed or bool(got), time.time() - t0


def idle_keepalive(port):
    """One request on a keep-alive connection, then silence: seconds until the server closes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    t0 = None
    try:
        s.sendall(request("GET", "/healthz"))
        got = b""
        while b"\r\n\r\n" not in got:
            got += s.recv(4096)
        t0 = time.time()
        s.settimeout(30)
        while s.recv(4096):
            pass
        return time.time() - t0
    except OSError:
        return time.time() - t0 if t0 else None
    finally:
        s.close()


def idle_silent(port):
    """A connection that never sends a byte: seconds until the server closes it."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    t0 = time.time()
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    finally:
        s.close()
    return time.time() - t0


def slow_checks(port):
    webhook_head = request("POST", "/webhook", "X-Hub-Signature-256: sha256=" + "0" * 64, length=100)
    jobs = {"slow body on POST /webhook": lambda: trickle(port, webhook_head),
            "keep-alive": lambda: idle_keepalive(port),
            "silent": lambda: idle_silent(port)}
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as ex:
        futs = {k: ex.submit(f) for k, f in jobs.items()}
        return {k: f.result() for k, f in futs.items()}


# ---- scenarios ---------------------------------------------------------------------------------

def check_compose():
    with open(os.path.join(h.ROOT, "docker-compose.yml")) as f:
        text = f.read()
    ports = re.findall(r"^\s*ports:\s*\[([^\]]*)\]", text, re.M)
    ports += re.findall(r"^\s*-\s*[\"']?([0-9.:]+:\d+)[\"']?\s*$", text, re.M)
    entries = [p.strip().strip("\"'") for group in ports for p in group.split(",") if p.strip()]
    h.check("compose publishes ports on 127.0.0.1 only",
            entries and all(e.startswith("127.0.0.1:") for e in entries), entries)


def check_no_body_routes(port, pid):
    """Body-carrying requests where no body is allowed: answered at once, closed, no leak."""
    variants = [  # method, path, declared length, sends the body, expected status
        ("GET", "/metrics", 1, True, 413), ("GET", "/metrics", 100 * MiB, False, 413),
        ("GET", "/healthz", 1, True, 413), ("GET", "/healthz", 100 * MiB, False, 413),
        ("POST", "/healthz", 1, True, 405), ("POST", "/healthz", 100 * MiB, False, 405),
        ("GET", "/webhook", 1, True, 413), ("GET", "/webhook", 100 * MiB, False, 413),
        ("PUT", "/webhook", 10, False, 405), ("DELETE", "/metrics", 10, False, 405),
        ("POST", "/metrics", 10, False, 405), ("GET", "/nope", 1, True, 404),
        ("POST", "/nope", 100 * MiB, False, 404), ("POST", "/webhook", 2 * MiB, False, 413),
    ]

    def one(v, eof_wait=3.0):
        method, path, length, send_body, _ = v
        st, raw, closed, secs = exchange(port, request(method, path, length=length),
                                         body=b"x" if send_body else b"", eof_wait=eof_wait)
        return st, closed, secs, b"connection: close" in raw.lower()

    def run(jobs, eof_wait=3.0):
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            return list(zip(jobs, ex.map(lambda v: one(v, eof_wait), jobs)))

    def report(what, results, closing=True):
        wrong = {f"{v[0]} {v[1]} len {v[2]}": r[0] for v, r in results if r[0] != v[4]}
        h.check(f"{what}: the right status", not wrong, dict(list(wrong.items())[:6]))
        if closing:
            slow = [f"{v[0]} {v[1]}" for v, r in results if not r[1] or r[2] > 3]
            h.check(f"{what}: answered at once, the server closing the connection (the body never "
                    "read)", not slow, f"{len(slow)} not closed within 3 s: {sorted(set(slow))[:6]}")
            h.check(f"{what}: each answer says Connection: close", all(r[3] for _, r in results))

    # Once each, and only if that works, in bulk (a server that keeps these connections open
    # would make the bulk run take hours).
    first = run(variants)
    report("every route and method without a body, once", first)
    bulk_ok = all(r[0] == v[4] and r[1] for v, r in first)
    run([variants[i % len(variants)] for i in range(300)] if bulk_ok else [], eof_wait=0)  # warm-up
    before = rss_kib(pid)
    # The reported leak: GET /metrics with one body byte, 3,000 times (the client closes once
    # it has the answer, so this runs quickly whatever the server does with the connection).
    results = run([("GET", "/metrics", 1, True, 413)] * 3000, eof_wait=0)
    report("3,000 GET /metrics with a one-byte body", results, closing=False)
    if bulk_ok:
        report("1,400 more to every route and method",
               run([variants[i % len(variants)] for i in range(1400)]))
    grown = rss_kib(pid) - before
    h.check(f"RSS stays flat ({grown / 1024:.1f} MiB growth after warm-up, allowed 8)",
            grown < 8 * 1024, f"{before} -> {before + grown} KiB")


def check_framing(env, port):
    q = h.enqueued(env)
    sig = "X-Hub-Signature-256: sha256=" + "0" * 64
    cases = {
        "Transfer-Encoding: chunked on POST /webhook": request("POST", "/webhook", "Transfer-Encoding: chunked", sig),
        "Transfer-Encoding with Content-Length": request("POST", "/webhook", "Transfer-Encoding: chunked", sig, length=5),
        "Transfer-Encoding: identity": request("POST", "/webhook", "Transfer-Encoding: identity", sig, length=5),
        "an empty Transfer-Encoding": request("POST", "/webhook", "Transfer-Encoding:", sig, length=5),
        "Transfer-Encoding on GET /healthz": request("GET", "/healthz", "Transfer-Encoding: chunked"),
        "two equal Content-Lengths": request("POST", "/webhook", "Content-Length: 5", sig, length=5),
        "two different Content-Lengths": request("POST", "/webhook", "Content-Length: 50", sig, length=5),
        "Content-Length: 5, 5": request("POST", "/webhook", sig, length="5, 5"),
        "a negative Content-Length": request("POST", "/webhook", sig, length=-1),
        "Content-Length: +5": request("POST", "/webhook", sig, length="+5"),
        "Content-Length: 0x10": request("POST", "/webhook", sig, length="0x10"),
        "Content-Length: abc": request("POST", "/webhook", sig, length="abc"),
        "an empty Content-Length": request("POST", "/webhook", sig, length=""),
        "a 30-digit Content-Length": request("POST", "/webhook", sig, length="9" * 30),
        "two Content-Lengths on GET /metrics": request("GET", "/metrics", "Content-Length: 0", length=0),
    }
    for what, head in cases.items():
        st, raw, closed, _ = exchange(port, head, body=b"hello")
        h.check(f"{what}: 400 and the connection closed", st == 400 and closed, raw[:60])
    # What follows a refused chunked body is not taken for a second request.
    smuggled = b"0\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
    st, raw, closed, _ = exchange(port, request("GET", "/healthz", "Transfer-Encoding: chunked"), body=smuggled)
    h.check("a request hidden in a refused chunked body gets no answer", st == 400 and raw.count(b"HTTP/1.") == 1,
            raw[:200])
    h.check("nothing was queued by any of them", h.enqueued(env) == q, f"{q} -> {h.enqueued(env)}")
    st, raw, closed, _ = exchange(port, request("POST", "/webhook", sig), body=b"")
    h.check("POST /webhook without Content-Length is still 411", st == 411 and closed, raw[:60])


def check_pipelined(env, port):
    """Requests that lws 4.1 once took to a second answer or a sanitizer report."""
    body = notification("919811400001", "wamid.PIPE-1", OUR_ID)
    signed = request("POST", "/webhook", "X-Hub-Signature-256: " + h.sign(body), length=len(body)) + body
    # A second request in the same TCP write as a signed notification: lws said "body complete"
    # twice while the first waited on Redis, and the first got a 401 on top of its 200.
    st, raw, _, _ = exchange(port, signed + request("GET", "/healthz", "Connection: close"), timeout=5)
    answers = re.findall(rb"HTTP/1\.[01] (\d{3})", raw)
    h.check("a notification and a request behind it in one write: 200 first, never a 401",
            st == 200 and b"401" not in answers, answers)
    st, raw, closed, _ = exchange(port, request("POST", "/webhook", "X-Hub-Signature-256: sha256=" + "0" * 64,
                                                length=0))
    h.check("POST /webhook with Content-Length: 0 is answered (401), no crash", st == 401, raw[:60])
    # An unknown upgrade as the second request of a keep-alive connection: one answer, not two.
    st, raw, closed, _ = exchange(port, request("GET", "/healthz") +
                                  request("GET", "/webhook", "Upgrade: foo", "Connection: Upgrade"))
    answers = re.findall(rb"HTTP/1\.[01] (\d{3})", raw)
    h.check("an unknown upgrade after a keep-alive request: one answer to it, then closed",
            answers[:1] == [b"200"] and len(answers) == 2 and closed, answers)
    st, _ = get(port, "/healthz")
    h.check("and the server is still up", st == 200, st)


def check_upgrades(port):
    for path in ("/webhook", "/healthz"):
        ws = request("GET", path, "Upgrade: websocket", "Connection: Upgrade",
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13")
        h2c = request("GET", path, "Upgrade: h2c", "Connection: Upgrade, HTTP2-Settings",
                      "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA")
        for what, head in (("websocket", ws), ("h2c", h2c)):
            st, raw, closed, secs = exchange(port, head)
            h.check(f"Upgrade: {what} on {path}: refused, no 101, connection closed at once",
                    st != 101 and b" 101 " not in raw and closed and secs < 3, raw[:60])
    st, raw, closed, _ = exchange(port, request("GET", "/webhook", "Upgrade: foo", "Connection: Upgrade"))
    h.check("an unknown upgrade: refused (lws's own 403), connection closed", st == 403 and closed, raw[:60])
    # Many at once would once have stayed open for good; now none does.
    socks = []
    for _ in range(200):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(request("GET", "/webhook", "Upgrade: websocket", "Connection: Upgrade",
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"))
        socks.append(s)
    closed, end = 0, time.time() + 5
    for s in socks:
        try:
            s.settimeout(max(0.01, end - time.time()))
            while s.recv(4096):
                pass
            closed += 1
        except socket.timeout:
            pass
        except OSError:
            closed += 1
        s.close()
    h.check("200 upgrade attempts at once are all closed by the server", closed == 200, closed)
    st, _ = get(port, "/healthz")
    h.check("and the server still answers", st == 200, st)


def check_access(env, port):
    st, text = get(port, "/metrics")
    h.check("/metrics from loopback without proxy headers: 200", st == 200 and "sampark_http_requests_total" in text, st)
    for hdr in ("X-Forwarded-For: 203.0.113.9", "Forwarded: for=203.0.113.9", "X-Real-IP: 203.0.113.9"):
        st, text = get(port, "/metrics", hdr)
        h.check(f"/metrics with {hdr.split(':')[0]} (proxied): 403", st == 403 and "sampark_" not in text, st)
    st, text = get(port, "/metrics", "X-Forwarded-For: 203.0.113.9", f"Authorization: Bearer {TOKEN}")
    h.check("/metrics proxied with the right Bearer token: 200", st == 200 and "sampark_http_requests_total" in text, st)
    for bad in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer ", TOKEN, f"Basic {TOKEN}"):
        st, _ = get(port, "/metrics", "X-Forwarded-For: 203.0.113.9", f"Authorization: {bad}")
        h.check(f"/metrics proxied with Authorization '{bad[:12]}...': 403", st == 403, st)
    st, text = get(port, "/healthz")
    h.check("/healthz from loopback: 200 with the details", st == 200 and "redis: ok" in text and "postgresql: ok" in text, text)
    st, text = get(port, "/healthz", "X-Forwarded-For: 203.0.113.9")
    h.check("/healthz proxied: 200 with a bare body", st == 200 and text == "ok\n", repr(text))
    st, text = get(port, "/healthz", "X-Real-IP: 203.0.113.9", f"Authorization: Bearer {TOKEN}")
    h.check("/healthz proxied with the token: the details", st == 200 and "redis: ok" in text, repr(text))
    st, _ = get(port, "/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", "X-Forwarded-For: 203.0.113.9")
    h.check("/webhook stays open to the proxy (handshake answered, 403 for a wrong token)", st == 403, st)
    st, body = h.post(port, notification("919812300001", "wamid.HTTP-ACCESS", OUR_ID))
    h.check("a signed POST /webhook through the proxy is accepted", st == 200, (st, body))


def check_foreign_number(env, port):
    ours, theirs = "919812300002", "919812300003"
    base = metric(port, "sampark_foreign_number_total")
    q = h.enqueued(env)
    st, _ = h.post(port, notification(theirs, "wamid.HTTP-FOREIGN-1", OTHER_ID, status_id="wamid.HTTP-OUT-X"))
    h.check("a notification for another phone_number_id is answered 200 (Meta does not retry)", st == 200, st)
    h.check("and nothing of it is queued", h.enqueued(env) == q, f"{q} -> {h.enqueued(env)}")
    h.check("its message and status are counted in sampark_foreign_number_total",
            metric(port, "sampark_foreign_number_total") == (base or 0) + 2,
            f"{base} -> {metric(port, 'sampark_foreign_number_total')}")
    st, _ = h.post(port, notification(ours, "wamid.HTTP-OURS-1", OUR_ID))
    h.check("a notification for WA_PHONE_NUMBER_ID is accepted", st == 200, st)
    h.check("and processed: recorded and answered in the outbox",
            h.wait_for(lambda: h.recorded(env, "wamid = 'wamid.HTTP-OURS-1'") == 1
                       and h.replies_to(env, ours) > 0, 20))
    h.check("the other number's message was never recorded nor answered",
            h.recorded(env, "wamid = 'wamid.HTTP-FOREIGN-1'") == 0 and h.replies_to(env, theirs) == 0)
    # Without WA_PHONE_NUMBER_ID (dry-run set-ups) every number is accepted.
    dry = env.serve(role="receiver")
    q = h.enqueued(env)
    st, _ = h.post(dry.port, notification(theirs, "wamid.HTTP-FOREIGN-2", OTHER_ID))
    h.check("without WA_PHONE_NUMBER_ID another number's message is queued", st == 200 and h.enqueued(env) == q + 1,
            f"{st} {q} -> {h.enqueued(env)}")


def check_remote(env):
    """Served on every interface, a request from the machine's own non-loopback address is
    remote: /metrics 403, /healthz bare."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        addr = probe.getsockname()[0]
    except OSError:
        addr = None
    finally:
        probe.close()
    if not addr or addr.startswith("127."):
        print("# no non-loopback address on this machine: the remote-address check is skipped")
        return
    port = h.free_port()
    log = open(os.path.join(env.tmp, f"serve-any-{port}.log"), "w")
    srv = h.subprocess.Popen([h.BIN, "serve", "--role", "receiver"], stdout=log, stderr=log,
                             env=env.env(SAMPARK_LISTEN=f"0.0.0.0:{port}"))
    srv.port, srv.logpath = port, log.name
    env.procs.append(srv)
    h.check("a receiver on 0.0.0.0 comes up", h.wait_for(lambda: get(port, "/healthz")[0] == 200, 15))

    def fetch(path):
        s = socket.create_connection((addr, srv.port), timeout=5)
        s.sendall(request("GET", path, "Connection: close"))
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        s.close()
        m = re.match(rb"HTTP/1\.[01] (\d{3})", got)
        return (int(m.group(1)) if m else None), answer_body(got).decode()

    st, _ = fetch("/metrics")
    h.check(f"/metrics from {addr} (not loopback): 403", st == 403, st)
    st, text = fetch("/healthz")
    h.check(f"/healthz from {addr}: bare body", st == 200 and text == "ok\n", repr(text))


def check_unavailable_bare(env, port):
    env.redis.stop()
    st, text = get(port, "/healthz", "X-Forwarded-For: 203.0.113.9")
    h.check("/healthz proxied with Redis down: 503 'unavailable', no host names or errors",
            st == 503 and text == "unavailable\n", repr(text))
    st, text = get(port, "/healthz")
    h.check("/healthz from loopback with Redis down: 503 with the details", st == 503 and "redis:" in text, repr(text))


def test_http_hardening():
    env = h.Env("http14")
    try:
        asan = os.environ.get("ASAN_OPTIONS", "")
        # ASan keeps freed memory in quarantine (256 MiB by default), which would look like a leak.
        srv = env.serve(WA_PHONE_NUMBER_ID=OUR_ID, SAMPARK_METRICS_TOKEN=TOKEN, SAMPARK_RECLAIM_IDLE_MS="1000",
                        ASAN_OPTIONS=(asan + ":" if asan else "") + "quarantine_size_mb=1")
        port = srv.port
        slow = concurrent.futures.ThreadPoolExecutor(1).submit(slow_checks, port)
        t0 = time.time()
        check_compose()
        # Slow bodies where no body is allowed: answered before the first trickled byte.
        for method, path in (("POST", "/healthz"), ("GET", "/metrics"), ("GET", "/webhook"), ("GET", "/nope")):
            st, closed, secs = trickle(port, request(method, path, length=100))
            h.check(f"slow body on {method} {path}: answered at once ({st}) and closed", st in (404, 405, 413)
                    and closed and secs < 3, (st, closed, secs))
        check_no_body_routes(port, srv.pid)
        check_framing(env, port)
        check_upgrades(port)
        check_pipelined(env, port)
        check_access(env, port)
        check_foreign_number(env, port)
        check_remote(env)
        res = slow.result(timeout=60)
        st, closed, secs = res["slow body on POST /webhook"]
        h.check("slow body on POST /webhook (body allowed): cut at the deadline, by 15 s",
                closed and 5 < secs < 15, (st, closed, round(secs, 1)))
        h.check("an idle keep-alive connection is closed (by 15 s)",
                res["keep-alive"] is not None and res["keep-alive"] < 15, res["keep-alive"])
        h.check("a connection that never sends a byte is closed (by 15 s)", res["silent"] < 15, res["silent"])
        h.check("no request was ever answered twice (sampark_http_second_answers_total 0)",
                metric(port, "sampark_http_second_answers_total") == 0)
        check_unavailable_bare(env, port)
        srv.send_signal(signal.SIGTERM)
        try:
            code = srv.wait(15)
        except Exception:
            code = "hung"
        log = open(srv.logpath, errors="replace").read()
        reports = [m for m in ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer",
                               "Assertion") if m in log]
        h.check("serve exits 0 on SIGTERM, no sanitizer report, no leak, no assertion", code == 0 and not reports,
                f"exit {code} {reports} {log[-600:] if reports else ''}")
        print(f"# {time.time() - t0:.1f} s", flush=True)
    finally:
        env.close()


if __name__ == "__main__":
    sys.exit(h.run_tests([test_http_hardening]))

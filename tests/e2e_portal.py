#!/usr/bin/env python3
"""e2e_portal.py — the collectorate portal's server side (SPEC section 10, issue 17 part A) end
to end: `sampark serve` with real Redis and PostgreSQL, the fake Graph API (tests/fake_graph.py)
taking the login codes. Static files and their headers, path traversal, login by WhatsApp code
(text inside the window, template outside it), single use, expiry (SAMPARK_PORTAL_CODE_TTL_S),
the limits and the lockout, sessions and CSRF, roles, the case list with its filters and paging,
search in Hindi and English, CSV, the case page, the media proxy, statistics and the weekly
review — and no phone number, code or complaint text in the server's log.
Prints 'N passed, N failed'."""
import http.client
import json
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_webhook as h  # noqa: E402
from fake_graph import FakeGraph  # noqa: E402

TOKEN, PHONE_ID = "e2e-access-token", "106540352242922"
PHE_OFFICER, CSPDCL_OFFICER, NODAL, COLLECTOR = "919800000001", "919800000002", "919800000090", "919800000099"
STRANGER = "919855500001"
addr_counter = [0]


def fresh_addr():
    """A client address of its own (X-Forwarded-For from a local peer), so the per-address
    login limit of one scenario does not spill into the next."""
    addr_counter[0] += 1
    return f"10.0.{addr_counter[0] // 250}.{addr_counter[0] % 250 + 1}"


class Client:
    def __init__(self, port, addr=None):
        self.port, self.addr = port, addr or fresh_addr()
        self.cookie, self.csrf, self.user = None, None, None

    def req(self, method, path, body=None, headers=None, raw=None, cookie=True):
        hd = {"X-Forwarded-For": self.addr}
        if cookie and self.cookie:
            hd["Cookie"] = f"sampark_session={self.cookie}"
        if method == "POST":
            hd["Content-Type"] = "application/json"
            if self.csrf:
                hd["X-CSRF-Token"] = self.csrf
        hd.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else
                                            (b"" if method == "POST" else None))
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request(method, path, body=data, headers=hd)
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def get_json(self, path):
        st, hd, b = self.get(path)
        try:
            return st, json.loads(b)
        except ValueError:
            return st, {"raw": b[:200]}

    def post(self, path, body=None, **kw):
        st, hd, b = self.req("POST", path, body, **kw)
        try:
            return st, hd, json.loads(b)
        except ValueError:
            return st, hd, {"raw": b[:200]}


def codes_to(fake, phone):
    """The 6-digit codes sent to phone, oldest first (text or template)."""
    out = []
    for _, b, _ in fake.delivered():
        if b.get("to") != phone:
            continue
        if b.get("type") == "text":
            m = re.match(r"(\d{6}) ", b["text"]["body"])
            if m:
                out.append(m.group(1))
        elif b.get("type") == "template" and b["template"]["name"] == "login_code":
            out.append(b["template"]["components"][0]["parameters"][0]["text"])
    return out


def request_code(c, fake, phone):
    n = len(codes_to(fake, phone))
    st, _, body = c.post("/api/login", {"phone": phone})
    if st != 202 or not h.wait_for(lambda: len(codes_to(fake, phone)) > n, 20):
        return None
    return codes_to(fake, phone)[-1]


def login(port, fake, phone):
    """A signed-in Client, or None."""
    c = Client(port)
    code = request_code(c, fake, phone)
    if not code:
        return None
    st, hd, body = c.post("/api/login/verify", {"phone": phone, "code": code})
    if st != 200:
        return None
    c.cookie = re.match(r"sampark_session=([0-9a-f]+);", hd.get("set-cookie", "")).group(1)
    c.csrf, c.user = body["csrf"], body
    return c


def window(env, *phones):
    for p in phones:
        h.psql(env.url, f"INSERT INTO wa_contacts (phone, last_inbound_at) VALUES ('{p}', now()) "
                        "ON CONFLICT (phone) DO UPDATE SET last_inbound_at = now()")


def serve(env, fake, **extra):
    window(env, PHE_OFFICER, CSPDCL_OFFICER, NODAL)
    return env.serve(WA_ACCESS_TOKEN=TOKEN, WA_PHONE_NUMBER_ID=PHONE_ID, WA_API_BASE=fake.base,
                     SAMPARK_RETRY_BASE_MS="100", **extra)


def log_of(srv):
    with open(srv.logpath, errors="replace") as f:
        return f.read()


def test_static_files():
    env = h.Env("pstatic")
    web = tempfile.mkdtemp(prefix="sampark-web-")
    try:
        srv = env.serve()
        c = Client(srv.port)
        st, hd, body = c.get("/portal/")
        h.check("GET /portal/ is the web app", st == 200 and hd.get("content-type", "").startswith("text/html")
                and b'type="module"' in body, (st, hd.get("content-type")))
        h.check("with Content-Security-Policy: default-src 'self'",
                hd.get("content-security-policy") == "default-src 'self'", hd)
        h.check("X-Frame-Options: DENY and X-Content-Type-Options: nosniff",
                hd.get("x-frame-options") == "DENY" and hd.get("x-content-type-options") == "nosniff", hd)
        for name, ctype in (("app.js", "text/javascript"), ("style.css", "text/css")):
            st, hd, body = c.get(f"/portal/{name}")
            h.check(f"{name} is served as {ctype}", st == 200 and hd.get("content-type", "").startswith(ctype)
                    and len(body) > 100, (st, hd.get("content-type")))
        for path in ("/portal/../README.md", "/portal/%2e%2e/README.md", "/portal/..%2fREADME.md",
                     "/portal/.git/config", "/portal//etc/passwd", "/portal/%2fetc%2fpasswd",
                     "/portal/nothing.js", "/portal/app.js/", "/portal/a\\..\\README.md",
                     "/portal/../bot/http.c", "/portal/%00app.js"):
            st, hd, body = c.get(path)
            h.check(f"no file outside web/ nor a hidden one: {path} → 404/400",
                    st in (400, 403, 404) and b"#include" not in body
                    and b"Sampark is a WhatsApp" not in body, (st, body[:80]))
        st, _, _ = c.req("POST", "/portal/")
        h.check("POST /portal/ → 405", st == 405, st)
        with open(os.path.join(web, "index.html"), "w") as f:
            f.write("<!doctype html><title>elsewhere</title>")
        srv2 = env.serve(SAMPARK_WEB_DIR=web)
        st, _, body = Client(srv2.port).get("/portal/")
        h.check("SAMPARK_WEB_DIR points serve at another web/", st == 200 and b"elsewhere" in body, (st, body[:60]))
    finally:
        env.close()


def test_login_and_sessions():
    env, fake = h.Env("plogin"), FakeGraph(TOKEN, PHONE_ID)
    try:
        srv = serve(env, fake)
        port = srv.port
        c = Client(port)
        st, _, body = c.post("/api/login", {"phone": STRANGER})
        h.check("an unknown phone gets the same 202 {sent: true}", st == 202 and body == {"sent": True}, (st, body))
        code = request_code(c, fake, PHE_OFFICER)
        h.check("a known phone gets 202 and a 6-digit code as text inside the window", bool(code) and any(
            b.get("type") == "text" and b["to"] == PHE_OFFICER for _, b, _ in fake.delivered()), code)
        time.sleep(1)
        h.check("nothing went to the unknown phone", not any(b.get("to") == STRANGER for _, b, _ in fake.delivered()))
        st, _, body = c.post("/api/login/verify", {"phone": PHE_OFFICER, "code": "000000" if code != "000000" else "111111"})
        h.check("a wrong code → 401", st == 401 and "error" in body, (st, body))
        st, hd, body = c.post("/api/login/verify", {"phone": PHE_OFFICER, "code": code})
        cookie = hd.get("set-cookie", "")
        h.check("the right code → 200 with phone, name, role, departments, csrf",
                st == 200 and body.get("phone") == PHE_OFFICER and body.get("role") == "officer"
                and body.get("departments") == ["PHE"] and re.fullmatch(r"[0-9a-f]{32}", body.get("csrf", ""))
                and body.get("name"), (st, body))
        h.check("cookie sampark_session: 128-bit id, HttpOnly, SameSite=Strict, Path=/, not Secure over HTTP",
                re.match(r"sampark_session=[0-9a-f]{32};", cookie) and "HttpOnly" in cookie
                and "SameSite=Strict" in cookie and "Path=/" in cookie and "Secure" not in cookie, cookie)
        st, _, body = c.post("/api/login/verify", {"phone": PHE_OFFICER, "code": code})
        h.check("the same code again → 401 (single use)", st == 401, (st, body))
        c.cookie = re.match(r"sampark_session=([0-9a-f]+);", cookie).group(1)
        c.csrf = None
        st, me = c.get_json("/api/me")
        h.check("the cookie signs the next requests in", st == 200 and me.get("role") == "officer", (st, me))
        ttl = int(env.redis.cli("TTL", f"sampark:portal:sess:{c.cookie}"))
        h.check("the session lives 12 hours in Redis", 43000 < ttl <= 43200, ttl)
        st, _ = Client(port).get_json("/api/me")
        h.check("no cookie → 401", st == 401, st)
        st, _ = Client(port).get_json("/api/cases")
        h.check("no cookie on the case list → 401", st == 401, st)
        bad = Client(port)
        bad.cookie = "0" * 32
        h.check("an unknown session → 401", bad.get_json("/api/me")[0] == 401)
        st, _, body = c.post("/api/logout", {})
        h.check("POST without X-CSRF-Token → 403", st == 403 and "CSRF" in body.get("error", ""), (st, body))
        c.csrf = "f" * 32
        st, _, body = c.post("/api/logout", {})
        h.check("POST with a wrong X-CSRF-Token → 403", st == 403, (st, body))
        c.csrf = me["csrf"]
        st, hd, body = c.post("/api/logout", {})
        h.check("POST /api/logout with the token → 200, cookie cleared",
                st == 200 and "Max-Age=0" in hd.get("set-cookie", ""), (st, hd.get("set-cookie")))
        h.check("after logout the cookie is refused", c.get_json("/api/me")[0] == 401)

        # Newer replaces older; the template outside the window; Secure behind HTTPS.
        c2 = Client(port)
        first = request_code(c2, fake, COLLECTOR)
        second = request_code(c2, fake, COLLECTOR)
        h.check("outside the window the code goes as template login_code [code]", bool(second) and any(
            b.get("type") == "template" and b["template"]["name"] == "login_code" and b["to"] == COLLECTOR
            for _, b, _ in fake.delivered()))
        if first != second:
            st, _, _ = c2.post("/api/login/verify", {"phone": COLLECTOR, "code": first})
            h.check("a newer code replaces the older (the older → 401)", st == 401, st)
        st, hd, body = c2.post("/api/login/verify", {"phone": COLLECTOR, "code": second},
                               headers={"X-Forwarded-Proto": "https"})
        h.check("the collector signs in with role collector", st == 200 and body.get("role") == "collector", (st, body))
        h.check("behind HTTPS (X-Forwarded-Proto) the cookie is Secure", "; Secure" in hd.get("set-cookie", ""),
                hd.get("set-cookie"))

        # Bad input.
        for raw, field in ((b"{not json", "body"), (b"[1,2]", "body"), (b'{"phone": 919800000001}', "phone"),
                           (b'{"phone": "12ab"}', "phone"), (b"", "body"), (b'{"phone": "919800000001"} x', "body")):
            st, _, body = Client(port).post("/api/login", raw=raw)
            h.check(f"malformed login {raw[:30]!r} → 400 naming {field}",
                    st == 400 and body.get("error", "").startswith(field), (st, body))
        st, _, body = Client(port).post("/api/login/verify", {"phone": PHE_OFFICER, "code": "12345"})
        h.check("a code that is not 6 digits → 400 naming code", st == 400 and body["error"].startswith("code"), body)
        st, _, body = Client(port).post("/api/login", raw=json.dumps({"phone": "1" * 20000}).encode())
        h.check("an oversized body → 400 naming body", st == 400 and body.get("error", "").startswith("body"), (st, body))
        st, _, _ = Client(port).req("GET", "/api/nothing")
        h.check("an unknown API path without a session → 401", st == 401, st)

        log = log_of(srv)
        h.check("no phone number and no code in the server's log",
                PHE_OFFICER not in log and COLLECTOR not in log and code not in log and second not in log,
                [line for line in log.splitlines() if PHE_OFFICER in line or code in line][:3])
    finally:
        env.close()
        fake.close()


def test_limits_and_lockout():
    env, fake = h.Env("plimits"), FakeGraph(TOKEN, PHONE_ID)
    try:
        srv = serve(env, fake)
        port = srv.port
        c = Client(port)
        got = [c.post("/api/login", {"phone": NODAL})[0] for _ in range(4)]
        h.check("3 codes per phone in 15 minutes, the 4th → 429", got == [202, 202, 202, 429], got)
        got = [Client(port).post("/api/login", {"phone": STRANGER})[0] for _ in range(4)]
        h.check("the same for an unknown phone (nothing tells them apart)", got == [202, 202, 202, 429], got)
        h.check("from other addresses too", Client(port).post("/api/login", {"phone": NODAL})[0] == 429)

        c = Client(port)
        code = request_code(c, fake, CSPDCL_OFFICER)
        wrong = "000000" if code != "000000" else "111111"
        got = [c.post("/api/login/verify", {"phone": CSPDCL_OFFICER, "code": wrong})[0] for _ in range(5)]
        h.check("5 wrong codes → 401 each", got == [401] * 5, got)
        st, _, body = c.post("/api/login/verify", {"phone": CSPDCL_OFFICER, "code": code})
        h.check("then the phone is locked: even the right code → 429", st == 429, (st, body))
        ttl = int(env.redis.cli("TTL", f"sampark:portal:lock:{CSPDCL_OFFICER}"))
        h.check("for 15 minutes", 890 < ttl <= 900, ttl)
        h.check("and no new code while locked", Client(port).post("/api/login", {"phone": CSPDCL_OFFICER})[0] == 429)

        c = Client(port)
        got = [c.post("/api/login", {"phone": f"9197777{i:05d}"})[0] for i in range(31)]
        h.check("30 login requests per client address per hour, the 31st → 429",
                got[:30] == [202] * 30 and got[30] == 429, got)
        h.check("another address is not affected", Client(port).post("/api/login", {"phone": "919855512345"})[0] == 202)
    finally:
        env.close()
        fake.close()


def test_code_expiry_and_dry_run():
    env, fake = h.Env("pexpiry"), FakeGraph(TOKEN, PHONE_ID)
    try:
        window(env, NODAL)
        dry = env.serve()  # no WA_ACCESS_TOKEN: dry-run
        c = Client(dry.port)
        st, _, _ = c.post("/api/login", {"phone": NODAL})
        line = r"sender \(dry-run\): to 9198\*+90 text: .*?\b(\d{6})\b"
        h.check("dry-run: the code is in the sender's log line, the phone masked",
                st == 202 and h.wait_for(lambda: re.search(line, log_of(dry)), 15), log_of(dry)[-500:])
        m = re.search(line, log_of(dry))
        st, _, body = c.post("/api/login/verify", {"phone": NODAL, "code": m.group(1) if m else "000000"})
        h.check("and it signs the nodal officer in", st == 200 and body.get("role") == "nodal", (st, body))
        h.check("the dry-run log names no phone", NODAL not in log_of(dry))
        dry.terminate()
        dry.wait(10)

        srv = serve(env, fake, SAMPARK_PORTAL_CODE_TTL_S="2")
        c = Client(srv.port)
        code = request_code(c, fake, PHE_OFFICER)
        time.sleep(3)
        st, _, _ = c.post("/api/login/verify", {"phone": PHE_OFFICER, "code": code})
        h.check("an expired code → 401 (SAMPARK_PORTAL_CODE_TTL_S=2, 3 s later)", bool(code) and st == 401, (code, st))
    finally:
        env.close()
        fake.close()


TESTS = [test_static_files, test_login_and_sessions, test_limits_and_lockout, test_code_expiry_and_dry_run]


def main():
    return h.run_tests(TESTS)


if __name__ == "__main__":
    sys.exit(main())

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


TESTS = [test_static_files]


def main():
    return h.run_tests(TESTS)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""e2e_public.py — open data without a login (SPEC section 14, issue 21) end to end: `sampark
serve` with real Redis and PostgreSQL over known cases written in SQL. GET /api/public/stats
figure by figure (the "too few to say" rule at 9 and 10 cases, the median, on time among the
cases whose outcome is known, satisfaction among those who answered, reopened), its 5-minute
cache; GET /public without JavaScript in Hindi and English; Open311 GeoReport v2 (services,
requests with every filter, the 90-day window, the 1000 cap, one request, 404, 400); privacy on
every public answer (no phone, name or complaint word anywhere in the body); the per-address
limit (429 with Retry-After) and its fail-open when Redis is away. Prints 'N passed, N failed'."""
import http.client
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_webhook as h  # noqa: E402

OFFICER_PHONES = ["919800000001", "919800000002"]
SECRET_WORDS = ["pipelineleak", "ट्रांसफार्मरजला", "Ramkali", "officer-reply-words", "98765"]
addr = [0]


def get(port, path, headers=None, client=None):
    addr[0] += 1
    hd = {"X-Forwarded-For": client or f"10.9.{addr[0] // 250}.{addr[0] % 250 + 1}"}
    hd.update(headers or {})
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("GET", path, headers=hd)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def get_json(port, path, **kw):
    st, hd, b = get(port, path, **kw)
    try:
        return st, json.loads(b)
    except ValueError:
        return st, {"raw": b[:300]}


# Cases: (key, department, status, created days ago, resolved after days or None, due after days,
# reopen_count, extra). Phones 9198222000NN; every description holds a secret word.
CASES = [
    # PHE, last 30 days: 10 received (figures shown)
    ("r1", "PHE", "closed", 5, 1, 2, 0, "yes"),
    ("r2", "PHE", "closed", 6, 2, 2, 1, "no-then-yes"),
    ("r3", "PHE", "resolved", 7, 3, 2, 0, "phone-in-place"),
    ("r4", "PHE", "closed", 8, 5, 2, 0, "auto"),
    ("o1", "PHE", "open", 10, None, 2, 0, None),          # overdue
    ("o2", "PHE", "in_progress", 12, None, 2, 0, None),   # overdue
    ("re", "PHE", "reopened", 4, None, 9, 1, "no"),       # reopened, within its time
    ("f1", "PHE", "open", 1, None, 2, 0, "point"),
    ("f2", "PHE", "open", 0.5, None, 2, 0, None),
    ("f3", "PHE", "in_progress", 0.2, None, 2, 0, None),
    ("mg", "PHE", "closed", 3, None, 2, 0, "merged"),     # merged into r1: not counted
    # PHE, 31-90 days ago: two late resolutions
    ("p1", "PHE", "closed", 40, 10, 2, 0, None),
    ("p2", "PHE", "closed", 80, 10, 2, 0, None),
    ("old", "PHE", "closed", 100, 1, 2, 0, None),         # outside every window
    # CSPDCL: 9 in the last 30 days (too few), a 10th 50 days ago (90 days: enough)
    *[(f"c{i}", "CSPDCL", "resolved", 2 + i, 1, 2, 0, None) for i in range(9)],
    ("c9", "CSPDCL", "open", 50, None, 2, 0, None),
]


def tracking(n):
    return f"BLB-2026-{900000 + n:06d}"


def load(env):
    sql = []
    for n, (key, dep, status, ago, res, due, reopens, extra) in enumerate(CASES):
        phone, t = f"9198222000{n:02d}", tracking(n)
        created = f"now() - interval '{ago * 86400:.0f} seconds'"
        resolved = f"{created} + interval '{res} days'" if res is not None else "NULL"
        lat, lng = ("21.2514567", "81.6296123") if extra == "point" else ("NULL", "NULL")
        place = f"Simga ward {n}, +91 98765-43210" if extra == "phone-in-place" else f"Simga ward {n}"
        sql.append(f"INSERT INTO citizens (phone, name) VALUES ('{phone}', 'Ramkali') ON CONFLICT DO NOTHING")
        sql.append("INSERT INTO cases (tracking_no, department_code, status, citizen_phone, citizen_name, description,"
                   " location_text, latitude, longitude, created_at, sla_started_at, sla_due_at, resolved_at,"
                   " closed_at, reopen_count, citizen_satisfied_at, updated_at)"
                   f" VALUES ('{t}', '{dep}', '{status}', '{phone}', 'Ramkali', 'pipelineleak ट्रांसफार्मरजला {key}',"
                   f" '{place}', {lat}, {lng}, {created}, {created}, {created} + interval '{due} days',"
                   f" {resolved}, CASE WHEN '{status}' = 'closed' THEN now() END, {reopens},"
                   f" {'now()' if extra == 'no-then-yes' else 'NULL'}, {created})")
        ev = []
        if extra in ("yes", "no-then-yes"):
            ev.append(("closed", "citizen satisfied"))
        if extra in ("no", "no-then-yes"):
            ev.append(("not_satisfied", None))
        if extra == "auto":
            ev.append(("auto_closed", "no answer to the satisfaction question"))
        if res is not None:
            ev.append(("resolved", "officer-reply-words"))
        for kind, text in ev:
            txt = "NULL" if text is None else f"'{text}'"
            sql.append(f"INSERT INTO case_events (case_id, kind, actor, text, at) SELECT id, '{kind}',"
                       f" '{OFFICER_PHONES[0]}', {txt}, now() - interval '1 hour' FROM cases WHERE tracking_no = '{t}'")
    sql.append(f"UPDATE cases SET merged_into = (SELECT id FROM cases WHERE tracking_no = '{tracking(0)}')"
               f" WHERE tracking_no = '{tracking(10)}'")
    h.psql(env.url, "; ".join(sql))


def private(name, body):
    """No phone, name, complaint word or officer's words in a public answer."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    leaks = [w for w in SECRET_WORDS + OFFICER_PHONES if w in text] + re.findall(r"\d{8,}", text)
    h.check(f"privacy: {name} holds no phone, name or complaint text", not leaks, leaks[:5])


def dept(stats, code):
    return next((d for d in stats.get("departments", []) if d["code"] == code), {})


def check_stats(port):
    st, hd, body = get(port, "/api/public/stats")
    s = json.loads(body)
    private("/api/public/stats", body)
    h.check("stats: 200 JSON with computed_at and the threshold", st == 200 and re.match(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", s.get("computed_at", "")) and s.get("min_cases") == 10, s)
    phe = dept(s, "PHE")
    h.check("stats: PHE, 30 days — received 10 (merged and older cases left out), resolved 4, median 2.5 days,"
            " on time 2 of 6 known, satisfied 2 of 3 who answered, reopened 2 of 5",
            phe.get("last_30_days") == {"received": 10, "too_few": False, "resolved": 4,
                                        "median_days_to_resolution": 2.5, "resolved_within_sla_pct": 33.3,
                                        "satisfaction_answers": 3, "satisfied_pct": 66.7, "reopened_pct": 40.0},
            phe.get("last_30_days"))
    h.check("stats: PHE, 90 days — 12 received, median 4.0, on time 2 of 8, reopened 2 of 7",
            phe.get("last_90_days") == {"received": 12, "too_few": False, "resolved": 6,
                                        "median_days_to_resolution": 4.0, "resolved_within_sla_pct": 25.0,
                                        "satisfaction_answers": 3, "satisfied_pct": 66.7, "reopened_pct": 28.6},
            phe.get("last_90_days"))
    c = dept(s, "CSPDCL")
    h.check("stats: 9 cases are too few to say — the count, and every figure null",
            c.get("last_30_days") == {"received": 9, "too_few": True, "resolved": None,
                                      "median_days_to_resolution": None, "resolved_within_sla_pct": None,
                                      "satisfaction_answers": None, "satisfied_pct": None, "reopened_pct": None},
            c.get("last_30_days"))
    c90 = c.get("last_90_days", {})
    h.check("stats: 10 cases are enough — figures shown, nobody answered → satisfied null",
            c90.get("received") == 10 and c90.get("too_few") is False and c90.get("resolved") == 9
            and c90.get("median_days_to_resolution") == 1.0 and c90.get("resolved_within_sla_pct") == 90.0
            and c90.get("satisfied_pct") is None and c90.get("satisfaction_answers") == 0, c90)
    h.check("stats: a department without cases says too few, with its names",
            dept(s, "REVENUE").get("last_90_days", {}).get("too_few") is True
            and dept(s, "REVENUE").get("name", {}).get("hi"), dept(s, "REVENUE"))
    return s


def check_page(port):
    for name, path, hd, lang, words in (
            ("no Accept-Language → Hindi", "/public", {}, "hi", ["कहने को बहुत कम", "पेयजल (पीएचई)", "संतुष्ट"]),
            ("Accept-Language en-GB → English", "/public", {"Accept-Language": "en-GB,en;q=0.9,hi;q=0.5"}, "en",
             ["too few to say", "Drinking water (PHE)", "Satisfaction counts only"]),
            ("hi preferred over en by weight", "/public", {"Accept-Language": "en;q=0.3, hi"}, "hi", ["पेयजल"]),
            ("?lang=en wins over the header", "/public?lang=en", {"Accept-Language": "hi"}, "en", ["33.3%"]),
            ("?lang=hi", "/public?lang=hi", {}, "hi", ["66.7%", "40.0%", "2.5"])):
        st, rh, body = get(port, path, headers=hd)
        text = body.decode()
        h.check(f"/public {name}: 200 HTML, lang={lang}, its words, no script",
                st == 200 and rh.get("content-type", "").startswith("text/html")
                and f'<html lang="{lang}">' in text and all(w in text for w in words)
                and "<script" not in text.lower(), (st, [w for w in words if w not in text], text[:300]))
        private(f"/public ({name})", body)
    st, _, body = get(port, "/public?lang=fr")
    h.check("/public?lang=fr → 400 naming lang", st == 400 and b"lang" in body, (st, body))
    st, _, body = get(port, "/public?x=1")
    h.check("/public?x=1 → 400 naming x", st == 400 and b"x: unknown" in body, (st, body))
    st, rh, _ = get(port, "/portal/public.css")
    h.check("the page's stylesheet is served", st == 200 and "css" in rh.get("content-type", ""), st)


def ids(body):
    return sorted(r["service_request_id"] for r in body) if isinstance(body, list) else body


def check_open311(port):
    st, rh, body = get(port, "/open311/v2/services.json?jurisdiction_id=blb.gov.in")
    sv = json.loads(body)
    phe = next((x for x in sv if x.get("service_code") == "PHE"), {})
    h.check("services.json: departments with Open311's fields", st == 200 and len(sv) == 14 and
            phe.get("service_name") == "Drinking water (PHE)" and phe.get("metadata") is False and
            phe.get("type") == "realtime" and isinstance(phe.get("keywords"), str) and "group" in phe
            and "description" in phe, phe)
    in90 = [tracking(n) for n, c in enumerate(CASES) if c[3] <= 90]
    st, body = get_json(port, "/open311/v2/requests.json")
    h.check("requests.json: the last 90 days by default, merged one included", st == 200 and ids(body) == sorted(in90),
            (st, ids(body)))
    st, b2 = get_json(port, "/open311/v2/requests.json?jurisdiction_id=anything")
    h.check("jurisdiction_id is accepted and ignored", st == 200 and ids(b2) == ids(body))
    raw = get(port, "/open311/v2/requests.json")[2]
    private("/open311/v2/requests.json", raw)
    h.check("requests.json: newest first", [r["service_request_id"] for r in body][:2] == [tracking(9), tracking(8)],
            [r["service_request_id"] for r in body][:3])
    one = next((r for r in body if r["service_request_id"] == tracking(7)), {})
    h.check("a request with a shared location: Open311's fields, lat/long to 3 decimals, address the village",
            set(one) == {"service_request_id", "status", "status_notes", "service_code", "service_name",
                         "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime",
                         "address", "lat", "long"}
            and one["lat"] == 21.251 and one["long"] == 81.63 and one["address"] == "Simga ward 7"
            and one["status"] == "open" and one["service_code"] == "PHE" and one["expected_datetime"].endswith("Z"), one)
    closed = next((r for r in body if r["service_request_id"] == tracking(0)), {})
    h.check("a closed request: status closed, a fixed note, no expected time, no lat/long",
            closed.get("status") == "closed" and closed.get("status_notes") == "Closed."
            and closed.get("expected_datetime") is None and "lat" not in closed, closed)
    merged = next((r for r in body if r["service_request_id"] == tracking(10)), {})
    typed = next((r for r in body if r["service_request_id"] == tracking(2)), {})
    h.check("a phone number typed into the village's answer is cut from the address",
            typed.get("address") == "Simga ward 2", typed)
    h.check("a merged request: closed, its note names the request it joined",
            merged.get("status") == "closed" and tracking(0) in merged.get("status_notes", ""), merged)
    h.check("no description anywhere", all("description" not in r for r in body))
    opened = [tracking(n) for n, c in enumerate(CASES) if c[3] <= 90 and c[2] in ("open", "in_progress", "reopened")]
    for q, want in (("status=open", opened), ("status=closed", sorted(set(in90) - set(opened))),
                    ("status=open,closed", in90),
                    ("service_code=CSPDCL", [tracking(n) for n, c in enumerate(CASES) if c[1] == "CSPDCL"]),
                    ("service_code=CSPDCL,PHE&status=open", opened),
                    ("start_date=" + urllib.parse.quote(iso(-85)) + "&end_date=" + urllib.parse.quote(iso(-30)),
                     [tracking(n) for n, c in enumerate(CASES) if 30 < c[3] <= 85]),
                    ("start_date=" + iso(-85).replace("Z", "+05:30") + "&end_date=" + iso(-30).replace("Z", "+05:30"),
                     [tracking(n) for n, c in enumerate(CASES) if 30 + 5.5 / 24 <= c[3] <= 85 + 5.5 / 24]),
                    ("end_date=" + urllib.parse.quote(iso(-35)), [tracking(n) for n, c in enumerate(CASES) if 35 < c[3] <= 125])):
        st, b = get_json(port, "/open311/v2/requests.json?" + q)
        h.check(f"requests.json?{q}", st == 200 and ids(b) == sorted(want), (st, ids(b), sorted(want)))
    for q, name in (("start_date=2026-13-01", "start_date"), ("end_date=yesterday", "end_date"),
                    ("start_date=2026-01-01T10:00:00", "start_date"),
                    ("start_date=" + iso(-100), "start_date"),
                    ("start_date=2026-01-01&end_date=2026-05-01", "start_date"),
                    ("start_date=2026-05-01&end_date=2026-04-01", "end_date"),
                    ("status=pending", "status"), ("service_code=phe", "service_code"), ("page=2", "page")):
        st, b = get_json(port, "/open311/v2/requests.json?" + q)
        h.check(f"requests.json?{q} → 400 naming {name}, Open311's error shape",
                st == 400 and isinstance(b, list) and b[0].get("code") == 400
                and b[0].get("description", "").startswith(name), (st, b))
    st, rh, raw = get(port, f"/open311/v2/requests/{tracking(7)}.json?jurisdiction_id=x")
    b = json.loads(raw)
    h.check("requests/{id}.json: an array of one, the same request", st == 200 and b == [one], (st, b))
    private("/open311/v2/requests/{id}.json", raw)
    for path in (f"/open311/v2/requests/BLB-2026-999999.json", "/open311/v2/requests/nothing.json",
                 f"/open311/v2/requests/{tracking(7)}.xml", "/open311/v2/discovery.xml", "/open311/v1/services.json"):
        st, b = get_json(port, path)
        h.check(f"{path} → 404", st == 404 and isinstance(b, list) and b[0].get("code") == 404, (st, b))
    private("/open311/v2/services.json", get(port, "/open311/v2/services.json")[2])


def iso(days):
    import datetime
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def check_cap_and_cache(env, port, before):
    h.psql(env.url, "INSERT INTO citizens (phone) VALUES ('919822299999') ON CONFLICT DO NOTHING; "
                    "INSERT INTO cases (tracking_no, department_code, status, citizen_phone, description, sla_due_at,"
                    " created_at) SELECT 'BLB-2025-' || lpad(g::text, 6, '0'), 'FOOD', 'open', '919822299999', 'x',"
                    " now(), now() - g * interval '1 minute' FROM generate_series(1, 1005) g")
    st, b = get_json(port, "/open311/v2/requests.json?service_code=FOOD")
    h.check("at most 1000 requests", st == 200 and len(b) == 1000, (st, len(b)))
    st, s = get_json(port, "/api/public/stats")
    h.check("stats come from the cache: same computed_at, the new cases not yet counted",
            s.get("computed_at") == before.get("computed_at")
            and dept(s, "FOOD").get("last_30_days", {}).get("received") == 0, dept(s, "FOOD"))


def test_words_file():
    """web/public.json: every language has every word, and the status notes cover every status."""
    with open(os.path.join(h.ROOT, "web", "public.json"), encoding="utf-8") as f:
        w = json.load(f)
    h.check("public.json: Hindi and English have the same words", set(w["hi"]) == set(w["en"]),
            set(w["hi"]) ^ set(w["en"]))
    h.check("public.json: a status note for every status and for merged cases",
            set(w["open311"]["status_notes"]) == {"open", "in_progress", "reopened", "resolved", "closed", "merged"}
            and "{case}" in w["open311"]["status_notes"]["merged"])


def test_public():
    env = h.Env("public")
    try:
        load(env)
        port = env.serve().port
        before = check_stats(port)
        check_page(port)
        check_open311(port)
        check_cap_and_cache(env, port, before)
        st, _, _ = get(port, "/api/public/nothing")
        h.check("/api/public/nothing → 404 without a session", st == 404)
        st, _, _ = get(port, "/api/cases")
        h.check("the rest of /api/ still needs a session", st == 401)
    finally:
        env.close()


def test_rate_limit():
    env = h.Env("publim")
    try:
        port = env.serve(SAMPARK_PUBLIC_LIMIT_MIN="3").port
        got = [get(port, p, client="10.7.0.1") for p in ("/public", "/api/public/stats",
                                                       "/open311/v2/services.json", "/open311/v2/requests.json")]
        h.check("3 requests a minute from one address pass", [g[0] for g in got[:3]] == [200, 200, 200],
                [g[0] for g in got])
        st, hd, body = got[3]
        h.check("the 4th → 429 with Retry-After (1..60 s), Open311's error shape",
                st == 429 and 1 <= int(hd.get("retry-after", "0")) <= 60 and json.loads(body)[0]["code"] == 429,
                (st, hd.get("retry-after"), body))
        st, hd, body = get(port, "/api/public/stats", client="10.7.0.1")
        h.check("the stats too → 429 {error}", st == 429 and "error" in json.loads(body), (st, body))
        st, _, _ = get(port, "/api/public/stats", client="10.7.0.2")
        h.check("another address is not limited", st == 200, st)
        env.redis.stop()
        codes = [get(port, "/open311/v2/services.json", client="10.7.0.1")[0] for _ in range(5)]
        h.check("Redis away: the limit lets requests through (fail-open)", codes == [200] * 5, codes)
    finally:
        env.close()


def main():
    return h.run_tests([test_words_file, test_public, test_rate_limit])


if __name__ == "__main__":
    sys.exit(main())

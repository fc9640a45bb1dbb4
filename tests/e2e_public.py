#!/usr/bin/env python3
"""e2e_public.py — open data without a login (SPEC section 14, issue 21) end to end: `sampark
serve` with real Redis and PostgreSQL over known cases written in SQL. GET /api/public/stats
figure by figure (the "too few to say" rule at 9 and 10 cases, the median, on time among the
cases whose outcome is known, satisfaction among those who answered, reopened), its 5-minute
cache; GET /public without JavaScript in Hindi and English; Open311 GeoReport v2 (services,
requests with every filter, the 90-day window, the 1000 cap, one request, 404, 400); privacy on
every public answer (no phone, name or complaint word anywhere in the body, a phone's digits
looked for in every script and across any separator); the address rules (a village several
citizens named, nothing of a shared location's name, no digits, short); departments kept to counts
(POLICE, WCD) and urgent cases; the citizen's own answer as satisfaction; "too few" per figure;
the per-address limit (429 with Retry-After), its /64 for IPv6 and its fail-open when Redis is
away; open-data headers, 405, repeated and odd parameters. Prints 'N passed, N failed'."""
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import unicodedata
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_webhook as h  # noqa: E402

OFFICER_PHONES = ["919800000001", "919800000002"]
SECRET_WORDS = ["pipelineleak", "ट्रांसफार्मरजला", "Ramkali", "officer-reply-words", "98765", "Ram Kumar",
                "Kirana", "primary school"]
# The phone typed into the village's answer, every way a reviewer found leaking (ULB cases).
TEST_PHONE = "9876543210"
LEAKS = ["Ramesh 98765.43210", "98765/43210", "98765,43210", "98765 , 43210", "98765_43210", "98765–43210",
         "98765\n43210", "૯૮૭૬૫ ૪૩૨૧૦", "৯৮৭৬৫-৪৩২১০", "٩٨٧٦٥٤٣٢١٠", "９８７６５４３２１０", "9 8 7 6 5 4 3 2 1 0 Simga"]
SHARED = "smgvrd4"  # the place key of "Simga ward 4", named by many citizens
addr = [0]


def get(port, path, headers=None, client=None, method="GET"):
    addr[0] += 1
    hd = {"X-Forwarded-For": client or f"10.9.{addr[0] // 250}.{addr[0] % 250 + 1}"}
    hd.update(headers or {})
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request(method, path, headers=hd)
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
# reopen_count, extra). Phones 9198222000NN; every description holds a secret word. Satisfaction
# answers are the case's own citizen's unless said "follower".
CASES = [
    # PHE, last 30 days: 18 received (figures shown)
    ("r1", "PHE", "closed", 5, 1, 2, 0, "yes"),
    ("r2", "PHE", "closed", 6, 2, 2, 1, "no-then-yes"),
    ("r3", "PHE", "resolved", 7, 3, 2, 0, "phone-in-place"),
    ("r4", "PHE", "closed", 8, 5, 2, 0, "auto"),           # a follower's "no": not counted
    ("o1", "PHE", "open", 10, None, 2, 0, "a-house"),      # overdue
    ("o2", "PHE", "in_progress", 12, None, 2, 0, None),   # overdue
    ("re", "PHE", "reopened", 4, None, 9, 1, "no"),       # reopened, within its time
    ("f1", "PHE", "open", 1, None, 2, 0, "point"),
    ("f2", "PHE", "open", 0.5, None, 2, 0, None),
    ("f3", "PHE", "in_progress", 0.2, None, 2, 0, "long-place"),
    ("mg", "PHE", "closed", 3, None, 2, 0, "merged"),     # merged into r1: not counted
    *[(f"b{i}", "PHE", "closed", 3 + i / 10, 1.5, 2, 0, "yes") for i in range(7)],
    ("b7", "PHE", "closed", 3.8, 1.5, 2, 0, "no-follower-yes"),  # the citizen's "no" counts
    # PHE, 31-90 days ago: two late resolutions
    ("p1", "PHE", "closed", 40, 10, 2, 0, None),
    ("p2", "PHE", "closed", 80, 10, 2, 0, None),
    ("old", "PHE", "closed", 100, 1, 2, 0, None),         # outside every window
    # CSPDCL: 9 in the last 30 days (too few), a 10th 50 days ago (90 days: enough)
    *[(f"c{i}", "CSPDCL", "resolved", 2 + i, 1, 2, 0, None) for i in range(9)],
    ("c9", "CSPDCL", "open", 50, None, 2, 0, None),
    # ULB: a phone typed into the village's answer, every way (all of the shared village's key)
    *[(f"l{i}", "ULB", "open", 20 + i / 10, None, 2, 0, f"leak{i}") for i in range(len(LEAKS))],
    # PRD: urgent (a 4-hour deadline), and one that kept the urgent deadline past the limit
    ("u1", "PRD", "open", 2, None, 1 / 6, 0, "urgent"),
    ("u2", "PRD", "open", 2.1, None, 1 / 6, 0, "point"),
    # POLICE: "open_data": "counts" in the sample directory — counted, never listed
    ("pol", "POLICE", "open", 1.5, None, 2, 0, "point"),
]


def listed(c):
    return c[1] not in ("POLICE", "WCD")


def tracking(n):
    return f"BLB-2026-{900000 + n:06d}"


def place(key, extra):
    """(location_text, place_key) as case_create would store them."""
    if extra == "phone-in-place":
        return "Simga ward 4, +91 98765-43210", SHARED
    if extra == "a-house":
        return "Ram Kumar ke ghar ke paas, Simga", "rmkmrkgrkpssmg"
    if extra == "point":  # the village, then the shared location's own name
        return "Simga ward 4, Sharma Kirana Store", SHARED
    if extra == "long-place":
        return "Simga ward 4 near the old primary school gate", SHARED
    if extra and extra.startswith("leak"):
        return LEAKS[int(extra[4:])], SHARED
    return "Simga ward 4", SHARED


def load(env):
    sql = []
    for n, (key, dep, status, ago, res, due, reopens, extra) in enumerate(CASES):
        phone, t = f"9198222000{n:02d}", tracking(n)
        created = f"now() - interval '{ago * 86400:.0f} seconds'"
        resolved = f"{created} + interval '{res * 86400:.0f} seconds'" if res is not None else "NULL"
        lat, lng = ("21.2514567", "81.6296123") if extra == "point" else ("NULL", "NULL")
        where, pkey = place(key, extra)
        where = where.replace("'", "''")
        sql.append(f"INSERT INTO citizens (phone, name) VALUES ('{phone}', 'Ramkali') ON CONFLICT DO NOTHING")
        sql.append("INSERT INTO cases (tracking_no, department_code, status, citizen_phone, citizen_name, description,"
                   " location_text, place_key, latitude, longitude, urgent, created_at, sla_started_at, sla_due_at,"
                   " resolved_at, closed_at, reopen_count, citizen_satisfied_at, updated_at)"
                   f" VALUES ('{t}', '{dep}', '{status}', '{phone}', 'Ramkali', 'pipelineleak ट्रांसफार्मरजला {key}',"
                   f" '{where}', '{pkey}', {lat}, {lng}, {'true' if extra == 'urgent' else 'false'}, {created},"
                   f" {created}, {created} + interval '{due * 86400:.0f} seconds',"
                   f" {resolved}, CASE WHEN '{status}' = 'closed' THEN now() END, {reopens},"
                   f" {'now()' if extra in ('yes', 'no-then-yes') else 'NULL'}, {created})")
        ev = []  # (kind, text, actor, hours ago)
        follower = "919822299900"
        if extra in ("yes", "no-then-yes"):
            ev.append(("closed", "citizen satisfied", phone, 1))
        if extra in ("no", "no-then-yes", "no-follower-yes"):
            ev.append(("not_satisfied", None, phone, 2))
        if extra == "no-follower-yes":
            ev.append(("satisfied", None, follower, 1))
        if extra == "auto":
            ev.append(("not_satisfied", None, follower, 3))
            ev.append(("auto_closed", "no answer to the satisfaction question", "scheduler", 1))
        if res is not None:
            ev.append(("resolved", "officer-reply-words", OFFICER_PHONES[0], 4))
        for kind, text, actor, hours in ev:
            txt = "NULL" if text is None else f"'{text}'"
            sql.append(f"INSERT INTO case_events (case_id, kind, actor, text, at) SELECT id, '{kind}',"
                       f" '{actor}', {txt}, now() - interval '{hours} hours' FROM cases WHERE tracking_no = '{t}'")
    sql.append(f"UPDATE cases SET merged_into = (SELECT id FROM cases WHERE tracking_no = '{tracking(0)}')"
               f" WHERE tracking_no = '{tracking(10)}'")
    h.psql(env.url, "; ".join(sql))


def digits_only(text):
    """Every Unicode decimal digit as ASCII, everything else dropped: a phone split by any
    separator, in any script, shows whole."""
    out = []
    for ch in text:
        try:
            out.append(str(unicodedata.decimal(ch)))
        except ValueError:
            pass
    return "".join(out)


def private(name, body):
    """No phone, name, complaint word or officer's words in a public answer."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    leaks = [w for w in SECRET_WORDS + OFFICER_PHONES if w in text] + re.findall(r"\d{8,}", text)
    leaks += [p for p in [TEST_PHONE] + OFFICER_PHONES if p in digits_only(text)]
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
    h.check("stats: PHE, 30 days — received 18 (merged and older cases left out), resolved 12, median 1.5 days,"
            " on time 10 of 14 known, satisfied 9 of the 11 citizens who answered (followers' answers left out),"
            " reopened 2 of 13",
            phe.get("last_30_days") == {"received": 18, "too_few": False, "resolved": 12,
                                        "median_days_to_resolution": 1.5, "resolved_within_sla_pct": 71.4,
                                        "satisfaction_answers": 11, "satisfied_pct": 81.8, "reopened_pct": 15.4,
                                        "too_few_figures": []},
            phe.get("last_30_days"))
    h.check("stats: PHE, 90 days — 20 received, median 1.5, on time 10 of 16, reopened 2 of 15",
            phe.get("last_90_days") == {"received": 20, "too_few": False, "resolved": 14,
                                        "median_days_to_resolution": 1.5, "resolved_within_sla_pct": 62.5,
                                        "satisfaction_answers": 11, "satisfied_pct": 81.8, "reopened_pct": 13.3,
                                        "too_few_figures": []},
            phe.get("last_90_days"))
    c = dept(s, "CSPDCL")
    h.check("stats: 9 cases are too few to say — the count, and every figure null",
            c.get("last_30_days") == {"received": 9, "too_few": True, "resolved": None,
                                      "median_days_to_resolution": None, "resolved_within_sla_pct": None,
                                      "satisfaction_answers": None, "satisfied_pct": None, "reopened_pct": None,
                                      "too_few_figures": ["median_days_to_resolution", "resolved_within_sla_pct",
                                                          "satisfied_pct", "reopened_pct"]},
            c.get("last_30_days"))
    c90 = c.get("last_90_days", {})
    h.check("stats: 10 cases are enough — but a figure over fewer than 10 (9 resolved, 0 answers, 9 that could"
            " reopen) is too few to say itself; on time 9 of 10 known is shown",
            c90.get("received") == 10 and c90.get("too_few") is False and c90.get("resolved") == 9
            and c90.get("median_days_to_resolution") is None and c90.get("resolved_within_sla_pct") == 90.0
            and c90.get("satisfied_pct") is None and c90.get("satisfaction_answers") == 0
            and c90.get("reopened_pct") is None
            and c90.get("too_few_figures") == ["median_days_to_resolution", "satisfied_pct", "reopened_pct"], c90)
    h.check("stats: a department kept out of Open311 (POLICE, counts) is still counted",
            dept(s, "POLICE").get("last_30_days", {}).get("received") == 1, dept(s, "POLICE"))
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
            ("?lang=en wins over the header", "/public?lang=en", {"Accept-Language": "hi"}, "en", ["71.4%"]),
            ("?lang=hi", "/public?lang=hi", {}, "hi", ["81.8%", "15.4%", "1.5"])):
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
    st, _, body = get(port, "/public?lang=en&lang=hi")
    h.check("/public?lang=en&lang=hi → 400: given twice", st == 400 and b"lang: given twice" in body, (st, body))
    st, rh, body = get(port, "/public?lang=en")
    text = body.decode()
    cs = text[text.find('id="CSPDCL"'):]
    cs = cs[:cs.find("</section>")]
    h.check("/public: CSPDCL's 90 days show 90.0% on time, and too few to say for its median (9 resolved)",
            "90.0%" in cs and "<th scope=\"row\">Typical days to resolve (median)</th><td><span class=\"few\">"
            "too few to say</span></td><td><span class=\"few\">too few to say</span></td>" in cs, cs[:600])
    h.check("/public: not cached by others, no cross-site reading", rh.get("cache-control") == "no-store"
            and "access-control-allow-origin" not in rh, rh)
    st, rh, _ = get(port, "/portal/public.css")
    h.check("the page's stylesheet is served", st == 200 and "css" in rh.get("content-type", ""), st)


def ids(body):
    return sorted(r["service_request_id"] for r in body) if isinstance(body, list) else body


def by_id(body, n):
    return next((r for r in body if r["service_request_id"] == tracking(n)), {}) if isinstance(body, list) else {}


def index_of(key):
    return next(n for n, c in enumerate(CASES) if c[0] == key)


def check_open311(port):
    st, rh, body = get(port, "/open311/v2/services.json?jurisdiction_id=blb.gov.in")
    sv = json.loads(body)
    phe = next((x for x in sv if x.get("service_code") == "PHE"), {})
    h.check("services.json: departments with Open311's fields, those kept to counts (POLICE, WCD) left out",
            st == 200 and len(sv) == 12 and
            phe.get("service_name") == "Drinking water (PHE)" and phe.get("metadata") is False and
            phe.get("type") == "realtime" and isinstance(phe.get("keywords"), str) and "group" in phe
            and "description" in phe and not {"POLICE", "WCD"} & {x.get("service_code") for x in sv},
            (len(sv), phe))
    h.check("services.json: open data headers — any site may read it, caches may keep it 5 minutes",
            rh.get("access-control-allow-origin") == "*" and rh.get("cache-control") == "public, max-age=300", rh)
    st, _, _ = get(port, "/open311/v2/services.json?jurisdiction_id")
    h.check("services.json?jurisdiction_id (no '=') is accepted", st == 200, st)
    in90 = [tracking(n) for n, c in enumerate(CASES) if c[3] <= 90 and listed(c)]
    st, body = get_json(port, "/open311/v2/requests.json")
    h.check("requests.json: the last 90 days by default, merged one included, POLICE left out",
            st == 200 and ids(body) == sorted(in90), (st, ids(body)))
    st, b2 = get_json(port, "/open311/v2/requests.json?jurisdiction_id=anything")
    h.check("jurisdiction_id is accepted and ignored", st == 200 and ids(b2) == ids(body))
    raw = get(port, "/open311/v2/requests.json")[2]
    private("/open311/v2/requests.json", raw)
    h.check("requests.json: newest first", [r["service_request_id"] for r in body][:2] == [tracking(9), tracking(8)],
            [r["service_request_id"] for r in body][:3])
    one = by_id(body, index_of("f1"))
    h.check("a request with a shared location: Open311's fields, lat/long to 3 decimals, no address (the"
            " location's own name is never published)",
            set(one) == {"service_request_id", "status", "status_notes", "service_code", "service_name",
                         "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime",
                         "address", "lat", "long"}
            and one["lat"] == 21.251 and one["long"] == 81.63 and one["address"] is None
            and one["status"] == "open" and one["service_code"] == "PHE" and one["expected_datetime"].endswith("Z"), one)
    plain = by_id(body, index_of("f2"))
    h.check("a village several citizens named is the address", plain.get("address") == "Simga ward 4", plain)
    for key, why in (("o1", "a place only one citizen named (a house)"), ("f3", "a long description of a place"),
                     ("r3", "a phone number typed into the village's answer")):
        r = by_id(body, index_of(key))
        h.check(f"no address for {why}", r and r.get("address") is None, r)
    leaks = [by_id(body, index_of(f"l{i}")).get("address", "missing") for i in range(len(LEAKS))]
    h.check("no address for a phone number written any way (dots, slashes, commas, '_', dashes, a new line,"
            " Gujarati, Bengali, Arabic-Indic, full-width, one digit at a time)", leaks == [None] * len(LEAKS), leaks)
    for key in ("u1", "u2"):
        r = by_id(body, index_of(key))
        due = r.get("expected_datetime", "")
        h.check(f"an urgent case ({key}): no address, no lat/long, the department's usual 48 hours as its"
                " expected time (a 4-hour deadline would say it was urgent)",
                r.get("address") is None and "lat" not in r and due
                and hours_between(r.get("requested_datetime"), due) == 48, r)
    pol = tracking(index_of("pol"))
    closed = by_id(body, 0)
    h.check("a closed request: status closed, a fixed note, no expected time, no lat/long",
            closed.get("status") == "closed" and closed.get("status_notes") == "Closed."
            and closed.get("expected_datetime") is None and "lat" not in closed, closed)
    merged = by_id(body, 10)
    h.check("a merged request: closed, its note names the request it joined",
            merged.get("status") == "closed" and tracking(0) in merged.get("status_notes", ""), merged)
    h.check("no description anywhere", all("description" not in r for r in body))
    opened = [tracking(n) for n, c in enumerate(CASES)
              if c[3] <= 90 and c[2] in ("open", "in_progress", "reopened") and listed(c)]
    phe_open = [tracking(n) for n, c in enumerate(CASES) if c[3] <= 90 and c[2] in ("open", "in_progress", "reopened")
                and c[1] in ("CSPDCL", "PHE")]
    for q, want in (("status=open", opened), ("status=closed", sorted(set(in90) - set(opened))),
                    ("status=open,closed", in90),
                    ("service_code=CSPDCL", [tracking(n) for n, c in enumerate(CASES) if c[1] == "CSPDCL"]),
                    ("service_code=CSPDCL,PHE&status=open", phe_open),
                    ("service_code=POLICE", []),
                    (f"service_request_id={tracking(0)},BLB-2026-999999,{pol},{tracking(index_of('f2'))}",
                     [tracking(0), tracking(index_of("f2"))]),
                    (f"service_request_id={tracking(1)}&status=open", [tracking(1)]),
                    ("start_date=" + urllib.parse.quote(iso(-85)) + "&end_date=" + urllib.parse.quote(iso(-30)),
                     [tracking(n) for n, c in enumerate(CASES) if 30 < c[3] <= 85 and listed(c)]),
                    ("start_date=" + iso(-85).replace("Z", "+05:30") + "&end_date=" + iso(-30).replace("Z", "+05:30"),
                     [tracking(n) for n, c in enumerate(CASES) if 30 + 5.5 / 24 <= c[3] <= 85 + 5.5 / 24 and listed(c)]),
                    ("end_date=" + urllib.parse.quote(iso(-35)),
                     [tracking(n) for n, c in enumerate(CASES) if 35 < c[3] <= 125 and listed(c)])):
        st, b = get_json(port, "/open311/v2/requests.json?" + q)
        h.check(f"requests.json?{q}", st == 200 and ids(b) == sorted(want), (st, ids(b), sorted(want)))
    for q, name in (("start_date=2026-13-01", "start_date"), ("end_date=yesterday", "end_date"),
                    ("start_date=2026-01-01T10:00:00", "start_date"),
                    ("start_date=" + iso(-100), "start_date"),
                    ("start_date=2026-01-01&end_date=2026-05-01", "start_date"),
                    ("start_date=2026-05-01&end_date=2026-04-01", "end_date"),
                    ("start_date=2026-01-01T10:00:00%2B14:59", "start_date"),
                    ("start_date=2026-01-01T10:00:00-12:30", "start_date"),
                    ("status=pending", "status"), ("service_code=phe", "service_code"), ("page=2", "page"),
                    ("status=open&status=closed", "status: given twice"),
                    ("service_request_id=BLB-2026-1!x", "service_request_id"),
                    ("status=%FF%FEopen", "status"), ("%FFx%E0%A4=1", "?x"),
                    ("&".join(f"a{i}=1" for i in range(70)), "a0")):
        st, raw = get(port, "/open311/v2/requests.json?" + q)[::2]
        try:
            b = json.loads(raw.decode("utf-8"))  # valid UTF-8 whatever bytes came in
        except ValueError:
            b = [{"raw": raw[:200]}]
        h.check(f"requests.json?{q} → 400 naming {name}, Open311's error shape, valid UTF-8",
                st == 400 and isinstance(b, list) and b[0].get("code") == 400
                and b[0].get("description", "").startswith(name), (st, b))
    for q in ("status=%zz", "status=open%00x"):  # libwebsockets answers these itself (403, or closes)
        try:
            st = get(port, "/open311/v2/requests.json?" + q)[0]
        except (http.client.HTTPException, OSError) as ex:
            st = type(ex).__name__
        h.check(f"requests.json?{q}: refused before Sampark sees it ({st}), never a 200",
                st != 200 and get(port, "/open311/v2/services.json")[0] == 200, st)
    st, rh, raw = get(port, f"/open311/v2/requests/{tracking(7)}.json?jurisdiction_id=x")
    b = json.loads(raw)
    h.check("requests/{id}.json: an array of one, the same request", st == 200 and b == [one], (st, b))
    private("/open311/v2/requests/{id}.json", raw)
    for path in (f"/open311/v2/requests/BLB-2026-999999.json", "/open311/v2/requests/nothing.json",
                 f"/open311/v2/requests/{pol}.json",
                 f"/open311/v2/requests/{tracking(7)}.xml", "/open311/v2/discovery.xml", "/open311/v1/services.json"):
        st, rh, raw = get(port, path)
        b = json.loads(raw)
        h.check(f"{path} → 404, not cached, readable by any site", st == 404 and isinstance(b, list)
                and b[0].get("code") == 404 and rh.get("cache-control") == "no-store"
                and rh.get("access-control-allow-origin") == "*", (st, b, rh))
    private("/open311/v2/services.json", get(port, "/open311/v2/services.json")[2])
    for path in ("/api/public/stats", "/open311/v2/services.json", "/public"):
        st, rh, _ = get(port, path, method="POST")
        h.check(f"POST {path} → 405", st == 405, st)


def hours_between(a, b):
    import datetime
    f = "%Y-%m-%dT%H:%M:%SZ"
    try:
        return round((datetime.datetime.strptime(b, f) - datetime.datetime.strptime(a, f)).total_seconds() / 3600)
    except (TypeError, ValueError):
        return None


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
        six = [get(port, "/api/public/stats", client=f"2001:db8:1:2:{i}::1")[0] for i in range(1, 5)]
        h.check("IPv6: one /64 is one client (a line cannot rotate through its addresses)",
                six == [200, 200, 200, 429], six)
        st, _, _ = get(port, "/api/public/stats", client="2001:db8:1:3::1")
        h.check("IPv6: the next /64 is another client", st == 200, st)
        env.redis.stop()
        codes = [get(port, "/open311/v2/services.json", client="10.7.0.1")[0] for _ in range(5)]
        h.check("Redis away: the limit lets requests through (fail-open)", codes == [200] * 5, codes)
    finally:
        env.close()


def test_public_slot():
    """One pool thread at most queries PostgreSQL for Open311 and one recomputes the figures:
    while both wait (a lock held on cases), more public requests are answered 503 with Retry-After
    at once, and the officers' portal still has its thread. Apart, so Open311 searches holding
    their slot never keep the figures from being computed."""
    env = h.Env("pubslot")
    lock = None
    try:
        port = env.serve().port
        lock = subprocess.Popen(["psql", env.url, "-q"], stdin=subprocess.PIPE, text=True)
        lock.stdin.write("BEGIN; LOCK TABLE cases IN ACCESS EXCLUSIVE MODE;\n")
        lock.stdin.flush()
        h.wait_for(lambda: h.psql(env.url, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                                           " WHERE c.relname = 'cases' AND l.granted"
                                           " AND l.mode = 'AccessExclusiveLock'") == "1")
        # the figures' statement and Open311's, waiting (the scheduler waits on cases too; the
        # statements' starts: pg_stat_activity keeps the first 1 KiB)
        waiting = ("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                   " AND (query LIKE 'WITH r AS (SELECT %' OR query LIKE 'SELECT COALESCE(jsonb_agg(r ORDER BY at DESC%')")
        first, search = {}, {}
        t = threading.Thread(target=lambda: first.update(r=get(port, "/api/public/stats")))
        t.start()
        h.check("the first computation waits on the lock", h.wait_for(lambda: h.psql(env.url, waiting) == "1"))
        st, hd, body = get(port, "/api/public/stats")
        h.check("a cold cache being computed: 503 with Retry-After at once, not a wait",
                st == 503 and hd.get("retry-after") == "5", (st, hd.get("retry-after"), body))
        t2 = threading.Thread(target=lambda: search.update(r=get(port, "/open311/v2/requests.json")))
        t2.start()
        h.check("an Open311 search takes its own slot while the figures compute (it waits too)",
                h.wait_for(lambda: h.psql(env.url, waiting) == "2"), h.psql(env.url, waiting))
        st, hd, body = get(port, "/open311/v2/requests.json")
        h.check("Open311 while its slot is busy: 503 with Retry-After, Open311's shape",
                st == 503 and hd.get("retry-after") == "2" and json.loads(body)[0]["code"] == 503, (st, body))
        st, _, _ = get(port, "/api/cases")
        h.check("the officers' portal still answers (a thread is free)", st == 401, st)
        lock.stdin.write("COMMIT;\n")
        lock.stdin.close()
        lock.wait()
        t.join(30)
        t2.join(30)
        h.check("the waiting computation then answers 200", first.get("r", (0,))[0] == 200, first.get("r"))
        h.check("and the waiting search", search.get("r", (0,))[0] == 200, search.get("r"))
        st, _, _ = get(port, "/open311/v2/requests.json")
        h.check("and Open311 answers again", st == 200, st)
    finally:
        if lock and lock.poll() is None:
            lock.kill()
        env.close()


def main():
    return h.run_tests([test_words_file, test_public, test_rate_limit, test_public_slot])


if __name__ == "__main__":
    sys.exit(main())

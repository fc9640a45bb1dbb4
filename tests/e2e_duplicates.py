#!/usr/bin/env python3
"""e2e_duplicates.py — the citizen's side of duplicate complaints (issue 19, SPEC section 12), end
to end through signed webhooks, the fake Graph API and real Redis and PostgreSQL, in Hindi and
English: a second citizen of the same department and village is offered the first case before the
confirmation and joins it (no new case or number; told its number and status; the officers get one
line; the follower row, the count and a 'follower_joined' event with the joiner's words); a
romanised village matches its Devanagari twin, another village, ward or department does not; two
shared locations within 250 m match, 400 m apart do not; "No, mine is different" files a new case;
the list shows the public subject, place, age and people, never another citizen's phone, name or
words; at most 3 candidates, newest first, none older than 30 days, closed, the citizen's own or
already followed; a follower tracks the case by its number; and 200 citizens reporting one problem
at once, then 50 more one after another: what the design guarantees, measured (the number of cases
the race left is printed; E2E_CROWD_POOL=200 sends all 200 in the same second instead of 50
phones at a time). Prints 'N passed, N failed'."""
import concurrent.futures
import contextlib
import itertools
import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_cases as c  # noqa: E402
import e2e_webhook as h  # noqa: E402

PHE, CSPDCL = c.PHE_OFFICER, c.CSPDCL_OFFICER
TRACKING = re.compile(r"[A-Z]{3}-\d{4}-\d{6}")
SEQ = itertools.count(1)  # wamids; next() is atomic, so the crowd's threads share it
PID = os.getpid()
WORDS_HI = "हमारे गांव का हैंडपंप दो हफ्ते से खराब है"
WORDS_EN = "The hand pump near the school has been broken for a week"


def send(port, sender, text=None, reply_id=None, row=None, location=None, name="Citizen", wamid=None):
    """One message as WhatsApp delivers it from a citizen whose profile name is `name`: text, a
    button tapped (reply_id), a list row tapped (row: an interactive list_reply), or a location
    (latitude, longitude, name). Returns (HTTP status, wamid)."""
    wamid = wamid or f"wamid.DUP{PID}{next(SEQ):07d}"
    msg = {"from": sender, "id": wamid, "timestamp": str(int(time.time()))}
    if row is not None:
        msg.update(type="interactive", interactive={"type": "list_reply", "list_reply": {"id": row, "title": row or "x"}})
    elif reply_id is not None:
        msg.update(type="interactive", interactive={"type": "button_reply", "button_reply": {"id": reply_id, "title": reply_id}})
    elif location:
        msg.update(type="location", location={"latitude": location[0], "longitude": location[1],
                                              "name": location[2], "address": ""})
    else:
        msg.update(type="text", text={"body": text})
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "917000000000", "phone_number_id": c.PHONE_ID},
        "contacts": [{"profile": {"name": name}, "wa_id": sender}], "messages": [msg]}}]}]}).encode()
    return h.post(port, body)[0], wamid


def payloads_to(fake, phone):
    return [b for _, b, _ in fake.delivered() if b.get("to") == phone]


@contextlib.contextmanager
def served(tag):
    """c.served, the fake knowing the database (say() counts the outbox's answers there)."""
    with c.served(tag) as (env, fake, port):
        fake.db_url = env.url
        yield env, fake, port


def say(port, fake, who, **msg):
    """One message from who; all the bot's answers to it (every row the worker wrote for it in
    one transaction, delivered), or [] when none came."""
    n = len(payloads_to(fake, who))
    st, wamid = send(port, who, **msg)

    def answered():
        k = int(h.psql(fake.db_url, "SELECT count(*) FROM outbound_messages WHERE kind <> 'read' "
                                    f"AND recipient = '{who}' "
                                    f"AND idempotency_key LIKE '{wamid}:%'"))
        return k > 0 and len(payloads_to(fake, who)) >= n + k
    if st != 200 or not h.wait_for(answered, 20):
        return []
    return payloads_to(fake, who)[n:]


def body_of(p):
    if p.get("type") == "text":
        return p["text"]["body"]
    if p.get("type") == "interactive":
        return p["interactive"]["body"]["text"]
    return ""


def rows_of(p):
    """The rows of an interactive list (id, title, description); [] for anything else."""
    if p.get("type") != "interactive" or p["interactive"].get("type") != "list":
        return []
    return [r for sec in p["interactive"]["action"].get("sections", []) for r in sec.get("rows", [])]


def offered(p):
    """The cases a "similar" list offers to join (its rows but "mine is different"), or None when
    p is not that list (the confirmation came instead)."""
    if not body_of(p).startswith("👥") or not rows_of(p):
        return None
    return [r for r in rows_of(p) if r["id"] != "s:"]


def ids_of(p):
    """The ids a citizen can tap in p: its buttons and its list's rows."""
    if p.get("type") != "interactive":
        return []
    return [b["reply"]["id"] for b in p["interactive"]["action"].get("buttons", [])] + [r["id"] for r in rows_of(p)]


VILLAGE_QUESTION = {"hi": "समस्या कहां है?", "en": "Where is the problem?"}


def to_village(port, fake, who, place, lang="hi", dept="d:PHE", words=WORDS_HI, name="Citizen"):
    """A citizen's way to the village question — a newcomer greets and picks the language, one who
    has talked before types "menu" — answered by place (text, or a (lat, lon, name) location):
    returns the bot's answer to it (the "similar" list or the confirmation), or {} when a step
    went astray."""
    first = [dict(text="नमस्ते"), dict(reply_id=f"c:{lang}")] if not payloads_to(fake, who) else [dict(text="menu")]
    for s in first + [dict(reply_id="c:complaint"), dict(reply_id=dept), dict(text=words), dict(reply_id="skip")]:
        got = say(port, fake, who, name=name, **s)
        if not got:
            return {}
    if VILLAGE_QUESTION[lang] not in body_of(got[-1]):
        print(f"# {who} is not at the village question: {[body_of(x)[:60] for x in payloads_to(fake, who)[-8:]]}")
        return {}
    got = say(port, fake, who, name=name, **(dict(location=place) if isinstance(place, tuple) else dict(text=place)))
    return got[-1] if got else {}


def file_new(port, fake, who, place, **kw):
    """A complaint filed at place ("mine is different" when cases are offered): its number or None."""
    p = to_village(port, fake, who, place, **kw)
    if offered(p) is not None:
        p = (say(port, fake, who, row="s:", name=kw.get("name", "Citizen")) or [{}])[-1]
    if p.get("type") != "interactive":
        return None
    n = len(payloads_to(fake, who))
    say(port, fake, who, reply_id="yes")
    h.wait_for(lambda: any(TRACKING.search(body_of(x)) for x in payloads_to(fake, who)[n:]), 20)
    m = [TRACKING.search(body_of(x)) for x in payloads_to(fake, who)[n:]]
    m = [x for x in m if x]
    return m[0].group(0) if m else None


def join(port, fake, who, t, lang="hi"):
    """who taps t's row in the list; True once told they joined it."""
    said = f"आप शिकायत *{t}* से जुड़ गए हैं" if lang == "hi" else f"You have joined complaint *{t}*"
    return any(said in body_of(x) for x in say(port, fake, who, row=f"s:{t}"))


def texts(fake, who, since=0):
    return [body_of(p) for p in payloads_to(fake, who)[since:]]


def case(env, t, col):
    return h.psql(env.url, f"SELECT {col} FROM cases WHERE tracking_no = '{t}'")


def count_cases(env):
    return int(h.psql(env.url, "SELECT count(*) FROM cases"))


def same_line(fake, officer, t):
    """The officers' "another citizen reports the same" lines about t."""
    return [x for x in texts(fake, officer) if x.startswith(f"👥 शिकायत {t}:")]


def private(p, secrets):
    """The secrets (another citizen's phone, name, words) found anywhere in payload p."""
    whole = json.dumps(p, ensure_ascii=False)
    return [s for s in secrets if s in whole]


def joined_checks(env, fake, tag, t, who, words, lang, before, officer_lines, people):
    """What joining t leaves: no new case, the follower row, the count, the event, one officer line."""
    h.check(f"{tag}: no new case", count_cases(env) == before, count_cases(env))
    numbers = {m for x in texts(fake, who) for m in TRACKING.findall(x)}
    h.check(f"{tag}: the joiner never got a number but the case's", numbers == {t}, numbers)
    h.check(f"{tag}: the follower row, in the joiner's language",
            h.psql(env.url, "SELECT f.language FROM case_followers f JOIN cases k ON k.id = f.case_id "
                            f"WHERE k.tracking_no = '{t}' AND f.phone = '{who}'") == lang)
    h.check(f"{tag}: cases.follower_count = {people - 1}", case(env, t, "follower_count") == str(people - 1))
    ev = h.psql(env.url, "SELECT e.actor || '|' || e.text FROM case_events e JOIN cases k ON k.id = e.case_id "
                         f"WHERE k.tracking_no = '{t}' AND e.kind = 'follower_joined' AND e.actor = '{who}'")
    h.check(f"{tag}: a 'follower_joined' event with the joiner's words", ev == f"{who}|{words}", ev)
    line = f"👥 शिकायत {t}: एक और नागरिक ने यही समस्या बताई (अब {people} लोग)"
    h.check(f"{tag}: the officers get one line: (अब {people} लोग)",
            h.wait_for(lambda: len(same_line(fake, PHE, t)) == officer_lines + 1, 20)
            and same_line(fake, PHE, t)[-1].startswith(line) and not any(words in x for x in same_line(fake, PHE, t)),
            same_line(fake, PHE, t))
    h.check(f"{tag}: the joiner's words went to nobody",
            h.psql(env.url, "SELECT count(*) FROM outbound_messages WHERE payload::text LIKE "
                            f"'%{words}%'") == "0")


def test_join_in_hindi():
    with served("duphi") as (env, fake, port):
        first, joiner = "919811127001", "919811127002"
        t = file_new(port, fake, first, "सिमगा वार्ड 4", name="Sunita Verma")
        h.check("the first complaint in Simga ward 4 is filed (nothing to offer)", bool(t), texts(fake, first))
        words = "वार्ड 4 का हैंडपंप फिर से बंद पड़ा है, पानी नहीं"
        p = to_village(port, fake, joiner, "सिमगा, वार्ड-4", words=words, name="Mohan Lal")
        rows = rows_of(p)
        h.check("the second citizen is offered the first case before the confirmation",
                offered(p) is not None and [r["id"] for r in rows] == [f"s:{t}", "s:"], p)
        h.check("the list: its body names the department", body_of(p).startswith("👥 आपके इलाके से पेयजल (पीएचई)"),
                body_of(p))
        h.check("the row: the number, then subject · the place in the joiner's own words · age · people",
                rows and rows[0]["title"] == t
                and rows[0].get("description") == "हैंडपंप / पेयजल · सिमगा, वार्ड-4 · आज · 👥 1", rows)
        h.check("the last row: no, mine is different", rows and rows[-1]["title"] == "नहीं, मेरी अलग है", rows)
        leaks = private(p, [first, "Sunita", "Verma", WORDS_HI, "दो हफ्ते"])
        h.check("privacy: no phone, name or words of the first citizen in the list", not leaks, leaks)
        n = len(payloads_to(fake, joiner))
        h.check("join: the citizen is told they joined it", join(port, fake, joiner, t))
        told = "\n".join(texts(fake, joiner, n))
        h.check("join: told the case's number, its status and the people", f"*{t}*" in told
                and "स्थिति: open" in told and "अब 2 लोग" in told, told)
        joined_checks(env, fake, "join", t, joiner, words, "hi", 1, 0, 2)
        h.check("the first citizen hears nothing of the joiner", not any(words in x or joiner in x for x in texts(fake, first)))
        h.check("the other department's officer hears nothing", not same_line(fake, CSPDCL, t))

        n = len(payloads_to(fake, joiner))
        say(port, fake, joiner, text=t)
        h.check("a follower tracks the case by its number",
                c.wait_text(fake, joiner, f"शिकायत {t}\nस्थिति: open", n), texts(fake, joiner, n))
        p = to_village(port, fake, joiner, "सिमगा वार्ड 4", words="फिर से एक और हैंडपंप की शिकायत")
        h.check("a case the citizen already follows is not offered again", offered(p) is None and "दर्ज करें" in body_of(p),
                body_of(p))
        p = to_village(port, fake, first, "सिमगा वार्ड 4", words="दूसरा हैंडपंप भी खराब हो गया है")
        h.check("the citizen's own case is not offered", offered(p) is None, body_of(p))

        for who, place, dept, w, why in (
                ("919811127003", "कसडोल वार्ड 5", "d:PHE", WORDS_HI, "another village"),
                ("919811127004", "सिमगा वार्ड 14", "d:PHE", WORDS_HI, "another ward number (14, not 4)"),
                ("919811127005", "सिमगा वार्ड 4", "d:CSPDCL", "गांव में तीन दिन से बिजली नहीं है", "another department")):
            p = to_village(port, fake, who, place, dept=dept, words=w)
            h.check(f"not offered: {why}", offered(p) is None and "क्या यह शिकायत दर्ज करें" in body_of(p), body_of(p))

        other = "919811127006"
        p = to_village(port, fake, other, "ग्राम सिमगा वार्ड नं. 4", words="स्कूल के पास वाला नल टूट गया है")
        h.check("'ग्राम … नं.' in the name still matches", offered(p) is not None, body_of(p))
        got = say(port, fake, other, row="s:")
        h.check("no, mine is different: the confirmation", got and "क्या यह शिकायत दर्ज करें" in body_of(got[-1]),
                [body_of(x) for x in got])
        n = len(payloads_to(fake, other))
        say(port, fake, other, reply_id="yes")
        h.wait_for(lambda: any(TRACKING.search(x) for x in texts(fake, other, n)), 20)
        t2 = next((m.group(0) for m in map(TRACKING.search, texts(fake, other, n)) if m), None)
        h.check("no, mine is different: a new case with its own number",
                t2 and t2 != t and count_cases(env) == 2 and case(env, t2, "citizen_phone") == other, t2)
        h.check("no, mine is different: not a follower",
                h.psql(env.url, f"SELECT count(*) FROM case_followers WHERE phone = '{other}'") == "0")

        k = len(c.texts_to(fake, PHE))
        send(port, PHE, text=f"subject {t} हैंडपंप खराब, स्कूल के पास")
        h.check("subject: the officer sets the public subject", c.wait_text(fake, PHE, "सार्वजनिक विषय", k))
        p = to_village(port, fake, "919811127007", "simga ward 4", words="यहां का हैंडपंप काम नहीं कर रहा")
        rows = offered(p) or []
        h.check("two candidates, newest first", [r["title"] for r in rows] == [t2, t], rows)
        h.check("the officer's subject shows on its case, the default on the other",
                len(rows) == 2 and rows[1].get("description") == "हैंडपंप खराब, स्कूल के पास · simga ward 4 · आज · 👥 2"
                and rows[0].get("description", "").startswith("हैंडपंप / पेयजल · simga ward 4 · "), rows)
        leaks = private(p, [first, other, joiner, "Sunita", "Mohan", WORDS_HI, words, "स्कूल के पास वाला नल"])
        h.check("privacy: nothing of the three citizens in the list", not leaks, leaks)


def test_join_in_english():
    with served("dupen") as (env, fake, port):
        first, joiner = "919811127101", "919811127102"
        t = file_new(port, fake, first, "सिमगा वार्ड 4", lang="en", words=WORDS_EN, name="Sunita Verma")
        h.check("English: the first complaint, in सिमगा वार्ड 4", bool(t), texts(fake, first))
        words = "The ward 4 hand pump has been dry since Monday"
        p = to_village(port, fake, joiner, "Simga Ward No. 4", lang="en", words=words, name="Mohan Lal")
        rows = rows_of(p)
        h.check("English: 'Simga Ward No. 4' is offered the case filed as 'सिमगा वार्ड 4'",
                offered(p) is not None and [r["id"] for r in rows] == [f"s:{t}", "s:"], p)
        h.check("English: the list's body and button",
                body_of(p).startswith("👥 These complaints about Drinking water (PHE) from your area")
                and p["interactive"]["action"].get("button") == "See complaints", p)
        h.check("English: the row in English, the place in the joiner's own words (never another citizen's)",
                rows and rows[0]["title"] == t
                and rows[0].get("description") == "Hand pump / drinking water · Simga Ward No. 4 · today · 👥 1", rows)
        h.check("English: the last row: No, mine is different", rows and rows[-1]["title"] == "No, mine is different", rows)
        leaks = private(p, [first, "Sunita", "Verma", WORDS_EN, "near the school"])
        h.check("English privacy: no phone, name or words of the first citizen", not leaks, leaks)
        n = len(payloads_to(fake, joiner))
        wid = f"wamid.DUPJOIN{PID}"  # the tap delivered three times at once: one join
        with concurrent.futures.ThreadPoolExecutor(3) as ex:
            list(ex.map(lambda _: send(port, joiner, row=f"s:{t}", wamid=wid), range(3)))
        h.check("English join: told they joined", c.wait_text(fake, joiner, f"You have joined complaint *{t}*", n))
        told = "\n".join(texts(fake, joiner, n))
        h.check("English join: the number, the status, the people", f"*{t}*" in told and "Status: open" in told
                and "2 people now report it" in told, told)
        joined_checks(env, fake, "English join", t, joiner, words, "en", 1, 0, 2)
        h.check("English join: a tap delivered three times joins once, told once",
                h.psql(env.url, f"SELECT count(*) FROM outbound_messages WHERE recipient = '{joiner}' "
                                "AND payload::text LIKE '%You have joined%'") == "1"
                and h.psql(env.url, "SELECT count(*) FROM case_events WHERE kind = 'follower_joined'") == "1")
        n = len(payloads_to(fake, joiner))
        say(port, fake, joiner, text=t.lower())
        h.check("English: a follower tracks the case by its number",
                c.wait_text(fake, joiner, f"Complaint {t}\nStatus: open", n) or c.wait_text(fake, joiner, f"📋 Complaint: {t}\nStatus: open", n),
                texts(fake, joiner, n))

        for who, place, dept, w, why in (
                ("919811127103", "Kasdol ward 5", "d:PHE", WORDS_EN, "another village"),
                ("919811127104", "Simga ward 14", "d:PHE", WORDS_EN, "another ward number (14, not 4)"),
                ("919811127105", "Simga Ward No. 4", "d:CSPDCL", "No electricity in the village for three days", "another department")):
            p = to_village(port, fake, who, place, lang="en", dept=dept, words=w)
            h.check(f"English, not offered: {why}", offered(p) is None and "Shall we submit it?" in body_of(p), body_of(p))

        other = "919811127106"
        p = to_village(port, fake, other, "simga ward 4", lang="en", words="The tap near the temple is broken")
        h.check("English: offered again to a third citizen", offered(p) is not None, body_of(p))
        got = say(port, fake, other, row="s:")
        h.check("English: No, mine is different → the confirmation", got and "Shall we submit it?" in body_of(got[-1]),
                [body_of(x) for x in got])
        n = len(payloads_to(fake, other))
        say(port, fake, other, reply_id="yes")
        h.wait_for(lambda: any(TRACKING.search(x) for x in texts(fake, other, n)), 20)
        t2 = next((m.group(0) for m in map(TRACKING.search, texts(fake, other, n)) if m), None)
        h.check("English: a new case with its own number", t2 and t2 != t and count_cases(env) == 2
                and any("Tracking number" in x for x in texts(fake, other, n)), texts(fake, other, n))


# Khaira chowk; 0.0015° of latitude is 167 m, 0.0036° is 400 m; at 21.656° N 0.0015° of
# longitude is 155 m.
HERE = (21.6560, 82.1610, "Khaira chowk")


def test_locations():
    with served("duploc") as (env, fake, port):
        first = "919811127201"
        t = file_new(port, fake, first, HERE, name="Sunita Verma")
        h.check("a complaint placed by a shared location", bool(t) and case(env, t, "location_text") == "Khaira chowk", t)
        for who, where, lang, dist in (("919811127202", (21.6575, 82.1610, "Near the pond"), "hi", "167 m north"),
                                       ("919811127203", (21.6575, 82.1625, ""), "en", "228 m north-east")):
            p = to_village(port, fake, who, where, lang=lang,
                           words="तालाब के पास का हैंडपंप सूखा है" if lang == "hi" else "The pump by the pond is dry")
            rows = offered(p) or []
            h.check(f"a location {dist} ({lang}): offered the case",
                    [r["title"] for r in rows] == [t] and ("250 मी." if lang == "hi" else "within 250 m")
                    in rows[0].get("description", "") and "Khaira chowk" not in rows[0].get("description", ""), p)
        who = "919811127202"
        h.check("joined by location", join(port, fake, who, t))
        joined_checks(env, fake, "joined by location", t, who, "तालाब के पास का हैंडपंप सूखा है", "hi", 1, 0, 2)
        for who, where, dist in (("919811127204", (21.6596, 82.1610, "Bus stand"), "400 m north"),
                                 ("919811127205", (21.6560, 82.1649, ""), "403 m east")):
            p = to_village(port, fake, who, where)
            h.check(f"a location {dist}: not offered", offered(p) is None and "दर्ज करें" in body_of(p), body_of(p))
        p = to_village(port, fake, "919811127206", "Khaira chowk")
        h.check("a typed place and a shared one are not compared by name", offered(p) is None, body_of(p))


def test_limits():
    with served("duplim") as (env, fake, port):
        filers = [f"91981112730{i}" for i in range(1, 7)]
        ts = []
        for i, who in enumerate(filers):
            ts.append(file_new(port, fake, who, "भाटापारा वार्ड 3", words=f"हैंडपंप खराब है, शिकायत {i + 1}"))
        h.check("six complaints in one ward", all(ts) and len(set(ts)) == 6, ts)
        # Their ages: 31, 5 (closed), 4, 3, 2 and 1 days.
        for t, days in zip(ts, (31, 5, 4, 3, 2, 1)):
            h.psql(env.url, f"UPDATE cases SET created_at = now() - interval '{days} days', "
                            f"sla_started_at = now() - interval '{days} days' WHERE tracking_no = '{t}'")
        h.psql(env.url, f"UPDATE cases SET status = 'closed' WHERE tracking_no = '{ts[1]}'")
        p = to_village(port, fake, "919811127311", "Bhatapara ward 3")
        rows = offered(p) or []
        h.check("at most 3, newest first", [r["title"] for r in rows] == [ts[5], ts[4], ts[3]], (rows, ts))
        h.check("each with its age", [r.get("description", "").split(" · ")[2] for r in rows]
                == ["1 दिन पहले", "2 दिन पहले", "3 दिन पहले"], rows)
        h.check("and the 'different' row last: 4 rows in all", len(rows_of(p)) == 4 and rows_of(p)[-1]["id"] == "s:")
        p = to_village(port, fake, filers[5], "भाटापारा वार्ड 3", words="एक और हैंडपंप खराब है")
        rows = offered(p) or []
        h.check("the citizen's own case is not offered, the next ones are",
                [r["title"] for r in rows] == [ts[4], ts[3], ts[2]], (rows, ts))
        joiner = "919811127312"
        p = to_village(port, fake, joiner, "भाटापारा वार्ड 3", words="हैंडपंप से पानी नहीं आ रहा")
        h.check("a joiner joins the newest", join(port, fake, joiner, ts[5]))
        p = to_village(port, fake, joiner, "भाटापारा वार्ड 3", words="हैंडपंप से फिर पानी नहीं आ रहा")
        rows = offered(p) or []
        h.check("a case the citizen follows is not offered again", [r["title"] for r in rows] == [ts[4], ts[3], ts[2]],
                (rows, ts))
        h.psql(env.url, "UPDATE cases SET status = 'closed' WHERE tracking_no IN "
                        f"('{ts[5]}', '{ts[4]}', '{ts[3]}')")
        h.psql(env.url, f"UPDATE cases SET created_at = now() - interval '29 days' WHERE tracking_no = '{ts[2]}'")
        p = to_village(port, fake, "919811127313", "भाटापारा वार्ड 3")
        rows = offered(p) or []
        h.check("closed cases and one 31 days old are not offered, one 29 days old is",
                [r["title"] for r in rows] == [ts[2]] and "29 दिन पहले" in rows[0].get("description", ""), (rows, ts))
        h.check("row lengths within WhatsApp's (title 24, description 72)",
                all(len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows_of(p)), rows_of(p))
        h.psql(env.url, f"UPDATE cases SET status = 'resolved' WHERE tracking_no = '{ts[2]}'")
        late = "919811127313"  # tapped after the case was resolved: the confirmation, to file their own
        got = say(port, fake, late, row=f"s:{ts[2]}")
        h.check("a case resolved between the list and the tap: the confirmation instead, no follower",
                got and "क्या यह शिकायत दर्ज करें" in body_of(got[-1])
                and h.psql(env.url, f"SELECT count(*) FROM case_followers WHERE phone = '{late}'") == "0",
                [body_of(x) for x in got])
        p = to_village(port, fake, "919811127314", "भाटापारा वार्ड 3")
        h.check("a resolved case is not offered: nothing left to offer, the confirmation", offered(p) is None
                and "दर्ज करें" in body_of(p), body_of(p))


class Replies:
    """Watches the outbox (dry-run sending: no fake) for the answers to the messages whose wamids
    start with prefix, one query per poll for everyone; `seen` is when a case was first visible
    to another connection (so committed before it), by the test's clock."""

    def __init__(self, env, prefix):
        self.env, self.prefix = env, prefix
        self.got, self.events, self.lock = {}, {}, threading.Lock()
        self.seen = None
        self.done = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def expect(self, wamid):
        with self.lock:
            return self.events.setdefault(wamid, threading.Event())

    def run(self):
        while not self.done:
            try:
                out = h.psql(self.env.url, "SELECT 'n', count(*)::text, '' FROM cases UNION ALL "
                                           "SELECT 'r', idempotency_key, payload::text FROM outbound_messages "
                                           f"WHERE idempotency_key LIKE '{self.prefix}%'")
            except RuntimeError:
                time.sleep(0.1)
                continue
            now = time.time()
            for line in out.splitlines():
                tag, key, payload = line.split("|", 2)
                if tag == "n":
                    if self.seen is None and int(key) > 0:
                        self.seen = now
                    continue
                wamid, n = key.rsplit(":", 1)
                if not n.isdigit():  # a read receipt's row ("<wamid>:read")
                    continue
                with self.lock:
                    self.got.setdefault(wamid, {})[key] = json.loads(payload)
                    ev = self.events.setdefault(wamid, threading.Event())
                ev.set()
            time.sleep(0.05)

    def answer(self, wamid, timeout=60):
        """The last of the bot's answers to wamid (all written in one transaction), or {}."""
        if not self.expect(wamid).wait(timeout):
            return {}
        with self.lock:
            got = self.got[wamid]
            return got[max(got, key=lambda k: int(k.rsplit(":", 1)[1]))]

    def stop(self):
        self.done = True
        self.thread.join()


CROWD_POOL = int(os.environ.get("E2E_CROWD_POOL", "50"))  # 200: all of them in the same second


def walk_to_skip(port, who, lang, words, pace=0.2):
    """The steps before the village question, paced as one phone sends them."""
    for s in (dict(text="नमस्ते"), dict(reply_id=f"c:{lang}"), dict(reply_id="c:complaint"), dict(reply_id="d:PHE"),
              dict(text=words), dict(reply_id="skip")):
        send(port, who, **s)
        time.sleep(pace)


def test_crowd():
    """200 citizens report one hand pump at once, then 50 more one after another. What the design
    guarantees: matching runs at the village question, so a citizen whose matching runs after a
    case of the place is committed is offered it; citizens who reach the village together before
    any is committed each file. So: every citizen ends as a filer or a follower, never both; every
    one not offered files and every one offered joins; every citizen who answered the village after
    the first case was visible was offered; and the 50 who come later all join (0 new cases)."""
    env = h.Env("dupcrowd")
    try:
        port = env.serve(SAMPARK_RECLAIM_IDLE_MS="1000").port  # dry-run sending: the outbox is watched
        crowd = [f"9198113{k:05d}" for k in range(200)]
        words = {p: f"हैंडपंप खराब है, नागरिक {p}" for p in crowd}
        replies = Replies(env, f"wamid.DUPV{PID}")
        village_at, answer, tapped = {}, {}, {}

        def walk(i):
            who = crowd[i]
            hindi = i % 2 == 0  # half in Hindi and Devanagari, half in English and romanised
            walk_to_skip(port, who, "hi" if hindi else "en", words[who])
            wamid = f"wamid.DUPV{PID}{i:05d}"
            village_at[who] = time.time()
            send(port, who, text="सिमगा वार्ड 4" if hindi else "Simga ward no 4", wamid=wamid)
            p = answer[who] = replies.answer(wamid)
            rows = offered(p)
            if rows:
                tapped[who] = rows[0]["id"][2:]
                send(port, who, row=rows[0]["id"])
            elif p:
                send(port, who, reply_id="yes")

        started = time.time()
        # 50 phones at a time, as e2e_cases' test_many_citizens_at_once: the first 50 reach the
        # village question together, the rest as the first ones finish.
        with concurrent.futures.ThreadPoolExecutor(CROWD_POOL) as ex:
            list(ex.map(walk, range(200)))
        replies.stop()
        h.check("crowd: every citizen got an answer at the village question", all(answer.get(p) for p in crowd),
                [p for p in crowd if not answer.get(p)][:5])

        def settled():
            return h.psql(env.url, "SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM case_followers)") == "200"
        h.check("crowd: 200 = cases + followers", h.wait_for(settled, 120),
                h.psql(env.url, "SELECT (SELECT count(*) FROM cases) || ' + ' || (SELECT count(*) FROM case_followers)"))
        filers = set(h.psql(env.url, "SELECT citizen_phone FROM cases").split())
        followers = dict(line.split("|") for line in h.psql(
            env.url, "SELECT f.phone, k.tracking_no FROM case_followers f JOIN cases k ON k.id = f.case_id").split())
        h.check("crowd: nobody both filed and followed", not (filers & set(followers)), filers & set(followers))
        h.check("crowd: every citizen is one of them", filers | set(followers) == set(crowd),
                len(filers | set(followers)))
        offered_to = {p for p in crowd if offered(answer.get(p, {}))}
        h.check("crowd: those offered a case joined it, the others filed",
                set(followers) == offered_to and filers == set(crowd) - offered_to,
                (len(offered_to), len(followers), len(filers)))
        h.check("crowd: each follower follows the case they tapped", followers == tapped,
                [p for p in followers if followers[p] != tapped.get(p)][:5])
        h.check("crowd: every followed case is open",
                h.psql(env.url, "SELECT count(*) FROM case_followers f JOIN cases k ON k.id = f.case_id "
                                "WHERE k.status NOT IN ('open', 'in_progress', 'reopened') OR k.merged_into IS NOT NULL") == "0")
        h.check("crowd: follower_count equals the followers' rows, case by case",
                h.psql(env.url, "SELECT count(*) FROM cases k WHERE follower_count <> "
                                "(SELECT count(*) FROM case_followers f WHERE f.case_id = k.id)") == "0")
        h.check("crowd: a 'follower_joined' event with each follower's own words",
                h.psql(env.url, "SELECT count(*) FROM case_followers f JOIN case_events e ON e.case_id = f.case_id "
                                "AND e.kind = 'follower_joined' AND e.actor = f.phone "
                                "WHERE e.text = 'हैंडपंप खराब है, नागरिक ' || f.phone") == str(len(followers)))
        seen = replies.seen or float("inf")
        late = {p for p in crowd if village_at[p] > seen}
        h.check("crowd: every citizen who answered the village after the first case was committed was offered it",
                late <= offered_to, sorted(late - offered_to)[:5])
        h.check("crowd: so the cases are at most those who answered before", len(filers) <= len(crowd) - len(late))
        print(f"# race: 200 citizens, {CROWD_POOL} phones at a time, left {len(filers)} case(s) and {len(followers)} followers; "
              f"{len(crowd) - len(late)} answered the village before the first case was committed "
              f"({time.time() - started:.1f} s)", flush=True)

        cases_before = len(filers)
        later = [f"9198114{k:05d}" for k in range(50)]
        with concurrent.futures.ThreadPoolExecutor(50) as ex:
            list(ex.map(lambda p: walk_to_skip(port, p, "hi", f"यहां का हैंडपंप भी नहीं चल रहा, {p}"), later))
        h.check("later: 50 more at the village question", h.wait_for(lambda: h.psql(
            env.url, "SELECT count(DISTINCT recipient) FROM outbound_messages WHERE recipient LIKE '9198114%' "
                     "AND payload::text LIKE '%समस्या कहां है%'") == "50", 60))
        replies = Replies(env, f"wamid.DUPL{PID}")
        joined = 0
        for i, who in enumerate(later):  # one after another: each village answered once the last joined
            wamid = f"wamid.DUPL{PID}V{i:03d}"
            send(port, who, text="Simga ward 4" if i % 2 else "सिमगा वार्ड 4", wamid=wamid)
            rows = offered(replies.answer(wamid, 20)) or []
            if not rows:
                continue
            wamid = f"wamid.DUPL{PID}J{i:03d}"
            send(port, who, row=rows[0]["id"], wamid=wamid)
            joined += "जुड़ गए" in body_of(replies.answer(wamid, 20)) or any(
                "जुड़ गए" in body_of(p) for p in replies.got.get(wamid, {}).values())
        replies.stop()
        h.check("later: each of the 50 was offered a case and joined it", joined == 50, joined)
        h.check("later: 0 new cases", count_cases(env) == cases_before, count_cases(env))
        h.check("later: 250 = cases + followers",
                h.psql(env.url, "SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM case_followers)") == "250")
        h.check("later: follower_count still equals the rows",
                h.psql(env.url, "SELECT count(*) FROM cases k WHERE follower_count <> "
                                "(SELECT count(*) FROM case_followers f WHERE f.case_id = k.id)") == "0")
    finally:
        env.close()


def main():
    return h.run_tests([test_join_in_hindi, test_join_in_english, test_locations, test_limits, test_crowd])


if __name__ == "__main__":
    sys.exit(main())

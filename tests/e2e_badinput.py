#!/usr/bin/env python3
"""e2e_badinput.py — the bad-input catalogue (issue 10, SPEC section 9: "Every bad input gets a
clear error (HTTP status, chat reply, or CLI message); none crashes the process or loses stored
data"), end to end against real Redis and PostgreSQL. Python standard library only.

One scenario per row of the catalogue. Each asserts the clear error (HTTP status, the chat reply
in the user's language read from the outbox, or the one-line CLI message naming the file), that
stored data is intact (a fingerprint of cases, case_events, attachments, inbound_messages,
outbound_messages and citizens, and Redis's count of entries ever queued, before and after), and
that the server is still alive (GET /healthz 200, no serve process died, no sanitizer report in
the logs).

Rows already covered elsewhere are extended here, not repeated: what the other suite checks is
named in each scenario's docstring, and the scenario adds what it lacks (stored data, liveness,
the harder variant).

  input                                       expected                              scenario
  missing / forged signature, other body      401, nothing queued                   test_forged_signatures
  replayed notification (also after the       200, processed once                   test_replayed_notification
    Redis dedupe key is gone)
  truncated JSON                              400                                   test_truncated_json
  100k-deep nesting                           400, no stack overflow                test_deep_nesting
  1 MiB + 1 byte / exactly 1 MiB              413 / 200                             test_body_size
  slow-loris bodies and headers               cut off at the deadline, others       test_slow_loris
                                                served meanwhile
  invalid UTF-8 (text, name, lone surrogate)  400                                   test_invalid_utf8
  10,000 / 1001 characters as description     the retry, in the citizen's language  test_overlong_text
  emoji + Devanagari + Latin                  stored and forwarded verbatim         test_emoji_and_mixed_scripts,
                                                                                      ..._through_the_scheduler
  the longest valid answers in Devanagari     filed / carried out, verbatim         test_long_devanagari_at_the_limits
  numbers where text is expected              the retry                             test_numbers_where_text_is_expected
  text / forged ids where a choice is         "did not understand", the menu again  test_text_where_a_menu_choice_...
    expected
  SQL / shell / printf metacharacters in      stored verbatim, never executed       test_metachars_* (4)
    every free-text field
  another department's case (officer)         refused naming it, case unchanged     test_officer_of_another_department
  another citizen's tracking number           "not found among yours", no leak      test_citizen_with_another_...
  broken flow sets (cycle, missing target,    flows check: exit 1, file-named       test_flows_check_broken_sets
    500 options, 5 MB, invalid JSON)            errors; SIGHUP keeps the running    test_sighup_keeps_the_running_set
                                                set

The conversation scenarios share one database and one receiver + one worker (no sender: what
the bot says is read from the outbox, exactly as it would go to Graph); the flow scenarios
need no server but the SIGHUP one, which runs its own.
"""
import concurrent.futures
import copy
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_webhook as h  # noqa: E402

PHE_OFFICER, CSPDCL_OFFICER = "919800000001", "919800000002"
PHONE_ID = "106540352242922"
TRACKING = re.compile(r"[A-Z]{2,8}-\d{4}-\d{6}")
# Shell and SQL metacharacters, printf conversions and escape-looking text. The two `touch`
# commands leave a file behind if anything ever hands the text to a shell.
PWNED = os.path.join(tempfile.gettempdir(), f"sampark-badinput-pwned-{os.getpid()}")
NASTY = ("'); DROP TABLE cases;-- \"; DELETE FROM case_events; -- $(touch " + PWNED + ") `touch "
         + PWNED + "` `id` %s%n%x%p \\x00 \\0 \\u0000 \\n {tracking_no} {{description}} || ; & | > <")
counter = [0]


# ---- shared server -------------------------------------------------------------------------

class Desk:
    """One database, a receiver and a worker, shared by the conversation scenarios."""

    def __init__(self, tag="bad"):
        self.env = h.Env(tag)
        self.recv = self.env.serve(role="receiver")
        self.worker = self.env.serve(role="worker", SAMPARK_RECLAIM_IDLE_MS="1000")
        self.port = self.recv.port

    def close(self):
        self.env.close()


_desk = []


def desk():
    if not _desk:
        _desk.append(Desk())
    return _desk[0]


# ---- messages in ---------------------------------------------------------------------------

def next_wamid():
    counter[0] += 1
    return f"wamid.BAD{os.getpid()}x{counter[0]:06d}"


def notification(sender, msg, name="Citizen"):
    return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [
        {"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "917000000000", "phone_number_id": PHONE_ID},
            "contacts": [{"profile": {"name": name}, "wa_id": sender}],
            "messages": [msg]}}]}]}


def message(sender, text=None, reply_id=None, wamid=None, body=None):
    """A message dict: text, or a tapped button/row (reply_id), or an explicit text body
    value of any JSON type (body)."""
    msg = {"from": sender, "id": wamid or next_wamid(), "timestamp": str(int(time.time()))}
    if reply_id is not None:
        kind = "list_reply" if reply_id.startswith(("d:", "t:")) else "button_reply"
        msg.update(type="interactive", interactive={"type": kind, kind: {"id": reply_id, "title": reply_id}})
    elif body is not None:
        msg.update(type="text", text={"body": body})
    else:
        msg.update(type="text", text={"body": text})
    return msg


def encode(obj):
    return json.dumps(obj, ensure_ascii=False).encode()


def recorded(env, wamid):
    return h.psql(env.url, f"SELECT count(*) FROM inbound_messages WHERE wamid = '{wamid}'") == "1"


def dead_letters(env):
    return int(env.redis.cli("XLEN", "sampark:dead") or 0)


def send(d, sender, name="Citizen", wait=True, **kw):
    """Posts one signed message and waits until the worker recorded it (the record, the
    replies and any case commit in one transaction). Returns (status, wamid)."""
    msg = message(sender, **kw)
    dead = dead_letters(d.env) if wait else 0
    st, _ = h.post(d.port, encode(notification(sender, msg, name)))
    if wait and st == 200:  # recorded, or given up on (dead-lettered: a bug the checks will name)
        h.wait_for(lambda: recorded(d.env, msg["id"]) or dead_letters(d.env) > dead, 20)
    return st, msg["id"]


# ---- what went out, what is stored ---------------------------------------------------------

def last_out(env):
    return int(h.psql(env.url, "SELECT COALESCE(max(id), 0) FROM outbound_messages"))


def texts_to(env, phone, after=0):
    """What the bot said to phone after outbox row `after`, as text (menus with their rows)."""
    rows = json.loads(h.psql(env.url, "SELECT COALESCE(json_agg(payload ORDER BY id), '[]') FROM outbound_messages "
                                      f"WHERE recipient = '{phone}' AND kind <> 'read' AND id > {after}"))
    out = []
    for p in rows:
        if p.get("type") == "text":
            out.append(p["text"]["body"])
        elif p.get("type") == "interactive":
            i = p["interactive"]
            opts = [b["reply"]["title"] for b in i.get("action", {}).get("buttons", [])]
            opts += [r["title"] for s in i.get("action", {}).get("sections", []) for r in s["rows"]]
            out.append(i["body"]["text"] + "\n[" + " | ".join(opts) + "]")
        else:
            out.append(json.dumps(p, ensure_ascii=False))
    return out


def said(env, phone, fragment, after=0):
    return any(fragment in t for t in texts_to(env, phone, after))


FP_SQL = {
    "cases": "SELECT count(*) || ':' || COALESCE(md5(string_agg(t::text, '|' ORDER BY t.id)), '') FROM cases t",
    "case_events": "SELECT count(*) || ':' || COALESCE(md5(string_agg(t::text, '|' ORDER BY t.id)), '') FROM case_events t",
    "attachments": "SELECT count(*) || ':' || COALESCE(md5(string_agg(t::text, '|' ORDER BY t.id)), '') FROM attachments t",
    "inbound_messages": "SELECT count(*) || ':' || COALESCE(md5(string_agg(t::text, '|' ORDER BY t.wamid)), '') "
                        "FROM inbound_messages t WHERE {phone_in}",
    "outbound_messages": "SELECT count(*) || ':' || COALESCE(md5(string_agg(t.id || t.recipient || t.payload::text, '|' "
                         "ORDER BY t.id)), '') FROM outbound_messages t WHERE {phone_out}",
    "citizens": "SELECT count(*) || ':' || COALESCE(md5(string_agg(t.phone || COALESCE(t.name, '') || COALESCE(t.language, ''), "
                "'|' ORDER BY t.phone)), '') FROM citizens t WHERE {phone_c}",
}


def fingerprint(env, exclude=()):
    """A digest of every stored row, leaving out what belongs to the phones in exclude (the
    sender of a bad input may legitimately get a reply and have its message recorded)."""
    ex = ",".join(f"'{p}'" for p in exclude) or "''"
    fill = dict(phone_in=f"t.from_phone NOT IN ({ex})", phone_out=f"t.recipient NOT IN ({ex})",
                phone_c=f"t.phone NOT IN ({ex})")
    return {k: h.psql(env.url, q.format(**fill)) for k, q in FP_SQL.items()}


enqueued = h.enqueued


def tables_exist(env):
    return h.psql(env.url, "SELECT count(*) FROM (VALUES ('cases'), ('case_events'), ('citizens'), ('inbound_messages'), "
                           "('outbound_messages'), ('wa_contacts')) v(t) WHERE to_regclass(v.t) IS NOT NULL") == "6"


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def intact(env, before, what, exclude=()):
    after = fingerprint(env, exclude)
    changed = [k for k in before if before[k] != after[k]]
    h.check(f"{what}: stored data intact", not changed, f"changed: {changed}")


def alive(d, what):
    """GET /healthz 200, every serve process still running, no sanitizer report in its log."""
    st = h.http_get(d.port, "/healthz")[0] if hasattr(d, "port") else 200
    procs = d.env.procs if hasattr(d, "env") else d.procs
    dead = [p.args[-1] + f" (exit {p.poll()})" for p in procs if p.poll() is not None]
    reports = []
    for p in procs:
        try:
            log = open(p.logpath, errors="replace").read()
        except OSError:
            continue
        for marker in ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer"):
            if marker in log:
                reports.append(f"{os.path.basename(p.logpath)}: {log[log.index(marker):][:300]!r}")
    h.check(f"{what}: server alive (healthz 200, no process died, no sanitizer report)",
            st == 200 and not dead and not reports, f"healthz {st} dead {dead} {reports}")


def file_complaint(d, phone, desc, village, lang="en", name="Citizen", dept="PHE"):
    """Walks a citizen through the complaint flow; the tracking number, or None."""
    for s in (dict(text="hello"), dict(reply_id=f"c:{lang}"), dict(reply_id="c:complaint"),
              dict(reply_id=f"d:{dept}"), dict(text=desc), dict(reply_id="skip"), dict(text=village),
              dict(reply_id="yes")):
        said = texts_to(d.env, phone)
        if s.get("reply_id") == "yes" and said and "👥" in said[-1]:
            send(d, phone, name=name, reply_id="s:")  # open cases there offered: this one is new
        st, _ = send(d, phone, name=name, **s)
        if st != 200:
            return None
    m = TRACKING.findall(" ".join(texts_to(d.env, phone)))
    return m[-1] if m else None


def case_row(env, tracking, cols="status, reopen_count, department_code"):
    return h.psql(env.url, f"SELECT {cols} FROM cases WHERE tracking_no = '{tracking}'")


# ---- HTTP ------------------------------------------------------------------------------------

def test_forged_signatures():
    """Missing / forged signature, signature over a different body. e2e_webhook
    test_http_contract checks the 401s on an empty database; here the forged bodies are an
    officer's `resolve` and a citizen's answer that would change a stored case."""
    d = desk()
    t = file_complaint(d, "919812000001", "The hand pump in ward 3 has been broken for a week", "Simga ward 3")
    h.check("sig: a case to protect", bool(t), t)
    before, q = fingerprint(d.env), enqueued(d.env)
    resolve = encode(notification(PHE_OFFICER, message(PHE_OFFICER, text=f"resolve {t} forged note"), "Officer"))
    answer = encode(notification("919812000001", message("919812000001", text="stop")))
    other = encode(notification("919812000001", message("919812000001", text="menu")))
    codes = {
        "no header": h.post(d.port, resolve, signature=None)[0],
        "empty header": h.post(d.port, resolve, signature="")[0],
        "sha256= with nothing": h.post(d.port, resolve, signature="sha256=")[0],
        "zeros": h.post(d.port, resolve, signature="sha256=" + "0" * 64)[0],
        "not hex": h.post(d.port, resolve, signature="sha256=" + "zz" * 32)[0],
        "another secret": h.post(d.port, resolve, signature=h.sign(resolve, "not-the-secret"))[0],
        "over another body": h.post(d.port, resolve, signature=h.sign(other))[0],
        "over the body plus a byte": h.post(d.port, answer, signature=h.sign(answer + b" "))[0],
        "over a prefix": h.post(d.port, answer, signature=h.sign(answer[:-1]))[0],
        "truncated hex": h.post(d.port, resolve, signature=h.sign(resolve)[:-2])[0],
        "hex with a suffix": h.post(d.port, resolve, signature=h.sign(resolve) + "00")[0],
        "sha1": h.post(d.port, resolve, signature="sha1=" + hashlib.sha1(resolve).hexdigest())[0],
    }
    h.check("sig: every missing or forged signature is 401", all(c == 401 for c in codes.values()), codes)
    time.sleep(0.5)
    h.check("sig: nothing was queued", enqueued(d.env) == q, f"{q} -> {enqueued(d.env)}")
    intact(d.env, before, "sig")
    h.check("sig: the case is still open", case_row(d.env, t, "status") == "open")
    alive(d, "sig")


def test_replayed_notification():
    """An identical, validly signed notification delivered again (Meta retries for 7 days).
    e2e_webhook test_duplicates_and_order checks a plain message is recorded once and
    e2e_cases a confirmation creates one case; here an officer's reply is replayed, also
    concurrently and after the Redis dedupe key is gone: one event, one message to the citizen."""
    d = desk()
    citizen = "919812000002"
    t = file_complaint(d, citizen, "Street light pole is hanging loose near the school", "Kasdol")
    h.check("replay: a case to answer", bool(t), t)
    body = encode(notification(PHE_OFFICER, message(PHE_OFFICER, text=f"reply {t} Lineman will visit today"), "Officer"))
    wamid = json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    mark = last_out(d.env)
    codes = [h.post(d.port, body)[0] for _ in range(3)]
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        codes += list(ex.map(lambda _: h.post(d.port, body)[0], range(16)))
    h.check("replay: every redelivery is answered 200 (Meta must stop retrying)", all(c == 200 for c in codes), codes)
    h.wait_for(lambda: recorded(d.env, wamid), 20)
    send(d, PHE_OFFICER, name="Officer", text="help")  # same sender, so handled after every copy
    before = fingerprint(d.env, exclude=(PHE_OFFICER,))
    d.env.redis.cli("DEL", f"sampark:seen:{wamid}")  # past the Redis window: PostgreSQL still knows it
    h.check("replay: after the dedupe key is gone the redelivery is still 200", h.post(d.port, body)[0] == 200)
    send(d, PHE_OFFICER, name="Officer", text="help")
    events = h.psql(d.env.url, f"SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id "
                               f"WHERE c.tracking_no = '{t}' AND e.kind = 'reply'")
    got = [x for x in texts_to(d.env, citizen, mark) if "Lineman will visit today" in x]
    h.check("replay: processed once (one reply event, one message to the citizen)",
            events == "1" and len(got) == 1, f"events {events}, messages {len(got)}")
    intact(d.env, before, "replay (after the dedupe key expired)", exclude=(PHE_OFFICER,))
    alive(d, "replay")


def test_truncated_json():
    """Truncated JSON. e2e_webhook checks a lone "{"; here a real notification cut at several
    places, each validly signed."""
    d = desk()
    full = h.payload("text.json").rstrip()  # a cut of the trailing newline alone is still JSON
    before, q = fingerprint(d.env), enqueued(d.env)
    cuts = sorted({1, 2, len(full) // 4, len(full) // 2, len(full) * 3 // 4, len(full) - 2, len(full) - 1})
    codes = {n: h.post(d.port, full[:n])[0] for n in cuts}
    h.check("truncated: every cut of a notification is 400", all(c == 400 for c in codes.values()), codes)
    st, text = h.post(d.port, full[:len(full) // 2])
    h.check("truncated: the 400 says what is wrong", st == 400 and len(text.strip()) > 0, text)
    time.sleep(0.3)
    h.check("truncated: nothing was queued", enqueued(d.env) == q)
    intact(d.env, before, "truncated")
    alive(d, "truncated")


def test_deep_nesting():
    """Deeply nested JSON: 100,000 '[' (and '{"a":'), bare and inside a real envelope. The
    parser's depth limit must refuse it without recursing 100k deep. e2e_webhook checks 200
    deep, test_wa_in 100 deep."""
    d = desk()
    before, q = fingerprint(d.env), enqueued(d.env)
    n = 100_000
    head = b'{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"deep":'
    bodies = {
        "100k [ alone": b"[" * n,
        "100k [ ] balanced": b"[" * n + b"]" * n,
        "100k [ in an envelope": head + b"[" * n + b"]" * n + b"}}]}]}",
        "100k {\"a\": in an envelope": head + b'{"a":' * n + b"1" + b"}" * n + b"}}]}]}",
    }
    codes = {k: h.post(d.port, b)[0] for k, b in bodies.items()}
    h.check("deep: every deeply nested body is 400", all(c == 400 for c in codes.values()), codes)
    time.sleep(0.3)
    h.check("deep: nothing was queued", enqueued(d.env) == q)
    intact(d.env, before, "deep")
    alive(d, "deep")


def padded(sender, wamid, size):
    """A valid notification padded with JSON whitespace to exactly size bytes."""
    body = encode(notification(sender, message(sender, text="hello", wamid=wamid)))
    return body[:-1] + b" " * (size - len(body)) + body[-1:]


def raw_post(port, body):
    """A signed POST on a bare socket: the server may answer and close before reading the
    whole body, which http.client reports as a broken pipe. (status, whole response)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
              b"X-Hub-Signature-256: %s\r\nConnection: close\r\n\r\n" % (len(body), h.sign(body).encode()))
    try:
        s.sendall(body)
    except OSError:
        pass
    resp = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            resp += chunk
            if b"\r\n\r\n" in resp and len(resp.split(b"\r\n\r\n", 1)[1]) >= 10:
                break
    except OSError:
        pass
    s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp)
    return (int(m.group(1)) if m else 0), resp.decode("utf-8", "replace")


def test_body_size():
    """A body just over 1 MiB is 413; exactly 1 MiB is not. e2e_webhook checks a declared
    length of 2 MB and 1 MiB + 1 bytes of 'x'; here both sides of the limit with a valid,
    validly signed notification."""
    d = desk()
    limit = 1024 * 1024
    over_id, at_id = next_wamid(), next_wamid()
    before, q = fingerprint(d.env), enqueued(d.env)
    st, text = raw_post(d.port, padded("919812000003", over_id, limit + 1))
    h.check("size: a valid notification of 1 MiB + 1 byte is 413", st == 413, text[:80])
    h.check("size: the 413 says why", "1 MiB" in text, text[-80:])
    time.sleep(0.5)
    h.check("size: nothing of it was queued or recorded", enqueued(d.env) == q and not recorded(d.env, over_id))
    intact(d.env, before, "size")
    st, text = raw_post(d.port, padded("919812000003", at_id, limit))
    h.check("size: exactly 1 MiB is accepted and recorded",
            st == 200 and h.wait_for(lambda: recorded(d.env, at_id), 20), text[:80])
    alive(d, "size")


def test_slow_loris():
    """Slow-loris clients: headers then a body dribbled a byte a second, and headers
    dribbled. The server must cut them off at its request deadline and serve everyone else
    meanwhile. e2e_webhook checks one slow body is cut off; here 20 slow bodies and 10 slow
    headers at once while normal clients keep posting."""
    d = desk()
    before, q = fingerprint(d.env), enqueued(d.env)
    slow = []
    for i in range(30):
        s = socket.create_connection(("127.0.0.1", d.port), timeout=30)
        if i < 20:
            s.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n"
                      b"X-Hub-Signature-256: " + h.sign(b"x" * 4000).encode() + b"\r\n\r\n")
        else:
            s.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    t0 = time.time()
    closed_at = {}
    lat, codes = [], []
    sender = "919812000004"
    while time.time() - t0 < 25 and len(closed_at) < len(slow):
        for i, s in enumerate(slow):
            if i in closed_at:
                continue
            try:
                s.sendall(b"x" if i < 20 else b"X-Slow: 1\r\n")
            except OSError:
                closed_at[i] = time.time() - t0
        if len(lat) < 20:  # a normal client meanwhile, one request per round
            a = time.time()
            codes.append(h.post(d.port, encode(notification(sender, message(sender, text="hello"))))[0])
            codes.append(h.http_get(d.port, "/healthz")[0])
            lat.append(time.time() - a)
        time.sleep(0.5)
    for i, s in enumerate(slow):
        if i not in closed_at:
            try:
                s.settimeout(0.5)
                if s.recv(100) == b"":
                    closed_at[i] = time.time() - t0
            except OSError:
                pass
        s.close()
    h.check("slow-loris: every slow client is cut off within 20 s",
            len(closed_at) == len(slow) and max(closed_at.values()) < 20,
            f"{len(closed_at)} of {len(slow)} closed, last at {max(closed_at.values(), default=0):.1f}s")
    h.check("slow-loris: everyone else was served meanwhile (200s, each round under 2 s)",
            codes and all(c == 200 for c in codes) and max(lat) < 2.0, f"codes {set(codes)} max {max(lat, default=0):.2f}s")
    h.wait_for(lambda: h.psql(d.env.url, f"SELECT count(*) FROM inbound_messages WHERE from_phone = '{sender}'")
               == str(len(lat)), 20)
    h.check("slow-loris: only the normal clients' messages were queued", enqueued(d.env) == q + len(lat),
            f"{enqueued(d.env) - q} queued, {len(lat)} sent")
    intact(d.env, before, "slow-loris", exclude=(sender,))
    alive(d, "slow-loris")


# ---- chat text -------------------------------------------------------------------------------

def test_invalid_utf8():
    """Invalid UTF-8 in a text message (and in the profile name, and as a lone surrogate
    escape). test_wa_in checks the parser refuses it; here the HTTP answer and that nothing
    is queued."""
    d = desk()
    sender = "919812000005"
    before, q = fingerprint(d.env), enqueued(d.env)
    good = encode(notification(sender, message(sender, text="MARKER-TEXT"), name="MARKER-NAME"))
    bodies = {
        "bad byte in the text": good.replace(b"MARKER-TEXT", b"pump \xc3\x28 broken"),
        "stray continuation": good.replace(b"MARKER-TEXT", b"abc\x80def"),
        "overlong encoding": good.replace(b"MARKER-TEXT", b"\xc0\xaf etc"),
        "truncated sequence": good.replace(b"MARKER-TEXT", b"\xe0\xa4"),
        "0xFF": good.replace(b"MARKER-TEXT", b"\xff\xfe"),
        "bad byte in the profile name": good.replace(b"MARKER-NAME", b"Ram\xe9sh"),
        "lone surrogate escape": good.replace(b"MARKER-TEXT", b"\\ud800 x"),
    }
    codes = {k: h.post(d.port, b)[0] for k, b in bodies.items()}
    h.check("utf8: invalid UTF-8 anywhere is 400", all(c == 400 for c in codes.values()), codes)
    time.sleep(0.3)
    h.check("utf8: nothing was queued", enqueued(d.env) == q)
    intact(d.env, before, "utf8")
    alive(d, "utf8")


def flow_text(state=None, field="text", reply=None):
    """A text of the shipped flows by language: what the citizen must be told."""
    g = shipped()
    return g["replies"][reply] if reply else g["states"][state][field]


def to_description(d, phone, lang=None):
    """Back to the complaint's description question (from the menu, so retries start at 0)."""
    steps = [dict(text="hello"), dict(reply_id=f"c:{lang}")] if lang else [dict(text="menu")]
    for s in steps + [dict(reply_id="c:complaint"), dict(reply_id="d:PHE")]:
        send(d, phone, **s)


def test_overlong_text():
    """A 10,000-character text as the complaint description (the flow takes 10-1000): the
    retry in the citizen's language, no case, and the conversation goes on. test_engine checks
    answers too short, in the pure engine."""
    d = desk()
    retry = flow_text("complaint_description", "retry")
    skip = flow_text("complaint_attachment", "skip")["title"]
    for phone, lang in (("919812000006", "en"), ("919812000007", "hi")):
        to_description(d, phone, lang)
        before = fingerprint(d.env, exclude=(phone,))
        for n in (10_000, 1001):
            mark = last_out(d.env)
            st, _ = send(d, phone, text=("पानी नहीं आ रहा water " * 1000)[:n])
            h.check(f"long/{lang}: {n} characters gets the retry in the citizen's language",
                    st == 200 and said(d.env, phone, retry[lang], mark), texts_to(d.env, phone, mark)[:1])
        intact(d.env, before, f"long/{lang}", exclude=(phone,))
        h.check(f"long/{lang}: no case was filed",
                h.psql(d.env.url, f"SELECT count(*) FROM cases WHERE citizen_phone = '{phone}'") == "0")
        mark = last_out(d.env)
        send(d, phone, text=("The pump is broken " * 100)[:1000])
        h.check(f"long/{lang}: 1000 characters is accepted (the next question comes)",
                said(d.env, phone, skip[lang], mark), texts_to(d.env, phone, mark)[:1])
    alive(d, "long")


MIXED = "हैंडपंप 🚰 broken since सोमवार 😡 — पानी नहीं 💧 आ रहा, family 👨‍👩‍👧 waiting 🙏🏽 ok"


def test_emoji_and_mixed_scripts():
    """Emoji and mixed scripts (Devanagari + Latin + emoji, a ZWJ family, a skin tone) as the
    description and the village: stored verbatim, shown verbatim to the officer."""
    d = desk()
    phone = "919812000008"
    village = "कसडोल ward 5 🏠 गली नं. 3"
    mark = last_out(d.env)
    t = file_complaint(d, phone, MIXED, village, lang="hi")
    h.check("emoji: the complaint is filed", bool(t), texts_to(d.env, phone)[-1:])
    h.check("emoji: the description is stored verbatim",
            case_row(d.env, t, "md5(description)") == md5(MIXED), case_row(d.env, t, "description"))
    h.check("emoji: the village is stored verbatim",
            case_row(d.env, t, "md5(location_text)") == md5(village), case_row(d.env, t, "location_text"))
    h.check("emoji: the officer gets it verbatim", said(d.env, PHE_OFFICER, MIXED, mark))
    alive(d, "emoji")


def event_text(env, tracking, kind):
    return h.psql(env.url, f"SELECT md5(e.text) FROM case_events e JOIN cases c ON c.id = e.case_id "
                           f"WHERE c.tracking_no = '{tracking}' AND e.kind = '{kind}' ORDER BY e.id DESC LIMIT 1")


def test_emoji_description_through_the_scheduler():
    """An emoji-heavy description (270 emoji: 270 letters, well inside 10-1000) is filed, and
    then the SLA ladder must still escalate it and every other case: `scheduler run-once`
    exits 0 and the nodal officer hears of both. (Own database: the pass touches every case.)"""
    d = Desk("badsched")
    try:
        emoji = "🚰" * 270
        t = file_complaint(d, "919812100001", emoji, "Kasdol", lang="hi")
        other = file_complaint(d, "919812100002", "The hand pump near the school is broken", "Kasdol", lang="hi")
        h.check("sched: a 270-emoji complaint is filed and stored verbatim",
                bool(t) and case_row(d.env, t, "md5(description)") == md5(emoji), t)
        r = subprocess.run([h.BIN, "scheduler", "run-once", "--at", "2030-01-01T10:00:00Z"], env=d.env.env(),
                           capture_output=True, text=True, timeout=60)
        h.check("sched: the scheduler pass succeeds", r.returncode == 0, f"exit {r.returncode}: {r.stderr.strip()[-200:]}")
        levels = h.psql(d.env.url, "SELECT string_agg(tracking_no || '=' || escalation_level, ' ' ORDER BY id) FROM cases")
        h.check("sched: both cases are escalated (one emoji complaint blocks nobody's escalation)",
                bool(t and other) and levels == f"{t}=2 {other}=2", levels)
        alive(d, "sched")
    finally:
        d.close()


# Devanagari letters are 3 bytes each; a prefix of 0, 1 or 2 ASCII letters puts every byte
# position on each side of a letter's edge, so a text cut in bytes anywhere is caught.
DEVANAGARI = "हमारेगांवकाहैंडपंपदोहफ्तेसेखराबहैपानीनहींआरहाबच्चेनदीकापानीपीरहेहैं"
ALIGN = ("", "a", "ab")


def devanagari(letters, prefix=""):
    return prefix + (DEVANAGARI * (letters // len(DEVANAGARI) + 1))[:letters - len(prefix)]


def test_long_devanagari_at_the_limits():
    """The longest answers allowed, in Devanagari (3 bytes a letter): a 1000-letter
    description and a 200-letter village (the flow counts letters, not bytes), a 400-letter
    resolve note, a 600-letter "not satisfied" reason, a 600-letter answer to a documents
    request and a 2000-letter officer reply (WhatsApp allows 4096 letters a message), each at
    three byte alignments. Each is valid: it must be filed or carried out, stored verbatim and
    reach the other side; nothing may go to the dead-letter stream."""
    d = desk()
    dead = dead_letters(d.env)
    seq = iter(range(100))
    short = "हैंडपंप दो हफ्ते से खराब है"

    def phone():
        return f"9198122{next(seq):05d}"

    def outcome(before, result):
        """True, or what went wrong; a message dead-lettered meanwhile is named with its reason."""
        if result is True or dead_letters(d.env) == before:
            return result
        out = d.env.redis.cli("XREVRANGE", "sampark:dead", "+", "-", "COUNT", "1").split("\n")
        return "dead-lettered: " + (out[out.index("why") + 1] if "why" in out else "?")

    def verdict(what, results):
        bad = {f"prefix {a!r}": r for a, r in results.items() if r is not True}
        h.check(f"limits: {what}", not bad, bad)

    res = {}
    for a in ALIGN:
        n, p, text, mark = dead_letters(d.env), phone(), devanagari(1000, a), last_out(d.env)
        t = file_complaint(d, p, text, "Kasdol", lang="hi")
        res[a] = outcome(n, "not filed" if not t else "not verbatim" if case_row(d.env, t, "md5(description)") != md5(text)
                         else "officer not told" if not any(text[:300] in x for x in texts_to(d.env, PHE_OFFICER, mark))
                         else True)
    verdict("a 1000-letter description is filed, stored verbatim, and the officer gets it", res)

    res = {}
    for a in ALIGN:
        n, p, text = dead_letters(d.env), phone(), devanagari(200, a)
        t = file_complaint(d, p, short, text, lang="hi")
        res[a] = outcome(n, "not filed" if not t else f"stored {case_row(d.env, t, 'length(location_text)')} of 200 letters"
                         if case_row(d.env, t, "md5(location_text)") != md5(text) else True)
    verdict("a 200-letter village is filed and stored verbatim", res)

    res = {}
    for a in ALIGN:
        p, text = phone(), devanagari(400, a)
        t = file_complaint(d, p, short, "कसडोल", lang="hi")
        n, mark = dead_letters(d.env), last_out(d.env)
        send(d, PHE_OFFICER, name="Officer", text=f"resolve {t} {text}")
        res[a] = outcome(n, "not filed" if not t else "not resolved" if case_row(d.env, t, "status") != "resolved"
                         else "not verbatim" if event_text(d.env, t, "resolved") != md5(text)
                         else "citizen not asked" if not said(d.env, p, "संतुष्ट", mark) else True)
    verdict("a 400-letter resolve note resolves, stored verbatim, and the citizen is asked", res)

    res = {}
    for a in ALIGN:
        p, text = phone(), devanagari(600, a)
        t = file_complaint(d, p, short, "कसडोल", lang="hi")
        send(d, PHE_OFFICER, name="Officer", text=f"resolve {t} ठीक किया")
        send(d, p, reply_id=f"sat:no:{t}")
        n, mark = dead_letters(d.env), last_out(d.env)
        send(d, p, text=text)
        res[a] = outcome(n, "not filed" if not t else "not reopened" if case_row(d.env, t, "status") != "reopened"
                         else "not verbatim" if event_text(d.env, t, "reopened") != md5(text)
                         else "officer not told" if not any(text[:200] in x for x in texts_to(d.env, PHE_OFFICER, mark))
                         else True)
    verdict("a 600-letter 'not satisfied' reason reopens, stored verbatim, and the officer hears it", res)

    res = {}
    p = phone()
    t = file_complaint(d, p, short, "कसडोल", lang="hi")
    for a in ALIGN:
        text = devanagari(600, a)
        send(d, PHE_OFFICER, name="Officer", text=f"docs {t} आधार कार्ड की फोटो भेजें")
        n, mark = dead_letters(d.env), last_out(d.env)
        send(d, p, text=text)
        res[a] = outcome(n, "not filed" if not t else "not verbatim" if event_text(d.env, t, "docs_received") != md5(text)
                         else "officer not told" if not any(text[:200] in x for x in texts_to(d.env, PHE_OFFICER, mark))
                         else True)
    verdict("a 600-letter answer to a documents request is stored verbatim and forwarded to the officer", res)

    res = {}
    for a in ALIGN:
        n, text, mark = dead_letters(d.env), devanagari(2000, a), last_out(d.env)
        send(d, PHE_OFFICER, name="Officer", text=f"reply {t} {text}")
        stored = h.psql(d.env.url, f"SELECT length(e.text) FROM case_events e JOIN cases c ON c.id = e.case_id "
                                   f"WHERE c.tracking_no = '{t}' AND e.kind = 'reply' ORDER BY e.id DESC LIMIT 1")
        res[a] = outcome(n, "not filed" if not t else f"stored {stored or 0} of 2000 letters"
                         if event_text(d.env, t, "reply") != md5(text)
                         else "citizen not told" if not any(text[:300] in x for x in texts_to(d.env, p, mark)) else True)
    verdict("a 2000-letter officer reply is stored verbatim and reaches the citizen", res)

    h.check("limits: nothing went to the dead-letter stream", dead_letters(d.env) == dead,
            f"{dead_letters(d.env) - dead} entries")
    alive(d, "limits")


def test_numbers_where_text_is_expected():
    """Numbers where text is expected: digits as the description and the village, and a JSON
    number (or array) instead of a string as the text body. The retry each time, in the
    citizen's language; nothing stored."""
    d = desk()
    phone = "919812000010"
    retry = flow_text("complaint_description", "retry")["en"]
    before = fingerprint(d.env, exclude=(phone,))
    for k, (what, kw) in enumerate((("digits '12345'", dict(text="12345")), ("a JSON number as the body", dict(body=12345)),
                                    ("a JSON array as the body", dict(body=[1, 2])))):
        to_description(d, phone, "en" if k == 0 else None)
        mark = last_out(d.env)
        st, _ = send(d, phone, **kw)
        h.check(f"numbers: {what} as the description gets the retry in English",
                st == 200 and said(d.env, phone, retry, mark), texts_to(d.env, phone, mark))
    to_description(d, phone)
    send(d, phone, text="Pump has no handle since last Monday")
    send(d, phone, reply_id="skip")
    mark = last_out(d.env)
    send(d, phone, text="7")
    h.check("numbers: a one-digit village gets the retry in English",
            said(d.env, phone, flow_text("complaint_village", "retry")["en"], mark), texts_to(d.env, phone, mark))
    h.check("numbers: no case was filed", h.psql(d.env.url, f"SELECT count(*) FROM cases WHERE citizen_phone = '{phone}'") == "0")
    intact(d.env, before, "numbers", exclude=(phone,))
    alive(d, "numbers")


def test_text_where_a_menu_choice_is_expected():
    """Text (and forged ids, and numbers out of range) where a menu choice is expected: the
    language menu, the main menu, the department list, the confirmation."""
    d = desk()
    phone = "919812000011"
    before = fingerprint(d.env, exclude=(phone,))
    sorry = flow_text(reply="not_understood")
    send(d, phone, text="hello")
    mark = last_out(d.env)
    send(d, phone, text="banana")
    h.check("menu: free text at the language choice gets 'not understood' (in Hindi, the default) and the choice again",
            said(d.env, phone, sorry["hi"], mark) and said(d.env, phone, "English", mark), texts_to(d.env, phone, mark))
    send(d, phone, reply_id="c:en")
    for what, kw in (("free text", dict(text="i want my money back")), ("a number out of range", dict(text="99")),
                     ("a forged row id", dict(reply_id="c:'; DROP TABLE cases;--"))):
        mark = last_out(d.env)
        send(d, phone, **kw)
        h.check(f"menu: {what} at the main menu gets 'did not understand' in English",
                said(d.env, phone, sorry["en"], mark), texts_to(d.env, phone, mark))
        send(d, phone, text="menu")  # resets the retry count
    send(d, phone, reply_id="c:complaint")
    for what, kw in (("free text", dict(text="the thing with the water")), ("a department that does not exist",
                                                                            dict(reply_id="d:NOPE"))):
        mark = last_out(d.env)
        send(d, phone, **kw)
        h.check(f"menu: {what} at the department list gets 'did not understand'",
                said(d.env, phone, sorry["en"], mark), texts_to(d.env, phone, mark))
    send(d, phone, reply_id="d:PHE")
    send(d, phone, text="The pump at the school is broken again")
    send(d, phone, reply_id="skip")
    send(d, phone, text="Bhatapara")
    mark = last_out(d.env)
    send(d, phone, text="perhaps later")
    h.check("menu: free text at the confirmation gets 'did not understand' and the question again",
            said(d.env, phone, sorry["en"], mark) and said(d.env, phone, "Shall we submit it?", mark),
            texts_to(d.env, phone, mark))
    h.check("menu: no case was filed", h.psql(d.env.url, f"SELECT count(*) FROM cases WHERE citizen_phone = '{phone}'") == "0")
    intact(d.env, before, "menu", exclude=(phone,))
    alive(d, "menu")


# ---- SQL and shell metacharacters in every free-text field --------------------------------

def never_executed(d, what):
    h.check(f"{what}: never executed (tables still there, no file made by a shell)",
            tables_exist(d.env) and not os.path.exists(PWNED))


def test_metachars_description_and_village():
    d = desk()
    phone = "919812000012"
    village = "Ward 5'); DROP TABLE citizens;-- $(id) `id` %n \\x00"
    mark = last_out(d.env)
    t = file_complaint(d, phone, NASTY, village)
    h.check("meta/description: the complaint is filed", bool(t), texts_to(d.env, phone, mark)[-2:])
    h.check("meta/description: stored verbatim", case_row(d.env, t, "md5(description)") == md5(NASTY),
            case_row(d.env, t, "description"))
    h.check("meta/description: the created event keeps it verbatim", h.psql(
        d.env.url, f"SELECT md5(e.text) FROM case_events e JOIN cases c ON c.id = e.case_id "
                   f"WHERE c.tracking_no = '{t}' AND e.kind = 'created'") == md5(NASTY))
    h.check("meta/village: stored verbatim", case_row(d.env, t, "md5(location_text)") == md5(village),
            case_row(d.env, t, "location_text"))
    h.check("meta/description: the confirmation echoed it verbatim (placeholders in it not filled)",
            said(d.env, phone, NASTY, mark))
    h.check("meta/description: the officer sees it verbatim", said(d.env, PHE_OFFICER, NASTY, mark))
    never_executed(d, "meta/description")
    alive(d, "meta/description")


def test_metachars_profile_name():
    d = desk()
    phone = "919812000013"
    name = "Ramesh'); DROP TABLE citizens;-- $(id) `id` %s%n \\x00 {tracking_no}"
    t = file_complaint(d, phone, "Ration shop gives less rice every month", "Palari", name=name)
    h.check("meta/name: the complaint is filed", bool(t), t)
    got = h.psql(d.env.url, f"SELECT md5(c.name) || md5(w.profile_name) || md5(k.citizen_name) || count(*) FILTER "
                            f"(WHERE i.profile_name IS DISTINCT FROM c.name) FROM citizens c JOIN wa_contacts w USING (phone) "
                            f"JOIN cases k ON k.citizen_phone = c.phone JOIN inbound_messages i ON i.from_phone = c.phone "
                            f"WHERE c.phone = '{phone}' GROUP BY c.name, w.profile_name, k.citizen_name")
    h.check("meta/name: stored verbatim (citizens, wa_contacts, the case, every inbound row)",
            got == md5(name) * 3 + "0", got)
    never_executed(d, "meta/name")
    alive(d, "meta/name")


def test_metachars_officer_notes():
    d = desk()
    phone = "919812000014"
    t = file_complaint(d, phone, "No water supply in our lane for five days", "Lavan")
    h.check("meta/officer: a case", bool(t), t)
    notes = {"reply": "Team sent'); DROP TABLE case_events;-- $(id) `id` %s%n%p \\x00 {description}",
             "docs": "Send Aadhaar'); DELETE FROM cases;-- `id` %n",
             "resolve": "Fixed'); UPDATE cases SET status='closed';-- $(id) `id` %s%n \\u0000 {{tracking_no}}"}
    for cmd, note in notes.items():
        mark = last_out(d.env)
        send(d, PHE_OFFICER, name="Officer", text=f"{cmd} {t} {note}")
        kind = {"reply": "reply", "docs": "docs_requested", "resolve": "resolved"}[cmd]
        stored = h.psql(d.env.url, f"SELECT md5(e.text) FROM case_events e JOIN cases c ON c.id = e.case_id "
                                   f"WHERE c.tracking_no = '{t}' AND e.kind = '{kind}' ORDER BY e.id DESC LIMIT 1")
        h.check(f"meta/officer: the {cmd} note is stored verbatim", stored == md5(note), stored)
        h.check(f"meta/officer: the citizen gets the {cmd} note verbatim", said(d.env, phone, note, mark),
                texts_to(d.env, phone, mark))
        if cmd == "docs":  # the citizen's answer is free text too, attached and forwarded
            answer = "Here'); DROP TABLE attachments;-- $(id) `id` %s%n \\x00 {tracking_no}"
            mark = last_out(d.env)
            send(d, phone, text=answer)
            h.check("meta/officer: the citizen's answer to docs is stored verbatim",
                    event_text(d.env, t, "docs_received") == md5(answer), event_text(d.env, t, "docs_received"))
            h.check("meta/officer: ... and forwarded verbatim", said(d.env, PHE_OFFICER, answer, mark))
    mark = last_out(d.env)
    send(d, PHE_OFFICER, name="Officer", text=f"transfer {t} '); DROP TABLE departments;--")
    h.check("meta/officer: a transfer to a department code full of metacharacters is refused, naming the code",
            said(d.env, PHE_OFFICER, "नहीं मिला", mark) and case_row(d.env, t, "department_code") == "PHE",
            texts_to(d.env, PHE_OFFICER, mark))
    h.check("meta/officer: the resolve note did not close the case", case_row(d.env, t, "status") == "resolved")
    never_executed(d, "meta/officer")
    alive(d, "meta/officer")


def test_metachars_satisfaction_reason():
    d = desk()
    phone = "919812000015"
    t = file_complaint(d, phone, "Transformer burnt, no power for three days", "Sonakhan")
    send(d, PHE_OFFICER, name="Officer", text=f"resolve {t} Replaced")
    send(d, phone, reply_id=f"sat:no:{t}")
    reason = "Still broken'); DROP TABLE cases;-- $(id) `id` %s%n \\x00 {tracking_no}"
    mark = last_out(d.env)
    send(d, phone, text=reason)
    stored = h.psql(d.env.url, f"SELECT md5(e.text) FROM case_events e JOIN cases c ON c.id = e.case_id "
                               f"WHERE c.tracking_no = '{t}' AND e.kind = 'reopened'")
    h.check("meta/reason: the case is reopened once", case_row(d.env, t, "status, reopen_count") == "reopened|1",
            case_row(d.env, t))
    h.check("meta/reason: the reason is stored verbatim", stored == md5(reason), stored)
    h.check("meta/reason: the officer hears it verbatim", said(d.env, PHE_OFFICER, reason, mark))
    never_executed(d, "meta/reason")
    alive(d, "meta/reason")


# ---- someone else's case ---------------------------------------------------------------------

def test_officer_of_another_department():
    """An officer acting on another department's case. e2e_cases checks `reply`; here every
    command, the case byte for byte unchanged, and nothing of it shown to that officer."""
    d = desk()
    phone = "919812000016"
    desc = "Handpump near temple broken, children fetch water from the river"
    t = file_complaint(d, phone, desc, "Tundra ward 2")
    h.check("other dept: a PHE case", bool(t), t)
    before = fingerprint(d.env, exclude=(CSPDCL_OFFICER,))
    mark = last_out(d.env)
    for cmd in (f"reply {t} we will see", f"docs {t} send photo", f"resolve {t} done", f"transfer {t} CSPDCL",
                f"show {t}", f"हल {t} हो गया"):
        n = len(texts_to(d.env, CSPDCL_OFFICER, mark))
        send(d, CSPDCL_OFFICER, name="Officer", text=cmd)
        new = texts_to(d.env, CSPDCL_OFFICER, mark)[n:]
        h.check(f"other dept: '{cmd.split()[0]}' is refused without naming the case's department",
                len(new) == 1 and "आपके विभाग" in new[0] and "PHE" not in new[0] and
                "पेयजल" not in new[0] and "water" not in new[0].lower(), new)
    intact(d.env, before, "other dept", exclude=(CSPDCL_OFFICER,))
    h.check("other dept: nothing of the case was shown to that officer",
            not any(desc in x or phone in x for x in texts_to(d.env, CSPDCL_OFFICER, mark)))
    alive(d, "other dept")


def test_citizen_with_another_citizens_number():
    """A citizen sending another citizen's tracking number: typed at any time, in the track
    flow, as a forged list row and as forged satisfaction buttons. e2e_cases checks a typed
    `resolve <T>`; here every route, and that nothing of the other case reaches the asker."""
    d = desk()
    owner, asker = "919812000017", "919812000018"
    desc, village = "Anganwadi worker absent for a month, no meals for kids", "Bilaigarh ward 9"
    t = file_complaint(d, owner, desc, village)
    send(d, PHE_OFFICER, name="Officer", text=f"resolve {t} Worker replaced")
    mine = file_complaint(d, asker, "My own complaint about the road being dug up", "Kasdol")
    h.check("other citizen: two cases", bool(t) and bool(mine), (t, mine))
    before = fingerprint(d.env, exclude=(asker,))
    mark = last_out(d.env)
    for what, steps in (("typed", [dict(text=t)]), ("typed in a sentence", [dict(text=f"what happened to {t.lower()}?")]),
                        ("in the track flow", [dict(text="menu"), dict(reply_id="c:track"), dict(text=t)]),
                        ("as a forged list row", [dict(reply_id=f"t:{t}")])):
        n = len(texts_to(d.env, asker, mark))
        for s in steps:
            send(d, asker, **s)
        new = texts_to(d.env, asker, mark)[n:]
        h.check(f"other citizen: {what}: told it is not found among theirs",
                any("could not find" in x for x in new), new)
    for btn in (f"sat:yes:{t}", f"sat:no:{t}"):
        send(d, asker, reply_id=btn)
    intact(d.env, before, "other citizen", exclude=(asker,))
    h.check("other citizen: the owner's case is untouched (still resolved, awaiting its owner)",
            case_row(d.env, t, "status, reopen_count") == "resolved|0")
    leaked = [x for x in texts_to(d.env, asker) if desc in x or owner in x or village in x
              or (t in x and ("Status" in x or "Department" in x))]
    h.check("other citizen: nothing of the other case in any message to the asker", not leaked, leaked)
    alive(d, "other citizen")


# ---- flow files ------------------------------------------------------------------------------

def shipped():
    with open(os.path.join(h.ROOT, "flows", "grievance.json"), encoding="utf-8") as f:
        return json.load(f)


def broken_sets():
    """name -> (file text, what the error must say)."""
    g = shipped()
    cycle = copy.deepcopy(g)
    cycle["states"]["help"]["goto"] = "help_more"
    cycle["states"]["help_more"] = {"kind": "message", "text": {"hi": "और मदद", "en": "More help"}, "goto": "help"}
    missing = copy.deepcopy(g)
    missing["states"]["scheme_pmay"]["goto"] = "scheme_nowhere"
    huge = copy.deepcopy(g)
    huge["states"]["scheme_menu"]["choices"] += [
        {"id": f"opt{i}", "title": {"hi": f"विकल्प {i}", "en": f"Option {i}"}, "goto": "main_menu"} for i in range(494)]
    big = copy.deepcopy(g)
    big["states"]["help"]["text"]["en"] = "Help. " * (5 * 1024 * 1024 // 6)
    text = json.dumps(g, ensure_ascii=False, indent=1)
    return {
        "cycle": (json.dumps(cycle, ensure_ascii=False), 'state "help_more": no way back to the menu'),
        "missing target": (json.dumps(missing, ensure_ascii=False), 'goto "scheme_nowhere" is not a state'),
        "500 options": (json.dumps(huge, ensure_ascii=False), 'state "scheme_menu"'),
        "5 MB": (json.dumps(big, ensure_ascii=False), 'state "help": "text".en is'),
        "invalid JSON": (text[:len(text) // 2], "grievance.json:"),
    }


def flows_check(env, folder):
    t0 = time.time()
    r = subprocess.run([h.BIN, "flows", "check", folder], env=env, capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr, time.time() - t0


def test_flows_check_broken_sets():
    """`sampark flows check DIR` on a cycle with no way out, a missing target state, a menu of
    500 options, a 5 MB flow file and invalid JSON: exit 1, every error line naming the file,
    one summary line on stderr. test_flow checks the cycle, the missing goto and JSON syntax
    in the loader, e2e_cli the missing goto at the command line."""
    tmp = tempfile.mkdtemp(prefix="sampark-badflows-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMPARK_", "WA_"))}
    try:
        for name, (text, expect) in broken_sets().items():
            folder = os.path.join(tmp, name.replace(" ", "_"))
            os.makedirs(folder)
            path = os.path.join(folder, "grievance.json")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            code, out, err, secs = flows_check(env, folder)
            lines = [x for x in out.splitlines() if x.strip()]
            h.check(f"flows/{name}: exit 1, every error naming the file, one summary line on stderr",
                    code == 1 and lines and all(x.startswith(path + ":") or x.startswith(folder + ":")
                                                or x.startswith(folder + "/messages.json:") for x in lines)
                    and any(x.startswith(path) and expect in x for x in lines)
                    and len(err.strip().splitlines()) == 1 and "problem" in err and secs < 20,
                    f"exit {code} in {secs:.1f}s: {out[:300]!r} {err.strip()!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_sighup_keeps_the_running_set():
    """SIGHUP with each broken set keeps the running flows. e2e_cli checks a truncated extra
    file; here each broken set of the catalogue, replacing the live file, and that a new
    citizen still gets the running set's greeting."""
    env = h.Env("badhup")
    try:
        live = os.path.join(env.tmp, "liveflows")
        os.makedirs(live)
        good = os.path.join(h.ROOT, "flows", "grievance.json")
        shutil.copy(good, live)
        shutil.copy(os.path.join(h.ROOT, "flows", "messages.json"), live)
        srv = env.serve(SAMPARK_FLOWS=live, SAMPARK_RECLAIM_IDLE_MS="1000")
        d = type("D", (), {})()
        d.env, d.port = env, srv.port
        before = fingerprint(env)
        for k, (name, (text, _)) in enumerate(broken_sets().items()):
            # Mark the broken set: if it were loaded, the greeting would say so.
            text = text.replace("Welcome to Sampark", "BROKEN SET LOADED", 1)
            with open(os.path.join(live, "grievance.json"), "w", encoding="utf-8") as f:
                f.write(text)
            log = lambda: open(srv.logpath, errors="replace").read()  # noqa: E731
            refused, loaded = log().count("flows not reloaded"), log().count("flows reloaded")
            srv.send_signal(signal.SIGHUP)
            h.wait_for(lambda: log().count("flows not reloaded") > refused or log().count("flows reloaded") > loaded, 20)
            now = log()
            h.check(f"sighup/{name}: refused, the log naming the file",
                    now.count("flows not reloaded") > refused
                    and "grievance.json" in now.split("flows not reloaded")[-1].split("\n")[0], now[-300:])
            phone = f"91981300{k:04d}"
            send(d, phone, text="hello")
            greet = texts_to(env, phone)
            h.check(f"sighup/{name}: a new conversation still gets the running set",
                    greet and "Welcome to Sampark" in greet[0] and "BROKEN" not in greet[0], greet[:1])
            if log().count("flows reloaded") > loaded:  # a broken set got in: the good one back
                shutil.copy(good, live)
                loaded = log().count("flows reloaded")
                srv.send_signal(signal.SIGHUP)
                h.wait_for(lambda: log().count("flows reloaded") > loaded, 20)
        intact(env, before, "sighup", exclude=tuple(f"91981300{k:04d}" for k in range(10)))
        alive(d, "sighup")
    finally:
        env.close()


def main():
    try:
        return h.run_tests([
            test_forged_signatures, test_replayed_notification, test_truncated_json, test_deep_nesting,
            test_body_size, test_slow_loris, test_invalid_utf8, test_overlong_text, test_emoji_and_mixed_scripts,
            test_emoji_description_through_the_scheduler, test_long_devanagari_at_the_limits, test_numbers_where_text_is_expected,
            test_text_where_a_menu_choice_is_expected, test_metachars_description_and_village,
            test_metachars_profile_name, test_metachars_officer_notes, test_metachars_satisfaction_reason,
            test_officer_of_another_department, test_citizen_with_another_citizens_number,
            test_flows_check_broken_sets, test_sighup_keeps_the_running_set])
    finally:
        for d in _desk:
            d.close()
        if os.path.exists(PWNED):
            os.remove(PWNED)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""e2e_broadcast.py — broadcasts (SPEC section 13, issue 20) end to end: `sampark broadcast
create|start|pause|cancel|show|list` against real Redis and PostgreSQL and the sender role
against the fake Graph API (tests/fake_graph.py). Refusals at create (unknown template, wrong
parameters, empty segment, a CSV's bad lines named), each segment, templates delivered with
their parameters, pause and cancel within a second, progress from status webhooks, the daily
limit carried over when its window moves (SAMPARK_DAILY_WINDOW_S, for tests), a case reply
ahead of a running broadcast, one recipient's broadcast row and case traffic sent oldest first
(either walk), a blocked number skipped next time, a stopped subscriber never sent. Prints 'N passed, N failed'."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_webhook as h  # noqa: E402
from e2e_sender import PHONE_ID, TOKEN, psql_one, status_body, text, window_open  # noqa: E402
from fake_graph import FakeGraph  # noqa: E402


def cli(env, *args, **extra):
    return subprocess.run([h.BIN, "broadcast", *args], env=env.env(**extra), capture_output=True, text=True)


def created_id(r):
    # "broadcast 3: 5 recipients, 1 skipped ..."
    return r.stdout.split(":")[0].split()[-1] if r.returncode == 0 else None


def subscriber(env, phone, state="subscribed", village="Simga", key="smg", block="Simga", blocked=False):
    st = "NULL" if state is None else f"'{state}'"
    h.psql(env.url, "INSERT INTO subscribers (phone, village, village_key, block, state, blocked_at) VALUES "
                    f"('{phone}', '{village}', '{key}', '{block}', {st}, {'now()' if blocked else 'NULL'})")


def sent_to(fake, phone):
    return [b for _, b, _ in fake.delivered() if b.get("to") == phone]


def templates(fake):
    return [(t, b) for t, b, _ in fake.delivered() if b.get("type") == "template"]


def progress(env, bid):
    r = cli(env, "show", bid)
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("queued", "sent", "delivered", "read", "failed", "skipped"):
            out[parts[0]] = int(parts[1])
    return out, r.stdout


def start_sender(env, fake, **extra):
    extra = dict(WA_ACCESS_TOKEN=TOKEN, WA_PHONE_NUMBER_ID=PHONE_ID, WA_API_BASE=fake.base,
                 SAMPARK_RETRY_BASE_MS="100", **extra)
    return env.serve(role="sender", **extra)


def test_create_refused():
    env = h.Env("bcr")
    try:
        r = cli(env, "create", "--template", "no_such", "--to", "subscribers")
        h.check("an unknown template is refused, by name", r.returncode == 1 and "no_such" in r.stderr, r.stderr)
        r = cli(env, "create", "--template", "scheme_update", "--param", "PMAY", "--to", "subscribers")
        h.check("a wrong number of --param is refused, naming the template's parameters",
                r.returncode == 1 and "takes 2 --param (scheme, village), 1 given" in r.stderr, r.stderr)
        r = cli(env, "create", "--template", "scheme_notice", "--param", "x", "--to", "subscribers")
        h.check("an empty segment is refused", r.returncode == 1 and "nobody to send to" in r.stderr, r.stderr)
        h.check("and nothing is created", psql_one(env, "SELECT count(*) FROM broadcasts") == "0")
        r = cli(env, "create", "--template", "scheme_notice", "--param", "x", "--to", "department=NOPE")
        h.check("an unknown department is refused", r.returncode == 1 and "no such department" in r.stderr, r.stderr)
        r = cli(env, "create", "--template", "scheme_notice", "--param", "x", "--to", "everyone")
        h.check("an unknown segment is refused, naming the kinds", r.returncode == 1 and "village=V" in r.stderr,
                r.stderr)
        csv = os.path.join(env.tmp, "phones.csv")
        with open(csv, "w") as f:
            f.write("phone\n919811100001\nabc\n+91 98111 00002\n12345\n919811100001\n\n919811100003,Ram\n")
        r = cli(env, "create", "--template", "scheme_notice", "--param", "x", "--to", f"file={csv}")
        h.check("a CSV's bad lines are each named with their line number",
                f"{csv}:3: 'abc'" in r.stderr and f"{csv}:5: '12345'" in r.stderr and
                f"{csv}:6: 919811100001 repeats line 2" in r.stderr, r.stderr)
        h.check("and the good ones make the broadcast", r.returncode == 0 and "3 recipients" in r.stdout,
                (r.stdout, r.stderr))
        bad = os.path.join(env.tmp, "bad.csv")
        with open(bad, "w") as f:
            f.write("abc\n")
        r = cli(env, "create", "--template", "scheme_notice", "--param", "x", "--to", f"file={bad}")
        h.check("a CSV without one valid phone is refused", r.returncode == 1 and "no valid phone" in r.stderr,
                r.stderr)
        nul = os.path.join(env.tmp, "nul.csv")
        with open(nul, "wb") as f:
            f.write(b"919710000001\n919710000002\x00\n919710000003\n")
        r = cli(env, "create", "--template", "scheme_notice", "--param", "x", "--to", f"file={nul}")
        h.check("a file with a NUL byte is refused, naming the line", r.returncode == 1 and "nul.csv:2: a NUL byte"
                in r.stderr, r.stderr)
        r = cli(env, "start", "999")
        h.check("starting a broadcast that does not exist is refused", r.returncode == 1 and "no broadcast 999" in
                r.stderr, r.stderr)
    finally:
        env.close()


def test_segments():
    env = h.Env("bcs")
    try:
        subscriber(env, "919700000001")
        subscriber(env, "919700000002", state="stopped")
        subscriber(env, "919700000003", state=None, village="Baloda", key="bld", block="Baloda")
        subscriber(env, "919700000004", blocked=True)
        notice = ["--template", "scheme_notice", "--param", "PMAY list out"]
        r = cli(env, "create", *notice, "--to", "subscribers")
        h.check("subscribers: the subscribed, the blocked one skipped",
                r.returncode == 0 and "1 recipients, 1 skipped" in r.stdout, (r.stdout, r.stderr))
        r = cli(env, "create", *notice, "--to", "village=सिमगा")
        h.check("village by any spelling: the village's people, the stopped one skipped",
                r.returncode == 0 and "1 recipients, 2 skipped" in r.stdout, (r.stdout, r.stderr))
        r = cli(env, "create", *notice, "--to", "block=baloda")
        h.check("block: everyone known there, subscribed or not", r.returncode == 0 and "1 recipients, 0 skipped"
                in r.stdout, (r.stdout, r.stderr))
        h.psql(env.url, "INSERT INTO citizens (phone) VALUES ('919700000005'), ('919700000006')")
        h.psql(env.url, "INSERT INTO cases (tracking_no, department_code, citizen_phone, description, sla_due_at, "
                        "created_at) VALUES ('BLB-2026-000801', 'PHE', '919700000005', 'handpump', now(), now()), "
                        "('BLB-2026-000802', 'PHE', '919700000006', 'handpump', now(), now() - interval '40 days')")
        r = cli(env, "create", *notice, "--to", "department=phe,days=30")
        h.check("department in the last N days", r.returncode == 0 and "1 recipients" in r.stdout,
                (r.stdout, r.stderr))
        r = cli(env, "create", *notice, "--to", "department=PHE,days=60")
        h.check("a longer window reaches the older case", r.returncode == 0 and "2 recipients" in r.stdout,
                (r.stdout, r.stderr))
        r = cli(env, "list")
        h.check("list shows every broadcast, a draft each", r.returncode == 0 and r.stdout.count("\tdraft\t") == 5,
                r.stdout)
    finally:
        env.close()


def test_delivery_progress_and_blocked():
    env, fake = h.Env("bcd"), FakeGraph(TOKEN, PHONE_ID)
    try:
        phones = [f"91971000{k:04d}" for k in range(6)]
        for p in phones:
            subscriber(env, p)
        subscriber(env, "919710009999", state="stopped")
        r = cli(env, "create", "--template", "scheme_update", "--param", "PMAY-G", "--param", "सिमगा",
                "--to", "village=Simga")
        bid = created_id(r)
        h.check("created with the village's six subscribers", bid and "6 recipients, 1 skipped" in r.stdout,
                (r.stdout, r.stderr))
        rx = env.serve(role="receiver")
        env.serve(role="worker", SAMPARK_RECLAIM_IDLE_MS="1000")
        start_sender(env, fake)
        time.sleep(0.5)
        h.check("a draft sends nothing", not templates(fake))
        fake.fail_next((400, 131026))  # the first one: blocked, synchronously
        r = cli(env, "start", bid)
        h.check("start", r.returncode == 0, r.stderr)
        h.check("the templates go out", h.wait_for(lambda: len(fake.requests) >= 6, 15), len(fake.requests))
        body = templates(fake)[0][1]
        tpl = body["template"]
        h.check("as the template with its language, parameters and the button's payload",
                tpl["name"] == "scheme_update" and tpl["language"]["code"] == "hi" and
                [p["text"] for p in tpl["components"][0]["parameters"]] == ["PMAY-G", "सिमगा"] and
                tpl["components"][1]["parameters"][0]["payload"] == f"broadcast:{bid}", tpl)
        h.check("the stopped subscriber is never sent", not sent_to(fake, "919710009999"))
        wamids = {b["to"]: w for _, b, w in fake.delivered()}
        firsts = [p for p in phones if p in wamids]
        blocked_sync = [p for p in phones if p not in wamids]
        for p, st, code in ((firsts[0], "delivered", None), (firsts[1], "read", None), (firsts[2], "delivered", None),
                            (firsts[3], "failed", 131026)):
            h.post(rx.port, status_body(wamids[p], st, p, code=code))
        def shown():
            pr, _ = progress(env, bid)
            return pr
        h.check("progress from the statuses: sent, delivered, read, failed",
                h.wait_for(lambda: shown() == {"queued": 0, "sent": 1, "delivered": 2, "read": 1, "failed": 2,
                                               "skipped": 1}, 15), progress(env, bid)[1])
        out = progress(env, bid)[1]
        h.check("failures counted by Graph's reason", "  131026 HTTP 400, Graph code 131026: scripted failure: 1" in out
                and "  131026 Message failed to send: 1" in out, out)
        h.check("the broadcast is done", h.wait_for(lambda: "broadcast " + bid + ": done" in progress(env, bid)[1], 10),
                progress(env, bid)[1])
        blocked = psql_one(env, "SELECT string_agg(phone, ',' ORDER BY phone) FROM subscribers WHERE blocked_at IS NOT NULL")
        h.check("both failures meaning blocked mark the subscriber", blocked == ",".join(sorted(blocked_sync + [firsts[3]])),
                (blocked, blocked_sync, firsts[3]))
        r = cli(env, "create", "--template", "scheme_notice", "--param", "again", "--to", "village=Simga")
        h.check("and the next broadcast skips them", r.returncode == 0 and "4 recipients, 3 skipped" in r.stdout,
                (r.stdout, r.stderr))
    finally:
        env.close()
        fake.close()


def running_to_file(env, fake, phones, **sender_env):
    """A scheme_notice broadcast to a CSV of phones, a sender with sender_env, started: its id."""
    csv = os.path.join(env.tmp, "phones.csv")
    with open(csv, "w") as f:
        f.write("".join(p + "\n" for p in phones))
    bid = created_id(cli(env, "create", "--template", "scheme_notice", "--param", "x", "--to", f"file={csv}"))
    start_sender(env, fake, **sender_env)
    cli(env, "start", bid)
    return bid


def stopped_within_a_second(env, fake, command, bid):
    """Runs pause or cancel; returns its result and how many templates had arrived by a second
    after it, having watched two seconds more for late ones."""
    r = cli(env, command, bid)
    time.sleep(1.0)
    n = len(templates(fake))
    time.sleep(2.0)
    return r, n


def test_pause_and_cancel():
    env, fake = h.Env("bcp"), FakeGraph(TOKEN, PHONE_ID)
    try:
        bid = running_to_file(env, fake, [f"91972000{k:04d}" for k in range(80)], SAMPARK_SEND_RATE="10")
        h.check("sending at 10 a second", h.wait_for(lambda: len(templates(fake)) >= 10, 15), len(templates(fake)))
        r, n = stopped_within_a_second(env, fake, "pause", bid)
        h.check("pause, and nothing more goes out a second after it", r.returncode == 0 and n == len(templates(fake)),
                (r.stderr, n, len(templates(fake))))
        h.check("the outbox holds nothing of it", psql_one(env, "SELECT count(*) FROM outbound_messages WHERE "
                                                                "purpose = 'broadcast' AND state = 'queued'") == "0")
        cli(env, "start", bid)
        h.check("resumed, it goes on", h.wait_for(lambda: len(templates(fake)) >= n + 10, 15))
        r, n = stopped_within_a_second(env, fake, "cancel", bid)
        h.check("cancel stops it within a second", r.returncode == 0 and len(templates(fake)) == n,
                (r.stderr, n, len(templates(fake))))
        to = [b["to"] for _, b in templates(fake)]
        h.check("nobody got it twice", len(to) == len(set(to)), len(to))
        pr, out = progress(env, bid)
        h.check("show counts the rest as skipped (cancelled)", pr["skipped"] == 80 - n and "cancelled" in out, out)
        r = cli(env, "start", bid)
        h.check("a cancelled broadcast cannot start again", r.returncode == 1 and "is cancelled" in r.stderr, r.stderr)
    finally:
        env.close()
        fake.close()


def test_daily_limit_carries_over():
    """Limit 3 over a window shortened to 6 seconds for the test: three numbers outside their
    24-hour window go, plus the one inside it (not counted); the rest when the window moves."""
    env, fake = h.Env("bcl"), FakeGraph(TOKEN, PHONE_ID)
    try:
        phones = [f"91973000{k:04d}" for k in range(7)]
        window_open(env, phones[6])
        t0 = time.time()
        bid = running_to_file(env, fake, phones, SAMPARK_DAILY_LIMIT="3", SAMPARK_DAILY_WINDOW_S="6")
        h.check("the three that fit and the one inside its window go",
                h.wait_for(lambda: len(templates(fake)) == 4, 10), len(templates(fake)))
        time.sleep(2.0)
        h.check("the rest wait for the window", len(templates(fake)) == 4 and phones[6] in
                [b["to"] for _, b in templates(fake)], [b["to"] for _, b in templates(fake)])
        pr, out = progress(env, bid)
        h.check("and show them queued", pr["queued"] == 3, out)
        h.check("the broadcast stays running", "running" in out, out)
        h.check("after the window moves, the next three go",
                h.wait_for(lambda: len(templates(fake)) == 7, 15), len(templates(fake)))
        last = max(t for t, _ in templates(fake))
        h.check("not before the window moved", last - t0 >= 5.0, last - t0)
    finally:
        env.close()
        fake.close()


def test_case_reply_first():
    """A broadcast of 300 at 20 a second runs for 15 s; a citizen's reply queued in the middle goes
    out at once, before the broadcast's remaining rows."""
    env, fake = h.Env("bcf"), FakeGraph(TOKEN, PHONE_ID)
    try:
        running_to_file(env, fake, [f"91974{k:07d}" for k in range(300)], SAMPARK_SEND_RATE="20")
        h.check("the broadcast is under way", h.wait_for(lambda: len(templates(fake)) >= 40, 15))
        citizen = "919811199999"
        window_open(env, citizen)
        at = time.time()
        h.psql(env.url, "INSERT INTO outbound_messages (recipient, kind, purpose, payload) VALUES "
                        f"('{citizen}', 'text', 'conversation', $j${json.dumps(text(citizen, 'आपकी शिकायत दर्ज'))}$j$)")
        h.check("the reply is delivered", h.wait_for(lambda: sent_to(fake, citizen), 10))
        when = [t for t, b, _ in fake.delivered() if b.get("to") == citizen][0]
        before = len([1 for t, _ in templates(fake) if t < when])
        after = len([1 for t, _ in templates(fake) if t > when])
        # Order, not timing (tests never assert timings; bench/broadcast measures the wait): most
        # of what remained of the broadcast when the reply was queued goes out after it.
        left = 300 - len([1 for t, _ in templates(fake) if t < at])
        between = len([1 for t, _ in templates(fake) if at < t < when])
        h.check("ahead of most of the broadcast's remaining rows", between < left / 2,
                (between, left, round(when - at, 2)))
        h.check("and the broadcast's remaining rows after it", before < 150 and
                h.wait_for(lambda: len(templates(fake)) == 300, 30), (before, after))
    finally:
        env.close()
        fake.close()


def test_template_refused_pauses():
    """Meta refuses the template (132001: no such template in that language): after five such
    failures the broadcast pauses itself with the reason in show, and sends nothing more; started
    again, it counts afresh."""
    env, fake = h.Env("bct"), FakeGraph(TOKEN, PHONE_ID)
    try:
        fake.fail_next(*[(400, 132001)] * 7)
        bid = running_to_file(env, fake, [f"91975000{k:04d}" for k in range(40)], SAMPARK_SEND_RATE="5")
        h.check("paused by itself after five refusals",
                h.wait_for(lambda: "broadcast " + bid + ": paused" in progress(env, bid)[1], 20),
                progress(env, bid)[1])
        pr, out = progress(env, bid)
        h.check("show says why", "template refused by WhatsApp (error 132001)" in out, out)
        h.check("the refusals are counted as failed", pr["failed"] >= 5, out)
        n = len(fake.requests)
        time.sleep(1.5)
        h.check("nothing more is sent while paused", len(fake.requests) <= n + 1, (n, len(fake.requests)))
        r = cli(env, "start", bid)
        pr, out = progress(env, bid)
        h.check("started again, the reason is gone and it runs", r.returncode == 0 and "running" in out
                and "template refused" not in out, out)
        h.check("and the rest go out", h.wait_for(lambda: progress(env, bid)[0].get("queued", 1) == 0, 30),
                progress(env, bid)[1])
    finally:
        env.close()
        fake.close()


def started_to(env, phones, name):
    """A scheme_notice broadcast to phones (a CSV named name), started with no sender: its id."""
    csv = os.path.join(env.tmp, name)
    with open(csv, "w") as f:
        f.write("".join(p + "\n" for p in phones))
    bid = created_id(cli(env, "create", "--template", "scheme_notice", "--param", "x", "--to", f"file={csv}"))
    cli(env, "start", bid)
    return bid


def fed(env, bid, phone, claimed_by=None):
    """What the feeder leaves for phone: its outbox row (claimed by claimed_by, the claim lapsed a
    second ago, when given) and the recipient 'sending'."""
    state = (", 'sending', '%s', now() - interval '1 second'" % claimed_by) if claimed_by else ""
    cols = ", state, claimed_by, claimed_until" if claimed_by else ""
    h.psql(env.url, f"WITH o AS (INSERT INTO outbound_messages (idempotency_key, recipient, kind, purpose, payload{cols})"
                    f" VALUES ('broadcast:{bid}:{phone}', '{phone}', 'template', 'broadcast', '{{}}'{state})"
                    " RETURNING id) UPDATE broadcast_recipients r SET state = 'sending', outbound_id = o.id FROM o"
                    f" WHERE r.broadcast_id = {bid} AND r.phone = '{phone}'")


def test_lapsed_claim_of_paused_broadcast():
    """A sender died holding a broadcast's row (its claim lapsed) and the broadcast was paused
    since: the next sender takes the row back into the broadcast's queue unsent, and the
    recipient's later messages are not held behind it."""
    env, fake = h.Env("bcw"), FakeGraph(TOKEN, PHONE_ID)
    try:
        phone = "919760000001"
        bid = started_to(env, [phone, "919760000002"], "one.csv")
        fed(env, bid, phone, claimed_by="dead-sender")  # a sender fed and claimed it, then died
        cli(env, "pause", bid)
        window_open(env, phone)
        h.psql(env.url, "INSERT INTO outbound_messages (recipient, kind, purpose, payload) VALUES "
                        f"('{phone}', 'text', 'conversation', $j${json.dumps(text(phone, 'आपकी शिकायत दर्ज'))}$j$)")
        start_sender(env, fake)
        h.check("the citizen's reply goes", h.wait_for(lambda: sent_to(fake, phone), 10))
        h.check("and the paused broadcast's row does not", not [b for _, b in templates(fake) if b["to"] == phone])
        state = psql_one(env, f"SELECT state || ':' || (outbound_id IS NULL) FROM broadcast_recipients"
                              f" WHERE broadcast_id = {bid} AND phone = '{phone}'")
        h.check("the recipient is back in the broadcast's queue", state == "queued:true", state)
        cli(env, "start", bid)
        h.check("and gets it once the broadcast resumes",
                h.wait_for(lambda: len([1 for _, b in templates(fake) if b["to"] == phone]) == 1, 10))
    finally:
        env.close()
        fake.close()


def fed_template(env, bid, phone):
    """The feeder's row for phone as broadcast_enqueue writes it (the template's payload), queued."""
    h.psql(env.url, "WITH c AS (SELECT r.id, r.phone, b.template, b.language, b.components FROM broadcast_recipients r"
                    f" JOIN broadcasts b ON b.id = r.broadcast_id WHERE r.broadcast_id = {bid} AND r.phone = '{phone}'),"
                    " o AS (INSERT INTO outbound_messages (idempotency_key, recipient, kind, purpose, payload)"
                    f" SELECT 'broadcast:{bid}:' || c.phone, c.phone, 'template', 'broadcast',"
                    "  jsonb_build_object('messaging_product', 'whatsapp', 'recipient_type', 'individual', 'to', c.phone,"
                    "   'type', 'template', 'template', jsonb_build_object('name', c.template, 'language',"
                    "   jsonb_build_object('code', c.language), 'components', c.components)) FROM c RETURNING id)"
                    f" UPDATE broadcast_recipients r SET state = 'sending', outbound_id = o.id FROM o"
                    f" WHERE r.broadcast_id = {bid} AND r.phone = '{phone}'")


def test_order_across_kinds():
    """One recipient's queue holds a broadcast's row and case traffic (migration 0036: no index
    holds both, each claim walk probes the other kind's index for an older row): the older goes
    first either way — a running broadcast's row before a newer reply (claimed by the case walk),
    and a reply waiting out a backoff before a newer broadcast row (not taken by the broadcast
    walk)."""
    env, fake = h.Env("bco"), FakeGraph(TOKEN, PHONE_ID)
    try:
        first, second = "919770000001", "919770000002"
        bid = started_to(env, [first, second], "order.csv")
        for p in (first, second):
            window_open(env, p)
        fed_template(env, bid, first)
        h.psql(env.url, "INSERT INTO outbound_messages (recipient, kind, purpose, payload) VALUES "
                        f"('{first}', 'text', 'conversation', $j${json.dumps(text(first, 'reply after it'))}$j$)")
        h.psql(env.url, "INSERT INTO outbound_messages (recipient, kind, purpose, payload, next_attempt_at) VALUES "
                        f"('{second}', 'text', 'conversation', $j${json.dumps(text(second, 'reply before it'))}$j$,"
                        " now() + interval '2 seconds')")
        fed_template(env, bid, second)
        start_sender(env, fake)
        kinds = lambda p: [b.get("type") for b in sent_to(fake, p)]
        h.check("both of each recipient's messages go", h.wait_for(
            lambda: len(kinds(first)) == 2 and len(kinds(second)) == 2, 15), (kinds(first), kinds(second)))
        h.check("the older broadcast row before the newer reply", kinds(first) == ["template", "text"], kinds(first))
        h.check("the older reply, after its backoff, before the newer broadcast row",
                kinds(second) == ["text", "template"], kinds(second))
    finally:
        env.close()
        fake.close()


def test_case_templates_count_in_daily_window():
    """A case message sent as a template to a citizen outside their window opens a paid
    conversation: the number enters the daily limit's window, where broadcasts see it; a
    broadcast gets nine tenths of the limit."""
    env, fake = h.Env("bcd"), FakeGraph(TOKEN, PHONE_ID)
    try:
        citizen = "919770000001"
        body = {"messaging_product": "whatsapp", "to": citizen, "type": "template",
                "template": {"name": "case_update", "language": {"code": "hi"}}}
        h.psql(env.url, "INSERT INTO outbound_messages (recipient, kind, purpose, payload) VALUES "
                        f"('{citizen}', 'template', 'case_update', $j${json.dumps(body)}$j$)")
        start_sender(env, fake, SAMPARK_DAILY_LIMIT="1000")
        h.check("the case template goes", h.wait_for(lambda: sent_to(fake, citizen), 10))
        key = f"sampark:daily:{PHONE_ID}"
        h.check("and its number is in the day's window",
                h.wait_for(lambda: env.redis.cli("ZSCORE", key, citizen).strip() != "", 5),
                env.redis.cli("ZRANGE", key, "0", "-1"))
    finally:
        env.close()
        fake.close()


def test_stop_after_queueing():
    """A citizen said STOP after their broadcast message was handed to the outbox and the STOP's
    pull-back missed it (a sender held it then, and gave it back): it is never sent, and the
    recipient is skipped as stopped."""
    env, fake = h.Env("bcs"), FakeGraph(TOKEN, PHONE_ID)
    try:
        phone = "919780000001"
        bid = started_to(env, [phone], "stop.csv")
        fed(env, bid, phone)
        subscriber(env, phone, state="stopped")
        start_sender(env, fake)
        h.check("the recipient is skipped as stopped", h.wait_for(lambda: psql_one(
            env, f"SELECT state || ':' || error FROM broadcast_recipients WHERE broadcast_id = {bid}") ==
            "skipped:stopped", 10))
        time.sleep(0.5)
        h.check("and nothing was sent to them", not sent_to(fake, phone))
    finally:
        env.close()
        fake.close()


def main():
    return h.run_tests([test_create_refused, test_segments, test_delivery_progress_and_blocked,
                        test_pause_and_cancel, test_daily_limit_carries_over, test_case_reply_first,
                        test_template_refused_pauses, test_lapsed_claim_of_paused_broadcast, test_order_across_kinds,
                        test_case_templates_count_in_daily_window, test_stop_after_queueing])


if __name__ == "__main__":
    sys.exit(main())

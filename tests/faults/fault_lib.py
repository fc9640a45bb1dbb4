"""fault_lib.py — what the fault scenarios (run_faults.py) share: citizens walking the complaint
flow with signed webhooks and re-posting what was refused (as Meta does), a private PostgreSQL
cluster that may be restarted without disturbing anyone else, and the counting that ends every
scenario: messages in against messages recorded, cases and outbound messages per citizen
against a control citizen who walked the same flow with nothing failing. Standard library only;
the harness itself is tests/e2e_webhook.py (Env, serve, psql, wait_for, check)."""
import collections
import glob
import os
import pwd
import random
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import e2e_webhook as h
from e2e_cases import deliver

PG_BIN = "/usr/lib/postgresql/15/bin"
SERVICE_USER = "sampark"  # PostgreSQL refuses to run as root (scripts/lib.sh does the same)
SHARED_PORTS = {25432, 25433, 26379, 26380}


def steps(phone):
    """The complaint flow of e2e_cases.file_complaint, with a text and a ward naming the citizen
    (no two in one place: nobody is offered another's open case to join, issue 19)."""
    return [dict(text="नमस्ते"), dict(reply_id="c:hi"), dict(reply_id="c:complaint"), dict(reply_id="d:PHE"),
            dict(text=f"हैंडपंप खराब है, नागरिक {phone}"), dict(reply_id="skip"), dict(text=f"वार्ड {phone}"),
            dict(reply_id="yes")]


STEPS = len(steps("0"))


class Citizen:
    """One phone walking the flow: each step is posted until the webhook answers 200 — a 503,
    another status or a refused connection is counted and the same message (same wamid) is
    posted again a moment later, which is what Meta does."""

    def __init__(self, tag, phone):
        self.phone = phone
        self.steps = steps(phone)
        self.wamids = [f"wamid.{tag}.{phone}.{k}" for k in range(STEPS)]
        self.next = 0
        self.acked = []  # wamids answered 200
        self.refused = {}  # status (0: no answer) -> how many times
        self.by_port = {}  # port -> messages it answered 200
        self.gave_up = False

    def walk(self, ports, upto=STEPS, pause=0.1, deadline=90.0):
        """ports: a list the scenario may change while we walk (an instance dies, another
        comes); each attempt goes to one of them, spread by citizen and step."""
        end = time.time() + deadline
        while self.next < upto:
            k = self.next
            attempt = 0
            while True:
                live = list(ports)
                st = 0
                if live:
                    port = live[(int(self.phone[-4:]) + k + attempt) % len(live)]
                    try:
                        st, _ = deliver(port, self.phone, wamid=self.wamids[k], **self.steps[k])
                    except OSError:
                        st = 0
                if st == 200:
                    self.acked.append(self.wamids[k])
                    self.by_port[port] = self.by_port.get(port, 0) + 1
                    break
                self.refused[st] = self.refused.get(st, 0) + 1
                attempt += 1
                if time.time() > end:
                    self.gave_up = True
                    return
                time.sleep(0.2)
            self.next += 1
            if pause:
                time.sleep(pause)


def walk_all(citizens, ports, upto=STEPS, pause=0.1):
    """Starts every citizen's walk on its own thread; returns the threads."""
    threads = [threading.Thread(target=c.walk, args=(ports, upto, pause), daemon=True) for c in citizens]
    for t in threads:
        t.start()
    return threads


def join(threads, timeout=120):
    end = time.time() + timeout
    for t in threads:
        t.join(max(0.0, end - time.time()))
    return not any(t.is_alive() for t in threads)


def acked(citizens):
    return sum(len(c.acked) for c in citizens)


def refused(citizens, status=None):
    return sum(n for c in citizens for st, n in c.refused.items() if status is None or st == status)


def q(env, sql):
    return h.psql(env.url, sql)


def count(env, sql):
    return int(q(env, sql) or 0)


def rows(env, sql):
    return [line.split("|") for line in q(env, sql).splitlines() if line]


def recorded(env):
    return count(env, "SELECT count(*) FROM inbound_messages")


def pending(env):
    """Entries delivered to a worker and not yet acknowledged, over every stream."""
    total = 0
    for s in [f"sampark:in:{i:02d}" for i in range(16)] + ["sampark:statuses"]:
        out = env.redis.cli("XPENDING", s, "workers").split("\n")[0]
        total += int(out) if out.strip().isdigit() else 0
    return total


def pending_by_consumer(env):
    """consumer name -> entries pending with it, over the inbound streams."""
    out = {}
    for i in range(16):
        toks = env.redis.cli("XINFO", "CONSUMERS", f"sampark:in:{i:02d}", "workers").split("\n")
        name = None
        for a, b in zip(toks, toks[1:]):
            if a == "name":
                name = b
            elif a == "pending" and name is not None and b.strip().isdigit():
                out[name] = out.get(name, 0) + int(b)
    return out


def receipts_waiting(env):
    """Read receipts recorded and not yet taken by a sender: phone -> wamid (bot/receipts.h)."""
    toks = env.redis.cli("HGETALL", "sampark:receipts").split("\n")
    return {p: v.split(" ", 2)[-1] for p, v in zip(toks[::2], toks[1::2]) if p}


MASKED = re.compile(r"(?<![0-9A-Za-z])([0-9]{10,15})(?![0-9A-Za-z])")


def masked(s):
    """s as the log shows it: phone numbers masked (bot/text.c text_mask_phones)."""
    return MASKED.sub(lambda m: m[1][:4] + "*" * (len(m[1]) - 6) + m[1][-2:], s)


def receipts_sent(env, graph=None):
    """The message ids read receipts went out for, one per request that succeeded: at the fake
    Graph API, or (no graph: a dry-run sender) in the serve logs' dry-run lines, where the ids
    are masked as the log masks phones."""
    if graph is not None:
        with graph.lock:
            return [b.get("message_id") for _, _, b, st, _ in graph.requests
                    if st == 200 and isinstance(b, dict) and b.get("status") == "read"]
    out = []
    for path in glob.glob(os.path.join(env.tmp, "serve-*.log")):
        with open(path, errors="replace") as f:
            out += [m[1] for m in re.finditer(r'"status":"read","message_id":"([^"]+)"', f.read())]
    return out


def receipts_check(env, tag, everyone, graph=None, timeout=30):
    """Receipts are coalesced per citizen (WhatsApp marks every earlier message of a chat read):
    each citizen's last message must get its receipt, every receipt must be for a message
    posted, and none may be left waiting in Redis. A repeat may send one twice (harmless)."""
    key = (lambda w: w) if graph is not None else masked
    last = collections.Counter(key(c.wamids[c.next - 1]) for c in everyone if c.next)
    posted = {key(w) for c in everyone for w in c.wamids[:c.next]}

    def done():
        sent = collections.Counter(receipts_sent(env, graph))
        return not receipts_waiting(env) and all(sent[w] >= k for w, k in last.items())
    ok = h.wait_for(done, timeout, 0.2)
    sent = collections.Counter(receipts_sent(env, graph))
    h.check(f"{tag}: every citizen's last message got its read receipt (earlier ones theirs or coalesced), "
            f"none left in Redis ({sum(sent.values())} receipts for {len(posted)} messages)", ok,
            (receipts_waiting(env), [w for w, k in last.items() if sent[w] < k][:5]))
    h.check(f"{tag}: every read receipt is for a message posted", set(sent) <= posted, sorted(set(sent) - posted)[:5])


def session_state(env, phone):
    data = env.redis.cli("HGET", f"sampark:sess:{phone}", "data")
    return data.split("\x00")[0] if data else ""


def control(env, port, tag):
    """A citizen who walks the whole flow before anything fails: what everyone should end with."""
    c = Citizen(tag, "919870000000")
    c.walk([port], pause=0.05)
    ok = h.wait_for(lambda: count(env, f"SELECT count(*) FROM cases WHERE citizen_phone = '{c.phone}'") == 1
                    and count(env, f"SELECT count(*) FROM inbound_messages WHERE from_phone = '{c.phone}'") == STEPS, 30)
    h.check(f"{tag}: the control citizen files a complaint with nothing failing", ok)
    c.outbound = count(env, f"SELECT count(*) FROM outbound_messages WHERE recipient = '{c.phone}'")
    c.to_officers = count(env, "SELECT count(*) FROM outbound_messages o JOIN cases c ON c.id = o.case_id "
                               f"WHERE c.citizen_phone = '{c.phone}' AND o.recipient <> c.citizen_phone")
    c.state = session_state(env, c.phone)
    c.replies = replies(env, c.phone)
    return c


def replies(env, phone):
    """The texts a citizen got, in order, digits blurred (tracking numbers, dates, phones)."""
    return [re.sub(r"[0-9०-९]+", "#", r[0]) for r in rows(
        env, "SELECT COALESCE(payload->'text'->>'body', payload->'interactive'->'body'->>'text', kind) "
             f"FROM outbound_messages WHERE recipient = '{phone}' AND kind <> 'read' ORDER BY id")]


# Causes found earlier, named in failure messages should they come back (tests/faults/README.md).
B1 = ("REGRESSION of B1 (tests/faults/README.md): a message whose transaction committed just before a crash "
      "or an outage is never run again, and the session it produced was never saved")
B2 = ("REGRESSION of B2 (tests/faults/README.md): a send Graph accepted while PostgreSQL was down is not recorded; "
      "the row stays 'sending' (its recipient's queue stalled) until the claim lapses a minute later, and then "
      "goes out again")
B3 = ("REGRESSION of B3 (tests/faults/README.md) if the rows are queued behind a claim that nobody holds "
      "(its answer lost when PostgreSQL stopped): the claim stalls those recipients until it lapses a minute later")


def trail(env, phone):
    """What one citizen sent and what each message got back, in processing order: printed
    under a failed check so the failure can be read without re-running."""
    print(f"     trail of {phone}:", flush=True)
    for wamid, _ in rows(env, "SELECT wamid, processed_at FROM inbound_messages "
                                 f"WHERE from_phone = '{phone}' ORDER BY processed_at, wamid"):
        replies = rows(env, "SELECT left(replace(COALESCE(payload->'text'->>'body', payload->'interactive'->'body'->>'text',"
                            " kind), E'\\n', ' '), 60) FROM outbound_messages "
                            f"WHERE idempotency_key LIKE '{wamid}:%' AND kind <> 'read' ORDER BY id")
        print(f"       {wamid} -> {[r[0] for r in replies]}", flush=True)


def verify(env, tag, citizens, ctl, sent_timeout=30):
    """The closing count of a scenario: every message in recorded once, one case per citizen,
    the same messages out as the control citizen, nothing left pending or dead."""
    everyone = citizens + [ctl]
    n = len(citizens)
    posted = {w for c in everyone for w in c.wamids[:c.next]}
    h.check(f"{tag}: every citizen got a 200 for all {STEPS} steps (re-posting what was refused)",
            all(c.next == STEPS and not c.gave_up for c in citizens),
            [(c.phone, c.next, c.refused) for c in citizens if c.next != STEPS or c.gave_up][:5])
    # Each message's effects (outbox rows, the case) commit with its inbound row: once every
    # message is recorded and acknowledged, the counts below are final.
    h.wait_for(lambda: recorded(env) >= len(posted), 60, 0.2)
    h.wait_for(lambda: pending(env) == 0, 15, 0.2)
    rec = {r[0] for r in rows(env, "SELECT wamid FROM inbound_messages")}
    ok200 = {w for c in everyone for w in c.acked}
    h.check(f"{tag}: every message answered 200 is recorded ({len(ok200)} acknowledged, "
            f"{len(ok200 - rec)} missing)", ok200 <= rec, sorted(ok200 - rec)[:5])
    h.check(f"{tag}: messages in = messages recorded ({len(posted)} posted, {recorded(env)} rows)",
            recorded(env) == len(posted) and rec == posted, sorted(rec ^ posted)[:5])
    cases = rows(env, "SELECT citizen_phone, tracking_no, description FROM cases")
    per = {}
    for phone, _, _ in cases:
        per[phone] = per.get(phone, 0) + 1
    h.check(f"{tag}: cases = citizens ({n + 1} expected, {len(cases)} filed)", len(cases) == n + 1,
            {p: k for p, k in per.items() if k != 1})
    odd = [c.phone for c in everyone if per.get(c.phone) != 1]
    h.check(f"{tag}: exactly one case per citizen", not odd, [(p, per.get(p, 0)) for p in odd][:5])
    h.check(f"{tag}: distinct tracking numbers", len({t for _, t, _ in cases}) == len(cases))
    h.check(f"{tag}: each case holds its own citizen's text",
            all(d == f"हैंडपंप खराब है, नागरिक {p}" for p, _, d in cases))
    h.check(f"{tag}: one 'created' event per case",
            count(env, "SELECT count(*) FROM case_events WHERE kind = 'created'") == len(cases))
    out = dict((r[0], int(r[1])) for r in rows(env, "SELECT recipient, count(*) FROM outbound_messages GROUP BY 1"))
    odd += [c.phone for c in citizens if out.get(c.phone, 0) != ctl.outbound and c.phone not in odd]
    h.check(f"{tag}: every citizen got the control citizen's {ctl.outbound} messages (replies, not receipts)",
            all(out.get(c.phone, 0) == ctl.outbound for c in citizens),
            [(c.phone, out.get(c.phone, 0)) for c in citizens if out.get(c.phone, 0) != ctl.outbound][:5])
    receipts_check(env, tag, everyone, getattr(env, "graph", None))
    off = rows(env, "SELECT c.citizen_phone, count(o.id) FROM cases c LEFT JOIN outbound_messages o "
                    "ON o.case_id = c.id AND o.recipient <> c.citizen_phone GROUP BY 1")
    h.check(f"{tag}: every case notified the officers as the control's did ({ctl.to_officers} messages)",
            all(int(k) == ctl.to_officers for _, k in off), [r for r in off if int(r[1]) != ctl.to_officers][:5])
    by_state = lambda: dict((r[0], int(r[1])) for r in rows(env, "SELECT state, count(*) FROM outbound_messages GROUP BY 1"))
    h.check(f"{tag}: every outbound message is sent, none failed",
            h.wait_for(lambda: count(env, "SELECT count(*) FROM outbound_messages WHERE state <> 'sent'") == 0,
                       sent_timeout, 0.2),
            f"{by_state()}" + (f" — likely {B2}; or {B3}" if by_state().get("sending") else ""))
    lost = [c.phone for c in citizens if replies(env, c.phone) != ctl.replies]
    odd += [p for p in lost if p not in odd]
    h.check(f"{tag}: every citizen's conversation is the control's, reply for reply (no step lost or repeated)",
            not lost, f"{len(lost)} citizens differ, e.g. {lost[:3]} (trails below) — likely {B1}")
    states = {c.phone: session_state(env, c.phone) for c in citizens}
    h.check(f"{tag}: every citizen's session ends where the control's does ('{ctl.state}')",
            all(s == ctl.state for s in states.values()),
            {p: s for p, s in states.items() if s != ctl.state})
    h.check(f"{tag}: nothing left pending in the queue", pending(env) == 0, pending(env))
    dead = env.redis.cli("XLEN", "sampark:dead")
    h.check(f"{tag}: no dead letters", dead in ("", "0"), dead)
    for phone in ([ctl.phone] + odd[:3] if odd else []):
        trail(env, phone)


def low_free_port():
    """A free port below the ephemeral range (32768-60999), so no outgoing connection can be
    holding it when a restarted server binds it again."""
    for _ in range(500):
        port = random.randint(21000, 32000)
        if port in SHARED_PORTS:
            continue
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port below 32000")


class PrivatePostgres:
    """A PostgreSQL 15 cluster of our own (initdb in a temp dir, run as the service user when
    we are root), so restarting it disturbs no other test."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sampark-faultpg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.port = low_free_port()
        if os.geteuid() == 0:
            pw = pwd.getpwnam(SERVICE_USER)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        r = self.run(f"{PG_BIN}/initdb", "-D", self.data, "-U", SERVICE_USER, "-A", "trust", "-E", "UTF8",
                     "--locale=C.UTF-8", "--no-sync")
        if r.returncode != 0:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise RuntimeError(f"initdb: {r.stderr[-500:]}")
        try:
            self.start()
        except BaseException:
            self.close()
            raise

    def run(self, *args):
        if os.geteuid() == 0:
            args = ("runuser", "-u", SERVICE_USER, "--") + args
        return subprocess.run(args, capture_output=True, text=True, timeout=120)

    @property
    def url(self):
        return f"postgresql://{SERVICE_USER}@127.0.0.1:{self.port}/postgres"

    def start(self):
        r = self.run(f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o",
                     f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        if r.returncode != 0:
            raise RuntimeError(f"pg_ctl start: {r.stderr[-300:]} {open(self.log).read()[-500:]}")

    def stop(self, mode="fast"):
        r = self.run(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")
        if r.returncode != 0:
            raise RuntimeError(f"pg_ctl stop: {r.stderr[-300:]}")

    def close(self):
        self.run(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class PgEnv(h.Env):
    """h.Env on a private PostgreSQL: the same fresh database, migrations and directory."""

    def __init__(self, tag, pg):
        self.pg = pg
        self.tmp = tempfile.mkdtemp(prefix=f"sampark-{tag}-")
        self.db = f"e2e_{tag}_{os.getpid()}"
        self.redis = None
        self.procs = []
        try:
            h.psql(pg.url, f"CREATE DATABASE {self.db}")
            self.url = pg.url.rsplit("/", 1)[0] + "/" + self.db
            self.redis = h.Redis(self.tmp)
            for args in (["migrate", os.path.join(h.ROOT, "migrations")],
                         ["directory", "load", os.path.join(h.ROOT, "flows", "district.json")]):
                r = subprocess.run([h.BIN, *args], env=self.env(), capture_output=True, text=True)
                if r.returncode != 0:
                    raise RuntimeError(f"{args}: {r.stderr}")
        except BaseException:
            self.close()  # the private cluster must not outlive a scenario that could not start
            raise

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if self.redis:
            self.redis.stop()
        self.pg.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def kill_redis(env):
    """kill -9 of the private Redis (a crash, not a shutdown): only its append-only file remains."""
    env.redis.proc.kill()
    env.redis.proc.wait()
    env.redis.proc = None


def log_of(proc):
    with open(proc.logpath, errors="replace") as f:
        return f.read()

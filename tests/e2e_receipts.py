#!/usr/bin/env python3
"""e2e_receipts.py — read receipts (blue ticks) through Redis, not the outbox (issue 22, step 7;
bot/receipts.h), with real serve processes, Redis and PostgreSQL and the fake Graph API: a
message's receipt reaches Graph and no outbox row is written for it; a receipt Graph answers
with a passing failure is sent again, one refused for good is not; when Redis stops taking
writes right after a worker's commit (the receipt not recorded), the entry comes again and its
receipt is sent once Redis takes them again; and receipts failing at Graph while Redis does not
answer never hold up the sender's loop until replies Graph accepted time out and go twice.
(A newer receipt never replaced by a put-back, the budget's share: tests/test_receipts.c;
the share seen at Graph: tests/e2e_receipt_share.py.) Prints 'N passed, N failed'."""
import collections
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "faults"))
import e2e_webhook as h  # noqa: E402  (the shared harness: Env, psql, wait_for, check)
from e2e_cases import deliver  # noqa: E402
from fake_graph import FakeGraph  # noqa: E402
from run_faults import TableLock  # noqa: E402  (a worker held inside its transaction)

TOKEN = "e2e-access-token"
PHONE_ID = "106540352242922"
GRAPH = dict(WA_ACCESS_TOKEN=TOKEN, WA_PHONE_NUMBER_ID=PHONE_ID, SAMPARK_RETRY_BASE_MS="100",
             SAMPARK_RECLAIM_IDLE_MS="1000")


class ReceiptGraph(FakeGraph):
    """The fake Graph API, answering the receipts of chosen messages with scripted failures:
    fail[wamid] is a list of (status, graph code) answers to give first; fail_all, one answer
    for every receipt; together, a threading.Barrier every receipt waits at before its answer
    (so they are answered at once); and message_delay, seconds a message (not a receipt) waits
    before it is accepted."""

    def __init__(self, *args):
        super().__init__(*args)
        self.fail = {}
        self.fail_all = None
        self.together = None
        self.message_delay = 0.0

    def answer(self, path, auth, body):
        read = isinstance(body, dict) and body.get("status") == "read"
        mid = body.get("message_id") if read else None
        if read and self.together:
            try:
                self.together.wait(20)
            except threading.BrokenBarrierError:
                pass
        with self.lock:
            script = self.fail.get(mid)
            if script or (read and self.fail_all):
                status, code = script.pop(0) if script else self.fail_all
                ans = {"error": {"message": "scripted failure", "type": "OAuthException", "code": code}}
                self.requests.append((0.0, path, body, status, ans))
                return status, ans
        if not read and self.message_delay:
            time.sleep(self.message_delay)
        return super().answer(path, auth, body)

    def receipts(self, wamid):
        """The statuses Graph answered the read receipts of wamid with, in order."""
        with self.lock:
            return [s for _, _, b, s, _ in self.requests
                    if isinstance(b, dict) and b.get("status") == "read" and b.get("message_id") == wamid]


def read_rows(env):
    return int(h.psql(env.url, "SELECT count(*) FROM outbound_messages WHERE kind = 'read'"))


def test_receipt_at_graph_no_outbox_row():
    env, fake = h.Env("rcpt"), ReceiptGraph(TOKEN, PHONE_ID)
    try:
        srv = env.serve(WA_API_BASE=fake.base, **GRAPH)
        st, w = deliver(srv.port, "919812300001", text="नमस्ते")
        h.check("the greeting is taken", st == 200, st)
        h.check("its read receipt reaches Graph", h.wait_for(lambda: fake.receipts(w) == [200], 20), fake.receipts(w))
        h.check("and its reply", h.wait_for(lambda: any(b.get("to") == "919812300001" for _, b, _ in fake.delivered()), 20))
        h.check("no outbox row for the receipt", read_rows(env) == 0, read_rows(env))
        h.check("nothing waits in Redis", h.wait_for(lambda: env.redis.cli("HLEN", "sampark:receipts") == "0", 10))
    finally:
        env.close()
        fake.close()


def test_passing_failure_retried_permanent_not():
    env, fake = h.Env("rcptf"), ReceiptGraph(TOKEN, PHONE_ID)
    try:
        srv = env.serve(WA_API_BASE=fake.base, **GRAPH)
        a, b = "919812300011", "919812300012"
        wa, wb = "wamid.RCPT.retry.1", "wamid.RCPT.refused.1"
        fake.fail[wa] = [(500, 1), (429, 130429)]
        fake.fail[wb] = [(400, 100)]
        deliver(srv.port, a, text="नमस्ते", wamid=wa)
        deliver(srv.port, b, text="नमस्ते", wamid=wb)
        h.check("a receipt Graph answers 500 then 429 is sent again until it goes",
                h.wait_for(lambda: fake.receipts(wa) == [500, 429, 200], 20), fake.receipts(wa))
        h.check("one Graph refuses for good (400) is logged as failed",
                h.wait_for(lambda: "read receipt of a message to" in open(srv.logpath, errors="replace").read(), 20))
        h.check("and not sent again", fake.receipts(wb) == [400] and env.redis.cli("HLEN", "sampark:receipts") == "0",
                fake.receipts(wb))
        h.check("no outbox row for either", read_rows(env) == 0)
        m = dict(line.rsplit(" ", 1) for line in h.http_get(srv.port, "/metrics")[1].splitlines()
                 if line.startswith("sampark_messages_out_total"))
        h.check("/metrics counts the receipts' retries and failure with the other sends",
                int(m.get('sampark_messages_out_total{result="retried"}', 0)) >= 2 and
                int(m.get('sampark_messages_out_total{result="failed"}', 0)) >= 1, m)
    finally:
        env.close()
        fake.close()


def test_redis_refuses_writes_after_commit():
    """The worker commits a message while Redis takes no writes (CLIENT PAUSE WRITE, as the
    fault suite does), so its receipt (and session) are not recorded: the entry is not
    acknowledged, comes again once Redis takes writes, is recognised as recorded — and its
    receipt is recorded then, and sent. The worker is held inside its transaction by a table
    lock until the pause has begun, so it commits during the pause every time."""
    env, fake = h.Env("rcptr"), ReceiptGraph(TOKEN, PHONE_ID)
    lock = None
    try:
        recv = env.serve(role="receiver")
        worker = env.serve(role="worker", **GRAPH)
        env.serve(role="sender", WA_API_BASE=fake.base, **GRAPH)
        phone = "919812300021"
        w1, w2 = "wamid.RCPT.down.1", "wamid.RCPT.down.2"
        deliver(recv.port, phone, text="नमस्ते", wamid=w1)
        h.check("paused: the greeting's receipt is sent", h.wait_for(lambda: fake.receipts(w1) == [200], 20),
                fake.receipts(w1))
        lock = TableLock(env)
        deliver(recv.port, phone, reply_id="c:hi", wamid=w2)
        h.check("paused: the worker holds the next message, waiting on the lock", lock.someone_waits())
        env.redis.cli("CLIENT", "PAUSE", "60000", "WRITE")
        lock.release()
        lock = None
        h.check("paused: the worker commits the message meanwhile",
                h.wait_for(lambda: h.psql(env.url, f"SELECT count(*) FROM inbound_messages WHERE wamid = '{w2}'")
                           == "1", 20))
        h.check("paused: and says its sessions and receipts were not saved",
                h.wait_for(lambda: "read receipts not saved" in open(worker.logpath, errors="replace").read(), 20))
        h.check("paused: no receipt went out for it meanwhile", fake.receipts(w2) == [], fake.receipts(w2))
        env.redis.cli("CLIENT", "UNPAUSE")
        h.check("paused: once Redis takes writes, the entry comes again and its receipt is sent",
                h.wait_for(lambda: 200 in fake.receipts(w2), 30), fake.receipts(w2))
        h.check("paused: the message is recorded once, nothing left pending",
                h.psql(env.url, f"SELECT count(*) FROM inbound_messages WHERE wamid = '{w2}'") == "1" and
                h.wait_for(lambda: sum(int(env.redis.cli("XPENDING", f"sampark:in:{k:02d}", "workers").split("\n")[0] or 0)
                                       for k in range(16)) == 0, 20))
        h.check("paused: no outbox row for either receipt", read_rows(env) == 0)
    finally:
        if lock:
            lock.release()
        env.close()
        fake.close()


def test_failing_receipts_never_stall_replies():
    """Graph accepts messages slowly (3 s) and answers all receipts 500 at once, just after
    Redis stopped taking writes for 25 s (8 citizens: every reply and receipt goes in the first
    claim, on curl's 16 connections). The failed receipts go back to Redis in one call, and after
    a call finds no answer the sender leaves Redis alone for a moment, so curl keeps being
    driven: no reply Graph accepted times out (15 s) and goes twice (one call per receipt
    stalled the loop 2 s each, 16 s for 8, and replies were sent twice)."""
    env, fake = h.Env("rcpts"), ReceiptGraph(TOKEN, PHONE_ID)
    n = 8
    try:
        recv = env.serve(role="receiver")
        env.serve(role="worker", **GRAPH)
        fast = dict(GRAPH, SAMPARK_SEND_RATE="1000")
        for k in range(n):
            deliver(recv.port, f"9198123{k:05d}", text="नमस्ते")
        h.wait_for(lambda: env.redis.cli("HLEN", "sampark:receipts") == str(n), 60)
        rows = int(h.psql(env.url, "SELECT count(*) FROM outbound_messages"))
        fake.fail_all, fake.message_delay = (500, 1), 3.0
        fake.together = threading.Barrier(n, action=lambda: env.redis.cli("CLIENT", "PAUSE", "25000", "WRITE"))
        snd = env.serve(role="sender", WA_API_BASE=fake.base, **fast)
        h.check("stall: every reply is sent in the end",
                h.wait_for(lambda: h.psql(env.url, "SELECT count(*) FROM outbound_messages WHERE state = 'sent'")
                           == str(rows), 90), rows)
        h.check("stall: Redis did stop taking writes meanwhile (the receipts' put-backs were lost)",
                "not put back" in open(snd.logpath, errors="replace").read())
        got = collections.Counter(b.get("to") for _, b, _ in fake.delivered() if b.get("status") != "read")
        h.check(f"stall: no reply reached a citizen twice ({sum(got.values())} deliveries for {rows} rows)",
                sum(got.values()) == rows and all(v == 1 for v in got.values()), got.most_common(3))
    finally:
        env.close()
        fake.close()


def main():
    return h.run_tests([test_receipt_at_graph_no_outbox_row, test_passing_failure_retried_permanent_not,
                        test_redis_refuses_writes_after_commit, test_failing_receipts_never_stall_replies])


if __name__ == "__main__":
    sys.exit(main())

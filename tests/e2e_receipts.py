#!/usr/bin/env python3
"""e2e_receipts.py — read receipts (blue ticks) through Redis, not the outbox (issue 22, step 7;
bot/receipts.h), with real serve processes, Redis and PostgreSQL and the fake Graph API: a
message's receipt reaches Graph and no outbox row is written for it; a receipt Graph answers
with a passing failure is sent again, one refused for good is not; and when Redis goes away
right after a worker's commit (the receipt not recorded), the entry comes again and its receipt
is sent once Redis is back. (A newer receipt never replaced by a put-back: tests/test_receipts.c.)
Prints 'N passed, N failed'."""
import os
import sys

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
    fail[wamid] is a list of (status, graph code) answers to give first."""

    def __init__(self, *args):
        super().__init__(*args)
        self.fail = {}

    def answer(self, path, auth, body):
        mid = body.get("message_id") if isinstance(body, dict) and body.get("status") == "read" else None
        with self.lock:
            script = self.fail.get(mid)
            if script:
                status, code = script.pop(0)
                ans = {"error": {"message": "scripted failure", "type": "OAuthException", "code": code}}
                self.requests.append((0.0, path, body, status, ans))
                return status, ans
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


def test_redis_down_after_commit():
    """The worker commits a message while Redis is down, so its receipt (and session) are not
    recorded: the entry is not acknowledged, comes again once Redis is back, is recognised as
    recorded — and its receipt is recorded then, and sent."""
    env, fake = h.Env("rcptr"), ReceiptGraph(TOKEN, PHONE_ID)
    lock = None
    try:
        recv = env.serve(role="receiver")
        worker = env.serve(role="worker", **GRAPH)
        env.serve(role="sender", WA_API_BASE=fake.base, **GRAPH)
        phone = "919812300021"
        w1, w2 = "wamid.RCPT.down.1", "wamid.RCPT.down.2"
        deliver(recv.port, phone, text="नमस्ते", wamid=w1)
        h.check("redis down: the greeting's receipt is sent", h.wait_for(lambda: fake.receipts(w1) == [200], 20),
                fake.receipts(w1))
        lock = TableLock(env)
        deliver(recv.port, phone, reply_id="c:hi", wamid=w2)
        h.check("redis down: the worker holds the next message, waiting on the lock", lock.someone_waits())
        retrying = open(worker.logpath, errors="replace").read().count("(retrying)")
        env.redis.stop()
        lock.release()
        lock = None
        h.wait_for(lambda: open(worker.logpath, errors="replace").read().count("(retrying)") > retrying, 20)
        committed = h.psql(env.url, f"SELECT count(*) FROM inbound_messages WHERE wamid = '{w2}'") == "1"
        print(f"     (the worker {'committed' if committed else 'did not commit'} while Redis was down)", flush=True)
        h.check("redis down: no receipt went out for it meanwhile", fake.receipts(w2) == [], fake.receipts(w2))
        env.redis.start()
        h.check("redis down: once Redis is back, the entry comes again and its receipt is sent",
                h.wait_for(lambda: 200 in fake.receipts(w2), 30), fake.receipts(w2))
        h.check("redis down: the message is recorded once, nothing left pending",
                h.psql(env.url, f"SELECT count(*) FROM inbound_messages WHERE wamid = '{w2}'") == "1" and
                h.wait_for(lambda: sum(int(env.redis.cli("XPENDING", f"sampark:in:{k:02d}", "workers").split("\n")[0] or 0)
                                       for k in range(16)) == 0, 20))
        h.check("redis down: no outbox row for either receipt", read_rows(env) == 0)
    finally:
        if lock:
            lock.release()
        env.close()
        fake.close()


def main():
    return h.run_tests([test_receipt_at_graph_no_outbox_row, test_passing_failure_retried_permanent_not,
                        test_redis_down_after_commit])


if __name__ == "__main__":
    sys.exit(main())

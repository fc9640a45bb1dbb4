#!/usr/bin/env python3
"""e2e_receipt_stall.py — review reproduction (branch revrc): Redis stops taking writes (CLIENT
PAUSE WRITE, as the fault suite does) while read receipts are in flight and Graph answers them
500. Each failed receipt is put back with its own EVAL (sender.c receipt_again), which blocks
for the 2 s command timeout; the sender's loop stalls for 2 s per receipt, curl is not driven,
and replies Graph already accepted pass their 15 s timeout: they are retried and reach the
citizen twice. Prints 'N passed, N failed'."""
import collections
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "faults"))
import e2e_webhook as h  # noqa: E402
from e2e_cases import deliver  # noqa: E402
from fake_graph import FakeGraph  # noqa: E402

TOKEN = "e2e-access-token"
PHONE_ID = "106540352242922"
N = 12


class SlowGraph(FakeGraph):
    """Receipts: answered 500 after 0.5 s; the first one pauses Redis's writes for 40 s just
    before its answer (on_first_receipt). Messages: accepted after 8 s (a slow Graph, within the
    sender's 15 s timeout)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.arrived = collections.Counter()
        self.on_first_receipt = None

    def answer(self, path, auth, body):
        read = isinstance(body, dict) and body.get("status") == "read"
        with self.lock:
            self.arrived["r" if read else "R"] += 1
        if read:
            time.sleep(0.5)
            with self.lock:
                hook, self.on_first_receipt = self.on_first_receipt, None
            if hook:
                hook()
            ans = {"error": {"message": "scripted failure", "type": "OAuthException", "code": 1}}
            with self.lock:
                self.requests.append((time.time(), path, body, 500, ans))
            return 500, ans
        time.sleep(8.0)
        return super().answer(path, auth, body)


def test_paused_redis_doubles_replies():
    env, fake = h.Env("rstall"), SlowGraph(TOKEN, PHONE_ID)
    try:
        g = dict(WA_ACCESS_TOKEN=TOKEN, WA_PHONE_NUMBER_ID=PHONE_ID, SAMPARK_RETRY_BASE_MS="100")
        recv = env.serve(role="receiver")
        env.serve(role="worker", **g)
        for k in range(N):
            deliver(recv.port, f"9198126{k:05d}", text="नमस्ते")
        h.wait_for(lambda: env.redis.cli("HLEN", "sampark:receipts") == str(N), 60)
        rows = int(h.psql(env.url, "SELECT count(*) FROM outbound_messages"))
        fake.on_first_receipt = lambda: env.redis.cli("CLIENT", "PAUSE", "40000", "WRITE")
        snd = env.serve(role="sender", WA_API_BASE=fake.base, **g)
        h.wait_for(lambda: fake.arrived["r"] >= 1, 30, 0.02)
        print(f"     {rows} replies queued, {N} receipts; Redis paused for writes 40 s at the first receipt's 500",
              flush=True)
        time.sleep(45)
        h.wait_for(lambda: int(h.psql(env.url, "SELECT count(*) FROM outbound_messages WHERE state = 'sent'")) == rows, 60)
        got = collections.Counter((b.get("to"), json_text(b)) for _, b, _ in fake.delivered())
        twice = {k: v for k, v in got.items() if v > 1}
        print("".join(open(snd.logpath, errors="replace").readlines()[-40:]), flush=True)
        h.check(f"no reply reached a citizen twice ({sum(got.values())} deliveries for {rows} rows)", not twice,
                list(twice.items())[:3])
    finally:
        env.close()
        fake.close()


def json_text(b):
    return str(b.get("text") or b.get("interactive") or b.get("template"))


def main():
    return h.run_tests([test_paused_redis_doubles_replies])


if __name__ == "__main__":
    sys.exit(main())

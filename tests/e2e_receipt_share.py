#!/usr/bin/env python3
"""e2e_receipt_share.py — how the sender shares its budget between replies and read receipts
(sender.c claim, sender_receipt_share), seen at the fake Graph API. A backlog is built with no
sender running (receiver + worker only), then one sender starts; the order in which replies (R)
and receipts (r) reach Graph is printed and checked against what README says: replies first,
receipts about one send in eight while replies are backlogged — at SAMPARK_SEND_RATE=10 (a
grant of 1 a tenth) as at 80 with more citizens than the sender's in-flight room. (Written by
the review as a reproduction: at rate 10 receipts took every grant, at 80 they got ~4%.)
Prints 'N passed, N failed'."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "faults"))
import e2e_webhook as h  # noqa: E402
from e2e_cases import deliver  # noqa: E402
from fake_graph import FakeGraph  # noqa: E402

TOKEN = "e2e-access-token"
PHONE_ID = "106540352242922"


def order(fake):
    with fake.lock:
        return "".join("r" if b.get("status") == "read" else "R"
                       for _, _, b, s, _ in fake.requests if s == 200 and isinstance(b, dict))


def backlog_then_send(tag, n, rate, prefix):
    env, fake = h.Env(tag), FakeGraph(TOKEN, PHONE_ID)
    try:
        g = dict(WA_ACCESS_TOKEN=TOKEN, WA_PHONE_NUMBER_ID=PHONE_ID, SAMPARK_SEND_RATE=str(rate))
        recv = env.serve(role="receiver")
        env.serve(role="worker", **g)
        for k in range(n):
            deliver(recv.port, f"{prefix}{k:04d}", text="नमस्ते")
        h.wait_for(lambda: env.redis.cli("HLEN", "sampark:receipts") == str(n), 120)
        rows = int(h.psql(env.url, "SELECT count(*) FROM outbound_messages"))
        env.serve(role="sender", WA_API_BASE=fake.base, **g)
        h.wait_for(lambda: len(order(fake)) >= rows + n, 120, 0.2)
        return order(fake), rows
    finally:
        env.close()
        fake.close()


def test_low_rate_receipts_before_replies():
    """SAMPARK_SEND_RATE=10: a tenth's grant is 1; receipts earn an eighth of a slot per grant."""
    seq, rows = backlog_then_send("rshare1", 20, 10, "91981240")
    print(f"     rate 10, 20 citizens, {rows} replies: {seq}", flush=True)
    first = seq[:20]
    h.check("rate 10: replies first (at most an eighth of the first 20 sends are receipts)",
            first.count("r") <= 3, first)


def test_reply_backlog_starves_receipts():
    """A reply backlog of more recipients than free in-flight slots: the case walk leaves room
    for the receipts' share, taken before it."""
    seq, rows = backlog_then_send("rshare2", 400, 80, "91981250")
    print(f"     rate 80, 400 citizens, {rows} replies: {seq}", flush=True)
    first = seq[:240]
    h.check(f"rate 80: receipts keep about an eighth while replies are backlogged "
            f"({first.count('r')} of the first 240 sends)", first.count("r") >= 20, first)


def main():
    return h.run_tests([test_low_rate_receipts_before_replies, test_reply_backlog_starves_receipts])


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""e2e_hardening.py — issue 14's smaller items, end to end against real Redis and PostgreSQL:
the inbound queue's bound (a full stream answers 503 and loses nothing), a draft complaint that
does not outlive its session (only the language is kept a week longer), and WA_API_BASE refusing
plain http to another machine. Standard library only; reuses e2e_webhook.py's helpers.
Prints one line per check and a closing 'N passed, N failed'.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_webhook as w  # noqa: E402  (reads the binary from sys.argv[1] like every suite)
from e2e_webhook import Env, check, post, psql, recorded, text_message, wait_for  # noqa: E402

import http.client  # noqa: E402
import json  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402


def queue_length(env):
    return sum(int(env.redis.cli("XLEN", f"sampark:in:{s:02d}") or 0) for s in range(16))


def shard(wa_id):
    """queue_shard_of in bot/queue.c: FNV-1a of the sender's id, modulo 16 streams."""
    h = 2166136261
    for b in wa_id.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h % 16


def evalsha_calls(env):
    """Script calls the private Redis has run (INFO commandstats: cmdstat_evalsha:calls=N,...)."""
    for line in env.redis.cli("INFO", "commandstats").splitlines():
        if line.startswith("cmdstat_evalsha:"):
            return int(line.split("calls=")[1].split(",")[0])
    return 0


def burst_in_one_turn(recv, bodies):
    """Posts the bodies on connections the receiver has already accepted, written while it is
    stopped (SIGSTOP), so that one poll() of its loop finds them all; returns the status codes."""
    conns = [http.client.HTTPConnection("127.0.0.1", recv.port, timeout=10) for _ in bodies]
    try:
        for c in conns:  # accepted and kept alive
            c.request("GET", "/healthz")
            c.getresponse().read()
        os.kill(recv.pid, signal.SIGSTOP)
        try:
            for c, body in zip(conns, bodies):
                c.request("POST", "/webhook", body=body, headers={
                    "Content-Type": "application/json", "X-Hub-Signature-256": w.sign(body)})
        finally:
            os.kill(recv.pid, signal.SIGCONT)
        codes = []
        for c in conns:
            r = c.getresponse()
            r.read()
            codes.append(r.status)
        return codes
    finally:
        for c in conns:
            c.close()


def two_messages(first, second):
    """One notification carrying two messages: (sender, wamid) each."""
    note = json.loads(text_message(first[0], first[1], "first"))
    value = note["entry"][0]["changes"][0]["value"]
    value["messages"].append(dict(value["messages"][0], id=second[1], text={"body": "second"}))
    value["messages"][1]["from"] = second[0]
    return json.dumps(note).encode()


def test_queue_bound():
    env = Env("qcap")
    try:
        # A receiver alone: nothing drains the streams. One sender keeps every message on one shard.
        recv = env.serve(role="receiver", SAMPARK_QUEUE_MAX="10")
        sender = "919811300001"
        codes = [post(recv.port, text_message(sender, f"wamid.CAP-{k:02d}", f"message {k}"))[0]
                 for k in range(10)]
        check("ten messages fit in a stream bounded at 10", codes == [200] * 10, codes)
        st, body = post(recv.port, text_message(sender, "wamid.CAP-10", "one too many"))
        check("the eleventh is refused with 503 (Meta delivers it again)", st == 503, f"{st} {body!r}")
        check("the refused message was not added", queue_length(env) == 10, queue_length(env))
        check("nor marked as seen (its redelivery is not dropped as a duplicate)",
              env.redis.cli("EXISTS", "sampark:seen:wamid.CAP-10") == "0")
        st, _ = post(recv.port, text_message("919811300001", "wamid.CAP-10", "one too many"))
        check("the redelivery is refused again while the stream is full", st == 503, st)

        # The notifications of one event-loop turn share script calls in Redis (up to 128 a call):
        # a full stream refuses only the notifications with a message for it, whole, and marks
        # none of it seen.
        other = next(p for p in (f"9198113{k:05d}" for k in range(2, 100)) if shard(p) != shard(sender))
        burst = [(sender, f"wamid.CAP-B{k:02d}") if k % 2 == 0 else (other, f"wamid.MIX-B{k:02d}")
                 for k in range(16)]
        calls = evalsha_calls(env)
        codes = burst_in_one_turn(recv, [text_message(p, m, "burst") for p, m in burst])
        calls = evalsha_calls(env) - calls
        check("in a burst, 503 for each message to the full stream and 200 for each to another",
              codes == [503, 200] * 8, codes)
        check("the burst's sixteen notifications shared script calls", 1 <= calls < 16, calls)
        st, _ = post(recv.port, two_messages((other, "wamid.MIX-TWO-1"), (sender, "wamid.CAP-TWO-2")))
        check("a notification with one message for the full stream is refused whole", st == 503, st)
        other_stream = f"sampark:in:{shard(other):02d}"
        check("the other stream holds the burst's eight and nothing of the refused notification",
              env.redis.cli("XLEN", other_stream) == "8", env.redis.cli("XLEN", other_stream))
        check("nothing refused is marked seen",
              all(env.redis.cli("EXISTS", f"sampark:seen:{m}") == "0"
                  for m in ["wamid.MIX-TWO-1", "wamid.CAP-TWO-2"] + [m for p, m in burst if p == sender]))
        check("every accepted one is", all(env.redis.cli("EXISTS", f"sampark:seen:{m}") == "1"
                                           for p, m in burst if p == other))
        metrics = w.http_get(recv.port, "/metrics")[1]
        check("/metrics shows the bound beside the lengths", "sampark_queue_max_length 10" in metrics,
              [l for l in metrics.splitlines() if "max_length" in l])

        # A worker drains the stream; then Meta's redelivery goes through and nothing was lost.
        env.serve(role="worker")
        check("the worker processes the ten", wait_for(lambda: recorded(env, "wamid LIKE 'wamid.CAP-%'") == 10, 30),
              recorded(env, "wamid LIKE 'wamid.CAP-%'"))
        check("the stream is trimmed below its bound",
              wait_for(lambda: queue_length(env) < 10 and post(recv.port, text_message(sender, "wamid.CAP-10", "again"))[0] == 200, 30))
        check("the redelivered message is processed once",
              wait_for(lambda: recorded(env, "wamid = 'wamid.CAP-10'") == 1, 30))
        check("the burst's accepted eight are processed",
              wait_for(lambda: recorded(env, "wamid LIKE 'wamid.MIX-B%'") == 8, 30),
              recorded(env, "wamid LIKE 'wamid.MIX-B%'"))
    finally:
        env.close()


def test_draft_lives_with_its_session():
    env = Env("draft")
    try:
        srv = env.serve(SAMPARK_SESSION_TTL_H="1")
        phone = "919811300002"
        for k, body in enumerate(["namaste", "1", "1"]):
            check(f"message {k} accepted", post(srv.port, text_message(phone, f"wamid.DRAFT-{k}", body, ts=1700000000 + k))[0] == 200)
        check("the conversation was stepped", wait_for(lambda: recorded(env, "wamid LIKE 'wamid.DRAFT-%'") == 3, 30))
        check("the session was saved", wait_for(lambda: env.redis.cli("EXISTS", f"sampark:sess:{phone}") == "1", 10))
        sess_ttl = int(env.redis.cli("PTTL", f"sampark:sess:{phone}"))
        lang_ttl = int(env.redis.cli("PTTL", f"sampark:lang:{phone}"))
        hour = 3600 * 1000
        check("the session (and any draft in it) expires with the session TTL", 0 < sess_ttl <= hour, sess_ttl)
        check("the language alone is kept a week longer", lang_ttl > 7 * 24 * hour, lang_ttl)
        lang = env.redis.cli("GET", f"sampark:lang:{phone}")
        check("the language key holds only the language (after a mid-way flag)",
              lang[:1] in ("0", "1") and lang[1:] in ("hi", "en", "hne"), repr(lang))
    finally:
        env.close()


def test_api_base_plain_http():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMPARK_") and not k.startswith("WA_")}
    env["WA_API_BASE"] = "http://graph.example.org/v21.0"
    r = subprocess.run([w.BIN, "flows", "check", os.path.join(w.ROOT, "flows")], env=env,
                       capture_output=True, text=True)
    check("plain http to another machine is refused at start", r.returncode == 1 and
          r.stderr.startswith("sampark: WA_API_BASE:") and r.stderr.count("\n") == 1, r.stderr)


def main():
    return w.run_tests([test_queue_bound, test_draft_lives_with_its_session, test_api_base_plain_http])


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""broadcast_report.py DATABASE_URL FAKE_LOG SENT_REF SENT_RUN BROADCAST_ID — the figures of
bench/broadcast. FAKE_LOG is tests/fake_graph.py's --log (arrival time, to, type, status,
wamid); SENT_* are bench/conversation.py's BENCH_SENT_OUT files (webhook id, POST time) of the
reference and of the run under the broadcast. A step's reply is the first outbox row its
webhook caused to the citizen (not a read receipt, not an officer's notification); it is matched to its arrival at the fake by the wamid the
fake answered. Prints key=value lines."""
import bisect
import subprocess
import sys

dburl, fake_log, sent_ref, sent_run, bid = sys.argv[1:6]


def psql(sql):
    return subprocess.run(["psql", dburl, "-tAqc", sql], capture_output=True, text=True, check=True).stdout


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")


arrived = {}  # fake's wamid -> arrival time
templates = []  # arrival times of the broadcast's template messages
first = last = None
total = 0
with open(fake_log) as f:
    for line in f:
        t, to, kind, status, wamid = line.rstrip("\n").split("\t")
        t = float(t)
        total += 1
        if wamid:
            arrived[wamid] = t
        if kind == "template" and to.startswith("9170"):  # bench/broadcast's recipients
            templates.append(t)
templates.sort()
n = len(templates)
span = templates[-1] - templates[0] if n > 1 else 0
print(f"broadcast: {n} template messages received by the fake in {span:.1f} s = {n / span if span else 0:.0f} msg/s "
      f"(the fake received {total} requests in all)")
# The busiest and quietest whole seconds of the broadcast, and its rate over its middle 80%.
if n > 10:
    secs = {}
    for t in templates:
        secs[int(t)] = secs.get(int(t), 0) + 1
    full = [secs.get(s, 0) for s in range(int(templates[0]) + 1, int(templates[-1]))]
    a, b = templates[n // 10], templates[n * 9 // 10]
    print(f"broadcast_rate_mid80={(n * 8 // 10) / (b - a) if b > a else 0:.0f} per_second_min={min(full) if full else 0} "
          f"per_second_max={max(full) if full else 0}")
print("broadcast_show: " + " ".join(psql(f"SELECT state, count(*) FROM broadcast_recipients WHERE broadcast_id = {int(bid)} "
                                         "GROUP BY 1 ORDER BY 1").split()))


def phase(tag, sent_file):
    sent = {}
    with open(sent_file) as f:
        for line in f:
            w, t = line.split("\t")
            sent[w] = float(t)
    rows = psql("SELECT split_part(idempotency_key, ':', 1), extract(epoch FROM created_at), coalesce(wamid, ''), "
                f"recipient LIKE '9195%' FROM outbound_messages WHERE idempotency_key LIKE 'wamid.{tag}%' "
                "AND kind <> 'read' ORDER BY id")
    firsts, others = {}, []
    for line in rows.splitlines():
        w, created, wamid, citizen = line.split("|")
        if citizen != "t":  # an officer's notification of a new case, not the citizen's reply
            if wamid in arrived:
                others.append(arrived[wamid] - float(created))
        elif w in sent and w not in firsts:
            firsts[w] = (float(created), arrived.get(wamid))
    to_row = [c - sent[w] for w, (c, _) in firsts.items()]
    to_fake = [a - sent[w] for w, (c, a) in firsts.items() if a is not None]
    in_outbox = [a - c for c, a in firsts.values() if a is not None]
    behind = [bisect.bisect_left(templates, a) - bisect.bisect_right(templates, c) for c, a in firsts.values()
              if a is not None]
    ms = lambda x: f"{x * 1000:.1f}"  # noqa: E731
    figures[tag] = (ms(pct(to_row, 0.5)), ms(pct(to_row, 0.99)), ms(pct(in_outbox, 0.99)), ms(max(in_outbox or [0])),
                    max(behind or [0]))
    print(f"{tag}: steps={len(sent)} with_reply={len(firsts)} delivered={len(to_fake)} "
          f"step_to_outbox_p50_ms={ms(pct(to_row, 0.5))} p99_ms={ms(pct(to_row, 0.99))} "
          f"step_to_fake_p50_ms={ms(pct(to_fake, 0.5))} p99_ms={ms(pct(to_fake, 0.99))} "
          f"outbox_to_fake_p50_ms={ms(pct(in_outbox, 0.5))} p99_ms={ms(pct(in_outbox, 0.99))} max_ms={ms(max(in_outbox or [0]))} "
          f"broadcast_msgs_while_reply_in_outbox_p50={pct(behind, 0.5)} p99={pct(behind, 0.99)} max={max(behind or [0])} "
          f"officer_notifications={len(others)} outbox_to_fake_p50_ms={ms(pct(others, 0.5))} p99_ms={ms(pct(others, 0.99))} "
          f"max_ms={ms(max(others or [0]))}")


figures = {}
phase("BCREF", sent_ref)
phase("BCRUN", sent_run)
ref, run = figures["BCREF"], figures["BCRUN"]
print(f"row: {n} messages at {n / span if span else 0:.0f} msg/s; step p50 {run[0]} ms, p99 {run[1]} ms "
      f"(reference {ref[0]} / {ref[1]} ms); reply outbox → Graph p99 {run[2]} ms, max {run[3]} ms "
      f"(reference {ref[2]} / {ref[3]} ms); broadcast messages sent while a reply waited: max {run[4]}")

#!/usr/bin/env python3
"""conversation.py PORT SECRET DATABASE_URL RATE SECONDS CITIZENS [burst] — the conversation
and case-creation benchmark driver (bench/run). Simulated citizens walk the complaint flow
through signed webhooks at a fixed offered load; afterwards the step latency (webhook
accepted → first reply row in the outbox, from PostgreSQL's clock) and the case rate are
read back from the database. With "burst", the citizens first walk up to the confirmation
at RATE, and then all confirm at once: the case-creation figure. Prints one key=value line
per figure. BENCH_TAG (default BENCH) prefixes the webhook message ids, so that two runs on one
database (bench/broadcast: a reference, then under load) are told apart; BENCH_SENT_OUT names a
file for each message's id and send time (tab-separated). BENCH_QUEUE_ONLY=1 only posts (the
messages wait in the queue for workers started afterwards) and prints what was sent."""
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import sys
import threading
import time

port, secret, dburl = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
rate, seconds, ncitizens = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
burst = len(sys.argv) > 7 and sys.argv[7] == "burst"
TAG = os.environ.get("BENCH_TAG", "BENCH")
# One complaint: greeting, language, menu, department, description, skip photo, village, yes.
SCRIPT = [("text", "namaste"), ("reply", "c:hi"), ("reply", "c:complaint"), ("reply", "d:PHE"),
          ("text", "हमारे गांव का हैंडपंप दो हफ्ते से खराब है, पानी नहीं आ रहा"), ("reply", "skip"),
          ("text", "कसडोल वार्ड 5"), ("reply", "yes")]


def body(citizen, step, n):
    kind, value = SCRIPT[step % len(SCRIPT)]
    msg = {"from": citizen, "id": f"wamid.{TAG}{n:010d}", "timestamp": str(int(time.time()))}
    if kind == "text":
        if value == "कसडोल वार्ड 5":  # each citizen their own ward: no open case there to join
            value = f"कसडोल वार्ड {citizen[-6:]}"
        msg.update(type="text", text={"body": value})
    else:
        msg.update(type="interactive", interactive={"type": "button_reply", "button_reply": {"id": value, "title": value}})
    raw = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
          "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
                    "contacts": [{"profile": {"name": "Bench"}, "wa_id": citizen}], "messages": [msg]}}]}]},
                     ensure_ascii=False).encode()
    return raw, "sha256=" + hmac.new(secret, raw, hashlib.sha256).hexdigest(), msg["id"]


def psql(sql):
    return subprocess.run(["psql", dburl, "-tAqc", sql], capture_output=True, text=True).stdout.strip()


def send_all(jobs, rate, sent_at):
    """Posts jobs (citizen, step, n) at rate per second (0: as fast as possible) from 16
    connections; returns (sent, errors, offered rate)."""
    lock = threading.Lock()
    sent, errors = [0], [0]
    t0 = time.time()

    def worker(wid, nworkers):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(wid, len(jobs), nworkers):
            if rate:
                wait = t0 + i / rate - time.time()
                if wait > 0:
                    time.sleep(wait)
            c, step, n = jobs[i]
            raw, sig, wamid = body(c, step, n)
            sent_at[wamid] = time.time()
            try:
                conn.request("POST", "/webhook", raw, {"X-Hub-Signature-256": sig, "Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                sent[0] += 1
                errors[0] += 0 if ok else 1

    nworkers = 16
    threads = [threading.Thread(target=worker, args=(w, nworkers)) for w in range(nworkers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sent[0], errors[0], sent[0] / (time.time() - t0)


# The run's own rows by a range of an index, not LIKE alone: under the C.UTF-8 locale PostgreSQL
# 15 cannot use an index for LIKE, and scans of a desk's history (bench/history.sql) — the polls
# five times a second, the reads of the results — were PostgreSQL CPU charged to the steps.
def ours(column, prefix):
    return f"{column} > '{prefix}' AND {column} < '{prefix}~' AND {column} LIKE '{prefix}%'"


OUR_CASES = "citizen_phone >= '9195' AND citizen_phone < '9196'"


def wait_handled(total):
    deadline = time.time() + 120
    sql = f"SELECT count(*) FROM inbound_messages WHERE {ours('wamid', 'wamid.' + TAG)}"
    while time.time() < deadline and int(psql(sql) or 0) < total:
        time.sleep(0.2)


def main():
    citizens = [f"9195{k:08d}" for k in range(ncitizens)]
    sent_at = {}
    if burst:
        # Everyone up to the confirmation at the given rate, then every "yes" at once.
        steps = len(SCRIPT) - 1
        walk = [(citizens[k % ncitizens], k // ncitizens, k) for k in range(ncitizens * steps)]
        send_all(walk, rate, sent_at)
        wait_handled(len(walk))
        if os.environ.get("BENCH_BURST_HOOK"):  # bench/burst: counters read between walk and burst
            subprocess.run(os.environ["BENCH_BURST_HOOK"], shell=True, check=True)
        yes = [(c, steps, len(walk) + i) for i, c in enumerate(citizens)]
        sent, errors, offered = send_all(yes, 0, sent_at)
        wait_handled(len(walk) + len(yes))
        cases = psql("SELECT count(*), extract(epoch FROM max(created_at) - min(created_at)) FROM cases"
                     f" WHERE {OUR_CASES}").split("|")
        print(f"burst_sent={sent} errors={errors} offered_rate={offered:.0f}")
        print(f"cases={cases[0]} cases_span_s={float(cases[1] or 0):.2f}")
        return
    total = int(rate * seconds)
    # Message k goes to citizen k % N, which is at step k // N of its walk: each citizen's
    # messages are spaced N / rate seconds apart, so it has its answer before its next one.
    jobs = [(citizens[k % ncitizens], k // ncitizens, k) for k in range(total)]
    sent, errors, offered = send_all(jobs, rate, sent_at)
    if os.environ.get("BENCH_QUEUE_ONLY"):  # bench/statements' drain: no worker runs yet
        print(f"offered_rate={offered:.0f}")
        print(f"sent={sent} errors={errors}")
        return
    wait_handled(total)
    if os.environ.get("BENCH_SENT_OUT"):
        with open(os.environ["BENCH_SENT_OUT"], "w") as f:
            f.writelines(f"{w}\t{t:.6f}\n" for w, t in sent_at.items())
    rows = psql("SELECT split_part(idempotency_key, ':', 1), extract(epoch FROM min(created_at)) FROM outbound_messages "
                f"WHERE {ours('idempotency_key', 'wamid.' + TAG)} AND kind <> 'read' GROUP BY 1")
    lat = sorted((float(t) - sent_at[w]) for w, t in (line.split("|") for line in rows.splitlines() if line)
                 if w in sent_at)
    n = len(lat)
    p50 = lat[n // 2] if n else 0
    p99 = lat[min(n - 1, int(n * 0.99))] if n else 0
    handled = psql("SELECT count(*), extract(epoch FROM max(processed_at) - min(processed_at)) FROM inbound_messages "
                   f"WHERE {ours('wamid', 'wamid.' + TAG)}").split("|")
    cases = psql("SELECT count(*), extract(epoch FROM max(created_at) - min(created_at)) FROM cases"
                 f" WHERE {OUR_CASES}").split("|")
    print(f"offered_rate={offered:.0f}")
    print(f"sent={sent} errors={errors}")
    print(f"handled={handled[0]} handled_span_s={float(handled[1] or 0):.2f}")
    print(f"steps_with_reply={n} step_p50_ms={p50 * 1000:.1f} step_p99_ms={p99 * 1000:.1f}")
    print(f"cases={cases[0]} cases_span_s={float(cases[1] or 0):.2f}")


if __name__ == "__main__":
    main()

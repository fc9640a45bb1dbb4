#!/usr/bin/env python3
"""e2e_followers.py — followers of a case (SPEC section 12, issue 19), end to end through signed
webhooks, the fake Graph API and real Redis and PostgreSQL: followers (made by SQL, as the
citizen's "Join this one" would) get the case's updates in their own language; on resolve each
gets their own satisfaction question; one follower's "no" and reason reopen the case for all and
everyone is told; all yes closes it; a follower who never answers is closed by the scheduler's
auto-close; a follower tracks the case by its number (a merged one names the case it went into);
five followers climb the SLA ladder one rung early and are flagged in the digest; and a follower
never receives another citizen's phone, name or words. Prints 'N passed, N failed'."""
import datetime
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_cases as c  # noqa: E402
import e2e_webhook as h  # noqa: E402

PHE, NODAL, COLLECTOR = c.PHE_OFFICER, c.NODAL, "919800000099"
WORDS = "हमारे गांव का हैंडपंप दो हफ्ते से खराब है"


def follow(env, t, phone, lang="hi"):
    """phone follows case t, as followers_join would make it; their 24-hour window open."""
    h.psql(env.url, "INSERT INTO case_followers (case_id, phone, language) SELECT id, "
                    f"'{phone}', '{lang}' FROM cases WHERE tracking_no = '{t}'")
    h.psql(env.url, f"UPDATE cases SET follower_count = follower_count + 1 WHERE tracking_no = '{t}'")
    c.window(env, phone)


def case(env, t, col):
    return h.psql(env.url, f"SELECT {col} FROM cases WHERE tracking_no = '{t}'")


def events(env, t):
    return h.psql(env.url, "SELECT string_agg(e.kind, ',' ORDER BY e.id) FROM case_events e JOIN cases k "
                           f"ON k.id = e.case_id WHERE k.tracking_no = '{t}'")


def officer_says(port, fake, text, expect):
    n = len(c.texts_to(fake, PHE))
    c.deliver(port, PHE, text=text)
    return c.wait_text(fake, PHE, expect, n)


def buttons_to(fake, phone):
    """The ids of every button sent to phone."""
    return [b["reply"]["id"] for _, m, _ in fake.delivered() if m.get("to") == phone and m.get("type") == "interactive"
            for b in m["interactive"].get("action", {}).get("buttons", [])]


def rows_to(fake, phone):
    """The rows of every list sent to phone."""
    return [r for _, m, _ in fake.delivered() if m.get("to") == phone and m.get("type") == "interactive"
            for sec in m["interactive"].get("action", {}).get("sections", []) for r in sec.get("rows", [])]


def now_utc(hours=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=hours)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def scheduler_at(env, at):
    r = subprocess.run([h.BIN, "scheduler", "run-once", "--at", at], env=env.env(), capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def private(fake, follower, secrets):
    """Nothing delivered to follower holds any of secrets (phones, names, words of others)."""
    got = " ".join(t for t, _ in c.texts_to(fake, follower))
    leaks = [s for s in secrets if s and s in got]
    return not leaks, leaks


def test_updates_reopen_and_close():
    with c.served("follow1") as (env, fake, port):
        citizen, f1, f2 = "919811126601", "919811126602", "919811126603"
        t = c.file_complaint(port, fake, citizen)
        follow(env, t, f1)
        follow(env, t, f2, "en")
        n1, n2 = len(c.texts_to(fake, f1)), len(c.texts_to(fake, f2))
        officer_says(port, fake, f"reply {t} पाइप का ऑर्डर दे दिया है", "नागरिक को भेज दिया")
        h.check("reply: a Hindi follower gets the officer's reply",
                c.wait_text(fake, f1, f"आपकी शिकायत {t} पर अधिकारी का जवाब", n1) and c.wait_text(fake, f1, "पाइप का ऑर्डर", n1))
        h.check("reply: an English follower gets it in English",
                c.wait_text(fake, f2, f"Reply from the officer on your complaint {t}", n2)
                and c.wait_text(fake, f2, "पाइप का ऑर्डर", n2))
        h.check("reply: the citizen too", c.wait_text(fake, citizen, "पाइप का ऑर्डर"))
        h.check("reply: each with its own key", h.psql(env.url, "SELECT count(DISTINCT idempotency_key) FROM "
                                                               "outbound_messages WHERE payload::text LIKE '%पाइप का ऑर्डर%'") == "3")

        n1 = len(c.texts_to(fake, f1))
        officer_says(port, fake, f"docs {t} आधार कार्ड की फोटो भेजें", "नागरिक को भेज दिया")
        h.check("docs: the request goes to the citizen who filed it", c.wait_text(fake, citizen, "आधार कार्ड की फोटो"))
        h.check("docs: not to the followers", not c.wait_text(fake, f1, "आधार कार्ड", n1, timeout=2))

        n1, n2 = len(c.texts_to(fake, f1)), len(c.texts_to(fake, f2))
        officer_says(port, fake, f"resolve {t} हैंडपंप ठीक कर दिया गया", "हल के रूप में दर्ज")
        h.check("resolve: each follower gets their own satisfaction question, in their language",
                c.wait_text(fake, f1, "क्या आप समाधान से संतुष्ट हैं", n1) and c.wait_text(fake, f2, "Are you satisfied", n2)
                and c.wait_text(fake, citizen, "क्या आप समाधान से संतुष्ट हैं"))
        h.check("resolve: the follower's buttons name the case", f"sat:no:{t}" in buttons_to(fake, f1)
                and f"sat:yes:{t}" in buttons_to(fake, f2), buttons_to(fake, f1))
        h.check("resolve: the followers' questions are out",
                h.psql(env.url, "SELECT count(*) FROM case_followers WHERE satisfaction_asked_at IS NOT NULL") == "2")

        n1 = len(c.texts_to(fake, f1))
        c.deliver(port, f1, reply_id=f"sat:no:{t}")
        h.check("a follower's no: they are asked why", c.wait_text(fake, f1, "क्यों हल नहीं हुई", n1))
        h.check("a follower's no: the case still resolved, their row waits for the reason",
                case(env, t, "status") == "resolved"
                and h.psql(env.url, f"SELECT answer || awaiting_reason FROM case_followers WHERE phone = '{f1}'") == "notrue")
        n, n1, n2, k = (len(c.texts_to(fake, p)) for p in (citizen, f1, f2, PHE))
        c.deliver(port, f1, text="नल में अभी भी पानी नहीं आ रहा")
        h.check("the follower's reason: the officer hears it", c.wait_text(fake, PHE, "अभी भी पानी नहीं आ रहा", k))
        h.check("the follower's reason: the case reopens for all",
                case(env, t, "status") == "reopened" and case(env, t, "reopen_count") == "1", events(env, t))
        h.check("reopened: the follower who said no is thanked", c.wait_text(fake, f1, "अधिकारी को कारण बता दिया गया", n1))
        h.check("reopened: the citizen is told", c.wait_text(fake, citizen, f"शिकायत {t} फिर से खोल दी गई है", n))
        h.check("reopened: the other follower is told, in English",
                c.wait_text(fake, f2, f"Complaint {t} has been reopened", n2))
        h.check("reopened: every follower's question and answer reset",
                h.psql(env.url, "SELECT count(*) FROM case_followers WHERE answer IS NOT NULL OR awaiting_reason"
                                " OR satisfaction_asked_at IS NOT NULL") == "0")

        n1, n2 = len(c.texts_to(fake, f1)), len(c.texts_to(fake, f2))
        officer_says(port, fake, f"हल {t} नया पाइप लगाया", "हल के रूप में दर्ज")
        h.check("resolved again: each follower asked again",
                c.wait_text(fake, f1, "क्या आप समाधान से संतुष्ट हैं", n1) and c.wait_text(fake, f2, "Are you satisfied", n2))
        n = len(c.texts_to(fake, citizen))
        c.deliver(port, citizen, reply_id=f"sat:yes:{t}")
        h.check("the citizen's yes with followers: kept, the case waits for them",
                c.wait_text(fake, citizen, "सबके जवाब के बाद", n) and case(env, t, "status") == "resolved")
        n1 = len(c.texts_to(fake, f1))
        c.deliver(port, f1, text="हाँ")
        h.check("a follower's typed yes: kept", c.wait_text(fake, f1, "सबके जवाब के बाद", n1)
                and case(env, t, "status") == "resolved")
        n, n1, n2 = (len(c.texts_to(fake, p)) for p in (citizen, f1, f2))
        c.deliver(port, f2, reply_id=f"sat:yes:{t}")
        h.check("all yes: closed", h.wait_for(lambda: case(env, t, "status") == "closed", 20), events(env, t))
        h.check("all yes: everyone told",
                c.wait_text(fake, f2, f"Your complaint {t} is now closed", n2)
                and c.wait_text(fake, f1, "बंद कर दी गई", n1) and c.wait_text(fake, citizen, "बंद कर दी गई", n))
        h.check("all yes: the trail", events(env, t).endswith("resolved,satisfied,satisfied,closed"), events(env, t))
        for f, other in ((f1, f2), (f2, f1)):
            ok, leaks = private(fake, f, [citizen, other, WORDS, "दो हफ्ते", "नल में अभी भी पानी"
                                          if f == f2 else None, "कसडोल"])
            h.check(f"privacy: follower {f} never got another citizen's phone or words", ok, leaks)


def test_timeout_tracking_and_merge():
    with c.served("follow2") as (env, fake, port):
        citizen, f3, f4, stranger = "919811126611", "919811126612", "919811126613", "919811126614"
        t = c.file_complaint(port, fake, citizen, text="The hand pump near the school is broken", lang="en")
        follow(env, t, f3)
        follow(env, t, f4, "en")
        n3 = len(c.texts_to(fake, f3))
        c.deliver(port, f3, text=t)
        h.check("tracking: a follower sends the number and gets its status",
                c.wait_text(fake, f3, f"शिकायत {t}\nस्थिति: open", n3), c.texts_to(fake, f3, n3))
        c.deliver(port, stranger, text=t)
        h.check("tracking: a stranger does not", c.wait_text(fake, stranger, f"आपकी शिकायतों में {t} नहीं मिली"))

        officer_says(port, fake, f"resolve {t} Pump repaired", "हल के रूप में दर्ज")
        n = len(c.texts_to(fake, citizen))
        c.deliver(port, citizen, reply_id=f"sat:yes:{t}")
        h.check("the citizen's yes (English): kept until the followers answer",
                c.wait_text(fake, citizen, "your answer is recorded", n))
        c.deliver(port, f3, reply_id=f"sat:yes:{t}")
        h.check("one follower's yes: still waiting for the other",
                c.wait_text(fake, f3, "सबके जवाब के बाद") and case(env, t, "status") == "resolved")
        code, out = scheduler_at(env, now_utc(73))
        h.check("auto-close: the scheduler closes it (a follower never answered)",
                code == 0 and case(env, t, "status") == "closed" and events(env, t).endswith("auto_closed"), out)

        def outbox(p):
            return h.psql(env.url, f"SELECT string_agg(payload::text, ' ') FROM outbound_messages WHERE recipient = '{p}'"
                                   " AND idempotency_key LIKE 'autoclose:%'") or ""
        h.check("auto-close: the follower who never answered is told it closed for want of an answer",
                "as we did not hear back" in outbox(f4), outbox(f4))
        h.check("auto-close: those who said yes are told it is closed",
                "is now closed" in outbox(citizen) and "बंद कर दी गई" in outbox(f3), (outbox(citizen), outbox(f3)))
        n4 = len(c.texts_to(fake, f4))
        c.deliver(port, f4, text=t.lower())
        # In the language of the follower's conversation (this one never chose: Hindi).
        h.check("tracking: a follower of a closed case sees its final state",
                c.wait_text(fake, f4, f"शिकायत {t}\nस्थिति: closed", n4), c.texts_to(fake, f4, n4))

        other = c.file_complaint(port, fake, "919811126615")
        follow(env, other, "919811126616")
        h.psql(env.url, f"UPDATE cases SET status = 'closed', merged_into = (SELECT id FROM cases WHERE tracking_no = '{t}')"
                        f" WHERE tracking_no = '{other}'")
        c.deliver(port, "919811126616", text=other)
        h.check("tracking: a merged case names the one it went into",
                c.wait_text(fake, "919811126616", f"शिकायत {other} को शिकायत {t} में मिला दिया गया"))
        mine = "919811126617"  # follows both: "my complaints" lists them, marked
        follow(env, t, mine)
        follow(env, other, mine)
        for step in (dict(text="नमस्ते"), dict(reply_id="c:hi"), dict(reply_id="c:track"), dict(reply_id="skip")):
            n = len(c.texts_to(fake, mine))
            c.deliver(port, mine, **step)
            h.wait_for(lambda: len(c.texts_to(fake, mine)) > n, 20)
        h.check("my complaints: the newest followed case shown", c.wait_text(fake, mine, f"📋 शिकायत: {other}"),
                c.texts_to(fake, mine))
        rows = h.wait_for(lambda: any(r["id"] == f"t:{t}" and "जुड़े हुए" in r.get("description", "") for r in rows_to(fake, mine)), 20)
        h.check("my complaints: the other followed case listed, marked as joined", rows, rows_to(fake, mine))
        for f in (f3, f4, mine):
            ok, leaks = private(fake, f, [citizen, "919811126615", "hand pump near the school", f3 if f == f4 else f4])
            h.check(f"privacy: follower {f} never got another citizen's phone or words", ok, leaks)


def test_no_reason_from_a_follower():
    """A follower's "no" with no reason for a day: the scheduler reopens the case for all."""
    with c.served("follow4") as (env, fake, port):
        citizen, f5, f6 = "919811126651", "919811126652", "919811126653"
        t = c.file_complaint(port, fake, citizen)
        follow(env, t, f5, "en")
        follow(env, t, f6)
        officer_says(port, fake, f"resolve {t} हैंडपंप ठीक कर दिया गया", "हल के रूप में दर्ज")
        n5 = len(c.texts_to(fake, f5))
        c.deliver(port, f5, text="no")
        h.check("a follower's typed no (English): asked why", c.wait_text(fake, f5, "Please tell us in a few words", n5))
        code, out = scheduler_at(env, now_utc(12))
        h.check("no reason for half a day: still resolved, not auto-closed", case(env, t, "status") == "resolved", out)
        code, out = scheduler_at(env, now_utc(25))
        h.check("no reason for a day: reopened for all", code == 0 and case(env, t, "status") == "reopened"
                and events(env, t).endswith("reopened") and "not_satisfied" in events(env, t), (out, events(env, t)))

        def told(p):
            return h.psql(env.url, f"SELECT string_agg(payload::text, ' ') FROM outbound_messages WHERE recipient = '{p}'"
                                   " AND idempotency_key LIKE 'noreason:%'") or ""
        h.check("the follower who said no is told it reopened", f"Your complaint {t} has been reopened" in told(f5), told(f5))
        h.check("the citizen and the other follower are told",
                "इसकी शिकायत करने वाले एक नागरिक" in told(citizen) and "इसकी शिकायत करने वाले एक नागरिक" in told(f6),
                (told(citizen), told(f6)))
        h.check("the officer is told no reason came", "noreason" in h.psql(
            env.url, f"SELECT string_agg(idempotency_key, ' ') FROM outbound_messages WHERE recipient = '{PHE}'"))


def test_crowd_escalates_early():
    with c.served("follow3") as (env, fake, port):
        c.window(env, COLLECTOR)
        crowd, few = c.file_complaint(port, fake, "919811126621"), c.file_complaint(port, fake, "919811126622")
        for i in range(5):
            follow(env, crowd, f"91981112663{i}")
        for i in range(4):
            follow(env, few, f"91981112664{i}")

        def pages(t, phone):
            return h.psql(env.url, "SELECT count(*) FROM outbound_messages o JOIN cases c ON c.id = o.case_id"
                                   f" WHERE c.tracking_no = '{t}' AND o.recipient = '{phone}' AND o.purpose = 'escalation'")

        def clock(started, due):
            h.psql(env.url, f"UPDATE cases SET sla_started_at = now() - interval '{started} hours',"
                            f" sla_due_at = now() + interval '{due} hours'")

        clock(40, 8)  # 83% of a 48-hour SLA: the officers' reminder time
        code, out = scheduler_at(env, now_utc())
        h.check("5 followers: the nodal officer at the reminder time",
                code == 0 and case(env, crowd, "escalation_level") == "1" and pages(crowd, NODAL) == "1", out)
        h.check("4 followers: only the officers' reminder",
                case(env, few, "escalation_level") == "0" and pages(few, NODAL) == "0"
                and "sla_reminder" in events(env, few))
        esc = h.psql(env.url, "SELECT o.payload::text FROM outbound_messages o JOIN cases c ON c.id = o.case_id"
                              f" WHERE c.tracking_no = '{crowd}' AND o.recipient = '{NODAL}' AND o.purpose = 'escalation'")
        h.check("the nodal officer reads why: 👥 5", "👥 5" in esc, esc)

        clock(50, -2)  # past the due time, not yet the collector's 96 hours
        code, out = scheduler_at(env, now_utc())
        h.check("5 followers: the collector at the due time",
                case(env, crowd, "escalation_level") == "2" and pages(crowd, COLLECTOR) == "1", out)
        h.check("4 followers: the nodal officer at the due time, no collector",
                case(env, few, "escalation_level") == "1" and pages(few, NODAL) == "1" and pages(few, COLLECTOR) == "0")
        r = subprocess.run([h.BIN, "digest", "--at", now_utc()], env=env.env(), capture_output=True, text=True)
        lines = (r.stdout + r.stderr).splitlines()
        h.check("digest: the crowd's case flagged 👥 5, the other not",
                any(crowd in x and "👥 5" in x for x in lines) and any(few in x and "👥" not in x for x in lines),
                [x for x in lines if crowd in x or few in x])


def main():
    return h.run_tests([test_updates_reopen_and_close, test_timeout_tracking_and_merge, test_no_reason_from_a_follower,
                        test_crowd_escalates_early])


if __name__ == "__main__":
    sys.exit(main())

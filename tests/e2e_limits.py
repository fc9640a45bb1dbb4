#!/usr/bin/env python3
"""e2e_limits.py — per-citizen limits (issue 14 item 2) end to end: signed webhooks into one
`sampark serve` (dry-run sending, so the outbox is what the bot said) with small limits set
through the environment, real Redis and PostgreSQL. A Hindi and an English citizen each have
their third complaint of the day refused in their language; an urgent complaint past the urgent
limit is filed as a normal case with no page to the nodal officer or the collector; a helpdesk
question past the hour's limit is not forwarded; a flood of messages is recorded in full but
answered once; an officer is never limited; /metrics counts each. Prints 'N passed, N failed'."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_webhook as h  # noqa: E402

PHE_OFFICER, NODAL, COLLECTOR = "919800000001", "919800000090", "919800000099"
LIMITS = dict(SAMPARK_LIMIT_COMPLAINTS_DAY="2", SAMPARK_LIMIT_URGENT_DAY="1",
              SAMPARK_LIMIT_HELPDESK_HOUR="1", SAMPARK_LIMIT_MESSAGES_MIN="25")
T0 = int(time.time())  # every message carries it: the windows are the same for the whole run
counter = [0]


def deliver(port, sender, text=None, reply_id=None):
    counter[0] += 1
    wamid = f"wamid.LIM{os.getpid()}{counter[0]:06d}"
    msg = {"from": sender, "id": wamid, "timestamp": str(T0)}
    if reply_id:
        msg.update(type="interactive",
                   interactive={"type": "button_reply", "button_reply": {"id": reply_id, "title": reply_id}})
    else:
        msg.update(type="text", text={"body": text})
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "917000000000", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Citizen"}, "wa_id": sender}], "messages": [msg]}}]}]}).encode()
    st, _ = h.post(port, body)
    return st, wamid


def said(env, phone, like="%"):
    """How many messages (not read receipts) went into the outbox for phone, matching like."""
    return int(h.psql(env.url, f"SELECT count(*) FROM outbound_messages WHERE recipient = '{phone}' "
                               f"AND kind <> 'read' AND payload::text LIKE '{like}'"))


def step(env, port, phone, **msg):
    """One message, then wait until the bot has answered it."""
    n = said(env, phone)
    st, _ = deliver(port, phone, **msg)
    return st == 200 and h.wait_for(lambda: said(env, phone) > n, 20)


def complaint(env, port, phone, text, dept="d:PHE", first=False, lang="hi"):
    steps = ([dict(text="नमस्ते"), dict(reply_id=f"c:{lang}")] if first else []) + [
        dict(reply_id="c:complaint"), dict(reply_id=dept), dict(text=text), dict(reply_id="skip"),
        dict(text=f"कसडोल वार्ड {phone[-3:]}"), dict(reply_id="yes")]  # one citizen, one place
    return all(step(env, port, phone, **s) for s in steps)


def cases_of(env, phone, what="count(*)"):
    return h.psql(env.url, f"SELECT {what} FROM cases WHERE citizen_phone = '{phone}'")


def metric(port, limit):
    _, page = h.http_get(port, "/metrics")
    for line in page.splitlines():
        if line.startswith(f'sampark_limited_total{{limit="{limit}"}} '):
            return int(line.split()[-1])
    return -1


def test_complaints_per_day(env, port):
    hi, en = "919877710001", "919877710002"
    ok = complaint(env, port, hi, "हमारे गांव का हैंडपंप दो हफ्ते से खराब है", first=True)
    ok = ok and complaint(env, port, hi, "मोहल्ले की पानी की टंकी से गंदा पानी आ रहा है")
    h.check("a Hindi citizen files two complaints (the limit)", ok and cases_of(env, hi) == "2", cases_of(env, hi))
    n = said(env, hi)
    ok = complaint(env, port, hi, "सड़क की नाली कई दिनों से बंद पड़ी है")
    h.check("the third is not filed", ok and cases_of(env, hi) == "2", cases_of(env, hi))
    h.check("and the citizen is told so in Hindi, with the limit",
            said(env, hi, "%आज आप 2 शिकायतें दर्ज कर चुके हैं%") == 1 and said(env, hi, "%You have already%") == 0)
    last = h.psql(env.url, f"SELECT payload::text FROM outbound_messages WHERE recipient = '{hi}' "
                           "AND kind <> 'read' ORDER BY id DESC LIMIT 1")
    h.check("then the main menu, not a silent drop", said(env, hi) > n + 1 and "आप क्या करना चाहते हैं" in last, last[:120])

    ok = complaint(env, port, en, "The hand pump in our village has been broken for two weeks",
                   first=True, lang="en")
    ok = ok and complaint(env, port, en, "Dirty water is coming from the ward water tank daily")
    ok = ok and complaint(env, port, en, "The drain on our street has been blocked for days")
    h.check("an English citizen: two filed, the third refused", ok and cases_of(env, en) == "2", cases_of(env, en))
    h.check("told in English", said(env, en, "%You have already filed 2 complaints today%") == 1 and
            said(env, en, "%आज आप 2 शिकायतें%") == 0)
    h.check("/metrics counts the refused complaints", metric(port, "complaints") == 2, metric(port, "complaints"))
    # Past the complaints limit a fire is still filed: without the immediate alert, urgent deadline kept.
    # (A third citizen: the first two have used up their minute's messages.)
    third = "919877710009"
    ok = complaint(env, port, third, "हमारे गांव का हैंडपंप दो हफ्ते से खराब है", first=True)
    ok = ok and complaint(env, port, third, "मोहल्ले की पानी की टंकी से गंदा पानी आ रहा है")
    ok = ok and complaint(env, port, third, "खेत के पास झोपड़ी में आग लग गई है, मदद भेजें", dept="d:PRD")
    fire = cases_of(env, third, "max(tracking_no)")
    h.check("past the complaints limit an emergency is still filed", ok and cases_of(env, third) == "3",
            cases_of(env, third))
    h.check("with the urgent deadline but no alert to the nodal officer",
            h.psql(env.url, f"SELECT urgent::text || ':' || (sla_due_at - created_at <= interval '4 hours')::text "
                            f"FROM cases WHERE tracking_no = '{fire}'") == "false:true" and
            said(env, NODAL, f"%{fire}%") == 0 and
            h.psql(env.url, "SELECT count(*) FROM case_events e JOIN cases k ON k.id = e.case_id "
                            f"WHERE k.tracking_no = '{fire}' AND e.kind = 'urgent_limited'") == "1")


def test_urgent_per_day(env, port):
    c = "919877710003"
    ok = complaint(env, port, c, "गांव के खलिहान में आग लगी है, जल्दी मदद भेजें", dept="d:PRD", first=True)
    h.check("the first urgent complaint is urgent and pages the nodal officer and the collector",
            ok and cases_of(env, c, "string_agg(urgent::text, ',')") == "true" and
            h.wait_for(lambda: said(env, NODAL, "%तत्काल शिकायत%") == 1 and said(env, COLLECTOR, "%तत्काल शिकायत%") == 1, 10))
    ok = complaint(env, port, c, "दूसरे खेत में भी आग लग गई है, मदद भेजें", dept="d:PRD")
    h.check("past the urgent limit the complaint is still filed, without the alert but with the urgent deadline",
            ok and cases_of(env, c, "string_agg(urgent::text || ':' || escalation_level || ':' || "
                                    "(sla_due_at - created_at <= interval '4 hours')::text, ',' ORDER BY id)") ==
            "true:2:true,false:0:true", cases_of(env, c, "string_agg(urgent::text, ',' ORDER BY id)"))
    second = cases_of(env, c, "max(tracking_no)")
    h.check("no page to the nodal officer or the collector for it",
            said(env, NODAL, "%तत्काल शिकायत%") == 1 and said(env, COLLECTOR, "%तत्काल शिकायत%") == 1 and
            said(env, NODAL, f"%{second}%") == 0 and said(env, COLLECTOR, f"%{second}%") == 0)
    h.check("the department's officers get it as usual",
            h.psql(env.url, "SELECT count(*) FROM outbound_messages o JOIN officers f ON f.phone = o.recipient "
                            f"WHERE f.department_code = 'PRD' AND o.payload::text LIKE '%नई शिकायत {second}%'") != "0")
    h.check("the citizen is told, and the case records urgent_limited",
            said(env, c, "%तत्काल शिकायतों की सीमा पूरी हो चुकी है%") == 1 and
            h.psql(env.url, "SELECT count(*) FROM case_events e JOIN cases k ON k.id = e.case_id "
                            f"WHERE k.tracking_no = '{second}' AND e.kind = 'urgent_limited'") == "1")
    # and the emergency past the complaints limit, in test_complaints_per_day
    h.check("/metrics counts it", metric(port, "urgent") == 2, metric(port, "urgent"))


def test_helpdesk_per_hour(env, port):
    c = "919877710004"
    ask = [dict(reply_id="c:helpdesk"), dict(reply_id="d:"),
           dict(text="राशन कार्ड में नाम कैसे जुड़वाएं, कृपया बताएं")]
    ok = all(step(env, port, c, **s) for s in [dict(text="नमस्ते"), dict(reply_id="c:hi")] + ask)
    h.check("the first question reaches the nodal officer",
            ok and h.wait_for(lambda: said(env, NODAL, "%हेल्पडेस्क%राशन कार्ड में नाम%") == 1, 10))
    ask[2] = dict(text="पेंशन कब से नहीं आई, कृपया जांच करें")
    ok = all(step(env, port, c, **s) for s in [dict(text="menu")] + ask)
    h.check("the second in the hour is not forwarded", ok and said(env, NODAL, "%पेंशन कब से%") == 0)
    h.check("the citizen is told why", said(env, c, "%इस घंटे आप हेल्पडेस्क को 1 प्रश्न भेज चुके हैं%") == 1)
    h.check("/metrics counts it", metric(port, "helpdesk") == 1, metric(port, "helpdesk"))


def test_message_flood(env, port):
    c = "919877710005"
    ids = []
    for k in range(30):
        st, w = deliver(port, c, text=f"hello {k}")
        ids.append(w)
    h.check("a flood of 30 messages is recorded in full", h.wait_for(
        lambda: h.recorded(env, f"from_phone = '{c}'") == 30, 30), h.recorded(env, f"from_phone = '{c}'"))
    h.check("answered once when the limit is passed",
            h.wait_for(lambda: said(env, c, "%बहुत जल्दी-जल्दी संदेश%") == 1, 10) and
            said(env, c, "%बहुत जल्दी-जल्दी संदेश%") == 1)
    late = "','".join(ids[26:])
    h.check("the messages past it get no conversation step (only read receipts)",
            h.psql(env.url, "SELECT count(*) FROM outbound_messages WHERE kind <> 'read' AND "
                            f"split_part(idempotency_key, ':', 1) IN ('{late}')") == "0")
    h.check("/metrics counts the five messages past the limit", metric(port, "messages") == 5, metric(port, "messages"))


def test_officers_never_limited(env, port):
    before = said(env, PHE_OFFICER, "%मामले%") + said(env, PHE_OFFICER, "%case%")
    n = said(env, PHE_OFFICER)
    for k in range(30):
        deliver(port, PHE_OFFICER, text="cases")
    h.check("an officer's 30 commands in a minute are all answered",
            h.wait_for(lambda: said(env, PHE_OFFICER) >= n + 30, 30), (said(env, PHE_OFFICER) - n, before))
    h.check("and /metrics counts none of them", metric(port, "messages") == 5, metric(port, "messages"))


def subprocess_load_without_roster(env):
    """The sample directory without its "helpdesk" block, loaded."""
    d = json.load(open(os.path.join(h.ROOT, "flows", "district.json"), encoding="utf-8"))
    d.pop("helpdesk", None)
    path = os.path.join(env.tmp, "district-no-roster.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(d, f, ensure_ascii=False)
    r = subprocess.run([h.BIN, "directory", "load", path], env=env.env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)


def main():
    if not h.ADMIN_URL:
        print("TEST_DATABASE_URL is not set: run with scripts/test")
        return 1
    env = h.Env("limits")
    try:
        # No duty roster: the helpdesk's questions go to the nodal officers at any hour.
        subprocess_load_without_roster(env)
        srv = env.serve(SAMPARK_RECLAIM_IDLE_MS="1000", **LIMITS)
        for t in (test_complaints_per_day, test_urgent_per_day, test_helpdesk_per_hour, test_message_flood,
                  test_officers_never_limited):
            print(f"# {t.__name__}", flush=True)
            try:
                t(env, srv.port)
            except Exception as e:  # a broken scenario is a failure, not a crash of the suite
                h.check(f"{t.__name__} ran to the end", False, repr(e))
    finally:
        env.close()
    print(f"{h.passed} passed, {h.failed} failed")
    return 0 if h.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

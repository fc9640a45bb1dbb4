#!/usr/bin/env python3
"""e2e_helpdesk.py — the live helpdesk (SPEC section 11, issue 18) end to end through signed
webhooks, the fake Graph API and real Redis and PostgreSQL. The directory's "helpdesk" block is
built from the district's clock now (Asia/Kolkata), so a slot covers the moment of the test or
the desk is closed. A Hindi and an English citizen ask; the two officers on duty get it, the
first to answer owns it and the other is told; text and photos relay both ways; `end`, the
citizen's "menu", 30 minutes of silence close it and ask for a rating; nobody answering for 10
minutes brings the fallback phones; outside hours the citizen is told when it opens and the
question goes out when it does; `case PHE` files a complaint from the transcript; the bad inputs;
roster mistakes refused by `directory load`. The scheduler's --at is the clock for the timers.
Prints 'N passed, N failed'."""
import contextlib
import datetime
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_cases as c  # noqa: E402
import e2e_webhook as h  # noqa: E402
from fake_graph import FakeGraph  # noqa: E402

PHE, CSPDCL, NODAL = c.PHE_OFFICER, c.CSPDCL_OFFICER, c.NODAL
PHE2 = "919800000021"      # a second PHE officer, added to the directory for these tests
FALLBACK2 = "919800000092"  # a fallback phone that is nobody's officer
OUTSIDE = "919800000023"    # on the REVENUE roster, never wrote to us: outside the 24-hour window
PHE_NAME, PHE2_NAME = "Executive Engineer, PHE", "Assistant Engineer, PHE"
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS_HI = ["सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार"]
DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
TRACKING = re.compile(r"[A-Z]{3}-\d{4}-\d{6}")


# ---- the clock -------------------------------------------------------------------------------

def district_now():
    """(weekday, 0 = Monday; minute of the day) in Asia/Kolkata."""
    t = datetime.datetime.now(IST)
    return t.weekday(), t.hour * 60 + t.minute


def hhmm(minute):
    return f"{minute // 60:02d}:{minute % 60:02d}"


def clear_of_midnight():
    """A slot ends by 23:59: a test that needs "now" inside one waits out the day's last minutes
    (at most six, and only when the suite happens to run then)."""
    while district_now()[1] >= 1434:
        print("# waiting for the district's midnight: a slot cannot cover 23:54-23:59", flush=True)
        time.sleep(10)


def iso(t):
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


# ---- the directory ---------------------------------------------------------------------------

def in_slot_block():
    """Open all week; PHE (two officers) and CSPDCL on duty from two hours ago (or midnight) to
    two hours on (or 23:59); REVENUE's officer outside the window; two fallback phones."""
    clear_of_midnight()
    day, m = district_now()
    f, t = hhmm(max(0, m - 120)), hhmm(min(1439, m + 120))
    return {"hours": [{"days": DAYS, "from": "00:00", "to": "23:59"}],
            "roster": [{"days": [DAYS[day]], "from": f, "to": t, "department": "PHE", "phones": [PHE, PHE2]},
                       {"days": [DAYS[day]], "from": f, "to": t, "department": "CSPDCL", "phones": [CSPDCL]}],
            "fallback_phones": [NODAL, FALLBACK2]}


def directory_with(helpdesk):
    def edit(d):
        for dep in d["departments"]:
            if dep["code"] == "PHE":
                dep["officers"] = [{"phone": PHE, "name": PHE_NAME}, {"phone": PHE2, "name": PHE2_NAME}]
        if helpdesk is None:
            d.pop("helpdesk", None)
        else:
            d["helpdesk"] = helpdesk
    return edit


@contextlib.contextmanager
def desk(tag, helpdesk):
    """A fresh env with the directory's helpdesk block set, the officers' and fallback phones'
    windows open (OUTSIDE's not), `serve` sending to the fake; yields (env, fake, port)."""
    env, fake = h.Env(tag), FakeGraph(c.TOKEN, c.PHONE_ID)
    try:
        if not c.load_directory(env, directory_with(helpdesk)):
            raise RuntimeError("the test's directory did not load")
        c.window(env, PHE, PHE2, CSPDCL, NODAL, FALLBACK2)
        srv = env.serve(WA_ACCESS_TOKEN=c.TOKEN, WA_PHONE_NUMBER_ID=c.PHONE_ID, WA_API_BASE=fake.base,
                        SAMPARK_RETRY_BASE_MS="100", SAMPARK_RECLAIM_IDLE_MS="1000")
        failed = h.failed
        yield env, fake, srv.port
        if h.failed > failed:  # what the server said, for the failures above
            with open(srv.logpath, errors="replace") as f:
                print("# the end of the serve log:\n" + "".join(f.readlines()[-40:]), flush=True)
    finally:
        env.close()
        fake.close()


# ---- talking ---------------------------------------------------------------------------------

def said(fake, phone, fragment, since=0, timeout=20):
    return c.wait_text(fake, phone, fragment, since, timeout)


def sends(port, fake, phone, expect, **msg):
    """phone sends msg; True once phone gets something holding expect."""
    n = len(c.texts_to(fake, phone))
    c.deliver(port, phone, **msg)
    return said(fake, phone, expect, n)


def tap_row(port, sender, row_id, title="row"):
    """A list row tapped (interactive list_reply), as WhatsApp sends it."""
    c.counter[0] += 1
    msg = {"from": sender, "id": f"wamid.HDLIST{os.getpid()}{c.counter[0]:06d}", "timestamp": str(int(time.time())),
           "type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": row_id, "title": title}}}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "917000000000", "phone_number_id": c.PHONE_ID},
        "contacts": [{"profile": {"name": "Officer"}, "wa_id": sender}], "messages": [msg]}}]}]}).encode()
    return h.post(port, body)[0]


def ask(port, fake, citizen, question, lang="hi", dept="d:PHE"):
    """The citizen's way to the desk: greeting, language, the menu's helpdesk row, a department,
    the question (text, or media=(kind, id, caption)). Returns the bot's answer to the question."""
    for s, expect in ((dict(text="नमस्ते"), None), (dict(reply_id=f"c:{lang}"), None),
                      (dict(reply_id="c:helpdesk"), "हेल्पडेस्क" if lang == "hi" else "helpdesk"),
                      (dict(reply_id=dept), "प्रश्न" if lang == "hi" else "question")):
        n = len(c.texts_to(fake, citizen))
        c.deliver(port, citizen, **s)
        h.wait_for(lambda: len(c.texts_to(fake, citizen)) > n and
                   (expect is None or expect in c.texts_to(fake, citizen)[-1][0]), 20)
    n = len(c.texts_to(fake, citizen))
    c.deliver(port, citizen, **(dict(media=question) if isinstance(question, tuple) else dict(text=question)))
    h.wait_for(lambda: any("✅" in t for t, _ in c.texts_to(fake, citizen, n)), 20)
    return " ".join(t for t, _ in c.texts_to(fake, citizen, n))


def chat_id(env, citizen):
    return h.psql(env.url, f"SELECT max(id) FROM helpdesk_chats WHERE citizen_phone = '{citizen}'")


def chat(env, cid, col):
    return h.psql(env.url, f"SELECT {col} FROM helpdesk_chats WHERE id = {cid}")


def notice_of(fake, phone, cid):
    """The wamid of the helpdesk's question H<cid> as delivered to phone."""
    got = [w for t, w in c.texts_to(fake, phone) if f"हेल्पडेस्क H{cid}*" in t]
    return got[0] if got else None


def count_with(fake, phone, fragment):
    return sum(fragment in t for t, _ in c.texts_to(fake, phone))


def bodies_to(fake, phone, since=0):
    return [b for _, b, _ in fake.delivered() if b.get("to") == phone][since:]


def media_with(fake, phone, kind, media_id, caption=None):
    return any(b.get("type") == kind and b[kind].get("id") == media_id and
               (caption is None or b[kind].get("caption") == caption) for b in bodies_to(fake, phone))


def choices_to(fake, phone, since=0):
    """Ids of the buttons and list rows of the interactive messages to phone."""
    ids = []
    for b in bodies_to(fake, phone, since):
        if b.get("type") != "interactive":
            continue
        action = b["interactive"].get("action", {})
        ids += [x["reply"]["id"] for x in action.get("buttons", [])]
        ids += [r["id"] for s in action.get("sections", []) for r in s.get("rows", [])]
    return ids


def scheduler(env, at):
    """`scheduler run-once --at at`: (exit code, output, the helpdesk's four counts or None)."""
    r = subprocess.run([h.BIN, "scheduler", "run-once", "--at", iso(at)], env=env.env(), capture_output=True, text=True)
    out = r.stdout + r.stderr
    m = re.search(r"helpdesk: opened (\d+), fallback (\d+), silent (\d+), unanswered (\d+)", out)
    return r.returncode, out, tuple(int(x) for x in m.groups()) if m else None


def opens_at(env, cid):
    s = chat(env, cid, "to_char(opens_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')")
    return datetime.datetime.fromisoformat(s).replace(tzinfo=datetime.timezone.utc) if s else None


# ---- the scenarios ---------------------------------------------------------------------------

def test_in_slot_hindi():
    """Two PHE officers on duty; the second answers first by swipe-reply and owns it; relay both
    ways with photos; `समाप्त`; the rating; then the bad inputs on what is left."""
    with desk("hdslot", in_slot_block()) as (env, fake, port):
        citizen = "919811126601"
        question = "हमारे मोहल्ले में नल का पानी गंदा आ रहा है, क्या करें?"
        answer = ask(port, fake, citizen, question)
        h.check("hi: the citizen is told the officer on duty has it",
                "✅ आपका प्रश्न जिला हेल्पडेस्क (" in answer and "ड्यूटी पर मौजूद अधिकारी इसी चैट में जवाब देंगे" in answer,
                answer)
        cid = chat_id(env, citizen)
        h.check("hi: both PHE officers on duty get ☎️ हेल्पडेस्क H<id> with the question and the citizen's number",
                all(said(fake, p, f"☎️ *हेल्पडेस्क H{cid}* — ") and said(fake, p, question) and said(fake, p, citizen)
                    for p in (PHE, PHE2)), [c.texts_to(fake, p) for p in (PHE, PHE2)])
        h.check("hi: asked, reached the two, nobody else (CSPDCL sits too, but not for PHE)",
                chat(env, cid, "state || ' ' || array_to_string(reached, ',') || ' ' || department")
                == f"asked {PHE},{PHE2} PHE" and count_with(fake, CSPDCL, "हेल्पडेस्क") == 0,
                chat(env, cid, "state || ' ' || array_to_string(reached, ',')"))

        n, k = len(c.texts_to(fake, citizen)), len(c.texts_to(fake, PHE))
        c.deliver(port, PHE2, text="नमस्ते, मैं देख रहा हूँ। आपका वार्ड कौन सा है?", context=notice_of(fake, PHE2, cid))
        h.check("first answer (swipe-reply) owns it: the answerer told it is theirs",
                said(fake, PHE2, f"✅ H{cid} अब आपके पास है"))
        h.check("the other officer is told who took it",
                said(fake, PHE, f"H{cid}: यह बातचीत {PHE2_NAME} ने ले ली है।", k), c.texts_to(fake, PHE, k))
        h.check("the citizen is told who is talking with them, and gets the answer",
                said(fake, citizen, f"👮 {PHE2_NAME} (", n) and said(fake, citizen, "अब आपसे बात कर रहे हैं", n)
                and said(fake, citizen, f"👮 {PHE2_NAME}:\nनमस्ते, मैं देख रहा हूँ।", n), c.texts_to(fake, citizen, n))
        h.check("live, owned by the answerer, answered_at set",
                chat(env, cid, "state || ' ' || officer_phone || ' ' || (answered_at IS NOT NULL)") == f"live {PHE2} true")

        n, k = len(c.texts_to(fake, citizen)), len(c.texts_to(fake, PHE))
        c.deliver(port, PHE, text="मैं भी देख लेता हूँ", context=notice_of(fake, PHE, cid))
        h.check("a second answer: that officer is told who has it, the citizen hears nothing",
                said(fake, PHE, f"H{cid}: यह बातचीत {PHE2_NAME} ने ले ली है।", k)
                and not said(fake, citizen, "मैं भी देख लेता हूँ", n, timeout=0.5))
        h.check("take on a conversation another officer owns: who has it",
                sends(port, fake, PHE, f"H{cid}: यह बातचीत {PHE2_NAME} ने ले ली है।", text=f"take H{cid}")
                and chat(env, cid, "officer_phone") == PHE2)
        h.check("end from an officer who does not own it: who has it, still live",
                sends(port, fake, PHE, f"H{cid}: यह बातचीत {PHE2_NAME} ने ले ली है।", text=f"end H{cid}")
                and chat(env, cid, "state") == "live")
        h.check("take without a number: asked which", sends(port, fake, PHE, "कौन सी बातचीत? उसका नंबर लिखें", text="take"))

        k, j = len(c.texts_to(fake, PHE2)), len(c.texts_to(fake, PHE))
        c.deliver(port, citizen, text="वार्ड 7, पानी में बदबू भी है")
        h.check("the citizen's text goes to the owner as 💬 H<id> · <phone>",
                said(fake, PHE2, f"💬 H{cid} · {citizen}:\nवार्ड 7, पानी में बदबू भी है", k), c.texts_to(fake, PHE2, k))
        c.deliver(port, citizen, image="HDPHOTO100")
        h.check("the citizen's photo goes to the owner by id, captioned H<id>",
                h.wait_for(lambda: media_with(fake, PHE2, "image", "HDPHOTO100", f"H{cid}"), 20))
        h.check("nothing of it to the officer who did not take it",
                not said(fake, PHE, "बदबू", j, timeout=0.5) and not media_with(fake, PHE, "image", "HDPHOTO100"))

        n = len(c.texts_to(fake, citizen))
        c.deliver(port, PHE2, text="कल सुबह टीम आकर पाइपलाइन देखेगी")
        h.check("the owner's plain message (no swipe) goes to the citizen as 👮 <name>",
                said(fake, citizen, f"👮 {PHE2_NAME}:\nकल सुबह टीम आकर पाइपलाइन देखेगी", n), c.texts_to(fake, citizen, n))
        relayed = [w for t, w in c.texts_to(fake, citizen) if "पाइपलाइन देखेगी" in t]
        c.deliver(port, PHE2, media=("image", "HDPHOTO200", "टंकी की सफाई का शेड्यूल"))
        h.check("the owner's photo goes to the citizen by id, captioned with the officer's name",
                h.wait_for(lambda: media_with(fake, citizen, "image", "HDPHOTO200", PHE2_NAME), 20),
                [b for b in bodies_to(fake, citizen) if b.get("type") == "image"])
        h.check("every relayed message is recorded with its side and media",
                h.wait_for(lambda: h.psql(env.url, "SELECT string_agg(side || ':' || coalesce(media_id, '-'), ',' ORDER BY id) "
                                                   f"FROM helpdesk_messages WHERE chat_id = {cid}")
                           == "citizen:-,officer:-,citizen:-,citizen:HDPHOTO100,officer:-,officer:HDPHOTO200", 10),
                h.psql(env.url, "SELECT string_agg(side || ':' || coalesce(media_id, '-'), ',' ORDER BY id) "
                                f"FROM helpdesk_messages WHERE chat_id = {cid}"))

        n = len(c.texts_to(fake, citizen))
        h.check("समाप्त: the owner is told it ended", sends(port, fake, PHE2, f"H{cid} समाप्त।", text="समाप्त"))
        h.check("the citizen is told the officer ended it and asked to rate (hd_rate:<id>:yes|no)",
                said(fake, citizen, "अधिकारी ने बातचीत समाप्त कर दी है।", n) and said(fake, citizen, "क्या इस बातचीत से आपकी मदद हुई?", n)
                and h.wait_for(lambda: choices_to(fake, citizen)[-2:] == [f"hd_rate:{cid}:yes", f"hd_rate:{cid}:no"], 5),
                choices_to(fake, citizen))
        h.check("closed by the officer", chat(env, cid, "state || ' ' || end_reason") == "closed officer")
        h.check("a tap on 👍: thanked, rating 'helpful'",
                sends(port, fake, citizen, "धन्यवाद! आपकी राय दर्ज हो गई है।", reply_id=f"hd_rate:{cid}:yes")
                and chat(env, cid, "rating") == "helpful", chat(env, cid, "rating"))

        h.check("take on a closed conversation: no open conversation of that name",
                sends(port, fake, PHE, f"H{cid} नाम की कोई खुली बातचीत नहीं है", text=f"take H{cid}"))
        h.check("take on an unknown id: the same", sends(port, fake, PHE2, "H987654 नाम की कोई खुली बातचीत नहीं है",
                                                         text="लें H987654"))
        n = len(c.texts_to(fake, citizen))
        c.deliver(port, citizen, text="और एक बात पूछनी थी", context=relayed[0] if relayed else None)
        h.check("the citizen's swipe-reply on an ended conversation's officer message: it has ended, then the menu",
                bool(relayed) and said(fake, citizen, "यह हेल्पडेस्क बातचीत समाप्त हो चुकी है", n)
                and said(fake, citizen, "आप क्या करना चाहते हैं?", n), c.texts_to(fake, citizen, n))
        h.check("and the ended conversation's officer hears nothing of it", not said(fake, PHE2, "और एक बात पूछनी थी", timeout=0.5))


def test_general_pick_and_case_english():
    """An English citizen asks "General": every officer on duty gets it; `take`; a Hindi citizen's
    PHE question taken by the same officer; the officer's plain message with two open is held and
    a list asks whose; `case PHE` files the English one; the Hindi one leaves with "menu"."""
    with desk("hdcase", in_slot_block()) as (env, fake, port):
        en, hi = "919811126611", "919811126612"
        answer = ask(port, fake, en, "Where do I apply for a new water connection?", lang="en", dept="d:")
        h.check("en: the question is with the district helpdesk (General), the officer on duty will answer",
                "Your question is with the district helpdesk (General)." in answer
                and "The officer on duty will answer in this chat." in answer, answer)
        a = chat_id(env, en)
        h.check("general: every officer on duty gets it (PHE's two, CSPDCL's)",
                all(said(fake, p, f"☎️ *हेल्पडेस्क H{a}* — सामान्य") for p in (PHE, PHE2, CSPDCL))
                and chat(env, a, "cardinality(reached) || ' ' || coalesce(department, 'NULL') || ' ' || lang") == "3 NULL en",
                chat(env, a, "array_to_string(reached, ',')"))
        n, k = len(c.texts_to(fake, en)), len(c.texts_to(fake, CSPDCL))
        h.check("take H<id>: the taker is told", sends(port, fake, PHE, f"✅ H{a} अब आपके पास है", text=f"take H{a}"))
        h.check("take: the two others are told who took it",
                said(fake, CSPDCL, f"H{a}: यह बातचीत {PHE_NAME} ने ले ली है।", k) and said(fake, PHE2, f"H{a}: यह बातचीत {PHE_NAME}"))
        h.check("en: the citizen is told in English who is talking",
                said(fake, en, f"👮 {PHE_NAME} (General) is now talking with you.", n), c.texts_to(fake, en, n))
        k = len(c.texts_to(fake, PHE))
        c.deliver(port, en, media=("image", "HDPHOTO300", "The broken pipe at my gate"))
        h.check("en: the photo with its caption goes to the owner",
                h.wait_for(lambda: media_with(fake, PHE, "image", "HDPHOTO300", f"H{a}"), 20)
                and said(fake, PHE, f"💬 H{a} · {en}:\nThe broken pipe at my gate", k), c.texts_to(fake, PHE, k))
        n = len(c.texts_to(fake, en))
        c.deliver(port, PHE, text="Please apply at the PHE office with your Aadhaar.")
        h.check("en: one conversation open, the plain answer goes to it",
                said(fake, en, f"👮 {PHE_NAME}:\nPlease apply at the PHE office with your Aadhaar.", n))

        ask(port, fake, hi, "हैंडपंप का हैंडल टूट गया है")
        b = chat_id(env, hi)
        h.check("लें H<id>: a second conversation for the same officer",
                sends(port, fake, PHE, f"✅ H{b} अब आपके पास है", text=f"लें H{b}")
                and chat(env, b, "state || ' ' || officer_phone") == f"live {PHE}")
        n, m, k = len(c.texts_to(fake, hi)), len(c.texts_to(fake, en)), len(choices_to(fake, PHE))
        c.deliver(port, PHE, text="कृपया हैंडपंप की फोटो भेजें")
        h.check("two open and no swipe: the officer gets a list of hd_pick:<chat>:<msg> rows",
                h.wait_for(lambda: sorted(x.split(":")[1] for x in choices_to(fake, PHE, k) if x.startswith("hd_pick:"))
                           == sorted([a, b]), 20) and said(fake, PHE, "आपकी 2 बातचीत खुली हैं"), choices_to(fake, PHE, k))
        h.check("and nobody gets the held message yet",
                not said(fake, hi, "हैंडपंप की फोटो भेजें", n, timeout=0.5) and not said(fake, en, "हैंडपंप की फोटो", m, timeout=0.2))
        pick = [x for x in choices_to(fake, PHE, k) if x.startswith(f"hd_pick:{b}:")]
        tap_row(port, PHE, pick[0] if pick else f"hd_pick:{b}:0")
        h.check("a tap sends it to that citizen only",
                said(fake, hi, f"👮 {PHE_NAME}:\nकृपया हैंडपंप की फोटो भेजें", n)
                and not said(fake, en, "हैंडपंप की फोटो", m, timeout=0.5), c.texts_to(fake, hi, n))

        n, k = len(c.texts_to(fake, en)), len(c.texts_to(fake, PHE))
        c.deliver(port, PHE, text=f"case PHE H{a}")
        h.check("case PHE: the citizen gets the tracking number in English",
                said(fake, en, "Tracking number: *", n), c.texts_to(fake, en, n))
        m_ = TRACKING.search(" ".join(t for t, _ in c.texts_to(fake, en, n)))
        t = m_.group(0) if m_ else ""
        h.check("case PHE: the officer is told the complaint was filed from H<id>",
                bool(t) and said(fake, PHE, f"✅ H{a} से शिकायत {t} दर्ज हुई", k), c.texts_to(fake, PHE, k))
        cs = c.case_show(env, t) if t else {}
        desc = h.psql(env.url, f"SELECT description FROM cases WHERE tracking_no = '{t}'") if t else ""
        h.check("the case's text is the transcript, both sides, in the citizen's language",
                desc.startswith(f"Helpdesk conversation H{a}:") and "Citizen: Where do I apply for a new water connection?" in desc
                and "Officer: Please apply at the PHE office with your Aadhaar." in desc
                and "The broken pipe at my gate" in desc, desc)
        h.check("the case: PHE, the citizen's, the photo attached",
                cs.get("department") == "PHE" and any(x.get("media_id") == "HDPHOTO300" for x in cs.get("attachments", []))
                and h.psql(env.url, f"SELECT citizen_phone FROM cases WHERE tracking_no = '{t}'") == en,
                (cs.get("department"), cs.get("attachments")))
        h.check("the trail names the conversation (from_helpdesk); the conversation points at the case, closed 'case'",
                h.psql(env.url, f"SELECT count(*) FROM case_events e JOIN cases k ON k.id = e.case_id WHERE k.tracking_no = '{t}'"
                                f" AND e.kind = 'from_helpdesk' AND e.detail->>'helpdesk' = '{a}'") == "1"
                and chat(env, a, "state || ' ' || end_reason || ' ' || (case_id = (SELECT id FROM cases WHERE "
                                 f"tracking_no = '{t}'))") == "closed case true",
                chat(env, a, "state || ' ' || coalesce(end_reason, '-')"))

        n, k = len(c.texts_to(fake, hi)), len(c.texts_to(fake, PHE))
        c.deliver(port, hi, text="मेनू")
        h.check("the citizen's मेनू: the officer is told they left",
                said(fake, PHE, f"H{b}: नागरिक ने बातचीत छोड़ दी", k), c.texts_to(fake, PHE, k))
        h.check("the citizen who left is asked to rate, then gets the main menu",
                said(fake, hi, "आपने हेल्पडेस्क की बातचीत छोड़ दी है।", n) and said(fake, hi, "आप क्या करना चाहते हैं?", n)
                and f"hd_rate:{b}:yes" in choices_to(fake, hi), c.texts_to(fake, hi, n))
        h.check("closed by the citizen", chat(env, b, "state || ' ' || end_reason") == "closed citizen")
        n, k = len(c.texts_to(fake, PHE)), len(c.texts_to(fake, hi))
        c.deliver(port, hi, text="शिकायत")
        h.check("after leaving, the citizen's words go to the menu, not to the officer",
                said(fake, hi, "आपकी समस्या किस विभाग से जुड़ी है", k) and not said(fake, PHE, "💬", n, timeout=0.5))


def test_voice_fallback_and_silence():
    """A voice note as the question; a stranger to it cannot take it; 10 minutes and nobody has
    answered: the fallback phones; a fallback phone answers; 30 minutes of silence close it."""
    with desk("hdtimer", in_slot_block()) as (env, fake, port):
        citizen = "919811126621"
        answer = ask(port, fake, citizen, ("audio", "HDVOICE100", None))
        cid = chat_id(env, citizen)
        h.check("a voice note is the whole question: the citizen is told the officer on duty has it",
                "ड्यूटी पर मौजूद अधिकारी इसी चैट में जवाब देंगे" in answer, answer)
        h.check("the officers on duty get the notice and the voice note by id",
                all(said(fake, p, f"हेल्पडेस्क H{cid}*") for p in (PHE, PHE2))
                and h.wait_for(lambda: all(media_with(fake, p, "audio", "HDVOICE100") for p in (PHE, PHE2)), 20))
        h.check("the voice note is recorded as the conversation's first message",
                h.psql(env.url, f"SELECT side || ' ' || media_type || ' ' || media_id FROM helpdesk_messages WHERE chat_id = {cid} "
                                "ORDER BY id LIMIT 1") == "citizen audio HDVOICE100")
        h.check("take by an officer the question did not reach: it was not sent to them",
                sends(port, fake, CSPDCL, f"H{cid} आपको नहीं भेजी गई थी", text=f"take H{cid}")
                and chat(env, cid, "state") == "asked")

        code, out, counts = scheduler(env, utc_now() + datetime.timedelta(minutes=5))
        h.check("5 minutes: nothing due yet", code == 0 and counts == (0, 0, 0, 0), out[-300:])
        code, out, counts = scheduler(env, utc_now() + datetime.timedelta(minutes=11))
        h.check("10 minutes unanswered: the pass counts a fallback", code == 0 and counts == (0, 1, 0, 0), out[-300:])
        h.check("the fallback phones get it, headed that nobody on duty answered, with the voice note",
                all(said(fake, p, "⚠️ ड्यूटी पर कोई अधिकारी जवाब नहीं दे पाया") and said(fake, p, f"हेल्पडेस्क H{cid}*")
                    for p in (NODAL, FALLBACK2))
                and h.wait_for(lambda: all(media_with(fake, p, "audio", "HDVOICE100") for p in (NODAL, FALLBACK2)), 20))
        h.check("reached the four, fallback_at set; the officers on duty not asked again",
                chat(env, cid, "cardinality(reached) || ' ' || (fallback_at IS NOT NULL)") == "4 true"
                and count_with(fake, PHE, f"हेल्पडेस्क H{cid}*") == 1)
        code, out, counts = scheduler(env, utc_now() + datetime.timedelta(minutes=12))
        h.check("a second pass: no second fallback", counts == (0, 0, 0, 0), out[-300:])

        n = len(c.texts_to(fake, citizen))
        c.deliver(port, NODAL, text="आपकी बात सुन ली, बताइए कौन सा गाँव?", context=notice_of(fake, NODAL, cid))
        h.check("a fallback phone's answer owns it; the citizen gets it",
                said(fake, citizen, "अब आपसे बात कर रहे हैं", n) and said(fake, citizen, "बताइए कौन सा गाँव?", n)
                and chat(env, cid, "state || ' ' || officer_phone") == f"live {NODAL}")
        h.check("the officers on duty and the other fallback phone are told it was taken",
                all(said(fake, p, f"H{cid}: यह बातचीत") for p in (PHE, PHE2, FALLBACK2)))

        code, out, counts = scheduler(env, utc_now() + datetime.timedelta(minutes=20))
        h.check("20 minutes quiet: still live", counts == (0, 0, 0, 0) and chat(env, cid, "state") == "live", out[-300:])
        n, k = len(c.texts_to(fake, citizen)), len(c.texts_to(fake, NODAL))
        code, out, counts = scheduler(env, utc_now() + datetime.timedelta(minutes=31))
        h.check("30 minutes of silence: the pass closes it", code == 0 and counts == (0, 0, 1, 0), out[-300:])
        h.check("closed for silence", chat(env, cid, "state || ' ' || end_reason") == "closed silence")
        h.check("the citizen is told why and asked to rate",
                said(fake, citizen, "30 मिनट से कोई संदेश नहीं आया, इसलिए बातचीत बंद कर दी गई है।", n)
                and f"hd_rate:{cid}:no" in choices_to(fake, citizen), c.texts_to(fake, citizen, n))
        h.check("the officer is told", said(fake, NODAL, f"H{cid}: 30 मिनट से कोई संदेश नहीं आया", k))
        h.check("👎: rating 'not_helpful'",
                sends(port, fake, citizen, "धन्यवाद!", reply_id=f"hd_rate:{cid}:no") and chat(env, cid, "rating") == "not_helpful")
        h.check("a second tap changes nothing", sends(port, fake, citizen, "धन्यवाद!", reply_id=f"hd_rate:{cid}:yes")
                and chat(env, cid, "rating") == "not_helpful")


def test_out_of_hours():
    """Closed today: open tomorrow (REVENUE, its officer outside the window) and the day after
    (PHE). Each citizen is told when, in their language; the pass at the opening delivers it; the
    officer outside the window gets the officer_new_case template; a day unanswered closes it."""
    day, _ = district_now()
    d1, d2 = (day + 1) % 7, (day + 2) % 7
    block = {"hours": [{"days": [DAYS[d1], DAYS[d2]], "from": "10:00", "to": "17:00"}],
             "roster": [{"days": [DAYS[d1]], "from": "10:00", "to": "13:00", "department": "REVENUE", "phones": [OUTSIDE]},
                        {"days": [DAYS[d2]], "from": "10:00", "to": "13:00", "department": "PHE", "phones": [PHE, PHE2]}],
             "fallback_phones": [NODAL]}
    with desk("hdclosed", block) as (env, fake, port):
        hi, en = "919811126631", "919811126632"
        answer = ask(port, fake, hi, "पानी का नया कनेक्शन कैसे मिलेगा?")
        today = district_now()[0]
        when_hi = "कल 10:00 बजे" if (today + 1) % 7 == d2 else f"{DAYS_HI[d2]} को 10:00 बजे"  # midnight crossed: tomorrow
        h.check("hi, closed: told it opens on the PHE slot's day at 10:00",
                f"हेल्पडेस्क अभी बंद है। यह {when_hi} खुलेगा" in answer, (when_hi, answer))
        a = chat_id(env, hi)
        oa = opens_at(env, a)
        h.check("waiting, reached nobody, opens at 10:00 district time",
                chat(env, a, "state || ' ' || cardinality(reached)") == "waiting 0"
                and oa is not None and oa.astimezone(IST).strftime("%H:%M") == "10:00" and oa.astimezone(IST).weekday() == d2,
                oa)
        h.check("nobody is asked while the desk is closed",
                not any(said(fake, p, "हेल्पडेस्क H", timeout=0.5) for p in (PHE, PHE2, NODAL, OUTSIDE)))
        n = len(c.texts_to(fake, hi))
        c.deliver(port, hi, text="मेरा गाँव कसडोल है")
        h.check("another message while closed: kept with the question, the opening said again",
                said(fake, hi, f"आपका संदेश प्रश्न के साथ रख लिया गया है। हेल्पडेस्क {when_hi} खुलेगा", n), c.texts_to(fake, hi, n))

        answer = ask(port, fake, en, "When is the next land records camp?", lang="en", dept="d:REVENUE")
        h.check("en, closed: told in English it opens tomorrow at 10:00",
                "The helpdesk is closed now. It opens tomorrow at 10:00" in answer
                or (district_now()[0] == d1 and "It opens today at 10:00" in answer), answer)
        b = chat_id(env, en)
        ob = opens_at(env, b)

        code, out, counts = scheduler(env, ob + datetime.timedelta(minutes=1) if ob else utc_now())
        h.check("the pass at the REVENUE slot's opening opens one", code == 0 and counts == (1, 0, 0, 0), out[-300:])
        h.check("en: the citizen is told the desk is open",
                said(fake, en, "☎️ The helpdesk is open: your question has reached the officer on duty"))
        h.check("the officer outside the 24-hour window gets the officer_new_case template with H<id> and the question",
                h.wait_for(lambda: any(x.get("type") == "template" and x["template"]["name"] == "new_case"
                                       and [p["text"] for p in x["template"]["components"][0]["parameters"]][0] == f"H{b}"
                                       and "When is the next land records camp?" in json.dumps(x, ensure_ascii=False)
                                       for x in bodies_to(fake, OUTSIDE)), 20),
                bodies_to(fake, OUTSIDE))
        h.check("asked, reached that officer; the PHE question still waits",
                chat(env, b, "state || ' ' || array_to_string(reached, ',')") == f"asked {OUTSIDE}"
                and chat(env, a, "state") == "waiting" and not said(fake, PHE, "हेल्पडेस्क H", timeout=0.5))

        n = len(c.texts_to(fake, hi))
        code, out, counts = scheduler(env, oa + datetime.timedelta(minutes=1) if oa else utc_now())
        h.check("the pass at the PHE slot's opening: opened 1; the REVENUE one, a day unanswered, closed",
                code == 0 and counts is not None and counts[0] == 1 and counts[3] == 1, out[-300:])
        # The pass's clock is two days on, past the officers' 24-hour windows: the template.
        h.check("hi: the officers on that slot get the question and the kept message (as the template then)",
                all(h.wait_for(lambda: any(f"☎️ *हेल्पडेस्क H{a}* — " in t and "पानी का नया कनेक्शन कैसे मिलेगा?" in t
                                           and "मेरा गाँव कसडोल है" in t for t, _ in c.texts_to(fake, p)), 20)
                    for p in (PHE, PHE2)), c.texts_to(fake, PHE))
        h.check("hi: the citizen is told the desk has opened", said(fake, hi, "☎️ हेल्पडेस्क खुल गया है", n))
        h.check("unanswered a day: closed 'unanswered', the citizen pointed to a complaint",
                chat(env, b, "state || ' ' || end_reason") == "closed unanswered"
                and said(fake, en, "Sorry, no officer at the helpdesk could answer your question."),
                chat(env, b, "state || ' ' || coalesce(end_reason, '-')"))
        n = len(c.texts_to(fake, hi))
        c.deliver(port, PHE, text="नगर पालिका में आवेदन दें", context=notice_of(fake, PHE, a))
        h.check("the opened question is answered like any other",
                said(fake, hi, f"👮 {PHE_NAME}:\nनगर पालिका में आवेदन दें", n) and chat(env, a, "state") == "live")
        h.check("case with an unknown department code: the officer is told, the conversation stays",
                sends(port, fake, PHE, "विभाग कोड WATERWORKS नहीं मिला", text="case WATERWORKS")
                and chat(env, a, "state") == "live")
        n = len(c.texts_to(fake, hi))
        c.deliver(port, PHE, text="शिकायत PHE")
        h.check("शिकायत PHE on a conversation of words only: the citizen gets the tracking number",
                said(fake, hi, "ट्रैकिंग नंबर: *", n), c.texts_to(fake, hi, n))
        h.check("and the conversation is closed 'case' with its case",
                h.wait_for(lambda: chat(env, a, "state || ' ' || end_reason || ' ' || (case_id IS NOT NULL)")
                           == "closed case true", 5), chat(env, a, "state || ' ' || coalesce(end_reason, '-')"))


def test_no_roster_nodal():
    """A directory without a helpdesk block: the nodal officers answer, as before issue 18."""
    with desk("hdnodal", None) as (env, fake, port):
        citizen = "919811126641"
        answer = ask(port, fake, citizen, "My old-age pension has not come for three months", lang="en")
        cid = chat_id(env, citizen)
        h.check("no roster: the citizen is told the officer on duty will answer",
                "The officer on duty will answer in this chat." in answer, answer)
        h.check("no roster: the nodal officer gets it, nobody else",
                said(fake, NODAL, f"☎️ *हेल्पडेस्क H{cid}* — ") and chat(env, cid, "array_to_string(reached, ',')") == NODAL
                and not said(fake, PHE, "हेल्पडेस्क", timeout=0.5), chat(env, cid, "array_to_string(reached, ',')"))
        n = len(c.texts_to(fake, citizen))
        c.deliver(port, NODAL, text="Please visit the Janpad office with your passbook.", context=notice_of(fake, NODAL, cid))
        h.check("no roster: the nodal officer's swipe-reply owns it and reaches the citizen",
                said(fake, citizen, "Please visit the Janpad office with your passbook.", n)
                and chat(env, cid, "state || ' ' || officer_phone") == f"live {NODAL}")


def test_roster_mistakes():
    """`directory load` refuses a roster with a mistake: exit 1 and one line naming it; the
    stored roster stays as it was."""
    env = h.Env("hdbad")
    try:
        base = in_slot_block()
        before = h.psql(env.url, "SELECT md5(helpdesk::text) FROM districts")

        def with_change(change):
            hd = json.loads(json.dumps(base))
            change(hd)
            return hd

        def slot(**kw):
            s = {"days": ["mon"], "from": "10:00", "to": "12:00", "department": "PHE", "phones": [PHE]}
            s.update(kw)
            return s

        cases = [
            ("overlapping slots of one department",
             lambda hd: hd.update(roster=[slot(), slot(**{"from": "11:00", "to": "13:00", "phones": [PHE2]})]),
             "overlaps helpdesk.roster[0]"),
            ("from after to", lambda hd: hd.update(roster=[slot(**{"from": "13:00", "to": "12:00"})]),
             "must be before"),
            ("an unknown department", lambda hd: hd.update(roster=[slot(department="WATERWORKS")]),
             "\"WATERWORKS\" is not one of the directory's departments"),
            ("a bad phone", lambda hd: hd.update(roster=[slot(phones=["+91 98000 00001"])]),
             "is not a WhatsApp id"),
            ("a bad day name", lambda hd: hd.update(roster=[slot(days=["monday", "Thurs"])]),
             "\"Thurs\" is not a day"),
            ("a bad fallback phone", lambda hd: hd.update(fallback_phones=["12"]), "helpdesk.fallback_phones"),
        ]
        for name, change, words in cases:
            d = json.load(open(os.path.join(h.ROOT, "flows", "district.json"), encoding="utf-8"))
            directory_with(with_change(change))(d)
            path = os.path.join(env.tmp, "roster-bad.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(d, f, ensure_ascii=False)
            r = subprocess.run([h.BIN, "directory", "load", path], env=env.env(), capture_output=True, text=True)
            msg = r.stderr.strip()
            h.check(f"roster: {name} → exit 1, one line naming it", r.returncode == 1 and words in msg
                    and "\n" not in msg and "helpdesk" in msg, (r.returncode, msg))
        h.check("roster: the stored helpdesk block is untouched by the refused loads",
                h.psql(env.url, "SELECT md5(helpdesk::text) FROM districts") == before)
    finally:
        env.close()


def main():
    return h.run_tests([test_in_slot_hindi, test_general_pick_and_case_english, test_voice_fallback_and_silence,
                        test_out_of_hours, test_no_roster_nodal, test_roster_mistakes])


if __name__ == "__main__":
    sys.exit(main())

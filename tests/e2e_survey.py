#!/usr/bin/env python3
"""e2e_survey.py — surveys that follow a broadcast (SPEC section 13, issue 20), end to end through
`sampark broadcast create --survey`, the sender against the fake Graph API, signed webhooks and
real Redis and PostgreSQL: the template goes out with its button's payload; pressing it starts
the survey (intro, a rating list), out-of-range answers are asked again politely in the citizen's
language, typed answers (Devanagari digits, haan) and tapped ones are stored with the village;
Hindi and English; pressing it again resumes without duplicating; a reply that answers the first
question starts it, a complaint does not, "menu" leaves it, STOP ends it; `sampark survey results
ID` as CSV checked per column (one row per village whatever the spelling); the portal's distribution for the collector (403 for an officer) and the survey on the
create form; `flows check` on a bad survey file. The review's findings stay fixed: a case's
satisfaction button, a voice note, a photo with a caption or a location in the middle of a survey
leave it for the desk and the flow; a short reply that does not answer the first question
("बिजली नहीं है", a tracking number, a greeting) never starts one; an old option id is asked
again; the button after STOP starts nothing; a document the officer asked for reaches the case;
a failed delivery starts no survey; written answers in the portal have phone numbers masked. Prints 'N passed, N failed'."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_cases as c  # noqa: E402
import e2e_portal as p  # noqa: E402
import e2e_sender as snd  # noqa: E402
import e2e_subscribe as sub  # noqa: E402
import e2e_webhook as h  # noqa: E402

HI, EN, PLAIN, STOPPER, COMPLAINER, MENU, AT_MENU = ("919811128801", "919811128802", "919811128803", "919811128804",
                                                    "919811128805", "919811128806", "919811128807")
CASER, MEDIA = "919811128808", "919811128809"  # a case waits for CASER's answer; MEDIA sends media mid-survey
DOCER = "919811128815"  # the officer asked DOCER for a document
FAILED = "919811128816"  # the template to FAILED failed (a status webhook says so)
SHORT = {"919811128810": "बिजली नहीं है", "919811128811": "BLB-2026-000123", "919811128812": "नमस्ते",
         "919811128813": "hello", "919811128814": "ok"}
VILLAGES = {HI: "सिमगा", EN: "Kasdol", PLAIN: "सिमगा, वार्ड 4", STOPPER: "Baloda", COMPLAINER: "Baloda", MENU: "kasdol",
            AT_MENU: "Kasdol", CASER: "Kasdol", MEDIA: "Baloda", DOCER: "Kasdol", FAILED: "Baloda", **{p: "Baloda" for p in SHORT}}
KEYS = {"Kasdol": "ksdl", "kasdol": "ksdl", "सिमगा": "smg", "सिमगा, वार्ड 4": "smgvrd4", "Baloda": "bld"}  # place keys
INTRO_HI, INTRO_EN = "प्रधानमंत्री आवास योजना पर आपकी राय", "Your opinion on the PM Awas Yojana"
RESUMED_HI, RESUMED_EN = "अब तक के जवाब दर्ज हैं। बाकी सवाल: ", "your answers so far are recorded. Questions left: "
RETRY_RATING_HI, RETRY_RATING_EN = "कृपया 1 से 5 के बीच", "please choose a number from 1 to 5"
THANKS_HI, THANKS_EN = "आपके जवाब दर्ज हो गए हैं", "Your answers are recorded"
HINT_HI, HINT_EN = "शिकायत दर्ज करने के लिए *मेनू* लिखें", "To file a complaint, type *menu*"
STOPPED_HI = "इसलिए यह सर्वे नहीं पूछा जाएगा"


def run(env, *args):
    return subprocess.run([h.BIN, *args], env=env.env(), capture_output=True, text=True)


def last_interactive(fake, phone):
    bodies = [b for _, b, _ in fake.delivered() if b.get("to") == phone and b.get("type") == "interactive"]
    return bodies[-1]["interactive"] if bodies else {}


def answers(env, phone):
    return h.psql(env.url, "SELECT string_agg(question || '=' || value || '@' || village, ';' ORDER BY question)"
                           f" FROM survey_answers WHERE phone = '{phone}'")


def create_and_send(env, fake):
    """The refusal of an unknown survey, then a scheme_update broadcast with pmay_feedback to every
    subscriber, started and delivered: its id."""
    for phone, village in VILLAGES.items():
        h.psql(env.url, "INSERT INTO subscribers (phone, village, village_key, block, state) VALUES "
                        f"('{phone}', '{village}', '{KEYS.get(village, village)}', 'Simga', 'subscribed') ON CONFLICT (phone)"
                        " DO UPDATE SET village = EXCLUDED.village, village_key = EXCLUDED.village_key,"
                        " block = EXCLUDED.block, state = EXCLUDED.state")
    base = ["broadcast", "create", "--template", "scheme_update", "--param", "PMAY-G", "--param", "सिमगा",
            "--to", "subscribers"]
    r = run(env, *base, "--survey", "nope")
    h.check("an unknown survey is refused, naming the known ones",
            r.returncode == 1 and "--survey nope" in r.stderr and "pmay_feedback" in r.stderr
            and len(r.stderr.strip().splitlines()) == 1, (r.returncode, r.stderr))
    r = run(env, *base, "--survey", "pmay_feedback")
    bid = r.stdout.split(":")[0].split()[-1] if r.returncode == 0 else None
    h.check("created with the survey", bid and f"{len(VILLAGES)} recipients" in r.stdout, (r.stdout, r.stderr))
    h.check("show names it", "survey     pmay_feedback" in run(env, "broadcast", "show", bid).stdout)
    run(env, "broadcast", "start", bid)
    h.check("the templates go out with the button's payload",
            h.wait_for(lambda: len([1 for _, b, _ in fake.delivered() if b.get("type") == "template"]) == len(VILLAGES),
                       20)
            and all(b["template"]["components"][1]["parameters"][0]["payload"] == f"broadcast:{bid}"
                    for _, b, _ in fake.delivered() if b.get("type") == "template"))
    return bid


def hindi_by_the_button(env, fake, port, bid):
    said = sub.step(port, fake, HI, button=(f"broadcast:{bid}", "Give feedback"))
    lst = last_interactive(fake, HI)
    h.check("hi: the button starts the survey: the intro, then the rating as a list of 1-5",
            INTRO_HI in said and "आवास की मंज़ूरी" in said and lst.get("type") == "list"
            and [r["id"] for r in lst["action"]["sections"][0]["rows"]] == [f"sv:{bid}:process:{k}" for k in range(1, 6)]
            and lst["action"]["sections"][0]["rows"][2]["title"] == "3 ⭐⭐⭐", (said, lst))
    for wrong in ("7", "bahut accha", "-3", "5 में से 4"):
        said = sub.step(port, fake, HI, text=wrong)
        h.check(f"hi: '{wrong}' is asked again politely, in Hindi",
                RETRY_RATING_HI in said and "आवास की मंज़ूरी" in said and not answers(env, HI), said)
    n = len(c.texts_to(fake, HI))
    reaction = {"from": HI, "id": "wamid.SURVEYREACT1", "timestamp": "1700000000", "type": "reaction",
                "reaction": {"message_id": "wamid.X", "emoji": "👍"}}
    h.post(port, json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {
            "display_phone_number": "917000000000", "phone_number_id": c.PHONE_ID}, "messages": [reaction]}}]}]}).encode())
    h.wait_for(lambda: h.psql(env.url, "SELECT count(*) FROM inbound_messages WHERE wamid = 'wamid.SURVEYREACT1'") == "1")
    said = sub.step(port, fake, HI, text="४")
    h.check("hi: a reaction in between is silent, the survey waits", "आवास की मंज़ूरी" not in said
            and len(c.texts_to(fake, HI)) > n, said)
    h.check("hi: a Devanagari digit answers; yes/no buttons next",
            "पहली किस्त" in said and last_interactive(fake, HI).get("type") == "button"
            and [b["reply"]["id"] for b in last_interactive(fake, HI)["action"]["buttons"]]
            == [f"sv:{bid}:installment:yes", f"sv:{bid}:installment:no"],
            (said, last_interactive(fake, HI)))
    said = sub.step(port, fake, HI, text="5")
    h.check("hi: a digit to yes/no is asked again", "हाँ* या *नहीं" in said and "पहली किस्त" in said, said)
    said = sub.step(port, fake, HI, text="हाँ")
    h.check("hi: हाँ answers; the free-text question next", "सुझाव" in said, said)
    said = sub.step(port, fake, HI, text="सड़क भी बनवाइए, \"पक्की\"")
    h.check("hi: the words answer; thanks, then how to file a complaint",
            THANKS_HI in said and HINT_HI in said and said.index(THANKS_HI) < said.index(HINT_HI), said)
    h.check("hi: three answers stored with the village",
            answers(env, HI) == "installment=yes@सिमगा;process=4@सिमगा;suggestion=सड़क भी बनवाइए, \"पक्की\"@सिमगा",
            answers(env, HI))
    said = sub.step(port, fake, HI, button=(f"broadcast:{bid}", "Give feedback"))
    h.check("hi: the button again: nothing asked twice, nothing stored twice",
            THANKS_HI in said and "आवास की मंज़ूरी" not in said and INTRO_HI not in said and
            h.psql(env.url, f"SELECT count(*) FROM survey_answers WHERE phone = '{HI}'") == "3", said)


def english_by_the_button(env, fake, port, bid):
    said = sub.step(port, fake, EN, button=(f"broadcast:{bid}", "Give feedback"))
    h.check("en: the intro and the question in English", INTRO_EN in said and "house approval" in said, said)
    said = sub.step(port, fake, EN, text="10")
    h.check("en: out of range asked again in English", RETRY_RATING_EN in said and "house approval" in said, said)
    said = sub.step(port, fake, EN, reply_id="sv:2")
    h.check("en: an option id that names no broadcast (an old list) is asked again",
            RETRY_RATING_EN in said and not answers(env, EN), said)
    said = sub.step(port, fake, EN, reply_id=f"sv:{int(bid) - 1}:process:2")
    h.check("en: another broadcast's option is asked again", RETRY_RATING_EN in said and not answers(env, EN), said)
    said = sub.step(port, fake, EN, reply_id=f"sv:{bid}:process:2")
    h.check("en: a tapped row answers", "first installment" in said, said)
    said = sub.step(port, fake, EN, button=(f"broadcast:{bid}", "Give feedback"))
    h.check("en: the button again after one answer: how many are left (not the intro's count), the next question",
            RESUMED_EN + "2." in said and INTRO_EN not in said and "first installment" in said
            and "house approval" not in said, said)
    said = sub.step(port, fake, EN, text="maybe")
    h.check("en: text to yes/no asked again", "*Yes* or *No*" in said, said)
    said = sub.step(port, fake, EN, reply_id=f"sv:{bid}:process:4")
    h.check("en: the option of a question already answered is asked again", "*Yes* or *No*" in said, said)
    said = sub.step(port, fake, EN, reply_id=f"sv:{bid}:installment:no")
    said = sub.step(port, fake, EN, text="Build more roads, call 9811127701")
    h.check("en: thanks in English, and how to file a complaint", THANKS_EN in said and HINT_EN in said, said)
    h.check("en: stored", answers(env, EN) == "installment=no@Kasdol;process=2@Kasdol;suggestion=Build more roads, call 9811127701@Kasdol",
            answers(env, EN))


def plain_replies(env, fake, port):
    said = sub.step(port, fake, PLAIN, text="५")
    h.check("a digit answering the first question starts it: stored, how many are left, the second question",
            RESUMED_HI + "2।" in said and INTRO_HI not in said and "पहली किस्त" in said and "आवास की मंज़ूरी" not in said
            and answers(env, PLAIN) == "process=5@सिमगा, वार्ड 4", (said, answers(env, PLAIN)))
    said = sub.step(port, fake, PLAIN, text="STOP")
    h.check("STOP in the middle: confirmed", sub.STOPPED_HI in said, said)
    said = sub.step(port, fake, PLAIN, text="हाँ")
    h.check("after STOP the survey is over: the next message is the flow's, not an answer",
            answers(env, PLAIN) == "process=5@सिमगा, वार्ड 4" and "सुझाव" not in said, (answers(env, PLAIN), said))
    said = sub.step(port, fake, COMPLAINER, text="हमारे गांव में दो हफ्ते से पानी नहीं आ रहा है")
    h.check("a complaint is not swallowed by the survey", said and INTRO_HI not in said and not answers(env, COMPLAINER),
            said)
    sub.step(port, fake, MENU, text="3")
    said = sub.step(port, fake, MENU, text="menu")
    h.check("'menu' in the middle leaves the survey for the main menu",
            "आवास की मंज़ूरी" not in said and RETRY_RATING_HI not in said and said, said)
    said = sub.step(port, fake, MENU, text="3")
    h.check("and what follows is the menu's, not a survey answer",
            answers(env, MENU) == "process=3@kasdol" and "*हाँ* या *नहीं*" not in said, (said, answers(env, MENU)))
    said = sub.step(port, fake, AT_MENU, text="2")
    h.check("at the main menu a row's number is the menu's, not a survey's start", said and INTRO_HI not in said, said)
    sub.step(port, fake, STOPPER, text="STOP")
    said = sub.step(port, fake, STOPPER, text="4")
    h.check("a citizen who said STOP is not started by a plain reply", INTRO_HI not in said, said)


def failed_delivery(env, fake, port, bid):
    """A recipient whose template failed was not reached: their reply starts no survey."""
    wamid = next(w for _, b, w in fake.delivered() if b.get("to") == FAILED and b.get("type") == "template")
    h.post(port, snd.status_body(wamid, "failed", FAILED, code=131026))
    h.check("the failed status is recorded", h.wait_for(lambda: h.psql(
        env.url, f"SELECT state FROM outbound_messages WHERE wamid = '{wamid}'") == "failed", 15))
    said = sub.step(port, fake, FAILED, text="4")
    h.check("a recipient whose delivery failed is not started by a reply that would answer",
            said and INTRO_HI not in said and not answers(env, FAILED), said)
    said = sub.step(port, fake, FAILED, button=(f"broadcast:{bid}", "Give feedback"))
    h.check("nor by the button's payload", INTRO_HI not in said and not answers(env, FAILED), said)


def stopped_button(env, fake, port, bid):
    said = sub.step(port, fake, STOPPER, button=(f"broadcast:{bid}", "Give feedback"))
    h.check("the button after STOP: how to START, no survey", STOPPED_HI in said and INTRO_HI not in said
            and not answers(env, STOPPER), said)


def short_replies(env, fake, port):
    """Short messages that answer no first question go on as if no broadcast had come."""
    for phone, text in SHORT.items():
        said = sub.step(port, fake, phone, text=text)
        h.check(f"'{text}' does not start the survey: the flow answers it", said and INTRO_HI not in said
                and "आवास की मंज़ूरी" not in said and not answers(env, phone), said)


def document_mid_survey(env, fake, port, bid, tracking):
    sub.step(port, fake, DOCER, button=(f"broadcast:{bid}", "Give feedback"))
    said = sub.step(port, fake, DOCER, text="4")
    h.check("a typed rating while a case waits for a document is the survey's, not the document",
            answers(env, DOCER).startswith("process=4@") and not c.case_show(env, tracking).get("attachments"),
            (said, answers(env, DOCER), c.case_show(env, tracking).get("attachments")))
    said = sub.step(port, fake, DOCER, image="SURVEYDOC1")
    h.check("the document the officer asked for, sent mid-survey, is attached to the case",
            RETRY_RATING_HI not in said and any(a["media_id"] == "SURVEYDOC1"
                                                for a in c.case_show(env, tracking).get("attachments", [])),
            (said, c.case_show(env, tracking).get("attachments")))


def leaving_for_the_desk(env, fake, port, bid, tracking):
    """A case waits for CASER's satisfaction answer; MEDIA sends a voice note, a captioned photo and a
    location in the middle of the survey: none is a survey answer, none is lost."""
    said = sub.step(port, fake, CASER, button=(f"broadcast:{bid}", "Give feedback"))
    h.check("a case waiting: the button still starts the survey", "आवास की मंज़ूरी" in said, said)
    said = sub.step(port, fake, CASER, reply_id=f"sat:yes:{tracking}")
    h.check("the satisfaction button mid-survey reaches the case: closed, no 'choose 1 to 5'",
            RETRY_RATING_HI not in said and f"आपकी शिकायत {tracking} बंद कर दी गई है" in said
            and c.case_show(env, tracking).get("status") == "closed", said)
    said = sub.step(port, fake, CASER, text="haan")
    h.check("after it the survey was left, its state saved: 'haan' is no survey answer",
            not answers(env, CASER) and RETRY_RATING_HI not in said, (said, answers(env, CASER)))
    for what, msg in (("a voice note", dict(media=("audio", "media.SV1", None))),
                      ("a photo with a caption", dict(media=("image", "media.SV2", "4"))),
                      ("a location", dict(location=(21.6, 82.1, "Baloda")))):
        sub.step(port, fake, MEDIA, button=(f"broadcast:{bid}", "Give feedback"))
        said = sub.step(port, fake, MEDIA, **msg)
        h.check(f"{what} mid-survey leaves it for the flow: no 'choose 1 to 5', nothing stored",
                said and RETRY_RATING_HI not in said and not answers(env, MEDIA), said)


def results_csv(env, bid):
    raw = subprocess.run([h.BIN, "survey", "results", bid], env=env.env(), capture_output=True)
    r = run(env, "survey", "results", bid)
    rows = list(csv.DictReader(io.StringIO(raw.stdout.decode("utf-8-sig"), newline="")))
    h.check("survey results: a BOM (as the cases CSV), its columns, CRLF lines", raw.returncode == 0
            and raw.stdout.startswith(b"\xef\xbb\xbfquestion_id,type,question,question_hi,village,answer,count\r\n"),
            (raw.returncode, raw.stdout[:200], raw.stderr))
    got = {(x["question_id"], x["village"], x["answer"]): int(x["count"]) for x in rows}
    h.check("one village whatever the spelling: 'kasdol' counts under Kasdol",
            got.get(("process", "Kasdol", "3")) == 1 and not any(k[1] == "kasdol" for k in got), got)
    h.check("per village and answer", got.get(("process", "सिमगा", "4")) == 1 and got.get(("process", "सिमगा, वार्ड 4", "5")) == 1
            and got.get(("process", "Kasdol", "2")) == 1 and got.get(("installment", "Kasdol", "no")) == 1
            and got.get(("suggestion", "सिमगा", "(text)")) == 1, got)
    h.check("totals per question, zeros included",
            [got.get(("process", "(all)", str(k))) for k in range(1, 6)] == [0, 1, 1, 2, 1]
            and got.get(("installment", "(all)", "yes")) == 1 and got.get(("installment", "(all)", "no")) == 1
            and got.get(("suggestion", "(all)", "(text)")) == 2, got)
    h.check("type and question columns", all(x["type"] in ("rating", "yes_no", "text") for x in rows)
            and rows[0]["question"].startswith("How was the house approval")
            and rows[0]["question_hi"].startswith("आवास की मंज़ूरी की प्रक्रिया"), rows[:2])
    h.check("the citizens' words are not in the CSV", "Build more roads" not in r.stdout)
    h.check("a field with a comma is quoted", ',"सिमगा, वार्ड 4",5,1\r\n' in raw.stdout.decode("utf-8"), r.stdout)
    r = run(env, "survey", "results", "99999")
    h.check("an unknown broadcast: one line, exit 1", r.returncode == 1 and r.stderr.strip() ==
            "sampark: no broadcast 99999", r.stderr)
    r = run(env, "broadcast", "create", "--template", "scheme_notice", "--param", "x", "--to", "subscribers")
    plain = r.stdout.split(":")[0].split()[-1]
    r = run(env, "survey", "results", plain)
    h.check("a broadcast without a survey: an error", r.returncode == 1 and "has no survey" in r.stderr, r.stderr)
    r = run(env, "survey", "results")
    h.check("no ID: usage, exit 1", r.returncode == 1, r.stderr)


def portal(env, fake, port, bid):
    coll, phe = p.login(port, fake, p.COLLECTOR), p.login(port, fake, p.PHE_OFFICER)
    st, b = coll.get_json(f"/api/broadcasts/{bid}/survey")
    qs = {q["id"]: q for q in b.get("questions", [])}
    h.check("portal: the distribution per question", st == 200 and b.get("survey") == "pmay_feedback"
            and qs["process"]["counts"] == {"1": 0, "2": 1, "3": 1, "4": 2, "5": 1} and qs["process"]["total"] == 5
            and qs["installment"]["counts"] == {"yes": 1, "no": 1}
            and qs["process"]["text"]["hi"].startswith("आवास"), (st, b))
    vill = {v["village"]: v for v in qs.get("suggestion", {}).get("villages", [])}
    h.check("portal: per village, and the free text for the collector, phone numbers masked",
            vill.get("Kasdol", {}).get("total") == 1 and qs["suggestion"]["counts"] == {"text": 2}
            and {t["text"] for t in qs["suggestion"]["texts"]}
            == {"Build more roads, call XXXXXXXXXX", "सड़क भी बनवाइए, \"पक्की\""},
            qs.get("suggestion"))
    st, r = phe.get_json(f"/api/broadcasts/{bid}/survey")
    h.check("portal: an officer gets 403", st == 403, (st, r))
    st, r = coll.get_json("/api/broadcasts/99999/survey")
    h.check("portal: no such broadcast → 404", st == 404, (st, r))
    st, b = coll.get_json("/api/broadcast-surveys")
    h.check("portal: the surveys for the create form", st == 200 and "pmay_feedback" in
            [s["name"] for s in b.get("surveys", [])], (st, b))
    body = {"template": "scheme_notice", "params": ["x"], "to": "subscribers"}
    st, _, r = coll.post("/api/broadcasts", {**body, "survey": "nope"})
    h.check("portal: an unknown survey → 400 naming the surveys", st == 400 and r.get("error", "").startswith("survey:")
            and "pmay_feedback" in r["error"], (st, r))
    st, _, r = coll.post("/api/broadcasts", {**body, "survey": "pmay_feedback"})
    h.check("portal: created with the survey", st == 201 and r.get("survey") == "pmay_feedback", (st, r))


def flows_check_bad_survey():
    d = tempfile.mkdtemp(prefix="sampark-survey-flows-")
    try:
        for f in os.listdir(os.path.join(h.ROOT, "flows")):
            shutil.copy(os.path.join(h.ROOT, "flows", f), d)
        with open(os.path.join(d, "survey_bad.json"), "w") as f:
            json.dump({"flow": "bad", "kind": "survey", "intro": {"hi": "नमस्ते"}, "thanks": {"hi": "a", "en": "b"},
                       "questions": [{"id": "a", "type": "stars", "text": {"hi": "क", "en": "a"}},
                                     {"id": "a", "type": "yes_no", "text": {"hi": "क", "en": "a"}}]}, f)
        r = subprocess.run([h.BIN, "flows", "check", d], capture_output=True, text=True)
        h.check("flows check names a bad survey's problems",
                r.returncode == 1 and "survey_bad.json: \"intro\" has no English text" in r.stdout
                and "survey_bad.json: question \"a\": \"type\" must be rating, yes_no or text" in r.stdout
                and "question \"a\": the id is used by question #1 too" in r.stdout, (r.stdout, r.stderr))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_survey_from_broadcast_to_results():
    with c.served("survey") as (env, fake, port):
        sub.steps(port, fake, EN, dict(text="Hello"), dict(reply_id="c:en"))  # English, before the broadcast
        sub.steps(port, fake, AT_MENU, dict(text="नमस्ते"), dict(reply_id="c:hi"))  # resting at the main menu
        tracking = c.file_complaint(port, fake, CASER)
        n = len(c.texts_to(fake, CASER))
        c.deliver(port, c.PHE_OFFICER, text=f"resolve {tracking} हैंडपंप ठीक कर दिया")
        h.check("a case waits for the satisfaction answer", tracking and c.wait_text(fake, CASER, "संतुष्ट", n), tracking)
        docs = c.file_complaint(port, fake, DOCER, text="स्कूल के पास का हैंडपंप एक महीने से बंद पड़ा है")
        n = len(c.texts_to(fake, DOCER))
        c.deliver(port, c.PHE_OFFICER, text=f"docs {docs} आधार कार्ड की फोटो भेजें")
        h.check("a case waits for a document", docs and c.wait_text(fake, DOCER, "आधार", n), docs)
        bid = create_and_send(env, fake)
        hindi_by_the_button(env, fake, port, bid)
        english_by_the_button(env, fake, port, bid)
        plain_replies(env, fake, port)
        stopped_button(env, fake, port, bid)
        failed_delivery(env, fake, port, bid)
        short_replies(env, fake, port)
        leaving_for_the_desk(env, fake, port, bid, tracking)
        document_mid_survey(env, fake, port, bid, docs)
        results_csv(env, bid)
        portal(env, fake, port, bid)
    flows_check_bad_survey()


def main():
    return h.run_tests([test_survey_from_broadcast_to_results])


if __name__ == "__main__":
    sys.exit(main())

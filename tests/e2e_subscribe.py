#!/usr/bin/env python3
"""e2e_subscribe.py — scheme updates and STOP / START (SPEC section 13, issue 20), end to end
through signed webhooks, the fake Graph API and real Redis and PostgreSQL: "Scheme updates" in the
menu asks the village (typed in Hindi or English — one village key —, or a location) and the
block, and records the subscription with its consent; STOP / बंद / रोकें from any state (in the
middle of a complaint the draft waits, untouched), answered in the citizen's language, with a
word about case updates when a case is open — and an officer's reply still reaches them; START
resumes what was stopped; STOP inside a sentence is no STOP, nor a staff phone's "stop"; a
complaint's village becomes the contact's village. Prints 'N passed, N failed'."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_cases as c  # noqa: E402
import e2e_webhook as h  # noqa: E402

PHE = c.PHE_OFFICER
STOPPED_HI = "अब आपको जिला प्रशासन की कोई सूचना या योजनाओं की खबर नहीं भेजी जाएगी"
CASES_GO_ON_HI = "आपकी शिकायत की खबरें (अधिकारी के जवाब, स्थिति) पहले की तरह आती रहेंगी"


def step(port, fake, phone, **msg):
    """One message; everything the bot sent in answer, once it stops coming ("" when none came)."""
    n = len(c.texts_to(fake, phone))
    st, _ = c.deliver(port, phone, **msg)
    if st != 200 or not h.wait_for(lambda: len(c.texts_to(fake, phone)) > n, 20):
        return ""
    seen = -1
    while seen != len(c.texts_to(fake, phone)):  # an answer may be two messages (the menu after)
        seen = len(c.texts_to(fake, phone))
        time.sleep(0.4)
    return "\n".join(t for t, _ in c.texts_to(fake, phone, n))


def steps(port, fake, phone, *msgs):
    """Messages one after another (each a dict of c.deliver's arguments); the last answer."""
    said = ""
    for m in msgs:
        said = step(port, fake, phone, **m)
    return said


def row(env, phone, cols="state"):
    return h.psql(env.url, f"SELECT {cols} FROM subscribers WHERE phone = '{phone}'")


def test_subscribe_by_village():
    with c.served("subvillage") as (env, fake, port):
        hi, en, loc = "919811126601", "919811126602", "919811126603"
        step(port, fake, hi, text="नमस्ते")
        step(port, fake, hi, reply_id="c:hi")
        asked = step(port, fake, hi, reply_id="c:updates")
        h.check("hi: Scheme updates asks the village", "आप किस गांव या वार्ड में रहते हैं?" in asked, asked)
        h.check("hi: then the block, which may be skipped",
                "ब्लॉक" in step(port, fake, hi, text="सिमगा वार्ड 4"))
        done = step(port, fake, hi, reply_id="skip")
        h.check("hi: confirmed in Hindi, with how to stop",
                "आप योजनाओं की खबरों से जुड़ गए हैं" in done and "गांव/वार्ड: सिमगा वार्ड 4" in done
                and "*बंद*" in done, done)
        h.check("hi: subscribed by the menu, consent time kept, no block",
                row(env, hi, "state, consent_via, consent_at IS NOT NULL, village, block IS NULL")
                == "subscribed|menu|t|सिमगा वार्ड 4|t", row(env, hi, "*"))

        step(port, fake, en, text="hello")
        step(port, fake, en, reply_id="c:en")
        h.check("en: the word 'subscribe' asks the village too",
                "Which village or ward do you live in?" in step(port, fake, en, text="subscribe"))
        step(port, fake, en, text="Simga ward 4")
        done = step(port, fake, en, text="Simga")
        h.check("en: confirmed in English, with STOP", "You are subscribed to scheme updates" in done
                and "Village/ward: Simga ward 4" in done and "*STOP*" in done, done)
        h.check("en: subscribed with its block",
                row(env, en, "state || ',' || consent_via || ',' || block") == "subscribed,menu,Simga")
        h.check("the same village key for 'सिमगा वार्ड 4' and 'Simga ward 4'",
                row(env, hi, "village_key") == row(env, en, "village_key") != "",
                (row(env, hi, "village_key"), row(env, en, "village_key")))

        done = steps(port, fake, loc, dict(text="नमस्ते"), dict(reply_id="c:hi"), dict(reply_id="c:updates"),
                     dict(location=(21.62, 82.08, "Hathbandh")), dict(reply_id="skip"))
        h.check("a shared location: its name is the village",
                row(env, loc, "village") == "Hathbandh" and "गांव/वार्ड: Hathbandh" in done, done)


def test_stop_from_any_state():
    with c.served("substop") as (env, fake, port):
        a, b, d, s = "919811126611", "919811126612", "919811126613", "919811126614"
        steps(port, fake, a, dict(text="नमस्ते"), dict(reply_id="c:hi"), dict(reply_id="c:complaint"),
              dict(reply_id="d:PHE"), dict(text="हमारे गांव का हैंडपंप दो हफ्ते से खराब है"))
        said = step(port, fake, a, text="STOP")
        h.check("STOP in the middle of a complaint: answered in Hindi", STOPPED_HI in said
                and "*शुरू*" in said and CASES_GO_ON_HI not in said, said)
        h.check("STOP: stopped, by keyword, consent time kept",
                row(env, a, "state, consent_via, consent_at IS NOT NULL") == "stopped|keyword|t")
        h.check("STOP leaves the draft where it was: the next answer goes on",
                "समस्या कहां है?" in step(port, fake, a, reply_id="skip"))
        step(port, fake, a, text="कसडोल वार्ड 5")
        h.check("... and the complaint is filed", "आपकी शिकायत दर्ज हो गई है" in step(port, fake, a, reply_id="yes"))
        h.check("a complaint's village does not replace a stop",
                row(env, a, "state || ',' || village") == "stopped,कसडोल वार्ड 5")

        step(port, fake, b, text="नमस्ते")
        h.check("बंद is STOP", STOPPED_HI in step(port, fake, b, text="बंद") and row(env, b) == "stopped")
        step(port, fake, d, text="hello")
        step(port, fake, d, reply_id="c:en")
        said = step(port, fake, d, text="रोकें")
        h.check("रोकें is STOP, answered in the citizen's language",
                "you will get no more announcements or scheme updates" in said and row(env, d) == "stopped", said)

        step(port, fake, s, text="नमस्ते")
        step(port, fake, s, reply_id="c:hi")
        said = step(port, fake, s, text="band karo ye nali ka paani, nali band hai")
        h.check("'band' inside a sentence is not STOP", STOPPED_HI not in said and row(env, s) == "", said)
        said = step(port, fake, s, button=("broadcast-stop", "STOP"))
        h.check("a template's quick-reply button titled STOP is STOP", STOPPED_HI in said and row(env, s) == "stopped",
                said)

        n = len(c.texts_to(fake, PHE))
        c.deliver(port, PHE, text="stop")
        h.check("a staff phone's 'stop' goes to the desk, not STOP",
                h.wait_for(lambda: len(c.texts_to(fake, PHE)) > n, 20)
                and not any(STOPPED_HI in t for t, _ in c.texts_to(fake, PHE, n)) and row(env, PHE) == "")


def test_stop_with_a_case_and_start():
    with c.served("substart") as (env, fake, port):
        citizen, sub = "919811126621", "919811126622"
        t = c.file_complaint(port, fake, citizen)
        h.check("a complaint's village is the contact's village (never asked: state NULL)",
                row(env, citizen, "village || '|' || COALESCE(state, 'null') || '|' || (village_key <> '')")
                == "कसडोल वार्ड 5|null|true")
        said = step(port, fake, citizen, text="Stop")
        h.check("STOP with an open case: told its updates still come",
                STOPPED_HI in said and CASES_GO_ON_HI in said, said)
        n = len(c.texts_to(fake, citizen))
        c.deliver(port, PHE, text=f"reply {t} टैंकर आज शाम पहुंचेगा")
        h.check("an officer's reply still reaches the citizen who stopped",
                c.wait_text(fake, citizen, "टैंकर आज शाम पहुंचेगा", n))
        said = step(port, fake, citizen, text="शुरू")
        h.check("START after STOP, never subscribed: broadcasts allowed again (state NULL)",
                "फिर से शुरू" in said and "'योजनाओं की खबरें' चुनें" in said
                and row(env, citizen, "COALESCE(state, 'null') || ',' || consent_via") == "null,keyword", said)
        said = step(port, fake, citizen, text="START")
        h.check("START when nothing is stopped is the flow's, not a confirmation", "फिर से शुरू" not in said, said)

        steps(port, fake, sub, dict(text="hello"), dict(reply_id="c:en"), dict(reply_id="c:updates"),
              dict(text="Simga ward 4"), dict(reply_id="skip"))
        said = step(port, fake, sub, text="unsubscribe")
        h.check("unsubscribe is STOP, no case: no word about case updates",
                "no more announcements" in said and "Updates on your complaint" not in said
                and row(env, sub) == "stopped", said)
        said = step(port, fake, sub, text="start")
        h.check("START resumes the subscription", "you will get scheme updates for your village again" in said
                and row(env, sub, "state || ',' || village") == "subscribed,Simga ward 4", said)
        said = steps(port, fake, sub, dict(reply_id="c:complaint"), dict(reply_id="d:PHE"),
                     dict(text="The hand pump near the school is broken"), dict(reply_id="skip"),
                     dict(text="Palari ward 2"), dict(reply_id="yes"))
        h.check("a complaint's village never replaces the subscription's",
                "Your complaint has been registered" in said and row(env, sub, "village") == "Simga ward 4", said)


def main():
    return h.run_tests([test_subscribe_by_village, test_stop_from_any_state, test_stop_with_a_case_and_start])


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""e2e_followup.py — a citizen who types fast (the new-user trial), end to end through signed
webhooks, the fake Graph API and real Redis and PostgreSQL, with another district's directory
(its own code, an electricity department under another code and its official long name): the
problem in the first message, then two more lines and a voice note sent at once while the bot asks
"Is this about …?". The lines are added to the description in order and the voice note attached
(filed with the case and forwarded to the officer); the bot says "added" and asks again once, never
"did not understand", and the answer still works — in romanised Hindi, Devanagari and English.
Answers that do not fit never drop a told complaint: kept, and the confirmation offers it again.
Prints 'N passed, N failed'."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_cases as c  # noqa: E402
import e2e_webhook as h  # noqa: E402
from e2e_firstmsg import case_row as case_col, step, tracking_of  # noqa: E402
from fake_graph import FakeGraph  # noqa: E402

POWER_OFFICER = "919800000731"
POWER_HI = "छत्तीसगढ़ स्टेट पावर डिस्ट्रीब्यूशन कंपनी लिमिटेड (विद्युत)"
POWER_EN = "Chhattisgarh State Power Distribution Company Limited (Electricity)"
ADDED = {"hi": "यह भी आपकी शिकायत में जोड़ दिया", "en": "this is added to your complaint"}
CONFUSED = {"hi": "समझ नहीं", "en": "did not understand"}
MOVING_ON = {"hi": "आगे बढ़ रहे हैं", "en": "moving on"}
VILLAGE_Q = {"hi": "समस्या कहां है", "en": "Where is the problem"}


def another_district(d):
    """Mahasamund instead of the sample: its code, and electricity as VIDYUT with the company's
    official name (longer than a menu row) and an officer of its own."""
    d["district"] = {"code": "MSD", "name": {"en": "Mahasamund", "hi": "महासमुंद"},
                     "state": {"en": "Chhattisgarh", "hi": "छत्तीसगढ़"}}
    for dep in d["departments"]:
        if dep["code"] == "CSPDCL":
            dep["code"] = "VIDYUT"
            dep["name"] = {"en": POWER_EN, "hi": POWER_HI}
            dep.pop("short", None)
            dep["officers"] = [{"phone": POWER_OFFICER, "name": "Executive Engineer (O&M), Mahasamund"}]


def attachments(env, t):
    return h.psql(env.url, "SELECT string_agg(media_type || ':' || media_id, ',' ORDER BY a.id) FROM attachments a "
                  f"JOIN cases k ON k.id = a.case_id WHERE k.tracking_no = '{t}'")


def fast_typist(env, port, fake, citizen, lang, first, lines, voice_id, yes):
    """The first message, then `lines` and a voice note delivered at once (no waiting between
    them), then `yes` to the suggestion, the village skipped, submitted. Returns the tracking
    number and the texts the citizen got after the first question."""
    question = f"{POWER_HI} से जुड़ी है?" if lang == "hi" else f"Is this about {POWER_EN}?"
    if not step(port, fake, citizen, want=2, text=first):
        return None, ["no answer to the first message"]
    h.check(f"{lang}: asked about the district's electricity department by its official name",
            h.wait_for(lambda: question in c.texts_to(fake, citizen)[-1][0], 20), c.texts_to(fake, citizen)[-1:])
    n = len(c.texts_to(fake, citizen))
    for line in lines:
        c.deliver(port, citizen, text=line)
    if voice_id:
        c.deliver(port, citizen, media=("audio", voice_id, None))
    # Messages from one sender are handled in order: once the answer's next question is here,
    # every line before it has been handled.
    c.deliver(port, citizen, text=yes)
    h.wait_for(lambda: any(VILLAGE_Q[lang] in x for x, _ in c.texts_to(fake, citizen, n)), 20)
    said = [x for x, _ in c.texts_to(fake, citizen, n)]
    step(port, fake, citizen, reply_id="skip")
    step(port, fake, citizen, reply_id="yes")
    return tracking_of(fake, citizen), said


def check_said(lang, said, question_again):
    h.check(f"{lang}: one 'added', the question once more, then the village — nothing else",
            len(said) == 3 and ADDED[lang] in said[0] and question_again in said[1] and VILLAGE_Q[lang] in said[2],
            said)
    h.check(f"{lang}: never 'did not understand' nor 'moving on'",
            not any(CONFUSED[lang] in x or MOVING_ON[lang] in x for x in said), said)


def test_fast_lines_and_a_voice_note():
    env, fake = h.Env("followup", district=another_district), FakeGraph(c.TOKEN, c.PHONE_ID)
    try:
        h.check("another district's directory is the database's",
                h.psql(env.url, "SELECT count(*) FROM departments WHERE code IN ('VIDYUT', 'CSPDCL')") == "1")
        c.window(env, POWER_OFFICER)
        port = c.serve_to_fake(env, fake).port

        citizen, first = "919811125501", "bijli nahi aa rahi 3 din se"
        t, said = fast_typist(env, port, fake, citizen, "hi", first, ["transformer jal gaya", "gaon Kharora"],
                              "881122334401", "haan")
        h.check("romanised: a tracking number in the district's code", bool(t) and t.startswith("MSD-"), said)
        check_said("hi", said, f"{POWER_HI} से जुड़ी है?")
        want = f"{first}\ntransformer jal gaya\ngaon Kharora\n🎤 आवाज़ संदेश"
        h.check("romanised: the lines are the description, in order, and the voice note is said",
                bool(t) and case_col(env, t, "description") == want, t and case_col(env, t, "description"))
        h.check("romanised: filed with the department the directory names", bool(t)
                and case_col(env, t, "department_code") == "VIDYUT")
        h.check("romanised: the voice note is attached to the case", bool(t)
                and attachments(env, t) == "audio:881122334401", t and attachments(env, t))
        h.check("romanised: the officer is told the whole text and gets the voice note",
                c.wait_text(fake, POWER_OFFICER, "gaon Kharora")
                and h.wait_for(lambda: c.media_to(fake, POWER_OFFICER, "audio", "881122334401"), 20))

        citizen, first = "919811125502", "हमारे गांव में 3 दिन से बिजली नहीं है"
        t, said = fast_typist(env, port, fake, citizen, "hi", first, ["ट्रांसफार्मर जल गया", "गांव खरोरा, स्कूल के पास"],
                              "881122334402", "हाँ")
        check_said("hi", said, f"{POWER_HI} से जुड़ी है?")
        h.check("Devanagari: the lines and the voice note in the description, the audio attached",
                bool(t) and case_col(env, t, "description")
                == f"{first}\nट्रांसफार्मर जल गया\nगांव खरोरा, स्कूल के पास\n🎤 आवाज़ संदेश"
                and attachments(env, t) == "audio:881122334402", t and case_col(env, t, "description"))

        citizen, first = "919811125503", "There has been no electricity in our village for 3 days"
        t, said = fast_typist(env, port, fake, citizen, "en", first,
                              ["the transformer burnt out last night", "village Kharora near the school"], None, "yes")
        check_said("en", said, f"Is this about {POWER_EN}?")
        h.check("English: the lines in the description, in order", bool(t) and case_col(env, t, "description")
                == f"{first}\nthe transformer burnt out last night\nvillage Kharora near the school",
                t and case_col(env, t, "description"))

        # A voice note alone at the question, and a number that answers it.
        citizen, first = "919811125504", "hamare mohalle me light nahi hai kal se"
        step(port, fake, citizen, want=2, text=first)
        n = len(c.texts_to(fake, citizen))
        step(port, fake, citizen, want=2, media=("audio", "881122334404", None))
        h.check("a voice note at the question: 'added' and the question again",
                [ADDED["hi"] in x or POWER_HI in x for x, _ in c.texts_to(fake, citizen, n)] == [True, True],
                [x for x, _ in c.texts_to(fake, citizen, n)])
        step(port, fake, citizen, text="1")
        step(port, fake, citizen, text="Kharora ward 2")
        step(port, fake, citizen, text="ha")
        t = tracking_of(fake, citizen)
        h.check("'1' still answers, 'ha' still submits; the voice note is filed with the case",
                bool(t) and attachments(env, t) == "audio:881122334404"
                and case_col(env, t, "description") == f"{first}\n🎤 आवाज़ संदेश", t)
    finally:
        env.close()
        fake.close()


def test_a_told_complaint_is_never_dropped():
    env, fake = h.Env("followkeep", district=another_district), FakeGraph(c.TOKEN, c.PHONE_ID)
    try:
        port = c.serve_to_fake(env, fake).port
        citizen, first = "919811125511", "bijli ka transformer 5 din se kharab hai"
        step(port, fake, citizen, want=2, text=first)
        n = len(c.texts_to(fake, citizen))
        for answer in ("7", "haaa", "??"):
            step(port, fake, citizen, want=2, text=answer)
        said = [x for x, _ in c.texts_to(fake, citizen, n)]
        h.check("three answers that do not fit at the question: kept, asked again, not the menu",
                any("आपकी शिकायत वैसी ही रखी है" in x for x in said) and not any(MOVING_ON["hi"] in x for x in said)
                and POWER_HI in said[-1], said)
        step(port, fake, citizen, text="2")
        h.check("'2' still answers: the list", "किस विभाग" in c.texts_to(fake, citizen)[-1][0])
        step(port, fake, citizen, reply_id="d:VIDYUT")
        step(port, fake, citizen, reply_id="skip")
        n = len(c.texts_to(fake, citizen))
        for answer in ("hmm", "kya", "3"):
            step(port, fake, citizen, want=2, text=answer)
        said = [x for x, _ in c.texts_to(fake, citizen, n)]
        h.check("three at the confirmation: kept, the confirmation again with the complaint",
                any("आपकी शिकायत वैसी ही रखी है" in x for x in said) and first in said[-1], said)
        step(port, fake, citizen, text="हाँ")
        t = tracking_of(fake, citizen)
        h.check("then 'हाँ' files it as told", bool(t) and case_col(env, t, "description") == first, t)
    finally:
        env.close()
        fake.close()


def main():
    return h.run_tests([test_fast_lines_and_a_voice_note, test_a_told_complaint_is_never_dropped])


if __name__ == "__main__":
    sys.exit(main())

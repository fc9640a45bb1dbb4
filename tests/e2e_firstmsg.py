#!/usr/bin/env python3
"""e2e_firstmsg.py — the first message counts (issue 15), end to end through signed webhooks, the
fake Graph API and real Redis and PostgreSQL. A citizen who types the whole problem in the first
message, in Hindi, romanised Hindi, English or Chhattisgarhi, reaches a tracking number in three
taps with that text as the case's description; a voice note first files a case with the audio
attached and sent to the officer; the suggestion is taken and refused; "paani" at the main menu
asks about drinking water; "hi" and "नमस्ते" still get the welcome. Prints 'N passed, N failed'."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_cases as c  # noqa: E402
import e2e_webhook as h  # noqa: E402

TRACKING = re.compile(r"[A-Z]{3}-\d{4}-\d{6}")
FOOD_OFFICER = "919800000004"  # the sample directory's District Food Officer
OFFICERS = {"PHE": c.PHE_OFFICER, "CSPDCL": c.CSPDCL_OFFICER, "FOOD": FOOD_OFFICER}


def step(port, fake, citizen, want=1, **msg):
    """One message from the citizen; True once the bot has sent `want` messages in answer (a
    first message that starts a complaint gets two: the welcome line and the question)."""
    n = len(c.texts_to(fake, citizen))
    st, _ = c.deliver(port, citizen, **msg)
    return st == 200 and h.wait_for(lambda: len(c.texts_to(fake, citizen)) >= n + want, 20)


def tracking_of(fake, citizen):
    h.wait_for(lambda: TRACKING.search(" ".join(t for t, _ in c.texts_to(fake, citizen))), 20)
    m = TRACKING.search(" ".join(t for t, _ in c.texts_to(fake, citizen)))
    return m.group(0) if m else None


def case_row(env, t, col):
    return h.psql(env.url, f"SELECT {col} FROM cases WHERE tracking_no = '{t}'")


def last_text(fake, citizen):
    h.wait_for(lambda: c.texts_to(fake, citizen), 20)
    texts = c.texts_to(fake, citizen)
    return texts[-1][0] if texts else ""


def whole_complaint(env, port, fake, citizen, text, question, village=None):
    """The first message holds the problem: the department question, then yes, the village
    (typed, or skipped with a tap) and submit. Returns (tracking number, taps) or (None, why)."""
    if not step(port, fake, citizen, want=2, text=text):
        return None, "no answer to the first message"
    if not h.wait_for(lambda: question in last_text(fake, citizen), 20):
        return None, f"asked instead: {last_text(fake, citizen)!r}"
    taps = 1
    step(port, fake, citizen, reply_id="sg:yes")
    if village:
        step(port, fake, citizen, text=village)
    else:
        taps += 1
        step(port, fake, citizen, reply_id="skip")
    taps += 1
    step(port, fake, citizen, reply_id="yes")
    return tracking_of(fake, citizen), taps


def test_whole_complaint_in_four_ways():
    with c.served("first") as (env, fake, port):
        c.window(env, FOOD_OFFICER)  # inside the 24-hour window: the notification comes as text
        cases = [
            ("hi", "919811124401", "हमारे गांव खैरा का हैंडपंप 10 दिन से खराब है, पानी नहीं मिल रहा",
             "क्या आपकी समस्या पेयजल (पीएचई) से जुड़ी है?", "PHE", None, "ट्रैकिंग नंबर"),
            ("romanised hi", "919811124402", "hamare gaon me 3 din se bijli nahi hai, transformer jal gaya",
             "क्या आपकी समस्या बिजली (सीएसपीडीसीएल) से जुड़ी है?", "CSPDCL", "Kasdol ward 5", "ट्रैकिंग नंबर"),
            ("en", "919811124403", "Our ration shop has not given rice for two months",
             "Is this about Ration card (Food)?", "FOOD", None, "Tracking number"),
        ]
        for name, citizen, text, question, dept, village, done_word in cases:
            t, taps = whole_complaint(env, port, fake, citizen, text, question, village)
            h.check(f"{name}: a tracking number from the first message", bool(t), taps)
            if not t:
                continue
            h.check(f"{name}: at most 3 taps", taps <= 3, taps)
            h.check(f"{name}: the first message is the description, the department suggested",
                    case_row(env, t, "description") == text and case_row(env, t, "department_code") == dept,
                    case_row(env, t, "description || ' ' || department_code"))
            h.check(f"{name}: answered in its language, no language question",
                    c.wait_text(fake, citizen, done_word)
                    and not any("Please choose your language" in x for x, _ in c.texts_to(fake, citizen)))
            h.check(f"{name}: the officer is notified with the text",
                    c.wait_text(fake, OFFICERS[dept], text[:20]), dept)
        # Back later with only the tracking number: its status at once, no menu (the desk answers
        # a tracking number at any time, before the conversation).
        citizen, t = cases[0][1], tracking_of(fake, cases[0][1])
        step(port, fake, citizen, text="bye")
        step(port, fake, citizen, text=t.lower())
        h.check("a tracking number as the first message: its status, in Hindi",
                c.wait_text(fake, citizen, f"शिकायत {t}\nस्थिति"), [x for x, _ in c.texts_to(fake, citizen)][-4:])
        h.check("the guessed language is remembered", h.psql(
            env.url, "SELECT string_agg(language, ',' ORDER BY phone) FROM citizens WHERE phone IN "
            "('919811124401', '919811124402', '919811124403')") == "hi,hi,en")

        # Chhattisgarhi is chosen, never guessed: a citizen who chose it once, back with a problem.
        citizen = "919811124404"
        step(port, fake, citizen, text="जोहार")
        step(port, fake, citizen, reply_id="c:hne")
        step(port, fake, citizen, text="bye")
        t, taps = whole_complaint(env, port, fake, citizen, "हमर गाँव के हैंडपंप दस दिन ले खराब हे, पानी नइ मिलत",
                                  "का तुंहर समस्या पीये के पानी (पीएचई) ले जुड़े हे?")
        h.check("hne: a tracking number in 3 taps, in Chhattisgarhi", bool(t) and taps <= 3
                and c.wait_text(fake, citizen, "तुंहर सिकायत दर्ज हो गे"), taps)
        h.check("hne: the sentence is the description",
                bool(t) and case_row(env, t, "description") == "हमर गाँव के हैंडपंप दस दिन ले खराब हे, पानी नइ मिलत")


def test_voice_note_first_and_suggestions():
    with c.served("firstvoice") as (env, fake, port):
        citizen = "919811124411"
        step(port, fake, citizen, media=("audio", "556677889901", None))
        h.check("a voice note first: the language is asked", "Please choose your language" in last_text(fake, citizen))
        step(port, fake, citizen, reply_id="c:hi")
        h.check("then the department list (the voice note kept)",
                "किस विभाग" in last_text(fake, citizen), last_text(fake, citizen))
        step(port, fake, citizen, reply_id="d:PHE")
        h.check("the problem is not asked again: the village is", "समस्या कहां है" in last_text(fake, citizen),
                last_text(fake, citizen))
        step(port, fake, citizen, reply_id="skip")
        step(port, fake, citizen, reply_id="yes")
        t = tracking_of(fake, citizen)
        h.check("a case with the audio attached", bool(t) and case_row(env, t, "description") == "🎤 आवाज़ संदेश"
                and h.psql(env.url, "SELECT media_type FROM attachments a JOIN cases k ON k.id = a.case_id "
                           f"WHERE k.tracking_no = '{t}'") == "audio", t)
        h.check("the officer gets the voice note",
                h.wait_for(lambda: c.media_to(fake, c.PHE_OFFICER, "audio", "556677889901"), 20))

        # The suggestion refused: the list, the text kept.
        citizen = "919811124412"
        text = "bijli ka bill bahut zyada aaya hai, meter kharab hai"
        step(port, fake, citizen, want=2, text=text)
        h.check("a suggestion", "बिजली (सीएसपीडीसीएल)" in last_text(fake, citizen), last_text(fake, citizen))
        step(port, fake, citizen, reply_id="sg:no")
        h.check("refused: the list", "किस विभाग" in last_text(fake, citizen), last_text(fake, citizen))
        step(port, fake, citizen, reply_id="d:REVENUE")
        step(port, fake, citizen, text="Simga")
        step(port, fake, citizen, reply_id="yes")
        t = tracking_of(fake, citizen)
        h.check("filed with the department chosen and the first message as the description",
                bool(t) and case_row(env, t, "department_code || ' ' || description") == "REVENUE " + text, t)

        # "paani" at the main menu: the question about drinking water.
        citizen = "919811124413"
        step(port, fake, citizen, text="नमस्ते")
        h.check("नमस्ते: the welcome and the language question", "Please choose your language" in last_text(fake, citizen))
        step(port, fake, citizen, reply_id="c:hi")
        step(port, fake, citizen, text="paani")
        h.check("paani at the main menu: asked about drinking water",
                last_text(fake, citizen) == "क्या आपकी समस्या पेयजल (पीएचई) से जुड़ी है?", last_text(fake, citizen))
        step(port, fake, citizen, reply_id="sg:yes")
        h.check("one word is not a description: the problem is asked", "अपनी समस्या" in last_text(fake, citizen),
                last_text(fake, citizen))
        citizen = "919811124414"
        step(port, fake, citizen, text="hi")
        h.check("hi: the welcome and the language question", "Please choose your language" in last_text(fake, citizen))


def test_location_at_the_village():
    """A location sent as the village is the case's place, never an attachment; a complaint
    abandoned at the confirmation leaves no place behind for the next one (whose village question
    empties the answer but kept the old location's name)."""
    with c.served("firstloc") as (env, fake, port):
        citizen = "919811124421"
        step(port, fake, citizen, want=2, text="hamare gaon me 10 din se handpump kharab hai")
        step(port, fake, citizen, reply_id="sg:yes")
        step(port, fake, citizen, location=(21.656, 82.161, "Khaira chowk"))
        step(port, fake, citizen, reply_id="yes")
        t = tracking_of(fake, citizen)
        h.check("a location at the village: the case's place and point, not an attachment",
                bool(t) and case_row(env, t, "location_text") == "Khaira chowk"
                and case_row(env, t, "round(latitude::numeric, 3)") == "21.656"
                and h.psql(env.url, "SELECT count(*) FROM attachments a JOIN cases k ON k.id = a.case_id "
                           f"WHERE k.tracking_no = '{t}'") == "0",
                t and case_row(env, t, "location_text || ' ' || coalesce(latitude::text, '-')"))

        citizen = "919811124422"
        step(port, fake, citizen, want=2, text="hamare gaon me 10 din se handpump kharab hai")
        step(port, fake, citizen, reply_id="sg:yes")
        step(port, fake, citizen, location=(21.656, 82.161, "Khaira chowk"))
        h.check("the same point: the first citizen's open case is offered (issue 19)",
                "👥" in last_text(fake, citizen) and any(f"s:{t}" in str(b) for _, b, _ in fake.delivered()
                                                          if b.get("to") == citizen))
        step(port, fake, citizen, reply_id="s:")  # "no, mine is different"
        step(port, fake, citizen, reply_id="no")
        step(port, fake, citizen, reply_id="c:complaint")
        step(port, fake, citizen, reply_id="d:PHE")
        step(port, fake, citizen, text="Nal se ganda paani aa raha hai")
        step(port, fake, citizen, reply_id="skip")
        step(port, fake, citizen, text="Simga ward 3")
        step(port, fake, citizen, reply_id="yes")
        t = tracking_of(fake, citizen)
        h.check("the next complaint's village is its own: no old location's name or point",
                bool(t) and case_row(env, t, "location_text || ' ' || coalesce(latitude::text, '-')")
                == "Simga ward 3 -", t and case_row(env, t, "location_text || ' ' || coalesce(latitude::text, '-')"))


def main():
    return h.run_tests([test_whole_complaint_in_four_ways, test_voice_note_first_and_suggestions,
                        test_location_at_the_village])


if __name__ == "__main__":
    sys.exit(main())

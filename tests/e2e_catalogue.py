#!/usr/bin/env python3
"""e2e_catalogue.py — a district rewords the message catalogue (issue 16 item 4): a copy of the
flows folder whose messages.json says things differently, served the way WhatsApp delivers
(signed webhooks in, the fake Graph API out, real Redis and PostgreSQL). The officer's reply
reaches a Hindi, an English and a Chhattisgarhi citizen in that district's words, each in their
own language; the officer's acknowledgement and new-case notification come reworded too; the
digest says the district's words; SIGHUP takes a new wording and keeps the running one when the
file is broken. Prints 'N passed, N failed'."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_webhook as h  # noqa: E402
from e2e_cases import PHE_OFFICER, deliver, file_complaint, texts_to, wait_text  # noqa: E402
from e2e_cases import TOKEN, PHONE_ID  # noqa: E402
from fake_graph import FakeGraph  # noqa: E402

REWORDED = {
    "citizen_officer_reply": {
        "hi": "जिला कार्यालय ने शिकायत {tracking_no} पर लिखा है:\n{text}",
        "en": "The district office writes about complaint {tracking_no}:\n{text}",
        "hne": "जिला दफ्तर ह सिकायत {tracking_no} बर लिखे हे:\n{text}",
    },
    "officer_sent": {"hi": "✓ भेजा गया ({tracking_no}) — जिला संपर्क", "en": "✓ Sent ({tracking_no})"},
    "officer_new_case": {"hi": "नया प्रकरण", "en": "New case"},
    "digest_daily": {"hi": "रोज़ की", "en": "Everyday"},
}


def flows_folder(env, words):
    """A copy of the shipped flows folder with words (message: texts) in its messages.json."""
    folder = os.path.join(env.tmp, "flows")
    os.makedirs(folder, exist_ok=True)
    for name in ("grievance.json", "district.json", "messages.json"):
        shutil.copy(os.path.join(h.ROOT, "flows", name), folder)
    reword(folder, words)
    return folder


def reword(folder, words):
    path = os.path.join(folder, "messages.json")
    with open(path, encoding="utf-8") as f:
        cat = json.load(f)
    for name, texts in words.items():
        cat["messages"][name] = texts
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cat, f, ensure_ascii=False, indent=2)


def hup(srv, what):
    """SIGHUP, then wait for the worker to log what ("flows reloaded" or "flows not reloaded")."""
    log = lambda: open(srv.logpath, errors="replace").read()  # noqa: E731
    before = log().count(what)
    srv.send_signal(signal.SIGHUP)
    return h.wait_for(lambda: log().count(what) > before, 20)


def test_a_reworded_catalogue_is_what_they_read():
    env, fake = h.Env("catalogue"), FakeGraph(TOKEN, PHONE_ID)
    try:
        folder = flows_folder(env, REWORDED)
        check = subprocess.run([h.BIN, "flows", "check", folder], env=env.env(), capture_output=True, text=True)
        h.check("flows check passes the reworded folder", check.returncode == 0, check.stdout + check.stderr)
        h.psql(env.url, f"INSERT INTO wa_contacts (phone, last_inbound_at) VALUES ('{PHE_OFFICER}', now()) "
                        "ON CONFLICT (phone) DO UPDATE SET last_inbound_at = now()")
        srv = env.serve(WA_ACCESS_TOKEN=TOKEN, WA_PHONE_NUMBER_ID=PHONE_ID, WA_API_BASE=fake.base,
                        SAMPARK_RETRY_BASE_MS="100", SAMPARK_RECLAIM_IDLE_MS="1000", SAMPARK_FLOWS=folder)
        port = srv.port
        citizens = {"hi": "919812300001", "en": "919812300002", "hne": "919812300003"}
        said = {"hi": "जिला कार्यालय ने शिकायत {t} पर लिखा है:\nकल टीम आएगी",
                "en": "The district office writes about complaint {t}:\nकल टीम आएगी",
                "hne": "जिला दफ्तर ह सिकायत {t} बर लिखे हे:\nकल टीम आएगी"}
        for lang, citizen in citizens.items():
            t = file_complaint(port, fake, citizen, text="The hand pump near the school is broken" if lang == "en"
                               else "हमारे गांव का हैंडपंप दो हफ्ते से खराब है", lang=lang)
            h.check(f"{lang}: a tracking number", bool(t), texts_to(fake, citizen)[-3:])
            if not t:
                continue
            h.check(f"{lang}: the officer's new-case notification has the district's headline",
                    wait_text(fake, PHE_OFFICER, f"नया प्रकरण {t}"), texts_to(fake, PHE_OFFICER)[-2:])
            n, m = len(texts_to(fake, citizen)), len(texts_to(fake, PHE_OFFICER))
            deliver(port, PHE_OFFICER, text=f"reply {t} कल टीम आएगी")
            h.check(f"{lang}: the officer's reply reaches the citizen in the district's words",
                    wait_text(fake, citizen, said[lang].format(t=t), n), texts_to(fake, citizen, n))
            h.check(f"{lang}: the officer's acknowledgement is reworded",
                    wait_text(fake, PHE_OFFICER, f"✓ भेजा गया ({t}) — जिला संपर्क", m), texts_to(fake, PHE_OFFICER, m))
        h.check("nobody got the shipped wording", not any(
            "पर अधिकारी का जवाब" in x or "Reply from the officer" in x or "नागरिक को भेज दिया गया" in x
            for p in list(citizens.values()) + [PHE_OFFICER] for x, _ in texts_to(fake, p)))

        # SIGHUP: a broken catalogue keeps the running words; a good one replaces them.
        citizen = citizens["hi"]
        found = re.search(r"[A-Z]{3}-\d{4}-\d{6}", " ".join(x for x, _ in texts_to(fake, citizen)))
        t = found.group(0) if found else "none"
        with open(os.path.join(folder, "messages.json"), encoding="utf-8") as f:
            good = f.read()
        with open(os.path.join(folder, "messages.json"), "w", encoding="utf-8") as f:
            f.write(good.replace("{text}", "{txt}", 1))
        h.check("SIGHUP with a broken catalogue: refused, the log naming the file",
                hup(srv, "flows not reloaded") and "messages.json" in
                open(srv.logpath, errors="replace").read().split("flows not reloaded")[-1].split("\n")[0])
        n = len(texts_to(fake, citizen))
        deliver(port, PHE_OFFICER, text=f"reply {t} पंप की जांच होगी")
        h.check("... and the running words stay", wait_text(fake, citizen, f"शिकायत {t} पर लिखा है:\nपंप की जांच", n),
                texts_to(fake, citizen, n))
        with open(os.path.join(folder, "messages.json"), "w", encoding="utf-8") as f:
            f.write(good)
        reword(folder, {"citizen_officer_reply": {"hi": "📢 {tracking_no}: {text}", "en": "📢 {tracking_no}: {text}"}})
        h.check("SIGHUP with a good catalogue: reloaded", hup(srv, "flows reloaded"))
        n = len(texts_to(fake, citizen))
        deliver(port, PHE_OFFICER, text=f"reply {t} पाइप बदला जाएगा")
        h.check("... and the new words reach the citizen", wait_text(fake, citizen, f"📢 {t}: पाइप बदला जाएगा", n),
                texts_to(fake, citizen, n))

        r = subprocess.run([h.BIN, "digest"], env=env.env(SAMPARK_FLOWS=folder), capture_output=True, text=True)
        h.check("the digest says the district's words", r.returncode == 0 and "📊 रोज़ की रिपोर्ट" in r.stdout,
                r.stdout[:200] + r.stderr)
    finally:
        env.close()
        fake.close()


def main():
    return h.run_tests([test_a_reworded_catalogue_is_what_they_read])


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""e2e_rules.py — the case rules of CM Helpline and CPGRAMS practice (issue 16, item 7), end to
end through signed webhooks, the fake Graph API and real Redis and PostgreSQL: an interim reply
with a new expected date (the SLA clock untouched); reject → the nodal officer approves (closed,
the citizen told why) or returns it (back with the officer); at most three transfers, then the
nodal officer decides. Prints 'N passed, N failed'."""
import datetime
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_cases as c  # noqa: E402
import e2e_webhook as h  # noqa: E402

PHE, CSPDCL, NODAL = c.PHE_OFFICER, c.CSPDCL_OFFICER, c.NODAL


def today():
    """The district's date (Asia/Kolkata, UTC+5:30): the desk checks an interim date against it."""
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=5, minutes=30)).date()


def said(fake, phone, fragment, since=0):
    return c.wait_text(fake, phone, fragment, since)


def officer_says(port, fake, officer, text, expect):
    """The officer's command; True once the officer's answer holding expect arrives."""
    n = len(c.texts_to(fake, officer))
    c.deliver(port, officer, text=text)
    return said(fake, officer, expect, n)


def events(env, t):
    return h.psql(env.url, "SELECT string_agg(e.kind, ',' ORDER BY e.id) FROM case_events e JOIN cases k "
                           f"ON k.id = e.case_id WHERE k.tracking_no = '{t}'")


def case(env, t, col):
    return h.psql(env.url, f"SELECT {col} FROM cases WHERE tracking_no = '{t}'")


def test_interim_reply():
    with c.served("rulesint") as (env, fake, port):
        citizen = "919811125501"
        t = c.file_complaint(port, fake, citizen)
        due = case(env, t, "sla_due_at")
        when = (today() + datetime.timedelta(days=10)).strftime("%d-%m-%Y")
        n = len(c.texts_to(fake, citizen))
        h.check("interim: the officer is told it went out",
                officer_says(port, fake, PHE, f"interim {t} {when} पाइपलाइन का ऑर्डर हो गया", "अंतरिम जवाब"))
        h.check("interim: the citizen gets the reason and the expected date",
                said(fake, citizen, "पाइपलाइन का ऑर्डर हो गया", n) and said(fake, citizen, f"संभावित तारीख: {when}", n))
        h.check("interim: an event with the date; the SLA clock runs on",
                events(env, t).endswith("interim") and case(env, t, "sla_due_at") == due
                and h.psql(env.url, "SELECT detail->>'until' FROM case_events WHERE kind = 'interim'")
                == (today() + datetime.timedelta(days=10)).isoformat(), events(env, t))
        r = subprocess.run([h.BIN, "digest", "--at",
                            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")],
                           env=env.env(), capture_output=True, text=True)
        digest = r.stdout + r.stderr
        h.check("interim: the digest lists the open case with an interim reply",
                "अंतरिम जवाब वाली खुली शिकायतें" in digest and t in digest.split("अंतरिम जवाब वाली")[-1], digest[-400:])
        past = (today() - datetime.timedelta(days=1)).strftime("%d-%m-%Y")
        h.check("interim: a past date is refused with how to write it",
                officer_says(port, fake, PHE, f"interim {t} {past} कारण", "DD-MM-YYYY"))
        h.check("interim: a date 91 days on is refused",
                officer_says(port, fake, PHE, "interim {} {} x".format(
                    t, (today() + datetime.timedelta(days=91)).strftime("%d-%m-%Y")), "90 दिन"))

        citizen = "919811125502"
        t = c.file_complaint(port, fake, citizen, text="The hand pump near the school is broken", lang="en")
        n = len(c.texts_to(fake, citizen))
        officer_says(port, fake, PHE, f"अंतरिम {t} {when} Pipeline ordered", "अंतरिम जवाब")
        h.check("interim in English for an English-speaking citizen",
                said(fake, citizen, f"Interim reply from the officer on your complaint {t}", n)
                and said(fake, citizen, f"Expected resolution by: {when}", n))


def test_reject_approve_and_return():
    with c.served("rulesrej") as (env, fake, port):
        citizen = "919811125511"
        t = c.file_complaint(port, fake, citizen)
        m = len(c.texts_to(fake, NODAL))
        h.check("reject: the officer is told the nodal officer decides",
                officer_says(port, fake, PHE, f"reject {t} मामला न्यायालय में लंबित है", "नोडल अधिकारी को भेजा गया"))
        h.check("reject: the nodal officer gets the request with approve and return",
                said(fake, NODAL, f"approve {t}", m) and said(fake, NODAL, "मामला न्यायालय में लंबित है", m))
        h.check("reject: the case stays open", case(env, t, "status") == "open", case(env, t, "status"))
        h.check("reject: a second request waits for the first",
                officer_says(port, fake, PHE, f"reject {t} फिर से", "पहले से"))
        h.check("approve: not for an officer", officer_says(port, fake, PHE, f"approve {t}", "केवल नोडल अधिकारी"))
        n = len(c.texts_to(fake, citizen))
        k = len(c.texts_to(fake, PHE))
        h.check("approve: the nodal officer is told it is closed",
                officer_says(port, fake, NODAL, f"approve {t}", "अमान्य के रूप में बंद"))
        h.check("approve: the citizen is told why, in their words",
                said(fake, citizen, "कारण: मामला न्यायालय में लंबित है", n))
        h.check("approve: the asking officer hears the verdict", said(fake, PHE, "मंजूर किया", k))
        h.check("approve: closed, with the request and the approval on the trail",
                case(env, t, "status") == "closed" and events(env, t).endswith("reject_requested,rejected")
                and h.psql(env.url, f"SELECT actor || ' ' || (detail->>'asked_by') FROM case_events WHERE kind = 'rejected'")
                == f"{NODAL} {PHE}", events(env, t))
        h.check("approve: nothing left to decide", officer_says(port, fake, NODAL, f"approve {t}", "बंद हो चुकी"))

        citizen = "919811125512"
        t = c.file_complaint(port, fake, citizen)
        officer_says(port, fake, PHE, f"अमान्य {t} यह राजस्व का मामला है", "नोडल अधिकारी को भेजा गया")
        k = len(c.texts_to(fake, PHE))
        h.check("return: the nodal officer sends it back",
                officer_says(port, fake, NODAL, f"return {t} पानी की लाइन आपकी है, जांच करें", "वापस भेजी गई"))
        h.check("return: the asking officer gets the note", said(fake, PHE, "पानी की लाइन आपकी है, जांच करें", k))
        h.check("return: the case is still the officer's, open",
                case(env, t, "status") == "open" and events(env, t).endswith("reject_requested,reject_returned"))
        h.check("return: a new request may follow",
                officer_says(port, fake, PHE, f"reject {t} फिर भी राजस्व का", "नोडल अधिकारी को भेजा गया"))
        h.check("approve without a request: nothing to decide",
                officer_says(port, fake, NODAL, "approve " + c.file_complaint(port, fake, "919811125513"),
                             "कोई अनुरोध लंबित नहीं"))


def test_transfer_limit():
    with c.served("rulestr") as (env, fake, port):
        t = c.file_complaint(port, fake, "919811125521")
        for officer, to in ((PHE, "CSPDCL"), (CSPDCL, "PHE"), (PHE, "CSPDCL")):
            officer_says(port, fake, officer, f"transfer {t} {to}", "विभाग को भेज दी गई")
        h.check("three transfers go through", case(env, t, "department_code") == "CSPDCL"
                and events(env, t).count("transferred") == 3, events(env, t))
        m = len(c.texts_to(fake, NODAL))
        h.check("a fourth: the officer is told the nodal officer decides",
                officer_says(port, fake, CSPDCL, f"transfer {t} PHE", "नोडल अधिकारी तय करेंगे"))
        h.check("a fourth: the nodal officer gets the request", said(fake, NODAL, f"transfer {t} PHE", m))
        h.check("a fourth: the case stays, the request on its trail",
                case(env, t, "department_code") == "CSPDCL" and events(env, t).endswith("transfer_requested"))
        h.check("the nodal officer may transfer it", officer_says(port, fake, NODAL, f"transfer {t} PHE",
                                                                  "विभाग को भेज दी गई")
                and case(env, t, "department_code") == "PHE")


def main():
    return h.run_tests([test_interim_reply, test_reject_approve_and_return, test_transfer_limit])


if __name__ == "__main__":
    sys.exit(main())

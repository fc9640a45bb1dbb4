#!/usr/bin/env python3
"""e2e_merge.py — the officers' side of duplicate complaints (issue 19, SPEC section 12), end to
end through signed webhooks, the fake Graph API and real Redis and PostgreSQL, in Hindi and
English: `subject` / `विषय` sets a case's public subject (and refuses a long one, a second line,
another department's case); `merge` / `मिलाएं` closes a duplicate into another case, moving its
citizen and followers (no duplicates, the counts right) and telling each the number they follow
now in their language — refused into itself, across departments, into or from a closed case, for
an unknown number; `case show` lists the followers. Followers are made by SQL (the citizen's join
step is another part of issue 19). Prints 'N passed, N failed'."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_cases as c  # noqa: E402
import e2e_webhook as h  # noqa: E402

PHE, CSPDCL, NODAL = c.PHE_OFFICER, c.CSPDCL_OFFICER, c.NODAL


def officer_says(port, fake, officer, text, expect):
    """The officer's command; True once the officer's answer holding expect arrives."""
    n = len(c.texts_to(fake, officer))
    c.deliver(port, officer, text=text)
    return c.wait_text(fake, officer, expect, n)


def case(env, t, col):
    return h.psql(env.url, f"SELECT {col} FROM cases WHERE tracking_no = '{t}'")


def events(env, t):
    return h.psql(env.url, "SELECT string_agg(e.kind, ',' ORDER BY e.id) FROM case_events e JOIN cases k "
                           f"ON k.id = e.case_id WHERE k.tracking_no = '{t}'")


def file(env, port, fake, citizen, **kw):
    """A complaint filed; its place key cleared, so the next one in the same village is not offered
    it to join (the join step's matching, once it lands, must not change these tests)."""
    t = c.file_complaint(port, fake, citizen, **kw)
    if t:
        h.psql(env.url, f"UPDATE cases SET place_key = NULL WHERE tracking_no = '{t}'")
    return t


def follow(env, t, phone, lang):
    """phone follows case t (as the join step would leave it), its 24-hour window open."""
    h.psql(env.url, "INSERT INTO case_followers (case_id, phone, language) SELECT id, "
                    f"'{phone}', '{lang}' FROM cases WHERE tracking_no = '{t}'")
    h.psql(env.url, "UPDATE cases SET follower_count = (SELECT count(*) FROM case_followers f "
                    f"WHERE f.case_id = cases.id) WHERE tracking_no = '{t}'")
    c.window(env, phone)


def test_subject():
    with c.served("mergesubj") as (env, fake, port):
        t = file(env, port, fake, "919811126501")
        h.check("subject: the officer is told the public subject",
                officer_says(port, fake, PHE, f"subject {t} Hand pump broken, ward 5",
                             "सार्वजनिक विषय: Hand pump broken, ward 5"))
        h.check("subject: kept on the case, an event with the text",
                case(env, t, "subject") == "Hand pump broken, ward 5" and events(env, t).endswith("subject")
                and h.psql(env.url, "SELECT text FROM case_events WHERE kind = 'subject'") == "Hand pump broken, ward 5",
                events(env, t))
        h.check("विषय: in Hindi too, replacing the first",
                officer_says(port, fake, PHE, f"विषय {t} हैंडपंप खराब, वार्ड 5", "सार्वजनिक विषय: हैंडपंप खराब")
                and case(env, t, "subject") == "हैंडपंप खराब, वार्ड 5")
        h.check("subject: 61 letters are refused with how to write it",
                officer_says(port, fake, PHE, f"subject {t} " + "क" * 61, "3 से 60 अक्षरों")
                and case(env, t, "subject") == "हैंडपंप खराब, वार्ड 5")
        h.check("subject: two lines are refused",
                officer_says(port, fake, PHE, f"subject {t} Hand pump\nbroken", "एक पंक्ति में"))
        h.check("subject: another department's officer is refused",
                officer_says(port, fake, CSPDCL, f"subject {t} Transformer", "आपके विभाग की शिकायतों में नहीं")
                and case(env, t, "subject") == "हैंडपंप खराब, वार्ड 5")
        h.check("subject: the nodal officer may set it",
                officer_says(port, fake, NODAL, f"subject {t} Hand pump, ward 5", "सार्वजनिक विषय")
                and case(env, t, "subject") == "Hand pump, ward 5")
        h.check("subject: the case shows it", c.case_show(env, t).get("subject") == "Hand pump, ward 5")


def test_merge_moves_followers():
    with c.served("mergemove") as (env, fake, port):
        into_citizen, dup_citizen = "919811126511", "919811126512"
        into = file(env, port, fake, into_citizen)
        dup = file(env, port, fake, dup_citizen, text="The hand pump in our village is broken", lang="en")
        # The duplicate's followers: one in Hindi, one in Chhattisgarhi, one who follows both.
        follow(env, dup, "919811126513", "hi")
        follow(env, dup, "919811126514", "hne")
        follow(env, dup, "919811126515", "en")
        follow(env, into, "919811126515", "en")
        follow(env, into, "919811126516", "hi")
        told = {p: len(c.texts_to(fake, p)) for p in
                (dup_citizen, "919811126513", "919811126514", "919811126515", into_citizen)}
        h.check("merge: the officer is told it is merged",
                officer_says(port, fake, PHE, f"merge {dup} into {into}", f"{into} में मिला दिया गया"))
        h.check("merge: the duplicate is closed, pointing to the other",
                case(env, dup, "status") == "closed"
                and h.psql(env.url, f"SELECT m.tracking_no FROM cases d JOIN cases m ON m.id = d.merged_into "
                                    f"WHERE d.tracking_no = '{dup}'") == into)
        h.check("merge: a 'merged' event on both",
                events(env, dup).endswith("merged") and events(env, into).endswith("merged")
                and h.psql(env.url, f"SELECT detail->>'into' FROM case_events e JOIN cases k ON k.id = e.case_id "
                                    f"WHERE k.tracking_no = '{dup}' AND kind = 'merged'") == into
                and h.psql(env.url, f"SELECT detail->>'from' FROM case_events e JOIN cases k ON k.id = e.case_id "
                                    f"WHERE k.tracking_no = '{into}' AND kind = 'merged'") == dup,
                (events(env, dup), events(env, into)))
        followers = h.psql(env.url, "SELECT string_agg(f.phone, ',' ORDER BY f.phone) FROM case_followers f "
                                    f"JOIN cases k ON k.id = f.case_id WHERE k.tracking_no = '{into}'")
        h.check("merge: the citizen and the followers follow the other case, each once",
                followers == f"{dup_citizen},919811126513,919811126514,919811126515,919811126516"
                and case(env, into, "follower_count") == "5", followers)
        h.check("merge: the duplicate's followers keep its number (it tells them where it went)",
                h.psql(env.url, "SELECT count(*) FROM case_followers f JOIN cases k ON k.id = f.case_id "
                                f"WHERE k.tracking_no = '{dup}'") == "3")
        h.check("merge: the English citizen is told the new number and its status",
                c.wait_text(fake, dup_citizen, f"has been joined with complaint {into}", told[dup_citizen])
                and c.wait_text(fake, dup_citizen, "Status: open", told[dup_citizen]))
        h.check("merge: the Hindi follower is told in Hindi",
                c.wait_text(fake, "919811126513", f"शिकायत {into}", told["919811126513"])
                and c.wait_text(fake, "919811126513", "के साथ जोड़ दी गई है", told["919811126513"]))
        h.check("merge: the Chhattisgarhi follower in Chhattisgarhi",
                c.wait_text(fake, "919811126514", "संग जोड़ दे गे हे", told["919811126514"]))
        h.check("merge: the follower of both is told too",
                c.wait_text(fake, "919811126515", f"You will now get the updates of {into}", told["919811126515"]))
        h.check("merge: the other case's own citizen hears nothing of it",
                not any(into in t and "जोड़" in t for t, _ in c.texts_to(fake, into_citizen, told[into_citizen])))
        show = c.case_show(env, into)
        h.check("case show: the followers (phone, language, joined_at), the count",
                show.get("follower_count") == 5 and len(show.get("followers", [])) == 5
                and [f["phone"] for f in show["followers"]][:2] == ["919811126515", "919811126516"]
                and {f["phone"]: f["language"] for f in show["followers"]}.get("919811126514") == "hne"
                and all(f.get("joined_at") for f in show["followers"]) and show.get("merged_into") is None, show)
        show = c.case_show(env, dup)
        h.check("case show: the duplicate names the case it was merged into",
                show.get("merged_into") == into and len(show.get("followers", [])) == show.get("follower_count"), show)
        n = len(c.texts_to(fake, "919811126513"))
        c.deliver(port, "919811126513", text=dup)
        h.check("a follower of the duplicate still tracks it by its number: merged into the other",
                c.wait_text(fake, "919811126513", into, n), c.texts_to(fake, "919811126513", n))
        h.check("merge: from a closed case is refused",
                officer_says(port, fake, PHE, f"merge {dup} {into}", "बंद हो चुकी"))


def test_merge_refusals():
    with c.served("mergeref") as (env, fake, port):
        a = file(env, port, fake, "919811126521")
        b = file(env, port, fake, "919811126522", text="The hand pump is broken again", lang="en")
        e = file(env, port, fake, "919811126523", text="गांव में बिजली नहीं है", dept_row="d:CSPDCL")
        h.check("merge: into itself is refused",
                officer_says(port, fake, PHE, f"merge {a} {a}", "उसी में नहीं मिलाया जा सकता"))
        h.check("merge: one number asks for the other",
                officer_says(port, fake, PHE, f"मिलाएं {a}", "किस शिकायत में"))
        unknown = a[:9] + "999999"
        h.check("merge: an unknown second number",
                officer_says(port, fake, PHE, f"merge {a} {unknown}", f"शिकायत {unknown} नहीं मिली"))
        h.check("merge: across departments, the reply says to transfer first",
                officer_says(port, fake, NODAL, f"merge {a} {e}", "पहले स्थानांतरण करें"))
        h.check("merge: another department's case is refused to an officer",
                officer_says(port, fake, CSPDCL, f"merge {a} {b}", "आपके विभाग की शिकायतों में नहीं"))
        h.psql(env.url, f"UPDATE cases SET status = 'closed' WHERE tracking_no = '{b}'")
        h.check("merge: into a closed case is refused",
                officer_says(port, fake, PHE, f"merge {a} {b}", f"शिकायत {b} बंद हो चुकी है"))
        h.check("refused merges change nothing",
                case(env, a, "status") == "open" and case(env, a, "merged_into") == ""
                and "merged" not in (events(env, a) or ""))
        h.psql(env.url, f"UPDATE cases SET status = 'open' WHERE tracking_no = '{b}'")
        h.check("मिलाएं: the nodal officer merges in Hindi",
                officer_says(port, fake, NODAL, f"मिलाएं {b} को {a} में", f"{a} में मिला दिया गया")
                and case(env, b, "status") == "closed" and case(env, a, "follower_count") == "1")


def main():
    return h.run_tests([test_subject, test_merge_moves_followers, test_merge_refusals])


if __name__ == "__main__":
    sys.exit(main())

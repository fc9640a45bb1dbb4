#!/usr/bin/env python3
"""e2e_browser.py — the portal's web app in a real headless Chromium (issue 17): starts
`sampark serve` with real Redis and PostgreSQL, the known cases of e2e_portal.py and the fake
Graph API (which takes the login codes and the citizens' messages, and serves the media), then
runs tests/browser/portal.mjs with node (playwright-core driving Debian's /usr/bin/chromium;
scripts/test installs both with sp_install_browser). Screenshots of every page go to
screenshots/ beside the sampark binary (build-test/screenshots/). Prints 'N passed, N failed'."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_portal as p  # noqa: E402
import e2e_webhook as h  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER_DIR = os.path.join(HERE, "browser")


def seed_survey(env):
    """Broadcast 90, done, with the pmay_feedback survey and answers from three villages."""
    h.psql(env.url, "INSERT INTO broadcasts (id, template, language, segment, state, survey, created_at) VALUES "
                    "(90, 'scheme_update', 'hi', 'subscribers', 'done', 'pmay_feedback', now() - interval '2 days')")
    for i, (village, rating, yes, text) in enumerate((("सिमगा", "4", "yes", "सड़क भी बनवाइए"), ("सिमगा", "5", "yes", None),
                                                      ("Kasdol, ward 5", "2", "no", "Installment is late"),
                                                      ("", "4", "no", None))):
        phone = f"9197000090{i:02d}"
        for q, v in (("process", rating), ("installment", yes), ("suggestion", text)):
            if v:
                h.psql(env.url, "INSERT INTO survey_answers (broadcast_id, phone, question, value, village) VALUES "
                                f"(90, '{phone}', '{q}', '{v}', '{village}')")


def test_portal_in_chromium():
    missing = [w for w, ok in (("node", shutil.which("node")), ("/usr/bin/chromium", os.access("/usr/bin/chromium", os.X_OK)),
                               ("tests/browser/node_modules/playwright-core",
                                os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")))) if not ok]
    if missing:
        h.check("the browser, node and playwright-core are installed (run scripts/test)", False, missing)
        return
    with p.portal_env("pbrowser") as (env, fake):
        p.load_cases(env)
        p.seed_subscribers(env)  # the broadcasts view: a village with subscribers
        seed_survey(env)  # a finished broadcast with survey answers: the distribution
        p.seed_helpdesk(env)  # the helpdesk view: a roster for today and conversations in every state
        p.window(env, *[p.citizen_of(c[0]) for c in p.CASES])
        h.psql(env.url, "INSERT INTO case_events (case_id, kind, actor) SELECT id, 'transferred', "
               f"'{p.PHE_OFFICER}' FROM cases, generate_series(1, 3) WHERE tracking_no = 'BLB-2026-000114'")
        # Five citizens follow the case the page is shown with (issue 19): its count and flag.
        h.psql(env.url, "INSERT INTO case_followers (case_id, phone, language) SELECT id, '91981110090' || i, 'hi' "
               "FROM cases, generate_series(1, 5) i WHERE tracking_no = 'BLB-2026-000101'")
        h.psql(env.url, "UPDATE cases SET follower_count = 5 WHERE tracking_no = 'BLB-2026-000101'")
        fake.add_media("778899001", b"\xff\xd8\xff\xe0" + os.urandom(4000))
        srv = p.serve(env, fake, SAMPARK_MEDIA_DIR=os.path.join(env.tmp, "media"))
        shots = os.path.join(os.path.dirname(os.path.abspath(h.BIN)), "screenshots")
        run = subprocess.run(["node", os.path.join(BROWSER_DIR, "portal.mjs"), f"http://127.0.0.1:{srv.port}",
                              f"http://127.0.0.1:{fake.port}", shots],
                             cwd=BROWSER_DIR, capture_output=True, text=True, timeout=600)
        for line in run.stdout.splitlines():
            if line.startswith(("ok ", "FAIL ")):
                h.check(line.split(" ", 1)[1].split(" [")[0][:200], line.startswith("ok "), line[5:] if line.startswith("FAIL") else None)
            elif line.startswith("screenshot "):
                print(line)
        h.check("the node run ended cleanly", run.returncode == 0 and " passed, 0 failed" in run.stdout,
                (run.returncode, run.stdout[-800:], run.stderr[-1500:]))
        log = p.log_of(srv)
        h.check("no phone number nor reply text in the server's log",
                p.PHE_OFFICER not in log and "मिस्त्री" not in log)


def main():
    return h.run_tests([test_portal_in_chromium])


if __name__ == "__main__":
    sys.exit(main())

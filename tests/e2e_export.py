#!/usr/bin/env python3
"""e2e_export.py — `sampark export` (SPEC section 14, issue 21) against known cases: one filed and
worked through the real paths (signed webhooks, the fake Graph API: a text with a comma, quotes, a
new line, Devanagari and a phone number; a reply, a transfer, a resolve, "not satisfied", a reopen,
a resolve in the new department, "satisfied"), and others made by SQL where the path does not
matter (the day's edges in the district's time zone, an anonymised case, a merged one, a follower,
escalations, a late resolve, a nodal officer's and a removed officer's acts). Every column of both
files is checked; then the bad inputs (one line naming the parameter, exit 1, no file left), the
empty range (headers only), and that no phone number is anywhere in the output.
Prints 'N passed, N failed'."""
import csv
import datetime
import io
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_cases as c  # noqa: E402
import e2e_webhook as h  # noqa: E402

PHE, CSPDCL, NODAL = c.PHE_OFFICER, c.CSPDCL_OFFICER, c.NODAL
G_HEAD = ["registration_no", "recvd_date", "closing_date", "state", "dist_name", "pincode", "sex", "org_code",
          "CategoryV7", "subject_content", "status", "rating"]
A_HEAD = ["registration_no", "action_srno", "date_of_action", "action_status", "OfficerDetail", "org_code", "delay"]
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
DIRECTORY = json.load(open(os.path.join(h.ROOT, "flows", "district.json")))
NAMES = {d["code"]: d["name"]["en"] for d in DIRECTORY["departments"]}
STATE, DIST = DIRECTORY["district"]["state"]["en"], DIRECTORY["district"]["name"]["en"]


def export(env, *args):
    r = subprocess.run([h.BIN, "export", *args], env=env.env(), capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def read(path):
    """(raw bytes, rows as lists) of a CSV file."""
    raw = open(path, "rb").read()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))


def exported(env, day_from, day_to):
    """Exports into a fresh directory; returns (rc, stderr, grievance rows, action rows, raw bytes of both)."""
    out = tempfile.mkdtemp(prefix="sampark-export-")
    rc, _, err = export(env, "--from", day_from, "--to", day_to, "--out", out)
    if rc != 0:
        return rc, err, [], [], b""
    graw, g = read(os.path.join(out, f"grievances_{day_from}_{day_to}.csv"))
    araw, a = read(os.path.join(out, f"actions_{day_from}_{day_to}.csv"))
    return rc, err, g, a, graw + araw


def local(env, sql_time):
    """A timestamptz from the database as the district reads it, computed here (not by the export)."""
    utc = datetime.datetime.fromisoformat(h.psql(env.url, f"SELECT to_char(({sql_time}) AT TIME ZONE 'UTC', "
                                                          "'YYYY-MM-DD\"T\"HH24:MI:SS')")).replace(tzinfo=datetime.timezone.utc)
    return utc.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")


def phones(env):
    """Every phone number the database knows, in full and as 10 national digits."""
    rows = h.psql(env.url, "SELECT phone FROM citizens UNION SELECT phone FROM case_followers UNION SELECT phone FROM "
                           "officers UNION SELECT unnest(nodal_phones || collector_phones || digest_phones) FROM districts")
    out = set()
    for p in rows.split():
        out |= {p, p[-10:]}
    return out


def test_the_real_path():
    with c.served("export1") as (env, fake, port):
        citizen = "919811127701"
        text = 'हैंडपंप खराब है, "तुरंत" देखें\nदूसरी पंक्ति: मेरा नंबर 98111 27701 है'
        t = c.file_complaint(port, fake, citizen, text=text)
        h.check("a complaint filed", bool(t), t)

        def officer(who, line, expect):
            n = len(c.texts_to(fake, who))
            c.deliver(port, who, text=line)
            return c.wait_text(fake, who, expect, n)

        def citizen_says(expect, **msg):
            n = len(c.texts_to(fake, citizen))
            c.deliver(port, citizen, **msg)
            return c.wait_text(fake, citizen, expect, n)

        ok = officer(PHE, f"reply {t} देख रहे हैं", "नागरिक को भेज दिया")
        n = len(c.texts_to(fake, CSPDCL))
        c.deliver(port, PHE, text=f"transfer {t} CSPDCL")
        ok = ok and c.wait_text(fake, CSPDCL, t, n)
        ok = ok and officer(CSPDCL, f"resolve {t} ठीक किया", "हल के रूप में दर्ज")
        ok = ok and citizen_says("क्यों हल नहीं हुई", text="नहीं") and citizen_says("फिर से खोल दी गई", text="अब भी खराब")
        ok = ok and officer(CSPDCL, f"resolve {t} नया पाइप लगाया", "हल के रूप में दर्ज")
        ok = ok and citizen_says("बंद कर दी गई", reply_id=f"sat:yes:{t}")
        h.check("the story: replied, transferred, resolved, reopened, resolved, closed",
                ok and c.case_show(env, t).get("status") == "closed", c.case_show(env, t))

        today = local(env, "now()")[:10]
        rc, err, g, a, raw = exported(env, today, today)
        h.check("export: exit 0", rc == 0, err)
        h.check("grievances: the header and one row", g[:1] == [G_HEAD] and len(g) == 2, g)
        row = dict(zip(G_HEAD, g[1])) if len(g) == 2 else {}
        want = {"registration_no": t, "recvd_date": local(env, f"(SELECT created_at FROM cases WHERE tracking_no = '{t}')"),
                "closing_date": local(env, f"(SELECT closed_at FROM cases WHERE tracking_no = '{t}')"),
                "state": STATE, "dist_name": DIST, "pincode": "", "sex": "", "org_code": "CSPDCL",
                "CategoryV7": NAMES["CSPDCL"],
                "subject_content": 'हैंडपंप खराब है, "तुरंत" देखें\nदूसरी पंक्ति: मेरा नंबर XXXXX XXXXX है',
                "status": "Closed: citizen satisfied", "rating": "Satisfied"}
        for k, v in want.items():
            h.check(f"grievance {k}", row.get(k) == v, (row.get(k), v))
        h.check("the comma, quotes and new line are quoted the RFC 4180 way",
                '"हैंडपंप खराब है, ""तुरंत"" देखें\nदूसरी' in raw.decode(), raw[:400])
        h.check("lines end in CRLF", raw.decode().split("\n")[0].endswith("\r"))

        times = h.psql(env.url, "SELECT string_agg(e.kind || '=' || to_char(e.at AT TIME ZONE 'UTC', "
                                "'YYYY-MM-DD\"T\"HH24:MI:SS'), ' ' ORDER BY e.at, e.id) FROM case_events e JOIN cases k "
                                f"ON k.id = e.case_id WHERE k.tracking_no = '{t}'").split()
        kept = [x for x in times if x.split("=")[0] not in ("delivery_failed", "satisfaction_reminder", "subject")]
        ist = [datetime.datetime.fromisoformat(x.split("=")[1]).replace(tzinfo=datetime.timezone.utc)
               .astimezone(IST).strftime("%Y-%m-%d %H:%M:%S") for x in kept]
        expected = [["Received", "Citizen", "PHE"], ["Reply sent to the citizen", "Executive Engineer, PHE", "PHE"],
                    ["Transferred to CSPDCL", "Executive Engineer, PHE", "PHE"],
                    ["Resolved", "Executive Engineer, CSPDCL", "CSPDCL"], ["Citizen not satisfied", "Citizen", "CSPDCL"],
                    ["Reopened", "Citizen", "CSPDCL"], ["Resolved", "Executive Engineer, CSPDCL", "CSPDCL"],
                    ["Closed: citizen satisfied", "Citizen", "CSPDCL"]]
        h.check("actions: the header and one row per action", a[:1] == [A_HEAD] and len(a) == 1 + len(expected),
                [r[3] for r in a])
        for i, (status, who, org) in enumerate(expected):
            r = a[i + 1] if i + 1 < len(a) else []
            h.check(f"action {i + 1}: {status}", r == [t, str(i + 1), ist[i] if i < len(ist) else "?", status, who, org, "0"],
                    (r, ist[i] if i < len(ist) else None))
        leaks = [p for p in phones(env) if p.encode() in raw]
        h.check("no phone number anywhere in the output", not leaks, leaks)


CITIZENS = ["919811127711", "919811127712", "919811127713", "919811127714"]


def make_case(env, t, created_utc, dept="PHE", status="open", text="नल खराब है", phone=CITIZENS[0], sla_h=48,
              closed_utc=None, merged_into=None, anonymised=False):
    h.psql(env.url, f"""INSERT INTO cases (tracking_no, status, department_code, citizen_phone, description,
        sla_started_at, sla_due_at, created_at, closed_at, merged_into, anonymised_at)
        VALUES ('{t}', '{status}', '{dept}', {'NULL' if anonymised else f"'{phone}'"}, $${text}$$,
        '{created_utc}', timestamptz '{created_utc}' + interval '{sla_h} hours', '{created_utc}',
        {f"'{closed_utc}'" if closed_utc else 'NULL'},
        {f"(SELECT id FROM cases WHERE tracking_no = '{merged_into}')" if merged_into else 'NULL'},
        {'now()' if anonymised else 'NULL'})""")


def event(env, t, kind, at_utc, actor, detail="{}"):
    h.psql(env.url, f"INSERT INTO case_events (case_id, kind, actor, detail, at) SELECT id, '{kind}', '{actor}', "
                    f"'{detail}', '{at_utc}' FROM cases WHERE tracking_no = '{t}'")


def test_made_by_sql():
    env = h.Env("export2")
    try:
        for p in CITIZENS:
            h.psql(env.url, f"INSERT INTO citizens (phone) VALUES ('{p}')")
        # The day's edges: 23:59:59 on 9 November and 00:00:00 on the 10th in India.
        make_case(env, "BLB-2026-000901", "2026-11-09 18:29:59+00")
        event(env, "BLB-2026-000901", "created", "2026-11-09 18:29:59+00", CITIZENS[0])
        make_case(env, "BLB-2026-000902", "2026-11-09 18:30:00+00", dept="REVENUE", status="closed",
                  text="-ज़मीन का नामांतरण; call +91 98111 27712", phone=CITIZENS[1], closed_utc="2026-11-15 06:00:00+00")
        t2 = "BLB-2026-000902"
        event(env, t2, "created", "2026-11-09 18:30:00+00", CITIZENS[1])
        h.psql(env.url, f"INSERT INTO case_followers (case_id, phone) SELECT id, '{CITIZENS[2]}' FROM cases "
                        f"WHERE tracking_no = '{t2}'")
        event(env, t2, "follower_joined", "2026-11-10 02:00:00+00", CITIZENS[2])
        event(env, t2, "delivery_failed", "2026-11-10 03:00:00+00", "whatsapp", '{"recipient": "919811127712"}')
        event(env, t2, "escalated", "2026-11-11 18:30:00+00", "scheduler", '{"level": 1}')
        event(env, t2, "escalated", "2026-11-13 18:30:00+00", "scheduler", '{"level": 2}')
        event(env, t2, "note", "2026-11-13 19:00:00+00", "919800000003")
        event(env, t2, "reply", "2026-11-13 20:00:00+00", NODAL)
        event(env, t2, "resolved", "2026-11-12 18:00:00+00", "919800000003")
        event(env, t2, "not_satisfied", "2026-11-14 05:00:00+00", CITIZENS[2])
        event(env, t2, "auto_closed", "2026-11-15 06:00:00+00", "scheduler")
        # A merged case, and an anonymised one whose officer has since left the directory.
        make_case(env, "BLB-2026-000903", "2026-11-10 10:00:00+00", status="closed", phone=CITIZENS[3],
                  closed_utc="2026-11-10 12:00:00+00", merged_into="BLB-2026-000901")
        event(env, "BLB-2026-000903", "created", "2026-11-10 10:00:00+00", CITIZENS[3])
        event(env, "BLB-2026-000903", "merged", "2026-11-10 12:00:00+00", PHE, '{"into": "BLB-2026-000901"}')
        event(env, "BLB-2026-000901", "merged", "2026-11-10 12:00:00+00", PHE, '{"from": "BLB-2026-000903"}')
        make_case(env, "BLB-2026-000904", "2026-11-10 11:00:00+00", dept="FOOD", status="closed", text="",
                  closed_utc="2026-11-11 11:00:00+00", anonymised=True)
        event(env, "BLB-2026-000904", "created", "2026-11-10 11:00:00+00", "citizen")
        event(env, "BLB-2026-000904", "rejected", "2026-11-11 11:00:00+00", "919800000777")

        rc, err, g, a, raw = exported(env, "2026-11-09", "2026-11-09")
        h.check("9 November: only the case of 23:59:59", rc == 0 and [r[0] for r in g[1:]] == ["BLB-2026-000901"], (err, g))
        h.check("9 November: its received time", g[1][1:3] == ["2026-11-09 23:59:59", ""] if len(g) > 1 else False, g)
        h.check("9 November: its actions stay with it, merges and all",
                [r[3] for r in a[1:]] == ["Received", "Duplicate BLB-2026-000903 merged into this grievance"], a)

        rc, err, g, a, raw = exported(env, "2026-11-10", "2026-11-10")
        h.check("10 November: the cases from midnight", rc == 0 and [r[0] for r in g[1:]] ==
                ["BLB-2026-000902", "BLB-2026-000903", "BLB-2026-000904"], (err, g))
        rows = {r[0]: r for r in g[1:]}
        h.check("the midnight case: every column", rows.get(t2) == [
            t2, "2026-11-10 00:00:00", "2026-11-15 11:30:00", STATE, DIST, "", "", "REVENUE", NAMES["REVENUE"],
            "'-ज़मीन का नामांतरण; call +XX XXXXX XXXXX", "Closed: no feedback from the citizen", "Not satisfied"],
            rows.get(t2))
        h.check("the merged case: its status names the case it went into", rows.get("BLB-2026-000903", [""] * 12)[10:]
                == ["Closed: merged into BLB-2026-000901", ""], rows.get("BLB-2026-000903"))
        h.check("the anonymised case: no text left, the rest kept", rows.get("BLB-2026-000904") == [
            "BLB-2026-000904", "2026-11-10 16:30:00", "2026-11-11 16:30:00", STATE, DIST, "", "", "FOOD", NAMES["FOOD"],
            "", "Closed as not actionable", ""], rows.get("BLB-2026-000904"))
        want = [
            [t2, "1", "2026-11-10 00:00:00", "Received", "Citizen", "REVENUE", "0"],
            [t2, "2", "2026-11-10 07:30:00", "Same complaint from another citizen (joined)", "Citizen", "REVENUE", "0"],
            [t2, "3", "2026-11-12 00:00:00", "Escalated to the nodal officer", "Sampark (automatic)", "REVENUE", "0"],
            [t2, "4", "2026-11-12 23:30:00", "Resolved", "SDM (Revenue)", "REVENUE", "1"],
            [t2, "5", "2026-11-14 00:00:00", "Escalated to the collector", "Sampark (automatic)", "REVENUE", "1"],
            [t2, "6", "2026-11-14 01:30:00", "Reply sent to the citizen", "Nodal officer", "REVENUE", "1"],
            [t2, "7", "2026-11-14 10:30:00", "Citizen not satisfied", "Citizen", "REVENUE", "1"],
            [t2, "8", "2026-11-15 11:30:00", "Closed: no feedback from the citizen", "Sampark (automatic)", "REVENUE", "1"],
            ["BLB-2026-000903", "1", "2026-11-10 15:30:00", "Received", "Citizen", "PHE", "0"],
            ["BLB-2026-000903", "2", "2026-11-10 17:30:00", "Closed: merged into BLB-2026-000901",
             "Executive Engineer, PHE", "PHE", "0"],
            ["BLB-2026-000904", "1", "2026-11-10 16:30:00", "Received", "Citizen", "FOOD", "0"],
            ["BLB-2026-000904", "2", "2026-11-11 16:30:00", "Closed as not actionable", "", "FOOD", "0"],
        ]
        h.check("10 November: the header and every action, in order", a[:1] == [A_HEAD] and len(a) == 1 + len(want),
                [r[:4] for r in a])
        for w, r in zip(want, a[1:]):
            h.check(f"action {w[0]} {w[1]}: {w[3]}", r == w, r)
        leaks = [p for p in phones(env) if p.encode() in raw]
        h.check("no phone number anywhere in the output", not leaks, leaks)

        rc, err, g, a, raw = exported(env, "2026-11-09", "2026-11-10")
        h.check("both days: all four cases", [r[0] for r in g[1:]] ==
                ["BLB-2026-000901", "BLB-2026-000902", "BLB-2026-000903", "BLB-2026-000904"], g)
        rc, err, g, a, raw = exported(env, "2025-01-01", "2025-01-31")
        h.check("an empty range: the headers only", rc == 0 and g == [G_HEAD] and a == [A_HEAD], (err, g, a))
    finally:
        env.close()


def test_bad_input():
    env = h.Env("export3")
    try:
        out = tempfile.mkdtemp(prefix="sampark-export-bad-")
        afile = os.path.join(out, "a-file")
        open(afile, "w").close()
        cases = [
            (["--from", "2026-13-01", "--to", "2026-11-30"], "--from '2026-13-01' is not a date"),
            (["--from", "yesterday", "--to", "2026-11-30"], "--from 'yesterday' is not a date"),
            (["--from", "2026-11-01", "--to", "2026-02-30"], "--to '2026-02-30' is not a date"),
            (["--from", "2026-11-30", "--to", "2026-11-01"], "--from 2026-11-30 is after --to 2026-11-01"),
            (["--to", "2026-11-01"], "--from DATE is required"),
            (["--from", "2026-11-01"], "--to DATE is required"),
            (["--from", "2026-11-01", "--to", "2026-11-02", "--format", "xml"], "unknown option --format"),
            (["--from", "2026-11-01", "--to", "2026-11-02", "extra"], "unexpected argument 'extra'"),
            (["--from", "2026-11-01", "--to"], "--to needs a value"),
            (["--from", "2026-11-01", "--to", "2026-11-02", "--out", ""], "--out needs a directory"),
            (["--from", "2026-11-01", "--to", "2026-11-02", "--out", afile], f"--out: {afile} is not a directory"),
            (["--from", "2026-11-01", "--to", "2026-11-02", "--out", os.path.join(out, "no", "such")],
             "--out: cannot use"),
        ]
        for args, says in cases:
            rc, so, se = export(env, *([] if "--out" in args else ["--out", out]), *args)
            lines = se.strip().split("\n")
            h.check(f"{' '.join(args)}: exit 1, one line naming it", rc == 1 and len(lines) == 1 and says in lines[0]
                    and lines[0].startswith("sampark: "), (rc, se))
        h.check("bad input leaves no file behind", sorted(os.listdir(out)) == ["a-file"], os.listdir(out))
        made = os.path.join(out, "new")
        rc, so, se = export(env, "--from", "2026-11-01", "--to", "2026-11-02", "--out", made)
        h.check("--out a missing directory: made, the files in it",
                rc == 0 and sorted(os.listdir(made)) == ["actions_2026-11-01_2026-11-02.csv",
                                                         "grievances_2026-11-01_2026-11-02.csv"], (se, so))
        h.check("the answer names both files and their rows",
                so == f"0 grievances in {made}/grievances_2026-11-01_2026-11-02.csv\n"
                      f"0 actions in {made}/actions_2026-11-01_2026-11-02.csv\n", so)
        cwd = tempfile.mkdtemp(prefix="sampark-export-cwd-")
        r = subprocess.run([h.BIN, "export", "--from", "2026-11-01", "--to", "2026-11-01"], env=env.env(), cwd=cwd,
                           capture_output=True, text=True)
        h.check("no --out: the current directory", r.returncode == 0 and sorted(os.listdir(cwd)) ==
                ["actions_2026-11-01_2026-11-01.csv", "grievances_2026-11-01_2026-11-01.csv"], r.stderr)
        down = env.env(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
        gone = os.path.join(out, "down")
        r = subprocess.run([h.BIN, "export", "--from", "2026-11-01", "--to", "2026-11-01", "--out", gone], env=down,
                           capture_output=True, text=True)
        h.check("database down: exit 2, no directory made", r.returncode == 2 and not os.path.exists(gone), r.stderr)
    finally:
        env.close()


def main():
    return h.run_tests([test_the_real_path, test_made_by_sql, test_bad_input])


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""e2e_names.py — official department names (issue 16 item 6, SPEC section 6) end to end: a
directory whose names are longer than a menu row loads with `sampark directory load`, and a
citizen writing through signed webhooks gets, at the fake Graph API, a department list whose
titles fit (the "short" name, else the name cut after a whole word) with the full name in the
row's description; the confirmation says the full name; the case is filed. A name that cannot be
shown is refused in one line naming the department and the fix. Prints 'N passed, N failed'."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_webhook as h  # noqa: E402
import e2e_cases as cases  # noqa: E402
from fake_graph import FakeGraph  # noqa: E402

FOOD_EN = "Food & Civil Supplies (Ration card / PDS)"  # 41 letters
FOOD_HI = "खाद्य, नागरिक आपूर्ति एवं उपभोक्ता संरक्षण विभाग"
PHE_EN = "Public Health Engineering Department (PHE)"
PHE_SHORT = {"en": "Drinking water (PHE)", "hi": "पेयजल (पीएचई)"}


def directory(env, name, phe_short=True, phe_name=PHE_EN):
    """The sample directory with official names, written to env's temporary directory."""
    with open(os.path.join(h.ROOT, "flows", "district.json"), encoding="utf-8") as f:
        d = json.load(f)
    for dep in d["departments"]:
        if dep["code"] == "FOOD":
            dep["name"].update(en=FOOD_EN, hi=FOOD_HI)
        if dep["code"] == "PHE":
            dep["name"]["en"] = phe_name
            if phe_short:
                dep["short"] = PHE_SHORT
    path = os.path.join(env.tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(d, f, ensure_ascii=False)
    return path


def load(env, path):
    return subprocess.run([h.BIN, "directory", "load", path], env=env.env(), capture_output=True, text=True)


def department_rows(fake, phone):
    """The rows (by id) of the last department list sent to phone."""
    for _, b, _ in reversed(fake.delivered()):
        if b.get("to") == phone and b.get("type") == "interactive" and b["interactive"]["type"] == "list":
            rows = b["interactive"]["action"]["sections"][0]["rows"]
            if any(r["id"] == "d:FOOD" for r in rows):
                return {r["id"]: r for r in rows}
    return {}


def step(port, fake, phone, **msg):
    n = len(cases.texts_to(fake, phone))
    st, _ = cases.deliver(port, phone, **msg)
    return st == 200 and h.wait_for(lambda: len(cases.texts_to(fake, phone)) > n, 20)


def rows_fit(rows):
    return rows and all(len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows.values())


def test_directory_load(env):
    r = load(env, directory(env, "unshowable.json", phe_short=False, phe_name="PublicHealthEngineeringDepartment"))
    h.check("a name with no word to cut at and no short name is refused",
            r.returncode != 0 and "departments[0] (PHE).name" in r.stderr and "\"short\"" in r.stderr, r.stderr)
    h.check("in one line", r.stderr.count("\n") == 1, r.stderr)
    h.check("and nothing was stored", h.psql(env.url, "SELECT name->>'en' FROM departments WHERE code = 'FOOD'")
            == "Ration card (Food)")
    r = load(env, directory(env, "official.json"))
    h.check("a directory with a 41-letter official name loads", r.returncode == 0, r.stderr)
    h.check("the official name and the short name are stored",
            h.psql(env.url, "SELECT name->>'en' FROM departments WHERE code = 'FOOD'") == FOOD_EN and
            h.psql(env.url, "SELECT short_name->>'en' FROM departments WHERE code = 'PHE'") == PHE_SHORT["en"])


def test_english_menu(env, port, fake):
    citizen = "919811600001"
    ok = all(step(port, fake, citizen, **s) for s in
             [dict(text="hello"), dict(reply_id="c:en"), dict(reply_id="c:complaint")])
    rows = department_rows(fake, citizen)
    h.check("the citizen gets the department list", ok and "d:FOOD" in rows, rows)
    food, phe = rows.get("d:FOOD", {}), rows.get("d:PHE", {})
    h.check("the official name is cut after a whole word to fit the row", food.get("title") == "Food & Civil Supplies…",
            food)
    h.check("with the full name first in the row's description",
            food.get("description", "").startswith(FOOD_EN + " — Ration card"), food)
    h.check("a short name is the title, the full name in the description",
            phe.get("title") == PHE_SHORT["en"] and phe.get("description", "").startswith(PHE_EN), phe)
    h.check("every row fits WhatsApp's limits", rows_fit(rows), rows)
    ok = step(port, fake, citizen, text="Food & Civil Supplies")  # the title as shown, typed
    ok = ok and all(step(port, fake, citizen, **s) for s in [
        dict(text="My ration card has not been renewed for six months"), dict(reply_id="skip"),
        dict(text="Kasdol ward 5")])
    h.check("the confirmation says the full name",
            ok and cases.wait_text(fake, citizen, f"Department: {FOOD_EN}"), cases.texts_to(fake, citizen)[-1:])
    step(port, fake, citizen, reply_id="yes")
    m = re.search(r"[A-Z]{3}-\d{4}-\d{6}", " ".join(t for t, _ in cases.texts_to(fake, citizen)))
    h.check("the complaint is filed with the food department",
            bool(m) and cases.case_show(env, m.group(0)).get("department") == "FOOD", m)


def test_hindi_menu(env, port, fake):
    citizen = "919811600002"
    ok = all(step(port, fake, citizen, **s) for s in
             [dict(text="नमस्ते"), dict(reply_id="c:hi"), dict(reply_id="c:complaint")])
    rows = department_rows(fake, citizen)
    food = rows.get("d:FOOD", {})
    h.check("in Hindi the title is cut after a whole word too",
            ok and food.get("title") == "खाद्य, नागरिक आपूर्ति…", food)
    h.check("and the description starts with the full Hindi name",
            food.get("description", "").startswith(FOOD_HI), food)
    h.check("every Hindi row fits", rows_fit(rows), rows)


def main():
    if not h.ADMIN_URL:
        print("TEST_DATABASE_URL is not set: run with scripts/test")
        return 1
    env, fake = h.Env("names"), FakeGraph(cases.TOKEN, cases.PHONE_ID)
    try:
        print("# test_directory_load", flush=True)
        test_directory_load(env)
        srv = cases.serve_to_fake(env, fake)
        for t in (test_english_menu, test_hindi_menu):
            print(f"# {t.__name__}", flush=True)
            try:
                t(env, srv.port, fake)
            except Exception as e:  # a broken scenario is a failure, not a crash of the suite
                h.check(f"{t.__name__} ran to the end", False, repr(e))
    finally:
        env.close()
        fake.close()
    print(f"{h.passed} passed, {h.failed} failed")
    return 0 if h.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

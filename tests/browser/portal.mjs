// portal.mjs — the portal in a real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core), run by tests/e2e_browser.py against `sampark serve` and the fake Graph API:
//   node portal.mjs PORTAL_BASE FAKE_GRAPH_BASE SCREENSHOT_DIR
// Logs in with the code the fake Graph API took, filters the list, prints the weekly review, opens
// a case from it, replies (the citizen's chat gets it), resolves (the satisfaction question goes
// out), switches to Hindi (the served Devanagari font draws it), opens the helpdesk view (today's
// roster, the open conversations) in English and Hindi, has the collector create a broadcast to a
// village and see it in the list (English and Hindi), checks another department's officer
// cannot open the case, logs out, and walks the pages on a phone-sized screen; then the public page
// (no login, no script) in Hindi at 360 px. Every request outside localhost is
// refused; a CSP violation or a script error fails the run. Prints "ok ..."/"FAIL ..." lines,
// the screenshots' paths, and "N passed, N failed"; exits 1 on any failure.
import { chromium } from "playwright-core";
import path from "node:path";
import fs from "node:fs";

const [base, fake, shots] = process.argv.slice(2);
const PHE = "919800000001", CSPDCL = "919800000002", COLLECTOR = "919800000099";
const CASE = "BLB-2026-000101", CITIZEN = "919811100000";
let passed = 0, failed = 0;
const problems = []; // CSP violations, script errors, requests that left localhost

function check(name, ok, detail) {
  if (ok) { passed++; console.log(`ok ${name}`); }
  else { failed++; console.log(`FAIL ${name}${detail === undefined ? "" : ` ${JSON.stringify(detail).slice(0, 400)}`}`); }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) return null;
    await sleep(200);
  }
}

async function sentTo(phone) {
  const r = await fetch(`${fake}/_test/sent?to=${phone}`);
  return r.json();
}

function codeIn(m) {
  if (m.type === "text") return (m.text.body.match(/^(\d{6}) /) || [])[1];
  if (m.type === "template" && m.template.name === "login_code") return m.template.components[0].parameters[0].text;
  return undefined;
}

async function shot(page, name, opts = {}) {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, ...opts });
  console.log(`screenshot ${file}`);
  return file;
}

async function newPage(browser, options = {}) {
  const ctx = await browser.newContext({ locale: "en-IN", timezoneId: "Asia/Kolkata", ...options });
  // No network: only the portal and the fake Graph API, both on localhost.
  await ctx.route("**/*", (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === "127.0.0.1" || u.hostname === "localhost") return route.continue();
    problems.push(`request outside localhost: ${u.href}`);
    return route.abort();
  });
  const page = await ctx.newPage();
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    // 401/403/404 are the tests' own refusals; 409 a cancel that met a broadcast just done
    else if (m.type() === "error" && !/status of 40[1349]/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
  return page;
}

async function login(page, phone) {
  await page.goto(`${base}/portal/`);
  await page.waitForSelector("#phone-form");
  const before = (await sentTo(phone)).map(codeIn).filter(Boolean).length;
  await page.fill("#phone", phone);
  await page.click("#phone-form button");
  await page.waitForSelector("#code-form:not([hidden])");
  const code = await until(async () => {
    const codes = (await sentTo(phone)).map(codeIn).filter(Boolean);
    return codes.length > before && codes[codes.length - 1];
  });
  check(`the fake Graph API took a login code for ${phone.slice(0, 4)}…`, !!code);
  await page.fill("#code", code || "000000");
  await page.click("#code-form button");
  await page.waitForSelector("#nav:not([hidden])", { timeout: 15000 });
}

const noOverflow = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
try {
  fs.mkdirSync(shots, { recursive: true });

  // ---- a PHE officer on a desktop screen -----------------------------------------------------
  const page = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/portal/`);
  await page.waitForSelector("#phone-form");
  const headers = (await page.request.get(`${base}/portal/`)).headers();
  check("the app is served with CSP default-src 'self'", headers["content-security-policy"] === "default-src 'self'", headers);
  await shot(page, "login");
  await login(page, PHE);
  check("signed in: the header names the officer", /officer/.test(await page.textContent("#who")), await page.textContent("#who"));
  check("an officer has no Broadcasts link", await page.isHidden("#nav-broadcasts"));

  await page.waitForSelector("#stats-table tbody tr");
  await page.waitForSelector("#chart canvas");
  const depts = await page.$$eval("#stats-table tbody th", (ths) => ths.map((t) => t.textContent));
  check("overview: the department table (an officer sees PHE only)", depts.join() === "PHE", depts);
  check("overview: the 30-day chart is drawn by uPlot", (await page.$$("#chart .uplot canvas")).length === 1);
  await shot(page, "overview");

  await page.click("#nav-cases");
  await page.waitForSelector("#case-table tbody tr");
  const all = await page.$$eval("#case-table tbody tr", (rs) => rs.map((r) => r.dataset.tracking));
  check("case list: the officer's 7 PHE cases", all.length === 7 && /7/.test(await page.textContent("#total")), all);
  const followed = await page.$eval(`#case-table tr[data-tracking="${CASE}"]`, (r) => ({
    count: r.querySelector("td.followers").textContent, flag: r.querySelector(".tag.many")?.textContent }));
  check("case list: the follower count, flagged at 5 or more", followed.count === "5" && followed.flag === "many", followed);
  const csv = await page.request.get(`${base}${await page.getAttribute("#csv", "href")}`);
  check("the CSV link downloads the list (UTF-8 with a BOM)", csv.status() === 200 &&
    (await csv.body()).subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), csv.status());
  await page.goto(`${base}/portal/#/cases?limit=3`);
  await page.waitForFunction(() => document.querySelectorAll("#case-table tbody tr").length === 3);
  for (const want of [6, 7]) {
    await page.click("#more");
    await page.waitForFunction((n) => document.querySelectorAll("#case-table tbody tr").length === n, want);
  }
  const paged = await page.$$eval("#case-table tbody tr", (rs) => rs.map((r) => r.dataset.tracking));
  check("keyset paging: 'More' walks 3 + 3 + 1, none twice, then hides",
    new Set(paged).size === 7 && paged.join() === all.join() && await page.isHidden("#more"), paged);
  await page.click("#nav-cases");
  await page.waitForFunction(() => document.querySelectorAll("#case-table tbody tr").length === 7);
  await page.fill("#f-q", "हैंडपंप");
  await page.selectOption("#f-status", "open");
  await page.click("#apply");
  await page.waitForFunction(() => document.querySelectorAll("#case-table tbody tr").length === 1 && location.hash.includes("q="));
  const filtered = await page.$$eval("#case-table tbody tr", (rs) => rs.map((r) => r.dataset.tracking));
  check("filtering by a Hindi word and status finds the one case", filtered.join() === CASE, filtered);
  check("the CSV link carries the filters", /\/api\/cases\.csv\?.*status=open/.test(await page.getAttribute("#csv", "href")));
  await shot(page, "cases");

  await page.click("#nav-review");
  await page.fill("#week", "2026-W48");
  await page.click("#review-form button");
  await page.waitForSelector("#review h1");
  check("weekly review: PHE's overdue case for 2026-W48, linked to its page", (await page.textContent("#review")).includes(CASE));
  await shot(page, "review");
  await page.emulateMedia({ media: "print" });
  check("review in print: no header, no form", await page.evaluate(() =>
    getComputedStyle(document.querySelector("header")).display === "none" &&
    getComputedStyle(document.getElementById("review-form")).display === "none"));
  await shot(page, "review-print");
  await page.emulateMedia({ media: "screen" });
  await page.click(`#review a[href="#/case/${CASE}"]`);

  await page.waitForSelector("#case h1");
  check("the case page: its trail and attachments as /api/media links",
    (await page.$$("#case table tr.ev-created")).length === 1 &&
    (await page.getAttribute("#attachments a", "href")) === "/api/media/778899001");
  const media = await page.request.get(`${base}/api/media/778899001`);
  check("an attachment link opens the photo through the media proxy", media.status() === 200 &&
    media.headers()["content-type"] === "image/jpeg", media.status());
  await shot(page, "case");

  await page.selectOption("#action", "reply");
  await page.fill("#action-text", "मिस्त्री कल सुबह 10 बजे आएगा");
  await page.click("#action-submit");
  await page.waitForSelector("#case tr.ev-reply");
  const actor = await page.textContent("#case tr.ev-reply td:nth-child(3)");
  check("reply: the trail shows it by web:<phone>", actor === `web:${PHE}`, actor);
  const replied = await until(async () => (await sentTo(CITIZEN)).some((m) => m.type === "text" && m.text.body.includes("मिस्त्री कल सुबह 10 बजे आएगा")));
  check("reply: the citizen's chat gets it", !!replied);

  const sentBefore = (await sentTo(CITIZEN)).length;
  await page.selectOption("#action", "note");
  await page.fill("#action-text", "JE se baat karni hai");
  await page.click("#action-submit");
  await page.waitForSelector("#case tr.ev-note");
  await sleep(1000);
  check("note: in the trail, never sent to the citizen", (await sentTo(CITIZEN)).length === sentBefore);

  check("the case page: the follower count with its flag, the followers listed",
    (await page.textContent("#follower-count")).startsWith("5") && (await page.$$("#followers li")).length === 5);
  await page.selectOption("#action", "subject");
  await page.fill("#action-text", "Hand pump broken, ward 5");
  await page.click("#action-submit");
  await page.waitForSelector("#case tr.ev-subject");
  check("subject: set from the case page, shown with it",
    (await page.textContent("#case .fields")).includes("Public subjectHand pump broken, ward 5"));
  await page.selectOption("#action", "resolve");
  await page.fill("#action-text", "हैंडपंप ठीक कर दिया गया");
  await page.click("#action-submit");
  await page.waitForSelector("#case tr.ev-resolved");
  check("resolve: the case shows resolved", (await page.textContent("#case h1")).includes("resolved"));
  const asked = await until(async () => (await sentTo(CITIZEN)).some((m) => m.type === "interactive" &&
    JSON.stringify(m).includes(`sat:yes:${CASE}`)));
  check("resolve: the satisfaction question goes out", !!asked);
  await shot(page, "case-resolved");

  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "hi" && document.getElementById("nav-cases").textContent === "शिकायतें");
  await page.waitForSelector("#case h1");
  await page.evaluate(() => document.fonts.ready);
  const font = await page.evaluate(() => ({
    loaded: [...document.fonts].some((f) => f.family.replace(/"/g, "") === "Noto Sans Devanagari" && f.status === "loaded"),
    served: performance.getEntriesByType("resource").some((r) => r.name.endsWith("/portal/fonts/NotoSansDevanagari-Regular.ttf")),
    family: getComputedStyle(document.body).fontFamily,
  }));
  check("Hindi: the UI switches and the served Devanagari font is loaded from 'self'", font.loaded && font.served, font);
  const hiText = await page.textContent("#action-form h2");
  check("Hindi: the case page's words are Hindi", hiText === "कार्रवाई", hiText);
  const hiFields = await page.textContent("#case .fields");
  check("Hindi: the subject and the followers in Hindi",
    hiFields.includes("सार्वजनिक विषयHand pump broken, ward 5") && hiFields.includes("जुड़े नागरिक5") &&
    (await page.textContent("#case .tag.many")) === "कई", hiFields);
  await shot(page, "case-hi");
  await page.click("#nav-overview");
  await page.waitForSelector("#chart canvas");
  await shot(page, "overview-hi");
  await page.click("#nav-helpdesk");
  await page.waitForSelector("#roster-table tbody tr");
  const hiHelp = await page.evaluate(() => ({
    h1: document.querySelector("#helpdesk h1").textContent,
    general: [...document.querySelectorAll("#open-table td")].some((td) => td.textContent === "सामान्य"),
  }));
  check("helpdesk in Hindi: the heading and a general conversation in Hindi", hiHelp.h1.startsWith("हेल्पडेस्क") && hiHelp.general, hiHelp);
  await shot(page, "helpdesk-hi");
  await page.click("#lang"); // back to English
  await page.waitForFunction(() => document.documentElement.lang === "en" && document.querySelector("#helpdesk h1")?.textContent.startsWith("Helpdesk"));
  await page.waitForSelector("#roster-table tbody tr");
  const help = await page.evaluate(() => ({
    roster: [...document.querySelectorAll("#roster-table tbody tr")].map((r) => r.dataset.department).sort(),
    duty: [...document.querySelectorAll("#roster-table tr.on-duty")].map((r) => r.dataset.department),
    officer: document.querySelector("#roster-table tr[data-department=PHE]")?.textContent || "",
    open: [...document.querySelectorAll("#open-table tbody tr")].map((r) => r.dataset.id),
    late: getComputedStyle(document.getElementById("past10")).color,
    unanswered: document.getElementById("unanswered").textContent,
    first: document.querySelectorAll("#first-answer-table tbody tr").length,
  }));
  check("helpdesk: today's roster (PHE on duty now, with the officer's name; REVENUE later)",
    help.roster.join() === "PHE,REVENUE" && help.duty.join() === "PHE" && help.officer.includes("Executive Engineer, PHE"), help);
  check("helpdesk: the officer's open conversations (PHE's and the general one that reached them)",
    help.open.join() === "H2,H1,H5", help.open);
  check("helpdesk: 2 unanswered, past 10 minutes in the warning colour",
    /Unanswered questions: 2/.test(help.unanswered) && help.late === "rgb(179, 38, 30)", help);
  check("helpdesk: the first-answer table (general and PHE)", help.first === 2, help.first);
  await shot(page, "helpdesk");

  // A case already transferred 3 times (e2e_browser.py): an officer's transfer only asks the
  // nodal officers, and the page must say so rather than "Done."
  await page.evaluate(() => { location.hash = "#/case/BLB-2026-000114"; });
  await page.waitForSelector("#action-form");
  await page.selectOption("#action", "transfer");
  await page.fill("#action-dept", "CSPDCL");
  await page.click("#action-submit");
  await page.waitForFunction(() => document.getElementById("action-msg")?.textContent !== "");
  const askedMsg = await page.textContent("#action-msg");
  check("a transfer past the limit: the page says the nodal officers were asked", /nodal/i.test(askedMsg), askedMsg);

  await page.click("#logout");
  await page.waitForSelector("#phone-form");
  const after = await page.evaluate(async () => (await fetch("/api/me")).status);
  check("log out: back to the login, the session is gone", after === 401, after);
  await page.context().close();

  // ---- another department's officer ----------------------------------------------------------
  const other = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  await login(other, CSPDCL);
  await other.goto(`${base}/portal/#/case/${CASE}`);
  await other.waitForSelector("#case-missing");
  const st = await other.evaluate(async (t) => (await fetch(`/api/cases/${t}`)).status, CASE);
  check("another department's officer cannot open the case (404 in the page and the API)", st === 404, st);
  await shot(other, "case-other-department");
  await other.context().close();

  // ---- the collector's broadcasts (SPEC section 13) ---------------------------------------------
  const bc = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  await login(bc, COLLECTOR);
  await bc.click("#nav-broadcasts");
  await bc.waitForSelector("#bc-form");
  check("broadcasts: the form offers the directory's templates and the surveys",
    (await bc.$$eval("#bc-template option", (os) => os.map((o) => o.value))).join() === "scheme_update,scheme_notice" &&
    (await bc.$$eval("#bc-survey option", (os) => os.map((o) => o.value))).join() === ",pmay_feedback");
  await bc.selectOption("#bc-template", "scheme_update");
  const labels = await bc.$$eval("#bc-params label", (ls) => ls.map((l) => l.firstChild.textContent));
  check("broadcasts: the parameter inputs are named from the template", labels.join() === "scheme,village", labels);
  await bc.fill("#bc-param-0", "PMAY");
  await bc.fill("#bc-param-1", "सिमगा");
  await bc.selectOption("#bc-kind", "village");
  await bc.fill("#bc-value", "सिमगा");
  await bc.selectOption("#bc-survey", "pmay_feedback");
  await bc.click("#bc-create");
  await bc.waitForSelector("#bc-detail");
  await bc.waitForSelector("#sv-results");
  check("broadcasts: created with the survey chosen, its answers section empty so far",
    (await bc.textContent("#bc-detail")).includes("pmay_feedback") &&
    (await bc.$$("#sv-results .sv-question")).length === 3 && (await bc.textContent("#sv-results")).includes("No answer yet."));
  const made = await bc.evaluate(() => ({
    id: document.getElementById("bc-detail").dataset.id,
    rows: [...document.querySelectorAll("#bc-table tbody tr")].map((r) => r.dataset.id),
    counts: document.getElementById("bc-counts").textContent,
    skipped: document.getElementById("bc-skipped")?.textContent || "",
    text: document.getElementById("bc-detail").textContent,
  }));
  check("broadcasts: created to a village, shown and in the list (2 queued, the one who said STOP skipped)",
    made.rows.join() === `90,${made.id}` && /queued2/.test(made.counts) && /skipped1/.test(made.counts) &&
    /said STOP: 1/.test(made.skipped) && made.text.includes(`web:${COLLECTOR}`) && made.text.includes("Village: सिमगा"), made);
  await shot(bc, "broadcasts");
  await bc.click("#lang");
  await bc.waitForFunction(() => document.documentElement.lang === "hi" && document.querySelector("#broadcasts h1")?.textContent === "प्रसारण");
  await bc.waitForSelector("#bc-detail");
  const hiBc = await bc.evaluate((id) => ({
    state: document.querySelector(`#bc-table tr[data-id="${id}"] .status`).textContent,
    start: document.querySelector("#bc-table button[data-verb=start]").textContent,
    form: document.querySelector("#bc-form h2").textContent,
  }), made.id);
  check("broadcasts in Hindi: the state, the buttons and the form in Hindi",
    hiBc.state === "मसौदा" && hiBc.start === "शुरू करें" && hiBc.form === "नया प्रसारण", hiBc);
  await shot(bc, "broadcasts-hi");
  await bc.click("#lang");
  await bc.waitForFunction(() => document.documentElement.lang === "en" && document.querySelector("#broadcasts h1")?.textContent === "Broadcasts");
  await bc.click("#bc-detail button[data-verb=start]");
  await bc.waitForFunction(() => ["running", "done"].includes(document.querySelector("#bc-detail .status")?.textContent));
  await bc.click("#bc-detail button[data-verb=cancel]").catch(() => null); // done already: no button
  await bc.waitForFunction(() => ["cancelled", "done"].includes(document.querySelector("#bc-detail .status")?.textContent));
  check("broadcasts: started, then cancelled (or already done) from the page",
    ["cancelled", "done"].includes(await bc.textContent("#bc-detail .status")));
  await bc.context().close();

  // ---- the collector on a phone --------------------------------------------------------------
  const phone = await newPage(browser, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await login(phone, COLLECTOR);
  await phone.waitForSelector("#chart canvas");
  check("phone: the overview fits the screen (the table scrolls inside its box)", await noOverflow(phone));
  await shot(phone, "phone-overview");
  await phone.click("#nav-cases");
  await phone.waitForSelector("#case-table tbody tr");
  check("phone: the collector sees the district's 9 cases", (await phone.$$("#case-table tbody tr")).length === 9);
  check("phone: the case list fits, the less needed columns folded away", await noOverflow(phone) &&
    await phone.$eval("#case-table th.wide", (th) => getComputedStyle(th).display === "none"));
  await shot(phone, "phone-cases");
  await phone.click(`#case-table a[href="#/case/${CASE}"]`);
  await phone.waitForSelector("#action-form");
  check("phone: the case page and its action form fit", await noOverflow(phone));
  await shot(phone, "phone-case");
  await phone.setViewportSize({ width: 360, height: 780 });
  await phone.click("#nav-helpdesk");
  await phone.waitForSelector("#open-table tbody tr");
  check("phone (360 px): the helpdesk fits, the collector sees all five open conversations (officer folded away)",
    await noOverflow(phone) && (await phone.$$("#open-table tbody tr")).length === 5 &&
    await phone.$eval("#open-table th.wide", (th) => getComputedStyle(th).display === "none"));
  await shot(phone, "phone-helpdesk");
  await phone.click("#nav-broadcasts");
  await phone.waitForSelector("#bc-table tbody tr");
  check("phone (360 px): the broadcasts list and form fit", await noOverflow(phone) && await phone.isVisible("#bc-form"));
  await shot(phone, "phone-broadcasts");
  await phone.goto(`${base}/portal/#/broadcasts/90`);
  await phone.waitForSelector("#sv-results .sv-bars");
  const sv = await phone.evaluate(() => ({
    questions: [...document.querySelectorAll("#sv-results .sv-question")].map((q) => q.dataset.id),
    four: document.querySelector('.sv-question[data-id=process] tr[data-answer="4"]')?.textContent,
    yes: document.querySelector('.sv-question[data-id=installment] tr[data-answer="yes"]')?.textContent,
    villages: document.querySelector(".sv-question[data-id=process] .sv-villages")?.textContent,
    texts: document.querySelector(".sv-question[data-id=suggestion] .sv-texts")?.textContent,
  }));
  check("phone (360 px): a broadcast's survey distribution per question, per village and the written answers",
    sv.questions.join() === "process,installment,suggestion" && sv.four === "4 ⭐2" && sv.yes === "Yes2" &&
    sv.villages.includes("Kasdol, ward 5") && sv.villages.includes("(village not known)") &&
    sv.texts.includes("Installment is late") && await noOverflow(phone), sv);
  await phone.evaluate(() => document.querySelectorAll("#sv-results details").forEach((d) => { d.open = true; }));
  check("phone (360 px): the distribution fits with its tables open", await noOverflow(phone));
  await shot(phone, "phone-survey");
  // The same two pages in Hindi at 360 px: Devanagari in the served font, nothing wider than the screen.
  await phone.click("#lang");
  await phone.waitForFunction(() => document.documentElement.lang === "hi" && document.querySelector("#broadcasts h1")?.textContent === "प्रसारण");
  await phone.evaluate(() => document.fonts.ready);
  check("phone (360 px), Hindi: the broadcasts fit, in the served Devanagari font", await noOverflow(phone) &&
    await phone.evaluate(() => [...document.fonts].some((f) => f.family.replace(/"/g, "") === "Noto Sans Devanagari" && f.status === "loaded")));
  await shot(phone, "phone-broadcasts-hi");
  await phone.goto(`${base}/portal/#/broadcasts/90`);
  await phone.waitForSelector("#sv-results .sv-bars");
  await phone.evaluate(() => document.querySelectorAll("#sv-results details").forEach((d) => { d.open = true; }));
  check("phone (360 px), Hindi: the survey's questions and answers in Hindi, fitting",
    (await phone.textContent("#sv-results h2")).startsWith("सर्वे के जवाब") &&
    (await phone.textContent(".sv-question[data-id=installment] h3")).startsWith("क्या पहली किस्त") &&
    (await phone.textContent('.sv-question[data-id=installment] tr[data-answer="no"] th')) === "नहीं" &&
    await noOverflow(phone));
  await shot(phone, "phone-survey-hi");
  await phone.click("#nav-helpdesk");
  await phone.waitForSelector("#open-table tbody tr");
  check("phone (360 px), Hindi: the helpdesk fits", await noOverflow(phone) &&
    (await phone.textContent("#nav-helpdesk")) === "हेल्पडेस्क");
  await shot(phone, "phone-helpdesk-hi");
  await phone.context().close();
  // The public page (issue 21), no login: a Hindi phone (Accept-Language hi-IN) at 360 px gets the
  // server-rendered page in Hindi, in the served Devanagari font, nothing wider than the screen.
  const pub = await newPage(browser, { locale: "hi-IN", viewport: { width: 360, height: 780 } });
  await pub.goto(`${base}/public`);
  await pub.evaluate(() => document.fonts.ready);
  check("public page (360 px), Hindi: fits, in the served Devanagari font, no script",
    await noOverflow(pub) && (await pub.getAttribute("html", "lang")) === "hi" &&
    (await pub.$$("section.dept")).length > 0 && (await pub.$$("script")).length === 0 &&
    (await pub.textContent("section.note h2")).includes("आंकड़े") &&
    await pub.evaluate(() => [...document.fonts].some((f) => f.family.replace(/"/g, "") === "Noto Sans Devanagari" && f.status === "loaded")));
  await shot(pub, "public-hi");
  await pub.context().close();
} catch (e) {
  check("the browser run went to the end", false, String(e && e.stack || e));
} finally {
  await browser.close();
}
check("no CSP violation, script error or request outside localhost", problems.length === 0, problems);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

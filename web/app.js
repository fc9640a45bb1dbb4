// app.js — the collectorate portal (SPEC section 10): log in by WhatsApp code, the overview
// (departments and a 30-day chart), the case list (filters, keyset paging, CSV), the case page
// (trail, messages, attachments, actions), the printable weekly review, the helpdesk (today's
// roster, the open conversations, the first answers) and, for the collector and nodal roles, the
// broadcasts (broadcasts.js), in Hindi or English.
// Pages are views of the URL's hash (#/cases?status=open), so the browser's back button and
// links work. Every node is built with textContent: no server text ever becomes HTML, and the
// page runs under Content-Security-Policy default-src 'self' (no inline script or style).
import { api, query, setCsrf } from "./api.js";
import { renderBroadcasts } from "./broadcasts.js";
import { el } from "./dom.js";
import { currentLang, day, setLang, t, when } from "./i18n.js";
import uPlot from "./vendor/uplot/uPlot.esm.js";

const $ = (id) => document.getElementById(id);
const view = $("view");
let user = null;
let chart = null;

function status(s) {
  return el("span", { class: `status st-${s}` }, t(`status.${s}`));
}

function errorBox(data, code) {
  return el("p", { class: "error", role: "alert" }, `${t("error")}: ${data?.error || code}`);
}

// The header's words and who is signed in.
function paintChrome() {
  for (const n of document.querySelectorAll("[data-t]")) n.textContent = t(n.dataset.t);
  $("nav").hidden = !user;
  $("logout").hidden = !user;
  $("nav-broadcasts").hidden = !canBroadcast();
  $("who").textContent = user ? `${user.name} · ${t(`role.${user.role}`)}` : "";
  const page = location.hash.split(/[/?]/)[1] || "";
  for (const [id, name] of [["nav-overview", ""], ["nav-cases", "cases"], ["nav-review", "review"], ["nav-helpdesk", "helpdesk"],
    ["nav-broadcasts", "broadcasts"]])
    $(id).classList.toggle("here", page === name || (name === "cases" && page === "case") ||
      (name === "broadcasts" && page === "broadcast"));
}

// SPEC section 13: broadcasts are the collector's and the nodal officers'.
const canBroadcast = () => !!user && ["collector", "nodal"].includes(user.role);

function signedOut() {
  user = null;
  setCsrf("");
  paintChrome();
  renderLogin();
}

// Answers 401 everywhere the same way: back to the login.
async function get(path) {
  const r = await api(path);
  if (r.status === 401) signedOut();
  return r;
}

// A POST; 401 back to the login.
async function post(path, body) {
  const r = await api(path, body);
  if (r.status === 401) signedOut();
  return r;
}

// ---- login ------------------------------------------------------------------------------------

function renderLogin() {
  const msg = el("p", { id: "login-msg", role: "status" });
  const phone = el("input", { id: "phone", inputmode: "numeric", autocomplete: "tel", required: true });
  const code = el("input", { id: "code", inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code", required: true });
  const codeForm = el("form", { id: "code-form", hidden: true },
    el("label", {}, t("code"), code), el("button", {}, t("logIn")));
  const phoneForm = el("form", { id: "phone-form" },
    el("label", {}, t("phone"), phone), el("button", {}, t("sendCode")));
  phoneForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const r = await api("/api/login", { phone: phone.value.trim() });
    msg.textContent = r.status === 202 ? t("codeSent") : r.status === 429 ? t("tooMany") : (r.data.error || r.status);
    if (r.status === 202) { codeForm.hidden = false; code.focus(); }
  });
  codeForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const r = await api("/api/login/verify", { phone: phone.value.trim(), code: code.value.trim() });
    if (r.status !== 200) {
      msg.textContent = r.status === 401 ? t("wrongCode") : r.status === 429 ? t("tooMany") : (r.data.error || r.status);
      return;
    }
    user = r.data;
    setCsrf(user.csrf);
    route();
  });
  view.replaceChildren(el("section", { id: "login", class: "card narrow" },
    el("h1", {}, t("loginTitle")), phoneForm, codeForm, msg));
}

// ---- overview ---------------------------------------------------------------------------------

const STAT_COLUMNS = [
  ["received", "received"], ["open", "open"], ["overdue", "overdue"], ["resolved", "resolved"],
  ["closed", "closed"], ["reopened", "reopened"], ["auto_closed", "autoClosed"],
  ["resolved_within_sla_pct", "withinSla"], ["median_resolution_hours", "medianHours"],
  ["satisfied_pct", "satisfied"],
];

function statsTable(data) {
  const head = el("tr", {}, el("th", {}, t("department")), STAT_COLUMNS.map(([, k]) => el("th", { class: "num" }, t(k))));
  const row = (name, d, link) => el("tr", {},
    el("th", { scope: "row" }, link ? el("a", { href: `#/cases${query({ department: name })}` }, name) : name),
    STAT_COLUMNS.map(([f]) => el("td", { class: "num" }, d[f] ?? "—")));
  return el("div", { class: "scroll" }, el("table", { id: "stats-table" },
    el("thead", {}, head),
    el("tbody", {}, (data.departments || []).map((d) => row(d.department, d, true))),
    el("tfoot", {}, row(t("total"), data.totals || {}, false))));
}

function drawChart(box, days) {
  if (chart) { chart.destroy(); chart = null; }
  const xs = days.map((d) => Date.parse(`${d.day}T00:00:00+05:30`) / 1000);
  const width = Math.max(280, Math.min(box.clientWidth || 600, 1000));
  chart = new uPlot({
    width, height: 260,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Asia/Kolkata"),
    series: [
      { label: t("day") },
      { label: t("received"), stroke: "#0b5394", width: 2, points: { show: true } },
      { label: t("resolved"), stroke: "#38761d", width: 2, points: { show: true } },
    ],
    axes: [{}, { label: "" }],
    scales: { y: { range: (u, min, max) => [0, Math.max(4, max + 1)] } },
  }, [xs, days.map((d) => d.received), days.map((d) => d.resolved)], box);
}

async function renderOverview() {
  view.replaceChildren(el("p", {}, t("loading")));
  const r = await get("/api/stats");
  if (r.status === 401) return;
  if (r.status !== 200) return view.replaceChildren(errorBox(r.data, r.status));
  const box = el("div", { id: "chart", class: "chart" });
  view.replaceChildren(el("section", { id: "overview" },
    el("h1", {}, t("overview"), " ", el("small", {}, `${t("last30")} · ${day(r.data.from)} – ${day(r.data.to)}`)),
    statsTable(r.data),
    el("h2", {}, t("chartTitle")), box));
  drawChart(box, r.data.days || []);
}

// ---- the case list ----------------------------------------------------------------------------

const FILTERS = ["status", "department", "level", "from", "to", "q", "overdue", "urgent", "reopened"];

function hashArgs() {
  const i = location.hash.indexOf("?");
  return new URLSearchParams(i < 0 ? "" : location.hash.slice(i + 1));
}

// A case that many citizens follow (SPEC section 12: 5 or more escalate a level earlier) is flagged.
const MANY_FOLLOWERS = 5;
function followersTag(n) {
  return n >= MANY_FOLLOWERS ? el("span", { class: "tag many", title: t("manyFollowersHint") }, t("manyFollowers")) : null;
}

function caseRow(c) {
  return el("tr", { "data-tracking": c.tracking_no },
    el("td", {}, el("a", { href: `#/case/${c.tracking_no}` }, c.tracking_no), c.urgent ? el("span", { class: "tag urgent" }, t("urgent")) : null,
      followersTag(c.follower_count ?? 0)),
    el("td", {}, status(c.status)),
    el("td", {}, c.department),
    el("td", { class: "wide" }, day(c.created_at)),
    el("td", { class: "wide" }, day(c.due_at)),
    el("td", { class: "wide" }, c.village || ""),
    el("td", {}, c.headline || ""),
    el("td", { class: "num followers" }, String(c.follower_count ?? 0)));
}

async function renderCases() {
  const args = hashArgs();
  const f = Object.fromEntries(FILTERS.map((k) => [k, args.get(k) || ""]));
  const limit = args.get("limit") || ""; // page size: only from a link (the API's default is 50)
  const input = (name, attrs = {}) => el("input", { name, id: `f-${name}`, value: f[name], ...attrs });
  const check = (name, label) => el("label", { class: "check" },
    el("input", { type: "checkbox", name, id: `f-${name}`, checked: f[name] === "1" }), t(label));
  const statusSel = el("select", { name: "status", id: "f-status" },
    el("option", { value: "" }, t("any")),
    ["open", "in_progress", "resolved", "closed", "reopened"].map((s) =>
      el("option", { value: s, selected: f.status === s }, t(`status.${s}`))));
  const levelSel = el("select", { name: "level", id: "f-level" },
    el("option", { value: "" }, t("any")), ["0", "1", "2"].map((l) => el("option", { value: l, selected: f.level === l }, l)));
  const deptSel = el("select", { name: "department", id: "f-department" }, el("option", { value: "" }, t("any")));
  const form = el("form", { id: "filters", class: "filters" },
    el("label", {}, t("search"), input("q", { type: "search", maxlength: "100" })),
    el("label", {}, t("status"), statusSel),
    el("label", {}, t("department"), deptSel),
    el("label", {}, t("level"), levelSel),
    el("label", {}, t("from"), input("from", { type: "date" })),
    el("label", {}, t("to"), input("to", { type: "date" })),
    check("overdue", "onlyOverdue"), check("urgent", "onlyUrgent"), check("reopened", "onlyReopened"),
    el("div", { class: "buttons" }, el("button", { id: "apply" }, t("apply")),
      el("a", { href: "#/cases", class: "button secondary" }, t("clear"))));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const d = new FormData(form);
    const out = {};
    for (const k of FILTERS) {
      const v = d.get(k);
      if (v) out[k] = v === "on" ? "1" : String(v).trim();
    }
    location.hash = `#/cases${query(out)}`;
  });
  const depts = user.role === "officer" ? user.departments : null;
  const fill = (codes) => {
    for (const code of codes) deptSel.append(el("option", { value: code, selected: f.department === code }, code));
    if (f.department && !codes.includes(f.department)) deptSel.append(el("option", { value: f.department, selected: true }, f.department));
  };
  if (depts) fill(depts);
  else get("/api/stats").then((r) => fill((r.data.departments || []).map((d) => d.department)));

  const rows = el("tbody", { id: "rows" });
  const total = el("small", { id: "total" });
  const more = el("button", { id: "more", hidden: true }, t("more"));
  const msg = el("div");
  const csv = el("a", { id: "csv", class: "button secondary", href: `/api/cases.csv${query(f)}`, download: "" }, t("csv"));
  let next = null;
  const load = async () => {
    more.disabled = true;
    const r = await get(`/api/cases${query({ ...f, limit, after: next })}`);
    more.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 200) return msg.replaceChildren(errorBox(r.data, r.status));
    for (const c of r.data.cases) rows.append(caseRow(c));
    total.textContent = `${r.data.total}${r.data.total_capped ? "+" : ""} ${t("casesFound")}`;
    next = r.data.next;
    more.hidden = !next;
    if (!r.data.total) msg.replaceChildren(el("p", {}, t("none")));
  };
  more.addEventListener("click", load);
  view.replaceChildren(el("section", { id: "cases" },
    el("h1", {}, t("cases"), " ", total),
    el("details", { class: "filterbox", open: window.innerWidth > 700 || FILTERS.some((k) => f[k]) },
      el("summary", {}, t("filters")), form),
    el("p", {}, csv),
    el("div", { class: "scroll" }, el("table", { id: "case-table", class: "cases" },
      el("thead", {}, el("tr", {}, [
        ["trackingNo", ""], ["status", ""], ["department", ""], ["createdAt", "wide"], ["dueAt", "wide"],
        ["village", "wide"], ["complaint", ""], ["followers", "num"]].map(([k, c]) => el("th", { class: c || null }, t(k))))),
      rows)),
    msg, more));
  await load();
}

// ---- the case page ----------------------------------------------------------------------------

function fields(pairs) {
  return el("dl", { class: "fields" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .flatMap(([k, v]) => [el("dt", {}, t(k)), el("dd", {}, v)]));
}

function actionForm(c, onDone, notice) {
  const closed = c.status === "closed";
  const kinds = closed ? [["note", "actNote"], ["subject", "actSubject"]]
    : [["reply", "actReply"], ["docs", "actDocs"], ["resolve", "actResolve"], ["transfer", "actTransfer"], ["note", "actNote"],
      ["subject", "actSubject"], ["merge", "actMerge"]];
  const sel = el("select", { id: "action", name: "action" }, kinds.map(([v, k]) => el("option", { value: v }, t(k))));
  const text = el("textarea", { id: "action-text", name: "text", rows: "4", maxlength: "4096" });
  const dept = el("input", { id: "action-dept", name: "department", autocapitalize: "characters", maxlength: "23" });
  const deptLabel = el("label", { hidden: true }, t("deptCode"), dept);
  // merge: the case this one is a duplicate of (the same department's, open); no text.
  const into = el("input", { id: "action-into", name: "into", autocapitalize: "characters", maxlength: "31", placeholder: "BLB-2026-000123" });
  const intoLabel = el("label", { hidden: true }, t("mergeInto"), into);
  const msg = el("p", { id: "action-msg", role: "status", class: notice ? "ok" : undefined }, notice || "");
  const textLabel = el("label", {}, t("text"), text);
  const hint = el("p", { id: "action-hint", class: "hint", hidden: true });
  sel.addEventListener("change", () => {
    deptLabel.hidden = sel.value !== "transfer";
    intoLabel.hidden = sel.value !== "merge";
    textLabel.hidden = sel.value === "merge";
    hint.hidden = !["subject", "merge"].includes(sel.value);
    hint.textContent = sel.value === "subject" ? t("subjectHint") : sel.value === "merge" ? t("mergeHint") : "";
  });
  const form = el("form", { id: "action-form", class: "card" },
    el("h2", {}, t("actions")), closed ? el("p", {}, t("closedNoAction")) : null,
    el("label", {}, t("action"), sel), hint, deptLabel, intoLabel, textLabel,
    el("button", { id: "action-submit" }, t("submit")), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = sel.value === "transfer" ? { department: dept.value.trim(), ...(text.value.trim() ? { text: text.value } : {}) }
      : sel.value === "merge" ? { into: into.value.trim() }
        : { text: text.value };
    const btn = $("action-submit");
    btn.disabled = true;
    const r = await api(`/api/cases/${c.tracking_no}/${sel.value}`, body);
    btn.disabled = false;
    if (r.status === 401) return signedOut();
    if (r.status !== 200 && r.status !== 202) { msg.className = "error"; msg.textContent = `${t("error")}: ${r.data.error || r.status}`; return; }
    // The page is drawn again with the case as it is now, the answer kept in its new form (202:
    // only the nodal officers were asked; the case has not moved).
    onDone(t(r.status === 202 ? "transferAsked" : "done"));
  });
  return form;
}

// The citizens who joined the case (SPEC section 12). Staff see their phones as they see the
// filer's: they are citizens of the case, whom an officer may need to call (the WhatsApp side
// never shows one citizen another's phone).
function followersList(list) {
  if (!list.length) return null;
  return el("details", { id: "followers" }, el("summary", {}, `${t("followerList")} (${list.length})`),
    el("ul", {}, list.map((f) => el("li", {}, `${f.phone} · ${f.language} · ${when(f.joined_at)}`))));
}

async function renderCase(tracking, notice) {
  view.replaceChildren(el("p", {}, t("loading")));
  const r = await get(`/api/cases/${encodeURIComponent(tracking)}`);
  if (r.status === 401) return;
  if (r.status === 404) return view.replaceChildren(el("section", { id: "case-missing" },
    el("p", { class: "error", role: "alert" }, t("notFound")), el("a", { href: "#/cases" }, t("backToList"))));
  if (r.status !== 200) return view.replaceChildren(errorBox(r.data, r.status));
  const c = r.data;
  const table = (cols, rows) => el("div", { class: "scroll" }, el("table", { class: "log" },
    el("thead", {}, el("tr", {}, cols.map((k) => el("th", {}, t(k))))), el("tbody", {}, rows)));
  view.replaceChildren(el("section", { id: "case", "data-tracking": c.tracking_no },
    el("p", { class: "noprint" }, el("a", { href: "#/cases" }, t("backToList"))),
    el("h1", {}, c.tracking_no, " ", status(c.status), c.urgent ? el("span", { class: "tag urgent" }, t("urgent")) : null),
    el("div", { class: "columns" },
      el("div", {},
        fields([["department", c.department], ["createdAt", when(c.created_at)], ["dueAt", when(c.sla_due_at)],
          ["level", String(c.escalation_level ?? 0)], ["reopenCount", `${c.reopen_count ?? 0} ${t("times")}`],
          ["citizen", [c.citizen_name, c.citizen].filter(Boolean).join(" · ")], ["language", c.language],
          ["location", c.location], ["subject", c.subject || t("noSubject")],
          ["followers", el("span", { id: "follower-count" }, String(c.follower_count ?? 0), followersTag(c.follower_count ?? 0))],
          ["mergedInto", c.merged_into ? el("a", { href: `#/case/${c.merged_into}` }, c.merged_into) : null]]),
        el("h2", {}, t("description")), el("p", { class: "description" }, c.description || ""),
        followersList(c.followers || []),
        el("h2", {}, t("attachments")),
        (c.attachments || []).length
          ? el("ul", { id: "attachments" }, c.attachments.map((a) => el("li", {},
            el("a", { href: a.url, target: "_blank", rel: "noopener" }, `${a.type}${a.caption ? ` — ${a.caption}` : ""}`))))
          : el("p", {}, t("noAttachments"))),
      actionForm(c, (said) => renderCase(tracking, said), notice)),
    el("h2", {}, t("trail")),
    table(["at", "kind", "actor", "text"], (c.events || []).map((e) => el("tr", { class: `ev-${e.kind}` },
      el("td", { class: "nowrap" }, when(e.at)), el("td", {}, e.kind), el("td", {}, e.actor), el("td", {}, e.text || "")))),
    el("h2", {}, t("messages")),
    table(["at", "to_", "purpose", "state", "text"], (c.messages || []).map((m) => el("tr", {},
      el("td", { class: "nowrap" }, when(m.at)), el("td", {}, m.to), el("td", {}, m.purpose || ""),
      el("td", {}, m.state), el("td", {}, m.text || ""))))));
}

// ---- the weekly review ------------------------------------------------------------------------

// The ISO week (2026-W49) of a date, counted in the district's days.
function isoWeek(d) {
  const ist = new Date(d.getTime() + 5.5 * 3600e3);
  const t0 = new Date(Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth(), ist.getUTCDate()));
  const dow = t0.getUTCDay() || 7;
  t0.setUTCDate(t0.getUTCDate() + 4 - dow);
  const y = t0.getUTCFullYear();
  const w = Math.ceil(((t0 - Date.UTC(y, 0, 1)) / 864e5 + 1) / 7);
  return `${y}-W${String(w).padStart(2, "0")}`;
}

async function renderReview() {
  const week = hashArgs().get("week") || isoWeek(new Date());
  const wk = el("input", { id: "week", name: "week", value: week, pattern: "\\d{4}-W\\d{2}", size: "9" });
  const form = el("form", { class: "filters noprint", id: "review-form" },
    el("label", {}, t("week"), wk), el("div", { class: "buttons" }, el("button", {}, t("show")),
      el("button", { type: "button", id: "print", class: "secondary", onclick: () => window.print() }, t("print"))));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); location.hash = `#/review${query({ week: wk.value.trim() })}`; });
  view.replaceChildren(form, el("p", {}, t("loading")));
  const r = await get(`/api/review${query({ week })}`);
  if (r.status === 401) return;
  if (r.status !== 200) return view.replaceChildren(form, errorBox(r.data, r.status));
  const list = (name, rows, count) => el("div", { class: "review-list" },
    el("h3", {}, `${t(name)} (${count})`),
    rows.length ? el("table", {}, el("thead", {}, el("tr", {},
      ["trackingNo", "status", "createdAt", "dueAt", "reopenCount", "level", "ageDays"].map((k, i) =>
        el("th", { class: i > 3 ? "num" : null }, t(k))))),
    el("tbody", {}, rows.map((c) => el("tr", {},
      el("td", {}, el("a", { href: `#/case/${c.tracking_no}` }, c.tracking_no)), el("td", {}, status(c.status)),
      el("td", {}, day(c.created_at)), el("td", {}, day(c.due_at)), el("td", { class: "num" }, c.reopen_count),
      el("td", { class: "num" }, c.escalation_level), el("td", { class: "num" }, c.age_days))))) : null);
  const deps = r.data.departments || [];
  view.replaceChildren(form, el("section", { id: "review" },
    el("h1", {}, t("reviewTitle")),
    el("p", {}, `${t("reviewOf")} ${week}: ${day(r.data.week_start)} – ${day(r.data.week_end)} · ${t("listedAtMost")} ${r.data.listed_at_most}`),
    deps.length ? deps.map((d) => el("article", { class: "review-dept" },
      el("h2", {}, d.department),
      list("reopened", d.reopened || [], d.counts?.reopened ?? 0),
      list("overdue", d.overdue || [], d.counts?.overdue ?? 0),
      list("unsatisfied", d.unsatisfied || [], d.counts?.unsatisfied ?? 0))) : el("p", {}, t("nothing"))));
}

// ---- the helpdesk -----------------------------------------------------------------------------

// "1 h 5 min" of a number of minutes.
function duration(min) {
  const m = Math.max(0, Math.round(min ?? 0));
  if (m < 60) return `${m} ${t("minutes")}`;
  return `${Math.floor(m / 60)} ${t("hours")}${m % 60 ? ` ${m % 60} ${t("minutes")}` : ""}`;
}

// Officers as "name (phone)", or the phone alone when it is no department's officer.
function people(list) {
  return (list || []).map((p) => (p.name ? `${p.name} (${p.phone})` : p.phone)).join(", ");
}

const deptOrGeneral = (d) => d ?? t("general");

function rosterBlock(r) {
  if (!r) return el("p", { id: "no-roster" }, t("noRoster"));
  const next = r.next_opening;
  const state = r.open_now ? el("span", { class: "status st-resolved" }, t("deskOpen"))
    : el("span", { class: "status st-open" }, t("deskClosed"),
      next ? ` · ${t("nextOpening")} ${t(`wd.${next.day}`)} ${next.time}` : "");
  const hours = (r.hours || []).map((h) => `${h.from}–${h.to}`).join(", ");
  const rows = [...(r.slots || [])].sort((a, b) => a.from.localeCompare(b.from) || a.department.localeCompare(b.department));
  return el("div", {},
    el("p", { id: "desk-state" }, state, hours ? ` ${t("hoursToday")}: ${hours}` : ""),
    rows.length ? el("div", { class: "scroll" }, el("table", { id: "roster-table" },
      el("thead", {}, el("tr", {}, ["slot", "department", "officers"].map((k) => el("th", {}, t(k))))),
      el("tbody", {}, rows.map((s) => el("tr", { class: s.on_duty_now ? "on-duty" : null, "data-department": s.department },
        el("td", { class: "nowrap" }, `${s.from}–${s.to}`, s.on_duty_now ? el("span", { class: "tag duty" }, t("onDutyNow")) : null),
        el("td", {}, s.department), el("td", {}, people(s.phones)))))))
      : el("p", {}, t("noSlotsToday")),
    el("p", { id: "fallback" }, `${t("fallbackPhones")}: ${people(r.fallback_phones) || "—"}`));
}

function openTable(d) {
  const rows = d.open || [];
  if (!rows.length) return el("p", { id: "no-open" }, t("noOpenChats"));
  const late = (c) => c.state === "asked" && c.waiting_minutes >= 10;
  return el("div", {},
    el("div", { class: "scroll" }, el("table", { id: "open-table", class: "folds" },
      el("thead", {}, el("tr", {}, [["chatId"], ["department"], ["state"], ["waiting"], ["officer", "wide"]].map(([k, c]) =>
        el("th", { class: c || null }, t(k))))),
      el("tbody", {}, rows.map((c) => el("tr", { class: late(c) ? "late" : null, "data-id": c.id },
        el("td", {}, c.id), el("td", {}, deptOrGeneral(c.department)),
        el("td", {}, el("span", { class: `status hd-${c.state}` }, t(`hd.${c.state}`)),
          c.state === "waiting" && c.opens_at ? ` · ${when(c.opens_at)}` : ""),
        el("td", { class: "nowrap" }, duration(c.waiting_minutes)),
        el("td", { class: "wide" }, c.officer ? people([c.officer]) : "—")))))),
    d.open_total > rows.length ? el("p", {}, `${t("listedAtMost")} ${d.listed_at_most}`) : null);
}

function firstAnswerTable(list) {
  if (!(list || []).length) return el("p", {}, t("noChats30"));
  return el("div", { class: "scroll" }, el("table", { id: "first-answer-table" },
    el("thead", {}, el("tr", {}, el("th", {}, t("department")),
      ["reachedOfficers", "answered", "medianFirstAnswer"].map((k) => el("th", { class: "num" }, t(k))))),
    el("tbody", {}, list.map((f) => el("tr", {},
      el("th", { scope: "row" }, deptOrGeneral(f.department)), el("td", { class: "num" }, f.reached),
      el("td", { class: "num" }, f.answered),
      el("td", { class: "num" }, f.median_minutes === null ? "—" : duration(f.median_minutes)))))));
}

async function renderHelpdesk() {
  view.replaceChildren(el("p", {}, t("loading")));
  const r = await get("/api/helpdesk");
  if (r.status === 401) return;
  if (r.status !== 200) return view.replaceChildren(errorBox(r.data, r.status));
  const d = r.data, u = d.unanswered || { count: 0, past_10_min: 0 };
  view.replaceChildren(el("section", { id: "helpdesk" },
    el("h1", {}, t("helpdesk"), " ", el("small", {}, d.now ? `${d.now.local} · ${t(`wd.${d.now.weekday}`)}` : "")),
    el("p", { id: "unanswered", class: "card counts" },
      el("span", {}, `${t("unanswered")}: `, el("b", {}, String(u.count))),
      el("span", { class: u.past_10_min ? "late" : null, id: "past10" }, `${t("past10")}: `, el("b", {}, String(u.past_10_min)))),
    el("h2", {}, t("todayRoster")), rosterBlock(d.roster),
    el("h2", {}, `${t("openChats")} (${d.open_total ?? 0})`), openTable(d),
    el("h2", {}, t("firstAnswer"), " ", el("small", {}, t("last30"))), firstAnswerTable(d.first_answer)));
}

// ---- routing ----------------------------------------------------------------------------------

async function route() {
  paintChrome();
  if (!user) return renderLogin();
  const path = location.hash.replace(/^#/, "").split("?")[0] || "/";
  const m = path.match(/^\/case\/([A-Za-z0-9-]+)$/);
  if (m) return renderCase(m[1]);
  if (path === "/cases") return renderCases();
  if (path === "/review") return renderReview();
  if (path === "/helpdesk") return renderHelpdesk();
  const b = path.match(/^\/broadcasts?(?:\/(\d+))?$/);
  if (b && canBroadcast()) return renderBroadcasts(view, b[1], { get, post, errorBox });
  return renderOverview();
}

$("lang").addEventListener("click", () => {
  setLang(currentLang() === "hi" ? "en" : "hi");
  route();
});

$("logout").addEventListener("click", async () => {
  await api("/api/logout", {});
  location.hash = "#/";
  signedOut();
});

window.addEventListener("hashchange", route);
window.addEventListener("resize", () => {
  const box = $("chart");
  if (chart && box) chart.setSize({ width: Math.max(280, Math.min(box.clientWidth, 1000)), height: 260 });
});

setLang(currentLang());
const me = await api("/api/me");
if (me.status === 200) {
  user = me.data;
  setCsrf(user.csrf);
}
route();

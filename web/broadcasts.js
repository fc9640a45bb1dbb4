// broadcasts.js — the Broadcasts view (SPEC section 13), for the collector and nodal roles only:
// the list with each broadcast's progress, the form that creates one (a template of the
// directory, its parameters named from it, a segment), start / pause / cancel, and one
// broadcast's page with its failure and skip reasons and, when a survey follows it, the answers'
// distribution per question and village with what citizens wrote (the collector and nodal roles
// may read citizens' words, as they read every case). The server decides (bot/broadcast.c,
// bot/surveys.c); this page only asks. Every text goes in with textContent (dom.js).
import { el } from "./dom.js";
import { currentLang, t, when } from "./i18n.js";

const COUNTS = ["queued", "sent", "delivered", "read", "failed", "skipped"];
// What each state allows (bot/broadcast.c's broadcast_start/pause/cancel).
const VERBS = { draft: ["start", "cancel"], running: ["pause", "cancel"], paused: ["start", "cancel"] };

function stateTag(s) {
  return el("span", { class: `status bc-${s}` }, t(`bc.${s}`));
}

// The share already handed over (sent, delivered, read, failed, skipped) as a bar, and the counts.
function progress(p) {
  const done = COUNTS.slice(1).reduce((n, k) => n + (p[k] || 0), 0);
  return el("div", { class: "bc-progress" },
    el("progress", { max: String(p.total || 1), value: String(done) }),
    el("small", {}, COUNTS.map((k) => `${t(`bc.n.${k}`)} ${p[k] || 0}`).join(" · ")));
}

function buttons(b, ctx, after) {
  const msg = el("span", { class: "error", role: "alert" });
  const act = async (verb) => {
    const r = await ctx.post(`/api/broadcasts/${b.id}/${verb}`, {});
    if (r.status === 401) return;
    if (r.status !== 200) { msg.textContent = `${t("error")}: ${r.data.error || r.status}`; return; }
    after();
  };
  return el("div", { class: "bc-buttons" }, (VERBS[b.state] || []).map((v) =>
    el("button", { type: "button", class: v === "cancel" ? "secondary" : null, "data-verb": v, onclick: () => act(v) },
      t(`bc.${v}`))), msg);
}

// "village=Simga" as the reader says it.
function segment(s) {
  const [kind, rest] = [s.split("=")[0], s.slice(s.indexOf("=") + 1)];
  return s === "subscribers" ? t("bc.to.subscribers") : `${t(`bc.to.${kind}`)}: ${rest}`;
}

// ---- the form ---------------------------------------------------------------------------------

function segmentInputs() {
  const kind = el("select", { id: "bc-kind", name: "kind" },
    ["subscribers", "village", "block", "department"].map((k) => el("option", { value: k }, t(`bc.to.${k}`))));
  const value = el("input", { id: "bc-value", name: "value", maxlength: "200" });
  const days = el("input", { id: "bc-days", name: "days", type: "number", min: "1", max: "3650", value: "30" });
  const valueLabel = el("label", { hidden: true }, el("span", {}, ""), value);
  const daysLabel = el("label", { hidden: true }, t("bc.days"), days);
  const paint = () => {
    valueLabel.hidden = kind.value === "subscribers";
    daysLabel.hidden = kind.value !== "department";
    valueLabel.firstChild.textContent = t(`bc.to.${kind.value}`);
  };
  kind.addEventListener("change", paint);
  paint();
  const to = () => kind.value === "subscribers" ? "subscribers"
    : kind.value === "department" ? `department=${value.value.trim()},days=${days.value || 30}`
      : `${kind.value}=${value.value.trim()}`;
  return { nodes: [el("label", {}, t("bc.segment"), kind), valueLabel, daysLabel], to };
}

// The survey that follows the broadcast: none, or one of the flows folder's surveys.
function surveySelect(surveys) {
  return el("select", { id: "bc-survey", name: "survey" }, el("option", { value: "" }, t("bc.noSurvey")),
    surveys.map((s) => el("option", { value: s.name }, `${s.name} (${s.questions.length})`)));
}

function createForm(templates, surveys, ctx, after) {
  const sel = el("select", { id: "bc-template", name: "template" },
    templates.map((tp) => el("option", { value: tp.name }, `${tp.name} (${tp.language})`)));
  const params = el("div", { id: "bc-params" });
  const paintParams = () => {
    const tp = templates.find((x) => x.name === sel.value) || { params: [] };
    params.replaceChildren(...(tp.params || []).map((name, i) =>
      el("label", {}, name, el("input", { id: `bc-param-${i}`, name, maxlength: "1000", required: true }))));
  };
  sel.addEventListener("change", paintParams);
  paintParams();
  const seg = segmentInputs();
  const survey = surveySelect(surveys);
  const msg = el("p", { id: "bc-msg", role: "status" });
  const form = el("form", { id: "bc-form", class: "card" },
    el("h2", {}, t("bc.new")), el("label", {}, t("bc.template"), sel), params, ...seg.nodes,
    el("label", {}, t("bc.survey"), survey),
    el("p", { class: "hint" }, t("bc.draftHint")), el("button", { id: "bc-create" }, t("bc.create")), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { template: sel.value, params: [...params.querySelectorAll("input")].map((i) => i.value), to: seg.to() };
    if (survey.value) body.survey = survey.value;
    const r = await ctx.post("/api/broadcasts", body);
    if (r.status === 401) return;
    if (r.status !== 201) { msg.className = "error"; msg.textContent = `${t("error")}: ${r.data.error || r.status}`; return; }
    after(r.data);
  });
  if (!templates.length) return el("p", { id: "bc-no-templates" }, t("bc.noTemplates"));
  return form;
}

// ---- the list and one broadcast ---------------------------------------------------------------

function listTable(list, ctx, again) {
  if (!list.length) return el("p", { id: "bc-none" }, t("bc.none"));
  return el("div", { class: "scroll" }, el("table", { id: "bc-table", class: "folds" },
    el("thead", {}, el("tr", {}, [["bc.id"], ["bc.template"], ["bc.segment", "wide"], ["state"], ["bc.progress"],
      ["bc.createdAt", "wide"], ["actions"]].map(([k, c]) => el("th", { class: c || null }, t(k))))),
    el("tbody", {}, list.map((b) => el("tr", { "data-id": b.id },
      el("td", {}, el("a", { href: `#/broadcasts/${b.id}` }, b.id)), el("td", {}, b.template),
      el("td", { class: "wide" }, segment(b.segment)), el("td", {}, stateTag(b.state)),
      el("td", {}, progress(b.progress)), el("td", { class: "wide nowrap" }, when(b.created_at)),
      el("td", {}, buttons(b, ctx, again)))))));
}

function reasons(title, id, list) {
  if (!list.length) return null;
  return el("div", {}, el("h3", {}, t(title)), el("ul", { id }, list.map((r) =>
    el("li", {}, `${r.code ? `${r.code} ` : ""}${t(`bc.why.${r.reason}`) === `bc.why.${r.reason}` ? r.reason : t(`bc.why.${r.reason}`)}: ${r.count}`))));
}

// ---- a broadcast's survey --------------------------------------------------------------------------

// "1 ⭐ 2 · 2 ⭐ 0 ..." headings: an answer as the reader says it.
function answerName(q, a) {
  return q.type === "rating" ? `${a} ⭐` : q.type === "yes_no" ? t(`sv.${a}`) : t("sv.text");
}

// One bar per answer, its count and share of the question's answers.
function bars(q) {
  const keys = Object.keys(q.counts);
  return el("table", { class: "sv-bars" }, el("tbody", {}, keys.map((a) => el("tr", { "data-answer": a },
    el("th", { scope: "row" }, answerName(q, a)),
    el("td", {}, el("progress", { max: String(q.total || 1), value: String(q.counts[a]) })),
    el("td", { class: "num" }, String(q.counts[a]))))));
}

function byVillage(q) {
  if (!q.villages.length) return null;
  const keys = Object.keys(q.counts);
  return el("details", {}, el("summary", {}, t("sv.byVillage")), el("div", { class: "scroll" },
    el("table", { class: "sv-villages" },
      el("thead", {}, el("tr", {}, el("th", {}, t("sv.village")),
        keys.map((a) => el("th", { class: "num" }, answerName(q, a))), el("th", { class: "num" }, t("sv.total")))),
      el("tbody", {}, q.villages.map((v) => el("tr", {}, el("td", {}, v.village || t("sv.unknown")),
        keys.map((a) => el("td", { class: "num" }, String(v.counts[a]))), el("td", { class: "num" }, String(v.total))))))));
}

function texts(q) {
  if (!q.texts || !q.texts.length) return null;
  return el("details", {}, el("summary", {}, t("sv.texts")), el("ul", { class: "sv-texts" },
    q.texts.map((x) => el("li", {}, el("q", {}, x.text), " — ", x.village || t("sv.unknown"), ", ", when(x.answered_at)))));
}

function surveyResults(s) {
  const lang = currentLang() === "hi" ? "hi" : "en";
  return el("section", { id: "sv-results", class: "card", "data-survey": s.survey },
    el("h2", {}, `${t("sv.title")}: ${s.survey}`),
    s.questions.map((q) => el("div", { class: "sv-question", "data-id": q.id },
      el("h3", {}, q.text[lang]), el("p", { class: "hint" }, `${q.total} ${t("sv.answers")}`),
      q.total ? [bars(q), byVillage(q), texts(q)] : el("p", {}, t("sv.none")))));
}

function detail(b, ctx, again) {
  const p = b.progress;
  return el("section", { id: "bc-detail", "data-id": b.id, class: "card" },
    el("h2", {}, `${t("bc.one")} ${b.id} `, stateTag(b.state)),
    el("dl", { class: "fields" }, [["bc.template", `${b.template} (${b.language})`],
      ["bc.params", (b.params || []).join(" · ") || "—"], ["bc.segment", segment(b.segment)],
      ["bc.createdBy", b.created_by], ["bc.createdAt", when(b.created_at)],
      ["bc.startedAt", when(b.started_at) || "—"], ["bc.finishedAt", when(b.finished_at) || "—"],
      ["bc.survey", b.survey || "—"]]
      .flatMap(([k, v]) => [el("dt", {}, t(k)), el("dd", {}, v)])),
    progress(p),
    el("table", { id: "bc-counts" }, el("tbody", {}, COUNTS.map((k) =>
      el("tr", {}, el("th", { scope: "row" }, t(`bc.n.${k}`)), el("td", { class: "num" }, String(p[k] || 0)))))),
    reasons("bc.failedWhy", "bc-failed", p.failed_reasons || []),
    reasons("bc.skippedWhy", "bc-skipped", p.skipped_reasons || []),
    buttons(b, ctx, again));
}

// #/broadcasts, or #/broadcasts/ID for one broadcast above the list.
export async function renderBroadcasts(view, id, ctx) {
  view.replaceChildren(el("p", {}, t("loading")));
  const again = () => renderBroadcasts(view, id, ctx);
  const [list, tpl, one, surveys] = await Promise.all([ctx.get("/api/broadcasts"),
    ctx.get("/api/broadcast-templates"), id ? ctx.get(`/api/broadcasts/${id}`) : null,
    ctx.get("/api/broadcast-surveys")]);
  if ([list, tpl, one, surveys].some((r) => r && r.status === 401)) return;
  const bad = [list, tpl, one].find((r) => r && r.status !== 200);
  if (bad) return view.replaceChildren(ctx.errorBox(bad.data, bad.status));
  const answers = one && one.data.survey ? await ctx.get(`/api/broadcasts/${id}/survey`) : null;
  const created = (b) => { location.hash = `#/broadcasts/${b.id}`; };
  view.replaceChildren(el("section", { id: "broadcasts" },
    el("h1", {}, t("broadcasts")),
    one ? detail(one.data, ctx, again) : null,
    answers && answers.status === 200 ? surveyResults(answers.data) : null,
    el("h2", {}, t("bc.all")), listTable(list.data.broadcasts || [], ctx, again),
    createForm(tpl.data.templates || [], surveys.status === 200 ? surveys.data.surveys : [], ctx, created)));
}

// broadcasts.js — the Broadcasts view (SPEC section 13), for the collector and nodal roles only:
// the list with each broadcast's progress, the form that creates one (a template of the
// directory, its parameters named from it, a segment), start / pause / cancel, and one
// broadcast's page with its failure and skip reasons. The server decides (bot/broadcast.c); this
// page only asks. Every text goes in with textContent (dom.js).
import { el } from "./dom.js";
import { t, when } from "./i18n.js";

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

function createForm(templates, ctx, after) {
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
  const msg = el("p", { id: "bc-msg", role: "status" });
  const form = el("form", { id: "bc-form", class: "card" },
    el("h2", {}, t("bc.new")), el("label", {}, t("bc.template"), sel), params, ...seg.nodes,
    el("p", { class: "hint" }, t("bc.draftHint")), el("button", { id: "bc-create" }, t("bc.create")), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { template: sel.value, params: [...params.querySelectorAll("input")].map((i) => i.value), to: seg.to() };
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

function detail(b, ctx, again) {
  const p = b.progress;
  return el("section", { id: "bc-detail", "data-id": b.id, class: "card" },
    el("h2", {}, `${t("bc.one")} ${b.id} `, stateTag(b.state)),
    el("dl", { class: "fields" }, [["bc.template", `${b.template} (${b.language})`],
      ["bc.params", (b.params || []).join(" · ") || "—"], ["bc.segment", segment(b.segment)],
      ["bc.createdBy", b.created_by], ["bc.createdAt", when(b.created_at)],
      ["bc.startedAt", when(b.started_at) || "—"], ["bc.finishedAt", when(b.finished_at) || "—"]]
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
  const [list, tpl, one] = await Promise.all([ctx.get("/api/broadcasts"), ctx.get("/api/broadcast-templates"),
    id ? ctx.get(`/api/broadcasts/${id}`) : null]);
  if ([list, tpl, one].some((r) => r && r.status === 401)) return;
  const bad = [list, tpl, one].find((r) => r && r.status !== 200);
  if (bad) return view.replaceChildren(ctx.errorBox(bad.data, bad.status));
  const created = (b) => { location.hash = `#/broadcasts/${b.id}`; };
  view.replaceChildren(el("section", { id: "broadcasts" },
    el("h1", {}, t("broadcasts")),
    one ? detail(one.data, ctx, again) : null,
    el("h2", {}, t("bc.all")), listTable(list.data.broadcasts || [], ctx, again),
    createForm(tpl.data.templates || [], ctx, created)));
}

// app.js — the portal's shell (issue 17 part A): log in by WhatsApp code and list cases.
// The full app (filters, case page, statistics, review, Hindi) is part B. Talks only to /api/.
const $ = (id) => document.getElementById(id);
let csrf = sessionStorage.getItem("csrf") || "";
let next = null;

async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body),
  };
  const r = await fetch(path, { credentials: "same-origin", ...opts });
  const data = await r.json().catch(() => ({}));
  return { status: r.status, data };
}

function show(signedIn, user) {
  $("login").hidden = signedIn;
  $("cases").hidden = !signedIn;
  $("logout").hidden = !signedIn;
  $("who").textContent = signedIn ? `${user.name} (${user.role})` : "";
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  return td;
}

async function loadCases(more) {
  const q = more && next ? `?after=${encodeURIComponent(next)}` : "";
  const { status, data } = await api(`/api/cases${q}`);
  if (status === 401) return show(false);
  if (!more) $("rows").replaceChildren();
  for (const c of data.cases || []) {
    const tr = document.createElement("tr");
    for (const v of [c.tracking_no, c.status, c.department, c.created_at?.slice(0, 10),
                     c.due_at?.slice(0, 10), c.village, c.headline]) tr.append(cell(v));
    $("rows").append(tr);
  }
  $("total").textContent = `(${data.total ?? 0})`;
  next = data.next;
  $("more").hidden = !next;
}

$("phone-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const { status, data } = await api("/api/login", { phone: $("phone").value.trim() });
  $("login-msg").textContent = status === 202 ? "If this phone is in the directory, a code is on its way on WhatsApp."
                                              : data.error || `error ${status}`;
  if (status === 202) $("code-form").hidden = false;
});

$("code-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const { status, data } = await api("/api/login/verify", { phone: $("phone").value.trim(), code: $("code").value.trim() });
  if (status !== 200) { $("login-msg").textContent = data.error || `error ${status}`; return; }
  csrf = data.csrf;
  sessionStorage.setItem("csrf", csrf);
  show(true, data);
  loadCases(false);
});

$("logout").addEventListener("click", async () => {
  await api("/api/logout", {});
  sessionStorage.removeItem("csrf");
  show(false);
});

$("more").addEventListener("click", () => loadCases(true));

const me = await api("/api/me");
if (me.status === 200) {
  csrf = me.data.csrf;
  show(true, me.data);
  loadCases(false);
} else {
  show(false);
}

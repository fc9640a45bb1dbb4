// api.js — the portal's only way to the server: JSON to and from /api/, the session's CSRF
// token on every POST (kept in sessionStorage for a reloaded page; /api/me gives it again).
let csrf = sessionStorage.getItem("sampark.csrf") || "";

export function setCsrf(token) {
  csrf = token || "";
  if (csrf) sessionStorage.setItem("sampark.csrf", csrf);
  else sessionStorage.removeItem("sampark.csrf");
}

// {status, data}: data is the JSON answer ({} when there is none).
export async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body),
  };
  let r;
  try {
    r = await fetch(path, { credentials: "same-origin", ...opts });
  } catch (e) {
    return { status: 0, data: { error: String(e) } };
  }
  const data = await r.json().catch(() => ({}));
  return { status: r.status, data };
}

// A query string of the non-empty values of obj.
export function query(obj) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null && v !== "") p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : "";
}


"use strict";
// vouch admin console. Every text from the API goes in through textContent.
const API = "/admin/v1";
const STATES = ["idle", "resolving", "requesting", "awaiting_references", "report_ready",
  "awaiting_hire_decision", "awaiting_owner_response", "hired", "not_hired", "expired",
  "needs_attention"];
const STATE_CLASS = { hired: "ok", awaiting_hire_decision: "ok", report_ready: "ok",
  resolving: "run", requesting: "run", awaiting_references: "run", awaiting_owner_response: "run",
  needs_attention: "bad", expired: "bad", not_hired: "", idle: "",
  running: "run", done: "ok", failed: "bad", cancelled: "" };  // exports too
let token = sessionStorage.getItem("vouchToken") || "";
let generation = 0;       // bumps on every route change; stale renders are dropped
let refresh = null;       // the current view's refresh interval

// -- DOM helpers -------------------------------------------------------------------------
function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = String(v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "value") e.value = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of kids.flat(9)) {
    if (c === undefined || c === null || c === false) continue;
    e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;
const dash = (v) => (v === null || v === undefined || v === "" ? "—" : v);
function pad(n) { return String(n).padStart(2, "0"); }
function fmtTime(ms) {
  if (!ms) return "—";
  const d = new Date(ms);
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
    pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
}
function rel(ms) {
  if (!ms) return "";
  const s = Math.round((ms - Date.now()) / 1000), a = Math.abs(s);
  if (a < 5) return "just now";
  const t = a < 60 ? a + " s" : a < 3600 ? Math.round(a / 60) + " min" :
    a < 172800 ? Math.round(a / 3600) + " h" : Math.round(a / 86400) + " d";
  return s >= 0 ? "in " + t : t + " ago";
}
function when(ms) {
  return h("span", { title: ms ? new Date(ms).toISOString() : "" }, fmtTime(ms),
           ms ? h("span", { class: "muted small" }, " (" + rel(ms) + ")") : null);
}
function badge(state) { return h("span", { class: "badge " + (STATE_CLASS[state] || "") }, state); }
// A command's last error, opening onto its recent failed tries (oldest first). The page
// redraws every few seconds; which lists were open survives the redraw.
const openAttempts = new Set();
function attemptsCell(x) {
  const tries = x.recent_attempts || [];
  if (!tries.length) return td(dash(x.last_error), "wrap");
  const d = h("details", { class: "attempts", "data-attempts": x.id, open: openAttempts.has(x.id),
    ontoggle: () => (d.open ? openAttempts.add(x.id) : openAttempts.delete(x.id)) },
    h("summary", {}, dash(x.last_error), h("span", { class: "muted small" }, " (" + tries.length + " tries)")),
    h("ol", { class: "small" }, tries.map((t) => h("li", {}, when(t.at), " · ",
      t.http_status === null ? "no answer" : "HTTP " + t.http_status, " · ", t.outcome,
      t.error ? " — " + t.error : ""))));
  return td(d, "wrap");
}
function statusBadge(s) {
  return h("span", { class: "badge " + (s === "dead" ? "bad" : s === "pending" ? "run" : "") }, s);
}
function table(headers, rows, empty) {
  if (!rows.length) return h("p", { class: "empty" }, empty || "Nothing here.");
  return h("div", { class: "scroll" }, h("table", {},
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { class: x.endsWith("#") ? "num" : "" },
                                                    x.replace(/#$/, ""))))),
    h("tbody", {}, rows)));
}
function td(content, cls) { return h("td", { class: cls }, content); }
function kv(pairs) {
  return h("dl", { class: "kv" }, pairs.filter(Boolean).map(([k, v]) =>
    [h("dt", {}, k), h("dd", {}, v instanceof Node ? v : dash(v))]));
}
function card(title, ...kids) { return h("section", { class: "card" }, title ? h("h2", {}, title) : null, kids); }
function crumbs(...parts) {
  return h("div", { class: "crumbs" }, parts.map((p, i) =>
    [i ? " / " : "", Array.isArray(p) ? h("a", { href: p[1] }, p[0]) : p]));
}
function toast(text, bad) {
  const t = $("toast");
  t.textContent = text; t.className = bad ? "bad" : ""; t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, bad ? 6000 : 3000);
}
async function copyText(text, btn) {
  try {
    if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(text);
    else {
      const ta = h("textarea", { readonly: true, class: "offscreen" }, text);
      document.body.appendChild(ta); ta.select(); document.execCommand("copy"); ta.remove();
    }
    btn.textContent = "Copied"; setTimeout(() => { btn.textContent = "Copy"; }, 1500);
  } catch (e) { toast("Copy failed: " + e.message, true); }
}

// -- API ---------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}
async function api(method, path, body) {
  const opts = { method, headers: { Authorization: "Bearer " + token } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let r;
  try { r = await fetch(API + path, opts); } catch (e) {
    throw new ApiError(0, "unreachable", "vouchd did not answer: " + e.message);
  }
  const data = await r.json().catch(() => null);
  if (r.status === 401) { signOut("The admin token was refused."); throw new ApiError(401, "unauthorized", "unauthorized"); }
  if (!r.ok) {
    const err = data && data.error ? data.error : { code: "http_" + r.status, message: "HTTP " + r.status };
    throw new ApiError(r.status, err.code, err.code + ": " + err.message);
  }
  return data;
}
async function allItems(path, maxPages) {
  let items = [], next = null, pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api("GET", path + sep + "limit=500" + (next ? "&cursor=" + enc(next) : ""));
    items = items.concat(page.items); next = page.next_cursor; pages++;
  } while (next && pages < (maxPages || 20));
  return { items, more: !!next };
}
/// Runs an action from a button: disables it meanwhile, reports the outcome.
async function act(btn, fn, done) {
  btn.disabled = true;
  try { const msg = await fn(); if (msg) toast(msg); if (done) await done(); }
  catch (e) { if (e.status !== 401) toast(e.message, true); }
  finally { btn.disabled = false; }
}

// -- shell -------------------------------------------------------------------------------
function mount(gen, ...nodes) {
  if (gen !== generation) return false;
  $("view").replaceChildren(...nodes.flat(9).filter((n) => n !== null && n !== undefined && n !== false));
  return true;
}
function every(ms, fn) {
  clearInterval(refresh);
  const gen = generation;
  refresh = setInterval(() => {
    if (gen !== generation) { clearInterval(refresh); return; }
    if (document.visibilityState === "visible") fn();
  }, ms);
}
function signOut(text) {
  sessionStorage.removeItem("vouchToken"); token = ""; historyCache = null;
  clearInterval(refresh);
  $("nav").hidden = true;
  $("view").replaceChildren(signinView(text));
  $("token").focus();
}
function signinView(text) {
  const input = h("input", { id: "token", type: "password", autocomplete: "current-password",
                             required: true, placeholder: "security.admin_token" });
  const form = h("form", { id: "signin", class: "card signin", onsubmit: async (ev) => {
    ev.preventDefault();
    token = input.value.trim();
    if (!token) return;
    try {
      await api("GET", "/orgs?limit=1");
      sessionStorage.setItem("vouchToken", token);
      if (!location.hash || location.hash === "#" || location.hash === "#/signin") location.hash = "#/orgs";
      start();
    } catch (e) { if (e.status !== 401) $("signin-msg").textContent = e.message; }
  } },
    h("h1", {}, "Sign in"),
    h("p", { class: "muted small" }, "The admin token of this vouchd (security.admin_token). " +
      "It stays in this tab only."),
    h("label", { for: "token" }, "Admin token"), input,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    h("p", { id: "signin-msg", class: "callout bad", hidden: !text }, text || ""));
  return form;
}
function navOn(name) {
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("on", a.dataset.nav === name);
}
async function updateDeadCount() {
  try {
    const page = await api("GET", "/outbox?status=dead&limit=500");
    const n = page.items.length;
    const c = $("dead-count");
    c.textContent = n + (page.next_cursor ? "+" : ""); c.hidden = n === 0;
  } catch (e) { /* shown by the view */ }
}
function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/orgs";
  const [path, qs] = raw.split("?");
  return { path: path.replace(/\/+$/, "") || "/orgs", query: new URLSearchParams(qs || "") };
}
const routes = [
  [/^\/orgs$/, viewOrgs, "orgs"],
  [/^\/orgs\/([^/]+)$/, viewOrg, "orgs"],
  [/^\/orgs\/([^/]+)\/candidates$/, viewCandidates, "orgs"],
  [/^\/orgs\/([^/]+)\/candidates\/([^/]+)$/, viewCandidate, "orgs"],
  [/^\/outbox$/, viewOutbox, "outbox"],
  [/^\/exports\/([^/]+)$/, viewExport, "orgs"],
  [/^\/system$/, viewSystem, "system"],
];
async function route() {
  if (!token) return signOut("");
  const gen = ++generation;
  clearInterval(refresh);
  const { path, query } = parseHash();
  for (const [rx, view, nav] of routes) {
    const m = path.match(rx);
    if (!m) continue;
    navOn(nav);
    const params = m.slice(1).map(decodeURIComponent);
    try { await view({ gen, params, query }); }
    catch (e) {
      if (e.status !== 401) mount(gen, h("div", { class: "callout bad", id: "view-error" }, e.message));
    }
    updateDeadCount();
    return;
  }
  mount(gen, h("p", { class: "callout bad" }, "No page " + path + ". "), h("a", { href: "#/orgs" }, "Orgs"));
}
function start() {
  if (!token) return signOut("");
  $("nav").hidden = false;
  route();
}

// -- orgs --------------------------------------------------------------------------------
// One verdict per org from GET .../health, in the words of `vouchctl orgs health`: the
// first thing wrong, or "healthy". cls is the badge colour, short its badge text.
function healthVerdict(hl) {
  if (!hl) return { cls: "", short: "?", text: "health unknown" };
  const lever = hl.lever || {}, hooks = hl.webhooks || {}, rc = hl.reconcile || {};
  const refused = (w) => w && w.rejected_last_at != null &&
    (w.last_at == null || w.rejected_last_at > w.last_at);
  const lastHook = Math.max((hooks.stage_change || {}).last_at || 0, (hooks.hired || {}).last_at || 0);
  if (!hl.connected) return { cls: "bad", short: "not connected", text: "Not connected to Lever." };
  if (lever.status === "unauthorized")
    return { cls: "bad", short: "key refused", text: "Lever refuses the API key: paste a new one with vouchctl connect." };
  if (lever.status === "forbidden")
    return { cls: "bad", short: "key forbidden", text: "Lever forbids what vouch needs with this key: give it the permissions it lacks." };
  if (hl.breaker && hl.breaker !== "closed")
    return { cls: "bad", short: "Lever failing", text: "Lever calls are failing (breaker " + hl.breaker + "); commands wait, nothing is lost." };
  if (lever.status === "unreachable")
    return { cls: "run", short: "Lever unreachable", text: "Lever did not answer the last call; it will be tried again." };
  if (refused(hooks.stage_change) || refused(hooks.hired))
    return { cls: "bad", short: "webhooks refused", text: "Webhooks are refused for a wrong signature: copy the signature tokens from Lever's webhook settings." };
  if (rc.last_pass_ok === false)
    return { cls: "bad", short: "catch-up failing", text: "Catch-up for missed webhooks is failing: " + (rc.last_error || "unknown error") };
  if (rc.last_found_at && rc.last_found_at > lastHook)
    return { cls: "run", short: "webhooks missed", text: (lastHook ? "No webhook since " + fmtTime(lastHook) : "No webhook since vouchd started") +
      " although catch-up found " + rc.found_total + " change(s) they missed: check the webhook URLs and tokens in Lever." };
  return { cls: "ok", short: "healthy", text: "Healthy." };
}

async function viewOrgs({ gen }) {
  const { items } = await allItems("/orgs");
  const details = await Promise.all(items.map((o) =>
    api("GET", "/orgs/" + enc(o.id)).catch(() => null)));
  const health = await Promise.all(items.map((o) =>
    api("GET", "/orgs/" + enc(o.id) + "/health").catch(() => null)));
  const rows = items.map((o, i) => {
    const d = details[i];
    const go = () => { location.hash = "#/orgs/" + enc(o.id); };
    return h("tr", { class: "click", onclick: go },
      td(h("a", { href: "#/orgs/" + enc(o.id) }, o.id), "mono"), td(o.name),
      td(d ? h("span", { class: "badge " + (d.connected ? "ok" : "bad") },
               d.connected ? "connected" : "not connected") : "?"),
      td((() => { const v = healthVerdict(health[i]);
                  return h("span", { class: "badge " + v.cls, title: v.text, "data-health": v.short }, v.short); })()),
      td(h("a", { href: "#/orgs/" + enc(o.id) + "/candidates", onclick: (ev) => ev.stopPropagation() },
           "Candidates")),
      td(d ? when(d.updated_at) : "—"));
  });
  mount(gen, h("h1", {}, "Orgs"),
    card(null, table(["Org", "Name", "Lever", "Health", "", "Updated"], rows,
      "No orgs yet. Create one with `vouchctl orgs create ORG --name NAME`.")));
}

async function viewOrg({ gen, params: [org] }) {
  const base = "/orgs/" + enc(org);
  const [info, lever, urls, tpls, exps, hl] = await Promise.all([
    api("GET", base), api("GET", base + "/lever"), api("GET", base + "/webhook-urls"),
    allItems(base + "/templates"), allItems(base + "/exports", 1),
    api("GET", base + "/health").catch(() => null)]);
  const copyRow = (label, url) => {
    const btn = h("button", { class: "small", type: "button", onclick: () => copyText(url, btn) }, "Copy");
    return [h("div", { class: "small muted" }, label),
            h("div", { class: "copy" }, h("input", { type: "text", readonly: true, value: url,
              "aria-label": label, onfocus: (ev) => ev.target.select() }), btn)];
  };
  const conn = card("Lever connection",
    h("p", {}, h("span", { class: "badge " + (lever.connected ? "ok" : "bad") },
                 lever.connected ? "connected" : "not connected")),
    kv([["API key", lever.api_key], ["Stage-change token", lever.stage_change_signature_token],
        ["Hired token", lever.hired_signature_token],
        ["Trigger stages", (lever.trigger_stage_ids || []).join(", ")],
        ["Perform as", lever.perform_as], ["Hired archive reason", lever.hired_archive_reason_id || "looked up from Lever"],
        ["Lever URL", lever.base_url || "default ([lever].base_url)"],
        ["Auto-export prospects", lever.auto_export_new_prospects ? "yes" : "no"]]));
  const verdict = healthVerdict(hl);
  const at = (ms) => (ms ? fmtTime(ms) : "never");
  const hk = (hl && hl.webhooks) || {}, rc = (hl && hl.reconcile) || {}, lv = (hl && hl.lever) || {};
  const catchUpBtn = h("button", { type: "button", disabled: !lever.connected, onclick: () =>
    act(catchUpBtn, async () => {
      await api("POST", base + "/reconcile", {});
      return "Catch-up pass queued: reload to see what it found";
    }) },
    "Catch up now");
  const healthCard = card("Health",
    h("div", { class: "callout " + (verdict.cls === "ok" ? "ok" : "bad"), id: "org-health" }, verdict.text),
    kv([["Lever key", (lv.status || "unknown") + (lv.checked_at ? " · checked " + fmtTime(lv.checked_at) : "") +
           (lv.error ? " · " + lv.error : "")],
        ["Stage-change webhooks", "last accepted " + at((hk.stage_change || {}).last_at) +
           " · last refused " + at((hk.stage_change || {}).rejected_last_at)],
        ["Hired webhooks", "last accepted " + at((hk.hired || {}).last_at) +
           " · last refused " + at((hk.hired || {}).rejected_last_at)],
        ["Catch-up", rc.last_pass_at ? (rc.last_pass_ok ? "ok" : "failing: " + (rc.last_error || "")) +
           " · last pass " + fmtTime(rc.last_pass_at) : "no pass yet"],
        ["Found by catch-up", String(rc.found_total || 0) + " in all" +
           (rc.last_found_at ? " · last " + fmtTime(rc.last_found_at) : "")],
        ["Cursor", rc.cursor ? fmtTime(rc.cursor) : "—"],
        ["Breaker", (hl && hl.breaker) || "—"]]),
    h("div", { class: "row" }, catchUpBtn));
  const hooks = card("Webhook URLs",
    h("p", { class: "small muted" }, "Paste these into Lever → Settings → Integrations → Webhooks."),
    copyRow("Candidate stage change", urls.stage_change), copyRow("Candidate hired", urls.hired));

  const tplList = tpls.items.length ? tpls.items.map((t) => h("details", {},
    h("summary", {}, h("b", {}, t.name), " ", h("span", { class: "mono muted small" }, t.id), " ",
      t.ats_tag ? h("span", { class: "badge info" }, "tag: " + t.ats_tag) : null, " ",
      h("span", { class: "badge" }, "priority " + t.priority), " ",
      t.is_default ? h("span", { class: "badge ok" }, "default") : null),
    h("pre", {}, JSON.stringify(t, null, 2)))) : h("p", { class: "empty" }, "No templates.");
  const tagsIn = h("input", { type: "search", placeholder: "engineering,remote  or  post-eng",
                              "aria-label": "tags or posting id" });
  const mode = h("select", { "aria-label": "match by" }, h("option", { value: "tags" }, "tags"),
                 h("option", { value: "posting" }, "posting id"));
  const result = h("div", { id: "match-result" });
  const matchForm = h("form", { class: "row", onsubmit: async (ev) => {
    ev.preventDefault();
    const btn = ev.target.querySelector("button");
    await act(btn, async () => {
      const m = await api("GET", base + "/templates/match?" + mode.value + "=" + enc(tagsIn.value.trim()));
      result.replaceChildren(h("div", { class: "callout " + (m.template ? "ok" : "bad") },
        h("b", {}, m.template ? m.template.name + " (" + m.template.id + ")" : "No template"),
        h("div", {}, m.why),
        h("div", { class: "small muted" }, "tags: " + (m.tags.length ? m.tags.join(", ") : "none") +
          (m.posting ? " · posting " + m.posting.id + " " + (m.posting.title || "") : ""))));
    });
  } }, mode, tagsIn, h("button", { type: "submit" }, "Which template?"));
  const templates = card("Templates", tplList,
    h("h2", { class: "small muted" }, "Dry run: which template would be chosen"), matchForm, result);

  const expRows = exps.items.map((x) => h("tr", { class: "click",
      onclick: () => { location.hash = "#/exports/" + enc(x.id); } },
    td(h("a", { href: "#/exports/" + enc(x.id) }, x.id), "mono"), td(badge(x.state)),
    td(h("progress", { max: Math.max(x.total, 1), value: x.done + x.failed + x.skipped })),
    td(x.done + x.failed + x.skipped + " / " + x.total, "num"), td(when(x.created_at))));
  const startBtn = h("button", { type: "button", disabled: !lever.connected, onclick: () => {
    if (!confirm("Export this org's stored prospects to Lever now?")) return;
    act(startBtn, async () => {
      const r = await api("POST", base + "/exports", {});
      location.hash = "#/exports/" + enc(r.id);
    });
  } }, "Start export");
  const exports = card("Prospect exports", table(["Id", "State", "Progress", "Done#", "Started"], expRows,
    "No exports yet."), h("div", { class: "row" }, startBtn));

  mount(gen, crumbs(["Orgs", "#/orgs"], org),
    h("div", { class: "row" }, h("h1", {}, info.name, " ", h("span", { class: "muted mono small" }, info.id)),
      h("span", { class: "spacer" }),
      h("a", { href: "#/orgs/" + enc(org) + "/candidates" }, h("button", { type: "button", class: "primary" }, "Candidates"))),
    h("div", { class: "grid" }, conn, healthCard), h("div", { class: "grid" }, hooks, templates),
    h("div", { class: "grid" }, exports));
}

// -- candidates --------------------------------------------------------------------------
function matches(c, q) {
  if (!q) return true;
  const hay = [c.opportunity_id, c.name, c.email, c.state, c.reason, c.request_id,
    c.posting && c.posting.title, c.posting && c.posting.id, c.owner && c.owner.name,
    c.owner && c.owner.email].filter(Boolean).join(" ").toLowerCase();
  return q.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}
async function viewCandidates({ gen, params: [org], query }) {
  const state = query.get("state") || "", q = query.get("q") || "";
  const base = "/orgs/" + enc(org) + "/candidates";
  const { items, more } = await allItems(base + (state ? "?state=" + enc(state) : ""), 10);
  const tbody = h("tbody", {});
  const count = h("span", { class: "muted small" });
  const draw = (text) => {
    const shown = items.filter((c) => matches(c, text));
    count.textContent = shown.length + " of " + items.length + (more ? "+" : "") + " candidates";
    tbody.replaceChildren(...shown.map((c) => {
      const href = "#/orgs/" + enc(org) + "/candidates/" + enc(c.opportunity_id);
      return h("tr", { class: "click", onclick: () => { location.hash = href; } },
        td(h("a", { href }, c.opportunity_id), "mono"), td(dash(c.name)), td(badge(c.state)),
        td(c.reason ? h("span", { class: "small" }, c.reason) : "", "wrap"),
        td(dash(c.posting && c.posting.title)), td(when(c.updated_at)));
    }));
    if (!shown.length) tbody.appendChild(h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No candidates match.")));
  };
  const setHash = (s, text) => {
    const p = new URLSearchParams();
    if (s) p.set("state", s);
    if (text) p.set("q", text);
    return "#/orgs/" + enc(org) + "/candidates" + (p.toString() ? "?" + p : "");
  };
  const sel = h("select", { id: "state-filter", "aria-label": "state",
                            onchange: () => { location.hash = setHash(sel.value, search.value.trim()); } },
    h("option", { value: "" }, "any state"), STATES.map((s) => h("option", { value: s }, s)));
  sel.value = state;
  const search = h("input", { id: "search", type: "search", value: q, "aria-label": "search",
    placeholder: "Search id, name, email, posting…", oninput: () => {
      draw(search.value.trim());
      history.replaceState(null, "", setHash(sel.value, search.value.trim()));
    } });
  draw(q);
  mount(gen, crumbs(["Orgs", "#/orgs"], ["" + org, "#/orgs/" + enc(org)], "Candidates"),
    h("h1", {}, "Candidates"),
    card(null, h("div", { class: "row" }, sel, search, h("span", { class: "spacer" }), count),
      h("div", { class: "scroll" }, h("table", { id: "candidates" },
        h("thead", {}, h("tr", {}, ["Opportunity", "Name", "State", "Reason", "Posting", "Updated"]
          .map((x) => h("th", {}, x)))), tbody))));
}

const NEXT = {
  idle: "Nothing runs. A move into one of the org's trigger stages starts a reference check.",
  resolving: "Reading the opportunity, its posting tags and owner from Lever.",
  requesting: "Creating the reference request on the platform.",
  awaiting_references: "The request is live on the platform; waiting for the report.",
  report_ready: "The report is done; posting the note and link to Lever.",
  awaiting_hire_decision: "Report delivered. Waiting for Lever's hired webhook, or the follow-up timer asks the owner.",
  awaiting_owner_response: "The owner was emailed and asked whether the candidate was hired.",
  hired: "Done: hired.", not_hired: "Done: not hired.",
  expired: "The request expired without a report. Resend starts a fresh request.",
  needs_attention: "Stopped. Fix the cause below, then press Retry.",
};
async function viewCandidate(ctx) {
  const { gen, params: [org, opp] } = ctx;
  const path = "/orgs/" + enc(org) + "/candidates/" + enc(opp);
  const c = await api("GET", path);
  const reload = () => route();
  const retryBtn = h("button", { id: "retry", type: "button", class: c.state === "needs_attention" ? "primary" : "",
    onclick: () => act(retryBtn, async () => { await api("POST", path + "/retry", {}); return "Retry accepted"; }, reload) },
    "Retry");
  const resendBtn = h("button", { id: "resend", type: "button", onclick: () => {
    if (!confirm("Start a fresh reference request for " + opp + "?")) return;
    act(resendBtn, async () => { await api("POST", path + "/resend", {}); return "Resend accepted"; }, reload);
  } }, "Resend request");

  const pending = c.commands.filter((x) => x.status !== "dead");
  const dead = c.commands.filter((x) => x.status === "dead");
  const nextBits = [h("div", {}, NEXT[c.state] || "")];
  if (c.hired && c.state !== "hired") nextBits.push(h("div", {}, "Lever already marked the candidate hired; the flow ends in hired."));
  if (c.next_timer) nextBits.push(h("div", {}, "Next timer: ", h("b", {}, c.next_timer.kind), " ", when(c.next_timer.due)));
  if (pending.length) nextBits.push(h("div", {}, pending.length + " outgoing call(s) queued: " +
    pending.map((x) => x.kind + " (attempt " + x.attempts + ")").join(", ")));
  if (dead.length) nextBits.push(h("div", {}, dead.length + " dead command(s): retry them below once the cause is fixed."));

  const head = [crumbs(["Orgs", "#/orgs"], ["" + org, "#/orgs/" + enc(org)],
                       ["Candidates", "#/orgs/" + enc(org) + "/candidates"], opp),
    h("div", { class: "row" }, h("h1", {}, c.name || opp, " ", h("span", { class: "mono muted small" }, opp)),
      h("span", { id: "cand-state" }, badge(c.state)), h("span", { class: "spacer" }),
      retryBtn, resendBtn, h("button", { type: "button", onclick: reload }, "Refresh")),
    c.reason ? h("div", { class: "callout bad", id: "reason" }, h("b", {}, "Reason: "), c.reason) : null,
    h("div", { class: "callout", id: "next" }, h("b", {}, "What happens next"), nextBits)];

  const fields = card("Candidate", kv([
    ["Email", c.email], ["Posting", c.posting ? [c.posting.title, c.posting.id].filter(Boolean).join(" · ") : null],
    ["Posting tags", c.posting && c.posting.tags && c.posting.tags.length ? c.posting.tags.join(", ") : null],
    ["Owner", c.owner ? [c.owner.name, c.owner.email].filter(Boolean).join(" · ") : null],
    ["Template", c.template_id], ["Request", c.request_id],
    ["Report", c.report_url && /^https?:\/\//i.test(c.report_url) ? h("a", { href: c.report_url, target: "_blank", rel: "noopener noreferrer" }, c.report_url) : c.report_url],
    ["Hired", c.hired ? when(c.hired_at) : "no"], ["Created", when(c.created_at)], ["Updated", when(c.updated_at)]]));
  const a = c.actor || {};
  const actor = card("Actor", kv([
    ["Resident", a.resident ? (a.passivating ? "yes (passivating)" : "yes") : "no (state is in LMDB; activated on the next event)"],
    a.resident ? ["Since", when(a.resident_since)] : null,
    a.resident ? ["Mailbox depth", String(a.mailbox_depth)] : null,
    a.resident ? ["Last message", a.last_message ? [a.last_message, " ", when(a.last_message_at)] : null] : null]));
  const timers = card("Timers", c.timers.length ? h("ul", { id: "timers" }, c.timers.map((t) =>
    h("li", {}, h("b", {}, t.kind), " due ", when(t.due)))) : h("p", { class: "empty" }, "No pending timers."));
  const cmdRows = c.commands.map((x) => {
    const b = x.status === "dead" ? h("button", { class: "small primary", type: "button",
      onclick: () => act(b, async () => { await api("POST", "/outbox/" + x.id + "/retry", {}); return "Command " + x.id + " requeued"; }, reload) }, "Retry") : null;
    return h("tr", { "data-command": x.id }, td(String(x.id), "mono"), td(x.kind, "mono"), td(statusBadge(x.status)),
      td(String(x.attempts), "num"), td(x.status === "dead" ? "—" : when(x.next_at)), attemptsCell(x), td(b));
  });
  const commands = card("Commands", table(["Id", "Kind", "Status", "Attempts#", "Next attempt", "Last error", ""],
    cmdRows, "No pending or dead commands."));
  const hist = [...c.history].reverse();
  const timeline = card("Timeline", hist.length ? h("ol", { class: "timeline", id: "timeline" }, hist.map((e) =>
    h("li", { class: e.from === e.to ? "same" : "" },
      h("div", { class: "when" }, "#" + e.seq + " · ", when(e.at)),
      h("div", {}, h("span", { class: "event" }, e.event), " ",
        e.from === e.to ? h("span", { class: "muted small" }, "(stays ", badge(e.to), ")")
                        : [badge(e.from), " → ", badge(e.to)]),
      e.detail ? h("div", { class: "detail small" }, e.detail) : null))) : h("p", { class: "empty" }, "No history."));
  // Commands span the full width: above the timeline while any are pending or dead (what is
  // stuck comes first), below it otherwise.
  const cols = h("div", { class: "cols" }, h("div", {}, timeline), h("div", {}, fields, timers, actor));
  if (!mount(gen, head, c.commands.length ? [commands, cols] : [cols, commands]))
    return;
  if (!ctx.live) every(3000, () => viewCandidate({ ...ctx, gen: generation, live: true }).catch(() => {}));
}

// -- outbox ------------------------------------------------------------------------------
function breakerRows(list) {
  return list.map((b) => h("tr", { "data-breaker": b.target }, td(b.target, "mono"),
    td(h("span", { class: "badge " + (b.state === "closed" ? "ok" : "bad") }, b.state)),
    td((b.orgs || []).join(", ")), td(String(b.failures), "num"),
    td(b.state === "closed" ? "—" : when(b.opened_at)), td(b.state === "closed" ? "—" : when(b.next_probe_at))));
}
const BREAKER_HEAD = ["Target", "State", "Orgs", "Failures#", "Opened", "Next probe"];
async function viewOutbox({ gen, query }) {
  const status = query.get("status") === "pending" ? "pending" : "dead";
  const { items: all, more } = await allItems("/outbox?status=" + status, 4);
  const breakers = (await api("GET", "/breakers")).items || [];
  const wantOrg = query.get("org") || "", wantKind = query.get("kind") || "";
  const items = all.filter((x) => (!wantOrg || x.org === wantOrg) && (!wantKind || x.kind === wantKind));
  const go = (org, kind) => {
    const q = new URLSearchParams({ status });
    if (org) q.set("org", org);
    if (kind) q.set("kind", kind);
    location.hash = "#/outbox?" + q.toString();
  };
  const choices = (key, label, current, pick) => h("label", { class: "small" }, label + " ",
    h("select", { id: "filter-" + key, onchange: (ev) => pick(ev.target.value) },
      h("option", { value: "" }, "all"),
      [...new Set(all.map((x) => x[key]))].sort().map((v) => h("option", { value: v, selected: v === current }, v))));
  const filters = h("div", { class: "row" },
    choices("org", "Org", wantOrg, (v) => go(v, wantKind)),
    choices("kind", "Kind", wantKind, (v) => go(wantOrg, v)),
    h("span", { class: "spacer" }),
    status === "dead" && items.length ? (() => {
      const b = h("button", { class: "primary", id: "retry-shown", type: "button", onclick: () => {
        if (!confirm("Retry the " + items.length + " dead command(s) shown?")) return;
        act(b, async () => {
          const body = { ids: items.map((x) => x.id) };
          if (wantOrg) body.org = wantOrg;
          if (wantKind) body.kind = wantKind;
          const r = await api("POST", "/outbox/retry", body);
          return r.retried + " command(s) requeued" + (r.failed && r.failed.length ? ", " + r.failed.length + " not" : "");
        }, route);
      } }, "Retry all shown (" + items.length + ")");
      return b;
    })() : null);
  const openBreakers = breakers.filter((b) => b.state !== "closed");
  const rows = items.map((x) => {
    const href = "#/orgs/" + enc(x.org) + "/candidates/" + enc(x.opportunity_id);
    const b = status === "dead" ? h("button", { class: "small primary", type: "button",
      onclick: () => act(b, async () => { await api("POST", "/outbox/" + x.id + "/retry", {}); return "Command " + x.id + " requeued"; }, route) }, "Retry") : null;
    return h("tr", { "data-command": x.id }, td(String(x.id), "mono"),
      td(h("a", { href }, x.org + " / " + x.opportunity_id)), td(x.kind, "mono"), td(String(x.attempts), "num"),
      td(when(status === "dead" ? x.created_at : x.next_at)), attemptsCell(x), td(b));
  });
  const tabs = h("div", { class: "tabs" },
    h("a", { href: "#/outbox?status=dead", class: status === "dead" ? "on" : "" }, "Dead letters"),
    h("a", { href: "#/outbox?status=pending", class: status === "pending" ? "on" : "" }, "Pending"));
  mount(gen, h("h1", {}, status === "dead" ? "Dead letters" : "Pending commands"), tabs,
    openBreakers.length ? card("Breakers open", h("p", { class: "small muted" },
      "These targets are failing: their commands wait untried, one probe per backoff interval, and go out when it answers again."),
      h("div", { id: "breakers-open" }, table(BREAKER_HEAD, breakerRows(openBreakers), ""))) : null,
    card(null, filters, h("p", { class: "small muted" }, status === "dead"
      ? "Commands that failed for good. Fix the cause (see the error), then Retry: the command is sent again with the same idempotency key and its candidate resumes."
      : "Commands waiting for their next attempt."),
      h("div", { id: "outbox" }, table(["Id", "Candidate", "Kind", "Attempts#", status === "dead" ? "Created" : "Next attempt", "Last error", ""],
        rows, status === "dead" ? "No dead letters." : "No pending commands.")),
      more ? h("p", { class: "small muted" }, "Showing the first " + items.length + ".") : null));
  if (status === "pending") every(5000, route);
}

// -- exports -----------------------------------------------------------------------------
async function viewExport({ gen, params: [id] }) {
  const x = await api("GET", "/exports/" + enc(id));
  const finished = x.done + x.failed + x.skipped;
  const cancel = h("button", { type: "button", class: "danger", hidden: x.state !== "running", onclick: () => {
    if (!confirm("Cancel export " + id + "? Prospects not exported yet stay stored.")) return;
    act(cancel, async () => { await api("POST", "/exports/" + enc(id) + "/cancel", {}); return "Export cancelled"; }, route);
  } }, "Cancel export");
  const pct = x.total ? Math.floor(100 * finished / x.total) : 100;
  mount(gen, crumbs(["Orgs", "#/orgs"], [x.org, "#/orgs/" + enc(x.org)], "Export " + id),
    h("div", { class: "row" }, h("h1", {}, "Export ", h("span", { class: "mono" }, id)), h("span", { id: "export-state" }, badge(x.state)),
      h("span", { class: "spacer" }), cancel),
    card("Progress", h("progress", { id: "export-progress", max: Math.max(x.total, 1), value: finished }),
      h("p", {}, h("b", {}, pct + "%"), " — " + finished + " of " + x.total + " prospects"),
      h("div", { class: "stats" }, [["done", x.done], ["skipped (already in Lever)", x.skipped], ["failed", x.failed],
        ["rate", x.rate_per_s.toFixed(1) + " /s"], ["ETA", x.eta_s === null ? "—" : Math.ceil(x.eta_s) + " s"]]
        .map(([k, v]) => h("div", {}, h("div", { class: "stat" }, v), h("div", { class: "muted small" }, k)))),
      kv([["Started", when(x.created_at)], ["Updated", when(x.updated_at)]])),
    card("Failures", x.failures.length ? h("ul", {}, x.failures.map((f) => h("li", { class: "small" }, f)))
      : h("p", { class: "empty" }, "None.")));
  if (x.state === "running") every(1000, route); else clearInterval(refresh);
}

// -- system ------------------------------------------------------------------------------
function num(v) { return v === null || v === undefined ? "—" : typeof v === "number" ? (Number.isInteger(v) ? v.toLocaleString() : v.toFixed(2)) : String(v); }
function bytes(n) {
  if (typeof n !== "number") return "—";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"]; let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return n.toFixed(i ? 1 : 0) + " " + u[i];
}
function stat(label, value, sub) {
  return h("div", {}, h("div", { class: "stat" }, value), h("div", { class: "muted small" }, label),
           sub ? h("div", { class: "small" }, sub) : null);
}
// -- charts: the last hour, as inline SVG ------------------------------------------------
// GET /system/history gives a sample every 10 s for the last hour; each chart is an SVG
// built here (no library, no canvas), scaled to its column through its viewBox.
const SVG_NS = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs, ...kids) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {}))
    if (v !== undefined && v !== null && v !== false) e.setAttribute(k, String(v));
  for (const c of kids.flat(9)) {
    if (c === undefined || c === null || c === false) continue;
    e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
const HOUR_MS = 3600 * 1000;
const CHART = { w: 360, h: 150, l: 42, r: 10, t: 10, b: 22 };  // viewBox and plot margins
let historyCache = null;  // { fetched, data }: a new sample only comes every 10 s
async function systemHistory() {
  if (historyCache && Date.now() - historyCache.fetched < 5000) return historyCache.data;
  const data = await api("GET", "/system/history");
  historyCache = { fetched: Date.now(), data };
  return data;
}
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p + 1e-9) return m * p;
  return 10 * p;
}
function fmtNum(v) {
  if (v === null || v === undefined) return "—";
  const a = Math.abs(v);
  if (a >= 10000) return Math.round(v / 1000) + "k";
  if (a >= 1000) return (v / 1000).toFixed(1).replace(/\.0$/, "") + "k";
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  return String(Number(v.toFixed(a >= 10 ? 1 : 2)));  // 12.5, 4.2, 0.05
}
const fmtMs = (v) => (v === null || v === undefined ? "—" : fmtNum(v) + " ms");
const perMin = (n, x) => (x.span_s > 0 ? (n * 60) / x.span_s : null);
// The time axis: the hour that ends with the newest sample, ticks every 15 min.
function xScale(t1) {
  const t0 = t1 - HOUR_MS, { w, l, r } = CHART;
  return (t) => l + ((t - t0) / HOUR_MS) * (w - l - r);
}
function timeAxis(x, t1, bottom, labelled) {
  return [0, 15, 30, 45, 60].map((m) => {
    const px = x(t1 - m * 60000);
    return svgEl("g", { class: "tick" }, svgEl("line", { x1: px, x2: px, y1: CHART.t, y2: bottom, class: "grid" }),
      (labelled || [0, 15, 30, 45, 60]).includes(m) ? svgEl("text", { x: px, y: bottom + 14,
        "text-anchor": m === 0 ? "end" : m === 60 ? "start" : "middle" }, m === 0 ? "now" : "−" + m + " min") : null);
  });
}
function emptyNote(height) {
  return svgEl("text", { x: CHART.w / 2, y: height / 2, "text-anchor": "middle", class: "note" },
           "No samples yet: the first comes 10 s after vouchd starts.");
}
function legend(items) {
  return h("div", { class: "legend" }, items.map((it) =>
    h("span", { class: "key " + it.cls + (it.dashed ? " dashed" : "") }, h("i", { "aria-hidden": "true" }),
      it.name, it.value !== undefined ? h("b", {}, " " + it.value) : null)));
}
function chartBox(id, title, sub, legendItems, svg) {
  return h("figure", { class: "chart", id: id + "-box" },
    h("figcaption", {}, h("b", {}, title), sub ? h("span", { class: "muted small" }, " " + sub) : null),
    legendItems ? legend(legendItems) : null, svg);
}
/// A line chart of `series` ({name, cls, dashed, points: [[at, value | null]]}) over the hour
/// ending at `t1`. A null value or a gap of more than two intervals breaks the line; the
/// newest point of each series has a dot.
function lineChart(id, label, series, t1, fmt) {
  const { w, h: ht, t, b, l, r } = CHART, bottom = ht - b;
  const svg = svgEl("svg", { id, class: "plot", viewBox: "0 0 " + w + " " + ht, role: "img", "aria-label": label,
                         preserveAspectRatio: "xMidYMid meet" }, svgEl("title", {}, label));
  const all = series.flatMap((x) => x.points.map((p) => p[1])).filter((v) => v !== null && v !== undefined);
  if (!t1) { svg.appendChild(emptyNote(ht)); svg.setAttribute("data-samples", "0"); return svg; }
  const x = xScale(t1), top = niceMax(Math.max(0, ...all));
  const y = (v) => t + (1 - v / top) * (bottom - t);
  const r1 = (v) => Math.round(v * 10) / 10;
  svg.append(...timeAxis(x, t1, bottom));
  for (const f of [0, 0.5, 1]) {
    svg.append(svgEl("line", { x1: l, x2: w - r, y1: y(top * f), y2: y(top * f), class: f ? "grid" : "axis" }),
      svgEl("text", { x: l - 4, y: y(top * f) + 3.5, "text-anchor": "end" }, fmt(top * f)));
  }
  let drawn = 0;
  for (const sr of series) {
    let d = "", prev = null, last = null, max = null;
    for (const [at, v] of sr.points) {
      if (v === null || v === undefined || at < t1 - HOUR_MS) { prev = null; continue; }
      const gap = prev === null || at - prev > 25000;
      d += (gap ? "M" : "L") + r1(x(at)) + " " + r1(y(v));
      prev = at; last = [at, v]; max = max === null ? v : Math.max(max, v); drawn++;
    }
    svg.append(svgEl("path", { d: d || "M0 0", class: "line " + sr.cls + (sr.dashed ? " dashed" : ""),
                           "data-series": sr.name, "data-max": max === null ? "" : max, "data-empty": d ? null : "" }));
    if (last) svg.append(svgEl("circle", { cx: r1(x(last[0])), cy: r1(y(last[1])), r: 2.2, class: "dot " + sr.cls }));
  }
  svg.setAttribute("data-samples", String(drawn));
  return svg;
}
/// Breakers: one lane per target, coloured by state over time (closed, open, half-open).
function breakerChart(id, label, samples, t1) {
  const targets = new Map();  // target -> was it ever not closed
  for (const x of samples)
    for (const [k, v] of Object.entries(x.breakers || {})) targets.set(k, targets.get(k) || v !== "closed");
  const names = [...targets.keys()].sort((a, b) => (targets.get(b) - targets.get(a)) || a.localeCompare(b));
  const lane = 16, gap = 5, left = 104, { w, t, b, r } = CHART;
  const bottom = t + Math.max(names.length, 1) * (lane + gap), ht = bottom + b;
  const svg = svgEl("svg", { id, class: "plot", viewBox: "0 0 " + w + " " + ht, role: "img", "aria-label": label,
                         "data-lanes": names.length }, svgEl("title", {}, label));
  if (!t1) { svg.appendChild(emptyNote(ht)); return svg; }
  if (!names.length) {
    svg.appendChild(svgEl("text", { x: w / 2, y: ht / 2, "text-anchor": "middle", class: "note" },
                      "No calls made yet: every target is closed."));
    return svg;
  }
  const t0 = t1 - HOUR_MS, x = (at) => left + ((at - t0) / HOUR_MS) * (w - left - r);
  svg.append(...timeAxis(x, t1, bottom, [0, 30, 60]));  // a narrower plot: fewer labels
  names.forEach((name, i) => {
    const y0 = t + i * (lane + gap);
    const short = name.length > 17 ? name.slice(0, 16) + "…" : name;
    svg.append(svgEl("text", { x: left - 6, y: y0 + lane / 2 + 3.5, "text-anchor": "end", class: "lane-name" },
                 svgEl("title", {}, name), short),
               svgEl("rect", { x: left, y: y0, width: w - left - r, height: lane, class: "lane" }));
    // Runs of one state become one rectangle.
    let run = null;
    const flush = () => {
      if (!run) return;
      const x0 = Math.max(left, x(run.from)), x1 = x(run.to);
      svg.append(svgEl("rect", { x: Math.round(x0 * 10) / 10, y: y0, width: Math.max(0.8, Math.round((x1 - x0) * 10) / 10),
                             height: lane, class: "st st-" + run.state, "data-target": name, "data-state": run.state },
                   svgEl("title", {}, name + ": " + run.state.replace("_", "-") + " " + fmtTime(run.from) + " – " + fmtTime(run.to))));
      run = null;
    };
    for (const smp of samples) {
      const st = (smp.breakers || {})[name];
      const from = smp.at - smp.span_s * 1000;
      if (!st || smp.at < t0) { flush(); continue; }
      if (run && run.state === st && from - run.to < 25000) run.to = smp.at;
      else { flush(); run = { state: st, from, to: smp.at }; }
    }
    flush();
  });
  return svg;
}
function historyCharts(hist) {
  const samples = (hist && hist.samples) || [];
  const t1 = samples.length ? samples[samples.length - 1].at : 0;
  const newest = samples[samples.length - 1];
  const pts = (f) => samples.map((x) => [x.at, f(x)]);
  const ms = (v) => (v === null || v === undefined ? null : v * 1000);
  const sum = (f) => samples.reduce((n, x) => n + f(x), 0);
  // The newest value a series has (a quiet interval has no latency).
  const lastOf = (f) => {
    for (let i = samples.length - 1; i >= 0; i--) {
      const v = f(samples[i]);
      if (v !== null && v !== undefined) return v;
    }
    return null;
  };
  const charts = [];

  const acc = (x) => perMin(x.webhooks.accepted, x), ref = (x) => perMin(x.webhooks.refused, x);
  charts.push(chartBox("chart-webhooks", "Webhooks", "per minute", [
    { name: "accepted", cls: "c-ok", value: fmtNum(sum((x) => x.webhooks.accepted)) + " in the hour" },
    { name: "refused", cls: "c-bad", value: fmtNum(sum((x) => x.webhooks.refused)) + " in the hour" }],
    lineChart("chart-webhooks", "Webhooks accepted and refused per minute, last hour",
      [{ name: "accepted", cls: "c-ok", points: pts(acc) }, { name: "refused", cls: "c-bad", points: pts(ref) }], t1, fmtNum)));

  charts.push(chartBox("chart-latency", "Webhook ack latency", "per 10 s", [
    { name: "p50", cls: "c-accent", value: fmtMs(lastOf((x) => ms(x.ack_seconds.p50))) },
    { name: "p99", cls: "c-run", value: fmtMs(lastOf((x) => ms(x.ack_seconds.p99))) }],
    lineChart("chart-latency", "Webhook ack latency p50 and p99 in milliseconds, last hour",
      [{ name: "p50", cls: "c-accent", points: pts((x) => ms(x.ack_seconds.p50)) },
       { name: "p99", cls: "c-run", points: pts((x) => ms(x.ack_seconds.p99)) }], t1, fmtMs)));

  charts.push(chartBox("chart-outbox", "Outbox", "commands", [
    { name: "pending", cls: "c-accent", value: fmtNum(lastOf((x) => x.outbox.pending)) },
    { name: "dead letters", cls: "c-bad", value: fmtNum(lastOf((x) => x.outbox.dead)) }],
    lineChart("chart-outbox", "Outbox backlog and dead letters, last hour",
      [{ name: "pending", cls: "c-accent", points: pts((x) => x.outbox.pending) },
       { name: "dead", cls: "c-bad", points: pts((x) => x.outbox.dead) }], t1, fmtNum)));

  const keys = [...new Set(samples.flatMap((x) => Object.keys(x.lever.calls)))].sort();
  const other = samples.some((x) => x.lever.other_calls > 0);
  const keySeries = keys.map((k, i) => ({ name: k, cls: "c" + (i % 6),
    points: pts((x) => perMin(x.lever.calls[k] || 0, x)) }));
  if (other) keySeries.push({ name: "other keys", cls: "c-muted", points: pts((x) => perMin(x.lever.other_calls, x)) });
  const budget = { name: "budget per key", cls: "c-muted", dashed: true, points: pts((x) => perMin(x.lever.budget, x)) };
  charts.push(chartBox("chart-lever", "Lever calls per key", "per minute, against the budget",
    [...keySeries.map((k) => ({ name: k.name, cls: k.cls, value: fmtNum(sum((x) => k.name === "other keys" ? x.lever.other_calls : x.lever.calls[k.name] || 0)) + " in the hour" })),
     { name: "budget", cls: "c-muted", dashed: true, value: newest ? fmtNum(perMin(newest.lever.budget, newest)) + "/min" : "—" }],
    lineChart("chart-lever", "Lever calls per minute per API key against the per-key budget, last hour",
      [...keySeries, budget], t1, fmtNum)));

  charts.push(chartBox("chart-breakers", "Breakers", "state over time", [
    { name: "closed", cls: "st-closed" }, { name: "half-open", cls: "st-half_open" }, { name: "open", cls: "st-open" }],
    breakerChart("chart-breakers", "Breaker state per target over the last hour", samples, t1)));
  return charts;
}
async function viewSystem({ gen }) {
  // The history is optional: an older vouchd without it still shows the figures.
  const histP = systemHistory().catch((e) => { if (e.status === 401) throw e; return { error: e.message }; });
  const s = await api("GET", "/system");
  const breakers = (await api("GET", "/breakers")).items || [];
  const hist = await histP;
  const a = s.actors || {}, st = s.store || {}, q = s.outbox_queue || {}, ob = s.outbox || {}, lm = s.storage || {};
  const md = a.mailbox_depth || {};
  const byOrg = Object.entries(a.by_org || {}).map(([org, v]) => h("tr", {},
    td(h("a", { href: "#/orgs/" + enc(org) }, org)), td(num(v.resident), "num"), td(num(v.total), "num")));
  const pools = Object.entries(q.pools || {}).map(([name, p]) => h("tr", {}, td(name, "mono"),
    td(num(p.busy) + " / " + num(p.size), "num"), td(h("meter", { min: 0, max: Math.max(p.size, 1), value: p.busy, high: Math.max(p.size, 1) * 0.8 }))));
  const buckets = Object.entries(q.lever_token_buckets || {}).map(([k, v]) => h("tr", {}, td(k, "mono"), td(num(v), "num")));
  const cb = st.commit_batch || {}, cs = st.commit_seconds || {};
  const used = lm.used_bytes, map = lm.map_size;
  const entries = Object.entries(lm.entries || {}).map(([k, v]) => h("tr", {}, td(k, "mono"), td(num(v), "num")));
  mount(gen, h("div", { class: "row" }, h("h1", {}, "System"), h("span", { class: "spacer" }),
      h("span", { class: "muted small", id: "sys-updated" }, "updated " + fmtTime(Date.now()) + " · every 2 s")),
    h("div", { class: "row" }, h("span", { class: "badge " + (s.ready ? "ok" : "bad") }, s.ready ? "ready" : "not ready"),
      s.draining ? h("span", { class: "badge bad" }, "draining") : null),
    card("Last hour", h("p", { class: "small muted" }, "A sample every 10 s, kept in vouchd's memory (a restart starts afresh)."),
      hist.error ? h("p", { class: "callout bad" }, "History unavailable: " + hist.error)
                 : h("div", { class: "charts", id: "charts" }, historyCharts(hist))),
    h("div", { class: "grid", id: "system" },
      card("Candidate actors", h("div", { class: "stats" }, stat("resident", num(a.resident)), stat("total", num(a.total)),
          stat("activations", num(a.activations))),
        h("h2", { class: "small muted" }, "Mailbox depth"),
        h("div", { class: "stats" }, stat("p50", num(md.p50)), stat("p90", num(md.p90)), stat("p99", num(md.p99)), stat("max", num(md.max))),
        table(["Org", "Resident#", "Total#"], byOrg, "No candidates yet.")),
      card("Queues", h("div", { class: "stats" }, stat("router mailbox", num(a.router_mailbox)),
          stat("store mailbox", num(st.mailbox)), stat("store waiting", num(st.waiting)),
          stat("dispatcher mailbox", num(q.dispatcher_mailbox)), stat("scheduled", num(q.scheduled)),
          stat("in flight", num(q.in_flight)), stat("timers pending", num(s.timers_pending)))),
      card("Outbox", h("div", { class: "stats" }, stat("pending", num(ob.pending)),
          stat("dead", ob.dead ? h("a", { href: "#/outbox?status=dead" }, num(ob.dead)) : num(ob.dead))))),
    card("Breakers", h("div", { id: "breakers" }, table(BREAKER_HEAD, breakerRows(breakers),
      "No calls made yet: every target is closed."))),
    h("div", { class: "grid" },
      card("Commits", h("div", { class: "stats" }, stat("commits", num(st.commits)), stat("last batch", num(st.last_batch)),
          stat("max batch", num(st.max_batch)), stat("mean batch", num(cb.mean))),
        h("p", { class: "small muted" }, "Batch size p50 / p90 / p99: " + [cb.p50, cb.p90, cb.p99].map(num).join(" / ") +
          " · commit time p50 / p99: " + [cs.p50, cs.p99].map((v) => typeof v === "number" ? (v * 1000).toFixed(1) + " ms" : num(v)).join(" / "))),
      card("Worker pools", table(["Pool", "Busy / size#", ""], pools, "No pools.")),
      card("Lever token buckets (per API key)", table(["Key", "Tokens#"], buckets, "No Lever calls yet.")),
      card("LMDB", h("meter", { min: 0, max: map || 1, value: used || 0, high: (map || 1) * 0.8 }),
        h("p", {}, bytes(used) + " of " + bytes(map) + (map ? " (" + (100 * used / map).toFixed(1) + "%)" : "")),
        table(["Table", "Entries#"], entries))),
    h("details", { class: "card" }, h("summary", {}, "Raw JSON"), h("pre", {}, JSON.stringify(s, null, 2))));
  every(2000, () => viewSystem({ gen: generation }).catch((e) => { if (e.status !== 401) toast(e.message, true); }));
}

// -- start -------------------------------------------------------------------------------
$("signout").addEventListener("click", () => signOut(""));
window.addEventListener("hashchange", () => { if (token) route(); });
start();

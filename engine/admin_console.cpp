#include "engine/admin_console.hpp"

namespace vouch::engine {

namespace {

// Everything the page shows goes through textContent (never innerHTML), so names and error
// texts from Lever or the platform cannot inject markup.
constexpr std::string_view page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vouch admin</title>
<style>
  :root { --fg: #1d232a; --muted: #66707a; --line: #dde2e7; --accent: #2357c6; --bad: #b3261e; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
  header { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; padding: .6rem .8rem;
           border-bottom: 1px solid var(--line); background: #f6f8fa; }
  header h1 { font-size: 1.05rem; margin: 0 auto 0 0; }
  nav button.on { background: var(--accent); color: #fff; }
  main { padding: .8rem; max-width: 980px; margin: 0 auto; }
  button, select, input { font: inherit; padding: .35rem .6rem; border: 1px solid var(--line);
                          border-radius: 6px; background: #fff; }
  button { cursor: pointer; }
  .row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; }
  .scroll { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .45rem; border-bottom: 1px solid var(--line);
           vertical-align: top; white-space: nowrap; }
  td.wrap { white-space: normal; min-width: 12rem; }
  tr.click { cursor: pointer; }
  tr.click:hover { background: #eef3fb; }
  pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; font-size: 13px; }
  .muted { color: var(--muted); }
  .err { color: var(--bad); }
  .state { font-family: ui-monospace, monospace; font-size: 13px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; }
  dt { color: var(--muted); } dd { margin: 0; word-break: break-all; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<header>
  <h1>vouch admin</h1>
  <nav id="nav" hidden>
    <button data-view="orgs">Orgs</button>
    <button data-view="candidates">Candidates</button>
    <button data-view="outbox">Outbox</button>
    <button data-view="system">System</button>
    <button id="signout">Sign out</button>
  </nav>
</header>
<main>
  <p id="msg" class="err" hidden></p>
  <form id="signin" class="row" hidden>
    <label for="token">Admin token</label>
    <input id="token" type="password" autocomplete="current-password" required>
    <button type="submit">Sign in</button>
  </form>
  <section id="v-orgs" hidden>
    <div class="scroll"><table><thead><tr><th>Org</th><th>Name</th></tr></thead>
      <tbody id="orgs"></tbody></table></div>
  </section>
  <section id="v-candidates" hidden>
    <div class="row">
      <select id="org" aria-label="org"></select>
      <select id="state" aria-label="state"><option value="">any state</option></select>
      <button id="reload-c">Reload</button>
    </div>
    <div class="scroll"><table><thead><tr><th>Opportunity</th><th>State</th><th>Name</th>
      <th>Updated</th></tr></thead><tbody id="cands"></tbody></table></div>
    <div id="more-c" class="row" hidden><button>More</button></div>
    <div id="detail" hidden>
      <h2 id="d-title"></h2>
      <div class="row"><button id="resend">Resend request</button>
        <button id="retry">Retry</button></div>
      <dl id="d-fields"></dl>
      <h3>Timeline</h3>
      <div class="scroll"><table><thead><tr><th>#</th><th>At</th><th>Event</th><th>From → to</th>
        <th>Detail</th></tr></thead><tbody id="d-history"></tbody></table></div>
      <h3>Timers</h3><ul id="d-timers"></ul>
      <h3>Commands</h3><ul id="d-commands"></ul>
    </div>
  </section>
  <section id="v-outbox" hidden>
    <div class="row">
      <select id="status" aria-label="status">
        <option value="dead">dead</option><option value="pending">pending</option></select>
      <button id="reload-o">Reload</button>
    </div>
    <div class="scroll"><table><thead><tr><th>Id</th><th>Candidate</th><th>Kind</th>
      <th>Attempts</th><th>Next</th><th>Last error</th><th></th></tr></thead>
      <tbody id="outbox"></tbody></table></div>
  </section>
  <section id="v-system" hidden><pre id="system"></pre></section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const STATES = ["idle", "resolving", "requesting", "awaiting_references", "report_ready",
  "awaiting_hire_decision", "awaiting_owner_response", "hired", "not_hired", "expired",
  "needs_attention"];
let token = sessionStorage.getItem("vouchToken") || "";
let current = null;   // {org, opp} shown in the detail panel
let cursor = null;    // next_cursor of the candidate list

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function row(cells, onclick) {
  const tr = el("tr");
  for (const c of cells) { const td = c instanceof Node ? c : el("td", c); tr.appendChild(td); }
  if (onclick) { tr.className = "click"; tr.onclick = onclick; }
  return tr;
}
const when = (ms) => ms ? new Date(ms).toLocaleString() : "—";
function say(text) { $("msg").textContent = text || ""; $("msg").hidden = !text; }

async function api(method, path, body) {
  const opts = { method, headers: { Authorization: "Bearer " + token } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  const data = await r.json().catch(() => null);
  if (r.status === 401) { signOut("Token refused."); throw new Error("unauthorized"); }
  if (!r.ok) {
    const m = data && data.error ? data.error.code + ": " + data.error.message : "HTTP " + r.status;
    throw new Error(m);
  }
  return data;
}
async function allItems(path) {
  let items = [], next = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api("GET", path + sep + "limit=500" +
                           (next ? "&cursor=" + encodeURIComponent(next) : ""));
    items = items.concat(page.items); next = page.next_cursor;
  } while (next);
  return items;
}
function guard(fn) {
  return async (...args) => { say(""); try { await fn(...args); } catch (e) {
    if (e.message !== "unauthorized") say(e.message); } };
}

function show(view) {
  for (const b of document.querySelectorAll("nav button[data-view]"))
    b.classList.toggle("on", b.dataset.view === view);
  for (const v of ["orgs", "candidates", "outbox", "system"]) $("v-" + v).hidden = v !== view;
  ({ orgs: loadOrgs, candidates: loadOrgSelect, outbox: loadOutbox, system: loadSystem })[view]();
}
function signOut(text) {
  sessionStorage.removeItem("vouchToken"); token = "";
  $("nav").hidden = true; $("signin").hidden = false;
  for (const s of document.querySelectorAll("main section")) s.hidden = true;
  say(text);
}

const loadOrgs = guard(async () => {
  const tbody = $("orgs"); tbody.replaceChildren();
  for (const o of await allItems("/admin/v1/orgs"))
    tbody.appendChild(row([o.id, o.name], () => { $("org").value = o.id; show("candidates"); }));
});
const loadOrgSelect = guard(async () => {
  const sel = $("org"), keep = sel.value;
  sel.replaceChildren();
  for (const o of await allItems("/admin/v1/orgs")) sel.appendChild(new Option(o.id, o.id));
  if (keep) sel.value = keep;
  await loadCandidates(false);
});
const loadCandidates = guard(async (more) => {
  const org = $("org").value, tbody = $("cands");
  if (!more) { tbody.replaceChildren(); cursor = null; }
  if (!org) return;
  let q = "/admin/v1/orgs/" + encodeURIComponent(org) + "/candidates?limit=100";
  if ($("state").value) q += "&state=" + $("state").value;
  if (cursor) q += "&cursor=" + encodeURIComponent(cursor);
  const page = await api("GET", q);
  for (const c of page.items)
    tbody.appendChild(row([c.opportunity_id, el("td", c.state, "state"), c.name || "—",
                           when(c.updated_at)], () => loadCandidate(c.org, c.opportunity_id)));
  cursor = page.next_cursor; $("more-c").hidden = !cursor;
});
const loadCandidate = guard(async (org, opp) => {
  current = { org, opp };
  const c = await api("GET", "/admin/v1/orgs/" + encodeURIComponent(org) + "/candidates/" +
                      encodeURIComponent(opp));
  $("detail").hidden = false;
  $("d-title").textContent = c.opportunity_id + " — " + c.state;
  const dl = $("d-fields"); dl.replaceChildren();
  const fields = [["name", c.name], ["email", c.email], ["reason", c.reason],
    ["hired", c.hired ? "yes, " + when(c.hired_at) : "no"], ["request", c.request_id],
    ["report", c.report_url], ["template", c.template_id],
    ["owner", [c.owner.name, c.owner.email].filter(Boolean).join(" · ")],
    ["posting", [c.posting.title, (c.posting.tags || []).join(", ")].filter(Boolean).join(" · ")],
    ["created", when(c.created_at)], ["updated", when(c.updated_at)]];
  for (const [k, v] of fields) { dl.appendChild(el("dt", k)); dl.appendChild(el("dd", v || "—")); }
  const h = $("d-history"); h.replaceChildren();
  for (const e of c.history)
    h.appendChild(row([e.seq, when(e.at), e.event, e.from + " → " + e.to,
                       el("td", e.detail, "wrap")]));
  $("d-timers").replaceChildren(...c.timers.map((t) => el("li", t.kind + " at " + when(t.due))));
  $("d-commands").replaceChildren(...c.commands.map((x) => el("li",
    "#" + x.id + " " + x.kind + " — " + x.status + ", " + x.attempts + " attempts" +
    (x.last_error ? " — " + x.last_error : ""))));
  $("detail").scrollIntoView({ behavior: "smooth" });
});
const action = (what) => guard(async () => {
  if (!current) return;
  await api("POST", "/admin/v1/orgs/" + encodeURIComponent(current.org) + "/candidates/" +
            encodeURIComponent(current.opp) + "/" + what, {});
  await loadCandidate(current.org, current.opp);
});
const loadOutbox = guard(async () => {
  const tbody = $("outbox"); tbody.replaceChildren();
  const items = await allItems("/admin/v1/outbox?status=" + $("status").value);
  for (const x of items) {
    const td = el("td");
    if (x.status === "dead") {
      const b = el("button", "Retry");
      b.onclick = guard(async () => { await api("POST", "/admin/v1/outbox/" + x.id + "/retry", {});
                                      await loadOutbox(); });
      td.appendChild(b);
    }
    tbody.appendChild(row([x.id, x.org + "/" + x.opportunity_id, x.kind, x.attempts,
                           when(x.next_at), el("td", x.last_error || "", "wrap"), td]));
  }
  if (!items.length) tbody.appendChild(row(["nothing here"]));
});
const loadSystem = guard(async () => {
  $("system").textContent = JSON.stringify(await api("GET", "/admin/v1/system"), null, 2);
});

for (const s of STATES) $("state").appendChild(new Option(s, s));
for (const b of document.querySelectorAll("nav button[data-view]"))
  b.onclick = () => show(b.dataset.view);
$("signout").onclick = () => signOut("");
$("org").onchange = () => { $("detail").hidden = true; loadCandidates(false); };
$("state").onchange = () => loadCandidates(false);
$("reload-c").onclick = () => loadCandidates(false);
$("more-c").onclick = () => loadCandidates(true);
$("resend").onclick = action("resend");
$("retry").onclick = action("retry");
$("status").onchange = loadOutbox;
$("reload-o").onclick = loadOutbox;
$("signin").onsubmit = async (ev) => {
  ev.preventDefault();
  token = $("token").value.trim();
  sessionStorage.setItem("vouchToken", token);
  $("token").value = "";
  start();
};
function start() {
  if (!token) { signOut(""); return; }
  $("signin").hidden = true; $("nav").hidden = false;
  show("orgs");
}
start();
</script>
</body>
</html>
)html";

}  // namespace

std::string_view admin_console_html() {
  return page;
}

}  // namespace vouch::engine

#!/usr/bin/env node
// ctest `browser`: drives Debian's Chromium through the vouch admin console.
//
//   node browser_test.mjs --vouchd BIN --lever-sim BIN --platform-sim BIN --out DIR
//
// Installs what it needs when missing (apt-get install chromium; npm ci of playwright-core
// into tests/browser/node_modules from the committed package-lock.json; never a Playwright
// browser download), starts lever-sim, platform-sim and vouchd on free loopback ports, sets
// up an org through the admin API, drives one candidate through the whole flow and makes a
// second one's Lever call dead, then in Chromium: signs in, opens the first candidate and
// checks its timeline, opens the dead letters, clears the Lever fault, presses Retry and
// sees the command leave the list and the second candidate reach awaiting_hire_decision.
// Screenshots of the main pages at 1280 and 390 px go to --out; at 390 px every page is
// checked for horizontal page scroll. Exit 0 = pass.
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.VOUCH_CHROMIUM || "/usr/bin/chromium";

// -- arguments ------------------------------------------------------------------------------
function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) usage();
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ["vouchd", "lever-sim", "platform-sim", "out"]) if (!out[k]) usage();
  return out;
}
function usage() {
  console.error("usage: browser_test.mjs --vouchd BIN --lever-sim BIN --platform-sim BIN --out DIR");
  process.exit(2);
}
const opt = args();

// -- small helpers --------------------------------------------------------------------------
const log = (...a) => console.log("[browser]", ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
class TestFailure extends Error {}
function check(cond, what) {
  if (!cond) throw new TestFailure(what);
}
/// Polls `probe` until `ok(value)`; throws naming `what` and the last value after `ms`.
async function waitFor(what, probe, ok = (v) => !!v, ms = 20000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (e) {
      last = "<" + e.message + ">";
    }
    if (Date.now() > deadline)
      throw new TestFailure(`timed out after ${ms} ms waiting for ${what}; last: ` +
                            JSON.stringify(last).slice(0, 600));
    await sleep(100);
  }
}
function run(cmd, argv, cwd) {
  log("$", cmd, argv.join(" "));
  const r = spawnSync(cmd, argv, { cwd, stdio: "inherit" });
  return r.status === 0;
}

// -- what the test needs --------------------------------------------------------------------
function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) return;
  log(`${CHROMIUM} is missing: installing Debian's chromium`);
  const sudo = process.getuid && process.getuid() !== 0 ? ["sudo"] : [];
  const apt = (...a) => run(sudo[0] || "apt-get", sudo.length ? ["apt-get", ...a] : a);
  process.env.DEBIAN_FRONTEND = "noninteractive";
  if (!apt("install", "-y", "-qq", "--no-install-recommends", "chromium")) {
    apt("update", "-qq");
    apt("install", "-y", "-qq", "--no-install-recommends", "chromium");
  }
  check(fs.existsSync(CHROMIUM), `could not install chromium (${CHROMIUM} still missing)`);
}
async function loadPlaywright() {
  const pkg = path.join(here, "node_modules", "playwright-core", "package.json");
  const want = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8"))
    .dependencies["playwright-core"];
  const have = fs.existsSync(pkg) ? JSON.parse(fs.readFileSync(pkg, "utf8")).version : null;
  if (have !== want) {
    log(`playwright-core ${have || "missing"}, want ${want}: npm ci in ${here}`);
    check(run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], here),
          "npm ci of playwright-core failed (is the npm registry reachable?)");
  }
  return (await import("playwright-core")).chromium;
}

// -- processes ------------------------------------------------------------------------------
const children = [];
function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}
process.on("exit", cleanup);
for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => { cleanup(); process.exit(1); });

/// Spawns `bin`, appends its output to `logFile`; resolves with the first match of `rx`.
function spawnAndMatch(name, bin, argv, logFile, rx, ms = 15000) {
  const out = fs.openSync(logFile, "a");
  const child = spawn(bin, argv, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let text = "", done = false;
    const timer = setTimeout(() => {
      if (!done) reject(new TestFailure(`${name} printed no "${rx}" within ${ms} ms: ${text.slice(-400)}`));
    }, ms);
    const onData = (buf) => {
      fs.writeSync(out, buf);
      if (done) return;
      text += buf.toString();
      const m = text.match(rx);
      if (m) { done = true; clearTimeout(timer); resolve({ child, match: m }); }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      if (!done) { clearTimeout(timer); reject(new TestFailure(`${name} exited (${code}): ${text.slice(-600)}`)); }
    });
  });
}
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}
async function http(method, url, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    if (!init.headers["Content-Type"]) init.headers["Content-Type"] = "application/json";
  }
  const r = await fetch(url, init);
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}
async function ok(method, url, body, headers) {
  const r = await http(method, url, body, headers);
  check(r.status >= 200 && r.status < 300, `${method} ${url} answered ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}
function tail(file, lines = 40) {
  try { return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n"); } catch { return ""; }
}

// -- the world: sims, vouchd, an org, two candidates ----------------------------------------
async function startWorld(dir) {
  const lever = await spawnAndMatch("lever-sim", opt["lever-sim"], ["--listen", "127.0.0.1:0"],
    path.join(dir, "lever-sim.log"), /listening on (http:\/\/[^\s/]+)\/v1/);
  const leverRoot = lever.match[1];
  const pub = await freePort();
  let adm = await freePort();
  while (adm === pub) adm = await freePort();
  const publicUrl = `http://127.0.0.1:${pub}`, adminUrl = `http://127.0.0.1:${adm}`;
  const platformKey = crypto.randomBytes(32);
  const secret = "whsec_" + platformKey.toString("base64");
  const platform = await spawnAndMatch("platform-sim", opt["platform-sim"],
    ["--listen", "127.0.0.1:0", "--secret", secret, "--vouchd-url", publicUrl],
    path.join(dir, "platform-sim.log"), /listening on (http:\/\/[^\s/]+)/);
  const platformUrl = platform.match[1];
  const token = "adm-" + crypto.randomBytes(16).toString("hex");
  const toml = `[server]
listen = "127.0.0.1:${pub}"
admin_listen = "127.0.0.1:${adm}"
public_url = "${publicUrl}"
drain_s = 2

[storage]
path = "${dir}/data"
map_size = "256MiB"

[security]
admin_token = "${token}"
master_key = "${crypto.randomBytes(32).toString("hex")}"

[lever]
base_url = "${leverRoot}/v1"
timeout = "5s"
retry_base = "100ms"
retry_max = "1s"

[platform]
base_url = "${platformUrl}"
secret = "${secret}"
timeout = "5s"
retry_base = "100ms"
retry_max = "1s"

[mail]
transport = "maildir"
dir = "${dir}/mail"

[timing]
hire_followup_after = "1h"
reference_reminder_after = "2h"
request_expiry_after = "3h"
passivate_after = "30s"
`;
  fs.writeFileSync(path.join(dir, "vouch.toml"), toml);
  const vlog = path.join(dir, "vouchd.log");
  const child = spawn(opt.vouchd, ["--config", path.join(dir, "vouch.toml")],
                      { stdio: ["ignore", fs.openSync(vlog, "a"), fs.openSync(vlog, "a")] });
  children.push(child);
  await waitFor("vouchd GET /healthz == 200", async () => (await http("GET", publicUrl + "/healthz")).status,
                (s) => s === 200);
  const w = { dir, leverRoot, platformUrl, publicUrl, adminUrl, token, vlog };
  opt.adminOrigin = adminUrl + "/";
  w.admin = (method, p, body) => ok(method, adminUrl + "/admin/v1" + p, body,
                                    { Authorization: "Bearer " + token });
  w.lever = (method, p, body) => ok(method, leverRoot + "/_sim/" + p, body);
  w.platform = (method, p, body) => ok(method, platformUrl + "/_sim/" + p, body);
  return w;
}

async function setupOrg(w) {
  const org = { id: "acme", apiKey: "key-acme-" + crypto.randomBytes(4).toString("hex"),
                stageToken: "stage-tok-" + crypto.randomBytes(8).toString("hex"),
                hiredToken: "hired-tok-" + crypto.randomBytes(8).toString("hex") };
  await w.lever("POST", "keys", { key: org.apiKey });
  await w.admin("PUT", "/orgs/acme", { name: "Acme Corp" });
  await w.admin("PUT", "/orgs/beta", { name: "Beta Labs" });
  await w.admin("PUT", "/orgs/acme/lever", {
    api_key: org.apiKey, stage_change_signature_token: org.stageToken,
    hired_signature_token: org.hiredToken, trigger_stage_ids: ["stage-refcheck"],
    perform_as: "user-recruiter", base_url: w.leverRoot + "/v1" });
  const tpl = (name, tag, priority, isDefault) => ({
    name, ats_tag: tag, priority, is_default: isDefault, description: "",
    request: { position: "Engineer", survey_id: "eng-v2",
               references: [{ relationship: "manager", count: 2, note: "From your last job" }] },
    hiring_manager: { name: "Hana Manager", email: "hana@acme.example" },
    notifications: { email_subject: "Reference for {candidate}", email_body: "Hello", sms_text: "Hi" } });
  await w.admin("POST", "/orgs/acme/templates", tpl("General", "", 0, true));
  await w.admin("POST", "/orgs/acme/templates", tpl("Engineering", "engineering", 1, false));
  await w.admin("POST", "/orgs/acme/templates", tpl("Sales", "sales", 1, false));
  return org;
}

/// A Lever candidateStageChange into the trigger stage, signed as described in
/// docs/reference.md#lever-webhooks.
async function stageChange(w, org, opp) {
  const triggeredAt = Date.now();
  const token = crypto.randomBytes(24).toString("hex");
  const signature = crypto.createHmac("sha256", org.stageToken).update(token + String(triggeredAt))
    .digest("hex");
  const body = { triggeredAt, event: "candidateStageChange", token, signature,
                 data: { candidateId: "cand-" + opp, opportunityId: opp, contactId: "ct-" + opp,
                         fromStageId: "stage-phone", toStageId: "stage-refcheck" } };
  const r = await http("POST", `${w.publicUrl}/webhooks/lever/${org.id}/stage-change`, body,
                       { "User-Agent": "Lever-Webhooks" });
  check(r.status === 200 && r.json && r.json.accepted === true,
        `stage change for ${opp} answered ${r.status} ${r.text}`);
}
const candidate = (w, opp) => w.admin("GET", "/orgs/acme/candidates/" + opp);
function waitState(w, opp, state, ms = 20000) {
  return waitFor(`${opp} in state ${state}`, async () => (await candidate(w, opp)).state,
                 (s) => s === state, ms);
}
async function requestFor(w, opp) {
  const reqs = await waitFor(`a reference request for ${opp} at platform-sim`,
    async () => (await w.platform("GET", "requests")).requests.filter((r) => r.opportunity_id === opp),
    (l) => l.length > 0);
  return reqs[0].request_id;
}

async function driveCandidates(w, org) {
  // opp-1: the whole flow to awaiting_hire_decision (request → report → note on Lever).
  await stageChange(w, org, "opp-1");
  const rid1 = await requestFor(w, "opp-1");
  await waitState(w, "opp-1", "awaiting_references");
  const done = await w.platform("POST", "complete", { request_id: rid1 });
  check(done.status === 200, "report.completed for opp-1 answered " + JSON.stringify(done));
  await waitState(w, "opp-1", "awaiting_hire_decision");
  await waitFor("the report note on Lever for opp-1",
    async () => (await w.lever("GET", "notes/opp-1")).values, (v) => v.length > 0);
  log("opp-1 went through the flow to awaiting_hire_decision");

  // opp-2: Lever refuses addLinks with a 400, so the command is dead-lettered at once.
  await stageChange(w, org, "opp-2");
  const rid2 = await requestFor(w, "opp-2");
  await waitState(w, "opp-2", "awaiting_references");
  await w.lever("POST", "faults", { method: "POST", path: "/v1/opportunities/opp-2/addLinks",
    status: 400, count: null, body: { code: "BadRequest", message: "links: invalid" } });
  await w.platform("POST", "complete", { request_id: rid2 });
  await waitState(w, "opp-2", "needs_attention");
  const dead = await waitFor("a dead lever.add_links command for opp-2",
    async () => (await w.admin("GET", "/outbox?status=dead")).items
      .filter((x) => x.opportunity_id === "opp-2" && x.kind === "lever.add_links"),
    (l) => l.length === 1);
  log(`opp-2 is in needs_attention with dead command ${dead[0].id}`);

  // A few stored prospects and an export, so the export page has something to show.
  for (const [i, name] of ["Ada Lovelace", "Alan Turing", "Edsger Dijkstra"].entries())
    await w.platform("POST", "prospect", { org: "acme", prospect: {
      id: "p-" + i, name, emails: [name.split(" ")[0].toLowerCase() + "@example.com"],
      phones: [], headline: "Engineer" } });
  const exp = await w.admin("POST", "/orgs/acme/exports", {});
  return { deadId: dead[0].id, exportId: exp.id };
}

// -- the browser ----------------------------------------------------------------------------
async function newPage(browser, width, problems) {
  const context = await browser.newContext({ viewport: { width, height: width > 500 ? 900 : 844 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error at ${width}px: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith(opt.adminOrigin) && !r.url().startsWith("data:"))
      problems.push(`request outside vouchd at ${width}px: ${r.url()}`);
  });
  page.on("console", (m) => {
    // Chromium logs every non-2xx fetch; the wrong-token sign-in is meant to get its 401.
    if (m.type() === "error" && !/Failed to load resource.*\b(401|404|409)\b/.test(m.text()))
      problems.push(`console error at ${width}px: ${m.text()}`);
  });
  return page;
}
async function signIn(page, w) {
  await page.goto(w.adminUrl + "/admin/");
  await page.locator("#token").fill(w.token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#nav").waitFor({ state: "visible" });
  await page.getByRole("cell", { name: "acme", exact: true }).waitFor();
}
async function shot(page, name) {
  const file = path.join(opt.out, name + ".png");
  await page.screenshot({ path: file, fullPage: true });
  log("screenshot", file);
}
async function noSideScroll(page, what) {
  const { sw, iw } = await page.evaluate(() => ({
    sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
  check(sw <= iw, `${what}: the page scrolls sideways (scrollWidth ${sw} > ${iw})`);
}
async function go(page, w, hash, readySelector) {
  await page.goto(w.adminUrl + "/admin/" + hash);
  await page.locator(readySelector).first().waitFor();
}

/// The System view's last hour: five inline SVG charts (no canvas, no library) drawn from
/// GET /system/history, with data once a sample covers the webhooks sent above (the first
/// sample comes 10 s after vouchd starts; the view polls every 2 s).
const CHARTS = ["chart-webhooks", "chart-latency", "chart-outbox", "chart-lever", "chart-breakers"];
async function checkCharts(page, w, width) {
  const hist = await waitFor("a history sample that counts accepted webhooks",
    () => w.admin("GET", "/system/history"),
    (j) => j.interval_s === 10 && j.samples.some((x) => x.webhooks.accepted > 0), 30000);
  check(hist.samples.length <= 360, "more than an hour of samples");
  for (const id of CHARTS) await page.locator(`#charts svg#${id}`).waitFor();
  // The page re-renders every 2 s and fetches the history at most every 5 s.
  const series = (id, name) => page.locator(`#${id} path[data-series="${name}"]`).getAttribute("data-max");
  await waitFor(`the webhook chart at ${width} px to draw accepted webhooks`,
    () => series("chart-webhooks", "accepted"), (v) => Number(v) > 0, 20000);
  await waitFor(`the latency chart at ${width} px to draw a p99`,
    () => series("chart-latency", "p99"), (v) => Number(v) > 0, 10000);
  // A line needs two samples: 20 s after vouchd started.
  await waitFor(`the webhook chart at ${width} px to draw a line`,
    () => page.locator('#chart-webhooks path[data-series="accepted"]').getAttribute("d"),
    (d) => /L/.test(d || ""), 30000);
  const drawn = await page.evaluate((ids) => ids.map((id) => {
    const svg = document.getElementById(id);
    const r = svg.getBoundingClientRect();
    return { id, tag: svg.namespaceURI + " " + svg.localName, width: r.width,
             samples: Number(svg.getAttribute("data-samples") || 0),
             lines: [...svg.querySelectorAll("path.line")].filter((p) => /L/.test(p.getAttribute("d"))).length,
             series: [...svg.querySelectorAll("path.line")].map((p) => p.dataset.series),
             states: [...svg.querySelectorAll("rect.st")].map((r) => r.dataset.target + "=" + r.dataset.state) };
  }), CHARTS);
  for (const c of drawn) {
    check(c.tag === "http://www.w3.org/2000/svg svg", `${c.id} is not an inline SVG: ${c.tag}`);
    check(c.width >= (width > 500 ? 300 : 280) && c.width <= width,
          `${c.id} is ${Math.round(c.width)} px wide at ${width} px`);
  }
  const by = Object.fromEntries(drawn.map((c) => [c.id, c]));
  check(by["chart-webhooks"].lines >= 1, "the webhook chart draws no line: " + JSON.stringify(by["chart-webhooks"]));
  check(by["chart-outbox"].series.includes("pending") && by["chart-outbox"].series.includes("dead"),
        "the outbox chart lacks pending or dead: " + JSON.stringify(by["chart-outbox"]));
  // Lever calls were made with acme's key: its line, named by fingerprint, and the budget.
  check(by["chart-lever"].series.some((n) => /^lever:/.test(n)) && by["chart-lever"].series.includes("budget per key"),
        "the Lever chart lacks a key or the budget: " + JSON.stringify(by["chart-lever"]));
  check(by["chart-breakers"].states.some((x) => x === "platform=closed") &&
        by["chart-breakers"].states.some((x) => /^lever:.*=closed$/.test(x)),
        "the breaker chart lacks platform or Lever lanes: " + JSON.stringify(by["chart-breakers"]));
  log(`charts at ${width} px:`, drawn.map((c) => `${c.id} ${Math.round(c.width)}px ${c.samples || c.states.length}`).join(", "));
}

async function browse(chromium, w, ids) {
  const problems = [];
  // launch() gives Chromium a fresh temporary user-data-dir of its own (removed on close);
  // Playwright refuses an explicit --user-data-dir outside launchPersistentContext.
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    // ---- 1280 px: the operator flow ----
    const page = await newPage(browser, 1280, problems);
    await page.goto(w.adminUrl + "/admin/");
    await page.locator("#token").waitFor();
    await shot(page, "signin-1280");
    // A wrong token is refused and keeps the sign-in form.
    await page.locator("#token").fill("wrong-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#signin-msg").filter({ hasText: "refused" }).waitFor();
    await signIn(page, w);
    // Each org's health at a glance: beta has no Lever connection; acme has a verdict.
    await page.locator('[data-health="not connected"]').first().waitFor();
    check(await page.locator("[data-health]").count() === 2, "a health badge per org");
    await shot(page, "orgs-1280");

    await page.getByRole("link", { name: "acme", exact: true }).click();
    await page.getByRole("heading", { name: "Webhook URLs" }).waitFor();
    // The org page says why it is (un)healthy and can ask Lever for missed changes now.
    await page.locator("#org-health").waitFor();
    await page.getByRole("button", { name: "Catch up now" }).click();
    await page.locator("#toast").filter({ hasText: "Catch-up pass queued" }).waitFor();
    const hook = await page.getByLabel("Candidate stage change").inputValue();
    check(hook === `${w.publicUrl}/webhooks/lever/acme/stage-change`, "stage-change URL shown: " + hook);
    await page.getByLabel("tags or posting id").fill("engineering,remote");
    await page.getByRole("button", { name: "Which template?" }).click();
    await page.locator("#match-result").filter({ hasText: "Engineering" }).waitFor();
    await page.getByLabel("match by").selectOption("posting");
    await page.getByLabel("tags or posting id").fill("post-sales");
    await page.getByRole("button", { name: "Which template?" }).click();
    await page.locator("#match-result").filter({ hasText: "posting post-sales" }).waitFor();
    await shot(page, "org-1280");

    await page.getByRole("button", { name: "Candidates" }).click();
    await page.locator("#candidates tbody tr").first().waitFor();
    await page.locator("#state-filter").selectOption("needs_attention");
    await waitFor("the state filter to list opp-2 only",
      () => page.locator("#candidates tbody").textContent(),
      (t) => t.includes("opp-2") && !t.includes("opp-1"), 10000);
    check(page.url().endsWith("#/orgs/acme/candidates?state=needs_attention"), "URL " + page.url());
    await page.locator("#state-filter").selectOption("");
    await page.locator("#candidates").filter({ hasText: "opp-1" }).waitFor();
    await page.locator("#search").fill("opp-1");
    await waitFor("search narrows the list to opp-1",
      () => page.locator("#candidates tbody tr").count(), (n) => n === 1, 5000);
    await shot(page, "candidates-1280");

    // The candidate that went through the flow: timeline, state.
    await page.locator("#candidates tbody tr").first().click();
    await page.locator("#timeline li").first().waitFor();
    const api1 = await candidate(w, "opp-1");
    const items = await page.locator("#timeline li").count();
    check(items === api1.history.length, `timeline shows ${items} entries, history has ${api1.history.length}`);
    const tl = await page.locator("#timeline").textContent();
    for (const e of api1.history)
      check(tl.includes(e.event), `timeline lacks event ${e.event}`);
    for (const s of ["resolving", "requesting", "awaiting_references", "report_ready", "awaiting_hire_decision"])
      check(tl.includes(s), `timeline lacks state ${s}`);
    check((await page.locator("#cand-state").textContent()) === "awaiting_hire_decision", "opp-1 state badge");
    await page.locator("#next").filter({ hasText: "Waiting for Lever's hired webhook" }).waitFor();
    await page.locator("#timers li").first().waitFor();
    await shot(page, "candidate-1280");

    // The stuck candidate says why, and lists its dead command with a Retry button.
    await page.goto(w.adminUrl + "/admin/#/orgs/acme/candidates/opp-2");
    await page.locator("#reason").filter({ hasText: "dead_letter" }).or(
      page.locator("#reason").filter({ hasText: "lever_error" })).first().waitFor();
    await page.locator(`tr[data-command="${ids.deadId}"]`).getByRole("button", { name: "Retry" })
      .waitFor();
    // Its last error opens onto its tries: Lever's 400, permanent, with Lever's message.
    const tries = page.locator(`details[data-attempts="${ids.deadId}"]`);
    await tries.locator("summary").click();
    await tries.locator("li").first().waitFor();
    const tryText = await tries.locator("li").first().textContent();
    check(tryText.includes("HTTP 400") && tryText.includes("permanent"),
          `the attempt list shows Lever's 400 as permanent: ${tryText}`);
    await shot(page, "candidate-dead-1280");

    // Dead letters: the dead command, then Retry once Lever is fixed.
    await page.getByRole("link", { name: /Dead letters/ }).click();
    const row = page.locator(`#outbox tr[data-command="${ids.deadId}"]`);
    await row.waitFor();
    check((await row.textContent()).includes("lever.add_links"), "the dead row names lever.add_links");
    await waitFor("the nav to count 1 dead letter", () => page.locator("#dead-count").textContent(),
                  (t) => t === "1", 5000);
    await shot(page, "deadletters-1280");
    await w.lever("DELETE", "faults");
    // Filter by org and kind, then "Retry all shown" (one bulk call for what the filter shows).
    await page.locator("#filter-org").selectOption("acme");
    await waitFor("the org filter to reach the address", () => page.evaluate(() => location.hash),
                  (h) => h.includes("org=acme"), 5000);
    await page.locator("#filter-kind").selectOption("lever.add_links");
    await waitFor("the kind filter to reach the address", () => page.evaluate(() => location.hash),
                  (h) => h.includes("kind=lever.add_links"), 5000);
    await row.waitFor();
    const retryShown = page.locator("#retry-shown");
    check((await retryShown.textContent()).includes("(1)"), "Retry all shown counts the one shown");
    page.once("dialog", (d) => d.accept());
    await retryShown.click();
    await row.waitFor({ state: "detached", timeout: 10000 });
    await page.getByText("No dead letters.").waitFor();
    log("the dead command left the dead list");
    await page.goto(w.adminUrl + "/admin/#/orgs/acme/candidates/opp-2");
    await page.locator("#cand-state").filter({ hasText: "awaiting_hire_decision" })
      .waitFor({ timeout: 20000 });  // the candidate page refreshes itself every 3 s
    await page.locator("#timeline").filter({ hasText: "needs_attention" }).waitFor();
    check((await candidate(w, "opp-2")).reason === null, "opp-2 still has a reason");
    log("opp-2 reached awaiting_hire_decision after the retry");
    await shot(page, "candidate-retried-1280");

    await waitFor(`export ${ids.exportId} to end`,
      async () => (await w.admin("GET", "/exports/" + ids.exportId)).state, (s) => s !== "running");
    await page.goto(w.adminUrl + "/admin/#/exports/" + ids.exportId);
    await page.locator("#export-progress").waitFor();
    await page.locator("#export-state").filter({ hasText: "done" }).waitFor();
    await shot(page, "export-1280");

    await page.getByRole("link", { name: "System" }).click();
    await page.locator("#system").waitFor();
    const first = await page.locator("#sys-updated").textContent();
    await waitFor("the system view to refresh itself",
      () => page.locator("#sys-updated").textContent(), (t) => t !== first, 6000);
    await page.getByRole("heading", { name: "Worker pools" }).waitFor();
    // Every target called so far has a breaker row; all closed now that Lever answers.
    await page.locator("#breakers tr[data-breaker^='lever:']").first().waitFor();
    await page.locator("#breakers tr[data-breaker='platform']").waitFor();
    check(!(await page.locator("#breakers").textContent()).includes("open"), "a breaker shows open");
    await checkCharts(page, w, 1280);
    await shot(page, "system-1280");

    // ---- 390 px: every main page, no sideways page scroll ----
    const phone = await newPage(browser, 390, problems);
    await signIn(phone, w);
    const pages = [
      ["orgs", "#/orgs", "#view table"],
      ["org", "#/orgs/acme", ".copy input"],
      ["candidates", "#/orgs/acme/candidates", "#candidates tbody tr"],
      ["candidate", "#/orgs/acme/candidates/opp-2", "#timeline li"],
      ["deadletters", "#/outbox?status=dead", "#outbox"],
      ["export", "#/exports/" + ids.exportId, "#export-progress"],
      ["system", "#/system", "#system"],
    ];
    for (const [name, hash, sel] of pages) {
      await go(phone, w, hash, sel);
      if (name === "system") await checkCharts(phone, w, 390);
      await noSideScroll(phone, name + " at 390 px");
      await shot(phone, name + "-390");
    }
    await noSideScroll(page, "system at 1280 px");
  } finally {
    await browser.close();
  }
  check(problems.length === 0, "browser problems:\n  " + problems.join("\n  "));
}

// -- main -----------------------------------------------------------------------------------
async function main() {
  ensureChromium();
  const chromium = await loadPlaywright();
  fs.mkdirSync(opt.out, { recursive: true });
  for (const f of fs.readdirSync(opt.out)) if (f.endsWith(".png")) fs.rmSync(path.join(opt.out, f));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vouch-browser-"));
  log("work dir", dir);
  let w;
  try {
    w = await startWorld(dir);
    const org = await setupOrg(w);
    const ids = await driveCandidates(w, org);
    await browse(chromium, w, ids);
    log(`PASS; screenshots in ${opt.out}`);
    cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    console.error("[browser] FAIL:", e instanceof TestFailure ? e.message : e.stack || e);
    if (w) console.error("[browser] vouchd log tail:\n" + tail(w.vlog));
    console.error("[browser] kept", dir);
    cleanup();
    process.exit(1);
  }
}
await main();

#!/usr/bin/env python3
"""Drives the vouch benchmarks (docs/BENCHMARKS.md) and prints one table of ratios.

Called by tools/bench/run, which builds the binaries first. Each part starts what it needs
(vouchd, nginx, lever-sim) on free loopback ports under one work directory and stops it.
"""
import argparse
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROWS = []  # (part, figure, value, unit, ceiling, ratio, target, met)
NOTES = []


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def row(part, figure, value, unit, ceiling=None, target=None, met=None, ratio=None):
    if (ratio is None and isinstance(value, (int, float)) and isinstance(ceiling, (int, float))
            and ceiling != 0):
        ratio = value / ceiling
    ROWS.append(dict(part=part, figure=figure, value=value, unit=unit, ceiling=ceiling,
                     ratio=ratio, target=target, met=met))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, token=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def cpu_ticks(pid):
    """utime + stime of a process (all threads) and its child processes (nginx workers),
    in seconds."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Vouchd:
    """One vouchd on free loopback ports with a generated config and data directory."""

    def __init__(self, build, workdir, lever_url="http://127.0.0.1:9", extra=None, env=None,
                 same_keys_as=None):
        self.binary = build / "engine" / "vouchd"
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.public_port, self.admin_port = free_port(), free_port()
        self.data = self.workdir / "data"
        # same_keys_as: a restart of another Vouchd's store (its sealed secrets need its key).
        self.token = same_keys_as.token if same_keys_as else "adm-" + secrets.token_hex(16)
        self.master_key = (same_keys_as.master_key if same_keys_as
                           else secrets.token_hex(32))
        self.log_path = self.workdir / "vouchd.log"
        cfg = {
            "server": {"listen": f"127.0.0.1:{self.public_port}",
                       "admin_listen": f"127.0.0.1:{self.admin_port}",
                       "public_url": f"http://127.0.0.1:{self.public_port}", "drain_s": 5},
            "storage": {"path": str(self.data), "map_size": "16GiB"},
            "security": {"admin_token": self.token, "master_key": self.master_key},
            "lever": {"base_url": lever_url, "rate_per_s": 10, "burst": 20, "timeout": "5s"},
            # Outgoing platform calls have nowhere to go in the bench: retry them rarely.
            "platform": {"base_url": "http://127.0.0.1:9", "secret": "whsec_" + "YmVuY2g=",
                         "retry_base": "5m"},
            "mail": {"transport": "maildir", "dir": str(self.workdir / "mail")},
        }
        for section, kv in (extra or {}).items():
            cfg.setdefault(section, {}).update(kv)
        lines = []
        for section, kv in cfg.items():
            lines.append(f"[{section}]")
            for k, v in kv.items():
                lines.append(f"{k} = {json.dumps(v)}")
        self.config = self.workdir / "vouch.toml"
        self.config.write_text("\n".join(lines) + "\n")
        self.proc = None
        self.env = env or {}

    @property
    def url(self):
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def admin(self):
        return f"http://127.0.0.1:{self.admin_port}"

    def spawn(self):
        logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(self.binary), "--config", str(self.config)],
                                     stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                     cwd=str(self.workdir),
                                     env={**{k: v for k, v in os.environ.items()
                                             if not k.startswith("VOUCH_")}, **self.env})
        logf.close()

    def wait_ready(self, path="/readyz", timeout=60, poll=0.005):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vouchd exited {self.proc.returncode}; see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.public_port), timeout=1) as s:
                    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                              .encode())
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        return time.monotonic()
            except OSError:
                pass
            time.sleep(poll)
        raise RuntimeError(f"vouchd not ready within {timeout}s; see {self.log_path}")

    def start(self):
        self.spawn()
        self.wait_ready()
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def put(self, path, body):
        st, text = http("PUT", self.admin + path, body, self.token)
        if st not in (200, 201):
            raise RuntimeError(f"PUT {path}: {st} {text}")

    def connect_org(self, org, stage_token, api_key="bench-key", base_url=None):
        self.put(f"/admin/v1/orgs/{org}", {"name": org})
        self.put(f"/admin/v1/orgs/{org}/lever", {
            "api_key": api_key, "stage_change_signature_token": stage_token,
            "hired_signature_token": stage_token + "-h", "trigger_stage_ids": ["stage-refcheck"],
            "perform_as": "user-recruiter", "hired_archive_reason_id": "ar-hired",
            "base_url": base_url})

    def metrics(self):
        st, text = http("GET", self.admin + "/metrics")
        return text if st == 200 else ""


def metric_sum(text, name, label=None):
    """Sum of a metric's samples; with `label` (e.g. 'outcome="ok"') only the samples that
    carry it. None when there is no such sample."""
    total, found = 0.0, False
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if label and label not in line.split("}", 1)[0]:
                continue
            total += float(line.rsplit(" ", 1)[1])
            found = True
    return total if found else None


# -- ingest ----------------------------------------------------------------------------------

NGINX_CONF = """
worker_processes 2;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port} reuseport;
    location / {{ default_type application/json; return 200 '{{"accepted":true}}'; }}
  }}
}}
"""


def find_nginx():
    for p in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if p and os.access(p, os.X_OK):
            return p
    return None


def loadgen(build, port, orgs, conns, duration, warmup, rate=None, pid=None, opps=100000):
    cmd = [str(build / "tools" / "bench" / "bench_loadgen"), "--port", str(port),
           "--connections", str(conns), "--threads", "2", "--duration", str(duration),
           "--warmup", str(warmup), "--opps", str(opps)]
    for org, tok in orgs:
        cmd += ["--org", f"{org}:{tok}"]
    if rate:
        cmd += ["--rate", f"{rate:.0f}"]
    cpu0 = cpu_ticks(pid) if pid else 0
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"bench_loadgen failed ({proc.returncode}): {proc.stderr.strip()}")
    out = proc.stdout
    res = json.loads(out)
    if pid:
        res["server_cpu_pct"] = 100 * (cpu_ticks(pid) - cpu0) / wall
    res["loadgen_cpu_pct"] = 100 * res["loadgen_cpu_s"] / wall
    log(f"  {'rate %.0f' % rate if rate else 'saturation'} c={conns}: {res['rps']:.0f} req/s "
        f"p50 {res['p50_us']:.0f} p99 {res['p99_us']:.0f} p99.9 {res['p999_us']:.0f} us, "
        f"non2xx {res['non2xx']}, errors {res['errors']}, server cpu "
        f"{res.get('server_cpu_pct', 0):.0f}%, loadgen cpu {res['loadgen_cpu_pct']:.0f}%")
    return res


def part_ingest(a, build, work):
    dur, warm = (1.5, 0.5) if a.smoke else (a.duration, 2)
    conn_list = [64] if a.smoke else [64, 256]
    orgs = [(f"bench-org-{i}", "sig-" + secrets.token_hex(12)) for i in range(4)]
    nginx = find_nginx()
    ngx_proc = None
    if nginx:
        ndir = work / "nginx"
        ndir.mkdir(parents=True, exist_ok=True)
        nport = free_port()
        (ndir / "nginx.conf").write_text(NGINX_CONF.format(dir=ndir, port=nport))
        ngx_proc = subprocess.Popen([nginx, "-c", str(ndir / "nginx.conf"), "-p", str(ndir)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
    else:
        NOTES.append("nginx is not installed: the ingest ceiling was skipped "
                     "(tools/bench/run without --smoke installs it).")
        log("nginx not installed: skipping the ceiling")
    d = Vouchd(build, work / "vouchd-ingest")
    d.start()
    # The same engine with the other write path ([storage] write_path = "lmdb": each group
    # commit synced into LMDB before its answers, no journal), on the same disk in the same
    # run: the before/after of the journal. Not in smoke runs.
    direct = None
    if not a.smoke:
        direct = Vouchd(build, work / "vouchd-ingest-lmdb",
                        extra={"storage": {"write_path": "lmdb"}})
        direct.start()
    try:
        for org, tok in orgs:
            d.connect_org(org, tok)
            if direct:
                direct.connect_org(org, tok)
        for c in conn_list:
            ceiling = None
            if ngx_proc:
                log(f"nginx static 200, {c} connections")
                ceiling = loadgen(build, nport, orgs, c, dur, warm, pid=ngx_proc.pid)
                row("ingest", f"nginx static 200, c={c} (ceiling)", ceiling["rps"], "req/s")
            log(f"vouchd signed webhooks, {c} connections, saturation")
            sat = loadgen(build, d.public_port, orgs, c, dur, warm, pid=d.proc.pid)
            bad = sat["non2xx"] + sat["errors"]
            if bad:
                NOTES.append(f"ingest c={c}: {bad} answers were not 2xx at saturation")
            met = None
            if ceiling:
                met = sat["rps"] / ceiling["rps"] >= 0.5
            row("ingest", f"webhooks accepted, c={c}, saturation", sat["rps"], "req/s",
                ceiling["rps"] if ceiling else None, "≥ 0.5 × nginx", met)
            row("ingest", f"  latency at saturation, c={c}: p50 / p99 / p99.9",
                f"{sat['p50_us']/1000:.2f} / {sat['p99_us']/1000:.2f} / "
                f"{sat['p999_us']/1000:.2f}", "ms",
                f"{ceiling['p50_us']/1000:.2f} / {ceiling['p99_us']/1000:.2f} / "
                f"{ceiling['p999_us']/1000:.2f}" if ceiling else None)
            lag = metric_sum(d.metrics(), "vouch_journal_lag_sets")
            if lag is not None:
                row("ingest", f"  journal: sets LMDB had still to apply after the run, c={c}",
                    lag, "sets")
            half_rate = sat["rps"] / 2
            log(f"vouchd signed webhooks, {c} connections, half load {half_rate:.0f} req/s")
            half = loadgen(build, d.public_port, orgs, c, dur, warm, rate=half_rate,
                           pid=d.proc.pid)
            row("ingest", f"  half load ({half_rate:.0f} req/s), c={c}: p50 / p99 / p99.9",
                f"{half['p50_us']/1000:.2f} / {half['p99_us']/1000:.2f} / "
                f"{half['p999_us']/1000:.2f}", "ms", None, "p99 ≤ 5 ms",
                half["p99_us"] <= 5000)
            row("ingest", f"  half load achieved, c={c}", half["rps"], "req/s", half_rate)
            if direct:
                log(f"vouchd with write_path = lmdb, {c} connections, saturation")
                alt = loadgen(build, direct.public_port, orgs, c, dur, warm,
                              pid=direct.proc.pid)
                row("ingest", f"  before the journal (write_path = lmdb), c={c}, saturation",
                    alt["rps"], "req/s", ceiling["rps"] if ceiling else None)
                row("ingest", f"  before the journal, c={c}: p50 / p99 at saturation",
                    f"{alt['p50_us']/1000:.2f} / {alt['p99_us']/1000:.2f}", "ms")
                ahalf = loadgen(build, direct.public_port, orgs, c, dur, warm,
                                rate=alt["rps"] / 2, pid=direct.proc.pid)
                row("ingest", f"  before the journal, half load ({alt['rps'] / 2:.0f} req/s), "
                    f"c={c}: p50 / p99", f"{ahalf['p50_us']/1000:.2f} / "
                    f"{ahalf['p99_us']/1000:.2f}", "ms")
            for name, r in (("nginx", ceiling), ("vouchd", sat), ("vouchd half", half)):
                if r:
                    NOTES.append(f"ingest c={c} {name}: server CPU {r.get('server_cpu_pct', 0):.0f}%"
                                 f", loadgen CPU {r['loadgen_cpu_pct']:.0f}% (of one core)")
        m = d.metrics()
        (work / "ingest-metrics.txt").write_text(m)
        commits = metric_sum(m, "vouch_lmdb_commit_batch_size_count")
        items = metric_sum(m, "vouch_lmdb_commit_batch_size_sum")
        if commits:
            NOTES.append(f"ingest: {commits:.0f} group commits (journal appends, one fdatasync "
                         f"each), {items / commits:.1f} write sets per commit on average over "
                         f"all ingest runs")
    finally:
        d.stop()
        if direct:
            direct.stop()
        if ngx_proc:
            ngx_proc.terminate()
            ngx_proc.wait()


# -- actors and storage ----------------------------------------------------------------------

def actors_bin(build):
    return str(build / "tools" / "bench" / "bench_actors")


def run_json(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:2])} failed ({proc.returncode}): "
                           f"{proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def part_actors(a, build, work):
    n = 20000 if a.smoke else a.candidates
    store = work / "actors-store"
    shutil.rmtree(store, ignore_errors=True)
    log(f"filling {n} candidates")
    fill = run_json([actors_bin(build), "fill", "--dir", str(store), "--candidates", str(n)])
    log(f"  {fill}")
    raw = work / "lmdb-raw"
    shutil.rmtree(raw, ignore_errors=True)
    lm = run_json([actors_bin(build), "lmdb", "--dir", str(raw),
                   "--seconds-ms", "500" if a.smoke else "3000"])
    log(f"  raw LMDB: {lm}")
    args = [actors_bin(build), "run", "--dir", str(store), "--candidates", str(n)]
    if a.smoke:
        args += ["--passivate-ms", "400", "--cold", "2000", "--warm", "2000",
                 "--commit-ms", "500"]
    log("actor_host measurements")
    r = run_json(args)
    log(f"  {json.dumps(r)[:600]}")
    cold, warm = r["cold"], r["warm"]
    cold_e, warm_e = r["cold_engine"], r["warm_engine"]
    direct = r["direct_load_apply"]
    # Engine side: from the router taking the input to the first message handled (load
    # from LMDB, spawn, handle), all on the CAF worker. The round trip adds the caller's
    # wake-up of that worker, which a warm message pays just the same.
    row("actors", "cold activation median, engine side (router → LMDB load, spawn, first "
        "message handled)", cold_e["p50_us"], "µs", direct["p50_us"], "≤ 20 µs",
        cold_e["p50_us"] <= 20)
    row("actors", "  cold activation p99, engine side", cold_e["p99_us"], "µs", direct["p99_us"])
    row("actors", "  cold activation round trip from deliver(): median / p99",
        f'{cold["p50_us"]:.2f} / {cold["p99_us"]:.2f}', "µs")
    row("actors", "  cold activations/s, 64 in flight (touch all)", r["touch_per_s"], "1/s")
    row("actors", "warm message median, engine side / round trip",
        f'{warm_e["p50_us"]:.2f} / {warm["p50_us"]:.2f}', "µs")
    row("actors", "  warm message p99, engine side / round trip",
        f'{warm_e["p99_us"]:.2f} / {warm["p99_us"]:.2f}', "µs")
    row("actors", "  warm messages/s, 64 in flight", r["warm_pipelined_per_s"], "1/s")
    peak = max(r["rss_touched"]["hwm_mib"], r["rss_passivated"]["rss_mib"])
    row("actors", f"RSS peak, {n} candidates touched once (passivation on)", peak, "MiB",
        None, "≤ 1024 MiB", peak <= 1024)
    row("actors", "  RSS after passivation (anon / file-backed LMDB pages)",
        f"{r['rss_passivated']['rss_mib']:.0f} ({r['rss_passivated']['anon_mib']:.0f} / "
        f"{r['rss_passivated']['file_mib']:.0f})", "MiB")
    row("actors", "  heap in use after passivation (malloc; rest of anon RSS is freed, "
        "kept by malloc)", r["heap_in_use_mib"], "MiB")
    row("actors", "store group commit: transitions committed/s (256 in flight)",
        r["commit_transitions_per_s"], "1/s", lm["single_put_txn_per_s"])
    row("actors", "  LMDB durable single-put transactions/s (same disk)",
        lm["single_put_txn_per_s"], "1/s")
    row("actors", "  LMDB, 16 write sets/txn, 3 random-key puts each (vouch's layout)",
        lm["batch16_random3_sets_per_s"], "sets/s", None)
    row("actors", "  LMDB, 16 write sets/txn, 1 random + 2 appended keys (spike's layout)",
        lm["batch16_random1_sets_per_s"], "sets/s", None)
    for key, what in (("single_put_commit", "single put"),
                      ("batch16_random3_commit", "16 sets, vouch's layout")):
        q = lm[key]
        row("actors", f"  LMDB durable commit latency, {what}: p50 / p99 / p99.9",
            f'{q["p50_us"] / 1000:.2f} / {q["p99_us"] / 1000:.2f} / {q["p999_us"] / 1000:.2f}',
            "ms")
    NOTES.append(f"LMDB layout: {lm['batch16_random3_ms_per_commit']:.2f} ms per 16-set "
                 f"commit with 3 random keys per set vs "
                 f"{lm['batch16_random1_ms_per_commit']:.2f} ms with 1 random + 2 appended")
    NOTES.append(f"actors: filled {n} candidates in {fill['fill_s']:.1f}s "
                 f"({fill['puts_per_s']:.0f} puts/s, 10k per transaction); "
                 f"direct load median {r['direct_load']['p50_us']:.1f} µs; "
                 f"engine right after the touch: {json.dumps(r['system_touched'])}; after "
                 f"passivation: {json.dumps(r['system'])}")
    NOTES.append("actors RSS: start {start}, before touch {before}, touched {touched}, "
                 "after passivation {after} (MiB rss/hwm/anon/file)".format(
                     **{k: "{rss_mib:.0f}/{hwm_mib:.0f}/{anon_mib:.0f}/{file_mib:.0f}".format(
                         **r[f"rss_{v}"]) for k, v in (("start", "start"),
                                                        ("before", "before_touch"),
                                                        ("touched", "touched"),
                                                        ("after", "passivated"))}))


# -- lever rate ------------------------------------------------------------------------------

def start_lever_sim(build, keys, work):
    port = free_port()
    cmd = [str(build / "tools" / "lever-sim" / "lever-sim"), "--listen", f"127.0.0.1:{port}",
           "--rate", "10", "--burst", "20"]
    for k in keys:
        cmd += ["--key", k]
    logf = open(work / "lever-sim.log", "ab")
    proc = subprocess.Popen(cmd, stdout=logf, stderr=logf)
    logf.close()
    base = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            if http("GET", base + "/_sim/calls", timeout=1)[0] == 200:
                return proc, base
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError("lever-sim did not start")


def lever_run(a, build, work, name, keys, notes_per_key, window_s):
    sim, base = start_lever_sim(build, keys, work)
    d = Vouchd(build, work / f"vouchd-lever-{name}", lever_url=base + "/v1")
    try:
        opps = max(1, min(200, notes_per_key // 10))
        for i in range(opps):
            http("POST", base + "/_sim/opportunities",
                 {"id": f"opp-bench-{i}", "name": f"Bench {i}", "email": f"b{i}@example.com",
                  "posting": "post-eng", "owner": "user-owner-1", "stage": "stage-phone"})
        d.start()
        for i, k in enumerate(keys):
            d.connect_org(f"lever-org-{i}", "sig-x", api_key=k, base_url=base + "/v1")
        d.stop()
        for i, _ in enumerate(keys):
            run_json([actors_bin(build), "notes", "--dir", str(d.data), "--org", f"lever-org-{i}",
                      "--opps", str(opps), "--count", str(notes_per_key)])
        http("DELETE", base + "/_sim/calls")
        d.spawn()
        d.wait_ready()
        time.sleep(window_s)
        st, text = http("GET", base + "/_sim/calls")
        calls = json.loads(text)["calls"]
        (work / f"lever-calls-{name}.json").write_text(text)
    finally:
        d.stop()
        sim.terminate()
        sim.wait()
    out = {}
    skip = 3.0  # leave out the opening burst (20 tokens) from the sustained rate
    for k in keys:
        mine = [c for c in calls if c.get("key") == k]
        limited = sum(1 for c in mine if c.get("ratelimited") or c.get("status") == 429)
        ts = sorted(c["t"] / 1000.0 for c in mine)
        if len(ts) < 2:
            out[k] = dict(calls=len(ts), rps=0.0, limited=limited)
            continue
        t0 = ts[0] + skip
        steady = [t for t in ts if t >= t0]
        span = (ts[-1] - t0) if steady else 0
        rps = (len(steady) - 1) / span if span > 0 and len(steady) > 1 else 0.0
        out[k] = dict(calls=len(ts), rps=rps, limited=limited, span=ts[-1] - ts[0])
        log(f"  key {k}: {len(ts)} calls in {ts[-1] - ts[0]:.1f}s, sustained {rps:.2f} rps, "
            f"429s {limited}")
    return out


def part_lever(a, build, work):
    one_s, two_s, notes = (5, 4, 60) if a.smoke else (30, 20, 2000)
    log(f"one key, {notes} notes queued, {one_s}s")
    r1 = lever_run(a, build, work, "one", ["bench-key-a"], notes, one_s)["bench-key-a"]
    row("lever", "Lever calls/s sustained, one key (after the 20-call burst)", r1["rps"], "1/s",
        10.0, "≥ 9.5", r1["rps"] >= 9.5)
    row("lever", "  429s from lever-sim, one key", r1["limited"], "", None, "0",
        r1["limited"] == 0)
    log(f"two keys, {notes // 2} notes each, {two_s}s")
    r2 = lever_run(a, build, work, "two", ["bench-key-a", "bench-key-b"], notes // 2, two_s)
    for k, v in r2.items():
        row("lever", f"Lever calls/s sustained, two keys: {k}", v["rps"], "1/s", 10.0, "≥ 9.5",
            v["rps"] >= 9.5)
    lim = sum(v["limited"] for v in r2.values())
    row("lever", "  429s from lever-sim, two keys", lim, "", None, "0", lim == 0)
    NOTES.append("lever: a queued note is 2 Lever calls (GET notes to find the marker, then "
                 "POST the note); the rate counts calls as lever-sim logged them "
                 f"(one key: {r1['calls']} calls in {r1.get('span', 0):.1f}s)")


# -- restart ---------------------------------------------------------------------------------

def part_restart(a, build, work):
    n, timers = (20000, 2000) if a.smoke else (a.candidates, 100000)
    d = Vouchd(build, work / "vouchd-restart")
    shutil.rmtree(d.data, ignore_errors=True)
    log(f"filling {n} candidates, {timers} timers (10% overdue)")
    fill = run_json([actors_bin(build), "fill", "--dir", str(d.data), "--candidates", str(n),
                     "--timers", str(timers), "--overdue-pct", "10"])
    overdue = fill["overdue"]
    # Drop the page cache's advantage as far as we can without root tricks: nothing here;
    # the store was just written, so its pages are warm (as after a quick restart).
    fire_budget = 60
    t0 = time.monotonic()
    d.spawn()
    try:
        t_ready = d.wait_ready(poll=0.002) - t0
        log(f"  /readyz 200 after {t_ready:.3f}s")
        t_loaded = t_fired = None
        deadline = time.monotonic() + fire_budget
        while time.monotonic() < deadline:
            m = d.metrics()
            now = time.monotonic() - t0
            pending = metric_sum(m, "vouch_timers_pending")
            fired = metric_sum(m, "vouch_timers_fired_total") or 0
            if t_loaded is None and pending is not None and pending + fired >= timers:
                t_loaded = now
            if fired >= overdue:
                t_fired = now
                break
            time.sleep(0.02)
        log(f"  timers loaded {t_loaded}, overdue fired {t_fired}")
        # Every overdue timer's transition committed: its row left the timers table.
        t_done = None
        deadline = time.monotonic() + fire_budget
        while time.monotonic() < deadline:
            left = run_json([actors_bin(build), "count", "--dir", str(d.data), "--table",
                             "timers", "--due-before", str(int(time.time() * 1000) - 500)])
            if left["due_before"] == 0:
                t_done = time.monotonic() - t0
                break
            time.sleep(0.1)
        log(f"  overdue timers all committed after {t_done}")
    finally:
        d.stop()
    row("restart", f"start to /readyz 200 ({n} candidates, {timers} timers)", t_ready, "s",
        None, "≤ 2 s", t_ready <= 2)
    row("restart", f"  timers loaded (vouch_timers_pending = {timers})", t_loaded, "s")
    row("restart", f"start to all {overdue} overdue timers fired", t_fired, "s", None,
        "≤ 10 s", t_fired is not None and t_fired <= 10)
    row("restart", "  ... and their transitions committed (rows gone from LMDB)", t_done, "s")


# -- profile: where an ingest request's CPU goes ------------------------------------------------

def perf_shares(perf_data, sort):
    """[(share %, name)] from `perf report --sort <sort>` (self time, no children)."""
    out = subprocess.run(["perf", "report", "-i", str(perf_data), "--stdio", "--no-children",
                          "--sort", sort, "--percent-limit", "0.5"],
                         capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(.+?)\s*$", line)
        if m:
            rows.append((float(m.group(1)), m.group(2)))
    return rows


def part_profile(a, build, work):
    """perf over vouchd at ingest saturation (c=256): the share of its CPU per library and
    the top functions, so the limit of the write path is measured rather than guessed."""
    if not shutil.which("perf"):
        NOTES.append("profile: perf is not installed; skipped")
        return
    orgs = [(f"bench-org-{i}", "sig-" + secrets.token_hex(12)) for i in range(4)]
    d = Vouchd(build, work / "vouchd-profile")
    d.start()
    perf_data = work / "ingest-perf.data"
    try:
        for org, tok in orgs:
            d.connect_org(org, tok)
        dur = 3 if a.smoke else 8
        rec = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-o", str(perf_data),
                                "-p", str(d.proc.pid), "--", "sleep", str(dur)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sat = loadgen(build, d.public_port, orgs, 64 if a.smoke else 256, dur + 1, 0.5,
                      pid=d.proc.pid)
        rec.wait()
    finally:
        d.stop()
    row("profile", "webhooks accepted while profiling (perf at 499 Hz)", sat["rps"], "req/s")
    row("profile", "  vouchd CPU while profiling (of 200 %)", sat.get("server_cpu_pct", 0), "%")
    by_dso = perf_shares(perf_data, "dso")
    for share, name in by_dso[:8]:
        row("profile", f"  vouchd CPU in {name}", share, "%")
    top = perf_shares(perf_data, "dso,sym")
    (work / "ingest-profile.txt").write_text(
        "\n".join(f"{sh:6.2f}%  {nm}" for sh, nm in top) + "\n")
    NOTES.append("profile: top functions (self): " +
                 "; ".join(f"{nm} {sh:.1f}%" for sh, nm in top[:12]))


# -- scale: 10 million candidates ------------------------------------------------------------

def dir_bytes(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def part_scale(a, build, work):
    """DESIGN's storage figure: 10M candidates with 1M pending timers. Start to ready,
    cold activation and RSS after touching 1M of them, ingest at saturation with the store
    at that size, and what a full map does."""
    n = 40000 if a.smoke else a.scale_candidates
    timers, touch = n // 10, (4000 if a.smoke else 1000000)
    map_gib = 1 if a.smoke else 48
    d = Vouchd(build, work / "vouchd-scale", extra={"storage": {"map_size": f"{map_gib}GiB"}})
    shutil.rmtree(d.data, ignore_errors=True)
    log(f"filling {n} candidates, {timers} timers (none overdue)")
    fill = run_json([actors_bin(build), "fill", "--dir", str(d.data), "--candidates", str(n),
                     "--timers", str(timers), "--overdue-pct", "0", "--map-gib", str(map_gib)])
    size = dir_bytes(d.data)
    row("scale", f"fill: {n} candidates, {timers} timers", fill["fill_s"], "s")
    row("scale", "  store size on disk (data.mdb)", size / 2**30, "GiB")
    # 1. vouchd on it: start to ready, then ingest at saturation.
    t0 = time.monotonic()
    d.spawn()
    try:
        t_ready = d.wait_ready(poll=0.002) - t0
        row("scale", f"start to /readyz 200 ({n} candidates, {timers} timers)", t_ready, "s",
            None, "≤ 2 s", t_ready <= 2)
        # Before the first /metrics: its census reads the by_change index (10M entries).
        row("scale", "  vouchd RSS at ready (anon / file-backed)", proc_rss_split(d.proc.pid),
            "MiB")
        m = d.metrics()
        row("scale", "  pending timers (vouch_timers_pending)",
            metric_sum(m, "vouch_timers_pending") or 0, "")
        row("scale", "  vouchd RSS after the first /metrics (its census reads the index)",
            proc_rss_split(d.proc.pid), "MiB")
        orgs = [(f"scale-org-{i}", "sig-" + secrets.token_hex(12)) for i in range(4)]
        for org, tok in orgs:
            d.connect_org(org, tok)
        c, dur, warm = (64, 1.5, 0.5) if a.smoke else (256, a.duration, 2)
        log(f"ingest at saturation, c={c}, store at {n} candidates")
        sat = loadgen(build, d.public_port, orgs, c, dur, warm, pid=d.proc.pid)
        row("scale", f"webhooks accepted at saturation, c={c}, {n} candidates stored",
            sat["rps"], "req/s")
        row("scale", f"  latency at saturation: p50 / p99",
            f"{sat['p50_us']/1000:.2f} / {sat['p99_us']/1000:.2f}", "ms")
    finally:
        d.stop()
    # 2. The real actor host in-process on the same store: cold activation, RSS after
    #    touching `touch` candidates (another process, so RSS is only what the engine took).
    args = [actors_bin(build), "run", "--dir", str(d.data), "--candidates", str(n),
            "--touch", str(touch), "--map-gib", str(map_gib)]
    if a.smoke:
        args += ["--passivate-ms", "400", "--cold", "2000", "--warm", "2000", "--commit-ms", "500"]
    log(f"actor_host on the {n}-candidate store, touching {touch}")
    r = run_json(args)
    row("scale", f"cold activation median, engine side ({n} stored)", r["cold_engine"]["p50_us"],
        "µs", r["direct_load_apply"]["p50_us"], "≤ 20 µs", r["cold_engine"]["p50_us"] <= 20)
    peak = max(r["rss_touched"]["hwm_mib"], r["rss_passivated"]["rss_mib"])
    row("scale", f"RSS peak, {touch} of {n} candidates touched once", peak, "MiB", None,
        "≤ 1024 MiB", peak <= 1024)
    row("scale", "  RSS after passivation (anon / file-backed LMDB pages)",
        f"{r['rss_passivated']['rss_mib']:.0f} ({r['rss_passivated']['anon_mib']:.0f} / "
        f"{r['rss_passivated']['file_mib']:.0f})", "MiB")
    shutil.rmtree(d.data, ignore_errors=True)
    # 3. A full map: a small store filled by webhooks until LMDB refuses, then a restart
    #    with a larger map_size.
    full = Vouchd(build, work / "vouchd-full", extra={"storage": {"map_size": "2MiB"}})
    full.start()
    try:
        orgs = [("full-org", "sig-" + secrets.token_hex(12))]
        full.connect_org(*orgs[0])
        # Distinct opportunities (no collisions), 1 s at a time until LMDB refuses (≤ 20 s).
        refused = 0
        for _ in range(20):
            res = loadgen(build, full.public_port, orgs, 16, 1, 0, pid=full.proc.pid,
                          opps=10**9)
            refused += res["non2xx"]
            if res["non2xx"]:
                break
        m = full.metrics()
        accepted = metric_sum(m, "vouch_org_webhooks_total", 'outcome="accepted"') or 0
        used, mapped = metric_sum(m, "vouch_lmdb_used_bytes"), metric_sum(m, "vouch_lmdb_map_size_bytes")
        full_lines = [ln for ln in Path(full.log_path).read_text(errors="replace").splitlines()
                      if "store_full" in ln]
    finally:
        full.stop()
    row("scale", "full map (2 MiB): webhooks accepted before it filled / refused after",
        f"{accepted:.0f} / {refused}", "")
    row("scale", "  map used when refusing", f"{(used or 0) / 2**20:.2f} of "
        f"{(mapped or 0) / 2**20:.2f}", "MiB")
    # Restart with room: every accepted event is still there, and new ones are taken.
    full2 = Vouchd(build, work / "vouchd-full", extra={"storage": {"map_size": "64MiB"}},
                   same_keys_as=full)
    full2.start()
    try:
        kept = metric_sum(full2.metrics(), "vouch_candidates", 'org="full-org"') or 0
        after = loadgen(build, full2.public_port, orgs, 16, 1, 0, pid=full2.proc.pid)
    finally:
        full2.stop()
    row("scale", "  after a restart with map_size 64 MiB: candidates kept / accepted before",
        f"{kept:.0f} / {accepted:.0f}", "", None, "all kept", kept >= accepted)
    row("scale", "  ... then webhooks accepted / refused", f"{after['rps']:.0f}/s / "
        f"{after['non2xx']}", "")
    NOTES.append(f"scale: what the log said when the map was full: {full_lines[:1]}")


def proc_rss_split(pid):
    """'total (anon / file)' MiB from /proc/<pid>/status."""
    kv = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "RssAnon:", "RssFile:")):
            kv[line.split(":")[0]] = int(line.split()[1]) / 1024
    return (f"{kv.get('VmRSS', 0):.0f} ({kv.get('RssAnon', 0):.0f} / "
            f"{kv.get('RssFile', 0):.0f})")


# -- catch-up under load ---------------------------------------------------------------------

def log_problems(path):
    """The warning and error lines of a vouchd log."""
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [ln for ln in lines if re.search(r"\s(warning|error|critical)\s", ln)]


def catchup_run(a, build, work, name, every, settle, orgs, keys, sim, base, targets, rate, dur,
                warm):
    """One fresh vouchd with every org connected to lever-sim; catch-up every `every`
    ("0s" = off). Waits `settle` seconds after the last connect (with catch-up on, a period
    and a bit: every org has had a pass), then sends webhooks at `rate` to `targets` and
    reads the reconcile metrics around the run."""
    # Nothing is in flight at the stop: a short drain bound keeps a stuck stop short.
    d = Vouchd(build, work / f"vouchd-catchup-{name}", lever_url=base + "/v1",
               extra={"lever": {"reconcile_every": every, "rate_per_s": 10, "burst": 20},
                      "server": {"drain_s": 1}})
    http("DELETE", base + "/_sim/calls")
    d.start()
    try:
        t = time.monotonic()
        with ThreadPoolExecutor(4) as ex:  # each PUT lever makes one live key check
            list(ex.map(lambda o, k: d.connect_org(o[0], o[1], api_key=k, base_url=base + "/v1"),
                        orgs, keys))
        log(f"  {name}: {len(orgs)} orgs connected in {time.monotonic() - t:.1f}s")
        time.sleep(settle)

        def health():
            out = []
            for org, _ in orgs:
                st, text = http("GET", f"{d.admin}/admin/v1/orgs/{org}/health", token=d.token)
                out.append(json.loads(text).get("reconcile", {}) if st == 200 else {})
            return out
        before = health()
        never = sum(1 for h in before if not h.get("last_pass_at"))
        m0, t0, sim0 = d.metrics(), time.monotonic(), cpu_ticks(sim.pid)
        log(f"  {name}: catch-up every {every}, {len(orgs) - never}/{len(orgs)} orgs had a "
            f"pass; webhooks at {rate} req/s to {len(targets)} of them")
        res = loadgen(build, d.public_port, targets, 64, dur, warm, rate=rate, pid=d.proc.pid)
        m1, wall = d.metrics(), time.monotonic() - t0
        res["sim_cpu_pct"] = 100 * (cpu_ticks(sim.pid) - sim0) / wall
        after = health()
    finally:
        d.stop()
    (work / f"catchup-metrics-{name}.txt").write_text(m1)

    def delta(metric, label=None):
        return (metric_sum(m1, metric, label) or 0) - (metric_sum(m0, metric, label) or 0)
    ok = delta("vouch_reconcile_passes_total", 'outcome="ok"')
    failed = delta("vouch_reconcile_passes_total", 'outcome="failed"')
    n = delta("vouch_reconcile_pass_seconds_count")
    commits = delta("vouch_lmdb_commit_seconds_count")
    slow = commits - delta("vouch_lmdb_commit_seconds_bucket", 'le="0.01"')
    stalls = commits - delta("vouch_lmdb_commit_seconds_bucket", 'le="0.1"')
    res.update(window_s=wall, passes_ok=ok, passes_failed=failed,
               pass_ms=1000 * delta("vouch_reconcile_pass_seconds_sum") / n if n else None,
               found=delta("vouch_reconcile_found_total"), never_passed=never,
               not_ok=sum(1 for h in after if h.get("last_pass_ok") is False),
               pass_errors=sorted({h["last_error"] for h in after if h.get("last_error")}),
               log_problems=log_problems(d.log_path), commits_per_s=commits / wall,
               slow_commits=slow, stalled_commits=stalls,
               commit_ms=1000 * delta("vouch_lmdb_commit_seconds_sum") / max(commits, 1),
               sets_per_commit=delta("vouch_lmdb_commit_batch_size_sum") / max(commits, 1))
    log(f"  {name}: {ok + failed:.0f} passes in {wall:.1f}s ({(ok + failed) / wall:.1f}/s, "
        f"{failed:.0f} failed), mean pass {res['pass_ms'] or 0:.1f} ms, lever-sim cpu "
        f"{res['sim_cpu_pct']:.0f}%")
    return res


def part_catchup(a, build, work):
    n, every, rate, dur, warm = ((20, "1s", 200, 1.5, 0.5) if a.smoke else
                                 (1000, "5s", 500, a.duration, 2))
    keys = [f"catchup-key-{i}" for i in range(n)]
    orgs = [(f"catchup-org-{i}", "sig-" + secrets.token_hex(12)) for i in range(n)]
    targets = orgs[:8]
    # lever-sim at its defaults (10/s, burst 20 per key): a pass is 3 calls, so even the
    # smoke's 1 s period asks 3/s of a key.
    sim, base = start_lever_sim(build, keys, work)
    # The reconciler sees a new org at its next tick (250 ms) and runs its first pass at the
    # org's phase within the period: a period and a bit after the last connect every org has
    # had one (the health check counts those that have not). Both runs wait as long.
    settle = float(every.rstrip("s")) + 0.5
    try:
        log(f"catch-up off, {n} orgs")
        off = catchup_run(a, build, work, "off", "0s", settle, orgs, keys, sim, base, targets,
                          rate, dur, warm)
        log(f"catch-up every {every}, {n} orgs")
        on = catchup_run(a, build, work, "on", every, settle, orgs, keys, sim, base, targets,
                         rate, dur, warm)
    finally:
        sim.terminate()
        sim.wait()

    def lat(r):
        return f"{r['p50_us']/1000:.2f} / {r['p99_us']/1000:.2f} / {r['p999_us']/1000:.2f}"
    row("catchup", f"webhooks at {rate} req/s, {n} orgs, catch-up off: p50 / p99 / p99.9",
        lat(off), "ms")
    row("catchup", f"  same, catch-up every {every}: p50 / p99 / p99.9", lat(on), "ms")
    row("catchup", "  p99 on, against off (ratio = p99 on ÷ p99 off)", on["p99_us"] / 1000,
        "ms", off["p99_us"] / 1000)
    row("catchup", "  webhooks achieved, off / on", f"{off['rps']:.0f} / {on['rps']:.0f}",
        "req/s", rate)
    passes = on["passes_ok"] + on["passes_failed"]
    row("catchup", f"catch-up passes/s run during the window ({n} orgs ÷ {every})",
        passes / on["window_s"], "1/s", n / float(every.rstrip("s")))
    row("catchup", "  failed passes in the window", on["passes_failed"], "", None, "0",
        on["passes_failed"] == 0)
    row("catchup", "  mean pass duration (3 Lever calls, record stored when needed)", on["pass_ms"], "ms")
    row("catchup", f"  vouchd CPU, off / on (of {100 * os.cpu_count()} %)",
        f"{off['server_cpu_pct']:.0f} / {on['server_cpu_pct']:.0f}", "%")
    NOTES.append(f"catchup: window {on['window_s']:.1f}s incl. {warm}s warm-up; "
                 f"{on['passes_ok']:.0f} ok + {on['passes_failed']:.0f} failed passes, "
                 f"{on['found']:.0f} changes found (lever-sim has none to find); "
                 f"lever-sim CPU {off['sim_cpu_pct']:.0f}% off / {on['sim_cpu_pct']:.0f}% on; "
                 f"loadgen CPU {off['loadgen_cpu_pct']:.0f}% / {on['loadgen_cpu_pct']:.0f}%")
    for name, r in (("off", off), ("on", on)):
        NOTES.append(f"catchup {name}: LMDB {r['commits_per_s']:.0f} commits/s in the window, "
                     f"{r['sets_per_commit']:.2f} write sets each, mean {r['commit_ms']:.2f} ms, "
                     f"{r['slow_commits']:.0f} over 10 ms, {r['stalled_commits']:.0f} over "
                     f"100 ms")
        bad = r["non2xx"] + r["errors"]
        if bad:
            NOTES.append(f"catchup {name}: {bad} webhook answers were not 2xx")
        if name == "on" and (r["never_passed"] or r["not_ok"] or r["pass_errors"]):
            NOTES.append(f"catchup on: {r['never_passed']} orgs had no pass before the window, "
                         f"{r['not_ok']} ended it with last_pass_ok false; errors: "
                         f"{'; '.join(r['pass_errors'][:3]) or '–'}")
        if r["log_problems"]:
            NOTES.append(f"catchup {name}: vouchd logged {len(r['log_problems'])} warning/"
                         f"error lines, first: {r['log_problems'][0][:200]}")


# -- table -----------------------------------------------------------------------------------

def fmt(v, unit=""):
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, str):
        return v
    if unit in ("s",):
        return f"{v:.3f}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.2f}"


def table_markdown():
    lines = ["| figure | value | unit | ceiling | ratio | target | met |",
             "|---|---|---|---|---|---|---|"]
    for r in ROWS:
        lines.append("| {} | {} | {} | {} | {} | {} | {} |".format(
            r["figure"], fmt(r["value"], r["unit"]), r["unit"], fmt(r["ceiling"], r["unit"]),
            "–" if r["ratio"] is None else f"{r['ratio']:.2f}", r["target"] or "–",
            fmt(r["met"]) if r["met"] is not None else "–"))
    return "\n".join(lines)


def machine():
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return (f"{os.cpu_count()} cores, {cpu}, {int(mem) // 1024} MiB RAM, "
            f"kernel {platform.release()}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("parts", nargs="*", default=["all"])
    p.add_argument("--build-dir", required=True)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--candidates", type=int, default=1000000)
    p.add_argument("--scale-candidates", type=int, default=10000000)
    p.add_argument("--work", default=None)
    a = p.parse_args()
    build = Path(a.build_dir).resolve()
    parts = a.parts
    if "all" in parts or not parts:
        parts = ["ingest", "actors", "lever", "restart", "catchup"]
    work = Path(a.work) if a.work else build / ("bench-smoke" if a.smoke else "bench-work")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    funcs = dict(ingest=part_ingest, actors=part_actors, lever=part_lever, restart=part_restart,
                 catchup=part_catchup, scale=part_scale, profile=part_profile)
    failed = []
    for part in parts:
        if part not in funcs:
            print(f"unknown part {part}; use ingest|actors|lever|restart|catchup|scale|profile|"
                  "all",
                  file=sys.stderr)
            return 2
        t = time.monotonic()
        try:
            funcs[part](a, build, work)
        except Exception as e:  # a part that breaks must not hide the others' numbers
            failed.append(part)
            log(f"part {part} FAILED: {e!r}")
        log(f"part {part}: {time.monotonic() - t:.1f}s")
    md = table_markdown()
    header = (f"vouch bench {'(smoke) ' if a.smoke else ''}"
              f"{datetime.datetime.now().isoformat(timespec='seconds')}, {machine()}")
    print(header)
    print(md)
    for n in NOTES:
        print("- " + n)
    result = dict(header=header, rows=ROWS, notes=NOTES, failed=failed)
    (work / "results.json").write_text(json.dumps(result, indent=1))
    (work / "results.md").write_text(header + "\n\n" + md + "\n\n" +
                                     "\n".join("- " + n for n in NOTES) + "\n")
    if failed:
        print(f"parts that produced no numbers: {', '.join(failed)}", file=sys.stderr)
        return 1
    if not a.smoke:
        shutil.rmtree(work / "vouchd-restart" / "data", ignore_errors=True)
        shutil.rmtree(work / "actors-store", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

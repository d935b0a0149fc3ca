#!/usr/bin/env python3
"""Every vouch_* metric the alert rules and the Grafana dashboard query is one vouchd
exports (the catalogue in actors/metrics.cpp), and the dashboard is valid JSON with a
query on every panel: a renamed metric would otherwise leave a blank panel or an alert
that can never fire. Usage: check_metric_names.py SOURCE_DIR"""
import json
import re
import sys

root = sys.argv[1]
catalogue = set(re.findall(r'\{"(vouch_[a-z_]+)", t::', open(f"{root}/actors/metrics.cpp").read()))
if len(catalogue) < 20:
    sys.exit(f"read only {len(catalogue)} metrics from actors/metrics.cpp: has its format changed?")


def names(text):
    out = set()
    for n in re.findall(r"\bvouch_[a-z_]+", text):
        out.add(re.sub(r"_(bucket|sum|count)$", "", n) if n not in catalogue else n)
    return out


problems = []
rules = open(f"{root}/deploy/prometheus/vouch-alerts.yml").read()
exprs = "\n".join(re.findall(r"^\s*expr:\s*(.*)$", rules, re.M))
for n in sorted(names(exprs) - catalogue):
    problems.append(f"vouch-alerts.yml queries {n}, which vouchd does not export")

dash = json.load(open(f"{root}/deploy/grafana/vouch-dashboard.json"))
for p in dash["panels"]:
    targets = p.get("targets") or []
    if not targets:
        problems.append(f"dashboard panel {p.get('title')!r} has no query")
    for t in targets:
        for n in sorted(names(t["expr"]) - catalogue):
            problems.append(f"dashboard panel {p['title']!r} queries {n}, which vouchd does not export")

for p in problems:
    print(p)
print(f"{len(catalogue)} metrics in the catalogue, {len(dash['panels'])} panels, {len(problems)} problems")
sys.exit(1 if problems else 0)

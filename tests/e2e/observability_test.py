#!/usr/bin/env python3
"""The dashboards and alert rules against a real Prometheus scraping a real suite.

Starts the whole suite as `make run` does (deploy/local/run.sh: redis-server, the four services,
the sample plans published with their illustrative KPI values) on free ports in a private
directory, has the Hokuriku bureau verify one measurement (so the verified KGI series exist),
then starts Debian's prometheus scraping the four metrics ports every second with the alert
rules loaded. Then:
  - every query of every panel of every dashboard, with its variables set, parses and returns
    data; every variable's label_values query finds values;
  - every alert rule is loaded and healthy in Prometheus (its expression evaluates);
  - the KGI panels (target, reported, verified, FY2026, Tokyo area excluded) return the totals
    AggregateKgi returns (rfsctl kpi national 2026 --json), for the nation and for HOKURIKU;
  - no query selects by plan, every domain gauge is read through max by (...) or max(...),
    every panel has a unit, thresholds, a Japanese title and an English description;
  - deploy/observability/render.py --check: the dashboards and the PrometheusRule are what their
    sources make.

Usage: observability_test.py SOURCE_DIR BUILD_DIR. Needs prometheus (Debian package).
"""
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import Suite, free_port  # noqa: E402

SRC = Path(sys.argv[1]).resolve()
BUILD = Path(sys.argv[2]).resolve()
DASHBOARDS = SRC / "deploy/observability/grafana/dashboards"
RULES = SRC / "deploy/observability/prometheus/rfs-alerts.yml"

DOMAIN_GAUGES = ["rfs_plans", "rfs_indicators", "rfs_kgi_target_yen", "rfs_kgi_actual_yen",
                 "rfs_kgi_target_persons", "rfs_kgi_actual_persons", "rfs_pdca_plans",
                 "rfs_reports_overdue", "rfs_plans_with_kpi_achieved_ratio",
                 "rfs_event_log_entries", "rfs_dead_letters", "rfs_webhook_subscriptions",
                 "rfs_outbox_pending", "rfs_outbox_oldest_age_seconds",
                 "rfs_redis_memory_used_bytes", "rfs_redis_memory_max_bytes"]
KGIS = {"CAPEX": "MANDATORY_KGI_CAPEX", "VALUE_ADDED": "MANDATORY_KGI_VALUE_ADDED",
        "TALENT": "MANDATORY_KGI_TALENT"}

failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}", flush=True)


class Prometheus:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path, **params):
        url = f"{self.base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.load(r)

    def query(self, expr):
        """The result of an instant query; raises on a query Prometheus refuses."""
        try:
            out = self.get("/api/v1/query", query=expr)
        except urllib.error.HTTPError as e:
            raise ValueError(json.load(e).get("error", str(e))) from None
        return out["data"]["result"]


def substitute(expr, values):
    for name, value in sorted(values.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace(f"${{{name}}}", value).replace(f"${name}", value)
    return expr


def panels_of(dashboard):
    for p in dashboard["panels"]:
        yield p
        yield from p.get("panels", [])


def check_style(name, dashboard):
    for p in panels_of(dashboard):
        if p["type"] == "row":
            continue
        where = f"{name}: {p['title']}"
        if not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", p["title"]):
            fail(f"{where}: the title is not Japanese")
        if not p.get("description") or re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", p["description"]):
            fail(f"{where}: the description must be the English")
        defaults = p.get("fieldConfig", {}).get("defaults", {})
        if not defaults.get("unit"):
            fail(f"{where}: no unit")
        if not defaults.get("thresholds", {}).get("steps"):
            fail(f"{where}: no thresholds")
        for t in p["targets"]:
            expr = t["expr"]
            if re.search(r'\bplan(_id|_name)?\s*=~?\s*"', expr):
                fail(f"{where}: selects by plan: {expr}")
            for m in re.finditer(r"\b(rfs_[a-z_]+)\b", expr):
                if m.group(1) not in DOMAIN_GAUGES:
                    continue
                before = expr[:m.start()].rstrip()
                if not re.search(r"max(\s+by\s*\([^()]*\))?\s*\($", before):
                    fail(f"{where}: {m.group(1)} not read through max by (...): {expr}")


def main():
    render = subprocess.run([sys.executable, str(SRC / "deploy/observability/render.py"), "--check"],
                            capture_output=True, text=True)
    if render.returncode != 0:
        fail(render.stdout + render.stderr)

    work = Path(tempfile.mkdtemp(prefix="rfs-observability-"))
    suite = Suite(SRC, BUILD, work)
    prometheus = None
    try:
        suite.start()
        ports = dict(suite.ports, PROM=free_port())
        admin = suite.token("secretariat", "observability")
        bureau = suite.token("bureau", "hokuriku-bureau", "--block", "HOKURIKU")

        # The Hokuriku bureau verifies one reported value of each mandatory KGI: verified
        # series exist.
        to_verify = {"kgi-capex": None, "kgi-value-added": None, "kgi-talent": None}
        plans = json.loads(suite.rfsctl("list", "--json", token=admin)).get("plans", [])
        for plan in plans:
            try:
                ms = json.loads(suite.rfsctl("kpi", "list", plan["name"], "--json", token=admin))
            except subprocess.CalledProcessError:
                continue
            for m in ms.get("measurements", []):
                if (m["indicator_id"] in to_verify and to_verify[m["indicator_id"]] is None
                        and m["state"] == "MEASUREMENT_STATE_REPORTED"):
                    to_verify[m["indicator_id"]] = m["name"]
        for indicator, name in to_verify.items():
            if name is None:
                raise SystemExit(f"FAIL: no reported {indicator} value in the samples to verify")
            suite.rfsctl("kpi", "verify", name, "--comment", "observability test", token=bureau)
        verified = ", ".join(to_verify.values())

        config = work / "prometheus.yml"
        jobs = {"rfs-registry": "REGISTRY_METRICS_PORT", "rfs-requirements": "REQUIREMENTS_METRICS_PORT",
                "rfs-kpi": "KPI_METRICS_PORT", "rfs-notification": "NOTIFICATION_METRICS_PORT"}
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: ['{RULES}']\nscrape_configs:\n" + "".join(
                f"- job_name: {job}\n  static_configs: [{{targets: ['127.0.0.1:{ports[p]}']}}]\n"
                for job, p in jobs.items()))
        prometheus = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={work / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{ports['PROM']}"],
            stdout=open(work / "prometheus.log", "w"), stderr=subprocess.STDOUT)
        prom = Prometheus(ports["PROM"])

        # Up, and the kpi gauges carrying the verification: then 10 s more, so every rate
        # window of the queries holds several scrapes.
        deadline = time.time() + 120
        while True:
            try:
                up = prom.query('sum(up{job=~"rfs-.*"})')
                v = prom.query('max(rfs_kgi_actual_persons{verification="verified"})')
                if up and float(up[0]["value"][1]) == 4 and v:
                    break
            except (OSError, ValueError):
                pass
            if time.time() > deadline or prometheus.poll() is not None:
                print((work / "prometheus.log").read_text()[-3000:])
                raise SystemExit("FAIL: Prometheus did not scrape the four services")
            time.sleep(1)
        time.sleep(10)

        # The alert rules: loaded and evaluating without error.
        groups = prom.get("/api/v1/rules")["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        if len(rules) < 12:
            fail(f"Prometheus loaded {len(rules)} alert rules")
        for r in rules:
            if r.get("health") != "ok":
                fail(f"alert {r['name']}: {r.get('health')} {r.get('lastError', '')}")

        national = json.loads(suite.rfsctl("kpi", "national", "2026", "--json", token=admin))
        hokuriku = json.loads(suite.rfsctl("kpi", "national", "2026", "--block", "HOKURIKU",
                                           "--json", token=admin))
        values = {"datasource": "prometheus", "fiscal_year": "2026", "tokyo": "false",
                  "block": "HOKURIKU", "job": "rfs-.*"}
        queries = 0
        for path in sorted(DASHBOARDS.glob("*.json")):
            dashboard = json.loads(path.read_text())
            check_style(path.name, dashboard)
            for v in dashboard["templating"]["list"]:
                if v["type"] != "query":
                    continue
                m = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", v["definition"])
                found = m and prom.get(f"/api/v1/label/{m.group(2)}/values",
                                       **{"match[]": m.group(1)})["data"]
                if not found:
                    fail(f"{path.name}: variable {v['name']} ({v['definition']}) finds no values")
            for p in panels_of(dashboard):
                for t in p.get("targets", []):
                    expr = substitute(t["expr"], values)
                    queries += 1
                    try:
                        result = prom.query(expr)
                    except ValueError as e:
                        fail(f"{path.name}: {p['title']}: does not parse: {e}: {expr}")
                        continue
                    if not result:
                        fail(f"{path.name}: {p['title']}: no data: {expr}")
            # The KGI panels: AggregateKgi's totals.
            expected = hokuriku if "block" in path.name else national
            totals = {t["kgi"]: t for t in expected["totals"]}
            for p in panels_of(dashboard):
                kgi = next((k for k in KGIS if f'kgi="{k}"' in "".join(
                    t["expr"] for t in p.get("targets", []))), None)
                if p["type"] != "bargauge" or kgi is None:
                    continue
                for t, field in zip(p["targets"], ("target", "reported", "verified")):
                    result = prom.query(substitute(t["expr"], values))
                    got = sum(float(r["value"][1]) for r in result)
                    want = float(totals[KGIS[kgi]].get(field, 0))
                    if abs(got - want) > 0.5:
                        fail(f"{path.name}: {p['title']} {field}: {got:.0f}, AggregateKgi {want:.0f}")
                    elif field == "verified" and want == 0 and "block" not in path.name:
                        fail(f"{path.name}: {p['title']}: nothing verified (the test verified {verified})")
        print(f"observability: {queries} dashboard queries return data; {len(rules)} alert rules "
              f"healthy; KGI panels equal AggregateKgi (national CAPEX target "
              f"{float(next(t for t in national['totals'] if t['kgi'] == KGIS['CAPEX'])['target']):.0f} yen)")
    finally:
        if prometheus is not None:
            prometheus.terminate()
            prometheus.wait(timeout=30)
        suite.stop()
        subprocess.run(["rm", "-rf", str(work)])
    if failures:
        sys.exit(1)
    print("observability: ok")


main()

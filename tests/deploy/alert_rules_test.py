#!/usr/bin/env python3
"""The alerting rules of deploy/observability/prometheus/rfs-alerts.yml, checked with promtool.

For every alert: a case where it fires (with the labels, and the summary as an operator reads
it) and a case where it does not. The cases are written here compactly and turned into a
promtool test file (JSON, which YAML reads) whose expected annotations take the description and
runbook link from the rule file, so a case states only what the alert must say that varies.
Also: `promtool check rules`; every alert has a severity, a summary, a description and a
runbook_url into docs/operations.md whose section exists; every alert has both cases; the
production overlay's PrometheusRule holds exactly the rule file's groups.

Usage: alert_rules_test.py SOURCE_DIR. Needs promtool (Debian: prometheus) and python3-yaml.
"""
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

SRC = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
RULES = SRC / "deploy/observability/prometheus/rfs-alerts.yml"
RULE_CR = SRC / "deploy/k8s/overlays/production/prometheusrule.yaml"
OPERATIONS = SRC / "docs/operations.md"

REG = 'job="rfs-registry",instance="10.0.0.1:9101"'
SVC = 'grpc_service="rfs.registry.v1.PlanRegistry"'


def handled(code, per_minute, minutes=40):
    return {"series": f'grpc_server_handled_total{{{REG},{SVC},grpc_method="GetPlan",'
                      f'grpc_type="unary",grpc_code="{code}"}}',
            "values": f"0+{per_minute}x{minutes}"}


def buckets(fast, slow, minutes=40):
    """A latency histogram: `fast` calls a minute under 100 ms, `slow` between 100 ms and 1 s."""
    labels = f'{REG},{SVC},grpc_method="GetPlan",grpc_type="unary"'
    return [
        {"series": f'grpc_server_handling_seconds_bucket{{{labels},le="0.1"}}',
         "values": f"0+{fast}x{minutes}"},
        {"series": f'grpc_server_handling_seconds_bucket{{{labels},le="1"}}',
         "values": f"0+{fast + slow}x{minutes}"},
        {"series": f'grpc_server_handling_seconds_bucket{{{labels},le="+Inf"}}',
         "values": f"0+{fast + slow}x{minutes}"},
        {"series": f'grpc_server_handling_seconds_count{{{labels}}}',
         "values": f"0+{fast + slow}x{minutes}"},
    ]


def two_replicas(metric, labels, values):
    """The same domain gauge from two replicas (max by (...) must not count it twice)."""
    return [{"series": f'{metric}{{{labels},instance="10.0.0.{i}:9103"}}', "values": values}
            for i in (1, 2)]


# alert -> (firing case, quiet case). A case: input series, evaluation time, and for the firing
# case the labels and summary expected.
CASES = {
    "RfsGrpcErrorRatioHigh": (
        dict(series=[handled("OK", 600), handled("Unavailable", 60)], at="25m",
             labels={"job": "rfs-registry", "grpc_service": "rfs.registry.v1.PlanRegistry"},
             summary="rfs-registry: 9.091% of rfs.registry.v1.PlanRegistry calls fail on the server"),
        # 1 % failing, and client errors (NotFound) are not the server's fault.
        dict(series=[handled("OK", 600), handled("Unavailable", 6), handled("NotFound", 300)],
             at="25m"),
    ),
    "RfsGrpcLatencyHigh": (
        dict(series=buckets(fast=0, slow=600), at="25m",
             labels={"job": "rfs-registry", "grpc_service": "rfs.registry.v1.PlanRegistry"},
             summary="rfs-registry: p99 of rfs.registry.v1.PlanRegistry unary calls is 991ms"),
        dict(series=buckets(fast=600, slow=3), at="25m"),
    ),
    "RfsServiceDown": (
        dict(series=[{"series": f"up{{{REG}}}", "values": "1 1 0x10"}], at="8m",
             labels={"job": "rfs-registry", "instance": "10.0.0.1:9101"},
             summary="rfs-registry at 10.0.0.1:9101 cannot be scraped"),
        dict(series=[{"series": f"up{{{REG}}}", "values": "1 0 1x10"}], at="8m"),
    ),
    "RfsServiceNotReady": (
        dict(series=[{"series": f"rfs_ready{{{REG}}}", "values": "1 0x10"}], at="6m",
             labels={"job": "rfs-registry", "instance": "10.0.0.1:9101"},
             summary="rfs-registry at 10.0.0.1:9101 is not ready"),
        # A blip shorter than the 2 minutes.
        dict(series=[{"series": f"rfs_ready{{{REG}}}", "values": "1 0 1x10"}], at="6m"),
    ),
    "RfsRedisMemoryNearLimit": (
        dict(series=two_replicas("rfs_redis_memory_used_bytes", 'service="kpi"', "900x20")
             + two_replicas("rfs_redis_memory_max_bytes", 'service="kpi"', "1000x20"),
             at="15m", labels={"service": "kpi"},
             summary="Redis of kpi uses 90% of its maxmemory"),
        # No maxmemory set (0): nothing to be near.
        dict(series=two_replicas("rfs_redis_memory_used_bytes", 'service="kpi"', "900x20")
             + two_replicas("rfs_redis_memory_max_bytes", 'service="kpi"', "0x20"), at="15m"),
    ),
    "RfsOutboxOldEvent": (
        dict(series=two_replicas("rfs_outbox_oldest_age_seconds", 'service="registry"',
                                 "700+60x10"), at="7m", labels={"service": "registry"},
             summary="The oldest event in the outbox of registry is 18m 40s old"),
        dict(series=two_replicas("rfs_outbox_oldest_age_seconds", 'service="registry"',
                                 "30x10"), at="7m"),
    ),
    "RfsOutboxBacklog": (
        dict(series=two_replicas("rfs_outbox_pending", 'service="kpi"', "1000+10x40"), at="35m",
             labels={"service": "kpi"},
             summary="The outbox of kpi holds 1350 events and is growing"),
        # Large but draining.
        dict(series=two_replicas("rfs_outbox_pending", 'service="kpi"', "5000-10x40"), at="35m"),
    ),
    "RfsDeadLetters": (
        dict(series=two_replicas("rfs_dead_letters", 'channel="webhook"', "2x20"), at="16m",
             labels={"channel": "webhook"},
             summary="2 webhook notifications were given up on"),
        dict(series=two_replicas("rfs_dead_letters", 'channel="webhook"', "0x20"), at="16m"),
    ),
    "RfsWebhookSubscriptionDisabled": (
        dict(series=two_replicas("rfs_webhook_subscriptions", 'state="disabled"', "0x60 1x30"),
             at="70m", labels={}, summary="A webhook subscription was disabled in the last hour"),
        # Disabled long ago: already told.
        dict(series=two_replicas("rfs_webhook_subscriptions", 'state="disabled"', "1x100"),
             at="90m"),
    ),
    "RfsWatchStreamsDropping": (
        dict(series=[{"series": 'rfs_watch_streams{job="rfs-notification",instance="a:9104"}',
                      "values": "100x20 20x20"}], at="28m", labels={},
             summary="WatchEvents streams fell to 20, less than half of ten minutes ago"),
        # A few streams coming and going.
        dict(series=[{"series": 'rfs_watch_streams{job="rfs-notification",instance="a:9104"}',
                      "values": "6x20 1x20"}], at="28m"),
    ),
    "RfsReportsOverdue": (
        dict(series=two_replicas("rfs_reports_overdue",
                                 'block="HOKURIKU",fiscal_year="2026",half="H1"', "3x90"),
             at="70m", labels={"block": "HOKURIKU"},
             summary="3 half-year reports are overdue in HOKURIKU"),
        dict(series=two_replicas("rfs_reports_overdue",
                                 'block="HOKURIKU",fiscal_year="2026",half="H1"', "0x90"),
             at="70m"),
    ),
    "RfsIndicatorsOffTrack": (
        dict(series=two_replicas("rfs_indicators", 'status="OFF_TRACK",plan_type="B",block="KANTO"', "3x400")
             + two_replicas("rfs_indicators", 'status="DETERIORATING",plan_type="C",block="KANTO"', "1x400")
             + two_replicas("rfs_indicators", 'status="ON_TRACK",plan_type="B",block="KANTO"', "6x400"),
             at="370m", labels={"block": "KANTO"},
             summary="40% of the indicators in KANTO are off track or deteriorating"),
        dict(series=two_replicas("rfs_indicators", 'status="OFF_TRACK",plan_type="B",block="KANTO"', "2x400")
             + two_replicas("rfs_indicators", 'status="ON_TRACK",plan_type="B",block="KANTO"', "8x400"),
             at="370m"),
    ),
}


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def anchors(markdown):
    """GitHub-style anchors of the headings of a Markdown text."""
    out = set()
    for line in markdown.splitlines():
        m = re.match(r"#+\s+(.*)", line)
        if m:
            text = re.sub(r"[`*]", "", m.group(1)).strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return out


def main():
    check = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True)
    if check.returncode != 0:
        fail(f"promtool check rules:\n{check.stdout}{check.stderr}")
    groups = yaml.safe_load(RULES.read_text())["groups"]
    alerts = {r["alert"]: r for g in groups for r in g["rules"] if "alert" in r}

    # The PrometheusRule carries the same groups.
    cr = yaml.safe_load(RULE_CR.read_text())
    if cr.get("kind") != "PrometheusRule" or cr["spec"]["groups"] != groups:
        fail(f"{RULE_CR.relative_to(SRC)} is not the rule file's groups: run deploy/observability/render.py")

    sections = anchors(OPERATIONS.read_text())
    for name, rule in alerts.items():
        a = rule.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            if not a.get(key):
                fail(f"{name}: no {key}")
        if rule.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
            fail(f"{name}: severity must be critical, warning or info")
        page, _, anchor = a["runbook_url"].partition("#")
        if page != "docs/operations.md" or anchor not in sections:
            fail(f"{name}: runbook_url {a['runbook_url']} is not a section of docs/operations.md")
        if name not in CASES:
            fail(f"{name}: no test cases (one that fires, one that does not)")
    for name in CASES:
        if name not in alerts:
            fail(f"cases for {name}, which is not an alert of the rule file")

    tests = []
    for name, (fires, quiet) in CASES.items():
        rule = alerts[name]
        expected = {"exp_labels": dict(fires["labels"], severity=rule["labels"]["severity"]),
                    "exp_annotations": {"summary": fires["summary"],
                                        "description": rule["annotations"]["description"],
                                        "runbook_url": rule["annotations"]["runbook_url"]}}
        tests.append({"name": f"{name} fires", "interval": "1m", "input_series": fires["series"],
                      "alert_rule_test": [{"eval_time": fires["at"], "alertname": name,
                                           "exp_alerts": [expected]}]})
        tests.append({"name": f"{name} stays quiet", "interval": "1m",
                      "input_series": quiet["series"],
                      "alert_rule_test": [{"eval_time": quiet["at"], "alertname": name,
                                           "exp_alerts": []}]})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rfs-alerts.test.json"
        path.write_text(json.dumps({"rule_files": [str(RULES)], "evaluation_interval": "1m",
                                    "tests": tests}, indent=1))
        run = subprocess.run(["promtool", "test", "rules", str(path)], capture_output=True,
                             text=True)
        if run.returncode != 0:
            fail(f"promtool test rules:\n{run.stdout}{run.stderr}")
    print(f"alert rules: {len(alerts)} alerts, {len(tests)} promtool cases (each fires and stays quiet): ok")


main()

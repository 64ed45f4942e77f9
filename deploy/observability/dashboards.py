"""The Grafana dashboards of rfs, as data: deploy/observability/render.py writes them to
deploy/observability/grafana/dashboards/*.json. One place decides what every panel shares: the
Prometheus data source variable, a unit, thresholds, a Japanese title with the English in the
description, and domain gauges read with max by (...) first (every replica reports the same
value), never by plan.

Panels here are Grafana 9/10 JSON (schemaVersion 37): time series drawn as stacked bars for
counts by category, bar gauges and stats for the current picture, a table for the KGIs by
fiscal year.
"""

DS = {"type": "prometheus", "uid": "${datasource}"}

# Indicator status colours, as the PDCA documents use them.
STATUS_COLOURS = {
    "ACHIEVED": "green", "ON_TRACK": "blue", "AT_RISK": "yellow", "OFF_TRACK": "orange",
    "DETERIORATING": "red", "NO_DATA": "text", "TARGET_UNSET": "purple",
}

SERVER_FAULTS = 'grpc_code=~"Unknown|Internal|DataLoss|Unavailable|DeadlineExceeded"'


def target(expr, legend, ref, instant=False):
    t = {"datasource": DS, "expr": expr, "legendFormat": legend, "refId": ref}
    if instant:
        t.update(instant=True, range=False)
    return t


def thresholds(*steps):
    """steps: (value, colour) after the base green, e.g. (0.8, "yellow"), (0.95, "red")."""
    return {"mode": "absolute",
            "steps": [{"color": "green", "value": None}] + [{"color": c, "value": v} for v, c in steps]}


def panel(kind, title, description, targets, unit, steps=(), x=0, y=0, w=12, h=8, **extra):
    p = {
        "type": kind, "title": title, "description": description, "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": [target(*t) if isinstance(t, tuple) else t for t in targets],
        "fieldConfig": {"defaults": {"unit": unit, "thresholds": thresholds(*steps)},
                        "overrides": []},
        "options": {},
    }
    if kind == "timeseries":
        p["fieldConfig"]["defaults"]["custom"] = {"drawStyle": "line", "fillOpacity": 10}
    p.update(extra)
    return p


def stacked_bars(p):
    p["fieldConfig"]["defaults"]["custom"] = {"drawStyle": "bars", "fillOpacity": 80,
                                              "stacking": {"mode": "normal", "group": "A"}}
    return p


def status_colours(p):
    for status, colour in STATUS_COLOURS.items():
        p["fieldConfig"]["overrides"].append({
            "matcher": {"id": "byRegexp", "options": f".*{status}$"},
            "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": colour}}]})
    return p


def row(title, y):
    return {"type": "row", "title": title, "collapsed": False, "panels": [],
            "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}}


def variable_datasource():
    return {"name": "datasource", "label": "データソース / Data source", "type": "datasource",
            "query": "prometheus", "current": {}, "hide": 0}


def variable_query(name, label, query, multi=False, include_all=False):
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "definition": query, "query": {"query": query, "refId": f"{name}-values"},
            "refresh": 2, "sort": 3 if name == "fiscal_year" else 1, "multi": multi,
            "includeAll": include_all, "current": {}, "hide": 0}


def variable_custom(name, label, options, default):
    return {"name": name, "label": label, "type": "custom", "hide": 0,
            "query": ",".join(f"{text} : {value}" for text, value in options),
            "options": [{"text": t, "value": v, "selected": v == default} for t, v in options],
            "current": {"text": next(t for t, v in options if v == default), "value": default}}


def dashboard(uid, title, description, variables, panels, tags):
    return {
        "uid": uid, "title": title, "description": description, "tags": ["rfs"] + tags,
        "editable": True, "graphTooltip": 1, "schemaVersion": 37, "version": 1,
        "timezone": "Asia/Tokyo", "time": {"from": "now-7d", "to": "now"}, "refresh": "1m",
        "templating": {"list": variables}, "annotations": {"list": []}, "links": [],
        "panels": panels,
    }


# ---- PDCA progress: national, and one block ---------------------------------------------------

def gauge_sum(metric, by, keep, selector):
    """Σ by `by` of a domain gauge, taken once per label set (max over replicas)."""
    return f"sum by ({by}) (max by ({keep}) ({metric}{{{selector}}}))"


KGI = [
    # (kgi, Japanese name, English, target metric, actual metric, unit)
    ("CAPEX", "官民設備投資額", "private and public capital expenditure", "rfs_kgi_target_yen",
     "rfs_kgi_actual_yen", "currencyJPY"),
    ("VALUE_ADDED", "付加価値増加額", "increase in value added", "rfs_kgi_target_yen",
     "rfs_kgi_actual_yen", "currencyJPY"),
    ("TALENT", "産業ニーズに即した人材育成数", "people trained for the industries' needs",
     "rfs_kgi_target_persons", "rfs_kgi_actual_persons", "none"),
]
KGI_KEEP = "kgi, plan_type, block, fiscal_year, tokyo_area"


def kgi_queries(kgi, target_metric, actual_metric, scope, by="fiscal_year", year=True):
    """Target, reported and verified totals of one mandatory KGI (AggregateKgi's figures)."""
    sel = f'kgi="{kgi}", tokyo_area=~"$tokyo"{scope}' + (', fiscal_year="$fiscal_year"' if year else "")
    return [
        (gauge_sum(target_metric, by, KGI_KEEP, sel), "目標 / target", "A", True),
        (gauge_sum(actual_metric, by, KGI_KEEP + ", verification", sel + ', verification="reported"')
         + f" or on() vector(0)", "報告値 / reported", "B", True),
        (gauge_sum(actual_metric, by, KGI_KEEP + ", verification", sel + ', verification="verified"')
         + f" or on() vector(0)", "確認済 / verified", "C", True),
    ]


def pdca_panels(scope, where_en):
    """The PDCA panels, for the whole country (scope "") or one block (scope ', block="$block"')."""
    s = scope.lstrip(", ")  # the block selector alone, or nothing
    panels = [row("計画と指標 / Plans and indicators", 0)]
    panels.append(stacked_bars(panel(
        "timeseries", "段階別の計画数（ブロック別）",
        f"Plans by stage and regional block{where_en}, every stage (drafts included).",
        [(gauge_sum("rfs_plans", "block, stage", "plan_type, stage, block", s),
          "{{block}} {{stage}}", "A")], "short", x=0, y=1)))
    panels.append(status_colours(stacked_bars(panel(
        "timeseries", "指標の状況（ブロック別）",
        f"Current indicators of public plans{where_en} by computed status (ACHIEVED … "
        "DETERIORATING, from reported values) and block.",
        [(gauge_sum("rfs_indicators", "block, status", "status, plan_type, block", s),
          "{{block}} {{status}}", "A")], "short", x=12, y=1))))
    panels.append(panel(
        "bargauge", "PDCA の局面",
        "Public plans by the PDCA phase of their current half year's cycle (PLAN, DO, CHECK, "
        "ACT); national (the gauge has no block label).",
        [("sum by (phase) (max by (phase, plan_type) (rfs_pdca_plans))", "{{phase}}", "A", True)],
        "short", x=0, y=9, w=8, options={"orientation": "horizontal", "displayMode": "basic"}))
    panels.append(panel(
        "stat", "KPI を達成した計画の割合",
        "Share of public plans with at least one KPI achieved, outside the Tokyo area, by plan "
        "type (national: the gauge has no block label).",
        [("max by (plan_type) (rfs_plans_with_kpi_achieved_ratio)", "類型 {{plan_type}}", "A", True)],
        "percentunit", steps=(), x=8, y=9, w=8))
    panels.append(panel(
        "stat", "報告期限を過ぎた報告",
        f"Half-year reports past their deadline with some or every indicator without a value"
        f"{where_en}, by block and half year (0 when none).",
        [(gauge_sum("rfs_reports_overdue", "block, fiscal_year, half",
                    "block, fiscal_year, half", s) + " or on() vector(0)",
          "{{block}} {{fiscal_year}}-{{half}}", "A", True)],
        "short", steps=((1, "red"),), x=16, y=9, w=8))
    panels.append(row("必須 KGI（$fiscal_year 年度）/ Mandatory KGIs", 17))
    for i, (kgi, ja, en, tm, am, unit) in enumerate(KGI):
        panels.append(panel(
            "bargauge", f"{ja}（目標・報告値・確認済）",
            f"{en}: the year's target, reported and verified totals of public plans{where_en} "
            "(the figures of AggregateKgi). Tokyo area excluded unless the toggle includes it.",
            kgi_queries(kgi, tm, am, scope), unit, x=8 * i, y=18, w=8,
            options={"orientation": "horizontal", "displayMode": "gradient"}))
    by_year = []
    for i, (kgi, ja, en, tm, am, unit) in enumerate(KGI[:2]):
        for q in kgi_queries(kgi, tm, am, scope, by="fiscal_year", year=False):
            by_year.append({**target(q[0].replace(" or on() vector(0)", ""),
                                     f"{kgi} {q[1]} FY{{{{fiscal_year}}}}", f"{kgi}{q[2]}")})
    panels.append(panel(
        "timeseries", "必須 KGI（円）の年度別推移",
        f"CAPEX and VALUE_ADDED by fiscal year{where_en}: target, reported, verified, over time.",
        by_year, "currencyJPY", x=0, y=26, w=24))
    return panels


def pdca_variables(block=False):
    v = [variable_datasource()]
    if block:
        v.append(variable_query("block", "ブロック / Block", "label_values(rfs_plans, block)"))
    v.append(variable_query("fiscal_year", "年度 / Fiscal year",
                            "label_values(rfs_kgi_target_yen, fiscal_year)"))
    v.append(variable_custom("tokyo", "東京圏 / Tokyo area",
                             [("除く / excluded", "false"), ("含む / included", "true|false")],
                             "false"))
    return v


def national():
    return dashboard(
        "rfs-pdca-national", "地域未来戦略 PDCA 進捗（全国）",
        "PDCA progress of the Regional Future Strategy, national: plans, indicator status, the "
        "mandatory KGIs (target, reported, verified), overdue reports.",
        pdca_variables(), pdca_panels("", ""), ["pdca"])


def block():
    return dashboard(
        "rfs-pdca-block", "地域未来戦略 PDCA 進捗（ブロック別）",
        "The same panels for one regional block (for its bureau).",
        pdca_variables(block=True), pdca_panels(', block="$block"', " of the block"), ["pdca"])


# ---- Service health ----------------------------------------------------------------------------

def service_health():
    job = 'job=~"$job"'
    p = [row("gRPC", 0)]
    p.append(panel("timeseries", "呼び出し数（サービス・メソッド別）",
                   "Calls completed per second, by service (job) and method.",
                   [(f"sum by (job, grpc_method) (rate(grpc_server_handled_total{{{job}}}[5m]))",
                     "{{job}} {{grpc_method}}", "A")], "reqps", x=0, y=1, w=8))
    p.append(panel("timeseries", "サーバー側エラーの割合",
                   "Share of calls that ended with a server fault (Unknown, Internal, DataLoss, "
                   "Unavailable, DeadlineExceeded), by service. Alert at 5 % for 10 minutes.",
                   [(f"(sum by (job) (rate(grpc_server_handled_total{{{job}, {SERVER_FAULTS}}}[5m]))"
                     f" or sum by (job) (rate(grpc_server_handled_total{{{job}}}[5m])) * 0)"
                     f" / sum by (job) (rate(grpc_server_handled_total{{{job}}}[5m]))",
                     "{{job}}", "A")], "percentunit", steps=((0.01, "yellow"), (0.05, "red")),
                   x=8, y=1, w=8))
    p.append(panel("timeseries", "p99 レイテンシ（メソッド別）",
                   "99th percentile of unary call latency, by service and method. Alert at 500 ms.",
                   [("histogram_quantile(0.99, sum by (job, grpc_method, le) "
                     f"(rate(grpc_server_handling_seconds_bucket{{{job}, grpc_type=\"unary\"}}[5m])))",
                     "{{job}} {{grpc_method}}", "A")], "s", steps=((0.2, "yellow"), (0.5, "red")),
                   x=16, y=1, w=8))
    p.append(panel("stat", "準備完了（レプリカ別）",
                   "Each replica's readiness (1: it reaches Redis and serves; 0: not ready, no "
                   "traffic) and whether Prometheus reaches it (up).",
                   [(f"rfs_ready{{{job}}}", "ready {{job}} {{instance}}", "A", True),
                    (f"up{{{job}}}", "up {{job}} {{instance}}", "B", True)],
                   "none", x=0, y=9, w=12))
    p[-1]["fieldConfig"]["defaults"]["thresholds"] = {
        "mode": "absolute", "steps": [{"color": "red", "value": None}, {"color": "green", "value": 1}]}
    p[-1]["fieldConfig"]["defaults"]["mappings"] = [
        {"type": "value", "options": {"0": {"text": "停止 / down"}, "1": {"text": "正常 / ok"}}}]
    p.append(panel("timeseries", "Redis メモリ（使用量と上限）",
                   "Redis used_memory and maxmemory (0: no limit), per service. At maxmemory Redis "
                   "refuses writes; alert at 85 %.",
                   [("max by (service) (rfs_redis_memory_used_bytes)", "使用 / used {{service}}", "A"),
                    ("max by (service) (rfs_redis_memory_max_bytes)", "上限 / max {{service}}", "B")],
                   "bytes", x=12, y=9, w=12))
    p.append(row("イベントと通知 / Events and notifications", 17))
    p.append(panel("timeseries", "アウトボックスの滞留",
                   "Events in each service's outbox not yet published to rfs-notification.",
                   [("max by (service) (rfs_outbox_pending)", "{{service}}", "A")], "short",
                   steps=((1000, "yellow"),), x=0, y=18, w=8))
    p.append(panel("timeseries", "アウトボックス最古イベントの経過時間",
                   "Age of the oldest event in each outbox (0 when empty). Alert above 10 minutes.",
                   [("max by (service) (rfs_outbox_oldest_age_seconds)", "{{service}}", "A")], "s",
                   steps=((300, "yellow"), (600, "red")), x=8, y=18, w=8))
    p.append(panel("timeseries", "イベントログ",
                   "Events the log holds, and events appended per second by type.",
                   [("max(rfs_event_log_entries)", "保持 / held", "A"),
                    ("sum by (type) (rate(rfs_events_published_total[5m]))", "{{type}} /s", "B")],
                   "short", x=16, y=18, w=8))
    p.append(panel("timeseries", "通知の配信（チャネル・結果別）",
                   "Webhook and e-mail delivery attempts per second, by channel and result.",
                   [("sum by (channel, result) (rate(rfs_notification_deliveries_total[5m]))",
                     "{{channel}} {{result}}", "A")], "reqps", x=0, y=26, w=8))
    p.append(panel("timeseries", "Webhook 応答時間 p99",
                   "99th percentile of the receivers' answer time (an attempt's start to the answer "
                   "or the failure; the timeout is 15 s).",
                   [("histogram_quantile(0.99, sum by (le) (rate(rfs_webhook_delivery_seconds_bucket[5m])))",
                     "p99", "A")], "s", steps=((5, "yellow"), (15, "red")), x=8, y=26, w=8))
    p.append(panel("stat", "デッドレターと購読",
                   "Dead letters kept, by channel (alert above 0), and webhook subscriptions by state.",
                   [("max by (channel) (rfs_dead_letters)", "デッドレター {{channel}}", "A", True),
                    ("max by (state) (rfs_webhook_subscriptions)", "購読 {{state}}", "B", True)],
                   "short", steps=((1, "red"),), x=16, y=26, w=8))
    p.append(panel("timeseries", "WatchEvents ストリーム",
                   "WatchEvents streams open, in all and per replica (against "
                   "--max_watch_streams).",
                   [("sum(rfs_watch_streams)", "合計 / all", "A"),
                    ("max by (instance) (rfs_watch_streams)", "{{instance}}", "B")],
                   "short", x=0, y=34, w=12))
    p.append(panel("timeseries", "キャッシュ命中率",
                   "Share of cache lookups answered from the cache, by service and cache.",
                   [(f"sum by (job, cache) (rate(rfs_cache_requests_total{{{job}, result=\"hit\"}}[5m]))"
                     f" / sum by (job, cache) (rate(rfs_cache_requests_total{{{job}}}[5m]))",
                     "{{job}} {{cache}}", "A")], "percentunit", x=12, y=34, w=12))
    variables = [variable_datasource(),
                 variable_query("job", "サービス / Service", "label_values(grpc_server_handled_total, job)",
                                multi=True, include_all=True)]
    return dashboard("rfs-service-health", "rfs サービスの稼働状況",
                     "Service health of rfs: rates, server-fault ratio and p99 per method, "
                     "readiness, Redis memory, outboxes, the event log, deliveries, dead letters, "
                     "watch streams.", variables, p, ["operations"])


DASHBOARDS = {
    "rfs-pdca-national.json": national,
    "rfs-pdca-block.json": block,
    "rfs-service-health.json": service_health,
}

#!/usr/bin/env python3
"""`rfsctl kpi report` rendered by a real browser and compared with the service's answers.

Starts the whole suite as `make run` does (deploy/local/run.sh, with the sample plans and their
illustrative KPI values) on free ports in a private directory. The Hokuriku bureau verifies one
reported value of each mandatory KGI and moves one plan's PDCA cycle on. Then, for every sample
plan with KPI values and for the HOKURIKU block, `rfsctl kpi report` writes a page, and:
  - the page is self-contained: a Content-Security-Policy of default-src 'none', no <script>,
    no src or href to anywhere;
  - Debian's chromium (headless) loads a copy of it with a probe script added (and a policy
    that lets anything load, so that a fetch the page should not make would show), and the
    probe reads what the browser lays out: the text shown (innerText), the computed colours,
    the boxes of the chart's points, the resources fetched (none);
  - what it shows equals GetProgress (rfsctl kpi progress --json) at every half year of the
    charts: each indicator's status word and colour, its figures, each half year's planned,
    reported and verified value in the table and as a point of the chart (higher values drawn
    higher), the summary's counts and KPIs; the report states equal GetReportingStatus, the
    PDCA phase equals GetPdcaCycle; the block page's KGIs equal AggregateKgi and its rows the
    plans GetReportingStatus lists;
  - the status colours are the dashboards' (deploy/observability/dashboards.py).

Usage: report_test.py SOURCE_DIR BUILD_DIR. Needs chromium (Debian package).
"""
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import Suite  # noqa: E402

SRC = Path(sys.argv[1]).resolve()
BUILD = Path(sys.argv[2]).resolve()
AS_OF = "2026-H2"

sys.path.insert(0, str(SRC / "deploy/observability"))
from dashboards import STATUS_COLOURS  # noqa: E402

# Grafana's named colours, as the dashboards use them.
GRAFANA = {"green": "#73BF69", "blue": "#5794F2", "yellow": "#FADE2A", "orange": "#FF9830",
           "red": "#F2495C", "purple": "#B877D9", "text": "#A0A0A0"}
WORDS = {"ACHIEVED": "達成", "ON_TRACK": "順調", "AT_RISK": "要注意", "OFF_TRACK": "遅れ",
         "DETERIORATING": "悪化", "NO_DATA": "データなし", "TARGET_UNSET": "目標未設定"}
PHASES = {"PLAN": "PLAN（計画）", "DO": "DO（実行）", "CHECK": "CHECK（評価）", "ACT": "ACT（改善）"}

failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}", flush=True)


def rgb(hex_colour):
    h = hex_colour.lstrip("#")
    return f"rgb({int(h[0:2], 16)}, {int(h[2:4], 16)}, {int(h[4:6], 16)})"


def short(name):
    return name.removeprefix("PROGRESS_STATUS_").removeprefix("PDCA_PHASE_").removeprefix(
        "REPORT_STATE_").removeprefix("MANDATORY_KGI_")


def exact(value, places):
    """A fixed-point integer as the tables show it: 3200000000 → "3,200,000,000", (36, 1) →
    "3.6"."""
    value = int(value)
    sign = "-" if value < 0 else ""
    digits = str(abs(value)).rjust(places + 1, "0")
    whole, frac = (digits[:-places], digits[-places:]) if places else (digits, "")
    whole = f"{int(whole):,}"
    return sign + whole + ("." + frac if frac else "")


def yen_of(text):
    """The yen a compact Japanese amount stands for ("62億円", "4.4億円", "5,000万円",
    "1,234円"), and the truncation step of its last digit."""
    m = re.fullmatch(r"(-?[\d,]+(?:\.\d+)?)(兆|億|万)?円", text.strip())
    if not m:
        return None, None
    number = m.group(1).replace(",", "")
    scale = {"兆": 10**12, "億": 10**8, "万": 10**4, None: 1}[m.group(2)]
    places = len(number.split(".")[1]) if "." in number else 0
    return float(number) * scale, scale / 10**max(places, 2) if m.group(2) else 1


def shown_matches(text, value, indicator):
    """True when `text` shows `value` of `indicator` (with its unit)."""
    places = indicator.get("decimal_places", 0)
    if indicator.get("unit") == "INDICATOR_UNIT_YEN" and places == 0:
        got, step = yen_of(text)
        return got is not None and abs(got - int(value)) < step + 0.5
    return text.startswith(exact(value, places))


PROBE = r"""<script>
(() => {
  const vis = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const bg = e => getComputedStyle(e).backgroundColor;
  const out = {text: document.body.innerText, indicators: {}, legend: {}, reports: [],
               phases: [], plans: [], kgis: {}, overdue: [], roles: {},
               fetched: performance.getEntriesByType('resource').length};
  document.querySelectorAll('body > [data-role], p[data-role], span[data-role], div[data-role]')
    .forEach(e => { if (!e.closest('[data-indicator]')) out.roles[e.dataset.role] = e.innerText; });
  document.querySelectorAll('[data-indicator]').forEach(card => {
    const o = {roles: {}, rows: {}, points: [], expected: null, visible: vis(card),
               border: getComputedStyle(card).borderLeftColor};
    card.querySelectorAll('[data-role]').forEach(e => {
      if (e.closest('svg') || e.closest('tr') || o.roles[e.dataset.role]) return;
      o.roles[e.dataset.role] = {text: e.innerText, visible: vis(e), bg: bg(e),
                                 status: e.dataset.status || null};
    });
    card.querySelectorAll('tr[data-period]').forEach(tr => {
      const row = {};
      tr.querySelectorAll('[data-series]').forEach(td => { row[td.dataset.series] = td.innerText; });
      o.rows[tr.dataset.period] = row;
    });
    const svg = card.querySelector('svg[data-chart]');
    if (svg) {
      o.chart = vis(svg);
      svg.querySelectorAll('[data-series][data-period]').forEach(p => {
        const r = p.getBoundingClientRect();
        o.points.push({series: p.dataset.series, period: p.dataset.period,
                       value: p.dataset.value, cy: r.top + r.height / 2, visible: vis(p),
                       fill: getComputedStyle(p).fill});
      });
      const ex = svg.querySelector('[data-series=expected]');
      o.expected = ex ? {visible: vis(ex), points: ex.points.numberOfItems} : null;
    }
    out.indicators[card.dataset.indicator] = o;
  });
  document.querySelectorAll('[data-role=block-status] .legend li[data-status], body > .legend li[data-status]')
    .forEach(li => { out.legend[li.dataset.status] = {count: Number(li.dataset.count),
      text: li.innerText, colour: bg(li.querySelector('.swatch'))}; });
  document.querySelectorAll('tr[data-report-period]:not([data-overdue])').forEach(tr => {
    out.reports.push({period: tr.dataset.reportPeriod, state: tr.dataset.state,
                      text: tr.innerText, bg: bg(tr.cells[0])}); });
  document.querySelectorAll('tr[data-overdue]').forEach(tr => {
    out.overdue.push({plan: tr.dataset.overdue, period: tr.dataset.reportPeriod,
                      state: tr.dataset.state, text: tr.innerText}); });
  document.querySelectorAll('li[data-phase]').forEach(li => {
    out.phases.push({phase: li.dataset.phase, current: li.classList.contains('current'),
                     text: li.innerText, count: li.dataset.count}); });
  document.querySelectorAll('tr[data-plan]').forEach(tr => {
    const kpis = tr.querySelector('[data-role=kpis]');
    const segments = {};
    tr.querySelectorAll('rect[data-status]').forEach(r => { segments[r.dataset.status] = Number(r.dataset.count); });
    out.plans.push({plan: tr.dataset.plan, state: tr.dataset.state, phase: tr.dataset.phase,
                    text: tr.innerText, kpis: kpis ? kpis.innerText : null, segments}); });
  document.querySelectorAll('tr[data-kgi]').forEach(tr => {
    const k = {};
    tr.querySelectorAll('[data-role]').forEach(td => { k[td.dataset.role] = td.innerText; });
    out.kgis[tr.dataset.kgi] = k; });
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def browse(work, page, name):
    """What chromium shows of `page` (the probe's findings), after checking it is
    self-contained."""
    html = page.read_text()
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
    if not csp or "default-src 'none'" not in csp.group(1) or "script-src" in csp.group(1):
        fail(f"{name}: no Content-Security-Policy of default-src 'none' without scripts")
    if "<script" in html.lower():
        fail(f"{name}: the page holds a script")
    if re.search(r"\b(src|href|xlink:href)\s*=", html) or re.search(r"url\(", html):
        fail(f"{name}: the page refers to something outside it")
    # The copy the browser loads: the probe added, and a policy that lets it run and lets
    # anything else load, so that a reference the page should not have shows as a fetch.
    probed = work / f"probe-{page.name}"
    policy = '<meta http-equiv="Content-Security-Policy" content="script-src \'unsafe-inline\'">'
    probed.write_text((html.replace(csp.group(0), policy) if csp else html)
                      .replace("</body>", PROBE + "</body>"))
    dom = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={work / 'chromium'}", "--window-size=1280,2000", "--dump-dom",
         probed.as_uri()], capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    if not m:
        raise SystemExit(f"FAIL: {name}: chromium showed no probe:\n{dom.stderr[-2000:]}")
    shown = json.loads(m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    if shown["fetched"] != 0:
        fail(f"{name}: the browser fetched {shown['fetched']} resources")
    return shown


def check_plan(suite, admin, work, name):
    page = work / f"{name.replace('/', '_')}.html"
    suite.rfsctl("kpi", "report", name, "--as_of", AS_OF, "--out", str(page), token=admin)
    shown = browse(work, page, name)
    progress = json.loads(suite.rfsctl("kpi", "progress", name, "--as_of", AS_OF, "--json",
                                       token=admin))
    checked = 0
    indicators = progress.get("indicators", [])
    if len(shown["indicators"]) != len(indicators):
        fail(f"{name}: {len(shown['indicators'])} indicators shown, GetProgress has {len(indicators)}")
    # The half years of the charts: the page's table and points name them; each is compared
    # with GetProgress at that half year.
    halves = sorted({p for o in shown["indicators"].values() for p in o["rows"]}
                    | {p["period"] for o in shown["indicators"].values() for p in o["points"]})
    # The tables run from the half year after the earliest baseline to the report's.
    def half_index(p):
        return p.get("fiscal_year", 0) * 2 + (0 if p.get("half") == "FISCAL_HALF_H1" else 1)
    as_of_index = int(AS_OF[:4]) * 2 + 1
    start = min([half_index(i["indicator"]["baseline"]["period"]) + 1 for i in indicators
                 if i["indicator"].get("baseline", {}).get("period", {}).get("fiscal_year")]
                + [as_of_index])
    want_rows = [f"{h // 2}-H{h % 2 + 1}" for h in range(start, as_of_index + 1)]
    for iid, o in shown["indicators"].items():
        if sorted(o["rows"]) != want_rows:
            fail(f"{name} {iid}: table rows {sorted(o['rows'])}, want {want_rows}")
    at = {AS_OF: progress}
    for half in halves:
        if half not in at:
            at[half] = json.loads(suite.rfsctl("kpi", "progress", name, "--as_of", half, "--json",
                                               token=admin))
    for ip in indicators:
        ind = ip["indicator"]
        iid = ind["id"]
        o = shown["indicators"].get(iid)
        if o is None:
            fail(f"{name} {iid}: not shown")
            continue
        where = f"{name} {iid}"
        status = short(ip["reported"].get("status", "PROGRESS_STATUS_UNSPECIFIED"))
        badge = o["roles"].get("status", {})
        if not o["visible"] or not badge.get("visible"):
            fail(f"{where}: the card or its status is not visible")
        if badge.get("text") != WORDS.get(status):
            fail(f"{where}: status shown {badge.get('text')!r}, GetProgress {status}")
        if badge.get("bg") != rgb(GRAFANA[STATUS_COLOURS[status]]) or o["border"] != badge.get("bg"):
            fail(f"{where}: status colour {badge.get('bg')} (border {o['border']}), "
                 f"the dashboards' {STATUS_COLOURS[status]}")
        override = short(ip.get("override", {}).get("status", "PROGRESS_STATUS_UNSPECIFIED"))
        if (override != "UNSPECIFIED") != ("override" in o["roles"]):
            fail(f"{where}: reviewer's status {override}, shown: {o['roles'].get('override')}")
        for role, value in (("reported", ip["reported"].get("value")),
                            ("verified", ip["verified"].get("value")),
                            ("expected", ip.get("expected_now")),
                            ("target", ind.get("target", {}).get("value")),
                            ("baseline", ind.get("baseline", {}).get("value"))):
            text = o["roles"].get(role, {}).get("text")
            if value is None:
                if text != "—":
                    fail(f"{where}: {role} shown {text!r}, GetProgress has none")
            elif text is None or not shown_matches(text, value, ind):
                fail(f"{where}: {role} shown {text!r}, GetProgress {value}")
            checked += 1
        planned = any("expected_now" in i for h in halves for i in at[h].get("indicators", [])
                      if i["indicator"]["id"] == iid)
        if not o.get("chart") or (planned and not (o["expected"] and o["expected"]["visible"])):
            fail(f"{where}: no chart, or no planned path where GetProgress has one")
        if not planned and o["expected"]:
            fail(f"{where}: a planned path drawn where GetProgress has none (target unset)")
        # Every half year of the chart against GetProgress at that half year.
        points = {(p["series"], p["period"]): p for p in o["points"]}
        for half in halves:
            ih = next((i for i in at[half].get("indicators", []) if i["indicator"]["id"] == iid), None)
            if ih is None:
                continue
            places = ind.get("decimal_places", 0)
            row = o["rows"].get(half)
            for series in ("reported", "verified"):
                actual = ih[series]
                period = actual.get("period", {})
                here = "value" in actual and f"{period.get('fiscal_year')}-{period.get('half', '').removeprefix('FISCAL_HALF_')}" == half
                point = points.get((series, half))
                if here:
                    if point is None or not point["visible"] or point["value"] != str(actual["value"]):
                        fail(f"{where} {half}: {series} {actual['value']} not drawn ({point})")
                    if row is not None and row.get(series) != exact(actual["value"], places):
                        fail(f"{where} {half}: {series} shown {row.get(series)!r}, "
                             f"GetProgress {exact(actual['value'], places)}")
                    if series == "reported" and point is not None and point["fill"] != rgb(
                            GRAFANA[STATUS_COLOURS[short(actual.get('status', 'NO_DATA'))]]):
                        fail(f"{where} {half}: point colour {point['fill']}, status {actual.get('status')}")
                    checked += 1
                else:
                    if point is not None:
                        fail(f"{where} {half}: a {series} point GetProgress does not have")
                    if row is not None and row.get(series) != "—":
                        fail(f"{where} {half}: {series} shown {row.get(series)!r}, GetProgress none")
            if row is not None:
                want = exact(ih["expected_now"], places) if "expected_now" in ih else "—"
                if row.get("expected") != want:
                    fail(f"{where} {half}: planned {row.get('expected')!r}, GetProgress {want}")
                checked += 1
        # Higher values are drawn higher.
        drawn = [p for p in o["points"] if p["series"] == "reported"]
        for a in drawn:
            for b in drawn:
                if int(a["value"]) > int(b["value"]) and not a["cy"] < b["cy"]:
                    fail(f"{where}: {a['value']} ({a['period']}) drawn below {b['value']} ({b['period']})")
    # The summary.
    by_status = {short(k): v for k, v in progress.get("summary", {}).get("indicators_by_status", {}).items()}
    for status, hex_name in STATUS_COLOURS.items():
        entry = shown["legend"].get(status)
        if entry is None or entry["count"] != by_status.get(status, 0) or \
                entry["colour"] != rgb(GRAFANA[hex_name]) or not entry["text"].startswith(WORDS[status]):
            fail(f"{name}: legend {status}: {entry}, GetProgress {by_status.get(status, 0)}")
    summary = progress.get("summary", {})
    want_kpis = f"{summary.get('kpis_achieved', 0)} / {summary.get('kpis', 0)}"
    if not shown["roles"].get("kpis", "").endswith(want_kpis):
        fail(f"{name}: KPIs shown {shown['roles'].get('kpis')!r}, GetProgress {want_kpis}")
    # The PDCA cycle.
    cycle = json.loads(suite.rfsctl("pdca", "show", name, AS_OF, "--json", token=admin))
    current = [p for p in shown["phases"] if p["current"]]
    phase = short(cycle.get("phase", "PDCA_PHASE_PLAN"))
    if [p["phase"] for p in current] != [phase] or current[0]["text"] != PHASES[phase]:
        fail(f"{name}: PDCA phase shown {current}, GetPdcaCycle {phase}")
    # The reports of each half year, as GetReportingStatus has them.
    plan_type = name.split("/")[1][0]
    for r in shown["reports"]:
        status = json.loads(suite.rfsctl("kpi", "reporting", r["period"], "--plan_type", plan_type,
                                         "--json", token=admin))
        row = next((p for p in status.get("plans", []) if p["plan"] == name), None)
        if row is None or short(row["state"]) != r["state"]:
            fail(f"{name}: report of {r['period']} shown {r['state']}, GetReportingStatus {row}")
        overdue = r["state"] in ("INCOMPLETE", "MISSING")
        if overdue != (r["bg"] == "rgb(255, 235, 233)"):
            fail(f"{name}: report of {r['period']} ({r['state']}) drawn {r['bg']}")
        checked += 1
    status = json.loads(suite.rfsctl("kpi", "reporting", AS_OF, "--plan_type", plan_type, "--json",
                                     token=admin))
    if any(p["plan"] == name for p in status.get("plans", [])) and AS_OF not in [r["period"] for r in shown["reports"]]:
        fail(f"{name}: the report of {AS_OF} is not shown")
    print(f"report {name}: {len(indicators)} indicators, {len(halves)} half years, "
          f"{checked} figures equal GetProgress", flush=True)
    return checked


def check_block(suite, admin, work, block):
    page = work / f"block-{block}.html"
    suite.rfsctl("kpi", "report", "--block", block, "--as_of", AS_OF, "--out", str(page),
                 token=admin)
    shown = browse(work, page, f"block {block}")
    kgi = json.loads(suite.rfsctl("kpi", "national", AS_OF.split("-")[0], "--block", block,
                                  "--json", token=admin))
    for t in kgi.get("totals", []):
        k = shown["kgis"].get(short(t["kgi"]), {})
        unit = {"unit": t.get("unit"), "decimal_places": 0}
        for field in ("target", "reported", "verified"):
            if not shown_matches(k.get(field, ""), t.get(field, 0), unit):
                fail(f"block {block}: {short(t['kgi'])} {field} shown {k.get(field)!r}, "
                     f"AggregateKgi {t.get(field, 0)}")
    want = f"{kgi.get('plans_with_kpi_achieved', 0)} / {kgi.get('plans', 0)}"
    if shown["roles"].get("plans-with-kpi-achieved") != want:
        fail(f"block {block}: plans with a KPI achieved {shown['roles'].get('plans-with-kpi-achieved')!r}, AggregateKgi {want}")
    status = json.loads(suite.rfsctl("kpi", "reporting", AS_OF, "--block", block, "--json",
                                     token=admin))
    listed = [p["plan"] for p in status.get("plans", [])]
    if [p["plan"] for p in shown["plans"]] != listed or not listed:
        fail(f"block {block}: plans shown {[p['plan'] for p in shown['plans']]}, GetReportingStatus {listed}")
    totals = {}
    for row, p in zip(shown["plans"], status.get("plans", [])):
        if row["state"] != short(p["state"]):
            fail(f"block {block} {p['plan']}: report state {row['state']}, GetReportingStatus {p['state']}")
        progress = json.loads(suite.rfsctl("kpi", "progress", p["plan"], "--as_of", AS_OF, "--json",
                                           token=admin))
        summary = progress.get("summary", {})
        by_status = {short(k): v for k, v in summary.get("indicators_by_status", {}).items() if v}
        if row["segments"] != by_status:
            fail(f"block {block} {p['plan']}: status bar {row['segments']}, GetProgress {by_status}")
        for s, n in by_status.items():
            totals[s] = totals.get(s, 0) + n
        if row["kpis"] != f"{summary.get('kpis_achieved', 0)} / {summary.get('kpis', 0)}":
            fail(f"block {block} {p['plan']}: KPIs {row['kpis']!r}, GetProgress {summary}")
        cycle = json.loads(suite.rfsctl("pdca", "show", p["plan"], AS_OF, "--json", token=admin))
        if row["phase"] != short(cycle.get("phase", "PDCA_PHASE_PLAN")):
            fail(f"block {block} {p['plan']}: PDCA {row['phase']}, GetPdcaCycle {cycle.get('phase')}")
    for s in STATUS_COLOURS:
        if shown["legend"].get(s, {}).get("count") != totals.get(s, 0):
            fail(f"block {block}: {s} {shown['legend'].get(s)}, GetProgress over its plans {totals.get(s, 0)}")
    phases = {p["phase"]: int(p["count"]) for p in shown["phases"]}
    want_phases = {}
    for p in shown["plans"]:
        want_phases[p["phase"]] = want_phases.get(p["phase"], 0) + 1
    if any(phases.get(k, 0) != v for k, v in want_phases.items()) or sum(phases.values()) != len(listed):
        fail(f"block {block}: PDCA phases {phases}, the plans' {want_phases}")
    # Overdue: every INCOMPLETE or MISSING report of the half year and the three before it.
    want_overdue = []
    year, half = int(AS_OF[:4]), AS_OF[-2:]
    for _ in range(4):
        period = f"{year}-{half}"
        s = json.loads(suite.rfsctl("kpi", "reporting", period, "--block", block, "--json",
                                    token=admin))
        want_overdue += [(p["plan"], period, short(p["state"])) for p in s.get("plans", [])
                         if short(p["state"]) in ("INCOMPLETE", "MISSING")]
        year, half = (year, "H1") if half == "H2" else (year - 1, "H2")
    got_overdue = [(o["plan"], o["period"], o["state"]) for o in shown["overdue"]]
    if got_overdue != want_overdue:
        fail(f"block {block}: overdue shown {got_overdue}, GetReportingStatus {want_overdue}")
    print(f"report block {block}: {len(listed)} plans, {len(got_overdue)} overdue reports, "
          f"KGIs equal AggregateKgi", flush=True)


def main():
    if shutil.which("chromium") is None:
        raise SystemExit("FAIL: chromium is not installed (scripts/install-deps.sh installs it)")
    work = Path(tempfile.mkdtemp(prefix="rfs-report-"))
    suite = Suite(SRC, BUILD, work)
    try:
        suite.start()
        admin = suite.token("secretariat", "report-test")
        bureau = suite.token("bureau", "hokuriku-bureau", "--block", "HOKURIKU")
        plans = json.loads(suite.rfsctl("list", "--json", token=admin)).get("plans", [])
        with_values = []
        for plan in plans:
            ms = suite.rfsctl("kpi", "list", plan["name"], "--json", token=admin, check=False)
            if ms and json.loads(ms).get("measurements"):
                with_values.append((plan["name"], json.loads(ms)["measurements"]))
        if len(with_values) < 2:
            raise SystemExit(f"FAIL: the samples have KPI values for {len(with_values)} plans")
        # Verified values, and a cycle moved on.
        first, measurements = with_values[0]
        for m in measurements:
            if m["indicator_id"] in ("kgi-capex", "kgi-talent") and m["state"] == "MEASUREMENT_STATE_REPORTED":
                suite.rfsctl("kpi", "verify", m["name"], "--comment", "report test", token=bureau)
        suite.rfsctl("pdca", "advance", first, AS_OF, "DO", "--comment", "report test", token=bureau)
        checked = 0
        for name, _ in with_values:
            checked += check_plan(suite, admin, work, name)
        # A plan without values: every indicator NO_DATA, nothing drawn but the path.
        without = next((p["name"] for p in plans if p["name"] not in dict(with_values)), None)
        if without:
            checked += check_plan(suite, admin, work, without)
        check_block(suite, admin, work, "HOKURIKU")
        # In English: the same page, English words.
        page = work / "en.html"
        suite.rfsctl("kpi", "report", first, "--as_of", AS_OF, "--out", str(page), "--lang", "en",
                     token=admin)
        shown = browse(work, page, f"{first} (en)")
        english = ["ACHIEVED", "ON TRACK", "AT RISK", "OFF TRACK", "DETERIORATING", "NO DATA",
                   "TARGET UNSET"]
        if "Summary" not in shown["text"] or any(w not in shown["text"] for w in english) or \
                any(w in shown["text"] for w in WORDS.values()):
            fail(f"{first} (en): the English headings and status words are not what is shown")
        print(f"report: {checked} figures compared", flush=True)
    finally:
        suite.stop()
        subprocess.run(["rm", "-rf", str(work)])
    if failures:
        sys.exit(1)
    print("report: ok")


main()

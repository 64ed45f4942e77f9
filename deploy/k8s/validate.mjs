// Validates rendered Kubernetes manifests (multi-document YAML) without a cluster.
//
//   node deploy/k8s/validate.mjs FILE.yaml [LABEL]
//
// For each object:
//  1. schema: the kubernetes-models class for its apiVersion/kind, validate() (types, required
//     fields, enums, formats); an apiVersion/kind it does not know is an error;
//  2. strict fields: every field must exist in the Kubernetes type (the schemas alone accept
//     unknown fields, so a typo such as `readinesProbe` or a mis-indented block would pass);
//  3. rfs conventions (STYLE.md, "Deployment"): requests and limits on every container,
//     runAsNonRoot, readOnlyRootFilesystem, allowPrivilegeEscalation false, capabilities drop
//     ALL, seccompProfile RuntimeDefault, readiness and liveness probes;
//  4. Prometheus operator kinds (PrometheusRule, ServiceMonitor), which kubernetes-models does
//     not know: their fields checked strictly here;
//  5. references inside the render: Service/PDB/NetworkPolicy selectors select a workload,
//     ConfigMaps referenced by workloads are rendered (generated names carry a hash), the HPA's
//     target exists, a ServiceMonitor selects a Service with the port it names, no two objects
//     share kind/namespace/name.
// Secrets are created outside kustomize; the ones referenced are listed, not required.
// Exits 1 on any error, 2 on bad usage or unreadable input.
//
// Dependencies (kubernetes-models, yaml) live in ./.validate (npm ci there; check.sh does it).
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const depsDir = join(here, ".validate");
const require = createRequire(join(depsDir, "package.json"));

let YAML, models;
try {
  YAML = await import(require.resolve("yaml"));
  models = await import(require.resolve("kubernetes-models"));
} catch (e) {
  console.error(`validate: cannot load dependencies from ${depsDir} (run: npm ci --prefix ${depsDir}): ${e.message}`);
  process.exit(2);
}

// ---- model classes by apiVersion/kind -------------------------------------------------------
const classes = new Map();
(function collect(ns, depth) {
  for (const value of Object.values(ns)) {
    if (typeof value === "function" && typeof value.apiVersion === "string" && typeof value.kind === "string") {
      classes.set(`${value.apiVersion}/${value.kind}`, value);
    } else if (value && typeof value === "object" && depth < 3) {
      collect(value, depth + 1);
    }
  }
})(models, 0);
const modelsDir = dirname(require.resolve("kubernetes-models/package.json"));

// ---- strict fields: property names read from the packages' TypeScript declarations ---------
// Types: {t:"any"} | {t:"leaf"} | {t:"array", of} | {t:"map", of} | {t:"obj", props: Map}
// | {t:"ref", file} (resolved lazily) | {t:"union", of: [...]}.
const ANY = { t: "any" }, LEAF = { t: "leaf" };
const typeCache = new Map();

function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

function resolveModule(spec, fromFile) {
  let base;
  if (spec.startsWith(".")) {
    base = resolve(dirname(fromFile), spec);
  } else {
    // Walk up node_modules directories from the importing file (nested installs win).
    for (let dir = dirname(fromFile); ; dir = dirname(dir)) {
      const candidate = join(dir, "node_modules", spec);
      if (existsSync(candidate + ".d.ts")) { base = candidate; break; }
      if (dir === dirname(dir)) return null;
    }
  }
  return existsSync(base + ".d.ts") ? base + ".d.ts" : null;
}

// A tiny parser for the declaration subset these packages use.
function parseType(text, imports) {
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const union = () => {
    const parts = [primary()];
    for (ws(); text[i] === "|"; ws()) { i++; parts.push(primary()); }
    return parts.length === 1 ? parts[0] : { t: "union", of: parts };
  };
  const primary = () => {
    ws();
    if (text[i] === '"' || text[i] === "'") {
      const q = text[i++];
      while (i < text.length && text[i] !== q) i++;
      i++;
      return LEAF;
    }
    if (text[i] === "(") { i++; const t = union(); ws(); i++; return t; }
    if (text[i] === "{") { const [t, end] = parseObject(text, i, imports); i = end; return t; }
    const m = /^[A-Za-z_$][\w$.]*/.exec(text.slice(i));
    if (!m) throw new Error(`cannot parse type at: ${text.slice(i, i + 40)}`);
    i += m[0].length;
    let t;
    if (m[0] === "Array") {
      ws(); i++; // <
      const of = union();
      ws(); i++; // >
      t = { t: "array", of };
    } else if (["string", "number", "boolean", "null", "undefined"].includes(m[0])) {
      t = LEAF;
    } else if (["any", "unknown", "object"].includes(m[0])) {
      t = ANY;
    } else if (imports.has(m[0])) {
      t = { t: "ref", file: imports.get(m[0]) };
    } else {
      t = ANY; // Unknown name: do not guess.
    }
    for (ws(); text.startsWith("[]", i); ws()) { i += 2; t = { t: "array", of: t }; }
    return t;
  };
  const t = union();
  return [t, i];
}

// Parses `{ "a"?: T; [key: string]: U; }` starting at text[start] === "{".
function parseObject(text, start, imports) {
  let i = start + 1;
  const props = new Map();
  let index = null;
  for (;;) {
    while (i < text.length && /[\s;,]/.test(text[i])) i++;
    if (text[i] === "}") { i++; break; }
    let name;
    if (text[i] === "[") {
      const close = text.indexOf("]", i);
      i = close + 1;
      name = null;
    } else {
      const m = /^("([^"]*)"|'([^']*)'|([A-Za-z_$][\w$]*))\??/.exec(text.slice(i));
      if (!m) throw new Error(`cannot parse member at: ${text.slice(i, i + 40)}`);
      name = m[2] ?? m[3] ?? m[4];
      i += m[0].length;
    }
    while (/\s/.test(text[i])) i++;
    if (text[i] !== ":") throw new Error(`expected ':' at: ${text.slice(i, i + 40)}`);
    i++;
    const [t, end] = parseType(text.slice(i), imports);
    i += end;
    if (name === null) index = t; else props.set(name, t);
  }
  if (index) return [{ t: "map", of: index }, i];
  if (props.size === 0) return [ANY, i];
  return [{ t: "obj", props }, i];
}

function loadDeclaration(file) {
  if (typeCache.has(file)) return typeCache.get(file);
  typeCache.set(file, ANY); // Recursive types (JSONSchemaProps) stay permissive.
  const src = stripComments(readFileSync(file, "utf8"));
  const imports = new Map();
  for (const m of src.matchAll(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    const target = resolveModule(m[2], file);
    if (!target) continue;
    for (const name of m[1].split(",").map((s) => s.trim()).filter(Boolean)) {
      imports.set(name.split(/\s+as\s+/).pop(), target);
    }
  }
  let type = ANY;
  const iface = /export interface \w+(?:\s+extends[^{]*)?\s*\{/.exec(src);
  const alias = /export declare type (I\w+) = ([^;]+);/.exec(src);
  try {
    if (iface) type = parseObject(src, iface.index + iface[0].length - 1, imports)[0];
    else if (alias) type = parseType(alias[2], imports)[0];
  } catch (e) {
    throw new Error(`${file}: ${e.message}`);
  }
  typeCache.set(file, type);
  return type;
}

function deref(type) {
  return type.t === "ref" ? loadDeclaration(type.file) : type;
}

function checkFields(value, type, path, errors) {
  type = deref(type);
  if (value === null || value === undefined || type.t === "any" || type.t === "leaf") return;
  if (type.t === "union") {
    const members = type.of.map(deref);
    const pick = Array.isArray(value) ? members.find((m) => m.t === "array")
      : typeof value === "object" ? members.find((m) => m.t === "obj" || m.t === "map") : null;
    if (pick) checkFields(value, pick, path, errors);
    return;
  }
  if (type.t === "array") {
    if (Array.isArray(value)) value.forEach((v, k) => checkFields(v, type.of, `${path}/${k}`, errors));
    return;
  }
  if (typeof value !== "object" || Array.isArray(value)) return; // The schema reports it.
  if (type.t === "map") {
    for (const [k, v] of Object.entries(value)) checkFields(v, type.of, `${path}/${k}`, errors);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (!type.props.has(k)) errors.push(`${path || "/"}: unknown field "${k}"`);
    else checkFields(v, type.props.get(k), `${path}/${k}`, errors);
  }
}

function declarationFile(apiVersion, kind) {
  const file = join(modelsDir, apiVersion, `${kind}.d.ts`);
  return existsSync(file) ? file : null;
}

// ---- rfs conventions -------------------------------------------------------------------------
const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

function podTemplate(obj) {
  if (WORKLOADS.has(obj.kind)) return obj.spec?.template;
  if (obj.kind === "CronJob") return obj.spec?.jobTemplate?.spec?.template;
  if (obj.kind === "Pod") return obj;
  return null;
}

function checkConventions(obj, errors) {
  const tpl = podTemplate(obj);
  if (!tpl) return;
  const pod = tpl.spec ?? {};
  const psc = pod.securityContext ?? {};
  const containers = [...(pod.initContainers ?? []).map((c) => [c, true]), ...(pod.containers ?? []).map((c) => [c, false])];
  for (const [c, init] of containers) {
    const where = `container ${c.name}`;
    const sc = c.securityContext ?? {};
    const res = c.resources ?? {};
    for (const kind of ["requests", "limits"]) {
      for (const r of ["cpu", "memory"]) {
        if (res[kind]?.[r] === undefined) errors.push(`${where}: resources.${kind}.${r} is not set`);
      }
    }
    if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) errors.push(`${where}: runAsNonRoot is not true`);
    if (sc.readOnlyRootFilesystem !== true) errors.push(`${where}: readOnlyRootFilesystem is not true`);
    if (sc.allowPrivilegeEscalation !== false) errors.push(`${where}: allowPrivilegeEscalation is not false`);
    if (sc.privileged === true) errors.push(`${where}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) errors.push(`${where}: capabilities.drop lacks ALL`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") errors.push(`${where}: seccompProfile is not RuntimeDefault`);
    if (!init && obj.kind !== "Job" && obj.kind !== "CronJob") {
      if (!c.readinessProbe) errors.push(`${where}: no readinessProbe`);
      if (!c.livenessProbe) errors.push(`${where}: no livenessProbe`);
    }
  }
}

// ---- references within the render ------------------------------------------------------------
function matches(selector, labels) {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

function checkReferences(objects, report) {
  const key = (o) => `${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
  const seen = new Set();
  for (const o of objects) {
    if (seen.has(key(o))) report(o, `duplicate ${key(o)}`);
    seen.add(key(o));
  }
  const ns = (o) => o.metadata?.namespace ?? "";
  const pods = objects.filter((o) => podTemplate(o)).map((o) => ({ obj: o, labels: podTemplate(o).metadata?.labels ?? {} }));
  const selects = (o, sel) => pods.some((p) => ns(p.obj) === ns(o) && matches(sel, p.labels));
  const has = (kind, o, name) => objects.some((x) => x.kind === kind && ns(x) === ns(o) && x.metadata?.name === name);
  const secrets = new Set();
  for (const o of objects) {
    if (o.kind === "Service" && o.spec?.selector && !selects(o, o.spec.selector)) report(o, "selector matches no pod template");
    if (o.kind === "PodDisruptionBudget" && !selects(o, o.spec?.selector?.matchLabels)) report(o, "selector matches no pod template");
    if (o.kind === "NetworkPolicy" && Object.keys(o.spec?.podSelector?.matchLabels ?? {}).length && !selects(o, o.spec.podSelector.matchLabels)) {
      report(o, "podSelector matches no pod template");
    }
    if (o.kind === "HorizontalPodAutoscaler") {
      const t = o.spec?.scaleTargetRef ?? {};
      if (!has(t.kind, o, t.name)) report(o, `scaleTargetRef ${t.kind}/${t.name} is not in the render`);
    }
    const tpl = podTemplate(o);
    if (!tpl) continue;
    const spec = tpl.spec ?? {};
    if (spec.serviceAccountName && !has("ServiceAccount", o, spec.serviceAccountName)) {
      report(o, `serviceAccountName ${spec.serviceAccountName} is not in the render`);
    }
    if (o.kind === "StatefulSet" && o.spec?.serviceName && !has("Service", o, o.spec.serviceName)) {
      report(o, `serviceName ${o.spec.serviceName} is not in the render`);
    }
    const configMaps = [], secretRefs = [];
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef && !e.configMapRef.optional) configMaps.push(e.configMapRef.name);
        if (e.secretRef) secretRefs.push(e.secretRef.name);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.configMapKeyRef;
        if (ref && !ref.optional) configMaps.push(ref.name);
        if (e.valueFrom?.secretKeyRef) secretRefs.push(`${e.valueFrom.secretKeyRef.name} (key ${e.valueFrom.secretKeyRef.key})`);
      }
    }
    for (const v of spec.volumes ?? []) {
      if (v.configMap && !v.configMap.optional) configMaps.push(v.configMap.name);
      if (v.secret && !v.secret.optional) secretRefs.push(`${v.secret.secretName}${v.secret.items ? ` (key ${v.secret.items.map((i) => i.key).join(", ")})` : ""}`);
    }
    for (const name of configMaps) if (!has("ConfigMap", o, name)) report(o, `ConfigMap ${name} is not in the render`);
    for (const s of secretRefs) if (!has("Secret", o, s.split(" ")[0])) secrets.add(`${ns(o) || "(namespace)"}/${s}`);
  }
  return [...secrets].sort();
}

// ---- Prometheus operator resources (monitoring.coreos.com/v1) -------------------------------
// Not in kubernetes-models: the fields rfs uses are checked here, strictly (an unknown field is
// an error, as for the core kinds), and a ServiceMonitor must select a Service of the render
// that has the port it names.
const isStringMap = (m) => m && typeof m === "object" && !Array.isArray(m) && Object.values(m).every((v) => typeof v === "string");
function onlyKeys(obj, allowed, path, errors) {
  for (const k of Object.keys(obj ?? {})) if (!allowed.includes(k)) errors.push(`${path}: unknown field "${k}"`);
}
const operatorKinds = {
  PrometheusRule(o, errors) {
    onlyKeys(o, ["apiVersion", "kind", "metadata", "spec"], "/", errors);
    onlyKeys(o.spec, ["groups"], "/spec", errors);
    const groups = o.spec?.groups;
    if (!Array.isArray(groups) || groups.length === 0) { errors.push("/spec/groups: at least one group"); return; }
    groups.forEach((g, i) => {
      const p = `/spec/groups/${i}`;
      onlyKeys(g, ["name", "interval", "rules"], p, errors);
      if (typeof g.name !== "string" || !g.name) errors.push(`${p}/name: required`);
      if (!Array.isArray(g.rules) || g.rules.length === 0) errors.push(`${p}/rules: at least one rule`);
      (g.rules ?? []).forEach((r, j) => {
        const q = `${p}/rules/${j}`;
        onlyKeys(r, ["alert", "record", "expr", "for", "labels", "annotations"], q, errors);
        if (!!r.alert === !!r.record) errors.push(`${q}: exactly one of alert and record`);
        if (typeof r.expr !== "string" || !r.expr.trim()) errors.push(`${q}/expr: required`);
        if (r.for !== undefined && !/^(\d+(ms|s|m|h|d|w|y))+$/.test(r.for)) errors.push(`${q}/for: not a duration`);
        if (r.labels !== undefined && !isStringMap(r.labels)) errors.push(`${q}/labels: strings only`);
        if (r.annotations !== undefined && !isStringMap(r.annotations)) errors.push(`${q}/annotations: strings only`);
      });
    });
  },
  ServiceMonitor(o, errors) {
    onlyKeys(o, ["apiVersion", "kind", "metadata", "spec"], "/", errors);
    onlyKeys(o.spec, ["selector", "endpoints", "namespaceSelector", "jobLabel"], "/spec", errors);
    onlyKeys(o.spec?.selector, ["matchLabels"], "/spec/selector", errors);
    if (!isStringMap(o.spec?.selector?.matchLabels)) errors.push("/spec/selector/matchLabels: required, strings only");
    const endpoints = o.spec?.endpoints;
    if (!Array.isArray(endpoints) || endpoints.length === 0) { errors.push("/spec/endpoints: at least one endpoint"); return; }
    endpoints.forEach((e, i) => {
      onlyKeys(e, ["port", "path", "interval", "scrapeTimeout", "scheme"], `/spec/endpoints/${i}`, errors);
      if (typeof e.port !== "string" || !e.port) errors.push(`/spec/endpoints/${i}/port: a named port is required`);
    });
  },
};
function checkServiceMonitors(objects, report) {
  const ns = (o) => o.metadata?.namespace ?? "";
  for (const m of objects.filter((o) => o.kind === "ServiceMonitor")) {
    const services = objects.filter((s) => s.kind === "Service" && ns(s) === ns(m) && matches(m.spec?.selector?.matchLabels ?? {}, s.metadata?.labels ?? {}));
    if (services.length === 0) { report(m, "selector matches no Service of the render"); continue; }
    for (const e of m.spec?.endpoints ?? []) {
      for (const s of services) {
        if (!(s.spec?.ports ?? []).some((p) => p.name === e.port)) report(m, `Service ${s.metadata.name} has no port named ${e.port}`);
      }
    }
  }
}

// ---- main ------------------------------------------------------------------------------------
const [file, label = file] = process.argv.slice(2);
if (!file) {
  console.error("usage: node validate.mjs RENDERED.yaml [LABEL]");
  process.exit(2);
}
let text;
try {
  text = readFileSync(file, "utf8");
} catch (e) {
  console.error(`validate: ${e.message}`);
  process.exit(2);
}

let failures = 0;
const fail = (where, msg) => { failures++; console.error(`  ERROR ${label}: ${where}: ${msg}`); };
const describe = (o) => `${o?.kind ?? "?"} ${o?.metadata?.namespace ? o.metadata.namespace + "/" : ""}${o?.metadata?.name ?? "?"}`;

const objects = [];
YAML.parseAllDocuments(text).forEach((doc, n) => {
  if (doc.errors.length) { for (const e of doc.errors) fail(`document ${n + 1}`, `YAML: ${e.message}`); return; }
  const obj = doc.toJS();
  if (obj === null || obj === undefined) return;
  if (typeof obj !== "object" || Array.isArray(obj)) { fail(`document ${n + 1}`, "not an object"); return; }
  objects.push(obj);
});

const counts = new Map();
for (const obj of objects) {
  const where = describe(obj);
  counts.set(obj.kind, (counts.get(obj.kind) ?? 0) + 1);
  if (obj.apiVersion === "monitoring.coreos.com/v1" && operatorKinds[obj.kind]) {
    if (!obj.metadata?.name) fail(where, "metadata.name is missing");
    const errors = [];
    operatorKinds[obj.kind](obj, errors);
    for (const m of errors) fail(where, `schema: ${m}`);
    continue;
  }
  const Model = classes.get(`${obj.apiVersion}/${obj.kind}`);
  if (!Model) { fail(where, `unknown apiVersion/kind ${obj.apiVersion}/${obj.kind}`); continue; }
  if (!obj.metadata?.name) fail(where, "metadata.name is missing");
  try {
    new Model(obj).validate();
  } catch (e) {
    const list = e.errors?.length ? e.errors.map((x) => `${x.instancePath || "/"} ${x.message}${x.params?.allowedValues ? ` (${x.params.allowedValues.join(", ")})` : ""}`) : [e.message];
    for (const m of list) fail(where, `schema: ${m}`);
  }
  const decl = declarationFile(obj.apiVersion, obj.kind);
  if (decl) {
    const errors = [];
    checkFields(obj, { t: "ref", file: decl }, "", errors);
    for (const m of errors) fail(where, `strict: ${m}`);
  }
  const policy = [];
  checkConventions(obj, policy);
  for (const m of policy) fail(where, `convention: ${m}`);
}
const secrets = checkReferences(objects, (o, m) => fail(describe(o), `reference: ${m}`));
checkServiceMonitors(objects, (o, m) => fail(describe(o), `reference: ${m}`));

const summary = [...counts].map(([k, n]) => `${n} ${k}`).join(", ");
if (objects.length === 0) fail("render", "no objects");
if (failures) {
  console.error(`FAIL ${label}: ${failures} error(s) in ${objects.length} objects`);
  process.exit(1);
}
console.log(`ok   ${label}: ${objects.length} objects valid (${summary})`);
if (secrets.length) console.log(`     secrets to create: ${secrets.join("; ")}`);

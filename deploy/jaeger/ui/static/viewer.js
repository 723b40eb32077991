// The PSO trace viewer on Jaeger's v1 HTTP query API (/api/services, /api/traces, /api/traces/{id}).
// Span data is only ever put in the page as text (textContent, append of strings), never as markup:
// attribute values come from the services and must not be able to run script here.
"use strict";

const EVENT_KEY = "messaging.kafka.message.key"; // the event id, on every Kafka span of our services
// Preselected: every report's trace starts there, while "(all services)" lists each changelog send too.
const ENTRY_SERVICE = "intake";
const TRACE_ID = /^[0-9a-f]{1,32}$/;
const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "style") Object.assign(node.style, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

async function api(path, params = {}) {
  // Relative to <base>, so the page also works under a Jaeger base path.
  const url = new URL("api/" + path, document.baseURI);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const response = await fetch(url, { headers: { accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const reason = body.errors && body.errors[0] ? `: ${body.errors[0].msg}` : "";
    throw new Error(`HTTP ${response.status}${reason}`);
  }
  return body;
}

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

function formatDuration(us) {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(us < 1e4 ? 2 : 1)} ms`;
  return `${(us / 1e6).toFixed(2)} s`;
}

// Every part named: given only fractionalSecondDigits, toLocaleString prints nothing but the milliseconds.
const TIME_FORMAT = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" };
const formatTime = (us) =>
  new Date(us / 1000).toLocaleString(undefined, { ...TIME_FORMAT, second: "2-digit", fractionalSecondDigits: 3, hour12: false });
const tagValue = (tags, key) => (tags || []).find((tag) => tag.key === key)?.value;

function isError(span) {
  const flag = tagValue(span.tags, "error");
  return flag === true || flag === "true" || tagValue(span.tags, "otel.status_code") === "ERROR";
}

function parentOf(span) {
  const refs = span.references || [];
  const ref = refs.find((r) => r.refType === "CHILD_OF") || refs[0];
  return ref ? ref.spanID : span.parentSpanID || null;
}

const serviceOf = (trace, span) => (span.process || trace.processes[span.processID] || {}).serviceName || "?";

function summarize(trace) {
  const spans = trace.spans || [];
  const ids = new Set(spans.map((span) => span.spanID));
  let start = Infinity;
  let end = -Infinity;
  for (const span of spans) {
    start = Math.min(start, span.startTime);
    end = Math.max(end, span.startTime + span.duration);
  }
  const roots = spans.filter((span) => !ids.has(parentOf(span))).sort((a, b) => a.startTime - b.startTime);
  // In order of first span, so that colours follow the pipeline (intake first).
  const byStart = [...spans].sort((a, b) => a.startTime - b.startTime);
  const services = [...new Set(byStart.map((span) => serviceOf(trace, span)))];
  return { root: roots[0] || spans[0], start, duration: end - start, services, error: spans.some(isError) };
}

// The services in the picker, for fanning out a search over "(all services)": the API needs one service.
let knownServices = [];

async function loadServices() {
  const { data } = await api("services");
  knownServices = (data || []).sort();
  for (const name of knownServices) $("service").append(el("option", { value: name }, name));
  if (knownServices.includes(ENTRY_SERVICE)) $("service").value = ENTRY_SERVICE;
}

async function findTraces(service, params) {
  const { data } = await api("traces", { ...params, service });
  return data || [];
}

async function search(event) {
  event?.preventDefault();
  const endUs = Date.now() * 1000;
  const limit = Math.max(1, Number($("limit").value) || 20);
  const params = { start: endUs - Number($("lookback").value) * 1e6, end: endUs, limit };
  const eventId = $("event-id").value.trim();
  if (eventId) params.tags = JSON.stringify({ [EVENT_KEY]: eventId });
  const services = $("service").value ? [$("service").value] : knownServices;
  setStatus("searching…");
  try {
    const found = new Map();
    for (const traces of await Promise.all(services.map((service) => findTraces(service, params)))) {
      for (const trace of traces) found.set(trace.traceID, trace);
    }
    const summaries = [...found.values()].map((trace) => ({ trace, ...summarize(trace) }));
    summaries.sort((a, b) => b.start - a.start);
    renderResults(summaries.slice(0, limit));
    setStatus(`${Math.min(found.size, limit)} trace(s)${eventId ? " with that event id" : ""}`);
  } catch (error) {
    setStatus(`search failed (${error.message})`, true);
  }
  if (location.hash) location.hash = "";
}

function renderResults(summaries) {
  const rows = summaries.map((s) => {
    const root = s.root || {};
    const link = el("a", { href: `#trace=${encodeURIComponent(s.trace.traceID)}` }, root.operationName || "(no spans)");
    return el(
      "tr",
      { class: s.error ? "failed" : "" },
      el("td", {}, formatTime(s.start)),
      el("td", {}, el("span", { class: "service" }, serviceOf(s.trace, root)), " ", link),
      el("td", { class: "num" }, String((s.trace.spans || []).length)),
      el("td", {}, s.services.join(", ")),
      el("td", { class: "num" }, formatDuration(s.duration)),
      el("td", {}, s.error ? "error" : ""),
    );
  });
  $("result-rows").replaceChildren(...rows);
}

// Depth-first from the roots, siblings by start time; a span whose parent is not in the trace (not
// received yet, or dropped) is shown as a root rather than hidden.
function orderSpans(spans) {
  const ids = new Set(spans.map((span) => span.spanID));
  const children = new Map();
  const roots = [];
  for (const span of spans) {
    const parent = parentOf(span);
    if (parent && ids.has(parent) && parent !== span.spanID) {
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(span);
    } else roots.push(span);
  }
  const ordered = [];
  const seen = new Set();
  const visit = (span, depth) => {
    if (seen.has(span.spanID)) return; // a malformed trace could have a reference cycle
    seen.add(span.spanID);
    ordered.push({ span, depth });
    const kids = (children.get(span.spanID) || []).sort((a, b) => a.startTime - b.startTime);
    for (const child of kids) visit(child, depth + 1);
  };
  for (const root of roots.sort((a, b) => a.startTime - b.startTime)) visit(root, 0);
  return ordered;
}

function colourOf(services, service) {
  const hue = (services.indexOf(service) * 137.508) % 360; // golden angle: neighbours stay distinct
  return `hsl(${hue.toFixed(0)} 60% 52%)`;
}

async function showTrace(traceId) {
  $("results").hidden = true;
  $("trace").hidden = false;
  $("trace-title").textContent = `Trace ${traceId}`;
  $("waterfall").replaceChildren();
  $("details").replaceChildren();
  setStatus("loading trace…");
  try {
    const { data } = await api(`traces/${encodeURIComponent(traceId)}`);
    renderTrace(data[0]);
    setStatus("");
  } catch (error) {
    setStatus(`trace ${traceId} not loaded (${error.message})`, true);
  }
}

function renderTrace(trace) {
  const summary = summarize(trace);
  const total = Math.max(summary.duration, 1);
  $("trace-summary").textContent =
    `${formatTime(summary.start)} · ${formatDuration(summary.duration)} · ${trace.spans.length} spans · ` +
    `${summary.services.join(", ")}${summary.error ? " · has errors" : ""}`;
  const axis = el("div", { class: "row axis" }, el("div", { class: "label" }, "service / span"));
  const ticks = el("div", { class: "track" });
  for (const fraction of [0, 0.25, 0.5, 0.75]) {
    ticks.append(el("span", { class: "tick", style: { left: `${fraction * 100}%` } }, formatDuration(total * fraction)));
  }
  axis.append(ticks);
  const rows = orderSpans(trace.spans).map(({ span, depth }) => {
    const service = serviceOf(trace, span);
    const bar = el("div", {
      class: "bar",
      title: `${span.operationName} · ${formatDuration(span.duration)}`,
      style: {
        left: `${((span.startTime - summary.start) / total) * 100}%`,
        width: `${Math.max((span.duration / total) * 100, 0.3)}%`,
        background: colourOf(summary.services, service),
      },
    });
    const row = el(
      "div",
      { class: `row span${isError(span) ? " failed" : ""}`, tabindex: "0" },
      el(
        "div",
        { class: "label", style: { paddingLeft: `${depth * 14 + 4}px` } },
        el("span", { class: "service", style: { borderColor: colourOf(summary.services, service) } }, service),
        " ",
        span.operationName,
      ),
      el("div", { class: "track" }, bar, el("span", { class: "took" }, formatDuration(span.duration))),
    );
    const select = () => {
      for (const other of $("waterfall").querySelectorAll(".selected")) other.classList.remove("selected");
      row.classList.add("selected");
      renderDetails(trace, span, summary.start);
    };
    row.addEventListener("click", select);
    row.addEventListener("keydown", (event) => event.key === "Enter" && select());
    return row;
  });
  $("waterfall").replaceChildren(axis, ...rows);
}

function keyValueTable(title, pairs) {
  const rows = (pairs || []).map((kv) =>
    el("tr", {}, el("th", {}, kv.key), el("td", {}, typeof kv.value === "object" ? JSON.stringify(kv.value) : String(kv.value))),
  );
  return el("section", {}, el("h3", {}, title), rows.length ? el("table", { class: "kv" }, ...rows) : el("p", { class: "muted" }, "none"));
}

function renderDetails(trace, span, traceStart) {
  const process = span.process || trace.processes[span.processID] || { serviceName: "?", tags: [] };
  const facts = [
    { key: "span id", value: span.spanID },
    { key: "parent span id", value: parentOf(span) || "(root)" },
    { key: "starts at", value: `+${formatDuration(span.startTime - traceStart)} (${formatTime(span.startTime)})` },
    { key: "duration", value: formatDuration(span.duration) },
  ];
  const events = (span.logs || []).map((log) =>
    keyValueTable(`event at +${formatDuration(log.timestamp - traceStart)}`, log.fields),
  );
  $("details").replaceChildren(
    el("h2", {}, span.operationName),
    keyValueTable("Span", facts),
    keyValueTable("Attributes", span.tags),
    keyValueTable(`Process: ${process.serviceName}`, process.tags),
    el("h3", {}, `Events (${events.length})`),
    ...events,
    ...(span.warnings || []).map((warning) => el("p", { class: "error" }, `warning: ${warning}`)),
  );
}

function route() {
  const match = /^#trace=([0-9a-fA-F]+)$/.exec(location.hash);
  if (match && TRACE_ID.test(match[1].toLowerCase())) {
    showTrace(match[1].toLowerCase());
  } else {
    $("trace").hidden = true;
    $("results").hidden = false;
  }
}

function openTrace(event) {
  event.preventDefault();
  const traceId = $("trace-id").value.trim().toLowerCase();
  if (!TRACE_ID.test(traceId)) return setStatus("a trace id is 1 to 32 hexadecimal digits", true);
  if (location.hash === `#trace=${traceId}`) route();
  else location.hash = `trace=${traceId}`;
}

async function start() {
  const version = typeof JAEGER_VERSION === "object" && JAEGER_VERSION ? JAEGER_VERSION.gitVersion : "";
  $("version").textContent = version ? `Jaeger ${version}` : "";
  $("search").addEventListener("submit", search);
  $("open-trace").addEventListener("submit", openTrace);
  window.addEventListener("hashchange", route);
  try {
    await loadServices();
  } catch (error) {
    setStatus(`services not loaded (${error.message})`, true);
  }
  if (location.hash) route();
  else if (knownServices.length) search();
  else setStatus("no traces yet: Jaeger has received no spans");
}

start();

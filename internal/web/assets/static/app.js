// Continuo live drive: renders the snapshots the server pushes (server-sent
// events from the D-Bus signals) and turns the controls into POSTs. All
// text goes in with textContent: nothing from the bus is parsed as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
let snap = null;

function el(tag, attrs, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function clock(us) {
  const s = Math.max(0, Math.floor(us / 1e6));
  return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
}

function pct(x) { return x == null ? "–" : Math.round(x * 100) + "%"; }

// ---- actions --------------------------------------------------------------

async function post(path, fields) {
  const status = $("action-status");
  status.className = "status";
  status.textContent = "…";
  try {
    const res = await fetch(path, { method: "POST", body: new URLSearchParams(fields) });
    const body = await res.json().catch(() => ({ error: res.statusText }));
    if (!res.ok) {
      status.className = "status error";
      status.textContent = body.error || ("failed: " + res.status);
    } else {
      status.textContent = "";
    }
    return { ok: res.ok, body };
  } catch (e) {
    status.className = "status error";
    status.textContent = "the view's server is not answering";
    return { ok: false, body: {} };
  }
}

function renderAsk(r) {
  const box = $("ask-result");
  box.replaceChildren();
  if (r.error) box.append(el("p", { class: "status error" }, r.error));
  if (!r.candidates || r.candidates.length === 0) {
    if (!r.error) box.append(el("p", { class: "muted" }, "no reading"));
    return;
  }
  box.append(el("p", { class: "muted" }, "How Continuo read “" + r.query + "”:"));
  const ul = el("ul", { class: "cands", id: "candidates" });
  for (const c of r.candidates) {
    const started = r.started && r.started.id === c.id;
    const li = el("li", started ? { class: "started" } : {});
    const t = el("span", { class: "ctitle" }, c.title + " — " + (c.artists || []).join(", "));
    const conf = c.confidence == null ? 0 : c.confidence;
    li.append(t, el("span", { class: "conf" }, pct(conf)));
    li.append(el("span", { class: "muted" }, "reads as " + (c.match || "?") + (c.family ? " · " + c.family : "")));
    const meter = el("div", { class: "meter", role: "meter", "aria-label": "confidence", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(conf * 100)) });
    const fill = el("div");
    fill.style.width = Math.round(conf * 100) + "%";
    meter.append(fill);
    li.append(meter);
    ul.append(li);
  }
  box.append(ul);
}

function wire() {
  $("ask-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const q = $("ask-input").value;
    $("ask-button").disabled = true;
    const { body } = await post("/api/ask", { q });
    $("ask-button").disabled = false;
    if (body && (body.candidates || body.error)) renderAsk(body);
  });
  $("skip").addEventListener("click", () => post("/api/feedback", { kind: "skip" }));
  $("like").addEventListener("click", () => post("/api/feedback", { kind: "like" }));
  $("dislike").addEventListener("click", () => post("/api/feedback", { kind: "dislike" }));
  for (const r of document.querySelectorAll("input[name=mood]")) {
    r.addEventListener("change", () => post("/api/mood", { mood: r.value }));
  }
  $("explicit").addEventListener("change", (ev) => post("/api/explicit", { allowed: String(ev.target.checked) }));
  $("rate").addEventListener("input", () => { $("rate").dataset.dirty = "1"; });
  $("rate-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    delete $("rate").dataset.dirty;
    post("/api/rate", { rate: $("rate").value });
  });
}

// ---- rendering --------------------------------------------------------------

function render() {
  const s = snap;
  const up = s.daemon.up;
  const ds = $("daemon-status");
  ds.textContent = s.bus ? "no bus" : up ? "connected" : "not running";
  ds.className = "pill " + (up && !s.bus ? "ok" : "down");
  const banner = $("banner");
  banner.hidden = !s.bus && up;
  banner.textContent = s.bus ? "D-Bus: " + s.bus : up ? "" : "continuod is not on the bus; waiting for it.";
  $("profile").textContent = s.daemon.active_profile || "default";
  $("player").textContent = s.player ? (s.player.identity || s.player.name) : "none";
  $("speed").textContent = s.player && s.player.rate ? s.player.rate + "×" : "–";
  renderNow(s);
  renderQueue(s);
  renderControls(s);
  renderKV($("context"), s.context.available ? s.context.entries : null,
    "This continuod has no Context property yet (vehicle context arrives with issue 14).");
  renderKV($("about"), [
    { key: "version", value: s.daemon.version || "–" },
    { key: "catalog", value: s.daemon.catalog_size ? s.daemon.catalog_size.toLocaleString("en") + " tracks" : "–" },
    { key: "queueing", value: s.daemon.queue_mechanism || "–" },
    { key: "player bus name", value: s.daemon.active_player || "none" },
  ]);
  renderEvents(s);
  drawChart(s);
}

// renderEvents lists the chart's markers as text, newest first: the same
// events for a reader who cannot see the chart.
function renderEvents(s) {
  const ol = $("events");
  ol.replaceChildren();
  if (s.markers.length === 0) { ol.append(el("li", { class: "none" }, "nothing yet")); return; }
  for (const m of s.markers.slice(-30).reverse()) {
    const li = el("li", { "data-kind": m.kind });
    li.append(el("span", { class: "mk " + (MARK_CLASS[m.kind] || "setting"), "aria-hidden": "true" }, MARK[m.kind] || "?"));
    const text = el("span", {}, m.label);
    text.prepend(el("span", { class: "when" }, "track " + (m.x + 1) + " · "));
    li.append(text);
    ol.append(li);
  }
}

function renderNow(s) {
  const n = s.now;
  const title = $("now-title");
  title.textContent = n ? n.title || "(untitled)" : "Nothing is playing";
  title.dataset.id = n ? n.id : "";
  $("now-artists").textContent = n ? (n.artists || []).join(", ") : "";
  $("now-family").textContent = n && n.family ? n.family : "";
  $("now-mood").textContent = n && (n.valence != null || n.energy != null) ? "valence " + pct(n.valence) + " · energy " + pct(n.energy) : "";
  $("now-reason").textContent = n && n.reason ? "Why: " + n.reason : "";
  const verdict = $("now-verdict");
  verdict.className = "verdict " + (n && n.verdict ? n.verdict : "");
  verdict.textContent = !n || !n.verdict ? "" : n.verdict === "like"
    ? "♥ You liked it: the next picks lean towards it."
    : "✕ You disliked it: the next picks avoid its artist.";
  for (const id of ["skip", "like", "dislike"]) $(id).disabled = !n || !n.id;
  tick();
}

// tick moves the position on locally: MPRIS never signals Position, so the
// page extrapolates from the last reading at the player's rate.
function tick() {
  const n = snap && snap.now;
  if (!n) {
    $("now-pos").textContent = "0:00";
    $("now-len").textContent = "0:00";
    $("now-fill").style.width = "0";
    return;
  }
  const playing = snap.player && snap.player.status === "Playing";
  const rate = snap.player && snap.player.rate ? snap.player.rate : 1;
  let pos = n.position_us + (playing ? (Date.now() - n.at_ms) * 1000 * rate : 0);
  if (n.length_us) pos = Math.min(pos, n.length_us);
  const p = n.length_us ? Math.round((100 * pos) / n.length_us) : 0;
  $("now-pos").textContent = clock(pos);
  $("now-len").textContent = n.length_us ? clock(n.length_us) : "–";
  $("now-fill").style.width = p + "%";
  $("now-bar").setAttribute("aria-valuenow", String(p));
}

function renderQueue(s) {
  const ol = $("queue");
  ol.replaceChildren();
  for (const t of s.queue) {
    const li = el("li", { "data-id": t.id });
    const title = el("p", { class: "qtitle" }, t.title);
    title.append(el("span", { class: "by" }, " — " + (t.artists || []).join(", ")));
    if (t.family) title.append(el("span", { class: "family" }, t.family));
    li.append(title, el("p", { class: "reason" }, t.reason || ""));
    ol.append(li);
  }
  $("queue-count").textContent = s.queue.length ? "(" + s.queue.length + ")" : "(empty)";
}

function renderControls(s) {
  for (const r of document.querySelectorAll("input[name=mood]")) r.checked = (r.value === "off" ? "" : r.value) === s.daemon.mood;
  $("explicit").checked = s.daemon.explicit_allowed;
  const p = s.player;
  const adjustable = p && p.max_rate > p.min_rate;
  const rate = $("rate");
  // Leave what the user is typing alone until it is sent.
  if (document.activeElement !== rate && !rate.dataset.dirty) rate.value = p && p.rate ? p.rate : "";
  rate.disabled = !adjustable;
  rate.min = p ? p.min_rate : 0;
  rate.max = p ? p.max_rate : 0;
  document.querySelector("#rate-form button").disabled = !adjustable;
  $("rate-note").textContent = !p ? "no player"
    : p.emulator && adjustable ? "the emulator's virtual clock: " + p.rate + "× real time (1 = real time)"
    : adjustable ? "range " + p.min_rate + "–" + p.max_rate + "×"
    : "this player plays at one rate only";
}

function renderKV(dl, entries, none) {
  dl.replaceChildren();
  if (!entries) { dl.append(el("dd", { class: "none" }, none)); return; }
  if (entries.length === 0) { dl.append(el("dd", { class: "none" }, "no context reported")); return; }
  for (const e of entries) dl.append(el("dt", {}, e.key), el("dd", {}, e.value));
}

// ---- chart: hand-written SVG ------------------------------------------------

const MARK = { ask: "A", skip: "S", like: "L", dislike: "D", mood: "M", explicit: "K", context: "C" };
const MARK_CLASS = { ask: "ask", skip: "skip", like: "like", dislike: "dislike" };

function drawChart(s) {
  const W = 660, H = 270, L = 44, R = 14, T = 30, B = 30;
  const pts = s.points, marks = s.markers;
  const n = Math.max(8, pts.length, ...marks.map((m) => m.x + 1));
  const step = (W - L - R) / n;
  const x = (i) => L + (i + 0.5) * step;
  const y = (v) => T + (1 - v) * (H - T - B);
  const last = pts.length - 1;
  const svg = el("svg:svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "chart-title chart-desc" });
  svg.append(el("svg:title", { id: "chart-title" }, "Valence and energy of each track played this drive"));
  const lastPt = pts[last];
  svg.append(el("svg:desc", { id: "chart-desc" }, pts.length === 0 ? "No track has played yet." :
    `${pts.length} tracks; now valence ${pct(lastPt.valence)}, energy ${pct(lastPt.energy)}; ${marks.length} events marked.`));
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(el("svg:line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#2c3a48", "stroke-width": 1 }));
    svg.append(el("svg:text", { x: L - 8, y: y(v) + 4, "text-anchor": "end", fill: "#b2bfcc", "font-size": 12 }, v.toFixed(2)));
  }
  const every = Math.ceil(n / 12);
  for (let i = 0; i < n; i += every) {
    svg.append(el("svg:text", { x: x(i), y: H - 10, "text-anchor": "middle", fill: "#b2bfcc", "font-size": 12 }, String(i + 1)));
  }
  svg.append(el("svg:text", { x: L - 8, y: H - 10, "text-anchor": "end", fill: "#b2bfcc", "font-size": 12 }, "track"));
  if (last >= 0) {
    svg.append(el("svg:rect", { x: x(last) - step / 2, y: T, width: step, height: H - T - B, fill: "#243447" }));
  }
  // Markers first, under the lines: a vertical rule and a lettered tag,
  // stacked when several fall on one track.
  const stack = {};
  for (const m of marks) {
    const k = stack[m.x] = (stack[m.x] || 0) + 1;
    const mx = x(m.x) - (m.x >= pts.length ? step / 2 : 0);
    const g = el("svg:g", { class: "marker", "data-kind": m.kind });
    g.append(el("svg:title", {}, m.label));
    g.append(el("svg:line", { x1: mx, x2: mx, y1: T, y2: H - B, stroke: markColour(m.kind), "stroke-width": 1.5, "stroke-dasharray": "3 3" }));
    const tx = mx + (k - 1) * 17; // side by side when several share a track
    g.append(el("svg:rect", { x: tx - 8, y: T - 20, width: 16, height: 16, rx: 3, fill: markColour(m.kind) }));
    g.append(el("svg:text", { x: tx, y: T - 8, "text-anchor": "middle", "font-size": 11, "font-weight": 700, fill: "#10151c" }, MARK[m.kind] || "?"));
    svg.append(g);
  }
  // A track Continuo never described (asked for elsewhere) has no mood:
  // say so where its points would be.
  pts.forEach((p, i) => {
    if (p.valence != null || p.energy != null) return;
    const q = el("svg:text", { x: x(i), y: y(0.5), "text-anchor": "middle", fill: "#b2bfcc", "font-size": 13 }, "?");
    q.append(el("svg:title", {}, `${i + 1}. ${p.title}: mood not known to the page`));
    svg.append(q);
  });
  series(svg, pts, "valence", x, y, "#ffb84d", "", (cx, cy) => el("svg:circle", { cx, cy, r: 4.5 }));
  series(svg, pts, "energy", x, y, "#5cc8ff", "7 5", (cx, cy) => el("svg:rect", { x: cx - 4, y: cy - 4, width: 8, height: 8 }));
  $("chart").replaceChildren(svg);
}

function markColour(kind) {
  const v = getComputedStyle(document.documentElement).getPropertyValue("--" + (MARK_CLASS[kind] || "setting"));
  return v.trim() || "#e8e8e8";
}

// series draws one feature as a line through the tracks that have it
// (unknown values break the line) with a shaped point per track.
function series(svg, pts, key, x, y, colour, dash, shape) {
  let d = "", pen = false;
  pts.forEach((p, i) => {
    const v = p[key];
    if (v == null) { pen = false; return; }
    d += (pen ? "L" : "M") + x(i).toFixed(1) + " " + y(v).toFixed(1) + " ";
    pen = true;
  });
  if (d) svg.append(el("svg:path", { d, fill: "none", stroke: colour, "stroke-width": 2.5, "stroke-dasharray": dash, "stroke-linejoin": "round" }));
  pts.forEach((p, i) => {
    const v = p[key];
    if (v == null) return;
    const m = shape(x(i), y(v));
    m.setAttribute("fill", colour);
    m.setAttribute("stroke", "#0e1319");
    m.append(el("svg:title", {}, `${i + 1}. ${p.title}: ${key} ${pct(v)}`));
    svg.append(m);
  });
}

// ---- start --------------------------------------------------------------------

function connect() {
  const es = new EventSource("/events");
  es.addEventListener("state", (ev) => {
    snap = JSON.parse(ev.data);
    render();
    document.body.dataset.seq = String(snap.seq);
  });
  es.addEventListener("error", () => {
    const banner = $("banner");
    banner.hidden = false;
    banner.textContent = "Lost the view's server; reconnecting…";
  });
}

wire();
connect();
setInterval(tick, 250);

// radiogw wall map. Reads everything from MQTT over WebSocket, as any other
// display would: retained <root>/units/+ and <root>/channels/+ state, live
// <root>/events/+, and <root>/status; a regional wall reads every site
// (<parent>/+/...). Acknowledging an emergency publishes to
// <root>/commands/emergency_ack. No build step: plain browser JavaScript,
// with MapLibre GL JS, pmtiles and the Protomaps style vendored beside it.
//
// Two rules keep a slow display honest:
// - positions are coalesced: they are read in a Web Worker (feed.js), which
//   keeps the newest payload per unit and hands the page a batch when the
//   page asks, shortly before the map's next push; the page parses what it
//   can in a few milliseconds per animation frame and pushes the map the
//   whole picture;
// - emergencies, acknowledgements, channels and status come over their own
//   MQTT connection, so they never wait behind a backlog of positions.
//
// The map is two MapLibre maps stacked on one camera: the base map
// (basemap, beats, overlays, trail, nearest) and, over it, the live map
// (units, clusters, emergencies, the selection). MapLibre redraws every
// layer of a map on each repaint, and a software-rendered kiosk takes
// 100 ms or more to redraw the basemap: kept apart, a unit update redraws
// only the live map, and the basemap only when the camera moves.
import * as maplibregl from "./vendor/maplibre-gl.mjs";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const kiosk = params.get("kiosk") === "1";

const STATUS = ["available", "enroute", "onscene", "busy", "oos", "emergency", "unknown"];
const COLORS = { available: "#2ecc40", enroute: "#39a0ff", onscene: "#ff9f1a", busy: "#c77dff", oos: "#8a8f98",
  emergency: "#b0001e", unknown: "#e8e8e8", talk: "#ffe600", emerg: "#ff2d2d" };
const FONT = ["GoBold"];

const state = {
  cfg: null,
  map: null,                      // the base map: it takes the input and owns the camera
  live: null,                     // the live map over it: units, clusters, emergencies, selection
  hold: null,                     // the live map's repaints held while a push is indexed (holdRepaints)
  theme: params.get("theme") || localStorage.getItem("wallmap-theme") || "night",
  alerts: null, feed: null,       // MQTT connections: alerts and positions
  units: new Map(),               // "<site>/<unit>" -> {key, site, id, data, feature}
  pending: new Map(),             // "<site>/<unit>" -> latest raw payload not yet applied
  channels: new Map(),            // "<site>/<channel>" -> data
  sites: new Map(),               // site -> {online, units}
  emergencies: new Map(),         // emergency id -> {id, site, unit, since, acked_by, acked_at, ...}
  flashes: new Map(),             // "<site>/<unit>" -> flash marker over its unacknowledged emergency
  pendingAcks: new Set(),
  fences: [],                     // {name, kind, data}
  overlays: [],                   // {name, color, width, label, data}
  selected: null, following: false,
  siteFilter: params.get("site") || "",
  showBeats: true, showOverlays: true,
  trail: null, nearest: null,
  emergencyKey: "",
  unitsDirty: false, emergDirty: false, listDirty: false, frameQueued: false,
  lastUnitPush: 0,
};

// The page's own frame timing: every requestAnimationFrame interval, so a
// test (or a technician with the console open) reads what the wall does.
const stats = { frames: [], messages: 0, applied: 0, pushes: 0, renders: 0, liveRenders: 0, flashes: 0, lastFrame: 0, longTasks: 0, longTaskMs: 0 };
// Main-thread tasks over 50 ms, where the browser reports them: what took
// the frames, when the frame rate drops.
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) { stats.longTasks++; stats.longTaskMs += e.duration; }
  }).observe({ type: "longtask", buffered: false });
} catch (e) { /* not reported by this browser */ }
function frameClock(t) {
  if (stats.lastFrame) {
    stats.frames.push(t - stats.lastFrame);
    if (stats.frames.length > 2000) stats.frames.splice(0, 1000);
  }
  stats.lastFrame = t;
  requestAnimationFrame(frameClock);
}

// ---- helpers -------------------------------------------------------------

function html(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function hhmmss(t) {
  const d = t ? new Date(t) : new Date();
  if (isNaN(d)) return "";
  return d.toLocaleTimeString([], { hour12: false });
}

// statusKey folds the site's status words into the colours on the map:
// first the categories the site's status tables give (config.json's
// status_categories, e.g. from the APCO preset), then a guess from the word.
function statusKey(s) {
  const cats = (state.cfg && state.cfg.status_categories) || {};
  if (s && Object.prototype.hasOwnProperty.call(cats, s) && STATUS.includes(cats[s])) return cats[s];
  const k = String(s || "").toLowerCase().replace(/[^a-z0-9]/g, "");
  if (!k) return "unknown";
  if (/^(available|avail|inservice|clear|cleared|free|10\-?8|108)$/.test(k)) return "available";
  if (/^(enroute|responding|dispatched|assigned)$/.test(k)) return "enroute";
  if (/^(onscene|arrived|atscene|scene)$/.test(k)) return "onscene";
  if (/^(oos|outofservice|offduty|unavailable|off|10\-?7|107)$/.test(k)) return "oos";
  return "busy";
}

function distance(lat1, lon1, lat2, lon2) {
  const r = Math.PI / 180;
  const a = Math.sin((lat2 - lat1) * r / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin((lon2 - lon1) * r / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
}

function metres(m) { return m < 1000 ? Math.round(m) + " m" : (m / 1000).toFixed(1) + " km"; }

function ago(s) {
  if (s < 90) return Math.round(s) + " s old";
  if (s < 5400) return Math.round(s / 60) + " min old";
  return (s / 3600).toFixed(1) + " h old";
}

// ---- topics --------------------------------------------------------------

// In region mode the page reads every site under the parent of its own
// topic root: radiogw/tustin -> radiogw/+/...
function prefix() {
  const root = state.cfg.topic_root;
  if (!state.cfg.region) return root;
  const i = root.lastIndexOf("/");
  return i > 0 ? root.slice(0, i) : root;
}

// localSite is the site this radiogw serves, as it appears in topics: its
// track and nearest APIs answer for that site only.
function localSite() {
  if (!state.cfg.region) return state.cfg.site;
  const root = state.cfg.topic_root;
  return root.slice(root.lastIndexOf("/") + 1);
}

function siteRoot(site) { return state.cfg.region ? prefix() + "/" + site : state.cfg.topic_root; }

// parseTopic returns [site, kind, name] or null.
function parseTopic(topic) {
  const p = prefix() + "/";
  if (!topic.startsWith(p)) return null;
  const parts = topic.slice(p.length).split("/");
  let site = state.cfg.site || "radiogw";
  if (state.cfg.region) site = parts.shift();
  if (!site || !parts.length) return null;
  return [site, parts[0], parts.slice(1).join("/")];
}

function subscriptions(kinds) {
  const base = state.cfg.region ? prefix() + "/+" : prefix();
  return kinds.map((k) => base + "/" + k);
}

// ---- sites ---------------------------------------------------------------

function siteEntry(site) {
  let s = state.sites.get(site);
  if (!s) {
    s = { online: true, known: false };
    state.sites.set(site, s);
    const opt = html("option", "", site);
    opt.value = site;
    $("site-filter").appendChild(opt);
    if (state.siteFilter === site) $("site-filter").value = site;
    state.listDirty = true;
  }
  return s;
}

function drawSites() {
  const list = $("sites");
  list.replaceChildren();
  const counts = new Map();
  for (const u of state.units.values()) counts.set(u.site, (counts.get(u.site) || 0) + 1);
  for (const [name, s] of [...state.sites].sort()) {
    const li = html("li", "site " + (s.online ? "site-online" : "site-offline"));
    li.dataset.site = name;
    li.textContent = `${name} ${s.online ? "online" : "OFFLINE"} · ${counts.get(name) || 0}`;
    li.addEventListener("click", () => setSiteFilter(state.siteFilter === name ? "" : name));
    list.appendChild(li);
  }
  $("sites").hidden = state.sites.size < 2 && !state.cfg.region;
}

function setSiteFilter(site) {
  state.siteFilter = site;
  $("site-filter").value = site;
  state.unitsDirty = true;
  state.emergDirty = true;
  queueFrame();
  fitAll();
}

function visible(u) { return !state.siteFilter || u.site === state.siteFilter; }

// ---- units ---------------------------------------------------------------

function onUnitMessage(site, id, text) {
  // coalesce: keep only the newest payload per unit until it is applied
  state.pending.set(site + "/" + id, [site, id, text]);
}

function applyUnit(site, id, text) {
  const key = site + "/" + id;
  if (!text) {
    if (state.units.delete(key)) {
      state.unitsDirty = state.listDirty = true;
      if (state.selected === key) select(null);
    }
    dropEmergenciesOf(site, id, null);
    return;
  }
  let data;
  try { data = JSON.parse(text); } catch (e) { return; }
  if (!data || typeof data !== "object" || (data.class && data.class !== "unit")) return;
  siteEntry(site);
  let u = state.units.get(key);
  if (!u) {
    u = { key, site, id };
    state.units.set(key, u);
    state.listDirty = true;
  }
  u.data = data;
  u.feature = unitFeature(u);
  stats.applied++;
  state.unitsDirty = true;
  if (data.emergency && data.emergency.id) {
    noteEmergency({ id: data.emergency.id, site, unit: id, since: data.emergency.since,
      acked_by: data.emergency.acked_by, acked_at: data.emergency.acked_at });
  } else {
    dropEmergenciesOf(site, id, data.updated);
  }
  if (state.selected === key) { drawDetail(); follow(); }
}

function unitFeature(u) {
  const d = u.data, p = d.position;
  if (!p || typeof p.lat !== "number" || typeof p.lon !== "number") return null;
  const moving = (p.speed_kmh || 0) > 3 && d.motion !== "stopped";
  return {
    type: "Feature",
    geometry: { type: "Point", coordinates: [p.lon, p.lat] },
    properties: {
      k: u.key, id: d.unit || u.id, site: u.site, st: statusKey(d.status), stale: d.stale || "unknown",
      talk: !!d.talking, hdg: p.heading || 0, mov: moving,
    },
  };
}

// ---- emergencies -----------------------------------------------------------

// An emergency comes from the events topic as soon as it is raised, and
// from the unit's retained state (which a display that connects later
// reads). Acknowledgement only moves forward: a late unit state without
// acked_by never un-acknowledges what an emergency_ack event said.
function noteEmergency(e) {
  const cur = state.emergencies.get(e.id);
  if (!cur) {
    state.emergencies.set(e.id, { ...e });
  } else {
    for (const k of ["site", "unit", "since", "channel"]) if (e[k] && !cur[k]) cur[k] = e[k];
    if (e.acked_by && !cur.acked_by) { cur.acked_by = e.acked_by; cur.acked_at = e.acked_at; }
  }
  if (e.acked_by) state.pendingAcks.delete(e.id);
  state.emergDirty = true;
  queueFrame();
}

// dropEmergenciesOf clears a unit's emergencies that its state no longer
// carries, unless that state is older than the emergency (a backlog).
function dropEmergenciesOf(site, unit, updated) {
  const t = updated ? Date.parse(updated) : Infinity;
  for (const [id, e] of state.emergencies) {
    if (e.site !== site || e.unit !== unit) continue;
    if (updated !== null && Date.parse(e.since) > t) continue;
    state.emergencies.delete(id);
    state.emergDirty = true;
  }
}

function onEvent(site, data) {
  const id = data.emergency_id;
  switch (data.kind) {
    case "emergency":
    case "emergency_repeat":
      if (id) noteEmergency({ id, site, unit: data.unit || data.radio_id, since: data.time, channel: data.channel,
        position: data.position });
      break;
    case "emergency_ack":
      if (id) noteEmergency({ id, site, unit: data.unit, acked_by: data.by || "?", acked_at: data.time });
      break;
    case "emergency_clear":
      if (id && state.emergencies.delete(id)) { state.emergDirty = true; queueFrame(); }
      break;
  }
  ticker(site, data);
}

function openEmergencies() {
  return [...state.emergencies.values()].filter((e) => !state.siteFilter || e.site === state.siteFilter)
    .sort((a, b) => (!!a.acked_by - !!b.acked_by) || String(a.since).localeCompare(String(b.since)));
}

function drawEmergencies() {
  const open = openEmergencies();
  const offline = [...state.sites].filter(([, s]) => !s.online).map(([n]) => n);
  // Unit updates arrive many times a second; rebuilding the list on each
  // would replace the Acknowledge button under the dispatcher's pointer
  // and swallow the click. Redraw only when the list changes.
  const key = JSON.stringify([offline, open.map((e) => {
    const u = state.units.get(e.site + "/" + e.unit), d = u ? u.data : {};
    return [e.id, e.unit, e.since, e.acked_by, e.acked_at, d.unit_alpha_tag, d.channel || e.channel, d.beat, state.pendingAcks.has(e.id)];
  })]);
  if (key === state.emergencyKey) return;
  state.emergencyKey = key;
  const list = $("emergencies");
  list.replaceChildren();
  if (!open.length) list.appendChild(html("li", "none", "none"));
  let unacked = 0;
  for (const e of open) {
    const u = state.units.get(e.site + "/" + e.unit), d = u ? u.data : {};
    const li = html("li", "emergency" + (e.acked_by ? " acked" : ""));
    li.dataset.emergency = e.id;
    li.appendChild(html("div", "who", "⚠ " + (d.unit_alpha_tag || e.unit) + (state.sites.size > 1 ? " · " + e.site : "")));
    const ch = d.channel || e.channel;
    const where = [ch && "on " + ch, d.beat && "beat " + d.beat].filter(Boolean).join(", ");
    li.appendChild(html("div", "meta", "since " + hhmmss(e.since) + (where ? " · " + where : "")));
    if (e.acked_by) {
      li.appendChild(html("div", "meta", "acknowledged by " + e.acked_by + (e.acked_at ? " at " + hhmmss(e.acked_at) : "")));
    } else {
      unacked++;
      const b = html("button", "ack", state.pendingAcks.has(e.id) ? "Sending…" : "Acknowledge");
      b.type = "button";
      b.disabled = state.pendingAcks.has(e.id);
      b.addEventListener("click", () => acknowledge(e));
      li.appendChild(b);
    }
    li.addEventListener("click", (ev) => { if (ev.target.tagName !== "BUTTON") select(e.site + "/" + e.unit, true); });
    list.appendChild(li);
  }
  let text = unacked ? `EMERGENCY: ${unacked} unacknowledged` : "";
  if (offline.length) {
    const who = state.sites.size > 1 ? " (" + offline.join(", ") + ")" : "";
    text = "radiogw OFFLINE" + who + ": positions are not updating" + (text ? " · " + text : "");
  }
  const b = $("banner");
  b.hidden = !text;
  b.textContent = text;
}

function acknowledge(e) {
  if (!state.alerts) return;
  state.pendingAcks.add(e.id);
  state.emergencyKey = "";
  drawEmergencies();
  state.alerts.publish(siteRoot(e.site) + "/commands/emergency_ack",
    JSON.stringify({ id: e.id, by: "wallmap" }), { qos: 1 }, (err) => {
      if (err) {
        state.pendingAcks.delete(e.id);
        ticker(e.site, { kind: "error", time: new Date().toISOString(), text: "acknowledge failed: " + err.message });
        state.emergencyKey = "";
        drawEmergencies();
      }
    });
  // the button comes back if radiogw does not confirm in time
  setTimeout(() => { if (state.pendingAcks.delete(e.id)) { state.emergencyKey = ""; drawEmergencies(); } }, 15000);
}

// ---- channels and ticker -----------------------------------------------------

function drawChannels() {
  const list = $("channels");
  list.replaceChildren();
  const keys = [...state.channels.keys()].filter((k) => !state.siteFilter || k.startsWith(state.siteFilter + "/")).sort();
  if (!keys.length) list.appendChild(html("li", "none", "no channels"));
  for (const k of keys) {
    const c = state.channels.get(k);
    const name = k.slice(k.indexOf("/") + 1);
    const li = html("li", "channel" + (c.busy ? " busy" : "") + (c.emergency ? " chan-emerg" : ""));
    li.dataset.channel = name;
    li.appendChild(html("span", "name", (c.alpha_tag || c.channel || name) + (state.sites.size > 1 ? " · " + k.split("/")[0] : "")));
    li.appendChild(html("span", "state", c.stuck_mic ? "STUCK MIC" : c.busy ? "ON AIR" : "idle"));
    const who = c.busy ? (c.talker || c.talker_id || "unknown") : (c.last_talker ? "last: " + c.last_talker : "");
    li.appendChild(html("span", "talker", who));
    list.appendChild(li);
  }
}

function describe(e) {
  if (e.text) return e.text;
  const who = e.unit || e.radio_id || "";
  const on = e.channel ? " on " + e.channel : "";
  switch (e.kind) {
    case "ptt_start": return `${who} keyed up${on}`;
    case "ptt_end": return `${who} unkeyed${on}${e.duration_s ? " after " + Math.round(e.duration_s) + " s" : ""}`;
    case "emergency": return `EMERGENCY ${who}${on}`;
    case "emergency_repeat": return `EMERGENCY again ${who}${on}`;
    case "emergency_ack": return `${who} emergency acknowledged${e.by ? " by " + e.by : ""}`;
    case "emergency_clear": return `${who} emergency cleared`;
    case "status": return `${who} status ${e.status || e.status_code || ""}`;
    case "geofence_enter": return `${who} entered ${e.fence || ""}`;
    case "geofence_exit": return `${who} left ${e.fence || ""}`;
    case "stale": return `${who} ${e.stale || e.level || "stale"}`;
    case "source_up": return `source ${e.source || ""} up`;
    case "source_down": return `source ${e.source || ""} DOWN${e.detail ? ": " + e.detail : ""}`;
    default: return `${e.kind || "event"} ${who}${on}`;
  }
}

function ticker(site, e) {
  const list = $("ticker");
  const li = html("li", "k-" + (e.kind || "event"));
  li.appendChild(html("time", "", hhmmss(e.time)));
  li.appendChild(document.createTextNode((state.sites.size > 1 ? site + ": " : "") + describe(e)));
  list.prepend(li);
  while (list.children.length > 30) list.lastChild.remove();
}

// ---- the frame: everything drawn from coalesced state, once -------------------

function queueFrame() {
  if (state.frameQueued) return;
  state.frameQueued = true;
  requestAnimationFrame(flush);
  // a wall in a background tab gets no animation frames: still apply
  // state, so an emergency is never held back
  setTimeout(() => { if (state.frameQueued) flush(); }, 1000);
}

// APPLY_MS is how much of a frame parsing unit states may take: what is
// left waits for the next frame, where newer state may replace it.
const APPLY_MS = 8;

function flush() {
  if (!state.frameQueued) return;
  state.frameQueued = false;
  if (state.pending.size) {
    const until = performance.now() + APPLY_MS;
    for (const [key, [site, id, text]] of state.pending) {
      state.pending.delete(key);
      applyUnit(site, id, text);
      if (performance.now() > until) break;
    }
    if (state.pending.size) queueFrame();
  }
  askForUnits();
  if (state.emergDirty) {
    state.emergDirty = false;
    state.unitsDirty = true; // emergency units move between layers
    drawEmergencies();
  }
  if (state.listDirty) {
    state.listDirty = false;
    drawSites();
    const dl = $("unit-list");
    dl.replaceChildren();
    if (state.units.size <= 2000) for (const u of state.units.values()) dl.appendChild(Object.assign(html("option"), { value: u.id }));
  }
  if (state.unitsDirty) pushUnits();
}

// pushUnits hands the unit layers their data. MapLibre indexes it off the
// main thread; while it is busy a newer push replaces the older one, so a
// slow display draws the latest state, never a queue of old ones. The
// clustered layer of ordinary units is refreshed at most every pushGap,
// UNIT_PUSH_MS or more (units report every second or two; redrawing 10,000
// of them on every frame would only starve a software-rendered kiosk); emergencies
// and the selected unit go out on the frame they change.
const UNIT_PUSH_MS = 250;
let unitTimer = null;
// pushCost is how long MapLibre took to index the last push and rebuild
// its tiles (setData until the last tile is back); pushes are spaced at
// least twice that, so a software-rendered kiosk keeps time to draw.
let pushCost = 0, pushStarted = 0;
// pushGap is the time between two pushes of the clustered layer. Each push
// costs the live map two repaints, and a kiosk without a GPU takes 65 ms
// or more to repaint it at full HD, drawing nothing meanwhile
// (docs/BENCHMARKS.md). The gap grows while the page loses more than
// LOST_MOST of its frame time (0.5 is 30 frames/s; the margin is for the
// bursts between two checks) and shrinks back when it loses under
// LOST_FEW (three times faster when it loses almost none, as when a flood
// ends): on a GPU it stays at UNIT_PUSH_MS, in software it settles where
// the page keeps drawing, with every unit at most PUSH_GAP_MAX behind its
// newest state.
const PUSH_GAP_MAX = 3000, LOST_MOST = 0.4, LOST_FEW = 0.2;
let pushGap = UNIT_PUSH_MS;

// framesLost is the share of the last windowMs the page spent in frames
// longer than one and a half frames at 60 Hz.
function framesLost(windowMs) {
  let total = 0, lost = 0;
  for (let i = stats.frames.length - 1; i >= 0 && total < windowMs; i--) {
    const f = stats.frames[i];
    total += f;
    if (f > 25) lost += f - 1000 / 60;
  }
  return total ? lost / total : 0;
}

function adaptPushGap() {
  const lost = framesLost(2000);
  if (lost > LOST_MOST) pushGap = Math.min(pushGap * 1.5, PUSH_GAP_MAX);
  else if (lost < LOST_FEW) pushGap = Math.max(pushGap / (lost < 0.05 ? 3 : 1.5), UNIT_PUSH_MS);
  stats.pushGap = Math.round(pushGap);
}

// nextPushAt is when the clustered layer may take its next push.
function nextPushAt() { return state.lastUnitPush + Math.max(pushGap, 2 * pushCost); }

function pushUnits() {
  const map = state.live;
  if (!map || !map.style || !map.getSource("units")) { state.unitsDirty = true; return; }
  state.unitsDirty = false;
  const inEmergency = new Map();
  for (const e of state.emergencies.values()) inEmergency.set(e.site + "/" + e.unit, e);
  pushEmergencies(inEmergency, false);
  // every setData costs a repaint (80 to 150 ms of a software-rendered
  // kiosk's frame): the selection's only when it changed
  const sel = state.selected && state.units.get(state.selected);
  const selFeature = (sel && sel.feature) || null;
  if (selFeature !== state.selFeature) {
    state.selFeature = selFeature;
    map.getSource("sel").setData({ type: "FeatureCollection", features: selFeature ? [selFeature] : [] });
    state.hold.urgent("sel");
  }
  const wait = nextPushAt() - performance.now();
  if (wait > 0) {
    if (!unitTimer) unitTimer = setTimeout(() => { unitTimer = null; state.unitsDirty = true; queueFrame(); }, wait);
    return;
  }
  // a batch still being applied goes out whole with this push, not split
  // across two (each frame that applies some of it comes back here)
  if (state.pending.size && wait > -APPLY_WAIT_MS) { state.unitsDirty = true; return; }
  if (pushStarted && performance.now() - pushStarted < 5000) { // the last push is still being indexed
    if (!unitTimer) unitTimer = setTimeout(() => { unitTimer = null; state.unitsDirty = true; queueFrame(); }, UNIT_PUSH_MS);
    return;
  }
  state.lastUnitPush = pushStarted = performance.now();
  stats.pushes++;
  pushEmergencies(inEmergency, true);
  const normal = [];
  for (const u of state.units.values()) {
    if (u.feature && visible(u) && !inEmergency.has(u.key)) normal.push(u.feature);
  }
  map.getSource("units").setData({ type: "FeatureCollection", features: normal });
  labelPolicy();
  askForUnits(); // the next batch's time follows this push
}

// askForUnits asks the positions worker for its next batch once the page
// has applied the last one and the live map is about to take a push.
// Reading states sooner would only parse positions the map does not draw
// yet, several times over on a slow kiosk whose pushes are seconds apart;
// meanwhile the worker keeps the newest state per unit. A selected unit
// is watched closely: while one is, batches come every UNIT_PUSH_MS.
// A batch is asked for ahead of the push by twice what the last one took
// to apply, and at least UNIT_LEAD_MS; a push waits for a batch still
// being applied up to APPLY_WAIT_MS.
const UNIT_LEAD_MS = 150, APPLY_WAIT_MS = 1000;

function askForUnits() {
  const feed = state.feed;
  if (!feed || !feed.holding || state.pending.size) return;
  const now = performance.now();
  if (feed.arrived) { feed.applyCost = now - feed.arrived; feed.arrived = 0; }
  const lead = Math.max(UNIT_LEAD_MS, 2 * feed.applyCost);
  const due = state.selected ? feed.asked + UNIT_PUSH_MS : nextPushAt() - lead;
  clearTimeout(feed.askTimer);
  if (due > now) { feed.askTimer = setTimeout(askForUnits, due - now); return; }
  feed.holding = false;
  feed.asked = now;
  feed.worker.postMessage({ type: "ready" });
}

// holdRepaints makes a push of the unit layer cost the live map one
// repaint (and the one after it that MapLibre places the new tiles'
// labels in), not one when the worker has indexed the push and one as
// each re-indexed tile comes back, about six at full HD. A kiosk without a
// GPU spends some 65 ms on each. While a push is being indexed and its
// tiles reloaded, the live map's requests to repaint wait for its last
// tile (release), or for HOLD_MAX_MS. A camera move, an emergency
// raised, acknowledged or cleared, and a new selection still repaint at
// once (urgent). It wraps the map's triggerRepaint, through which
// MapLibre asks for every frame; TestWallMapTenThousandUnits counts the
// repaints per push.
const HOLD_MAX_MS = 1000;

function holdRepaints(live) {
  const repaint = live.triggerRepaint.bind(live);
  const loaded = (id) => !live.getSource(id) || live.isSourceLoaded(id);
  const urgent = new Set(); // sources whose change is drawn at once
  let held = false, moving = false;
  live.triggerRepaint = () => {
    const pass = !pushStarted || moving || performance.now() - pushStarted >= HOLD_MAX_MS || urgent.size > 0;
    for (const id of urgent) if (loaded(id)) urgent.delete(id); // this repaint draws it
    if (!pass) {
      held = true;
      return;
    }
    held = false;
    repaint();
  };
  return {
    moving(f) { moving = true; try { f(); } finally { moving = false; } },
    urgent(id) { urgent.add(id); },
    release() { if (held) { held = false; repaint(); } },
  };
}

// LABELS_MAX is how many units may be in view with their call signs and
// heading arrows drawn. Beyond it the labels would only cover each other,
// and placing thousands of them on every update takes the time a
// software-rendered kiosk needs to draw; zoom in (or follow a unit) and
// they come back. Emergencies keep their labels always.
const LABELS_MAX = 500;

function labelPolicy() {
  const map = state.live;
  if (!map || !map.getLayer("unit-label")) return;
  const b = map.getBounds();
  let n = 0;
  for (const u of state.units.values()) {
    if (u.feature && visible(u) && b.contains(u.feature.geometry.coordinates) && ++n > LABELS_MAX) break;
  }
  const on = n <= LABELS_MAX;
  if (on === state.labelsOn) return;
  state.labelsOn = on;
  setVisibility(map, ["unit-label", "unit-arrow"], on);
}

// pushEmergencies draws the emergency layer at once when an emergency is
// raised, acknowledged or cleared; an emergency unit that only moved goes
// with the next push of the unit layer (withPush), drawn in its repaint.
function pushEmergencies(inEmergency, withPush) {
  const emerg = [];
  for (const [key, e] of inEmergency) {
    if (state.siteFilter && e.site !== state.siteFilter) continue;
    const u = state.units.get(key);
    if (u && u.feature) {
      emerg.push({ ...u.feature, properties: { ...u.feature.properties, acked: !!e.acked_by } });
    } else if (e.position && typeof e.position.lat === "number") {
      // raised by a unit whose state has not arrived yet: drawn at the
      // position its event carried
      emerg.push({ type: "Feature", geometry: { type: "Point", coordinates: [e.position.lon, e.position.lat] },
        properties: { k: key, id: e.unit, site: e.site, st: "unknown", stale: "fresh", acked: !!e.acked_by } });
    }
  }
  const what = JSON.stringify(emerg.map((f) => [f.properties.k, f.properties.acked]));
  const changed = what !== state.emergSig;
  if (!changed && !withPush) return;
  const where = JSON.stringify(emerg.map((f) => f.geometry.coordinates));
  if (!changed && where === state.emergWhere) return;
  state.emergSig = what;
  state.emergWhere = where;
  state.live.getSource("emerg").setData({ type: "FeatureCollection", features: emerg });
  if (changed) state.hold.urgent("emerg");
  placeFlashes(emerg.filter((f) => !f.properties.acked));
}

// placeFlashes puts a flash marker over each unacknowledged emergency:
// an HTML element on the live map, so its blink is a class toggle the
// browser composites, not a repaint of either map.
function placeFlashes(features) {
  const keep = new Set();
  for (const f of features) {
    const k = f.properties.k;
    keep.add(k);
    let m = state.flashes.get(k);
    if (!m) {
      const el = html("div", "emerg-flash");
      el.dataset.unit = k;
      m = new maplibregl.Marker({ element: el }).setLngLat(f.geometry.coordinates).addTo(state.live);
      state.flashes.set(k, m);
    } else m.setLngLat(f.geometry.coordinates);
  }
  for (const [k, m] of state.flashes) if (!keep.has(k)) { m.remove(); state.flashes.delete(k); }
}

// EMERG_DOT is the emergency dot's radius by zoom (a MapLibre
// expression) and its stroke: the emerg-dot layer draws it, and its flash
// marker matches it.
const EMERG_DOT = { radius: ["interpolate", ["linear"], ["zoom"], 8, 7, 16, 12], stroke: 2 };

// sizeFlashes keeps the flash the size of the emergency dot under it.
function sizeFlashes(live) {
  const [z0, r0, z1, r1] = EMERG_DOT.radius.slice(3);
  const z = Math.min(z1, Math.max(z0, live.getZoom()));
  $("gl-live").style.setProperty("--flash-d", 2 * (r0 + (z - z0) * (r1 - r0) / (z1 - z0) + EMERG_DOT.stroke) + "px");
}

// ---- the map -------------------------------------------------------------------

function fc(features) { return { type: "FeatureCollection", features: features || [] }; }

function basemapLayers(theme) {
  const cfg = state.cfg;
  if (cfg.basemap_url && window.basemaps) {
    const flavor = basemaps.namedFlavor(theme === "night" ? "dark" : "light");
    // labels in the vendored font; POI icons and shields need a sprite
    // sheet radiogw does not ship, so those layers go
    return basemaps.layers("protomaps", flavor, { lang: "en" })
      .filter((l) => !(l.layout && l.layout["icon-image"]) || l.id === "places_locality")
      .map((l) => {
        if (l.layout && l.layout["icon-image"]) { l.layout = { ...l.layout }; delete l.layout["icon-image"]; }
        if (l.layout && l.layout["text-font"]) l.layout = { ...l.layout, "text-font": FONT };
        return l;
      });
  }
  const bg = [{ id: "background", type: "background", paint: { "background-color": theme === "night" ? "#0b0e13" : "#e9edf2" } }];
  if (cfg.tile_url) {
    bg.push({ id: "raster", type: "raster", source: "raster", paint: { "raster-opacity": theme === "night" ? 0.55 : 0.9 } });
  }
  return bg;
}

// buildStyle is the base map's style: what moves only with the camera.
function buildStyle(theme) {
  const night = theme === "night";
  const cfg = state.cfg;
  const sources = {
    fences: { type: "geojson", data: fc(state.fences.flatMap((f) => features(f.data).map((ft) => tag(ft, { kind: f.kind })))) },
    trail: { type: "geojson", data: state.trail || fc() },
    nearest: { type: "geojson", data: state.nearest || fc() },
  };
  if (cfg.basemap_url) {
    sources.protomaps = { type: "vector", url: "pmtiles://" + new URL(cfg.basemap_url, location.href).href,
      attribution: "basemap: " + (cfg.basemap_attribution || "local PMTiles") };
  } else if (cfg.tile_url) {
    sources.raster = { type: "raster", tiles: [cfg.tile_url.replace("{s}", "a")], tileSize: 256,
      attribution: "background: " + new URL(cfg.tile_url.replace(/[{}]/g, ""), location.href).host };
  }
  const layers = basemapLayers(theme);
  const line = night ? "#5a6f8e" : "#4a5f7e";
  const label = night ? "#9fb3d3" : "#334766";
  const halo = night ? "#000" : "#fff";
  layers.push(
    { id: "beats-fill", type: "fill", source: "fences", filter: ["!=", ["get", "kind"], "boundary"],
      paint: { "fill-color": night ? "rgba(120,160,220,0.06)" : "rgba(60,90,150,0.06)" } },
    { id: "beats-line", type: "line", source: "fences", filter: ["!=", ["get", "kind"], "boundary"],
      paint: { "line-color": line, "line-width": 1.5, "line-dasharray": ["case", ["==", ["get", "kind"], "zone"], ["literal", [3, 2]], ["literal", [1, 0]]] } },
    { id: "boundary-line", type: "line", source: "fences", filter: ["==", ["get", "kind"], "boundary"],
      paint: { "line-color": night ? "#d0d7e2" : "#34435a", "line-width": 3 } },
  );
  state.overlays.forEach((o, i) => {
    const src = "overlay-" + i;
    sources[src] = { type: "geojson", data: o.data };
    const vis = { visibility: state.showOverlays ? "visible" : "none" };
    layers.push(
      { id: src + "-fill", type: "fill", source: src, filter: ["==", ["geometry-type"], "Polygon"], layout: vis,
        paint: { "fill-color": o.color, "fill-opacity": 0.15 } },
      { id: src + "-line", type: "line", source: src, filter: ["in", ["geometry-type"], ["literal", ["LineString", "Polygon"]]], layout: vis,
        paint: { "line-color": o.color, "line-width": ["interpolate", ["linear"], ["zoom"], 11, o.width * 0.6, 16, o.width * 2.5] } },
      { id: src + "-point", type: "circle", source: src, filter: ["==", ["geometry-type"], "Point"], layout: vis,
        paint: { "circle-color": o.color, "circle-radius": o.width + 2, "circle-stroke-color": halo, "circle-stroke-width": 1 } },
    );
    if (o.label) {
      layers.push({ id: src + "-label", type: "symbol", source: src, minzoom: 14,
        layout: { ...vis, "text-field": ["to-string", ["get", o.label]], "text-font": FONT, "text-size": 13,
          "text-anchor": "top", "text-offset": [0, 0.8], "text-optional": true },
        filter: ["==", ["geometry-type"], "Point"],
        paint: { "text-color": o.color, "text-halo-color": halo, "text-halo-width": 1.5 } });
      layers.push({ id: src + "-linelabel", type: "symbol", source: src, minzoom: 14,
        filter: ["==", ["geometry-type"], "LineString"],
        layout: { ...vis, "text-field": ["to-string", ["get", o.label]], "text-font": FONT, "text-size": 12, "symbol-placement": "line" },
        paint: { "text-color": label, "text-halo-color": halo, "text-halo-width": 1.5 } });
    }
  });
  layers.push(
    { id: "beats-label", type: "symbol", source: "fences", filter: ["!=", ["get", "kind"], "boundary"],
      layout: { "text-field": ["get", "_name"], "text-font": FONT, "text-size": 22, "text-allow-overlap": false },
      paint: { "text-color": label, "text-opacity": 0.8, "text-halo-color": halo, "text-halo-width": 1 } },
    { id: "trail-line", type: "line", source: "trail", filter: ["==", ["geometry-type"], "LineString"],
      paint: { "line-color": night ? "#fff" : "#111", "line-width": 3, "line-opacity": 0.7, "line-dasharray": [1, 2] } },
    { id: "trail-point", type: "circle", source: "trail", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 3, "circle-color": night ? "#fff" : "#111", "circle-opacity": 0.6 } },
    { id: "nearest-line", type: "line", source: "nearest", filter: ["==", ["geometry-type"], "LineString"],
      paint: { "line-color": "#7dff9b", "line-width": 2, "line-dasharray": [2, 2] } },
    { id: "nearest-point", type: "circle", source: "nearest", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 9, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#7dff9b", "circle-stroke-width": 3 } },
  );
  for (const l of layers) {
    if (["beats-fill", "beats-line", "beats-label"].includes(l.id)) l.layout = { ...(l.layout || {}), visibility: state.showBeats ? "visible" : "none" };
  }
  return styleOf(sources, layers);
}

// styleOf wraps a map's sources and layers. No paint transitions: the
// default eases every paint change over 300 ms, repainting each frame of it.
function styleOf(sources, layers) {
  const base = new URL(".", location.href).href;
  return { version: 8, glyphs: base + "glyphs/{fontstack}/{range}.pbf", sources, layers, transition: { duration: 0, delay: 0 } };
}

// buildLiveStyle is the live map's: what changes as units report, over a
// transparent background.
function buildLiveStyle(theme) {
  const night = theme === "night";
  const halo = night ? "#000" : "#fff";
  const sources = {
    units: { type: "geojson", data: fc(), cluster: true, clusterMaxZoom: 12, clusterRadius: 45, clusterMinPoints: 3 },
    emerg: { type: "geojson", data: fc() },
    sel: { type: "geojson", data: fc() },
  };
  const layers = [
    { id: "clusters", type: "circle", source: "units", filter: ["has", "point_count"],
      paint: { "circle-color": night ? "#26405f" : "#5b7fae", "circle-stroke-color": "#9ec5ff", "circle-stroke-width": 2,
        "circle-radius": ["step", ["get", "point_count"], 14, 20, 18, 100, 24, 1000, 32] } },
    { id: "cluster-count", type: "symbol", source: "units", filter: ["has", "point_count"],
      layout: { "text-field": ["get", "point_count_abbreviated"], "text-font": FONT, "text-size": 14, "text-allow-overlap": true },
      paint: { "text-color": "#fff" } },
    { id: "unit-ring", type: "circle", source: "units", filter: ["all", ["!", ["has", "point_count"]], ["get", "talk"]],
      paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 10, 8, 16, 17], "circle-color": "rgba(0,0,0,0)",
        "circle-stroke-color": COLORS.talk, "circle-stroke-width": 5 } },
    { id: "unit-dot", type: "circle", source: "units", filter: ["!", ["has", "point_count"]],
      paint: {
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 10, 4, 16, 11],
        "circle-color": ["case", ["in", ["get", "stale"], ["literal", ["stale", "lost"]]], "#555",
          ["match", ["get", "st"], "available", COLORS.available, "enroute", COLORS.enroute, "onscene", COLORS.onscene,
            "busy", COLORS.busy, "oos", COLORS.oos, "emergency", COLORS.emergency, COLORS.unknown]],
        "circle-opacity": ["match", ["get", "stale"], "aging", 0.8, "stale", 0.5, "lost", 0.35, 1],
        "circle-stroke-opacity": ["match", ["get", "stale"], "aging", 0.8, "stale", 0.5, "lost", 0.35, 1],
        "circle-stroke-color": "#000", "circle-stroke-width": 2 } },
    { id: "unit-arrow", type: "symbol", source: "units", minzoom: 14, filter: ["all", ["!", ["has", "point_count"]], ["get", "mov"]],
      layout: { "icon-image": "arrow", "icon-rotate": ["get", "hdg"], "icon-rotation-alignment": "map", "icon-allow-overlap": true,
        "icon-ignore-placement": true } },
    { id: "unit-label", type: "symbol", source: "units", minzoom: 14, filter: ["!", ["has", "point_count"]],
      layout: { "text-field": ["get", "id"], "text-font": FONT, "text-size": 16, "text-anchor": "left", "text-offset": [0.9, 0],
        "text-optional": true },
      paint: { "text-color": ["case", ["get", "talk"], COLORS.talk, night ? "#f2f5f8" : "#111"],
        "text-halo-color": halo, "text-halo-width": 2,
        "text-opacity": ["match", ["get", "stale"], "stale", 0.6, "lost", 0.45, 1] } },
    { id: "sel-ring", type: "circle", source: "sel",
      paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 10, 11, 16, 21], "circle-color": "rgba(0,0,0,0)",
        "circle-stroke-color": night ? "#fff" : "#000", "circle-stroke-width": 3 } },
    // emergencies: never clustered, always on top, always labelled
    { id: "emerg-ring", type: "circle", source: "emerg",
      paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 8, 12, 16, 20], "circle-color": "rgba(0,0,0,0)",
        "circle-stroke-color": COLORS.emerg, "circle-stroke-width": 5 } },
    { id: "emerg-dot", type: "circle", source: "emerg",
      paint: { "circle-radius": EMERG_DOT.radius, "circle-color": COLORS.emerg,
        "circle-stroke-color": "#000", "circle-stroke-width": EMERG_DOT.stroke } },
    { id: "emerg-label", type: "symbol", source: "emerg",
      layout: { "text-field": ["get", "id"], "text-font": FONT, "text-size": 18, "text-anchor": "left", "text-offset": [1.1, 0],
        "text-allow-overlap": true, "text-ignore-placement": true },
      paint: { "text-color": COLORS.emerg, "text-halo-color": halo, "text-halo-width": 2 } },
  ];
  return styleOf(sources, layers);
}

function features(doc) {
  if (!doc) return [];
  if (doc.type === "FeatureCollection") return doc.features || [];
  if (doc.type === "Feature") return [doc];
  return [{ type: "Feature", properties: {}, geometry: doc }];
}

function tag(ft, extra) {
  const p = ft.properties || {};
  const name = p.name || p.NAME || p.beat || p.BEAT || p.id || ft.id || "";
  return { ...ft, properties: { ...p, ...extra, _name: String(name) } };
}

function addImages(map) {
  if (map.hasImage("arrow")) return;
  const c = document.createElement("canvas");
  c.width = c.height = 32;
  const g = c.getContext("2d");
  g.fillStyle = "#000";
  g.globalAlpha = 0.8;
  g.beginPath(); g.moveTo(16, 2); g.lineTo(22, 14); g.lineTo(10, 14); g.closePath(); g.fill();
  map.addImage("arrow", g.getImageData(0, 0, 32, 32));
}

function fencesBounds() {
  let b = null;
  const grow = (c) => {
    if (typeof c[0] === "number") {
      if (!b) b = [c[0], c[1], c[0], c[1]];
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else c.forEach(grow);
  };
  const boundary = state.fences.filter((f) => f.kind === "boundary");
  for (const f of boundary.length ? boundary : state.fences) for (const ft of features(f.data)) if (ft.geometry) grow(ft.geometry.coordinates);
  return b;
}

// fitAll shows every visible unit and, with no units yet, the boundary.
function fitAll(animate) {
  const map = state.map;
  if (!map) return;
  let b = null;
  for (const u of state.units.values()) {
    if (!u.feature || !visible(u)) continue;
    const [x, y] = u.feature.geometry.coordinates;
    if (!b) b = [x, y, x, y];
    b[0] = Math.min(b[0], x); b[1] = Math.min(b[1], y); b[2] = Math.max(b[2], x); b[3] = Math.max(b[3], y);
  }
  const f = state.siteFilter && b ? null : fencesBounds();
  if (f) b = b ? [Math.min(b[0], f[0]), Math.min(b[1], f[1]), Math.max(b[2], f[2]), Math.max(b[3], f[3])] : f;
  if (!b) return;
  state.following = false;
  drawFollow();
  map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 60, maxZoom: 15, duration: animate === false ? 0 : 600 });
}

// ---- selection, follow, trail, nearest -------------------------------------------

function select(key, andFollow) {
  state.selected = key && state.units.has(key) ? key : null;
  state.following = !!(state.selected && andFollow);
  state.unitsDirty = true;
  queueFrame();
  state.trail = null;
  if (state.map && state.map.getSource("trail")) state.map.getSource("trail").setData(fc());
  const panel = $("detail-panel");
  drawFollow();
  if (!state.selected) { panel.hidden = true; return; }
  panel.hidden = false;
  drawDetail();
  loadTrack(state.selected);
  if (state.following) follow(true);
}

function follow(jump) {
  const u = state.selected && state.units.get(state.selected);
  if (!state.following || !u || !u.feature || !state.map) return;
  const opts = { center: u.feature.geometry.coordinates, duration: jump ? 500 : 300 };
  if (jump && state.map.getZoom() < 14) opts.zoom = 15;
  state.map.easeTo(opts);
}

function drawFollow() {
  const n = $("follow-note");
  const u = state.selected && state.units.get(state.selected);
  n.hidden = !(state.following && u);
  if (u) n.textContent = "following " + u.id + " · Esc stops";
  $("follow-unit").textContent = state.following ? "stop following" : "follow";
}

function findUnit(text) {
  const q = String(text || "").trim().toLowerCase();
  if (!q) return null;
  let best = null;
  for (const u of state.units.values()) {
    if (!visible(u)) continue;
    const names = [u.id, u.data.unit, u.data.unit_alpha_tag].filter(Boolean).map((s) => String(s).toLowerCase());
    if (names.includes(q)) return u;
    if (!best && names.some((s) => s.startsWith(q))) best = u;
  }
  return best;
}

function drawDetail() {
  const u = state.selected && state.units.get(state.selected);
  if (!u) return;
  const d = u.data, p = d.position || {};
  // The fix's age as radiogw published it, grown by the time since, and its
  // stale level: never "fresh" for a level radiogw did not say.
  let fix = "no position";
  if (p.fix_time) {
    const now = Date.now(), ft = Date.parse(p.fix_time);
    let age = typeof d.fix_age_s === "number" ? d.fix_age_s : null;
    if (!isNaN(ft) && now - ft >= 0) age = Math.max(age || 0, (now - ft) / 1000);
    fix = hhmmss(p.fix_time) + " (" + [d.stale || "age level unknown", age !== null ? ago(age) : ""].filter(Boolean).join(", ") + ")";
  }
  const rows = [
    ["unit", d.unit_alpha_tag ? `${d.unit} (${d.unit_alpha_tag})` : (d.unit || u.id)],
    ["site", state.sites.size > 1 ? u.site : ""],
    ["status", d.status], ["beat", d.beat], ["channel", d.channel],
    ["speed", p.speed_kmh !== undefined ? Math.round(p.speed_kmh) + " km/h" : ""],
    ["fix", fix],
    ["heard", d.last_heard ? hhmmss(d.last_heard) : ""],
    ["radio", (d.radio_ids || []).join(", ")],
  ];
  const dl = $("detail");
  dl.replaceChildren();
  for (const [k, v] of rows) {
    if (!v) continue;
    dl.appendChild(html("dt", "", k));
    dl.appendChild(html("dd", "", v));
  }
}

async function loadTrack(key) {
  const u = state.units.get(key);
  if (!u) return;
  try {
    // the track API is radiogw's own: only the local site has one
    if (u.site !== localSite()) return;
    const r = await fetch("/api/v1/units/" + encodeURIComponent(u.id) + "/track", { cache: "no-store", headers: authHeaders() });
    if (!r.ok || state.selected !== key) return;
    const t = await r.json();
    const pts = (t.points || []).filter((p) => typeof p.lat === "number" && typeof p.lon === "number");
    const coords = pts.map((p) => [p.lon, p.lat]);
    state.trail = fc([
      ...(coords.length > 1 ? [{ type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: coords } }] : []),
      ...coords.map((c) => ({ type: "Feature", properties: {}, geometry: { type: "Point", coordinates: c } })),
    ]);
    state.map.getSource("trail").setData(state.trail);
    stats.trailPoints = coords.length;
  } catch (err) {
    console.warn("track", err);
  }
}

// showNearest lists the N nearest available units to a clicked point with
// their distance: radiogw's /api/v1/nearest for its own site; on a
// regional wall, the other sites' units by great-circle distance.
async function showNearest(lngLat) {
  const n = 5;
  let list = [];
  try {
    if (!state.siteFilter || state.siteFilter === localSite()) {
      const r = await fetch(`/api/v1/nearest?lat=${lngLat.lat.toFixed(6)}&lon=${lngLat.lng.toFixed(6)}&n=${n}&status=available`, { cache: "no-store", headers: authHeaders() });
      if (r.ok) {
        const body = await r.json();
        list = (body.units || []).map((x) => ({ site: localSite(), id: x.unit, lat: x.lat, lon: x.lon, d: x.distance_m, stale: x.stale, api: true }));
      }
    }
  } catch (err) {
    console.warn("nearest", err);
  }
  if (state.cfg.region || !list.length) {
    for (const u of state.units.values()) {
      if (!u.feature || !visible(u) || u.feature.properties.st !== "available") continue;
      if (list.some((x) => x.site === u.site && x.id === u.id)) continue;
      if (!state.cfg.region && list.length) continue;
      const [lon, lat] = u.feature.geometry.coordinates;
      list.push({ site: u.site, id: u.id, lat, lon, d: distance(lngLat.lat, lngLat.lng, lat, lon), stale: u.data.stale });
    }
  }
  list.sort((a, b) => a.d - b.d);
  list = list.slice(0, n);
  const ol = $("nearest");
  ol.replaceChildren();
  if (!list.length) ol.appendChild(html("li", "none", "no available unit with a position"));
  for (const x of list) {
    const li = html("li", "near");
    li.dataset.unit = x.id;
    li.appendChild(html("span", "name", x.id + (state.sites.size > 1 ? " · " + x.site : "")));
    li.appendChild(html("span", "dist", metres(x.d) + (x.stale && x.stale !== "fresh" ? " · " + x.stale : "")));
    li.addEventListener("click", () => select(x.site + "/" + x.id, true));
    ol.appendChild(li);
  }
  $("nearest-panel").hidden = false;
  const p = [lngLat.lng, lngLat.lat];
  state.nearest = fc([{ type: "Feature", properties: {}, geometry: { type: "Point", coordinates: p } },
    ...list.map((x) => ({ type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: [p, [x.lon, x.lat]] } }))]);
  state.map.getSource("nearest").setData(state.nearest);
}

function closeNearest() {
  $("nearest-panel").hidden = true;
  state.nearest = null;
  if (state.map.getSource("nearest")) state.map.getSource("nearest").setData(fc());
}

// ---- themes and toggles --------------------------------------------------------

function setTheme(theme) {
  state.theme = theme === "day" ? "day" : "night";
  document.body.dataset.theme = state.theme;
  $("theme").textContent = state.theme === "night" ? "Day" : "Night";
  try { localStorage.setItem("wallmap-theme", state.theme); } catch (e) { /* private mode */ }
  if (state.map) {
    state.map.setStyle(buildStyle(state.theme));
    state.live.setStyle(buildLiveStyle(state.theme));
    state.unitsDirty = true;
  }
}

function setVisibility(map, ids, on) {
  for (const id of ids) if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
}

function overlayLayerIds() {
  return state.map.getStyle().layers.map((l) => l.id).filter((id) => id.startsWith("overlay-"));
}

// Unacknowledged emergencies flash: their markers (placeFlashes) are lit
// and darkened together by one class on the live map's container. A map
// repaint costs a software-rendered kiosk 65 to 135 ms; this costs the
// browser a composite of a few small elements. With no emergency waiting
// for acknowledgement the flash stays dark and costs nothing. Talkers get
// a steady ring: on a busy wall someone is always talking, and a pulse
// would repaint the map twice a second for good.
const BLINK_MS = 500;
let flashLit = false;

// flash lights the flash markers on every other call while an emergency
// waits for acknowledgement, and leaves them dark otherwise.
function flash() {
  if (!state.live) return;
  const lit = !flashLit && somethingFlashes();
  if (lit === flashLit) return; // no change
  flashLit = lit;
  stats.flashes++;
  $("gl-live").classList.toggle("flash-lit", lit);
}

function somethingFlashes() {
  for (const e of state.emergencies.values()) if (!e.acked_by && visible(e)) return true;
  return false;
}

function animate() {
  setInterval(flash, BLINK_MS);
}

// ---- MQTT ------------------------------------------------------------------------

// brokerURL lets a wall display on another machine reach the broker: a
// loopback host in the configured URL means "the machine serving this
// page", and no URL at all means the embedded broker's default port there.
function brokerURL(configured) {
  const page = location.hostname;
  const loopback = (h) => h === "localhost" || h === "::1" || h === "[::1]" || /^127\./.test(h);
  if (!configured) return `ws://${page}:9001`;
  try {
    const u = new URL(configured);
    if (!loopback(u.hostname) || loopback(page)) return configured;
    u.hostname = page;
    return u.toString();
  } catch (e) {
    return configured;
  }
}

function showConnection() {
  const both = [state.alerts, state.feed].filter(Boolean);
  const up = both.every((x) => x.wallState === "live");
  $("conn").className = up ? "conn-up" : "conn-down";
  $("conn").textContent = up ? "live" : both.map((x) => x.wallState).find((s) => s !== "live") || "connecting…";
}

function clientOptions(name) {
  const cfg = state.cfg;
  const opts = {
    clientId: "wallmap-" + name + "-" + Math.random().toString(16).slice(2, 10),
    clean: true, reconnectPeriod: 2000, connectTimeout: 10000, keepalive: 30,
  };
  if (cfg.username) { opts.username = cfg.username; opts.password = cfg.password || ""; }
  return opts;
}

function mqttClient(name, topics, qos, onMessage) {
  const cfg = state.cfg;
  const opts = clientOptions(name);
  const c = mqtt.connect(brokerURL(cfg.websocket_url), opts);
  c.wallState = "connecting…";
  const conn = showConnection;
  c.on("connect", () => {
    c.wallState = "live";
    conn();
    c.subscribe(topics, { qos });
  });
  const down = (why) => () => { c.wallState = why; conn(); };
  c.on("reconnect", down("reconnecting…"));
  c.on("offline", down("broker unreachable"));
  c.on("close", down("disconnected"));
  c.on("error", (err) => { c.wallState = "error: " + err.message; conn(); });
  c.on("message", onMessage);
  return c;
}

function onAlert(topic, payload) {
  const t = parseTopic(topic);
  if (!t) return;
  const [site, kind, name] = t;
  const text = new TextDecoder().decode(payload);
  if (kind === "status") {
    siteEntry(site).online = text !== "offline";
    state.emergencyKey = "";
    state.emergDirty = state.listDirty = true;
    queueFrame();
    return;
  }
  let data = null;
  if (text) { try { data = JSON.parse(text); } catch (e) { return; } }
  if (kind === "channels") {
    const k = site + "/" + name;
    if (!data) state.channels.delete(k);
    else if (!data.class || data.class === "channel") state.channels.set(k, data);
    siteEntry(site);
    drawChannels();
  } else if (kind === "events" && data && (!data.class || data.class === "event")) {
    if (!data.kind) data.kind = name;
    siteEntry(site);
    onEvent(site, data);
    // an emergency goes on the wall now, not at the next frame
    if (state.emergDirty) flush();
  }
}

// unitFeed reads the positions in feed.js's worker; the page takes one
// coalesced batch at a time.
function unitFeed() {
  const feed = { wallState: "connecting…", worker: new Worker(new URL("feed.js", import.meta.url)), holding: false, askTimer: null, asked: 0, arrived: 0, applyCost: 0 };
  feed.worker.onmessage = (ev) => {
    const m = ev.data;
    if (m.type === "stats") {
      stats.feed = m;
    } else if (m.type === "state") {
      feed.wallState = m.state;
      showConnection();
    } else if (m.type === "units") {
      stats.messages = m.received;
      for (const [topic, text] of m.batch) {
        const t = parseTopic(topic);
        if (t && t[1] === "units" && t[2]) onUnitMessage(t[0], t[2], text);
      }
      feed.holding = true;
      feed.arrived = performance.now();
      queueFrame();
    }
  };
  feed.worker.postMessage({ type: "start", url: brokerURL(state.cfg.websocket_url), opts: clientOptions("units"),
    topics: subscriptions(["units/+"]) });
  return feed;
}

function connect() {
  // emergencies, acknowledgements, channels and status: QoS 1, their own
  // connection, so a flood of positions never delays them
  state.alerts = mqttClient("alerts", subscriptions(["status", "channels/+", "events/+"]), 1, onAlert);
  // positions: QoS 0, latest wins; a missed one is replaced by the next
  state.feed = unitFeed();
}

// ---- start -------------------------------------------------------------------------

// The read token: a wall display is provisioned once with
// http://radiogw:8080/#token=<read token>. The fragment never reaches the
// server or a proxy log; the page keeps the token in this browser's
// storage and removes it from the address bar.
function readToken() {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (m) {
    try { localStorage.setItem("radiogw_read_token", decodeURIComponent(m[1])); } catch (e) { /* private mode */ }
    history.replaceState(null, "", location.pathname + location.search);
    state.token = decodeURIComponent(m[1]);
  }
  if (state.token === undefined) {
    try { state.token = localStorage.getItem("radiogw_read_token") || ""; } catch (e) { state.token = ""; }
  }
  return state.token;
}

function authHeaders() {
  const t = readToken();
  return t ? { Authorization: "Bearer " + t } : {};
}

function legend() {
  const l = $("legend");
  for (const [key, label] of [["available", "available"], ["enroute", "en route"], ["onscene", "on scene"],
    ["busy", "busy / other"], ["oos", "out of service"], ["emergency", "emergency status"], ["unknown", "no status"], ["stale", "stale / lost fix (dimmed)"],
    ["talk", "talking (ring)"], ["emerg", "emergency (flashing)"], ["cluster", "several units (count)"]]) {
    const s = html("span");
    const i = html("i", "lg-" + key);
    if (COLORS[key]) i.style.background = COLORS[key];
    s.append(i, label);
    l.appendChild(s);
  }
}

function controls() {
  $("fit").addEventListener("click", () => fitAll());
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const u = findUnit($("search").value);
    $("search").classList.toggle("notfound", !u);
    if (u) select(u.key, true);
  });
  $("site-filter").addEventListener("change", (ev) => setSiteFilter(ev.target.value));
  $("toggle-beats").addEventListener("change", (ev) => {
    state.showBeats = ev.target.checked;
    setVisibility(state.map, ["beats-fill", "beats-line", "beats-label"], state.showBeats);
  });
  $("toggle-overlays").addEventListener("change", (ev) => {
    state.showOverlays = ev.target.checked;
    setVisibility(state.map, overlayLayerIds(), state.showOverlays);
  });
  $("theme").addEventListener("click", () => setTheme(state.theme === "night" ? "day" : "night"));
  $("close-detail").addEventListener("click", () => select(null));
  $("close-nearest").addEventListener("click", closeNearest);
  $("follow-unit").addEventListener("click", () => {
    state.following = !state.following;
    drawFollow();
    follow(true);
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.target.tagName === "INPUT" || ev.target.tagName === "SELECT") {
      if (ev.key === "Escape") ev.target.blur();
      return;
    }
    if (ev.key === "/") { ev.preventDefault(); $("search").focus(); }
    else if (ev.key === "f" || ev.key === "F") fitAll();
    else if (ev.key === "n" || ev.key === "N") setTheme(state.theme === "night" ? "day" : "night");
    else if (ev.key === "Escape") { if (state.following) { state.following = false; drawFollow(); } else { select(null); closeNearest(); } }
  });
}

// mapEvents wires the input, which the base map takes: the live map over
// it lets every pointer event through, and is asked what is under one.
function mapEvents(map, live) {
  const layers = ["unit-dot", "emerg-dot", "emerg-ring", "clusters"];
  const under = (point) => live.queryRenderedFeatures(point, { layers: layers.filter((l) => live.getLayer(l)) });
  map.on("click", (ev) => {
    const hit = under(ev.point);
    const unit = hit.find((f) => f.layer.id !== "clusters");
    if (unit) { select(unit.properties.k); return; }
    const cluster = hit.find((f) => f.layer.id === "clusters");
    if (cluster) {
      live.getSource("units").getClusterExpansionZoom(cluster.properties.cluster_id)
        .then((z) => map.easeTo({ center: cluster.geometry.coordinates, zoom: z + 0.5 }));
      return;
    }
    select(null);
    showNearest(ev.lngLat);
  });
  map.on("mousemove", (ev) => { map.getCanvas().style.cursor = under(ev.point).length ? "pointer" : ""; });
  // one camera: the live map is where the base map is, on the same frame
  map.on("move", () => state.hold.moving(() => live.jumpTo({ center: map.getCenter(), zoom: map.getZoom(), bearing: map.getBearing(), pitch: map.getPitch() })));
  // a dispatcher who drags the map takes it back from follow mode
  map.on("dragstart", () => { if (state.following) { state.following = false; drawFollow(); } });
  live.on("style.load", () => { pushStarted = 0; state.labelsOn = undefined; addImages(live); state.emergSig = state.emergWhere = ""; state.selFeature = undefined; state.lastUnitPush = 0; state.unitsDirty = true; queueFrame(); });
  live.on("styleimagemissing", (e) => { if (e.id === "arrow") addImages(live); });
}

async function main() {
  const clock = () => { $("clock").textContent = hhmmss(); };
  clock();
  setInterval(clock, 1000);
  requestAnimationFrame(frameClock);
  legend();
  if (kiosk) document.body.classList.add("kiosk");
  const resp = await fetch("config.json", { cache: "no-store", headers: authHeaders() });
  if (resp.status === 401) {
    throw new Error("this wall map needs the site's read token: open it as " + location.origin + location.pathname + "#token=<read token>");
  }
  state.cfg = await resp.json();
  $("site").textContent = state.cfg.region ? "region" : (state.cfg.site || "radiogw");
  document.title = (state.cfg.region ? "regional" : (state.cfg.site || "radiogw")) + " wall map";
  if (params.get("region") === "1") state.cfg.region = true;
  if (!state.cfg.region) siteEntry(state.cfg.site || "radiogw");
  for (const f of state.cfg.geofences || []) {
    try { state.fences.push({ name: f.name, kind: f.kind, data: await (await fetch(f.url, { headers: authHeaders() })).json() }); } catch (err) { console.warn("geofence", f.name, err); }
  }
  for (const o of state.cfg.overlays || []) {
    try { state.overlays.push({ ...o, data: await (await fetch(o.url, { headers: authHeaders() })).json() }); } catch (err) { console.warn("overlay", o.name, err); }
  }
  if (state.cfg.basemap_url && window.pmtiles) {
    // the basemap is a read too: its range requests carry the token
    const protocol = new pmtiles.Protocol();
    const url = new URL(state.cfg.basemap_url, location.href).href;
    protocol.add(new pmtiles.PMTiles(new pmtiles.FetchSource(url, new Headers(authHeaders()))));
    maplibregl.addProtocol("pmtiles", protocol.tile);
  }
  document.body.dataset.theme = state.theme;
  $("theme").textContent = state.theme === "night" ? "Day" : "Night";
  const fb = fencesBounds() || [-117.88, 33.70, -117.78, 33.79];
  const map = new maplibregl.Map({
    container: "gl", style: buildStyle(state.theme), bounds: [[fb[0], fb[1]], [fb[2], fb[3]]],
    fitBoundsOptions: { padding: 40 }, attributionControl: { compact: true }, dragRotate: false, pitchWithRotate: false,
    interactive: !kiosk, maxPitch: 0, fadeDuration: 0,
  });
  // the live map's container goes inside the base map's, under its
  // controls: units never cover the zoom buttons or the attribution
  map.getContainer().insertBefore($("gl-live"), map.getContainer().querySelector(".maplibregl-control-container"));
  const live = new maplibregl.Map({
    container: "gl-live", style: buildLiveStyle(state.theme), bounds: [[fb[0], fb[1]], [fb[2], fb[3]]],
    fitBoundsOptions: { padding: 40 }, attributionControl: false, interactive: false, maxPitch: 0, fadeDuration: 0,
  });
  map.on("render", () => { stats.renders++; });
  live.on("render", () => { stats.liveRenders++; });
  live.on("zoom", () => sizeFlashes(live));
  sizeFlashes(live);
  map.on("moveend", labelPolicy);
  state.hold = holdRepaints(live);
  live.on("sourcedata", (e) => {
    // "metadata" comes when the worker has indexed a push, before its
    // tiles are reloaded: the push is drawn when they are
    if (e.sourceId === "units" && e.sourceDataType !== "metadata" && pushStarted && live.isSourceLoaded("units")) {
      pushCost = performance.now() - pushStarted;
      stats.pushCost = Math.round(pushCost);
      pushStarted = 0;
      adaptPushGap();
      state.hold.release();
    }
  });
  map.touchZoomRotate.disableRotation();
  state.map = map;
  state.live = live;
  if (!kiosk) map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  mapEvents(map, live);
  controls();
  animate();
  setInterval(() => { if (state.selected) { drawDetail(); loadTrack(state.selected); } }, 10000);
  if (kiosk) {
    // the kiosk keeps the whole picture in view, or cycles through sites
    const cycle = Number(params.get("cycle")) || 0;
    let i = 0;
    setInterval(() => {
      if (cycle) { const sites = [...state.sites.keys()]; if (sites.length) setSiteFilter(sites[i++ % sites.length]); } else fitAll();
    }, (cycle || 60) * 1000);
  }
  connect();
  await Promise.all([map, live].map((m) => new Promise((resolve) => m.once("style.load", resolve))));
  document.body.dataset.ready = "true";
}

// What tests and a technician's console can read.
window.wallmap = {
  state, stats,
  get map() { return state.map; },
  get live() { return state.live; },
  frameStats(sinceMs) {
    const f = stats.frames.slice(sinceMs ? -Math.max(1, Math.round(sinceMs / 16)) : 0);
    const sorted = [...f].sort((a, b) => a - b);
    const sum = f.reduce((a, b) => a + b, 0);
    return { frames: f.length, fps: f.length ? 1000 * f.length / sum : 0, median_ms: sorted[sorted.length >> 1] || 0,
      p95_ms: sorted[Math.floor(sorted.length * 0.95)] || 0, max_ms: sorted[sorted.length - 1] || 0 };
  },
  resetFrames() { stats.frames = []; stats.lastFrame = 0; },
  // distinct units in a source's loaded tiles (a point near a tile edge is
  // in both tiles)
  renderedUnits(source) {
    const map = state.live;
    const units = map.querySourceFeatures(source || "units").filter((f) => !f.properties.cluster);
    return new Set(units.map((f) => f.properties.k)).size;
  },
  select, showNearest, fitAll, setTheme,
};

main().catch((err) => {
  $("conn").className = "conn-down";
  $("conn").textContent = "failed to start: " + err.message;
  console.error(err);
});

// radiogw wall map. Reads everything from MQTT over WebSocket, as any other
// display would: retained <root>/units/+ and <root>/channels/+ state, live
// <root>/events/+, and <root>/status. Acknowledging an emergency publishes to
// <root>/commands/emergency_ack. No build step: plain browser JavaScript.
"use strict";

(function () {
  const SVGNS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);

  const state = {
    cfg: null,
    client: null,
    units: new Map(),     // unit id -> {data, el}
    channels: new Map(),  // channel name -> data
    events: [],
    fences: [],           // {kind, name, features}
    view: null,           // projection
    selected: null,
    pendingAcks: new Set(),
    gatewayOnline: true,
    fitToUnits: false,    // no geofences: the view follows the units
    emergencyKey: "",     // what the emergencies panel shows now
  };

  // ---- helpers -----------------------------------------------------------

  function el(tag, attrs, parent) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

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

  // statusClass folds the site's status words into the colours on the map.
  function statusClass(s) {
    const k = String(s || "").toLowerCase().replace(/[^a-z0-9]/g, "");
    if (!k) return "st-unknown";
    if (/^(available|avail|inservice|clear|cleared|free|10\-?8|108)$/.test(k)) return "st-available";
    if (/^(enroute|responding|dispatched|assigned)$/.test(k)) return "st-enroute";
    if (/^(onscene|arrived|atscene|scene)$/.test(k)) return "st-onscene";
    if (/^(oos|outofservice|offduty|unavailable|off|10\-?7|107)$/.test(k)) return "st-oos";
    return "st-busy";
  }

  // ---- projection --------------------------------------------------------

  // An equirectangular projection scaled by cos(latitude) at the centre:
  // at city scale it matches Web Mercator tiles to within a pixel or two.
  function makeView(bounds, w, h) {
    const [minLon, minLat, maxLon, maxLat] = bounds;
    const lat0 = (minLat + maxLat) / 2, lon0 = (minLon + maxLon) / 2;
    const c = Math.cos(lat0 * Math.PI / 180);
    const spanX = Math.max((maxLon - minLon) * c, 1e-4), spanY = Math.max(maxLat - minLat, 1e-4);
    const k = Math.min(w * 0.9 / spanX, (h - 60) * 0.9 / spanY); // room for the legend
    return {
      w, h, k, c, lat0, lon0,
      x: (lon) => w / 2 + (lon - lon0) * c * k,
      y: (lat) => (h + 40) / 2 - (lat - lat0) * k,
      lon: (x) => lon0 + (x - w / 2) / (c * k),
      lat: (y) => lat0 - (y - (h + 40) / 2) / k,
    };
  }

  function fenceBounds(kinds) {
    let b = null;
    const grow = (p) => {
      if (!b) b = [p[0], p[1], p[0], p[1]];
      b[0] = Math.min(b[0], p[0]); b[1] = Math.min(b[1], p[1]);
      b[2] = Math.max(b[2], p[0]); b[3] = Math.max(b[3], p[1]);
    };
    for (const f of state.fences) {
      if (kinds && !kinds.includes(f.kind)) continue;
      for (const ft of f.features) for (const poly of ft.polys) for (const ring of poly) ring.forEach(grow);
    }
    return b;
  }

  function unitBounds() {
    let b = null;
    for (const u of state.units.values()) {
      const p = u.data.position;
      if (!p) continue;
      if (!b) b = [p.lon, p.lat, p.lon, p.lat];
      b[0] = Math.min(b[0], p.lon); b[1] = Math.min(b[1], p.lat);
      b[2] = Math.max(b[2], p.lon); b[3] = Math.max(b[3], p.lat);
    }
    if (b) { // pad a little so a lone unit is not at the edge
      const pad = 0.01;
      b = [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad];
    }
    return b;
  }

  // fit chooses what the map shows: the city boundary when configured,
  // otherwise all geofences, otherwise wherever the units are.
  function fit() {
    const box = $("map").getBoundingClientRect();
    const w = Math.max(box.width, 100), h = Math.max(box.height, 100);
    const bounds = fenceBounds(["boundary"]) || fenceBounds(null) || unitBounds() || [-117.88, 33.70, -117.78, 33.79];
    state.fitToUnits = !fenceBounds(null);
    state.view = makeView(bounds, w, h);
    $("svg").setAttribute("viewBox", `0 0 ${w} ${h}`);
    drawTiles();
    drawFences();
    for (const u of state.units.values()) placeUnit(u);
    if (state.selected) loadTrack(state.selected);
  }

  // ---- background tiles (optional) -----------------------------------------

  function drawTiles() {
    const g = $("tiles");
    g.replaceChildren();
    const url = state.cfg.tile_url;
    if (!url) return;
    const v = state.view;
    const z = Math.max(0, Math.min(19, Math.round(Math.log2(v.k * v.c * 360 / 256))));
    const n = 2 ** z;
    const tx = (lon) => Math.floor((lon + 180) / 360 * n);
    const ty = (lat) => {
      const r = lat * Math.PI / 180;
      return Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n);
    };
    const tlon = (x) => x / n * 360 - 180;
    const tlat = (y) => Math.atan(Math.sinh(Math.PI * (1 - 2 * y / n))) * 180 / Math.PI;
    const x0 = tx(v.lon(0)), x1 = tx(v.lon(v.w)), y0 = ty(v.lat(0)), y1 = ty(v.lat(v.h));
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > 400) return;
    for (let x = x0; x <= x1; x++) {
      for (let y = y0; y <= y1; y++) {
        const left = v.x(tlon(x)), right = v.x(tlon(x + 1));
        const top = v.y(tlat(y)), bottom = v.y(tlat(y + 1));
        const href = url.replace("{z}", z).replace("{x}", x).replace("{y}", y).replace("{s}", "a");
        el("image", { href, x: left, y: top, width: right - left + 0.5, height: bottom - top + 0.5,
          preserveAspectRatio: "none", opacity: 0.55 }, g);
      }
    }
    const a = $("attribution");
    a.hidden = false;
    a.textContent = "background: " + new URL(url.replace(/[{}]/g, ""), location.href).host;
  }

  // ---- geofences -----------------------------------------------------------

  // parseGeoJSON returns features as {name, polys: [[ring...]...]}.
  function parseGeoJSON(doc) {
    const out = [];
    const add = (geom, props, id) => {
      if (!geom) return;
      const name = props && (props.name || props.NAME || props.beat || props.BEAT || props.id) || id || "";
      if (geom.type === "Polygon") out.push({ name: String(name), polys: [geom.coordinates] });
      else if (geom.type === "MultiPolygon") out.push({ name: String(name), polys: geom.coordinates });
      else if (geom.type === "GeometryCollection") geom.geometries.forEach((g) => add(g, props, id));
    };
    if (doc.type === "FeatureCollection") doc.features.forEach((f) => add(f.geometry, f.properties, f.id));
    else if (doc.type === "Feature") add(doc.geometry, doc.properties, doc.id);
    else add(doc, null, null);
    return out;
  }

  function drawFences() {
    const g = $("fences");
    g.replaceChildren();
    const v = state.view;
    // boundaries on top of beats, so the city outline stays crisp
    const order = { zone: 0, beat: 1, boundary: 2 };
    const fences = [...state.fences].sort((a, b) => (order[a.kind] ?? 0) - (order[b.kind] ?? 0));
    for (const f of fences) {
      for (const ft of f.features) {
        let d = "";
        let best = null, bestArea = -1;
        for (const poly of ft.polys) {
          for (const ring of poly) {
            d += "M" + ring.map((p) => v.x(p[0]).toFixed(1) + " " + v.y(p[1]).toFixed(1)).join("L") + "Z";
          }
          const r = poly[0] || [];
          const xs = r.map((p) => v.x(p[0])), ys = r.map((p) => v.y(p[1]));
          const area = (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
          if (area > bestArea) { bestArea = area; best = [(Math.max(...xs) + Math.min(...xs)) / 2, (Math.max(...ys) + Math.min(...ys)) / 2]; }
        }
        const kind = ["boundary", "beat", "zone"].includes(f.kind) ? f.kind : "zone";
        el("path", { d, class: "fence-" + kind, "fill-rule": "evenodd" }, g);
        if (kind !== "boundary" && ft.name && best) {
          el("text", { x: best[0], y: best[1], class: "fence-label" }, g).textContent = ft.name;
        }
      }
    }
  }

  // ---- units ---------------------------------------------------------------

  function upsertUnit(id, data) {
    let u = state.units.get(id);
    if (!u) {
      const g = el("g", { class: "unit", "data-unit": id }, $("units"));
      el("circle", { class: "sel", r: 25 }, g);
      el("circle", { class: "ring", r: 19 }, g);
      el("circle", { class: "dot", r: 12 }, g);
      el("path", { class: "arrow", d: "M0 -10 L5 2 L-5 2 Z" }, g);
      el("text", { x: 17, y: 7 }, g).textContent = id;
      g.addEventListener("click", (ev) => { ev.stopPropagation(); select(id); });
      u = { el: g, data };
      state.units.set(id, u);
    }
    u.data = data;
    const cls = ["unit", statusClass(data.status), "stale-" + (data.stale || "fresh")];
    if (data.talking) cls.push("talking");
    if (data.emergency) cls.push("emerg");
    if (data.emergency && data.emergency.acked_by) cls.push("acked");
    if (state.selected === id) cls.push("selected");
    u.el.setAttribute("class", cls.join(" "));
    u.el.querySelector("text").textContent = data.unit || id;
    placeUnit(u);
    // without geofences the view follows the units: refit when one is new
    // or has driven off the edge
    const p = data.position, v = state.view;
    if (state.fitToUnits && p && v) {
      const x = v.x(p.lon), y = v.y(p.lat);
      if (!u.placed || x < 0 || y < 0 || x > v.w || y > v.h) scheduleRefit();
      u.placed = true;
    }
  }

  function placeUnit(u) {
    const p = u.data.position;
    if (!p || !state.view) { u.el.setAttribute("display", "none"); return; }
    u.el.removeAttribute("display");
    u.el.setAttribute("transform", `translate(${state.view.x(p.lon).toFixed(1)},${state.view.y(p.lat).toFixed(1)})`);
    const arrow = u.el.querySelector(".arrow");
    const moving = (p.speed_kmh || 0) > 3 && u.data.motion !== "stopped";
    arrow.setAttribute("display", moving ? "inline" : "none");
    arrow.setAttribute("transform", `rotate(${p.heading || 0})`);
  }

  function removeUnit(id) {
    const u = state.units.get(id);
    if (!u) return;
    u.el.remove();
    state.units.delete(id);
    if (state.selected === id) select(null);
  }

  let refitTimer = null;
  function scheduleRefit() {
    if (refitTimer) return;
    refitTimer = setTimeout(() => { refitTimer = null; fit(); }, 1000);
  }

  // ---- emergencies -----------------------------------------------------------

  function drawEmergencies() {
    const open = [...state.units.values()].map((u) => u.data).filter((d) => d.emergency)
      // unacknowledged first, oldest first within each group
      .sort((a, b) => (!!a.emergency.acked_by - !!b.emergency.acked_by) ||
        String(a.emergency.since).localeCompare(String(b.emergency.since)));
    // Unit updates arrive several times a second; rebuilding the list on
    // each would replace the Acknowledge button under the dispatcher's
    // pointer and swallow the click. Redraw only when the list changes.
    const key = JSON.stringify([state.gatewayOnline, open.map((d) => [d.unit, d.unit_alpha_tag, d.channel, d.beat,
      d.emergency.id, d.emergency.since, d.emergency.acked_by, d.emergency.acked_at, state.pendingAcks.has(d.emergency.id)])]);
    if (key === state.emergencyKey) return;
    state.emergencyKey = key;
    const list = $("emergencies");
    list.replaceChildren();
    if (!open.length) { list.appendChild(html("li", "none", "none")); }
    let unacked = 0;
    for (const d of open) {
      const e = d.emergency;
      const li = html("li", "emergency" + (e.acked_by ? " acked" : ""));
      li.dataset.emergency = e.id;
      li.appendChild(html("div", "who", "⚠ " + (d.unit_alpha_tag || d.unit)));
      const where = [d.channel && "on " + d.channel, d.beat && "beat " + d.beat].filter(Boolean).join(", ");
      li.appendChild(html("div", "meta", "since " + hhmmss(e.since) + (where ? " · " + where : "")));
      if (e.acked_by) {
        li.appendChild(html("div", "meta", "acknowledged by " + e.acked_by + (e.acked_at ? " at " + hhmmss(e.acked_at) : "")));
      } else {
        unacked++;
        const b = html("button", "ack", state.pendingAcks.has(e.id) ? "Sending…" : "Acknowledge");
        b.type = "button";
        b.disabled = state.pendingAcks.has(e.id);
        b.addEventListener("click", () => acknowledge(e.id));
        li.appendChild(b);
      }
      li.addEventListener("click", (ev) => { if (ev.target.tagName !== "BUTTON") select(d.unit); });
      list.appendChild(li);
    }
    banner(unacked ? `EMERGENCY: ${unacked} unacknowledged` : "");
  }

  function acknowledge(id) {
    if (!state.client) return;
    state.pendingAcks.add(id);
    drawEmergencies();
    state.client.publish(state.cfg.topic_root + "/commands/emergency_ack",
      JSON.stringify({ id: id, by: "wallmap" }), { qos: 1 }, (err) => {
        if (err) {
          state.pendingAcks.delete(id);
          ticker({ kind: "error", time: new Date().toISOString(), text: "acknowledge failed: " + err.message });
          drawEmergencies();
        }
      });
    // the button comes back if radiogw does not confirm in time
    setTimeout(() => { if (state.pendingAcks.delete(id)) drawEmergencies(); }, 15000);
  }

  function banner(text) {
    if (!state.gatewayOnline) text = "radiogw OFFLINE: positions are not updating" + (text ? " · " + text : "");
    const b = $("banner");
    b.hidden = !text;
    b.textContent = text;
  }

  // ---- channels ----------------------------------------------------------------

  function drawChannels() {
    const list = $("channels");
    list.replaceChildren();
    const names = [...state.channels.keys()].sort();
    if (!names.length) list.appendChild(html("li", "none", "no channels"));
    for (const n of names) {
      const c = state.channels.get(n);
      const li = html("li", "channel" + (c.busy ? " busy" : "") + (c.emergency ? " chan-emerg" : ""));
      li.dataset.channel = n;
      li.appendChild(html("span", "name", c.alpha_tag || c.channel || n));
      li.appendChild(html("span", "state", c.stuck_mic ? "STUCK MIC" : c.busy ? "ON AIR" : "idle"));
      const who = c.busy ? (c.talker || c.talker_id || "unknown") : (c.last_talker ? "last: " + c.last_talker : "");
      li.appendChild(html("span", "talker", who));
      list.appendChild(li);
    }
  }

  // ---- events ticker -------------------------------------------------------------

  function describe(e) {
    if (e.text) return e.text;
    const who = e.unit || e.radio_id || "";
    const on = e.channel ? " on " + e.channel : "";
    switch (e.kind) {
      case "ptt_start": return `${who} keyed up${on}`;
      case "ptt_end": return `${who} unkeyed${on}${e.duration_s ? " after " + Math.round(e.duration_s) + " s" : ""}`;
      case "emergency": return `EMERGENCY ${who}${on}`;
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

  function ticker(e) {
    state.events.unshift(e);
    state.events.length = Math.min(state.events.length, 30);
    const list = $("ticker");
    const li = html("li", "k-" + (e.kind || "event"));
    li.appendChild(html("time", "", hhmmss(e.time)));
    li.appendChild(document.createTextNode(describe(e)));
    list.prepend(li);
    while (list.children.length > 30) list.lastChild.remove();
  }

  // ---- selection and breadcrumbs -------------------------------------------------

  function select(id) {
    const prevId = state.selected;
    state.selected = id && state.units.has(id) ? id : null;
    if (prevId && state.units.has(prevId)) upsertUnit(prevId, state.units.get(prevId).data);
    $("trails").replaceChildren();
    const panel = $("detail-panel");
    if (!state.selected) { panel.hidden = true; return; }
    upsertUnit(id, state.units.get(id).data);
    panel.hidden = false;
    drawDetail();
    loadTrack(id);
  }

  function drawDetail() {
    const u = state.selected && state.units.get(state.selected);
    if (!u) return;
    const d = u.data, p = d.position || {};
    const rows = [
      ["unit", d.unit_alpha_tag ? `${d.unit} (${d.unit_alpha_tag})` : d.unit],
      ["status", d.status], ["beat", d.beat], ["channel", d.channel],
      ["speed", p.speed_kmh !== undefined ? Math.round(p.speed_kmh) + " km/h" : ""],
      ["fix", p.fix_time ? hhmmss(p.fix_time) + " (" + (d.stale || "fresh") + ")" : "no position"],
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

  async function loadTrack(id) {
    try {
      const r = await fetch("/api/v1/units/" + encodeURIComponent(id) + "/track", { cache: "no-store", headers: authHeaders() });
      if (!r.ok || state.selected !== id) return;
      const t = await r.json();
      const g = $("trails");
      g.replaceChildren();
      const pts = (t.points || []).filter((p) => typeof p.lat === "number" && typeof p.lon === "number");
      if (!pts.length) return;
      const v = state.view;
      el("polyline", { class: "trail", points: pts.map((p) => v.x(p.lon).toFixed(1) + "," + v.y(p.lat).toFixed(1)).join(" ") }, g);
      for (const p of pts) el("circle", { class: "trail-point", r: 3, cx: v.x(p.lon), cy: v.y(p.lat) }, g);
    } catch (err) {
      console.warn("track", err);
    }
  }

  // ---- MQTT ------------------------------------------------------------------------

  function onMessage(topic, payload) {
    const root = state.cfg.topic_root + "/";
    if (!topic.startsWith(root)) return;
    const parts = topic.slice(root.length).split("/");
    const text = new TextDecoder().decode(payload);
    let data = null;
    if (text && parts[0] !== "status") {
      try { data = JSON.parse(text); } catch (e) { return; }
    }
    switch (parts[0]) {
      case "status":
        state.gatewayOnline = text !== "offline";
        drawEmergencies();
        break;
      case "units": {
        const id = parts.slice(1).join("/");
        if (!data) { removeUnit(id); drawEmergencies(); break; }
        if (data.class && data.class !== "unit") break;
        if (data.emergency && data.emergency.acked_by) state.pendingAcks.delete(data.emergency.id);
        upsertUnit(id, data);
        drawEmergencies();
        if (state.selected === id) drawDetail();
        break;
      }
      case "channels": {
        const name = parts.slice(1).join("/");
        if (!data) state.channels.delete(name);
        else if (!data.class || data.class === "channel") state.channels.set(name, data);
        drawChannels();
        break;
      }
      case "events":
        if (data && (!data.class || data.class === "event")) {
          if (!data.kind) data.kind = parts[1];
          ticker(data);
        }
        break;
    }
  }

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

  function connect() {
    const cfg = state.cfg;
    const opts = {
      clientId: "wallmap-" + Math.random().toString(16).slice(2, 10),
      clean: true, reconnectPeriod: 2000, connectTimeout: 10000, keepalive: 30,
    };
    if (cfg.username) { opts.username = cfg.username; opts.password = cfg.password || ""; }
    const c = mqtt.connect(brokerURL(cfg.websocket_url), opts);
    state.client = c;
    const conn = $("conn");
    c.on("connect", () => {
      conn.className = "conn-up"; conn.textContent = "live";
      c.subscribe(cfg.topic_root + "/#", { qos: 1 });
    });
    const down = (why) => () => { conn.className = "conn-down"; conn.textContent = why; };
    c.on("reconnect", down("reconnecting…"));
    c.on("offline", down("broker unreachable"));
    c.on("close", down("disconnected"));
    c.on("error", (err) => { conn.className = "conn-down"; conn.textContent = "error: " + err.message; });
    c.on("message", onMessage);
  }

  // legend names every colour a marker can take: the status fills, the
  // grey of a stale or lost fix, and the talking and emergency rings.
  function legend() {
    const l = $("legend");
    for (const [cls, label, ring] of [["available", "available"], ["enroute", "en route"], ["onscene", "on scene"],
      ["busy", "other status"], ["oos", "out of service"], ["unknown", "no status"], ["stale", "stale / lost fix"],
      ["talk", "talking", true], ["emerg", "emergency"]]) {
      const s = html("span");
      const i = html("i");
      if (ring) {
        i.className = "ring";
        i.style.borderColor = `var(--${cls})`;
      } else {
        i.style.background = `var(--${cls})`;
      }
      s.append(i, label);
      l.appendChild(s);
    }
  }

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

  async function main() {
    const clock = () => { $("clock").textContent = hhmmss(); };
    clock();
    setInterval(clock, 1000);
    legend();
    const r = await fetch("config.json", { cache: "no-store", headers: authHeaders() });
    if (r.status === 401) {
      throw new Error("this wall map needs the site's read token: open it as " + location.origin + location.pathname + "#token=<read token>");
    }
    state.cfg = await r.json();
    $("site").textContent = state.cfg.site || "radiogw";
    document.title = (state.cfg.site || "radiogw") + " wall map";
    for (const f of state.cfg.geofences || []) {
      try {
        const doc = await (await fetch(f.url, { headers: authHeaders() })).json();
        state.fences.push({ name: f.name, kind: f.kind, features: parseGeoJSON(doc) });
      } catch (err) {
        console.warn("geofence", f.name, err);
      }
    }
    fit();
    window.addEventListener("resize", () => scheduleRefit());
    $("svg").addEventListener("click", () => select(null));
    $("close-detail").addEventListener("click", () => select(null));
    setInterval(() => { if (state.selected) { drawDetail(); loadTrack(state.selected); } }, 10000);
    connect();
    document.body.dataset.ready = "true";
  }

  main().catch((err) => {
    $("conn").className = "conn-down";
    $("conn").textContent = "failed to start: " + err.message;
  });
})();

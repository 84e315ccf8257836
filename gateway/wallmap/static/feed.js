// radiogw wall map: the positions connection, in a Web Worker.
//
// Units report many times a second; reading their MQTT messages on the
// page's main thread would take the time it needs to draw. This worker
// holds the units connection (QoS 0, <root>/units/+), keeps only the
// newest payload per topic, and hands the page one batch at a time: the
// next batch goes when the page asks for it ("ready"), which it does when
// its map is about to draw them, so a page that falls behind gets the
// latest state, never a queue.
importScripts("vendor/mqtt.min.js");

// topic -> newest payload not yet handed over, kept as bytes: only the
// newest per unit is decoded, when a batch goes
let pending = new Map();
let received = 0;
let connects = 0;
let waiting = false; // a batch is with the page, or the page has not asked for the next
let timer = null;
const decoder = new TextDecoder();

function hand() {
  timer = null;
  if (waiting || !pending.size) return;
  const batch = [];
  for (const [topic, payload] of pending) batch.push([topic, decoder.decode(payload)]);
  pending = new Map();
  waiting = true;
  postMessage({ type: "units", batch, received });
}

function soon() {
  if (!timer && !waiting) timer = setTimeout(hand, 50);
}

onmessage = (ev) => {
  const m = ev.data;
  if (m.type === "ready") {
    waiting = false;
    soon();
    return;
  }
  if (m.type !== "start") return;
  const c = mqtt.connect(m.url, m.opts);
  const state = (s) => () => postMessage({ type: "state", state: s });
  c.on("connect", () => {
    connects++;
    postMessage({ type: "state", state: "live" });
    c.subscribe(m.topics, { qos: 0 });
  });
  c.on("reconnect", state("reconnecting…"));
  c.on("offline", state("broker unreachable"));
  c.on("close", state("disconnected"));
  c.on("error", (err) => postMessage({ type: "state", state: "error: " + err.message }));
  // what the worker has seen, for a technician's console and the tests
  setInterval(() => postMessage({ type: "stats", received, pending: pending.size, waiting, connected: c.connected, connects }), 2000);
  c.on("message", (topic, payload) => {
    received++;
    pending.set(topic, payload);
    soon();
  });
};

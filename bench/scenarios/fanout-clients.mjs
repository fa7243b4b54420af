// Child process for the fanout scenario: holds a share of the sockets and records
// every stockUpdated for the drop under test (arrival wall time, version, client,
// and the change's committedAt when the server sends one).
//
// A lean client, not socket.io-client: each socket is a `ws` WebSocket speaking
// the real protocols by hand, Engine.IO v4 over the websocket transport
// (/socket.io/?EIO=4&transport=websocket; "0" open, "2" ping -> "3" pong,
// "4" message) carrying Socket.IO v5 packets ("40" connect to "/", "42[...]"
// events). After the connect acknowledgement a socket emits
// `watch {"dropIds": [dropId]}` (ignored by a server that does not know it).
// The server sends the same message to every socket: a message equal to the
// previous one (a byte compare) is not parsed again.
import WebSocket from "ws";
import { clockSkewMs, wallNow } from "../lib/http.mjs";

const IN_FLIGHT = 200; // handshakes at a time
const sockets = [];
let dropId;
let lastVersion;
let arrivals = new Float64Array(1 << 16);
let versions = new Int32Array(1 << 16);
let clientOf = new Int32Array(1 << 16);
let n = 0;
const committedAt = new Map(); // version -> committedAt (ms, database clock)
const disconnects = {};
const failures = {};
let lastData;
let lastEvent;
let closing = false;

function record(client, version) {
  if (n === arrivals.length) {
    const grow = (a) => {
      const b = new a.constructor(a.length * 2);
      b.set(a);
      return b;
    };
    [arrivals, versions, clientOf] = [grow(arrivals), grow(versions), grow(clientOf)];
  }
  arrivals[n] = wallNow();
  versions[n] = version;
  clientOf[n++] = client;
  if (version > lastVersion[client]) lastVersion[client] = version;
}

/** { version } of a stockUpdated for the drop under test, or null for anything else. */
function parseEvent(data) {
  try {
    const [name, payload] = JSON.parse(data.toString("utf8", 2));
    if (name !== "stockUpdated" || payload?.dropId !== dropId) return null;
    if (typeof payload.committedAt === "string" && !committedAt.has(payload.version)) committedAt.set(payload.version, Date.parse(payload.committedAt));
    return { version: payload.version };
  } catch {
    return null;
  }
}

const count = (into, key) => (into[key] = (into[key] ?? 0) + 1);

function connectOne(url, i) {
  return new Promise((resolve) => {
    let settled = false;
    let open = false;
    const done = (ok, reason) => {
      if (settled) return;
      settled = true;
      open = ok;
      if (!ok) count(failures, reason);
      resolve(ok);
    };
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: 60_000 });
    sockets.push(ws);
    ws.on("message", (data) => {
      const type = data[0];
      if (type === 0x34 /* "4" message */) {
        const packet = data[1];
        if (packet === 0x32 /* "2" event */) {
          let event;
          if (lastData !== undefined && data.length === lastData.length && data.equals(lastData)) event = lastEvent;
          else {
            event = parseEvent(data);
            [lastData, lastEvent] = [data, event];
          }
          if (event) record(i, event.version);
        } else if (packet === 0x30 /* "0" connect ack */) {
          ws.send(`42["watch",{"dropIds":["${dropId}"]}]`);
          done(true);
        } else if (packet === 0x34 /* "4" connect error */) {
          done(false, `connect_error ${data.toString("utf8", 2, 120)}`);
          ws.close();
        }
      } else if (type === 0x32 /* "2" ping */) {
        ws.send("3");
      } else if (type === 0x30 /* "0" open */) {
        ws.send("40");
      }
    });
    ws.on("unexpected-response", (_req, res) => {
      done(false, `HTTP ${res.statusCode}`);
      res.resume();
      ws.terminate();
    });
    ws.on("error", (error) => done(false, error.code ?? error.message));
    ws.on("close", (code) => {
      done(false, `closed ${code} before connecting`);
      if (open && !closing) count(disconnects, `close ${code}`);
    });
  });
}

// The harness is gone (killed): nothing left to report to.
process.on("disconnect", () => process.exit(0));

process.on("message", async (msg) => {
  if (msg.cmd === "connect") {
    dropId = msg.dropId;
    lastVersion = new Int32Array(msg.count);
    const url = `${msg.url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
    let next = 0;
    let connected = 0;
    await Promise.all(
      Array.from({ length: Math.min(IN_FLIGHT, msg.count) }, async () => {
        while (next < msg.count) if (await connectOne(url, next++)) connected++;
      }),
    );
    process.send({ type: "connected", connected, failures, clockSkewMs: clockSkewMs() });
  } else if (msg.cmd === "progress") {
    let reached = 0;
    for (const v of lastVersion) if (v >= msg.version) reached++;
    process.send({ type: "progress", reached });
  } else if (msg.cmd === "report") {
    process.send({
      type: "report",
      arrivals: arrivals.slice(0, n),
      versions: versions.slice(0, n),
      clientOf: clientOf.slice(0, n),
      committedAt: [...committedAt],
      lastVersion,
      disconnects,
      clockSkewMs: clockSkewMs(),
      rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    });
  } else if (msg.cmd === "close") {
    closing = true;
    for (const ws of sockets) ws.terminate();
    process.disconnect();
    setTimeout(() => process.exit(0), 2000).unref();
  }
});

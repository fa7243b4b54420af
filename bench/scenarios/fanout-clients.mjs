// Child process for the fanout scenario: holds a share of the Socket.IO clients
// (websocket transport, listening only) and records every stockUpdated for the
// drop under test: arrival wall time, version, client.
import { io } from "socket.io-client";

const wallNow = () => performance.timeOrigin + performance.now();
const sockets = [];
let dropId;
let lastVersion;
let arrivals = new Float64Array(1 << 16);
let versions = new Int32Array(1 << 16);
let clientOf = new Int32Array(1 << 16);
let n = 0;
const disconnects = {};

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

function connectOne(url, i) {
  return new Promise((resolve) => {
    const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, timeout: 30_000 });
    sockets.push(socket);
    socket.on("stockUpdated", (u) => {
      if (u.dropId === dropId) record(i, u.version);
    });
    socket.once("connect", () => resolve(true));
    socket.once("connect_error", () => resolve(false));
    socket.on("disconnect", (reason) => (disconnects[reason] = (disconnects[reason] ?? 0) + 1));
  });
}

// The harness is gone (killed): nothing left to report to.
process.on("disconnect", () => process.exit(0));

process.on("message", async (msg) => {
  if (msg.cmd === "connect") {
    dropId = msg.dropId;
    lastVersion = new Int32Array(msg.count);
    let connected = 0;
    for (let from = 0; from < msg.count; from += 100) {
      const batch = [];
      for (let i = from; i < Math.min(msg.count, from + 100); i++) batch.push(connectOne(msg.url, i));
      connected += (await Promise.all(batch)).filter(Boolean).length;
    }
    process.send({ type: "connected", connected });
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
      lastVersion,
      disconnects,
    });
  } else if (msg.cmd === "close") {
    for (const socket of sockets) socket.close();
    process.disconnect();
    setTimeout(() => process.exit(0), 2000).unref();
  }
});

// Child process for the ticketdrop-queue scenario: the sampled shoppers' Socket.IO
// connections, each opened with the shopper's token (so the server puts it in
// the shopper's private room), plus one observer socket without a token that
// stands for everyone else's page. Sockets do not send `watch`: the shopper page
// does not either, so they hear every drop (the server's default room).
//
// The cheapest client that still speaks the real protocols, because this process
// shares two cores with the server and must read every broadcast the server
// writes (a purchaseCompleted per purchase and a stockUpdated every 50 ms, to
// every socket): a raw TCP socket per connection, an HTTP/1.1 Upgrade written by
// hand to /socket.io/?EIO=4&transport=websocket, and WebSocket frames (RFC 6455)
// parsed in place, carrying Engine.IO v4 ("0" open, "2" ping answered "3", "4"
// message) and Socket.IO v5 packets ("40{auth}" connect, "40" ack, "42[...]"
// event, "44" connect error). Only an event's name is read, except queueUpdated
// and queueAdmitted for the drop under test; the server writes the same bytes
// to every socket for a broadcast, so a queueUpdated equal to the last one
// parsed (a byte compare) is not parsed again. The `ws` package (fanout's client)
// took about 13 µs of this process's CPU per message received here, this client
// about 10; a bare read of one small message per socket costs 7-8 µs on this machine.
//
// What the parent hears, at once: `admitted` (a shopper's private queueAdmitted
// for the drop under test) and every queueUpdated the observer gets. At the end,
// `report`: when each socket heard the line close, and how many messages of each
// event arrived.
import { randomBytes } from "node:crypto";
import net from "node:net";
import { clockSkewMs, wallNow } from "./http.mjs";

const IN_FLIGHT = 100; // handshakes at a time
const READ_BUFFER = Buffer.alloc(256 * 1024);
const sockets = [];
let dropId = "";
let closedAt; // Float64Array per shopper socket: wall time the closed queueUpdated arrived (0: not yet)
let closedSeen = 0;
const eventCounts = {};
const disconnects = {};
const failures = {};
let closing = false;
// The last queueUpdated parsed: its bytes and what it said.
let lastUpdate = Buffer.alloc(0);
let lastUpdateEvent = null;

const count = (into, key) => (into[key] = (into[key] ?? 0) + 1);

/** A client frame (masked, as RFC 6455 requires; an all-zero key leaves the payload as it is). */
function frame(text) {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, 0x80 | n, 0, 0, 0, 0]) : Buffer.from([0x81, 0x80 | 126, n >> 8, n & 0xff, 0, 0, 0, 0]);
  return Buffer.concat([head, payload]);
}
const PONG = frame("3");

function parseJson(buf, start, end) {
  try {
    return JSON.parse(buf.toString("utf8", start, end));
  } catch {
    return null;
  }
}

/** A Socket.IO event packet `42["name",payload]` in buf[start, end). */
function onEvent(slot, buf, start, end) {
  const nameEnd = buf.indexOf(0x22 /* '"' */, start + 4);
  if (nameEnd < 0 || nameEnd > end) return;
  const name = buf.toString("latin1", start + 4, nameEnd);
  count(eventCounts, name);
  if (name === "queueAdmitted") {
    const [, payload] = parseJson(buf, start + 2, end) ?? [];
    if (payload?.dropId === dropId && slot >= 0) process.send({ type: "admitted", slot, at: wallNow(), admittedUntil: payload.admittedUntil });
    return;
  }
  if (name !== "queueUpdated") return;
  const at = wallNow();
  let event = lastUpdateEvent;
  if (end - start !== lastUpdate.length || buf.compare(lastUpdate, 0, lastUpdate.length, start, end) !== 0) {
    lastUpdate = Buffer.from(buf.subarray(start, end));
    const [, payload] = parseJson(buf, start + 2, end) ?? [];
    event = lastUpdateEvent = payload ?? null;
  }
  if (!event || event.dropId !== dropId) return;
  if (slot < 0) {
    process.send({ type: "queueUpdated", at, payload: event });
    return;
  }
  if (event.state === "closed" && closedAt[slot] === 0) {
    closedAt[slot] = at;
    closedSeen++;
  }
}

function connectOne(url, slot, token) {
  const { hostname, port, pathname, search } = new URL(url);
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
    // onread: reads land in one shared buffer instead of a new Buffer each (about 1 µs less per message).
    const socket = net.connect({ host: hostname, port: Number(port), onread: { buffer: READ_BUFFER, callback: (n, buf) => onData(buf.subarray(0, n)) } });
    socket.setNoDelay(true);
    sockets.push(socket);
    const connectPacket = frame(token ? `40${JSON.stringify({ token })}` : "40");
    let upgraded = false;
    let pending; // bytes of an incomplete frame (or of the answer's head)
    socket.once("connect", () => {
      socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    const onData = (chunk) => {
      const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = undefined;
      let at = 0;
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) {
          pending = Buffer.from(buf);
          return;
        }
        if (buf.toString("latin1", 9, 12) !== "101") {
          done(false, `HTTP ${buf.toString("latin1", 9, 12)}`);
          socket.destroy();
          return;
        }
        upgraded = true;
        at = end + 4;
      }
      while (buf.length - at >= 2) {
        const opcode = buf[at] & 0x0f;
        let length = buf[at + 1] & 0x7f;
        let start = at + 2;
        if (length === 126) {
          if (buf.length - at < 4) break;
          length = buf.readUInt16BE(at + 2);
          start = at + 4;
        } else if (length === 127) {
          if (buf.length - at < 10) break;
          length = Number(buf.readBigUInt64BE(at + 2));
          start = at + 10;
        }
        const end = start + length;
        if (end > buf.length) break;
        at = end;
        if (opcode === 0x8) {
          socket.end();
          continue;
        }
        if (opcode !== 0x1 || length === 0) continue; // server pings/pongs at the WebSocket level: none from engine.io
        const type = buf[start];
        if (type === 0x34 /* "4" message */) {
          const packet = buf[start + 1];
          if (packet === 0x32 /* "2" event */) onEvent(slot, buf, start, end);
          else if (packet === 0x30 /* "0" connect ack */) done(true);
          else if (packet === 0x34 /* "4" connect error */) {
            done(false, `connect_error ${buf.toString("utf8", start + 2, Math.min(end, start + 120))}`);
            socket.destroy();
          }
        } else if (type === 0x32 /* "2" ping */) {
          socket.write(PONG);
        } else if (type === 0x30 /* "0" open */) {
          socket.write(connectPacket);
        }
      }
      // A copy: the read buffer is reused.
      if (at < buf.length) pending = Buffer.from(buf.subarray(at));
    };
    socket.on("error", (error) => done(false, error.code ?? error.message));
    socket.on("close", () => {
      done(false, "closed before connecting");
      if (open && !closing) count(disconnects, "closed by the server");
    });
  });
}

process.on("disconnect", () => process.exit(0));

process.on("message", async (msg) => {
  if (msg.cmd === "connect") {
    const url = `${msg.url}/socket.io/?EIO=4&transport=websocket`;
    closedAt = new Float64Array(msg.tokens.length);
    const observer = await connectOne(url, -1, undefined);
    let next = 0;
    let connected = 0;
    const connectedSlots = new Uint8Array(msg.tokens.length);
    await Promise.all(
      Array.from({ length: Math.min(IN_FLIGHT, msg.tokens.length) }, async () => {
        while (next < msg.tokens.length) {
          const slot = next++;
          if (await connectOne(url, slot, msg.tokens[slot])) {
            connected++;
            connectedSlots[slot] = 1;
          }
        }
      }),
    );
    process.send({ type: "connected", observer, connected, connectedSlots, failures });
  } else if (msg.cmd === "drop") {
    dropId = msg.dropId;
    for (const key of Object.keys(eventCounts)) delete eventCounts[key];
    process.send({ type: "drop" });
  } else if (msg.cmd === "progress") {
    process.send({ type: "progress", closedSeen });
  } else if (msg.cmd === "report") {
    process.send({ type: "report", closedAt, closedSeen, eventCounts, disconnects, clockSkewMs: clockSkewMs(), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) });
  } else if (msg.cmd === "close") {
    closing = true;
    for (const socket of sockets) socket.destroy();
    process.disconnect();
    setTimeout(() => process.exit(0), 2000).unref();
  }
});

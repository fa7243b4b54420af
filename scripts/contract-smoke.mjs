#!/usr/bin/env node
// Contract smoke check for Dropline's public API (docs/API.md), run against a
// server that is already running, locally or deployed:
//   RATE_LIMITS=off ADMIN_TOKEN=secret npm start            (in one terminal)
//   node scripts/contract-smoke.mjs http://127.0.0.1:3001 secret
// The server needs RATE_LIMITS=off: 100 shoppers sign in from one address.
// It creates drops and shoppers, so point it at a local or staging server,
// never at production. It checks the main flows and shapes only; the test
// suite (npm test) goes much further.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const B = (process.argv[2] ?? "http://127.0.0.1:3001").replace(/\/+$/, "");
const ADMIN = process.argv[3] ?? process.env.ADMIN_TOKEN;
if (!ADMIN) { console.error("usage: node scripts/contract-smoke.mjs BASE_URL ADMIN_TOKEN"); process.exit(2); }
// socket.io-client comes from this checkout's own install (npm ci at the root).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const req = createRequire(path.join(root, "package.json"));
let ioMod;
for (const p of ["socket.io-client", "./client/node_modules/socket.io-client", "./server/node_modules/socket.io-client"]) { try { ioMod = req(p); break; } catch { /* not installed there: try the next place */ } }
if (!ioMod) { console.error("socket.io-client is not installed: run npm ci at the repository root first"); process.exit(2); }
const io = ioMod.io;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let checks = 0, failed = 0;
function check(name, ok, detail = "") { checks++; if (!ok) failed++; console.log(`${ok ? "ok  " : "FAIL"} ${name}${!ok && detail ? " -- " + detail : ""}`); return ok; }
async function api(base, method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers }; if (token) h.authorization = `Bearer ${token}`;
  let payload; if (body !== undefined) { payload = JSON.stringify(body); h["content-type"] = "application/json"; }
  const r = await fetch(base + path, { method, headers: h, body: payload });
  const text = await r.text(); let json = null; try { json = JSON.parse(text); } catch { /* not JSON: json stays null and the check says so */ }
  return { status: r.status, json, text, headers: r.headers };
}
const run = Math.random().toString(36).slice(2, 7);
async function session(base, name) {
  const r = await api(base, "POST", "/api/sessions", { body: { username: `${name}_${run}`.slice(0, 32) } });
  if (r.status !== 201 || !r.json?.token) throw new Error(`session ${name}: ${r.status} ${r.text.slice(0, 200)}`);
  return r.json.token;
}
function waitFor(socket, event, pred = () => true, ms = 5000) {
  return new Promise((res, rej) => {
    const t = setTimeout(() => { socket.off(event, h); rej(new Error(`timeout waiting for ${event}`)); }, ms);
    const h = (p) => { if (pred(p)) { clearTimeout(t); socket.off(event, h); res({ payload: p, at: Date.now() }); } };
    socket.on(event, h);
  });
}
try {
  check("health", (await api(B, "GET", "/api/health")).json?.ok === true);
  check("ready", (await api(B, "GET", "/api/ready")).status === 200);

  // sessions
  const tA = await session(B, "alice");
  const dup = await api(B, "POST", "/api/sessions", { body: { username: `alice_${run}` } });
  check("duplicate username is 409 USERNAME_TAKEN", dup.status === 409 && dup.json?.error === "USERNAME_TAKEN", `${dup.status} ${dup.json?.error}`);

  // admin auth
  const body = { name: `Smoke Jordan ${run}`, price: "199.99", totalStock: 20, holdSeconds: 10, maxPerUser: 2 };
  const noTok = await api(B, "POST", "/api/drops", { body });
  check("create drop without token is 401", noTok.status === 401, `${noTok.status}`);
  const shopTok = await api(B, "POST", "/api/drops", { body, token: tA });
  check("create drop with shopper token is 403", shopTok.status === 403, `${shopTok.status}`);

  const watcher = io(B, { transports: ["websocket"] });
  const created = waitFor(watcher, "dropCreated", (d) => d?.name === body.name, 5000).catch(() => null);
  await new Promise((r) => watcher.on("connect", r));
  const cr = await api(B, "POST", "/api/drops", { body, token: ADMIN });
  check("admin creates drop 201", cr.status === 201 && cr.json?.id, `${cr.status} ${cr.text.slice(0, 200)}`);
  const drop = cr.json;
  check("DropView shape", drop && drop.price === "199.99" && drop.availableStock === 20 && drop.heldStock === 0 && drop.soldStock === 0
    && drop.status === "live" && typeof drop.version === "number" && Array.isArray(drop.topPurchasers), JSON.stringify(drop).slice(0, 300));
  check("dropCreated reaches sockets", !!(await created));

  // concurrency: 100 shoppers, 20 units
  const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => session(B, `s${i}`)));
  const res = await Promise.all(tokens.map((t) => api(B, "POST", "/api/reservations", { token: t, body: { dropId: drop.id } })));
  const ok = res.filter((r) => r.status === 201), oos = res.filter((r) => r.status === 409 && r.json?.error === "OUT_OF_STOCK");
  check("exactly 20 of 100 concurrent holds granted", ok.length === 20 && oos.length === 80, `201=${ok.length} OUT_OF_STOCK=${oos.length} other=${res.filter((r) => r.status !== 201 && r.status !== 409).map((r) => r.status).join(",")}`);
  const d1 = (await api(B, "GET", `/api/drops/${drop.id}`)).json;
  check("stock adds up after the burst", d1?.availableStock === 0 && d1?.heldStock === 20 && d1?.soldStock === 0 && d1?.status === "sold_out", JSON.stringify(d1).slice(0, 200));

  const winners = res.map((r, i) => ({ r, t: tokens[i] })).filter((x) => x.r.status === 201);
  const w0 = winners[0], resv = w0.r.json.reservation;
  check("Reservation shape", resv && resv.status === "active" && resv.quantity === 1 && resv.expiresAt && resv.serverTime, JSON.stringify(resv));

  // repeat reserve does not extend
  const again = await api(B, "POST", "/api/reservations", { token: w0.t, body: { dropId: drop.id } });
  check("repeat reserve returns same hold, 200, not extended", again.status === 200 && again.json?.reservation?.id === resv.id && again.json?.reservation?.expiresAt === resv.expiresAt, `${again.status} ${again.text.slice(0, 200)}`);

  // ownership
  const other = await api(B, "GET", `/api/reservations/${resv.id}`, { token: tA });
  check("another shopper cannot see a hold (404)", other.status === 404, `${other.status}`);
  const otherBuy = await api(B, "POST", "/api/purchases", { token: tA, body: { reservationId: resv.id } });
  check("another shopper cannot buy a hold (404)", otherBuy.status === 404, `${otherBuy.status}`);

  // purchase
  const owner = io(B, { transports: ["websocket"], auth: { token: w0.t } });
  await new Promise((r) => owner.on("connect", r));
  const pc = waitFor(watcher, "purchaseCompleted", (p) => p?.dropId === drop.id, 5000).catch(() => null);
  const buy = await api(B, "POST", "/api/purchases", { token: w0.t, body: { reservationId: resv.id } });
  check("purchase 201 with confirmation code", buy.status === 201 && buy.json?.purchase?.confirmationCode && buy.json?.purchase?.amountPaid === "199.99", `${buy.status} ${buy.text.slice(0, 200)}`);
  const buy2 = await api(B, "POST", "/api/purchases", { token: w0.t, body: { reservationId: resv.id } });
  check("repeat purchase 200 same purchase", buy2.status === 200 && buy2.json?.purchase?.id === buy.json?.purchase?.id, `${buy2.status}`);
  check("purchaseCompleted broadcast", !!(await pc));

  // cancel
  const w1 = winners[1];
  const before = (await api(B, "GET", `/api/drops/${drop.id}`)).json;
  const su = waitFor(watcher, "stockUpdated", (p) => p?.dropId === drop.id && p.version > before.version, 3000).catch(() => null);
  const del = await api(B, "DELETE", `/api/reservations/${w1.r.json.reservation.id}`, { token: w1.t });
  check("cancel 200 cancelled", del.status === 200 && del.json?.reservation?.status === "cancelled", `${del.status} ${del.text.slice(0, 150)}`);
  const s1 = await su;
  check("stockUpdated after cancel with newer version", !!s1 && s1.payload.availableStock === 1, JSON.stringify(s1?.payload));
  const del2 = await api(B, "DELETE", `/api/reservations/${w1.r.json.reservation.id}`, { token: w1.t });
  check("second cancel 409 RESERVATION_NOT_ACTIVE", del2.status === 409 && del2.json?.error === "RESERVATION_NOT_ACTIVE", `${del2.status}`);

  // expiry: the remaining 18 holds expire 10 s after creation
  const w2 = winners[2];
  const owner2 = io(B, { transports: ["websocket"], auth: { token: w2.t } });
  await new Promise((r) => owner2.on("connect", r));
  const expAt = Date.parse(w2.r.json.reservation.expiresAt);
  const expEvt = waitFor(owner2, "reservationExpired", (p) => p?.reservationId === w2.r.json.reservation.id, expAt - Date.now() + 5000).catch(() => null);
  const late = await expEvt;
  check("reservationExpired within 1.5 s of expiresAt", !!late && late.at - expAt <= 1500, late ? `${late.at - expAt} ms late` : "never");
  // a hold right at the deadline is refused
  const lateBuy = await api(B, "POST", "/api/purchases", { token: w2.t, body: { reservationId: w2.r.json.reservation.id } });
  check("purchase after expiry is 410", lateBuy.status === 410 && lateBuy.json?.error === "RESERVATION_EXPIRED", `${lateBuy.status}`);
  await sleep(300);
  const d2 = (await api(B, "GET", `/api/drops/${drop.id}`)).json;
  check("stock back after expiry", d2?.availableStock === 19 && d2?.soldStock === 1 && d2?.heldStock === 0, JSON.stringify(d2).slice(0, 200));
  const reh = await api(B, "POST", "/api/reservations", { token: tA, body: { dropId: drop.id, quantity: 2 } });
  check("expired stock reservable again (quantity 2)", reh.status === 201 && reh.json?.reservation?.quantity === 2, `${reh.status} ${reh.text.slice(0, 150)}`);
  const over = await api(B, "POST", "/api/reservations", { token: w0.t, body: { dropId: drop.id, quantity: 2 } });
  check("LIMIT_EXCEEDED when purchased + quantity > maxPerUser", over.status === 409 && over.json?.error === "LIMIT_EXCEEDED", `${over.status} ${over.json?.error}`);
  const me = await api(B, "GET", "/api/me", { token: w0.t });
  check("GET /api/me history", me.status === 200 && me.json?.purchases?.length === 1 && me.json?.reservations?.length >= 1, `${me.status}`);

  // the seed's curl sends price as a JSON number
  const num = await api(B, "POST", "/api/drops", { token: ADMIN, body: { name: "Curl style", price: 199.99, totalStock: 100 } });
  check("numeric price accepted, returned as string", num.status === 201 && num.json?.price === "199.99" && num.json?.holdSeconds === 60 && num.json?.maxPerUser === 1, `${num.status} ${num.text.slice(0, 150)}`);

  // upcoming drop
  const up = await api(B, "POST", "/api/drops", { token: ADMIN, body: { name: "Later", price: "10.00", totalStock: 5, startsAt: new Date(Date.now() + 3600e3).toISOString() } });
  const upr = await api(B, "POST", "/api/reservations", { token: tA, body: { dropId: up.json?.id } });
  check("upcoming drop: 409 DROP_NOT_LIVE", up.json?.status === "upcoming" && upr.status === 409 && upr.json?.error === "DROP_NOT_LIVE", `${up.json?.status} ${upr.status}`);

  // waiting room: a started line admits the first in line by a private event; holds need admission
  const q = await api(B, "POST", "/api/drops", { token: ADMIN, body: { name: `Smoke line ${run}`, price: "10.00", totalStock: 1, queue: { admitPerSecond: 5, admissionSeconds: 30 } } });
  check("drop with a waiting room", q.status === 201 && q.json?.queue?.admitPerSecond === 5, `${q.status} ${q.text.slice(0, 200)}`);
  const [tq1, tq2] = [tokens[50], tokens[51]];
  const fan = io(B, { transports: ["websocket"], auth: { token: tq1 } });
  await new Promise((r) => fan.on("connect", r));
  const turn = waitFor(fan, "queueAdmitted", (p) => p?.dropId === q.json?.id, 5000).catch(() => null);
  const j1 = await api(B, "POST", `/api/drops/${q.json?.id}/queue`, { token: tq1 });
  const j2 = await api(B, "POST", `/api/drops/${q.json?.id}/queue`, { token: tq2 });
  check("joining the line: 201 with numbers 1 and 2", j1.status === 201 && j1.json?.number === 1 && j2.json?.number === 2, `${j1.status} ${j1.text.slice(0, 150)} ${j2.text.slice(0, 150)}`);
  const notYet = await api(B, "POST", "/api/reservations", { token: tq2, body: { dropId: q.json?.id } });
  check("hold before admission: 403 NOT_ADMITTED", notYet.status === 403 && notYet.json?.error === "NOT_ADMITTED", `${notYet.status} ${notYet.text.slice(0, 150)}`);
  check("queueAdmitted reaches the first in line", !!(await turn));
  const qh = await api(B, "POST", "/api/reservations", { token: tq1, body: { dropId: q.json?.id } });
  check("admitted shopper's hold: 201", qh.status === 201, `${qh.status} ${qh.text.slice(0, 150)}`);
  fan.close();

  watcher.close(); owner.close(); owner2.close();
} catch (e) {
  check("smoke test ran to the end", false, String(e?.stack || e).slice(0, 800));
}
console.log(`contract-smoke: ${checks - failed}/${checks} checks passed`);
process.exit(failed === 0 ? 0 : 1);

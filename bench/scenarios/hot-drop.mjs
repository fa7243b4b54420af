// hot-drop: distinct shoppers take one-unit holds on ONE drop with plenty of
// stock, at each concurrency in BENCH_CONNECTIONS (default 64,256). Also the
// server's CPU per granted hold (its whole process tree).
import { activeHolds, holdBurst } from "../lib/holds.mjs";

export default async function hotDrop(ctx) {
  const count = ctx.settings.holds;
  await ctx.shoppers.ensure(count);
  const rows = [];
  const targets = [];
  for (const connections of ctx.settings.connections) {
    const drop = await ctx.createDrop({ name: `Hot drop c${connections}`, totalStock: count * 2, holdSeconds: 3600, maxPerUser: 1 });
    const run = await holdBurst(ctx, { dropId: drop.id, count, connections });
    await ctx.checkInvariant([drop.id]);
    const held = await activeHolds(ctx.db, drop.id);
    if (held !== run.granted) throw new Error(`hot-drop c${connections}: ${run.granted} holds granted (201) but ${held} active in the database`);
    rows.push({ scenario: "hot-drop", setup: `${connections} conns`, connections, ...run });
    const perHold = run.cpuMs?.serverPerGrant ?? null;
    targets.push({
      target: `hot-drop at ${connections} connections: server CPU ms per granted hold <= 0.5`,
      processes: ctx.processes,
      value: perHold === null ? "-" : `${perHold} ms`,
      met: perHold !== null && perHold <= 0.5,
    });
  }
  return { rows, targets };
}

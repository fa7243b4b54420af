// ticketdrop: 50,000 shoppers (sessions prepared beforehand) each try ONCE to
// hold one unit of a 500-unit drop, as fast as the harness can fire them.
// Also measures the server's CPU per refusal: from the first refusal that
// arrives after all the drop's units were granted to the last answer, every
// answer is a sold-out refusal.
import { activeHolds, holdBurst } from "../lib/holds.mjs";

export default async function ticketdrop(ctx) {
  const { ticketShoppers: shoppers, ticketStock: stock, ticketConnections: connections } = ctx.settings;
  await ctx.shoppers.ensure(shoppers);
  const drop = await ctx.createDrop({ name: "Ticket drop", totalStock: stock, holdSeconds: 3600, maxPerUser: 1 });
  const expected = Math.min(stock, shoppers);
  let granted = 0;
  let refusalMeter;
  let refusalAnswers = 0;
  let refusalStartedAt;
  const run = await holdBurst(ctx, {
    dropId: drop.id,
    count: shoppers,
    connections,
    onAnswer(r) {
      if (r.status === 201) granted++;
      if (refusalMeter) refusalAnswers++;
      else if (granted >= expected && r.status === 409) {
        refusalMeter = ctx.cpuMeter();
        refusalStartedAt = performance.now();
      }
    },
  });
  const refusalCpu = refusalMeter?.end();
  await ctx.checkInvariant([drop.id]);
  const held = await activeHolds(ctx.db, drop.id);
  if (run.granted !== expected || held !== expected) {
    throw new Error(`ticketdrop: ${run.granted} holds granted (201), ${held} active in the database; expected exactly ${expected}`);
  }
  const perRefusal = refusalCpu && refusalAnswers > 0 ? Math.round((refusalCpu.seconds.server * 1e6) / refusalAnswers) / 1000 : null;
  const refusals = refusalCpu
    ? {
        answers: refusalAnswers,
        seconds: refusalCpu.seconds.wall,
        perSecond: Math.round(refusalAnswers / refusalCpu.seconds.wall),
        serverCpuMsPerRefusal: perRefusal,
        postgresCpuMsPerRefusal: refusalCpu.seconds.postgres === null ? null : Math.round((refusalCpu.seconds.postgres * 1e6) / refusalAnswers) / 1000,
        harnessCpuMsPerRefusal: Math.round((refusalCpu.seconds.harness * 1e6) / refusalAnswers) / 1000,
        cpu: refusalCpu,
        startedAfterSeconds: Math.round((refusalStartedAt - (run.startedAt - performance.timeOrigin)) / 10) / 100,
      }
    : null;
  const p = ctx.processes;
  return {
    rows: [{ scenario: "ticketdrop", setup: `${shoppers} shoppers, ${stock} units, ${connections} conns`, connections, ...run, perSecond: null, refusals }],
    targets: [
      { target: `ticketdrop: every request answered in <= 10 s`, processes: p, value: `${run.wallSeconds} s`, met: run.wallSeconds <= 10 },
      { target: `ticketdrop: exactly ${expected} holds granted`, processes: p, value: String(run.granted), met: run.granted === expected },
      { target: `ticketdrop: zero 5xx / network errors`, processes: p, value: String(run.serverErrors), met: run.serverErrors === 0 },
      { target: `ticketdrop: server CPU ms per refusal <= 0.15`, processes: p, value: perRefusal === null ? "-" : `${perRefusal} ms`, met: perRefusal === null ? false : perRefusal <= 0.15 },
    ],
  };
}

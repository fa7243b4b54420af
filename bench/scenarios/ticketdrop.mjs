// ticketdrop: 50,000 shoppers (sessions prepared beforehand) each try ONCE to
// hold one unit of a 500-unit drop, as fast as the harness can fire them.
import { activeHolds, holdBurst } from "../lib/holds.mjs";

export default async function ticketdrop(ctx) {
  const { ticketShoppers: shoppers, ticketStock: stock, ticketConnections: connections } = ctx.settings;
  await ctx.shoppers.ensure(shoppers);
  const drop = await ctx.createDrop({ name: "Ticket drop", totalStock: stock, holdSeconds: 3600, maxPerUser: 1 });
  const run = await holdBurst(ctx, { dropId: drop.id, count: shoppers, connections });
  await ctx.checkInvariant([drop.id]);
  const held = await activeHolds(ctx.db, drop.id);
  const expected = Math.min(stock, shoppers);
  if (run.granted !== expected || held !== expected) {
    throw new Error(`ticketdrop: ${run.granted} holds granted (201), ${held} active in the database; expected exactly ${expected}`);
  }
  return {
    rows: [{ scenario: "ticketdrop", setup: `${shoppers} shoppers, ${stock} units, ${connections} conns`, connections, ...run, perSecond: null }],
    targets: [
      { target: "ticketdrop: every request answered in <= 10 s", value: `${run.wallSeconds} s`, met: run.wallSeconds <= 10 },
      { target: `ticketdrop: exactly ${expected} holds granted`, value: String(run.granted), met: run.granted === expected },
      { target: "ticketdrop: zero 5xx / network errors", value: String(run.serverErrors), met: run.serverErrors === 0 },
    ],
  };
}

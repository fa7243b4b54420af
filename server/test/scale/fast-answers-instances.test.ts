import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { ApiClient, ok, startTestServer, testEnv, type TestServer } from "../server.js";

/**
 * Two instances on one database, each with its own memory; only the event bus
 * tells one of the other's edits. A long sweep interval leaves the bus as the
 * only way the sold-out memory here can learn of a restock there.
 */
describe("answers from memory after an edit on another instance", () => {
  let here: TestServer;
  let there: RunningServer;
  beforeAll(async () => {
    here = await startTestServer({ EXPIRY_SWEEP_MS: "60000" });
    there = await startServer(loadConfig(testEnv({ DATABASE_URL: here.db.url, EXPIRY_SWEEP_MS: "60000" })), { skipMigrations: true });
  });
  afterAll(async () => {
    await there?.close();
    await here?.stop();
  });

  it("a restock on the other instance stops the refusals from memory here as soon as the bus tells of it", async () => {
    const drop = await here.api.createDrop({ totalStock: 1 });
    const [holder, late] = await Promise.all([here.api.shopper("holder"), here.api.shopper("late")]);
    ok(await here.api.reserve(holder.token, drop.id), 201);
    expect((await here.api.reserve(late.token, drop.id)).body.error).toBe("OUT_OF_STOCK");
    await expect.poll(() => here.services.soldOut.refuses(drop.id, late.user.id, 1)).toBe(true);
    const answered = here.fastAnswers.answered;
    expect((await here.api.reserve(late.token, drop.id)).body.error).toBe("OUT_OF_STOCK");
    expect(here.fastAnswers.answered).toBe(answered + 1);

    ok(await new ApiClient(there.url).updateDrop(drop.id, { totalStock: 2 }));
    await expect.poll(() => here.services.soldOut.refuses(drop.id, late.user.id, 1), { timeout: 5_000 }).toBe(false);
    const granted = await here.api.reserve(late.token, drop.id);
    expect(granted.status, JSON.stringify(granted.body)).toBe(201);
    expect(here.fastAnswers.answered).toBe(answered + 1);
  });
});

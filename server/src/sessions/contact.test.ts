import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, startTestServer, type Answer, type TestServer } from "../../test/server.js";
import { ADMIN_TOKEN } from "../../test/env.js";
import type { SessionResponse, UpdateMeResponse } from "./sessions.schemas.js";

const name = () => `c_${randomBytes(5).toString("hex")}`;

describe("a shopper's email and phone", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { jobWorkers: false });
  });
  afterAll(() => server?.stop());

  const session = (body: unknown) => server.api.call<Answer<SessionResponse>>("POST", "/api/sessions", { body });
  const patchMe = (token: string | undefined, body: unknown) => server.api.call<Answer<UpdateMeResponse>>("PATCH", "/api/me", { token, body });

  it("are taken with the session, shown by GET /api/me, changed and cleared by PATCH /api/me", async () => {
    const created = ok(await session({ username: name(), email: "  Ana@Example.com ", phone: "+4915112345678" }), 201);
    // Shown as set, and not confirmed yet: a code went to each (server/src/contacts/confirmation.test.ts).
    expect(created.user).toMatchObject({ email: "Ana@Example.com", phone: "+4915112345678", emailConfirmed: false, phoneConfirmed: false });
    expect(ok(await server.api.me(created.token)).user).toEqual(created.user);

    const changed = ok(await patchMe(created.token, { phone: "+14155550123" }), 200);
    expect(changed.user).toEqual({ ...created.user, phone: "+14155550123" });
    const cleared = ok(await patchMe(created.token, { email: null }), 200);
    expect(cleared.user).toEqual({ ...created.user, email: null, phone: "+14155550123" });
    expect(ok(await patchMe(created.token, {}), 200).user).toEqual(cleared.user);
    expect(ok(await server.api.me(created.token)).user).toEqual(cleared.user);

    // Unconfirmed, the phone waits apart from users.phone, where messages go.
    const { rows } = await server.db.pool.query(`SELECT email, phone, pending_email, pending_phone FROM users WHERE id = $1`, [created.user.id]);
    expect(rows[0]).toEqual({ email: null, phone: null, pending_email: null, pending_phone: "+14155550123" });
  });

  it("are optional: a session without them shows both as null", async () => {
    const created = ok(await session({ username: name() }), 201);
    expect(created.user).toEqual({ id: expect.any(String), username: created.user.username, email: null, phone: null, emailConfirmed: false, phoneConfirmed: false });
  });

  it.each([
    [{ email: "not-an-email" }, "email"],
    [{ email: 42 }, "email"],
    [{ email: `${"a".repeat(250)}@example.com` }, "email"],
    [{ phone: "015112345678" }, "phone"],
    [{ phone: "+49 151 1234 5678" }, "phone"],
    [{ phone: "+0123456789" }, "phone"],
    [{ phone: "+1234567890123456" }, "phone"],
  ])("refuse %j with a 400 that names the field, on both routes", async (fields, path) => {
    const refused = await session({ username: name(), ...fields });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: "VALIDATION_ERROR", details: [expect.objectContaining({ path })] });

    const shopper = await server.api.shopper();
    const patched = await patchMe(shopper.token, fields);
    expect(patched.status).toBe(400);
    expect(patched.body).toMatchObject({ error: "VALIDATION_ERROR", details: [expect.objectContaining({ path })] });
  });

  it("PATCH /api/me refuses other fields, a body that is not an object, and callers who are not shoppers", async () => {
    const shopper = await server.api.shopper();
    const rename = await patchMe(shopper.token, { username: "someone_else" });
    expect(rename.status).toBe(400);
    expect(rename.body.message).toMatch(/"username" cannot be changed here/);
    expect((await server.api.call("PATCH", "/api/me", { token: shopper.token, rawBody: "[1]", headers: { "content-type": "application/json" } })).status).toBe(400);
    expect((await server.api.call("PATCH", "/api/me", { token: shopper.token })).status).toBe(400);
    expect((await patchMe(undefined, { email: "a@b.co" })).status).toBe(401);
    expect((await patchMe(ADMIN_TOKEN, { email: "a@b.co" })).status).toBe(403);
  });
});

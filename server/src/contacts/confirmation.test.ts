import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeMessagesTo, codeSentTo, confirmContact, verifyContact } from "../../test/contacts.js";
import { ok, startTestServer, type Answer, type TestServer } from "../../test/server.js";
import type { SessionResponse, UpdateMeResponse } from "../sessions/sessions.schemas.js";

const unique = () => randomBytes(5).toString("hex");
const newEmail = () => `c_${unique()}@example.com`;
/** A phone number of its own per test: E.164, 12 digits. */
const newPhone = () => `+49151${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;
/** Another 6-digit code than `code`. */
const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

describe("confirming a shopper's email and phone before anything is sent to them", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  const session = (body: Record<string, unknown>) => server.api.call<Answer<SessionResponse>>("POST", "/api/sessions", { body: { username: `c_${unique()}`, ...body } });
  const patchMe = (token: string, body: unknown) => server.api.call<Answer<UpdateMeResponse>>("PATCH", "/api/me", { token, body });
  /** Every message the outbox holds for an address, oldest first. */
  const messagesTo = async (to: string) =>
    (await server.db.pool.query<{ template: string; channel: string }>(`SELECT template, channel FROM outbox_messages WHERE recipient = $1 ORDER BY created_at`, [to])).rows;
  const messagesOfHold = async (reservationId: string) =>
    (await server.db.pool.query<{ template: string; channel: string; recipient: string }>(
      `SELECT template, channel, recipient FROM outbox_messages WHERE reservation_id = $1 ORDER BY channel`,
      [reservationId],
    )).rows;

  async function buy(token: string) {
    const drop = await server.api.createDrop({ name: `Shoe ${unique()}`, price: "20.00", totalStock: 5, maxPerUser: 5 });
    const { reservation } = ok(await server.api.reserve(token, drop.id, 1), 201);
    ok(await server.api.purchase(token, reservation.id), 201);
    return reservation.id;
  }

  /** A hold whose deadline is pushed into the past, then waited for until the sweeper has expired it (and queued what it queues). */
  async function holdThatRunsOut(token: string) {
    const drop = await server.api.createDrop({ name: `Cap ${unique()}`, totalStock: 3, holdSeconds: 10 });
    const { reservation } = ok(await server.api.reserve(token, drop.id, 1), 201);
    await server.db.pool.query(`UPDATE reservations SET created_at = created_at - interval '30 seconds', expires_at = expires_at - interval '30 seconds' WHERE id = $1`, [reservation.id]);
    await expect
      .poll(async () => (await server.db.pool.query(`SELECT status::text FROM reservations WHERE id = $1`, [reservation.id])).rows[0].status, { timeout: 10_000, interval: 50 })
      .toBe("expired");
    return reservation.id;
  }

  it("an unconfirmed email and phone get their code and nothing else: a purchase and a hold that runs out queue nothing to them", async () => {
    const email = newEmail();
    const phone = newPhone();
    const created = ok(await session({ email, phone }), 201);
    // Existing clients still read back the address they set; whether it is confirmed is said beside it.
    expect(created.user).toMatchObject({ email, phone, emailConfirmed: false, phoneConfirmed: false });
    expect(ok(await server.api.me(created.token)).user).toEqual(created.user);

    const bought = await buy(created.token);
    const expired = await holdThatRunsOut(created.token);
    expect(await messagesOfHold(bought)).toEqual([]);
    expect(await messagesOfHold(expired)).toEqual([]);
    expect(await messagesTo(email)).toEqual([{ template: "contact_code", channel: "email" }]);
    expect(await messagesTo(phone)).toEqual([{ template: "contact_code", channel: "sms" }]);
  });

  it("once confirmed, the purchase's email and text and the cart-expired email are queued to the addresses", async () => {
    const email = newEmail();
    const phone = newPhone();
    const created = ok(await session({ email, phone }), 201);
    const user = await confirmContact(server.api, created.token, { email, phone });
    expect(user).toEqual({ ...created.user, emailConfirmed: true, phoneConfirmed: true });
    expect(ok(await server.api.me(created.token)).user).toEqual(user);

    const bought = await buy(created.token);
    expect(await messagesOfHold(bought)).toEqual([
      { template: "purchase_completed", channel: "email", recipient: email },
      { template: "purchase_completed", channel: "sms", recipient: phone },
    ]);
    const expired = await holdThatRunsOut(created.token);
    expect(await messagesOfHold(expired)).toEqual([{ template: "cart_expired", channel: "email", recipient: email }]);
  });

  it("keeps only a keyed hash of the code, and the code message carries the code and nothing the requester chose", async () => {
    const email = newEmail();
    const created = ok(await session({ username: `visit_evil_example_${unique()}`, email }), 201);
    const code = await codeSentTo(server.api, email);
    expect(code).toMatch(/^\d{6}$/);

    const { rows } = await server.db.pool.query(`SELECT row_to_json(c)::text AS row, code_hash FROM contact_codes c WHERE user_id = $1`, [created.user.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].row).not.toContain(code);
    expect(rows[0].code_hash).toMatch(/^[0-9a-f]{64}$/);
    // Not a bare hash of six digits either, which a table of a million entries would undo.
    expect(rows[0].code_hash).not.toBe(createHash("sha256").update(code).digest("hex"));

    const [message] = await codeMessagesTo(server.api, email);
    expect(message!.subject).toContain(code);
    expect(`${message!.subject} ${message!.body} ${message!.html}`).not.toContain(created.user.username);
  });

  it("refuses a wrong code, a used one, an expired one and one for no address with 401 CODE_INVALID", async () => {
    const email = newEmail();
    const created = ok(await session({ email }), 201);
    const code = await codeSentTo(server.api, email);

    const wrong = await verifyContact(server.api, created.token, "email", otherCode(code));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: "CODE_INVALID" });
    expect(ok(await server.api.me(created.token)).user.emailConfirmed).toBe(false);

    expect(ok(await verifyContact(server.api, created.token, "email", code), 200).user).toMatchObject({ email, emailConfirmed: true });
    const again = await verifyContact(server.api, created.token, "email", code);
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ error: "CODE_INVALID" });

    const late = ok(await session({ email: newEmail(), phone: newPhone() }), 201);
    const lateCode = await codeSentTo(server.api, late.user.phone!);
    await server.db.pool.query(`UPDATE contact_codes SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [late.user.id]);
    expect((await verifyContact(server.api, late.token, "phone", lateCode)).body).toMatchObject({ error: "CODE_INVALID" });
    expect(ok(await server.api.me(late.token)).user).toMatchObject({ emailConfirmed: false, phoneConfirmed: false });

    const none = ok(await session({}), 201);
    const nothing = await verifyContact(server.api, none.token, "phone", "123456");
    expect([nothing.status, nothing.body.error]).toEqual([401, "CODE_INVALID"]);
    // Not a code at all: a plain 400 naming the field; the path must be one of the two channels.
    expect((await verifyContact(server.api, created.token, "email", "12a456")).body).toMatchObject({ error: "VALIDATION_ERROR", details: [{ path: "code" }] });
    expect((await server.api.call("POST", "/api/me/fax/verify", { token: created.token, body: { code } })).status).toBe(404);
    expect((await server.api.call("POST", "/api/me/email/verify", { body: { code } })).status).toBe(401);
  });

  it("spends a code after five wrong tries: even the right one is then 429, until a new code is asked for", async () => {
    const phone = newPhone();
    const created = ok(await session({ phone }), 201);
    const code = await codeSentTo(server.api, phone);
    for (let i = 0; i < 5; i++) expect((await verifyContact(server.api, created.token, "phone", otherCode(code))).body.error).toBe("CODE_INVALID");
    const spent = await verifyContact(server.api, created.token, "phone", code);
    expect([spent.status, spent.body.error]).toEqual([429, "RATE_LIMITED"]);
    expect(ok(await server.api.me(created.token)).user.phoneConfirmed).toBe(false);

    // Setting the same address again sends a new code, which works.
    expect(ok(await patchMe(created.token, { phone }), 200).user).toMatchObject({ phone, phoneConfirmed: false });
    expect(await codeMessagesTo(server.api, phone)).toHaveLength(2);
    const fresh = await codeSentTo(server.api, phone);
    expect(ok(await verifyContact(server.api, created.token, "phone", fresh), 200).user.phoneConfirmed).toBe(true);
  });

  it("with RATE_LIMITS=off (benchmarks) codes are not counted: each setting of the address sends one", async () => {
    const email = newEmail();
    const created = ok(await session({}), 201);
    for (let i = 0; i < 7; i++) ok(await patchMe(created.token, { email }), 200);
    expect(await codeMessagesTo(server.api, email)).toHaveLength(7);
  });

  it("a changed address voids the old code and the old confirmation; the confirmed one set again stays confirmed; null clears both", async () => {
    const first = newEmail();
    const created = ok(await session({ email: first }), 201);
    const firstCode = await codeSentTo(server.api, first);

    const second = newEmail();
    expect(ok(await patchMe(created.token, { email: second }), 200).user).toMatchObject({ email: second, emailConfirmed: false });
    expect((await verifyContact(server.api, created.token, "email", firstCode)).body.error).toBe("CODE_INVALID");
    const secondCode = await codeSentTo(server.api, second);
    expect(ok(await verifyContact(server.api, created.token, "email", secondCode), 200).user).toMatchObject({ email: second, emailConfirmed: true });

    // The confirmed address set again: nothing changes and no code goes out.
    expect(ok(await patchMe(created.token, { email: second }), 200).user).toMatchObject({ email: second, emailConfirmed: true });
    expect(await codeMessagesTo(server.api, second)).toHaveLength(1);

    // A new address replaces the confirmed one at once: messages stop going to the old one, and wait for the new one's code.
    const third = newEmail();
    expect(ok(await patchMe(created.token, { email: third }), 200).user).toMatchObject({ email: third, emailConfirmed: false });
    expect(await messagesOfHold(await buy(created.token))).toEqual([]);
    // Its code does not confirm anything once the address is cleared.
    const thirdCode = await codeSentTo(server.api, third);
    expect(ok(await patchMe(created.token, { email: null }), 200).user).toMatchObject({ email: null, emailConfirmed: false });
    expect((await verifyContact(server.api, created.token, "email", thirdCode)).body.error).toBe("CODE_INVALID");
    const { rows } = await server.db.pool.query(`SELECT email, pending_email FROM users WHERE id = $1`, [created.user.id]);
    expect(rows[0]).toEqual({ email: null, pending_email: null });
  });

  it("another shopper who sets someone's confirmed address learns nothing and cannot confirm it with a code of their own", async () => {
    const victimEmail = newEmail();
    const victim = ok(await session({ email: victimEmail }), 201);
    await confirmContact(server.api, victim.token, { email: victimEmail });
    const victimCode = await codeSentTo(server.api, victimEmail);

    // The other shopper confirms an address of their own first, so they hold a code that works somewhere.
    const ownEmail = newEmail();
    const other = ok(await session({ email: ownEmail }), 201);
    const ownCode = await codeSentTo(server.api, ownEmail);

    const claimed = ok(await patchMe(other.token, { email: victimEmail }), 200);
    const fresh = ok(await patchMe((ok(await session({}), 201)).token, { email: newEmail() }), 200);
    // The same answer as for an address nobody has: nothing says it is someone else's.
    expect(claimed.user).toEqual({ ...other.user, email: victimEmail, emailConfirmed: false });
    expect(Object.keys(claimed.user).sort()).toEqual(Object.keys(fresh.user).sort());

    for (const code of [ownCode, victimCode]) {
      const refused = await verifyContact(server.api, other.token, "email", code);
      expect([refused.status, refused.body.error]).toEqual([401, "CODE_INVALID"]);
    }
    expect(ok(await server.api.me(other.token)).user.emailConfirmed).toBe(false);
    expect(ok(await server.api.me(victim.token)).user).toMatchObject({ email: victimEmail, emailConfirmed: true });
    // Their purchase sends the victim nothing.
    expect(await messagesOfHold(await buy(other.token))).toEqual([]);
  });
});

describe("how many codes are sent (RATE_LIMITS on, behind a trusted proxy)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMITS: "on", TRUST_PROXY: "1" });
  });
  afterAll(() => server?.stop());

  let ips = 0;
  const newIp = () => `10.1.${Math.floor(++ips / 250)}.${(ips % 250) + 1}`;
  const from = (ip: string) => ({ "x-forwarded-for": ip });
  const session = (body: Record<string, unknown>, ip = newIp()) =>
    server.api.call<Answer<SessionResponse>>("POST", "/api/sessions", { body: { username: `l_${unique()}`, ...body }, headers: from(ip) });
  const patchMe = (token: string, body: unknown, ip = newIp()) => server.api.call<Answer<UpdateMeResponse>>("PATCH", "/api/me", { token, body, headers: from(ip) });
  const codesTo = async (to: string) => (await codeMessagesTo(server.api, to)).length;

  it("sends one address at most 5 codes an hour, whoever asks from wherever, and the answers do not tell", async () => {
    const target = newEmail();
    const answers: UpdateMeResponse[] = [];
    for (let i = 0; i < 4; i++) answers.push(ok(await session({ email: target }), 201));
    for (let i = 0; i < 4; i++) answers.push(ok(await patchMe(ok(await session({}), 201).token, { email: target }), 200));
    expect(await codesTo(target)).toBe(5);
    // Every asker got the same answer, sent or not.
    for (const answer of answers) expect(answer.user).toMatchObject({ email: target, emailConfirmed: false });
  });

  it("sends one address at most 10 codes a day, even as each hour's budget comes back", async () => {
    const target = newEmail();
    // An hour going by, as the hourly counters see it: their rows gone.
    const nextHour = async () => (await server.db.pool.query(`DELETE FROM rate_limits WHERE key LIKE 'rl:contact-codes-address-hour:%'`)).rowCount;
    for (let hour = 0; hour < 3; hour++) {
      for (let i = 0; i < 5; i++) ok(await session({ email: target }), 201);
      expect(await nextHour()).toBeGreaterThanOrEqual(1);
    }
    expect(await codesTo(target)).toBe(10);
  });

  it("sends one shopper's address a new code at most 5 times an hour: setting it again is refused with 429 and Retry-After", async () => {
    const phone = newPhone();
    const shopper = ok(await session({}), 201);
    for (let i = 0; i < 5; i++) expect((await patchMe(shopper.token, { phone })).status).toBe(200);
    const refused = await patchMe(shopper.token, { phone });
    expect([refused.status, refused.body.error]).toEqual([429, "RATE_LIMITED"]);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await codesTo(phone)).toBe(5);
    // The last code sent still works.
    expect(ok(await verifyContact(server.api, shopper.token, "phone", await codeSentTo(server.api, phone)), 200).user.phoneConfirmed).toBe(true);
  });

  it("sends at most 30 codes an hour for one client IP; the 31st request is refused with 429 and changes nothing", async () => {
    const ip = newIp();
    for (let i = 0; i < 30; i++) {
      const shopper = ok(await session({}), 201);
      expect((await patchMe(shopper.token, { email: newEmail() }, ip)).status).toBe(200);
    }
    const email = newEmail();
    const shopper = ok(await session({}), 201);
    const refused = await patchMe(shopper.token, { email }, ip);
    expect([refused.status, refused.body.error]).toEqual([429, "RATE_LIMITED"]);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(ok(await server.api.me(shopper.token)).user.email).toBeNull();
    expect(await codesTo(email)).toBe(0);

    // A new session with an address from that IP is refused too, and its name is not taken by the refusal.
    const username = `l_${unique()}`;
    expect((await session({ username, email }, ip)).status).toBe(429);
    expect(ok(await session({ username })).user.username).toBe(username);
    // Another IP still gets its codes.
    expect((await patchMe(shopper.token, { email })).status).toBe(200);
    expect(await codesTo(email)).toBe(1);
  });
});

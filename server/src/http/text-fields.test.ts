import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, ok, startTestServer, type TestServer } from "../../test/server.js";

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

/** Every character that reorders the text around it when shown: embeddings, overrides, isolates and marks. */
const BIDI_CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"];
const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

interface Request {
  method: string;
  path: string;
  token?: string;
  body: unknown;
}

interface Field {
  name: string;
  /** The dotted path the 400 names. */
  path: string;
  /** The request with `text` in the field. */
  request(text: string, ctx: { dropId: string; shopper: string }): Request;
  /** Text the field takes, into which the character is put. */
  sample: string;
  /** Fields with a pattern of their own (usernames, emails) refuse in their own words. */
  ownWords?: boolean;
}

const newDrop = (fields: Record<string, unknown>) => ({ name: "Text drop", price: "10.00", totalStock: 5, ...fields });

const dropName: Field = {
  name: "a new drop's name",
  path: "name",
  sample: "Night sale",
  request: (text) => ({ method: "POST", path: "/api/drops", token: ADMIN_TOKEN, body: newDrop({ name: text }) }),
};
const dropDescription: Field = {
  name: "a new drop's description",
  path: "description",
  sample: "Two lines\nof text",
  request: (text) => ({ method: "POST", path: "/api/drops", token: ADMIN_TOKEN, body: newDrop({ description: text }) }),
};
const purchaseMethod: Field = {
  name: "a purchase's payment method",
  path: "payment.method",
  sample: "sim_ok",
  request: (text, c) => ({ method: "POST", path: "/api/purchases", token: c.shopper, body: { reservationId: UNKNOWN_ID, payment: { method: text } } }),
};

/** Every free-text field of every request body, and the fields whose pattern already keeps such characters out. */
const FIELDS: Field[] = [
  dropName,
  { name: "an edited drop's name", path: "name", sample: "Night sale", request: (text, c) => ({ method: "PATCH", path: `/api/drops/${c.dropId}`, token: ADMIN_TOKEN, body: { name: text } }) },
  dropDescription,
  {
    name: "an edited drop's description",
    path: "description",
    sample: "Two lines\nof text",
    request: (text, c) => ({ method: "PATCH", path: `/api/drops/${c.dropId}`, token: ADMIN_TOKEN, body: { description: text } }),
  },
  {
    name: "a drop's image URL",
    path: "imageUrl",
    sample: "https://cdn.example.com/shoe.png",
    request: (text) => ({ method: "POST", path: "/api/drops", token: ADMIN_TOKEN, body: newDrop({ imageUrl: text }) }),
  },
  purchaseMethod,
  {
    name: "a pre-order's payment method",
    path: "payment.method",
    sample: "sim_ok",
    request: (text, c) => ({ method: "POST", path: "/api/preorders", token: c.shopper, body: { dropId: UNKNOWN_ID, payment: { method: text } } }),
  },
  { name: "a username", path: "username", sample: "night_owl", ownWords: true, request: (text) => ({ method: "POST", path: "/api/sessions", body: { username: text } }) },
  {
    name: "an email address",
    path: "email",
    sample: "ana@example.com",
    ownWords: true,
    request: (text) => ({ method: "POST", path: "/api/sessions", body: { username: "mail_owner", email: text } }),
  },
];

describe("free-text fields", () => {
  let server: TestServer;
  let ctx: { dropId: string; shopper: string };
  beforeAll(async () => {
    server = await startTestServer();
    const [drop, shopper] = await Promise.all([server.api.createDrop(), server.api.shopper("texter")]);
    ctx = { dropId: drop.id, shopper: shopper.token };
  });
  afterAll(() => server?.stop());

  const send = (request: Request) => server.api.call(request.method, request.path, { token: request.token, body: request.body });

  async function expectRefused(field: Field, text: string) {
    const answer = await send(field.request(text, ctx));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: "VALIDATION_ERROR" });
    const details = (answer.body as { details?: Array<{ path: string; message: string }> }).details ?? [];
    expect(details.map((detail) => detail.path)).toContain(field.path);
    if (!field.ownWords) {
      expect(details).toContainEqual({ path: field.path, message: expect.stringMatching(/^must not contain text-direction control characters/) });
    }
  }

  it.each(BIDI_CONTROLS.map((char) => [codePoint(char), char]))("refuse the text-direction control %s in a drop's name", async (_name, char) => {
    // The override that makes "Shoe $500" show as something else: the trick this rule is for.
    await expectRefused(dropName, `Shoe ${char}005$ sale`);
  });

  it.each(FIELDS.map((field) => [field.name, field] as const))("refuse text-direction controls in %s", async (_name, field) => {
    for (const char of ["\u202e", "\u2066", "\u200f"]) await expectRefused(field, `${field.sample.slice(0, 3)}${char}${field.sample.slice(3)}`);
  });

  it("refuse them in right-to-left text too, and take right-to-left text and joined emoji without them", async () => {
    await expectRefused(dropName, "\u05e0\u05e2\u05dc\u202b\u05d9\u05d9\u05dd");
    const hebrew = ok(await send(dropName.request("\u05e0\u05e2\u05dc\u05d9\u05d9\u05dd", ctx)), 201) as { name: string };
    expect(hebrew.name).toBe("\u05e0\u05e2\u05dc\u05d9\u05d9\u05dd");
    const arabic = ok(await send(dropDescription.request("\u062d\u0630\u0627\u0621 \u062c\u062f\u064a\u062f\n\u0645\u0642\u0627\u0633 42", ctx)), 201) as { description: string };
    expect(arabic.description).toBe("\u062d\u0630\u0627\u0621 \u062c\u062f\u064a\u062f\n\u0645\u0642\u0627\u0633 42");
    // A joined emoji is one picture, not a direction change.
    const emoji = ok(await send(dropName.request("Family pack \u{1F468}\u200d\u{1F469}\u200d\u{1F467}", ctx)), 201) as { name: string };
    expect(emoji.name).toBe("Family pack \u{1F468}\u200d\u{1F469}\u200d\u{1F467}");
  });

  it.each([
    ["U+0085 (next line)", "\u0085"],
    ["U+009B (control sequence introducer)", "\u009b"],
  ])("refuse the C1 control %s as the other control characters", async (_name, char) => {
    for (const field of [dropName, dropDescription, purchaseMethod]) {
      const answer = await send(field.request(`${field.sample.slice(0, 3)}${char}${field.sample.slice(3)}`, ctx));
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: "VALIDATION_ERROR", details: expect.arrayContaining([{ path: field.path, message: "must not contain control characters" }]) });
    }
  });
});

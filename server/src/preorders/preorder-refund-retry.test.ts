import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PaymentUnreachable, type ChargeRequest, type PaymentGateway } from "../payments/gateway.js";
import { SimulatedPaymentProvider } from "../payments/simulated.js";
import { ok, startTestServer, type TestServer } from "../../test/server.js";
import type { Preorder } from "./preorders.schemas.js";

/** The simulated provider, with its refunds failing the first `failures` times (a provider outage during a compensation). */
class RefundsFailAtFirst implements PaymentGateway {
  readonly defaultMethod = "sim_ok";
  inner?: SimulatedPaymentProvider;
  constructor(public failures: number) {}
  accepts = (method: string) => this.inner!.accepts(method);
  charge = (request: ChargeRequest) => this.inner!.charge(request);
  retrieve = (paymentRef: string) => this.inner!.retrieve(paymentRef);
  async refund(paymentRef: string): Promise<void> {
    if (this.failures-- > 0) throw new PaymentUnreachable("the refund service is down for a moment");
    await this.inner!.refund(paymentRef);
  }
}

describe("a pre-order whose refund fails at first", () => {
  const payments = new RefundsFailAtFirst(2);
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { payments });
    payments.inner = new SimulatedPaymentProvider(server.database.pool);
  });
  afterAll(() => server?.stop());

  it("keeps the units released, logs each failed refund, and retries until the money is back, once", async () => {
    const drop = await server.api.createDrop({ name: "Phone", price: "899.00", totalStock: 2, kind: "preorder", releaseAt: new Date(Date.now() + 60_000).toISOString() });
    const shopper = await server.api.shopper("unlucky");
    const order = ok(await server.api.call<{ preorder: Preorder }>("POST", "/api/preorders", { token: shopper.token, body: { dropId: drop.id } }), 201).preorder;
    const cancelled = ok(await server.api.call<{ preorder: Preorder }>("POST", `/api/preorders/${order.id}/cancel`, { token: shopper.token })).preorder;
    // Shown plainly: the units are back, the refund is still owed.
    expect(cancelled.compensations.map((c) => [c.step, c.status])).toEqual([
      ["release_inventory", "done"],
      ["refund_payment", "failed"],
    ]);
    const log = async () =>
      (await server.db.pool.query(`SELECT step, status, attempt FROM preorder_compensations WHERE preorder_id = $1 ORDER BY id`, [order.id])).rows;
    await expect.poll(async () => (await log()).at(-1), { timeout: 20_000, interval: 200 }).toEqual({ step: "refund_payment", status: "done", attempt: 3 });
    expect(await log()).toEqual([
      { step: "release_inventory", status: "done", attempt: 1 },
      { step: "refund_payment", status: "failed", attempt: 1 },
      { step: "refund_payment", status: "failed", attempt: 2 },
      { step: "refund_payment", status: "done", attempt: 3 },
    ]);
    const { rows } = await server.db.pool.query(`SELECT status FROM simulated_charges WHERE idempotency_key = $1`, [`preorder:${order.id}:charge`]);
    expect(rows).toEqual([{ status: "refunded" }]);
    expect(ok(await server.api.call<{ preorder: Preorder }>("GET", `/api/preorders/${order.id}`, { token: shopper.token })).preorder.compensations.map((c) => c.status)).toEqual([
      "done",
      "done",
    ]);
  });
});

import type { ServerClock } from "./clock.js";
import type { Config } from "./config.js";
import type { Db } from "./db/prisma.js";
import type { PaymentGateway } from "./payments/gateway.js";
import type { Notifier } from "./realtime/notifier.js";

/** What the domain services need, passed in so they run the same under HTTP, tests and scripts. */
export interface Services {
  db: Db;
  notifier: Notifier;
  payments: PaymentGateway;
  clock: ServerClock;
  config: Pick<Config, "holdSeconds">;
}

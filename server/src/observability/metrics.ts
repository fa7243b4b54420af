import type pg from "pg";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics (GET /metrics). Counters are bumped by the domain after
 * the database has answered; gauges are read when scraped.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly holds = new Counter({
    name: "dropline_holds_total",
    help: "Hold requests by outcome (created, existing, out_of_stock, out_of_stock_cached, limit_exceeded, drop_not_live, drop_not_found, not_admitted).",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  readonly purchases = new Counter({
    name: "dropline_purchases_total",
    help: "Purchases by outcome (purchased, repeat, expired, declined, payment_unavailable; voided: a charge given back after its hold ended).",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  readonly queueJoins = new Counter({
    name: "dropline_queue_joins_total",
    help: "Waiting-room joins by outcome (created, existing, queue_not_open, queue_closed, too_many_from_address, ...).",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  readonly queueAdmitted = new Counter({
    name: "dropline_queue_admitted_total",
    help: "Waiting-room entries let in by the admission leader.",
    registers: [this.registry],
  });

  readonly expired = new Counter({
    name: "dropline_holds_expired_total",
    help: "Holds released because their deadline passed (by the sweeper or by a stock change on their drop).",
    registers: [this.registry],
  });

  readonly sweepDuration = new Histogram({
    name: "dropline_sweep_duration_seconds",
    help: "Duration of one expiry sweep.",
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly lastSweepAt = new Gauge({
    name: "dropline_sweep_last_success_timestamp_seconds",
    help: "When the last expiry sweep finished; now minus this is the sweep lag.",
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: "dropline_http_requests_total",
    help: "HTTP API requests by method and status code.",
    labelNames: ["method", "status"] as const,
    registers: [this.registry],
  });

  constructor(options: { pool: pg.Pool; openSockets: () => number }) {
    collectDefaultMetrics({ register: this.registry, prefix: "dropline_", eventLoopMonitoringPrecision: 20 });
    new Gauge({
      name: "dropline_socket_connections",
      help: "Open Socket.IO connections.",
      registers: [this.registry],
      collect() {
        this.set(options.openSockets());
      },
    });
    const pool = options.pool;
    new Gauge({
      name: "dropline_db_pool_connections",
      help: "Database pool connections by state (total, idle, waiting requests).",
      labelNames: ["state"] as const,
      registers: [this.registry],
      collect() {
        this.set({ state: "total" }, pool.totalCount);
        this.set({ state: "idle" }, pool.idleCount);
        this.set({ state: "waiting" }, pool.waitingCount);
      },
    });
  }
}

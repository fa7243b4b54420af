/**
 * `/api/ready` from a cached probe: however many callers ask, the database is
 * asked at most once per `maxAgeMs`, and callers arriving while a probe runs
 * share it. A flood of readiness checks then costs the hold path nothing.
 */
export class ReadinessProbe {
  private last: { ok: boolean; at: number } | undefined;
  private running: Promise<boolean> | undefined;

  constructor(
    private readonly probe: () => Promise<boolean>,
    private readonly maxAgeMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  ready(): Promise<boolean> {
    if (this.last && this.now() - this.last.at < this.maxAgeMs) return Promise.resolve(this.last.ok);
    this.running ??= this.probe()
      .catch(() => false)
      .then((ok) => {
        this.last = { ok, at: this.now() };
        this.running = undefined;
        return ok;
      });
    return this.running;
  }
}

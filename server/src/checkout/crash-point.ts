/**
 * The saga's steps where the crash tests kill the process (DROPLINE_CRASH_AT,
 * set only by those tests): each proves a restart resumes or compensates
 * from exactly what the database recorded before that point.
 */
export type CrashPoint = "checkout_started" | "charge_answered" | "charge_recorded" | "sale_committed" | "void_sent";

export function crashPoint(point: CrashPoint): void {
  if (process.env.DROPLINE_CRASH_AT === point) process.kill(process.pid, "SIGKILL");
}

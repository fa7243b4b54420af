import type { Services } from "../context.js";
import { QUEUES } from "../jobs/engine.js";
import { compensate, fireTimer, type PreorderTimer } from "./preorders.service.js";

/**
 * Every wait of a pre-order is a pg-boss job with a start time: it survives
 * restarts, runs once across processes (a job is fetched by one worker; the
 * order's guarded status changes make a second run a no-op), and one whose
 * time passed while no server ran runs at the next start.
 */
export async function registerPreorderJobs(services: Services): Promise<void> {
  await services.jobs.work<PreorderTimer>(QUEUES.preorderTimer.name, (job) => fireTimer(services, job));
  await services.jobs.work<{ preorderId: string }>(QUEUES.preorderCompensate.name, ({ preorderId }) => compensate(services, preorderId));
}

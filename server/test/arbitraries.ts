import fc from "fast-check";

/**
 * Seed and run count for a property, taken from the environment so a failure
 * can be replayed exactly:
 *   FC_SEED=<seed> [FC_PATH=<path>] [FC_RUNS=<n>] npx vitest run <file>
 * (a model-based run also wants the counterexample's replayPath: FC_REPLAY_PATH).
 * The seed is logged before the property runs; on failure fast-check's own
 * message repeats it with the counterexample's path.
 */
export function propertyRun(name: string, defaultRuns: number): { seed: number; path?: string; numRuns: number } {
  const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${process.env.FC_SEED}`);
  const numRuns = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) : defaultRuns;
  const path = process.env.FC_PATH || undefined;
  console.log(`[${name}] fast-check seed=${seed} runs=${numRuns}${path ? ` path=${path}` : ""} (replay with FC_SEED=${seed}${path ? ` FC_PATH=${path}` : ""})`);
  return { seed, path, numRuns };
}

/** Picks an index into a list whose length is only known when the command runs. */
export const pick = fc.nat({ max: 1_000 });

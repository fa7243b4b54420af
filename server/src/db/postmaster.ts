import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The pid of the PostgreSQL server running the cluster in `clusterDir`, if one runs: the pid in its
 * postmaster.pid, alive, and started on that very cluster (a stale file's pid may belong to
 * anything by now). Undefined when none runs, or off Linux, where PostgreSQL handles a stale file.
 */
export function runningPostmaster(clusterDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(clusterDir, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(clusterDir) ? pid : undefined;
  } catch {
    return undefined; // gone, or not Linux
  }
}

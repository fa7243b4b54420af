// Who used the CPU during a timed section: the server (its whole process tree:
// with WEB_CONCURRENCY=N the primary and its workers), PostgreSQL (postmaster,
// its backends, and reaped children), this harness and any client processes.
// Figures are % of one core; this machine has os.cpus().length cores in all.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function statFields(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" "); // fields from #3 (state) on
  } catch {
    return undefined;
  }
}

/** utime + stime (+ reaped children when withChildren) in seconds. */
function cpuSeconds(pid, withChildren) {
  const f = statFields(pid);
  if (!f) return 0;
  const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  return ticks / TICKS_PER_SECOND;
}

/** Parent pid of every live process, by pid. */
function parents() {
  const out = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (f) out.set(Number(entry), Number(f[1]));
  }
  return out;
}

/** rootPid and all its live descendants (children, their children...). */
export function processTree(rootPid) {
  const ppids = parents();
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of ppids) if (ppid === tree[i]) tree.push(pid);
  return tree.filter((pid) => pid === rootPid || ppids.has(pid));
}

/**
 * CPU seconds of a process tree: the root with its reaped children (a worker that exited
 * and was waited for), plus every live descendant. A descendant that exits during a timed
 * section and is reaped moves from the second sum to the first, so nothing is counted twice.
 */
function treeSeconds(rootPid) {
  const [root, ...descendants] = processTree(rootPid);
  return cpuSeconds(root, true) + descendants.reduce((sum, pid) => sum + cpuSeconds(pid, false), 0);
}

/** CPU seconds and name of every process now, by pid. */
function allProcesses() {
  const out = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, "utf8");
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      out.set(Number(entry), { name: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")), ppid: Number(f[1]), seconds: (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Machine-wide time in seconds (all cores), from /proc/stat: busy (everything but idle, iowait and
 * steal), irq (interrupt and softirq time, e.g. loopback networking, which the kernel may charge to
 * no process) and steal.
 */
function machineSeconds() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return { busy: (user + nice + system + irq + softirq) / TICKS_PER_SECOND, irq: (irq + softirq) / TICKS_PER_SECOND, steal: steal / TICKS_PER_SECOND };
}

/** RSS of every process of a tree, [{ pid, mb }], root first. */
export function treeRssMb(rootPid) {
  return processTree(rootPid).map((pid) => ({ pid, mb: rssMb(pid) })).filter((p) => !Number.isNaN(p.mb));
}

export function rssMb(pid) {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
    return Math.round(kb / 1024);
  } catch {
    return NaN;
  }
}

/**
 * Starts counting; end() returns { server, postgres, harness, clients?, other, steal } in % of one
 * core over the elapsed time, and `seconds`: the CPU seconds each used and the wall seconds. `other` is CPU used by processes outside the benchmark (anything
 * else running on the machine), `steal` is time the hypervisor gave to other guests: both make a
 * figure lower than the machine can do when idle.
 */
export function cpuMeter({ serverPid, postmasterPid, clientPids = [] }) {
  const read = () => {
    const own = process.cpuUsage();
    return {
      at: performance.now(),
      server: treeSeconds(serverPid),
      postgres: postmasterPid ? treeSeconds(postmasterPid) : NaN,
      harness: (own.user + own.system) / 1e6,
      clients: clientPids.reduce((sum, pid) => sum + cpuSeconds(pid, false), 0),
      machine: machineSeconds(),
    };
  };
  const start = read();
  const startProcesses = allProcesses();
  /** The processes outside the benchmark that used the most CPU, e.g. "node 35%, kworker/1:1 4%". */
  const topOthers = (seconds) => {
    const ours = new Set([process.pid, ...processTree(serverPid), postmasterPid, ...clientPids]);
    const now = allProcesses();
    return [...now]
      .filter(([pid, p]) => !ours.has(pid) && !ours.has(p.ppid))
      .map(([pid, p]) => ({ name: p.name, pct: Math.round(((p.seconds - (startProcesses.get(pid)?.seconds ?? 0)) / seconds) * 100) }))
      .filter((p) => p.pct >= 2)
      .sort((a, b) => b.pct - a.pct)
      .slice(0, 4)
      .map((p) => `${p.name} ${p.pct}%`)
      .join(", ");
  };
  return {
    end() {
      const now = read();
      const seconds = (now.at - start.at) / 1000;
      const pct = (key) => Math.round(((now[key] - start[key]) / seconds) * 100);
      const out = { server: pct("server"), postgres: postmasterPid ? pct("postgres") : null, harness: pct("harness") };
      if (clientPids.length > 0) out.clients = pct("clients");
      const used = (key) => Math.round((now[key] - start[key]) * 1000) / 1000;
      out.seconds = { wall: Math.round(seconds * 1000) / 1000, server: used("server"), postgres: postmasterPid ? used("postgres") : null, harness: used("harness"), clients: used("clients") };
      const machineBusy = Math.round(((now.machine.busy - start.machine.busy) / seconds) * 100);
      // Interrupt time is reported apart: with thousands of sockets on loopback it is the benchmark's own
      // networking, not someone else's work (where the kernel charges it to the running process, it is
      // counted in that process's figure and here too, hence the max(0)).
      out.irq = Math.round(((now.machine.irq - start.machine.irq) / seconds) * 100);
      const ours = out.server + (out.postgres ?? 0) + out.harness + (out.clients ?? 0);
      out.other = postmasterPid ? Math.max(0, machineBusy - out.irq - ours) : null;
      out.steal = Math.round(((now.machine.steal - start.machine.steal) / seconds) * 100);
      if (out.other >= 10) out.otherProcesses = topOthers(seconds);
      return out;
    },
  };
}

/**
 * Waits (up to maxSeconds) until the machine is quiet: less than `threshold`% of one core busy over
 * one second, everything counted (the benchmark's own idle processes use a few %). On a shared machine
 * this keeps someone else's build out of the timed sections; after maxSeconds it goes on anyway.
 * Resolves the seconds waited.
 */
export async function waitForQuiet(maxSeconds, threshold = 25) {
  const started = performance.now();
  for (;;) {
    const a = machineSeconds().busy;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const busy = (machineSeconds().busy - a) * 100;
    const waited = (performance.now() - started) / 1000;
    if (busy < threshold || waited >= maxSeconds) return Math.round(waited - 1);
  }
}

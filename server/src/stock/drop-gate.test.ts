import { describe, expect, it } from "vitest";
import { DropGate } from "./drop-gate.js";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("the per-drop gate", () => {
  it("lets at most `limit` tasks of one drop run at once, the rest in arrival order", async () => {
    const gate = new DropGate(2);
    const started: number[] = [];
    const finish = Array.from({ length: 5 }, deferred);
    const runs = finish.map((f, i) => gate.run("hot", async () => { started.push(i); await f.promise; return i; }));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    finish[1]!.resolve();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    finish.forEach((f) => f.resolve());
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it("does not make one drop wait for another", async () => {
    const gate = new DropGate(1);
    const blocked = deferred();
    const hot = gate.run("hot", () => blocked.promise);
    expect(await gate.run("quiet", async () => "ran")).toBe("ran");
    blocked.resolve();
    await hot;
  });

  it("frees the slot when a task fails", async () => {
    const gate = new DropGate(1);
    await expect(gate.run("d", async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(await gate.run("d", async () => "next")).toBe("next");
  });
});

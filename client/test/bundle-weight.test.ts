import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { entryScripts } from "./support/bundle.js";

/**
 * gzip kB (1,000 bytes) of the scripts the shopper page needs before it runs.
 * The target was 75 kB, but React 19 (react + react-dom) alone is 67 kB, so the
 * budget sits just above what the page weighs now: it catches the admin page
 * (or anything else big) creeping back in. See docs/PERFORMANCE.md, "Shopper page weight".
 */
const BUDGET_KB = 93;

const clientDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist");

// Text that only the admin page renders: none of it may reach the shopper's entry scripts.
const ADMIN_ONLY = ["Admin sign-in", "End drop now", "stock-chart", "drops-table"];

describe("shopper page weight (production build in client/dist)", () => {
  const entry = entryScripts(clientDist);
  const gzipKb = entry.reduce((sum, file) => sum + file.gzipBytes, 0) / 1000;

  it(`keeps the entry scripts within ${BUDGET_KB} kB gzipped`, () => {
    console.info(`shopper entry scripts: ${entry.map((f) => `${f.file} ${(f.gzipBytes / 1000).toFixed(1)} kB`).join(", ")}; total ${gzipKb.toFixed(1)} kB gzipped`);
    expect(gzipKb).toBeLessThanOrEqual(BUDGET_KB);
  });

  it("leaves the admin page out of the entry scripts; it is a chunk of its own", () => {
    const entryText = entry.map((file) => file.text).join("\n");
    for (const marker of ADMIN_ONLY) expect(entryText.includes(marker), `"${marker}" is in the shopper's entry scripts`).toBe(false);

    // The markers do name admin code: some other chunk of the build has every one of them.
    const assets = path.join(clientDist, "assets");
    const lazy = readdirSync(assets)
      .filter((file) => file.endsWith(".js") && !entry.some((e) => e.file === `assets/${file}`))
      .map((file) => readFileSync(path.join(assets, file), "utf8"));
    for (const marker of ADMIN_ONLY) expect(lazy.some((text) => text.includes(marker)), `no chunk has "${marker}"`).toBe(true);
  });

  it("leaves zod (the socket payload checker) out of the entry scripts: it loads on its own", () => {
    // zod names its error class in its own code, minified or not.
    expect(entry.some((file) => file.text.includes("ZodError")), "zod is in the shopper's entry scripts").toBe(false);
    const assets = path.join(clientDist, "assets");
    const checker = readdirSync(assets).filter((file) => /^socket-payloads-.*\.js$/.test(file));
    expect(checker).toHaveLength(1);
    const text = readFileSync(path.join(assets, checker[0]!));
    expect(text.toString("utf8")).toContain("ZodError");
    console.info(`socket payload checker, loaded after the page starts: assets/${checker[0]} ${(gzipSync(text).length / 1000).toFixed(1)} kB gzipped`);
  });
});

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

export interface EntryFile {
  /** Path inside dist, e.g. "assets/index-abc123.js". */
  file: string;
  bytes: number;
  gzipBytes: number;
  text: string;
}

const attribute = (tag: string, name: string) => new RegExp(`\\b${name}\\s*=\\s*["']([^"']*)["']`, "i").exec(tag)?.[1];

// `import{a as b}from"./x.js"` and `import"./x.js"`, as the bundler writes them; `import("./x.js")` (a lazy chunk) has a
// parenthesis where these have a name list or a quote, so it never matches.
const STATIC_IMPORT = /\bimport\s*(?:[\w$*{}\s,]+?\s*from\s*)?["'](\.{1,2}\/[^"']+\.js)["']/g;

/**
 * The scripts a browser must fetch before the built page runs: the module
 * scripts and modulepreloads in index.html, and everything they import
 * statically. Lazy chunks (dynamic `import()`) are left out: they are fetched
 * only when the page asks for them.
 */
export function entryScripts(dist: string): EntryFile[] {
  const indexHtml = path.join(dist, "index.html");
  if (!existsSync(indexHtml)) throw new Error(`${indexHtml} is missing: build the client first (npm run build -w client).`);
  const html = readFileSync(indexHtml, "utf8");

  const roots: string[] = [];
  for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) {
    const src = attribute(tag, "src");
    if (src && attribute(tag, "type") === "module") roots.push(src);
  }
  for (const [tag] of html.matchAll(/<link\b[^>]*>/gi)) {
    const href = attribute(tag, "href");
    if (href && attribute(tag, "rel") === "modulepreload") roots.push(href);
  }
  if (roots.length === 0) throw new Error("index.html loads no module script");

  const seen = new Map<string, EntryFile>();
  const visit = (url: string) => {
    const file = url.replace(/^\//, "");
    if (seen.has(file)) return;
    const buffer = readFileSync(path.join(dist, file));
    const text = buffer.toString("utf8");
    // gzip at zlib's default level, as a server compressing on the fly sends it.
    seen.set(file, { file, bytes: buffer.length, gzipBytes: gzipSync(buffer).length, text });
    for (const [, specifier] of text.matchAll(STATIC_IMPORT)) visit(path.posix.join(path.posix.dirname(`/${file}`), specifier!));
  };
  roots.forEach(visit);
  return [...seen.values()];
}

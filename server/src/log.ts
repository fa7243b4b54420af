// One JSON line per event, with the ids that matter. A tiny logger is enough
// until request-scoped logging arrives; keeping one module makes that swap easy.
type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: number = order[(process.env.LOG_LEVEL as Level) ?? "info"] ?? order.info;

function write(level: Level, fields: Record<string, unknown>) {
  if (order[level] < threshold) return;
  const line = JSON.stringify({ level, time: new Date().toISOString(), ...fields }, errorReplacer);
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(line + "\n");
}

function errorReplacer(_key: string, value: unknown) {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

export const logger = {
  debug: (fields: Record<string, unknown>) => write("debug", fields),
  info: (fields: Record<string, unknown>) => write("info", fields),
  warn: (fields: Record<string, unknown>) => write("warn", fields),
  error: (fields: Record<string, unknown>) => write("error", fields),
  setLevel(level: Level | "silent") {
    threshold = level === "silent" ? Infinity : order[level];
  },
};

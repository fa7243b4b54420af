// `npm run preorder -- <command> ...`: pre-orders through a running server's HTTP API (no database), for shoppers and the admin.
import "../../env-file.js"; // first: .env before anything reads the environment
import { parseArgs } from "node:util";
import { cancel, checkpoint, compensationLog, list, place, status, type CommandContext } from "./commands.js";
import { detailsAsText } from "./format.js";
import { CliError, ServerRefusal, UsageError } from "./http.js";
import { errorMessage } from "../../errors.js";

export const usage = `Pre-orders from the command line, through a running server's HTTP API.

Usage: npm run -s preorder -- <command> [arguments] [options]

Shopper:
  place <dropId> [--quantity N] [--method sim_ok] [--username U [--email E] [--phone +49...] | --token T]
                                  pay for a pre-order; --username starts a new session and saves its token
  status <preorderId>             the order: status, dates, what was undone, what comes next
  cancel <preorderId> [--admin]   cancel (owner until fulfilment starts, admin until delivery)
  compensation-log <preorderId>   every attempt to release the units and refund the payment

Admin:
  start-fulfillment <preorderId>  start preparing a released order (the shopper is reminded until pickup)
  start-fulfillment --drop <dropId>
                                  the same for every released order of a drop
  item-picked <preorderId>        record the pickup
  confirm-delivery <preorderId>   record the delivery
  list [--drop D] [--status S]    pre-orders, with their shoppers

  help                            this text

Options:
  --url URL            the server (DROPLINE_URL, default http://localhost:3001)
  --json               the server's answer as JSON instead of words
  --token T            a shopper's session token; without it, the shopper saved by
                       place --username in <DATA_DIR>/preorder-cli.json (DATA_DIR default ./.data)
  --admin              act as the admin (status, cancel, compensation-log)
  --admin-token T      the admin token (ADMIN_TOKEN; else <DATA_DIR>/secrets.json of a local npm start)
  --idempotency-key K  place: repeat an order whose answer was lost without paying twice

status and compensation-log fall back to the admin token when no shopper is known.
Exit codes: 0 done, 1 the server refused (its error code and message are printed), 2 usage or connection error.
`;

const optionSpec = {
  url: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  token: { type: "string" },
  admin: { type: "boolean" },
  "admin-token": { type: "string" },
  quantity: { type: "string" },
  method: { type: "string" },
  username: { type: "string" },
  email: { type: "string" },
  phone: { type: "string" },
  "idempotency-key": { type: "string" },
  drop: { type: "string" },
  status: { type: "string" },
} as const;

type OptionName = keyof typeof optionSpec;

const everywhere: OptionName[] = ["url", "json", "help"];
const asShopperOrAdmin: OptionName[] = ["token", "admin", "admin-token"];

/** Each command, the options it takes, and whether an id follows its name. */
const commands: Record<string, { options: OptionName[]; id: "required" | "none" | "unless-drop" }> = {
  place: { options: ["quantity", "method", "username", "email", "phone", "token", "idempotency-key"], id: "required" },
  status: { options: asShopperOrAdmin, id: "required" },
  cancel: { options: asShopperOrAdmin, id: "required" },
  "compensation-log": { options: asShopperOrAdmin, id: "required" },
  "start-fulfillment": { options: ["drop", "admin-token"], id: "unless-drop" },
  "item-picked": { options: ["admin-token"], id: "required" },
  "confirm-delivery": { options: ["admin-token"], id: "required" },
  list: { options: ["drop", "status", "admin-token"], id: "none" },
  help: { options: [], id: "none" },
};

const statuses = ["placed", "paid", "reserved", "awaiting_fulfillment", "fulfilling", "picked_up", "delivered", "rejected", "cancelled", "timed_out"];

function parse(argv: string[], env: NodeJS.ProcessEnv): { command: string; ctx: CommandContext } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: optionSpec, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs names the unknown option or the missing value; its own error codes mean nothing to a reader.
    throw new UsageError(errorMessage(error));
  }
  const { values, positionals } = parsed;
  const [command, id, ...extra] = positionals;
  if (values.help || command === "help") return { command: "help", ctx: context(env, values, undefined) };
  if (!command) throw new UsageError("no command given");
  const spec = commands[command];
  if (!spec) throw new UsageError(`unknown command "${command}"`);
  const misplaced = (Object.keys(values) as OptionName[]).filter((name) => !everywhere.includes(name) && !spec.options.includes(name));
  if (misplaced.length > 0) throw new UsageError(`${command} does not take ${misplaced.map((name) => `--${name}`).join(", ")}`);
  if (extra.length > 0) throw new UsageError(`${command}: unexpected "${extra.join(" ")}"`);
  const needsId = spec.id === "required" || (spec.id === "unless-drop" && !values.drop);
  if (needsId && !id) throw new UsageError(`${command} needs ${command === "place" ? "a drop id" : "a pre-order id"}${spec.id === "unless-drop" ? " (or --drop <dropId>)" : ""}`);
  if (!needsId && id) throw new UsageError(`${command}${values.drop ? " --drop" : ""} takes no id, got "${id}"`);
  if (values.token && values.admin) throw new UsageError("--token and --admin are two different people: give one");
  if (values.token && values.username) throw new UsageError("--token and --username are two different ways to name the shopper: give one");
  if ((values.email || values.phone) && !values.username) throw new UsageError("--email and --phone go with --username (they are the new shopper's)");
  if (values.status && !statuses.includes(values.status)) throw new UsageError(`--status must be one of ${statuses.join(", ")}`);
  return { command, ctx: context(env, values, id) };
}

function context(env: NodeJS.ProcessEnv, values: ReturnType<typeof parseArgs<{ options: typeof optionSpec }>>["values"], id: string | undefined): CommandContext {
  let quantity: number | undefined;
  if (values.quantity !== undefined) {
    quantity = Number(values.quantity);
    if (!Number.isInteger(quantity) || quantity < 1) throw new UsageError(`--quantity must be a whole number of at least 1, not "${values.quantity}"`);
  }
  const url = (values.url || env.DROPLINE_URL || "http://localhost:3001").replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--url must be an http(s) address like http://localhost:3001, not "${url}"`);
  const json = values.json ?? false;
  return {
    url,
    env,
    id,
    options: {
      json,
      admin: values.admin ?? false,
      adminToken: values["admin-token"],
      token: values.token,
      quantity,
      method: values.method,
      username: values.username,
      email: values.email,
      phone: values.phone,
      idempotencyKey: values["idempotency-key"],
      drop: values.drop,
      status: values.status,
    },
    print: (text) => process.stdout.write(text),
    note: (text) => (json ? process.stderr : process.stdout).write(text),
  };
}

async function run(command: string, ctx: CommandContext): Promise<void> {
  switch (command) {
    case "help":
      return ctx.print(usage);
    case "place":
      return place(ctx);
    case "status":
      return status(ctx);
    case "cancel":
      return cancel(ctx);
    case "compensation-log":
      return compensationLog(ctx);
    case "start-fulfillment":
    case "item-picked":
    case "confirm-delivery":
      return checkpoint(ctx, command);
    case "list":
      return list(ctx);
  }
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let ctx: CommandContext | undefined;
  try {
    const parsed = parse(argv, env);
    ctx = parsed.ctx;
    await run(parsed.command, ctx);
    return 0;
  } catch (error) {
    if (error instanceof ServerRefusal) {
      const lines = [`${error.code} (${error.status}): ${error.message}`, ...detailsAsText(error.details)];
      if (ctx?.tokenFrom && (error.status === 401 || error.status === 403 || error.status === 404)) lines.push(`  (asked as ${ctx.tokenFrom}; --admin asks as the admin)`);
      process.stderr.write(lines.join("\n") + "\n");
      return 1;
    }
    if (error instanceof CliError) {
      process.stderr.write(`${error.message}\n`);
      // A usage mistake gets the usage; a server out of reach does not need it.
      if (!ctx) process.stderr.write(`\n${usage}`);
      return error.exitCode;
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}

// exitCode rather than exit(): stdout may still be draining into a pipe.
process.exitCode = await main(process.argv.slice(2), process.env);

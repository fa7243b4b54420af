import { useId, useState } from "react";
import { isApiError } from "../../../api/http";
import { advancePreorder, cancelPreorder, startFulfillmentForDrop, type AdminPreorder, type Checkpoint, type PreorderStatus } from "../../../api/preorders";
import type { DropView } from "../../../api/types";
import { formatDateTime } from "../../../lib/format";
import { formatMoney } from "../../../lib/money";
import { adminMayCancel, formatDay, formatWait, shopperMayCancel, statusTone, statusWords } from "../../preorders/preorder-status";
import { useAdminPreorders } from "./useAdminPreorders";

/** The board's columns, in the order an order moves through them. */
const columns: { title: string; statuses: PreorderStatus[] }[] = [
  { title: "Paid", statuses: ["placed", "paid", "reserved"] },
  { title: "Released", statuses: ["awaiting_fulfillment"] },
  { title: "Being prepared", statuses: ["fulfilling"] },
  { title: "Picked up", statuses: ["picked_up"] },
  { title: "Delivered", statuses: ["delivered"] },
  { title: "Ended", statuses: ["cancelled", "timed_out", "rejected"] },
];

/** The one checkpoint that moves an order on from where it is. */
const nextCheckpoint: Partial<Record<PreorderStatus, { checkpoint: Checkpoint; label: string }>> = {
  awaiting_fulfillment: { checkpoint: "start-fulfillment", label: "Start fulfilment" },
  fulfilling: { checkpoint: "picked-up", label: "Picked up" },
  picked_up: { checkpoint: "delivered", label: "Delivered" },
};

const button =
  "rounded-md px-2.5 py-1 text-xs font-semibold focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50";

interface Props {
  token: string;
  drops: DropView[];
  /** The drop chosen in the table, followed when it is a pre-order. */
  selectedId: string | null;
  onUnauthorized: () => void;
}

/** A pre-order drop's orders grouped by where they are, with the checkpoint that moves each one on. */
export function PreorderBoard({ token, drops, selectedId, onUnauthorized }: Props) {
  const id = useId();
  const preorderDrops = drops.filter((drop) => drop.kind === "preorder");
  const [chosenId, setChosenId] = useState<string | null>(null);
  const dropId =
    [chosenId, selectedId].find((candidate) => candidate && preorderDrops.some((drop) => drop.id === candidate)) ?? preorderDrops[0]?.id ?? null;
  const drop = preorderDrops.find((d) => d.id === dropId) ?? null;
  const board = useAdminPreorders(token, dropId, onUnauthorized);
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ tone: "ok" | "error"; text: string } | null>(null);

  async function act(key: string, action: () => Promise<string>) {
    setBusy(key);
    setMessage(null);
    try {
      setMessage({ tone: "ok", text: await action() });
    } catch (error) {
      if (isApiError(error) && (error.status === 401 || error.status === 403)) onUnauthorized();
      else setMessage({ tone: "error", text: isApiError(error) ? error.message : String(error) });
    } finally {
      setBusy(null);
      board.refresh();
    }
  }

  const released = board.preorders?.filter((p) => p.status === "awaiting_fulfillment").length ?? 0;

  return (
    <section aria-labelledby={`${id}-heading`} data-testid="preorder-board" className="flex min-w-0 flex-col gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id={`${id}-heading`} className="text-lg font-semibold">
          Pre-orders
        </h2>
        {preorderDrops.length > 0 && (
          <div>
            <label htmlFor={`${id}-drop`} className="block text-xs font-medium text-slate-600">
              Pre-order drop
            </label>
            <select
              id={`${id}-drop`}
              value={dropId ?? ""}
              onChange={(event) => setChosenId(event.target.value)}
              className="mt-1 max-w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm focus-visible:outline-2 focus-visible:outline-indigo-600"
            >
              {preorderDrops.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>

      {!drop ? (
        <p className="text-sm text-slate-500">No pre-order drops yet: create one with kind “Pre-order”.</p>
      ) : (
        <>
          <div className="flex flex-wrap items-center gap-3 text-sm">
            <span className="text-slate-600">
              Ships {formatDay(drop.releaseAt ?? drop.startsAt)} · fulfil within {formatWait(drop.fulfillGraceSeconds ?? 604_800)} of release
            </span>
            <button
              type="button"
              disabled={busy !== null || released === 0}
              onClick={() =>
                void act("bulk", async () => {
                  const started = await startFulfillmentForDrop(token, drop.id);
                  return `Fulfilment started for ${started} order${started === 1 ? "" : "s"}.`;
                })
              }
              className={`${button} bg-indigo-600 text-white hover:bg-indigo-700`}
            >
              {busy === "bulk" ? "Starting…" : `Start fulfilment for all released orders (${released})`}
            </button>
          </div>
          <div role="status" aria-live="polite" className="text-sm">
            {message && (
              <p data-testid="board-message" data-tone={message.tone} className={message.tone === "ok" ? "text-emerald-700" : "text-rose-700"}>
                {message.text}
              </p>
            )}
            {board.error && <p className="text-rose-700">{board.error}</p>}
          </div>
          {!board.preorders ? (
            <p className="text-sm text-slate-500">Loading…</p>
          ) : (
            <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-6">
              {columns.map((column) => {
                const orders = board.preorders!.filter((p) => column.statuses.includes(p.status));
                return (
                  <section key={column.title} aria-label={column.title} data-testid="board-column" data-column={column.title} className="min-w-0 rounded-lg bg-slate-50 p-2">
                    <h3 className="flex items-center justify-between text-xs font-semibold uppercase tracking-wide text-slate-600">
                      {column.title}
                      <span data-testid="column-count" className="rounded-full bg-white px-2 py-0.5 tabular-nums">
                        {orders.length}
                      </span>
                    </h3>
                    <ul className="mt-2 flex flex-col gap-2">
                      {orders.map((order) => (
                        <OrderCard key={order.id} order={order} busy={busy} onAct={act} token={token} />
                      ))}
                    </ul>
                  </section>
                );
              })}
            </div>
          )}
        </>
      )}
    </section>
  );
}

function OrderCard({ order, busy, token, onAct }: { order: AdminPreorder; busy: string | null; token: string; onAct: (key: string, action: () => Promise<string>) => Promise<void> }) {
  const next = nextCheckpoint[order.status];
  return (
    <li data-testid="board-order" data-preorder-id={order.id} data-status={order.status} className="rounded-md border border-slate-200 bg-white p-2 text-xs">
      <p className="flex items-start justify-between gap-1">
        <span className="min-w-0 break-words font-medium">{order.username}</span>
        <span className="shrink-0 tabular-nums">
          ×{order.quantity} · {formatMoney(order.amountPaid)}
        </span>
      </p>
      <p className={`mt-1 inline-block rounded-full px-1.5 py-0.5 ${statusTone[order.status]}`}>{statusWords[order.status]}</p>
      <p className="mt-1 text-slate-500">
        {/* Before fulfilment the deadline matters (the order times out then); after it, when it last moved. */}
        {shopperMayCancel(order.status) ? `Fulfil by ${formatDateTime(order.fulfillBy)}` : `Since ${formatDateTime(order.updatedAt)}`}
      </p>
      <div className="mt-1.5 flex flex-wrap gap-1.5">
        {next && (
          <button
            type="button"
            disabled={busy !== null}
            onClick={() => void onAct(order.id, async () => `${order.username}: ${statusWords[(await advancePreorder(token, order.id, next.checkpoint)).status]}.`)}
            className={`${button} bg-indigo-600 text-white hover:bg-indigo-700`}
          >
            {busy === order.id ? "Saving…" : next.label}
          </button>
        )}
        {adminMayCancel(order.status) && (
          <button
            type="button"
            disabled={busy !== null}
            onClick={() => void onAct(`cancel-${order.id}`, async () => `${order.username}: ${statusWords[(await cancelPreorder(token, order.id)).status]}, refund under way.`)}
            className={`${button} border border-slate-300 bg-white text-slate-700 hover:bg-slate-50`}
          >
            {busy === `cancel-${order.id}` ? "Cancelling…" : "Cancel"}
          </button>
        )}
      </div>
    </li>
  );
}

import { lazy, Suspense, useState } from "react";
import type { DropView } from "../api/types";
import type { Busy } from "../hooks/useHolds";
import { formatCountdown, formatDateTime } from "../lib/format";
import { formatMoney } from "../lib/money";
import type { Outcome } from "../lib/outcomes";
import { statusAt } from "../lib/status";
import { DropImage } from "./DropImage";
import { HoldPanel } from "./HoldPanel";
import { OutcomeBanner } from "./OutcomeBanner";
import { ReserveControls } from "./ReserveControls";
import { StatusBadge } from "./StatusBadge";
import { StockBar } from "./StockBar";
import { TopPurchasers } from "./TopPurchasers";

// Only drops with a waiting room need it, so it is a chunk of its own, fetched when the first one is shown.
const WaitingRoom = lazy(() => import("./waiting-room/WaitingRoom"));
// Likewise a pre-order drop's panel: no hold and no timer, it pays at once and ships later.
const PreorderPanel = lazy(() => import("./preorders").then((module) => ({ default: module.PreorderPanel })));

interface Props {
  drop: DropView;
  now: number;
  /** The shopper's token; null before they pick a username. */
  token: string | null;
  busy: Busy | undefined;
  outcome: Outcome | undefined;
  onReserve: (quantity: number) => void;
  onPurchase: (method?: string) => void;
  onRelease: () => void;
  onHoldDeadline: () => void;
  onDismiss: () => void;
  onUnauthorized: () => void;
}

export function DropCard({ drop, now, token, busy, outcome, onReserve, onPurchase, onRelease, onHoldDeadline, onDismiss, onUnauthorized }: Props) {
  // Status follows the server clock here, so "upcoming" turns "live" at startsAt with no message needed.
  const status = statusAt(drop, now);
  // Remembered so that the moment it goes live can be announced; set while rendering, as React advises for state that follows props.
  const [sawUpcoming, setSawUpcoming] = useState(status === "upcoming");
  if (status === "upcoming" && !sawUpcoming) setSawUpcoming(true);
  const headingId = `drop-${drop.id}`;
  const hold = drop.myReservation?.status === "active" ? drop.myReservation : null;
  const reserveControls = (
    <ReserveControls
      drop={drop}
      status={status}
      busy={busy}
      blockedUntil={outcome?.retryUntil}
      now={now}
      secondary={outcome?.kind === "purchased"}
      onReserve={onReserve}
    />
  );

  return (
    <article
      aria-labelledby={headingId}
      data-testid="drop-card"
      data-drop-id={drop.id}
      className="flex flex-col gap-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5"
    >
      {drop.imageUrl && <DropImage url={drop.imageUrl} name={drop.name} />}
      <header className="flex items-start justify-between gap-3">
        <div>
          <h3 id={headingId} className="text-lg font-semibold leading-tight">
            {drop.name}
          </h3>
          <p data-testid="price" className="mt-0.5 text-xl font-bold text-indigo-700">
            {formatMoney(drop.price)}
          </p>
        </div>
        <StatusBadge status={status} />
      </header>
      {drop.description && (
        // The admin's line breaks are kept; a long word wraps rather than widening the card.
        <p data-testid="drop-description" className="whitespace-pre-line wrap-anywhere text-sm text-slate-700">
          {drop.description}
        </p>
      )}

      {status === "upcoming" && (
        <p className="rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-900">
          Starts in{" "}
          <span role="timer" data-testid="start-countdown" className="font-mono font-semibold tabular-nums">
            {formatCountdown(Date.parse(drop.startsAt) - now)}
          </span>
          <span className="block text-xs text-sky-700">{formatDateTime(drop.startsAt)}</span>
        </p>
      )}
      <p aria-live="polite" className="sr-only">
        {sawUpcoming && status === "live" ? `${drop.name} is live now.` : ""}
      </p>

      <StockBar available={drop.availableStock} held={drop.heldStock} sold={drop.soldStock} total={drop.totalStock} />
      <TopPurchasers purchasers={drop.topPurchasers} />
      {drop.kind !== "preorder" && (
        <p className="text-xs text-slate-500">
          Holds last {drop.holdSeconds} s · limit {drop.maxPerUser} per shopper
          {drop.endsAt ? ` · ends ${formatDateTime(drop.endsAt)}` : ""}
        </p>
      )}

      {/* How the last attempt ended goes where the shopper was looking: in the place of the
          hold panel or Reserve button they just used, with what can be done next below it. */}
      <div data-testid="card-actions">
        <div role="status" aria-live="polite" aria-atomic="true">
          {outcome && (
            <div className="mb-3">
              <OutcomeBanner outcome={outcome} now={now} token={token} onDismiss={onDismiss} />
            </div>
          )}
        </div>
        {drop.kind === "preorder" ? (
          <Suspense fallback={null}>
            <PreorderPanel drop={drop} status={status} token={token} onUnauthorized={onUnauthorized} />
          </Suspense>
        ) : !token ? (
          <p className="text-sm text-slate-600">Pick a username above to {drop.queue ? "join the line" : "reserve"}.</p>
        ) : hold ? (
          <HoldPanel hold={hold} now={now} busy={busy} onPurchase={onPurchase} onRelease={onRelease} onDeadline={onHoldDeadline} />
        ) : drop.queue ? (
          <Suspense fallback={<p className="text-sm text-slate-500">Loading the waiting room…</p>}>
            <WaitingRoom drop={{ ...drop, queue: drop.queue }} token={token} now={now} reserve={reserveControls} outcomeKind={outcome?.kind} onUnauthorized={onUnauthorized} />
          </Suspense>
        ) : (
          reserveControls
        )}
      </div>
    </article>
  );
}

import { lazy, Suspense, useEffect, useEffectEvent } from "react";
import { DropCard } from "../components/DropCard";
import { HistoryPanel } from "../components/HistoryPanel";
import { PageHeader } from "../components/PageHeader";
import { UsernameForm } from "../components/UsernameForm";
import { useDrops } from "../hooks/useDrops";
import { useHolds } from "../hooks/useHolds";
import { useMe } from "../hooks/useMe";
import { useServerNow } from "../hooks/useServerClock";
import { useSession } from "../hooks/useSession";
import { useSocket } from "../hooks/useSocket";
import { sendQueueSignal } from "../lib/queue-signals";

// Pre-orders are a chunk of their own: most shoppers never place one.
const MyPreorders = lazy(() => import("../components/preorders").then((module) => ({ default: module.MyPreorders })));

export function ShopperPage() {
  const { session, token, notice, signIn, expire } = useSession();
  const drops = useDrops({ token, onUnauthorized: expire });
  const history = useMe(token, expire);
  const holds = useHolds({ token, drops, onChanged: () => void history.refresh(), onUnauthorized: expire });
  const now = useServerNow();

  const connection = useSocket(token, {
    onConnect: () => {
      // Anything missed while disconnected (stock, an expiry, a place in a line) is in these answers.
      void drops.refetch();
      void history.refresh();
    },
    stockUpdated: drops.applyStock,
    purchaseCompleted: drops.applyPurchase,
    dropCreated: drops.upsertDrop,
    dropUpdated: drops.upsertDrop,
    reservationExpired: holds.onReservationExpired,
    reservationUpdated: holds.onReservationUpdated,
    queueUpdated: drops.applyQueue,
    queueAdmitted: (admitted) => sendQueueSignal({ type: "admitted", ...admitted }),
    purchaseUpdated: holds.onPurchaseUpdated,
    // The order's new state is in /api/me too; asking again keeps one source for the list.
    preorderUpdated: history.refresh,
  });

  // A payment still at the bank after a reload shows as such; one that ended while this page was away is settled.
  const syncPurchases = useEffectEvent(holds.syncPurchases);
  useEffect(() => {
    if (history.me && drops.loaded) syncPurchases(history.me.purchases);
  }, [history.me, drops.loaded]);

  return (
    <>
      <PageHeader title="Drops" connection={connection}>
        {session && (
          <span className="text-sm text-slate-600">
            Signed in as <strong data-testid="username">{session.user.username}</strong>
          </span>
        )}
      </PageHeader>
      <main className={`mx-auto grid max-w-6xl gap-6 px-4 py-6 ${session ? "lg:grid-cols-[1fr_20rem]" : ""}`}>
        <div className="flex min-w-0 flex-col gap-6">
          {!session && <UsernameForm notice={notice} onSubmit={signIn} />}
          <section aria-labelledby="drops-heading">
            <h2 id="drops-heading" className="mb-3 text-lg font-semibold">
              Drops
            </h2>
            {drops.loadError && (
              <p role="alert" className="mb-3 rounded-md bg-rose-50 p-3 text-sm text-rose-800">
                {drops.loadError}
              </p>
            )}
            {drops.loaded && drops.drops.length === 0 && <p className="text-slate-500">No drops right now. New ones appear here as soon as they are announced.</p>}
            {!drops.loaded && !drops.loadError && <p className="text-slate-500">Loading drops…</p>}
            <div className={`grid gap-4 md:grid-cols-2 ${session ? "" : "xl:grid-cols-3"}`}>
              {drops.drops.map((drop) => (
                <DropCard
                  key={drop.id}
                  drop={drop}
                  now={now}
                  token={token}
                  busy={holds.busy[drop.id]}
                  outcome={holds.outcomes[drop.id]}
                  onReserve={(quantity) => void holds.reserve(drop, quantity)}
                  onPurchase={(method) => void holds.purchase(drop, method)}
                  onRelease={() => void holds.release(drop)}
                  onHoldDeadline={() => drop.myReservation && holds.holdExpired(drop.id, drop.myReservation.id)}
                  onDismiss={() => holds.dismiss(drop.id)}
                  onUnauthorized={expire}
                />
              ))}
            </div>
          </section>
        </div>
        {session && token && (
          <aside>
            <Suspense fallback={null}>
              <MyPreorders token={token} me={history.me} drops={drops.drops} onUnauthorized={expire} />
            </Suspense>
            <HistoryPanel token={token} me={history.me} error={history.error} drops={drops.drops} />
          </aside>
        )}
      </main>
    </>
  );
}

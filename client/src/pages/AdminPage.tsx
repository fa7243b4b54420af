import { useState } from "react";
import { createDrop, updateDrop, type DropFields } from "../api/admin";
import { AdminTokenForm } from "../components/admin/AdminTokenForm";
import { CheckoutSection } from "../components/admin/checkout/CheckoutSection";
import { DropDetails } from "../components/admin/DropDetails";
import { DropForm } from "../components/admin/DropForm";
import { DropsTable } from "../components/admin/DropsTable";
import { PreorderBoard } from "../components/admin/preorders/PreorderBoard";
import { PageHeader } from "../components/PageHeader";
import { useAdminToken } from "../hooks/useAdminToken";
import { useDrops } from "../hooks/useDrops";
import { useServerNow } from "../hooks/useServerClock";
import { useSocket } from "../hooks/useSocket";
import { useStockHistory } from "../hooks/useStockHistory";
import { emptyDropForm } from "../lib/drop-form";
import { serverNow } from "../lib/server-clock";

export function AdminPage() {
  const admin = useAdminToken();
  if (!admin.token) {
    return (
      <>
        <PageHeader title="Admin" connection="connecting" />
        <main className="px-4 py-10">
          <AdminTokenForm notice={admin.notice} onSubmit={admin.signIn} />
        </main>
      </>
    );
  }
  return <AdminConsole token={admin.token} onSignOut={admin.signOut} />;
}

function AdminConsole({ token, onSignOut }: { token: string; onSignOut: (reason?: string) => void }) {
  const drops = useDrops({ token: null, includeEnded: true });
  const series = useStockHistory(drops.drops);
  const now = useServerNow();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  // Counts "Manage" clicks: each brings the details into view, even for the drop already chosen.
  const [reveal, setReveal] = useState(0);
  const selected = drops.drops.find((drop) => drop.id === selectedId) ?? null;
  const rejected = () => onSignOut("The server no longer accepts that admin token. Sign in again.");

  // Admins need no private room: the public events carry every counter.
  const connection = useSocket(null, {
    onConnect: () => void drops.refetch(),
    stockUpdated: drops.applyStock,
    purchaseCompleted: drops.applyPurchase,
    dropCreated: drops.upsertDrop,
    dropUpdated: drops.upsertDrop,
    queueUpdated: drops.applyQueue,
  });

  async function create(fields: DropFields) {
    const drop = await createDrop(token, fields);
    drops.upsertDrop(drop);
    setSelectedId(drop.id);
  }

  async function save(id: string, fields: DropFields) {
    drops.upsertDrop(await updateDrop(token, id, fields));
  }

  async function endNow(drop: { id: string; startsAt: string }) {
    // endsAt must be after startsAt, so a drop that has not started yet also "starts" a moment earlier.
    const at = serverNow();
    const fields: DropFields = { endsAt: new Date(at).toISOString() };
    if (Date.parse(drop.startsAt) >= at) fields.startsAt = new Date(at - 1000).toISOString();
    await save(drop.id, fields);
  }

  return (
    <>
      <PageHeader title="Admin" connection={connection}>
        <button type="button" onClick={() => onSignOut()} className="rounded-md px-3 py-1 text-sm text-slate-600 underline focus-visible:outline-2 focus-visible:outline-indigo-600">
          Sign out
        </button>
      </PageHeader>
      {/* minmax(0, 1fr) rather than an auto column: a wide table or chart must not stretch the page past the screen. */}
      <main className="mx-auto grid max-w-6xl grid-cols-1 gap-6 px-4 py-6 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="flex min-w-0 flex-col gap-6">
          <section aria-labelledby="table-heading">
            <h2 id="table-heading" className="mb-3 text-lg font-semibold">
              Drops
            </h2>
            {drops.loadError && <p role="alert" className="mb-3 text-sm text-rose-700">{drops.loadError}</p>}
            <DropsTable
              drops={drops.drops}
              now={now}
              selectedId={selectedId}
              onSelect={(id) => {
                setSelectedId(id);
                setReveal((count) => count + 1);
              }}
            />
          </section>
          {selected ? (
            <DropDetails
              drop={selected}
              points={series[selected.id] ?? []}
              now={now}
              reveal={reveal}
              onSave={(fields) => save(selected.id, fields)}
              onEnd={() => endNow(selected)}
              onUnauthorized={rejected}
            />
          ) : (
            <p className="text-sm text-slate-500">Choose “Manage” on a drop to see its live stock chart and edit it.</p>
          )}
        </div>
        <aside>
          <DropForm title="New drop" submitLabel="Create drop" initial={emptyDropForm} onSubmit={create} onUnauthorized={rejected} />
        </aside>
        <div className="min-w-0 lg:col-span-2">
          <PreorderBoard token={token} drops={drops.drops} selectedId={selectedId} onUnauthorized={rejected} />
        </div>
        <div className="min-w-0 lg:col-span-2">
          <CheckoutSection token={token} onUnauthorized={rejected} />
        </div>
      </main>
    </>
  );
}

import type { TopPurchaser } from "../api/types";

export function TopPurchasers({ purchasers }: { purchasers: TopPurchaser[] }) {
  if (purchasers.length === 0) return <p className="text-sm text-slate-500">No buyers yet.</p>;
  return (
    <div className="text-sm">
      <h4 className="font-medium text-slate-700">Recent buyers</h4>
      <ul data-testid="top-purchasers" className="mt-1 flex flex-wrap gap-1.5">
        {purchasers.map((p) => (
          <li key={`${p.username}-${p.purchasedAt}`} className="rounded-full bg-slate-100 px-2.5 py-0.5 text-slate-700">
            {p.username} <span className="text-slate-500">×{p.quantity}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

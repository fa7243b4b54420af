interface Props {
  available: number;
  held: number;
  sold: number;
  total: number;
}

/** Where every unit is: available, in someone's hold, or sold. The numbers are the accessible version. */
export function StockBar({ available, held, sold, total }: Props) {
  const share = (n: number) => `${total > 0 ? (n / total) * 100 : 0}%`;
  return (
    <div>
      <div aria-hidden="true" className="flex h-3 w-full overflow-hidden rounded-full bg-slate-200">
        <div className="bg-emerald-500 transition-all" style={{ width: share(available) }} />
        <div className="bg-amber-400 transition-all" style={{ width: share(held) }} />
        <div className="bg-slate-500 transition-all" style={{ width: share(sold) }} />
      </div>
      <p className="mt-1.5 flex flex-wrap gap-x-3 text-sm text-slate-600">
        <span>
          <span className="mr-1 inline-block h-2 w-2 rounded-full bg-emerald-500" aria-hidden="true" />
          <strong data-testid="stock-available" className="text-slate-900">{available}</strong> available
        </span>
        <span>
          <span className="mr-1 inline-block h-2 w-2 rounded-full bg-amber-400" aria-hidden="true" />
          <strong data-testid="stock-held" className="text-slate-900">{held}</strong> held
        </span>
        <span>
          <span className="mr-1 inline-block h-2 w-2 rounded-full bg-slate-500" aria-hidden="true" />
          <strong data-testid="stock-sold" className="text-slate-900">{sold}</strong> sold
        </span>
        <span className="text-slate-400">of {total}</span>
      </p>
    </div>
  );
}

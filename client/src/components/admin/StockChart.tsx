import type { StockPoint } from "../../hooks/useStockHistory";
import { formatTime } from "../../lib/format";

const W = 640;
const H = 220;
const PAD = { left: 40, right: 12, top: 10, bottom: 24 };

interface Props {
  points: StockPoint[];
  /** Server time now (ms): the right edge, so the chart keeps moving between changes. */
  now: number;
}

/**
 * Stacked step areas: sold at the bottom, held above it, available on top.
 * Stock changes in jumps, so each level holds until the next update.
 */
export function StockChart({ points, now }: Props) {
  const last = points[points.length - 1];
  if (!last) return <p className="text-sm text-slate-500">Waiting for the first stock update…</p>;

  const start = points[0]!.t;
  const end = Math.max(now, last.t + 1000);
  const top = Math.max(1, ...points.map((p) => p.total));
  const x = (t: number) => PAD.left + ((t - start) / (end - start)) * (W - PAD.left - PAD.right);
  const y = (units: number) => H - PAD.bottom - (units / top) * (H - PAD.top - PAD.bottom);

  const band = (lower: (p: StockPoint) => number, upper: (p: StockPoint) => number) => {
    const upperLine: string[] = [];
    const lowerLine: string[] = [];
    points.forEach((p, i) => {
      const x0 = x(p.t);
      const x1 = x(points[i + 1]?.t ?? end);
      upperLine.push(`${x0},${y(upper(p))}`, `${x1},${y(upper(p))}`);
      lowerLine.push(`${x0},${y(lower(p))}`, `${x1},${y(lower(p))}`);
    });
    return `M${upperLine.join("L")}L${lowerLine.reverse().join("L")}Z`;
  };

  return (
    <figure data-testid="stock-chart" data-points={points.length}>
      <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full" role="img" aria-label={`Stock over time. Now ${last.available} available, ${last.held} held, ${last.sold} sold.`}>
        <line x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} stroke="#cbd5e1" />
        <line data-testid="chart-top-line" x1={PAD.left} x2={W - PAD.right} y1={y(top)} y2={y(top)} stroke="#e2e8f0" strokeDasharray="4 4" />
        <text x={PAD.left - 6} y={y(0)} textAnchor="end" dominantBaseline="middle" className="fill-slate-500 text-[11px]">
          0
        </text>
        <text data-testid="chart-top" x={PAD.left - 6} y={y(top)} textAnchor="end" dominantBaseline="middle" className="fill-slate-500 text-[11px]">
          {top}
        </text>
        <path d={band(() => 0, (p) => p.sold)} className="fill-slate-500" />
        <path d={band((p) => p.sold, (p) => p.sold + p.held)} className="fill-amber-400" />
        <path data-testid="chart-band-available" d={band((p) => p.sold + p.held, (p) => p.sold + p.held + p.available)} className="fill-emerald-500/80" />
        <text x={PAD.left} y={H - 6} className="fill-slate-500 text-[11px]">
          {formatTime(start)}
        </text>
        <text x={W - PAD.right} y={H - 6} textAnchor="end" className="fill-slate-500 text-[11px]">
          now
        </text>
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-4 text-sm text-slate-700">
        <span>
          <span className="mr-1 inline-block h-2.5 w-2.5 rounded-sm bg-emerald-500" aria-hidden="true" />
          Available <strong data-testid="chart-available">{last.available}</strong>
        </span>
        <span>
          <span className="mr-1 inline-block h-2.5 w-2.5 rounded-sm bg-amber-400" aria-hidden="true" />
          Held <strong data-testid="chart-held">{last.held}</strong>
        </span>
        <span>
          <span className="mr-1 inline-block h-2.5 w-2.5 rounded-sm bg-slate-500" aria-hidden="true" />
          Sold <strong data-testid="chart-sold">{last.sold}</strong>
        </span>
        <span className="text-slate-500">{points.length} update{points.length === 1 ? "" : "s"} since this page opened</span>
      </figcaption>
    </figure>
  );
}

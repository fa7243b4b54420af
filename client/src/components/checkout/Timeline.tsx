import type { TimelineEvent } from "../../api/checkout";
import { formatTime } from "../../lib/format";
import { describeEvent, type EventTone } from "../../lib/timeline";

const dots: Record<EventTone, string> = {
  good: "bg-emerald-500",
  bad: "bg-rose-500",
  neutral: "bg-slate-400",
};

/** A hold's life as a vertical list, oldest first, each step with its time. */
export function Timeline({ events }: { events: TimelineEvent[] }) {
  if (events.length === 0) return <p className="text-sm text-slate-500">Nothing recorded for this hold yet.</p>;
  return (
    <ol data-testid="timeline" className="relative ml-1.5 border-l border-slate-200">
      {events.map((event, index) => {
        const { label, tone } = describeEvent(event);
        return (
          <li key={`${event.at}-${index}`} data-testid="timeline-event" data-type={event.type} className="relative pb-3 pl-4 last:pb-0">
            <span aria-hidden="true" className={`absolute top-1.5 -left-[5px] size-2.5 rounded-full ring-2 ring-white ${dots[tone]}`} />
            <p className="text-sm wrap-anywhere text-slate-800">{label}</p>
            <time dateTime={event.at} className="block font-mono text-xs text-slate-500">
              {formatTime(Date.parse(event.at))}.{String(new Date(event.at).getMilliseconds()).padStart(3, "0")}
            </time>
          </li>
        );
      })}
    </ol>
  );
}

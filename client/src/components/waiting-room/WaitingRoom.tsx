import { useEffect, useEffectEvent, type ReactNode } from "react";
import type { DropView, QueueView } from "../../api/types";
import { useQueue } from "../../hooks/useQueue";
import { queueStateAt } from "../../lib/queue-state";
import { count, waitingRoomView, type WaitingRoomView } from "../../lib/queue-view";
import { JoinLine } from "./JoinLine";
import { LeaveLineButton } from "./LeaveLineButton";
import { LinePlace } from "./LinePlace";
import { PreQueue } from "./PreQueue";
import { YourTurn } from "./YourTurn";

const announcements: Record<WaitingRoomView["kind"], string> = {
  loading: "",
  not_open: "The line is not open yet.",
  join: "The line is open.",
  pre_queue: "You are in the pre-queue. Your place is drawn at the start.",
  waiting: "You have a place in line.",
  admitted: "It's your turn: reserve now.",
  done: "",
  closed: "Sold out: the line is closed.",
};

interface Props {
  drop: DropView & { queue: QueueView };
  token: string;
  /** Server time now (ms). */
  now: number;
  /** The quantity picker and Reserve button, shown once it is the shopper's turn. */
  reserve: ReactNode;
  /** The kind of the last reserve attempt's outcome: a refusal for want of admission means this page is behind. */
  outcomeKind: string | undefined;
  onUnauthorized: () => void;
}

/**
 * A drop with a waiting room: the shopper joins the line, waits their turn and
 * reserves when let in. Loaded as a chunk of its own, only for pages showing
 * such a drop. An active hold is shown by the card instead (the entry is then `done`).
 */
export default function WaitingRoom({ drop, token, now, reserve, outcomeKind, onUnauthorized }: Props) {
  const line = drop.queue;
  const queue = useQueue({ token, dropId: drop.id, line, known: drop.myQueueEntry, onUnauthorized });
  const state = queueStateAt(drop, now) ?? line.state;
  const view = waitingRoomView(queue.entry, line, state, now);

  const notAdmitted = useEffectEvent(() => void queue.refresh());
  useEffect(() => {
    if (outcomeKind === "not_admitted") notAdmitted();
  }, [outcomeKind]);

  const canLeave = view.kind === "pre_queue" || view.kind === "waiting" || view.kind === "admitted";

  return (
    <section aria-label="Waiting room" data-testid="waiting-room" data-view={view.kind} className="flex flex-col gap-3">
      <p className="text-xs text-slate-500">
        <span className="mr-2 font-semibold uppercase tracking-wide text-indigo-700">Waiting room</span>
        {state !== "closed" && state !== "not_open" && (
          <>
            <strong data-testid="line-length" className="text-slate-700">{count(line.length)}</strong> in line ·{" "}
          </>
        )}
        lets in {count(line.admitPerSecond)} a second
      </p>
      {/* Milestones only: the countdowns below change every second and are not read out. */}
      <p aria-live="polite" className="sr-only">
        {announcements[view.kind]}
      </p>
      <div>
        {view.kind === "loading" && <p className="text-sm text-slate-500">Finding your place in line…</p>}
        {(view.kind === "not_open" || view.kind === "join") && (
          <JoinLine drop={drop} now={now} opensAt={line.opensAt} notOpen={view.kind === "not_open"} after={view.kind === "join" ? view.after : undefined} busy={queue.busy === "joining"} onJoin={() => void queue.join()} />
        )}
        {view.kind === "pre_queue" && <PreQueue startsAt={drop.startsAt} now={now} />}
        {view.kind === "waiting" && <LinePlace view={view} />}
        {view.kind === "admitted" && <YourTurn until={view.until} now={now} />}
        {view.kind === "done" && (
          <p className="rounded-lg bg-slate-100 px-3 py-2 text-sm text-slate-700">You have had your turn in this line: each shopper gets one hold from it.</p>
        )}
        {view.kind === "closed" && (
          <p data-testid="line-closed" className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm font-medium text-rose-900">
            {drop.endsAt && now >= Date.parse(drop.endsAt) ? "This drop has ended: the line is closed." : "Sold out: the line is closed."}
          </p>
        )}
      </div>
      {view.kind === "admitted" && reserve}
      {queue.error && (
        <p role="alert" className="text-sm text-rose-700">
          {queue.error}
        </p>
      )}
      {canLeave && <LeaveLineButton busy={queue.busy === "leaving"} onLeave={() => void queue.leave()} />}
    </section>
  );
}

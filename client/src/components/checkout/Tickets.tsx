import type { Purchase, Ticket } from "../../api/types";
import { TicketQr } from "./TicketQr";

const statusText: Record<Ticket["status"], { text: string; style: string }> = {
  valid: { text: "Valid", style: "bg-emerald-100 text-emerald-800" },
  used: { text: "Used", style: "bg-slate-200 text-slate-700" },
  void: { text: "Void", style: "bg-rose-100 text-rose-800" },
};

/** A completed purchase's tickets, one per unit: the QR code to show at the door and its code. */
export function Tickets({ token, purchase }: { token: string; purchase: Purchase }) {
  return (
    <div className="mt-3 border-t border-emerald-200 pt-3">
      <p className="font-semibold">
        Your ticket{purchase.tickets.length === 1 ? "" : "s"} ({purchase.tickets.length})
      </p>
      <ul className="mt-2 grid gap-2">
        {purchase.tickets.map((ticket, index) => (
          <li key={ticket.id} data-testid="ticket" className="flex items-center gap-3 rounded-md bg-white/70 p-2 text-slate-800">
            <TicketQr token={token} code={ticket.code} />
            <div className="min-w-0 flex-1">
              <p className="text-xs text-slate-500">Ticket {index + 1}</p>
              <p data-testid="ticket-code" className="font-mono text-sm font-semibold break-all">
                {ticket.code}
              </p>
              <span className={`mt-1 inline-block rounded-full px-2 py-0.5 text-xs font-semibold ${statusText[ticket.status].style}`}>{statusText[ticket.status].text}</span>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

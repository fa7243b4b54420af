import QRCode from "qrcode";
import type { Services } from "../context.js";
import { AppError } from "../errors.js";
import type { Ticket } from "../purchases/purchases.schemas.js";
import { ticketCodePattern } from "./ticket-code.js";
import { checkInTicket, findTicket, type TicketRow } from "./tickets.sql.js";

/** The ticket's QR code, for its owner only: the code is the ticket. */
export async function ticketQrSvg(services: Services, userId: string, code: string): Promise<string> {
  const ticket = ticketCodePattern.test(code) ? await findTicket(services.pool, code) : undefined;
  if (!ticket || ticket.user_id !== userId) throw ticketNotFound();
  return QRCode.toString(ticket.code, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
}

/** At the door: the first scan lets the holder in, every later one is refused. */
export async function checkIn(services: Services, code: string): Promise<Ticket & { usedAt: string }> {
  if (!ticketCodePattern.test(code)) throw ticketNotFound();
  const used = await checkInTicket(services.pool, code);
  if (used) return view(used);
  const ticket = await findTicket(services.pool, code);
  if (!ticket) throw ticketNotFound();
  throw new AppError(
    "TICKET_ALREADY_USED",
    ticket.status === "void" ? "This ticket was voided." : `This ticket was already used at ${ticket.used_at?.toISOString()}.`,
    { status: ticket.status, usedAt: ticket.used_at?.toISOString() ?? null },
  );
}

function view(row: TicketRow): Ticket & { usedAt: string } {
  return { id: row.id, code: row.code, status: row.status, usedAt: row.used_at!.toISOString() };
}

const ticketNotFound = () => new AppError("TICKET_NOT_FOUND", "No ticket has that code.");

import type { Services } from "../context.js";
import { AppError } from "../errors.js";
import { isOurId } from "../http/schema-parts.js";
import type { PublicDrop } from "../realtime/events.js";
import { publishStockChange } from "../stock/publish.js";
import type { StockRow } from "../stock/stock.js";
import { toDropView } from "./drop-view.js";
import type { CreateDropInput, DropList, DropView, UpdateDropInput } from "./drops.schemas.js";
import { findDropRow, findShopperState, listDropRows } from "./drops.sql.js";

export async function listDrops(services: Services, options: { includeEnded: boolean; userId?: string }): Promise<DropList> {
  const rows = await listDropRows(services.db, options.includeEnded);
  const shopper = options.userId ? await findShopperState(services.db, options.userId, rows.map((r) => r.id)) : undefined;
  const now = services.clock.now();
  return { drops: rows.map((row) => toDropView(row, now, shopper)), serverTime: now.toISOString() };
}

export async function getDrop(services: Services, dropId: string, userId?: string): Promise<DropView> {
  if (!isOurId(dropId)) throw dropNotFound();
  const row = await findDropRow(services.db, dropId);
  if (!row) throw dropNotFound();
  const shopper = userId ? await findShopperState(services.db, userId, [row.id]) : undefined;
  return toDropView(row, services.clock.now(), shopper);
}

export async function createDrop(services: Services, input: CreateDropInput): Promise<PublicDrop> {
  const drop = await services.db.drop.create({
    data: {
      name: input.name,
      price: input.price,
      totalStock: input.totalStock,
      startsAt: input.startsAt ?? new Date(),
      endsAt: input.endsAt ?? null,
      holdSeconds: input.holdSeconds ?? services.config.holdSeconds,
      maxPerUser: input.maxPerUser ?? 1,
    },
    select: { id: true },
  });
  const view = await publicView(services, drop.id);
  services.notifier.dropCreated(view);
  return view;
}

/**
 * Admin edit. The drop row is locked like any stock change, lapsed holds are
 * released first, and stock may not drop below what is held or sold.
 */
export async function updateDrop(services: Services, dropId: string, input: UpdateDropInput): Promise<PublicDrop> {
  if (!isOurId(dropId)) throw dropNotFound();
  const stock = await services.db.$transaction(async (tx) => {
    // SET LOCAL works through transaction poolers; an admin edit must not hang on, or hold, a hot drop.
    await tx.$executeRaw`SELECT set_config('lock_timeout', '5s', true), set_config('statement_timeout', '15s', true),
                                set_config('idle_in_transaction_session_timeout', '15s', true)`;
    const locked = await tx.$queryRaw<{ starts_at: Date; ends_at: Date | null; held_stock: number; sold_stock: number }[]>`
      SELECT starts_at, ends_at, held_stock, sold_stock FROM drops WHERE id = ${dropId}::uuid FOR UPDATE`;
    const current = locked[0];
    if (!current) throw dropNotFound();
    const [released] = await tx.$queryRaw<{ freed: number; expired: StockRow["expired"] }[]>`
      SELECT freed, expired FROM dropline_release_lapsed(${dropId}::uuid, clock_timestamp())`;
    const held = current.held_stock - released!.freed;
    if (input.totalStock !== undefined && input.totalStock < held + current.sold_stock) {
      throw new AppError("STOCK_BELOW_COMMITTED", `totalStock cannot go below the ${held + current.sold_stock} units held or sold.`, {
        heldStock: held,
        soldStock: current.sold_stock,
      });
    }
    const startsAt = input.startsAt ?? current.starts_at;
    const endsAt = input.endsAt === undefined ? current.ends_at : input.endsAt;
    if (endsAt && endsAt <= startsAt) {
      throw new AppError("VALIDATION_ERROR", "The request is not valid.", [{ path: "endsAt", message: "must be after startsAt" }]);
    }
    const [row] = await tx.$queryRaw<StockRow[]>`
      UPDATE drops SET
        name = coalesce(${input.name ?? null}::varchar, name),
        price = coalesce(${input.price ?? null}::numeric, price),
        total_stock = coalesce(${input.totalStock ?? null}::int, total_stock),
        starts_at = ${startsAt}::timestamptz,
        ends_at = ${endsAt}::timestamptz,
        hold_seconds = coalesce(${input.holdSeconds ?? null}::int, hold_seconds),
        max_per_user = coalesce(${input.maxPerUser ?? null}::int, max_per_user),
        held_stock = ${held}::int,
        version = version + 1,
        updated_at = clock_timestamp()
      WHERE id = ${dropId}::uuid
      RETURNING total_stock, held_stock, sold_stock, version, starts_at, ends_at, clock_timestamp() AS decided_at`;
    return { ...row!, expired: released!.expired };
  });
  services.soldOut.forget(dropId);
  publishStockChange(services, dropId, stock);
  const view = await publicView(services, dropId);
  services.notifier.dropUpdated(view);
  return view;
}

async function publicView(services: Services, dropId: string): Promise<PublicDrop> {
  const row = await findDropRow(services.db, dropId);
  if (!row) throw dropNotFound();
  return toDropView(row, services.clock.now());
}

const dropNotFound = () => new AppError("DROP_NOT_FOUND", "No drop has that id.");

import type { DropFields } from "../api/admin";
import type { DropView } from "../api/types";

/** What the admin form holds: every field as typed. */
export interface DropFormValues {
  name: string;
  price: string;
  totalStock: string;
  startsAt: string;
  endsAt: string;
  holdSeconds: string;
  maxPerUser: string;
  imageUrl: string;
  description: string;
  /** The waiting room: on or off, and its settings as typed. */
  queueOn: boolean;
  admitPerSecond: string;
  admissionSeconds: string;
  /** Blank: 15 minutes before the start. */
  queueOpensAt: string;
  /** A pre-order (pays now, ships at releaseAt) rather than a drop with holds; chosen at creation. */
  kind: "drop" | "preorder";
  releaseAt: string;
  /** As typed, in `fulfillGraceUnit` (seconds per unit). */
  fulfillGrace: string;
  fulfillGraceUnit: string;
  pickupReminder: string;
  pickupReminderUnit: string;
}

/** Every field typed as text (the waiting room's switch is the one that is not). */
export type DropField = Exclude<keyof DropFormValues, "queueOn" | "kind">;

/** Where the server's field messages for the waiting room land. */
export const queueFieldOfPath: Record<string, DropField> = {
  "queue.admitPerSecond": "admitPerSecond",
  "queue.admissionSeconds": "admissionSeconds",
  "queue.opensAt": "queueOpensAt",
};

/** Where the server's field messages for a pre-order land. */
export const preorderFieldOfPath: Record<string, DropField> = {
  releaseAt: "releaseAt",
  fulfillGraceSeconds: "fulfillGrace",
  pickupReminderSeconds: "pickupReminder",
};

/** The units the admin may type a pre-order's waits in, as seconds each. */
export const durationUnits = [
  { value: "1", label: "seconds" },
  { value: "60", label: "minutes" },
  { value: "3600", label: "hours" },
  { value: "86400", label: "days" },
] as const;

export const emptyDropForm: DropFormValues = {
  name: "",
  price: "",
  totalStock: "",
  startsAt: "",
  endsAt: "",
  holdSeconds: "60",
  maxPerUser: "1",
  imageUrl: "",
  description: "",
  queueOn: false,
  admitPerSecond: "50",
  admissionSeconds: "120",
  queueOpensAt: "",
  kind: "drop",
  releaseAt: "",
  // API.md's defaults: a week to start fulfilment, a reminder a day.
  fulfillGrace: "7",
  fulfillGraceUnit: "86400",
  pickupReminder: "1",
  pickupReminderUnit: "86400",
};

const DEFAULT_OPENING_MS = 15 * 60_000;

/** An ISO time as a `datetime-local` value, in the admin's own time zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 19);
}

const fromLocalInput = (value: string) => {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
};

export function formValuesOf(drop: DropView): DropFormValues {
  return {
    name: drop.name,
    price: drop.price,
    totalStock: String(drop.totalStock),
    startsAt: toLocalInput(drop.startsAt),
    endsAt: toLocalInput(drop.endsAt),
    holdSeconds: String(drop.holdSeconds),
    maxPerUser: String(drop.maxPerUser),
    imageUrl: drop.imageUrl ?? "",
    description: drop.description ?? "",
    queueOn: drop.queue !== null,
    admitPerSecond: String(drop.queue?.admitPerSecond ?? emptyDropForm.admitPerSecond),
    admissionSeconds: String(drop.queue?.admissionSeconds ?? emptyDropForm.admissionSeconds),
    // The view always names a time; the default one (15 minutes before the start) shows as blank,
    // so that saving other changes keeps it following the start.
    queueOpensAt:
      drop.queue && Date.parse(drop.queue.opensAt) !== Date.parse(drop.startsAt) - DEFAULT_OPENING_MS ? toLocalInput(drop.queue.opensAt) : "",
    // Pre-order settings are made at creation; an edit shows and sends none of them.
    kind: drop.kind === "preorder" ? "preorder" : "drop",
    releaseAt: toLocalInput(drop.releaseAt ?? null),
    fulfillGrace: String(drop.fulfillGraceSeconds ?? ""),
    fulfillGraceUnit: "1",
    pickupReminder: String(drop.pickupReminderSeconds ?? ""),
    pickupReminderUnit: "1",
  };
}

// Whole numbers go as JSON integers (the API refuses "10"); anything else is sent
// as typed so the server's field message explains what is wrong with it.
const integer = (value: string) => (/^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value.trim());

/** A wait typed in a unit, as whole seconds; blank is none (the server's default); anything else goes as typed for the server to name. */
function seconds(value: string, unit: string): number | string | undefined {
  const typed = value.trim();
  if (typed === "") return undefined;
  return /^\d+(\.\d+)?$/.test(typed) ? Math.round(Number(typed) * Number(unit)) : typed;
}

/**
 * The request body. For an edit (`before` given) only the changed fields go,
 * so a PATCH never rewrites what the admin did not touch.
 */
export function fieldsToSend(values: DropFormValues, before?: DropFormValues): DropFields {
  const changed = (field: DropField) => (before ? values[field] !== before[field] : values[field].trim() !== "");
  const fields: DropFields = {};
  if (changed("name")) fields.name = values.name;
  if (changed("price")) fields.price = values.price.trim();
  if (changed("totalStock")) fields.totalStock = integer(values.totalStock);
  if (changed("holdSeconds")) fields.holdSeconds = integer(values.holdSeconds);
  if (changed("maxPerUser")) fields.maxPerUser = integer(values.maxPerUser);
  if (changed("startsAt") && values.startsAt) fields.startsAt = fromLocalInput(values.startsAt);
  if (changed("endsAt")) fields.endsAt = values.endsAt ? fromLocalInput(values.endsAt) : null;
  // Emptied means "no image" / "no description": null clears what the drop had.
  if (changed("imageUrl")) fields.imageUrl = values.imageUrl.trim() || null;
  if (changed("description")) fields.description = values.description.trim() ? values.description : null;
  // The waiting room goes as a whole (the server replaces its settings), or null to turn it off.
  const queueFields: (keyof DropFormValues)[] = ["queueOn", "admitPerSecond", "admissionSeconds", "queueOpensAt"];
  const queueChanged = before ? queueFields.some((field) => values[field] !== before[field]) : values.queueOn;
  if (queueChanged) {
    fields.queue = values.queueOn
      ? {
          admitPerSecond: integer(values.admitPerSecond),
          admissionSeconds: integer(values.admissionSeconds),
          ...(values.queueOpensAt ? { opensAt: fromLocalInput(values.queueOpensAt) } : {}),
        }
      : null;
  }
  if (!before && values.kind === "preorder") {
    fields.kind = "preorder";
    // Blank goes as "", so the server names it as missing rather than the form guessing a date.
    fields.releaseAt = values.releaseAt ? fromLocalInput(values.releaseAt) : "";
    const grace = seconds(values.fulfillGrace, values.fulfillGraceUnit);
    if (grace !== undefined) fields.fulfillGraceSeconds = grace;
    const reminder = seconds(values.pickupReminder, values.pickupReminderUnit);
    if (reminder !== undefined) fields.pickupReminderSeconds = reminder;
  }
  // A new drop needs these even when left blank: the server then names them as missing.
  if (!before) {
    fields.name ??= "";
    fields.price ??= "";
    fields.totalStock ??= "";
  }
  return fields;
}

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
}

export type DropField = keyof DropFormValues;

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
};

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
  };
}

// Whole numbers go as JSON integers (the API refuses "10"); anything else is sent
// as typed so the server's field message explains what is wrong with it.
const integer = (value: string) => (/^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value.trim());

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
  // A new drop needs these even when left blank: the server then names them as missing.
  if (!before) {
    fields.name ??= "";
    fields.price ??= "";
    fields.totalStock ??= "";
  }
  return fields;
}

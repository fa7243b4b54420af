import { useCallback, useRef, useState } from "react";
import { isApiError } from "../api/http";
import { purchase as buy, releaseHold, reserve as takeHold } from "../api/shopper";
import type { DropView, ReservationExpired, ReservationUpdated } from "../api/types";
import { expired, fromError, purchased, purchasedElsewhere, released, type Outcome } from "../lib/outcomes";
import type { DropsStore } from "./useDrops";

export type Busy = "reserving" | "purchasing" | "releasing";

interface Options {
  token: string | null;
  drops: DropsStore;
  /** After any change to the shopper's holds or purchases (history refresh). */
  onChanged: () => void;
  onUnauthorized: () => void;
}

/**
 * Taking, buying and releasing holds, and how each one ended. The hold itself
 * lives on the drop (`myReservation`, restored by GET /api/drops after a
 * reload); this hook keeps the outcome per drop and what is in flight.
 */
export function useHolds({ token, drops, onChanged, onUnauthorized }: Options) {
  const [outcomes, setOutcomes] = useState<Record<string, Outcome | undefined>>({});
  const [busy, setBusyState] = useState<Record<string, Busy | undefined>>({});
  // Socket handlers need the in-flight state of this instant, not of the last render.
  const busyRef = useRef<Record<string, Busy | undefined>>({});

  const setBusy = useCallback((dropId: string, value: Busy | undefined) => {
    busyRef.current = { ...busyRef.current, [dropId]: value };
    setBusyState(busyRef.current);
  }, []);
  const setOutcome = useCallback((dropId: string, outcome: Outcome | undefined) => {
    setOutcomes((current) => ({ ...current, [dropId]: outcome }));
  }, []);

  const fail = useCallback(
    (dropId: string, error: unknown) => {
      setOutcome(dropId, fromError(error));
      if (isApiError(error) && error.status === 401) onUnauthorized();
    },
    [onUnauthorized, setOutcome],
  );

  const reserve = useCallback(
    async (drop: DropView, quantity: number) => {
      if (!token || busyRef.current[drop.id]) return;
      setBusy(drop.id, "reserving");
      setOutcome(drop.id, undefined);
      try {
        const reservation = await takeHold(token, drop.id, quantity);
        drops.patchMine(drop.id, (d) => ({ myReservation: reservation, myPurchasedQuantity: d.myPurchasedQuantity }));
      } catch (error) {
        fail(drop.id, error);
        // A 409 means this page's picture was behind (stock, limit, start or end): catch up.
        if (isApiError(error) && error.status === 409) void drops.refetch();
      } finally {
        setBusy(drop.id, undefined);
        onChanged();
      }
    },
    [token, drops, fail, onChanged, setBusy, setOutcome],
  );

  const purchase = useCallback(
    async (drop: DropView) => {
      const hold = drop.myReservation;
      if (!token || !hold || busyRef.current[drop.id]) return;
      setBusy(drop.id, "purchasing");
      try {
        const done = await buy(token, hold.id);
        drops.patchMine(drop.id, (d) => ({ myReservation: null, myPurchasedQuantity: (d.myPurchasedQuantity ?? 0) + done.quantity }));
        setOutcome(drop.id, purchased(done));
      } catch (error) {
        // A declined card keeps the hold; a hold that is gone must leave the screen.
        if (isApiError(error) && (error.code === "RESERVATION_EXPIRED" || error.code === "RESERVATION_NOT_FOUND")) {
          drops.patchMine(drop.id, (d) => ({ myReservation: null, myPurchasedQuantity: d.myPurchasedQuantity }));
        }
        fail(drop.id, error);
      } finally {
        setBusy(drop.id, undefined);
        onChanged();
      }
    },
    [token, drops, fail, onChanged, setBusy, setOutcome],
  );

  const release = useCallback(
    async (drop: DropView) => {
      const hold = drop.myReservation;
      if (!token || !hold || busyRef.current[drop.id]) return;
      setBusy(drop.id, "releasing");
      try {
        await releaseHold(token, hold.id);
        drops.patchMine(drop.id, (d) => ({ myReservation: null, myPurchasedQuantity: d.myPurchasedQuantity }));
        setOutcome(drop.id, released());
      } catch (error) {
        fail(drop.id, error);
        // Not active any more (it expired or was bought meanwhile): the list knows what it became.
        if (isApiError(error) && error.code === "RESERVATION_NOT_ACTIVE") void drops.refetch();
      } finally {
        setBusy(drop.id, undefined);
        onChanged();
      }
    },
    [token, drops, fail, onChanged, setBusy, setOutcome],
  );

  /**
   * The hold ran out: the private `reservationExpired` event, or the local
   * countdown reaching zero should that event be late or lost. A purchase in
   * flight is left to the server, whose answer decides.
   */
  const holdExpired = useCallback(
    (dropId: string, reservationId: string) => {
      const drop = drops.getDrop(dropId);
      if (drop?.myReservation?.id !== reservationId || busyRef.current[dropId] === "purchasing") return;
      drops.patchMine(dropId, (d) => ({ myReservation: null, myPurchasedQuantity: d.myPurchasedQuantity }));
      setOutcome(dropId, expired());
      onChanged();
    },
    [drops, onChanged, setOutcome],
  );

  const onReservationExpired = useCallback(
    (event: ReservationExpired) => holdExpired(event.dropId, event.reservationId),
    [holdExpired],
  );

  /** Status changes of the shopper's holds, including those made in another tab. */
  const onReservationUpdated = useCallback(
    ({ reservation }: ReservationUpdated) => {
      const dropId = reservation.dropId;
      const drop = drops.getDrop(dropId);
      if (!drop) return;
      const mine = drop.myReservation?.id === reservation.id;
      const inFlight = busyRef.current[dropId];
      switch (reservation.status) {
        case "active":
          if (!drop.myReservation && !inFlight) drops.patchMine(dropId, (d) => ({ myReservation: reservation, myPurchasedQuantity: d.myPurchasedQuantity }));
          break;
        case "completed":
          if (!mine || inFlight === "purchasing") return;
          drops.patchMine(dropId, (d) => ({ myReservation: null, myPurchasedQuantity: (d.myPurchasedQuantity ?? 0) + reservation.quantity }));
          setOutcome(dropId, purchasedElsewhere());
          break;
        case "cancelled":
          if (!mine || inFlight === "releasing") return;
          drops.patchMine(dropId, (d) => ({ myReservation: null, myPurchasedQuantity: d.myPurchasedQuantity }));
          setOutcome(dropId, released(true));
          break;
        case "expired":
          holdExpired(dropId, reservation.id);
          return;
      }
      onChanged();
    },
    [drops, holdExpired, onChanged, setOutcome],
  );

  const dismiss = useCallback((dropId: string) => setOutcome(dropId, undefined), [setOutcome]);

  return { outcomes, busy, reserve, purchase, release, holdExpired, onReservationExpired, onReservationUpdated, dismiss };
}

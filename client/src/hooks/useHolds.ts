import { useCallback, useRef, useState } from "react";
import { isApiError } from "../api/http";
import { purchase as buy, fetchPurchase, releaseHold, reserve as takeHold } from "../api/shopper";
import type { DropView, Purchase, PurchaseUpdated, ReservationExpired, ReservationUpdated } from "../api/types";
import { expired, fromError, paymentFailed, paymentRefused, processing, purchased, purchasedElsewhere, released, type Outcome } from "../lib/outcomes";
import { serverNow } from "../lib/server-clock";
import type { DropsStore } from "./useDrops";

/** "confirming": the server answered 202, the bank is still deciding; `purchaseUpdated` ends it. */
export type Busy = "reserving" | "purchasing" | "confirming" | "releasing";

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
  // The purchase each "confirming" drop waits for; and purchases whose end was heard before their own 202 answer.
  const confirming = useRef<Record<string, string | undefined>>({});
  const endedEarly = useRef(new Map<string, Purchase>());

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

  /** A processing purchase reached its end (the socket, a refetch after a reconnect or reload). */
  const settle = useCallback(
    (purchase: Purchase) => {
      const dropId = purchase.dropId;
      if (purchase.status === "processing") return;
      if (confirming.current[dropId] === purchase.id) {
        confirming.current[dropId] = undefined;
        setBusy(dropId, undefined);
      }
      const hold = drops.getDrop(dropId)?.myReservation;
      const mine = hold?.id === purchase.reservationId;
      if (purchase.status === "completed") {
        drops.patchMine(dropId, (d) => ({ myReservation: mine ? null : d.myReservation, myPurchasedQuantity: (d.myPurchasedQuantity ?? 0) + (mine ? purchase.quantity : 0) }));
        setOutcome(dropId, purchased(purchase));
      } else if (mine && hold.status === "active" && Date.parse(hold.expiresAt) > serverNow() && purchase.failureReason !== "hold_ended") {
        // The bank said no in time: the hold is the shopper's again until it runs out.
        const reason = purchase.failureReason ?? "declined";
        setOutcome(dropId, paymentRefused(reason === "provider_unreachable" ? "payment_unavailable" : "declined", reason, hold.expiresAt));
      } else {
        if (mine) drops.patchMine(dropId, (d) => ({ myReservation: null, myPurchasedQuantity: d.myPurchasedQuantity }));
        setOutcome(dropId, paymentFailed(purchase.failureReason ?? "failed"));
      }
      onChanged();
    },
    [drops, onChanged, setBusy, setOutcome],
  );

  const purchase = useCallback(
    async (drop: DropView, method?: string) => {
      const hold = drop.myReservation;
      if (!token || !hold || busyRef.current[drop.id]) return;
      setBusy(drop.id, "purchasing");
      let after: Busy | undefined;
      let ended: Purchase | undefined;
      try {
        const done = await buy(token, hold.id, method);
        if (done.status === "processing") {
          ended = endedEarly.current.get(done.id);
          confirming.current[drop.id] = done.id;
          after = "confirming";
          setOutcome(drop.id, processing(done));
        } else {
          drops.patchMine(drop.id, (d) => ({ myReservation: null, myPurchasedQuantity: (d.myPurchasedQuantity ?? 0) + done.quantity }));
          setOutcome(drop.id, purchased(done));
        }
      } catch (error) {
        // A declined card or an unreachable provider keeps the hold; a hold that is gone must leave the screen.
        if (isApiError(error) && (error.code === "PAYMENT_DECLINED" || error.code === "PAYMENT_UNAVAILABLE")) {
          const reason = (error.details as { reason?: string } | undefined)?.reason ?? "provider_unreachable";
          // No payment runs on it now, whether or not reservationUpdated says so.
          drops.patchMine(drop.id, (d) => ({ myReservation: d.myReservation && { ...d.myReservation, paymentInFlight: false }, myPurchasedQuantity: d.myPurchasedQuantity }));
          setOutcome(drop.id, paymentRefused(error.code === "PAYMENT_DECLINED" ? "declined" : "payment_unavailable", reason, hold.expiresAt));
        } else {
          if (isApiError(error) && (error.code === "RESERVATION_EXPIRED" || error.code === "RESERVATION_NOT_FOUND")) {
            drops.patchMine(drop.id, (d) => ({ myReservation: null, myPurchasedQuantity: d.myPurchasedQuantity }));
          }
          fail(drop.id, error);
        }
      } finally {
        setBusy(drop.id, after);
        onChanged();
      }
      endedEarly.current.clear();
      if (ended) settle(ended);
    },
    [token, drops, fail, onChanged, setBusy, setOutcome, settle],
  );

  /** `purchaseUpdated`: a payment answered 202 has ended, here or in another tab. */
  const onPurchaseUpdated = useCallback(
    ({ purchase: update }: PurchaseUpdated) => {
      const inFlight = busyRef.current[update.dropId];
      // The request still running will answer with this end itself; if that answer is a 202, it is applied then.
      if (inFlight === "purchasing") endedEarly.current.set(update.id, update);
      else if (confirming.current[update.dropId] === update.id) settle(update);
    },
    [settle],
  );

  /**
   * After a reload or a reconnect (GET /api/me): a payment still processing
   * for the hold on screen shows as such, and one this page waited for that
   * ended meanwhile is settled, in case its event was missed.
   */
  const syncPurchases = useCallback(
    (purchases: Purchase[]) => {
      for (const p of purchases) {
        if (p.status !== "processing" || busyRef.current[p.dropId] || drops.getDrop(p.dropId)?.myReservation?.id !== p.reservationId) continue;
        confirming.current[p.dropId] = p.id;
        setBusy(p.dropId, "confirming");
        setOutcome(p.dropId, processing(p));
      }
      for (const id of Object.values(confirming.current)) {
        const listed = purchases.find((p) => p.id === id);
        if (!id || !token || listed?.status === "processing") continue;
        // A failed purchase is not listed in GET /api/me: asked for by id.
        if (listed) settle(listed);
        else void fetchPurchase(token, id).then(settle, () => undefined);
      }
    },
    [token, drops, setBusy, setOutcome, settle],
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
      const inFlight = busyRef.current[dropId];
      // A hold whose payment is running is kept by the server (up to 30 s past its end); the payment's end decides.
      if (drop?.myReservation?.id !== reservationId || inFlight === "purchasing" || inFlight === "confirming") return;
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
          // A hold taken elsewhere, or this one changed: a payment started or failed (paymentInFlight),
          // or the drop's end brought its deadline forward. Events can cross: the later word counts.
          if (mine ? Date.parse(reservation.serverTime) >= Date.parse(drop.myReservation!.serverTime) : !drop.myReservation && !inFlight) {
            drops.patchMine(dropId, (d) => ({ myReservation: reservation, myPurchasedQuantity: d.myPurchasedQuantity }));
          }
          break;
        case "completed":
          // A payment this page started reports its own end (its answer, or `purchaseUpdated`).
          if (!mine || inFlight === "purchasing" || inFlight === "confirming") return;
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

  return { outcomes, busy, reserve, purchase, release, holdExpired, onReservationExpired, onReservationUpdated, onPurchaseUpdated, syncPurchases, dismiss };
}

import { useState } from "react";
import { CheckInForm } from "./CheckInForm";
import { FailuresPanel } from "./FailuresPanel";
import { OutboxPanel } from "./OutboxPanel";
import { TimelineLookup } from "./TimelineLookup";

/** The admin's checkout desk: what is failing now, any hold's story, the messages sent, and the door. */
export function CheckoutSection({ token, onUnauthorized }: { token: string; onUnauthorized: () => void }) {
  const [reservationId, setReservationId] = useState<string | null>(null);
  return (
    <section aria-labelledby="checkout-heading" className="flex min-w-0 flex-col gap-4">
      <h2 id="checkout-heading" className="text-lg font-semibold">
        Checkout
      </h2>
      <div className="grid min-w-0 gap-4 md:grid-cols-2">
        <FailuresPanel token={token} onShowTimeline={setReservationId} onUnauthorized={onUnauthorized} />
        <TimelineLookup token={token} reservationId={reservationId} onChoose={setReservationId} onUnauthorized={onUnauthorized} />
      </div>
      <CheckInForm token={token} onUnauthorized={onUnauthorized} />
      <OutboxPanel token={token} onUnauthorized={onUnauthorized} />
    </section>
  );
}

// The checkout chunk: everything about paying that the shopper's first paint does not need.
// Fetched with the first hold panel (its payment choice), so it is there when a payment ends.
export { CheckoutNotice } from "./CheckoutNotice";
export { ContactForm } from "./ContactForm";
export { HoldTimeline } from "./HoldTimeline";
export { PaymentMethods } from "./PaymentMethods";
export { Tickets } from "./Tickets";

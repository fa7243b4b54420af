/** The simulated provider's methods (API.md, "Checkout"), named as a shopper would say them. */
export const paymentMethods = [
  { method: "sim_ok", label: "Card that works" },
  { method: "sim_declined", label: "Card that is declined" },
  { method: "sim_insufficient_funds", label: "Card without funds" },
  { method: "sim_flaky", label: "Flaky connection (works on the 3rd try)" },
  { method: "sim_slow", label: "Slow bank (8 s)" },
  { method: "sim_down", label: "Payment provider down" },
] as const;

export const methodLabel = (method: unknown): string =>
  paymentMethods.find((m) => m.method === method)?.label ?? (typeof method === "string" ? method : "unknown method");

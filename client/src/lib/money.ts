// One formatter for every price and amount on screen: "$1,199.00". US dollars and en-US
// grouping whatever the browser's language, since the shop prices in dollars.
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

/**
 * A decimal string from the server ("1199.00") as shown to people. The string
 * goes to Intl as it is (exact decimal formatting), so no float touches money.
 */
export const formatMoney = (amount: string): string => usd.format(amount as `${number}`);

/** price × quantity on whole cents, so "19.99" × 3 is "59.97" and never 59.96999. */
export function multiplyPrice(price: string, quantity: number): string {
  const [whole = "0", fraction = ""] = price.split(".");
  const cents = (Number(whole) * 100 + Number(fraction.padEnd(2, "0").slice(0, 2))) * quantity;
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

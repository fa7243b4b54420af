/** price × quantity on whole cents, so "19.99" × 3 is "59.97" and never 59.96999. */
export function multiplyPrice(price: string, quantity: number): string {
  const [whole = "0", fraction = ""] = price.split(".");
  const cents = (Number(whole) * 100 + Number(fraction.padEnd(2, "0").slice(0, 2))) * quantity;
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

// One formatter for every price and amount on screen: "$1,199.00". US dollars and en-US
// grouping whatever the browser's language, since the shop prices in dollars.
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

/**
 * A decimal string from the server ("1199.00") as shown to people. The string
 * goes to Intl as it is (exact decimal formatting), so no float touches money.
 */
export const formatMoney = (amount: string): string => usd.format(amount as `${number}`);

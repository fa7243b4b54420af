// The pre-order chunk: one chunk for the drop card's panel and the shopper's list, fetched with
// the first pre-order drop (or the signed-in page's list), never part of the first paint.
export { default as MyPreorders } from "./MyPreorders";
export { default as PreorderPanel } from "./PreorderPanel";

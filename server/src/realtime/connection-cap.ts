import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";

/**
 * At most `max` open Socket.IO connections per client address: one machine
 * must not be able to open enough sockets to starve every shopper's fan-out.
 * A slot is taken when the handshake is allowed and given back when the
 * connection closes (or its handshake fails after all).
 */
export class ConnectionCap {
  private readonly open = new Map<string, number>();
  private readonly holders = new WeakMap<IncomingMessage, string>();
  private readonly trust: (address: string, hop: number) => boolean;

  constructor(
    private readonly max: number,
    trustProxy: boolean | number | string,
  ) {
    this.trust = compileTrust(trustProxy);
  }

  /** The client's address, honouring X-Forwarded-For only from trusted proxies, as Express's req.ip does. */
  addressOf(req: IncomingMessage): string {
    return proxyaddr(req, this.trust);
  }

  tryOpen(req: IncomingMessage): boolean {
    const address = this.addressOf(req);
    const count = this.open.get(address) ?? 0;
    if (count >= this.max) return false;
    this.open.set(address, count + 1);
    this.holders.set(req, address);
    return true;
  }

  release(req: IncomingMessage): void {
    const address = this.holders.get(req);
    if (address === undefined) return;
    this.holders.delete(req);
    const count = (this.open.get(address) ?? 1) - 1;
    if (count <= 0) this.open.delete(address);
    else this.open.set(address, count);
  }
}

/** The same reading of TRUST_PROXY as Express's `trust proxy` setting. */
function compileTrust(value: boolean | number | string): (address: string, hop: number) => boolean {
  if (value === true) return () => true;
  if (value === false) return () => false;
  if (typeof value === "number") return (_address, hop) => hop < value;
  return proxyaddr.compile(value.split(",").map((part) => part.trim()));
}

import type { ServerOptions } from "node:http";
import type { Server, Socket } from "node:net";
import type { Config } from "../config.js";

/**
 * Node's own limits on slow and idle clients. headersTimeout and requestTimeout
 * answer 408 and close (a connection's first headers are timed from when it
 * opened, later ones from their first byte); keepAliveTimeout closes a
 * connection left idle after an answer, a second after the `Keep-Alive:
 * timeout=` it announces. None of them touches a WebSocket once upgraded, nor
 * a long poll being answered: engine.io's ping looks after those.
 */
export function httpServerOptions(http: Config["http"]): ServerOptions {
  return {
    headersTimeout: http.headersTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    // Node checks the first two only every 30 s by default.
    connectionsCheckingInterval: Math.min(1_000, http.headersTimeoutMs),
  };
}

const REQUEST_TIMEOUT = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

/**
 * Closes a connection that has sent no byte within `ms`, with the same 408 Node
 * sends for headers that never finish. Node would close it too, but only once
 * the whole headers allowance has passed, so an address could park hundreds of
 * silent sockets for that long. Once a byte has arrived, Node's limits above apply.
 * Only for a server that accepts its own connections: one handed over by another
 * process (a cluster worker's) has had its first bytes read elsewhere.
 */
export function closeSilentConnections(server: Server, ms: number): void {
  server.on("connection", (socket: Socket) => {
    const timer = setTimeout(() => {
      if (socket.bytesRead > 0 || socket.destroyed) return;
      socket.write(REQUEST_TIMEOUT);
      socket.destroy();
    }, ms);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  });
}

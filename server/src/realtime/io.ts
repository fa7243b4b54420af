import type { IncomingMessage, Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import type { Secrets } from "../auth/secrets.js";
import { verifyShopperToken } from "../auth/tokens.js";
import { originAllowed } from "../http/cors.js";
import { logger } from "../log.js";
import { ConnectionCap } from "./connection-cap.js";
import type { ClientToServerEvents, ServerToClientEvents } from "./events.js";
import type { Notifier } from "./notifier.js";
import { StockBroadcaster } from "./stock-broadcaster.js";

interface SocketData {
  shopperId?: string;
}

export type DropIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface Realtime {
  io: DropIo;
  notifier: Notifier;
  close(): Promise<void>;
}

const shopperRoom = (shopperId: string) => `shopper:${shopperId}`;

export interface RealtimeOptions {
  secrets: Secrets;
  corsOrigins: readonly string[];
  trustProxy?: boolean | number | string;
  /** Open connections allowed per client address; undefined: no cap (RATE_LIMITS=off). */
  connectionsPerIp?: number;
  stockIntervalMs?: number;
}

/**
 * Clients send nothing but the handshake (and, for long-polling, pings); a
 * few kilobytes leave room for that, and a client sending more is cut off
 * before its message is buffered.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

export function attachRealtime(httpServer: HttpServer, options: RealtimeOptions): Realtime {
  const cap = options.connectionsPerIp === undefined ? undefined : new ConnectionCap(options.connectionsPerIp, options.trustProxy ?? false);
  const io: DropIo = new Server(httpServer, {
    // Stock messages are small and many; compressing each one for thousands of sockets costs more than it saves.
    perMessageDeflate: false,
    serveClient: false,
    maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES,
    cors: options.corsOrigins.length > 0 ? { origin: [...options.corsOrigins], methods: ["GET", "POST"] } : undefined,
    // WebSocket upgrades are not covered by CORS, so the origin is checked here for every transport.
    allowRequest: (req, callback) => {
      if (!originAllowed(options.corsOrigins, req.headers.origin, req.headers.host)) return callback("Origin not allowed", false);
      if (cap && !cap.tryOpen(req)) return callback("Too many connections from this address", false);
      callback(null, true);
    },
  });
  if (cap) {
    io.engine.on("connection", (socket: { request: IncomingMessage; once(event: "close", listener: () => void): void }) => {
      socket.once("close", () => cap.release(socket.request));
    });
    io.engine.on("connection_error", (error: { req?: IncomingMessage }) => {
      if (error.req) cap.release(error.req);
    });
  }

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token === "string") {
      const shopper = verifyShopperToken(options.secrets.sessionSecret, token);
      // A bad token still gets the public events, never a private room.
      if (shopper) socket.data.shopperId = shopper.id;
    }
    next();
  });
  io.on("connection", (socket) => {
    if (socket.data.shopperId) void socket.join(shopperRoom(socket.data.shopperId));
  });

  const stock = new StockBroadcaster((update) => io.emit("stockUpdated", update), options.stockIntervalMs ?? 50);

  const notifier: Notifier = {
    stockChanged: (update) => stock.push(update),
    reservationChanged(userId, reservation) {
      const room = io.to(shopperRoom(userId));
      room.emit("reservationUpdated", { reservation });
      if (reservation.status === "expired") room.emit("reservationExpired", { reservationId: reservation.id, dropId: reservation.dropId });
    },
    purchaseCompleted: (event) => io.emit("purchaseCompleted", event),
    dropCreated: (drop) => io.emit("dropCreated", drop),
    dropUpdated: (drop) => io.emit("dropUpdated", drop),
  };

  return {
    io,
    notifier,
    async close() {
      stock.flushAll();
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      }).catch((error) => logger.warn({ event: "io.close_failed", error }));
    },
  };
}

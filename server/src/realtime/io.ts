import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import type { Secrets } from "../auth/secrets.js";
import { verifyShopperToken } from "../auth/tokens.js";
import { originAllowed } from "../http/cors.js";
import { logger } from "../log.js";
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

export function attachRealtime(httpServer: HttpServer, options: { secrets: Secrets; corsOrigins: readonly string[]; stockIntervalMs?: number }): Realtime {
  const io: DropIo = new Server(httpServer, {
    // Stock messages are small and many; compressing each one for thousands of sockets costs more than it saves.
    perMessageDeflate: false,
    serveClient: false,
    cors: options.corsOrigins.length > 0 ? { origin: [...options.corsOrigins], methods: ["GET", "POST"] } : undefined,
    // WebSocket upgrades are not covered by CORS, so the origin is checked here for every transport.
    allowRequest: (req, callback) => callback(null, originAllowed(options.corsOrigins, req.headers.origin, req.headers.host)),
  });

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

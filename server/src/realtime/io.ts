import type { IncomingMessage, Server as HttpServer } from "node:http";
import { createAdapter } from "@socket.io/postgres-adapter";
import type pg from "pg";
import { Server } from "socket.io";
import type { Secrets } from "../auth/secrets.js";
import { verifyShopperToken } from "../auth/tokens.js";
import { originAllowed } from "../http/cors.js";
import { logger } from "../log.js";
import { canonicalId } from "../values/ids.js";
import { ConnectionCap } from "./connection-cap.js";
import {
  watchSchema,
  type ClientToServerEvents,
  type PublicDrop,
  type PurchaseCompleted,
  type QueueUpdated,
  type ServerToClientEvents,
  type StockUpdated,
} from "./events.js";
import type { RoomEmit } from "./event-bus.js";
import type { Notifier, StockChange } from "./notifier.js";
import { PerDropCoalescer } from "./coalescer.js";
import { FanoutBudget } from "./fanout-budget.js";
import { PurchaseAnnouncer } from "./purchase-announcer.js";
import { StockBroadcaster } from "./stock-broadcaster.js";
import { EventBus, type BatchedStockChange, type BusBatch } from "./event-bus.js";

interface SocketData {
  shopperId?: string;
}

/** Between server processes, through the adapter: events for each other's sockets, stock for each other's sold-out caches. */
interface InterServerEvents {
  bus: (batch: BusBatch) => void;
}

export type DropIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface Realtime {
  io: DropIo;
  notifier: Notifier;
  /** Sends a drop's current state to this process's own sockets only (after the bus may have lost messages). */
  announceLocally(change: StockChange): void;
  /** This process's broadcast writes per second, shared by every broadcast stream. */
  fanout: FanoutBudget;
  close(): Promise<void>;
}

const shopperRoom = (shopperId: string) => `shopper:${shopperId}`;
/** Every socket starts here and hears every drop, until it sends `watch`. */
const ALL_DROPS = "drops:all";
const dropRoom = (dropId: string) => `drop:${dropId}`;

export interface RealtimeOptions {
  secrets: Secrets;
  corsOrigins: readonly string[];
  trustProxy?: boolean | number | string;
  /** Open connections allowed per client address; undefined: no cap (RATE_LIMITS=off). */
  connectionsPerIp?: number;
  /** Broadcast socket writes per second of this process (FANOUT_WRITES_PER_SEC); by default the measured one. */
  fanoutWritesPerSec?: number;
  /**
   * A pool on DIRECT_URL for @socket.io/postgres-adapter (LISTEN needs a session
   * connection): events then reach the sockets of every process and instance.
   * Without it, this process's sockets are the whole audience.
   */
  adapterPool?: pg.Pool;
  /** True once the process is stopping: the adapter's connection errors are then expected. */
  quiet?: () => boolean;
  /** Each stock change another process made, for this process's sold-out fast path. */
  onRemoteStock?: (change: BatchedStockChange) => void;
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
    void socket.join(ALL_DROPS);
    if (socket.data.shopperId) void socket.join(shopperRoom(socket.data.shopperId));
    socket.on("watch", (payload, ack) => {
      const answer = typeof ack === "function" ? ack : () => undefined;
      const parsed = watchSchema.safeParse(payload);
      if (!parsed.success) return answer({ error: "VALIDATION_ERROR" }); // a malformed watch changes nothing
      for (const room of socket.rooms) if (room === ALL_DROPS || room.startsWith("drop:")) void socket.leave(room);
      const dropIds = [...new Set(parsed.data.dropIds.map(canonicalId))];
      for (const dropId of dropIds) void socket.join(dropRoom(dropId));
      answer({ dropIds });
    });
  });

  if (options.adapterPool) {
    io.adapter(
      createAdapter(options.adapterPool, {
        tableName: "socket_io_attachments",
        errorHandler: (error: Error) => (options.quiet?.() ? logger.debug : logger.warn).call(logger, { event: "io.adapter_error", error: error.message }),
      }),
    );
  }

  // Every broadcast stream of this process shares one budget of socket writes per second; each process
  // schedules its own sockets, and hears the other processes' changes through the bus as they happen.
  const fanout = new FanoutBudget(options.fanoutWritesPerSec);
  const roomSize = (room: string) => io.of("/").adapter.rooms.get(room)?.size ?? 0;
  // A socket is in ALL_DROPS until it sends `watch`, which takes it out: the two rooms never share a socket.
  const dropAudience = (dropId: string) => roomSize(ALL_DROPS) + roomSize(dropRoom(dropId));
  const streamInterval = (event: string, audience: (dropId: string) => number) => (dropId: string) =>
    fanout.intervalFor(`${event}:${dropId}`, audience(dropId), performance.now());
  const sentOn = <T>(event: string, dropIdOf: (message: T) => string, send: (message: T) => void) => (message: T) => {
    fanout.sent(`${event}:${dropIdOf(message)}`, performance.now());
    send(message);
  };
  const stock = new StockBroadcaster(
    sentOn("stockUpdated", (update: StockUpdated) => update.dropId, (update) => io.local.to(ALL_DROPS).to(dropRoom(update.dropId)).emit("stockUpdated", update)),
    streamInterval("stockUpdated", dropAudience),
  );
  const purchases = new PurchaseAnnouncer(
    sentOn("purchaseCompleted", (event: PurchaseCompleted) => event.dropId, (event) => emitLocally({ rooms: [ALL_DROPS, dropRoom(event.dropId)], event: "purchaseCompleted", payload: event })),
    streamInterval("purchaseCompleted", dropAudience),
  );
  const queues = new PerDropCoalescer<QueueUpdated>(
    sentOn("queueUpdated", (update: QueueUpdated) => update.dropId, (update) => emitLocally({ rooms: [ALL_DROPS, dropRoom(update.dropId)], event: "queueUpdated", payload: update })),
    { keyOf: (update) => update.dropId, intervalMs: streamInterval("queueUpdated", dropAudience) },
  );
  // dropUpdated reaches every socket, watching or not. Views from other processes can arrive out of
  // order: an older version never replaces a newer one (pages order the views by `version` too).
  const drops = new PerDropCoalescer<PublicDrop>(
    sentOn("dropUpdated", (drop: PublicDrop) => drop.id, (drop) => emitLocally({ rooms: [], event: "dropUpdated", payload: drop })),
    {
      keyOf: (drop) => drop.id,
      intervalMs: streamInterval("dropUpdated", () => io.of("/").sockets.size),
      isStale: (drop, { queued, sent }) => drop.version < Math.max(queued?.version ?? -Infinity, sent?.version ?? -Infinity),
    },
  );
  /** Broadcast events, by name, as this process schedules them for its own sockets (from here or from the bus). */
  const broadcasts = new Map<string, (payload: unknown) => void>([
    ["purchaseCompleted", (payload) => purchases.push(payload as PurchaseCompleted)],
    ["queueUpdated", (payload) => queues.push(payload as QueueUpdated)],
    ["dropUpdated", (payload) => drops.push(payload as PublicDrop)],
  ]);
  const bus = options.adapterPool ? new EventBus((batch) => io.serverSideEmit("bus", batch)) : undefined;
  // No rooms: every socket of this process, watching or not.
  const emitLocally = ({ rooms, event, payload }: RoomEmit) =>
    ((rooms.length > 0 ? io.local.to(rooms) : io.local) as unknown as { emit(event: string, payload: unknown): void }).emit(event, payload);
  const emit = <E extends keyof ServerToClientEvents>(rooms: string[], event: E, payload: Parameters<ServerToClientEvents[E]>[0]) => {
    const message = { rooms, event, payload };
    const broadcast = broadcasts.get(event);
    if (broadcast) broadcast(payload);
    else emitLocally(message);
    bus?.pushEmit(message);
  };
  io.on("bus", (batch) => {
    for (const change of batch.stock) {
      options.onRemoteStock?.(change);
      stock.push(change.update);
    }
    for (const message of batch.emits) {
      const broadcast = broadcasts.get(message.event);
      if (broadcast) broadcast(message.payload);
      else emitLocally(message);
    }
  });

  const notifier: Notifier = {
    stockChanged(change) {
      stock.push(change.update);
      bus?.pushStock(change);
    },
    reservationChanged(userId, reservation) {
      const rooms = [shopperRoom(userId)];
      emit(rooms, "reservationUpdated", { reservation });
      if (reservation.status === "expired") emit(rooms, "reservationExpired", { reservationId: reservation.id, dropId: reservation.dropId });
    },
    purchaseCompleted: (event) => emit([ALL_DROPS, dropRoom(event.dropId)], "purchaseCompleted", event),
    dropCreated: (drop) => emit([], "dropCreated", drop),
    dropUpdated: (drop) => emit([], "dropUpdated", drop),
    queueUpdated: (update) => emit([ALL_DROPS, dropRoom(update.dropId)], "queueUpdated", update),
    queueAdmitted: (userId, admitted) => emit([shopperRoom(userId)], "queueAdmitted", admitted),
    purchaseUpdated: (userId, purchase) => emit([shopperRoom(userId)], "purchaseUpdated", { purchase }),
    preorderUpdated: (userId, preorder) => emit([shopperRoom(userId)], "preorderUpdated", { preorder }),
  };

  return {
    io,
    notifier,
    announceLocally: (change) => stock.push(change.update),
    fanout,
    async close() {
      purchases.flushAll();
      queues.flushAll();
      drops.flushAll();
      bus?.flush();
      stock.flushAll();
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      }).catch((error) => logger.warn({ event: "io.close_failed", error }));
    },
  };
}

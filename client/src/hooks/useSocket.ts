import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { io, type Socket } from "socket.io-client";
import type { ServerToClientEvents } from "../api/types";
import { socketUrl } from "../config";

export type Connection = "connecting" | "live" | "reconnecting";

export type SocketHandlers = Partial<ServerToClientEvents> & {
  /** Every connect and reconnect: whatever happened while offline must be fetched again. */
  onConnect?: () => void;
};

const EVENTS: (keyof ServerToClientEvents)[] = [
  "stockUpdated",
  "purchaseCompleted",
  "dropCreated",
  "dropUpdated",
  "reservationExpired",
  "reservationUpdated",
];

/**
 * One Socket.IO connection for the page. With a shopper token it joins the
 * shopper's private room (reservationExpired / reservationUpdated); a new
 * token means a new connection.
 */
export function useSocket(token: string | null, handlers: SocketHandlers): Connection {
  // Tagged with the token of the socket it describes: a new token's socket starts out connecting.
  const [state, setState] = useState<{ token: string | null; connection: Connection }>({ token, connection: "connecting" });
  // Handlers change every render; the socket must not reconnect for that. Updated once the render commits.
  const handlersRef = useRef(handlers);
  useLayoutEffect(() => {
    handlersRef.current = handlers;
  });

  useEffect(() => {
    const options = {
      auth: token ? { token } : {},
      reconnectionDelayMax: 5_000,
      // WebSocket first (no sticky sessions needed, lowest latency); long-polling when a
      // network blocks WebSockets.
      transports: ["websocket", "polling"],
    };
    const socket: Socket<ServerToClientEvents> = socketUrl ? io(socketUrl, options) : io(options);
    const setConnection = (connection: Connection) => setState({ token, connection });

    socket.on("connect", () => {
      setConnection("live");
      handlersRef.current.onConnect?.();
    });
    socket.on("disconnect", (reason) => {
      setConnection("reconnecting");
      // The server closing us is the one case socket.io does not retry by itself.
      if (reason === "io server disconnect") socket.connect();
    });
    socket.on("connect_error", () => setConnection("reconnecting"));
    for (const event of EVENTS) {
      const forward = (payload: unknown) => {
        // The event map is compile-time only; a payload that is not even an object is dropped.
        if (typeof payload !== "object" || payload === null) return;
        (handlersRef.current[event] as ((payload: unknown) => void) | undefined)?.(payload);
      };
      socket.on(event, forward as never);
    }
    return () => {
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [token]);

  return state.token === token ? state.connection : "connecting";
}

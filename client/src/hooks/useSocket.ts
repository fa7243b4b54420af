import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { io, type Socket } from "socket.io-client";
import type { ServerToClientEvents } from "../api/types";
import { socketUrl } from "../config";
import { payloadGate } from "../lib/payload-gate";

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
  "queueUpdated",
  "queueAdmitted",
  "purchaseUpdated",
  "preorderUpdated",
];

/**
 * One Socket.IO connection for the page. With a shopper token it joins the
 * shopper's private room (reservationExpired / reservationUpdated /
 * queueAdmitted / purchaseUpdated / preorderUpdated); a new
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
    // The event map is compile-time only: payloads reach the handlers through the schema check.
    const gate = payloadGate((event, payload) => (handlersRef.current[event] as ((payload: unknown) => void) | undefined)?.(payload));
    for (const event of EVENTS) socket.on(event, ((payload: unknown) => gate.push(event, payload)) as never);
    return () => {
      gate.close();
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [token]);

  return state.token === token ? state.connection : "connecting";
}

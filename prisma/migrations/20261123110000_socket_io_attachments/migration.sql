-- @socket.io/postgres-adapter: a NOTIFY payload is limited to 8,000 bytes, so a
-- larger message between server processes is stored here and only its id is
-- sent. The adapter deletes rows older than 30 s itself.
CREATE TABLE "socket_io_attachments" (
  "id" BIGSERIAL UNIQUE,
  "created_at" TIMESTAMPTZ DEFAULT now(),
  "payload" BYTEA
);

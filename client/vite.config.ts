import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { compression } from "vite-plugin-compression2";

// `npm run dev -w client` next to `npm run dev` (server on 3001): same-origin calls through the proxy.
const server = "http://localhost:3001";

export default defineConfig({
  plugins: [
    react(),
    tailwindcss(),
    // .br and .gz beside every built asset: the server sends these as they are, so a page
    // load on drop day costs no compression work (see server/src/http/app.ts).
    compression({ algorithms: ["brotliCompress", "gzip"], include: /\.(js|css|svg)$/, threshold: 0 }),
  ],
  // The socket payload schemas are bundled from server/src, whose files import zod: resolve it
  // from the client's own install, so the build does not depend on where the server's copy lives.
  resolve: { dedupe: ["zod"] },
  server: {
    proxy: {
      "/api": server,
      "/socket.io": { target: server, ws: true },
    },
  },
});

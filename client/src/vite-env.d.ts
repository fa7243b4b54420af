/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The server's origin in a split deploy, e.g. https://dropline-api.onrender.com (no /api). */
  readonly VITE_API_URL?: string;
  /** Socket.IO origin when it differs from VITE_API_URL. */
  readonly VITE_SOCKET_URL?: string;
  /** "false" hides the simulated provider's test cards (a build for a real payment provider). */
  readonly VITE_SIMULATED_PAYMENTS?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}

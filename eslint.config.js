// One lint for the whole repository (npm run lint; npm test runs it first).
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig([
  globalIgnores(["**/dist/", "**/node_modules/", "server/src/generated/", "test-results/", "bench/results/"]),

  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a value left unused on purpose (an Express error handler's `next`), and
      // `{ dropped, ...rest }` is how a few fields are left out of an object.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // A `let` that a closure refers to before its one assignment (a request listener bound to an app made later) stays `let`.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },

  // The server, its tests, the benchmarks and scripts run in Node.
  {
    files: ["server/**/*.{ts,mjs,js}", "client/test/**/*.ts", "bench/**/*.mjs", "scripts/**/*.mjs", "*.{js,ts,mjs}", "client/*.{js,ts,mjs}"],
    languageOptions: { globals: globals.node },
  },

  // The browser app, and the rules of hooks for its components.
  {
    files: ["client/src/**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser },
  },
  { files: ["client/src/**/*.{ts,tsx}"], ...reactHooks.configs.flat.recommended },
]);

// Imported first by every entry point (the server and each command-line tool), before any module
// that reads process.env at import time (log.ts reads LOG_LEVEL).
//
// `.env` in the folder the command runs in (the project root for `npm start` and `npm run ...`)
// is read with Node's own parser. Node never overwrites a variable that is already set, even to an
// empty string: the real environment wins over the file, so `PORT=4000 npm start` beats PORT in
// .env. Server processes under WEB_CONCURRENCY inherit the primary's environment, file included.
// No file, no change: platforms set their variables in their dashboard.

import { errorMessage } from "./errors.js";

const file = ".env";

try {
  process.loadEnvFile(file);
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
    process.stderr.write(`Could not read ${file} in ${process.cwd()}: ${errorMessage(error)}\n`);
    process.exit(2);
  }
}

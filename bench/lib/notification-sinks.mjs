// The receiving end of the server's notifications, for ticketdrop-checkout, in
// a process of its own (forked by the harness, so its CPU is not the load
// generator's): an SMTP server (smtp-server, no TLS, no auth) that accepts every
// message, and an HTTP server standing in for the SMS gateway webhook (POST
// JSON {to, body}, answered 200). Both count what they receive, by Message-ID
// and by Idempotency-Key, so a message delivered twice shows up as a duplicate.
//
// IPC: sends {type: "ready", smtpUrl, smsUrl} once listening; answers
// {cmd: "counts"} with {type: "counts", email, sms}.
import { createServer } from "node:http";
import { SMTPServer } from "smtp-server";

const wallNow = () => performance.timeOrigin + performance.now();

function tally() {
  const seen = new Map(); // id -> times received
  return {
    received: 0,
    firstAt: null,
    lastAt: null,
    add(id) {
      this.received++;
      this.firstAt ??= wallNow();
      this.lastAt = wallNow();
      seen.set(id, (seen.get(id) ?? 0) + 1);
    },
    counts() {
      let duplicates = 0;
      for (const n of seen.values()) duplicates += n - 1;
      return { received: this.received, distinct: seen.size, duplicates, firstAt: this.firstAt, lastAt: this.lastAt };
    },
  };
}

const email = tally();
const sms = tally();

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  // nodemailer opens a connection per message: many at once while the worker sends.
  maxClients: 10_000,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, " ");
      const messageId = /^Message-ID:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? `(none) ${email.received}`;
      email.add(messageId);
      callback();
    });
  },
});

const webhook = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    let ok = false;
    try {
      const message = JSON.parse(body);
      ok = typeof message.to === "string" && typeof message.body === "string";
    } catch {
      ok = false;
    }
    // A malformed request is answered 400 and not counted: the worker records it as a failed message.
    if (ok) sms.add(req.headers["idempotency-key"] ?? `(none) ${sms.received}`);
    res.writeHead(ok ? 200 : 400, { "content-type": "application/json" }).end(ok ? '{"ok":true}' : '{"ok":false}');
  });
});
webhook.keepAliveTimeout = 60_000;

const listen = (server, address) => new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(address().port)));
const smtpPort = await listen(smtp, () => smtp.server.address());
const smsPort = await listen(webhook, () => webhook.address());

process.on("message", (msg) => {
  if (msg.cmd === "counts") process.send({ type: "counts", email: email.counts(), sms: sms.counts() });
});
process.on("disconnect", () => process.exit(0));
process.send({ type: "ready", smtpUrl: `smtp://127.0.0.1:${smtpPort}`, smsUrl: `http://127.0.0.1:${smsPort}/sms` });

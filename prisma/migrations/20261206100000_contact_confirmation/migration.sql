-- A shopper's email and phone are confirmed before anything but a code is sent to them.
--
-- users.email and users.phone keep meaning "where messages go", and from here on
-- hold only addresses whose owner entered the code sent to them: every function
-- that queues a message to u.email / u.phone (dropline_complete_checkout,
-- dropline_release_lapsed, the pre-order reminders) stays right as written. An
-- address given and not yet confirmed waits in pending_email / pending_phone; a
-- shopper has one or the other per channel, never both.
ALTER TABLE "users" ADD COLUMN "pending_email" VARCHAR(254), ADD COLUMN "pending_phone" VARCHAR(16);

-- Addresses already here were typed in by whoever held the session and never
-- proved: anyone could name anyone's address (that is how order emails reached
-- strangers). They become pending, so nothing more goes to them until their
-- owner confirms; the shopper still sees the address, marked unconfirmed, and
-- asks for a code by setting it again.
UPDATE "users"
SET "pending_email" = "email", "email" = NULL, "pending_phone" = "phone", "phone" = NULL
WHERE "email" IS NOT NULL OR "phone" IS NOT NULL;

ALTER TABLE "users"
  ADD CONSTRAINT "users_one_email_check" CHECK ("email" IS NULL OR "pending_email" IS NULL),
  ADD CONSTRAINT "users_one_phone_check" CHECK ("phone" IS NULL OR "pending_phone" IS NULL);

-- One-time codes sent to an address. Only an HMAC of the code is kept (keyed
-- with the server's session secret, over the row's id and the code), so the
-- table alone does not give a code away, nor can six digits be looked up
-- without the key. A code is short-lived, used at most once, and takes a few
-- tries before it is spent.
--
-- purpose 'confirm' proves an address of the shopper user_id; 'sign_in' is
-- for signing in by a code sent to an address (user_id is then whoever holds
-- it, or none yet). The address the code went to is kept: a code only ever
-- confirms that address.
CREATE TABLE "contact_codes" (
  "id" UUID NOT NULL,
  "purpose" VARCHAR(16) NOT NULL,
  "channel" VARCHAR(8) NOT NULL,
  "address" VARCHAR(254) NOT NULL,
  "user_id" UUID,
  "code_hash" CHAR(64) NOT NULL,
  "tries" INTEGER NOT NULL DEFAULT 0,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "used_at" TIMESTAMPTZ(3),

  CONSTRAINT "contact_codes_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "contact_codes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE,
  CONSTRAINT "contact_codes_purpose_check" CHECK ("purpose" IN ('confirm', 'sign_in')),
  CONSTRAINT "contact_codes_channel_check" CHECK ("channel" IN ('email', 'sms')),
  CONSTRAINT "contact_codes_confirm_user_check" CHECK ("purpose" <> 'confirm' OR "user_id" IS NOT NULL),
  CONSTRAINT "contact_codes_tries_check" CHECK ("tries" >= 0)
);

-- A shopper's codes (one live per purpose and channel: a new one replaces the last).
CREATE INDEX "contact_codes_by_user" ON "contact_codes" ("user_id", "purpose", "channel");
-- An address's codes, whoever asked (sign-in looks codes up by address).
CREATE INDEX "contact_codes_by_address" ON "contact_codes" ("purpose", "channel", lower("address"));

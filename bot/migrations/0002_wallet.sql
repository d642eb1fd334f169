-- The wallet: accounts with a cached balance, an append-only coin ledger, purchase orders,
-- monthly budgets and parental locks. Invariants are enforced here, not only in code:
-- entries cannot be changed or deleted, a reference credits at most once, a balance never goes
-- below zero, and the cached balance moves with every entry in the same statement.

CREATE TABLE accounts (
    user_id    INTEGER PRIMARY KEY REFERENCES users (user_id),
    balance    INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE orders (
    order_id            INTEGER PRIMARY KEY,
    reference           TEXT    NOT NULL UNIQUE,        -- shown to users and support: RD-XXXXXXXX
    user_id             INTEGER NOT NULL REFERENCES users (user_id),
    package_id          TEXT,                           -- NULL for a custom amount
    coins               INTEGER NOT NULL CHECK (coins > 0),
    price_minor         INTEGER NOT NULL CHECK (price_minor > 0),  -- what is charged, minor units
    currency            TEXT    NOT NULL,               -- ISO 4217, or XTR for Telegram Stars
    local_price_minor   INTEGER NOT NULL CHECK (local_price_minor > 0),  -- the web price here
    local_currency      TEXT    NOT NULL,               -- the region's currency, for budgets
    method              TEXT    NOT NULL,
    region              TEXT    NOT NULL,
    state               TEXT    NOT NULL DEFAULT 'created' CHECK (state IN
                            ('created', 'invoiced', 'paid', 'credited', 'expired', 'failed', 'refunded')),
    created_at          INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    invoiced_at         INTEGER,
    paid_at             INTEGER,
    credited_at         INTEGER,
    expired_at          INTEGER,
    failed_at           INTEGER,
    refunded_at         INTEGER,
    payment_reference   TEXT UNIQUE,                    -- telegram charge id or external payment id
    failure_reason      TEXT,
    refund_reason       TEXT
) STRICT;
CREATE INDEX orders_by_user ON orders (user_id, created_at);
CREATE INDEX orders_open ON orders (state, expires_at) WHERE state IN ('created', 'invoiced');

CREATE TABLE ledger_entries (
    entry_id       INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES accounts (user_id),
    amount         INTEGER NOT NULL CHECK (amount <> 0),
    kind           TEXT    NOT NULL CHECK (kind IN ('recharge', 'debit', 'refund', 'adjustment')),
    reference_type TEXT    NOT NULL CHECK (reference_type IN
                       ('telegram_charge', 'external_payment', 'debit_key', 'refund_of', 'agent_action')),
    reference      TEXT    NOT NULL,
    order_id       INTEGER REFERENCES orders (order_id),
    actor          TEXT    NOT NULL,                    -- telegram, platform, user:ID, agent:ID, cli
    reason         TEXT,
    balance_after  INTEGER NOT NULL CHECK (balance_after >= 0),
    created_at     INTEGER NOT NULL,
    UNIQUE (reference_type, reference)
) STRICT;
CREATE INDEX ledger_by_user ON ledger_entries (user_id, entry_id);

CREATE TRIGGER ledger_entries_are_append_only_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are append-only');
END;

CREATE TRIGGER ledger_entries_are_append_only_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are append-only');
END;

CREATE TRIGGER ledger_entry_follows_balance BEFORE INSERT ON ledger_entries
WHEN NEW.balance_after IS NOT (SELECT balance FROM accounts WHERE user_id = NEW.user_id) + NEW.amount
BEGIN
    SELECT RAISE(ABORT, 'balance_after does not follow the account balance');
END;

CREATE TRIGGER ledger_entry_moves_balance AFTER INSERT ON ledger_entries
BEGIN
    UPDATE accounts SET balance = NEW.balance_after, updated_at = NEW.created_at
    WHERE user_id = NEW.user_id;
END;

CREATE TABLE budgets (
    user_id          INTEGER PRIMARY KEY REFERENCES users (user_id),
    amount_minor     INTEGER NOT NULL CHECK (amount_minor > 0),
    currency         TEXT    NOT NULL,
    updated_at       INTEGER NOT NULL,
    warned_80_month  TEXT,                              -- YYYY-MM of the last 80% warning
    warned_100_month TEXT                               -- YYYY-MM of the last 100% warning
) STRICT;

CREATE TABLE parental_locks (
    user_id              INTEGER PRIMARY KEY REFERENCES users (user_id),
    limit_minor          INTEGER NOT NULL CHECK (limit_minor >= 0),  -- per month; 0 blocks buying
    currency             TEXT    NOT NULL,
    pin_salt             BLOB    NOT NULL,
    pin_hash             BLOB    NOT NULL,
    pending_limit_minor  INTEGER CHECK (pending_limit_minor >= 0),  -- a raise, waiting
    pending_lift         INTEGER NOT NULL DEFAULT 0 CHECK (pending_lift IN (0, 1)),
    pending_effective_at INTEGER,
    failed_attempts      INTEGER NOT NULL DEFAULT 0,
    locked_until         INTEGER,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
) STRICT;

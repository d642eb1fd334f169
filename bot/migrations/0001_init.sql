-- Users as Telegram reports them, plus what they chose here.
CREATE TABLE users (
    user_id       INTEGER PRIMARY KEY,            -- Telegram user id
    first_name    TEXT    NOT NULL DEFAULT '',
    username      TEXT,
    language_code TEXT,                           -- as Telegram last reported it
    locale        TEXT,                           -- the user's explicit choice; NULL = negotiate
    region        TEXT,                           -- catalog region id the user chose
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    blocked       INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1))  -- user blocked the bot
) STRICT;

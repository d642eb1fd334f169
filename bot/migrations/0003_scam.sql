-- Scam shield: every check's verdict (for statistics), the evidence behind it, the reports users
-- file about sellers, and each group's watch setting.

-- One scanned message: every private one, and the group messages the bot acted on. The text and
-- the forward origin are kept only for flagged private checks, which a report may refer to;
-- everything else keeps just the verdict.
CREATE TABLE scam_checks (
    check_id       INTEGER PRIMARY KEY,
    source         TEXT    NOT NULL CHECK (source IN ('private', 'forwarded', 'group')),
    chat_id        INTEGER NOT NULL,
    user_id        INTEGER,                        -- who sent the message (NULL: a channel)
    verdict        TEXT    NOT NULL CHECK (verdict IN ('scam', 'suspicious', 'safe')),
    score          REAL    NOT NULL CHECK (score BETWEEN 0 AND 1),
    text           TEXT,
    forward_origin TEXT,                           -- JSON: who the forwarded message came from
    created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX scam_checks_by_time ON scam_checks (created_at);

-- The reasons of a check: a stable code and the words that showed it.
CREATE TABLE scam_check_reasons (
    check_id INTEGER NOT NULL REFERENCES scam_checks (check_id) ON DELETE CASCADE,
    code     TEXT    NOT NULL,
    evidence TEXT    NOT NULL,
    PRIMARY KEY (check_id, code)
) STRICT;

-- "Report this seller": the check holds the evidence, the forward origin and the verdict.
CREATE TABLE scam_reports (
    report_id   INTEGER PRIMARY KEY,
    check_id    INTEGER NOT NULL REFERENCES scam_checks (check_id),
    reporter_id INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (check_id, reporter_id)                 -- a second tap reports nothing twice
) STRICT;

-- What the bot does with scam offers posted in a group (no row: warn).
CREATE TABLE scam_group_watch (
    chat_id    INTEGER PRIMARY KEY,
    mode       TEXT    NOT NULL CHECK (mode IN ('warn', 'delete', 'off')),
    locale     TEXT    NOT NULL,                   -- the language of the group's warnings
    updated_by INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Support: tickets handed from the bot to people in the staff forum, every transition as an event,
-- the pairs of relayed messages (so edits and replies find their copy), ratings, bans, the
-- lobby message, and the last messages of each user's conversation with the bot (the context
-- card shows them to agents).

CREATE TABLE support_tickets (
    ticket_id          INTEGER PRIMARY KEY,              -- shown to users and agents as #N
    user_id            INTEGER NOT NULL REFERENCES users (user_id),
    state              TEXT    NOT NULL CHECK (state IN ('queued', 'assigned', 'resolved')),
    reason             TEXT    NOT NULL,                 -- handoff reason code: paysupport, faq, ...
    previous_ticket_id INTEGER REFERENCES support_tickets (ticket_id),  -- a follow-up of
    agent_id           INTEGER,                          -- the assignee (Telegram user id)
    agent_name         TEXT,
    topic_id           INTEGER,                          -- message_thread_id; NULL until created
    card_message_id    INTEGER,
    created_at         INTEGER NOT NULL,
    queued_at          INTEGER NOT NULL,                 -- when it last entered the queue
    assigned_at        INTEGER,
    first_response_at  INTEGER,                          -- first agent message the user received
    resolved_at        INTEGER,
    last_activity_at   INTEGER NOT NULL,
    sla_pinged_at      INTEGER,
    resolution         TEXT CHECK (resolution IN ('agent', 'user', 'auto', 'banned')),
    close_reason       TEXT,
    CHECK ((state = 'resolved') = (resolved_at IS NOT NULL)),
    CHECK ((state = 'assigned') <= (agent_id IS NOT NULL))
) STRICT;
-- A user has at most one open ticket: the second of two racing handoffs fails here.
CREATE UNIQUE INDEX support_one_open_ticket ON support_tickets (user_id) WHERE state <> 'resolved';
CREATE INDEX support_tickets_by_user ON support_tickets (user_id, ticket_id);
CREATE INDEX support_tickets_by_topic ON support_tickets (topic_id, ticket_id);
CREATE INDEX support_tickets_open ON support_tickets (state, queued_at) WHERE state <> 'resolved';
CREATE INDEX support_tickets_resolved ON support_tickets (resolved_at) WHERE state = 'resolved';

CREATE TABLE support_events (
    event_id   INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES support_tickets (ticket_id),
    kind       TEXT    NOT NULL,                          -- opened, claimed, note, refund, ...
    from_state TEXT CHECK (from_state IN ('bot', 'queued', 'assigned', 'resolved')),
    to_state   TEXT CHECK (to_state IN ('bot', 'queued', 'assigned', 'resolved')),
    actor      TEXT    NOT NULL,                          -- user:ID, agent:ID, system
    detail     TEXT,
    created_at INTEGER NOT NULL,
    CHECK ((from_state IS NULL) = (to_state IS NULL))
) STRICT;
CREATE INDEX support_events_by_ticket ON support_events (ticket_id, event_id);

CREATE TRIGGER support_events_are_append_only_update BEFORE UPDATE ON support_events
BEGIN
    SELECT RAISE(ABORT, 'support events are append-only');
END;

CREATE TRIGGER support_events_are_append_only_delete BEFORE DELETE ON support_events
BEGIN
    SELECT RAISE(ABORT, 'support events are append-only');
END;

-- in: a user's message (source, private chat) and its copy in the topic;
-- out: an agent's message (source, staff chat) and its copy in the user's chat.
CREATE TABLE support_message_pairs (
    pair_id           INTEGER PRIMARY KEY,
    ticket_id         INTEGER NOT NULL REFERENCES support_tickets (ticket_id),
    direction         TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    source_message_id INTEGER NOT NULL,
    copy_message_id   INTEGER,
    status            TEXT    NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'delivered', 'failed')),
    -- in: what agents see instead of the user's words when a code or card number was hidden
    -- (the text of a text message, the caption of a media message); NULL: copied as sent
    masked_text       TEXT,
    has_media         INTEGER NOT NULL DEFAULT 0 CHECK (has_media IN (0, 1)),
    reply_to          INTEGER,                          -- in the copy's chat: what it answers
    failure           TEXT,
    created_at        INTEGER NOT NULL,
    UNIQUE (ticket_id, direction, source_message_id),
    CHECK ((status = 'delivered') = (copy_message_id IS NOT NULL))
) STRICT;
CREATE INDEX support_pairs_by_source ON support_message_pairs (direction, source_message_id);
CREATE INDEX support_pairs_by_copy ON support_message_pairs (ticket_id, copy_message_id);
CREATE INDEX support_pairs_pending ON support_message_pairs (ticket_id, pair_id)
    WHERE status = 'pending';

CREATE TABLE support_ratings (
    ticket_id INTEGER PRIMARY KEY REFERENCES support_tickets (ticket_id),
    score     INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment   TEXT,
    rated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE support_bans (
    user_id   INTEGER PRIMARY KEY REFERENCES users (user_id),
    reason    TEXT    NOT NULL,
    banned_by INTEGER NOT NULL,
    banned_at INTEGER NOT NULL
) STRICT;

-- The queue overview the bot keeps in the staff chat's General topic.
CREATE TABLE support_lobby (
    chat_id    INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL
) STRICT;

-- The last messages between each user and the bot, masked; a handful per user, pruned as they
-- are written. role: user (a message), press (a button the user tapped), bot (a bot message the
-- user saw), support (an agent's message relayed to the user).
CREATE TABLE support_transcript (
    entry_id   INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    role       TEXT    NOT NULL CHECK (role IN ('user', 'press', 'bot', 'support')),
    text       TEXT    NOT NULL,
    at         INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX support_transcript_messages ON support_transcript (user_id, role, message_id)
    WHERE role <> 'press';
CREATE INDEX support_transcript_by_user ON support_transcript (user_id, at, message_id);

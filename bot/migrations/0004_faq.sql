-- "Was this helpful?" votes on FAQ answers: one per user and entry; voting again replaces it.
CREATE TABLE faq_votes (
    user_id  INTEGER NOT NULL REFERENCES users (user_id),
    entry_id TEXT    NOT NULL,                          -- FAQ entry id (faq/entries.toml)
    locale   TEXT    NOT NULL,                          -- the language the answer was read in
    helpful  INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    voted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, entry_id)
) STRICT;

CREATE INDEX faq_votes_by_entry ON faq_votes (entry_id);

-- Every answer in the myth-or-reality quiz: which statements people get wrong.
CREATE TABLE faq_quiz_answers (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (user_id),
    entry_id    TEXT    NOT NULL,                       -- the myth entry
    statement   TEXT    NOT NULL CHECK (statement IN ('myth', 'reality')),  -- which one was shown
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at INTEGER NOT NULL
) STRICT;

CREATE INDEX faq_quiz_answers_by_user ON faq_quiz_answers (user_id);

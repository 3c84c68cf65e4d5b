-- Seat PINs: a seat taken at first join gets a short PIN, shown to the trainee once and on
-- the instructor's seat list; rejoining the seat needs it (or the instructor frees the seat).
ALTER TABLE seats ADD COLUMN pin TEXT;
ALTER TABLE seats ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0;
-- the name was typed at joining, not the roster's (freeing the seat clears it)
ALTER TABLE seats ADD COLUMN name_typed INTEGER NOT NULL DEFAULT 0 CHECK (name_typed IN (0, 1));
-- Seats taken before PINs existed get one now: their trainees never saw it, so rejoining
-- needs the instructor (who reads it from the seat list, or unlocks the seat). Without it,
-- anyone typing the name would take the seat.
UPDATE seats SET pin = printf('%04d', abs(random() % 10000)) WHERE joined_at IS NOT NULL;

-- Attempts limited per person or per client address (join codes, bureau logins, demo
-- sandboxes, lab starts): one row per counted attempt, counted and written in the same
-- transaction. Rows older than a day are pruned.
CREATE TABLE rate_events (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    at TEXT NOT NULL
) STRICT;
CREATE INDEX rate_events_by_key ON rate_events (kind, key, at);

-- Each demo visitor gets a tenant of their own, made when they enter; these rows mark the
-- trainees who are demo visitors, so those idle long enough (no trace in their tenants) are
-- removed with their tenants.
CREATE TABLE demo_visitors (
    trainee_id INTEGER PRIMARY KEY REFERENCES trainees(id) ON DELETE CASCADE,
    ip TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- A tenant whose business data was removed (an abandoned attempt's, or a lab tenant a
-- seat never used): its row and its trace stay for the reports.
ALTER TABLE tenants ADD COLUMN pruned_at TEXT;
CREATE INDEX attempts_unfinished ON attempts (started_at) WHERE finished_at IS NULL;

-- /healthz writes here: the database answers only if it can also be written.
CREATE TABLE health (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at TEXT NOT NULL
) STRICT;

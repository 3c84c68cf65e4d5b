-- Labs: a trainee's attempt at a lab runs in a tenant of its own, generated from the lab's
-- setup; faults make that tenant's bureau misbehave.

CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    trainee_id INTEGER NOT NULL REFERENCES trainees(id) ON DELETE CASCADE,
    lab_id TEXT NOT NULL,
    -- the digest of the lab file it was started on (a regrade may use a fixed version)
    lab_digest TEXT NOT NULL,
    pack_id TEXT,
    mode TEXT NOT NULL CHECK (mode IN ('practice', 'exam')),
    -- NULL only while its tenant is being generated
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE SET NULL,
    started_at TEXT NOT NULL,
    -- exam mode: when time runs out
    deadline_at TEXT,
    finished_at TEXT,
    -- JSON: the lab's placeholders and files for this attempt (setup::Materials)
    materials TEXT NOT NULL DEFAULT '{}',
    -- JSON array of [step, hint] opened, in order
    hints TEXT NOT NULL DEFAULT '[]',
    checks_run INTEGER NOT NULL DEFAULT 0,
    -- the latest grade (JSON) and its score
    grade TEXT,
    score INTEGER,
    passed INTEGER
) STRICT;

CREATE INDEX attempts_by_trainee ON attempts(trainee_id, id);

-- The attempt the trainee is working in (the portal shows its tenant), if any.
ALTER TABLE trainees ADD COLUMN current_attempt INTEGER REFERENCES attempts(id) ON DELETE SET NULL;

CREATE TABLE faults (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    -- JSON: the fault as a lab file states it
    params TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT,
    -- how many more times a counted fault (sms_delay) strikes; NULL: uncounted
    remaining INTEGER
) STRICT;

CREATE INDEX faults_by_tenant ON faults(tenant_id);

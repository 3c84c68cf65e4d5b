-- The sandbox's own users, separate from the simulated bureau inside a tenant: a trainee
-- works in one tenant, and a sandbox session says which trainee a browser or API client is.
-- Leaving the simulated bureau (its logout) does not end the sandbox session.

CREATE TABLE trainees (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- 'demo': the trainee `serve` provides until a classroom exists; 'class': a seat
    kind TEXT NOT NULL CHECK (kind IN ('demo', 'class')),
    created_at TEXT NOT NULL
) STRICT;

CREATE INDEX trainees_by_tenant ON trainees(tenant_id);

CREATE TABLE sandbox_sessions (
    token TEXT PRIMARY KEY,
    trainee_id INTEGER NOT NULL REFERENCES trainees(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX sandbox_sessions_by_trainee ON sandbox_sessions(trainee_id);

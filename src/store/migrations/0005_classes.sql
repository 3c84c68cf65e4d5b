-- Classrooms: sandbox staff accounts (admin, instructor, assistant), classes with their
-- seats, and the audit log (操作日志) of sandbox and instructor actions.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'instructor', 'assistant')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
) STRICT;

-- A browser login to the console, or an API token for scripts.
CREATE TABLE user_sessions (
    token TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('browser', 'api')),
    created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE classes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    pack_id TEXT NOT NULL,
    class_seed INTEGER NOT NULL,
    seats INTEGER NOT NULL CHECK (seats > 0),
    join_code TEXT NOT NULL UNIQUE,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    state TEXT NOT NULL CHECK (state IN ('ready', 'running', 'paused', 'ended')),
    starts_at TEXT,
    ends_at TEXT,
    created_at TEXT NOT NULL,
    launched_at TEXT,
    -- how long provisioning the seats took
    launch_ms INTEGER,
    -- the latest broadcast (课堂通知) every trainee of the class sees
    notice TEXT NOT NULL DEFAULT '',
    -- exam mode: joining (and the switch itself) starts the pack as a timed exam
    exam INTEGER NOT NULL DEFAULT 0 CHECK (exam IN (0, 1))
) STRICT;

CREATE TABLE seats (
    id INTEGER PRIMARY KEY,
    class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    seat_no INTEGER NOT NULL,
    -- from the roster, or what the trainee typed when joining
    name TEXT NOT NULL DEFAULT '',
    student_no TEXT NOT NULL DEFAULT '',
    trainee_id INTEGER NOT NULL REFERENCES trainees(id) ON DELETE CASCADE,
    joined_at TEXT,
    UNIQUE (class_id, seat_no)
) STRICT;

CREATE INDEX seats_by_trainee ON seats(trainee_id);

-- 举手: a trainee asks for help; the dashboard shows it until the instructor marks it done.
CREATE TABLE help_requests (
    id INTEGER PRIMARY KEY,
    class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    trainee_id INTEGER NOT NULL REFERENCES trainees(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    resolved_at TEXT
) STRICT;

CREATE INDEX help_by_class ON help_requests(class_id, resolved_at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    -- 'user:<id>', 'trainee:<id>' or 'system'
    actor TEXT NOT NULL,
    class_id INTEGER,
    tenant_id INTEGER,
    ip TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
) STRICT;

CREATE INDEX audit_by_class ON audit_log(class_id, id);

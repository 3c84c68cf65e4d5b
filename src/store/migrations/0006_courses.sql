-- Self-paced courses (自学课程): an instructor opens a course for a lab pack; anyone with
-- the enrolment link registers with a password, gets a tenant of their own and comes back
-- on later days by signing in. Classes gain a schedule (already in 0005) and assistants.

-- trainees.kind gains 'course'. SQLite cannot change a CHECK constraint, so the table is
-- rebuilt; foreign keys are off while migrating, so nothing that refers to it cascades.
CREATE TABLE trainees_new (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- 'demo': the demo trainee; 'class': a seat in a class; 'course': a course learner
    kind TEXT NOT NULL CHECK (kind IN ('demo', 'class', 'course')),
    created_at TEXT NOT NULL,
    current_attempt INTEGER REFERENCES attempts(id) ON DELETE SET NULL
) STRICT;

INSERT INTO trainees_new (id, tenant_id, name, kind, created_at, current_attempt)
    SELECT id, tenant_id, name, kind, created_at, current_attempt FROM trainees;
DROP TABLE trainees;
ALTER TABLE trainees_new RENAME TO trainees;
CREATE INDEX trainees_by_tenant ON trainees(tenant_id);

CREATE TABLE courses (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    pack_id TEXT NOT NULL,
    course_seed INTEGER NOT NULL,
    -- the enrolment link is /course/<code>
    enrol_code TEXT NOT NULL UNIQUE,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    -- 1 while new learners may register (signed-up learners can always sign in)
    open INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1)),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE learners (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    -- 1, 2, 3… in order of registering: the learner's seat in the course's data
    no INTEGER NOT NULL,
    -- what they sign in with (student number, e-mail…), unique within the course
    login TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    trainee_id INTEGER NOT NULL UNIQUE REFERENCES trainees(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    -- the completion record (结业记录), once every lab of the pack is passed
    completed_at TEXT,
    completion_no TEXT UNIQUE,
    UNIQUE (course_id, no),
    UNIQUE (course_id, login)
) STRICT;

-- Assistants help run a class: they see its dashboard and rescue trainees.
CREATE TABLE class_assistants (
    class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (class_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX assistants_by_user ON class_assistants(user_id);

-- Rate limits count recent audit entries by action.
CREATE INDEX audit_by_action ON audit_log(action, at);

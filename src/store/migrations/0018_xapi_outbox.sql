-- Statements for a learning record store (`serve --lrs-endpoint`): whose learning records
-- changed since they were last turned into statements (kept by triggers, so every path that
-- starts or ends a lab attempt or hands in a test is covered), and the outbox of statements,
-- each kept until the LRS has it; a sent statement keeps its id (nothing is sent twice) and
-- drops its body.

CREATE TABLE xapi_dirty (
    trainee_id INTEGER PRIMARY KEY REFERENCES trainees(id) ON DELETE CASCADE,
    -- bumped at every change, so a change made while statements were being built is kept
    generation INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TRIGGER xapi_attempt_started AFTER INSERT ON attempts BEGIN
    INSERT INTO xapi_dirty (trainee_id) VALUES (NEW.trainee_id)
        ON CONFLICT (trainee_id) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER xapi_attempt_finished AFTER UPDATE OF finished_at, score, passed ON attempts BEGIN
    INSERT INTO xapi_dirty (trainee_id) VALUES (NEW.trainee_id)
        ON CONFLICT (trainee_id) DO UPDATE SET generation = generation + 1;
END;

CREATE TRIGGER xapi_test_handed_in AFTER UPDATE OF finished_at, score ON test_attempts BEGIN
    INSERT INTO xapi_dirty (trainee_id) VALUES (NEW.trainee_id)
        ON CONFLICT (trainee_id) DO UPDATE SET generation = generation + 1;
END;

-- records made before this migration are sent too
INSERT INTO xapi_dirty (trainee_id)
    SELECT trainee_id FROM attempts UNION SELECT trainee_id FROM test_attempts;

CREATE TABLE xapi_outbox (
    id INTEGER PRIMARY KEY,
    statement_id TEXT NOT NULL UNIQUE,
    -- whose statement it is, for the report's count (no foreign key: a deleted class's
    -- statements are still owed to the LRS)
    class_id INTEGER,
    course_id INTEGER,
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    next_try_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'refused')),
    done_at TEXT,
    last_error TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX xapi_outbox_due ON xapi_outbox (state, next_try_at) WHERE state = 'queued';
CREATE INDEX xapi_outbox_of_class ON xapi_outbox (class_id, state) WHERE class_id IS NOT NULL;
CREATE INDEX xapi_outbox_of_course ON xapi_outbox (course_id, state) WHERE course_id IS NOT NULL;

-- 跟踪回访: a follow-up the instructor schedules some days after the class (or from now, for
-- a course): a short self-report — how often the trainee now uses the e-tax bureau, and
-- their confidence per task now and, looking back, before the training — and a retention
-- lab from the pack. It shows to the trainee once due, on the server's clock.
CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    class_id INTEGER REFERENCES classes(id) ON DELETE CASCADE,
    course_id INTEGER REFERENCES courses(id) ON DELETE CASCADE,
    days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 365),
    due_at TEXT NOT NULL,
    -- the retention lab (a lab of the pack)
    lab_id TEXT NOT NULL,
    open INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1)),
    created_at TEXT NOT NULL,
    CHECK ((class_id IS NULL) <> (course_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX follow_ups_of_class ON follow_ups (class_id) WHERE class_id IS NOT NULL;
CREATE UNIQUE INDEX follow_ups_of_course ON follow_ups (course_id) WHERE course_id IS NOT NULL;

CREATE TABLE follow_up_reports (
    follow_up_id INTEGER NOT NULL REFERENCES follow_ups(id) ON DELETE CASCADE,
    trainee_id INTEGER NOT NULL REFERENCES trainees(id) ON DELETE CASCADE,
    -- how often the trainee uses the e-tax bureau now
    usage TEXT NOT NULL CHECK (usage IN ('never', 'monthly', 'weekly', 'daily')),
    -- JSON: {"<task>": [before, now]}, each 1–5
    confidence TEXT NOT NULL CHECK (json_valid(confidence) AND length(confidence) <= 2000),
    answered_at TEXT NOT NULL,
    PRIMARY KEY (follow_up_id, trainee_id)
) STRICT, WITHOUT ROWID;

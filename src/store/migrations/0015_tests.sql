-- 课后测试: a class's or a course's pre-test and post-test from a question bank
-- (scenarios/quizzes), each trainee's papers (the questions in the order shown, each with
-- its choices' order) and every answer marked, for the evaluation report.
CREATE TABLE tests (
    id INTEGER PRIMARY KEY,
    class_id INTEGER REFERENCES classes(id) ON DELETE CASCADE,
    course_id INTEGER REFERENCES courses(id) ON DELETE CASCADE,
    phase TEXT NOT NULL CHECK (phase IN ('pre', 'post')),
    bank_id TEXT NOT NULL,
    -- the parallel form asked: 'a', 'b' or 'all'
    form TEXT NOT NULL CHECK (form IN ('a', 'b', 'all')),
    minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 180),
    attempts_allowed INTEGER NOT NULL CHECK (attempts_allowed BETWEEN 1 AND 10),
    open INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1)),
    created_at TEXT NOT NULL,
    CHECK ((class_id IS NULL) <> (course_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX tests_of_class ON tests (class_id, phase) WHERE class_id IS NOT NULL;
CREATE UNIQUE INDEX tests_of_course ON tests (course_id, phase) WHERE course_id IS NOT NULL;

CREATE TABLE test_attempts (
    id INTEGER PRIMARY KEY,
    test_id INTEGER NOT NULL REFERENCES tests(id) ON DELETE CASCADE,
    trainee_id INTEGER NOT NULL REFERENCES trainees(id) ON DELETE CASCADE,
    no INTEGER NOT NULL CHECK (no >= 1),
    started_at TEXT NOT NULL,
    deadline_at TEXT NOT NULL,
    finished_at TEXT,
    -- JSON: [{"question": id, "order": [choice indexes as shown]}]
    paper TEXT NOT NULL,
    total INTEGER NOT NULL,
    -- right answers, once handed in
    score INTEGER,
    UNIQUE (test_id, trainee_id, no)
) STRICT;
CREATE INDEX test_attempts_by_trainee ON test_attempts (trainee_id, test_id);

CREATE TABLE test_answers (
    attempt_id INTEGER NOT NULL REFERENCES test_attempts(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    -- JSON (labs::quiz::Given), or null when left blank
    given TEXT,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    PRIMARY KEY (attempt_id, question_id)
) STRICT, WITHOUT ROWID;

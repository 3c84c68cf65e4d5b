-- 满意度调查: a class's or course's satisfaction survey (five items on a 5-point scale, the
-- 0–10 recommendation question, a free comment). When it is anonymous a response carries
-- no trainee: who has answered is kept apart (survey_done, in no order) so nobody answers
-- twice and nothing links a person to their answers; an anonymous response keeps only its
-- day.
CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    class_id INTEGER REFERENCES classes(id) ON DELETE CASCADE,
    course_id INTEGER REFERENCES courses(id) ON DELETE CASCADE,
    anonymous INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    open INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1)),
    created_at TEXT NOT NULL,
    CHECK ((class_id IS NULL) <> (course_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX surveys_of_class ON surveys (class_id) WHERE class_id IS NOT NULL;
CREATE UNIQUE INDEX surveys_of_course ON surveys (course_id) WHERE course_id IS NOT NULL;

CREATE TABLE survey_responses (
    id INTEGER PRIMARY KEY,
    survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    -- null when the survey is anonymous
    trainee_id INTEGER REFERENCES trainees(id) ON DELETE SET NULL,
    content INTEGER NOT NULL CHECK (content BETWEEN 1 AND 5),
    instructor INTEGER NOT NULL CHECK (instructor BETWEEN 1 AND 5),
    environment INTEGER NOT NULL CHECK (environment BETWEEN 1 AND 5),
    usefulness INTEGER NOT NULL CHECK (usefulness BETWEEN 1 AND 5),
    pace INTEGER NOT NULL CHECK (pace BETWEEN 1 AND 5),
    recommend INTEGER NOT NULL CHECK (recommend BETWEEN 0 AND 10),
    comment TEXT NOT NULL CHECK (length(comment) <= 1000),
    -- a timestamp, or only the day when anonymous
    answered_at TEXT NOT NULL
) STRICT;
CREATE INDEX survey_responses_by_survey ON survey_responses (survey_id);

CREATE TABLE survey_done (
    survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    trainee_id INTEGER NOT NULL REFERENCES trainees(id) ON DELETE CASCADE,
    PRIMARY KEY (survey_id, trainee_id)
) STRICT, WITHOUT ROWID;

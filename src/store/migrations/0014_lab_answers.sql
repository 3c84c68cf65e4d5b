-- The task panel's questions (实操演练四): the trainee's latest answer to each, by topic.
ALTER TABLE attempts ADD COLUMN answers TEXT NOT NULL DEFAULT '{}'
    CHECK (json_valid(answers) AND length(answers) <= 4000);

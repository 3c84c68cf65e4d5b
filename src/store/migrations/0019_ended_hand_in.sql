-- Ending a class hands in every attempt still running: the unfinished attempts are found by
-- this index without reading the finished ones.
CREATE INDEX attempts_unfinished_by_trainee ON attempts (trainee_id) WHERE finished_at IS NULL;

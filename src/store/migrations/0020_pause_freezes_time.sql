-- Pausing a class freezes its exam time: when it paused, so resuming can move every exam
-- deadline still ahead at that moment by the length of the pause.
ALTER TABLE classes ADD COLUMN paused_at TEXT;

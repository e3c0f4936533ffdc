-- What the participant submitted, kept with the task so a used link can show it read-only.
ALTER TABLE tasks ADD COLUMN answer jsonb;

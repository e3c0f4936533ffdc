-- Where each pair's goals stand (domain.pair_rules.GoalsState): awaited, proposed, declined,
-- disputed, confirmed or missing, so the dashboard can tell a pair whose mentor sent the goals
-- back from one whose goals are agreed.
ALTER TABLE rm_pairs ADD COLUMN goals_state text NOT NULL DEFAULT 'awaited';

-- Existing rows would keep 'awaited' whatever their goals: fold the whole log again on the next
-- catch-up (every read model comes out identical, as any rebuild does, with the new column set).
TRUNCATE rm_programmes, rm_pairs, rm_sessions, rm_tasks, rm_surveys;
UPDATE projection_checkpoints SET position = 0, updated_at = now();

-- Participants who accepted the charter before their first meeting (OnboardingAccepted events):
-- the dashboard's funnel. Programmes projected before it counted none: they had no onboarding.
ALTER TABLE rm_programmes ADD COLUMN onboarded integer NOT NULL DEFAULT 0;

-- GDPR erasure (art. 17) redacts the free texts a person typed, in the events of their streams.
-- The log stays append-only for everything else: an UPDATE is refused unless the transaction
-- declared itself an erasure (SET LOCAL tandem.erasure = 'on', store/personal_data.py), and even
-- then it may change nothing but `data`. DELETE stays refused.
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('tandem.erasure', true) = 'on'
       AND NEW.position = OLD.position
       AND NEW.event_id = OLD.event_id
       AND NEW.stream_name = OLD.stream_name
       AND NEW.stream_position = OLD.stream_position
       AND NEW.type = OLD.type
       AND NEW.schema_version = OLD.schema_version
       AND NEW.metadata = OLD.metadata
       AND NEW.recorded_at = OLD.recorded_at THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

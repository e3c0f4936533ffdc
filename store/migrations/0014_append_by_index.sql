-- Appending without scanning the log (store/events.py). The function of migration 0006 looked up
-- the ids already stored with anti-joins against `unnest(p_ids)`. PL/pgSQL keeps a session's plan
-- of each query, made while the log was small: a hash join over a sequential scan of `events`,
-- kept as the log grew (until the next ANALYZE), three scans of the whole table per append. Each
-- append now reads the ids it carries once, by the unique index on `event_id` (`= ANY`), and every
-- later check uses the array it got. Same arguments, same results, same errors.

CREATE OR REPLACE FUNCTION tandem_append_events(
    p_ids uuid[],
    p_streams text[],
    p_types text[],
    p_schema_versions integer[],
    p_data text[],
    p_metadata text[],
    p_expected bigint  -- -2: any version; otherwise the single stream's current version
) RETURNS TABLE (out_id uuid, out_position bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_known uuid[];  -- the ids of this append already stored (a retried append)...
    v_known_positions bigint[];  -- ...and their positions, in the same order
    v_actual bigint;
BEGIN
    -- Serialises appends until commit, so position order is commit order ("tandem-e").
    PERFORM pg_advisory_xact_lock(8386105358618013029);

    SELECT coalesce(array_agg(e.event_id), '{}'), coalesce(array_agg(e.position), '{}')
    INTO v_known, v_known_positions
    FROM events e WHERE e.event_id = ANY (p_ids);

    -- A batch stored whole before is a retry: it succeeds whatever the stream's version now.
    IF p_expected <> -2 AND NOT (p_ids <@ v_known) THEN
        SELECT coalesce(max(e.stream_position), -1) INTO v_actual
        FROM events e WHERE e.stream_name = p_streams[1];
        IF v_actual <> p_expected THEN
            RAISE EXCEPTION 'stream moved on' USING ERRCODE = 'TD001', DETAIL = v_actual::text;
        END IF;
    END IF;

    RETURN QUERY
    WITH input AS (
        SELECT t.id, t.stream, t.type, t.schema_version, t.data, t.metadata, t.ord
        FROM unnest(p_ids, p_streams, p_types, p_schema_versions, p_data, p_metadata)
             WITH ORDINALITY AS t(id, stream, type, schema_version, data, metadata, ord)
    ),
    fresh AS (  -- the first occurrence of each id not stored yet
        SELECT DISTINCT ON (i.id) i.*
        FROM input i
        WHERE i.id <> ALL (v_known)
        ORDER BY i.id, i.ord
    ),
    numbered AS (
        SELECT f.*,
               coalesce((SELECT max(e.stream_position) FROM events e
                         WHERE e.stream_name = f.stream), -1)
               + row_number() OVER (PARTITION BY f.stream ORDER BY f.ord) AS stream_position
        FROM fresh f
    ),
    inserted AS (
        -- ORDER BY ord: identity values follow input order, so within a stream
        -- stream_position and position agree.
        INSERT INTO events
            (event_id, stream_name, stream_position, type, schema_version, data, metadata)
        SELECT n.id, n.stream, n.stream_position, n.type, n.schema_version,
               n.data::jsonb, n.metadata::jsonb
        FROM numbered n ORDER BY n.ord
        RETURNING events.event_id, events.position
    )
    SELECT i.id, coalesce(ins.position, v_known_positions[array_position(v_known, i.id)])
    FROM input i
    LEFT JOIN inserted ins ON ins.event_id = i.id
    ORDER BY i.ord;
END;
$$;

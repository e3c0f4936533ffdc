-- Appending in one round trip (store/events.py): the append lock, skipping ids already stored,
-- numbering each stream and the optional expected-version check, all inside one statement.
-- Before, an append took six round trips (begin, lock, known ids, stream versions, insert,
-- commit), and every workflow step pays for one.

CREATE FUNCTION tandem_append_events(
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
    v_actual bigint;
BEGIN
    -- Serialises appends until commit, so position order is commit order ("tandem-e").
    PERFORM pg_advisory_xact_lock(8386105358618013029);

    IF p_expected <> -2 AND EXISTS (
        SELECT 1 FROM unnest(p_ids) AS i(id)
        WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = i.id)
    ) THEN
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
        WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = i.id)
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
    SELECT i.id, coalesce(ins.position, old.position)
    FROM input i
    LEFT JOIN inserted ins ON ins.event_id = i.id
    LEFT JOIN events old ON old.event_id = i.id
    ORDER BY i.ord;
END;
$$;

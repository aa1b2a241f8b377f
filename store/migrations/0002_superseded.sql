-- Revisions that a later revision replaced, found from its prev_id. Only
-- revised cells are indexed, so the index costs nothing on a first load, and
-- a scan of current figures can read observations in id order and skip
-- these instead of seeking every row through current.
CREATE INDEX observations_superseded ON observations(prev_id) WHERE prev_id IS NOT NULL;

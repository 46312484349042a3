-- Second database of the app's PostgreSQL: the Engage demo source (the first, engage_visitor_sync,
-- holds the sync's state). Runs once, on an empty data volume.
CREATE DATABASE engage;

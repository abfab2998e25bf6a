"""The database: one schema source, numbered migrations, and the queries of sessions and the review loop."""

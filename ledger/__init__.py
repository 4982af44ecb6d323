"""The application layer: command handling on eventsourcing's PostgreSQL recorder, the database
it runs on (embedded or external), and the importer of data folders."""

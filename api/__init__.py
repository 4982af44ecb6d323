"""The GraphQL API: its transports and pages (http/), its schema and document pipeline
(graphql/), and the modules that compose them (app, runtime, errors, auth, ingest)."""

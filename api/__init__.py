"""The GraphQL API: Starlette app, Strawberry schema, auth, subscriptions, and the CLI."""

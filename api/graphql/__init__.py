"""The GraphQL schema: its roots (Query, Mutation, Subscription), types, inputs, scalars, the per-
request context and loaders, and the document pipeline both transports run (execution/)."""

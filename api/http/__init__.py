"""GraphQL over HTTP and WebSocket, the answer cache, health probes, and the pages for people (the
explorer, GraphiQL) with their static files."""

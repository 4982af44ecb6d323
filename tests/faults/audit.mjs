// The graphql-http audit of a GraphQL-over-HTTP server. `node audit.mjs URL DIR`, DIR holding
// node_modules/graphql-http, prints one JSON line per audit: {id, name, status, reason}, the
// status one of ok, notice, warn, error.
import { createRequire } from 'node:module';

const [url, packages] = process.argv.slice(2);
const require = createRequire(`${packages}/`);
const { auditServer } = require('graphql-http');

const results = await auditServer({ url });
for (const { id, name, status, reason } of results) {
  console.log(JSON.stringify({ id, name, status, reason: reason ?? null }));
}

// GraphiQL for govledger, from the vendored bundles (React, GraphiQL and graphql-ws set their
// globals), with example operations preloaded as tabs. Queries go to /graphql over HTTP,
// subscriptions over WebSocket on the same path.

/* global React, ReactDOM, GraphiQL, graphqlWs */

const http = new URL("/graphql", location.href);
const ws = new URL("/graphql", location.href);
ws.protocol = location.protocol === "https:" ? "wss:" : "ws:";

const EXAMPLES = [
  {
    query: `# As of a date (기준일): what was true on 2020-02-15,
# from each unit's latest report on or before it.
# Run it with Ctrl-Enter or the ▶ button.
#
# The other tabs: known at a moment, a unit's history,
# changes between two dates, a unit over time,
# the event log with a cursor, a live subscription,
# what the ledger learned between two moments.
#
# Mutations need a bearer token (govledger token create
# --name kim --role editor): under Headers below, put
# {"Authorization": "Bearer glt_..."}
query AsOf {
  orgUnits(asOf: "2020-02-15") {
    id
    name
    staffing { referenceDate authorized current women }
  }
}
`,
  },
  {
    query: `# Known at a moment (transaction time): the answer from
# what the ledger had recorded by then. Set $knownAt before
# a correction was recorded to see the figure it replaced.
query KnownAt($id: ID!, $knownAt: DateTime!) {
  orgUnit(id: $id, asOf: "2020-02-15", knownAt: $knownAt) {
    name
    knownAt
    staffing(includeDescendants: false) { referenceDate authorized current sources }
  }
}
`,
    variables: (id) => ({ id, knownAt: new Date().toISOString() }),
  },
  {
    query: `# A unit's history: every event about it or anything it
# owns, oldest first: who recorded it, why, from which
# document, and the date its facts take effect.
query History($id: ID!, $after: String) {
  orgUnit(id: $id, asOf: "2020-03-31") {
    name
    history(first: 20, after: $after) {
      edges { node { type validFrom recordedAt actor reason source data } }
      pageInfo { endCursor hasNextPage }
    }
  }
}
`,
    variables: (id) => ({ id }),
  },
  {
    query: `# What changed between two reference dates: every figure,
# line and task, old and new, with the events that made
# the difference.
query Changes($id: ID!) {
  orgUnit(id: $id, asOf: "2020-03-31") {
    name
    changes(from: "2020-01-31", to: "2020-03-31") {
      kind label key field old new
      events { type actor source recordedAt }
    }
  }
}
`,
    variables: (id) => ({ id }),
  },
  {
    query: `# A unit over time: its figures at each date at which they change.
query OverTime($id: ID!) {
  orgUnit(id: $id, asOf: "2020-04-10") {
    name
    changeDates
    overTime {
      asOf
      staffing { referenceDate authorized current }
      budget(fiscalYear: 2020) { referenceDate budgeted executed executionRate }
    }
  }
}
`,
    variables: (id) => ({ id }),
  },
  {
    query: `# The event log, page by page: pass pageInfo.endCursor
# as $after for the next page. No gap and no duplicate,
# however long you wait between pages.
query Log($after: String) {
  events(first: 10, after: $after) {
    edges {
      cursor
      node { type subjectType subjectId validFrom recordedAt actor reason source }
    }
    pageInfo { endCursor hasNextPage }
  }
}
`,
    variables: () => ({ after: null }),
  },
  {
    query: `# Live: every event recorded after $after (a cursor from
# the log), then each new one as it is recorded, over
# WebSocket. Without $after, only new ones.
subscription Live($after: String) {
  events(after: $after) { cursor type subjectType validFrom recordedAt actor reason source }
}
`,
    variables: () => ({ after: null }),
  },
  {
    query: `# What the ledger learned between two moments (transaction
# time): each recording (one transaction: a mutation, or a
# chunk of an import) made after $after and up to $until
# (default now), oldest first, with what it changed: the
# value believed just before and just after, here for facts
# valid in 2020. "Recorded in" the window, not "overlapping"
# it: a figure recorded before $after and still believed is
# not listed (docs/learned.md). Set $after to a recordedAt
# of the answer to see only what came later.
query Learned($id: ID!, $after: DateTime!, $until: DateTime) {
  orgUnit(id: $id, asOf: "2020-03-31") {
    name
    learned(after: $after, until: $until, validFrom: "2020-01-01", validTo: "2020-12-31", first: 10) {
      edges {
        cursor
        node {
          recordedAt actor reason source
          changes { validFrom kind label key field old new }
        }
      }
      pageInfo { endCursor hasNextPage }
    }
  }
  learned(after: $after, until: $until, first: 5) {
    edges { node { recordedAt actor reason source } }
    pageInfo { endCursor hasNextPage }
  }
}
`,
    variables: (id) => ({ id, after: "2019-01-01T00:00:00+09:00", until: null }),
  },
];

/** The id the examples start from: 시장비서실's, as a first query finds it. */
async function exampleUnit() {
  try {
    const response = await fetch(http, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ orgUnits(asOf: "2020-03-31") { id name } }' }),
    });
    const units = (await response.json()).data.orgUnits;
    const found = units.find((u) => u.name === "시장비서실") || units[0];
    return found ? found.id : "an id from the first tab";
  } catch {
    return "an id from the first tab";
  }
}

/* GraphiQL may send the operation name of the tab shown before (a tab switched to and run at
   once, before the editor's document is read again): the server then rightly refuses a name
   the document does not hold. Keep the name only when the document names it; else send the
   document's one operation's name, or none. */
function ownOperation(params) {
  const names = [...(params.query || "").matchAll(OPERATION)].map((match) => match[1]);
  if (!params.operationName || names.includes(params.operationName)) return params;
  return { ...params, operationName: names.length === 1 ? names[0] : undefined };
}

const OPERATION = /(?:^|[\s}])(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g;

async function start() {
  const id = await exampleUnit();
  const defaultTabs = EXAMPLES.map((example) => ({
    query: example.query,
    variables: example.variables ? JSON.stringify(example.variables(id), null, 2) : undefined,
  }));
  const send = GraphiQL.createFetcher({
    url: http.href,
    wsClient: graphqlWs.createClient({ url: ws.href, lazy: true }),
  });
  const fetcher = (params, options) => send(ownOperation(params), options);
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultTabs,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    }),
  );
}

start();

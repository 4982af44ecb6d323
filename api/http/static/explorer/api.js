// The explorer's reads: the public GraphQL API at /graphql, nothing else.

export async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors && body.errors.length) {
    throw new Error(body.errors.map((e) => e.message).join("; "));
  }
  return body.data;
}

const GOVERNMENTS = `query Governments($asOf: Date, $knownAt: DateTime) {
  governments(asOf: $asOf, knownAt: $knownAt) { id name }
}`;

export async function governments(asOf, knownAt) {
  return (await gql(GOVERNMENTS, { asOf, knownAt })).governments;
}

const TREE = `query Tree($asOf: Date, $knownAt: DateTime, $root: ID) {
  orgUnits(asOf: $asOf, knownAt: $knownAt, root: $root) { id name parent { id } }
}`;

/** One government's tree (root), or every unit (root null). */
export async function tree(asOf, knownAt, root = null) {
  return (await gql(TREE, { asOf, knownAt, root })).orgUnits;
}

const STAFFING = `referenceDate authorized current women sources notes
  rows { seriesKey jobCategory grade authorized current women resolutions }
  byCategory { jobCategory authorized current women }`;

const BUDGET = `fiscalYear referenceDate budgeted executed remaining executionRate
  lines { id account item budgeted executed remaining executionRate referenceDate source note
    owner { id name } }`;

const UNIT = `query Unit($id: ID!, $asOf: Date!, $knownAt: DateTime, $fiscalYear: Int!) {
  orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) {
    id name validFrom asOf knownAt
    parent { id name }
    staffing { ${STAFFING} }
    budget(fiscalYear: $fiscalYear) { ${BUDGET} }
    tasks { id kind number title status statusSince category responsible validFrom source }
  }
}`;

/** The unit as in force at (asOf, knownAt): staffing, one fiscal year's budget, tasks. */
export async function unit(id, asOf, knownAt, fiscalYear) {
  return (await gql(UNIT, { id, asOf, knownAt, fiscalYear })).orgUnit;
}

const SERIES = `query Series($id: ID!, $asOf: Date!, $knownAt: DateTime) {
  orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) {
    changeDates
    overTime { asOf staffing { referenceDate authorized current women } }
  }
}`;

/** The dates at which the unit's figures change, and its headcount at each. */
export async function series(id, asOf, knownAt) {
  return (await gql(SERIES, { id, asOf, knownAt })).orgUnit;
}

/** Budget execution at each change date, of the fiscal year of that date. */
export async function budgetSeries(id, asOf, knownAt, years) {
  if (!years.length) return [];
  const fields = years
    .map((y) => `fy${y}: budget(fiscalYear: ${Number(y)}) { fiscalYear budgeted executed executionRate }`)
    .join("\n");
  const query = `query BudgetSeries($id: ID!, $asOf: Date!, $knownAt: DateTime) {
    orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) { overTime { asOf ${fields} } }
  }`;
  const found = (await gql(query, { id, asOf, knownAt })).orgUnit;
  return found ? found.overTime : [];
}

const HISTORY = `query History($id: ID!, $asOf: Date!, $after: String) {
  orgUnit(id: $id, asOf: $asOf) {
    history(first: 500, after: $after) {
      edges { node { cursor type subjectId subjectType subjectVersion validFrom recordedAt
        actor reason source data digest leafIndex } }
      pageInfo { endCursor hasNextPage }
    }
  }
}`;

/** Every event about the unit and what it owns, as recorded now, oldest first. */
export async function history(id, asOf) {
  const events = [];
  let after = null;
  for (;;) {
    const found = (await gql(HISTORY, { id, asOf, after })).orgUnit;
    if (!found) return events;
    events.push(...found.history.edges.map((edge) => edge.node));
    if (!found.history.pageInfo.hasNextPage) return events;
    after = found.history.pageInfo.endCursor;
  }
}

const CHANGES = `query Changes($id: ID!, $from: Date!, $to: Date!, $knownAt: DateTime) {
  orgUnit(id: $id, asOf: $to, knownAt: $knownAt) {
    changes(from: $from, to: $to) {
      kind label key field old new subjectType subjectId
      events { type validFrom recordedAt actor reason source }
    }
  }
}`;

export async function changes(id, from, to, knownAt) {
  const found = (await gql(CHANGES, { id, from, to, knownAt })).orgUnit;
  return found ? found.changes : null;
}

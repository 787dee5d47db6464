#!/usr/bin/env bash
# npm run test:eventstoredb: the EventStoreDB contract suite and the projection runner's tests against a real
# EventStoreDB, the `eventstore` service of docker-compose.yml, started for the run in a compose project of its own
# (its own container and volumes, removed afterwards: a deployment's data is never touched) and published on this
# host's loopback only (docker-compose.eventstore-port.yml). Prints what passed and what failed, stops the container,
# and exits 0 when every test ran and passed, 1 when one failed or was skipped, 2 when there is no container engine.
# The read models of the projection tests go to DATABASE_URL when set, the embedded database otherwise.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

SUITES=(
  libs/shared/event-store/src/eventstoredb/eventstoredb-event-store.int.spec.ts
  libs/shared/projections/src/runner.int.spec.ts
)
PROJECT=erbm-eventstoredb-check
LIVE_WITHIN_SECONDS=180
export ERBM_EVENTSTORE_HOST_PORT="${ERBM_EVENTSTORE_HOST_PORT:-22113}"
# docker-compose.yml requires these for its other services, which this check does not start.
export POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-unused-by-this-check}"
export ERBM_OIDC_ISSUER="${ERBM_OIDC_ISSUER:-unused-by-this-check}"

engine=""
for candidate in docker podman; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" info >/dev/null 2>&1; then
    engine="$candidate"
    break
  fi
done
if [ -z "$engine" ]; then
  echo "test:eventstoredb: no container engine here (neither docker nor podman reaches a running engine): nothing was run" >&2
  exit 2
fi
if "$engine" compose version >/dev/null 2>&1; then
  compose=("$engine" compose)
elif command -v "$engine-compose" >/dev/null 2>&1; then
  compose=("$engine-compose")
else
  echo "test:eventstoredb: $engine runs, but neither '$engine compose' nor '$engine-compose' is installed: nothing was run" >&2
  exit 2
fi
compose+=(-p "$PROJECT" -f docker-compose.yml -f docker-compose.eventstore-port.yml)

results="$(mktemp -d)"
# shellcheck disable=SC2317 # called by the EXIT trap
stop() {
  echo "== stopping EventStoreDB (project $PROJECT, its volumes removed)"
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || echo "could not stop it: run '${compose[*]} down -v'" >&2
  rm -rf "$results"
}
trap stop EXIT

echo "== starting EventStoreDB ($engine, service eventstore of docker-compose.yml, 127.0.0.1:$ERBM_EVENTSTORE_HOST_PORT)"
if ! "${compose[@]}" up -d eventstore; then
  echo "test:eventstoredb: EventStoreDB did not start" >&2
  exit 1
fi

live() {
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$ERBM_EVENTSTORE_HOST_PORT/health/live"
}
deadline=$((SECONDS + LIVE_WITHIN_SECONDS))
until live; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "test:eventstoredb: EventStoreDB not live after $LIVE_WITHIN_SECONDS s; its last log lines:" >&2
    "${compose[@]}" logs --tail 30 eventstore >&2
    exit 1
  fi
  sleep 2
done
echo "== EventStoreDB is live"

EVENTSTORE_CONNECTION_STRING="esdb://127.0.0.1:$ERBM_EVENTSTORE_HOST_PORT?tls=false" NODE_OPTIONS=--experimental-vm-modules \
  npx jest --runInBand --json --outputFile="$results/jest.json" "${SUITES[@]}"
jest_status=$?

if [ ! -s "$results/jest.json" ]; then
  echo "test:eventstoredb: jest wrote no results (exit $jest_status)" >&2
  exit 1
fi
# What passed and what failed, from jest's JSON; a skipped test means the server was not used: a failure here.
# shellcheck disable=SC2016 # JavaScript, whose ${…} are its own
node -e '
  const r = require(process.argv[1]);
  console.log("== against EventStoreDB");
  for (const file of r.testResults) {
    const count = (s) => file.assertionResults.filter((a) => a.status === s).length;
    console.log(`${file.name.slice(process.cwd().length + 1)}: ${count("passed")} passed, ${count("failed")} failed, ${count("pending") + count("skipped") + count("todo")} skipped`);
    for (const a of file.assertionResults.filter((a) => a.status === "failed")) console.log(`  FAILED: ${a.fullName}`);
    if (file.failureMessage && file.assertionResults.length === 0) console.log(`  FAILED TO RUN: ${file.failureMessage.split("\n")[0]}`);
  }
  console.log(`total: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  if (r.numPendingTests + r.numTodoTests > 0) console.log("tests were skipped: they did not run against the server, which fails this check");
  process.exit(r.success && r.numPendingTests + r.numTodoTests === 0 && r.numTotalTests > 0 ? 0 : 1);
' "$results/jest.json"
summary_status=$?
if [ "$jest_status" -ne 0 ] || [ "$summary_status" -ne 0 ]; then exit 1; fi
exit 0

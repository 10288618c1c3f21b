#!/usr/bin/env bash
# The whole test suite: format, lint (with module boundaries), typecheck, then every unit,
# contract, integration and acceptance test. This is what CI runs; nothing in it is optional.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$corebank_root"

ensure_node_modules
if ! ensure_engines; then
  echo "test: the engines above are required; the integration tests cannot run without them." >&2
  exit 1
fi

echo "== codegen (generated contracts must match proto/)"
bash tools/scripts/codegen-proto.sh
if [ "${CI:-}" = "true" ] && [ -n "$(git status --porcelain -- libs/contracts/proto/src/generated)" ]; then
  git status --porcelain -- libs/contracts/proto/src/generated >&2
  echo "codegen: the committed generated code differs from proto/; run tools/scripts/codegen-proto.sh and commit" >&2
  exit 1
fi
echo "== format"; npx prettier --check . --log-level warn
echo "== lint"; npx nx show projects >/dev/null; npx eslint --max-warnings=0 .
echo "== typecheck"; npx tsc -p tsconfig.json --noEmit
echo "== tests"
mkdir -p tmp
status=0
npx jest --ci --maxWorkers=2 --json --outputFile=tmp/jest-results.json "$@" || status=$?
if [ -z "${CASSANDRA_CONTACT_POINTS:-}" ]; then
  echo "cassandra: the CassandraStore contract tests were SKIPPED (CASSANDRA_CONTACT_POINTS is not set)"
fi
node tools/scripts/test-summary.js tmp/jest-results.json
exit "$status"

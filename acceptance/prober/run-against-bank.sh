#!/usr/bin/env bash
# Runs the prober against the one-process bank for a while and saves its final metrics.
#
#   acceptance/prober/run-against-bank.sh [metrics-file]      (default: prober-metrics.txt)
#
# Environment: PROBER_RUN_SECONDS (default 600), PROBER_INTERVAL_MS (default 30000),
# PROBER_METRICS_PORT (default 9470); any BANK_* setting is passed to the bank.
#
# The bank is the one of `npm start` (apps/bank/src/main.ts), on free ports with a fresh data
# directory and BANK_CUSTOMER_TOKEN_SECRET set, so the prober can sign tokens for its test accounts.
set -euo pipefail
cd "$(dirname "$0")/../.."

out="${1:-prober-metrics.txt}"
seconds="${PROBER_RUN_SECONDS:-600}"
interval_ms="${PROBER_INTERVAL_MS:-30000}"
metrics_port="${PROBER_METRICS_PORT:-9470}"
work="$(mktemp -d -t prober-run-XXXXXX)"
bank_pid=''
prober_pid=''

cleanup() {
  [[ -n "$prober_pid" ]] && kill -TERM "$prober_pid" 2>/dev/null && wait "$prober_pid" 2>/dev/null || true
  [[ -n "$bank_pid" ]] && kill -INT "$bank_pid" 2>/dev/null && wait "$bank_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

secret="$(node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('base64url'))")"

BANK_DATA_DIR="$work/data" BANK_LEDGER_GRPC_PORT=0 BANK_AUTHORIZATION_GRPC_PORT=0 BANK_SOAP_PORT=0 \
  BANK_FEED_PORT=0 BANK_NOTIFICATIONS_PORT=0 BANK_PUBLIC_PORT=0 BANK_OPS_PORT_BASE=0 \
  LOG_LEVEL="${LOG_LEVEL:-warn}" BANK_CUSTOMER_TOKEN_SECRET="$secret" \
  node -r @swc-node/register apps/bank/src/main.ts >"$work/bank.log" 2>&1 &
bank_pid=$!

ready=''
for _ in $(seq 1 240); do
  ready="$(grep -m1 '^{.*"bank ready"' "$work/bank.log" || true)"
  [[ -n "$ready" ]] && break
  kill -0 "$bank_pid" 2>/dev/null || { cat "$work/bank.log" >&2; exit 1; }
  sleep 0.5
done
[[ -n "$ready" ]] || { echo "bank not ready in 120 s" >&2; cat "$work/bank.log" >&2; exit 1; }
field() { node -e "process.stdout.write(String(JSON.parse(process.argv[1])[process.argv[2]]))" "$ready" "$1"; }

echo "bank ready; probing for ${seconds} s every ${interval_ms} ms; metrics on 127.0.0.1:${metrics_port}" >&2
PROBER_SOAP_URL="$(field soapUrl)" PROBER_CARDS_GRPC_ADDRESS="$(field cardsAddress)" \
  PROBER_FEED_URL="$(field feedUrl)" PROBER_NOTIFICATIONS_URL="$(field notificationsUrl)" \
  PROBER_CUSTOMER_TOKEN_SECRET="$secret" PROBER_INTERVAL_MS="$interval_ms" \
  PROBER_METRICS_HOST=127.0.0.1 PROBER_METRICS_PORT="$metrics_port" \
  node -r @swc-node/register acceptance/prober/main.ts >"$work/prober.log" 2>&1 &
prober_pid=$!

sleep "$seconds"
curl -fsS "http://127.0.0.1:${metrics_port}/metrics" >"$out"
echo "metrics saved to $out" >&2
if command -v promtool >/dev/null; then
  promtool check metrics <"$out" && echo "promtool check metrics: OK" >&2
fi
echo "scenario runs:" >&2
grep '^prober_scenario_runs_total' "$out" >&2 || true
grep '"scenario failed"' "$work/prober.log" | tail -5 >&2 || true

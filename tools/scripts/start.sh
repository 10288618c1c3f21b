#!/usr/bin/env bash
# Starts the bank: every service in one process on the embedded engines, data under ./data.
# Ports and the data directory are the bank's config keys (apps/bank/README.md), e.g.
# BANK_SOAP_PORT=9090 npm start. Ctrl-C stops it cleanly.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$corebank_root"
ensure_node_modules
exec node -r @swc-node/register apps/bank/src/main.ts

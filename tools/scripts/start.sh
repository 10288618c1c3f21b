#!/usr/bin/env bash
# Starts the bank: every service in one process on the embedded engines, data under ./data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$corebank_root"
ensure_node_modules
if [ ! -f apps/bank/src/main.ts ]; then
  echo "start: the bank app (apps/bank) is not built yet; nothing to start. See the open issues."
  exit 0
fi
mkdir -p data
exec node -r @swc-node/register apps/bank/src/main.ts

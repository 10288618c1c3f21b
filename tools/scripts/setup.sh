#!/usr/bin/env bash
# Shared set-up for the README's two commands: node modules and the engines the tests run against.
# Sourced, not executed. Installs what is missing when it can (root + apt); otherwise names it.
set -euo pipefail

corebank_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

ensure_node_modules() {
  cd "$corebank_root"
  local stamp=node_modules/.package-lock.json
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    echo "setup: installing node modules (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

# Debian packages the tests need, by the command or file that proves each is there.
missing_engine_packages() {
  local missing=()
  command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
  command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
  [ -f /usr/include/librdkafka/rdkafka_mock.h ] || missing+=(librdkafka-dev)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  command -v gcc >/dev/null 2>&1 || missing+=(gcc)
  command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
  /usr/bin/python3 -c 'import zeep' >/dev/null 2>&1 || missing+=(python3-zeep)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  # The browser test drives Debian's Chromium with playwright-core; no browser is downloaded.
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  echo "${missing[@]:-}"
}

ensure_engines() {
  local missing
  missing="$(missing_engine_packages)"
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: $missing"
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
    missing="$(missing_engine_packages)"
    [ -z "$missing" ] && return 0
  fi
  echo "setup: missing Debian packages: $missing" >&2
  echo "setup: install them with: sudo apt-get install -y --no-install-recommends $missing" >&2
  return 1
}

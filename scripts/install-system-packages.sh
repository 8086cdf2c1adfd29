#!/usr/bin/env bash
# Installs the Debian packages that `make test` needs, when they are missing: a PostgreSQL server
# (for the throwaway test cluster; Debian's own cluster is not created) and a Redis server (the
# Celery broker and event bus in tests; the tests start their own on a free port) and espeak-ng
# (the local voice of product videos) and Chromium (the web UI's browser tests, driven by
# Playwright through Debian's binary: Playwright's own browser download is not used).
set -euo pipefail

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; }

missing=()
have_postgres || missing+=(postgresql)
command -v redis-server > /dev/null || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v espeak-ng > /dev/null || missing+=(espeak-ng)
command -v chromium > /dev/null || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo > /dev/null; then SUDO=sudo; else
    echo "missing Debian packages: ${missing[*]}; install them as root" >&2; exit 1
  fi
else
  SUDO=
fi

echo "installing Debian packages: ${missing[*]}" >&2
$SUDO mkdir -p /etc/postgresql-common
echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf > /dev/null
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null

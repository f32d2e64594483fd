#!/usr/bin/env bash
# Installs what the test suite needs from Debian when it is missing (CI machines start bare).
set -euo pipefail
need=()
/usr/bin/python3 -c 'import hvac' 2>/dev/null || need+=(python3-hvac)
# TLS tests (JWKS over https, the Kubernetes API stand-in) make their own CA with openssl.
command -v openssl >/dev/null || need+=(openssl)
# PKCS#11 seal tests run against SoftHSM (a software token).
[ -e /usr/lib/softhsm/libsofthsm2.so ] || need+=(softhsm2)
# etcd storage tests run a real 3-member etcd cluster.
[ -x /usr/bin/etcd ] || need+=(etcd-server)
# The database secrets engine's tests start their own PostgreSQL cluster (initdb + pg_ctl, never the service).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
# The web UI's browser tests drive Debian's Chromium (playwright-core cannot download its own here).
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "test-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${need[@]}" >&2
fi

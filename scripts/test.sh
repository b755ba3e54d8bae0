#!/usr/bin/env bash
# Runs every test. Installs the real components the tests use as judges (openssl, etcd, etcdctl, prometheus and
# promtool) when missing;
# kubectl is expected on PATH. The tests start their own etcd members and TLS endpoints on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v openssl >/dev/null || need+=(openssl)
command -v etcd >/dev/null || need+=(etcd-server)
command -v etcdctl >/dev/null || need+=(etcd-client)
command -v python3 >/dev/null || need+=(python3)
{ command -v prometheus >/dev/null && command -v promtool >/dev/null; } || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v kubectl >/dev/null || { echo "kubectl is required on PATH for the interop tests" >&2; exit 1; }

log=$(mktemp)
set +e
dotnet test KubePki.slnx --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain summary line over all test projects.
awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { gsub(",", "", p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"

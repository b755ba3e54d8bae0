#!/usr/bin/env bash
# Proves an image archive from scripts/image.sh works without a container runtime: unpacks kubepki-oci.tar with
# umoci, checks its config (entrypoint kubepki, non-root user, no shell in the image) and runs kubepki from the
# unpacked root file system under chroot as that user: --help, a CA made with the image's OpenSSL, and the exporter
# when this build has it. Usage: scripts/check-image.sh [dist/kubepki-oci.tar]. Needs root (chroot) and umoci.
set -euo pipefail
archive=$(realpath "${1:-dist/kubepki-oci.tar}")
work=$(mktemp -d)
exporter_pid=""
# The exporter runs in its own process group (set -m), led by the background job, so that killing the group stops
# kubepki and anything it started, not only a shell that started it; wait reaps it.
stop_exporter() {
  [ -n "$exporter_pid" ] || return 0
  kill -TERM -- "-$exporter_pid" 2>/dev/null || true
  wait "$exporter_pid" 2>/dev/null || true
  exporter_pid=""
}
cleanup() {
  stop_exporter
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check-image: $*" >&2; exit 1; }

mkdir "$work/layout"
tar -C "$work/layout" -xf "$archive"
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["manifests"]))' "$work/layout/index.json")" = 1 ] \
  || fail "the archive must hold exactly one image"
umoci unpack --image "$work/layout:latest" "$work/bundle" >/dev/null
rootfs=$work/bundle/rootfs
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
process = json.load(open(sys.argv[1]))["process"]
assert process["args"][0] == "/usr/local/bin/kubepki", process["args"]
assert process["user"]["uid"] == 65532 and process["user"]["gid"] == 65532, process["user"]
PY
for shell in bin/sh bin/bash usr/bin/sh usr/bin/bash bin/dash usr/bin/dash; do
  [ ! -e "$rootfs/$shell" ] || fail "the image has a shell: /$shell"
done

run() { chroot --userspec=65532:65532 "$rootfs" /usr/local/bin/kubepki "$@"; }
run --help | grep -q "Usage:" || fail "kubepki --help printed no usage"
run init phase certs ca --cert-dir /tmp/pki >/dev/null || fail "kubepki could not make a CA in the image"
openssl x509 -in "$rootfs/tmp/pki/ca.crt" -noout -subject | grep -q "CN *= *kubernetes" || fail "the CA made in the image is not a kubernetes CA"
if run --help | grep -qE '^ +exporter '; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  set -m # chroot (not the run function, a forked shell) so that $! is the exporter itself once chroot execs it
  chroot --userspec=65532:65532 "$rootfs" /usr/local/bin/kubepki exporter --listen "127.0.0.1:$port" --cert-dir /tmp/pki >"$work/exporter.log" 2>&1 &
  exporter_pid=$!
  set +m
  for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$port/metrics" >"$work/metrics" 2>/dev/null && break
    sleep 0.2
  done
  grep -q '^x509_cert_not_after' "$work/metrics" || { cat "$work/exporter.log" >&2; fail "the exporter in the image served no x509_cert_not_after"; }
  group=$exporter_pid
  stop_exporter
  for _ in $(seq 50); do kill -0 -- "-$group" 2>/dev/null || break; sleep 0.1; done # orphans are reaped by init
  ! kill -0 -- "-$group" 2>/dev/null || fail "the exporter in the image is still running after it was stopped"
  echo "check-image: kubepki exporter in the image serves metrics (and is stopped)"
fi
echo "check-image: $archive: entrypoint kubepki, user 65532, no shell; --help and a CA made in the image: ok"

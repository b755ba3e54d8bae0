#!/usr/bin/env bash
# Builds the linux-arm64 NativeAOT binary (KUBEPKI_RID=linux-arm64 scripts/publish.sh, a cross-compile on an x64
# machine) and proves it runs: on an arm64 machine natively, elsewhere under qemu-user. Checks that it is an AArch64
# executable, that --version answers, that `init phase certs ca` makes a CA that openssl accepts (self-signed
# kubernetes CA, CA:TRUE, keyCertSign, key matching the certificate) and that `init phase certs apiserver` signs a
# serving certificate with it.
# Usage: scripts/check-arm64.sh [DIR] (writes DIR/kubepki; default: a temp dir that is removed afterwards).
# On x64 Debian 12 it needs, besides publish.sh's packages, qemu-user and the arm64 libraries the binary loads:
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu zlib1g-dev:arm64 libssl3:arm64 qemu-user
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "check-arm64: $*" >&2; exit 1; }
out=$(realpath -m "${1:-$work/dist}")

runner=()
if [ "$(uname -m)" != aarch64 ]; then
  command -v qemu-aarch64 >/dev/null \
    || fail "qemu-aarch64 is required to run the arm64 binary (apt-get install qemu-user)"
  # The binary's loader and libraries come from the arm64 multiarch packages (libc6, libssl3, zlib1g).
  dpkg -s libssl3:arm64 >/dev/null 2>&1 \
    || fail "libssl3:arm64 is required to run the arm64 binary (apt-get install libssl3:arm64)"
  runner=(qemu-aarch64)
fi

KUBEPKI_RID=linux-arm64 scripts/publish.sh "$out"
bin=$out/kubepki
readelf -h "$bin" | grep -Eq 'Machine: +AArch64' || fail "$bin is not an AArch64 executable"

version=$("${runner[@]}" "$bin" --version) || fail "kubepki --version failed"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || fail "kubepki --version printed '$version'"

"${runner[@]}" "$bin" init phase certs ca --cert-dir "$work/pki" >/dev/null || fail "kubepki could not make a CA"
crt=$work/pki/ca.crt
key=$work/pki/ca.key
openssl x509 -in "$crt" -noout -subject | grep -Eq 'CN *= *kubernetes$' || fail "the CA's subject is not CN=kubernetes"
openssl x509 -in "$crt" -noout -ext basicConstraints | grep -q 'CA:TRUE' || fail "the CA certificate is not a CA"
openssl x509 -in "$crt" -noout -ext keyUsage | grep -q 'Certificate Sign' || fail "the CA cannot sign certificates"
openssl verify -CAfile "$crt" "$crt" >/dev/null || fail "the CA certificate does not verify against itself"
[ "$(openssl x509 -in "$crt" -noout -pubkey)" = "$(openssl pkey -in "$key" -pubout)" ] \
  || fail "ca.key does not belong to ca.crt"

# A leaf signed by that CA: the API server's serving certificate with its SANs.
"${runner[@]}" "$bin" init phase certs apiserver --cert-dir "$work/pki" --apiserver-advertise-address 192.0.2.10 \
  >/dev/null || fail "kubepki could not make the apiserver certificate"
openssl verify -CAfile "$crt" "$work/pki/apiserver.crt" >/dev/null \
  || fail "apiserver.crt does not verify against the CA"
openssl x509 -in "$work/pki/apiserver.crt" -noout -ext subjectAltName | grep -q 'IP Address:192.0.2.10' \
  || fail "apiserver.crt does not name the advertise address"
how=natively
[ ${#runner[@]} -eq 0 ] || how="under ${runner[*]}"
echo "linux-arm64 NativeAOT binary: built, ran $how (kubepki $version) and made a CA and a leaf: ok"

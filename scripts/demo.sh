#!/usr/bin/env bash
# Makes a full cluster PKI and the kubeconfig files under ./kubepki-demo (no root, no cluster needed), lists what it
# made and reports expiry. Run it twice: the second run reuses every file.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-./kubepki-demo}
dotnet build src/KubePki.Cli -c Release --nologo -v q >/dev/null
kubepki() { dotnet src/KubePki.Cli/bin/Release/net10.0/kubepki.dll "$@"; }
kubepki init phase certs all --cert-dir "$out/pki" --apiserver-advertise-address 127.0.0.1
kubepki init phase kubeconfig all --cert-dir "$out/pki" --kubeconfig-dir "$out" --apiserver-advertise-address 127.0.0.1
echo
find "$out" -type f -printf '%m %p\n' | sort -k2
echo
kubepki certs check-expiration --cert-dir "$out/pki" --kubeconfig-dir "$out"

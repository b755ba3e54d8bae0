#!/usr/bin/env bash
# Builds the self-contained NativeAOT kubepki binary: scripts/publish.sh [DIR] writes DIR/kubepki (default ./dist).
# Needs clang and zlib1g-dev (Debian). Trim and AOT warnings fail the build (TreatWarningsAsErrors), so a binary
# that is written had none. KUBEPKI_RID picks another runtime identifier (default: this machine's, linux-x64 or
# linux-arm64).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-dist}")
case "$(uname -m)" in
  x86_64) default_rid=linux-x64 ;;
  aarch64) default_rid=linux-arm64 ;;
  *) default_rid=linux-$(uname -m) ;;
esac
rid=${KUBEPKI_RID:-$default_rid}
for tool in clang dotnet; do
  command -v "$tool" >/dev/null || { echo "publish.sh: $tool is required (apt-get install clang zlib1g-dev)" >&2; exit 1; }
done
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
dotnet publish src/KubePki.Cli -c Release -r "$rid" -p:PublishAot=true -p:TrimmerSingleWarn=false \
  -o "$staging" --nologo -v q
mkdir -p "$out"
install -m 0755 "$staging/kubepki" "$out/kubepki.tmp"
mv -f "$out/kubepki.tmp" "$out/kubepki"
echo "$out/kubepki ($rid, $(du -h "$out/kubepki" | cut -f1))"

#!/usr/bin/env bash
# Builds the self-contained NativeAOT kubepki binary: scripts/publish.sh [DIR] writes DIR/kubepki (default ./dist).
# Needs clang and zlib1g-dev (Debian). Trim and AOT warnings fail the build (TreatWarningsAsErrors), so a binary
# that is written had none. KUBEPKI_RID picks another runtime identifier (default: this machine's, linux-x64 or
# linux-arm64).
#
# Cross-compiling between x64 and arm64 (e.g. KUBEPKI_RID=linux-arm64 on an x64 Debian): clang links for the target
# (--target=aarch64-linux-gnu, set by the NativeAOT build) with the target's binutils, C runtime and zlib, installed
# as Debian multiarch packages; the symbols are stripped with the target's objcopy. On Debian 12 (x64 → arm64):
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install clang gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu zlib1g-dev:arm64
# scripts/check-arm64.sh builds that binary and runs it under qemu-user.
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

cross=()
triple=""
if [ "$rid" != "$default_rid" ]; then
  case "$rid" in
    linux-arm64) triple=aarch64-linux-gnu deb_arch=arm64 ;;
    linux-x64) triple=x86_64-linux-gnu deb_arch=amd64 ;;
  esac
fi
# Other runtime identifiers (e.g. linux-musl-x64 on Alpine) are passed to dotnet publish as they are.
if [ -n "$triple" ]; then
  hint="dpkg --add-architecture $deb_arch && apt-get update && apt-get install gcc-$triple binutils-$triple"
  hint="$hint zlib1g-dev:$deb_arch"
  for tool in "$triple-ld" "$triple-objcopy"; do
    command -v "$tool" >/dev/null || { echo "publish.sh: $tool is required to build for $rid ($hint)" >&2; exit 1; }
  done
  ! command -v dpkg >/dev/null || dpkg -s "zlib1g-dev:$deb_arch" >/dev/null 2>&1 \
    || { echo "publish.sh: zlib1g-dev:$deb_arch is required to build for $rid ($hint)" >&2; exit 1; }
  # The host's objcopy reads only its own architecture's ELF files.
  cross=("-p:ObjCopyName=$triple-objcopy")
fi

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
dotnet publish src/KubePki.Cli -c Release -r "$rid" -p:PublishAot=true -p:TrimmerSingleWarn=false "${cross[@]}" \
  -o "$staging" --nologo -v q
mkdir -p "$out"
install -m 0755 "$staging/kubepki" "$out/kubepki.tmp"
mv -f "$out/kubepki.tmp" "$out/kubepki"
echo "$out/kubepki ($rid, $(du -h "$out/kubepki" | cut -f1))"

#!/usr/bin/env bash
# Builds the kubepki container image without a registry or a container daemon: scripts/image.sh [DIR] writes
# DIR/kubepki-oci.tar (default ./dist), an OCI image layout archive with one tag, "latest".
#
# Root file system: the Debian packages the NativeAOT binary needs at run time (libc6; libssl3, which .NET's crypto
# loads at run time; zlib1g; ca-certificates), unpacked by mmdebstrap without running any maintainer script, so the
# image has no shell or package manager to run them with; plus /usr/local/bin/kubepki and a non-root user (65532).
# Assembled with umoci. Uses DIR/kubepki when it exists, else builds it with scripts/publish.sh DIR.
# Needs root (mmdebstrap's root mode, file ownership in the layer) and the Debian packages mmdebstrap and umoci.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-dist}")
for tool in mmdebstrap umoci; do
  command -v "$tool" >/dev/null || { echo "image.sh: $tool is required (apt-get install mmdebstrap umoci)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "image.sh: run as root (mmdebstrap root mode, root-owned files in the image)" >&2; exit 1; }
[ -x "$out/kubepki" ] || scripts/publish.sh "$out"

suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

mmdebstrap --quiet --variant=extract --include=libc6,libssl3,zlib1g,ca-certificates "$suite" "$rootfs"
# What ca-certificates' maintainer script would make: the bundle of the enabled Mozilla roots.
mkdir -p "$rootfs/etc/ssl/certs"
cat "$rootfs"/usr/share/ca-certificates/mozilla/*.crt > "$rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nkubepki:x:65532:65532:kubepki:/home/kubepki:/usr/sbin/nologin\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nkubepki:x:65532:\n' > "$rootfs/etc/group"
install -d -m 0750 -o 65532 -g 65532 "$rootfs/home/kubepki"
install -d -m 1777 "$rootfs/tmp"
rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/man "$rootfs"/usr/share/locale
install -D -m 0755 "$out/kubepki" "$rootfs/usr/local/bin/kubepki"

layout=$work/layout
umoci init --layout "$layout"
umoci new --image "$layout:latest"
umoci unpack --image "$layout:latest" "$work/bundle" >/dev/null
rm -rf "$work/bundle/rootfs"
mv "$rootfs" "$work/bundle/rootfs"
umoci repack --image "$layout:latest" "$work/bundle"
version=$("$out/kubepki" --version | head -n1)
umoci config --image "$layout:latest" \
  --config.entrypoint /usr/local/bin/kubepki --config.cmd=--help \
  --config.user 65532:65532 --config.workingdir /home/kubepki \
  --config.env PATH=/usr/local/bin:/usr/bin:/bin \
  --config.label "org.opencontainers.image.title=kubepki" \
  --config.label "org.opencontainers.image.version=$version" \
  --config.label "org.opencontainers.image.description=kubeadm-style cluster PKI tool and CSR controller (NativeAOT)"
umoci gc --layout "$layout"

mkdir -p "$out"
tar -C "$layout" -cf "$out/kubepki-oci.tar.tmp" .
mv -f "$out/kubepki-oci.tar.tmp" "$out/kubepki-oci.tar"
echo "$out/kubepki-oci.tar (OCI image layout, tag latest, $(du -h "$out/kubepki-oci.tar" | cut -f1))"

#!/usr/bin/env bash
# Anchor for the benchmark: the expiry dates `certs check-expiration` reports, read with one
# `openssl x509 -noout -enddate` per file: the 3 CAs, the 7 leaves and the client certs embedded in the 4 kubeconfigs
# kubeadm lists (client-certificate-data decoded first; kubelet.conf is not listed by kubeadm).
#
#   openssl-check-expiration.sh CERT_DIR KUBECONFIG_DIR
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 CERT_DIR KUBECONFIG_DIR" >&2
  exit 2
fi
pki=$1 kc=$2

for base in ca apiserver apiserver-kubelet-client front-proxy-ca front-proxy-client \
  etcd/ca etcd/server etcd/peer etcd/healthcheck-client apiserver-etcd-client; do
  printf '%s\t' "$base"
  openssl x509 -noout -enddate -in "$pki/$base.crt"
done
for conf in admin.conf super-admin.conf controller-manager.conf scheduler.conf; do
  printf '%s\t' "$conf"
  sed -n 's/^ *client-certificate-data: *//p' "$kc/$conf" | base64 -d | openssl x509 -noout -enddate
done

#!/usr/bin/env bash
# Anchor for the benchmark: makes the same files as `kubepki init phase certs all` + `init phase kubeconfig all`
# (kubeadm's defaults) with the openssl CLI, the way a plain shell script would: one step after another, every key
# generated sequentially.
#
#   openssl-pki.sh CERT_DIR KUBECONFIG_DIR rsa|ecdsa NODE_NAME ADVERTISE_ADDRESS
#
# 3 CAs, 7 leaves (kubeadm's CN/O, SANs, EKUs, critical key usage, CA basic constraints without pathLen, random
# serials, 1 y / 10 y validity), the sa key pair, and admin/super-admin/kubelet/controller-manager/scheduler.conf with
# the CA and a fresh client cert/key embedded as base64. Keys: RSA-2048 PKCS#1 ("RSA PRIVATE KEY") or P-256 SEC1
# ("EC PRIVATE KEY"), mode 0600. Service subnet 10.96.0.0/12, DNS domain cluster.local, bind port 6443.
# Not reproduced: kubeadm's 5-minute NotBefore back-dating (openssl 3.0 `x509 -req` cannot set NotBefore).
set -euo pipefail

if [ $# -ne 5 ]; then
  echo "usage: $0 CERT_DIR KUBECONFIG_DIR rsa|ecdsa NODE_NAME ADVERTISE_ADDRESS" >&2
  exit 2
fi
pki=$1 kc=$2 alg=$3 node=$4 addr=$5
mkdir -p "$pki/etcd" "$kc"
umask 022

cnf=$(mktemp)
trap 'rm -f "$cnf"' EXIT
cat > "$cnf" <<CNF
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign
subjectKeyIdentifier = hash
subjectAltName = DNS:\${ENV::CN}
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = \${ENV::SAN}
[peer]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
authorityKeyIdentifier = keyid
subjectAltName = \${ENV::SAN}
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
CNF
export CN=unused SAN=DNS:unused

# newkey FILE: a fresh private key in kubeadm's PEM format, mode 0600.
newkey() {
  if [ "$alg" = rsa ]; then
    openssl genrsa -traditional -out "$1" 2048 2>/dev/null
  else
    openssl ecparam -name prime256v1 -genkey -noout -out "$1"
  fi
  chmod 600 "$1"
}

# ca BASE CN
ca() {
  newkey "$pki/$1.key"
  CN=$2 openssl req -x509 -new -config "$cnf" -extensions ca -sha256 -days 3650 \
    -key "$pki/$1.key" -subj "/CN=$2" -out "$pki/$1.crt"
}

# leaf BASE CA_BASE PROFILE SUBJECT [SAN]: key, CSR piped into the CA's signature.
leaf() {
  newkey "$pki/$1.key"
  openssl req -new -config "$cnf" -key "$pki/$1.key" -subj "$4" |
    SAN=${5:-DNS:unused} openssl x509 -req -sha256 -days 365 -CA "$pki/$2.crt" -CAkey "$pki/$2.key" \
      -extfile "$cnf" -extensions "$3" -out "$pki/$1.crt" 2>/dev/null
}

ca ca kubernetes
leaf apiserver ca server "/CN=kube-apiserver" \
  "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:$node,IP:10.96.0.1,IP:$addr"
leaf apiserver-kubelet-client ca client "/O=kubeadm:cluster-admins/CN=kube-apiserver-kubelet-client"
ca front-proxy-ca front-proxy-ca
leaf front-proxy-client front-proxy-ca client "/CN=front-proxy-client"
ca etcd/ca etcd-ca
leaf etcd/server etcd/ca peer "/CN=$node" "DNS:localhost,DNS:$node,IP:$addr,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1"
leaf etcd/peer etcd/ca peer "/CN=$node" "DNS:localhost,DNS:$node,IP:$addr,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1"
leaf etcd/healthcheck-client etcd/ca client "/CN=kube-etcd-healthcheck-client"
leaf apiserver-etcd-client etcd/ca client "/CN=kube-apiserver-etcd-client"

newkey "$pki/sa.key"
if [ "$alg" = rsa ]; then
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
else
  openssl ec -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
fi
chmod 600 "$pki/sa.pub"

# kubeconfig FILE USER SUBJECT SERVER: client cert signed by ca, embedded with the CA into kubeadm's layout.
ca_data=$(base64 -w0 "$pki/ca.crt")
kubeconfig() {
  local key crt
  key=$(mktemp) crt=$(mktemp)
  newkey "$key"
  openssl req -new -config "$cnf" -key "$key" -subj "$3" |
    openssl x509 -req -sha256 -days 365 -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
      -extfile "$cnf" -extensions client -out "$crt" 2>/dev/null
  (
    umask 077
    cat > "$kc/$1" <<YAML
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: $ca_data
    server: $4
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: $2
  name: $2@kubernetes
current-context: $2@kubernetes
kind: Config
preferences: {}
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 "$crt")
    client-key-data: $(base64 -w0 "$key")
YAML
  )
  rm -f "$key" "$crt"
}

server="https://$addr:6443"
kubeconfig admin.conf kubernetes-admin "/O=kubeadm:cluster-admins/CN=kubernetes-admin" "$server"
kubeconfig super-admin.conf kubernetes-super-admin "/O=system:masters/CN=kubernetes-super-admin" "$server"
kubeconfig kubelet.conf "system:node:$node" "/O=system:nodes/CN=system:node:$node" "$server"
kubeconfig controller-manager.conf system:kube-controller-manager "/CN=system:kube-controller-manager" "$server"
kubeconfig scheduler.conf system:kube-scheduler "/CN=system:kube-scheduler" "$server"

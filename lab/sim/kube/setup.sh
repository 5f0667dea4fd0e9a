#!/bin/bash
# Generate the TLS material, bearer token and kubeconfigs for the Kubernetes
# API simulator, the way k3s does on first start: a CA, a server certificate
# for the API address, a client certificate for system:admin (O=system:masters)
# and /etc/rancher/k3s/k3s.yaml-style kubeconfig (cluster/context/user "default").
#
# Usage: setup.sh DIR ADDR PORT TOKENFILE
# Idempotent: existing keys, certificates and token are kept; the kubeconfigs
# are rewritten (so a new ADDR/PORT takes effect).
set -eu

if [ $# -ne 4 ]; then
    echo "usage: $0 DIR ADDR PORT TOKENFILE" >&2
    exit 2
fi
dir=$1 addr=$2 port=$3 tokenfile=$4
umask 022
mkdir -p "$dir"
cd "$dir"

# key FILE: an EC P-256 private key (fast to generate, accepted by kubectl/curl).
key() {
    [ -s "$1" ] || (umask 077; openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null)
}

# CA (k3s names its CN k3s-server-ca@<time>).
key ca.key
if [ ! -s ca.crt ]; then
    openssl req -x509 -new -key ca.key -sha256 -days 3650 \
        -subj "/CN=k3s-server-ca@$(date +%s)" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
        -out ca.crt
fi

# sign NAME SUBJ EXT: a certificate NAME.crt for NAME.key signed by the CA.
sign() {
    local name=$1 subj=$2 ext=$3
    key "$name.key"
    if [ ! -s "$name.crt" ] || [ "$name.crt" -ot ca.crt ] || [ "$(cat "$name.ext" 2>/dev/null)" != "$ext" ]; then
        printf '%s\n' "$ext" > "$name.ext"
        openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr"
        openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
            -days 3650 -sha256 -extfile "$name.ext" -out "$name.crt" 2>/dev/null
        rm -f "$name.csr"
    fi
}

sign server "/O=k3s/CN=k3s" \
    "subjectAltName=IP:$addr,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature,keyEncipherment"
sign client-admin "/O=system:masters/CN=system:admin" \
    "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature,keyEncipherment"

# Bearer token (k3s node-token style: K10<hex>::server:<hex>) unless present.
if [ ! -s "$tokenfile" ]; then
    mkdir -p "$(dirname "$tokenfile")"
    (umask 077; printf 'K10%s::server:%s' "$(openssl rand -hex 32)" "$(openssl rand -hex 16)" > "$tokenfile")
fi
chmod 600 "$tokenfile"

b64() { base64 -w0 < "$1"; }
server="https://$addr:$port"

# k3s.yaml layout, byte for byte apart from the data.
umask 077
cat > kubeconfig.yaml.tmp <<YAML
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: $(b64 ca.crt)
    server: $server
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: $(b64 client-admin.crt)
    client-key-data: $(b64 client-admin.key)
YAML
mv kubeconfig.yaml.tmp kubeconfig.yaml

cat > kubeconfig-token.yaml.tmp <<YAML
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: $(b64 ca.crt)
    server: $server
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    token: $(tr -d '\n' < "$tokenfile")
YAML
mv kubeconfig-token.yaml.tmp kubeconfig-token.yaml
chmod 600 ./*.key kubeconfig.yaml kubeconfig-token.yaml

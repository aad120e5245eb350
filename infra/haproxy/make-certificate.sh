#!/bin/sh
# Writes the certificate HAProxy serves (certificate and key in one PEM), self-signed for
# the host names given (default: localhost). For a real deployment, put your CA-issued
# certificate and its key, concatenated, at the same path instead.
set -eu
out="${OUT:-infra/haproxy/certs/taskflow.pem}"
names="${*:-localhost}"
san=""
for name in $names; do san="${san:+$san,}DNS:$name"; done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
  -subj "/CN=${names%% *}" -addext "subjectAltName=$san" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
mkdir -p "$(dirname "$out")"
cat "$work/cert.pem" "$work/key.pem" > "$out"
chmod 600 "$out"
# The official image runs HAProxy as uid 99 (haproxy).
chown 99:99 "$out" 2>/dev/null || true
echo "wrote $out (self-signed for: $names)"

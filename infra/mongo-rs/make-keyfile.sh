#!/bin/sh
# Writes the key file every member (and mongos) of one deployment shares; run once per
# deployment and keep it secret. mongod refuses a key file others can read.
set -eu
out="${1:-infra/mongo-rs/keyfile}"
umask 077
openssl rand -base64 756 > "$out"
chmod 400 "$out"
# The official image runs mongod as uid 999.
chown 999:999 "$out" 2>/dev/null || true
echo "wrote $out"

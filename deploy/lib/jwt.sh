# shellcheck shell=bash
# deploy/local/up's the local JWT signing key pair. Sourced by up after deploy/lib/common.sh; defines functions only.

# ---------------------------------------------------------------------------
# JWT signing key (local auth; services verify with the public key)
# ---------------------------------------------------------------------------
ensure_jwt_keys() {
  [[ -s $JWT_DIR/privateKey.pem && -s $JWT_DIR/publicKey.pem ]] && return 0
  mkdir -p "$JWT_DIR"
  (
    umask 077
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$JWT_DIR/privateKey.pem.tmp" \
      >>"$LOG_DIR/jwt.out" 2>&1 &&
      openssl pkey -in "$JWT_DIR/privateKey.pem.tmp" -pubout -out "$JWT_DIR/publicKey.pem" >>"$LOG_DIR/jwt.out" 2>&1
  ) || die_with_log "jwt: openssl could not generate the signing key pair" "$LOG_DIR/jwt.out"
  # renamed last: a half-written key is never taken for a whole one by the next start
  mv "$JWT_DIR/privateKey.pem.tmp" "$JWT_DIR/privateKey.pem"
  info "jwt: generated RSA key pair in $JWT_DIR"
}

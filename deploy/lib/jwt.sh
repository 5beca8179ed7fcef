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
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$JWT_DIR/privateKey.pem" 2>/dev/null
  )
  openssl pkey -in "$JWT_DIR/privateKey.pem" -pubout -out "$JWT_DIR/publicKey.pem"
  info "jwt: generated RSA key pair in $JWT_DIR"
}

#!/bin/sh
# Regenerates the key fixtures in this directory with the OpenSSL CLI (3.x). See README.md.
set -eu
cd "$(dirname "$0")"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pkcs8.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pkcs8.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.pkcs8.pem
openssl genpkey -algorithm ED25519 -out ed25519.pkcs8.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pkcs8.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.pkcs8.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out k256.pkcs8.pem
# SEC 1 and PKCS#1 forms of the same keys.
openssl pkey -in p256.pkcs8.pem -traditional -out p256.sec1.pem
openssl pkey -in rsa2048.pkcs8.pem -traditional -out rsa2048.pkcs1.pem
# Encrypted PKCS#8 as OpenSSL writes it: PBES2 + PBKDF2-HMAC-SHA256 + AES-256-CBC, and scrypt
# (N=16384, the largest OpenSSL's 32 MiB default scrypt memory cap lets it write).
openssl pkcs8 -topk8 -in p256.pkcs8.pem -v2 aes-256-cbc -passout pass:fixture -out p256.pbkdf2.pem
openssl pkcs8 -topk8 -in p256.pkcs8.pem -scrypt -scrypt_N 16384 -scrypt_r 8 -scrypt_p 1 \
  -v2 aes-256-cbc -passout pass:fixture -out p256.scrypt16384.pem
# scrypt N=65536, as vouch key files were written before: assembled by Python (OpenSSL cannot).
python3 pkcs8_scrypt.py p256.pkcs8.pem > p256.scrypt65536.pem
# Public keys and key ids (lowercase hex SHA-256 of the DER SubjectPublicKeyInfo).
: > keyids.txt
for k in p256 p384 p521 ed25519 rsa2048; do
  openssl pkey -in $k.pkcs8.pem -pubout -out $k.pub.pem
  echo "$k $(openssl pkey -pubin -in $k.pub.pem -outform DER | sha256sum | cut -d' ' -f1)" >> keyids.txt
done
# The same EC public keys in other encodings: a compressed point, explicit curve parameters.
for k in p256 p384; do
  openssl ec -pubin -in $k.pub.pem -conv_form compressed -pubout -out $k.compressed.pub.pem
  openssl ec -pubin -in $k.pub.pem -param_enc explicit -pubout -out $k.explicit.pub.pem
done
openssl pkey -in rsa1024.pkcs8.pem -pubout -out rsa1024.pub.pem
openssl pkey -in k256.pkcs8.pem -pubout -out k256.pub.pem

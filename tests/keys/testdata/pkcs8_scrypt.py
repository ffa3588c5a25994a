#!/usr/bin/env python3
"""Writes p256.pkcs8.pem as ENCRYPTED PRIVATE KEY with PBES2 + scrypt(N=65536, r=8, p=1) +
AES-256-CBC, password "fixture": the parameters vouch wrote before it moved to N=16384. The OpenSSL
CLI cannot write them (its 32 MiB scrypt memory cap), so the DER is assembled here."""
import base64, hashlib, os, sys
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def tlv(tag, body):
    n = len(body)
    length = bytes([n]) if n < 128 else (lambda b: bytes([0x80 | len(b)]) + b)(
        n.to_bytes((n.bit_length() + 7) // 8, "big"))
    return bytes([tag]) + length + body


def seq(*items):
    return tlv(0x30, b"".join(items))


def integer(v):
    return tlv(0x02, v.to_bytes((v.bit_length() + 8) // 8, "big"))


def oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(enc))
    return tlv(0x06, out)


key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
plain = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
salt, iv, n = os.urandom(16), os.urandom(16), 65536
k = hashlib.scrypt(b"fixture", salt=salt, n=n, r=8, p=1, maxmem=256 << 20, dklen=32)
padder = padding.PKCS7(128).padder()
enc = Cipher(algorithms.AES(k), modes.CBC(iv)).encryptor()
ct = enc.update(padder.update(plain) + padder.finalize()) + enc.finalize()
kdf = seq(oid("1.3.6.1.4.1.11591.4.11"), seq(tlv(0x04, salt), integer(n), integer(8), integer(1)))
cipher = seq(oid("2.16.840.1.101.3.4.1.42"), tlv(0x04, iv))
der = seq(seq(oid("1.2.840.113549.1.5.13"), seq(kdf, cipher)), tlv(0x04, ct))
b64 = base64.b64encode(der).decode()
print("-----BEGIN ENCRYPTED PRIVATE KEY-----")
print("\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)))
print("-----END ENCRYPTED PRIVATE KEY-----")

// Keys held by a KMS or HSM, reached through a sigstore KMS CLI plugin.
//
// A key reference "NAME://KEY-ID" names the executable sigstore-kms-NAME, found in PATH, and a key
// inside it. This is the plugin protocol of sigstore-go/cosign
// (github.com/sigstore/sigstore, pkg/signature/kms/cliplugin), protocol version "v1": vouch runs
//
//   sigstore-kms-NAME v1 '<request JSON>'
//
// once per operation, with the data to sign (or nothing) on stdin, and reads one JSON response
// from stdout. The request carries "initOptions" {"protocolVersion": "v1", "keyResourceID":
// KEY-ID, "hashFunc": <Go crypto.Hash number: 5 SHA-256, 6 SHA-384, 7 SHA-512, 0 none>,
// "ctxDeadline": RFC 3339 time, "rpcOptions": {"ctxDeadline": ...}} plus "methodName" and that
// method's arguments. vouch calls two methods:
//   - "publicKey" -> {"publicKey": {"publicKeyPEM": base64 of a PUBLIC KEY PEM block}}
//   - "signMessage" with {"signOptions": {"rpcOptions": {...}, "messageOptions": {"hashFunc": N
//     [, "digest": base64]}}} -> {"signMessage": {"signature": base64}}. With "digest" stdin is
//     empty and the plugin signs that digest; without it the message is on stdin.
// A response with a non-empty "errorMessage" is a failure. The exit status is ignored, as in
// sigstore. Unknown response fields are ignored.
//
// The signer never trusts the plugin's signatures: each one is verified against the public key
// fetched when the signer was opened before it is returned.
//
// vouch passes no secret to the plugin (plugins read their own credentials, typically from the
// environment). The plugin's stderr is captured, not shown live; its last 4 KiB are quoted in
// error messages. The plugin's stdin is a pipe, so a plugin that prompts must use /dev/tty.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {

// kKmsPluginProtocolVersion is the protocol version vouch speaks (argv[1] and
// initOptions.protocolVersion).
inline constexpr std::string_view kKmsPluginProtocolVersion = "v1";
// kKmsPluginPrefix prefixes NAME to form the executable's name.
inline constexpr std::string_view kKmsPluginPrefix = "sigstore-kms-";

// KmsPluginRef is a parsed "NAME://KEY-ID" key reference.
struct KmsPluginRef {
  // name is NAME: the executable is "sigstore-kms-" + name.
  std::string name;
  // key_id is KEY-ID, everything after the first "://" (possibly empty, possibly containing
  // "://" itself). It is what the plugin receives as initOptions.keyResourceID, as sigstore sends.
  std::string key_id;
  // reference is the whole "NAME://KEY-ID", for messages.
  std::string reference;

  // Executable returns "sigstore-kms-" + name.
  std::string Executable() const { return std::string(kKmsPluginPrefix) + name; }
};

// ParseKmsPluginRef returns the plugin reference |spec| names, or nullopt when |spec| is not one,
// so that callers fall back to their other key sources (a file path, env://VAR, pkcs11:...).
//
// sigstore splits at the first "://" and takes whatever precedes it as NAME. vouch keeps that
// split but accepts only names that can name an executable found in PATH: one or more ASCII
// letters, digits, '-', '_' and '.', starting with a letter or digit. So "./a://b", "/x://y",
// "a/b://c" and "://x" are not plugin references (they are paths), and neither is "pkcs11:..."
// (no "://"). "env" is vouch's own scheme (env://VAR) and is never a plugin.
std::optional<KmsPluginRef> ParseKmsPluginRef(std::string_view spec);

// kDefaultKmsPluginDeadline bounds each plugin run unless overridden.
inline constexpr std::chrono::milliseconds kDefaultKmsPluginDeadline = std::chrono::seconds(60);

// KmsPluginOptions tunes how vouch runs a plugin.
struct KmsPluginOptions {
  // deadline bounds each plugin run (one per public key fetch or signature). A plugin still
  // running then is killed and the operation fails with kDeadlineExceeded. When unset, the
  // VOUCH_KMS_PLUGIN_TIMEOUT environment variable (core/duration.h grammar, e.g. "90s", "2m";
  // positive, at millisecond resolution) applies, else kDefaultKmsPluginDeadline. A malformed
  // VOUCH_KMS_PLUGIN_TIMEOUT is kInvalidArgument.
  std::optional<std::chrono::milliseconds> deadline;
};

// OpenKmsPluginSigner fetches the key's public key from the plugin ("publicKey") and returns a
// Signer for it. The Signer's algorithm() and PublicKey() come from that public key, and it signs
// with the key's default scheme (keys.h: ECDSA P-256/SHA-256, P-384/SHA-384, P-521/SHA-512 as DER,
// RSA PKCS#1 v1.5 with SHA-256, pure Ed25519), exactly as the in-process signer does:
//   - Sign sends the message on stdin with the scheme's hashFunc;
//   - SignDigest and SignSource (after hashing the stream locally with a fixed buffer) send only
//     the digest, so a large file is never piped to the plugin. Ed25519 keys cannot sign a
//     digest: SignDigest is kInvalidArgument and SignSource maps the file and sends it whole.
// Each call runs the plugin once; the Signer is safe to use from several threads.
//
// Errors, from this function and from every Sign* call:
//  - kFailedPrecondition (exit 2): sigstore-kms-NAME is not in PATH, or cannot be executed.
//  - kDeadlineExceeded (exit 3): the plugin did not finish within the deadline and was killed;
//    the message quotes its stderr.
//  - kUnavailable (exit 3): the plugin answered with "errorMessage" (quoted); or its stdout is not
//    a JSON response of the expected shape, or larger than 1 MiB (its stderr is quoted); or a
//    signature it returned does not verify under the public key (a misbehaving plugin, or a key
//    that changed since the signer was opened).
//  - kInvalidArgument (exit 2): the public key is not one vouch supports (keys.h), or
//    VOUCH_KMS_PLUGIN_TIMEOUT is malformed.
Result<std::unique_ptr<Signer>> OpenKmsPluginSigner(const KmsPluginRef& ref,
                                                    const KmsPluginOptions& options = {});

// KmsPluginPublicKey fetches only the public key ("publicKey"), for verifying with a KMS key.
// Errors as OpenKmsPluginSigner.
Result<Verifier> KmsPluginPublicKey(const KmsPluginRef& ref, const KmsPluginOptions& options = {});

}  // namespace vouch::keys

// Self-signed serving certificates for `vouch serve --tls-self-signed-dir DIR` (docs/gate.md,
// "Certificates"): the gate makes its own CA and a serving certificate for the webhook Service's
// DNS names, so installing it needs neither openssl nor cert-manager, and renews the serving
// certificate before it expires.
//
// Files in DIR (DIR is created 0700 when missing):
//   ca.crt   the CA certificate (PEM, 0644): the webhook configurations' caBundle
//   ca.key   the CA's private key (PEM PKCS#8, 0600); absent when the CA comes from ca_dir
//   tls.crt  the serving certificate followed by the CA certificate (PEM, 0644)
//   tls.key  the serving key (PEM PKCS#8, unencrypted as a TLS server needs it, 0600)
// Every file is written atomically (temporary file, fsync, rename): a reader sees the old file or
// the new one, never half of one. Keys are P-256 (EVP_EC_gen), certificates signed SHA-256.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "vouch/core/clock.h"
#include "vouch/core/status.h"

namespace vouch::serve {

// kDefaultServiceDnsNames are the names the shipped Service (deploy/kubernetes/service.yaml) is
// called by: the API server connects to SERVICE.NAMESPACE.svc.
inline const std::vector<std::string>& DefaultServiceDnsNames() {
  static const std::vector<std::string> kNames = {"vouch-gate.vouch-system.svc",
                                                  "vouch-gate.vouch-system.svc.cluster.local"};
  return kNames;
}

// SelfSignedOptions configure EnsureSelfSignedTls.
struct SelfSignedOptions {
  std::string dir;  // where ca.crt, tls.crt and tls.key (and a generated ca.key) live
  // ca_dir, when set, holds a CA provided by the operator (ca.crt and ca.key, for instance a
  // Secret mounted into every replica so that all of them chain to one caBundle). It is only
  // read: a missing, mismatched or expiring CA there is an error, never replaced. Empty: the CA
  // lives in |dir| and is generated there when missing or expiring.
  std::string ca_dir;
  // dns_names are the serving certificate's subjectAltNames (the first is also its CN); an IP
  // address literal becomes an iPAddress SAN. Empty: DefaultServiceDnsNames().
  std::vector<std::string> dns_names;
  std::chrono::seconds ca_lifetime{std::chrono::hours(24 * 3650)};  // ten years
  std::chrono::seconds cert_lifetime{std::chrono::hours(24 * 90)};  // 90 days
};

// SelfSignedState says what EnsureSelfSignedTls found or did.
struct SelfSignedState {
  std::string ca_cert_path;   // DIR/ca.crt
  std::string cert_path;      // DIR/tls.crt
  std::string key_path;       // DIR/tls.key
  bool ca_generated = false;  // a new CA was made: the caBundle must be updated
  bool cert_issued = false;   // a new serving certificate and key were written
  TimePoint not_after;        // the serving certificate's notAfter
  // renew_at is when less than a third of the serving certificate's lifetime is left: call
  // EnsureSelfSignedTls again at or after it to rotate.
  TimePoint renew_at;
};

// EnsureSelfSignedTls makes DIR hold a CA and a serving certificate that is valid at |now| for
// every name of |options.dns_names|, signed by that CA, with more than a third of its lifetime
// left; it reuses what is there when it qualifies (so a restart keeps the CA, and the caBundle
// stays right) and writes only what does not. A CA with less than one serving-certificate
// lifetime left is replaced when generated here (ca_generated tells the caller to say so).
//
// Errors: kInvalidArgument for bad options (no dir, a name that is neither a DNS name nor an IP
// address, a non-positive lifetime), for files in DIR that exist but do not parse or do not
// belong together (a key that is not the certificate's, half a CA: ca.crt without ca.key; the
// gate does not overwrite what it cannot explain), and for a ca_dir CA that is missing, not a CA
// or expiring; I/O failures as core/file.h maps them.
Result<SelfSignedState> EnsureSelfSignedTls(const SelfSignedOptions& options, TimePoint now);

}  // namespace vouch::serve

# Sigstore verification sources of the verify module (trusted root, certificates, transparency
# log, timestamps, bundle verification), listed here and added by verify/CMakeLists.txt.
set(VOUCH_VERIFY_SIGSTORE_SOURCES
  sigstore/trusted_root.cc
  sigstore/certificate.cc
  sigstore/timestamp.cc
  sigstore/tlog.cc
  sigstore/bundle_verify.cc
  sigstore/cosign_legacy.cc
  sigstore/bundle_files.cc)

// Key pair files: PREFIX.key (the private key, mode 0600) and PREFIX.pub (its public key, 0644)
// written as one unit, and the leftovers an interrupted write can leave.
//
// POSIX has no rename of two files at once, so a pair is replaced in two steps that make every
// intermediate state recognisable (docs/keys.md, "Replacing a key pair"):
//
//   1. stage:  write PREFIX.pub.new, then PREFIX.key.new (each complete and fsynced);
//   2. commit: rename PREFIX.pub.new over PREFIX.pub, then PREFIX.key.new over PREFIX.key,
//              then fsync the directory.
//
// A kill at any point leaves one of these, each told apart by the staged files present:
//   nothing staged                 the old pair, or the new pair: consistent
//   PREFIX.pub.new (+ .key.new)    staging was cut short; the old pair is intact
//   PREFIX.key.new alone           cut between the renames: PREFIX.pub is already the new
//                                  public key but PREFIX.key is still the old private key
// CheckKeyPairLeftovers reports the last two with what to do; writers call it first and signers
// loading PREFIX.key refuse while PREFIX.key.new exists (ReadKeySpec), so a mixed pair is never
// used unnoticed.
#pragma once

#include <functional>
#include <string>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"

namespace vouch::keys {

// KeyPairStep names the points between the steps above at which a test can inject a fault.
enum class KeyPairStep {
  kStaged,         // both staged files written, nothing renamed
  kPublicRenamed,  // PREFIX.pub replaced, PREFIX.key not yet
};

// KeyPairFaultHook is for tests only: WriteKeyPairFiles calls it at each KeyPairStep, and a
// non-OK result makes it return that status at once, leaving the files as a kill there would.
using KeyPairFaultHook = std::function<Status(KeyPairStep)>;

// StagedPath returns the name |path| is staged under while a pair is written: |path| + ".new".
std::string StagedPath(const std::string& path);

// CheckKeyPairLeftovers returns OK when no staged file of the pair PREFIX exists, else
// kFailedPrecondition explaining which state an interrupted write left and the commands that
// finish or undo it.
Status CheckKeyPairLeftovers(const std::string& prefix);

// WriteKeyPairFiles writes |private_pem| to PREFIX.key (0600) and |public_pem| to PREFIX.pub
// (0644) as described above. With |replace| false an existing PREFIX.key or PREFIX.pub is
// kAlreadyExists and neither file is written or changed. Leftovers of an earlier interrupted
// write are CheckKeyPairLeftovers' kFailedPrecondition, before anything is written. I/O
// failures are the core/file.h errors; staged files are removed on every failure except one the
// hook injects.
Status WriteKeyPairFiles(const std::string& prefix, ByteView private_pem, ByteView public_pem,
                         bool replace, const KeyPairFaultHook& hook = nullptr);

}  // namespace vouch::keys

#include "vouch/keys/key_pair_files.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "vouch/core/file.h"

namespace vouch::keys {
namespace {

Status Fault(const KeyPairFaultHook& hook, KeyPairStep step) {
  return hook ? hook(step) : OkStatus();
}

void RemoveStaged(const std::string& key_new, const std::string& pub_new) {
  ::unlink(key_new.c_str());
  ::unlink(pub_new.c_str());
}

// Commit moves |staged| to |path|: rename() when replacing, else link() so an existing |path|
// is kAlreadyExists instead of being replaced.
Status Commit(const std::string& staged, const std::string& path, bool replace) {
  if (replace) {
    if (::rename(staged.c_str(), path.c_str()) != 0) {
      return ErrnoToStatus(errno, "replacing " + path);
    }
    return OkStatus();
  }
  if (::link(staged.c_str(), path.c_str()) != 0) {
    int err = errno;
    if (err == EEXIST) {
      return AlreadyExistsError(path + " already exists; pass --force to overwrite");
    }
    return ErrnoToStatus(err, "creating " + path);
  }
  ::unlink(staged.c_str());
  return OkStatus();
}

}  // namespace

std::string StagedPath(const std::string& path) { return path + ".new"; }

Status CheckKeyPairLeftovers(const std::string& prefix) {
  const std::string key = prefix + ".key";
  const std::string pub = prefix + ".pub";
  const std::string key_new = StagedPath(key);
  const std::string pub_new = StagedPath(pub);
  const bool has_key_new = PathExists(key_new);
  const bool has_pub_new = PathExists(pub_new);
  if (has_key_new && !has_pub_new) {
    return FailedPreconditionError(
        "an interrupted key pair write left " + key_new + ": " + pub +
        " already holds the new public key, but " + key +
        " is still the old private key, so the two do not match. To finish the replacement: mv " +
        key_new + " " + key + " (or delete " + key_new +
        " and run `vouch key generate --force` again for a fresh pair)");
  }
  if (has_pub_new) {
    return FailedPreconditionError(
        "an interrupted key pair write left " + pub_new + (has_key_new ? " and " + key_new : "") +
        " before replacing anything: " + key + " and " + pub +
        " (if present) are the old, intact pair. Delete the leftover: rm -f " + pub_new + " " +
        key_new);
  }
  return OkStatus();
}

Status WriteKeyPairFiles(const std::string& prefix, ByteView private_pem, ByteView public_pem,
                         bool replace, const KeyPairFaultHook& hook) {
  VOUCH_RETURN_IF_ERROR(CheckKeyPairLeftovers(prefix));
  const std::string key = prefix + ".key";
  const std::string pub = prefix + ".pub";
  if (!replace) {
    for (const std::string& path : {key, pub}) {
      if (PathExists(path)) {
        return AlreadyExistsError(path + " already exists; pass --force to overwrite");
      }
    }
  }
  const std::string key_new = StagedPath(key);
  const std::string pub_new = StagedPath(pub);
  // Stage the public half first: a PREFIX.key.new without PREFIX.pub.new then always means the
  // commit had begun (CheckKeyPairLeftovers).
  Status s = WriteFileAtomic(pub_new, public_pem, 0644, WriteMode::kCreateNew);
  if (s.ok()) {
    s = WriteFileAtomic(key_new, private_pem, 0600, WriteMode::kCreateNew);
  }
  if (s.ok()) {
    s = SyncDirectoryOf(key);
  }
  if (!s.ok()) {
    RemoveStaged(key_new, pub_new);
    return s;
  }
  VOUCH_RETURN_IF_ERROR(Fault(hook, KeyPairStep::kStaged));
  if (Status c = Commit(pub_new, pub, replace); !c.ok()) {
    RemoveStaged(key_new, pub_new);
    return c;
  }
  VOUCH_RETURN_IF_ERROR(Fault(hook, KeyPairStep::kPublicRenamed));
  if (Status c = Commit(key_new, key, replace); !c.ok()) {
    // PREFIX.pub is new and PREFIX.key is not: keep PREFIX.key.new, the state
    // CheckKeyPairLeftovers explains, rather than guess which half to undo.
    return c.WithContext("the key pair is half replaced; see " + key_new);
  }
  return SyncDirectoryOf(key);
}

}  // namespace vouch::keys

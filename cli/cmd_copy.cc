// `vouch copy SRC DST [--platform P]`: copy an image (every platform of an index by default)
// with its referrers and cosign tags, preserving digests; the destination tag is written last.
// `vouch save IMAGE --dir DIR` and `vouch load --dir DIR IMAGE` are cosign's names for a copy to
// and from the OCI layout DIR.
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "output.h"
#include "progress.h"
#include "registry_flags.h"
#include "vouch/core/log.h"
#include "vouch/registry/operations.h"

namespace vouch::cli {
namespace {

Status CopyBetween(const Args& args, const std::string& source, const std::string& destination) {
  VOUCH_ASSIGN_OR_RETURN(registry::Reference src_ref, ParseImage(source));
  VOUCH_ASSIGN_OR_RETURN(registry::Reference dst_ref, ParseImage(destination));
  registry::CopyOptions copy;
  VOUCH_ASSIGN_OR_RETURN(copy.platform, ParsedPlatform(args.parsed()));
  copy.parallelism = args.As<int>("jobs");
  copy.with_attachments = !args.Has("no-attachments");
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Client> client, NewClient(args.parsed()));
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> src,
                         client->Open(src_ref, registry::Access::kPull));
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> dst,
                         client->Open(dst_ref, registry::Access::kPullPush));
  std::unique_ptr<ProgressLine> bar = NewProgress("copy", ProgressUnit::kBytes);
  copy.progress = CopyProgressOn(bar.get());
  Result<registry::CopyResult> result = registry::CopyImage(*src, *dst, copy);
  if (bar) {
    bar->Finish();
  }
  VOUCH_RETURN_IF_ERROR(result);
  if (bar) {
    log::Info("vouch: copied " + std::to_string(result->blobs_copied) + " blobs (" +
              HumanBytes(result->bytes_copied) + "), skipped " +
              std::to_string(result->blobs_skipped) + ", mounted " +
              std::to_string(result->blobs_mounted) + "; " +
              std::to_string(result->manifests_pushed) + " manifests, " +
              std::to_string(result->referrers_copied) + " referrers (" +
              std::to_string(result->referrers_present) +
              " present), cosign tags: " + std::to_string(result->tags_copied.size()) + " new, " +
              std::to_string(result->tags_merged.size()) + " merged into the destination's, " +
              std::to_string(result->tags_present.size()) + " present; " +
              std::to_string(client->request_count()) + " requests");
  }
  if (!args.json()) {
    std::cout << result->digest.ToString() << "\n";
    return OkStatus();
  }
  OutputJson doc = NewDocument();
  doc["source"] = source;
  doc["destination"] = destination;
  doc["digest"] = result->digest.ToString();
  doc["blobsCopied"] = result->blobs_copied;
  doc["blobsSkipped"] = result->blobs_skipped;
  doc["blobsMounted"] = result->blobs_mounted;
  doc["bytesCopied"] = result->bytes_copied;
  doc["manifestsPushed"] = result->manifests_pushed;
  doc["referrersCopied"] = result->referrers_copied;
  doc["referrersPresent"] = result->referrers_present;
  doc["tagsCopied"] = result->tags_copied;
  doc["tagsMerged"] = result->tags_merged;
  doc["tagsPresent"] = result->tags_present;
  doc["requests"] = client->request_count();
  PrintDocument(doc);
  return OkStatus();
}

Status Copy(const Args& args) { return CopyBetween(args, args.positional(0), args.positional(1)); }

// LayoutOf is the oci: reference of --dir (its "latest" tag: one image per directory, as cosign
// save writes it).
std::string LayoutOf(const Args& args) { return "oci:" + args.Get("dir"); }

Status Save(const Args& args) { return CopyBetween(args, args.positional(0), LayoutOf(args)); }

Status Load(const Args& args) { return CopyBetween(args, LayoutOf(args), args.positional(0)); }

// Declare adds what copy, save and load share.
Command& Declare(Command& c) {
  return c.With({AddRegistryFlags, AddPlatformOption})
      .Flag("no-attachments", "copy the image only, without referrers and cosign tags")
      .Int("jobs", "blobs moved in parallel", 4, 1, 32)
      .OutputFlag("text (the digest) or json: the digest and what was copied (docs/output.md)");
}

// RunLayoutCopy declares save or load: IMAGE and the --dir layout, then the copy's flags.
int RunLayoutCopy(int argc, char** argv, const char* name, const char* summary,
                  const char* dir_help, const char* note, Status (*body)(const Args&)) {
  Command c(name, summary);
  c.Positional({"IMAGE"}).Value("dir", dir_help).Require({"dir"}).Note(note);
  return Declare(c).Run(argc, argv, body);
}

}  // namespace

int RunCopy(int argc, char** argv) {
  Command c("copy",
            "copy an image with its signatures and attestations, preserving digests "
            "(registries and oci:PATH layouts)");
  return Declare(c.Positional({"SRC", "DST"})).Run(argc, argv, Copy);
}

int RunSave(int argc, char** argv) {
  return RunLayoutCopy(argc, argv, "save",
                       "save an image with its signatures and attestations to an OCI layout",
                       "the OCI layout directory to write (created when missing)",
                       "the same as `vouch copy IMAGE oci:DIR`; `vouch load` reads it back", Save);
}

int RunLoad(int argc, char** argv) {
  return RunLayoutCopy(argc, argv, "load",
                       "load an image with its signatures and attestations from an OCI layout",
                       "the OCI layout directory `vouch save` wrote",
                       "the same as `vouch copy oci:DIR IMAGE`", Load);
}

}  // namespace vouch::cli

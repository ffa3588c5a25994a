// `vouch copy SRC DST [--platform P]`: copy an image (every platform of an index by default)
// with its referrers and cosign tags, preserving digests; the destination tag is written last.
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

Status Copy(const Args& args) {
  VOUCH_ASSIGN_OR_RETURN(registry::Reference src_ref, ParseImage(args.positional(0)));
  VOUCH_ASSIGN_OR_RETURN(registry::Reference dst_ref, ParseImage(args.positional(1)));
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
  doc["source"] = args.positional(0);
  doc["destination"] = args.positional(1);
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

}  // namespace

int RunCopy(int argc, char** argv) {
  return Command("copy",
                 "copy an image with its signatures and attestations, preserving digests "
                 "(registries and oci:PATH layouts)")
      .Positional({"SRC", "DST"})
      .With({AddRegistryFlags, AddPlatformOption})
      .Flag("no-attachments", "copy the image only, without referrers and cosign tags")
      .Int("jobs", "blobs moved in parallel", 4, 1, 32)
      .OutputFlag("text (the digest) or json: the digest and what was copied (docs/output.md)")
      .Run(argc, argv, Copy);
}

}  // namespace vouch::cli

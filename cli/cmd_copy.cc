// `vouch copy SRC DST [--platform P]`: copy an image (every platform of an index by default)
// with its referrers and cosign tags, preserving digests; the destination tag is written last.
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "progress.h"
#include "registry_flags.h"
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
  std::unique_ptr<ProgressLine> bar = NewProgress(args, "copy", ProgressUnit::kBytes);
  if (bar) {
    copy.progress = [&bar](const registry::CopyProgress& p) {
      bar->Update(p.bytes_done, p.bytes_total,
                  "blobs " + std::to_string(p.blobs_done) + "/" + std::to_string(p.blobs_total));
    };
  }
  Result<registry::CopyResult> result = registry::CopyImage(*src, *dst, copy);
  if (bar) {
    bar->Finish();
  }
  VOUCH_RETURN_IF_ERROR(result);
  if (bar) {
    std::cerr << "vouch: copied " << result->blobs_copied << " blobs (" << HumanBytes(result->bytes_copied)
              << "), skipped " << result->blobs_skipped << ", mounted "
              << result->blobs_mounted << "; " << result->manifests_pushed << " manifests, "
              << result->referrers_copied << " referrers (" << result->referrers_present
              << " present), cosign tags: " << result->tags_copied.size() << " new, "
              << result->tags_merged.size() << " merged into the destination's, "
              << result->tags_present.size() << " present; " << client->request_count()
              << " requests\n";
  }
  std::cout << result->digest.ToString() << "\n";
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
      .Run(argc, argv, Copy);
}

}  // namespace vouch::cli

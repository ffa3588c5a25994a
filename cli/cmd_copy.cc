// `vouch copy SRC DST [--platform P]`: copy an image (every platform of an index by default)
// with its referrers and cosign tags, preserving digests; the destination tag is written last.
#include <unistd.h>

#include <cxxopts.hpp>

#include <iostream>

#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"
#include "vouch/registry/operations.h"

namespace vouch::cli {

int RunCopy(int argc, char** argv) {
  cxxopts::Options options("vouch copy",
                           "copy an image with its signatures and attestations, preserving "
                           "digests (registries and oci:PATH layouts)");
  options.positional_help("SRC DST");
  AddRegistryOptions(options);
  AddPlatformOption(options);
  options.add_options()("no-attachments", "copy the image only, without referrers and cosign tags")(
      "jobs", "blobs moved in parallel", cxxopts::value<int>()->default_value("4"))(
      "src", "source image", cxxopts::value<std::string>())(
      "dst", "destination image", cxxopts::value<std::string>());
  options.parse_positional({"src", "dst"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help();
    return kExitOk;
  }
  if (parsed.count("src") == 0 || parsed.count("dst") == 0) {
    return UsageError("copy: SRC and DST are required");
  }
  auto src_ref = ParseImage(parsed["src"].as<std::string>());
  if (!src_ref.ok()) {
    return Fail(src_ref.status());
  }
  auto dst_ref = ParseImage(parsed["dst"].as<std::string>());
  if (!dst_ref.ok()) {
    return Fail(dst_ref.status());
  }
  auto platform = ParsedPlatform(parsed);
  if (!platform.ok()) {
    return Fail(platform.status());
  }
  int jobs = parsed["jobs"].as<int>();
  if (jobs < 1 || jobs > 32) {
    return UsageError("copy: --jobs must be between 1 and 32");
  }
  auto client = NewClient(parsed);
  auto src = client->Open(*src_ref, registry::Access::kPull);
  if (!src.ok()) {
    return Fail(src.status());
  }
  auto dst = client->Open(*dst_ref, registry::Access::kPullPush);
  if (!dst.ok()) {
    return Fail(dst.status());
  }
  registry::CopyOptions copy;
  copy.platform = *platform;
  copy.parallelism = jobs;
  copy.with_attachments = parsed.count("no-attachments") == 0;
  const bool tty = isatty(STDERR_FILENO) == 1;
  if (tty) {
    copy.progress = [](const registry::CopyProgress& p) {
      std::cerr << "\rvouch: blobs " << p.blobs_done << "/" << p.blobs_total << ", "
                << p.bytes_copied << " bytes copied" << std::flush;
    };
  }
  auto result = registry::CopyImage(**src, **dst, copy);
  if (tty) {
    std::cerr << "\n";
  }
  if (!result.ok()) {
    return Fail(result.status());
  }
  if (tty) {
    std::cerr << "vouch: copied " << result->blobs_copied << " blobs (" << result->bytes_copied
              << " bytes), skipped " << result->blobs_skipped << ", mounted "
              << result->blobs_mounted << "; " << result->manifests_pushed << " manifests, "
              << result->referrers_copied << " referrers, " << result->tags_copied.size()
              << " cosign tags; " << client->request_count() << " requests\n";
  }
  std::cout << result->digest.ToString() << "\n";
  return kExitOk;
}

}  // namespace vouch::cli

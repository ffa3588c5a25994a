// Corpus replay driver: runs LLVMFuzzerTestOneInput over every file of the directories (or
// single files) named on the command line, without libFuzzer. Builds that are not VOUCH_FUZZ
// use it to run each corpus as a CTest regression. Exit 0 when every input ran; 2 when an
// argument is missing, unreadable or an empty directory. A broken invariant traps (non-zero).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::printf("replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
  std::fflush(stdout);
  // Copy into an exactly sized heap buffer so ASan sees reads past the end of the input.
  std::vector<uint8_t> input(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <corpus dir or file>...\n", argv[0]);
    return 2;
  }
  size_t total = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_regular_file(arg, ec)) {
      if (!RunFile(arg)) {
        return 2;
      }
      ++total;
      continue;
    }
    if (!std::filesystem::is_directory(arg, ec)) {
      std::fprintf(stderr, "replay: %s is not a file or directory\n", argv[i]);
      return 2;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(arg, ec)) {
      if (entry.is_regular_file()) {
        files.push_back(entry.path());
      }
    }
    if (ec) {
      std::fprintf(stderr, "replay: cannot list %s: %s\n", argv[i], ec.message().c_str());
      return 2;
    }
    if (files.empty()) {
      std::fprintf(stderr, "replay: %s holds no inputs\n", argv[i]);
      return 2;
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      if (!RunFile(f)) {
        return 2;
      }
    }
    std::printf("replay: %zu inputs from %s\n", files.size(), argv[i]);
    total += files.size();
  }
  std::printf("replay: %zu inputs in total, all passed\n", total);
  return 0;
}

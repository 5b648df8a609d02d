// Replays files through a fuzz target's LLVMFuzzerTestOneInput without libFuzzer, so that the
// normal (gcc) build runs every seed and every saved crash as a ctest regression test.
//   <name>_fuzz_replay DIR_OR_FILE...   (a missing directory is skipped: regressions may be empty)
// Exits 0 when every input ran; an input that breaks an invariant aborts the process.
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
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replay %s (%zu bytes)\n", path.c_str(), bytes.size());
  // A copy of exactly `size` bytes, so that reading past the end is caught under ASan.
  std::vector<uint8_t> data(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(data.empty() ? nullptr : data.data(), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int ran = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(arg)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());  // a stable order for readable logs
      for (const auto& file : files) {
        ok = RunFile(file) && ok;
        ++ran;
      }
    } else if (std::filesystem::is_regular_file(arg, ec)) {
      ok = RunFile(arg) && ok;
      ++ran;
    } else {
      std::fprintf(stderr, "skipping %s: not found\n", argv[i]);
    }
  }
  std::fprintf(stderr, "replayed %d inputs\n", ran);
  if (ran == 0) {
    std::fprintf(stderr, "no inputs: the seed corpus is missing\n");
    return 1;
  }
  return ok ? 0 : 1;
}

// The main() of fuzz targets in ordinary builds (no libFuzzer): runs each
// file named on the command line, or each file in each directory named,
// through LLVMFuzzerTestOneInput once. CTest runs it over the checked-in
// corpus, so every input a fuzzer ever found stays a regression test in the
// GCC build too; a broken invariant aborts, and the test fails.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_check.h"

namespace {

int RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 1;
  }
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  // A private copy, so reads past the end are out of bounds for ASan.
  std::vector<std::uint8_t> copy(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(copy.data(), copy.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int failures = 0;
  std::size_t runs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg = argv[i];
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::directory_iterator(arg)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(arg);
    }
    for (const auto& f : files) {
      std::fprintf(stderr, "replay %s\n", f.c_str());
      failures += RunFile(f);
      ++runs;
    }
  }
  std::fprintf(stderr, "%zu inputs replayed\n", runs);
  return failures == 0 && runs > 0 ? 0 : 1;
}

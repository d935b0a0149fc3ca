// Runs a program to completion for a test: its stdout, stderr and exit code, with a clean
// environment (PATH, LANG and what the test adds) and a deadline after which it is killed.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace vouch::test_support {

struct run_result {
  int code = -1;  ///< exit code, or 128 + signal
  std::string out, err;
};

run_result run_command(const std::string& binary, const std::vector<std::string>& args,
                       const std::vector<std::string>& env = {},
                       std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace vouch::test_support

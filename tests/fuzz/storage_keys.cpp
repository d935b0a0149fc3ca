// The storage keys read back from LMDB (storage/repository.hpp): timer keys, which the
// timer service parses at start, and the by_change keys of the admin list.
// - parse_timer_key on any bytes: what it accepts is exactly the key timer_key writes for
//   what it returned.
// - timer_key for any owner and time parses back to them (an owner part with a NUL gets
//   no key at all: key parts are joined with NUL).
// - opp_of_change_key on any bytes never reads past the end, and gives back the
//   opportunity of every key change_key writes.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>

#include "storage/repository.hpp"
#include "tests/fuzz/check.hpp"

namespace {

using namespace vouch;

bool has_nul(const std::string& s) {
  return s.find('\0') != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view raw = as_text(data, size);
  if (auto t = storage::parse_timer_key(raw))
    FUZZ_CHECK(storage::timer_key(t->timer.due, t->org, t->opp, t->timer.kind) == raw);
  const std::string opp_of_raw = storage::opp_of_change_key(raw);
  FUZZ_CHECK(opp_of_raw.size() <= raw.size());

  FuzzedDataProvider in(data, size);
  const auto due = in.ConsumeIntegral<int64_t>();
  const auto kind = static_cast<core::timer_kind>(in.ConsumeIntegralInRange<int>(0, 2));
  core::candidate_record c;
  c.updated_at = in.ConsumeIntegral<int64_t>();
  c.org = in.ConsumeRandomLengthString(80);
  c.opp = in.ConsumeRemainingBytesAsString();

  const std::string key = storage::timer_key(due, c.org, c.opp, kind);
  if (has_nul(c.org) || has_nul(c.opp)) {
    FUZZ_CHECK(key.empty());
  } else {
    const auto t = storage::parse_timer_key(key);
    FUZZ_CHECK(t.has_value());
    FUZZ_CHECK(t->org == c.org && t->opp == c.opp);
    FUZZ_CHECK(t->timer.due == due && t->timer.kind == kind);
  }

  const std::string change = storage::change_key(c);
  if (has_nul(c.org) || has_nul(c.opp)) {
    FUZZ_CHECK(change.empty());
  } else {
    FUZZ_CHECK(storage::opp_of_change_key(change) == c.opp);
  }
  return 0;
}

// The journal's record decoder (storage/journal.hpp), which reads whatever a crash, a torn
// write or a damaged disk left at the end of a segment before vouchd starts.
// - decode_records on any bytes never reads past the end, and what it accepts is exactly
//   what append_record writes for the records it returned: re-encoding them gives the
//   input's first valid_bytes bytes, numbered consecutively from the first one.
// - It stops with a reason exactly when bytes are left over.
#include <string>

#include "storage/journal.hpp"
#include "tests/fuzz/check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vouch::storage;
  const std::string_view raw = as_text(data, size);
  // Number the records as the input's first header does, so inputs that look like a
  // journal get past the sequence check (a wrong number is one of the stops as well).
  uint64_t first = 1;
  if (size >= journal_header_bytes) {
    first = 0;
    for (int i = 7; i >= 0; --i) first = (first << 8) | data[8 + i];
  }
  const auto d = decode_records(raw, first);
  FUZZ_CHECK(d.valid_bytes <= size);
  FUZZ_CHECK(d.stop.empty() == (d.valid_bytes == size));
  std::string again;
  for (std::size_t i = 0; i < d.records.size(); ++i) {
    FUZZ_CHECK(d.records[i].seq == first + i);
    append_record(again, d.records[i].seq, d.records[i].ws);
  }
  FUZZ_CHECK(again == raw.substr(0, d.valid_bytes));
  return 0;
}

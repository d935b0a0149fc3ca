// Every record decoder of core/record_codec.hpp on the same bytes (stored LMDB values).
// - A decode that fails is a `corrupt` error that says why: never a half-filled record.
// - A decode that succeeds re-encodes (at the newest version) to bytes that decode to the
//   same record, compared through their encodings: encode(decode(encode(r))) == encode(r).
// - Bytes already at the newest version come back unchanged: one encoding per record.
#include "core/record_codec.hpp"
#include "tests/fuzz/check.hpp"

namespace {

using namespace vouch::core;

template <class Record, class Decode>
void check(std::string_view in, Decode decode) {
  const auto newest = static_cast<uint8_t>(encode(Record{})[0]);
  result<Record> r = decode(in);
  if (!r.has_value()) {
    FUZZ_CHECK(r.code() == errc::corrupt);
    FUZZ_CHECK(!r.error().message.empty());
    return;
  }
  FUZZ_CHECK(r.code() == errc::ok);
  FUZZ_CHECK(!in.empty());
  const std::string once = encode(*r);
  FUZZ_CHECK(!once.empty() && static_cast<uint8_t>(once[0]) == newest);
  result<Record> again = decode(once);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(encode(*again) == once);
  if (static_cast<uint8_t>(in[0]) == newest) FUZZ_CHECK(once == in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = as_text(data, size);
  check<candidate_record>(in, decode_candidate);
  check<history_entry>(in, decode_history);
  check<command>(in, decode_command);
  check<org_record>(in, decode_org);
  check<template_record>(in, decode_template);
  check<prospect_record>(in, decode_prospect);
  check<export_record>(in, decode_export);
  check<reconcile_record>(in, decode_reconcile);
  return 0;
}

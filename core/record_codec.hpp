// Byte encodings of the records kept in LMDB. Every encoding starts with a schema version
// byte; decoders accept every version ever written (see record_codec.cpp), so a newer
// vouchd opens an older store without a migration step. A decode that fails is an
// `errc::corrupt` error saying why, never a half-filled record.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/records.hpp"
#include "core/status.hpp"

namespace vouch::core {

std::string encode(const candidate_record& r);
result<candidate_record> decode_candidate(std::string_view bytes);

std::string encode(const history_entry& h);
result<history_entry> decode_history(std::string_view bytes);

std::string encode(const command& c);
result<command> decode_command(std::string_view bytes);

std::string encode(const org_record& o);
result<org_record> decode_org(std::string_view bytes);

std::string encode(const template_record& t);
result<template_record> decode_template(std::string_view bytes);

std::string encode(const prospect_record& p);
result<prospect_record> decode_prospect(std::string_view bytes);

std::string encode(const export_record& e);
result<export_record> decode_export(std::string_view bytes);

std::string encode(const reconcile_record& r);
result<reconcile_record> decode_reconcile(std::string_view bytes);

}  // namespace vouch::core

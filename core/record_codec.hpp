// Byte encodings of the records kept in LMDB. Every encoding starts with a schema version
// byte; decoders accept every version ever written (see record_codec.cpp), so a newer
// vouchd opens an older store without a migration step.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/records.hpp"

namespace vouch::core {

std::string encode(const candidate_record& r);
std::optional<candidate_record> decode_candidate(std::string_view bytes);

std::string encode(const history_entry& h);
std::optional<history_entry> decode_history(std::string_view bytes);

std::string encode(const command& c);
std::optional<command> decode_command(std::string_view bytes);

std::string encode(const org_record& o);
std::optional<org_record> decode_org(std::string_view bytes);

std::string encode(const template_record& t);
std::optional<template_record> decode_template(std::string_view bytes);

std::string encode(const prospect_record& p);
std::optional<prospect_record> decode_prospect(std::string_view bytes);

std::string encode(const export_record& e);
std::optional<export_record> decode_export(std::string_view bytes);

std::string encode(const reconcile_record& r);
std::optional<reconcile_record> decode_reconcile(std::string_view bytes);

}  // namespace vouch::core

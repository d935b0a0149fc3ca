// Which reference-check template a posting uses (docs/reference.md#template-choice):
// matched on the posting's ATS tags, with the org's default template as the fallback.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vouch::core {

/// The fields of a template that matter for choosing it.
struct template_ref {
  std::string id;
  std::string ats_tag;   ///< Empty = matches no tag (a default-only template).
  int64_t priority = 0;  ///< Higher wins among tag matches.
  bool is_default = false;
  uint64_t created_seq = 0;  ///< Creation order; smaller = older. Breaks ties.
};

/// The chosen template id (nullopt = none applies) and a one-sentence reason,
/// meant for logs and the admin console ("why did this candidate get X?").
struct template_choice {
  std::optional<std::string> id;
  std::string why;
};

/// Compares tags case-insensitively (ASCII). Among templates whose non-empty
/// ats_tag equals one of `posting_tags`, the highest priority wins, ties go to
/// the oldest. With no tag match, the oldest default template is used. With
/// neither, id is nullopt.
template_choice choose_template(const std::vector<std::string>& posting_tags,
                                const std::vector<template_ref>& templates);

}  // namespace vouch::core

#include "core/template_match.hpp"

#include "core/ids.hpp"

#include <algorithm>

namespace vouch::core {

namespace {

std::string quoted_list(const std::vector<std::string>& tags) {
  std::string out = "[";
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (i > 0) out += ", ";
    out += '"';
    out += tags[i];
    out += '"';
  }
  out += ']';
  return out;
}

}  // namespace

template_choice choose_template(const std::vector<std::string>& posting_tags,
                                const std::vector<template_ref>& templates) {
  std::vector<std::string> tags;
  tags.reserve(posting_tags.size());
  for (const auto& t : posting_tags) tags.push_back(to_lower_ascii(t));

  const template_ref* best = nullptr;
  std::size_t matches = 0;
  for (const auto& t : templates) {
    if (t.ats_tag.empty()) continue;
    if (std::find(tags.begin(), tags.end(), to_lower_ascii(t.ats_tag)) == tags.end()) continue;
    ++matches;
    if (best == nullptr || t.priority > best->priority ||
        (t.priority == best->priority && t.created_seq < best->created_seq)) {
      best = &t;
    }
  }
  if (best != nullptr) {
    std::string why = "template \"" + best->id + "\" matches tag \"" + best->ats_tag + "\"";
    if (matches > 1) {
      why += " and wins among " + std::to_string(matches) +
             " matching templates by highest priority (" + std::to_string(best->priority) +
             "), then oldest";
    }
    return {best->id, why};
  }

  const template_ref* fallback = nullptr;
  for (const auto& t : templates) {
    if (t.is_default && (fallback == nullptr || t.created_seq < fallback->created_seq)) {
      fallback = &t;
    }
  }
  if (fallback != nullptr) {
    return {fallback->id, "no template matches tags " + quoted_list(posting_tags) +
                              ", so the org's default template \"" + fallback->id + "\" is used"};
  }
  return {std::nullopt, "no template matches tags " + quoted_list(posting_tags) +
                            " and the org has no default template"};
}

}  // namespace vouch::core

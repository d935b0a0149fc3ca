// Sends the owner follow-up email (docs/reference.md#hire-follow-up-email) through one of
// two transports:
//  - maildir: writes tmp/<name> and renames it to new/<name>.eml (atomic on one file
//    system). The name is the command's idempotency key, so a retry after a crash finds
//    the message already delivered and does not write a second one.
//  - smtp: libcurl SMTP (smtp:// with STARTTLS when the server offers it, smtps:// for
//    implicit TLS). SMTP has no idempotency key: a crash between the server's 250 and our
//    commit can repeat one email; the Message-ID stays the same so clients can fold it.
#pragma once

#include <chrono>
#include <string>

#include "actors/call_outcome.hpp"
#include "core/records.hpp"

namespace vouch::actors {

struct mail_settings {
  std::string transport = "maildir", dir, smtp_url, from, public_url;
  std::string ca_file;    ///< PEM CAs trusted for the SMTP server's TLS; "" = system store
  std::string token_key;  ///< core::hire_token_key(master key)
  int64_t link_ttl_ms = 30LL * 86400000;
  std::chrono::milliseconds timeout{10000};
};

/// The RFC 5322 message of a mail.followup command (payload from command_payloads).
std::string build_followup_message(const mail_settings& s, const core::command& cmd,
                                   int64_t now_ms);

class mailer {
 public:
  explicit mailer(mail_settings s) : s_(std::move(s)) {}
  call_outcome run(const core::command& cmd);

 private:
  call_outcome to_maildir(const core::command& cmd, const std::string& msg);
  call_outcome to_smtp(const core::command& cmd, const std::string& msg);
  mail_settings s_;
};

}  // namespace vouch::actors

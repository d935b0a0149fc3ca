// The prospect machine as a table: every (state, event) pair and what it must give. A row
// that is missing is a rule nobody wrote down, so the last case checks that the table
// covers every state for every event.
#include <boost/test/unit_test.hpp>

#include "core/prospect_machine.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace vouch::core;
using ps = prospect_status;
using pe = prospect_event_kind;

namespace {

struct row {
  std::optional<ps> from;  ///< nullopt: no stored record
  pe event;
  bool with_email = true;
  bool auto_export = false;
  bool linked = false;
  // expected
  bool ignored = false;
  ps to = ps::stored;
  bool queues = false;
};

const std::vector<row> table = {
    // intake: a new prospect
    {std::nullopt, pe::intake, true, false, false, false, ps::stored, false},
    {std::nullopt, pe::intake, true, true, false, false, ps::queued, true},
    {std::nullopt, pe::intake, false, true, false, false, ps::not_exportable, false},
    // intake of a known one refreshes it and keeps its export state
    {ps::stored, pe::intake, true, true, false, false, ps::stored, false},
    {ps::queued, pe::intake, true, false, false, false, ps::queued, false},
    {ps::exported, pe::intake, true, true, false, false, ps::exported, false},
    {ps::linked, pe::intake, true, false, false, false, ps::linked, false},
    {ps::failed, pe::intake, true, false, false, false, ps::failed, false},
    {ps::not_exportable, pe::intake, true, false, false, false, ps::stored, false},
    {ps::not_exportable, pe::intake, false, false, false, false, ps::not_exportable, false},
    // a bulk export picks only what is stored or failed
    {ps::stored, pe::export_picked, true, false, false, false, ps::queued, true},
    {ps::failed, pe::export_picked, true, false, false, false, ps::queued, true},
    {ps::queued, pe::export_picked, true, false, false, true, ps::queued, false},
    {ps::exported, pe::export_picked, true, false, false, true, ps::exported, false},
    {ps::linked, pe::export_picked, true, false, false, true, ps::linked, false},
    {ps::not_exportable, pe::export_picked, false, false, false, true, ps::not_exportable, false},
    {std::nullopt, pe::export_picked, true, false, false, true, ps::stored, false},
    // results land only on a queued prospect; a late one never moves it back
    {ps::queued, pe::export_done, true, false, false, false, ps::exported, false},
    {ps::queued, pe::export_done, true, false, true, false, ps::linked, false},
    {ps::stored, pe::export_done, true, false, false, true, ps::stored, false},
    {ps::exported, pe::export_done, true, false, false, true, ps::exported, false},
    {ps::linked, pe::export_done, true, false, false, true, ps::linked, false},
    {ps::failed, pe::export_done, true, false, false, true, ps::failed, false},
    {ps::not_exportable, pe::export_done, false, false, false, true, ps::not_exportable, false},
    {std::nullopt, pe::export_done, true, false, false, true, ps::stored, false},
    {ps::queued, pe::export_failed, true, false, false, false, ps::failed, false},
    {ps::stored, pe::export_failed, true, false, false, true, ps::stored, false},
    {ps::exported, pe::export_failed, true, false, false, true, ps::exported, false},
    {ps::linked, pe::export_failed, true, false, false, true, ps::linked, false},
    {ps::failed, pe::export_failed, true, false, false, true, ps::failed, false},
    {ps::not_exportable, pe::export_failed, false, false, false, true, ps::not_exportable, false},
    {std::nullopt, pe::export_failed, true, false, false, true, ps::stored, false},
    // a cancelled job gives back what it had queued
    {ps::queued, pe::export_dropped, true, false, false, false, ps::stored, false},
    {ps::stored, pe::export_dropped, true, false, false, true, ps::stored, false},
    {ps::exported, pe::export_dropped, true, false, false, true, ps::exported, false},
    {ps::linked, pe::export_dropped, true, false, false, true, ps::linked, false},
    {ps::failed, pe::export_dropped, true, false, false, true, ps::failed, false},
    {ps::not_exportable, pe::export_dropped, false, false, false, true, ps::not_exportable, false},
    {std::nullopt, pe::export_dropped, true, false, false, true, ps::stored, false},
};

prospect_record a_prospect(bool with_email) {
  prospect_record p;
  p.org = "acme";
  p.id = "p-7";
  p.name = "Ada Lovelace";
  if (with_email) p.emails = {"ada@example.com"};
  return p;
}

std::string describe(const row& r) {
  return std::string(r.from ? to_string(*r.from) : "(none)") + " + " + to_string(r.event);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(prospect_machine)

BOOST_AUTO_TEST_CASE(every_row_of_the_table_holds) {
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT(describe(r)) {
      std::optional<prospect_record> current;
      if (r.from) {
        current = a_prospect(r.with_email);
        current->status = *r.from;
        current->created_at = current->updated_at = 100;
        if (*r.from == ps::exported || *r.from == ps::linked)
          current->lever_opportunity_id = "opp-old";
      }
      prospect_event ev;
      ev.kind = r.event;
      ev.now = 5000;
      ev.incoming = a_prospect(r.with_email);
      ev.incoming.name = "Ada King";
      ev.auto_export = r.auto_export;
      ev.export_id = "exp-1";
      ev.linked = r.linked;
      ev.lever_opportunity_id = "opp-new";
      ev.error = "Lever answered 400";
      const auto t = vouch::core::apply(current, ev);
      BOOST_TEST(t.ignored == r.ignored);
      BOOST_TEST(t.changed == !r.ignored);
      BOOST_TEST(t.queue_export == r.queues);
      BOOST_TEST(std::string(to_string(t.next.status)) == to_string(r.to));
      BOOST_TEST(!t.why.empty());
      if (r.ignored && current) {
        // Nothing moves: the record stays exactly as stored.
        BOOST_TEST(t.next.updated_at == current->updated_at);
        BOOST_TEST(t.next.lever_opportunity_id == current->lever_opportunity_id);
      }
      if (!r.ignored) BOOST_TEST(t.next.updated_at == 5000);
      if (r.event == pe::intake && current) BOOST_TEST(t.next.name == "Ada King");
      if (r.event == pe::export_done && !r.ignored)
        BOOST_TEST(t.next.lever_opportunity_id == "opp-new");
      if (r.event == pe::export_failed && !r.ignored)
        BOOST_TEST(t.next.reason == "Lever answered 400");
    }
  }
}

BOOST_AUTO_TEST_CASE(the_table_covers_every_state_for_every_event) {
  const std::vector<std::optional<ps>> states = {std::nullopt,      ps::stored, ps::queued,
                                                 ps::exported,      ps::linked, ps::failed,
                                                 ps::not_exportable};
  for (auto ev :
       {pe::intake, pe::export_picked, pe::export_done, pe::export_failed, pe::export_dropped}) {
    for (const auto& s : states) {
      bool found = false;
      for (const auto& r : table) found = found || (r.event == ev && r.from == s);
      BOOST_TEST_INFO(to_string(ev) << " from " << (s ? to_string(*s) : "(none)"));
      BOOST_TEST(found);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

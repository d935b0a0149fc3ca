// The dispatcher's outbox queue: order by time, one entry per command id, and what a
// command's way out (send, wait, drop, finish, retry) does to it.
#define BOOST_TEST_MODULE vouch outbox queue
#include <boost/test/unit_test.hpp>

#include <vector>

#include "actors/outbox_queue.hpp"

using vouch::actors::outbox_queue;
using vouch::core::command;
using verdict = outbox_queue::verdict;

namespace {
command cmd(uint64_t id, int64_t next_at) {
  command c;
  c.id = id;
  c.next_at = next_at;
  return c;
}

std::vector<uint64_t> send_all_due(outbox_queue& q, int64_t now) {
  std::vector<uint64_t> sent;
  q.take_due(now, [&](const command& c) {
    sent.push_back(c.id);
    return verdict::send;
  });
  return sent;
}
}  // namespace

BOOST_AUTO_TEST_CASE(due_commands_go_out_in_time_order_and_later_ones_wait) {
  outbox_queue q;
  q.add(cmd(1, 300));
  q.add(cmd(2, 100));
  q.add(cmd(3, 200));
  q.add(cmd(4, 900));
  BOOST_TEST(send_all_due(q, 300) == (std::vector<uint64_t>{2, 3, 1}));
  BOOST_TEST(q.waiting() == 1u);
  BOOST_TEST(q.in_flight() == 3u);
  BOOST_TEST(send_all_due(q, 899).empty());
  BOOST_TEST(send_all_due(q, 900) == (std::vector<uint64_t>{4}));
}

// The start-up snapshot of LMDB and the enqueue after the commit that wrote a command can
// both hand it over; it must still go out once.
BOOST_AUTO_TEST_CASE(a_command_handed_over_twice_goes_out_once) {
  outbox_queue q;
  BOOST_TEST(q.add(cmd(7, 100)));
  BOOST_TEST(!q.add(cmd(7, 100)));
  BOOST_TEST(send_all_due(q, 100) == (std::vector<uint64_t>{7}));
  BOOST_TEST(!q.add(cmd(7, 100)), "a late enqueue while the command is in flight");
  BOOST_TEST(send_all_due(q, 1000).empty());
  BOOST_TEST(q.in_flight() == 1u);
}

BOOST_AUTO_TEST_CASE(a_waiting_command_stays_queued_and_a_dropped_one_is_gone) {
  outbox_queue q;
  q.add(cmd(1, 10));
  q.add(cmd(2, 10));
  q.take_due(10, [](const command& c) { return c.id == 1 ? verdict::wait : verdict::drop; });
  BOOST_TEST(q.waiting() == 1u);
  BOOST_TEST(q.knows(1));
  BOOST_TEST(!q.knows(2));
  BOOST_TEST(q.in_flight() == 0u);
  BOOST_TEST(send_all_due(q, 10) == (std::vector<uint64_t>{1}));
}

BOOST_AUTO_TEST_CASE(a_finished_command_leaves_and_may_come_back_as_a_retry) {
  outbox_queue q;
  q.add(cmd(5, 0));
  send_all_due(q, 0);
  auto done = q.finish(5);
  BOOST_REQUIRE(done.has_value());
  BOOST_TEST(done->id == 5u);
  BOOST_TEST(!q.finish(5).has_value(), "a second outcome for one call is ignored");
  BOOST_TEST(!q.knows(5));
  auto retry = *done;
  retry.next_at = 500;
  BOOST_TEST(q.add(retry));
  BOOST_TEST(send_all_due(q, 499).empty());
  BOOST_TEST(send_all_due(q, 500) == (std::vector<uint64_t>{5}));
}

BOOST_AUTO_TEST_CASE(released_commands_of_one_target_are_due_at_once_and_others_keep_their_time) {
  outbox_queue q;
  auto a = cmd(1, 60000);
  a.org = "acme";
  auto b = cmd(2, 90000);
  b.org = "beta";
  auto c = cmd(3, 100);  // already due: nothing to move
  c.org = "acme";
  q.add(a);
  q.add(b);
  q.add(c);
  const auto moved = q.release(1000, [](const command& x) { return x.org == "acme"; });
  BOOST_TEST(moved == 1u);
  BOOST_TEST(send_all_due(q, 1000) == (std::vector<uint64_t>{3, 1}));
  BOOST_TEST(q.waiting() == 1u);  // beta's command still waits for 90000
  BOOST_TEST(send_all_due(q, 89999).empty());
  BOOST_TEST(send_all_due(q, 90000) == (std::vector<uint64_t>{2}));
}

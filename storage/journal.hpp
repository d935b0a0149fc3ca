// The write-ahead journal: an append-only log of write sets, synced once per group commit.
//
// With [storage] write_path = "journal" an event is answered once its write set is in the
// journal and the journal is synced (one sequential write and one fdatasync for a whole
// batch), and LMDB is brought up to date behind it in large transactions
// (storage/journal_path.cpp). On start the records LMDB has not applied yet are replayed.
// docs/architecture.md#durability says which write gives which guarantee.
//
// Two parts: a codec (pure: bytes in, records out, unit-tested byte by byte) and the
// segment files it is written to.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"

namespace vouch::storage {

// -- codec -----------------------------------------------------------------------------------

/// One journaled write set and its sequence number (consecutive, from 1, never reused).
struct journal_record {
  uint64_t seq = 0;
  write_set ws;
};

/// Bytes of a record's header: u32 payload length, u32 CRC-32C, u64 sequence number.
constexpr std::size_t journal_header_bytes = 16;
/// A record's payload is never larger (a write set is a few KiB; this bounds what a damaged
/// length field can make recovery read).
constexpr uint32_t journal_max_payload = 64u << 20;

/// CRC-32C (Castagnoli) of `bytes`, continuing from `crc` (0 to start).
uint32_t crc32c(std::string_view bytes, uint32_t crc = 0);

/// The bytes of `ws`'s record payload (what append_record writes after the header): a u32
/// op count, then per op its kind and table bytes, the u32-length-prefixed key and value.
uint64_t journal_payload_bytes(const write_set& ws);

/// Appends the record (header, then the write set) to `out`. All integers little-endian.
/// The CRC covers the length, the sequence number and the payload, so a damaged length,
/// number or byte of the payload is found.
void append_record(std::string& out, uint64_t seq, const write_set& ws);

/// What `decode_records` found.
struct decoded_records {
  std::vector<journal_record> records;
  std::size_t valid_bytes = 0;  ///< the records end here
  /// Why decoding stopped before the end of the input ("" when every byte was a record):
  /// a record cut short, a CRC mismatch, a sequence number out of order or a payload that
  /// does not parse. What follows that point is never read: a torn write is the end.
  std::string stop;
};

/// Decodes consecutive records from the start of `bytes`, the first numbered `first_seq`,
/// each next one more. Stops at the first record that is cut short or damaged.
decoded_records decode_records(std::string_view bytes, uint64_t first_seq);

// -- segment files ---------------------------------------------------------------------------

/// The journal's directory: segment files `<first seq, 16 hex digits>.log`, each holding
/// consecutive records. Only the newest is written; a segment is removed once LMDB has
/// applied (and synced) all of its records.
class journal {
 public:
  /// What open() found.
  struct recovered {
    /// The records numbered after `applied` in the order written: what LMDB has not
    /// applied yet.
    std::vector<journal_record> records;
    uint64_t last_seq = 0;  ///< the newest record's number (0 when none)
    /// A damaged or cut tail of the newest segment (records after it were never answered):
    /// where it starts and why. Empty when the journal ended cleanly.
    std::string tail_note;
  };

  /// Reads every segment in `dir` (created when missing). `applied` is the number LMDB
  /// holds: records up to it are skipped. Fails (nullptr, `err` names the file and the
  /// offset) when a segment other than the newest is damaged or a number is missing
  /// between segments: records after that point were answered and cannot be read, so
  /// vouchd must not start as if they never were.
  static std::unique_ptr<journal> open(const std::string& dir, uint64_t applied, recovered& out,
                                       std::string& err);
  ~journal();
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  /// Writes `bytes` (records numbered first_seq..last_seq, continuing the journal) and
  /// syncs them. Starts a new segment first when the current one is full (and syncs the
  /// directory, so the new file survives a power loss). On a failed write the segment is
  /// cut back to where it was (nothing of it stays) and the answer is map_full when the
  /// disk is full, other otherwise, with `err` saying why; a failed sync ends the process
  /// (database.cpp says why).
  commit_error append(std::string_view bytes, uint64_t first_seq, uint64_t last_seq,
                      std::string& err);
  /// Removes every segment whose records are all numbered `applied` or lower (never the
  /// one being written).
  void release_through(uint64_t applied);

  uint64_t segments() const;
  uint64_t bytes() const;  ///< on disk, all segments

  /// Segment size at which a new one is started.
  static constexpr uint64_t segment_bytes = 64ull << 20;

 private:
  struct impl;
  explicit journal(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace vouch::storage

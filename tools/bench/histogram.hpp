// A log-bucketed latency histogram in the spirit of HdrHistogram: 64 linear sub-buckets per
// power of two (about 1.6% relative error), nanosecond input, fixed memory, mergeable.
// Used by the load generator and the actor bench so every percentile in the bench table is
// computed the same way.
#pragma once

#include <array>
#include <cstdint>

namespace vouch::bench {

class histogram {
 public:
  // -- modifiers -------------------------------------------------------------

  void record(uint64_t ns) {
    ++counts_[index_of(ns)];
    ++total_;
    if (ns > max_) max_ = ns;
  }

  void merge(const histogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    if (other.max_ > max_) max_ = other.max_;
  }

  // -- observers -------------------------------------------------------------

  uint64_t count() const { return total_; }
  uint64_t max() const { return max_; }

  /// The value at quantile q (0..1), as the midpoint of its bucket; 0 when empty.
  uint64_t quantile(double q) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<uint64_t>(q * static_cast<double>(total_));
    if (rank >= total_) rank = total_ - 1;
    uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > rank) return value_of(i);
    }
    return max_;
  }

 private:
  static constexpr int sub_bits = 6;  // 64 sub-buckets per octave
  static constexpr uint64_t sub = uint64_t{1} << sub_bits;
  static constexpr std::size_t buckets = 2 * sub + 64 * sub;

  static std::size_t index_of(uint64_t v) {
    if (v < 2 * sub) return static_cast<std::size_t>(v);
    int msb = 63 - __builtin_clzll(v);  // >= sub_bits + 1
    int shift = msb - sub_bits;
    return static_cast<std::size_t>(2 * sub + (msb - sub_bits - 1) * sub + ((v >> shift) - sub));
  }

  static uint64_t value_of(std::size_t i) {
    if (i < 2 * sub) return i;
    auto rest = i - 2 * sub;
    int msb = static_cast<int>(rest / sub) + sub_bits + 1;
    int shift = msb - sub_bits;
    uint64_t low = ((rest % sub) + sub) << shift;
    return low + (uint64_t{1} << shift) / 2;
  }

  std::array<uint64_t, buckets> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
};

}  // namespace vouch::bench

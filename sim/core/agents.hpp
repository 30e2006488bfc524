// Structure-of-arrays agent storage with stable 64-bit ids.
//
// An agent type is a set of columns (one std::vector per field) of equal length plus the id
// column. Births are appended at the end with fresh ids; deaths are removed at the end of a
// step by a stable compaction, so survivors keep their relative order and every run orders its
// agents the same way.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace sim {

class AgentTable {
 public:
  AgentTable() = default;
  AgentTable(const AgentTable&) = delete;
  AgentTable& operator=(const AgentTable&) = delete;

  // Registers a field column under a name (for messages); it is resized with the table and
  // compacted with it.
  template <typename T>
  void add_column(std::vector<T>& column, std::string name) {
    columns_.push_back(std::make_unique<Column<T>>(column, std::move(name)));
    column.resize(id.size());
  }

  // The first agent (lowest index) whose floating-point field is NaN or infinite, searched in
  // parallel blocks; found is false when every value is finite.
  struct NonFinite {
    bool found = false;
    std::size_t index = 0;
    std::string column;
    double value = 0.0;
  };
  NonFinite first_non_finite() const;

  std::size_t size() const { return id.size(); }

  std::size_t column_count() const { return columns_.size(); }
  // The bytes one agent takes in each of its arrays, by name: "id" first, then every
  // registered column in registration order.
  std::vector<std::pair<std::string, std::size_t>> column_bytes() const;
  // Bytes one agent takes in the table: the sum of column_bytes().
  std::size_t bytes_per_row() const;

  // Appends n agents with fresh ids (value-initialised fields); returns the first new index.
  std::size_t append(std::size_t n);

  // Keeps the agents whose alive flag is non-zero, in their current order; returns how many
  // were removed.
  std::size_t compact(const std::vector<std::uint8_t>& alive);

  std::uint64_t next_id() const { return next_id_; }

  std::vector<std::uint64_t> id;

 private:
  // A maximal run of surviving rows [from, from + length): a compaction moves runs, not rows.
  struct Run {
    std::size_t from;
    std::size_t length;
  };
  // Moves the runs, in order, to the front of v, then shrinks it to kept (their total length).
  // Destinations never pass their sources, so moving front to back is safe in place; a run
  // moves as one block copy.
  template <typename T>
  static void keep_runs(std::vector<T>& v, const std::vector<Run>& runs, std::size_t kept) {
    std::size_t to = 0;
    for (const Run& run : runs) {
      if (run.from != to) {
        std::copy(v.begin() + static_cast<std::ptrdiff_t>(run.from),
                  v.begin() + static_cast<std::ptrdiff_t>(run.from + run.length),
                  v.begin() + static_cast<std::ptrdiff_t>(to));
      }
      to += run.length;
    }
    v.resize(kept);
  }
  struct ColumnBase {
    explicit ColumnBase(std::string column_name) : name(std::move(column_name)) {}
    virtual ~ColumnBase() = default;
    // Index of the first non-finite value in [begin, end), or end (integer columns: end).
    virtual std::size_t first_non_finite(std::size_t begin, std::size_t end) const = 0;
    virtual double value(std::size_t i) const = 0;
    virtual std::size_t element_bytes() const = 0;
    std::string name;
    virtual void resize(std::size_t n) = 0;
    // Moves the runs, in order, to the front, then shrinks to kept (their total length).
    virtual void keep_only(const std::vector<Run>& runs, std::size_t kept) = 0;
  };
  template <typename T>
  struct Column final : ColumnBase {
    Column(std::vector<T>& v, std::string column_name)
        : ColumnBase(std::move(column_name)), data(v) {}
    std::size_t first_non_finite(std::size_t begin, std::size_t end) const override {
      if constexpr (std::is_floating_point_v<T>) {
        // Chunks are scanned without a branch per element: a value is NaN or infinite when
        // its exponent bits are all ones, and an integer OR over a chunk vectorises. A chunk
        // with a bad value is searched again for the first one.
        using Bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
        constexpr Bits kExponent = sizeof(T) == 8 ? Bits{0x7ff0000000000000} : Bits{0x7f800000};
        constexpr std::size_t kChunk = 256;
        for (std::size_t b = begin; b < end; b += kChunk) {
          const std::size_t e = std::min(end, b + kChunk);
          Bits all_ones = 0;
          for (std::size_t i = b; i < e; ++i) {
            all_ones |= static_cast<Bits>((std::bit_cast<Bits>(data[i]) & kExponent) == kExponent);
          }
          if (all_ones == 0) continue;
          for (std::size_t i = b; i < e; ++i) {
            if (!std::isfinite(data[i])) return i;
          }
        }
      }
      return end;
    }
    double value(std::size_t i) const override {
      if constexpr (std::is_arithmetic_v<T>) return static_cast<double>(data[i]);
      return 0.0;
    }
    std::size_t element_bytes() const override { return sizeof(T); }
    void resize(std::size_t n) override {
      if (n > data.capacity()) {
        // Room for half as many again: entrants arrive every quarter, and each move of a column
        // costs its copy and a page fault per new page (tens of microseconds on a virtual
        // machine). Pages never written cost no memory.
        const std::size_t capacity = std::max(n + n / 2, 2 * data.capacity());
        data.reserve(capacity);
        // Only the rows in use: a huge page past them would be backed in full by the first
        // entrant written into it, up to 2 MiB a column that no firm uses.
        advise_huge_pages(data.data(), n * sizeof(T));
      }
      data.resize(n);
    }
    void keep_only(const std::vector<Run>& runs, std::size_t kept) override {
      keep_runs(data, runs, kept);
    }
    std::vector<T>& data;
  };

  // Asks Linux to back the untouched pages of a new, large column with 2 MiB pages: a world of
  // a million firms otherwise spends most of its start in 4 KiB page faults. A hint only; no
  // effect on results, and none where transparent huge pages are off.
  static void advise_huge_pages(void* start, std::size_t bytes);

  std::vector<std::unique_ptr<ColumnBase>> columns_;
  std::vector<Run> runs_;  // scratch of compact(): at most one run per two rows
  std::uint64_t next_id_ = 0;
};

}  // namespace sim

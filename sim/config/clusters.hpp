// The catalogue of clusters: the spatial unit of every run (the cluster dimension of results).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sim {

struct ClusterInfo {
  std::string id;       // stable key used in scenario files, e.g. "lithium_battery"
  std::string name;     // English name
  std::string name_zh;  // name in the plan's text
  std::string region;   // e.g. "yellow_river_delta"
  std::string kind;     // "emerging" or "traditional"
  std::string host_city;
};

// Cluster indices are stored in 16 bits per agent.
inline constexpr std::size_t kMaxClusters = std::numeric_limits<std::uint16_t>::max();

class ClusterCatalog {
 public:
  ClusterCatalog() = default;
  explicit ClusterCatalog(std::vector<ClusterInfo> clusters);

  // Reads a catalogue CSV (columns id, name, name_zh, region, kind, host_city); ids must be
  // unique, non-empty and not "default", kinds emerging or traditional.
  static ClusterCatalog read(const std::string& path);

  std::size_t size() const { return clusters_.size(); }
  const ClusterInfo& operator[](std::size_t i) const { return clusters_[i]; }
  const std::vector<ClusterInfo>& all() const { return clusters_; }
  std::optional<std::size_t> index_of(const std::string& id) const;

 private:
  std::vector<ClusterInfo> clusters_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace sim

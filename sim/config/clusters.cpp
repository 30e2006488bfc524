#include "sim/config/clusters.hpp"

#include <fmt/format.h>

#include <unordered_set>

#include "sim/config/csv.hpp"
#include "sim/core/errors.hpp"

namespace sim {

ClusterCatalog::ClusterCatalog(std::vector<ClusterInfo> clusters) : clusters_(std::move(clusters)) {
  for (std::size_t i = 0; i < clusters_.size(); ++i) index_.emplace(clusters_[i].id, i);
}

ClusterCatalog ClusterCatalog::read(const std::string& path) {
  const CsvTable table = read_csv(path);
  const std::size_t id = table.column("id");
  const std::size_t name = table.column("name");
  const std::size_t name_zh = table.column("name_zh");
  const std::size_t region = table.column("region");
  const std::size_t kind = table.column("kind");
  const std::size_t host = table.column("host_city");
  std::vector<ClusterInfo> clusters;
  std::unordered_set<std::string> ids;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const Location where{path, table.row_lines[r], 1};
    ClusterInfo info{row[id], row[name], row[name_zh], row[region], row[kind], row[host]};
    if (info.id.empty() || info.id == "default") {
      throw InputError(where, "id", "a cluster id must be non-empty and not 'default'");
    }
    if (!ids.insert(info.id).second) {
      throw InputError(where, "id", fmt::format("cluster id '{}' appears twice", info.id));
    }
    if (clusters.size() == kMaxClusters) {
      throw InputError(where, "",
                       fmt::format("a catalogue holds at most {} clusters", kMaxClusters));
    }
    if (info.kind != "emerging" && info.kind != "traditional") {
      throw InputError(where, "kind",
                       fmt::format("kind is '{}'; expected emerging or traditional", info.kind));
    }
    clusters.push_back(std::move(info));
  }
  if (clusters.empty()) throw InputError({path, 0, 0}, "", "the catalogue lists no cluster");
  return ClusterCatalog(std::move(clusters));
}

std::optional<std::size_t> ClusterCatalog::index_of(const std::string& id) const {
  const auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

}  // namespace sim

// Suggestions for misspelt names: the nearest allowed name by edit distance.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sim {

// Levenshtein distance: insertions, deletions and substitutions of one byte each cost 1.
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest in spelling to `word`, when one is close: within a third of the word's
// length (at least 2 edits). Ties go to the earlier candidate.
std::optional<std::string> closest(const std::string& word,
                                   const std::vector<std::string>& candidates);

}  // namespace sim

#include "sim/analysis/outcome.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <stdexcept>

#include "sim/core/checked.hpp"
#include "sim/core/errors.hpp"

namespace sim {
namespace {

constexpr const char* kForms =
    "a goal (G3, G3.value, G3.cost), sum(M), mean(M), end(M) or clusters(M >= X), each with an "
    "optional period (2020, 2020Q4, 2016Q1:2020Q4), a stylized fact fact(F), a number, or these "
    "combined with + - * / and parentheses";

// Errors point at a 1-based column of the expression, as a one-line input named --outcome.
[[noreturn]] void fail(std::size_t column, const std::string& detail) {
  throw InputError({"--outcome", 1, static_cast<int>(column)}, "--outcome", detail);
}

std::string listing(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

struct Steps {
  std::size_t first = 0, last = 0;  // inclusive step indices
};

enum class Kind { GoalShare, GoalValue, GoalCost, Sum, Mean, End, Clusters, Fact };

// A parsed outcome, checked against the table's goals, metrics and quarters.
struct Outcome {
  Kind kind = Kind::GoalShare;
  std::string name;        // goal id or metric
  std::size_t column = 0;  // of the name, for errors found while evaluating
  double threshold = 0.0;  // clusters(M >= X)
  Steps steps;
  MetricKind metric_kind = MetricKind::Flow;
};

// An arithmetic expression over outcomes: a leaf is an outcome or a number; an inner node
// combines its two children (or negates its one) per point.
struct Expression {
  enum class Op { Outcome, Number, Add, Subtract, Multiply, Divide, Negate };
  Op op = Op::Number;
  Outcome outcome;
  double number = 0.0;
  std::vector<Expression> children;
};

// A hand-written recursive-descent parser over the expression's characters: the grammar has
// a handful of tokens, and a cursor gives every error its exact column.
class Parser {
 public:
  Parser(const std::string& text, const SweepTable& table) : text_(text), table_(table) {}

  Expression parse() {
    skip_space();
    if (at_end()) fail(1, fmt::format("the outcome is empty; expected {}", kForms));
    Expression out = sum_of_terms();
    skip_space();
    if (!at_end()) fail(this->column(), fmt::format("unexpected {} after the outcome", found()));
    return out;
  }

 private:
  // Nesting beyond this is a hostile expression, not a target: each level is a stack frame.
  static constexpr int kMaxDepth = 64;

  static Expression combine(Expression::Op op, Expression left, Expression right) {
    Expression out;
    out.op = op;
    out.children.push_back(std::move(left));
    out.children.push_back(std::move(right));
    return out;
  }

  // term (("+" | "-") term)*
  Expression sum_of_terms() {
    Expression out = term();
    for (skip_space(); peek() == '+' || peek() == '-'; skip_space()) {
      const auto op = peek() == '+' ? Expression::Op::Add : Expression::Op::Subtract;
      ++pos_;
      out = combine(op, std::move(out), term());
    }
    return out;
  }

  // factor (("*" | "/") factor)*
  Expression term() {
    Expression out = factor();
    for (skip_space(); peek() == '*' || peek() == '/'; skip_space()) {
      const auto op = peek() == '*' ? Expression::Op::Multiply : Expression::Op::Divide;
      ++pos_;
      out = combine(op, std::move(out), factor());
    }
    return out;
  }

  // NUMBER | "-" factor | "(" expression ")" | outcome
  Expression factor() {
    skip_space();
    if (++depth_ > kMaxDepth) {
      fail(column(), fmt::format("the outcome nests deeper than {} levels", kMaxDepth));
    }
    Expression out;
    const char c = peek();
    if (c == '-') {
      ++pos_;
      out.op = Expression::Op::Negate;
      out.children.push_back(factor());
    } else if (c == '(') {
      ++pos_;
      out = sum_of_terms();
      expect(")", "to close the parenthesis");
    } else if ((c >= '0' && c <= '9') || c == '.') {
      out.number = number();
    } else {
      out.op = Expression::Op::Outcome;
      out.outcome = outcome();
    }
    --depth_;
    return out;
  }

  Outcome outcome() {
    const std::size_t column = this->column();
    std::string name = identifier(kForms);
    skip_space();
    return peek() == '(' ? function(std::move(name), column) : goal(std::move(name), column);
  }

  std::size_t column() const { return pos_ + 1; }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void skip_space() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
  }
  // What the cursor is on, for messages.
  std::string found() const {
    return at_end() ? std::string("the end") : fmt::format("'{}'", text_[pos_]);
  }

  void expect(std::string_view token, const std::string& why) {
    skip_space();
    if (text_.compare(pos_, token.size(), token) != 0) {
      fail(column(), fmt::format("expected '{}' {}, found {}", token, why, found()));
    }
    pos_ += token.size();
  }

  static bool word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  }

  std::string identifier(const std::string& expected) {
    skip_space();
    if (at_end() || !(std::isalpha(static_cast<unsigned char>(peek())) != 0 || peek() == '_')) {
      fail(column(), fmt::format("expected {}, found {}", expected, found()));
    }
    const std::size_t start = pos_;
    while (!at_end() && word_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  double number() {
    skip_space();
    const std::size_t column = this->column();
    double value = 0.0;
    const char* begin = text_.data() + pos_;
    const auto [end, error] = std::from_chars(begin, text_.data() + text_.size(), value);
    if (error != std::errc() || !std::isfinite(value)) {
      fail(column, fmt::format("expected a finite number such as 100e9, found {}", found()));
    }
    pos_ += static_cast<std::size_t>(end - begin);
    return value;
  }

  Outcome goal(std::string id, std::size_t column) {
    if (!contains(table_.goal_ids, id)) {
      if (contains(table_.metric_names, id)) {
        fail(column,
             fmt::format("'{0}' is a metric: use sum({0}), mean({0}) or clusters({0} >= X)", id));
      }
      fail(column, table_.goal_ids.empty()
                       ? fmt::format("no goal '{}': the sweep has no goals", id)
                       : fmt::format("no goal '{}'; goals are {}", id, listing(table_.goal_ids)));
    }
    Outcome out{Kind::GoalShare, std::move(id), column, 0.0, {}};
    skip_space();
    if (peek() != '.') return out;
    ++pos_;
    const std::size_t field_column = this->column();
    const std::string field = identifier("a goal field (value or cost)");
    if (field == "value") {
      out.kind = Kind::GoalValue;
    } else if (field == "cost") {
      out.kind = Kind::GoalCost;
    } else {
      fail(field_column, fmt::format("no goal field '{}'; fields are value and cost ({} alone is "
                                     "the share of replicates meeting it)",
                                     field, out.name));
    }
    return out;
  }

  Outcome function(std::string name, std::size_t column) {
    Outcome out;
    if (name == "sum") {
      out.kind = Kind::Sum;
    } else if (name == "mean") {
      out.kind = Kind::Mean;
    } else if (name == "end") {
      out.kind = Kind::End;
    } else if (name == "clusters") {
      out.kind = Kind::Clusters;
    } else if (name == "fact") {
      return fact();
    } else {
      fail(column,
           fmt::format("no function '{}'; functions are sum, mean, end, clusters and fact", name));
    }
    expect("(", "after the function's name");
    out.name = metric(out.column);
    if (out.kind == Kind::Clusters) {
      expect(">=", "after the metric: clusters(M >= X) counts clusters at least X");
      out.threshold = number();
    }
    out.steps = Steps{0, table_.steps == 0 ? 0 : table_.steps - 1};
    skip_space();
    if (peek() == ',') {
      ++pos_;
      out.steps = period();
    }
    expect(")", fmt::format("to close {}(", name));
    out.metric_kind = table_.metric_kind(out.name);
    check_aggregate(out, name);
    return out;
  }

  // sum, mean and end add a metric over clusters, and sum adds it over quarters too: refused
  // where that gives a number that means nothing.
  static void check_aggregate(const Outcome& out, const std::string& function) {
    const MetricKind kind = out.metric_kind;
    const char* kind_name = metric_kind_name(kind);
    if (kind == MetricKind::Ratio && out.kind != Kind::Clusters) {
      fail(out.column,
           fmt::format("{0} is a ratio ({1}): {2}() would add it over clusters; use "
                       "clusters({0} >= X[, P]), which compares each cluster's mean over P",
                       out.name, metric_kind_meaning(kind), function));
    }
    if (out.kind == Kind::Sum && (kind == MetricKind::Stock || kind == MetricKind::TrailingYear)) {
      fail(out.column,
           fmt::format("{0} is a {1} ({2}): adding its quarters counts it once a quarter; use "
                       "end({0}, P) for its level at the end of P or mean({0}, P) for its mean",
                       out.name, kind_name, metric_kind_meaning(kind)));
    }
  }

  // fact(F): a stylized fact of each run, with no period (it covers the run's snapshots).
  Outcome fact() {
    Outcome out;
    out.kind = Kind::Fact;
    expect("(", "after fact");
    skip_space();
    out.column = column();
    out.name = identifier("a stylized fact's name");
    if (!contains(table_.fact_names, out.name)) {
      fail(out.column,
           table_.fact_names.empty()
               ? fmt::format("no fact '{}': this sweep recorded no stylized facts "
                             "(a calibration records them when a target reads one)",
                             out.name)
               : fmt::format("no fact '{}'; facts are {}", out.name, listing(table_.fact_names)));
    }
    expect(")", "to close fact(");
    return out;
  }

  // A metric's name; `column` is set to where it starts.
  std::string metric(std::size_t& column) {
    skip_space();
    column = this->column();
    std::string name = identifier("a metric name");
    if (!table_.metric_names.empty() && !contains(table_.metric_names, name)) {
      fail(column,
           fmt::format("no metric '{}'; metrics are {}", name, listing(table_.metric_names)));
    }
    return name;
  }

  // A year or a quarter as the steps it starts and ends at.
  Steps period_end() {
    skip_space();
    const std::size_t column = this->column();
    const std::size_t start = pos_;
    while (!at_end() && word_char(text_[pos_])) ++pos_;
    std::string word = text_.substr(start, pos_ - start);
    const auto digits = [&word] {
      return word.size() >= 4 && std::all_of(word.begin(), word.begin() + 4,
                                             [](char c) { return c >= '0' && c <= '9'; });
    };
    const bool year = word.size() == 4 && digits();
    const bool quarter = word.size() == 6 && digits() && (word[4] == 'Q' || word[4] == 'q') &&
                         word[5] >= '1' && word[5] <= '4';
    if (!year && !quarter) {
      fail(column, fmt::format("expected a year (2020) or a quarter (2020Q4), found {}",
                               word.empty() ? found() : "'" + word + "'"));
    }
    if (quarter) {
      word[4] = 'Q';
      const std::size_t step = step_of(word, column, fmt::format("no quarter {}", word));
      return Steps{step, step};
    }
    const std::string whole = fmt::format("the year {} is not wholly in the sweep", word);
    return Steps{step_of(word + "Q1", column, whole), step_of(word + "Q4", column, whole)};
  }

  std::size_t step_of(const std::string& label, std::size_t column, const std::string& problem) {
    const auto& labels = table_.time_labels;
    const auto it = std::find(labels.begin(), labels.end(), label);
    if (it != labels.end()) return static_cast<std::size_t>(it - labels.begin());
    if (labels.empty()) fail(column, problem + ": the sweep has no quarters");
    fail(column,
         fmt::format("{}: the sweep runs from {} to {}", problem, labels.front(), labels.back()));
  }

  // P, or P:P, where each P is a year or a quarter.
  Steps period() {
    skip_space();
    const std::size_t column = this->column();
    const Steps first = period_end();
    skip_space();
    if (peek() != ':') return first;
    ++pos_;
    const Steps last = period_end();
    if (last.last < first.first) {
      fail(column, fmt::format("the period {} ends before it starts",
                               text_.substr(column - 1, pos_ - column + 1)));
    }
    return Steps{first.first, last.last};
  }

  const std::string& text_;
  const SweepTable& table_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

// The loops below walk the table's stated shape, so `values` must hold exactly its product; a
// product that overflows (a crafted shape) would wrap to a small number and pass a plain check.
void check_size(const std::vector<double>& values, std::initializer_list<std::size_t> shape,
                const std::string& what) {
  const std::optional<std::size_t> expected = checked_product(shape);
  if (!expected) {
    throw std::invalid_argument(
        fmt::format("the sweep's shape [{}] for {} has more values than "
                    "memory can address",
                    fmt::join(shape, ", "), what));
  }
  if (values.size() != *expected) {
    throw std::invalid_argument(fmt::format("{} has {} values; the sweep's shape needs {}", what,
                                            values.size(), *expected));
  }
}

// Goal outcomes: an undecided replicate (met = -1, the run ends before the deadline) has no
// share, value or cost to report, so it is an error rather than a silent NaN or 0.
std::vector<double> goal_outcome(const Outcome& outcome, const SweepTable& table) {
  const std::size_t goals = table.goal_ids.size(), replicates = table.replicates;
  const auto g = static_cast<std::size_t>(
      std::find(table.goal_ids.begin(), table.goal_ids.end(), outcome.name) -
      table.goal_ids.begin());
  const std::vector<double> met = table.goals("met");
  check_size(met, {table.points, goals, replicates}, "/goals/met");
  const std::vector<double> values = outcome.kind == Kind::GoalShare ? met
                                     : outcome.kind == Kind::GoalValue
                                         ? table.goals("value_at_deadline")
                                         : table.goals("cost_to_deadline");
  check_size(values, {met.size()}, "a /goals field");
  std::vector<double> out(table.points, 0.0);
  for (std::size_t point = 0; point < table.points; ++point) {
    const std::size_t base = (point * goals + g) * replicates;
    double sum = 0.0;
    for (std::size_t r = 0; r < replicates; ++r) {
      if (met[base + r] < 0) {
        fail(outcome.column, fmt::format("goal {} is undecided at point {} (replicate {}): the "
                                         "run ends before the goal's deadline",
                                         outcome.name, point, r));
      }
      sum += outcome.kind == Kind::GoalShare ? (met[base + r] == 1 ? 1.0 : 0.0) : values[base + r];
    }
    out[point] = sum / static_cast<double>(replicates);
  }
  return out;
}

// One cluster's value of a metric over a period, as its kind adds up (metric_kind.hpp).
double period_value(MetricKind kind, const double* values, std::size_t clusters, std::size_t c,
                    Steps s) {
  if (kind == MetricKind::Stock || kind == MetricKind::TrailingYear)
    return values[s.last * clusters + c];
  double sum = 0.0;
  for (std::size_t t = s.first; t <= s.last; ++t) sum += values[t * clusters + c];
  if (kind == MetricKind::AnnualRate) return sum / 4.0;
  if (kind == MetricKind::Ratio) return sum / static_cast<double>(s.last - s.first + 1);
  return sum;
}

// One replicate's metric outcome; `values` points at its [step][cluster] block.
double replicate_outcome(const Outcome& outcome, const double* values, std::size_t clusters) {
  const Steps s = outcome.steps;
  double total = 0.0;
  if (outcome.kind == Kind::Clusters) {
    for (std::size_t c = 0; c < clusters; ++c) {
      const double value = period_value(outcome.metric_kind, values, clusters, c, s);
      total += value >= outcome.threshold ? 1.0 : 0.0;
    }
    return total;
  }
  const std::size_t first = outcome.kind == Kind::End ? s.last : s.first;
  for (std::size_t t = first; t <= s.last; ++t) {
    for (std::size_t c = 0; c < clusters; ++c) total += values[t * clusters + c];
  }
  if (outcome.kind == Kind::Mean) return total / static_cast<double>(s.last - s.first + 1);
  // sum(): only flows and annual rates reach here (check_aggregate).
  return outcome.kind == Kind::Sum && outcome.metric_kind == MetricKind::AnnualRate ? total / 4.0
                                                                                    : total;
}

std::vector<double> metric_outcome(const Outcome& outcome, const SweepTable& table) {
  const std::vector<double> values = table.metric(outcome.name);
  const std::size_t block = table.steps * table.clusters;
  check_size(values, {table.points, table.replicates, table.steps, table.clusters},
             "metric " + outcome.name);
  if (table.steps == 0) return std::vector<double>(table.points, std::nan(""));
  std::vector<double> out(table.points, 0.0);
  for (std::size_t point = 0; point < table.points; ++point) {
    double sum = 0.0;
    for (std::size_t r = 0; r < table.replicates; ++r) {
      sum += replicate_outcome(outcome, &values[(point * table.replicates + r) * block],
                               table.clusters);
    }
    out[point] = sum / static_cast<double>(table.replicates);
  }
  return out;
}

// A fact's mean over each point's replicates; a NaN (too few firms for it) stays NaN.
std::vector<double> fact_outcome(const Outcome& outcome, const SweepTable& table) {
  const std::vector<double> values = table.fact(outcome.name);
  check_size(values, {table.points, table.replicates}, "fact " + outcome.name);
  std::vector<double> out(table.points, 0.0);
  for (std::size_t point = 0; point < table.points; ++point) {
    double sum = 0.0;
    for (std::size_t r = 0; r < table.replicates; ++r) sum += values[point * table.replicates + r];
    out[point] = sum / static_cast<double>(table.replicates);
  }
  return out;
}

std::vector<double> evaluate_leaf(const Outcome& outcome, const SweepTable& table) {
  switch (outcome.kind) {
    case Kind::GoalShare:
    case Kind::GoalValue:
    case Kind::GoalCost:
      return goal_outcome(outcome, table);
    case Kind::Sum:
    case Kind::Mean:
    case Kind::End:
    case Kind::Clusters:
      return metric_outcome(outcome, table);
    case Kind::Fact:
      return fact_outcome(outcome, table);
  }
  return {};
}

std::vector<double> evaluate(const Expression& e, const SweepTable& table) {
  using Op = Expression::Op;
  if (e.op == Op::Outcome) return evaluate_leaf(e.outcome, table);
  if (e.op == Op::Number) return std::vector<double>(table.points, e.number);
  std::vector<double> out = evaluate(e.children[0], table);
  if (e.op == Op::Negate) {
    for (double& x : out) x = -x;
    return out;
  }
  const std::vector<double> right = evaluate(e.children[1], table);
  for (std::size_t point = 0; point < out.size(); ++point) {
    switch (e.op) {
      case Op::Add:
        out[point] += right[point];
        break;
      case Op::Subtract:
        out[point] -= right[point];
        break;
      case Op::Multiply:
        out[point] *= right[point];
        break;
      default:
        out[point] /= right[point];
        break;
    }
  }
  return out;
}

}  // namespace

std::vector<double> evaluate_outcome(const std::string& expression, const SweepTable& table) {
  return evaluate(Parser(expression, table).parse(), table);
}

}  // namespace sim

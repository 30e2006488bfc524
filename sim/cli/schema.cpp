// `clustersim schema`: every setting as a Markdown table, printed or written into a document.
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <string_view>

#include "sim/cli/command.hpp"
#include "sim/core/errors.hpp"

namespace sim::cli {
namespace {

// Rewrites the part of a Markdown file between kSchemaBegin and kSchemaEnd with the schema.
int update_schema_table(const std::string& file, const Schema& schema) {
  constexpr std::string_view kSchemaBegin = "<!-- schema:begin -->\n";
  constexpr std::string_view kSchemaEnd = "<!-- schema:end -->";
  std::ifstream in(file);
  if (!in) throw InputError({file, 0, 0}, "", "cannot read the file to update");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const auto begin = text.find(kSchemaBegin);
  const auto end = text.find(kSchemaEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    throw InputError({file, 0, 0}, "", "the file lacks the <!-- schema:begin/end --> markers");
  }
  text.replace(begin + kSchemaBegin.size(), end - begin - kSchemaBegin.size(), schema.markdown());
  std::ofstream(file) << text;
  fmt::print("updated the settings table in {}\n", file);
  return kExitOk;
}

class SchemaCommand final : public Command {
 public:
  explicit SchemaCommand(CLI::App& app)
      : Command(app, "schema", "Print every setting as a Markdown table") {
    this->app().add_option("--update", update_,
                           "Replace the table between the schema markers of this Markdown file");
  }
  int run(const Context& context) override {
    if (!update_.empty()) return update_schema_table(update_, context.model.schema());
    fmt::print("{}", context.model.schema().markdown());
    return kExitOk;
  }

 private:
  std::string update_;
};

}  // namespace

std::unique_ptr<Command> add_schema(CLI::App& app) {
  return std::make_unique<SchemaCommand>(app);
}

}  // namespace sim::cli

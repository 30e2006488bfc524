// `clustersim report`: a result, sweep or calibration file as one self-contained HTML file,
// and optionally the same printed to PDF (sim/report).
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "sim/cli/command.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/result_file.hpp"
#include "sim/report/pdf.hpp"
#include "sim/report/report.hpp"

namespace sim::cli {
namespace {

namespace fs = std::filesystem;

// Writes `text` to a temporary name beside `path`, then renames it: a failure leaves no
// half-written report.
void write_text_atomically(const std::string& path, const std::string& text) {
  const fs::path target = fs::absolute(path);
  const fs::path temporary =
      target.parent_path() / fmt::format(".{}.{}.tmp", target.filename().string(), getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(temporary, ec);
      throw InputError({path, 0, 0}, "--output", "cannot write the report here");
    }
  }
  std::error_code ec;
  fs::rename(temporary, target, ec);
  if (ec) {
    fs::remove(temporary, ec);
    throw InputError({path, 0, 0}, "--output", "cannot write the report here");
  }
}

class ReportCommand final : public Command {
 public:
  explicit ReportCommand(CLI::App& app)
      : Command(app, "report",
                "Write a result, sweep or calibration file as one self-contained HTML report "
                "(and a PDF) that can be emailed and printed") {
    CLI::App& cmd = this->app();
    cmd.add_option("result", file_, "Result file of run, sweep, merge or calibrate")->required();
    cmd.add_option("-o,--output", output_, "The HTML report (default: the result's name, .html)");
    cmd.add_option("--pdf", pdf_, "Also print it to this PDF through headless Chromium");
    cmd.add_option("--date", options_.date,
                   "Date printed in the report, YYYY-MM-DD (default: SOURCE_DATE_EPOCH, else the "
                   "date the result was written)")
        ->check([](const std::string& d) {
          static const std::regex iso(R"(\d{4}-\d{2}-\d{2})");
          return std::regex_match(d, iso) ? std::string() : "expected YYYY-MM-DD, e.g. 2026-12-04";
        });
    cmd.add_option("--bootstrap", options_.bootstrap,
                   "Bootstrap resamples of a saltelli sweep's Sobol intervals")
        ->check(CLI::Range(std::size_t{0}, std::size_t{100000}));
    cmd.add_flag("-f,--force", force_, "Replace existing output files");
  }

  int run(const Context& context) override {
    if (output_.empty()) output_ = fs::path(file_).replace_extension(".html").string();
    check_output_path(output_, force_);
    if (!pdf_.empty()) check_output_path(pdf_, force_);
    const std::string html = report::report_html(file_, context.model, options_);
    write_text_atomically(output_, html);
    fmt::print("wrote {}\n", output_);
    if (!pdf_.empty()) {
      report::print_pdf(output_, pdf_);
      fmt::print("wrote {}\n", pdf_);
    }
    return kExitOk;
  }

 private:
  std::string file_, output_, pdf_;
  report::ReportOptions options_;
  bool force_ = false;
};

}  // namespace

std::unique_ptr<Command> add_report(CLI::App& app) {
  return std::make_unique<ReportCommand>(app);
}

}  // namespace sim::cli

// The web app's changes as --set assignments, its request checks and its embedded page.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "models/cluster_model.hpp"
#include "sim/core/errors.hpp"
#include "sim/serve/changes.hpp"
#include "sim/serve/page.hpp"
#include "sim/serve/server.hpp"

namespace {

using sim::serve::Change;
using sim::serve::to_assignment;

const std::string kSmall = std::string(CLUSTERSIM_TEST_DATA) + "/small-levers.yaml";

class ServeChanges : public ::testing::Test {
 protected:
  const models::ClusterModel model;
  const sim::Scenario base = sim::Scenario::load(kSmall, model.schema());
};

TEST_F(ServeChanges, AValueForTheWholeRunIsAConstant) {
  EXPECT_EQ(to_assignment({"policy.hnte_tax_rate", 0.1, std::nullopt, {}}, base),
            "policy.hnte_tax_rate=0.1");
}

TEST_F(ServeChanges, AStartKeepsTheBasesScheduleBeforeIt) {
  // The base's super-deduction is {2014: 0.5, 2018: 0.75}: from 2016 on, 1.2 replaces both.
  EXPECT_EQ(to_assignment({"policy.rd_super_deduction", 1.2, "2016", {}}, base),
            "policy.rd_super_deduction={2014Q1: 0.5, 2016Q1: 1.2}");
  EXPECT_EQ(to_assignment({"policy.rd_super_deduction", 1.2, "2015Q3", {}}, base),
            "policy.rd_super_deduction={2014Q1: 0.5, 2015Q3: 1.2}");
  // A start before the run is the whole run.
  EXPECT_EQ(to_assignment({"policy.rd_super_deduction", 1.2, "2010", {}}, base),
            "policy.rd_super_deduction=1.2");
}

TEST_F(ServeChanges, PerClusterValuesBecomeADefaultAndTheClustersThatDiffer) {
  EXPECT_EQ(to_assignment(
                {"policy.guide_fund.capital_per_year", 3e8, std::nullopt, {{"beta", 5e8}}}, base),
            "policy.guide_fund.capital_per_year={default: 300000000, beta: 500000000}");
  // Only a cluster's value: the others keep the base's.
  const std::string only = to_assignment(
      {"policy.guide_fund.capital_per_year", std::nullopt, "2015", {{"beta", 5e8}}}, base);
  const sim::Scenario changed = sim::Scenario::load(kSmall, model.schema(), {{only}});
  const auto& clusters = base.clusters();
  const int q2016 = sim::quarter_number(*sim::parse_date("2016"));
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    const double expected = clusters[c].id == "beta"
                                ? 5e8
                                : base.number("policy.guide_fund.capital_per_year", q2016, c);
    EXPECT_EQ(changed.number("policy.guide_fund.capital_per_year", q2016, c), expected)
        << clusters[c].id;
  }
}

TEST_F(ServeChanges, TheAssignmentLoadsToTheScheduleAsked) {
  const std::string set = to_assignment({"policy.rd_super_deduction", 1.2, "2016", {}}, base);
  const sim::Scenario changed = sim::Scenario::load(kSmall, model.schema(), {{set}});
  const int q2015 = sim::quarter_number(*sim::parse_date("2015"));
  const int q2016 = sim::quarter_number(*sim::parse_date("2016"));
  EXPECT_EQ(changed.number("policy.rd_super_deduction", q2015, 0),
            base.number("policy.rd_super_deduction", q2015, 0));
  EXPECT_EQ(changed.number("policy.rd_super_deduction", q2016, 0), 1.2);
}

TEST_F(ServeChanges, RequestsNameWhatIsWrong) {
  const auto& schema = model.schema();
  auto message = [&](const char* json) {
    try {
      sim::serve::parse_changes(nlohmann::json::parse(json), schema);
    } catch (const sim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message(R"([{"key": "policy.hnte_tax_rat", "value": 1}])")
                .find("did you mean policy.hnte_tax_rate"),
            std::string::npos);
  EXPECT_NE(message(R"([{"key": "talent.mobile_share", "value": 1, "from": 2016}])")
                .find("does not vary by date"),
            std::string::npos);
  EXPECT_NE(message(R"([{"key": "policy.hnte_tax_rate", "value": "high"}])")
                .find("key 'changes[0].value': must be a number"),
            std::string::npos);
  EXPECT_NE(message(R"([{"key": "policy.hnte_tax_rate", "value": 1, "colour": 2}])")
                .find("changes[0].colour"),
            std::string::npos);
  EXPECT_EQ(message(R"([{"key": "policy.hnte_tax_rate", "value": 0.1, "from": "2016Q3"}])"),
            "accepted");
  EXPECT_THROW(to_assignment({"policy.hnte_tax_rate", 0.1, std::nullopt, {{"atlantis", 1}}}, base),
               sim::InputError);
  EXPECT_THROW(to_assignment({"policy.hnte_tax_rate", 0.1, "someday", {}}, base), sim::InputError);
}

TEST_F(ServeChanges, ControlsSeparateLeversFromAssumptions) {
  const nlohmann::json controls = sim::serve::controls_json(base);
  std::size_t levers = 0;
  for (const auto& c : controls) {
    const std::string key = c["key"];
    EXPECT_EQ(c["kind"] == "lever", key.rfind("policy.", 0) == 0) << key;
    levers += c["kind"] == "lever" ? 1U : 0U;
    if (key == "policy.hnte_tax_rate") {
      EXPECT_EQ(c["family"], "tax and switches");
      EXPECT_EQ(c["base_number"], base.number("policy.hnte_tax_rate"));
    }
    if (key == "policy.rd_super_deduction") {
      EXPECT_EQ(c["base"], "{2014Q1: 0.5, 2018Q1: 0.75}");
      EXPECT_TRUE(c["base_number"].is_null());
    }
    EXPECT_NE(key.rfind("run.", 0), 0U);
  }
  EXPECT_GT(levers, 20U);
  EXPECT_GT(controls.size(), levers + 50);
}

TEST(ServeRequests, HostOriginAndTokenChecks) {
  using sim::serve::host_allowed;
  using sim::serve::origin_allowed;
  using sim::serve::same_token;
  EXPECT_TRUE(host_allowed("127.0.0.1:8080", "127.0.0.1", 8080));
  EXPECT_TRUE(host_allowed("localhost:8080", "127.0.0.1", 8080));
  EXPECT_FALSE(host_allowed("localhost:8081", "127.0.0.1", 8080));
  EXPECT_FALSE(host_allowed("evil.example:8080", "127.0.0.1", 8080));
  EXPECT_FALSE(host_allowed("", "127.0.0.1", 8080));
  EXPECT_TRUE(host_allowed("10.0.0.5:80", "10.0.0.5", 80));
  EXPECT_TRUE(origin_allowed("http://127.0.0.1:8080", "127.0.0.1", 8080));
  EXPECT_FALSE(origin_allowed("http://evil.example:8080", "127.0.0.1", 8080));
  EXPECT_FALSE(origin_allowed("https://127.0.0.1:8080", "127.0.0.1", 8080));
  EXPECT_FALSE(origin_allowed("null", "127.0.0.1", 8080));
  EXPECT_TRUE(same_token("abc", "abc"));
  EXPECT_FALSE(same_token("abd", "abc"));
  EXPECT_FALSE(same_token("ab", "abc"));
  EXPECT_FALSE(same_token("", ""));
  const std::string token = sim::serve::random_token();
  EXPECT_EQ(token.size(), 32U);
  EXPECT_NE(token, sim::serve::random_token());
}

TEST(ServePage, TheEmbeddedPageIsTheSourceFile) {
  std::ifstream in(std::string(CLUSTERSIM_SOURCE_DIR) + "/sim/serve/page.html");
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_FALSE(text.str().empty());
  EXPECT_EQ(sim::serve::page_html(), text.str());
}

}  // namespace

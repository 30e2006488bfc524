// Incubators: slots, admission, graduation (by hand).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "models/firm.hpp"
#include "models/fund.hpp"
#include "models/goals.hpp"
#include "models/incubator.hpp"
#include "models/platform.hpp"
#include "models/talent.hpp"
#include "models/tax.hpp"

namespace {

using models::FirmType;
using models::FundKind;

// --- incubators ----------------------------------------------------------------------------

double funded_open(const models::IncubatorTable& t, std::uint16_t c, bool backbone_only) {
  double slots = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t.cluster[i] != c || t.funded[i] == 0 || t.open[i] == 0) continue;
    if (!backbone_only || t.host[i] != 0) slots += t.capacity[i];
  }
  return slots;
}

TEST(EconomicsRulesIncubators, OpensToTargetRespectingTheBackboneShare) {
  models::IncubatorTable t;
  // A starting (not funded) incubator of the same cluster is neither counted nor closed.
  const std::size_t stock = t.agents.append(1);
  t.cluster[stock] = 0;
  t.capacity[stock] = 30;
  t.open[stock] = 1;
  models::HostCandidates hosts{{7, 9, 11}, 0};
  // Target 120 in incubators of 50, backbone share 0.5:
  // 1st, 50 slots: 0 + 50 <= 0.5 * 50 = 25? no -> public.
  // 2nd, 50 slots: 50 <= 0.5 * 100 = 50 -> backbone, host 7 (stored as 7 + 1).
  // 3rd, 20 slots (the rest): 50 + 20 <= 0.5 * 120 = 60? no -> public.
  const auto closed = models::adjust_funded_capacity(t, 0, 120, 0.5, hosts, 50);
  EXPECT_TRUE(closed.empty());
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t.capacity, (std::vector<double>{30, 50, 50, 20}));
  EXPECT_EQ(t.host, (std::vector<std::uint64_t>{0, 0, 8, 0}));
  EXPECT_EQ(t.funded, (std::vector<std::uint8_t>{0, 1, 1, 1}));
  EXPECT_EQ(hosts.next, 1u);
  EXPECT_DOUBLE_EQ(funded_open(t, 0, false), 120.0);
  EXPECT_LE(funded_open(t, 0, true), 0.5 * 120.0);
  // The same target again changes nothing.
  EXPECT_TRUE(models::adjust_funded_capacity(t, 0, 120, 0.5, hosts, 50).empty());
  EXPECT_EQ(t.size(), 4u);
}

TEST(EconomicsRulesIncubators, FallsBackToPublicWithoutHosts) {
  models::IncubatorTable t;
  // Share 1 wants every incubator backbone-run, but there is one host only.
  models::HostCandidates hosts{{42}, 0};
  models::adjust_funded_capacity(t, 3, 150, 1.0, hosts, 50);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.host, (std::vector<std::uint64_t>{43, 0, 0}));
  EXPECT_EQ(t.cluster, (std::vector<std::uint16_t>{3, 3, 3}));
  // Share 0: all public even with hosts.
  models::IncubatorTable u;
  models::HostCandidates many{{1, 2, 3}, 0};
  models::adjust_funded_capacity(u, 0, 100, 0.0, many, 50);
  EXPECT_EQ(u.host, (std::vector<std::uint64_t>{0, 0}));
  EXPECT_EQ(many.next, 0u);
}

TEST(EconomicsRulesIncubators, ClosesNewestFirstWhenTheTargetFalls) {
  models::IncubatorTable t;
  models::HostCandidates hosts{{7, 9, 11}, 0};
  models::adjust_funded_capacity(t, 0, 120, 0.5, hosts, 50);  // 50 public, 50 host 7, 20 public
  // Target 60: close the 20 (id 2): 100 > 60; close the 50 (id 1): 50 <= 60; then open 10.
  const auto closed = models::adjust_funded_capacity(t, 0, 60, 0.0, hosts, 50);
  EXPECT_EQ(closed, (std::vector<std::uint64_t>{2, 1}));
  EXPECT_EQ(t.open, (std::vector<std::uint8_t>{1, 0, 0, 1}));
  EXPECT_DOUBLE_EQ(t.capacity[3], 10.0);
  EXPECT_DOUBLE_EQ(funded_open(t, 0, false), 60.0);
  // Target 0 closes everything funded.
  const auto all = models::adjust_funded_capacity(t, 0, 0, 0.0, hosts, 50);
  EXPECT_EQ(all, (std::vector<std::uint64_t>{3, 0}));
  EXPECT_DOUBLE_EQ(funded_open(t, 0, false), 0.0);
}

TEST(EconomicsRulesIncubators, BackboneShareRespectedAfterAPartialClose) {
  // Closing a backbone-run incubator frees its slots from the backbone-run count, so the rest
  // of the target reopens with the right share.
  // Funded: 50 public (id 0), 50 host 7 (id 1), 20 public (id 2). New target 60, share 0.5:
  // ids 2 and 1 close, leaving 50 public slots and no backbone-run slot; the 10 slots to
  // reopen are backbone-run (0 + 10 <= 0.5 * 60 = 30) with the next host (9).
  models::IncubatorTable t;
  models::HostCandidates hosts{{7, 9, 11}, 0};
  models::adjust_funded_capacity(t, 0, 120, 0.5, hosts, 50);
  models::adjust_funded_capacity(t, 0, 60, 0.5, hosts, 50);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t.host[3], 10u);
  EXPECT_DOUBLE_EQ(funded_open(t, 0, true), 10.0);
}

}  // namespace

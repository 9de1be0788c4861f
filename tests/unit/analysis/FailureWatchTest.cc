#include "analysis/FailureWatch.h"

#include <gtest/gtest.h>

#include "tools/HeadlessGuest.h"

namespace tandem {
namespace {

std::unique_ptr<cli::HeadlessGuest> boot(const char* name) {
  auto g = cli::HeadlessGuest::boot({std::string(TANDEM_BUILD_DIR) + "/guests/" + name + ".elf", "", ""}, 16u << 20);
  EXPECT_TRUE(g) << g.error().message;
  return g ? std::move(*g) : nullptr;
}

TEST(FailureWatch, ATripleFaultIsAFailureWhereTheCpuShutDown) {
  auto g = boot("triple_fault");
  ASSERT_TRUE(g);
  FailureWatch watch(g->machine());
  WatchOutcome out = watch.run(100'000'000);
  EXPECT_EQ(out.exit, MachineExit::kTripleFault);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), pb::TRIPLE_FAULT);
  EXPECT_EQ(out.failure->icount(), g->machine().icount().value());
  EXPECT_NE(g->console().find("triple fault next"), std::string::npos);
}

TEST(FailureWatch, APowerOffOrTheLimitIsNoFailure) {
  auto g = boot("hello");
  ASSERT_TRUE(g);
  {
    FailureWatch watch(g->machine());
    WatchOutcome early = watch.run(1000);
    EXPECT_EQ(early.exit, MachineExit::kLimit);
    EXPECT_FALSE(early.failure);
    WatchOutcome out = watch.run(100'000'000);
    EXPECT_NE(out.exit, MachineExit::kLimit);
    EXPECT_FALSE(out.failure);
  }
  EXPECT_NE(g->console().find("PASS"), std::string::npos);
}

TEST(FailureWatch, InterruptsGoOnToTheNextObserver) {
  auto g = boot("pit");
  ASSERT_TRUE(g);
  size_t before = g->events().events().size();
  {
    FailureWatch watch(g->machine(), FailureWatch::kDefaultHangInstructions, &g->events());
    watch.run(50'000'000);
  }
  size_t deliveries = 0;
  for (const Event& e : g->events().events())
    deliveries += std::holds_alternative<InterruptDeliveryEvent>(e.body);
  EXPECT_GT(deliveries, 10u);
  EXPECT_GT(g->events().events().size(), before);
}

}  // namespace
}  // namespace tandem

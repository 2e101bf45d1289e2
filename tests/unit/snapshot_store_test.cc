// The loop builds metrics only for a scrape that waits for them: a scrape
// asks, the next pass publishes, the scrape gets that pass's snapshot; with
// no pass in time it gets the latest one.
#include "cgwarden/exporter/snapshot_store.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace cgw {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const MetricsSnapshot> snapshot_named(const std::string &name) {
    auto snapshot = std::make_shared<MetricsSnapshot>();
    snapshot->families.emplace_back();
    snapshot->families.back().name = name;
    return snapshot;
}

TEST(SnapshotStore, TheFirstPassPublishesThenOnlyPassesAScrapeWaitsFor) {
    SnapshotStore store;
    EXPECT_TRUE(store.wanted()) << "the first pass publishes, for /readyz and early scrapes";
    store.publish(snapshot_named("first"));
    EXPECT_FALSE(store.wanted()) << "no scrape waits: passes build nothing";

    auto scrape = std::async(std::launch::async, [&] { return store.next(10s); });
    while (!store.wanted())
        std::this_thread::sleep_for(1ms);
    store.publish(snapshot_named("second"));
    auto got = scrape.get();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->families.at(0).name, "second") << "the pass after the scrape asked";
    EXPECT_FALSE(store.wanted());
}

TEST(SnapshotStore, AScrapeWithNoPassInTimeGetsTheLatestAndTheNextPassPublishes) {
    SnapshotStore store;
    EXPECT_EQ(store.next(1ms), nullptr) << "nothing before the first pass: 503";
    store.publish(snapshot_named("first"));
    auto got = store.next(20ms);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->families.at(0).name, "first");
    EXPECT_TRUE(store.wanted()) << "still asked for: the next pass builds one";
}

TEST(SnapshotStore, LastPassIsKeptWhetherOrNotItPublished) {
    SnapshotStore store;
    EXPECT_FALSE(store.last_pass());
    auto at = std::chrono::steady_clock::now();
    store.pass_ended(at);
    EXPECT_EQ(store.last_pass(), at);
}

}  // namespace
}  // namespace cgw

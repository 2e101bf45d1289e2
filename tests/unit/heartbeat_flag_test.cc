#include "cgwarden/net/heartbeat_flag.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

using namespace std::chrono_literals;

TEST(HeartbeatFlag, ParsesNameProtocolPortAndInterval) {
    auto flow = parse_heartbeat_flag("kubelet=tcp:6443:10s");
    ASSERT_TRUE(flow) << flow.error().message;
    EXPECT_EQ(flow->name, "kubelet");
    EXPECT_EQ(flow->proto, "tcp");
    EXPECT_EQ(flow->port, 6443);
    EXPECT_EQ(flow->interval, Duration(10s));
    EXPECT_FALSE(flow->cgroup);
}

TEST(HeartbeatFlag, IntervalIsOptionalAndTakesUnits) {
    auto bare = parse_heartbeat_flag("dns=udp:53");
    ASSERT_TRUE(bare) << bare.error().message;
    EXPECT_FALSE(bare->interval);
    EXPECT_EQ(parse_heartbeat_flag("a=udp:1:250ms")->interval, Duration(250ms));
    EXPECT_EQ(parse_heartbeat_flag("a=udp:1:1.5s")->interval, Duration(1500ms));
    EXPECT_EQ(parse_heartbeat_flag("a=udp:1:2m")->interval, Duration(2min));
    EXPECT_EQ(parse_heartbeat_flag("a=udp:1:500us")->interval, Duration(500us));
    EXPECT_EQ(parse_heartbeat_flag("node.agent-1_x=udp:65535")->port, 65535);
}

TEST(HeartbeatFlag, BadInputSaysWhatIsWrongAndShowsTheForm) {
    struct Case {
        const char *text;
        const char *says;
    };
    for (const Case &c : {Case{"kubelet", "no '='"}, Case{"=tcp:1", "name"},
                          Case{"a b=tcp:1", "name"}, Case{"a=tcp", "no ':PORT'"},
                          Case{"a=sctp:1", "neither udp nor tcp"}, Case{"a=TCP:1", "neither"},
                          Case{"a=tcp:0", "port '0'"}, Case{"a=tcp:65536", "port '65536'"},
                          Case{"a=tcp:x", "port 'x'"}, Case{"a=tcp:", "port ''"},
                          Case{"a=tcp:1:10", "interval '10'"}, Case{"a=tcp:1:0s", "interval"},
                          Case{"a=tcp:1:-1s", "interval"}, Case{"a=tcp:1:5h", "interval '5h'"},
                          Case{"a=tcp:1:", "interval ''"}, Case{"a=tcp:1:1s:x", "interval"}}) {
        auto flow = parse_heartbeat_flag(c.text);
        ASSERT_FALSE(flow) << c.text;
        EXPECT_NE(flow.error().message.find(c.says), std::string::npos)
            << c.text << ": " << flow.error().message;
        EXPECT_NE(flow.error().message.find("NAME=PROTO:PORT[:INTERVAL]"), std::string::npos);
    }
}

}  // namespace
}  // namespace cgw

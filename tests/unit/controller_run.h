// A node replayed through the decision function one second at a time: the
// node builds each interval's input (`interval(now, args...)`) and takes the
// decided knob values (`apply(out)`), as the daemon and the kernel would.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "cgwarden/control/controller.h"

namespace cgw::test {

// A class of the policy with nothing but its name and priority yet.
inline ClassPolicy named_class(const std::string &name, int priority) {
    ClassPolicy c;
    c.name = name;
    c.priority = priority;
    return c;
}

template <class Node>
struct ControllerRun {
    explicit ControllerRun(Policy p) : policy(std::move(p)) {}

    Policy policy;
    Node node;
    ControllerState state;
    Duration now{};

    template <class... Args>
    ControllerOutput tick(Args &&...args) {
        now += std::chrono::seconds(1);
        ControllerOutput out =
            decide(node.interval(now, std::forward<Args>(args)...), policy, state);
        node.apply(out);
        state = out.state;
        return out;
    }
};

}  // namespace cgw::test

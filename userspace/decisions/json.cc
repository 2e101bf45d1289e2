#include "cgwarden/decisions/json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "cgwarden/common/strings.h"
#include "cgwarden/decisions/text.h"

namespace cgw {

namespace {

using nlohmann::json;

json value_json(double v) {
    return std::isinf(v) ? json("max") : json(v);
}

double value_of(const json &v) {
    if (v.is_string() && v.get<std::string>() == "max")
        return kUnlimited;
    return v.get<double>();
}

json evidence_json(const Evidence &e) {
    return {{"victim", e.victim},
            {"slo", e.slo},
            {"observed", e.observed},
            {"target", e.target},
            {"device", e.device},
            {"flow", e.flow},
            {"antagonist_weight", e.antagonist_weight},
            {"antagonist_share", e.antagonist_share}};
}

Evidence evidence_of(const json &j) {
    Evidence e;
    e.victim = j.at("victim").get<std::string>();
    e.slo = j.at("slo").get<std::string>();
    e.observed = j.at("observed").get<double>();
    e.target = j.at("target").get<double>();
    e.device = j.value("device", "");
    e.flow = j.value("flow", "");
    e.antagonist_weight = j.value("antagonist_weight", 0.0);
    e.antagonist_share = j.value("antagonist_share", 0.0);
    return e;
}

json record_json(const DecisionRecord &r) {
    const Decision &d = r.decision;
    return {{"time", utc_time_text(r.unix_time_ns, "%Y-%m-%dT%H:%M:%S") + "Z"},  // RFC 3339
            {"unix_time_ns", r.unix_time_ns},
            {"cgroup", d.cgroup},
            {"knob", to_string(d.knob)},
            {"device", d.device},
            {"old", value_json(d.old_value)},
            {"new", value_json(d.new_value)},
            {"direction", d.direction == Direction::Down ? "down" : "up"},
            {"rule", d.rule},
            {"applied", r.applied},
            {"error", r.error},
            {"evidence", d.evidence ? evidence_json(*d.evidence) : json(nullptr)}};
}

DecisionRecord record_of(const json &j) {
    DecisionRecord r;
    r.unix_time_ns = j.at("unix_time_ns").get<uint64_t>();
    r.applied = j.at("applied").get<bool>();
    r.error = j.value("error", "");
    Decision &d = r.decision;
    d.cgroup = j.at("cgroup").get<std::string>();
    std::string knob = j.at("knob").get<std::string>();
    auto k = knob_from_string(knob);
    if (!k)
        throw std::invalid_argument("unknown knob \"" + knob + "\"");
    d.knob = *k;
    d.device = j.value("device", "");
    d.old_value = value_of(j.at("old"));
    d.new_value = value_of(j.at("new"));
    d.direction = j.at("direction").get<std::string>() == "down" ? Direction::Down : Direction::Up;
    d.rule = j.at("rule").get<std::string>();
    if (const json &e = j.at("evidence"); !e.is_null())
        d.evidence = evidence_of(e);
    return r;
}

bool covers(const std::string &ancestor, const std::string &path) {
    return ancestor == path || is_ancestor_path(ancestor, path);
}

bool concerns(const DecisionRecord &r, const std::vector<std::string> &cgroups) {
    if (cgroups.empty())
        return true;
    const Decision &d = r.decision;
    return std::any_of(cgroups.begin(), cgroups.end(), [&d](const std::string &c) {
        return covers(c, d.cgroup) || (d.evidence && covers(c, d.evidence->victim));
    });
}

}  // namespace

DecisionDocument select_decisions(DecisionDocument document,
                                  const std::vector<std::string> &cgroups, size_t last) {
    std::vector<DecisionRecord> kept;
    for (DecisionRecord &r : document.decisions)
        if (concerns(r, cgroups))
            kept.push_back(std::move(r));
    if (kept.size() > last)
        kept.erase(kept.begin(), kept.end() - static_cast<std::ptrdiff_t>(last));
    document.decisions = std::move(kept);
    return document;
}

std::string to_json(const DecisionDocument &document) {
    json records = json::array();
    for (const DecisionRecord &r : document.decisions)
        records.push_back(record_json(r));
    json out = {{"mode", to_string(document.mode)},
                {"total", document.total},
                {"decisions", std::move(records)}};
    // Replace, not throw: a cgroup name need not be UTF-8, and this runs in
    // an HTTP thread, where an exception would end the daemon unrestored.
    return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

DecisionDocument document_of(const DecisionHistory &history) {
    return {history.mode(), history.total(), history.records()};
}

Result<DecisionDocument> parse_decision_document(const std::string &text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return Error{"not a JSON object"};
    DecisionDocument document;
    try {
        std::string mode = j.at("mode").get<std::string>();
        auto m = mode_from_string(mode);
        if (!m)
            return Error{"unknown mode \"" + mode + "\""};
        document.mode = *m;
        document.total = j.at("total").get<uint64_t>();
    } catch (const json::exception &e) {
        return Error{e.what()};
    }
    const json &records = j.value("decisions", json::array());
    for (size_t i = 0; i < records.size(); ++i) {
        try {
            document.decisions.push_back(record_of(records.at(i)));
        } catch (const std::exception &e) {
            return Error{fmt::format("decision {}: {}", i, e.what())};
        }
    }
    return document;
}

}  // namespace cgw

#include "yaml_checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace cgw::policy_yaml {

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::string child_path(const std::string &parent, std::string_view key) {
    return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string index_path(const std::string &parent, size_t index) {
    return fmt::format("{}[{}]", parent, index);
}

std::optional<std::string_view> did_you_mean(std::string_view word,
                                             std::initializer_list<std::string_view> known) {
    std::optional<std::string_view> best;
    size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
    for (std::string_view candidate : known) {
        size_t d = edit_distance(word, candidate);
        if (d < best_distance) {
            best = candidate;
            best_distance = d;
        }
    }
    return best;
}

void YamlChecker::error(const YAML::Node &at, const std::string &key_path,
                        const std::string &what) {
    errors_.push_back(
        {at.Mark(), fmt::format("{}: {}", key_path.empty() ? "(top)" : key_path, what)});
}

std::vector<std::string> YamlChecker::errors() const {
    std::vector<Found> sorted = errors_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Found &a, const Found &b) {
        return std::pair(a.mark.line, a.mark.column) < std::pair(b.mark.line, b.mark.column);
    });
    std::vector<std::string> out;
    for (const Found &e : sorted) {
        // yaml-cpp counts from 0; editors and compilers from 1.
        if (e.mark.is_null())
            out.push_back(fmt::format("{}: {}", filename_, e.text));
        else
            out.push_back(
                fmt::format("{}:{}:{}: {}", filename_, e.mark.line + 1, e.mark.column + 1, e.text));
    }
    return out;
}

bool YamlChecker::expect_map(const YAML::Node &node, const std::string &key_path,
                             std::initializer_list<std::string_view> known) {
    if (!node.IsMap()) {
        error(node, key_path,
              "expected a map of keys (" + fmt::format("{}", fmt::join(known, ", ")) + ")");
        return false;
    }
    std::set<std::string> seen;
    for (const auto &entry : node) {
        const YAML::Node &key = entry.first;
        std::string name = key.IsScalar() ? key.Scalar() : "?";
        std::string path = child_path(key_path, name);
        if (!seen.insert(name).second) {
            error(key, path, "given twice");
        } else if (std::find(known.begin(), known.end(), name) == known.end()) {
            auto near = did_you_mean(name, known);
            error(key, path,
                  near ? fmt::format("unknown key (did you mean '{}'?)", *near)
                       : fmt::format("unknown key (known: {})", fmt::join(known, ", ")));
        }
    }
    return true;
}

bool YamlChecker::expect_sequence(const YAML::Node &node, const std::string &key_path) {
    if (node.IsSequence())
        return true;
    error(node, key_path, "expected a list ('- item' lines or [a, b])");
    return false;
}

std::optional<std::string> YamlChecker::scalar(const YAML::Node &node,
                                               const std::string &key_path) {
    if (node.IsScalar())
        return node.Scalar();
    error(node, key_path,
          node.IsNull() ? "expected a value, got nothing"
                        : "expected a single value, not a map or list");
    return std::nullopt;
}

}  // namespace cgw::policy_yaml

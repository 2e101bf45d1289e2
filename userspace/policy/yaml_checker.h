// Walks a parsed YAML document and collects every error with its place in
// the file and its key path ("classes[1].knobs.cpu_max.floor"), so a bad file
// is reported completely in one run instead of one error per edit.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cgwarden/common/result.h"

namespace cgw::policy_yaml {

// "classes" + "name" -> "classes.name"; "" + "interval" -> "interval".
std::string child_path(const std::string &parent, std::string_view key);
std::string index_path(const std::string &parent, size_t index);

class YamlChecker {
  public:
    explicit YamlChecker(std::string filename) : filename_(std::move(filename)) {}

    // "cgwarden.yaml:14:7: classes[1].slo.cpu_delay_p99: <what>" at the node's
    // position (a missing key is reported at its parent map).
    void error(const YAML::Node &at, const std::string &key_path, const std::string &what);

    // True when `node` is a map. Reports keys not in `known` (with "did you
    // mean" for a near miss) and keys given twice.
    bool expect_map(const YAML::Node &node, const std::string &key_path,
                    std::initializer_list<std::string_view> known);
    bool expect_sequence(const YAML::Node &node, const std::string &key_path);

    // The text of a scalar; a map, list or empty value is reported.
    std::optional<std::string> scalar(const YAML::Node &node, const std::string &key_path);

    // map[key] read by a unit parser (Result<T>(std::string_view)); nothing
    // when the key is absent (and `required` is false) or the value is bad.
    template <class Parse>
    auto read(const YAML::Node &map, std::string_view key, const std::string &parent_path,
              Parse parse, bool required = false)
        -> std::optional<std::decay_t<decltype(parse({}).value())>> {
        std::string path = child_path(parent_path, key);
        YAML::Node node = map[std::string(key)];
        if (!node) {
            if (required)
                error(map, path, "missing (required)");
            return std::nullopt;
        }
        auto text = scalar(node, path);
        if (!text)
            return std::nullopt;
        auto value = parse(*text);
        if (!value) {
            error(node, path, value.error().message);
            return std::nullopt;
        }
        return std::move(value).value();
    }

    // map[key] as a list, each item read by `parse`; bad items are reported
    // and left out.
    template <class Parse>
    auto read_list(const YAML::Node &map, std::string_view key, const std::string &parent_path,
                   Parse parse) -> std::vector<std::decay_t<decltype(parse({}).value())>> {
        std::vector<std::decay_t<decltype(parse({}).value())>> out;
        std::string path = child_path(parent_path, key);
        YAML::Node list = map[std::string(key)];
        if (!list || !expect_sequence(list, path))
            return out;
        for (size_t i = 0; i < list.size(); ++i) {
            std::string item_path = index_path(path, i);
            auto text = scalar(list[i], item_path);
            if (!text)
                continue;
            auto value = parse(*text);
            if (value)
                out.push_back(std::move(value).value());
            else
                error(list[i], item_path, value.error().message);
        }
        return out;
    }

    size_t error_count() const { return errors_.size(); }
    // "FILE:LINE:COLUMN: KEY.PATH: what", in the order of the file.
    std::vector<std::string> errors() const;

  private:
    struct Found {
        YAML::Mark mark;
        std::string text;  // "KEY.PATH: what"
    };
    std::string filename_;
    std::vector<Found> errors_;
};

// The closest of `known` to `word`, when it is close enough to be a typo.
std::optional<std::string_view> did_you_mean(std::string_view word,
                                             std::initializer_list<std::string_view> known);

}  // namespace cgw::policy_yaml

// Looks keys up in an ordered map (or set: InStepKeys) while walking other
// keys in the same order: one pass over the map instead of a search per
// key. On a node of thousands of cgroups, every map keyed by cgroup id is
// walked in id order each pass, and a search per cgroup was a fifth of the
// pass.
#pragma once

#include <map>

namespace cgw {

template <class Map>
class InStep {
  public:
    explicit InStep(const Map &map) : it_(map.begin()), end_(map.end()) {}

    // The value at `key`, or null; keys must be asked in increasing order.
    const typename Map::mapped_type *at(const typename Map::key_type &key) {
        while (it_ != end_ && it_->first < key)
            ++it_;
        return it_ != end_ && it_->first == key ? &it_->second : nullptr;
    }

  private:
    typename Map::const_iterator it_;
    typename Map::const_iterator end_;
};

// The same walk over the keys of an ordered set: whether each key asked, in
// increasing order, is in it.
template <class Set>
class InStepKeys {
  public:
    explicit InStepKeys(const Set &set) : it_(set.begin()), end_(set.end()) {}

    bool contains(const typename Set::key_type &key) {
        while (it_ != end_ && *it_ < key)
            ++it_;
        return it_ != end_ && *it_ == key;
    }

  private:
    typename Set::const_iterator it_;
    typename Set::const_iterator end_;
};

}  // namespace cgw

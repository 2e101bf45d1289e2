// A map kept as one sorted array of (key, value): for the tables a pass
// builds and walks by cgroup id (or pair of ids), thousands of entries on a
// busy node, built in key order or from one batch, walked in step (InStep)
// with the last pass's, and looked up by binary search. A std::map of them
// cost an allocation per entry and a pointer chase per step: at 10,000
// cgroups, a fifth of a pass. Inserting in the middle is linear: for tests
// and small tables, not for building a big one.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

namespace cgw {

template <class Key, class Value>
class SortedTable {
  public:
    using key_type = Key;
    using mapped_type = Value;
    using value_type = std::pair<Key, Value>;
    using iterator = typename std::vector<value_type>::iterator;
    using const_iterator = typename std::vector<value_type>::const_iterator;

    SortedTable() = default;
    // Entries in any order, each key at most once.
    explicit SortedTable(std::vector<value_type> entries) : entries_(std::move(entries)) {
        std::ranges::sort(entries_, {}, &value_type::first);
    }

    // Adds an entry after all others: its key is the greatest yet.
    Value &append(const Key &key, Value value) {
        return entries_.emplace_back(key, std::move(value)).second;
    }

    // The key's value, made (value-initialized) in its place if new.
    Value &operator[](const Key &key) {
        auto at = lower_bound(key);
        if (at == entries_.end() || at->first != key)
            at = entries_.insert(at, {key, Value{}});
        return at->second;
    }

    const_iterator find(const Key &key) const {
        auto at = lower_bound(key);
        return at != entries_.end() && at->first == key ? const_iterator(at) : entries_.end();
    }
    bool contains(const Key &key) const { return find(key) != end(); }
    size_t count(const Key &key) const { return contains(key) ? 1 : 0; }
    const Value &at(const Key &key) const {
        auto found = find(key);
        if (found == end())
            throw std::out_of_range("SortedTable::at: no such key");
        return found->second;
    }
    void erase(const Key &key) {
        auto at = lower_bound(key);
        if (at != entries_.end() && at->first == key)
            entries_.erase(at);
    }

    const_iterator begin() const { return entries_.begin(); }
    const_iterator end() const { return entries_.end(); }
    size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }
    void clear() { entries_.clear(); }
    void reserve(size_t n) { entries_.reserve(n); }

  private:
    iterator lower_bound(const Key &key) {
        return std::ranges::lower_bound(entries_, key, {}, &value_type::first);
    }
    const_iterator lower_bound(const Key &key) const {
        return std::ranges::lower_bound(entries_, key, {}, &value_type::first);
    }

    std::vector<value_type> entries_;
};

}  // namespace cgw

#include "cgwarden/actuator/knob_io.h"

#include <fmt/format.h>

#include "cgroup_file.h"
#include "cgwarden/actuator/knob_codec.h"
#include "cgwarden/common/block_device_name.h"
#include "cgwarden/common/file.h"

namespace cgw {

// A knob's files for one cgroup, with what they hold now.
struct KnobIo::Files {
    KnobCodec codec;
    std::vector<std::filesystem::path> paths;
    std::vector<JournalKey> keys;
    std::vector<std::string> slices;
};

namespace {

// blkio.bfq.weight only means something to BFQ; with another scheduler the
// write succeeds and does nothing, which must not pass for enforcement.
Status check_bfq(const std::filesystem::path &sys, const std::string &device) {
    auto file = sys / "dev/block" / device / "queue/scheduler";
    auto schedulers = read_file(file);
    if (!schedulers)
        return schedulers.error().context("checking the IO scheduler of " + device);
    if (schedulers->find("[bfq]") != std::string::npos)
        return {};
    return Error{fmt::format(
        "io_weight on cgroup v1 is blkio.bfq.weight, which only BFQ honours, and device {} "
        "does not use BFQ ({}: '{}'); select it with: echo bfq > {}",
        device, file.string(), file_slice(*schedulers, SliceOf::Whole, ""), file.string())};
}

}  // namespace

bool KnobIo::needs_device(Knob knob) const {
    auto codec = knob_codec(layout_, knob);
    return codec && codec->needs_device;
}

Result<KnobIo::Files> KnobIo::files_of(const KnobTarget &target) const {
    auto what = fmt::format("{} of cgroup {}", to_string(target.knob), target.cgroup);
    auto codec = knob_codec(layout_, target.knob);
    if (!codec)
        return codec.error().context(what);
    if (codec->needs_device && !is_device_number(target.device))
        return Error{
            fmt::format("{}: needs a block device as MAJ:MIN, got '{}'", what, target.device)};
    if (codec->files.front().name == "blkio.bfq.weight")
        if (auto s = check_bfq(sys_, target.device); !s)
            return s.error().context(what);
    auto mount = layout_.mount_for(codec->controller);
    if (!mount)
        return Error{fmt::format("{}: no mounted hierarchy holds the {} controller", what,
                                 codec->controller)};
    auto dir = *mount / std::filesystem::path(target.cgroup).relative_path();
    Files files{std::move(codec).value(), {}, {}, {}};
    for (const KnobFile &f : files.codec.files) {
        auto path = dir / f.name;
        auto content = read_file(path);
        if (!content)
            return content.error().context(what);
        files.paths.push_back(path);
        files.keys.push_back(
            {path.string(), f.slice == SliceOf::DeviceLine ? target.device : std::string()});
        if (journal_.held(files.keys.back()))
            return held_error(files.keys.back()).context(what);
        files.slices.push_back(file_slice(*content, f.slice, target.device));
    }
    return files;
}

Result<double> KnobIo::read(const KnobTarget &target) const {
    auto files = files_of(target);
    if (!files)
        return files.error();
    auto value = files->codec.decode(files->slices);
    if (!value)
        return value.error().context(
            fmt::format("reading {} of cgroup {}", to_string(target.knob), target.cgroup));
    return value;
}

Status KnobIo::write(const KnobTarget &target, double value) {
    auto files = files_of(target);
    if (!files)
        return files.error();
    auto what =
        fmt::format("setting {} of cgroup {} to {}", to_string(target.knob), target.cgroup, value);
    // Every file of the knob is journaled before any is written: a write to
    // one may change another (setting cpu.idle overrides the weight).
    std::vector<std::string> before;
    for (size_t i = 0; i < files->keys.size(); ++i) {
        const JournalKey &key = files->keys[i];
        if (!journal_.find(key)) {
            auto restore = files->codec.restore_text(files->slices[i], target.device);
            if (auto s = journal_.record_original(key, restore); !s)
                return s.error().context(what);
        }
        auto hidden = overridden_.find(key);
        before.push_back(hidden != overridden_.end() ? hidden->second
                                                     : journal_.find(key)->restore);
    }
    auto texts = files->codec.encode(value, files->slices, before, target.device);
    if (!texts)
        return texts.error().context(what);
    std::vector<bool> written(texts->size(), false);
    for (size_t i = 0; i < texts->size(); ++i) {
        if ((*texts)[i] == files->slices[i])
            continue;
        if (auto s = actuator::write_cgroup_file(files->paths[i], (*texts)[i]); !s)
            return s.error().context(what);
        written[i] = true;
    }
    // The kernel normalises what it is given ("50000 100000\n", device
    // lines with every field) and a write may change another file of the
    // knob: keep what each shows, which is what a later read is compared
    // with, and what a file changed by another's write held before it.
    for (size_t i = 0; i < files->keys.size(); ++i) {
        auto now = read_file(files->paths[i]);
        if (!now)
            return now.error().context(what);
        auto slice = file_slice(*now, files->codec.files[i].slice, target.device);
        if (written[i])
            overridden_.erase(files->keys[i]);
        else if (slice != files->slices[i])
            overridden_[files->keys[i]] = files->slices[i];
        if (auto s = journal_.record_written(files->keys[i], slice); !s)
            return s.error().context(what);
    }
    return {};
}

Result<bool> KnobIo::changed_externally(const KnobTarget &target) const {
    auto files = files_of(target);
    if (!files)
        return files.error();
    for (size_t i = 0; i < files->keys.size(); ++i) {
        const JournalEntry *entry = journal_.find(files->keys[i]);
        if (entry && entry->written && *entry->written != files->slices[i])
            return true;
    }
    return false;
}

Status KnobIo::adopt(const KnobTarget &target) {
    auto files = files_of(target);
    if (!files)
        return files.error();
    for (size_t i = 0; i < files->keys.size(); ++i) {
        if (!journal_.find(files->keys[i]))
            continue;
        auto restore = files->codec.restore_text(files->slices[i], target.device);
        if (auto s = journal_.record_original(files->keys[i], restore); !s)
            return s.error().context("adopting " + files->paths[i].string());
    }
    return {};
}

}  // namespace cgw

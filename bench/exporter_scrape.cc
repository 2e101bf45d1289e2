// Exporter cost with many cgroups: time to build a pass's families (on the
// control loop's thread) and to serialize a scrape (on an HTTP thread), and
// how late a 100 ms loop's passes start while scrapers hammer /metrics.
// Prints a table; not a test (no timing assertions).
//
//   build/bench/exporter_scrape_bench [cgroups]     (default 1000)
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>
#include <vector>

#include "cgwarden/exporter/exporter.h"
#include "fake_pass.h"
#include "http_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

struct Stats {
    double mean = 0;
    double p99 = 0;
    double max = 0;
};

Stats stats_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    Stats s;
    for (double x : v)
        s.mean += x / static_cast<double>(v.size());
    s.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
    s.max = v.back();
    return s;
}

void row(const char *what, const Stats &s) {
    std::printf("%-44s %10.3f %10.3f %10.3f\n", what, s.mean, s.p99, s.max);
}

// Start lateness of each pass of a 100 ms loop that publishes `pass`.
std::vector<double> loop_slip(cgw::MetricsSink &sink, const cgw::test::FakePass &pass, int passes) {
    std::vector<double> late;
    auto next = Clock::now();
    for (int i = 0; i < passes; ++i) {
        next += 100ms;
        std::this_thread::sleep_until(next);
        late.push_back(ms(Clock::now() - next));
        sink.publish(pass.report());
    }
    return late;
}

}  // namespace

int main(int argc, char **argv) {
    size_t cgroups = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
    cgw::test::FakePass pass(cgroups);
    pass.policy.series.contended = cgroups;  // the worst case: every cgroup exported
    cgw::ExporterOptions options;
    options.listen = "127.0.0.1:0";

    cgw::MetricsPublisher publisher(options, std::make_shared<cgw::SnapshotStore>());
    std::vector<double> build, serialize;
    size_t bytes = 0, series = 0;
    for (int i = 0; i < 30; ++i) {
        auto t0 = Clock::now();
        cgw::Families families = publisher.build(pass.report());
        auto t1 = Clock::now();
        std::ostringstream text;
        prometheus::TextSerializer().Serialize(text, families);
        auto t2 = Clock::now();
        build.push_back(ms(t1 - t0));
        serialize.push_back(ms(t2 - t1));
        std::string body = text.str();
        bytes = body.size();
        series = static_cast<size_t>(std::count(body.begin(), body.end(), '\n'));
    }

    auto exporter = cgw::Exporter::start(options);
    if (!exporter) {
        std::fprintf(stderr, "%s\n", exporter.error().message.c_str());
        return 1;
    }
    auto sink = (*exporter)->sink();
    std::vector<double> idle = loop_slip(*sink, pass, 30);
    std::atomic<bool> stop{false};
    std::atomic<int> scrapes{0};
    std::vector<std::thread> scrapers;
    for (int i = 0; i < 2; ++i) {
        scrapers.emplace_back([&] {
            while (!stop)
                scrapes += cgw::test::http_get((*exporter)->port(), "/metrics").status == 200;
        });
    }
    std::vector<double> busy = loop_slip(*sink, pass, 30);
    stop = true;
    for (auto &t : scrapers)
        t.join();

    std::printf("%zu cgroups exported, %zu lines, %zu KiB per scrape\n\n", cgroups + 3, series,
                bytes / 1024);
    std::printf("%-44s %10s %10s %10s\n", "ms", "mean", "p99", "max");
    row("build families (loop thread, per pass)", stats_of(build));
    row("serialize text (HTTP thread, per scrape)", stats_of(serialize));
    row("100 ms loop start lateness, no scrapes", stats_of(idle));
    row("100 ms loop start lateness, 2 scrapers", stats_of(busy));
    std::printf("\n%d scrapes served in 3 s by 2 back-to-back scrapers\n", scrapes.load());
    return 0;
}

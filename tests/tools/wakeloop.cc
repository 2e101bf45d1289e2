// A latency-sensitive victim: sleeps briefly, wakes, does a little work, and
// repeats, so every wakeup has to win a CPU back. Runs until killed or for
// --seconds, then prints how late its wakeups were (mean and max, in µs).
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

long long now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

void burn(long long ns) {
    long long end = now_ns() + ns;
    while (now_ns() < end) {
    }
}

}  // namespace

int main(int argc, char **argv) {
    long long sleep_us = 1000;
    long long work_us = 200;
    double seconds = 0;  // 0: forever
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--sleep-us")
            sleep_us = std::atoll(argv[i + 1]);
        else if (flag == "--work-us")
            work_us = std::atoll(argv[i + 1]);
        else if (flag == "--seconds")
            seconds = std::atof(argv[i + 1]);
        else {
            std::fprintf(stderr, "usage: wakeloop [--sleep-us N] [--work-us N] [--seconds S]\n");
            return 2;
        }
    }
    long long start = now_ns();
    long long late_sum = 0;
    long long late_max = 0;
    long long wakeups = 0;
    while (seconds == 0 || now_ns() - start < static_cast<long long>(seconds * 1e9)) {
        long long want = now_ns() + sleep_us * 1000;
        timespec ts{static_cast<time_t>(want / 1'000'000'000LL),
                    static_cast<long>(want % 1'000'000'000LL)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
        long long late = now_ns() - want;
        late_sum += late;
        late_max = late > late_max ? late : late_max;
        ++wakeups;
        burn(work_us * 1000);
    }
    std::printf("wakeups %lld mean_late_us %.1f max_late_us %.1f\n", wakeups,
                wakeups ? static_cast<double>(late_sum) / static_cast<double>(wakeups) / 1e3 : 0.0,
                static_cast<double>(late_max) / 1e3);
    return 0;
}

// The Prometheus metrics library: exact exposition text for every metric
// type, escaping, number spelling, ordering, concurrency and the programmer
// errors that must abort.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "supervisor/common/metrics.h"

namespace stockade::supervisor {
namespace {

TEST(metrics, unlabelled_counter_shows_zero_then_counts) {
  MetricsRegistry r;
  CounterFamily& jobs = r.AddCounter("stockade_jobs_total", "Jobs run.");
  EXPECT_EQ(r.Render(),
            "# HELP stockade_jobs_total Jobs run.\n"
            "# TYPE stockade_jobs_total counter\n"
            "stockade_jobs_total 0\n");
  jobs.With({}).Inc();
  jobs.With({}).Inc(2.5);
  jobs.With({}).Inc(-7);  // ignored: counters only go up
  jobs.With({}).Inc(std::nan(""));
  EXPECT_EQ(jobs.With({}).Value(), 3.5);
  EXPECT_EQ(r.Render(),
            "# HELP stockade_jobs_total Jobs run.\n"
            "# TYPE stockade_jobs_total counter\n"
            "stockade_jobs_total 3.5\n");
}

TEST(metrics, labelled_counter_children_sorted_by_values) {
  MetricsRegistry r;
  CounterFamily& f = r.AddCounter("outcomes_total", "Outcomes.", {"outcome", "pool"});
  f.With({"timeout", "a"}).Inc();
  f.With({"ok", "b"}).Inc(3);
  f.With({"ok", "a"});
  EXPECT_EQ(r.Render(),
            "# HELP outcomes_total Outcomes.\n"
            "# TYPE outcomes_total counter\n"
            "outcomes_total{outcome=\"ok\",pool=\"a\"} 0\n"
            "outcomes_total{outcome=\"ok\",pool=\"b\"} 3\n"
            "outcomes_total{outcome=\"timeout\",pool=\"a\"} 1\n");
}

TEST(metrics, labelled_family_without_children_renders_only_header) {
  MetricsRegistry r;
  r.AddGauge("g", "Nothing yet.", {"state"});
  EXPECT_EQ(r.Render(), "# HELP g Nothing yet.\n# TYPE g gauge\n");
}

TEST(metrics, gauge_set_and_add) {
  MetricsRegistry r;
  Gauge& g = r.AddGauge("workers", "Workers.").With({});
  GaugeFamily& by = r.AddGauge("workers_by_pool", "Per pool.", {"pool"});
  g.Set(5);
  g.Add(-2);
  by.With({"x"}).Set(0.25);
  by.With({"x"}).Add(-1);
  EXPECT_EQ(r.Render(),
            "# HELP workers Workers.\n"
            "# TYPE workers gauge\n"
            "workers 3\n"
            "# HELP workers_by_pool Per pool.\n"
            "# TYPE workers_by_pool gauge\n"
            "workers_by_pool{pool=\"x\"} -0.75\n");
}

TEST(metrics, unlabelled_histogram_is_cumulative_with_inf) {
  MetricsRegistry r;
  Histogram& h = r.AddHistogram("latency_seconds", "Latency.", {}, {0.125, 1, 2.5}).With({});
  // 0.125 sits exactly on a bound: "le" means less than or equal.
  for (double v : {0.0625, 0.125, 0.5, 3.0, 100.0}) h.Observe(v);
  h.Observe(std::nan(""));  // ignored
  EXPECT_EQ(h.Count(), 5u);
  EXPECT_EQ(h.BucketCounts(), (std::vector<std::uint64_t>{2, 1, 0, 2}));
  EXPECT_EQ(r.Render(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{le=\"0.125\"} 2\n"
            "latency_seconds_bucket{le=\"1\"} 3\n"
            "latency_seconds_bucket{le=\"2.5\"} 3\n"
            "latency_seconds_bucket{le=\"+Inf\"} 5\n"
            "latency_seconds_sum 103.6875\n"
            "latency_seconds_count 5\n");
}

TEST(metrics, labelled_histogram_puts_le_last) {
  MetricsRegistry r;
  HistogramFamily& f = r.AddHistogram("run_seconds", "Run time.", {"pool"},
                                      {1, std::numeric_limits<double>::infinity()});
  f.With({"b"}).Observe(2);
  f.With({"a"}).Observe(0.5);
  EXPECT_EQ(r.Render(),
            "# HELP run_seconds Run time.\n"
            "# TYPE run_seconds histogram\n"
            "run_seconds_bucket{pool=\"a\",le=\"1\"} 1\n"
            "run_seconds_bucket{pool=\"a\",le=\"+Inf\"} 1\n"
            "run_seconds_sum{pool=\"a\"} 0.5\n"
            "run_seconds_count{pool=\"a\"} 1\n"
            "run_seconds_bucket{pool=\"b\",le=\"1\"} 0\n"
            "run_seconds_bucket{pool=\"b\",le=\"+Inf\"} 1\n"
            "run_seconds_sum{pool=\"b\"} 2\n"
            "run_seconds_count{pool=\"b\"} 1\n");
}

TEST(metrics, escapes_label_values_and_help) {
  MetricsRegistry r;
  r.AddCounter("c", "Back\\slash, \"quotes\" stay,\nnew line.", {"v"})
      .With({"a\\b\"c\nd"})
      .Inc();
  EXPECT_EQ(r.Render(),
            "# HELP c Back\\\\slash, \"quotes\" stay,\\nnew line.\n"
            "# TYPE c counter\n"
            "c{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(metrics, numbers_are_spelled_for_prometheus) {
  MetricsRegistry r;
  GaugeFamily& f = r.AddGauge("n", "Numbers.", {"k"});
  f.With({"a_nan"}).Set(std::nan(""));
  f.With({"b_pinf"}).Set(std::numeric_limits<double>::infinity());
  f.With({"c_ninf"}).Set(-std::numeric_limits<double>::infinity());
  f.With({"d_big"}).Set(1e20);
  f.With({"e_small"}).Set(1e-05);
  f.With({"f_negzero"}).Set(-0.0);
  f.With({"g_int"}).Set(123456789);
  f.With({"h_tenth"}).Set(0.1);
  EXPECT_EQ(r.Render(),
            "# HELP n Numbers.\n"
            "# TYPE n gauge\n"
            "n{k=\"a_nan\"} NaN\n"
            "n{k=\"b_pinf\"} +Inf\n"
            "n{k=\"c_ninf\"} -Inf\n"
            "n{k=\"d_big\"} 1e+20\n"
            "n{k=\"e_small\"} 1e-05\n"
            "n{k=\"f_negzero\"} 0\n"
            "n{k=\"g_int\"} 123456789\n"
            "n{k=\"h_tenth\"} 0.1\n");
}

TEST(metrics, callback_gauge_runs_at_render_and_is_sorted) {
  MetricsRegistry r;
  int calls = 0;
  double idle = 2;
  r.AddGaugeCallback("workers_by_state", "Workers by state.", {"state"}, [&] {
    ++calls;
    return GaugeSamples{{{"idle"}, idle}, {{"busy"}, 1}, {{"dead"}, 0}};
  });
  r.AddGaugeCallback("queue_depth", "Queued jobs.", {}, [] { return GaugeSamples{{{}, 7}}; });
  const std::string first = r.Render();
  EXPECT_EQ(first,
            "# HELP workers_by_state Workers by state.\n"
            "# TYPE workers_by_state gauge\n"
            "workers_by_state{state=\"busy\"} 1\n"
            "workers_by_state{state=\"dead\"} 0\n"
            "workers_by_state{state=\"idle\"} 2\n"
            "# HELP queue_depth Queued jobs.\n"
            "# TYPE queue_depth gauge\n"
            "queue_depth 7\n");
  idle = 4;
  EXPECT_NE(r.Render().find("workers_by_state{state=\"idle\"} 4\n"), std::string::npos);
  EXPECT_EQ(calls, 2);
}

TEST(metrics, order_is_registration_then_labels_and_stable) {
  MetricsRegistry r;
  GaugeFamily& z = r.AddGauge("z_first", "Registered first.", {"k"});
  r.AddCounter("a_second", "Registered second.");
  for (const char* k : {"m", "c", "x", "a"}) z.With({k}).Set(1);
  const std::string once = r.Render();
  EXPECT_LT(once.find("z_first"), once.find("a_second"));
  EXPECT_LT(once.find("k=\"a\""), once.find("k=\"c\""));
  EXPECT_LT(once.find("k=\"c\""), once.find("k=\"m\""));
  EXPECT_LT(once.find("k=\"m\""), once.find("k=\"x\""));
  EXPECT_EQ(r.Render(), once);
}

TEST(metrics, child_references_stay_valid) {
  MetricsRegistry r;
  CounterFamily& f = r.AddCounter("refs_total", "Refs.", {"i"});
  Counter* first = &f.With({"0"});
  for (int i = 1; i < 1000; ++i) f.With({std::to_string(i)}).Inc();
  EXPECT_EQ(&f.With({"0"}), first);
  first->Inc(5);
  EXPECT_EQ(f.With({"0"}).Value(), 5);
}

TEST(metrics, concurrent_increments_are_exact) {
  MetricsRegistry r;
  Counter& c = r.AddCounter("hits_total", "Hits.").With({});
  CounterFamily& labelled = r.AddCounter("by_thread_total", "Per thread.", {"t"});
  Histogram& h = r.AddHistogram("obs", "Observations.", {}, {0.5}).With({});
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        c.Inc();
        h.Observe(i % 2 == 0 ? 0.25 : 1);
        // Children created and found concurrently (With's lock path).
        if (i % 1000 == 0) labelled.With({std::to_string(i % 7)}).Inc();
      }
    });
  }
  // Rendering while writers run must be safe too (values may be mid-way).
  for (int i = 0; i < 20; ++i) (void)r.Render();
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(c.Value(), double{kThreads} * kPerThread);
  EXPECT_EQ(h.Count(), std::uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(h.BucketCounts(),
            (std::vector<std::uint64_t>{kThreads * kPerThread / 2, kThreads * kPerThread / 2}));
  EXPECT_EQ(h.Sum(), kThreads * kPerThread / 2 * 1.25);
  double labelled_total = 0;
  for (int k = 0; k < 7; ++k) labelled_total += labelled.With({std::to_string(k)}).Value();
  EXPECT_EQ(labelled_total, kThreads * (kPerThread / 1000));
}

TEST(metrics, default_latency_buckets) {
  const std::vector<double> b = DefaultLatencyBuckets();
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b.front(), 0.00005);
  EXPECT_EQ(b.back(), 30);
  for (std::size_t i = 1; i < b.size(); ++i) {
    EXPECT_GE(b[i] / b[i - 1], 2) << i;
    EXPECT_LE(b[i] / b[i - 1], 3) << i;
  }
  // Usable as given.
  MetricsRegistry r;
  r.AddHistogram("h_seconds", "H.", {}, b).With({}).Observe(0.003);
}

// Programmer errors abort with a message naming the problem.
TEST(metrics_DeathTest, invalid_names_abort) {
  EXPECT_DEATH(MetricsRegistry().AddCounter("1abc", "x"), "invalid metric name");
  EXPECT_DEATH(MetricsRegistry().AddCounter("a-b", "x"), "invalid metric name");
  EXPECT_DEATH(MetricsRegistry().AddCounter("__reserved", "x"), "invalid metric name");
  EXPECT_DEATH(MetricsRegistry().AddGauge("ok:name", "x", {"a:b"}), "invalid label name");
  EXPECT_DEATH(MetricsRegistry().AddGauge("ok", "x", {"__name"}), "invalid label name");
  EXPECT_DEATH(MetricsRegistry().AddGauge("ok", "x", {"a", "a"}), "given twice");
  EXPECT_DEATH(MetricsRegistry().AddHistogram("h", "x", {"le"}, {1}), "reserved");
}

TEST(metrics_DeathTest, misuse_aborts) {
  EXPECT_DEATH(
      {
        MetricsRegistry r;
        r.AddCounter("dup", "x");
        r.AddGauge("dup", "y");
      },
      "registered twice");
  EXPECT_DEATH(MetricsRegistry().AddCounter("c", "x", {"a"}).With({}), "1 labels");
  EXPECT_DEATH(MetricsRegistry().AddHistogram("h", "x", {}, {1, 1}), "strictly increasing");
  EXPECT_DEATH(MetricsRegistry().AddHistogram("h", "x", {}, {std::nan("")}), "finite");
  EXPECT_DEATH(
      {
        MetricsRegistry r;
        r.AddGaugeCallback("g", "x", {"a"}, [] { return GaugeSamples{{{}, 1}}; });
        (void)r.Render();
      },
      "wrong number of labels");
  EXPECT_DEATH(
      {
        MetricsRegistry r;
        r.AddGaugeCallback("g", "x", {"a"}, [] { return GaugeSamples{{{"s"}, 1}, {{"s"}, 2}}; });
        (void)r.Render();
      },
      "same labels twice");
}

}  // namespace
}  // namespace stockade::supervisor

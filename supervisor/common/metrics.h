// Prometheus metrics without dependencies: counters, gauges, histograms and
// gauges computed at scrape time, rendered in text exposition format 0.0.4.
//
// A MetricsRegistry owns metric families; a family hands out one child per
// set of label values via With(). Children are never removed, so a reference
// obtained once stays valid for the registry's lifetime: hot paths look a
// child up once and keep the reference. Updating a child (Inc, Set, Add,
// Observe) is lock-free and callable from any thread; only With() takes the
// family's lock, exclusively only when it creates a new label set. Render()
// produces the families in registration order and children sorted by label
// values, so two scrapes of the same state are byte-identical.
//
// Bad metric or label names, a duplicate family, or a wrong number of label
// values are programmer errors: the process aborts with a message saying what
// was wrong. Label *values* are free text and are escaped when rendered.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stockade::supervisor {

// Only ever goes up (until the process restarts). Negative and NaN increments
// are ignored: a counter that went down would be read by Prometheus's rate()
// as a reset and produce a spike.
class Counter {
 public:
  void Inc(double amount = 1);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta);  // negative to decrease
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into fixed buckets. Buckets are stored per bucket (not
// cumulative) so Observe touches one counter; Render accumulates.
class Histogram {
 public:
  // `upper_bounds` strictly increasing and finite; +Inf is implicit.
  explicit Histogram(std::vector<double> upper_bounds);

  // NaN is ignored: it would turn _sum into NaN for the rest of the process.
  void Observe(double value);

  const std::vector<double>& UpperBounds() const { return bounds_; }
  // Per-bucket (non-cumulative) counts; the last entry is the +Inf bucket.
  std::vector<std::uint64_t> BucketCounts() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }
  // Sum of the buckets, so it always equals the rendered +Inf bucket.
  std::uint64_t Count() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// What every family shares: identity, and rendering itself into a scrape.
class MetricFamily {
 public:
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& Name() const { return name_; }
  const std::vector<std::string>& LabelNames() const { return label_names_; }
  // Appends "# HELP", "# TYPE" and every sample of this family.
  void Render(std::string* out) const;

 protected:
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names,
               std::string_view type);
  // Appends the sample lines only.
  virtual void RenderSamples(std::string* out) const = 0;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::string_view type_;  // "counter", "gauge", "histogram": always a literal
};

// A family of one metric type; Metric is Counter, Gauge or Histogram
// (explicitly instantiated in metrics.cc).
template <typename Metric>
class Family final : public MetricFamily {
 public:
  using Factory = std::function<std::unique_ptr<Metric>()>;
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::string_view type, Factory factory);

  // The child for these label values (one per label name, in order), created
  // on first use. With({}) for a family without labels.
  Metric& With(const std::vector<std::string>& label_values);

 private:
  void RenderSamples(std::string* out) const override;

  Factory factory_;
  mutable std::shared_mutex mu_;
  // std::map: sorted for deterministic output; unique_ptr keeps children put.
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Samples (label values, value) of a gauge computed at render time.
using GaugeSamples = std::vector<std::pair<std::vector<std::string>, double>>;
using GaugeCallback = std::function<GaugeSamples()>;

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  CounterFamily& AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string name, std::string help,
                        std::vector<std::string> label_names = {});
  // `bucket_upper_bounds` strictly increasing; a trailing +Inf may be given
  // or left out. "le" is reserved and may not be a label name.
  HistogramFamily& AddHistogram(std::string name, std::string help,
                                std::vector<std::string> label_names,
                                std::vector<double> bucket_upper_bounds);
  // `callback` runs on the thread calling Render(), once per render, and must
  // return one sample per label set, each with one value per label name. It
  // must be safe to call from that thread (the supervisor renders on its
  // io_context thread, which owns the pool state the callbacks read).
  void AddGaugeCallback(std::string name, std::string help,
                        std::vector<std::string> label_names, GaugeCallback callback);

  // The whole scrape in text exposition format 0.0.4.
  std::string Render() const;

 private:
  template <typename F>
  F& Register(std::unique_ptr<F> family);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_;  // registration order
};

// Content-Type for an HTTP response carrying Render()'s output.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Latency buckets in seconds, 50 µs to 30 s in steps of about ×2.5.
std::vector<double> DefaultLatencyBuckets();

}  // namespace stockade::supervisor

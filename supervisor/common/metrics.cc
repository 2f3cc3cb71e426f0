#include "supervisor/common/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace stockade::supervisor {
namespace {

// Programmer errors abort (STYLE rule 9). Written raw to stderr rather than
// through Log, whose threshold may be "off": this message must be seen.
[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "stockade metrics: %s\n", what.c_str());
  std::abort();
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Names beginning with "__" are reserved for Prometheus's own use.
bool IsMetricName(std::string_view s) {
  if (s.empty() || s.starts_with("__")) return false;
  if (!IsAlpha(s[0]) && s[0] != '_' && s[0] != ':') return false;
  return std::all_of(s.begin() + 1, s.end(),
                     [](char c) { return IsAlpha(c) || IsDigit(c) || c == '_' || c == ':'; });
}

bool IsLabelName(std::string_view s) {
  if (s.empty() || s.starts_with("__")) return false;
  if (!IsAlpha(s[0]) && s[0] != '_') return false;
  return std::all_of(s.begin() + 1, s.end(),
                     [](char c) { return IsAlpha(c) || IsDigit(c) || c == '_'; });
}

// Integral values print without exponent or fraction ("3", not "3e+00"), up
// to 1e15 where every integer is still exact in a double; everything else
// uses the shortest text that reads back to the same double, which Go's
// ParseFloat (Prometheus's parser) accepts.
void AppendNumber(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[32];
  std::to_chars_result r{};
  if (v == std::trunc(v) && std::fabs(v) < 1e15) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));
  } else {
    r = std::to_chars(buf, buf + sizeof buf, v);
  }
  out->append(buf, r.ptr);
}

std::string FormatNumber(double v) {
  std::string s;
  AppendNumber(&s, v);
  return s;
}

// Label values escape backslash, double quote and newline; HELP text only
// backslash and newline (format 0.0.4).
void AppendEscaped(std::string* out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && quote) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

// `a="x",b="y"` (without braces) for one child.
std::string LabelText(const std::vector<std::string>& names,
                      const std::vector<std::string>& values) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) s.push_back(',');
    s.append(names[i]).append("=\"");
    AppendEscaped(&s, values[i], /*quote=*/true);
    s.push_back('"');
  }
  return s;
}

// One sample line; `le` non-empty adds the histogram bucket label last.
void AppendSample(std::string* out, std::string_view name, std::string_view suffix,
                  std::string_view labels, std::string_view le, double value) {
  out->append(name).append(suffix);
  if (!labels.empty() || !le.empty()) {
    out->push_back('{');
    out->append(labels);
    if (!le.empty()) {
      if (!labels.empty()) out->push_back(',');
      out->append("le=\"").append(le).push_back('"');
    }
    out->push_back('}');
  }
  out->push_back(' ');
  AppendNumber(out, value);
  out->push_back('\n');
}

void AppendChild(std::string* out, const std::string& name, const std::string& labels,
                 const Counter& c) {
  AppendSample(out, name, "", labels, "", c.Value());
}

void AppendChild(std::string* out, const std::string& name, const std::string& labels,
                 const Gauge& g) {
  AppendSample(out, name, "", labels, "", g.Value());
}

void AppendChild(std::string* out, const std::string& name, const std::string& labels,
                 const Histogram& h) {
  const std::vector<std::uint64_t> counts = h.BucketCounts();
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    const std::string le = i < h.UpperBounds().size() ? FormatNumber(h.UpperBounds()[i]) : "+Inf";
    AppendSample(out, name, "_bucket", labels, le, static_cast<double>(cumulative));
  }
  AppendSample(out, name, "_sum", labels, "", h.Sum());
  // _count is the +Inf bucket, so the two agree even while Observe races Render.
  AppendSample(out, name, "_count", labels, "", static_cast<double>(cumulative));
}

// Finite and strictly increasing; a trailing +Inf is dropped (it is implicit).
std::vector<double> CheckedBounds(std::vector<double> bounds) {
  if (!bounds.empty() && bounds.back() == std::numeric_limits<double>::infinity()) {
    bounds.pop_back();
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) Fail("histogram bucket bounds must be finite");
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      Fail("histogram bucket bounds must be strictly increasing");
    }
  }
  return bounds;
}

// A gauge whose samples come from a callback at render time.
class CallbackGaugeFamily final : public MetricFamily {
 public:
  CallbackGaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
                      GaugeCallback callback)
      : MetricFamily(std::move(name), std::move(help), std::move(label_names), "gauge"),
        callback_(std::move(callback)) {}

 private:
  void RenderSamples(std::string* out) const override {
    GaugeSamples samples = callback_();
    for (const auto& [values, value] : samples) {
      if (values.size() != LabelNames().size()) {
        Fail("gauge callback " + Name() + " returned a sample with the wrong number of labels");
      }
    }
    std::stable_sort(samples.begin(), samples.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < samples.size(); ++i) {
      // Two samples with one label set make the whole scrape invalid.
      if (i > 0 && samples[i - 1].first == samples[i].first) {
        Fail("gauge callback " + Name() + " returned the same labels twice");
      }
      AppendSample(out, Name(), "", LabelText(LabelNames(), samples[i].first), "",
                   samples[i].second);
    }
  }

  GaugeCallback callback_;
};

}  // namespace

void Counter::Inc(double amount) {
  if (!(amount >= 0)) return;  // also rejects NaN
  value_.fetch_add(amount, std::memory_order_relaxed);
}

void Gauge::Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(CheckedBounds(std::move(upper_bounds))),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  // First bound >= value: the bucket whose `le` the value satisfies;
  // past every bound is the +Inf bucket.
  const auto i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[static_cast<std::size_t>(i)].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::BucketCounts() const {
  std::vector<std::uint64_t> counts(bounds_.size() + 1);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    counts[i] = counts_[i].load(std::memory_order_relaxed);
  }
  return counts;
}

std::uint64_t Histogram::Count() const {
  std::uint64_t total = 0;
  for (std::uint64_t c : BucketCounts()) total += c;
  return total;
}

MetricFamily::MetricFamily(std::string name, std::string help,
                           std::vector<std::string> label_names, std::string_view type)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      type_(type) {
  if (!IsMetricName(name_)) Fail("invalid metric name \"" + name_ + "\"");
  for (std::size_t i = 0; i < label_names_.size(); ++i) {
    const std::string& l = label_names_[i];
    if (!IsLabelName(l)) Fail("metric " + name_ + ": invalid label name \"" + l + "\"");
    if (std::find(label_names_.begin(), label_names_.begin() + static_cast<std::ptrdiff_t>(i),
                  l) != label_names_.begin() + static_cast<std::ptrdiff_t>(i)) {
      Fail("metric " + name_ + ": label \"" + l + "\" given twice");
    }
  }
}

void MetricFamily::Render(std::string* out) const {
  out->append("# HELP ").append(name_).push_back(' ');
  AppendEscaped(out, help_, /*quote=*/false);
  out->append("\n# TYPE ").append(name_).push_back(' ');
  out->append(type_).push_back('\n');
  RenderSamples(out);
}

template <typename Metric>
Family<Metric>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                       std::string_view type, Factory factory)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names), type),
      factory_(std::move(factory)) {
  // An unlabelled metric exists from the start, so a scrape shows its 0
  // rather than nothing until the first event.
  if (LabelNames().empty()) children_.emplace(std::vector<std::string>{}, factory_());
}

template <typename Metric>
Metric& Family<Metric>::With(const std::vector<std::string>& label_values) {
  if (label_values.size() != LabelNames().size()) {
    Fail("metric " + Name() + ": " + std::to_string(label_values.size()) +
         " label values given for " + std::to_string(LabelNames().size()) + " labels");
  }
  {
    std::shared_lock lock(mu_);
    auto it = children_.find(label_values);
    if (it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto [it, inserted] = children_.try_emplace(label_values);
  if (inserted) it->second = factory_();
  return *it->second;
}

template <typename Metric>
void Family<Metric>::RenderSamples(std::string* out) const {
  std::shared_lock lock(mu_);
  for (const auto& [values, child] : children_) {
    AppendChild(out, Name(), LabelText(LabelNames(), values), *child);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

template <typename F>
F& MetricsRegistry::Register(std::unique_ptr<F> family) {
  std::lock_guard lock(mu_);
  for (const auto& f : families_) {
    if (f->Name() == family->Name()) Fail("metric " + family->Name() + " registered twice");
  }
  F& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

CounterFamily& MetricsRegistry::AddCounter(std::string name, std::string help,
                                           std::vector<std::string> label_names) {
  return Register(std::make_unique<CounterFamily>(std::move(name), std::move(help),
                                                  std::move(label_names), "counter",
                                                  [] { return std::make_unique<Counter>(); }));
}

GaugeFamily& MetricsRegistry::AddGauge(std::string name, std::string help,
                                       std::vector<std::string> label_names) {
  return Register(std::make_unique<GaugeFamily>(std::move(name), std::move(help),
                                                std::move(label_names), "gauge",
                                                [] { return std::make_unique<Gauge>(); }));
}

HistogramFamily& MetricsRegistry::AddHistogram(std::string name, std::string help,
                                               std::vector<std::string> label_names,
                                               std::vector<double> bucket_upper_bounds) {
  // "le" would collide with the bucket label.
  if (std::find(label_names.begin(), label_names.end(), "le") != label_names.end()) {
    Fail("histogram " + name + ": \"le\" is reserved and cannot be a label name");
  }
  // Checked here so a bad list fails at registration, not at the first With().
  std::vector<double> bounds = CheckedBounds(std::move(bucket_upper_bounds));
  return Register(std::make_unique<HistogramFamily>(
      std::move(name), std::move(help), std::move(label_names), "histogram",
      [bounds] { return std::make_unique<Histogram>(bounds); }));
}

void MetricsRegistry::AddGaugeCallback(std::string name, std::string help,
                                       std::vector<std::string> label_names,
                                       GaugeCallback callback) {
  Register(std::make_unique<CallbackGaugeFamily>(std::move(name), std::move(help),
                                                 std::move(label_names), std::move(callback)));
}

std::string MetricsRegistry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& f : families_) f->Render(&out);
  return out;
}

std::vector<double> DefaultLatencyBuckets() {
  // The 1-2.5-5 series of Prometheus's own defaults, widened at both ends:
  // sub-millisecond for warm-pool round trips, 30 s for the longest deadline.
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30};
}

}  // namespace stockade::supervisor

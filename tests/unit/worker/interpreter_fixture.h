// A fixture for in-process tests of a worker's interpreter: one
// Interpreter (an ordinary worker's, 64 MiB heap) whose runs' console
// lines are kept (sink_.lines), and Value(code), which runs code as a request would
// and expects it to answer OK. No seccomp: nothing here confines.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "worker/interpreter.h"

namespace stockade::worker {

// The text of a JSON string literal (as value_json holds one), unescaped.
inline std::string Unquote(const std::string& json) {
  std::string out;
  for (std::size_t i = 1; i + 1 < json.size(); ++i) {
    char c = json[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    c = json[++i];
    switch (c) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        const unsigned cp = std::stoul(json.substr(i + 1, 4), nullptr, 16);
        i += 4;
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default: out += c;
    }
  }
  return out;
}

class NullSink final : public FrameSink {
 public:
  bool Send(const wire::WorkerFrame&) override { return true; }
};

// Keeps the text of every console line the runs send.
class LineSink final : public FrameSink {
 public:
  bool Send(const wire::WorkerFrame& frame) override {
    for (const auto& line : frame.console().lines()) lines.push_back(line.text());
    return true;
  }
  std::vector<std::string> lines;
};

// A session run's summary as one text, for tests to search:
// {"variables":[{"name","bytes"}],"dropped":["path", ...]} (the dropped
// paths quoted plainly: tests look for ASCII paths).
inline std::string SessionSummary(const wire::Result& r) {
  std::string out = "{\"variables\":" + (r.session_variables_json().empty() ? "[]" : r.session_variables_json()) +
                    ",\"dropped\":[";
  for (int i = 0; i < r.session_dropped_size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : r.session_dropped(i)) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "]}";
}

class InterpreterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Interpreter::Create(64u << 20, &sink_);
    ASSERT_TRUE(created.ok()) << created.status().message();
    interp_ = std::move(created).value();
  }

  wire::Result Run(const std::string& code, std::uint32_t timeout_ms = 2000) {
    wire::Execute ex;
    ex.set_code(code);
    return Run(ex, timeout_ms);
  }

  wire::Result Run(wire::Execute ex, std::uint32_t timeout_ms = 2000) {
    ex.mutable_limits()->set_timeout_ms(timeout_ms);
    ex.mutable_limits()->set_memory_bytes(32u << 20);
    ex.mutable_limits()->set_output_bytes(1u << 20);
    ex.mutable_limits()->set_result_bytes(1u << 20);
    wire::Result r;
    interp_->Run(ex, &r);
    EXPECT_TRUE(interp_->PrepareNext().ok());
    return r;
  }

  std::string Value(const std::string& code) {
    wire::Result r = Run(code);
    EXPECT_EQ(r.status(), api::OK) << code << ": " << r.detail();
    return r.value_json();
  }

  LineSink sink_;
  std::unique_ptr<Interpreter> interp_;
};

}  // namespace stockade::worker

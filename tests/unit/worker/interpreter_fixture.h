// A fixture for in-process tests of a worker's interpreter: one
// Interpreter (an ordinary worker's, 64 MiB heap) whose runs' console
// frames are dropped, and Value(code), which runs code as a request would
// and expects it to answer OK. No seccomp: nothing here confines.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "worker/interpreter.h"

namespace stockade::worker {

class NullSink final : public FrameSink {
 public:
  bool Send(const wire::WorkerFrame&) override { return true; }
};

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

  NullSink sink_;
  std::unique_ptr<Interpreter> interp_;
};

}  // namespace stockade::worker

// In-process tests of the interpreter: completion values, JSON encoding and
// error reports. No seccomp here (never in the test process).
#include "tests/unit/worker/interpreter_fixture.h"
#include "worker/script_error.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stockade::worker {
namespace {

// The fixture's runs, each with its own execution id (echoed back) and a
// file name the stacks show.
class InterpreterTest : public worker::InterpreterTest {
 protected:
  wire::Result Run(const std::string& code, std::uint32_t timeout_ms = 2000) {
    wire::Execute ex;
    ex.set_execution_id(++id_);
    ex.set_code(code);
    ex.set_filename("t.js");
    wire::Result r = worker::InterpreterTest::Run(ex, timeout_ms);
    EXPECT_EQ(r.execution_id(), id_);
    return r;
  }

  std::string Value(const std::string& code) {
    wire::Result r = Run(code);
    EXPECT_EQ(r.status(), api::OK) << code << " -> " << r.detail();
    return r.value_json();
  }

  std::uint64_t id_ = 0;
};

TEST_F(InterpreterTest, PrimitiveResults) {
  EXPECT_EQ(Value("1+1"), "2");
  EXPECT_EQ(Value("0.1+0.2"), "0.30000000000000004");
  EXPECT_EQ(Value("-5/2"), "-2.5");
  EXPECT_EQ(Value("'hi'"), "\"hi\"");
  EXPECT_EQ(Value("null"), "null");
  EXPECT_EQ(Value("true"), "true");
  EXPECT_EQ(Value("false"), "false");
  EXPECT_EQ(Value("undefined"), "");
  EXPECT_EQ(Value("(function f(){})"), "");
  EXPECT_EQ(Value("1/0"), "null");  // JSON has no Infinity
  EXPECT_EQ(Value("NaN"), "null");
}

// DUK_USE_FASTINT must not change arithmetic: integer fast paths have to
// overflow into doubles exactly where IEEE arithmetic says.
TEST_F(InterpreterTest, FastintArithmeticMatchesDoubles) {
  EXPECT_EQ(Value("2147483647 + 1"), "2147483648");
  EXPECT_EQ(Value("Math.pow(2, 53) + 1"), "9007199254740992");
  EXPECT_EQ(Value("var s = 0; for (var i = 0; i < 100000; i++) s += i; s"), "4999950000");
  EXPECT_EQ(Value("(1 << 30) * 4"), "4294967296");
  EXPECT_EQ(Value("-2147483648 - 1"), "-2147483649");
  EXPECT_EQ(Value("7 / 2"), "3.5");
  EXPECT_EQ(Value("1 / (0 * -1) < 0"), "true");  // -0 survives
  EXPECT_EQ(Value("(0x7fffffffffff + 1) * 2"), "281474976710656");
  EXPECT_EQ(Value("[5 % 3, -5 % 3, 2 ** 10]"), "[2,-2,1024]");
}

TEST_F(InterpreterTest, StructuredResults) {
  EXPECT_EQ(Value("({a: 1, b: [1, 'x', null], c: {d: true}})"),
            "{\"a\":1,\"b\":[1,\"x\",null],\"c\":{\"d\":true}}");
  EXPECT_EQ(Value("[]"), "[]");
  EXPECT_EQ(Value("[undefined, function(){}]"), "[null,null]");
  EXPECT_EQ(Value("({u: undefined, f: function(){}, n: 1})"), "{\"n\":1}");
  EXPECT_EQ(Value("new Date(0)"), "\"1970-01-01T00:00:00.000Z\"");
  EXPECT_EQ(Value("({toJSON: function() { return 'custom'; }})"), "\"custom\"");
}

TEST_F(InterpreterTest, UnicodeResults) {
  EXPECT_EQ(Value("'h\\u00e9llo \\u4e16\\u754c'"), "\"h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C\"");
  // Non-BMP characters from JS (CESU-8 surrogate pairs inside Duktape) are
  // joined into one 4-byte UTF-8 sequence.
  EXPECT_EQ(Value("'\\ud83d\\ude00'"), "\"\xF0\x9F\x98\x80\"");
  EXPECT_EQ(Value("'\xF0\x9F\x98\x80'.length"), "2");
  // A lone surrogate stays representable: escaped in the JSON text.
  EXPECT_EQ(Value("'a\\ud800b'"), "\"a\\ud800b\"");
}

TEST_F(InterpreterTest, CompletionValueOfStatements) {
  EXPECT_EQ(Value("var x = 2; x * 3"), "6");
  EXPECT_EQ(Value("var y = 1; if (y) { 'yes' } else { 'no' }"), "\"yes\"");
  EXPECT_EQ(Value("for (var i = 0; i < 3; i++) { i * 10 }"), "20");
  EXPECT_EQ(Value("function f() { return 1 } f()"), "1");
  EXPECT_EQ(Value("var z = 5;"), "");
}

TEST_F(InterpreterTest, ReplacedJsonStringifyDoesNotMatter) {
  EXPECT_EQ(Value("JSON.stringify = function() { return 'pwned' }; JSON = null; ({ok: [1,2]})"),
            "{\"ok\":[1,2]}");
}

TEST_F(InterpreterTest, CyclicResultIsRuntimeError) {
  wire::Result r = Run("var a = {}; a.self = a; a");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_TRUE(r.value_json().empty());
  EXPECT_NE(r.detail().find("JSON"), std::string::npos) << r.detail();
}

TEST_F(InterpreterTest, ThrowingToJsonIsRuntimeError) {
  wire::Result r = Run("({toJSON: function() { throw new Error('nope') }})");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_NE(r.detail().find("nope"), std::string::npos) << r.detail();
  r = Run("var o = {}; Object.defineProperty(o, 'x', {enumerable: true, get: function() { throw 7 }}); o");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_NE(r.detail().find("7"), std::string::npos) << r.detail();
}

TEST_F(InterpreterTest, SyntaxErrorHasLine) {
  wire::Result r = Run("var a = 1;\nvar b = 2;\nvar = ;\n");
  EXPECT_EQ(r.status(), api::SYNTAX_ERROR);
  EXPECT_EQ(r.error().name(), "SyntaxError");
  EXPECT_EQ(r.error().line(), 3u) << r.error().message();
  EXPECT_FALSE(r.error().message().empty());
  EXPECT_NE(r.detail().find("SyntaxError"), std::string::npos);
}

TEST_F(InterpreterTest, RuntimeErrorReport) {
  wire::Result r = Run("var a = 1;\n\nfunction boom() { null.x }\nboom();");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_EQ(r.error().name(), "TypeError");
  EXPECT_FALSE(r.error().message().empty());
  EXPECT_EQ(r.error().line(), 3u);
  EXPECT_NE(r.error().stack().find("boom"), std::string::npos) << r.error().stack();
  EXPECT_NE(r.error().stack().find("t.js"), std::string::npos) << r.error().stack();

  r = Run("throw new RangeError('out of range')");
  EXPECT_EQ(r.error().name(), "RangeError");
  EXPECT_EQ(r.error().message(), "out of range");
  EXPECT_EQ(r.detail(), "RangeError: out of range");
}

TEST_F(InterpreterTest, ThrownNonErrors) {
  wire::Result r = Run("throw 42");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_EQ(r.error().message(), "42");
  EXPECT_EQ(r.detail(), "uncaught exception: 42");

  r = Run("throw 'just a string'");
  EXPECT_EQ(r.error().message(), "just a string");

  r = Run("throw {code: 7, why: 'x'}");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_EQ(r.error().message(), "{\"code\":7,\"why\":\"x\"}");

  r = Run("throw null");
  EXPECT_EQ(r.error().message(), "null");
}

TEST_F(InterpreterTest, ErrorWithThrowingGetters) {
  wire::Result r = Run(
      "var e = new Error('hidden');\n"
      "['name', 'message', 'stack', 'lineNumber'].forEach(function(k) {\n"
      "  Object.defineProperty(e, k, {get: function() { throw new Error('getter ' + k) }});\n"
      "});\n"
      "throw e;");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_EQ(r.error().name(), "Error");  // fallback for an Error instance
  EXPECT_TRUE(r.error().message().empty());
  EXPECT_FALSE(r.detail().empty());

  // A Proxy whose every trap throws.
  r = Run("throw new Proxy({}, {get: function() { throw 1 }, getPrototypeOf: function() { throw 2 }})");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_FALSE(r.detail().empty());
}

TEST_F(InterpreterTest, ErrorTextWithLoneSurrogateIsValidUtf8) {
  wire::Result r = Run("throw new Error('bad \\udc00 char')");
  EXPECT_EQ(r.error().message(), "bad \xEF\xBF\xBD char");
  std::string bytes;
  EXPECT_TRUE(r.SerializeToString(&bytes));
  wire::Result parsed;
  EXPECT_TRUE(parsed.ParseFromString(bytes));
}

TEST_F(InterpreterTest, ResultOverTheCapIsSentWholeForTheSupervisorToCut) {
  // Up to twice the cap the value travels whole: the supervisor redacts it
  // before keeping its head and tail, so a key near the end is still seen.
  wire::Execute ex;
  ex.set_execution_id(99);
  ex.set_code("var s = 'x'; while (s.length < 5000) s += s; s");
  ex.mutable_limits()->set_timeout_ms(1000);
  ex.mutable_limits()->set_result_bytes(1000);
  wire::Result r;
  interp_->Run(ex, &r);
  EXPECT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.value_json().size(), 8194u);
  EXPECT_FALSE(r.value_incomplete());
}

// rawBytes([b...]): a string of exactly these bytes, as native code (a
// binding, or a worker taken over) can make; scripts no longer can (CBOR
// is gone).
duk_ret_t RawBytes(duk_context* ctx) {
  std::string bytes;
  for (duk_size_t i = 0, n = duk_get_length(ctx, 0); i < n; ++i) {
    duk_get_prop_index(ctx, 0, static_cast<duk_uarridx_t>(i));
    bytes.push_back(static_cast<char>(duk_to_uint32(ctx, -1) & 0xFF));
    duk_pop(ctx);
  }
  duk_push_lstring(ctx, bytes.data(), bytes.size());
  return 1;
}

TEST_F(InterpreterTest, OverlongFormsAreEscapedNotEmitted) {
  // C0 A2 and C1 9C are non-shortest forms of '"' and '\'; the encoder used
  // to write them as bare characters, ending the JSON string early.
  auto created = Interpreter::Create(64u << 20, &sink_, {[](duk_context* ctx) {
                                       duk_push_c_function(ctx, RawBytes, 1);
                                       duk_put_global_string(ctx, "rawBytes");
                                     }});
  ASSERT_TRUE(created.ok()) << created.status().message();
  interp_ = std::move(created).value();
  wire::Result r = Run(
      "var s = rawBytes([0x41, 0xc0, 0xa2, 0xc1, 0x9c, 0x42]);"
      "var k = rawBytes([0xc0, 0x80]); var o = {}; o[k] = 1; [s, o]");
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.value_json(), "[\"A\\u0022\\u005cB\",{\"\\u0000\":1}]");
}

TEST_F(InterpreterTest, HugeResultStopsEncodingNearTheCap) {
  // A 12 MB string in a 32 MB heap (repeat() briefly needs twice that):
  // encoding it whole needs 12 MB of JSON text plus a 12 MB copy, which
  // used to end in MEMORY_LIMIT. The encoder stops past twice the 1 MiB
  // cap and sends the head, marked incomplete.
  wire::Result r = Run("'x'.repeat(12 * 1024 * 1024)");
  EXPECT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_TRUE(r.value_incomplete());
  EXPECT_GT(r.value_json().size(), 2u << 20);
  EXPECT_LE(r.value_json().size(), (2u << 20) + (64u << 10));
  EXPECT_EQ(r.value_json().substr(0, 4), "\"xxx");
  EXPECT_LT(r.heap_peak_bytes(), 28u << 20);
}

TEST_F(InterpreterTest, ASyntaxErrorRunsNothing) {
  wire::Result r = Run("var a = ;");
  EXPECT_EQ(r.status(), api::SYNTAX_ERROR);
  EXPECT_TRUE(r.nothing_ran());
  wire::Result ok = Run("1");
  EXPECT_FALSE(ok.nothing_ran());
}

TEST_F(InterpreterTest, ResultThatFitsOnlyAfterConversionIsKept) {
  // 200000 U+1F600: 1.2 MB inside Duktape (CESU-8), 800 KB of UTF-8, under
  // the 1 MiB cap. The encoder's early stop must leave room for that.
  wire::Result r = Run("'\\uD83D\\uDE00'.repeat(200000)");
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.value_json().size(), 800002u);
}

TEST_F(InterpreterTest, EncodeErrorTextIsCapped) {
  wire::Result r = Run("({toJSON: function() { throw 'e'.repeat(5e6) }})");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_LE(r.error().message().size(), kMaxErrorFieldBytes);
  EXPECT_LE(r.detail().size(), kMaxErrorFieldBytes + 100);
}

TEST_F(InterpreterTest, HugeErrorMessageIsCapped) {
  wire::Result r = Run("throw new Error('m'.repeat(8e6))");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR) << r.detail();
  EXPECT_EQ(r.error().name(), "Error");
  EXPECT_EQ(r.error().message().size(), kMaxErrorFieldBytes);
  EXPECT_LE(r.error().stack().size(), kMaxErrorFieldBytes);
}

TEST_F(InterpreterTest, MetricsAreFilled) {
  wire::Result r = Run("var a = []; for (var i = 0; i < 10000; i++) a.push({i: i}); a.length");
  EXPECT_EQ(r.value_json(), "10000");
  EXPECT_GT(r.heap_peak_bytes(), 10000u * 16);
  EXPECT_GT(r.heap_bytes_after(), 0u);
  EXPECT_GT(r.cpu_time_us(), 0u);
}

TEST_F(InterpreterTest, RunWithoutPrepareStillWorks) {
  wire::Execute ex;
  ex.set_code("40 + 2");
  wire::Result r;
  interp_->Run(ex, &r);
  interp_->Run(ex, &r);  // no PrepareNext in between: prepared on demand
  EXPECT_EQ(r.status(), api::OK);
  EXPECT_EQ(r.value_json(), "42");
}

}  // namespace
}  // namespace stockade::worker

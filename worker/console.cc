#include "worker/console.h"

#include "api.pb.h"
#include "worker/deadline.h"
#include "worker/heap.h"
#include "worker/js_values.h"
#include "worker/utf8.h"

namespace stockade::worker {
namespace {

struct Method {
  const char* name;
  api::Stream stream;
};
constexpr Method kMethods[] = {
    {"log", api::STDOUT},  {"info", api::STDOUT},  {"debug", api::STDOUT},
    {"warn", api::STDERR}, {"error", api::STDERR},
};

}  // namespace

void Console::Install(duk_context* env) {
  duk_push_global_object(env);
  duk_push_object(env);
  for (const Method& m : kMethods) {
    duk_push_c_function(env, Write, DUK_VARARGS);
    duk_set_magic(env, -1, static_cast<duk_int_t>(m.stream));
    // A readable name for "[Function: log]" and stack traces.
    duk_push_string(env, "name");
    duk_push_string(env, m.name);
    duk_def_prop(env, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
    duk_put_prop_string(env, -2, m.name);
  }
  duk_put_prop_string(env, -2, "console");
  duk_pop(env);
}

void Console::Tick(void* self, std::int64_t now_ns) {
  static_cast<Console*>(self)->output_.MaybeFlush(now_ns);
}

duk_ret_t Console::Write(duk_context* ctx) {
  auto* self = static_cast<Console*>(Heap::From(ctx)->host());
  if (self == nullptr || !self->output_.active()) return 0;
  const auto stream = static_cast<api::Stream>(duk_get_current_magic(ctx));
  const duk_idx_t n = duk_get_top(ctx);
  // Formatting may run script code (toJSON, getters) that calls console
  // again; only the outermost call uses the reused buffers.
  std::string nested_line, nested_scratch;
  const bool outermost = self->depth_ == 0;
  std::string& line = outermost ? self->line_ : nested_line;
  std::string& scratch = outermost ? self->scratch_ : nested_scratch;
  ++self->depth_;
  line.clear();
  // Formatting stops a little past the longest line the output keeps (the
  // margin lets a character cut at the limit turn into U+FFFD beyond it):
  // no argument, however large, is copied out of the heap whole.
  constexpr std::size_t kLimit = OutputBuffer::kMaxLineBytes + 4;
  for (duk_idx_t i = 0; i < n && line.size() < kLimit; ++i) {
    if (i > 0) line.push_back(' ');
    AppendConsoleForm(ctx, i, kLimit, &line);
  }
  --self->depth_;
  const bool cut = line.size() >= kLimit;
  std::string_view text = line;
  if (!IsValidUtf8(line)) {
    scratch.clear();
    AppendValidUtf8(line, Utf8Mode::kReplace, &scratch);
    text = scratch;
  }
  const std::int64_t now = MonotonicNowNs();
  self->output_.MaybeFlush(now);
  self->output_.Add(stream, text, now, cut);
  return 0;
}

}  // namespace stockade::worker

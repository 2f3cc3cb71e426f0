/*
 * Stockade's Duktape configuration: Debian's stock duk_config.h plus the
 * handful of options the sandbox depends on.
 *
 * worker/CMakeLists.txt copies this file into the build tree as
 * "duk_config.h", next to copies of Debian's duktape.c and duktape.h, so
 * duktape.h's `#include "duk_config.h"` resolves here. We include the stock
 * configuration by absolute path and then override options. The stock file
 * has already run its own sanity checks by then, so every override below must
 * be self-consistent (each one notes what it depends on).
 *
 * Plain C on purpose: duktape.c is compiled as C, our code includes this
 * through duktape.h as C++.
 */
#if !defined(STOCKADE_DUK_CONFIG_H)
#define STOCKADE_DUK_CONFIG_H

#include "/usr/share/duktape/duk_config.h"

#if defined(__cplusplus)
extern "C" {
#endif
/* Implemented in worker/heap.cc. udata is the heap udata given to
 * duk_create_heap (our HeapHooks). */
duk_bool_t stockade_duk_exec_timeout_check(void *udata);
void stockade_duk_default_fatal(void *udata, const char *msg);
/* Called from the patched JSON encoder and buffer writer (see
 * worker/CMakeLists.txt and worker/json_limits.h). */
void stockade_duk_json_encoder_started(void *udata, const void *writer);
duk_bool_t stockade_duk_bufwriter_grow_refused(void *udata, const void *writer, const char *data,
                                               duk_size_t used, duk_size_t new_size);
#if defined(__cplusplus)
}
#endif

/* Why: the executor only calls the exec-timeout hook from its interrupt
 * handler, which exists only with the interrupt counter. Every 256K bytecode
 * instructions (DUK_HTHREAD_INTCTR_DEFAULT) the executor stops to run it. */
#undef DUK_USE_INTERRUPT_COUNTER
#define DUK_USE_INTERRUPT_COUNTER

/* Why: the in-interpreter deadline. Once it returns true for a run it keeps
 * returning true, so Duktape re-throws "execution timeout" at the first
 * instruction of every catch/finally block: script code cannot swallow it.
 * The same periodic call also flushes buffered console lines, so output is
 * delivered while a long loop runs. Requires DUK_USE_INTERRUPT_COUNTER. */
#undef DUK_USE_EXEC_TIMEOUT_CHECK
#define DUK_USE_EXEC_TIMEOUT_CHECK(udata) stockade_duk_exec_timeout_check((udata))

/* Why: integer arithmetic on 48-bit fastints instead of doubles; loops and
 * array indexing (most agent code) get markedly faster. Semantics are
 * unchanged (results are still IEEE doubles where JS requires it; covered by
 * worker_interpreter_test). Requires DUK_USE_64BIT_OPS, which the stock
 * configuration enables on x86-64/arm64. */
#undef DUK_USE_FASTINT
#define DUK_USE_FASTINT

/* Why: the stock fallback calls abort(), which under our seccomp filter
 * would itself be a forbidden syscall (rt_sigprocmask/tgkill) and surface as
 * a policy violation instead of the real cause. Ours writes a Fatal frame
 * with a raw write() and _exit(70)s. Used when Duktape has no heap-specific
 * handler; we also pass the same handler to duk_create_heap. */
#undef DUK_USE_FATAL_HANDLER
#define DUK_USE_FATAL_HANDLER(udata, msg) stockade_duk_default_fatal((udata), (msg))

/* Why: the stock string hash samples about 32 bytes of a long string, always
 * including the last one. Strings that differ only in a few bytes (a long
 * prefix plus a counter) then land in a handful of string-table buckets,
 * and every new string is memcmp'd against all of them: interning turned
 * quadratic (20000 such 1 KiB strings took 540 ms, so a memory bomb became
 * a slow burn that ended in TIMEOUT instead of MEMORY_LIMIT, and any script
 * could slow down the host's own string work). The dense hash reads every
 * byte; creating a string already copies every byte, so the cost is a
 * constant factor. The seed is per heap (its address), as before. */
#undef DUK_USE_STRHASH_DENSE
#define DUK_USE_STRHASH_DENSE

/* Why: local time would make Duktape call localtime_r(), which opens
 * /etc/localtime on first use (a forbidden open after the filter is loaded)
 * and leaks the host's time zone into the sandbox. Scripts see UTC. */
#undef DUK_USE_DATE_TZO_GMTIME_R
#undef DUK_USE_DATE_TZO_GMTIME_S
#undef DUK_USE_DATE_TZO_GMTIME
#undef DUK_USE_DATE_GET_LOCAL_TZOFFSET
#define DUK_USE_DATE_GET_LOCAL_TZOFFSET(d) ((void) (d), 0)

/* Why: strftime()/strptime() consult the C locale and the time zone database
 * (file opens after the filter); Duktape falls back to its own ISO 8601
 * formatting and parsing without them. */
#undef DUK_USE_DATE_FMT_STRFTIME
#undef DUK_USE_DATE_PRS_STRPTIME
#undef DUK_USE_DATE_FORMAT_STRING
#undef DUK_USE_DATE_PARSE_STRING

/* Why: CBOR.decode built strings from raw bytes (invalid UTF-8, overlong
 * forms). Duktape has no option that drops the CBOR global itself (the
 * amalgamated built-in tables always reference it), so lockdown.js deletes
 * it; without CBOR support its functions only throw, should anything still
 * reach them. Nothing of ours uses duk_cbor_encode/decode. */
#undef DUK_USE_CBOR_SUPPORT

/* Why: speed. JSON.stringify() without a replacer or property list first
 * walks plain objects and dense arrays directly (no wrapper object, no
 * enumerator), ~14 % less CPU for a JSON-heavy script (BENCHMARKS.md,
 * issue 12). Semantics are kept: it gives up and restarts on the ordinary
 * path at anything with side effects (a toJSON anywhere on the chain, a
 * getter, a Proxy, a boxed primitive, a buffer object, array-index keys,
 * deep or cyclic input). Our encoder hooks (worker/json_limits.h) see the
 * same writer on both paths: the budget is armed before the fast path, a
 * refused growth throws inside it, and the ordinary path then stops at the
 * same budget again. */
#undef DUK_USE_JSON_STRINGIFY_FASTPATH
#define DUK_USE_JSON_STRINGIFY_FASTPATH

#endif /* STOCKADE_DUK_CONFIG_H */

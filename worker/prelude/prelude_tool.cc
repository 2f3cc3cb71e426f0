// stockade-prelude-tool: builds the worker's prelude at build time.
//
//   stockade-prelude-tool CORE_JS_DIR MODULE_LIST OUT.cc BEFORE.js... -- AFTER.js...
//   stockade-prelude-tool --raw OUT.bin FILE.js...
//
// The prelude is one ES5 function, `function (host) { ... }`, made of our
// own scripts that must run before the standard library (the event loop,
// whose queueMicrotask and setImmediate core-js captures), core-js's
// modules bundled CommonJS-style (each module a function, `require`
// resolved here, at build time, to an index), and the scripts that run
// after it (lockdown). It is compiled once, here, with the worker's own
// Duktape build, and its bytecode (duk_dump_function) written into OUT.cc
// as `stockade::worker::kPreludeBytecode`: a worker loads it with
// duk_load_function instead of parsing half a megabyte of source.
//
// --raw compiles `function (host) { FILE.js... }` the same way and writes
// the bare bytecode, for a file too large to become a C++ array (the
// TypeScript compiler: ~10 MB of source, ~7.6 MB of bytecode, which the
// build links with an assembler .incbin).
//
// MODULE_LIST: one core-js module per line ("modules/es.map"), `#` starts a
// comment, and
//   patch MODULE: FROM => TO
// replaces text in a module's source, failing the build when FROM is not
// there (so an update of Debian's core-js cannot silently drop a patch).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "duktape.h"

// The worker's Duktape copy calls into these hooks (worker/heap.cc,
// worker/json_limits.cc); at build time no limit applies.
extern "C" {
duk_bool_t stockade_duk_exec_timeout_check(void*) { return 0; }
void stockade_duk_default_fatal(void*, const char* msg) {
  std::fprintf(stderr, "stockade-prelude-tool: duktape fatal: %s\n", msg);
  std::exit(1);
}
void stockade_duk_json_encoder_started(void*, const void*) {}
duk_bool_t stockade_duk_bufwriter_grow_refused(void*, const void*, const char*, duk_size_t, duk_size_t) {
  return 0;
}
}

namespace {

namespace fs = std::filesystem;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "stockade-prelude-tool: %s\n", why.c_str());
  std::exit(1);
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) Die("cannot read " + p.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// A JSON string literal (module paths and require specifiers only).
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct Module {
  std::string source;
  std::map<std::string, int> deps;  // require() specifier -> module index
};

class Bundler {
 public:
  Bundler(fs::path root, std::map<fs::path, std::vector<std::pair<std::string, std::string>>> patches)
      : root_(std::move(root)), patches_(std::move(patches)) {}

  int Add(const fs::path& file) {
    const fs::path key = fs::weakly_canonical(file);
    if (auto it = index_.find(key); it != index_.end()) return it->second;
    const int id = static_cast<int>(modules_.size());
    index_[key] = id;
    modules_.emplace_back();
    names_.push_back(fs::relative(key, root_).string());
    std::string source = Slurp(key);
    if (auto p = patches_.find(key); p != patches_.end()) {
      for (const auto& [from, to] : p->second) {
        const auto at = source.find(from);
        if (at == std::string::npos) Die(names_[id] + ": cannot find '" + from + "' to patch");
        source.replace(at, from.size(), to);
      }
      patched_.push_back(key);
    }
    static const std::regex require(R"re(require\('([^']+)'\))re");
    std::map<std::string, int> deps;
    for (std::sregex_iterator it(source.begin(), source.end(), require), end; it != end; ++it) {
      const std::string spec = (*it)[1];
      if (!deps.count(spec)) deps[spec] = Add(Resolve(key, spec));
    }
    modules_[id] = Module{std::move(source), std::move(deps)};
    return id;
  }

  // The modules as one script that defines them all and requires `entries`.
  std::string Emit(const std::vector<int>& entries) const {
    for (const auto& [file, list] : patches_) {
      if (std::find(patched_.begin(), patched_.end(), file) == patched_.end()) {
        Die("a patch names " + file.string() + ", which no listed module requires");
      }
    }
    std::string out =
        "(function () {\n"
        "var defs = [], cache = [];\n"
        "function load(i) {\n"
        "  var m = cache[i];\n"
        "  if (m) return m.exports;\n"
        "  m = cache[i] = { exports: {} };\n"
        "  defs[i].call(m.exports, m, m.exports);\n"
        "  return m.exports;\n"
        "}\n";
    for (std::size_t i = 0; i < modules_.size(); ++i) {
      std::string table = "{";
      for (const auto& [spec, id] : modules_[i].deps) {
        if (table.size() > 1) table += ",";
        table += Quote(spec) + ":" + std::to_string(id);
      }
      table += "}";
      out += "// " + names_[i] + "\n";
      out += "defs[" + std::to_string(i) + "] = function (module, exports) {\n";
      out += "var require = (function (t) { return function (s) { return load(t[s]); }; })(" + table + ");\n";
      out += modules_[i].source;
      out += "\n};\n";
    }
    for (int e : entries) out += "load(" + std::to_string(e) + ");\n";
    out += "})();\n";
    return out;
  }

  std::size_t size() const { return modules_.size(); }

 private:
  // Node's resolution, for the relative specifiers core-js uses.
  fs::path Resolve(const fs::path& from, const std::string& spec) const {
    if (spec.rfind("./", 0) != 0 && spec.rfind("../", 0) != 0) {
      Die(from.string() + ": require('" + spec + "') is not relative");
    }
    const fs::path base = (from.parent_path() / spec).lexically_normal();
    for (const fs::path& c : {base, fs::path(base.string() + ".js"), base / "index.js"}) {
      if (fs::is_regular_file(c)) return c;
    }
    Die(from.string() + ": cannot resolve require('" + spec + "')");
  }

  fs::path root_;
  std::map<fs::path, std::vector<std::pair<std::string, std::string>>> patches_;
  std::map<fs::path, int> index_;
  std::vector<Module> modules_;
  std::vector<std::string> names_;
  std::vector<fs::path> patched_;
};

}  // namespace

// `function (host) { source }` compiled and dumped; dies on a syntax error.
std::string CompileToBytecode(const std::string& body, const char* name) {
  const std::string source = "function (host) {\n" + body + "}\n";
  duk_context* ctx = duk_create_heap_default();
  if (ctx == nullptr) Die("cannot create a duktape heap");
  duk_push_string(ctx, name);
  if (duk_pcompile_lstring_filename(ctx, DUK_COMPILE_FUNCTION, source.data(), source.size()) != 0) {
    Die(std::string(name) + " does not compile: " + duk_safe_to_string(ctx, -1));
  }
  duk_dump_function(ctx);
  duk_size_t size = 0;
  const auto* bytes = static_cast<const char*>(duk_get_buffer(ctx, -1, &size));
  std::string out(bytes, size);
  duk_destroy_heap(ctx);
  return out;
}

int RawMain(int argc, char** argv) {
  if (argc < 4) Die("usage: stockade-prelude-tool --raw OUT.bin FILE.js...");
  std::string body;
  for (int i = 3; i < argc; ++i) body += Slurp(argv[i]) + "\n";
  const std::string code = CompileToBytecode(body, fs::path(argv[3]).filename().c_str());
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  out.write(code.data(), static_cast<std::streamsize>(code.size()));
  if (!out) Die(std::string("cannot write ") + argv[2]);
  std::printf("%s: %zu bytes of source, %zu bytes of bytecode\n", argv[2], body.size(), code.size());
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--raw") == 0) return RawMain(argc, argv);
  if (argc < 4) Die("usage: stockade-prelude-tool CORE_JS_DIR MODULE_LIST OUT.cc BEFORE.js... -- AFTER.js...");
  const fs::path root = fs::weakly_canonical(argv[1]);
  std::vector<std::string> before, after;
  bool past = false;
  for (int i = 4; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) {
      past = true;
    } else {
      (past ? after : before).push_back(argv[i]);
    }
  }

  std::vector<fs::path> entries;
  std::map<fs::path, std::vector<std::pair<std::string, std::string>>> patches;
  std::istringstream list(Slurp(argv[2]));
  int lineno = 0;
  for (std::string line; std::getline(list, line);) {
    ++lineno;
    if (const auto hash = line.find('#'); hash != std::string::npos && line.rfind("patch ", 0) != 0) {
      line.resize(hash);
    }
    line = Trim(line);
    if (line.empty()) continue;
    if (line.rfind("patch ", 0) == 0) {
      const auto colon = line.find(": ");
      const auto arrow = line.find(" => ");
      if (colon == std::string::npos || arrow == std::string::npos || arrow < colon) {
        Die(std::string(argv[2]) + ":" + std::to_string(lineno) + ": expected 'patch MODULE: FROM => TO'");
      }
      const fs::path file = fs::weakly_canonical(root / (Trim(line.substr(6, colon - 6)) + ".js"));
      patches[file].emplace_back(line.substr(colon + 2, arrow - colon - 2), line.substr(arrow + 4));
      continue;
    }
    entries.push_back(root / (line + ".js"));
  }

  Bundler bundler(root, std::move(patches));
  std::vector<int> ids;
  for (const fs::path& e : entries) ids.push_back(bundler.Add(e));

  std::string body;
  for (const auto& f : before) body += "// " + fs::path(f).filename().string() + "\n" + Slurp(f) + "\n";
  body += bundler.Emit(ids);
  for (const auto& f : after) body += "// " + fs::path(f).filename().string() + "\n" + Slurp(f) + "\n";
  const std::string code = CompileToBytecode(body, "prelude");
  const auto* bytes = reinterpret_cast<const unsigned char*>(code.data());
  const std::size_t size = code.size();

  std::ofstream out(argv[3], std::ios::binary | std::ios::trunc);
  out << "// Generated by stockade-prelude-tool from core-js (" << bundler.size()
      << " modules) and worker/prelude/*.js. Do not edit.\n"
      << "#include <cstddef>\n\nnamespace stockade::worker {\n\n"
      << "extern const unsigned char kPreludeBytecode[];\n"
      << "extern const std::size_t kPreludeBytecodeSize;\n"
      << "alignas(8) const unsigned char kPreludeBytecode[] = {";
  for (std::size_t i = 0; i < size; ++i) {
    out << (i % 24 == 0 ? "\n" : "") << static_cast<unsigned>(bytes[i]) << ",";
  }
  out << "\n};\nconst std::size_t kPreludeBytecodeSize = " << size << ";\n\n}  // namespace stockade::worker\n";
  if (!out) Die(std::string("cannot write ") + argv[3]);
  std::printf("prelude: %zu core-js modules, %zu bytes of source, %zu bytes of bytecode\n", bundler.size(),
              body.size(), size);
  return 0;
}

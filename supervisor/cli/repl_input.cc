#include "supervisor/cli/repl_input.h"

#include <initializer_list>
#include <string>
#include <vector>

namespace stockade::supervisor {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Identifier and number characters; bytes of UTF-8 sequences count as
// identifier characters (JavaScript allows most of them), '#' starts a
// private name.
bool IsWordByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' || u == '$' ||
         u == '#' || u >= 0x80;
}

bool IsOneOf(std::string_view word, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    if (w == word) return true;
  }
  return false;
}

// Keywords after which an expression starts: a '/' there opens a regular
// expression, not a division.
bool KeywordBeforeExpression(std::string_view w) {
  return IsOneOf(w, {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do",
                     "else", "yield", "await", "extends"});
}

// Keywords that cannot end an input: the statement or expression they
// start is still to come. `in`, `of` and `await` are left out: they are
// also ordinary names, and a wrong "incomplete" costs the person the
// input they typed (an empty line abandons it).
bool KeywordNeedsMore(std::string_view w) {
  return IsOneOf(w, {"typeof", "new", "delete", "void", "throw", "instanceof", "case", "else", "do", "extends"});
}

// What the previous token was: it decides what '/' means and whether the
// input may end here.
enum class Last {
  kNothing,
  kOperand,       // a name, number, string, regular expression or template
  kKeyword,       // one of KeywordBeforeExpression
  kOpen,          // ( [ { or ${
  kCloseParen,
  kHeaderParen,   // the ')' closing `if (...)`, `for (...)`, `while (...)`, `with (...)`
  kCloseBrace,
  kOperator,
};

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  InputState Run() {
    while (i_ < s_.size()) {
      if (in_template_) {
        if (!StepTemplate()) return InputState::kOpenTemplate;
        continue;
      }
      const char c = s_[i_];
      if (IsSpace(c)) {
        ++i_;
      } else if (c == '/' && Peek(1) == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == '/' && Peek(1) == '*') {
        const std::size_t end = s_.find("*/", i_ + 2);
        if (end == std::string_view::npos) return InputState::kOpenComment;
        i_ = end + 2;
      } else if (c == '/' && RegexMayStart()) {
        if (!SkipRegex()) return InputState::kComplete;  // unterminated: the compiler says so
        SetLast(Last::kOperand);
      } else if (c == '\'' || c == '"') {
        const InputState st = SkipString(c);
        if (st != InputState::kComplete) return st;
        if (broken_) return InputState::kComplete;
        SetLast(Last::kOperand);
      } else if (c == '`') {
        ++i_;
        in_template_ = true;
      } else if (IsWordByte(c)) {
        Word();
      } else if (c == '(' || c == '[' || c == '{') {
        header_.push_back(c == '(' && last_ == Last::kKeyword &&
                          IsOneOf(last_word_, {"if", "for", "while", "with"}));
        stack_.push_back(c);
        ++i_;
        SetLast(Last::kOpen);
      } else if (c == ')' || c == ']' || c == '}') {
        if (!Close(c)) return InputState::kComplete;  // nothing to close: let the compiler say so
      } else {
        Operator();
      }
    }
    if (in_template_) return InputState::kOpenTemplate;
    if (!stack_.empty()) return InputState::kOpenBracket;
    return AtEnd();
  }

 private:
  char Peek(std::size_t ahead) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }

  void SetLast(Last last) {
    last_ = last;
    if (last != Last::kOperator) op_.clear();
    if (last != Last::kKeyword && last != Last::kOperand) last_word_ = {};
  }

  // A '/' opens a regular expression where an expression may start: at the
  // beginning, after an operator, an opening bracket or a keyword such as
  // `return`. After `}` it is a guess: a block's end is taken to be more
  // common at a prompt than an object literal divided by something.
  bool RegexMayStart() const {
    switch (last_) {
      case Last::kNothing: case Last::kKeyword: case Last::kOpen: case Last::kCloseBrace:
      case Last::kHeaderParen:
        return true;
      case Last::kOperator:
        // x++ / 2 and x-- / 2 divide.
        return !(op_.ends_with("++") || op_.ends_with("--"));
      default:
        return false;
    }
  }

  // Past the closing '/' and the flags; false when the line ends first.
  bool SkipRegex() {
    bool in_class = false;
    for (++i_; i_ < s_.size(); ++i_) {
      const char c = s_[i_];
      if (c == '\n') return false;
      if (c == '\\') {
        ++i_;
        if (i_ < s_.size() && s_[i_] == '\n') return false;
      } else if (c == '[') {
        in_class = true;
      } else if (c == ']') {
        in_class = false;
      } else if (c == '/' && !in_class) {
        ++i_;
        while (i_ < s_.size() && IsWordByte(s_[i_])) ++i_;
        return true;
      }
    }
    return false;
  }

  // Past the closing quote. A backslash ending the input continues the
  // string on the next line; a bare newline is an unterminated string
  // (broken_: the compiler reports it).
  InputState SkipString(char quote) {
    for (++i_; i_ < s_.size(); ++i_) {
      const char c = s_[i_];
      if (c == quote) {
        ++i_;
        return InputState::kComplete;
      }
      if (c == '\n') {
        broken_ = true;
        return InputState::kComplete;
      }
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) return InputState::kOpenString;
        ++i_;
        if (s_[i_] == '\r' && Peek(1) == '\n') ++i_;
      }
    }
    broken_ = true;  // the input ends inside the string, with no backslash
    return InputState::kComplete;
  }

  // One step inside a template literal: its end, a ${ (back to code, the
  // matching '}' returns here), an escape or any other character. False
  // when the input ends inside it.
  bool StepTemplate() {
    const char c = s_[i_];
    if (c == '\\') {
      i_ += 2;
      return i_ <= s_.size();
    }
    if (c == '`') {
      ++i_;
      in_template_ = false;
      SetLast(Last::kOperand);
    } else if (c == '$' && Peek(1) == '{') {
      i_ += 2;
      in_template_ = false;
      stack_.push_back('`');
      header_.push_back(false);
      SetLast(Last::kOpen);
    } else {
      ++i_;
    }
    return true;
  }

  void Word() {
    const std::size_t start = i_;
    const bool number = s_[i_] >= '0' && s_[i_] <= '9';
    while (i_ < s_.size() && (IsWordByte(s_[i_]) || (number && s_[i_] == '.'))) ++i_;
    const std::string_view word = s_.substr(start, i_ - start);
    // After '.' or '?.' a keyword is a property name: promise.catch, map.delete.
    const bool member = last_ == Last::kOperator && (op_ == "." || op_ == "?.");
    const bool do_while = word == "while" && last_ == Last::kCloseBrace;
    if (!number && !member && !do_while && (KeywordBeforeExpression(word) || IsOneOf(word, {"if", "for", "while", "with"}))) {
      SetLast(Last::kKeyword);
    } else {
      SetLast(Last::kOperand);
    }
    last_word_ = word;
  }

  bool Close(char c) {
    if (stack_.empty()) return false;
    const char open = stack_.back();
    const bool header = header_.back();
    stack_.pop_back();
    header_.pop_back();
    ++i_;
    if (c == '}' && open == '`') {
      in_template_ = true;  // the ${ ... } of a template literal ends
      return true;
    }
    if ((c == ')' && open != '(') || (c == ']' && open != '[') || (c == '}' && open != '{')) return false;
    SetLast(c == ')' ? (header ? Last::kHeaderParen : Last::kCloseParen) : c == '}' ? Last::kCloseBrace : Last::kOperand);
    return true;
  }

  // A run of operator characters without spaces between them ("=>",
  // "++", "?.", "...", "===") is one token; ';' is one on its own.
  void Operator() {
    const bool continues = last_ == Last::kOperator && !IsSpace(s_[i_ - 1]) && op_ != ";" && s_[i_] != ';';
    if (!continues) op_.clear();
    op_.push_back(s_[i_]);
    ++i_;
    last_ = Last::kOperator;
    last_word_ = {};
  }

  InputState AtEnd() const {
    if (last_ == Last::kHeaderParen) return InputState::kTrailingOperator;  // if (x) -> its statement
    if (last_ == Last::kKeyword && KeywordNeedsMore(last_word_)) return InputState::kTrailingOperator;
    if (last_ != Last::kOperator) return InputState::kComplete;
    const std::string_view op = op_;
    if (op.empty() || op == ";") return InputState::kComplete;
    if (op.ends_with("=>")) return InputState::kTrailingOperator;
    // x++ and x-- are whole; so is a TypeScript type ending in '>'
    // (Map<string, number>) and a non-null assertion (x!). A comparison
    // left hanging is rare enough to let the compiler report.
    if (op.ends_with("++") || op.ends_with("--") || op.back() == '>' || op.back() == '<' || op.back() == '!') {
      return InputState::kComplete;
    }
    return InputState::kTrailingOperator;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::vector<char> stack_;   // ( [ { and '`' for a template's ${
  std::vector<bool> header_;  // per stack_ entry: an if/for/while/with header
  bool in_template_ = false;
  bool broken_ = false;
  Last last_ = Last::kNothing;
  std::string_view last_word_;
  std::string op_;
};

}  // namespace

InputState ScanInput(std::string_view source) { return Scanner(source).Run(); }

}  // namespace stockade::supervisor

// libfuse 3's option parser (fuse_opt.h) with its exact behaviour: which template
// matches what, how -o lists are split and re-assembled, what the processing function
// sees, and the malloc ownership of argument vectors that C callers free() themselves.
#include "uringfuse/fuse3/fuse_opt.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "uringfuse/fuse3/fuse_log.h"

#define UF_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// What FUSE_OPT_KEY puts in `offset` (-1U widened to unsigned long).
constexpr unsigned long kKeyOffset = -1U;

int out_of_memory() {
  fuse_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
  return -1;
}

// Gives `args` its own malloc'ed copy of a caller-owned vector (FUSE_ARGS_INIT over
// main's argv) before the first change, so free_args can later free everything.
int take_ownership(fuse_args* args) {
  if (args->argv == nullptr || args->allocated) return 0;
  auto** copy =
      static_cast<char**>(std::calloc(static_cast<size_t>(args->argc) + 1, sizeof(char*)));
  if (copy == nullptr) return out_of_memory();
  for (int i = 0; i < args->argc; i++) {
    copy[i] = strdup(args->argv[i]);
    if (copy[i] == nullptr) {
      for (int j = 0; j < i; j++) std::free(copy[j]);
      std::free(copy);
      return out_of_memory();
    }
  }
  args->argv = copy;
  args->allocated = 1;
  return 0;
}

// Appends `opt` to a comma-separated list, optionally escaping ',' and '\'.
int append_to_list(char** list, const char* opt, bool escape) {
  size_t used = *list != nullptr ? std::strlen(*list) : 0;
  // Worst case: a separator, every character escaped, the terminator.
  auto* grown = static_cast<char*>(std::realloc(*list, used + 1 + 2 * std::strlen(opt) + 1));
  if (grown == nullptr) return out_of_memory();
  *list = grown;
  char* d = grown + used;
  if (used != 0) *d++ = ',';
  for (const char* s = opt; *s != '\0'; s++) {
    if (escape && (*s == ',' || *s == '\\')) *d++ = '\\';
    *d++ = *s;
  }
  *d = '\0';
  return 0;
}

// Does `arg` fit template `t`? A template whose first '=' (or, lacking one, first ' ')
// ends it or is followed by a format is a prefix ("name=" includes the '=', "-x "
// excludes the space); any template also matches itself exactly. `sep` receives the
// separator's index for prefix matches and 0 for exact ones.
bool template_matches(const char* t, const char* arg, unsigned* sep) {
  const char* s = std::strchr(t, '=');
  if (s == nullptr) s = std::strchr(t, ' ');
  if (s != nullptr && (s[1] == '\0' || s[1] == '%')) {
    size_t prefix = static_cast<size_t>(s - t) + (*s == '=' ? 1 : 0);
    if (std::strncmp(arg, t, prefix) == 0) {
      *sep = static_cast<unsigned>(s - t);
      return true;
    }
  }
  if (std::strcmp(t, arg) == 0) {
    *sep = 0;
    return true;
  }
  return false;
}

// The first template at or after `from` that matches `arg`, or null.
const fuse_opt* next_match(const fuse_opt* from, const char* arg, unsigned* sep) {
  for (const fuse_opt* o = from; o != nullptr && o->templ != nullptr; o++) {
    if (template_matches(o->templ, arg, sep)) return o;
  }
  return nullptr;
}

// Stores a value parsed with a template's scanf-style `format` ("%s", "%u", ...).
int store_value(void* var, const char* format, const char* value, const char* option) {
  if (format[1] == 's') {
    char* copy = strdup(value);
    if (copy == nullptr) return out_of_memory();
    auto** slot = static_cast<char**>(var);
    std::free(*slot);
    *slot = copy;
    return 0;
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  int converted = std::sscanf(value, format, var);
#pragma GCC diagnostic pop
  if (converted != 1) {
    fuse_log(FUSE_LOG_ERR, "fuse: invalid parameter in option `%s'\n", option);
    return -1;
  }
  return 0;
}

class Parser {
 public:
  Parser(const fuse_args* in, void* data, const fuse_opt* opts, fuse_opt_proc_t proc)
      : argc_(in->argc), argv_(in->argv), data_(data), opts_(opts), proc_(proc) {}
  ~Parser() {
    std::free(kept_opts_);
    fuse_opt_free_args(&out_);
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  int run();
  // Hands the finished vector over; the parser keeps nothing.
  fuse_args release() {
    fuse_args done = out_;
    out_ = FUSE_ARGS_INIT(0, nullptr);
    return done;
  }

 private:
  int one_argument(const char* arg);
  int option_list(const char* list);
  int option(const char* arg, bool in_list);
  int apply(const fuse_opt* o, unsigned sep, const char* arg, bool in_list);
  int apply_with_next_argument(const fuse_opt* o, unsigned sep, const char* arg, bool in_list);
  int offer(const char* arg, int key, bool in_list);
  int advance(const char* arg);
  int keep_argument(const char* arg) { return fuse_opt_add_arg(&out_, arg); }

  int argc_;
  char** argv_;
  void* data_;
  const fuse_opt* opts_;
  fuse_opt_proc_t proc_;
  int index_ = 0;
  fuse_args out_ = FUSE_ARGS_INIT(0, nullptr);
  char* kept_opts_ = nullptr;  // kept -o items, escaped, comma-separated
  int after_separator_ = 0;    // out_.argc just after "--" was kept; 0 before any "--"
};

int Parser::run() {
  if (keep_argument(argv_[0]) == -1) return -1;
  for (index_ = 1; index_ < argc_; index_++) {
    if (one_argument(argv_[index_]) == -1) return -1;
  }
  if (kept_opts_ != nullptr) {
    if (fuse_opt_insert_arg(&out_, 1, "-o") == -1) return -1;
    if (fuse_opt_insert_arg(&out_, 2, kept_opts_) == -1) return -1;
  }
  // A "--" that nothing followed is dropped again.
  if (after_separator_ != 0 && after_separator_ == out_.argc &&
      std::strcmp(out_.argv[out_.argc - 1], "--") == 0) {
    out_.argc--;
    std::free(out_.argv[out_.argc]);
    out_.argv[out_.argc] = nullptr;
  }
  return 0;
}

int Parser::one_argument(const char* arg) {
  if (after_separator_ != 0 || arg[0] != '-') return offer(arg, FUSE_OPT_KEY_NONOPT, false);
  if (arg[1] == 'o') {
    if (arg[2] != '\0') return option_list(arg + 2);
    if (advance(arg) == -1) return -1;
    return option_list(argv_[index_]);
  }
  if (arg[1] == '-' && arg[2] == '\0') {
    if (keep_argument(arg) == -1) return -1;
    after_separator_ = out_.argc;
    return 0;
  }
  return option(arg, false);
}

// Steps to the argument that is the value of `arg`.
int Parser::advance(const char* arg) {
  if (index_ + 1 >= argc_) {
    fuse_log(FUSE_LOG_ERR, "fuse: missing argument after `%s'\n", arg);
    return -1;
  }
  index_++;
  return 0;
}

// Splits "a,b\,c" into items. A backslash takes the next character literally; a
// backslash before three octal digits (first one 0-3) stands for that byte.
int Parser::option_list(const char* list) {
  auto* item = static_cast<char*>(std::malloc(std::strlen(list) + 1));
  if (item == nullptr) return out_of_memory();
  size_t len = 0;
  int result = 0;
  for (const char* s = list;; s++) {
    if (*s == ',' || *s == '\0') {
      item[len] = '\0';
      len = 0;
      if (option(item, true) == -1) {
        result = -1;
        break;
      }
      if (*s == '\0') break;
      continue;
    }
    if (*s == '\\' && s[1] != '\0') {
      s++;
      if (s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7') {
        item[len++] = static_cast<char>((s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0'));
        s += 2;
        continue;
      }
    }
    item[len++] = *s;
  }
  std::free(item);
  return result;
}

// Every template that matches applies, in table order; an option none matches goes to
// the processing function as FUSE_OPT_KEY_OPT.
int Parser::option(const char* arg, bool in_list) {
  unsigned sep = 0;
  const fuse_opt* o = next_match(opts_, arg, &sep);
  if (o == nullptr) return offer(arg, FUSE_OPT_KEY_OPT, in_list);
  for (; o != nullptr; o = next_match(o + 1, arg, &sep)) {
    bool value_follows = sep != 0 && o->templ[sep] == ' ' && arg[sep] == '\0';
    int res = value_follows ? apply_with_next_argument(o, sep, arg, in_list)
                            : apply(o, sep, arg, in_list);
    if (res == -1) return -1;
  }
  return 0;
}

int Parser::apply(const fuse_opt* o, unsigned sep, const char* arg, bool in_list) {
  if (o->offset == kKeyOffset) return offer(arg, o->value, in_list) == -1 ? -1 : 0;
  void* var = static_cast<char*>(data_) + o->offset;
  if (sep != 0 && o->templ[sep + 1] != '\0') {
    const char* value = arg + sep + (o->templ[sep] == '=' ? 1 : 0);
    return store_value(var, o->templ + sep + 1, value, arg);
  }
  *static_cast<int*>(var) = o->value;
  return 0;
}

// "-x value" as two argv elements: applied as if given as "-xvalue". (Each matching
// template takes the next element, as libfuse does.)
int Parser::apply_with_next_argument(const fuse_opt* o, unsigned sep, const char* arg,
                                     bool in_list) {
  if (advance(arg) == -1) return -1;
  const char* value = argv_[index_];
  size_t value_len = std::strlen(value);
  auto* joined = static_cast<char*>(std::malloc(sep + value_len + 1));
  if (joined == nullptr) return out_of_memory();
  std::memcpy(joined, arg, sep);
  std::memcpy(joined + sep, value, value_len + 1);
  int res = apply(o, sep, joined, in_list);
  std::free(joined);
  return res;
}

// Asks the processing function about `arg` unless the key decides by itself, then keeps
// the argument: -o items join the re-assembled option list, others go to outargs.
int Parser::offer(const char* arg, int key, bool in_list) {
  if (key == FUSE_OPT_KEY_DISCARD) return 0;
  if (key != FUSE_OPT_KEY_KEEP && proc_ != nullptr) {
    int verdict = proc_(data_, arg, key, &out_);
    if (verdict == -1 || verdict == 0) return verdict;
  }
  return in_list ? append_to_list(&kept_opts_, arg, true) : keep_argument(arg);
}

}  // namespace

UF_EXPORT void fuse_opt_free_args(fuse_args* args) {
  if (args == nullptr) return;
  if (args->argv != nullptr && args->allocated) {
    for (int i = 0; i < args->argc; i++) std::free(args->argv[i]);
    std::free(args->argv);
  }
  *args = FUSE_ARGS_INIT(0, nullptr);
}

UF_EXPORT int fuse_opt_add_arg(fuse_args* args, const char* arg) {
  if (take_ownership(args) == -1) return -1;
  char* copy = strdup(arg);
  if (copy == nullptr) return out_of_memory();
  auto** grown = static_cast<char**>(
      std::realloc(args->argv, (static_cast<size_t>(args->argc) + 2) * sizeof(char*)));
  if (grown == nullptr) {
    std::free(copy);
    return out_of_memory();
  }
  args->argv = grown;
  args->allocated = 1;
  args->argv[args->argc++] = copy;
  args->argv[args->argc] = nullptr;
  return 0;
}

UF_EXPORT int fuse_opt_insert_arg(fuse_args* args, int pos, const char* arg) {
  if (pos < 0 || pos > args->argc) {
    fuse_log(FUSE_LOG_ERR, "fuse: cannot insert argument at position %d of %d\n", pos, args->argc);
    return -1;
  }
  if (fuse_opt_add_arg(args, arg) == -1) return -1;
  char* added = args->argv[args->argc - 1];
  std::memmove(&args->argv[pos + 1], &args->argv[pos],
               static_cast<size_t>(args->argc - 1 - pos) * sizeof(char*));
  args->argv[pos] = added;
  return 0;
}

UF_EXPORT int fuse_opt_add_opt(char** opts, const char* opt) {
  return append_to_list(opts, opt, false);
}

UF_EXPORT int fuse_opt_add_opt_escaped(char** opts, const char* opt) {
  return append_to_list(opts, opt, true);
}

UF_EXPORT int fuse_opt_match(const fuse_opt opts[], const char* opt) {
  unsigned sep = 0;
  return next_match(opts, opt, &sep) != nullptr ? 1 : 0;
}

UF_EXPORT int fuse_opt_parse(fuse_args* args, void* data, const fuse_opt opts[],
                             fuse_opt_proc_t proc) {
  if (args == nullptr || args->argv == nullptr || args->argc == 0) return 0;
  Parser parser(args, data, opts, proc);
  if (parser.run() == -1) return -1;
  // The caller's vector is replaced; it is freed only if it was ours to free.
  fuse_opt_free_args(args);
  *args = parser.release();
  return 0;
}

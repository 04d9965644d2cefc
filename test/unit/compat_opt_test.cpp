// The libfuse 3 option parser and log API of the C compat layer: template kinds, what
// the processing function sees and decides, -o lists with escapes, "--", argument
// vector ownership, and log lines (the parser's and the library's) reaching a C sink.
#include <gtest/gtest.h>

#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "uringfuse/fuse3/fuse_log.h"
#include "uringfuse/fuse3/fuse_opt.h"
#include "uringfuse/log.hpp"

namespace {

// ---- log capture ----------------------------------------------------------------

std::vector<std::pair<fuse_log_level, std::string>> g_logged;

void capture_sink(fuse_log_level level, const char* fmt, va_list ap) {
  char line[512];
  std::vsnprintf(line, sizeof line, fmt, ap);
  g_logged.emplace_back(level, line);
}

// Every test runs with the capturing sink installed, so parser errors can be checked.
class Captured : public testing::Test {
 protected:
  void SetUp() override {
    g_logged.clear();
    fuse_set_log_func(capture_sink);
  }
  void TearDown() override { fuse_set_log_func(nullptr); }

  static std::string last_line() { return g_logged.empty() ? "" : g_logged.back().second; }
};

using FuseOpt = Captured;
using FuseLog = Captured;

// ---- argument vectors -----------------------------------------------------------

// A caller-owned argv (as main's is): FUSE_ARGS_INIT over strings we keep alive.
class Argv {
 public:
  Argv(std::initializer_list<const char*> words) {
    for (const char* w : words) store_.emplace_back(w);
    for (auto& s : store_) ptrs_.push_back(s.data());
    ptrs_.push_back(nullptr);
    args = FUSE_ARGS_INIT(static_cast<int>(store_.size()), ptrs_.data());
  }
  ~Argv() { fuse_opt_free_args(&args); }
  Argv(const Argv&) = delete;
  Argv& operator=(const Argv&) = delete;

  std::vector<std::string> words() const {
    std::vector<std::string> out;
    for (int i = 0; i < args.argc; i++) out.emplace_back(args.argv[i]);
    EXPECT_EQ(args.argv[args.argc], nullptr);
    return out;
  }

  fuse_args args;

 private:
  std::vector<std::string> store_;
  std::vector<char*> ptrs_;
};

using Words = std::vector<std::string>;

// ---- a data struct and a processing function that records its calls -------------

struct Conf {
  char* name = nullptr;
  unsigned count = 0;
  unsigned long big = 0;
  unsigned long long huge = 0;
  int neg = 0;
  unsigned hex = 0;
  unsigned oct = 0;
  int flag = 0;
  int dash_f = 0;
  double timeout = 0;
  int timeout_set = 0;
  ~Conf() { std::free(name); }
};

#define CONF_OPT(t, member, v) \
  { t, offsetof(Conf, member), v }

const fuse_opt kConfOpts[] = {
    CONF_OPT("name=%s", name, 0),         CONF_OPT("count=%u", count, 0),
    CONF_OPT("big=%lu", big, 0),          CONF_OPT("huge=%llu", huge, 0),
    CONF_OPT("neg=%d", neg, 0),           CONF_OPT("hex=%x", hex, 0),
    CONF_OPT("oct=%o", oct, 0),           CONF_OPT("flag", flag, 1),
    CONF_OPT("noflag", flag, 0),          CONF_OPT("-f", dash_f, 5),
    CONF_OPT("-n %u", count, 0),          CONF_OPT("timeout=%lf", timeout, 0),
    CONF_OPT("timeout=", timeout_set, 1), FUSE_OPT_END,
};

struct Call {
  std::string arg;
  int key;
  bool operator==(const Call&) const = default;
};

struct Recorder {
  std::vector<Call> calls;
  int verdict = 1;  // what the processing function answers
};

int record(void* data, const char* arg, int key, fuse_args*) {
  auto* r = static_cast<Recorder*>(data);
  r->calls.push_back({arg, key});
  return r->verdict;
}

std::string str(const char* s) {
  return s != nullptr ? s : "(null)";
}

// ---- templates that store values ------------------------------------------------

TEST_F(FuseOpt, FormatsStoreValues) {
  Conf c;
  Argv a{"prog", "-o", "name=foo,count=42,big=1234567890123,neg=-7"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &c, kConfOpts, nullptr), 0);
  EXPECT_EQ(str(c.name), "foo");
  EXPECT_EQ(c.count, 42u);
  EXPECT_EQ(c.big, 1234567890123ul);
  EXPECT_EQ(c.neg, -7);
  EXPECT_EQ(a.words(), (Words{"prog"}));
  EXPECT_EQ(a.args.allocated, 1);
}

TEST_F(FuseOpt, HexOctalAndLongLong) {
  Conf c;
  Argv a{"prog", "-o", "hex=ff,oct=17,huge=18446744073709551615"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &c, kConfOpts, nullptr), 0);
  EXPECT_EQ(c.hex, 0xffu);
  EXPECT_EQ(c.oct, 017u);
  EXPECT_EQ(c.huge, 18446744073709551615ull);
}

TEST_F(FuseOpt, StringValueReplacesThePreviousOne) {
  Conf c;
  c.name = strdup("old");
  Argv a{"prog", "-o", "name=first", "-o", "name=second"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &c, kConfOpts, nullptr), 0);
  EXPECT_EQ(str(c.name), "second");
}

TEST_F(FuseOpt, PlainTemplatesStoreTheirValue) {
  Conf c;
  Argv a{"prog", "-f", "-o", "flag"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &c, kConfOpts, nullptr), 0);
  EXPECT_EQ(c.dash_f, 5);
  EXPECT_EQ(c.flag, 1);
  Argv b{"prog", "-o", "flag,noflag"};
  ASSERT_EQ(fuse_opt_parse(&b.args, &c, kConfOpts, nullptr), 0);
  EXPECT_EQ(c.flag, 0);  // later items win
}

TEST_F(FuseOpt, EveryMatchingTemplateApplies) {
  // passthrough_ll's idiom: "timeout=%lf" stores the value, "timeout=" notes it was set.
  Conf c;
  Argv a{"prog", "-o", "timeout=2.5"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &c, kConfOpts, nullptr), 0);
  EXPECT_DOUBLE_EQ(c.timeout, 2.5);
  EXPECT_EQ(c.timeout_set, 1);
}

TEST_F(FuseOpt, KeyTemplatesAndStoringTemplatesOnTheSameOption) {
  struct Data {
    int ro = 0;
    Recorder rec;
  };
  static_assert(offsetof(Data, ro) == 0);
  const fuse_opt opts[] = {{"ro", offsetof(Data, ro), 3}, FUSE_OPT_KEY("ro", 7), FUSE_OPT_END};
  Data d;
  d.rec.verdict = 0;
  Argv a{"prog", "-o", "ro"};
  auto proc = [](void* data, const char* arg, int key, fuse_args*) -> int {
    static_cast<Data*>(data)->rec.calls.push_back({arg, key});
    return 0;
  };
  ASSERT_EQ(fuse_opt_parse(&a.args, &d, opts, proc), 0);
  EXPECT_EQ(d.ro, 3);
  EXPECT_EQ(d.rec.calls, (std::vector<Call>{{"ro", 7}}));
  EXPECT_EQ(a.words(), (Words{"prog"}));
}

// ---- the processing function ----------------------------------------------------

enum { kKeyVerbose = 10, kKeyHelp, kKeyReadOnly, kKeySize };

const fuse_opt kKeyOpts[] = {
    FUSE_OPT_KEY("-v", kKeyVerbose),
    FUSE_OPT_KEY("--help", kKeyHelp),
    FUSE_OPT_KEY("ro", kKeyReadOnly),
    FUSE_OPT_KEY("size=", kKeySize),
    FUSE_OPT_END,
};

TEST_F(FuseOpt, ProcSeesKeysOfMatchedTemplates) {
  Recorder r;
  Argv a{"prog", "-v", "--help", "-o", "ro,size=10"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &r, kKeyOpts, record), 0);
  EXPECT_EQ(
      r.calls,
      (std::vector<Call>{
          {"-v", kKeyVerbose}, {"--help", kKeyHelp}, {"ro", kKeyReadOnly}, {"size=10", kKeySize}}));
  // Kept (proc answered 1): options stay as arguments, -o items as one list.
  EXPECT_EQ(a.words(), (Words{"prog", "-o", "ro,size=10", "-v", "--help"}));
}

TEST_F(FuseOpt, ProcSeesUnmatchedOptionsAndNonOptions) {
  Recorder r;
  Argv a{"prog", "-x", "-o", "other", "/mnt", "--long"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &r, kKeyOpts, record), 0);
  EXPECT_EQ(r.calls, (std::vector<Call>{{"-x", FUSE_OPT_KEY_OPT},
                                        {"other", FUSE_OPT_KEY_OPT},
                                        {"/mnt", FUSE_OPT_KEY_NONOPT},
                                        {"--long", FUSE_OPT_KEY_OPT}}));
}

TEST_F(FuseOpt, KeptArgumentsAreReassembled) {
  Recorder r;  // keeps everything
  Argv a{"prog", "-o", "a,b", "/mnt", "-x", "-oc", "src"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &r, nullptr, record), 0);
  EXPECT_EQ(a.words(), (Words{"prog", "-o", "a,b,c", "/mnt", "-x", "src"}));
}

TEST_F(FuseOpt, DiscardedArgumentsDisappear) {
  Recorder r;
  r.verdict = 0;
  Argv a{"prog", "-o", "a,b", "/mnt", "-x"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &r, nullptr, record), 0);
  EXPECT_EQ(r.calls.size(), 4u);
  EXPECT_EQ(a.words(), (Words{"prog"}));
}

TEST_F(FuseOpt, ProcDecidesPerArgument) {
  auto proc = [](void*, const char* arg, int, fuse_args*) -> int {
    return std::strcmp(arg, "drop") == 0 || std::strcmp(arg, "-d") == 0 ? 0 : 1;
  };
  Argv a{"prog", "-o", "keep,drop,also", "-d", "-k", "mnt"};
  ASSERT_EQ(fuse_opt_parse(&a.args, nullptr, nullptr, proc), 0);
  EXPECT_EQ(a.words(), (Words{"prog", "-o", "keep,also", "-k", "mnt"}));
}

TEST_F(FuseOpt, NullProcKeepsUnmatched) {
  Conf c;
  Argv a{"prog", "-o", "flag,other", "-z", "mnt", "-ocount=3"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &c, kConfOpts, nullptr), 0);
  EXPECT_EQ(c.flag, 1);
  EXPECT_EQ(c.count, 3u);
  EXPECT_EQ(a.words(), (Words{"prog", "-o", "other", "-z", "mnt"}));
}

TEST_F(FuseOpt, ProcErrorFailsAndLeavesArgsAlone) {
  auto proc = [](void*, const char* arg, int, fuse_args*) -> int {
    return std::strcmp(arg, "bad") == 0 ? -1 : 1;
  };
  Argv a{"prog", "-o", "fine,bad", "mnt"};
  char** before = a.args.argv;
  EXPECT_EQ(fuse_opt_parse(&a.args, nullptr, nullptr, proc), -1);
  EXPECT_EQ(a.args.argv, before);
  EXPECT_EQ(a.args.allocated, 0);
  EXPECT_EQ(a.words(), (Words{"prog", "-o", "fine,bad", "mnt"}));
}

TEST_F(FuseOpt, KeepAndDiscardKeysBypassTheProc) {
  const fuse_opt opts[] = {FUSE_OPT_KEY("keepme", FUSE_OPT_KEY_KEEP),
                           FUSE_OPT_KEY("-K", FUSE_OPT_KEY_KEEP),
                           FUSE_OPT_KEY("dropme", FUSE_OPT_KEY_DISCARD),
                           FUSE_OPT_KEY("-D", FUSE_OPT_KEY_DISCARD), FUSE_OPT_END};
  Recorder r;
  r.verdict = 0;
  Argv a{"prog", "-o", "keepme,dropme", "-K", "-D", "-o", "other"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &r, opts, record), 0);
  EXPECT_EQ(r.calls, (std::vector<Call>{{"other", FUSE_OPT_KEY_OPT}}));
  EXPECT_EQ(a.words(), (Words{"prog", "-o", "keepme", "-K"}));
}

TEST_F(FuseOpt, ProcMayAddToOutargs) {
  auto proc = [](void*, const char* arg, int key, fuse_args* out) -> int {
    if (key == FUSE_OPT_KEY_NONOPT) {
      std::string flag = std::string("--was=") + arg;
      return fuse_opt_add_arg(out, flag.c_str()) == 0 ? 0 : -1;
    }
    return 1;
  };
  Argv a{"prog", "x", "-y"};
  ASSERT_EQ(fuse_opt_parse(&a.args, nullptr, nullptr, proc), 0);
  EXPECT_EQ(a.words(), (Words{"prog", "--was=x", "-y"}));
}

// ---- -o lists -------------------------------------------------------------------

TEST_F(FuseOpt, OptionListsSplitOnCommasWithBackslashEscapes) {
  Conf c;
  Recorder r;
  // name=a\,b\\c  -> "a,b\c";  x\,y stays one item and is kept re-escaped.
  Argv a{"prog", "-o", "name=a\\,b\\\\c,flag,x\\,y"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &c, kConfOpts, nullptr), 0);
  EXPECT_EQ(str(c.name), "a,b\\c");
  EXPECT_EQ(c.flag, 1);
  EXPECT_EQ(a.words(), (Words{"prog", "-o", "x\\,y"}));

  Argv b{"prog", "-o", "p\\,q,r"};
  ASSERT_EQ(fuse_opt_parse(&b.args, &r, nullptr, record), 0);
  EXPECT_EQ(r.calls, (std::vector<Call>{{"p,q", FUSE_OPT_KEY_OPT}, {"r", FUSE_OPT_KEY_OPT}}));
}

TEST_F(FuseOpt, OctalEscapesInOptionLists) {
  Conf c;
  Argv a{"prog", "-o", "name=\\101\\054z\\9"};  // \101 = 'A', \054 = ',', \9 = '9'
  ASSERT_EQ(fuse_opt_parse(&a.args, &c, kConfOpts, nullptr), 0);
  EXPECT_EQ(str(c.name), "A,z9");
}

TEST_F(FuseOpt, JoinedDashOForm) {
  Conf c;
  Argv a{"prog", "-oname=x,flag", "-ocount=9"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &c, kConfOpts, nullptr), 0);
  EXPECT_EQ(str(c.name), "x");
  EXPECT_EQ(c.flag, 1);
  EXPECT_EQ(c.count, 9u);
  EXPECT_EQ(a.words(), (Words{"prog"}));
}

TEST_F(FuseOpt, DashOWithoutItsArgumentFails) {
  Argv a{"prog", "mnt", "-o"};
  EXPECT_EQ(fuse_opt_parse(&a.args, nullptr, nullptr, nullptr), -1);
  EXPECT_EQ(last_line(), "fuse: missing argument after `-o'\n");
  EXPECT_EQ(g_logged.back().first, FUSE_LOG_ERR);
  EXPECT_EQ(a.args.allocated, 0);
}

// ---- values, separate arguments, errors -----------------------------------------

TEST_F(FuseOpt, BadNumberFails) {
  Conf c;
  Argv a{"prog", "-o", "count=abc"};
  EXPECT_EQ(fuse_opt_parse(&a.args, &c, kConfOpts, nullptr), -1);
  EXPECT_EQ(last_line(), "fuse: invalid parameter in option `count=abc'\n");
  EXPECT_EQ(g_logged.back().first, FUSE_LOG_ERR);
}

TEST_F(FuseOpt, ValueInTheNextArgument) {
  Conf c;
  Argv a{"prog", "-n", "5", "mnt"};
  ASSERT_EQ(fuse_opt_parse(&a.args, &c, kConfOpts, nullptr), 0);
  EXPECT_EQ(c.count, 5u);
  EXPECT_EQ(a.words(), (Words{"prog", "mnt"}));

  Argv b{"prog", "-n7"};
  ASSERT_EQ(fuse_opt_parse(&b.args, &c, kConfOpts, nullptr), 0);
  EXPECT_EQ(c.count, 7u);

  // A key template gets the option joined with its value, and keeps it that way.
  const fuse_opt keyed[] = {FUSE_OPT_KEY("-c ", 3), FUSE_OPT_END};
  Recorder r;
  Argv k{"prog", "-c", "file.conf", "-cother"};
  ASSERT_EQ(fuse_opt_parse(&k.args, &r, keyed, record), 0);
  EXPECT_EQ(r.calls, (std::vector<Call>{{"-cfile.conf", 3}, {"-cother", 3}}));
  EXPECT_EQ(k.words(), (Words{"prog", "-cfile.conf", "-cother"}));
}

TEST_F(FuseOpt, MissingSeparateValueFails) {
  Conf c;
  Argv a{"prog", "-n"};
  EXPECT_EQ(fuse_opt_parse(&a.args, &c, kConfOpts, nullptr), -1);
  EXPECT_EQ(last_line(), "fuse: missing argument after `-n'\n");
}

// ---- "--" -----------------------------------------------------------------------

TEST_F(FuseOpt, DoubleDashEndsOptions) {
  Conf c;
  Recorder r;
  Argv a{"prog", "-oflag", "--", "-o", "name=x", "-f"};
  const fuse_opt opts[] = {FUSE_OPT_KEY("flag", 1), FUSE_OPT_KEY("-f", 2), FUSE_OPT_END};
  ASSERT_EQ(fuse_opt_parse(&a.args, &r, opts, record), 0);
  EXPECT_EQ(r.calls, (std::vector<Call>{{"flag", 1},
                                        {"-o", FUSE_OPT_KEY_NONOPT},
                                        {"name=x", FUSE_OPT_KEY_NONOPT},
                                        {"-f", FUSE_OPT_KEY_NONOPT}}));
  EXPECT_EQ(a.words(), (Words{"prog", "-o", "flag", "--", "-o", "name=x", "-f"}));
}

TEST_F(FuseOpt, TrailingDoubleDashIsDropped) {
  Argv a{"prog", "mnt", "--"};
  ASSERT_EQ(fuse_opt_parse(&a.args, nullptr, nullptr, nullptr), 0);
  EXPECT_EQ(a.words(), (Words{"prog", "mnt"}));

  Recorder r;
  r.verdict = 0;
  Argv b{"prog", "--", "gone"};
  ASSERT_EQ(fuse_opt_parse(&b.args, &r, nullptr, record), 0);
  EXPECT_EQ(b.words(), (Words{"prog"}));

  // libfuse compares against the position "--" had before the kept -o list was
  // inserted in front, so a trailing "--" after kept options survives.
  Argv c{"prog", "-o", "kept", "--"};
  ASSERT_EQ(fuse_opt_parse(&c.args, nullptr, nullptr, nullptr), 0);
  EXPECT_EQ(c.words(), (Words{"prog", "-o", "kept", "--"}));
}

TEST_F(FuseOpt, EmptyArgsAreLeftAlone) {
  fuse_args none = FUSE_ARGS_INIT(0, nullptr);
  EXPECT_EQ(fuse_opt_parse(&none, nullptr, kConfOpts, nullptr), 0);
  EXPECT_EQ(none.argv, nullptr);
  EXPECT_EQ(fuse_opt_parse(nullptr, nullptr, kConfOpts, nullptr), 0);
}

// ---- argument vector and option list helpers -------------------------------------

TEST_F(FuseOpt, AddArgCopiesACallerOwnedVector) {
  Argv a{"prog", "mnt"};
  char** original = a.args.argv;
  ASSERT_EQ(fuse_opt_add_arg(&a.args, "-f"), 0);
  EXPECT_EQ(a.args.allocated, 1);
  EXPECT_NE(a.args.argv, original);
  EXPECT_EQ(std::string(original[1]), "mnt");
  EXPECT_EQ(original[2], nullptr);
  EXPECT_EQ(a.words(), (Words{"prog", "mnt", "-f"}));
  fuse_opt_free_args(&a.args);
  EXPECT_EQ(a.args.argc, 0);
  EXPECT_EQ(a.args.argv, nullptr);
  EXPECT_EQ(a.args.allocated, 0);
}

TEST_F(FuseOpt, AddArgFromNothing) {
  fuse_args args = FUSE_ARGS_INIT(0, nullptr);
  ASSERT_EQ(fuse_opt_add_arg(&args, "prog"), 0);
  ASSERT_EQ(fuse_opt_add_arg(&args, "-o"), 0);
  ASSERT_EQ(fuse_opt_add_arg(&args, "ro"), 0);
  ASSERT_EQ(args.argc, 3);
  EXPECT_EQ(args.allocated, 1);
  EXPECT_EQ(std::string(args.argv[2]), "ro");
  EXPECT_EQ(args.argv[3], nullptr);
  fuse_opt_free_args(&args);
  fuse_opt_free_args(&args);  // harmless twice
  fuse_opt_free_args(nullptr);
}

TEST_F(FuseOpt, InsertArg) {
  Argv a{"prog", "mnt"};
  ASSERT_EQ(fuse_opt_insert_arg(&a.args, 1, "-f"), 0);
  ASSERT_EQ(fuse_opt_insert_arg(&a.args, 0, "first"), 0);
  ASSERT_EQ(fuse_opt_insert_arg(&a.args, 4, "last"), 0);
  EXPECT_EQ(a.words(), (Words{"first", "prog", "-f", "mnt", "last"}));
  EXPECT_EQ(fuse_opt_insert_arg(&a.args, 6, "beyond"), -1);
  EXPECT_EQ(fuse_opt_insert_arg(&a.args, -1, "before"), -1);
  EXPECT_EQ(a.args.argc, 5);
}

TEST_F(FuseOpt, AddOptBuildsCommaLists) {
  char* opts = nullptr;
  ASSERT_EQ(fuse_opt_add_opt(&opts, "ro"), 0);
  EXPECT_EQ(str(opts), "ro");
  ASSERT_EQ(fuse_opt_add_opt(&opts, "a,b"), 0);
  EXPECT_EQ(str(opts), "ro,a,b");
  ASSERT_EQ(fuse_opt_add_opt_escaped(&opts, "x,y\\z"), 0);
  EXPECT_EQ(str(opts), "ro,a,b,x\\,y\\\\z");
  std::free(opts);

  char* esc = nullptr;
  ASSERT_EQ(fuse_opt_add_opt_escaped(&esc, "fsname=a,b"), 0);
  EXPECT_EQ(str(esc), "fsname=a\\,b");
  std::free(esc);
}

TEST_F(FuseOpt, AddOptToAnEmptyListAddsNoComma) {
  char* opts = strdup("");
  ASSERT_EQ(fuse_opt_add_opt(&opts, "x"), 0);
  EXPECT_EQ(str(opts), "x");
  std::free(opts);
}

TEST_F(FuseOpt, MatchFollowsTemplateKinds) {
  const fuse_opt opts[] = {
      {"exact", 0, 0}, {"pre=", 0, 0},    {"num=%u", 0, 0},          {"-x ", 0, 0},
      {"-y %s", 0, 0}, {"fixed=1", 0, 0}, FUSE_OPT_KEY("--long", 1), FUSE_OPT_END};
  EXPECT_EQ(fuse_opt_match(opts, "exact"), 1);
  EXPECT_EQ(fuse_opt_match(opts, "exactly"), 0);
  EXPECT_EQ(fuse_opt_match(opts, "pre=anything"), 1);
  EXPECT_EQ(fuse_opt_match(opts, "pre="), 1);
  EXPECT_EQ(fuse_opt_match(opts, "pre"), 0);
  EXPECT_EQ(fuse_opt_match(opts, "num=12"), 1);
  EXPECT_EQ(fuse_opt_match(opts, "num"), 0);
  EXPECT_EQ(fuse_opt_match(opts, "-x"), 1);
  EXPECT_EQ(fuse_opt_match(opts, "-xvalue"), 1);
  EXPECT_EQ(fuse_opt_match(opts, "-y"), 1);
  EXPECT_EQ(fuse_opt_match(opts, "fixed=1"), 1);
  EXPECT_EQ(fuse_opt_match(opts, "fixed=2"), 0);
  EXPECT_EQ(fuse_opt_match(opts, "--long"), 1);
  EXPECT_EQ(fuse_opt_match(opts, "--longer"), 0);
  EXPECT_EQ(fuse_opt_match(nullptr, "exact"), 0);
}

// ---- logging --------------------------------------------------------------------

TEST_F(FuseLog, SinkSeesFuseLogLines) {
  fuse_log(FUSE_LOG_WARNING, "disk %s is %d%% full\n", "sda", 93);
  fuse_log(FUSE_LOG_DEBUG, "plain\n");
  ASSERT_EQ(g_logged.size(), 2u);
  EXPECT_EQ(g_logged[0].first, FUSE_LOG_WARNING);
  EXPECT_EQ(g_logged[0].second, "disk sda is 93% full\n");
  EXPECT_EQ(g_logged[1].first, FUSE_LOG_DEBUG);
}

TEST_F(FuseLog, SinkSeesTheLibrarysLines) {
  uringfuse::LogLevel saved = uringfuse::log_level();
  uringfuse::set_log_level(uringfuse::LogLevel::debug);
  uringfuse::log(uringfuse::LogLevel::err, "queue %d stalled", 3);
  uringfuse::log(uringfuse::LogLevel::emerg, "e");
  uringfuse::log(uringfuse::LogLevel::notice, "n");
  uringfuse::log(uringfuse::LogLevel::debug, "d");
  uringfuse::set_log_level(saved);
  ASSERT_EQ(g_logged.size(), 4u);
  EXPECT_EQ(g_logged[0], std::make_pair(FUSE_LOG_ERR, std::string("queue 3 stalled\n")));
  EXPECT_EQ(g_logged[1].first, FUSE_LOG_EMERG);
  EXPECT_EQ(g_logged[2].first, FUSE_LOG_NOTICE);
  EXPECT_EQ(g_logged[3].first, FUSE_LOG_DEBUG);
}

TEST_F(FuseLog, NullRestoresTheDefaults) {
  fuse_set_log_func(nullptr);
  testing::internal::CaptureStderr();
  fuse_log(FUSE_LOG_ERR, "to stderr %d\n", 1);
  uringfuse::log(uringfuse::LogLevel::err, "library to stderr");
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(g_logged.empty());
  EXPECT_EQ(err, "to stderr 1\nlibrary to stderr\n");
}

TEST_F(FuseLog, ParserErrorsGoThroughTheSink) {
  Argv a{"prog", "-o"};
  EXPECT_EQ(fuse_opt_parse(&a.args, nullptr, nullptr, nullptr), -1);
  ASSERT_EQ(g_logged.size(), 1u);
  EXPECT_EQ(g_logged[0].second, "fuse: missing argument after `-o'\n");
}

}  // namespace

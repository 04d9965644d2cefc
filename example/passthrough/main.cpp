// passthrough: mirrors a source directory at the mountpoint, like libfuse's
// passthrough_hp. Usage: passthrough [options] <source> <mountpoint>   (try -h)
#include <sys/stat.h>

#include <string>

#include <uringfuse/uringfuse.hpp>

#include "credentials.hpp"
#include "options.hpp"
#include "passthrough_fs.hpp"

namespace uf = uringfuse;

int main(int argc, char* argv[]) {
  passthrough::Options options;
  passthrough::PassthroughFs fs(options);

  uf::CommandLineSpec spec;
  spec.positionals = {"source", "mountpoint"};
  spec.extra_help = passthrough::kOptionsHelp;
  spec.option_handler = [&options](std::string_view option) {
    return passthrough::apply_option(options, option);
  };

  // <source> is checked (and opened) before anything is mounted; a bad one is
  // reported like any other command-line error, naming the path and the reason.
  spec.positionals_handler = [&fs](const std::vector<std::string>& positionals) {
    if (std::string why = fs.open_source(positionals.front()); !why.empty())
      throw uf::CommandLineError(why);
  };

  // Modes arrive with the caller's umask already applied; ours must not mask them again.
  ::umask(0);
  passthrough::init_credentials();
  return uf::run_main(argc, argv, fs, spec);
}

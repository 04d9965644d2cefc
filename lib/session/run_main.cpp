// The whole life of a filesystem program in one call, with libfuse's conventions:
// one-line errors on stderr and exit status 1 for bad arguments or a failed mount.
#include <cstdio>

#include "mount/mount.hpp"
#include "session/daemonize.hpp"
#include "uringfuse/session.hpp"
#include "uringfuse/version.hpp"

namespace uringfuse {

int run_main(int argc, char* argv[], Filesystem& fs, OperationSet implemented,
             const CommandLineSpec& spec) {
  CommandLine cl;
  try {
    cl = parse_command_line(argc, argv, spec);
  } catch (const CommandLineError& e) {
    const char* prog = argc > 0 ? argv[0] : "uringfuse";
    std::fprintf(stderr, "%s: %s (see '%s -h')\n", prog, e.what(), prog);
    return 1;
  }
  const std::string& program = cl.session.mount.program;
  if (cl.show_help) {
    std::printf("%s", command_line_help(program, spec).c_str());
    return 0;
  }
  if (cl.show_version) {
    std::printf("%s: uringfuse %s\n", program.c_str(), version());
    return 0;
  }
  Session session(cl.session, fs, implemented);
  // Before the mount: a SIGTERM that comes as soon as the mount is visible must end
  // the session (run() then only unmounts), not kill us and leave the mount behind.
  install_signal_handlers(session);
  struct RemoveHandlers {
    ~RemoveHandlers() { remove_signal_handlers(); }
  } remove_on_return;
  try {
    session.mount();
  } catch (const MountError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  if (!cl.session.foreground && !detail::daemonize()) return 1;
  return session.run() == 0 ? 0 : 1;
}

}  // namespace uringfuse

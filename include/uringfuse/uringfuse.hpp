// uringfuse: write FUSE filesystem daemons in C++. Include this one header.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include "uringfuse/async_io.hpp"
#include "uringfuse/capability.hpp"
#include "uringfuse/command_line.hpp"
#include "uringfuse/connection_info.hpp"
#include "uringfuse/directory.hpp"
#include "uringfuse/errors.hpp"
#include "uringfuse/filesystem.hpp"
#include "uringfuse/log.hpp"
#include "uringfuse/notifier.hpp"
#include "uringfuse/operation_args.hpp"
#include "uringfuse/operations.hpp"
#include "uringfuse/queue_stats.hpp"
#include "uringfuse/reply.hpp"
#include "uringfuse/request.hpp"
#include "uringfuse/session.hpp"
#include "uringfuse/session_options.hpp"
#include "uringfuse/task.hpp"
#include "uringfuse/types.hpp"
#include "uringfuse/version.hpp"

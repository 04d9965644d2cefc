// Umbrella header for uringfuse's own definition of the FUSE kernel protocol
// 7.45 (namespace uringfuse::abi); including it also runs the layout checks.
#pragma once

#include "abi_checks.hpp"
#include "init_flags.hpp"
#include "ioctls.hpp"
#include "op_flags.hpp"
#include "opcodes.hpp"
#include "structs.hpp"
#include "uring.hpp"

// Reports the version of the library actually loaded.
#include "uringfuse/version.hpp"

namespace uringfuse {
const char* version() noexcept { return URINGFUSE_VERSION; }
}  // namespace uringfuse

// Conversions between libfuse 3.0-3.16's bufvec layout and ours (bufvec_30.hpp).
#include "compat/bufvec_30.hpp"

#include <cstdlib>

namespace uringfuse::compat {
namespace {

fuse_buf convert(const fuse_buf_30& b) { return from_30(b); }
fuse_buf_30 convert(const fuse_buf& b) { return to_30(b); }

template <typename To>
size_t bytes_for(size_t count) {
  return offsetof(To, buf) + (count > 0 ? count : 1) * sizeof(To::buf[0]);
}

// The position and every buffer of `from`, in `to`'s layout.
template <typename To, typename From>
void copy_converted(To* to, const From* from) {
  to->count = from->count;
  to->idx = from->idx;
  to->off = from->off;
  for (size_t i = 0; i < from->count; ++i) to->buf[i] = convert(from->buf[i]);
}

template <typename To, typename From>
To* adopt(From* theirs) {
  if (!theirs) return nullptr;
  auto* ours = static_cast<To*>(std::malloc(bytes_for<To>(theirs->count)));
  if (!ours) {
    free_with_buffers(theirs);
    return nullptr;
  }
  copy_converted(ours, theirs);
  std::free(theirs);
  return ours;
}

}  // namespace

template <typename From, typename To>
BufvecView<From, To>::BufvecView(From* theirs) : theirs_(theirs) {
  const size_t bytes = bytes_for<To>(theirs ? theirs->count : 0);
  if (bytes <= sizeof inline_) {
    ours_ = reinterpret_cast<To*>(inline_);
  } else {
    heap_.resize((bytes + sizeof(To) - 1) / sizeof(To));
    ours_ = heap_.data();
  }
  if (theirs) copy_converted(ours_, theirs);
}

template class BufvecView<fuse_bufvec_30, fuse_bufvec>;
template class BufvecView<fuse_bufvec, fuse_bufvec_30>;

fuse_bufvec* adopt_30(fuse_bufvec_30* theirs) { return adopt<fuse_bufvec>(theirs); }
fuse_bufvec_30* export_30(fuse_bufvec* ours) { return adopt<fuse_bufvec_30>(ours); }

}  // namespace uringfuse::compat

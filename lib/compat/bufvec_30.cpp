// Conversions between libfuse 3.0-3.16's bufvec layout and ours (bufvec_30.hpp).
#include "compat/bufvec_30.hpp"

#include <cstdlib>

namespace uringfuse::compat {
namespace {

fuse_buf convert(const fuse_buf_30& b) { return from_30(b); }
fuse_buf_30 convert(const fuse_buf& b) { return to_30(b); }

template <typename Vec>
void free_with_buffers(Vec* v) {
  for (size_t i = 0; i < v->count; ++i)
    if (!(v->buf[i].flags & FUSE_BUF_IS_FD)) std::free(v->buf[i].mem);
  std::free(v);
}

template <typename To, typename From>
To* adopt(From* theirs) {
  if (!theirs) return nullptr;
  const size_t count = theirs->count;
  const size_t bytes = offsetof(To, buf) + (count > 0 ? count : 1) * sizeof(To::buf[0]);
  auto* ours = static_cast<To*>(std::malloc(bytes));
  if (!ours) {
    free_with_buffers(theirs);
    return nullptr;
  }
  ours->count = count;
  ours->idx = theirs->idx;
  ours->off = theirs->off;
  for (size_t i = 0; i < count; ++i) ours->buf[i] = convert(theirs->buf[i]);
  std::free(theirs);
  return ours;
}

}  // namespace

template <typename From, typename To>
BufvecView<From, To>::BufvecView(From* theirs) : theirs_(theirs) {
  const size_t count = theirs ? theirs->count : 0;
  const size_t bytes = offsetof(To, buf) + (count > 0 ? count : 1) * sizeof(To::buf[0]);
  if (bytes <= sizeof inline_) {
    ours_ = reinterpret_cast<To*>(inline_);
  } else {
    heap_.resize((bytes + sizeof(To) - 1) / sizeof(To));
    ours_ = heap_.data();
  }
  if (!theirs) return;
  ours_->count = theirs->count;
  ours_->idx = theirs->idx;
  ours_->off = theirs->off;
  for (size_t i = 0; i < count; ++i) ours_->buf[i] = convert(theirs->buf[i]);
}

template class BufvecView<fuse_bufvec_30, fuse_bufvec>;
template class BufvecView<fuse_bufvec, fuse_bufvec_30>;

fuse_bufvec* adopt_30(fuse_bufvec_30* theirs) { return adopt<fuse_bufvec>(theirs); }
fuse_bufvec_30* export_30(fuse_bufvec* ours) { return adopt<fuse_bufvec_30>(ours); }

}  // namespace uringfuse::compat

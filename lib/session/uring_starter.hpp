// The session's side of io_uring start-up: builds the transport's rings while INIT is
// handled (sized by the negotiated max_write), logs the memory they pin, and starts
// them once the INIT reply is out.
#pragma once

#include <memory>

#include "core/connection.hpp"
#include "transport/uring/uring_transport.hpp"

namespace uringfuse::detail {

class SessionUringStarter final : public UringStarter {
 public:
  SessionUringStarter(UringTransportConfig config, RequestHandler*& handler);
  bool prepare(const InitOutcome& agreed, std::string& why) override;
  void go() override;
  void stop();
  // The rings were built and the kernel still holds entries of theirs.
  bool entries_alive() const { return transport_ && transport_->entries_alive(); }
  void drop_replies() {
    if (transport_) transport_->drop_replies();
  }
  UringTransport* transport() { return transport_.get(); }

 private:
  bool build(const InitOutcome& agreed, std::string& why);  // prepare() without the barrier
  UringTransportConfig config_;
  RequestHandler*& handler_;  // the connection; it exists before INIT can arrive
  std::unique_ptr<UringTransport> transport_;
};

}  // namespace uringfuse::detail

// The TCP connection of the client a request came from, watched for the client hanging up.
//
// A streamed response notices a departed client when a write fails; a non-streaming one writes
// nothing until the answer is complete, so without a watch a client that gave up would keep a
// slot generating until max_tokens. cpp-httplib (0.11, Debian 12) gives handlers no handle on
// their connection, only its address pair, so the socket is found by that pair among the
// process's open sockets (a handler runs while its connection is open, so the match cannot be a
// reused descriptor).
#pragma once

#include <string>

namespace ruvllm::server {

class ClientConnection {
 public:
  // The connected socket with peer remote_addr:remote_port (numeric host, as httplib reports it)
  // on local port local_port; a connection that is not found is never reported closed.
  static ClientConnection find(const std::string& remote_addr, int remote_port, int local_port);

  bool found() const { return fd_ >= 0; }
  // True once the peer has closed or reset the connection. Does not consume pending input.
  bool closed() const;

 private:
  int fd_ = -1;
};

}  // namespace ruvllm::server

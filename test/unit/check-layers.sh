#!/bin/bash
# The library's layers only call downward (doc/internals.md): the protocol core in
# lib/core/ includes no transport, session, mount or C API header, and the
# transports include neither the session nor the C API. The high-level API
# (lib/highlevel/) is built on the public lowlevel C API alone. Fails naming each include
# that crosses a layer upward.
set -euo pipefail
lib=$1/lib
status=0
check() {  # check DIR PATTERN: no file under DIR includes a header matching PATTERN
  local found
  if found=$(grep -rnE "#include \"($2)/" "$lib/$1"); then
    echo "lib/$1 reaches up a layer:"; echo "$found"; status=1
  fi
}
check core 'transport|session|mount|compat'
check transport 'session|compat'
check async 'transport|session|mount|compat'
check highlevel 'core|transport|async|session|mount|compat|support'
[ $status = 0 ] && echo "layers call only downward"
exit $status

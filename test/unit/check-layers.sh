#!/bin/bash
# The library's layers only call downward (doc/internals.md): the protocol core in
# lib/core/ includes no transport, session, mount or C API header, and the
# transports include neither the session nor the C API. The high-level API
# (lib/highlevel/) is built on the public lowlevel C API alone. Fails naming each include
# that crosses a layer upward.
set -euo pipefail
lib=$1/lib
status=0
check() {  # check DIR PATTERN [ALLOWED]: no file under DIR includes a header matching PATTERN, but ALLOWED
  local found
  if found=$(grep -rnE "#include \"($2)/" "$lib/$1" | grep -vE "#include \"(${3:-^})\""); then
    echo "lib/$1 reaches up a layer:"; echo "$found"; status=1
  fi
}
check core 'transport|session|mount|compat'
check transport 'session|compat'
check async 'transport|session|mount|compat'
# The high-level API reaches compat only for the entry points that take an explicit
# struct layout: in the libfuse3.so.3 drop-in the plain C names take 3.14's.
check highlevel 'core|transport|async|session|mount|compat|support' 'compat/bufvec_30.hpp|compat/layout_entry_points.hpp'
[ $status = 0 ] && echo "layers call only downward"
exit $status

// Closing one accepted connection from inside its request handler, so that the emulator can play
// "the connection was reset before any reply". httplib gives a handler no access to its socket; the
// socket is found instead among the process's descriptors by its two ports.
#pragma once

namespace genauth::emulator {

// Shuts down (both directions) the TCP socket whose local port is `local_port` and whose peer port
// is `remote_port`. The descriptor stays open for its owner to close. False when none matched.
bool DropConnection(int local_port, int remote_port);

}  // namespace genauth::emulator

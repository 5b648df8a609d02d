// Writing a small file so that a reader polling for it sees all of it or nothing: the text goes to
// "<path>.tmp", which is then renamed over `path` (rename is atomic within a file system). Port
// files are written this way, since scripts wait for them to appear and then read them at once.
#pragma once

#include <string>
#include <string_view>

namespace genauth::common {

// "" once `path` holds `contents`; otherwise what went wrong, naming the file as `what` (e.g.
// "the port file"). The temporary file is removed then.
std::string WriteFileAtomically(const std::string& path, const std::string& contents,
                                std::string_view what = "the file");

}  // namespace genauth::common

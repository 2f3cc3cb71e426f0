// `stockade run FILE|-`: one script through an embedded supervisor.
//
// Console lines stream to the terminal as the script prints them (stdout
// lines to stdout, stderr lines to stderr); then the result: the JSON value
// on stdout, or the typed error on stderr. --json prints the whole typed
// result instead. The exit code says which outcome class it was
// (policy::ExitCodeFor; 2 for a usage error).
#pragma once

namespace stockade::supervisor {

int RunCommand(int argc, char** argv);

}  // namespace stockade::supervisor

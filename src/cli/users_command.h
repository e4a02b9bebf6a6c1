// `sluice users add NAME --role ROLE [--role ROLE...] [--users-file FILE]`:
// reads the password from standard input (one line; without echo on a
// terminal), hashes it with argon2id and writes the user into the users file
// (created, mode 0600, when missing). The password never appears in argv,
// the environment or a log.
#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

void AddUsersCommand(CLI::App& app);

}  // namespace sluice::cli

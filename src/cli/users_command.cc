#include "cli/users_command.h"

#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "security/password.h"
#include "security/users_file.h"

namespace sluice::cli {
namespace {

struct UsersAddFlags {
  std::string name;
  std::vector<std::string> roles;
  std::string users_file = "users.json";
};

// One line of standard input; echo is off while a terminal types it.
std::string ReadPassword() {
  const bool tty = isatty(STDIN_FILENO) == 1;
  termios old{};
  if (tty) {
    std::cerr << "Password: " << std::flush;
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int UsersAdd(const UsersAddFlags& flags) {
  if (flags.name.empty() || flags.name.find(':') != std::string::npos) {
    std::cerr << "error: a user name must be non-empty and without ':'\n";
    return 2;
  }
  std::string password = ReadPassword();
  auto hash = security::HashPassword(password);
  std::fill(password.begin(), password.end(), '\0');
  if (!hash.ok()) {
    std::cerr << "error: " << hash.status().reason() << "\n";
    return 2;
  }
  if (util::Status s = security::AddUserToFile(flags.users_file, flags.name, flags.roles, *hash);
      !s.ok()) {
    std::cerr << "error: " << s.reason() << "\n";
    return 1;
  }
  std::cerr << "user [" << flags.name << "] written to " << flags.users_file
            << " (send SIGHUP to a running server to reload it)\n";
  return 0;
}

}  // namespace

void AddUsersCommand(CLI::App& app) {
  CLI::App* users = app.add_subcommand("users", "Manage the users file of --users-file");
  users->require_subcommand(1);
  auto flags = std::make_shared<UsersAddFlags>();
  CLI::App* add = users->add_subcommand(
      "add", "Add or replace a user; the password is read from standard input");
  add->footer(
      "Example:\n  printf '%s\\n' \"$PASSWORD\" | sluice users add alice --role readall "
      "--users-file /etc/sluice/users.json\n\nBuilt-in roles: all_access, readall, ingest; "
      "others are defined in the file's \"roles\" (docs/security.md).");
  add->add_option("name", flags->name, "User name")->required();
  add->add_option("--role", flags->roles, "Role (repeatable)")->required();
  add->add_option("--users-file", flags->users_file, "The users file (created when missing)")
      ->envname("SLUICE_USERS_FILE")
      ->capture_default_str();
  add->callback([flags]() {
    int rc = UsersAdd(*flags);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace sluice::cli

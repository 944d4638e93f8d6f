// Reading a PIN from stdin: typed at a terminal, after a prompt on stderr and without echo (the PIN is not left on
// the screen). Echo comes back however the prompt ends: Enter, end of input, or a signal (Ctrl-C, SIGTERM, the
// terminal closing), which is then raised again with its default action. Piped input is read as is, no prompt.
#pragma once
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <string>

namespace wms::cli {

namespace detail {
// The terminal settings before the prompt turned echo off, for the signal handler.
inline termios g_saved_termios{};
inline void restore_echo_and_reraise(int sig) {
  ::tcsetattr(0, TCSANOW, &g_saved_termios);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}
}  // namespace detail

inline std::string read_secret(const std::string& prompt) {
  const bool tty = ::isatty(0);
  const bool quiet = tty && ::tcgetattr(0, &detail::g_saved_termios) == 0;
  struct sigaction restore {
  }, old_int{}, old_term{}, old_hup{};
  if (quiet) {
    restore.sa_handler = detail::restore_echo_and_reraise;
    ::sigemptyset(&restore.sa_mask);
    ::sigaction(SIGINT, &restore, &old_int);
    ::sigaction(SIGTERM, &restore, &old_term);
    ::sigaction(SIGHUP, &restore, &old_hup);
    termios t = detail::g_saved_termios;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(0, TCSANOW, &t);
  }
  if (tty) std::cerr << prompt << std::flush;  // after echo is off: what is typed at once is not shown either
  std::string secret;
  std::getline(std::cin, secret);
  if (quiet) {
    ::tcsetattr(0, TCSANOW, &detail::g_saved_termios);
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGTERM, &old_term, nullptr);
    ::sigaction(SIGHUP, &old_hup, nullptr);
    std::cerr << "\n";
  }
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  return secret;
}

}  // namespace wms::cli

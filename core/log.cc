#include "vouch/core/log.h"

#include <atomic>
#include <iostream>
#include <mutex>
#include <string>
#include <utility>

namespace vouch::log {
namespace {

std::atomic<Level> g_level{Level::kNormal};

struct Output {
  std::mutex mu;
  Sink sink;
};

Output& Out() {
  static Output out;  // never destroyed before a worker thread's last line: a function static
  return out;
}

void Write(std::string line) {
  line += '\n';
  Output& out = Out();
  std::lock_guard<std::mutex> lock(out.mu);
  if (out.sink) {
    out.sink(line);
  } else {
    std::cerr << line << std::flush;
  }
}

}  // namespace

void SetLevel(Level level) { g_level.store(level); }

Level GetLevel() { return g_level.load(); }

bool Enabled(Level level) { return static_cast<int>(level) <= static_cast<int>(GetLevel()); }

void Info(std::string_view line) {
  if (Enabled(Level::kNormal)) {
    Write(std::string(line));
  }
}

void Warn(std::string_view line) {
  if (Enabled(Level::kNormal)) {
    Write("vouch: warning: " + std::string(line));
  }
}

void Debug(std::string_view line) {
  if (Enabled(Level::kVerbose)) {
    Write("vouch: " + std::string(line));
  }
}

Sink SetSink(Sink sink) {
  Output& out = Out();
  std::lock_guard<std::mutex> lock(out.mu);
  return std::exchange(out.sink, std::move(sink));
}

}  // namespace vouch::log

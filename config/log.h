// Structured logging: one line per event — time, level, component, event name, key=value fields.
// Thread-safe; writes to stderr through spdlog. Callers never pass secrets (tokens, keys, passwords) or full
// phone numbers as field values: use redact_phone() for phones.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace repairbot::log {

enum class Level { debug, info, warn, error };

// One key=value pair. The value is quoted when it holds spaces, quotes or '=', and control
// characters are escaped, so a log line is always one line whatever the input was.
struct Field {
    std::string_view key;
    std::string value;
    Field(std::string_view k, std::string_view v) : key(k), value(v) {}
    Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
    Field(std::string_view k, const std::string& v) : key(k), value(v) {}
    template <class N>
        requires std::is_arithmetic_v<N>
    Field(std::string_view k, N n) : key(k), value(std::to_string(n)) {}
    Field(std::string_view k, bool b) : key(k), value(b ? "true" : "false") {}
};

// Sets the minimum level ("debug", "info", "warn", "error"); unknown names keep "info".
void set_level(std::string_view level);
[[nodiscard]] bool enabled(Level level);

void write(Level level, std::string_view component, std::string_view event,
           std::initializer_list<Field> fields = {});

inline void debug(std::string_view c, std::string_view e, std::initializer_list<Field> f = {}) {
    if (enabled(Level::debug)) write(Level::debug, c, e, f);
}
inline void info(std::string_view c, std::string_view e, std::initializer_list<Field> f = {}) {
    write(Level::info, c, e, f);
}
inline void warn(std::string_view c, std::string_view e, std::initializer_list<Field> f = {}) {
    write(Level::warn, c, e, f);
}
inline void error(std::string_view c, std::string_view e, std::initializer_list<Field> f = {}) {
    write(Level::error, c, e, f);
}

// "13800138000" -> "138****8000"; anything else of 7+ characters keeps its first 3 and last 4.
[[nodiscard]] std::string redact_phone(std::string_view phone);

// The body of a line after time and level: "component event k=v ..." (exposed for tests).
[[nodiscard]] std::string format_line(std::string_view component, std::string_view event,
                                      std::initializer_list<Field> fields);

}  // namespace repairbot::log

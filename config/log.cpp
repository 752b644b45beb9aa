#include "config/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

namespace repairbot::log {
namespace {

// spdlog owns time stamps, levels, the sink and its locking; we own the key=value body.
spdlog::logger& logger() {
    static auto instance = [] {
        auto l = std::make_shared<spdlog::logger>(
            "repairbot", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        l->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
        l->set_level(spdlog::level::info);
        l->flush_on(spdlog::level::trace);
        return l;
    }();
    return *instance;
}

spdlog::level::level_enum to_spd(Level l) {
    switch (l) {
        case Level::debug: return spdlog::level::debug;
        case Level::info: return spdlog::level::info;
        case Level::warn: return spdlog::level::warn;
        case Level::error: return spdlog::level::err;
    }
    return spdlog::level::info;
}

bool needs_quotes(std::string_view v) {
    if (v.empty()) return true;
    for (unsigned char c : v)
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
    return false;
}

void append_value(std::string& out, std::string_view v) {
    if (!needs_quotes(v)) {
        out.append(v);
        return;
    }
    out.push_back('"');
    for (unsigned char c : v) {
        switch (c) {
            case '"': out.append("\\\""); break;
            case '\\': out.append("\\\\"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02x", c);
                    out.append(buf);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
    }
    out.push_back('"');
}

}  // namespace

void set_level(std::string_view level) {
    Level l = Level::info;
    if (level == "debug") l = Level::debug;
    else if (level == "warn") l = Level::warn;
    else if (level == "error") l = Level::error;
    logger().set_level(to_spd(l));
}

bool enabled(Level level) { return logger().should_log(to_spd(level)); }

std::string format_line(std::string_view component, std::string_view event,
                        std::initializer_list<Field> fields) {
    std::string line;
    line.reserve(96);
    line.append(component);
    line.push_back(' ');
    line.append(event);
    for (const auto& f : fields) {
        line.push_back(' ');
        line.append(f.key);
        line.push_back('=');
        append_value(line, f.value);
    }
    return line;
}

void write(Level level, std::string_view component, std::string_view event,
           std::initializer_list<Field> fields) {
    if (!enabled(level)) return;
    logger().log(to_spd(level), "{}", format_line(component, event, fields));
}

std::string redact_phone(std::string_view phone) {
    if (phone.size() < 7) return std::string(phone.size(), '*');
    std::string out(phone.substr(0, 3));
    out.append(phone.size() - 7, '*');
    out.append(phone.substr(phone.size() - 4));
    return out;
}

}  // namespace repairbot::log

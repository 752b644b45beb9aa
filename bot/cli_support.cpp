#include "bot/cli_support.h"

#include <cppconn/exception.h>

#include <algorithm>
#include <boost/asio/thread_pool.hpp>
#include <charconv>
#include <ostream>

#include "bot/admin_api.h"
#include "config/errors.h"
#include "config/log.h"
#include "store/mysql_pool.h"

namespace repairbot::bot {

int usage_error(const CommandContext& ctx, const std::string& message) {
    ctx.err << "repairbot " << ctx.cl.command << ": " << message << "\nusage: repairbot\n"
            << ctx.usage;
    return kExitUsage;
}

std::optional<std::string> check_options(const std::map<std::string, std::string>& options,
                                         const std::set<std::string>& allowed,
                                         const std::set<std::string>& flags) {
    for (const auto& [name, value] : options) {
        if (!allowed.count(name)) return "unknown option --" + name;
        if (flags.count(name) && !value.empty())
            return "--" + name + " takes no value (got '" + value + "')";
    }
    return std::nullopt;
}

std::optional<std::uint64_t> parse_id(std::string_view text) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v == 0)
        return std::nullopt;
    return v;
}

std::string time_or_dash(const std::optional<store::Timestamp>& t) {
    return t ? iso_datetime(*t) : "-";
}

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto b = static_cast<unsigned char>(text[i]);
        char32_t cp = b;
        std::size_t n = 1;
        if (b >= 0xF0)
            n = 4, cp = b & 0x07;
        else if (b >= 0xE0)
            n = 3, cp = b & 0x0F;
        else if (b >= 0xC0)
            n = 2, cp = b & 0x1F;
        for (std::size_t k = 1; k < n && i + k < text.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        i += n;
        const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                          (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                          (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                          (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
                          (cp >= 0x20000 && cp <= 0x3FFFD);
        width += wide ? 2 : 1;
    }
    return width;
}

std::string render_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (std::size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], display_width(row[i]));
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(widths[i] - display_width(row[i]) + 2, ' ');
        }
        out += line + "\n";
    }
    return out;
}

int with_database(const CommandContext& ctx, const std::function<int(sql::Connection&)>& work) {
    // MysqlPool wants a blocking pool; run_sync runs on this thread, so one idle thread does.
    boost::asio::thread_pool blocking(1);
    int code = kExitFailure;
    try {
        store::MysqlPool mysql(blocking, ctx.settings.mysql);
        code = mysql.run_sync(work);
    } catch (const ServiceUnavailable& e) {
        log::error(ctx.log_component, "database_unreachable", {{"error", e.what()}});
        ctx.err << "repairbot " << ctx.cl.command << ": the database cannot be reached ("
                << e.what()
                << ").\nCheck that the server in REPAIRBOT_MYSQL_URL is running and reachable.\n";
        code = kExitFailure;
    } catch (const sql::SQLException& e) {
        log::error(ctx.log_component, "query_failed",
                   {{"error", e.what()}, {"code", e.getErrorCode()}});
        ctx.err << "repairbot " << ctx.cl.command << ": the database refused the query ("
                << e.what() << ").\nHas 'repairbot migrate' been run on this database?\n";
        code = kExitFailure;
    }
    blocking.join();
    return code;
}

namespace {
template <typename T>
std::optional<T> loaded_or_told(const CommandContext& ctx, Result<T> loaded) {
    if (!loaded) {
        ctx.err << "repairbot " << ctx.cl.command << ": the desk's data files in "
                << ctx.settings.data_dir
                << " (REPAIRBOT_DATA_DIR) are not valid: " << loaded.error().detail << "\n";
        return std::nullopt;
    }
    return std::move(*loaded);
}
}  // namespace

std::optional<config::SlaData> load_sla(const CommandContext& ctx) {
    return loaded_or_told(ctx, config::load_sla_data(ctx.settings.data_dir));
}

std::optional<config::Notices> load_notices(const CommandContext& ctx) {
    return loaded_or_told(ctx, config::load_notices(ctx.settings.data_dir));
}

}  // namespace repairbot::bot

// repairbot: parses the command line, loads and validates the configuration, runs a command.
#include <algorithm>
#include <iostream>

#include "bot/admin_command.h"
#include "bot/app.h"
#include "bot/callback_command.h"
#include "bot/cli.h"
#include "bot/stats_command.h"
#include "config/loader.h"
#include "config/log.h"

int main(int argc, char** argv) {
    using namespace repairbot;
    int exit_code = bot::kExitOk;
    auto cl = bot::parse_command_line(argc, argv, &exit_code);
    if (!cl) return exit_code;

    static const char* const known[] = {"serve", "migrate", "check-config", "stats",
                                         "technician", "ticket", "callback", "complaint"};
    if (std::find(std::begin(known), std::end(known), cl->command) == std::end(known)) {
        std::cerr << "error: unknown command '" << cl->command << "'; run repairbot --help\n";
        return bot::kExitUsage;
    }

    auto report = config::load(cl->config_path, config::process_environment());
    if (!report.problems.empty()) {
        std::cerr << "repairbot: the configuration is not valid"
                  << (cl->config_path.empty() ? "" : " (" + cl->config_path + ")") << ":\n";
        for (const auto& p : report.problems) std::cerr << "  - " << p << "\n";
        return bot::kExitUsage;
    }
    log::set_level(report.settings.log_level);
    for (const auto& w : report.warnings) log::warn("config", "warning", {{"detail", w}});

    if (cl->command == "check-config") {
        if (auto problems = bot::check_desk_data(report.settings); !problems.empty()) {
            std::cerr << "repairbot: " << problems;
            return bot::kExitUsage;
        }
        std::cout << "configuration ok: " << config::describe(report.settings) << "\n";
        return bot::kExitOk;
    }
    try {
        if (cl->command == "migrate") return bot::run_migrate(report.settings);
        if (cl->command == "stats") return bot::run_stats(report.settings, *cl);
        if (cl->command == "technician" || cl->command == "ticket")
            return bot::run_admin(report.settings, *cl);
        if (cl->command == "callback" || cl->command == "complaint")
            return bot::run_callback_desk(report.settings, *cl);
        return bot::run_serve(report.settings);
    } catch (const std::exception& e) {
        log::error("main", "fatal", {{"command", cl->command}, {"error", e.what()}});
        return bot::kExitFailure;
    }
}

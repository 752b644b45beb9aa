#include "bot/cli.h"

#include <cstdlib>
#include <iostream>

#include "config/loader.h"

namespace repairbot::bot {

std::string usage_text() {
    std::string text =
        "repairbot " REPAIRBOT_VERSION
        " — the repair desk of a WeChat Official Account\n"
        "\n"
        "usage: repairbot COMMAND [--config FILE] [options]\n"
        "\n"
        "commands:\n"
        "  serve          run the webhook server (foreground; SIGTERM/SIGINT stop it gracefully)\n"
        "  migrate        apply the database migrations not yet applied (idempotent)\n"
        "  check-config   load and validate the configuration, print it (secrets masked), exit\n"
        "  stats          the desk's figures: --month YYYY-MM | --from YYYY-MM-DD --to YYYY-MM-DD\n"
        "                 (to excluded) [--missed: each late stage, who and how late]\n"
        "                 [--csv | --json]\n"
        "  technician     add --name N --phone P --trades 水,电 [--buildings 1,2] [--capacity 5]\n"
        "                 [--supervisor] [--dispatcher] [--manager] (bind code alone on the\n"
        "                 last line); list [--all]; disable ID; enable ID; bind-code ID;\n"
        "                 duty ID on|off\n"
        "  ticket         list [--status S] [--urgency U] [--technician ID] [--openid O]\n"
        "                 [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--limit N] [--json];\n"
        "                 show NUMBER [--json]\n"
        "  callback       list [--open | --done] [--kind complaint|sample|handover] [--limit N]\n"
        "                 [--json];\n"
        "                 done ID --outcome satisfied|unsatisfied|unreachable [--notes TEXT]\n"
        "                 [--by NAME] [--reopen] [--serious] (only with unsatisfied, which files "
        "a\n"
        "                 complaint; --reopen: 返修 instead; --serious: to the manager too)\n"
        "  complaint      list [--status open|handled|closed] [--limit N] [--json];\n"
        "                 handle ID --resolution TEXT [--by NAME] (callback due 3 days later)\n"
        "\n"
        "options:\n"
        "  --config FILE  TOML configuration (default: $REPAIRBOT_CONFIG, else none)\n"
        "  --help         this text\n"
        "  --version      the version\n"
        "\n"
        "configuration (environment variables win over the file):\n";
    for (const auto& k : config::known_keys()) {
        text += "  " + k.env + std::string(k.env.size() < 36 ? 36 - k.env.size() : 1, ' ') +
                k.file_key + "\n      " + k.help + "\n";
    }
    text += "\nexit codes: 0 ok, 1 failure, 2 bad usage or configuration\n";
    return text;
}

std::optional<CommandLine> parse_command_line(int argc, char** argv, int* exit_code) {
    CommandLine cl;
    if (const char* env = std::getenv("REPAIRBOT_CONFIG")) cl.config_path = env;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h" || a == "help") {
            std::cout << usage_text();
            *exit_code = kExitOk;
            return std::nullopt;
        }
        if (a == "--version") {
            std::cout << "repairbot " REPAIRBOT_VERSION "\n";
            *exit_code = kExitOk;
            return std::nullopt;
        }
        if (a.rfind("--", 0) == 0) {
            std::string name = a.substr(2), value;
            auto eq = name.find('=');
            if (eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
            } else if (i + 1 < argc && std::string_view(argv[i + 1]).rfind("--", 0) != 0) {
                value = argv[++i];
            }
            if (name == "config") {
                if (value.empty()) {
                    std::cerr << "error: --config needs a file path\n";
                    *exit_code = kExitUsage;
                    return std::nullopt;
                }
                cl.config_path = value;
            } else {
                cl.options[name] = value;
            }
            continue;
        }
        if (cl.command.empty()) cl.command = a;
        else cl.args.push_back(a);
    }
    if (cl.command.empty()) {
        std::cerr << usage_text();
        *exit_code = kExitUsage;
        return std::nullopt;
    }
    return cl;
}

}  // namespace repairbot::bot

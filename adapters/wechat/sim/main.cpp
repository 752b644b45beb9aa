// wechat-sim: plays the WeChat platform from a terminal or a test script.
//   wechat-sim serve --listen 127.0.0.1:PORT --appid X --secret Y [--media ID=FILE]...
//   wechat-sim send --url URL --token T [--aes-key K --appid A [--compatible]] --from OPENID
//                   (--text S | --image PICURL | --voice MEDIAID [--recognition S] | --video MEDIAID
//                    | --location LAT,LNG[,LABEL] | --link URL | --event NAME[:ARG])
//   wechat-sim check-url --url URL --token T
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "adapters/wechat/errors.h"
#include "adapters/wechat/sim/api_server.h"
#include "adapters/wechat/sim/webhook_client.h"

namespace {

using namespace repairbot;
using namespace repairbot::wechat;
using namespace repairbot::wechat::sim;

constexpr const char* usage =
    "usage:\n"
    "  wechat-sim serve --listen 127.0.0.1:PORT --appid X --secret Y [--media ID=FILE]...\n"
    "  wechat-sim send --url http://127.0.0.1:8080/wechat --token T [--aes-key K --appid A "
    "[--compatible]]\n"
    "                  --from OPENID [--to gh_ID] [--timeout-ms 5000] [--resends 3]\n"
    "                  (--text S | --image PICURL [--media-id M] | --voice MEDIAID "
    "[--recognition S]\n"
    "                   | --video MEDIAID | --shortvideo MEDIAID | --location LAT,LNG[,LABEL]\n"
    "                   | --link URL | --event subscribe[:SCENE] | unsubscribe | CLICK:KEY |\n"
    "                     VIEW:URL | SCAN:SCENE | LOCATION:LAT,LNG)\n"
    "  wechat-sim check-url --url URL --token T\n";

struct Args {
    std::multimap<std::string, std::string> options;
    std::vector<std::string> flags;

    std::string get(const std::string& key, std::string fallback = {}) const {
        const auto it = options.find(key);
        return it == options.end() ? fallback : it->second;
    }
    bool has(const std::string& key) const { return options.count(key) > 0; }
    bool flag(const std::string& key) const {
        return std::find(flags.begin(), flags.end(), key) != flags.end();
    }
};

Args parse_args(int argc, char** argv, int first) {
    Args args;
    for (int i = first; i < argc; ++i) {
        std::string key = argv[i];
        if (!key.starts_with("--")) continue;
        key = key.substr(2);
        if (key == "compatible") {
            args.flags.push_back(key);
        } else if (i + 1 < argc) {
            args.options.emplace(key, argv[++i]);
        }
    }
    return args;
}

int fail(const std::string& message) {
    std::cerr << "wechat-sim: " << message << "\n";
    return 1;
}

std::vector<std::string> split(const std::string& s, char sep, std::size_t max_parts) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (parts.size() + 1 < max_parts) {
        const std::size_t at = s.find(sep, start);
        if (at == std::string::npos) break;
        parts.push_back(s.substr(start, at - start));
        start = at + 1;
    }
    parts.push_back(s.substr(start));
    return parts;
}

int serve(const Args& args) {
    const auto listen = split(args.get("listen", "127.0.0.1:0"), ':', 2);
    ApiServerOptions options;
    options.listen_host = listen[0];
    options.listen_port = static_cast<std::uint16_t>(listen.size() > 1 ? std::atoi(listen[1].c_str()) : 0);
    options.appid = args.get("appid");
    options.secret = args.get("secret");
    if (options.appid.empty() || options.secret.empty()) return fail("serve needs --appid and --secret");
    ApiServer server(options);
    const auto [first, last] = args.options.equal_range("media");
    for (auto it = first; it != last; ++it) {
        const auto parts = split(it->second, '=', 2);
        if (parts.size() != 2) return fail("--media wants ID=FILE");
        if (Status s = server.add_media_file(parts[0], parts[1]); !s) return fail(s.error().message());
    }
    auto port = server.start();
    if (!port) return fail(port.error().message());
    std::cout << "wechat-sim serving " << server.base_url() << std::endl;
    boost::asio::io_context ioc;
    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](auto, int) { ioc.stop(); });
    ioc.run();
    server.stop();
    return 0;
}

Result<InboundMessage> message_from(const Args& args) {
    InboundMessage m;
    m.from_user = args.get("from", "oSimUser0000000000000000001");
    m.to_user = args.get("to", "gh_0000000000sim");
    const auto numbers = [](const std::string& s) { return split(s, ',', 3); };
    if (args.has("text")) {
        m.body = TextMessage{args.get("text")};
    } else if (args.has("image")) {
        m.body = ImageMessage{args.get("image"), args.get("media-id", "sim_media_image")};
    } else if (args.has("voice")) {
        m.body = VoiceMessage{args.get("voice"), "amr", args.get("recognition")};
    } else if (args.has("video") || args.has("shortvideo")) {
        const bool short_video = args.has("shortvideo");
        m.body = VideoMessage{args.get(short_video ? "shortvideo" : "video"), "sim_thumb", short_video};
    } else if (args.has("location")) {
        const auto p = numbers(args.get("location"));
        if (p.size() < 2) return Error{Errc::missing_parameter, "--location LAT,LNG[,LABEL]"};
        m.body = LocationMessage{std::atof(p[0].c_str()), std::atof(p[1].c_str()), 15,
                                 p.size() > 2 ? p[2] : ""};
    } else if (args.has("link")) {
        m.body = LinkMessage{"link", "", args.get("link")};
    } else if (args.has("event")) {
        const auto parts = split(args.get("event"), ':', 2);
        const std::string& name = parts[0];
        const std::string arg = parts.size() > 1 ? parts[1] : "";
        if (name == "subscribe") m.body = SubscribeEvent{arg, arg.empty() ? "" : "sim_ticket"};
        else if (name == "unsubscribe") m.body = UnsubscribeEvent{};
        else if (name == "CLICK") m.body = ClickEvent{arg};
        else if (name == "VIEW") m.body = ViewEvent{arg, {}};
        else if (name == "SCAN") m.body = ScanEvent{arg, "sim_ticket"};
        else if (name == "LOCATION") {
            const auto p = numbers(arg);
            if (p.size() < 2) return Error{Errc::missing_parameter, "LOCATION:LAT,LNG"};
            m.body = LocationEvent{std::atof(p[0].c_str()), std::atof(p[1].c_str()), 30};
        } else {
            m.body = UnknownMessage{"event", name};
        }
    } else {
        return Error{Errc::missing_parameter, "say what to send (--text, --image, ...)"};
    }
    return m;
}

Result<WebhookClient> client_from(const Args& args) {
    ClientOptions options;
    options.url = args.get("url", options.url);
    options.answer_timeout = std::chrono::milliseconds(std::atoi(args.get("timeout-ms", "5000").c_str()));
    options.resends = std::atoi(args.get("resends", "3").c_str());
    Account account{args.get("token"), args.get("appid"), args.get("aes-key")};
    if (account.token.empty()) return Error{Errc::missing_parameter, "--token"};
    if (!account.aes_key.empty()) {
        if (account.appid.empty()) return Error{Errc::missing_parameter, "--aes-key needs --appid"};
        options.mode = args.flag("compatible") ? Mode::compatible : Mode::safe;
    }
    auto signer = WebhookSigner::create(std::move(account));
    if (!signer) return signer.error();
    return WebhookClient::create(std::move(options), std::move(signer).value());
}

void print_reply(const Reply& reply) {
    std::visit(
        [](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, NoReply>) std::cout << "(no reply: success)\n";
            else if constexpr (std::is_same_v<T, TextReply>) std::cout << r.content << "\n";
            else if constexpr (std::is_same_v<T, ImageReply>) std::cout << "[image " << r.media_id << "]\n";
            else {
                for (const auto& a : r.articles) std::cout << "[news] " << a.title << " " << a.url << "\n";
            }
        },
        reply);
}

int send(const Args& args) {
    auto client = client_from(args);
    if (!client) return fail(client.error().message());
    auto message = message_from(args);
    if (!message) return fail(message.error().message());
    auto delivery = client->deliver_blocking(std::move(message).value());
    if (!delivery) return fail(delivery.error().message());
    std::cerr << "HTTP " << delivery->status << " after " << delivery->attempts.size()
              << " attempt(s)\n";
    if (delivery->status != 200) {
        std::cerr << delivery->body << "\n";
        return 1;
    }
    print_reply(delivery->reply);
    return 0;
}

int check_url(const Args& args) {
    auto client = client_from(args);
    if (!client) return fail(client.error().message());
    const std::string echo = "5837397520665436492";
    auto delivery = client->post_blocking(client->signer().sign_url_check(client->path(), echo, client->now()));
    if (!delivery) return fail(delivery.error().message());
    if (delivery->status != 200 || delivery->body != echo) {
        return fail("URL check failed: HTTP " + std::to_string(delivery->status) + " " + delivery->body);
    }
    std::cout << "URL check passed\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << usage;
        return 2;
    }
    const std::string command = argv[1];
    const Args args = parse_args(argc, argv, 2);
    if (command == "serve") return serve(args);
    if (command == "send") return send(args);
    if (command == "check-url") return check_url(args);
    std::cerr << usage;
    return 2;
}

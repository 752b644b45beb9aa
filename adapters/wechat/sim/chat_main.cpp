// wechat-chat: chat with the bot from a terminal as one WeChat user. Each line read from stdin
// (a person typing, or a script) is sent like WeChat sends it — signed, and in safe mode
// encrypted, with WeChat's resends — and the bot's passive reply is printed; the messages the
// bot pushes to this user through the simulator's API server (GET /sim/calls) are printed as
// they happen. Slash commands send what a phone would: /photo, /location, /voice, /menu, ...
//
//   wechat-chat --url http://127.0.0.1:8080/wechat --token T [--aes-key K --appid A
//               [--compatible]] --openid O [--api http://127.0.0.1:18081] [--who LABEL]
//               [--column left|right] [--width N] [--history] [--poll-ms 300] [--linger-ms N]
//               [--timeout-ms 5000]
//
// Exit codes: 0 ok; 1 when a message got no answer, a photo could not be read or a /wait ran
// out of time (so scripts notice); 2 bad usage.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/wechat/sim/terminal_chat.h"
#include "adapters/wechat/sim/webhook_client.h"

namespace {

using namespace repairbot;
using namespace repairbot::wechat;
using namespace repairbot::wechat::sim;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;

constexpr const char* usage =
    "usage: wechat-chat --url http://127.0.0.1:8080/wechat --token T [--aes-key K --appid A "
    "[--compatible]]\n"
    "                   --openid OPENID [--api http://127.0.0.1:18081] [--who LABEL]\n"
    "                   [--column left|right] [--width N] [--history] [--poll-ms 300]\n"
    "                   [--linger-ms N] [--timeout-ms 5000]\n"
    "Reads lines from stdin and sends each as OPENID's message; /help lists the slash commands.\n";

struct Args {
    std::map<std::string, std::string> options;
    std::vector<std::string> flags;
    std::string bad;

    std::string get(const std::string& key, std::string fallback = {}) const {
        const auto it = options.find(key);
        return it == options.end() ? fallback : it->second;
    }
    bool flag(const std::string& key) const {
        return std::find(flags.begin(), flags.end(), key) != flags.end();
    }
};

Args parse_args(int argc, char** argv) {
    Args args;
    for (int i = 1; i < argc; ++i) {
        std::string key = argv[i];
        if (!key.starts_with("--")) {
            args.bad = "unexpected argument '" + key + "'";
            return args;
        }
        key = key.substr(2);
        if (key == "compatible" || key == "history" || key == "help") {
            args.flags.push_back(key);
        } else if (i + 1 < argc) {
            args.options[key] = argv[++i];
        } else {
            args.bad = "--" + key + " needs a value";
            return args;
        }
    }
    return args;
}

int number_option(const Args& args, const std::string& key, int fallback) {
    const std::string text = args.get(key);
    if (text.empty()) return fallback;
    return std::atoi(text.c_str());
}

// The simulator's API server, for the chat's two uses: reading what was pushed and
// registering photos as media. Blocking, with a deadline per request.
class SimulatorApi {
public:
    struct Answer {
        int status = 0;
        std::string body;
    };

    // `base` is "http://host:port"; empty disables the simulator.
    explicit SimulatorApi(std::string base) {
        constexpr std::string_view scheme = "http://";
        std::string_view rest = base;
        if (!rest.starts_with(scheme)) return;
        rest.remove_prefix(scheme.size());
        rest = rest.substr(0, rest.find('/'));
        const std::size_t colon = rest.rfind(':');
        host_ = std::string(rest.substr(0, colon));
        port_ = colon == std::string_view::npos ? "80" : std::string(rest.substr(colon + 1));
    }

    [[nodiscard]] bool configured() const { return !host_.empty(); }

    // The recorded calls, or nullopt when the simulator did not answer with a JSON array.
    std::optional<json> calls() const {
        const auto answer = request(http::verb::get, "/sim/calls", {}, {});
        if (!answer || answer->status != 200) return std::nullopt;
        json calls = json::parse(answer->body, nullptr, false);
        if (!calls.is_array()) return std::nullopt;
        return calls;
    }

    // Serves `bytes` as media `media_id` to the bot's media downloads; false when it failed.
    bool add_media(const std::string& media_id, std::string bytes, const std::string& content_type) const {
        const auto answer = request(http::verb::post,
                                    "/sim/media?media_id=" + media_id + "&content_type=" + content_type,
                                    std::move(bytes), "application/octet-stream");
        return answer && answer->status == 200;
    }

private:
    static asio::awaitable<void> exchange(std::string host, std::string port,
                                          http::request<http::string_body> req,
                                          std::optional<Answer>* out) {
        const auto executor = co_await asio::this_coro::executor;
        beast::error_code ec;
        asio::ip::tcp::resolver resolver(executor);
        const auto endpoints =
            co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        beast::tcp_stream stream(executor);
        stream.expires_after(std::chrono::seconds(5));
        co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        out->emplace(Answer{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())});
        stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    }

    std::optional<Answer> request(http::verb verb, const std::string& target, std::string body,
                                  const std::string& content_type) const {
        if (!configured()) return std::nullopt;
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, host_ + ":" + port_);
        if (!content_type.empty()) req.set(http::field::content_type, content_type);
        req.body() = std::move(body);
        req.prepare_payload();
        asio::io_context ioc;
        std::optional<Answer> out;
        asio::co_spawn(ioc, exchange(host_, port_, std::move(req), &out), [](std::exception_ptr) {});
        ioc.run();
        return out;
    }

    std::string host_;
    std::string port_;
};

// Everything the chat prints goes through here, so the reader's lines and the poller's pushes
// never mix within a line. Thread-safe.
class Transcript {
public:
    Transcript(Layout layout, bool interactive) : layout_(layout), interactive_(interactive) {}

    void print(Speaker speaker, const std::vector<std::string>& lines) {
        std::lock_guard lock(mutex_);
        // A push arriving while the person types: clear the prompt, print, show it again.
        if (prompt_shown_) std::cout << "\r\033[K";
        std::cout << render_block(speaker, lines, layout_);
        if (prompt_shown_) std::cout << std::string(layout_.indent, ' ') << marker(Speaker::you);
        std::cout.flush();
    }

    void note(const std::string& text) {
        std::vector<std::string> lines;
        std::size_t start = 0;
        for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
            lines.push_back(text.substr(start, nl - start));
        }
        lines.push_back(text.substr(start));
        print(Speaker::note, lines);
    }

    // Shows the prompt before a read (a person typing only).
    void prompt() {
        if (!interactive_) return;
        std::lock_guard lock(mutex_);
        std::cout << std::string(layout_.indent, ' ') << marker(Speaker::you) << std::flush;
        prompt_shown_ = true;
    }
    void prompt_done() {
        std::lock_guard lock(mutex_);
        prompt_shown_ = false;
    }

    [[nodiscard]] bool interactive() const { return interactive_; }

private:
    std::mutex mutex_;
    Layout layout_;
    bool interactive_;
    bool prompt_shown_ = false;
};

// Polls the simulator for pushes to one openid, prints them, and keeps those not yet waited
// for, for /wait.
class PushFeed {
public:
    PushFeed(const SimulatorApi& api, std::string openid, Transcript& transcript,
             std::chrono::milliseconds poll)
        : api_(api), openid_(std::move(openid)), transcript_(transcript), poll_(poll) {}

    ~PushFeed() { stop(); }

    // Starts polling. With `history`, first prints what was pushed to this user before.
    // False when the simulator does not answer (then nothing is polled).
    bool start(bool history) {
        auto calls = api_.calls();
        if (!calls) return false;
        if (history) {
            std::size_t from = 0;
            auto earlier = new_pushes(*calls, openid_, from);
            if (!earlier.empty()) transcript_.note("earlier pushes to you:");
            for (const Push& p : earlier) transcript_.print(Speaker::push, p.lines);
        }
        seen_ = calls->size();
        thread_ = std::thread([this] { run(); });
        return true;
    }

    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        changed_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

    // Waits until a push containing `text` that no earlier wait took arrives (or has arrived),
    // consuming it and those before it; false after `timeout`.
    bool wait_for(const std::string& text, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        const auto taken = [&] {
            const auto it = std::find_if(unwaited_.begin(), unwaited_.end(),
                                         [&](const Push& p) { return push_matches(p, text); });
            if (it == unwaited_.end()) return false;
            unwaited_.erase(unwaited_.begin(), std::next(it));
            return true;
        };
        return changed_.wait_for(lock, timeout, taken);
    }

    // Lets the pushes that are on their way arrive (one more poll after `grace`).
    void settle(std::chrono::milliseconds grace) {
        std::this_thread::sleep_for(grace);
        poll_once();
    }

private:
    void run() {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            lock.unlock();
            poll_once();
            lock.lock();
            changed_.wait_for(lock, poll_, [&] { return stopping_; });
        }
    }

    void poll_once() {
        std::lock_guard poll_lock(poll_mutex_);
        auto calls = api_.calls();
        if (!calls) return;
        auto fresh = new_pushes(*calls, openid_, seen_);
        for (const Push& p : fresh) transcript_.print(Speaker::push, p.lines);
        if (fresh.empty()) return;
        {
            std::lock_guard lock(mutex_);
            unwaited_.insert(unwaited_.end(), fresh.begin(), fresh.end());
        }
        changed_.notify_all();
    }

    const SimulatorApi& api_;
    std::string openid_;
    Transcript& transcript_;
    std::chrono::milliseconds poll_;
    std::mutex poll_mutex_;  // one poll at a time: `seen_` moves forward once per call
    std::size_t seen_ = 0;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Push> unwaited_;
    bool stopping_ = false;
    std::thread thread_;
};

class Chat {
public:
    Chat(WebhookClient client, SimulatorApi api, std::string openid, Transcript& transcript,
         std::chrono::milliseconds poll)
        : client_(std::move(client)),
          api_(std::move(api)),
          openid_(std::move(openid)),
          transcript_(transcript),
          feed_(api_, openid_, transcript_, poll) {}

    void start(bool history) {
        pushes_ = feed_.start(history);
        if (!pushes_) {
            transcript_.note(api_.configured()
                                 ? "the WeChat simulator's API server does not answer: pushes are not shown "
                                   "(start it with ./scripts/run, or pass --api http://127.0.0.1:PORT)"
                                 : "no --api given: pushes are not shown");
        }
    }

    // Runs one typed line; false when the chat should end.
    bool run_line(const std::string& line) {
        auto command = parse_chat_line(line);
        if (!command) {
            transcript_.note(command.error().detail);
            return true;
        }
        return std::visit([&](auto& c) { return run(c); }, *command);
    }

    // At the end of input: shows the pushes still on their way, then stops polling.
    void finish(std::chrono::milliseconds linger) {
        if (pushes_) feed_.settle(linger);
        feed_.stop();
    }

    [[nodiscard]] int exit_code() const { return failures_ == 0 ? 0 : 1; }

private:
    bool run(const NoInput&) { return true; }
    bool run(const ShowHelp&) {
        transcript_.note(chat_help());
        return true;
    }
    bool run(const Quit&) { return false; }

    bool run(SendMessage& m) {
        if (auto* voice = std::get_if<VoiceMessage>(&m.body)) voice->media_id = fresh_media_id("voice");
        send(std::move(m.body), m.shown);
        return true;
    }

    bool run(const SendPhoto& p) {
        std::ifstream in(p.file, std::ios::binary);
        if (!in) {
            transcript_.note("cannot read " + p.file.string() + ": nothing sent");
            ++failures_;
            return true;
        }
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string ext = p.file.extension().string();
        const std::string type = ext == ".png" ? "image/png" : ext == ".gif" ? "image/gif" : "image/jpeg";
        const std::string media_id = fresh_media_id("photo");
        if (!api_.add_media(media_id, std::move(bytes), type)) {
            transcript_.note("the simulator did not take the photo as media: the bot will not be able to download it");
        }
        send(ImageMessage{"http://mmbiz.qpic.cn/sim/" + media_id + "/0", media_id},
             "[图片] " + p.file.filename().string());
        return true;
    }

    bool run(const WaitForPush& w) {
        if (!pushes_) {
            transcript_.note("cannot wait for pushes: the simulator is not reachable");
            ++failures_;
            return true;
        }
        if (!feed_.wait_for(w.text, w.timeout)) {
            transcript_.note("no push" + (w.text.empty() ? std::string() : " containing “" + w.text + "”") +
                             " within " + std::to_string(w.timeout.count()) + " s");
            ++failures_;
        }
        return true;
    }

    void send(InboundBody body, const std::string& shown) {
        if (!transcript_.interactive()) transcript_.print(Speaker::you, split_lines(shown));
        InboundMessage message;
        message.to_user = "gh_0000000000sim";
        message.from_user = openid_;
        message.create_time = client_.now();
        message.body = std::move(body);
        if (!is_event(message)) {
            // Unique across chats of one user started in the same second (the bot dedupes MsgIds).
            message.msg_id = (static_cast<std::uint64_t>(message.create_time) << 20) +
                             ((static_cast<std::uint64_t>(::getpid()) * 4099 + ++sent_) & 0xfffff);
        }
        auto delivery = client_.deliver_blocking(std::move(message));
        if (!delivery) {
            transcript_.note("no answer from the bot at " + client_.options().url + " (" +
                             delivery.error().detail + "); is it running? ./scripts/run starts it");
            ++failures_;
            return;
        }
        if (delivery->status != 200) {
            transcript_.note("the bot answered HTTP " + std::to_string(delivery->status) + ": " + delivery->body);
            ++failures_;
            return;
        }
        const auto lines = reply_lines(delivery->reply);
        if (lines.empty()) transcript_.note("(no reply)");
        else transcript_.print(Speaker::bot, lines);
    }

    std::string fresh_media_id(const std::string& kind) {
        return "chat_" + kind + "_" + std::to_string(client_.now()) + "_" + std::to_string(::getpid()) +
               "_" + std::to_string(++media_);
    }

    static std::vector<std::string> split_lines(const std::string& text) {
        std::vector<std::string> lines;
        std::size_t start = 0;
        for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
            lines.push_back(text.substr(start, nl - start));
        }
        lines.push_back(text.substr(start));
        return lines;
    }

    WebhookClient client_;
    SimulatorApi api_;
    std::string openid_;
    Transcript& transcript_;
    PushFeed feed_;
    bool pushes_ = false;
    int failures_ = 0;
    std::uint64_t sent_ = 0;
    std::uint64_t media_ = 0;
};

int usage_error(const std::string& message) {
    std::cerr << "wechat-chat: " << message << "\n" << usage;
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    const Args args = parse_args(argc, argv);
    if (args.flag("help")) {
        std::cout << usage << "\n" << chat_help() << "\n";
        return 0;
    }
    if (!args.bad.empty()) return usage_error(args.bad);
    const std::string openid = args.get("openid");
    if (openid.empty()) return usage_error("--openid is required (the user you chat as)");

    ClientOptions options;
    options.url = args.get("url", options.url);
    options.answer_timeout = std::chrono::milliseconds(number_option(args, "timeout-ms", 5000));
    Account account{args.get("token"), args.get("appid"), args.get("aes-key")};
    if (account.token.empty()) return usage_error("--token is required (the account's Token, REPAIRBOT_WECHAT_TOKEN)");
    if (!account.aes_key.empty()) {
        if (account.appid.empty()) return usage_error("--aes-key needs --appid (REPAIRBOT_WECHAT_APPID)");
        options.mode = args.flag("compatible") ? Mode::compatible : Mode::safe;
    }
    auto signer = WebhookSigner::create(std::move(account));
    if (!signer) return usage_error("--aes-key: " + signer.error().message() + " (43 letters and digits)");
    auto client = WebhookClient::create(options, std::move(signer).value());
    if (!client) return usage_error("--url " + options.url + ": give http://HOST:PORT/wechat");

    const std::string column = args.get("column");
    if (!column.empty() && column != "left" && column != "right") {
        return usage_error("--column is left or right");
    }
    const char* columns_env = std::getenv("COLUMNS");
    const int width = number_option(args, "width", columns_env ? std::atoi(columns_env) : 0);
    Layout layout;
    if (column == "left") {
        layout = {0, static_cast<std::size_t>(std::max(width, 40) / 2 - 1)};
    } else if (column == "right") {
        layout = {static_cast<std::size_t>(std::max(width, 40) / 2 + 1), static_cast<std::size_t>(std::max(width, 40))};
    } else if (width > 0) {
        layout = {0, static_cast<std::size_t>(width)};
    }

    const bool interactive = ::isatty(STDIN_FILENO) != 0;
    Transcript transcript(layout, interactive);
    Chat chat(std::move(client).value(), SimulatorApi(args.get("api")), openid, transcript,
              std::chrono::milliseconds(std::max(number_option(args, "poll-ms", 300), 20)));
    const std::string who = args.get("who", openid);
    if (interactive) {
        transcript.note("chatting as " + who + " (openid " + openid + ") with " + options.url +
                        (options.mode == Mode::plain ? " (plain mode)" : " (safe mode)") +
                        "; /help lists the commands, /quit or Ctrl-D leaves");
    }
    chat.start(args.flag("history"));

    std::string line;
    while (true) {
        transcript.prompt();
        if (!std::getline(std::cin, line)) break;
        transcript.prompt_done();
        if (!chat.run_line(line)) break;
    }
    transcript.prompt_done();
    chat.finish(std::chrono::milliseconds(number_option(args, "linger-ms", interactive ? 0 : 1500)));
    return chat.exit_code();
}

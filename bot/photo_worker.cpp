#include "bot/photo_worker.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <utility>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <exception>
#include <optional>

#include "adapters/wechat/api/errors.h"
#include "bot/lanes.h"
#include "config/log.h"
#include "store/photo_repository.h"

namespace repairbot::bot {

namespace asio = boost::asio;
namespace api = wechat::api;
namespace fs = std::filesystem;

namespace {

Error io_error(int err, const std::string& what, const fs::path& path) {
    return Error{std::error_code(err, std::generic_category()), what + " " + path.string()};
}

// Writes all of `bytes` to `fd`; 0 or an errno.
int write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

}  // namespace

std::string media_extension(std::string_view content_type) {
    std::string type;
    for (char ch : content_type.substr(0, content_type.find(';'))) {
        if (ch == ' ' || ch == '\t') continue;
        type.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    }
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kTypes{{
        {"image/jpeg", "jpg"},
        {"image/jpg", "jpg"},
        {"image/pjpeg", "jpg"},
        {"image/png", "png"},
        {"image/gif", "gif"},
        {"image/webp", "webp"},
        {"image/bmp", "bmp"},
        {"image/heic", "heic"},
        {"audio/amr", "amr"},
        {"audio/mpeg", "mp3"},
        {"audio/speex", "speex"},
        {"video/mp4", "mp4"},
    }};
    for (const auto& [name, ext] : kTypes)
        if (type == name) return std::string(ext);
    return "bin";
}

fs::path media_path(const fs::path& media_dir, std::string_view sha256,
                    std::string_view content_type) {
    return media_dir / std::string(sha256.substr(0, 2)) /
           (std::string(sha256) + "." + media_extension(content_type));
}

std::string sha256_hex(std::string_view bytes) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(kHex[digest[i] >> 4]);
        out.push_back(kHex[digest[i] & 0x0f]);
    }
    return out;
}

bool should_retry_download(std::error_code code, std::uint32_t attempt,
                           std::uint32_t max_attempts) {
    if (attempt >= max_attempts) return false;
    const auto failure = api::classify(code);
    return failure == api::ApiFailure::retryable || failure == api::ApiFailure::token_invalid;
}

std::chrono::milliseconds photo_retry_delay(std::uint32_t attempt, double jitter) {
    constexpr double kFirst = 10.0, kCap = 900.0;
    const std::uint32_t doublings = attempt == 0 ? 0 : std::min<std::uint32_t>(attempt - 1, 16);
    const double seconds = std::min(kCap, kFirst * static_cast<double>(1u << doublings));
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0 * jitter));
}

namespace {

// Flushes a folder's entries (a file renamed into it, a folder made in it) to disk: without it
// a crash can lose the name although the file's bytes were flushed. 0 or the errno.
int fsync_folder(const fs::path& folder) {
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    int err = ::fsync(fd) == 0 ? 0 : errno;
    if (::close(fd) != 0 && err == 0) err = errno;
    return err;
}

}  // namespace

Status flush_folders(const std::vector<fs::path>& files) {
    // The files' folders, then theirs (a hash-prefix folder made for one of them is a name in
    // the media folder), each once.
    std::vector<fs::path> folders;
    auto add = [&folders](const fs::path& folder) {
        if (!folder.empty() && std::find(folders.begin(), folders.end(), folder) == folders.end())
            folders.push_back(folder);
    };
    for (const auto& f : files) add(f.parent_path());
    for (std::size_t i = 0, n = folders.size(); i < n; ++i) add(folders[i].parent_path());
    for (const auto& folder : folders)
        if (int err = fsync_folder(folder); err != 0) return io_error(err, "flush folder", folder);
    return Ok{};
}

Status write_file_atomically(const fs::path& path, std::string_view bytes) {
    std::error_code ec;
    const fs::path folder = path.parent_path();
    fs::create_directories(folder, ec);
    if (ec) return Error{ec, "create folder " + folder.string()};
    if (auto size = fs::file_size(path, ec); !ec && size == bytes.size()) return Ok{};

    std::string temp = (path.parent_path() / ("." + path.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) return io_error(errno, "create temporary file in", path.parent_path());
    int err = write_all(fd, bytes);
    // mkstemp makes the file private; stored photos are for whoever serves the media folder.
    if (err == 0 && ::fchmod(fd, 0644) != 0) err = errno;
    if (err == 0 && ::fsync(fd) != 0) err = errno;
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err == 0 && ::rename(temp.c_str(), path.c_str()) != 0) err = errno;
    if (err != 0) {
        ::unlink(temp.c_str());
        return io_error(err, "write", path);
    }
    return Ok{};
}

namespace {

// A blocking file step (`work()` returns a Status) as a coroutine for the file pool: co_spawn
// needs a result type with a default value, so nullopt is success. `work` is a plain callable,
// not a coroutine lambda (bot/lanes.h).
template <class Work>
asio::awaitable<std::optional<Error>> on_file_pool(Work work) {
    auto done = work();
    if (!done) co_return done.error();
    co_return std::nullopt;
}

}  // namespace

PhotoWorker::PhotoWorker(store::MysqlPool& mysql, api::ApiClient& api, asio::any_io_executor files,
                         PhotoWorkerOptions options)
    : mysql_(mysql),
      api_(api),
      files_(std::move(files)),
      options_(std::move(options)),
      random_(std::random_device{}()) {}

void PhotoWorker::stop() {
    stopping_ = true;
}

store::Timestamp PhotoWorker::now() const {
    auto t = options_.clock ? options_.clock() : std::chrono::system_clock::now();
    return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

asio::awaitable<void> PhotoWorker::run() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    log::info("photos", "worker_started",
              {{"worker", options_.worker_id}, {"media_dir", options_.media_dir.string()}});
    while (!stopping_) {
        std::size_t handled = 0;
        try {
            handled = co_await download_due();
        } catch (const ServiceUnavailable& e) {
            log::warn("photos", "mysql_unavailable", {{"error", e.what()}});
        } catch (const std::exception& e) {
            log::error("photos", "pass_failed", {{"error", e.what()}});
        }
        if (handled == 0 && !stopping_) {
            timer.expires_after(options_.poll_interval);
            boost::system::error_code ignored;
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        }
    }
    log::info("photos", "worker_stopped", {{"worker", options_.worker_id}});
}

asio::awaitable<std::size_t> PhotoWorker::download_due() {
    // The time is taken once, outside the work: should the pool run the claim again after its
    // UPDATE committed, the repeat (`runs`) reads back the photos the first run leased.
    auto claim = [at = now(), lease = options_.lease, worker = options_.worker_id,
                  batch = options_.batch, runs = 0](sql::Connection& c) mutable {
        return store::PhotoRepository::claim_due(c, at, lease, worker, batch, runs++ > 0);
    };
    auto photos = co_await mysql_.run(std::move(claim));
    if (!photos.empty()) {
        pass_started_ = std::chrono::steady_clock::now();
        std::vector<Written> written;
        std::exception_ptr failed;
        try {
            co_await download_all(photos, written);
        } catch (...) {
            failed = std::current_exception();
        }
        // What is on disk is marked also when a lane failed (if MySQL is gone this throws too,
        // and those photos come back with their lease).
        if (!written.empty()) co_await mark_stored(std::move(written));
        if (failed) std::rethrow_exception(failed);
    }
    co_return photos.size();
}

asio::awaitable<void> PhotoWorker::download_all(std::vector<store::Photo>& photos,
                                                std::vector<Written>& written) {
    // The lanes share `written` and `random_` on in_lanes' strand, while their downloads, file
    // writes and MySQL hops overlap.
    std::function<asio::awaitable<void>(std::size_t)> step = [this, &photos, &written](std::size_t i) {
        return download_then_mark(std::move(photos[i]), written);
    };
    // When stopping, or once a lane has failed, the rest come back with their lease.
    std::function<bool()> go_on = [this] { return !stopping_; };
    co_await in_lanes(photos.size(), options_.concurrency, std::move(step), std::move(go_on));
}

asio::awaitable<void> PhotoWorker::download_then_mark(store::Photo photo, std::vector<Written>& written) {
    co_await download(std::move(photo), written);
    // A slow pass (timeouts, retried tokens) marks what it has before half the lease is gone,
    // so no other worker takes photos already on disk.
    if (!written.empty() && std::chrono::steady_clock::now() - pass_started_ > options_.lease / 2)
        co_await mark_stored(std::exchange(written, {}));
}

asio::awaitable<void> PhotoWorker::mark_stored(std::vector<Written> written) {
    // The names first (one fsync per folder, not per photo: the first commits the journal for
    // the others on ext4): a photo is marked stored only once its file would survive a crash.
    std::vector<fs::path> paths;
    paths.reserve(written.size());
    for (const auto& w : written) paths.emplace_back(w.file.stored_path);
    auto flush = [paths = std::move(paths)] { return flush_folders(paths); };
    std::optional<Error> unflushed = co_await asio::co_spawn(files_, on_file_pool(std::move(flush)), asio::use_awaitable);
    if (unflushed) {
        // Not marked: each counts a failed try, as a file that could not be written does (a
        // back-off, then failed for good after max_attempts), and finds its file on the next.
        log::error("photos", "flush_failed", {{"error", unflushed->message()}, {"photos", written.size()}});
        for (auto& w : written) {
            store::Photo photo;
            photo.id = w.file.id;
            photo.attempts = w.attempts;
            photo.media_id = std::move(w.media_id);
            if (w.ticket != 0) photo.ticket_id = w.ticket;
            co_await record_failure(std::move(photo), unflushed->code, unflushed->message());
        }
        co_return;
    }
    std::vector<store::PhotoRepository::StoredFile> files;
    files.reserve(written.size());
    for (const auto& w : written) files.push_back(w.file);
    auto mark = [files = std::move(files), worker = options_.worker_id, at = now()](sql::Connection& c) {
        return store::PhotoRepository::mark_stored_leased(c, files, worker, at);
    };
    const std::vector<std::uint64_t> marked = co_await mysql_.run(std::move(mark));
    for (const auto& w : written) {
        if (std::find(marked.begin(), marked.end(), w.file.id) == marked.end()) {
            // Our lease ran out and another worker took the photo; the file is the same either way.
            log::warn("photos", "lease_lost", {{"photo", w.file.id}, {"media_id", w.media_id}});
            continue;
        }
        log::info("photos", "stored",
                  {{"photo", w.file.id},
                   {"media_id", w.media_id},
                   {"ticket", w.ticket},
                   {"bytes", w.file.size_bytes},
                   {"path", w.file.stored_path}});
    }
}

asio::awaitable<void> PhotoWorker::record_failure(store::Photo photo, std::error_code code,
                                                  std::string error) {
    const std::uint32_t attempt = photo.attempts + 1;
    std::optional<store::Timestamp> retry_at;
    if (should_retry_download(code, attempt, options_.max_attempts)) {
        std::uniform_real_distribution<double> jitter(0.5, 1.5);
        retry_at = now() + photo_retry_delay(attempt, jitter(random_));
    }
    auto work = [id = photo.id, worker = options_.worker_id, error, retry_at](sql::Connection& c) {
        return store::PhotoRepository::mark_failed_leased(c, id, worker, error, retry_at);
    };
    auto marked = co_await mysql_.run(std::move(work));
    log::warn("photos",
              !marked    ? "lease_lost"
              : retry_at ? "retry_scheduled"
                         : "failed",
              {{"photo", photo.id},
               {"media_id", photo.media_id},
               {"ticket", photo.ticket_id.value_or(0)},
               {"attempt", attempt},
               {"errcode", api::wechat_errcode(code)},
               {"error", error}});
}

asio::awaitable<void> PhotoWorker::download(store::Photo photo, std::vector<Written>& written) {
    auto media = co_await api_.get_media(photo.media_id);
    if (!media) {
        co_await record_failure(std::move(photo), media.code(), media.error().message());
        co_return;
    }
    if (media->bytes.empty()) {
        co_await record_failure(std::move(photo), api::ApiErrc::bad_response,
                                "media/get answered an empty file");
        co_return;
    }
    const std::string sha = sha256_hex(media->bytes);
    const fs::path path = media_path(options_.media_dir, sha, media->content_type);
    const std::uint64_t size = media->bytes.size();

    // The file goes to disk on the file pool (no connection waits on a disk, the event loop
    // does not stall); the pass marks its written photos together on the MySQL pool. Repeating
    // either (a retried hop) rewrites the same file or marks the same row.
    auto write = [path, bytes = std::move(media->bytes)] { return write_file_atomically(path, bytes); };
    std::optional<Error> unwritten = co_await asio::co_spawn(files_, on_file_pool(std::move(write)), asio::use_awaitable);
    if (unwritten) {
        co_await record_failure(std::move(photo), unwritten->code, unwritten->message());
        co_return;
    }
    written.push_back({{photo.id, path.string(), sha, size}, std::move(photo.media_id),
                       photo.ticket_id.value_or(0), photo.attempts});
}

}  // namespace repairbot::bot

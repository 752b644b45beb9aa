// Downloads the owners' photos (报修图片): a worker coroutine that leases pending photos (several
// instances never download one photo at once; a crashed worker's photos come back when the lease
// ends), fetches each through WeChat's media/get, and stores the bytes content-addressed under
// the media folder — <media_dir>/<sha256[0:2]>/<sha256>.<ext> — written atomically. A failed try
// is retried with backoff and jitter; a permanent failure (an invalid MediaId, a file over the
// size cap) or too many tries ends the photo as failed, its PicUrl kept as the fallback.
// Never runs on the webhook path.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "adapters/wechat/api/api_client.h"
#include "config/errors.h"
#include "store/mysql_pool.h"
#include "store/photo_repository.h"
#include "store/records.h"

namespace repairbot::bot {

// The file extension for a downloaded file's Content-Type ("image/jpeg; charset=x" -> "jpg"),
// without the dot; "bin" for a type not known here. Case-insensitive. Pure.
[[nodiscard]] std::string media_extension(std::string_view content_type);

// Where a file of SHA-256 `sha256` (64 lowercase hex digits) and `content_type` is stored:
// <media_dir>/<sha256[0:2]>/<sha256>.<media_extension(content_type)>. Pure.
[[nodiscard]] std::filesystem::path media_path(const std::filesystem::path& media_dir,
                                               std::string_view sha256,
                                               std::string_view content_type);

// The SHA-256 of `bytes` as 64 lowercase hex digits. Pure.
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

// Whether a download that failed with `code` on try number `attempt` (1-based) gets another
// try: only errors worth a retry (timeouts, 5xx, rate limits, a refused token, a broken
// connection; see wechat::api::classify) and only while attempt < max_attempts. An invalid
// MediaId (40007) or a file over the size cap never does. Pure.
[[nodiscard]] bool should_retry_download(std::error_code code, std::uint32_t attempt,
                                         std::uint32_t max_attempts);

// The wait after failed try number `attempt` (1-based): 10 s doubled per try, capped at
// 15 minutes, scaled by `jitter` in [0.5, 1.5). Pure.
[[nodiscard]] std::chrono::milliseconds photo_retry_delay(std::uint32_t attempt, double jitter);

// Writes `bytes` to `path` atomically: a temporary file in the same folder (creating the
// folders), flushed to disk, then renamed over `path`, so a reader never sees half a file. The
// new name (and a new folder's) survives a crash only after flush_folders, which a caller runs
// once for a batch before anything relies on it (the worker marks photos stored after it). An
// existing file of the same size is kept (content-addressed: same name, same bytes). Blocks.
// Returns the I/O error, leaving no temporary file behind.
[[nodiscard]] Status write_file_atomically(const std::filesystem::path& path,
                                           std::string_view bytes);

// Flushes the folders holding `files` and their parent folders (each once) so the names
// write_file_atomically made in them survive a crash. Blocks. Returns the first I/O error.
[[nodiscard]] Status flush_folders(const std::vector<std::filesystem::path>& files);

struct PhotoWorkerOptions {
    std::string worker_id;                          // unique per process
    std::filesystem::path media_dir = "var/media";  // Settings::media_dir
    std::chrono::milliseconds poll_interval{1000};  // when nothing was due
    std::chrono::milliseconds lease{120000};        // how long a claimed photo is ours
    std::uint32_t batch = 8;        // photos claimed per pass
    std::uint32_t concurrency = 4;  // downloads of a pass in flight at once (1: one by one)
    std::uint32_t max_attempts = 8;  // then the photo fails for good
    // The worker's clock (leases, retry times, stored_at); tests move it. Default: system clock.
    std::function<std::chrono::system_clock::time_point()> clock;
};

class PhotoWorker {
  public:
    // Keeps references; mysql and api must outlive the worker. `files` runs the blocking file
    // writes and folder flushes (a thread pool of their own, outliving the worker): a write and
    // its fsync never hold a MySQL connection the webhooks are waiting for.
    PhotoWorker(store::MysqlPool& mysql, wechat::api::ApiClient& api, boost::asio::any_io_executor files,
                PhotoWorkerOptions options);

    // Runs until stop(); on the caller's executor. Never throws: a MySQL outage is waited out.
    boost::asio::awaitable<void> run();
    // Asks run() to return after the photos in hand (up to `concurrency`). Thread-safe.
    void stop();

    // One pass: claims due photos and downloads them, up to `concurrency` at once, then flushes
    // their folders (flush_folders) and marks the ones written to disk stored, in one statement
    // (a pass still at work when half the lease is gone marks what it has at once); a failed
    // flush counts a failed try for each instead. Returns how many were claimed. Throws ServiceUnavailable when MySQL cannot be reached (after the
    // downloads in flight have ended; the photos not tried come back when their lease ends).
    boost::asio::awaitable<std::size_t> download_due();

  private:
    // A photo whose file is on disk, waiting for its pass to mark it stored.
    struct Written {
        store::PhotoRepository::StoredFile file;
        std::string media_id;
        std::uint64_t ticket = 0;
        std::uint32_t attempts = 0;  // tries before this one
    };

    // Downloads `photos` in `concurrency` lanes (in_lanes) and returns when all have ended,
    // rethrowing the first exception one of them ended with. The photos written to disk so far
    // are in `written` either way.
    boost::asio::awaitable<void> download_all(std::vector<store::Photo>& photos,
                                              std::vector<Written>& written);
    // One lane's step: download() one photo; a pass past half its lease then marks what it has.
    boost::asio::awaitable<void> download_then_mark(store::Photo photo, std::vector<Written>& written);
    // Fetches one photo and writes its file; adds it to `written`, or records the failed try.
    boost::asio::awaitable<void> download(store::Photo photo, std::vector<Written>& written);
    // Flushes written photos' folders, then marks them stored, in one statement, and logs each as
    // stored or its lease lost; when the flush fails, records a failed try for each instead.
    boost::asio::awaitable<void> mark_stored(std::vector<Written> written);
    // Records a failed try: pending again after a backoff when worth it, else failed for good.
    boost::asio::awaitable<void> record_failure(store::Photo photo, std::error_code code,
                                                std::string error);
    [[nodiscard]] store::Timestamp now() const;

    store::MysqlPool& mysql_;
    wechat::api::ApiClient& api_;
    boost::asio::any_io_executor files_;
    PhotoWorkerOptions options_;
    std::atomic<bool> stopping_{false};
    std::chrono::steady_clock::time_point pass_started_;  // of the pass in hand (one at a time)
    std::mt19937 random_;
};

}  // namespace repairbot::bot

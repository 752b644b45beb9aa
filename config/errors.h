// The three kinds of error in repairbot, in one place (STYLE.md §5):
//  1. Domain outcomes are values: Result<T> holds a T or an Error (an error_code from a
//     category of ours, plus a detail for logs). Untrusted input never throws: adapters and
//     parsers return these.
//  2. Transport errors are boost::system::error_code from Asio/Beast; normal endings (eof,
//     closed, cancelled) are not logged as errors.
//  3. Infrastructure failures (MySQL or Redis unreachable) are ServiceUnavailable exceptions,
//     and bugs are any other exception: both are caught once at the top of a handler or a worker
//     loop, logged, and answered generically (HTTP 503/500, a polite "try again" to the user).
#pragma once

#include <cassert>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace repairbot {

struct Error {
    std::error_code code;
    std::string detail;  // for operators' logs; never shown to users, never holds secrets

    [[nodiscard]] std::string message() const {
        return detail.empty() ? code.message() : code.message() + ": " + detail;
    }
};

// A T, or the Error that explains why there is none.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}
    Result(std::error_code code, std::string detail = {}) : v_(Error{code, std::move(detail)}) {}

    [[nodiscard]] bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { assert(!ok()); return std::get<1>(v_); }
    [[nodiscard]] std::error_code code() const { return ok() ? std::error_code{} : error().code; }

private:
    std::variant<T, Error> v_;
};

// Result of an operation with no value.
struct Ok {};
using Status = Result<Ok>;

// MySQL or Redis could not be reached (down, restarting, pool exhausted past its wait).
// `service` is "mysql" or "redis".
class ServiceUnavailable : public std::runtime_error {
public:
    ServiceUnavailable(std::string service, const std::string& what)
        : std::runtime_error(service + " unavailable: " + what), service_(std::move(service)) {}
    [[nodiscard]] const std::string& service() const { return service_; }

private:
    std::string service_;
};

}  // namespace repairbot

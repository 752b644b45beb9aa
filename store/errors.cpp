#include "store/errors.h"

#include <string>

namespace repairbot::store {
namespace {

class StoreCategory final : public std::error_category {
  public:
    const char* name() const noexcept override { return "repairbot.store"; }
    std::string message(int value) const override {
        switch (static_cast<StoreErrc>(value)) {
            case StoreErrc::not_found:
                return "not found";
            case StoreErrc::duplicate:
                return "duplicate";
            case StoreErrc::version_conflict:
                return "version conflict";
            case StoreErrc::invalid_state:
                return "invalid state";
            case StoreErrc::redis_unavailable:
                return "redis unavailable";
            case StoreErrc::redis_timeout:
                return "redis timeout";
            case StoreErrc::redis_error:
                return "redis error reply";
            case StoreErrc::mysql_unavailable:
                return "mysql unavailable";
            case StoreErrc::migration_failed:
                return "migration failed";
        }
        return "unknown store error";
    }
};

}  // namespace

const std::error_category& store_category() noexcept {
    static const StoreCategory instance;
    return instance;
}

}  // namespace repairbot::store

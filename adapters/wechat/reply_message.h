// The passive replies a webhook may answer with (text, image, news), and "no reply".
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace repairbot::wechat {

// Answered "success": WeChat shows nothing and does not resend.
struct NoReply {};

struct TextReply {
    std::string content;
};

// An image already uploaded as (temporary or permanent) media.
struct ImageReply {
    std::string media_id;
};

struct NewsArticle {
    std::string title;
    std::string description;
    std::string pic_url;
    std::string url;
};

// WeChat shows at most 8 articles (1 for accounts registered since 2018); more are cut.
struct NewsReply {
    std::vector<NewsArticle> articles;
};

using Reply = std::variant<NoReply, TextReply, ImageReply, NewsReply>;

}  // namespace repairbot::wechat

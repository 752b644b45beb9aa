#include "config/push_templates.h"

#include <toml++/toml.h>

namespace repairbot::config {

const PushTemplate& PushTemplates::for_event(const std::string& event) const {
    auto it = by_event_.find(event);
    if (it != by_event_.end()) return it->second;
    return by_event_.at("staff_notice");
}

Result<PushTemplates> load_push_templates(const std::filesystem::path& dir) {
    auto path = (dir / "push.toml").string();
    auto invalid = [&](const std::string& what) {
        return Error{std::make_error_code(std::errc::invalid_argument), path + ": " + what};
    };
    toml::table table;
    try {
        table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        return Error{std::make_error_code(std::errc::invalid_argument),
                     path + ":" + std::to_string(e.source().begin.line) + ": " +
                         std::string(e.description()) + "; fix the TOML syntax"};
    }
    PushTemplates templates;
    for (const auto& [event, node] : table) {
        const auto* t = node.as_table();
        std::string name(event.str());
        if (!t) return invalid(name + " must be a table like [" + name + "]");
        PushTemplate pt;
        for (const auto& [key, value] : *t) {
            std::string k(key.str());
            if (k == "data") {
                const auto* data = value.as_table();
                if (!data) return invalid(name + ".data must be a table of field = \"text\"");
                for (const auto& [field, text] : *data) {
                    const auto* s = text.as_string();
                    if (!s) return invalid(name + ".data." + std::string(field.str()) + " must be a string");
                    pt.data.emplace_back(std::string(field.str()), s->get());
                }
                continue;
            }
            const auto* s = value.as_string();
            if (!s) return invalid(name + "." + k + " must be a string");
            if (k == "template_id") pt.template_id = s->get();
            else if (k == "url") pt.url = s->get();
            else if (k == "text") pt.text = s->get();
            else return invalid("unknown key " + name + "." + k + "; use template_id, url, text or data");
        }
        if (pt.text.empty()) return invalid(name + ".text is missing; add the customer-service wording");
        if (pt.template_id.empty())
            return invalid(name + ".template_id is missing; copy it from the 模板消息 page");
        if (pt.data.empty()) return invalid("[" + name + ".data] is missing; map the template's fields");
        templates.set(std::move(name), std::move(pt));
    }
    if (!table.contains("staff_notice"))
        return invalid("[staff_notice] is missing; it words every event without a table of its own");
    return templates;
}

}  // namespace repairbot::config

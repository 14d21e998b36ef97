// chat_template.h on top of the Jinja interpreter in gpu/chat/jinja/.
#include "gpu/chat/chat_template.h"

#include "gpu/chat/jinja/jinja_interp.h"
#include "gpu/chat/jinja/jinja_json.h"
#include "gpu/chat/jinja/jinja_parser.h"

namespace nd {

struct ChatTemplate {
    std::string name;
    jinja::Program program;
};

namespace {

// Jinja2 rejects unknown filters and tests when it compiles a template, except inside `if` statements
// and conditional expressions, where it waits until they run. Same here, so the same templates fail.
void check_names(const jinja::Expr *e, bool soft) {
    if (!e)
        return;
    using jinja::ExprKind;
    if (!soft && e->kind == ExprKind::filter && !jinja::filter_exists(e->name)) {
        throw jinja::Error("no filter named '" + e->name + "'", e->line, e->col);
    }
    if (!soft && e->kind == ExprKind::test && !jinja::test_exists(e->name)) {
        throw jinja::Error("no test named '" + e->name + "'", e->line, e->col);
    }
    bool inner_soft = soft || e->kind == ExprKind::cond;
    for (const auto &a : e->args)
        check_names(a.get(), inner_soft);
    for (const auto &a : e->call.pos)
        check_names(a.get(), inner_soft);
    for (const auto &[k, a] : e->call.kw)
        check_names(a.get(), inner_soft);
    check_names(e->call.star_args.get(), inner_soft);
    check_names(e->call.star_kwargs.get(), inner_soft);
}

void check_body(const jinja::Body &body, bool soft) {
    using jinja::StmtKind;
    for (const auto &s : body) {
        bool is_if = s->kind == StmtKind::if_;
        // if: its condition and both branches are "soft"; loops, macros, blocks start a new frame.
        bool opens_frame = s->kind == StmtKind::for_ || s->kind == StmtKind::macro ||
                           s->kind == StmtKind::set_block || s->kind == StmtKind::call_block ||
                           s->kind == StmtKind::filter_block;
        check_names(s->expr.get(), soft || is_if);
        check_names(s->filter.get(), soft || is_if);
        for (const auto &p : s->params)
            check_names(p.default_value.get(), soft);
        bool inner = is_if ? true : opens_frame ? false : soft;
        check_body(s->body, inner);
        check_body(s->else_body, inner);
    }
}

std::string located(const std::string &name, const jinja::Error &e) {
    std::string where = name.empty() ? "template" : name;
    if (e.line > 0)
        where += ":" + std::to_string(e.line) + ":" + std::to_string(e.col);
    return where + ": " + e.what();
}

}  // namespace

Status chat_template_parse(std::string_view source, const std::string &name, ChatTemplate **out) {
    *out = nullptr;
    try {
        auto t = std::make_unique<ChatTemplate>();
        t->name = name;
        t->program = jinja::parse_template(source);
        check_body(t->program.body, false);
        *out = t.release();
        return Status::success();
    } catch (const jinja::Error &e) {
        return ND_STATUS(StatusCode::invalid_argument, located(name, e));
    } catch (const std::bad_alloc &) {
        return ND_STATUS(StatusCode::out_of_memory,
                         (name.empty() ? "template" : name) + ": out of memory while parsing");
    }
}

void chat_template_free(ChatTemplate *tmpl) {
    delete tmpl;
}

Status chat_template_render(const ChatTemplate *tmpl, const nlohmann::ordered_json &vars, std::string *out,
                            const ChatRenderOptions &options) {
    out->clear();
    if (!tmpl)
        return ND_STATUS(StatusCode::invalid_argument, "chat_template_render: no template");
    if (!vars.is_object()) {
        return ND_STATUS(StatusCode::invalid_argument,
                         tmpl->name + ": the template variables must be a JSON object");
    }
    try {
        jinja::Value v = jinja::value_from_json(vars);
        jinja::Interp interp(options);
        *out = interp.render(tmpl->program, v.mapping());
        return Status::success();
    } catch (const jinja::RaisedError &e) {
        std::string where = tmpl->name.empty() ? "template" : tmpl->name;
        if (e.line > 0)
            where += ":" + std::to_string(e.line);
        return ND_STATUS(StatusCode::invalid_argument, where + ": raise_exception: " + e.what());
    } catch (const jinja::BudgetError &e) {
        return ND_STATUS(StatusCode::out_of_memory, located(tmpl->name, e));
    } catch (const jinja::Error &e) {
        return ND_STATUS(StatusCode::invalid_argument, located(tmpl->name, e));
    } catch (const std::bad_alloc &) {
        return ND_STATUS(StatusCode::out_of_memory, tmpl->name + ": out of memory while rendering");
    }
}

}  // namespace nd

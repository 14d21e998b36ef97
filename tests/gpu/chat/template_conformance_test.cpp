// Every llama.cpp template (tools/reference/llama.cpp/models/templates) x every scenario in fixtures/:
// our interpreter must render exactly what Python's Jinja2 renders in Hugging Face's configuration, and
// fail where Python fails. Prints one row per template and, for a mismatch, the first differing position.
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#include "chat/template_reference.h"
#include "gpu/chat/chat_template.h"

namespace nd {
namespace {

bool reference_required() {
    const char *v = std::getenv("NEMODESK_REQUIRE_REFERENCE");
    return v && std::string(v) == "1";
}

std::string escaped(const std::string &s) {
    std::string out;
    for (char c : s) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else
            out += c;
    }
    return out;
}

std::string first_difference(const std::string &ours, const std::string &ref) {
    size_t k = 0;
    while (k < ours.size() && k < ref.size() && ours[k] == ref[k])
        ++k;
    size_t from = k > 40 ? k - 40 : 0;
    return "at byte " + std::to_string(k) + "\n      ours:   \"" + escaped(ours.substr(from, 100)) +
           "\"\n      python: \"" + escaped(ref.substr(from, 100)) + "\"";
}

TEST(TemplateConformance, AllTemplatesMatchPythonJinja2) {
    std::string why = test::reference_unavailable_reason();
    if (!why.empty()) {
        if (reference_required())
            FAIL() << why;
        GTEST_SKIP() << why;
    }
    auto templates = test::list_files(test::templates_dir(), ".jinja");
    auto fixtures = test::list_files(test::fixtures_dir(), ".json");
    ASSERT_FALSE(fixtures.empty());
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto &t : templates) {
        for (const auto &f : fixtures)
            pairs.emplace_back(test::templates_dir() + "/" + t, test::fixtures_dir() + "/" + f);
    }
    auto refs = test::reference_render_all(pairs);
    ASSERT_EQ(refs.size(), pairs.size()) << "render_template.py --batch failed";

    // NEMODESK_CONFORMANCE_VERBOSE=1 also shows both sides' messages where both fail.
    const char *verbose_env = std::getenv("NEMODESK_CONFORMANCE_VERBOSE");
    bool verbose = verbose_env && std::string(verbose_env) == "1";
    ChatRenderOptions options;
    options.now_unix_s = test::kPinnedNowUnixS;
    size_t index = 0, total_same = 0, total_both_fail = 0, total_bad = 0;
    std::printf("%-52s %5s %5s %5s\n", "template", "same", "fail2", "DIFF");
    for (const auto &t : templates) {
        std::string source = test::read_file_or_empty(test::templates_dir() + "/" + t);
        ChatTemplate *raw = nullptr;
        Status parsed = chat_template_parse(source, t, &raw);
        ChatTemplatePtr tmpl(raw);
        int same = 0, both_fail = 0, bad = 0;
        std::string details;
        for (const auto &f : fixtures) {
            const auto &ref = refs[index++];
            nlohmann::ordered_json vars =
                nlohmann::ordered_json::parse(test::read_file_or_empty(test::fixtures_dir() + "/" + f));
            std::string out;
            Status st = parsed.ok() ? chat_template_render(tmpl.get(), vars, &out, options) : parsed;
            if (st.ok() && ref.ok && out == ref.text) {
                ++same;
            } else if (!st.ok() && !ref.ok) {
                ++both_fail;
                if (verbose)
                    details += "    " + f + ": both fail\n      ours:   " + st.message +
                               "\n      python: " + ref.text + "\n";
            } else {
                ++bad;
                details += "    " + f + ": ";
                if (!st.ok())
                    details += "ours failed: " + st.message + "\n      python rendered " +
                               std::to_string(ref.text.size()) + " bytes\n";
                else if (!ref.ok)
                    details += "python failed: " + ref.text + "\n      ours rendered " +
                               std::to_string(out.size()) + " bytes\n";
                else
                    details += "renders differ " + first_difference(out, ref.text) + "\n";
            }
        }
        std::printf("%-52s %5d %5d %5d\n", t.c_str(), same, both_fail, bad);
        if (!details.empty())
            std::printf("%s", details.c_str());
        total_same += static_cast<size_t>(same);
        total_both_fail += static_cast<size_t>(both_fail);
        total_bad += static_cast<size_t>(bad);
        EXPECT_EQ(bad, 0) << t;
    }
    std::printf("%zu templates x %zu scenarios: %zu identical, %zu fail on both sides, %zu differ\n",
                templates.size(), fixtures.size(), total_same, total_both_fail, total_bad);
}

}  // namespace
}  // namespace nd

/* test_flow.c — loading and checking flow files: the README example and the shipped flows
 * load; each kind of mistake a flow author can make is reported with its file and state
 * (one mutation of a small valid flow per error kind). Pure: files only. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow.h"

static const char base[] =
    "{\n"
    "  \"flow\": \"t\", \"start\": \"welcome\", \"menu\": \"main_menu\",\n"
    "  \"keywords\": [{\"words\": [\"menu\", \"मेनू\", \"0\"], \"goto\": \"main_menu\"},\n"
    "               {\"words\": [\"help\", \"मदद\"], \"goto\": \"help\"}],\n"
    "  \"replies\": {\n"
    "    \"not_understood\": {\"hi\": \"समझ नहीं आया।\", \"en\": \"Not understood.\"},\n"
    "    \"unsupported\": {\"hi\": \"यह नहीं पढ़ सकते।\", \"en\": \"Cannot read that.\"},\n"
    "    \"expired\": {\"hi\": \"फिर से शुरू करते हैं।\", \"en\": \"Starting again.\"},\n"
    "    \"too_many_tries\": {\"hi\": \"मेनू पर लौटते हैं।\", \"en\": \"Back to the menu.\"}},\n"
    "  \"states\": {\n"
    "    \"welcome\": {\"kind\": \"menu\", \"text\": {\"hi\": \"भाषा चुनें\", \"en\": \"Choose a "
    "language\"},\n"
    "      \"choices\": [{\"id\": \"hi\", \"title\": {\"hi\": \"हिंदी\", \"en\": \"हिंदी\"}, "
    "\"set\": {\"lang\": \"hi\"}, \"goto\": \"main_menu\"},\n"
    "                  {\"id\": \"en\", \"title\": {\"hi\": \"English\", \"en\": \"English\"}, "
    "\"set\": {\"lang\": \"en\"}, \"goto\": \"main_menu\"}]},\n"
    "    \"main_menu\": {\"kind\": \"menu\", \"text\": {\"hi\": \"क्या करना है?\", \"en\": \"What "
    "next?\"},\n"
    "      \"choices\": [{\"id\": \"complaint\", \"title\": {\"hi\": \"शिकायत\", \"en\": "
    "\"Complaint\"}, \"match\": [\"shikayat\"], \"goto\": \"dept\"},\n"
    "                  {\"id\": \"help\", \"title\": {\"hi\": \"मदद\", \"en\": \"Help\"}, "
    "\"match\": [\"madad\"], \"goto\": \"help\"}]},\n"
    "    \"dept\": {\"kind\": \"departments\", \"text\": {\"hi\": \"विभाग चुनें\", \"en\": \"Choose a "
    "department\"}, \"var\": \"department\", \"goto\": \"describe\"},\n"
    "    \"describe\": {\"kind\": \"input\", \"text\": {\"hi\": \"समस्या लिखें\", \"en\": \"Describe "
    "it\"}, \"var\": \"description\",\n"
    "      \"min\": 10, \"max\": 1000, \"pattern\": \"\\\\S\", \"retry\": {\"hi\": \"10 अक्षर\", "
    "\"en\": \"10 letters\"}, \"goto\": \"photo\"},\n"
    "    \"photo\": {\"kind\": \"media\", \"text\": {\"hi\": \"फोटो भेजें\", \"en\": \"Send a "
    "photo\"}, \"accept\": [\"image\", \"location\"],\n"
    "      \"var\": \"attachment\", \"retry\": {\"hi\": \"फोटो\", \"en\": \"A photo\"},\n"
    "      \"skip\": {\"title\": {\"hi\": \"छोड़ें\", \"en\": \"Skip\"}, \"goto\": \"confirm\"}, "
    "\"goto\": \"confirm\"},\n"
    "    \"confirm\": {\"kind\": \"confirm\", \"text\": {\"hi\": \"दर्ज करें? {description}\", "
    "\"en\": \"Submit? {description}\"},\n"
    "      \"yes\": {\"title\": {\"hi\": \"हाँ\", \"en\": \"Yes\"}, \"goto\": \"create\"},\n"
    "      \"no\": {\"title\": {\"hi\": \"नहीं\", \"en\": \"No\"}, \"goto\": \"main_menu\"}},\n"
    "    \"create\": {\"kind\": \"action\", \"action\": \"create_case\", \"text\": {\"hi\": \"नंबर "
    "{tracking_no}\", \"en\": \"Number {tracking_no}\"}, \"goto\": \"main_menu\"},\n"
    "    \"help\": {\"kind\": \"message\", \"text\": {\"hi\": \"0 लिखें\", \"en\": \"Type 0\"}, "
    "\"goto\": \"main_menu\"}\n"
    "  }\n"
    "}\n";

/* Writes files into a fresh folder; returns it (malloc'd). */
static char *folder_with(const char *name, const char *content)
{
    char *dir = tu_tempdir(), path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    tu_write(path, content);
    return dir;
}

static void remove_folder(char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fail_msg("cannot remove %s", dir);
    free(dir);
}

/* Runs flows check; returns the problem count and the output in out. */
static int check(const char *dir, char *out, size_t outsz)
{
    FILE *f = fmemopen(out, outsz, "w");
    err e = {0};
    int n;
    memset(out, 0, outsz);
    n = flow_check(dir, f, &e);
    fclose(f);
    if (n < 0)
        fail_msg("flow_check failed: %s", e.msg);
    return n;
}

static void base_is_valid(void **state)
{
    (void)state;
    char *dir = folder_with("t.json", base), out[4096];
    err e = {0};
    flow_set *f;
    if (check(dir, out, sizeof out) != 0)
        fail_msg("%s", out);
    f = flow_set_load(dir, &e);
    if (!f)
        fail_msg("%s", e.msg);
    assert_int_equal(f->nstates, 8);
    assert_string_equal(f->states[f->start].name, "welcome");
    assert_string_equal(f->states[f->menu].name, "main_menu");
    {
        const flow_state *d = &f->states[flow_state_index(f, "describe")];
        assert_int_equal(d->kind, FLOW_INPUT);
        assert_int_equal(d->min, 10);
        assert_non_null(d->pattern);
        assert_int_equal(d->retries, 3);
        assert_string_equal(f->states[d->next].name, "photo");
    }
    {
        const flow_state *m = &f->states[flow_state_index(f, "main_menu")];
        assert_string_equal(m->choices[0].match[0], "shikayat");
        assert_string_equal(flow_text_get(&m->text, "en"), "What next?");
        assert_string_equal(flow_text_get(&m->text, "hne"),
                            "क्या करना है?"); /* falls back to Hindi */
    }
    flow_set_free(f);
    flow_set_free(NULL);
    remove_folder(dir);
}

static void readme_example_is_valid(void **state)
{
    (void)state;
    char *readme = tu_read_source("flows/README.md", NULL), *start = strstr(readme, "```json\n"),
         *end, *dir, out[4096];
    assert_non_null(start);
    start += 8;
    end = strstr(start, "\n```");
    assert_non_null(end);
    *end = '\0';
    dir = folder_with("example.json", start);
    if (check(dir, out, sizeof out) != 0)
        fail_msg("the README example is not a valid flow: %s", out);
    remove_folder(dir);
    free(readme);
}

static void shipped_flows_are_valid(void **state)
{
    (void)state;
    char out[8192];
    int n = check(SAMPARK_SOURCE_DIR "/flows", out, sizeof out);
    if (n != 0)
        fail_msg("flows/ has %d problems:\n%s", n, out);
}

/* One mutation per error kind: (from, to, expected text in the report). */
static void every_error_kind_is_reported(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to, *expect;
    } cases[] = {
        {"\"goto\": \"photo\"}", "\"goto\": \"foto\"}",
         "state \"describe\": goto \"foto\" is not a state"},
        {"\"kind\": \"departments\"", "\"kind\": \"department\"",
         "state \"dept\": unknown kind \"department\""},
        {"\"en\": \"Describe it\"", "\"eng\": \"Describe it\"",
         "state \"describe\": \"text\" has no English"},
        {"{\"hi\": \"समस्या लिखें\", \"en\": \"Describe it\"}", "{\"en\": \"Describe it\"}",
         "state \"describe\": \"text\" has no Hindi"},
        {"\"title\": {\"hi\": \"शिकायत\", \"en\": \"Complaint\"}",
         "\"title\": {\"hi\": \"शिकायत\", \"en\": \"Register a complaint now\"}",
         "state \"main_menu\": \"title\".en is 24 characters; WhatsApp allows 20"},
        {"\"title\": {\"hi\": \"हाँ\", \"en\": \"Yes\"}",
         "\"title\": {\"hi\": \"हाँ, मेरी शिकायत दर्ज करें\", \"en\": \"Yes\"}",
         "state \"confirm\": \"title\".hi is 26 characters"},
        {"\"pattern\": \"\\\\S\"", "\"pattern\": \"([a-z\"",
         "state \"describe\": \"pattern\" is not a valid regular expression"},
        {"\"max\": 1000, ", "", "state \"describe\": \"pattern\" needs \"max\""},
        {"{\"id\": \"help\", \"title\"", "{\"id\": \"complaint\", \"title\"",
         "state \"main_menu\": two choices have the id \"complaint\""},
        {"\"match\": [\"madad\"]", "\"match\": [\"Shikayat!\"]",
         "the match word \"shikayat\" is in two choices"},
        {"\"help\": {\"kind\": \"message\", \"text\": {\"hi\": \"0 लिखें\", \"en\": \"Type 0\"}, "
         "\"goto\": \"main_menu\"}",
         "\"help\": {\"kind\": \"message\", \"text\": {\"hi\": \"0 लिखें\", \"en\": \"Type 0\"}, "
         "\"goto\": \"main_menu\"},\n"
         "    \"orphan\": {\"kind\": \"message\", \"text\": {\"hi\": \"x\", \"en\": \"x\"}, "
         "\"goto\": \"main_menu\"}",
         "state \"orphan\": no conversation reaches this state"},
        {"\"create\": {\"kind\": \"action\", \"action\": \"create_case\", \"text\": {\"hi\": \"नंबर "
         "{tracking_no}\", \"en\": \"Number {tracking_no}\"}, \"goto\": \"main_menu\"}",
         "\"create\": {\"kind\": \"action\", \"action\": \"create_case\", \"text\": {\"hi\": \"नंबर "
         "{tracking_no}\", \"en\": \"Number {tracking_no}\"}, \"goto\": \"loop\", \"on_error\": "
         "\"loop\"},\n"
         "    \"loop\": {\"kind\": \"message\", \"text\": {\"hi\": \"x\", \"en\": \"x\"}, "
         "\"goto\": \"loop\"}",
         "state \"loop\": no way back to the menu"},
        {"{\"words\": [\"menu\", \"मेनू\", \"0\"], \"goto\": \"main_menu\"},", "",
         "no keyword leads to the menu \"main_menu\""},
        {"[\"help\", \"मदद\"]", "[\"help\", \"Menu\"]", "the keyword \"Menu\" is listed twice"},
        {"\"expired\": {\"hi\": \"फिर से शुरू करते हैं।\", \"en\": \"Starting again.\"},", "",
         "the reply \"expired\" is missing"},
        {"\"var\": \"department\", ", "", "state \"dept\": \"var\" is missing"},
        {"\"var\": \"department\", ",
         "\"var\": \"department\", \"suggest\": {\"text\": {\"hi\": \"क्या यह {department_name} "
         "है?\", \"en\": \"Is it {department_name}?\"}, \"yes\": {\"hi\": \"हाँ\", \"en\": \"Yes, "
         "this department.\"}, \"other\": {\"hi\": \"दूसरा\", \"en\": \"Another\"}}, ",
         "state \"dept\": \"yes\".en is 21 characters; WhatsApp allows 20"},
        {"\"var\": \"department\", ",
         "\"var\": \"department\", \"suggest\": {\"text\": {\"en\": \"Is it {department_name}?\"}, "
         "\"yes\": {\"hi\": \"हाँ\", \"en\": \"Yes\"}, \"other\": {\"hi\": \"दूसरा\", \"en\": "
         "\"Another\"}}, ",
         "state \"dept\": \"text\" has no Hindi"},
        {"\"var\": \"department\", ",
         "\"var\": \"department\", \"suggest\": {\"text\": {\"hi\": \"क्या यह {department_name} "
         "है?\", \"en\": \"Is it {department_name}?\"}, \"yes\": {\"hi\": \"हाँ\", \"en\": "
         "\"Yes\"}}, ",
         "state \"dept\": \"other\" is missing"},
        {"\"var\": \"department\", ", "\"var\": \"department\", \"suggest\": true, ",
         "state \"dept\": \"suggest\" must be"},
        {"\"accept\": [\"image\", \"location\"]", "\"accept\": [\"photo\"]",
         "state \"photo\": \"accept\" has \"photo\""},
        /* Media as an input's whole answer (issue 15): known kinds only, texts for listed
         * kinds only and within the input's "max". */
        {"\"min\": 10,", "\"min\": 10, \"accept\": [\"audio\", \"voice\"],",
         "state \"describe\": \"accept\" has \"voice\"; use image, audio, video, document or "
         "location"},
        {"\"min\": 10,", "\"min\": 10, \"accept\": [\"sticker\"],",
         "state \"describe\": \"accept\" has \"sticker\""},
        {"\"min\": 10,", "\"min\": 10, \"accept\": [],",
         "state \"describe\": \"accept\" must list at least one of image"},
        {"\"min\": 10,",
         "\"min\": 10, \"accept\": [\"audio\"], \"media_text\": {\"image\": {\"hi\": \"फोटो\", "
         "\"en\": \"photo\"}},",
         "state \"describe\": \"media_text\" has \"image\", which \"accept\" does not list"},
        {"\"min\": 10,",
         "\"min\": 10, \"media_text\": {\"audio\": {\"hi\": \"आवाज़\", "
         "\"en\": \"voice\"}},",
         "state \"describe\": \"media_text\" must be"},
        {"\"min\": 10, \"max\": 1000,",
         "\"min\": 1, \"max\": 5, \"accept\": [\"audio\"], \"media_text\": {\"audio\": "
         "{\"hi\": \"आवाज़\", \"en\": \"voice note\"}},",
         "state \"describe\": \"media_text\" \"audio\" is 10 characters; the state's \"max\" is 5"},
        {"\"min\": 10,",
         "\"min\": 10, \"accept\": [\"audio\"], \"media_text\": {\"audio\": "
         "{\"en\": \"voice\"}},",
         "state \"describe\": \"audio\" has no Hindi text"},
        {"\"var\": \"description\",", "\"var\": \"description_in_words\", \"accept\": [\"audio\"],",
         "state \"describe\": \"var\" \"description_in_words\" is longer than 16 letters"},
        /* "first_message" (issue 15): an input state on the complaint's way, a goto past it,
         * known fields, lists of words, one file; each problem says it is the block's. */
#define FM(body) "\"menu\": \"main_menu\",\n  \"first_message\": {" body "},"
#define FM_TEXT "\"text\": {\"hi\": \"नमस्ते\", \"en\": \"Hello\"}"
        {"\"menu\": \"main_menu\",",
         FM("\"state\": \"main_menu\", \"goto\": \"photo\", " FM_TEXT),
         "t.json: \"first_message\".state \"main_menu\" must be an input state with a \"var\""},
        {"\"menu\": \"main_menu\",", FM("\"state\": \"describe\", \"goto\": \"fotoo\", " FM_TEXT),
         "first_message.goto \"fotoo\" is not a state"},
        {"\"menu\": \"main_menu\",", FM("\"state\": \"describe\", \"goto\": \"describe\", " FM_TEXT),
         "\"first_message\".goto \"describe\" is its state"},
        {"\"menu\": \"main_menu\",",
         FM("\"state\": \"describe\", \"goto\": \"photo\", \"greeting\": [\"hi\"], " FM_TEXT),
         "first_message: unknown field \"greeting\""},
        {"\"menu\": \"main_menu\",",
         FM("\"state\": \"describe\", \"goto\": \"photo\", \"greetings\": [], " FM_TEXT),
         "\"first_message\".greetings must be a list of words"},
        {"\"menu\": \"main_menu\",",
         FM("\"state\": \"describe\", \"goto\": \"photo\", \"words_hi\": [\"!!\"], " FM_TEXT),
         "\"first_message\".words_hi[0] must be a word with letters"},
        {"\"menu\": \"main_menu\",", FM("\"state\": \"describe\", \"goto\": \"photo\""),
         "t.json: \"first_message\": \"text\" is missing"},
        {"\"menu\": \"main_menu\",", FM("\"goto\": \"photo\", " FM_TEXT),
         "t.json: \"first_message\": \"state\" is missing"},
        {"\"menu\": \"main_menu\",", FM("\"state\": \"describe\", \"goto\": \"photo\", \"text\": "
                                        "{\"hi\": \"नमस्ते\"}"),
         "t.json: \"first_message\": \"text\" has no English"},
#undef FM
#undef FM_TEXT
        {"\"action\": \"create_case\"", "\"action\": \"make_case\"",
         "state \"create\": unknown action \"make_case\" (create_case, lookup_case, helpdesk, "
         "set_language, end, find_similar, join_case, subscribe)"},
        {"\"min\": 10,", "\"min\": 10, \"minimum\": 3,",
         "state \"describe\": state: unknown field \"minimum\""},
        {"\"min\": 10, \"max\": 1000", "\"min\": 100, \"max\": 10",
         "state \"describe\": \"min\" 100 is more than \"max\" 10"},
        {"\"start\": \"welcome\"", "\"start\": \"welcom\"", "start \"welcom\" is not a state"},
        {"\"goto\": \"describe\"}", "\"goto\": \"describe\",}", "t.json:17:"},
        {"\"flow\": \"t\", ", "", "not a flow file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = tu_replace(base, cases[i].from, cases[i].to),
             *dir = folder_with("t.json", json), out[8192];
        int n = check(dir, out, sizeof out);
        err e = {0};
        flow_set *f;
        if (n == 0)
            fail_msg("case %zu accepted: %s", i, cases[i].expect);
        if (!strstr(out, cases[i].expect))
            fail_msg("case %zu: expected \"%s\" in:\n%s", i, cases[i].expect, out);
        f = flow_set_load(dir, &e);
        if (f)
            fail_msg("case %zu: flow_set_load accepted a broken set", i);
        assert_int_equal(e.kind, ERR_USER);
        remove_folder(dir);
        free(json);
    }
}

/* "first_message" problems that need more than one change: a second file setting it, and a
 * complaint that never asks the state it names (the draft would wait for nothing). */
static void first_message_problems_across_the_set(void **state)
{
    (void)state;
    static const char block[] =
        "\"menu\": \"main_menu\",\n  \"first_message\": {\"state\": \"describe\", \"goto\": "
        "\"photo\", \"text\": {\"hi\": \"नमस्ते\", \"en\": \"Hello\"}},";
    static const char other[] =
        "{\"flow\": \"u\", \"first_message\": {\"state\": \"describe\", \"goto\": \"photo\", "
        "\"text\": {\"hi\": \"नमस्ते\", \"en\": \"Hello\"}}, \"states\": {}}";
    char *with = tu_replace(base, "\"menu\": \"main_menu\",", block), out[8192], path[600];
    char *dir = folder_with("t.json", with), *skip;
    err e = {0};
    flow_set *f;
    /* The block itself is valid. */
    if (check(dir, out, sizeof out) != 0)
        fail_msg("a valid first_message was refused: %s", out);
    if (!(f = flow_set_load(dir, &e)))
        fail_msg("%s", e.msg);
    assert_string_equal(f->states[f->first_state].name, "describe");
    assert_string_equal(f->states[f->first_next].name, "photo");
    flow_set_free(f);
    snprintf(path, sizeof path, "%s/u.json", dir);
    tu_write(path, other);
    assert_int_not_equal(check(dir, out, sizeof out), 0);
    if (!strstr(out, "u.json: \"first_message\" is also set in ") || !strstr(out, "one file sets it"))
        fail_msg("two files setting first_message: %s", out);
    remove_folder(dir);

    skip = tu_replace(with, "\"goto\": \"describe\"}", "\"goto\": \"photo\"}");
    dir = folder_with("t.json", skip);
    assert_int_not_equal(check(dir, out, sizeof out), 0);
    if (!strstr(out, "\"first_message\".state \"describe\" is not on the complaint's way"))
        fail_msg("a first_message state the complaint never asks: %s", out);
    remove_folder(dir);
    free(skip);
    free(with);
}

/* A departments state's "suggest" question (issue 15) loads with its three texts. */
static void suggest_loads(void **state)
{
    (void)state;
    char *json = tu_replace(
             base, "\"var\": \"department\", ",
             "\"var\": \"department\", \"suggest\": {\"text\": {\"hi\": \"क्या यह "
             "{department_name} है?\", \"en\": \"Is it {department_name}?\"}, \"yes\": {\"hi\": "
             "\"हाँ\", \"en\": \"Yes\"}, \"other\": {\"hi\": \"दूसरा\", \"en\": \"Another\"}}, "),
         *dir = folder_with("t.json", json);
    err e = {0};
    flow_set *f = flow_set_load(dir, &e);
    const flow_state *st;
    if (!f)
        fail_msg("a valid suggest was refused: %s", e.msg);
    st = &f->states[flow_state_index(f, "dept")];
    assert_string_equal(st->suggest_text.en, "Is it {department_name}?");
    assert_string_equal(st->suggest_yes.hi, "हाँ");
    assert_string_equal(st->suggest_other.en, "Another");
    flow_set_free(f);
    remove_folder(dir);
    free(json);
}

/* Issue 20: "subscribe" is an action (the conversation records the subscription); the shipped
 * flow's "Scheme updates" state uses it. */
static void subscribe_action_loads(void **state)
{
    (void)state;
    char *json = tu_replace(base, "\"action\": \"create_case\"", "\"action\": \"subscribe\""),
         *dir = folder_with("t.json", json);
    err e = {0};
    flow_set *f = flow_set_load(dir, &e), *shipped;
    if (!f)
        fail_msg("the subscribe action was refused: %s", e.msg);
    assert_int_equal(f->states[flow_state_index(f, "create")].action, FLOW_ACT_SUBSCRIBE);
    flow_set_free(f);
    remove_folder(dir);
    free(json);
    if (!(shipped = flow_set_load(SAMPARK_SOURCE_DIR "/flows", &e)))
        fail_msg("%s", e.msg);
    assert_int_equal(shipped->states[flow_state_index(shipped, "subscribe_save")].action,
                     FLOW_ACT_SUBSCRIBE);
    flow_set_free(shipped);
}

/* The limits' replies came after the first flow sets: without them a set still loads, with
 * built-in texts; with them the author's words win; an unknown reply is still refused. */
static void limit_replies_are_optional(void **state)
{
    (void)state;
    static const char marker[] = "  \"replies\": {\n";
    char own[sizeof base + 256], out[4096], *dir;
    const char *at = strstr(base, marker);
    err e = {0};
    flow_set *f;
    assert_non_null(at);
    dir = folder_with("t.json", base);
    f = flow_set_load(dir, &e);
    if (!f)
        fail_msg("%s", e.msg);
    assert_non_null(strstr(f->replies[FLOW_REPLY_LIMIT_COMPLAINTS].hi, "{limit}"));
    assert_non_null(strstr(f->replies[FLOW_REPLY_LIMIT_HELPDESK].en, "{limit}"));
    assert_non_null(f->replies[FLOW_REPLY_LIMIT_MESSAGES].en);
    assert_non_null(f->replies[FLOW_REPLY_LIMIT_URGENT].hi);
    {
        /* The built-in words are the shipped flows' words. */
        flow_set *shipped = flow_set_load(SAMPARK_SOURCE_DIR "/flows", &e);
        if (!shipped)
            fail_msg("%s", e.msg);
        for (int i = FLOW_REPLY_LIMIT_MESSAGES; i <= FLOW_REPLY_LIMIT_HELPDESK; i++) {
            assert_string_equal(f->replies[i].hi, shipped->replies[i].hi);
            assert_string_equal(f->replies[i].en, shipped->replies[i].en);
        }
        flow_set_free(shipped);
    }
    flow_set_free(f);
    remove_folder(dir);
    snprintf(own, sizeof own,
             "%.*s%s    \"limit_urgent\": {\"hi\": \"सीमा {limit}\", \"en\": "
             "\"Limit {limit}\"},\n%s",
             (int)(at - base), base, marker, at + strlen(marker));
    dir = folder_with("t.json", own);
    if (!(f = flow_set_load(dir, &e)))
        fail_msg("%s", e.msg);
    assert_string_equal(f->replies[FLOW_REPLY_LIMIT_URGENT].en, "Limit {limit}");
    assert_non_null(f->replies[FLOW_REPLY_LIMIT_COMPLAINTS].en); /* the others built in */
    flow_set_free(f);
    remove_folder(dir);
    snprintf(own, sizeof own, "%.*s%s    \"limit_urgnet\": {\"hi\": \"x\", \"en\": \"x\"},\n%s",
             (int)(at - base), base, marker, at + strlen(marker));
    dir = folder_with("t.json", own);
    assert_int_equal(check(dir, out, sizeof out), 1);
    assert_non_null(strstr(out, "limit_urgnet"));
    remove_folder(dir);
}

/* "adds_to" (follow-up lines): on a question after the complaint is told, naming the var of
 * the input state that asks it; a set using it says "added" and "kept". Each mistake is named. */
static void adds_to_checks(void **state)
{
    (void)state;
    static const char replies[] =
        "    \"added\": {\"hi\": \"जोड़ दिया।\", \"en\": \"Added.\"},\n"
        "    \"kept\": {\"hi\": \"शिकायत रखी है।\", \"en\": \"Kept.\"},\n"
        "    \"too_many_tries\"";
    char *with = tu_replace(base, "    \"too_many_tries\"", replies), *json, *dir, out[4096];
    char *adds = tu_replace(with, "\"kind\": \"confirm\",", "\"kind\": \"confirm\", \"adds_to\": "
                                                            "\"description\",");
    err e = {0};
    flow_set *f;
    const flow_state *st;
    dir = folder_with("t.json", adds);
    if (!(f = flow_set_load(dir, &e)))
        fail_msg("a valid adds_to was refused: %s", e.msg);
    st = &f->states[flow_state_index(f, "confirm")];
    assert_string_equal(st->adds_to, "description");
    assert_string_equal(f->states[st->adds_state].name, "describe");
    assert_string_equal(f->replies[FLOW_REPLY_ADDED].en, "Added.");
    assert_int_equal(f->states[flow_state_index(f, "dept")].adds_state, -1);
    flow_set_free(f);
    remove_folder(dir);
    /* Without "adds_to" the two replies are not needed. */
    dir = folder_with("t.json", base);
    assert_int_equal(check(dir, out, sizeof out), 0);
    remove_folder(dir);
    {
        static const struct {
            const char *from, *to, *expect;
        } cases[] = {
            {"\"adds_to\": \"description\"", "\"adds_to\": \"descripton\"",
             "state \"confirm\": \"adds_to\" \"descripton\" is no input state's \"var\""},
            {"\"adds_to\": \"description\"", "\"adds_to\": \"attachment\"",
             "\"adds_to\" \"attachment\" is no input state's \"var\""},
            {"\"kind\": \"menu\", \"text\": {\"hi\": \"क्या करना है?\"",
             "\"kind\": \"menu\", \"adds_to\": \"description\", \"text\": {\"hi\": \"क्या करना है?\"",
             "state \"main_menu\": the menu cannot have \"adds_to\""},
            {"\"kind\": \"input\",", "\"kind\": \"input\", \"adds_to\": \"description\",",
             "adds_to"},
            {"    \"added\": {\"hi\": \"जोड़ दिया।\", \"en\": \"Added.\"},\n", "",
             "the reply \"added\" is missing from \"replies\": a state has \"adds_to\""},
        };
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            json = tu_replace(adds, cases[i].from, cases[i].to);
            dir = folder_with("t.json", json);
            if (check(dir, out, sizeof out) < 1 || !strstr(out, cases[i].expect))
                fail_msg("case %zu: expected \"%s\" in:\n%s", i, cases[i].expect, out);
            remove_folder(dir);
            free(json);
        }
    }
    free(adds);
    free(with);
}

static void district_file_is_skipped_and_empty_folder_refused(void **state)
{
    (void)state;
    char *dir = folder_with("t.json", base), path[600], out[4096];
    char *district = tu_read_source("flows/district.json", NULL);
    snprintf(path, sizeof path, "%s/district.json", dir);
    tu_write(path, district);
    assert_int_equal(check(dir, out, sizeof out), 0);
    remove_folder(dir);
    dir = tu_tempdir();
    assert_int_equal(check(dir, out, sizeof out), 1);
    assert_non_null(strstr(out, "no flow files here"));
    remove_folder(dir);
    free(district);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_is_valid),
        cmocka_unit_test(readme_example_is_valid),
        cmocka_unit_test(shipped_flows_are_valid),
        cmocka_unit_test(every_error_kind_is_reported),
        cmocka_unit_test(suggest_loads),
        cmocka_unit_test(first_message_problems_across_the_set),
        cmocka_unit_test(district_file_is_skipped_and_empty_folder_refused),
        cmocka_unit_test(limit_replies_are_optional),
        cmocka_unit_test(adds_to_checks),
        cmocka_unit_test(subscribe_action_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

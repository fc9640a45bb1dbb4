/* test_survey.c — survey files and the survey's pure decisions (bot/survey.c): the shipped
 * sample loads; every problem of a bad file is named in the flows check style (unknown type,
 * missing hi/en, duplicate ids, empty survey, titles past WhatsApp's limits); typed and tapped
 * answers to each kind of question (digits, Devanagari digits, haan/हाँ/nahi/नहीं), what is asked
 * again and what leaves the survey; the template button's payload; which plain replies may
 * start a survey; and `flows check` over a folder with a survey (through flow.c). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "survey.h"

struct lines {
    char text[4096];
    int n;
};

static void collect(void *ud, const char *line)
{
    struct lines *l = ud;
    strncat(l->text, line, sizeof l->text - strlen(l->text) - 2);
    strcat(l->text, "\n");
    l->n++;
}

static survey *parse(const char *json, struct lines *l)
{
    json_object *root = json_tokener_parse(json);
    survey *s;
    assert_non_null(root);
    memset(l, 0, sizeof *l);
    s = survey_parse(root, "s.json", collect, l);
    json_object_put(root);
    return s;
}

#define HEAD                                                                                                   \
    "{\"flow\": \"fb\", \"kind\": \"survey\", \"intro\": {\"hi\": \"नमस्ते\", \"en\": \"Hello\"}," \
    " \"thanks\": {\"hi\": \"धन्यवाद\", \"en\": \"Thanks\"}, \"questions\": "

static void parses_a_good_survey(void **state)
{
    struct lines l;
    survey *s = parse(HEAD "[{\"id\": \"r\", \"type\": \"rating\", \"text\": {\"hi\": \"कैसा?\", "
                           "\"en\": \"How?\"}}, {\"id\": \"y\", \"type\": \"yes_no\", \"text\": "
                           "{\"hi\": \"क्या?\", \"en\": \"Did?\"}, \"yes\": {\"hi\": \"हाँ जी\", "
                           "\"en\": \"Yes sir\"}}, {\"id\": \"t\", \"type\": \"text\", \"max\": 9, "
                           "\"text\": {\"hi\": \"लिखें\", \"en\": \"Write\"}}]}",
                      &l);
    (void)state;
    assert_non_null(s);
    assert_int_equal(l.n, 0);
    assert_string_equal(s->name, "fb");
    assert_int_equal(s->nq, 3);
    assert_int_equal(s->q[0].type, SURVEY_RATING);
    assert_int_equal(s->q[1].type, SURVEY_YES_NO);
    assert_string_equal(s->q[1].yes.en, "Yes sir");
    assert_null(s->q[1].no.hi);
    assert_int_equal(s->q[2].max, 9);
    assert_int_equal(survey_question_index(s, "t"), 2);
    assert_int_equal(survey_question_index(s, "nope"), -1);
    survey_free(s);
}

static void names_every_problem(void **state)
{
    struct lines l;
    survey *s = parse(
        "{\"flow\": \"fb\", \"kind\": \"survey\", \"intro\": {\"hi\": \"नमस्ते\"}, \"thanks\": "
        "{\"hi\": \"a\", \"en\": \"b\"}, \"questions\": ["
        "{\"id\": \"a\", \"type\": \"stars\", \"text\": {\"hi\": \"क\", \"en\": \"a\"}},"
        "{\"id\": \"a\", \"type\": \"yes_no\", \"text\": {\"hi\": \"क\", \"en\": \"a\"}, "
        "\"no\": {\"hi\": \"नहीं, बिल्कुल नहीं, कभी नहीं\", \"en\": \"No\"}},"
        "{\"id\": \"r\", \"type\": \"rating\", \"text\": {\"en\": \"a\"}, \"labels\": [{\"hi\": "
        "\"1\", \"en\": \"1\"}], \"button\": {\"hi\": \"यहाँ से अपना जवाब चुनें भाई\", \"en\": \"x\"}},"
        "{\"type\": \"text\", \"text\": {\"hi\": \"क\", \"en\": \"a\"}, \"yes\": {\"hi\": \"h\", "
        "\"en\": \"y\"}}]}",
        &l);
    (void)state;
    assert_null(s);
    assert_non_null(strstr(l.text, "s.json: \"intro\" has no English text (\"en\")"));
    assert_non_null(strstr(l.text, "s.json: question \"a\": \"type\" must be rating, yes_no or "
                                   "text (not \"stars\")"));
    assert_non_null(strstr(l.text, "question \"a\": the id is used by question #1 too"));
    assert_non_null(strstr(l.text, "question \"a\": \"no\".hi is "));
    assert_non_null(strstr(l.text, "characters; WhatsApp allows 20 here"));
    assert_non_null(strstr(l.text, "question \"r\": \"text\" has no Hindi text (\"hi\")"));
    assert_non_null(strstr(l.text, "question \"r\": \"labels\" must be a list of 5 texts"));
    assert_non_null(
        strstr(l.text, "question \"r\": \"button\".hi is 27 characters; WhatsApp allows 20"));
    assert_non_null(strstr(l.text, "question \"#4\": \"id\" must be letters"));
    assert_non_null(
        strstr(l.text, "question \"#4\": \"yes\" and \"no\" are for a yes_no question"));
}

static void refuses_an_empty_or_long_survey(void **state)
{
    struct lines l;
    char big[8192] = HEAD "[";
    (void)state;
    assert_null(parse(HEAD "[]}", &l));
    assert_non_null(strstr(l.text, "\"questions\" must be a list of at least one question"));
    for (int i = 0; i <= SURVEY_MAX_QUESTIONS; i++)
        snprintf(
            big + strlen(big), sizeof big - strlen(big),
            "%s{\"id\": \"q%d\", \"type\": \"text\", \"text\": {\"hi\": \"क\", \"en\": \"a\"}}",
            i ? "," : "", i);
    strcat(big, "]}");
    assert_null(parse(big, &l));
    assert_non_null(strstr(l.text, "21 questions; a survey has at most 20"));
}

static survey_verdict typed(survey_qtype type, const char *text, char *value)
{
    survey_question q = {.id = "q", .type = type, .max = 5};
    survey_input in = {text, NULL, 0, "17"};
    return survey_answer(&q, &in, value, 64);
}

static void typed_ratings(void **state)
{
    char v[64];
    (void)state;
    assert_int_equal(typed(SURVEY_RATING, " 4 ", v), SURVEY_ANSWERED);
    assert_string_equal(v, "4");
    assert_int_equal(typed(SURVEY_RATING, "५", v), SURVEY_ANSWERED);
    assert_string_equal(v, "5");
    assert_int_equal(typed(SURVEY_RATING, "१.", v), SURVEY_ANSWERED);
    assert_string_equal(v, "1");
    assert_int_equal(typed(SURVEY_RATING, "7", v), SURVEY_ASK_AGAIN);
    assert_int_equal(typed(SURVEY_RATING, "0", v), SURVEY_ASK_AGAIN);
    assert_int_equal(typed(SURVEY_RATING, "६", v), SURVEY_ASK_AGAIN);
    assert_int_equal(typed(SURVEY_RATING, "45", v), SURVEY_ASK_AGAIN);
    assert_int_equal(typed(SURVEY_RATING, "३।", v), SURVEY_ANSWERED);
    assert_string_equal(v, "3");
    /* punctuation is not dropped before the digit: "-3" is no rating of 3 */
    assert_int_equal(typed(SURVEY_RATING, "-3", v), SURVEY_ASK_AGAIN);
    assert_int_equal(typed(SURVEY_RATING, "+4", v), SURVEY_ASK_AGAIN);
    assert_int_equal(typed(SURVEY_RATING, "#5", v), SURVEY_ASK_AGAIN);
    assert_int_equal(typed(SURVEY_RATING, "4..", v), SURVEY_ASK_AGAIN);
    /* a rating tried in words is asked again, not left to the flow */
    assert_int_equal(typed(SURVEY_RATING, "5 में से 4", v), SURVEY_ASK_AGAIN);
    assert_int_equal(typed(SURVEY_RATING, "4 out of 5", v), SURVEY_ASK_AGAIN);
    /* a tracking number is the lookup's */
    assert_int_equal(typed(SURVEY_RATING, "BLB-2026-000123", v), SURVEY_LEAVE);
    assert_int_equal(typed(SURVEY_TEXT, " blb 2026 000123. ", v), SURVEY_LEAVE);
    assert_int_equal(typed(SURVEY_TEXT, "call 9811127701", v), SURVEY_ANSWERED);
    assert_int_equal(typed(SURVEY_RATING, "bahut accha", v), SURVEY_ASK_AGAIN);
    assert_int_equal(typed(SURVEY_RATING, "हमारे गांव में पानी नहीं आता", v), SURVEY_LEAVE);
}

static void typed_yes_and_no(void **state)
{
    char v[64];
    const char *yes[] = {"haan", "हाँ", "Yes!", "हाँ जी", "ha", NULL},
               *no[] = {"nahi", "नहीं", "No", "na", NULL};
    (void)state;
    for (const char **w = yes; *w; w++) {
        assert_int_equal(typed(SURVEY_YES_NO, *w, v), SURVEY_ANSWERED);
        assert_string_equal(v, "yes");
    }
    for (const char **w = no; *w; w++) {
        assert_int_equal(typed(SURVEY_YES_NO, *w, v), SURVEY_ANSWERED);
        assert_string_equal(v, "no");
    }
    assert_int_equal(typed(SURVEY_YES_NO, "3", v), SURVEY_ASK_AGAIN);
    assert_int_equal(typed(SURVEY_YES_NO, "pata nahi", v), SURVEY_ASK_AGAIN);
    assert_int_equal(typed(SURVEY_YES_NO, "kisht abhi tak nahi aayi sahab", v), SURVEY_LEAVE);
}

static void free_text_and_taps(void **state)
{
    char v[64];
    survey_question rating = {.id = "process", .type = SURVEY_RATING},
                    yn = {.id = "paid", .type = SURVEY_YES_NO},
                    text = {.id = "t", .type = SURVEY_TEXT, .max = 5};
    survey_input tap4 = {NULL, "sv:17:process:4", 0, "17"},
                 tapyes = {NULL, "sv:17:paid:yes", 0, "17"}, photo = {NULL, NULL, 1, "17"},
                 caption = {"4", NULL, 1, "17"}, stranger = {NULL, "c:hi", 0, "17"},
                 sat = {NULL, "sat:yes:BLB-2026-000123", 0, "17"},
                 old = {NULL, "sv:16:process:4", 0, "17"}, other_q = {NULL, "sv:17:paid:4", 0, "17"},
                 old_ids = {NULL, "sv:4", 0, "17"}, prefix = {NULL, "sv:171:process:4", 0, "17"};
    char id[80];
    (void)state;
    assert_int_equal(typed(SURVEY_TEXT, "  नमस्ते जी", v), SURVEY_ANSWERED);
    assert_string_equal(v, "नमस्त"); /* cut at max characters (code points), never inside one */
    assert_int_equal(typed(SURVEY_TEXT, "   ", v), SURVEY_ASK_AGAIN);
    /* media (a caption too) and other conversations' taps leave the survey for the desk/flow */
    assert_int_equal(survey_answer(&text, &photo, v, sizeof v), SURVEY_LEAVE);
    assert_int_equal(survey_answer(&rating, &photo, v, sizeof v), SURVEY_LEAVE);
    assert_int_equal(survey_answer(&rating, &caption, v, sizeof v), SURVEY_LEAVE);
    assert_int_equal(survey_answer(&rating, &stranger, v, sizeof v), SURVEY_LEAVE);
    assert_int_equal(survey_answer(&rating, &sat, v, sizeof v), SURVEY_LEAVE);
    assert_int_equal(survey_answer(&rating, &tap4, v, sizeof v), SURVEY_ANSWERED);
    assert_string_equal(v, "4");
    assert_int_equal(survey_answer(&yn, &tap4, v, sizeof v), SURVEY_ASK_AGAIN);
    assert_int_equal(survey_answer(&yn, &tapyes, v, sizeof v), SURVEY_ANSWERED);
    assert_string_equal(v, "yes");
    /* a survey's option of another broadcast or question, or of the old form: asked again */
    assert_int_equal(survey_answer(&rating, &old, v, sizeof v), SURVEY_ASK_AGAIN);
    assert_int_equal(survey_answer(&yn, &other_q, v, sizeof v), SURVEY_ASK_AGAIN);
    assert_int_equal(survey_answer(&rating, &old_ids, v, sizeof v), SURVEY_ASK_AGAIN);
    assert_int_equal(survey_answer(&rating, &prefix, v, sizeof v), SURVEY_ASK_AGAIN);
    /* the longest id fits an engine option's 72 bytes */
    assert_int_equal(survey_reply_id(id, 72, "999999999999999999",
                                     "q234567890123456789012345678901234567890", "yes"),
                     0);
}

static void buttons_and_starting(void **state)
{
    char id[24];
    (void)state;
    assert_true(survey_button_broadcast("broadcast:17", id, sizeof id));
    assert_string_equal(id, "17");
    assert_false(survey_button_broadcast("broadcast:", id, sizeof id));
    assert_false(survey_button_broadcast("broadcast:1x", id, sizeof id));
    assert_false(survey_button_broadcast("stop", id, sizeof id));
    assert_false(survey_button_broadcast(NULL, id, sizeof id));
    {
        survey_question rating = {.id = "r", .type = SURVEY_RATING},
                        yn = {.id = "y", .type = SURVEY_YES_NO},
                        text = {.id = "t", .type = SURVEY_TEXT, .max = 50};
        char v[16];
        const char *never[] = {"बिजली नहीं है", "BLB-2026-000123", "नमस्ते", "hello", "ok",
                               "ठीक है", "menu", "0", "help", "   ", "7", "-3", NULL};
        assert_true(survey_start_answer(&rating, "4", v, sizeof v));
        assert_string_equal(v, "4");
        assert_true(survey_start_answer(&rating, "५", v, sizeof v));
        assert_string_equal(v, "5");
        assert_true(survey_start_answer(&yn, "haan", v, sizeof v));
        assert_string_equal(v, "yes");
        assert_true(survey_start_answer(&yn, "नहीं", v, sizeof v));
        assert_string_equal(v, "no");
        assert_false(survey_start_answer(&text, "sadak banwaiye", v, sizeof v));
        for (const char **w = never; *w; w++) {
            assert_false(survey_start_answer(&rating, *w, v, sizeof v));
            assert_false(survey_start_answer(&yn, *w, v, sizeof v));
        }
    }
    assert_true(survey_is_flow_word(NULL, "Menu!"));
    assert_false(survey_is_flow_word(NULL, "5"));
}

/* The shipped flows folder: its sample survey loads with the flows. */
static void shipped_sample(void **state)
{
    err e = {0};
    flow_set *f = flow_set_load(SAMPARK_SOURCE_DIR "/flows", &e);
    char names[128];
    (void)state;
    assert_non_null(f);
    assert_true(f->nsurveys >= 1);
    assert_non_null(survey_find(f, "pmay_feedback"));
    {
        const flow_state *menu = &f->states[f->menu];
        assert_true(survey_menu_answer(menu, "2")); /* at the menu, its rows' answers are its */
        assert_true(survey_menu_answer(menu, menu->choices[0].title.en));
        assert_true(survey_menu_answer(menu, menu->choices[0].title.hi));
        assert_false(survey_menu_answer(menu, "ok"));
        assert_false(survey_menu_answer(menu, "haan ji"));
    }
    assert_true(survey_is_flow_word(f, "0")); /* a flow keyword is the flow's */
    assert_null(survey_find(f, "nope"));
    survey_names(f, names, sizeof names);
    assert_non_null(strstr(names, "pmay_feedback"));
    for (size_t i = 0; i < f->nsurveys; i++)
        for (size_t k = 0; k < f->surveys[i]->nq; k++)
            assert_non_null(f->surveys[i]->q[k].text.hne); /* shipped texts have Chhattisgarhi */
    flow_set_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_a_good_survey),
        cmocka_unit_test(names_every_problem),
        cmocka_unit_test(refuses_an_empty_or_long_survey),
        cmocka_unit_test(typed_ratings),
        cmocka_unit_test(typed_yes_and_no),
        cmocka_unit_test(free_text_and_taps),
        cmocka_unit_test(buttons_and_starting),
        cmocka_unit_test(shipped_sample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

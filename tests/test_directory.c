/* test_directory.c — parsing and validating the district directory (pure, no services):
 * the shipped sample loads, and each kind of mistake an IT officer can make is refused with
 * a message naming the field. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "engine.h"

static const char base[] =
    "{\"district\": {\"code\": \"BLB\", \"name\": {\"en\": \"Balodabazar-Bhatapara\", \"hi\": "
    "\"बलौदाबाजार-भाटापारा\"}},\n"
    " \"languages\": [\"hi\", \"en\"],\n"
    " \"departments\": [\n"
    "  {\"code\": \"PHE\", \"name\": {\"en\": \"Drinking water (PHE)\", \"hi\": \"पेयजल "
    "(पीएचई)\"},\n"
    "   \"sla_hours\": 48, \"urgent\": false,\n"
    "   \"officers\": [{\"phone\": \"919800000001\", \"name\": \"Executive Engineer, PHE\"}]},\n"
    "  {\"code\": \"FOOD\", \"name\": {\"en\": \"Ration card\", \"hi\": \"राशन कार्ड\"},\n"
    "   \"officers\": [{\"phone\": \"919800000002\", \"name\": \"District Food Officer\"}]}\n"
    " ],\n"
    " \"escalation\": {\"nodal\": {\"phones\": [\"919800000090\"], \"after_hours\": 48},\n"
    "                \"collector\": {\"phones\": [\"919800000099\"], \"after_hours\": 96}},\n"
    " \"digest\": {\"phones\": [\"919800000099\"], \"daily_at\": \"18:00\", \"weekly_day\": "
    "\"tuesday\", \"timezone\": \"Asia/Kolkata\"},\n"
    " \"templates\": {\"officer_new_case\": {\"name\": \"new_case\", \"language\": \"hi\"},\n"
    "               \"digest\": {\"name\": \"daily_digest\", \"language\": \"hi\"},\n"
    "               \"citizen_update\": {\"name\": \"case_update\", \"language\": \"hi\"}}}\n";

static void base_parses(void **state)
{
    (void)state;
    err e = {0};
    directory *d = directory_parse(base, strlen(base), "t.json", &e);
    if (!d)
        fail_msg("%s", e.msg);
    assert_string_equal(d->code, "BLB");
    assert_int_equal(d->ndepartments, 2);
    assert_string_equal(d->departments[0].code, "PHE");
    assert_string_equal(d->departments[0].name_hi, "पेयजल (पीएचई)");
    assert_int_equal(d->departments[0].sla_hours, 48);
    assert_int_equal(d->departments[1].sla_hours, 0); /* not given: the nodal after_hours applies */
    assert_int_equal(d->departments[0].nofficers, 1);
    assert_string_equal(d->departments[0].officers[0].phone, "919800000001");
    assert_int_equal(d->nodal_after_hours, 48);
    assert_int_equal(d->collector_after_hours, 96);
    assert_string_equal(d->daily_at, "18:00");
    assert_string_equal(d->weekly_day, "tuesday");
    assert_non_null(strstr(d->templates_json, "\"new_case\""));
    assert_null(d->state_json); /* optional: the export's state column is then empty */
    directory_free(d);
    directory_free(NULL);
}

static void shipped_sample_parses(void **state)
{
    (void)state;
    size_t len;
    char *json = tu_read_source("flows/district.json", &len);
    err e = {0};
    directory *d = directory_parse(json, len, "flows/district.json", &e);
    static const char *const must[] = {"PHE",       "CSPDCL", "REVENUE", "FOOD",   "HEALTH",
                                       "EDUCATION", "ULB",    "PRD",     "POLICE", "PMAY",
                                       "PENSION",   "AGRI",   "WCD"};
    if (!d)
        fail_msg("%s", e.msg);
    assert_string_equal(d->code, "BLB");
    assert_string_equal(d->state_json, "{\"en\":\"Chhattisgarh\",\"hi\":\"छत्तीसगढ़\"}");
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
        size_t j;
        for (j = 0; j < d->ndepartments; j++)
            if (strcmp(d->departments[j].code, must[i]) == 0)
                break;
        if (j == d->ndepartments)
            fail_msg("department %s missing from the sample", must[i]);
        assert_int_equal(d->departments[j].sla_hours, 48);
        if (d->departments[j].nkeywords < 5) /* the suggestion needs words in every department */
            fail_msg("department %s has %zu keywords", must[i], d->departments[j].nkeywords);
    }
    directory_free(d);
    free(json);
}

/* Each mutation of base must be refused with a message containing `expect`. */
static void invalid_inputs(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to, *expect;
    } cases[] = {
        {"\"code\": \"BLB\", ", "", "district: \"code\" is missing"},
        {"\"code\": \"BLB\"", "\"code\": \"blb\"", "district.code"},
        {"\"code\": \"BLB\"", "\"code\": \"BLB\", \"state\": {\"en\": \"Chhattisgarh\"}",
         "district.state: needs a Hindi (\"hi\") text"},
        {"\"code\": \"BLB\"", "\"code\": \"BLB\", \"state\": \"Chhattisgarh\"",
         "\"state\" must be"},
        {"\"code\": \"FOOD\"", "\"code\": \"PHE\"", "duplicate department code \"PHE\""},
        {"\"919800000001\"", "\"+91 98000 00001\"", "departments[0] (PHE).officers[0]: phone"},
        {"\"919800000001\"", "\"91980000000x\"", "not a WhatsApp id"},
        {"\"919800000001\"", "919800000001", "\"phone\" must be a string"},
        {"[\"hi\", \"en\"]", "[\"hi\", \"en\", \"fr\"]", "languages[2]: unknown language \"fr\""},
        {"[\"hi\", \"en\"]", "[\"en\"]", "languages: must include \"hi\""},
        {"\"sla_hours\": 48", "\"sla_hours\": 0",
         "departments[0] (PHE): \"sla_hours\" must be a whole number of hours"},
        {"\"sla_hours\": 48", "\"sla_hours\": -4", "sla_hours"},
        {"\"sla_hours\": 48", "\"sla_hours\": 4.5", "sla_hours"},
        {"\"sla_hours\": 48", "\"sla_hours\": \"48\"", "\"sla_hours\" must be a number"},
        {"\"urgent\": false", "\"urgnet\": false", "unknown field \"urgnet\""},
        {"\"urgent\": false", "\"urgent\": \"no\"", "\"urgent\" must be true/false"},
        {"\"urgent\": false", "\"urgent\": false, \"open_data\": \"hidden\"",
         "departments[0] (PHE): open_data \"hidden\" must be \"listed\""},
        {"\"urgent\": false", "\"urgent\": false, \"open_data\": true", "\"open_data\" must be"},
        {"\"hi\": \"पेयजल (पीएचई)\"", "\"hne\": \"x\"",
         "language \"hne\" is not among the district's languages"},
        {", \"hi\": \"पेयजल (पीएचई)\"", "",
         "departments[0] (PHE).name: needs a Hindi (\"hi\") text"},
        {"\"Drinking water (PHE)\"", "\"Drinkingwaterandhandpumps (PHE)\"",
         "departments[0] (PHE).name: \"en\" cannot be cut at a word within a menu row's 24 "
         "characters; add a \"short\" name"},
        {"\"Drinking water (PHE)\"", "\"   \"",
         "departments[0] (PHE).name: \"en\" must be a non-empty"},
        {"\"राशन कार्ड\"}",
         "\"राशन कार्ड\"}, \"short\": {\"en\": \"Ration card and fair price shop\", "
         "\"hi\": \"राशन\"}",
         "departments[1] (FOOD).short: \"en\" is 31 characters; at most 24 fit here"},
        {"\"राशन कार्ड\"}", "\"राशन कार्ड\"}, \"short\": {\"en\": \"Ration\"}",
         "departments[1] (FOOD).short: needs a Hindi (\"hi\") text"},
        {"\"after_hours\": 96", "\"after_hours\": 24", "escalation.collector.after_hours"},
        {"\"phones\": [\"919800000090\"]", "\"phones\": []",
         "escalation.nodal.phones: needs at least one phone"},
        {"\"18:00\"", "\"6pm\"", "digest.daily_at"},
        {"\"18:00\"", "\"24:00\"", "digest.daily_at"},
        {"\"tuesday\"", "\"Tuesday\"", "digest.weekly_day"},
        {"\"Asia/Kolkata\"", "\"../etc/passwd\"", "digest.timezone"},
        {"\"name\": \"new_case\"", "\"name\": \"New Case\"", "templates.officer_new_case"},
        {"\"digest\": {\"name\": \"daily_digest\", \"language\": \"hi\"},", "",
         "templates: \"digest\" is missing"},
        {"\"officers\": [{\"phone\": \"919800000002\", \"name\": \"District Food Officer\"}]",
         "\"officers\": []", "departments[1] (FOOD): needs at least one officer"},
        {"{\"phone\": \"919800000001\", \"name\": \"Executive Engineer, PHE\"}",
         "{\"phone\": \"919800000001\", \"name\": \"A\"}, {\"phone\": \"919800000001\", \"name\": "
         "\"B\"}",
         "listed twice"},
        {"\"sla_hours\": 48,", "\"sla_hours\": 48,,", "t.json:5:"},
        {"\"templates\"", "\"templates\" x", "t.json:13:"},
        {"}}}\n", "}}", "ends too early"},
        {"}}}\n", "}}}\n{}", "t.json:16:1"},
        {"\"departments\": [", "\"departments\": [], \"x\": [", "unknown field \"x\""},
        {"\"Ration card\"", "\"Ration \xC3\x28\"", "t.json:"},
        {"\"departments\": [", "\"broadcast_templates\": {}, \"departments\": [",
         "\"broadcast_templates\" must be a list"},
        {"\"departments\": [",
         "\"broadcast_templates\": [{\"name\": \"Scheme\", \"language\": \"hi\"}], "
         "\"departments\": [",
         "broadcast_templates[0]: name \"Scheme\""},
        {"\"departments\": [",
         "\"broadcast_templates\": [{\"name\": \"s\", \"language\": \"hi\", \"params\": [1]}], "
         "\"departments\": [",
         "broadcast_templates[0]: params[0]"},
        {"\"departments\": [",
         "\"broadcast_templates\": [{\"name\": \"s\", \"language\": \"hi\", \"buttons\": [\"a\", "
         "\"b\", \"c\", \"d\"]}], \"departments\": [",
         "has 4 buttons"},
        {"\"departments\": [",
         "\"broadcast_templates\": [{\"name\": \"s\", \"language\": \"hi\"}, {\"name\": \"s\", "
         "\"language\": \"en\"}], \"departments\": [",
         "duplicate template name \"s\""},
        {"\"departments\": [",
         "\"broadcast_templates\": [{\"name\": \"s\", \"language\": \"hi\", \"x\": 1}], "
         "\"departments\": [",
         "broadcast_templates[0]: unknown field \"x\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = tu_replace(base, cases[i].from, cases[i].to);
        err e = {0};
        directory *d = directory_parse(json, strlen(json), "t.json", &e);
        if (d)
            fail_msg("case %zu accepted: %s -> %s", i, cases[i].from, cases[i].to);
        assert_int_equal(e.kind, ERR_USER);
        if (!strstr(e.msg, cases[i].expect))
            fail_msg("case %zu: expected \"%s\" in: %s", i, cases[i].expect, e.msg);
        if (strncmp(e.msg, "t.json:", 7) != 0)
            fail_msg("case %zu: message does not name the file: %s", i, e.msg);
        free(json);
    }
}

/* Official names longer than a menu row load (SPEC section 6); a "short" name is kept for
 * the menu, and rescues a name with no word to cut at. */
static void official_names(void **state)
{
    (void)state;
    err e = {0};
    char *one = tu_replace(base, "\"Ration card\", \"hi\": \"राशन कार्ड\"",
                           "\"Food & Civil Supplies (Ration card / PDS)\", \"hi\": "
                           "\"खाद्य, नागरिक आपूर्ति एवं उपभोक्ता संरक्षण विभाग\"");
    char *two =
        tu_replace(one, "\"Drinking water (PHE)\"", "\"PublicHealthEngineeringDepartment\"");
    char *three = tu_replace(two, "\"sla_hours\": 48,",
                             "\"short\": {\"en\": \"Drinking water (PHE)\", \"hi\": \"पेयजल\"}, "
                             "\"sla_hours\": 48,");
    directory *d = directory_parse(one, strlen(one), "t.json", &e);
    if (!d)
        fail_msg("%s", e.msg);
    assert_string_equal(d->departments[1].name_en, "Food & Civil Supplies (Ration card / PDS)");
    assert_null(d->departments[1].short_json);
    directory_free(d);
    assert_null(directory_parse(two, strlen(two), "t.json", &e));
    assert_non_null(strstr(e.msg, "departments[0] (PHE).name: \"en\" cannot be cut"));
    if (!(d = directory_parse(three, strlen(three), "t.json", &e)))
        fail_msg("%s", e.msg);
    assert_string_equal(d->departments[0].short_json,
                        "{\"en\":\"Drinking water (PHE)\",\"hi\":\"पेयजल\"}");
    directory_free(d);
    free(one);
    free(two);
    free(three);
}

/* The department menu has a bounded size (ENGINE_MAX_CHOICES): a longer list is refused. */
static void too_many_departments(void **state)
{
    char *deps = calloc(ENGINE_MAX_CHOICES + 1, 200), *p = deps, *json;
    err e = {0};
    (void)state;
    for (int i = 0; i <= ENGINE_MAX_CHOICES; i++)
        p += sprintf(
            p,
            "{\"code\": \"D%03d\", \"name\": {\"en\": \"Dept %d\", \"hi\": \"विभाग %d\"},"
            " \"sla_hours\": 48, \"officers\": [{\"phone\": \"9198%08d\", \"name\": \"A\"}]},",
            i, i, i, i);
    {
        char *with = malloc(strlen(deps) + 32);
        sprintf(with, "\"departments\": [%s", deps);
        json = tu_replace(base, "\"departments\": [", with);
        free(with);
    }
    assert_null(directory_parse(json, strlen(json), "t.json", &e));
    assert_non_null(strstr(e.msg, "the department menu offers at most 100"));
    free(json);
    free(deps);
}

/* base with "keywords" lists (JSON text, NULL: none) for PHE and FOOD. */
static char *with_keywords(const char *phe, const char *food)
{
    char a[8192], b[8192];
    char *one, *two;
    snprintf(a, sizeof a, "\"urgent\": false, \"keywords\": %s,", phe ? phe : "null");
    snprintf(b, sizeof b, "\"keywords\": %s, \"officers\": [{\"phone\": \"919800000002\"",
             food ? food : "null");
    one = tu_replace(base, "\"urgent\": false,", a);
    two = tu_replace(one, "\"officers\": [{\"phone\": \"919800000002\"", b);
    free(one);
    return two;
}

static void keywords_parse(void **state)
{
    (void)state;
    err e = {0};
    char *json =
        with_keywords("[{\"word\": \"nal\", \"weight\": 3}, \"पानी\", \"hand pump\", "
                      "\"कककककककककककककककककककककककककककककककककककककककक\"]",
                      "[{\"word\": \"NAL\", \"weight\": 1}, \"ration\", {\"word\": \"chawal\"}]");
    directory *d = directory_parse(json, strlen(json), "t.json", &e);
    if (!d)
        fail_msg("%s", e.msg);
    assert_int_equal(d->departments[0].nkeywords, 4);
    assert_string_equal(d->departments[0].keywords[0].word, "nal");
    assert_int_equal(d->departments[0].keywords[0].weight, 3);
    assert_true(d->departments[0].keywords[0].weighted);
    assert_int_equal(d->departments[0].keywords[1].weight, 1);
    assert_false(d->departments[0].keywords[1].weighted);
    assert_int_equal(d->departments[1].nkeywords, 3);
    assert_int_equal(d->departments[1].keywords[2].weight, 1);
    assert_false(d->departments[1].keywords[2].weighted);
    assert_string_equal(d->departments[1].keywords_json,
                        "[{\"word\":\"NAL\",\"weight\":1},{\"word\":\"ration\",\"weight\":1},"
                        "{\"word\":\"chawal\",\"weight\":1}]");
    directory_free(d);
    free(json);
    /* No keywords: nothing to store. */
    assert_non_null(d = directory_parse(base, strlen(base), "t.json", &e));
    assert_int_equal(d->departments[0].nkeywords, 0);
    assert_null(d->departments[0].keywords_json);
    directory_free(d);
}

/* Each (PHE, FOOD) keywords pair must be refused with a message containing `expect`. */
static void keywords_refused(void **state)
{
    (void)state;
    static const struct {
        const char *phe, *food, *expect;
    } cases[] = {
        {"[\"nal\", \"\"]", NULL, "departments[0] (PHE): \"keywords\"[1]: is empty"},
        {"[\" \u0964 \"]", NULL, "departments[0] (PHE): \"keywords\"[0]: is empty"},
        {"[\"abcdefghijklmnopqrstuvwxyzabcdefghijklmno\"]", NULL,
         "\"keywords\"[0]: \"abcdefghijklmnopqrstuvwxyzabcdefghijklmno\" is 41 characters; a "
         "keyword has at most 40"},
        {"[5]", NULL, "\"keywords\"[0]: must be a word"},
        {"[[\"nal\"]]", NULL, "\"keywords\"[0]: must be a word"},
        {"\"nal\"", NULL, "departments[0] (PHE): \"keywords\" must be a list"},
        {"[{\"word\": \"nal\", \"weight\": 0}]", NULL,
         "\"weight\" must be a whole number from 1 to 10"},
        {"[{\"word\": \"nal\", \"weight\": 11}]", NULL, "from 1 to 10, got 11"},
        {"[{\"word\": \"nal\", \"weight\": 2.5}]", NULL, "from 1 to 10, got 2.5"},
        {"[{\"word\": \"nal\", \"wieght\": 2}]", NULL, "\"keywords\"[0]: unknown field \"wieght\""},
        {"[{\"weight\": 2}]", NULL, "\"keywords\"[0]: \"word\" is missing"},
        {"[{\"word\": 7}]", NULL, "\"keywords\"[0]: \"word\" must be a string"},
        {NULL, "[\"paani\", \"Paani\"]", NULL},
        {"[\"paani\"]", "[\"ration\", \"Paani\"]",
         "departments[1] (FOOD): \"keywords\"[1]: \"Paani\" is also a keyword of departments[0] "
         "(PHE); give it a \"weight\" in both"},
        {"[\"hand pump\"]", "[\"handpump\"]", "\"handpump\" is also a keyword of departments[0]"},
        {"[{\"word\": \"nal\", \"weight\": 3}]", "[\"nal\"]", "is also a keyword"},
        {"[\"nal\"]", "[{\"word\": \"nal\", \"weight\": 3}]", "is also a keyword"},
        {"[{\"word\": \"नल\", \"weight\": 2}]", "[{\"word\": \"नल\", \"weight\": 2}]",
         "departments[1] (FOOD): \"keywords\"[0]: \"नल\" has weight 2 here and in departments[0] "
         "(PHE); equal weights"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = with_keywords(cases[i].phe, cases[i].food);
        err e = {0};
        directory *d = directory_parse(json, strlen(json), "t.json", &e);
        if (!cases[i].expect) { /* a repeat within one department is a harmless variant */
            if (!d)
                fail_msg("case %zu refused: %s", i, e.msg);
            directory_free(d);
            free(json);
            continue;
        }
        if (d)
            fail_msg("case %zu accepted: %s / %s", i, cases[i].phe, cases[i].food);
        assert_int_equal(e.kind, ERR_USER);
        if (!strstr(e.msg, cases[i].expect))
            fail_msg("case %zu: expected \"%s\" in: %s", i, cases[i].expect, e.msg);
        free(json);
    }
}

/* At most DIRECTORY_KEYWORDS_MAX words per department. */
static void too_many_keywords(void **state)
{
    char list[4096] = "[", *p = list + 1;
    err e = {0};
    char *json;
    directory *d;
    (void)state;
    for (int i = 0; i < DIRECTORY_KEYWORDS_MAX; i++)
        p += sprintf(p, "%s\"w%03d\"", i ? ", " : "", i);
    strcpy(p, "]");
    json = with_keywords(list, NULL);
    assert_non_null(d = directory_parse(json, strlen(json), "t.json", &e));
    directory_free(d);
    free(json);
    strcpy(p, ", \"w100\"]");
    json = with_keywords(list, NULL);
    assert_null(directory_parse(json, strlen(json), "t.json", &e));
    assert_non_null(strstr(e.msg, "\"keywords\": has 101 words; a department has at most 100"));
    free(json);
}

/* The SPEC section 11 helpdesk block, and one mistake at a time in it. */
static const char helpdesk[] =
    "\"helpdesk\": {\"hours\": [{\"days\": [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\"], "
    "\"from\": \"10:00\", \"to\": \"17:30\"}],\n"
    " \"roster\": [{\"days\": [\"mon\",\"thu\"], \"from\": \"10:00\", \"to\": \"13:00\", "
    "\"department\": \"PHE\", \"phones\": [\"919800000001\"]},\n"
    "  {\"days\": [\"monday\"], \"from\": \"14:00\", \"to\": \"17:30\", \"department\": \"PHE\", "
    "\"phones\": [\"919800000003\"]},\n"
    "  {\"days\": [\"mon\"], \"from\": \"12:00\", \"to\": \"15:00\", \"department\": \"FOOD\", "
    "\"phones\": [\"919800000002\"]}],\n"
    " \"fallback_phones\": [\"919800000090\"]},\n \"templates\"";

static char *with_helpdesk(void)
{
    return tu_replace(base, "\"templates\"", helpdesk);
}

static void helpdesk_parses(void **state)
{
    (void)state;
    char *json = with_helpdesk();
    err e = {0};
    directory *d = directory_parse(json, strlen(json), "t.json", &e), *again;
    if (!d)
        fail_msg("%s", e.msg);
    assert_non_null(d->helpdesk);
    assert_int_equal(d->helpdesk->nhours, 1);
    assert_int_equal(d->helpdesk->hours[0].days, 0x3f);
    assert_int_equal(d->helpdesk->hours[0].to, 17 * 60 + 30);
    assert_int_equal(d->helpdesk->nslots, 3);
    assert_int_equal(d->helpdesk->slots[0].days, 1u | 8u);
    assert_int_equal(d->helpdesk->slots[1].days, 1u); /* a full day name is accepted */
    assert_string_equal(d->helpdesk->slots[2].department, "FOOD");
    assert_string_equal(d->helpdesk->fallback_phones[0], "919800000090");
    /* The stored form parses back on its own. */
    again = directory_helpdesk_parse(d->helpdesk_json, strlen(d->helpdesk_json), "db", &e);
    if (!again)
        fail_msg("%s", e.msg);
    assert_int_equal(again->helpdesk->nslots, 3);
    assert_null(directory_helpdesk_parse("[]", 2, "db", &e));
    assert_non_null(strstr(e.msg, "db: helpdesk: must be a JSON object"));
    directory_free(again);
    directory_free(d);
    free(json);
    d = directory_parse(base, strlen(base), "t.json", &e); /* the block is optional */
    assert_null(d->helpdesk);
    assert_null(d->helpdesk_json);
    directory_free(d);
}

static void helpdesk_refused(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to, *expect;
    } cases[] = {
        {"\"to\": \"13:00\"", "\"to\": \"09:00\"",
         "helpdesk.roster[0]: \"from\" 10:00 must be before \"to\" 09:00"},
        {"\"to\": \"13:00\"", "\"to\": \"10:00\"", "helpdesk.roster[0]: \"from\" 10:00 must be"},
        {"\"from\": \"14:00\"", "\"from\": \"12:30\"",
         "helpdesk.roster[1]: mon 12:30-17:30 overlaps helpdesk.roster[0] (10:00-13:00) of the "
         "same department PHE"},
        {"\"to\": \"17:30\"}],",
         "\"to\": \"17:30\"}, {\"days\": [\"sat\"], \"from\": \"17:00\", "
         "\"to\": \"18:00\"}],",
         "helpdesk.hours[1]: sat 17:00-18:00 overlaps helpdesk.hours[0] (10:00-17:30)"},
        {"\"days\": [\"mon\",\"thu\"]", "\"days\": [\"mon\",\"sun\"]",
         "helpdesk.roster[0]: sun 10:00-13:00 (PHE) is outside the opening hours"},
        {"\"from\": \"14:00\", \"to\": \"17:30\"", "\"from\": \"14:00\", \"to\": \"18:00\"",
         "helpdesk.roster[1]: mon 14:00-18:00 (PHE) is outside the opening hours"},
        {"\"department\": \"FOOD\"", "\"department\": \"EDU\"",
         "helpdesk.roster[2]: department \"EDU\" is not one of the directory's departments"},
        {"\"phones\": [\"919800000002\"]", "\"phones\": [\"+91 98000 00002\"]",
         "helpdesk.roster[2].phones: [0] \"+91 98000 00002\" is not a WhatsApp id"},
        {"\"phones\": [\"919800000002\"]", "\"phones\": []",
         "helpdesk.roster[2].phones: needs at least one phone"},
        {"\"phones\": [\"919800000002\"]", "\"x\": 1", "helpdesk.roster[2]: unknown field \"x\""},
        {"\"fallback_phones\": [\"919800000090\"]", "\"fallback_phones\": [\"12\"]",
         "helpdesk.fallback_phones: [0] \"12\" is not a WhatsApp id"},
        {",\n \"fallback_phones\": [\"919800000090\"]", "",
         "helpdesk: \"fallback_phones\" is missing"},
        {"[\"mon\",\"thu\"]", "[\"mon\",\"Thu\"]",
         "helpdesk.roster[0].days: [1] \"Thu\" is not a day: write mon, tue"},
        {"[\"mon\",\"thu\"]", "[\"mon\",\"thur\"]", "helpdesk.roster[0].days: [1] \"thur\""},
        {"[\"mon\",\"thu\"]", "[\"mon\",\"monday\"]",
         "helpdesk.roster[0].days: mon is listed twice"},
        {"[\"mon\",\"thu\"]", "[]", "helpdesk.roster[0].days: needs at least one day"},
        {"\"from\": \"10:00\", \"to\": \"17:30\"", "\"from\": \"10:00\", \"to\": \"24:00\"",
         "helpdesk.hours[0]: \"to\" \"24:00\" must be a 24-hour time HH:MM"},
        {"\"from\": \"12:00\"", "\"from\": \"12.00\"",
         "helpdesk.roster[2]: \"from\" \"12.00\" must be a 24-hour time"},
        {"\"from\": \"12:00\"", "\"from\": \"9:00\"", "helpdesk.roster[2]: \"from\" \"9:00\""},
        {"\"from\": \"12:00\", ", "", "helpdesk.roster[2]: \"from\" is missing"},
        {"\"department\": \"FOOD\", ", "", "helpdesk.roster[2]: \"department\" is missing"},
        {"[{\"days\": [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\"], \"from\": \"10:00\", "
         "\"to\": \"17:30\"}]",
         "[]", "helpdesk.hours: needs 1 to 100 entries, has 0"},
        {"\"roster\": [", "\"rota\": [", "helpdesk: unknown field \"rota\""},
    };
    char *hd = with_helpdesk();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = tu_replace(hd, cases[i].from, cases[i].to);
        err e = {0};
        directory *d = directory_parse(json, strlen(json), "t.json", &e);
        if (d)
            fail_msg("case %zu accepted: %s -> %s", i, cases[i].from, cases[i].to);
        if (!strstr(e.msg, cases[i].expect) || strncmp(e.msg, "t.json: ", 8) != 0)
            fail_msg("case %zu: expected \"%s\" in: %s", i, cases[i].expect, e.msg);
        free(json);
    }
    free(hd);
}

static void not_an_object_and_missing_file(void **state)
{
    (void)state;
    err e = {0};
    assert_null(directory_parse("[1,2]", 5, "x.json", &e));
    assert_non_null(strstr(e.msg, "must be a JSON object"));
    assert_null(directory_parse("", 0, "x.json", &e));
    assert_null(directory_parse_file("/nonexistent/district.json", &e));
    assert_non_null(strstr(e.msg, "/nonexistent/district.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_parses),           cmocka_unit_test(too_many_departments),
        cmocka_unit_test(shipped_sample_parses), cmocka_unit_test(invalid_inputs),
        cmocka_unit_test(keywords_parse),        cmocka_unit_test(keywords_refused),
        cmocka_unit_test(too_many_keywords),     cmocka_unit_test(not_an_object_and_missing_file),
        cmocka_unit_test(official_names),        cmocka_unit_test(helpdesk_parses),
        cmocka_unit_test(helpdesk_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

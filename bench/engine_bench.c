/* engine_bench.c — pure conversation steps per second on one core with the shipped flows
 * and the sample district: citizens walking the whole complaint path (greeting, language,
 * menu, department list, description, photo, village, confirm, case number, menu), with
 * no I/O. Prints steps/s and the mean time per step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "directory.h"
#include "engine.h"
#include "flow.h"

static double now(void)
{
    return (double)clock_mono_us() / 1e6;
}

static wa_message text(const char *t)
{
    wa_message m;
    memset(&m, 0, sizeof m);
    m.id = m.from = m.profile_name = m.context_id = m.context_from = m.reply_id = m.reply_title = "";
    m.reply_description = m.media_id = m.mime_type = m.sha256 = m.caption = m.filename = "";
    m.location_name = m.location_address = m.reaction_to = m.contacts_json = m.error_title = "";
    m.id = "wamid.bench";
    m.from = "919876543210";
    m.kind = WA_MSG_TEXT;
    m.type_name = "text";
    m.text = t;
    return m;
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : ".";
    char path[1024];
    err e = {0};
    flow_set *flows;
    directory *dir;
    engine_dept depts[64];
    engine_ctx ctx;
    static const char *const script[] = {"namaste", "1", "1", "1", "हमारे गांव का हैंडपंप दो हफ्ते से खराब है",
                                         NULL /* photo */, "ग्राम कसडोल, वार्ड 5", "haan"};
    size_t nscript = sizeof script / sizeof script[0];
    long steps = 0;
    double t0, elapsed, seconds = argc > 2 ? atof(argv[2]) : 3.0;
    snprintf(path, sizeof path, "%s/flows", root);
    if (!(flows = flow_set_load(path, &e))) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    snprintf(path, sizeof path, "%s/flows/district.json", root);
    if (!(dir = directory_parse_file(path, &e))) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    for (size_t i = 0; i < dir->ndepartments && i < 64; i++) {
        memset(&depts[i], 0, sizeof depts[i]);
        depts[i].code = dir->departments[i].code;
        depts[i].name.hi = dir->departments[i].name_hi;
        depts[i].name.en = dir->departments[i].name_en;
    }
    ctx = (engine_ctx){.flows = flows,
                       .depts = depts,
                       .ndepts = dir->ndepartments,
                       .district = {dir->name_hi, dir->name_en, NULL}}; /* "more": English */
    t0 = now();
    do {
        for (int round = 0; round < 100; round++) {
            engine_session s;
            engine_session_init(&s);
            for (size_t k = 0; k < nscript; k++) {
                engine_result r = {0};
                wa_message m = text(script[k] ? script[k] : "");
                if (!script[k]) {
                    m.kind = WA_MSG_IMAGE;
                    m.type_name = "image";
                    m.media_id = "1234567890";
                    m.mime_type = "image/jpeg";
                }
                if (engine_step(&ctx, &s, &m, 0, &r, &e) < 0) {
                    fprintf(stderr, "%s\n", e.msg);
                    return 1;
                }
                steps++;
                if (s.waiting) {
                    engine_result_free(&r);
                    engine_resume(&ctx, &s, 1, (const char *[]){"tracking_no", "due"},
                                  (const char *[]){"BLB-2026-000123", "25-11-2026 18:00"}, 2, &r, &e);
                    steps++;
                }
                engine_result_free(&r);
            }
            engine_session_clear(&s);
        }
        elapsed = now() - t0;
    } while (elapsed < seconds);
    printf("engine: %ld steps in %.2f s on one core: %.0f steps/s, %.1f us per step\n", steps, elapsed,
           (double)steps / elapsed, elapsed / (double)steps * 1e6);
    flow_set_free(flows);
    directory_free(dir);
    return 0;
}

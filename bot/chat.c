/* chat.c — the terminal simulator (see chat.h). Each line becomes one inbound message with
 * a fresh id, handled by conversation.c exactly as a webhook message would be. */
#include "chat.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conversation.h"
#include "flow.h"
#include "wa_in.h"

struct view {
    FILE *out;
    const char *phone;
};

static void show(void *ud, const char *to, const engine_out *o, const char *json)
{
    struct view *v = ud;
    FILE *out = v->out;
    (void)json;
    if (strcmp(to, v->phone) == 0)
        fprintf(out, "bot> %s\n", o->text);
    else /* to an officer or another citizen: shown, since chat sends nothing */
        fprintf(out, "bot -> %s> %s\n", to, o->text);
    for (size_t i = 0; i < o->nopts; i++)
        fprintf(out, "     %zu. %s%s%s\n", i + 1, o->opts[i].title, o->opts[i].desc[0] ? " — " : "",
                o->opts[i].desc);
    if (o->type == ENGINE_LIST && o->button[0])
        fprintf(out, "     [%s]\n", o->button);
}

static void blank(wa_message *m)
{
    memset(m, 0, sizeof *m);
    m->type_name = m->id = m->from = m->profile_name = m->context_id = m->context_from = "";
    m->text = m->reply_id = m->reply_title = m->reply_description = "";
    m->media_id = m->mime_type = m->sha256 = m->caption = m->filename = "";
    m->location_name = m->location_address = m->reaction_to = m->contacts_json = m->error_title =
        "";
}

/* The message a typed line stands for; 0 when the line is a chat command handled here. */
static int to_message(char *line, wa_message *m, char *media_id, size_t idsz, unsigned n)
{
    static const struct {
        const char *cmd, *mime;
        wa_msg_kind kind;
    } media[] = {{"/photo", "image/jpeg", WA_MSG_IMAGE},
                 {"/voice", "audio/ogg; codecs=opus", WA_MSG_AUDIO},
                 {"/document", "application/pdf", WA_MSG_DOCUMENT},
                 {"/video", "video/mp4", WA_MSG_VIDEO},
                 {"/sticker", "image/webp", WA_MSG_STICKER}};
    m->kind = WA_MSG_TEXT;
    m->text = line;
    if (line[0] != '/')
        return 1;
    for (size_t i = 0; i < sizeof media / sizeof media[0]; i++) {
        size_t l = strlen(media[i].cmd);
        if (strncmp(line, media[i].cmd, l) == 0 && (line[l] == '\0' || line[l] == ' ')) {
            snprintf(media_id, idsz, "chat-media-%u", n);
            m->kind = media[i].kind;
            m->media_id = media_id;
            m->mime_type = media[i].mime;
            m->caption = line[l] ? line + l + 1 : "";
            m->voice = media[i].kind == WA_MSG_AUDIO;
            m->text = "";
            return 1;
        }
    }
    if (strncmp(line, "/location", 9) == 0) {
        char *end;
        m->kind = WA_MSG_LOCATION;
        m->text = "";
        m->latitude = strtod(line + 9, &end);
        m->longitude = strtod(end, &end);
        m->has_location = 1;
        while (*end == ' ')
            end++;
        m->location_name = end;
        return 1;
    }
    return 0;
}

int chat_run(const config *c, const char *phone, FILE *in, FILE *out, err *e)
{
    flow_set *flows = flow_set_load(c->flows_dir, e);
    catalogue *cat = flows ? catalogue_load(c->flows_dir, e) : NULL;
    conv *cv;
    char *line = NULL, media_id[48], id[96];
    size_t cap = 0;
    unsigned n = 0;
    int tty = isatty(fileno(in)), rc = 0;
    if (!cat) {
        flow_set_free(flows);
        return -1;
    }
    if (!(cv = conv_new(c, flows, cat, e))) {
        flow_set_free(flows);
        catalogue_free(cat);
        return -1;
    }
    conv_set_outbox(cv, 0);
    fprintf(out,
            "Sampark chat as %s. Type a message or a number; /photo, /voice, /document, /video, "
            "/sticker,\n"
            "/location LAT LON, /reset (forget the conversation), /quit.\n",
            phone);
    for (;;) {
        ssize_t len;
        wa_message m;
        err me = {0};
        int result;
        if (tty)
            fprintf(out, "you> "), fflush(out);
        if ((len = getline(&line, &cap, in)) < 0)
            break;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!tty)
            fprintf(out, "you> %s\n", line);
        if (strcmp(line, "/quit") == 0)
            break;
        if (strcmp(line, "/reset") == 0) {
            fprintf(out,
                    conv_reset(cv, phone, &me) < 0 ? "(could not reset: %s)\n"
                                                   : "(conversation forgotten)%s\n",
                    me.msg);
            continue;
        }
        blank(&m);
        if (!to_message(line, &m, media_id, sizeof media_id, n)) {
            fprintf(out, "(unknown command %s)\n", line);
            continue;
        }
        snprintf(id, sizeof id, "chat.%s.%ld.%d.%u", phone, (long)time(NULL), (int)getpid(), n++);
        m.id = id;
        m.from = phone;
        m.profile_name = "Sampark chat";
        m.timestamp = (int64_t)time(NULL);
        m.type_name = wa_in_kind_name(m.kind);
        {
            struct view v = {out, phone};
            result = conv_handle(cv, &m, show, &v, &me);
        }
        if (result == CONV_RETRY)
            fprintf(out, "(not handled, a server is unavailable: %s)\n", me.msg);
        else if (result == CONV_DEAD)
            fprintf(out, "(this message cannot be handled: %s)\n", me.msg);
        fflush(out);
    }
    free(line);
    conv_free(cv);
    flow_set_free(flows);
    catalogue_free(cat);
    return rc;
}

/* wa_out.c — Graph API message JSON (see wa_out.h). Limits are enforced again here even
 * though flows are checked at load: dynamic text (placeholders, department names) can grow. */
#include "wa_out.h"

#include <json.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "text.h"

static json_object *str_cut(const char *s, size_t limit)
{
    char *copy = strdup(s ? s : "");
    json_object *o;
    if (!copy)
        return NULL;
    text_cut(copy, limit);
    o = json_object_new_string(copy);
    free(copy);
    return o;
}

static char *finish(json_object *root)
{
    char *out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    return out;
}

char *wa_out_message(const char *to, const engine_out *o)
{
    json_object *root = json_object_new_object(), *inter, *body, *action;
    if (!root)
        return NULL;
    json_object_object_add(root, "messaging_product", json_object_new_string("whatsapp"));
    json_object_object_add(root, "recipient_type", json_object_new_string("individual"));
    json_object_object_add(root, "to", json_object_new_string(to));
    if (o->type == ENGINE_TEXT || o->nopts == 0) {
        json_object *text = json_object_new_object();
        json_object_object_add(root, "type", json_object_new_string("text"));
        json_object_object_add(text, "preview_url", json_object_new_boolean(0));
        json_object_object_add(text, "body", str_cut(o->text, FLOW_TEXT_BODY_MAX));
        json_object_object_add(root, "text", text);
        return finish(root);
    }
    json_object_object_add(root, "type", json_object_new_string("interactive"));
    inter = json_object_new_object();
    body = json_object_new_object();
    action = json_object_new_object();
    json_object_object_add(body, "text", str_cut(o->text, FLOW_INTERACTIVE_BODY_MAX));
    json_object_object_add(inter, "body", body);
    if (o->type == ENGINE_BUTTONS) {
        json_object *buttons = json_object_new_array();
        json_object_object_add(inter, "type", json_object_new_string("button"));
        for (size_t i = 0; i < o->nopts && i < FLOW_MAX_BUTTONS; i++) {
            json_object *b = json_object_new_object(), *reply = json_object_new_object();
            json_object_object_add(reply, "id", json_object_new_string(o->opts[i].id));
            json_object_object_add(reply, "title",
                                   str_cut(o->opts[i].title, FLOW_BUTTON_TITLE_MAX));
            json_object_object_add(b, "type", json_object_new_string("reply"));
            json_object_object_add(b, "reply", reply);
            json_object_array_add(buttons, b);
        }
        json_object_object_add(action, "buttons", buttons);
    } else {
        json_object *sections = json_object_new_array(), *section = json_object_new_object(),
                    *rows = json_object_new_array();
        json_object_object_add(inter, "type", json_object_new_string("list"));
        for (size_t i = 0; i < o->nopts && i < FLOW_MAX_ROWS; i++) {
            json_object *row = json_object_new_object();
            json_object_object_add(row, "id", json_object_new_string(o->opts[i].id));
            json_object_object_add(row, "title", str_cut(o->opts[i].title, FLOW_ROW_TITLE_MAX));
            if (o->opts[i].desc[0])
                json_object_object_add(row, "description",
                                       str_cut(o->opts[i].desc, FLOW_ROW_DESC_MAX));
            json_object_array_add(rows, row);
        }
        json_object_object_add(section, "rows", rows);
        json_object_array_add(sections, section);
        json_object_object_add(action, "button",
                               str_cut(o->button[0] ? o->button : "Choose", FLOW_LIST_BUTTON_MAX));
        json_object_object_add(action, "sections", sections);
    }
    json_object_object_add(inter, "action", action);
    json_object_object_add(root, "interactive", inter);
    return finish(root);
}

char *wa_out_read(const char *wamid)
{
    json_object *root = json_object_new_object();
    if (!root)
        return NULL;
    json_object_object_add(root, "messaging_product", json_object_new_string("whatsapp"));
    json_object_object_add(root, "status", json_object_new_string("read"));
    json_object_object_add(root, "message_id", json_object_new_string(wamid));
    return finish(root);
}

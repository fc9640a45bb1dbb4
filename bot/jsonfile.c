/* jsonfile.c — see jsonfile.h. */
#include "jsonfile.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "text.h"
#include "vec.h"

/* The offset of the first byte that does not begin a well-formed UTF-8 character, or len.
 * json-c's JSON_TOKENER_VALIDATE_UTF8 lets overlong forms and surrogates through; PostgreSQL
 * and WhatsApp do not take them. */
static size_t utf8_bad_at(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (n > len - i || !text_utf8_valid(text + i, n))
            return i;
        i += n;
    }
    return len;
}

json_object *jsonfile_parse(const char *source, const char *text, size_t len, err *e)
{
    json_tokener *tok;
    json_object *root;
    enum json_tokener_error jerr;
    size_t end, bad = len;
    if (len > (size_t)INT32_MAX) {
        err_set(e, ERR_USER, "%s: too large", source);
        return NULL;
    }
    if (!(tok = json_tokener_new_ex(32))) {
        err_set(e, ERR_ENV, "out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    root = json_tokener_parse_ex(tok, text, (int)len);
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    if (jerr == json_tokener_success)
        while (end < len && isspace((unsigned char)text[end]))
            end++;
    if (jerr == json_tokener_success && end == len && (bad = utf8_bad_at(text, len)) < len)
        end = bad;
    if (jerr != json_tokener_success || end < len) {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < end && i < len; i++, col++)
            if (text[i] == '\n') {
                line++;
                col = 0;
            }
        err_set(e, ERR_USER, "%s:%zu:%zu: %s", source, line, col,
                jerr == json_tokener_continue  ? "the JSON ends too early (a missing } or ]?)"
                : bad < len                    ? "invalid utf-8 string"
                : jerr == json_tokener_success ? "unexpected text after the JSON value"
                                               : json_tokener_error_desc(jerr));
        json_object_put(root);
        root = NULL;
    }
    json_tokener_free(tok);
    return root;
}

char *jsonfile_read(const char *path, size_t *len, err *e)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n;
    *len = 0;
    if (!f) {
        err_set(e, ERR_USER, "%s: cannot open the file", path);
        return NULL;
    }
    do {
        if (*len + 65536 + 1 > (16u << 20) || vec_reserve(buf, cap, *len + 65536 + 1) < 0) {
            free(buf);
            fclose(f);
            err_set(e, ERR_USER, "%s: larger than 16 MiB", path);
            return NULL;
        }
        n = fread(buf + *len, 1, cap - *len - 1, f);
        *len += n;
    } while (n > 0);
    if (ferror(f)) {
        free(buf);
        fclose(f);
        err_set(e, ERR_ENV, "%s: read error", path);
        return NULL;
    }
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

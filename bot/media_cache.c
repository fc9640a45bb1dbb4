/* media_cache.c — the paths of the portal's media cache and its sweep (see media_cache.h). */
#include "media_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"

/* Hashes asked about in one statement (each is a scan of attachments). */
#define SWEEP_BATCH 5000
#define HASH_LEN    64

void media_cache_paths(const char *dir, const char *id, char *path, char *mpath, size_t n)
{
    unsigned char d[SHA256_DIGEST_LENGTH];
    char hash[2 * SHA256_DIGEST_LENGTH + 1];
    SHA256((const unsigned char *)id, strlen(id), d);
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(hash + 2 * i, 3, "%02x", d[i]);
    snprintf(path, n, "%s/%s", dir, hash);
    snprintf(mpath, n, "%s/%s.type", dir, hash);
}

typedef struct sweep {
    int dfd;
    char names[SWEEP_BATCH][HASH_LEN + 1];
    size_t n, removed;
} sweep;

/* The batch's files that no attachment names, removed with their type notes. */
static int flush(db *pg, sweep *sw, err *e)
{
    const char *hashes[SWEEP_BATCH];
    unsigned char unknown[SWEEP_BATCH];
    char note[HASH_LEN + 8];
    for (size_t i = 0; i < sw->n; i++)
        hashes[i] = sw->names[i];
    if (sw->n && case_media_unknown(pg, hashes, sw->n, unknown, e) < 0)
        return -1;
    for (size_t i = 0; i < sw->n; i++) {
        if (!unknown[i])
            continue;
        snprintf(note, sizeof note, "%s.type", sw->names[i]);
        if (unlinkat(sw->dfd, sw->names[i], 0) == 0)
            sw->removed++;
        unlinkat(sw->dfd, note, 0);
    }
    sw->n = 0;
    return 0;
}

/* What name is in the cache: 0 the file of a media id, 1 a type note whose file is gone, 2 a
 * download in progress, -1 anything else (never touched). */
static int kind_of(int dfd, const char *name)
{
    size_t len = strlen(name);
    char file[HASH_LEN + 1];
    struct stat st;
    if (len < HASH_LEN || strspn(name, "0123456789abcdef") != HASH_LEN)
        return -1;
    if (len == HASH_LEN)
        return 0;
    if (strcmp(name + HASH_LEN, ".type") == 0) {
        snprintf(file, sizeof file, "%.*s", HASH_LEN, name);
        return fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT ? 1 : -1;
    }
    return len == HASH_LEN + 7 && name[HASH_LEN] == '.' ? 2 : -1;
}

int media_cache_sweep(db *pg, const char *dir, long min_age_s, size_t *removed, err *e)
{
    DIR *d = opendir(dir);
    int errnum = errno, rc = 0, k;
    sweep *sw = d ? malloc(sizeof *sw) : NULL; /* 325 KB */
    struct dirent *de;
    struct stat st;
    time_t before = time(NULL) - min_age_s;
    *removed = 0;
    if (!d)
        return errnum == ENOENT ? 0
                                : err_set(e, ERR_ENV, "SAMPARK_MEDIA_DIR: %s", strerror(errnum));
    if (!sw) {
        closedir(d);
        return err_set(e, ERR_ENV, "out of memory");
    }
    sw->dfd = dirfd(d);
    sw->n = sw->removed = 0;
    while (rc == 0 && (de = readdir(d))) {
        if ((k = kind_of(sw->dfd, de->d_name)) < 0 ||
            fstatat(sw->dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
            st.st_mtime > before)
            continue; /* young: maybe just fetched for an attachment this sweep cannot see yet */
        if (k > 0) { /* a type note alone, or a download a crash left */
            if (unlinkat(sw->dfd, de->d_name, 0) == 0 && k == 2)
                sw->removed++;
            continue;
        }
        snprintf(sw->names[sw->n++], HASH_LEN + 1, "%s", de->d_name);
        if (sw->n == SWEEP_BATCH)
            rc = flush(pg, sw, e);
    }
    if (rc == 0)
        rc = flush(pg, sw, e);
    closedir(d);
    *removed = sw->removed;
    free(sw);
    return rc;
}

/* media_cache.h — the portal's cache of WhatsApp media in SAMPARK_MEDIA_DIR: where a media id's
 * file lives, and the sweep that removes the files no attachment names any more.
 *
 * Layout: <dir>/<sha256 of the media id, hex> holds the file, <dir>/<same>.type its MIME type;
 * <dir>/<same>.XXXXXX is a download in progress (portal_api.c renames it into place). A case's
 * attachments are deleted when retention anonymises it (cases.c); the files they named are then
 * citizens' photos and voice notes kept for nothing, and the sweep removes them. */
#ifndef SAMPARK_MEDIA_CACHE_H
#define SAMPARK_MEDIA_CACHE_H

#include <stddef.h>

#include "db.h"
#include "err.h"

/* The paths of media id's file and its type note in dir (each n bytes). */
void media_cache_paths(const char *dir, const char *id, char *path, char *mpath, size_t n);

/* Removes from dir the files older than min_age_s seconds whose name is the hash of no
 * attachment's media id (attachments_unknown in cases.h), with their type notes, and the
 * downloads in progress left that long (a crashed download). *removed counts the files.
 * 0, or -1 with e (what was removed before stays removed; the next sweep goes on). A missing
 * dir is nothing to do. */
int media_cache_sweep(db *pg, const char *dir, long min_age_s, size_t *removed, err *e);

#endif

#include "retract.h"
#include "codec.h"
#include "date.h"
#include "submitter.h"
#include "uuid.h"

#include <stdlib.h>
#include <string.h>

int retract_submit(sqlite3 *db, outbox_t *ob, const char *village, const char *event_id,
                   const char *reason, FILE *errs, char id[37])
{
    int rc = -1;
    char today[11];
    uint8_t *buf = NULL;
    size_t len;
    struct submit_result res;
    submitter_t *s = NULL;
    Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
    Shibao__V1__Retraction r = SHIBAO__V1__RETRACTION__INIT;
    if (!*id && uuid_v7(id) < 0)
        return -1;
    date_today(today);
    ev.event_id = id;
    ev.village_id = (char *)village;
    ev.occurred_on = today;
    ev.body_case = SHIBAO__V1__EVENT__BODY_RETRACTION;
    ev.retraction = &r;
    r.event_id = (char *)event_id;
    r.reason = (char *)(reason ? reason : "");
    /* the submitter takes a message of its own allocation: this one,
     * encoded and read back */
    if (codec_encode(&ev.base, &buf, &len) < 0 || submitter_new(village, "retract", errs, &res, &s) < 0)
        goto out;
    Shibao__V1__Event *copy = codec_decode_event(buf, len);
    if (!copy)
        goto out;
    int added = submitter_add(s, &copy->base, 1, NULL, NULL);
    if (added < 0)
        goto out;
    rc = submitter_commit(s, db, ob);
out:
    free(buf);
    submitter_free(&s);
    return rc;
}

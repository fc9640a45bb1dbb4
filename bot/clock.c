/* clock.c — wall and monotonic time in int64 milliseconds; see clock.h. */
#include "clock.h"

#include <time.h>

static int64_t read_clock(clockid_t id, int64_t per_s)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * per_s + (int64_t)ts.tv_nsec / (1000000000 / per_s);
}

int64_t clock_now_ms(void)
{
    return read_clock(CLOCK_REALTIME, 1000);
}

int64_t clock_mono_ms(void)
{
    return read_clock(CLOCK_MONOTONIC, 1000);
}

int64_t clock_mono_us(void)
{
    return read_clock(CLOCK_MONOTONIC, 1000000);
}

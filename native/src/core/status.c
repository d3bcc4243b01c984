/* Status names and the per-thread last-error message. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

static JCONV_THREAD_LOCAL char last_error[512];

const char *jconv_status_string(jconv_status status) {
    switch (status) {
    case JCONV_OK: return "ok";
    case JCONV_INVALID_ARGUMENT: return "invalid argument";
    case JCONV_UNSUPPORTED: return "unsupported";
    case JCONV_OUT_OF_MEMORY: return "out of memory";
    case JCONV_INTERNAL_ERROR: return "internal error";
    }
    return "unknown status";
}

const char *jconv_last_error(void) { return last_error; }

void jconv_clear_error(void) { last_error[0] = '\0'; }

jconv_status jconv_fail(jconv_status status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(last_error, sizeof last_error, format, args);
    va_end(args);
    return status;
}
